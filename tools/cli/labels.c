/* labels.c: Chinese labels of enum symbols and participants' display names (labels.h). */
#include "labels.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

typedef struct {
    const char *code, *label;
} label_row;

static const label_row products[] = {
    /* MatchingFeedback.product */
    {"PROJECT_LOAN", "项目贷款"},
    {"WORKING_CAPITAL_LOAN", "流动资金贷款"},
    {"CREDIT_LOAN", "信用贷款"},
    {"MEDIUM_LONG_TERM_LOAN", "中长期贷款"},
    {"RENEWAL_WITHOUT_REPAYMENT", "无还本续贷"},
    {"GREEN_BOND_UNDERWRITING", "绿色债券承销"},
    {"LEASING", "融资租赁"},
    {"GUARANTEE", "担保"},
    {"INSURANCE", "保险"},
    {"FUND_INVESTMENT", "基金投资"},
    {"OTHER", "其他"},
    /* FinancingSupportReported.product, where it differs */
    {"LOAN", "贷款"},
    {"RENEWAL_WITHOUT_PRINCIPAL", "无还本续贷"},
    {"GREEN_BOND", "绿色债券"},
    {"TRANSITION_BOND", "转型债券"},
    {"EQUITY_INVESTMENT", "股权投资"},
    {NULL, NULL},
};

static const label_row stages[] = {
    {"NONE", "未对接"},         {"CONTACTED", "已对接"}, {"DUE_DILIGENCE", "尽职调查"}, {"CREDIT_APPROVED", "授信通过"},
    {"DISBURSED", "已放款"},     {"DECLINED", "不予融资"}, {NULL, NULL},
};

static const label_row need_statuses[] = {
    {"SUBMITTED", "已提交"},   {"APPROVED", "审核通过"}, {"REJECTED", "未通过"},  {"RETURNED", "退回修改"},
    {"RECOMMENDED", "已推荐"}, {"PUSHED", "已推送"},     {"WITHDRAWN", "已撤回"}, {"DISPATCHED", "已分发"},
    {"ACTIVE", "有效"},        {"CANCELLED", "已取消"},  {NULL, NULL},
};

static const label_row overall[] = {
    {"AWAITING", "待对接"},  {"MATCHING", "对接中"},        {"APPROVED", "已授信"}, {"FINANCED", "已融资"},
    {"DECLINED_ALL", "均不予融资"}, {"BLOCKED", "存在梗阻"}, {NULL, NULL},
};

static const label_row declines[] = {
    {"NOT_GREEN_ELIGIBLE", "不符合绿色属性"}, {"CREDIT_RISK", "信用风险"},     {"INSUFFICIENT_COLLATERAL", "担保抵押不足"},
    {"PROJECT_NOT_READY", "项目不成熟"},      {"ENTERPRISE_DECLINED", "企业放弃"}, {"DUPLICATE_FINANCING", "重复融资"},
    {"OTHER", "其他"},                        {NULL, NULL},
};

static const label_row obstacles[] = {
    {"COLLATERAL", "抵质押物"}, {"CREDIT_RATING", "信用评级"}, {"COMPLIANCE", "合规手续"},
    {"INFORMATION", "信息不对称"}, {"POLICY", "政策"},        {"OTHER", "其他"}, {NULL, NULL},
};

static const label_row alerts[] = {
    {"DISBURSED_ON_WITHDRAWN_NEED", "需求撤回后放款"},
    {"APPROVED_ABOVE_REQUESTED", "授信超出申请金额"},
    {"NOT_GREEN_ELIGIBLE", "项目不在绿色目录"},
    {NULL, NULL},
};

static const label_row list_kinds[] = {
    {"GREEN_PROJECT", "绿色项目清单"},        {"GREEN_ENTERPRISE", "绿色企业名单"},
    {"GREEN_FACTORY", "绿色工厂"},            {"EFFICIENCY_LEADER", "能效领跑者"},
    {"WATER_EFFICIENCY_LEADER", "水效领跑者"}, {"GREEN_PARK", "绿色园区"},
    {"GREEN_SUPPLY_CHAIN", "绿色供应链管理企业"}, {"GREEN_PRODUCT", "绿色设计产品"},
    {"GREEN_DESIGN", "工业产品绿色设计示范企业"}, {"SPECIALIZED_SME", "专精特新中小企业"},
    {"LITTLE_GIANT", "专精特新“小巨人”企业"},   {"CLEAN_PRODUCTION_AUDIT", "清洁生产审核企业"},
    {"TRANSITION_PROJECT", "转型项目"},         {"KEY_GREEN_PROJECT", "重点绿色项目"},
    {NULL, NULL},
};

static const label_row changes[] = {
    {"ADDED", "新增"}, {"UPDATED", "变更"}, {"REMOVED", "移出"}, {NULL, NULL},
};

static const label_row reviews[] = {
    {"APPROVED", "审核通过"}, {"REJECTED", "审核不通过"}, {"RETURNED", "退回修改"}, {NULL, NULL},
};

static const label_row *const vocabularies[CLI_LABEL_NKINDS] = {
    [CLI_LABEL_PRODUCT] = products,     [CLI_LABEL_STAGE] = stages,       [CLI_LABEL_NEED_STATUS] = need_statuses,
    [CLI_LABEL_OVERALL] = overall,      [CLI_LABEL_DECLINE] = declines,   [CLI_LABEL_OBSTACLE] = obstacles,
    [CLI_LABEL_ALERT] = alerts,         [CLI_LABEL_LIST_KIND] = list_kinds, [CLI_LABEL_CHANGE] = changes,
    [CLI_LABEL_REVIEW] = reviews,
};

const char *cli_label(cli_label_kind kind, const char *code)
{
    if (!code)
        return "";
    for (const label_row *r = kind < CLI_LABEL_NKINDS ? vocabularies[kind] : NULL; r && r->code; r++)
        if (!strcmp(r->code, code))
            return r->label;
    return code;
}

const char *cli_label_catalogue_group(const char *category_code)
{
    /* 绿色低碳转型产业指导目录（2024年版）: the seven first-level groups. */
    static const char *const groups[] = {"节能降碳产业",   "环境保护产业",         "资源循环利用产业", "能源绿色低碳转型",
                                         "生态保护修复和利用", "基础设施绿色低碳升级", "绿色服务"};
    if (!category_code || !*category_code)
        return "无分类";
    char *end;
    long g = strtol(category_code, &end, 10);
    if (end == category_code || (*end && *end != '.') || g < 1 || g > 7)
        return category_code;
    return groups[g - 1];
}

/* ---------------------------------------------------------------- participants */

gfdx_registry *cli_names_open(const char *path, char *err, size_t errlen)
{
    const char *env = getenv("GFDX_PARTICIPANTS");
    if (path)
        return gfdx_registry_load(path, err, errlen);
    char ignored[512], installed[PATH_MAX];
    return gfdx_registry_load(env && *env ? env
                                          : gfdx_config_default_path(GFDX_SOURCE_DIR "/deploy/participants.cfg",
                                                                     installed, sizeof installed),
                              ignored, sizeof ignored);
}

const char *cli_names_name(const gfdx_registry *reg, const char *id)
{
    const gfdx_participant *p = reg && id ? gfdx_registry_find(reg, id) : NULL;
    return p ? p->name : NULL;
}

const char *cli_names_who(const gfdx_registry *reg, const char *id, char *buf, size_t len)
{
    const char *name = cli_names_name(reg, id);
    if (name)
        snprintf(buf, len, "%s %s", name, id);
    else
        snprintf(buf, len, "%s", id ? id : "");
    return cli_utf8_trim(buf);
}

char *cli_utf8_trim(char *s)
{
    size_t n = strlen(s), start = n;
    while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80 && n - start < 3)
        start--; /* continuation bytes of the last sequence */
    if (start == 0)
        return s;
    unsigned char lead = (unsigned char)s[start - 1];
    size_t want = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 1;
    if (n - (start - 1) < want)
        s[start - 1] = '\0';
    return s;
}

const char *cli_schemas_dir(void)
{
    static char installed[PATH_MAX];
    const char *env = getenv("GFDX_SCHEMAS");
    return env && *env ? env : gfdx_config_default_path(GFDX_SOURCE_DIR "/schemas/avro", installed, sizeof installed);
}
