/* trace_describe.c: one sentence (Chinese, with the codes an operator searches for) per
 * record of a need's trace (trace.h). The detail each source passes:
 *   event      intake: the record body; feedback: {bank_id, amount, record, category}
 *   refused    {reason_code, reason}
 *   push       {branch_id, quarter, late, is_major, priority_tags, financing_amount, banks}
 *   withdrawn  {reason, cancelled}
 *   alert      {kind, bank_id, detail} */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "report.h"
#include "service.h"
#include "trace.h"

typedef void (*describe_fn)(FILE *f, const json_t *d, const gfdx_registry *names, long long *fen);

static const char *str(const json_t *d, const char *path)
{
    const char *s = gfdx_rec_str(d, path);
    return s ? s : "";
}

/* "1,234.50 万元" */
static void wan(FILE *f, long long fen)
{
    static const cli_column dec = {"wan", NULL, CLI_COL_DEC};
    char plain[32], shown[48];
    report_fen_to_wan_ll(fen, plain, sizeof plain);
    fprintf(f, "%s 万元", cli_cell_display(&dec, plain, shown, sizeof shown));
}

static void who(FILE *f, const gfdx_registry *names, const char *id)
{
    const char *name = cli_names_name(names, id);
    fputs(name ? name : id, f);
}

/* "; 备注: ..." when the record carries a comment. */
static void comment(FILE *f, const json_t *d, const char *path)
{
    const char *c = gfdx_rec_str(d, path);
    if (c && *c)
        fprintf(f, "; 备注: %s", c);
}

/* ---------------------------------------------------------------- intake */

static void need_filed(FILE *f, const json_t *d, bool revised, long long *fen)
{
    *fen = gfdx_rec_int(d, "project.financing_amount");
    fprintf(f, "%s: %s · %s（%s", revised ? "修改融资需求" : "提交融资需求", str(d, "factory.name"),
            str(d, "project.name"), str(d, "project.kind"));
    const char *code = gfdx_rec_str(d, "project.catalogue_code");
    if (code)
        fprintf(f, ", 目录 %s", code);
    fputs("）, 申请融资 ", f);
    wan(f, *fen);
    if (gfdx_rec_bool(d, "is_major"))
        fputs(", 重大项目", f);
}

static void submitted(FILE *f, const json_t *d, const gfdx_registry *n, long long *fen) { need_filed(f, d, false, fen); }
static void revised(FILE *f, const json_t *d, const gfdx_registry *n, long long *fen) { need_filed(f, d, true, fen); }

static void reviewed(FILE *f, const json_t *d, const gfdx_registry *n, long long *fen)
{
    fprintf(f, "省级工信主管部门审核: %s %s", cli_label(CLI_LABEL_REVIEW, str(d, "decision")), str(d, "decision"));
    if (gfdx_rec_str(d, "reviewer"))
        fprintf(f, "（审核人 %s）", str(d, "reviewer"));
    comment(f, d, "comment");
}

static void recommended(FILE *f, const json_t *d, const gfdx_registry *n, long long *fen)
{
    fprintf(f, "推荐至工业和信息化部: %s, 批次 %s", str(d, "quarter"), str(d, "batch_id"));
}

static void withdrawn(FILE *f, const json_t *d, const gfdx_registry *n, long long *fen)
{
    fprintf(f, "撤回需求: %s", str(d, "reason"));
}

static void matching_status(FILE *f, const json_t *d, const gfdx_registry *n, long long *fen)
{
    fprintf(f, "对接进展 %s %s: 对接银行 %lld 家, 授信 %lld 家 ", cli_label(CLI_LABEL_OVERALL, str(d, "overall")),
            str(d, "overall"), gfdx_rec_int(d, "banks_contacted"), gfdx_rec_int(d, "banks_approved"));
    wan(f, gfdx_rec_int(d, "approved_total"));
    fputs(", 放款 ", f);
    wan(f, gfdx_rec_int(d, "disbursed_total"));
    fprintf(f, ", 不予融资 %lld 家, 未解决梗阻 %lld", gfdx_rec_int(d, "banks_declined"), gfdx_rec_int(d, "open_obstacles"));
}

static void delivered(FILE *f, const json_t *d, const gfdx_registry *n, long long *fen)
{
    fprintf(f, "推送记录 NeedPushed 已送达 %s", str(d, "delivered_to"));
}

/* ---------------------------------------------------------------- pboc */

static void pushed(FILE *f, const json_t *d, const gfdx_registry *names, long long *fen)
{
    *fen = gfdx_rec_int(d, "financing_amount");
    fputs("人民银行收到推送, 转至 ", f);
    who(f, names, str(d, "branch_id"));
    fprintf(f, "（%s）, %s%s%s", str(d, "branch_id"), str(d, "quarter"), gfdx_rec_bool(d, "late") ? " 逾期推荐" : "",
            gfdx_rec_bool(d, "is_major") ? " 重大项目" : "");
    const json_t *banks = gfdx_rec_get(d, "banks");
    fprintf(f, "; 分发至 %zu 家银行", json_array_size(banks));
    for (size_t i = 0; i < json_array_size(banks); i++) {
        fputs(i ? "、" : ": ", f);
        who(f, names, json_string_value(json_array_get(banks, i)));
    }
    const json_t *tags = gfdx_rec_get(d, "priority_tags");
    for (size_t i = 0; i < json_array_size(tags); i++)
        fprintf(f, "%s%s", i ? "、" : "; 优先支持: ", cli_label(CLI_LABEL_LIST_KIND, json_string_value(json_array_get(tags, i))));
}

static void push_withdrawn(FILE *f, const json_t *d, const gfdx_registry *n, long long *fen)
{
    fprintf(f, "撤回推送: %s; 取消分发 %lld 家银行", str(d, "reason"), gfdx_rec_int(d, "cancelled"));
}

/* ---------------------------------------------------------------- feedback */

static void bank_prefix(FILE *f, const json_t *d, const gfdx_registry *names)
{
    fputc('[', f);
    who(f, names, str(d, "bank_id"));
    fputs("] ", f);
}

static void matching(FILE *f, const json_t *d, const gfdx_registry *names, long long *fen)
{
    const char *stage = str(d, "record.stage");
    bank_prefix(f, d, names);
    if (!strcmp(stage, "CREDIT_APPROVED")) {
        *fen = gfdx_rec_int(d, "amount");
        fputs("授信审批通过 ", f);
        wan(f, *fen);
        fprintf(f, ", %s", cli_label(CLI_LABEL_PRODUCT, str(d, "record.product")));
        if (gfdx_rec_get(d, "record.rate_bp") && !json_is_null(gfdx_rec_get(d, "record.rate_bp")))
            fprintf(f, ", 年利率 %.2f%%", (double)gfdx_rec_int(d, "record.rate_bp") / 100.0);
        if (gfdx_rec_int(d, "record.term_months") > 0)
            fprintf(f, ", 期限 %lld 个月", gfdx_rec_int(d, "record.term_months"));
    } else if (!strcmp(stage, "DISBURSED")) {
        *fen = gfdx_rec_int(d, "amount");
        fputs("放款 ", f);
        wan(f, *fen);
    } else if (!strcmp(stage, "DECLINED")) {
        fprintf(f, "不予融资: %s %s", cli_label(CLI_LABEL_DECLINE, str(d, "record.decline_reason")),
                str(d, "record.decline_reason"));
    } else {
        fprintf(f, "%s", !strcmp(stage, "CONTACTED") ? "与企业对接" : !strcmp(stage, "DUE_DILIGENCE") ? "开展尽职调查" : stage);
    }
    comment(f, d, "record.comment");
}

static void obstacle_raised(FILE *f, const json_t *d, const gfdx_registry *names, long long *fen)
{
    bank_prefix(f, d, names);
    fprintf(f, "提出融资梗阻（%s %s）: %s", cli_label(CLI_LABEL_OBSTACLE, str(d, "record.category")),
            str(d, "record.category"), str(d, "record.description"));
}

static void obstacle_resolved(FILE *f, const json_t *d, const gfdx_registry *names, long long *fen)
{
    bank_prefix(f, d, names);
    fprintf(f, "融资梗阻已协调解决（%s）: %s", cli_label(CLI_LABEL_OBSTACLE, str(d, "category")),
            str(d, "record.resolution"));
    if (gfdx_rec_str(d, "record.resolved_by"))
        fprintf(f, "（%s）", str(d, "record.resolved_by"));
}

static void alert(FILE *f, const json_t *d, const gfdx_registry *names, long long *fen)
{
    fprintf(f, "洗绿预警 %s %s: %s", cli_label(CLI_LABEL_ALERT, str(d, "kind")), str(d, "kind"), str(d, "detail"));
}

static void refused(FILE *f, const json_t *d, const gfdx_registry *names, long long *fen)
{
    fprintf(f, "拒收 %s: %s", str(d, "reason_code"), str(d, "reason"));
}

/* ---------------------------------------------------------------- dispatch */

static const struct {
    const char *source, *record; /* NULL record: any */
    describe_fn fn;
} describers[] = {
    {"event", "NeedSubmitted", submitted},
    {"event", "NeedRevised", revised},
    {"event", "NeedReviewed", reviewed},
    {"event", "NeedRecommended", recommended},
    {"event", "NeedWithdrawn", withdrawn},
    {"event", "NeedMatchingStatus", matching_status},
    {"event", "NeedPushed", delivered},
    {"event", "MatchingFeedback", matching},
    {"event", "ObstacleRaised", obstacle_raised},
    {"event", "ObstacleResolved", obstacle_resolved},
    {"push", NULL, pushed},
    {"withdrawn", NULL, push_withdrawn},
    {"alert", NULL, alert},
    {"refused", NULL, refused},
};

char *trace_describe(const char *source, const char *record_type, const json_t *detail, const gfdx_registry *names,
                     long long *amount_fen)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    *amount_fen = -1;
    describe_fn fn = NULL;
    for (size_t i = 0; !fn && i < sizeof describers / sizeof describers[0]; i++)
        if (!strcmp(describers[i].source, source) && (!describers[i].record || !strcmp(describers[i].record, record_type)))
            fn = describers[i].fn;
    if (fn && detail)
        fn(f, detail, names, amount_fen);
    else
        fprintf(f, "%s", record_type);
    if (fclose(f)) {
        free(text);
        return NULL;
    }
    return text;
}
