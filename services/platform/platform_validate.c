/* platform_validate.c: see platform_validate.h. */
#include "platform_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "region.h"
#include "service.h"
#include "uscc.h"

int platform_table_of_kind(gfdx_participant_kind k)
{
    switch (k) {
    case GFDX_PK_BANK: return 1;
    case GFDX_PK_GUARANTOR: return 2;
    case GFDX_PK_INSURER: return 3;
    case GFDX_PK_FUND: return 4;
    case GFDX_PK_UNDERWRITER: return 5;
    default: return 0;
    }
}

bool platform_period_valid(const char *p)
{
    return p && strlen(p) == 6 && !strncmp(p, "20", 2) && isdigit((unsigned char)p[2]) &&
           isdigit((unsigned char)p[3]) && p[4] == 'H' && (p[5] == '1' || p[5] == '2');
}

bool platform_service_code_well_formed(const char *code)
{
    if (!code || strncmp(code, "7.", 2) || strlen(code) > 16)
        return false;
    int dots = 0;
    bool digit_before = false;
    for (const char *c = code + 2; *c; c++) {
        if (*c == '.' && digit_before && ++dots <= 1)
            digit_before = false;
        else if (isdigit((unsigned char)*c))
            digit_before = true;
        else
            return false;
    }
    return digit_before;
}

/* The columns of each table besides enterprise, uscc and registration_region (always
 * required) and project_name; required ones first, then optional ones. */
typedef struct {
    const char *required[6];
    const char *optional[4];
} table_columns;

static const table_columns columns_of[6] = {
    [1] = {{"project_name", "project_type", "loan_type", "disbursed", "balance"},
           {"emc_loan_type", "emc_disbursed", "emc_balance"}},
    [2] = {{"guaranteed"}, {"project_name"}},
    [3] = {{"insurance_type", "insured"}, {"project_name", "claims_paid"}},
    [4] = {{"invested"}, {"project_name"}},
    [5] = {{"bond_amount"}, {"project_name"}},
};

static const char *const table_specific[] = {"project_name", "project_type", "loan_type", "disbursed", "balance",
                                             "emc_loan_type", "emc_disbursed", "emc_balance", "guaranteed",
                                             "insurance_type", "insured", "claims_paid", "invested", "bond_amount"};

static bool in_list(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n && list[i]; i++)
        if (!strcmp(list[i], name))
            return true;
    return false;
}

static bool filled(const json_t *row, const char *col)
{
    const json_t *v = json_object_get(row, col);
    return v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v));
}

/* The row's columns against its table: required ones filled, other tables' ones empty. */
static const char *check_columns(const json_t *row, size_t no, int t, char *why, size_t n)
{
    const table_columns *c = &columns_of[t];
    for (size_t i = 0; i < 6 && c->required[i]; i++)
        if (!filled(row, c->required[i]))
            return snprintf(why, n, "row %zu: %s is required in 表%d", no, c->required[i], t), "INVALID_FIELD";
    for (size_t i = 0; i < sizeof table_specific / sizeof table_specific[0]; i++) {
        const char *col = table_specific[i];
        if (filled(row, col) && !in_list(c->required, 6, col) && !in_list(c->optional, 4, col))
            return snprintf(why, n, "row %zu: %s is not a column of 表%d", no, col, t), "INVALID_FIELD";
    }
    return NULL;
}

static const char *check_enterprise(const json_t *row, size_t no, char *why, size_t n)
{
    const char *name = gfdx_rec_str(row, "enterprise"), *uscc = gfdx_rec_str(row, "uscc");
    const char *region = gfdx_rec_str(row, "registration_region");
    if (!name || !*name)
        return snprintf(why, n, "row %zu: enterprise must not be empty", no), "INVALID_FIELD";
    if (!gfdx_uscc_is_valid(uscc))
        return snprintf(why, n, "row %zu (%s): uscc \"%s\": %s", no, name, uscc ? uscc : "",
                        gfdx_uscc_explain(uscc ? uscc : "")),
               "BAD_USCC";
    char prov[7];
    if (!region || !gfdx_region_is_valid(region) || gfdx_region_province_of(region, prov))
        return snprintf(why, n, "row %zu (%s): registration_region \"%s\" is not a GB/T 2260 code", no, name,
                        region ? region : ""),
               "UNKNOWN_REGION";
    if (strcmp(prov, "310000"))
        return snprintf(why, n, "row %zu (%s, %s): registered in %s, not in Shanghai (31xxxx): the tables cover "
                        "enterprises registered in Shanghai only",
                        no, name, uscc, region),
               "NOT_SHANGHAI";
    return NULL;
}

static bool code_listed(const gfdx_strlist *codes, const char *code)
{
    for (size_t i = 0; codes && i < codes->count; i++)
        if (!strcmp(codes->items[i], code))
            return true;
    return false;
}

/* 表1: 项目类型 and the 其中：7.2.2 columns. */
static const char *check_loan(const json_t *row, size_t no, const gfdx_strlist *codes, char *why, size_t n)
{
    const char *type = gfdx_rec_str(row, "project_type");
    bool major = strlen(type) == 1 && type[0] >= '1' && type[0] <= '6';
    if (!major && !code_listed(codes, type))
        return snprintf(why, n, "row %zu: 项目类型 \"%s\" is neither a major class 1-6 nor a group 7 code of the 2024 "
                        "catalogue (group 7 is filed in detail, e.g. 7.2.2)",
                        no, type),
               "UNKNOWN_PROJECT_TYPE";
    int emc = filled(row, "emc_loan_type") + filled(row, "emc_disbursed") + filled(row, "emc_balance");
    if (emc && strcmp(type, PLATFORM_EMC_CODE))
        return snprintf(why, n, "row %zu: the 7.2.2 合同能源管理服务 columns on a project of type %s", no, type),
               "INVALID_AMOUNT";
    if (emc && emc != 3)
        return snprintf(why, n, "row %zu: the 7.2.2 columns go together (放贷类型, 发放量, 余额)", no), "INVALID_AMOUNT";
    if (emc && (gfdx_rec_int(row, "emc_disbursed") > gfdx_rec_int(row, "disbursed") ||
                gfdx_rec_int(row, "emc_balance") > gfdx_rec_int(row, "balance")))
        return snprintf(why, n, "row %zu: the 7.2.2 amounts exceed the row's 发放量 / 余额", no), "INVALID_AMOUNT";
    return NULL;
}

const char *platform_validate_rows(const json_t *rows, int t, const gfdx_strlist *codes, int max_rows, char *why,
                                   size_t whylen)
{
    if (t < 1 || t > 5 || !json_is_array(rows))
        return snprintf(why, whylen, "table_no %d: annex 2 has tables 1-5", t), "INVALID_FIELD";
    if (json_array_size(rows) > (size_t)max_rows)
        return snprintf(why, whylen, "rows: %zu, at most %d", json_array_size(rows), max_rows), "LIMIT_EXCEEDED";
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row) {
        const char *code = check_enterprise(row, i + 1, why, whylen);
        if (!code)
            code = check_columns(row, i + 1, t, why, whylen);
        if (!code && t == 1)
            code = check_loan(row, i + 1, codes, why, whylen);
        if (code)
            return code;
    }
    return NULL;
}
