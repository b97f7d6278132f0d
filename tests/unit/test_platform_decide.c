/* test_platform_decide: gfdx-platform's decision (platform_decide.h) and content checks
 * (platform_validate.h) on an in-memory rowset, no database: a bank's 表1 accepted (filing,
 * version and row rows), superseded by a later filing of the same key (version 2, the first
 * version's rows kept); every kind's table; the refusals, authorization before anything
 * stored: another kind, another institution's key or institution, a bank filing 表2, a
 * non-Shanghai enterprise (NOT_SHANGHAI naming the row), a bad USCC, an unknown 项目类型,
 * group 7 without its detailed code, the 7.2.2 columns on another type or above the row's
 * amounts, a column of another table, a missing column, a malformed period, too many rows. */
#include "check.h"
#include "platform/platform.h"
#include "platform/platform_decide.h"
#include "platform/platform_store.h"
#include "platform/platform_validate.h"
#include "uscc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gfdx_context ctx;
static const int64_t T0 = 1780000000000LL; /* 2026-05-28 */

static const gfdx_participant icbc = {.id = "bank-icbc-310000", .kind = GFDX_PK_BANK, .region = "310000"};
static const gfdx_participant ccb = {.id = "bank-ccb-310000", .kind = GFDX_PK_BANK, .region = "310000"};
static const gfdx_participant gua = {.id = "gua-shrd-310000", .kind = GFDX_PK_GUARANTOR, .region = "310000"};
static const gfdx_participant ins = {.id = "ins-picc-310000", .kind = GFDX_PK_INSURER, .region = "310000"};
static const gfdx_participant fund = {.id = "fund-sh-310000", .kind = GFDX_PK_FUND, .region = "310000"};
static const gfdx_participant uw = {.id = "uw-gtja-310000", .kind = GFDX_PK_UNDERWRITER, .region = "310000"};
static const gfdx_participant office = {.id = "sh-platform", .kind = GFDX_PK_PLATFORM_OFFICE, .region = "310000"};
static const gfdx_participant prov = {.id = "prov-310000", .kind = GFDX_PK_PROVINCE_AUTHORITY, .region = "310000"};

/* A valid USCC registered in region (6 digits) ending in n. */
static const char *uscc(int n)
{
    static char buf[10][19];
    char *s = buf[n % 10];
    snprintf(s, 19, "91310115MA1K0000%d", n % 10);
    gfdx_uscc_check_char(s, &s[17]);
    s[18] = '\0';
    return s;
}

/* A 表1 row (项目类型 type) of 1,000 万元 disbursed, 800 万元 outstanding. */
static json_t *loan_row(int n, const char *region, const char *type)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:n, s:n, s:n}", "enterprise", "上海临港绿色制造有限公司",
                     "uscc", uscc(n), "registration_region", region, "project_name", "节能降碳改造项目",
                     "project_type", type, "loan_type", "PROJECT_LOAN", "disbursed", (json_int_t)1000000000,
                     "balance", (json_int_t)800000000, "emc_loan_type", "emc_disbursed", "emc_balance");
}

/* A row of tables 2-5 with one money column. */
static json_t *money_row(int n, const char *col, long long fen)
{
    return json_pack("{s:s, s:s, s:s, s:n, s:I}", "enterprise", "上海宝山低碳材料有限公司", "uscc", uscc(n),
                     "registration_region", "310113", "project_name", col, (json_int_t)fen);
}

/* A PlatformFiling body (rows stolen). */
static json_t *filing(const char *inst, const char *key_inst, const char *period, int table, json_t *rows)
{
    char id[128];
    snprintf(id, sizeof id, "%s|%s", key_inst, period);
    return json_pack("{s:s, s:s, s:s, s:i, s:o}", "filing_id", id, "institution", inst, "period", period,
                     "table_no", table, "rows", rows);
}

typedef struct {
    gfdx_record rec;
    gfdx_decision d;
    char eid[32];
} run_t;

static int seq;

/* Decides body (stolen) from who as the pipeline does: mark, decide, undo unless OK. */
static gfdx_verdict decide(gfdx_rowset *rs, const gfdx_participant *who, json_t *body, run_t *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->eid, sizeof r->eid, "ev-%d", ++seq);
    r->rec = (gfdx_record){.topic = PLATFORM_TOPIC, .key = json_string_value(json_object_get(body, "filing_id")),
                           .body = body, .type = "PlatformFiling", .event_id = r->eid, .sender_id = who->id,
                           .occurred_at = T0 + seq * 1000, .clock = {.ms = T0 + seq * 1000}};
    r->d = (gfdx_decision){.rec = &r->rec, .sender = who, .ctx = &ctx, .rows = rs};
    gfdx_rows_mark m = gfdx_rowset_mark(rs);
    gfdx_verdict v = platform_decide_filing(&r->d);
    if (v != GFDX_DECIDE_OK)
        gfdx_rowset_undo(rs, m);
    json_decref(body);
    return v;
}

static size_t appended(gfdx_rowset *rs, const gfdx_table *t) { return json_array_size(gfdx_rows_appended(rs, t)); }

static const json_t *current(gfdx_rowset *rs, const char *id)
{
    const char *k[] = {id};
    return gfdx_rows_get(rs, &platform_filing_table, k);
}

static void test_accept_and_supersede(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    run_t r;
    json_t *rows = json_pack("[o, o]", loan_row(1, "310115", "1"), loan_row(2, "310104", "7.2.2"));
    json_object_set_new(json_array_get(rows, 1), "emc_loan_type", json_string("WORKING_CAPITAL"));
    json_object_set_new(json_array_get(rows, 1), "emc_disbursed", json_integer(500000000));
    json_object_set_new(json_array_get(rows, 1), "emc_balance", json_integer(400000000));
    CHECK(decide(rs, &icbc, filing(icbc.id, icbc.id, "2026H1", 1, rows), &r) == GFDX_DECIDE_OK);
    const json_t *f = current(rs, "bank-icbc-310000|2026H1");
    CHECK(f && gfdx_rows_int(f, "version") == 1 && gfdx_rows_int(f, "row_count") == 2);
    CHECK_STR_EQ(gfdx_rows_str(f, "institution_kind"), "bank");
    CHECK(appended(rs, &platform_filing_version_table) == 1 && appended(rs, &platform_filing_row_table) == 2);
    const json_t *v1 = json_array_get(gfdx_rows_appended(rs, &platform_filing_version_table), 0);
    CHECK(gfdx_rows_int(json_object_get(v1, "totals"), "disbursed") == 2000000000LL);
    CHECK(gfdx_rows_int(json_object_get(v1, "totals"), "emc_disbursed") == 500000000LL);
    const json_t *row2 = json_array_get(gfdx_rows_appended(rs, &platform_filing_row_table), 1);
    CHECK(gfdx_rows_int(row2, "row_no") == 2 && gfdx_rows_int(row2, "version") == 1);
    CHECK_STR_EQ(gfdx_rows_str(row2, "emc_loan_type"), "WORKING_CAPITAL");
    const char *first = gfdx_rows_str(f, "first_received_at");
    char first_copy[40];
    snprintf(first_copy, sizeof first_copy, "%s", first ? first : "");

    /* the same key again: version 2 supersedes, version 1 and its rows stay appended */
    CHECK(decide(rs, &icbc, filing(icbc.id, icbc.id, "2026H1", 1, json_pack("[o]", loan_row(3, "310115", "4"))),
                 &r) == GFDX_DECIDE_OK);
    f = current(rs, "bank-icbc-310000|2026H1");
    CHECK(f && gfdx_rows_int(f, "version") == 2 && gfdx_rows_int(f, "row_count") == 1);
    CHECK_STR_EQ(gfdx_rows_str(f, "event_id"), r.eid);
    CHECK_STR_EQ(gfdx_rows_str(f, "first_received_at"), first_copy);
    CHECK(appended(rs, &platform_filing_version_table) == 2 && appended(rs, &platform_filing_row_table) == 3);
    /* another period is another filing */
    CHECK(decide(rs, &icbc, filing(icbc.id, icbc.id, "2026H2", 1, json_array()), &r) == GFDX_DECIDE_OK);
    CHECK(gfdx_rows_int(current(rs, "bank-icbc-310000|2026H2"), "version") == 1);
    gfdx_rowset_free(rs);
}

static void test_every_kind(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    run_t r;
    CHECK(decide(rs, &gua, filing(gua.id, gua.id, "2026H1", 2, json_pack("[o]", money_row(1, "guaranteed", 5))), &r) ==
          GFDX_DECIDE_OK);
    json_t *policy = money_row(2, "insured", 500);
    json_object_set_new(policy, "insurance_type", json_string("环境污染责任保险"));
    json_object_set_new(policy, "claims_paid", json_integer(12));
    CHECK(decide(rs, &ins, filing(ins.id, ins.id, "2026H1", 3, json_pack("[o]", policy)), &r) == GFDX_DECIDE_OK);
    CHECK(decide(rs, &fund, filing(fund.id, fund.id, "2026H1", 4, json_pack("[o]", money_row(3, "invested", 7))), &r) ==
          GFDX_DECIDE_OK);
    CHECK(decide(rs, &uw, filing(uw.id, uw.id, "2026H2", 5, json_pack("[o]", money_row(4, "bond_amount", 9))), &r) ==
          GFDX_DECIDE_OK);
    CHECK(appended(rs, &platform_filing_row_table) == 4);
    CHECK_STR_EQ(gfdx_rows_str(current(rs, "uw-gtja-310000|2026H2"), "institution_kind"), "underwriter");
    gfdx_rowset_free(rs);
}

/* Decides and expects a refusal with code, nothing staged. */
static void refused(const gfdx_participant *who, json_t *body, const char *code, const char *in_reason)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    run_t r;
    CHECK(decide(rs, who, body, &r) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, code);
    CHECK_MSG(!in_reason || strstr(r.d.reason, in_reason), "%s: reason \"%s\" lacks \"%s\"", code, r.d.reason,
              in_reason);
    CHECK(appended(rs, &platform_filing_version_table) == 0 && appended(rs, &platform_filing_row_table) == 0);
    gfdx_rowset_free(rs);
}

static json_t *one_loan(const char *region, const char *type) { return json_pack("[o]", loan_row(1, region, type)); }

static void test_authorization(void)
{
    /* a stored filing of ccb's: refusals must not depend on it */
    refused(&icbc, filing(icbc.id, ccb.id, "2026H1", 1, one_loan("310115", "1")), "UNAUTHORIZED_SENDER",
            "bank-ccb-310000|2026H1");
    refused(&icbc, filing(ccb.id, ccb.id, "2026H1", 1, one_loan("310115", "1")), "UNAUTHORIZED_SENDER", NULL);
    refused(&icbc, filing(ccb.id, icbc.id, "2026H1", 1, one_loan("310115", "1")), "UNAUTHORIZED_SENDER", NULL);
    refused(&office, filing(office.id, office.id, "2026H1", 1, one_loan("310115", "1")), "UNAUTHORIZED_SENDER",
            "platform_office");
    refused(&prov, filing(prov.id, prov.id, "2026H1", 1, one_loan("310115", "1")), "UNAUTHORIZED_SENDER", NULL);
    refused(&icbc, filing(icbc.id, icbc.id, "2026H1", 2, json_pack("[o]", money_row(1, "guaranteed", 5))),
            "TABLE_NOT_OF_KIND", "bank files 表1, not 表2");
    refused(&gua, filing(gua.id, gua.id, "2026H1", 1, one_loan("310115", "1")), "TABLE_NOT_OF_KIND", NULL);
    /* prefix of another id: "bank-icbc-3100001" is not bank-icbc-310000's */
    refused(&icbc, filing(icbc.id, "bank-icbc-3100001", "2026H1", 1, one_loan("310115", "1")), "UNAUTHORIZED_SENDER",
            NULL);
}

static void test_content(void)
{
    refused(&icbc, filing(icbc.id, icbc.id, "2026H3", 1, one_loan("310115", "1")), "INVALID_PERIOD", NULL);
    refused(&icbc, filing(icbc.id, icbc.id, "2026Q1", 1, one_loan("310115", "1")), "INVALID_PERIOD", NULL);
    json_t *rows = json_pack("[o, o]", loan_row(1, "310115", "1"), loan_row(2, "320102", "2"));
    refused(&icbc, filing(icbc.id, icbc.id, "2026H1", 1, rows), "NOT_SHANGHAI", "row 2");
    refused(&icbc, filing(icbc.id, icbc.id, "2026H1", 1, one_loan("319999", "1")), "UNKNOWN_REGION", NULL);
    refused(&icbc, filing(icbc.id, icbc.id, "2026H1", 1, one_loan("310115", "8")), "UNKNOWN_PROJECT_TYPE", NULL);
    refused(&icbc, filing(icbc.id, icbc.id, "2026H1", 1, one_loan("310115", "7")), "UNKNOWN_PROJECT_TYPE",
            "group 7 is filed in detail");
    refused(&icbc, filing(icbc.id, icbc.id, "2026H1", 1, one_loan("310115", "7.9.9")), "UNKNOWN_PROJECT_TYPE", NULL);
    json_t *bad = loan_row(1, "310115", "1");
    json_object_set_new(bad, "uscc", json_string("91310115MA1K000010"));
    refused(&icbc, filing(icbc.id, icbc.id, "2026H1", 1, json_pack("[o]", bad)), "BAD_USCC", NULL);
    json_t *emc = loan_row(1, "310115", "1");
    json_object_set_new(emc, "emc_loan_type", json_string("PROJECT_LOAN"));
    json_object_set_new(emc, "emc_disbursed", json_integer(1));
    json_object_set_new(emc, "emc_balance", json_integer(1));
    refused(&icbc, filing(icbc.id, icbc.id, "2026H1", 1, json_pack("[o]", emc)), "INVALID_AMOUNT", "type 1");
    json_t *over = loan_row(1, "310115", "7.2.2");
    json_object_set_new(over, "emc_loan_type", json_string("PROJECT_LOAN"));
    json_object_set_new(over, "emc_disbursed", json_integer(1000000001));
    json_object_set_new(over, "emc_balance", json_integer(1));
    refused(&icbc, filing(icbc.id, icbc.id, "2026H1", 1, json_pack("[o]", over)), "INVALID_AMOUNT", "exceed");
    json_t *half = loan_row(1, "310115", "7.2.2");
    json_object_set_new(half, "emc_disbursed", json_integer(1));
    refused(&icbc, filing(icbc.id, icbc.id, "2026H1", 1, json_pack("[o]", half)), "INVALID_AMOUNT", "together");
    json_t *other = loan_row(1, "310115", "1");
    json_object_set_new(other, "insured", json_integer(5));
    refused(&icbc, filing(icbc.id, icbc.id, "2026H1", 1, json_pack("[o]", other)), "INVALID_FIELD",
            "insured is not a column of 表1");
    json_t *missing = loan_row(1, "310115", "1");
    json_object_set_new(missing, "loan_type", json_null());
    refused(&icbc, filing(icbc.id, icbc.id, "2026H1", 1, json_pack("[o]", missing)), "INVALID_FIELD",
            "loan_type is required");
    refused(&ins, filing(ins.id, ins.id, "2026H1", 3, json_pack("[o]", money_row(1, "insured", 5))), "INVALID_FIELD",
            "insurance_type is required");
}

static void test_validate(void)
{
    CHECK(platform_table_of_kind(GFDX_PK_BANK) == 1 && platform_table_of_kind(GFDX_PK_UNDERWRITER) == 5);
    CHECK(platform_table_of_kind(GFDX_PK_PLATFORM_OFFICE) == 0 && platform_table_of_kind(GFDX_PK_MIIT) == 0);
    CHECK(platform_period_valid("2026H1") && platform_period_valid("2026H2"));
    CHECK(!platform_period_valid("2026") && !platform_period_valid("1999H1") && !platform_period_valid(NULL));
    CHECK(platform_service_code_well_formed("7.2.2") && platform_service_code_well_formed("7.10"));
    CHECK(!platform_service_code_well_formed("7.") && !platform_service_code_well_formed("6.2.2") &&
          !platform_service_code_well_formed("7.2.2.1") && !platform_service_code_well_formed("7..2"));
    /* too many rows (max_rows 2) */
    json_t *rows = json_pack("[o, o, o]", loan_row(1, "310115", "1"), loan_row(2, "310115", "1"),
                             loan_row(3, "310115", "1"));
    char why[256];
    gfdx_strlist none = {0};
    const char *code = platform_validate_rows(rows, 1, &none, 2, why, sizeof why);
    CHECK(code && !strcmp(code, "LIMIT_EXCEEDED"));
    CHECK(platform_validate_rows(rows, 1, &none, 5000, why, sizeof why) == NULL);
    code = platform_validate_rows(rows, 6, &none, 5000, why, sizeof why);
    CHECK(code && !strcmp(code, "INVALID_FIELD"));
    json_decref(rows);
}

/* platform.* through the service's configure hook: the shipped file's codes; a code outside
 * group 7 and a row count above the limit refused, naming the setting. */
static void test_configure(void)
{
    char err[512] = "", path[] = "/tmp/test_platform_cfg.XXXXXX";
    platform_settings *c = platform_service.ctx;
    CHECK_MSG(platform_service.configure(c, GFDX_SOURCE_DIR "/deploy/platform.cfg", NULL, err, sizeof err) == 0,
              "%s", err);
    CHECK(c->max_rows == 5000 && c->service_codes.count == 31);
    static const char *const bad[][2] = {
        {"platform: { service_codes = [\"7.2.2\", \"6.2.2\"]; };\n", "platform.service_codes[1]"},
        {"platform: { max_rows = 5001; };\n", "max_rows"},
        {"platform: { max_row = 5; };\n", "max_row"},
    };
    for (size_t i = 0; i < 3; i++) {
        int fd = mkstemp(path);
        CHECK(fd >= 0 && write(fd, bad[i][0], strlen(bad[i][0])) == (ssize_t)strlen(bad[i][0]));
        close(fd);
        err[0] = '\0';
        CHECK_MSG(platform_service.configure(c, path, NULL, err, sizeof err) == -1 && strstr(err, bad[i][1]),
                  "%s: \"%s\"", bad[i][0], err);
        unlink(path);
        memcpy(path + strlen(path) - 6, "XXXXXX", 6);
    }
    CHECK(c->service_codes.count == 31); /* a failed load keeps the settings */
}

int main(void)
{
    static platform_settings s;
    static char *codes[] = {"7.2.2", "7.2.3"};
    s.service_codes = (gfdx_strlist){codes, 2};
    s.max_rows = 5000;
    ctx = (gfdx_context){.service_participant = "sh-platform", .service_ctx = &s, .now_ms = T0};
    test_accept_and_supersede();
    test_every_kind();
    test_authorization();
    test_content();
    test_validate();
    test_configure();
    return CHECK_DONE();
}
