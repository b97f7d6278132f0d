/* report_platform.c: the semi-annual and full-year tables 1-5 of Shanghai's 产业绿贷 notice
 * from the institutions' own filings (see report_platform.h).
 *
 * No double counting: the filings are the only source of the tables (each institution's
 * current version per period: a superseded version is history, never summed); the banks'
 * feedback through the MIIT flow is shown beside them, in the reconciliation of 表1 by
 * (USCC, bank), and counted in no table. A full year sums the two half-years' flows
 * (发放量, 担保贷款额, 保险保障额度, 已决赔款, 投资额, 发债额); its 余额 is the second half's
 * (the year-end balance). Money is fen summed exactly, shown in 万元 with 2 decimals. */
#include "report_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "db.h"
#include "labels.h"
#include "report.h"

/* The result columns of rows_sql. */
enum { R_TABLE, R_PERIOD, R_INST, R_ENTERPRISE, R_USCC, R_REGION, R_PROJECT, R_TYPE, R_LOAN, R_DISBURSED, R_BALANCE,
       R_EMC_LOAN, R_EMC_DISBURSED, R_EMC_BALANCE, R_GUARANTEED, R_INS_TYPE, R_INSURED, R_CLAIMS, R_INVESTED, R_BOND,
       R_NONE = -1, R_NO = -2, R_INST_NAME = -3 };

#define LOAN_LABEL(c) "CASE " c " WHEN 'PROJECT_LOAN' THEN '项目贷' WHEN 'WORKING_CAPITAL' THEN '流贷' ELSE '' END"

/* $1 half-years (text[]), $2 the year-end half, $3 the filers (text[]) or NULL. A balance counts only
 * from the year-end half (in a half-year report: that half). */
static const char rows_sql[] =
    "SELECT table_no, period, institution, enterprise, uscc, registration_region, coalesce(project_name, ''),"
    " CASE project_type WHEN '1' THEN '1 节能降碳产业' WHEN '2' THEN '2 环境保护产业' WHEN '3' THEN '3 资源循环利用产业'"
    "   WHEN '4' THEN '4 能源绿色低碳转型' WHEN '5' THEN '5 生态保护修复和利用' WHEN '6' THEN '6 基础设施绿色升级'"
    "   WHEN '7.2.2' THEN '7.2.2 合同能源管理服务' ELSE coalesce(project_type, '') END,"
    " " LOAN_LABEL("loan_type") ", disbursed, CASE WHEN period = $2 THEN balance END,"
    " " LOAN_LABEL("emc_loan_type") ", emc_disbursed, CASE WHEN period = $2 THEN emc_balance END,"
    " guaranteed, coalesce(insurance_type, ''), insured, claims_paid, invested, bond_amount"
    " FROM platform.filing_current_row"
    " WHERE period = ANY($1::text[]) AND registration_region LIKE '31%' AND ($3::text[] IS NULL OR institution = ANY($3::text[]))"
    " ORDER BY table_no, period, institution, row_no";

/* ---------------------------------------------------------------- the five tables */

typedef struct {
    cli_column col;
    int src;    /* R_* */
    bool money; /* fen -> 万元, summed in the total row */
} pf_col;

#define PF_MAX_COLS 16
#define COMMON                                                                                                      \
    {{"no", "序", CLI_COL_INT}, R_NO, false}, {{"period", "期间", CLI_COL_TEXT}, R_PERIOD, false},                 \
        {{"institution", "金融机构", CLI_COL_TEXT}, R_INST_NAME, false},                                           \
        {{"institution_id", "机构编号", CLI_COL_TEXT}, R_INST, false},                                             \
        {{"enterprise", "公司名称", CLI_COL_TEXT}, R_ENTERPRISE, false},                                           \
        {{"uscc", "统一社会信用代码", CLI_COL_TEXT}, R_USCC, false},                                              \
        {{"registration_region", "注册地", CLI_COL_TEXT}, R_REGION, false},                                        \
        {{"project", "项目名称", CLI_COL_TEXT}, R_PROJECT, false}

typedef struct {
    const char *id, *name, *title, *note;
    pf_col cols[PF_MAX_COLS];
} pf_spec;

/* clang-format off */
static const pf_spec pf_specs[5] = {
    {"loans", "信贷", "表1 产业绿色低碳项目信贷情况表 Loans",
     "项目类型: the 2024 catalogue's major class (1-6), group 7 in detail; 其中：7.2.2 合同能源管理服务: the part of "
     "the row that is energy-performance contracting.",
     {COMMON, {{"project_type", "项目类型", CLI_COL_TEXT}, R_TYPE, false},
      {{"loan_type", "放贷类型", CLI_COL_TEXT}, R_LOAN, false},
      {{"issued_wan", "发放量(万元)", CLI_COL_DEC}, R_DISBURSED, true},
      {{"balance_wan", "余额(万元)", CLI_COL_DEC}, R_BALANCE, true},
      {{"emc_loan_type", "其中7.2.2 放贷类型", CLI_COL_TEXT}, R_EMC_LOAN, false},
      {{"emc_issued_wan", "其中7.2.2 发放量(万元)", CLI_COL_DEC}, R_EMC_DISBURSED, true},
      {{"emc_balance_wan", "其中7.2.2 余额(万元)", CLI_COL_DEC}, R_EMC_BALANCE, true}}},
    {"guarantee", "担保贷款", "表2 产业绿色低碳项目担保贷款情况表 Guaranteed loans", "",
     {COMMON, {{"guaranteed_wan", "担保贷款额(万元)", CLI_COL_DEC}, R_GUARANTEED, true}}},
    {"insurance", "保险", "表3 产业绿色低碳项目保险情况表 Insurance", "公司名称 is the insurer's 客户名称.",
     {COMMON, {{"insurance_type", "保险险种", CLI_COL_TEXT}, R_INS_TYPE, false},
      {{"cover_wan", "保险保障额度(万元)", CLI_COL_DEC}, R_INSURED, true},
      {{"claims_wan", "已决赔款(万元)", CLI_COL_DEC}, R_CLAIMS, true}}},
    {"investment", "投资", "表4 产业绿色低碳项目投资情况表 Investments", "",
     {COMMON, {{"invested_wan", "投资额(万元)", CLI_COL_DEC}, R_INVESTED, true}}},
    {"bonds", "发债", "表5 产业绿色低碳项目发债情况表 Bond issues", "",
     {COMMON, {{"bond_wan", "发债额(万元)", CLI_COL_DEC}, R_BOND, true}}},
};
/* clang-format on */

static size_t spec_ncols(const pf_spec *s)
{
    size_t n = 0;
    while (n < PF_MAX_COLS && s->cols[n].col.key)
        n++;
    return n;
}

typedef struct {
    PGconn *db;
    const gfdx_registry *names;
    const report_period *p;
    const char *filers; /* text[] literal of the filers' participant ids, NULL = every filer */
    cli_table *tables[5];
    long long totals[5][PF_MAX_COLS];
    char *err;
    size_t errlen;
} pf_ctx;

static const char *inst_name(const pf_ctx *q, const char *id)
{
    const char *name = cli_names_name(q->names, id);
    return name ? name : id;
}

static int add_row(pf_ctx *q, const PGresult *r, int i, int t)
{
    const pf_spec *s = &pf_specs[t];
    size_t n = spec_ncols(s);
    char no[24], bufs[PF_MAX_COLS][32];
    const char *cells[PF_MAX_COLS];
    snprintf(no, sizeof no, "%zu", cli_table_nrows(q->tables[t]) + 1);
    for (size_t k = 0; k < n; k++) {
        int src = s->cols[k].src;
        if (src == R_NO)
            cells[k] = no;
        else if (src == R_INST_NAME)
            cells[k] = inst_name(q, PQgetvalue(r, i, R_INST));
        else if (!s->cols[k].money)
            cells[k] = PQgetvalue(r, i, src);
        else if (PQgetisnull(r, i, src))
            cells[k] = NULL;
        else {
            long long fen = strtoll(PQgetvalue(r, i, src), NULL, 10);
            q->totals[t][k] += fen;
            report_fen_to_wan_ll(fen, bufs[k], sizeof bufs[k]);
            cells[k] = bufs[k];
        }
    }
    return cli_table_add(q->tables[t], cells);
}

static int load_rows(pf_ctx *q)
{
    const char *params[] = {q->p->halves, q->p->year_end, q->filers};
    PGresult *r = cli_db_query(q->db, rows_sql, 3, params, q->err, q->errlen);
    if (!r)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        int t = atoi(PQgetvalue(r, i, R_TABLE)) - 1;
        if (t >= 0 && t < 5)
            rc = add_row(q, r, i, t);
    }
    PQclear(r);
    if (rc)
        snprintf(q->err, q->errlen, "out of memory");
    return rc;
}

static int add_totals(pf_ctx *q, int t)
{
    const pf_spec *s = &pf_specs[t];
    char bufs[PF_MAX_COLS][32];
    const char *cells[PF_MAX_COLS] = {NULL, "合计 total"};
    for (size_t k = 0; k < spec_ncols(s); k++)
        if (s->cols[k].money) {
            report_fen_to_wan_ll(q->totals[t][k], bufs[k], sizeof bufs[k]);
            cells[k] = bufs[k];
        }
    return cli_table_add_total(q->tables[t], cells);
}

static void detail_footnote(const pf_ctx *q, int t)
{
    char note[1024];
    snprintf(note, sizeof note,
             "%s%sFrom the institutions' filings to the 产业绿贷 platform (platform.filing_current_row: each "
             "institution's current version; superseded versions are history and not counted), enterprises registered "
             "in Shanghai only. %s %s to %s, China time.%s",
             pf_specs[t].note, *pf_specs[t].note ? " " : "", q->p->full_year ? "Year" : "Half-year", q->p->first,
             q->p->last,
             q->p->full_year ? " The year sums both half-years' filings; 余额 is the second half's (year-end)." : "");
    cli_table_set_footnote(q->tables[t], note);
}

/* ---------------------------------------------------------------- summary */

/* $1 half-years, $2 the year-end half, $3 the filers (text[]) or NULL: per table, rows, filers, the table's
 * amount (表1 发放量, 表2 担保贷款额, 表3 保险保障额度, 表4 投资额, 表5 发债额) and 表1's 余额. */
static const char summary_sql[] =
    "SELECT t.n, count(r.table_no), count(DISTINCT r.institution),"
    " coalesce(sum(CASE t.n WHEN 1 THEN r.disbursed WHEN 2 THEN r.guaranteed WHEN 3 THEN r.insured"
    "   WHEN 4 THEN r.invested ELSE r.bond_amount END), 0),"
    " CASE WHEN t.n = 1 THEN coalesce(sum(r.balance) FILTER (WHERE r.period = $2), 0) END"
    " FROM generate_series(1, 5) t(n) LEFT JOIN platform.filing_current_row r ON r.table_no = t.n"
    "   AND r.period = ANY($1::text[]) AND r.registration_region LIKE '31%' AND ($3::text[] IS NULL OR r.institution = ANY($3::text[]))"
    " GROUP BY t.n ORDER BY t.n";

static const cli_column summary_cols[] = {
    {"table", "表", CLI_COL_TEXT},          {"table_name", "类别", CLI_COL_TEXT},
    {"items", "笔数", CLI_COL_INT},          {"institutions", "报送机构数", CLI_COL_INT},
    {"amount_wan", "金额(万元)", CLI_COL_DEC}, {"balance_wan", "余额(万元)", CLI_COL_DEC},
};

static int summary_rows(pf_ctx *q, cli_table *t)
{
    const char *params[] = {q->p->halves, q->p->year_end, q->filers};
    PGresult *r = cli_db_query(q->db, summary_sql, 3, params, q->err, q->errlen);
    if (!r)
        return -1;
    long long items = 0;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r) && i < 5; i++) {
        char amount[32], balance[32];
        report_fen_to_wan(PQgetvalue(r, i, 3), amount, sizeof amount);
        report_fen_to_wan(PQgetvalue(r, i, 4), balance, sizeof balance);
        items += strtoll(PQgetvalue(r, i, 1), NULL, 10);
        const char *cells[] = {pf_specs[i].id, pf_specs[i].name, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), amount,
                               PQgetisnull(r, i, 4) ? NULL : balance};
        rc = cli_table_add(t, cells);
    }
    PQclear(r);
    char n[24];
    snprintf(n, sizeof n, "%lld", items);
    const char *cells[6] = {"total", "合计", n};
    return rc || cli_table_add_total(t, cells) ? (snprintf(q->err, q->errlen, "out of memory"), -1) : 0;
}

/* ---------------------------------------------------------------- the filings and their versions */

/* $1 half-years, $2 the filers (text[]) or NULL. */
static const char filings_sql[] =
    "SELECT h.filing_id, h.institution, h.institution_kind, h.period, h.table_no, h.version, h.row_count,"
    " to_char(h.received_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),"
    " (SELECT string_agg('v' || o.version || ': ' || o.row_count || ' rows at ' ||"
    "   to_char(o.received_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), '; ' ORDER BY o.version)"
    "   FROM platform.filing_history o WHERE o.filing_id = h.filing_id AND NOT o.is_current)"
    " FROM platform.filing_history h WHERE h.is_current AND h.period = ANY($1::text[])"
    " AND ($2::text[] IS NULL OR h.institution = ANY($2::text[])) ORDER BY h.table_no, h.institution, h.period";

static const cli_column filings_cols[] = {
    {"filing_id", "报送编号", CLI_COL_TEXT}, {"institution", "金融机构", CLI_COL_TEXT},
    {"kind", "机构类型", CLI_COL_TEXT},      {"period", "期间", CLI_COL_TEXT},
    {"table_no", "表", CLI_COL_INT},          {"version", "版本", CLI_COL_INT},
    {"rows", "行数", CLI_COL_INT},            {"received_at", "接收时间", CLI_COL_TEXT},
    {"superseded", "被替代的版本", CLI_COL_TEXT}, {"liaison", "联络专员", CLI_COL_TEXT},
};

/* "name phone email" of the institution's liaison officer (registry), "" when none. */
static const char *liaison_text(const pf_ctx *q, const char *id, char *buf, size_t len)
{
    const gfdx_participant *p = q->names ? gfdx_registry_find(q->names, id) : NULL;
    if (!p || !p->liaison_name)
        return "";
    snprintf(buf, len, "%s%s%s%s%s", p->liaison_name, p->liaison_phone ? " " : "",
             p->liaison_phone ? p->liaison_phone : "", p->liaison_email ? " " : "",
             p->liaison_email ? p->liaison_email : "");
    return buf;
}

static cli_table *filings_table(pf_ctx *q, long long *superseded)
{
    cli_table *t = cli_table_new("filings", "报送情况 Filings and their versions", filings_cols,
                                 sizeof filings_cols / sizeof filings_cols[0]);
    const char *params[] = {q->p->halves, q->filers};
    PGresult *r = t ? cli_db_query(q->db, filings_sql, 2, params, q->err, q->errlen) : NULL;
    int rc = r ? 0 : -1;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        char liaison[512];
        const char *id = PQgetvalue(r, i, 1);
        const char *cells[] = {PQgetvalue(r, i, 0), inst_name(q, id), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
                               PQgetvalue(r, i, 4), PQgetvalue(r, i, 5), PQgetvalue(r, i, 6), PQgetvalue(r, i, 7),
                               PQgetvalue(r, i, 8), liaison_text(q, id, liaison, sizeof liaison)};
        *superseded += atoll(PQgetvalue(r, i, 5)) - 1;
        rc = cli_table_add(t, cells);
    }
    PQclear(r);
    if (rc == 0) {
        cli_table_set_footnote(t, "One row per institution and half-year: the current version, the one the tables "
                                  "count. A later filing for the same institution and period supersedes the earlier "
                                  "one; the earlier versions are kept (platform.filing_history) and listed here.");
        return t;
    }
    if (t && !*q->err)
        snprintf(q->err, q->errlen, "out of memory");
    cli_table_free(t);
    return NULL;
}

/* ---------------------------------------------------------------- reconciliation with feedback */

/* $1 half-years, $2/$3 the period's bounds, $4 the filers (text[]) or NULL, $5 the loan products (text[]).
 * Per (USCC, bank): 表1's 发放量 as filed, and the disbursements the bank reported through
 * the MIIT flow (feedback.matching_history of a loan product, the need's factory in Shanghai). */
static const char recon_sql[] =
    "WITH f AS (SELECT uscc, institution AS bank_id, min(enterprise) AS enterprise, sum(disbursed) AS filed"
    "   FROM platform.filing_current_row WHERE table_no = 1 AND period = ANY($1::text[])"
    "   AND registration_region LIKE '31%' AND ($4::text[] IS NULL OR institution = ANY($4::text[])) GROUP BY 1, 2),"
    " b AS (SELECT n.uscc, e.bank_id, min(n.factory_name) AS enterprise, sum(e.amount) AS reported"
    "   FROM feedback.matching_history e JOIN feedback.matching_summary m USING (need_id, bank_id) JOIN pboc.need_summary n USING (need_id)"
    "   WHERE e.record_type = 'MatchingFeedback' AND e.detail->>'stage' = 'DISBURSED' AND e.occurred_at >= $2::timestamptz"
    "   AND e.occurred_at < $3::timestamptz AND n.province = '310000' AND m.product = ANY($5::text[])"
    "   AND ($4::text[] IS NULL OR e.bank_id = ANY($4::text[])) GROUP BY 1, 2)"
    " SELECT coalesce(f.uscc, b.uscc), coalesce(f.enterprise, b.enterprise), coalesce(f.bank_id, b.bank_id),"
    " f.filed, b.reported, coalesce(f.filed, 0) - coalesce(b.reported, 0),"
    " CASE WHEN f.uscc IS NULL THEN 'FEEDBACK_ONLY' WHEN b.uscc IS NULL THEN 'FILING_ONLY'"
    "   WHEN f.filed = b.reported THEN 'AGREE' ELSE 'DIFFER' END"
    " FROM f FULL JOIN b ON b.uscc = f.uscc AND b.bank_id = f.bank_id ORDER BY 1, 3";

static const cli_column recon_cols[] = {
    {"uscc", "统一社会信用代码", CLI_COL_TEXT},   {"enterprise", "公司名称", CLI_COL_TEXT},
    {"institution", "银行", CLI_COL_TEXT},         {"institution_id", "机构编号", CLI_COL_TEXT},
    {"filed_wan", "平台报送发放量(万元)", CLI_COL_DEC}, {"feedback_wan", "银行反馈发放(万元)", CLI_COL_DEC},
    {"difference_wan", "差额(万元)", CLI_COL_DEC}, {"status", "核对结果", CLI_COL_TEXT},
};

static const char *recon_label(const char *status)
{
    return !strcmp(status, "AGREE")        ? "一致 agree"
           : !strcmp(status, "DIFFER")     ? "不一致 differ"
           : !strcmp(status, "FILING_ONLY") ? "仅平台报送 filed only"
                                           : "仅银行反馈 feedback only";
}

/* counts[0..3]: agree, differ, filed only, feedback only. */
static int recon_rows(pf_ctx *q, cli_table *t, const char *loans, long long counts[4])
{
    const char *params[] = {q->p->halves, q->p->start, q->p->end, q->filers, loans};
    PGresult *r = cli_db_query(q->db, recon_sql, 5, params, q->err, q->errlen);
    if (!r)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        char bufs[3][32];
        const char *cells[8] = {PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), inst_name(q, PQgetvalue(r, i, 2)),
                                PQgetvalue(r, i, 2)};
        for (int k = 0; k < 3; k++)
            if (!PQgetisnull(r, i, 3 + k)) {
                report_fen_to_wan(PQgetvalue(r, i, 3 + k), bufs[k], sizeof bufs[k]);
                cells[4 + k] = bufs[k];
            }
        const char *status = PQgetvalue(r, i, 6);
        cells[7] = recon_label(status);
        counts[!strcmp(status, "AGREE") ? 0 : !strcmp(status, "DIFFER") ? 1 : !strcmp(status, "FILING_ONLY") ? 2 : 3]++;
        rc = cli_table_add(t, cells);
    }
    PQclear(r);
    if (rc)
        snprintf(q->err, q->errlen, "out of memory");
    return rc;
}

/* The reconciliation table; *summary gets its one-line verdict (a fact). */
static cli_table *recon_table(pf_ctx *q, bool has_feedback, const char *loans, char *summary, size_t len)
{
    cli_table *t = cli_table_new("reconciliation", "核对 表1 vs 银行反馈 Reconciliation of 表1 with the banks' feedback",
                                 recon_cols, sizeof recon_cols / sizeof recon_cols[0]);
    long long c[4] = {0};
    if (!t || (has_feedback && recon_rows(q, t, loans, c))) {
        if (t && !*q->err)
            snprintf(q->err, q->errlen, "out of memory");
        cli_table_free(t);
        return NULL;
    }
    if (!has_feedback) {
        cli_table_set_unavailable(t, "gfdx-feedback is not deployed (feedback.* / pboc.need_summary not in this database)");
        snprintf(summary, len, "not available (no feedback)");
        return t;
    }
    snprintf(summary, len, "%lld agree, %lld differ, %lld filed only, %lld feedback only%s", c[0], c[1], c[2], c[3],
             c[1] + c[2] + c[3] ? ": the filings and the feedback disagree" : "");
    cli_table_set_footnote(t, "Per enterprise (USCC) and bank: 发放量 as filed in 表1 beside the disbursements the "
                              "bank reported in the period through the MIIT flow's feedback (gfdx-feedback; loan "
                              "products, enterprises of Shanghai needs). The feedback is shown for comparison and "
                              "counted in no table: the tables are the filings.");
    return t;
}

/* ---------------------------------------------------------------- the report */

static const cli_chart platform_charts[] = {
    {CLI_CHART_KPI, "kpi", "", NULL, "summary", NULL, {"items", "institutions"}},
    {CLI_CHART_BARS, "chart-amounts", "五表金额 Amounts by table", "万元", "summary", "table_name",
     {"amount_wan", "balance_wan"}},
    {CLI_CHART_BARS, "chart-items", "五表笔数 Items by table", "笔", "summary", "table_name", {"items"}},
};

static int add_facts(pf_ctx *q, cli_report *r, long long superseded, const char *recon)
{
    char now[64], period[64], sup[24];
    snprintf(period, sizeof period, "%s to %s", q->p->first, q->p->last);
    snprintf(sup, sizeof sup, "%lld", superseded);
    int rc = cli_report_fact(r, "period", "统计期间 period", period) ||
             cli_report_fact(r, "generated_at", "生成时间 generated at", cli_args_now(now, sizeof now)) ||
             cli_report_fact(r, "time_zone", "时区 time zone", "China time (UTC+8)") ||
             cli_report_fact(r, "sources", "数据来源 sources",
                             "产业绿贷平台报送 the institutions' filings (platform.filing_current_row); bank feedback "
                             "shown beside, for reconciliation only") ||
             cli_report_fact(r, "scope", "范围 scope", "enterprises registered in Shanghai (31xxxx)") ||
             cli_report_fact(r, "superseded_versions", "被替代的报送 superseded versions", sup) ||
             cli_report_fact(r, "reconciliation", "核对 reconciliation", recon);
    return rc;
}

/* Adds t (taken, even on failure) to r. */
static int take(cli_report *r, cli_table *t) { return t ? cli_report_add_table(r, t) : -1; }

static int assemble(pf_ctx *q, cli_report *r, bool has_feedback, const char *loans)
{
    char recon[160] = "";
    long long superseded = 0;
    cli_table *summary = cli_table_new("summary", "五表汇总 The five tables at a glance", summary_cols,
                                       sizeof summary_cols / sizeof summary_cols[0]);
    if (!summary || summary_rows(q, summary)) {
        cli_table_free(summary);
        return -1;
    }
    cli_table_set_footnote(summary, "amount: 表1 发放量, 表2 担保贷款额, 表3 保险保障额度, 表4 投资额, 表5 发债额; "
                                    "balance: 表1 余额 at the period's end. Not summed across tables.");
    int rc = take(r, summary);
    for (int k = 0; rc == 0 && k < 5; k++) {
        detail_footnote(q, k);
        rc = add_totals(q, k) || cli_report_add_table(r, q->tables[k]);
        q->tables[k] = NULL; /* the report's now, even on failure */
    }
    cli_table *filings = rc == 0 ? filings_table(q, &superseded) : NULL;
    rc = rc || take(r, filings);
    cli_table *rt = rc == 0 ? recon_table(q, has_feedback, loans, recon, sizeof recon) : NULL;
    rc = rc || take(r, rt) || add_facts(q, r, superseded, recon);
    for (size_t i = 0; rc == 0 && i < sizeof platform_charts / sizeof platform_charts[0]; i++)
        rc = cli_report_add_chart(r, &platform_charts[i]);
    return rc;
}

int report_platform(PGconn *db, const gfdx_registry *names, const report_period *p, const char *filers,
                    bool has_feedback, const char *loan_products, cli_report **out, char *err, size_t errlen)
{
    pf_ctx q = {.db = db, .names = names, .p = p, .filers = filers, .err = err, .errlen = errlen};
    *out = NULL;
    cli_report *r = cli_report_new("semiannual",
                                   p->full_year ? "产业绿贷全年统计 Industrial green finance, full-year tables"
                                                : "产业绿贷半年度统计 Industrial green finance, half-yearly tables",
                                   p->label);
    int rc = r ? 0 : -1;
    for (int k = 0; rc == 0 && k < 5; k++) {
        const pf_spec *s = &pf_specs[k];
        static cli_column cols_of[5][PF_MAX_COLS]; /* the tables point at their columns: static */
        cli_column *cols = cols_of[k];
        size_t n = spec_ncols(s);
        for (size_t c = 0; c < n; c++)
            cols[c] = s->cols[c].col;
        rc = (q.tables[k] = cli_table_new(s->id, s->title, cols, n)) ? 0 : -1;
    }
    rc = rc || load_rows(&q) || assemble(&q, r, has_feedback, loan_products);
    for (int k = 0; k < 5; k++)
        cli_table_free(q.tables[k]);
    if (rc) {
        if (!*err)
            snprintf(err, errlen, "out of memory");
        cli_report_free(r);
        return 1;
    }
    *out = r;
    return 0;
}
