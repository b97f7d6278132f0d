/* report_semiannual.c: `gfdx report semiannual 2026H1` (or 2026H2, or the full year 2026),
 * the five tables of Shanghai's 产业绿贷 notice (China time): loans by project, guaranteed
 * loans, insurance, investments and bond issues, in 万元.
 *
 * Where gfdx-platform is deployed (platform.filing_current_row exists) the tables are the
 * institutions' own filings, and the banks' feedback is shown beside them as a
 * reconciliation (report_platform.c): no financing is counted twice. Without it (the
 * exchange before the platform office joined) they come from two sources:
 *
 *   feedback  the banks' reports through the exchange (feedback.matching_summary, .matching_event;
 *             enterprise and project from pboc.need_summary): one row per need × bank whose bank
 *             reported a disbursement in the half-year (insurance: also a policy approved in
 *             it). issued = the disbursements in the half-year; balance = every disbursement
 *             up to the half-year's end (banks report disbursements, not repayments).
 *   finance   the district finance bureau's reports for the half-year
 *             (district.financing_support_reported; names from district.entry_history): amount and balance as
 *             reported.
 *
 * The financing product decides the table (see product_tables); OTHER goes in none and is
 * counted in a fact. Money is summed in fen and shown in 万元 with 2 decimals.
 *
 * One role at a time: --institution ID (a bank's participant id, or an institution as the
 * finance bureau names it) or --bank ID (the same for a bank: its feedback rows, its filings)
 * keeps that institution's rows; --branch ID the feedback rows of the needs routed to that
 * PBoC branch (pboc.need_summary.branch_id), whichever bank reported them, and none of the
 * finance bureau's (a district's lists, institutions named by name). With gfdx-platform's
 * filings --branch keeps the filings of the banks the registry lists for that branch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "db.h"
#include "labels.h"
#include "report.h"
#include "report_platform.h"

enum { T_LOANS, T_GUARANTEE, T_INSURANCE, T_INVESTMENT, T_BONDS, NTABLES, T_NONE = -1 };

/* Both FinancingProduct enums (MatchingFeedback, FinancingSupportReported) -> table. */
static const struct {
    const char *product;
    int table;
} product_tables[] = {
    {"PROJECT_LOAN", T_LOANS},           {"WORKING_CAPITAL_LOAN", T_LOANS},   {"CREDIT_LOAN", T_LOANS},
    {"MEDIUM_LONG_TERM_LOAN", T_LOANS},  {"RENEWAL_WITHOUT_REPAYMENT", T_LOANS}, {"LEASING", T_LOANS},
    {"LOAN", T_LOANS},                   {"RENEWAL_WITHOUT_PRINCIPAL", T_LOANS}, {"GUARANTEE", T_GUARANTEE},
    {"INSURANCE", T_INSURANCE},          {"FUND_INVESTMENT", T_INVESTMENT},   {"EQUITY_INVESTMENT", T_INVESTMENT},
    {"GREEN_BOND_UNDERWRITING", T_BONDS}, {"GREEN_BOND", T_BONDS},            {"TRANSITION_BOND", T_BONDS},
};

static int table_of(const char *product)
{
    for (size_t i = 0; i < sizeof product_tables / sizeof product_tables[0]; i++)
        if (!strcmp(product_tables[i].product, product))
            return product_tables[i].table;
    return T_NONE;
}

/* Both sources return these columns. */
enum { C_SOURCE, C_PRODUCT, C_ENTERPRISE, C_USCC, C_PROJECT, C_REF, C_INST_ID, C_INST, C_PRODUCT_NAME, C_APPROVED,
       C_ISSUED, C_BALANCE, C_RATE, C_TERM, C_FIRST };

/* $1 period start, $2 period end (timestamptz), $3 institution (or bank) or NULL, $4 the PBoC
 * branch the needs were routed to or NULL. */
static const char feedback_sql[] =
    "WITH e AS (SELECT need_id, bank_id, detail->>'stage' AS stage, amount, occurred_at FROM feedback.matching_history"
    "   WHERE record_type = 'MatchingFeedback'),"
    " ev AS (SELECT need_id, bank_id,"
    "   sum(amount) FILTER (WHERE stage = 'DISBURSED' AND occurred_at >= $1 AND occurred_at < $2) AS issued,"
    "   sum(amount) FILTER (WHERE stage = 'DISBURSED' AND occurred_at < $2) AS cumulative,"
    "   min(occurred_at) FILTER (WHERE stage = 'DISBURSED' AND occurred_at >= $1 AND occurred_at < $2) AS first_at,"
    "   bool_or(stage = 'CREDIT_APPROVED' AND occurred_at >= $1 AND occurred_at < $2) AS approved_in"
    "   FROM e GROUP BY need_id, bank_id)"
    " SELECT 'feedback', m.product, coalesce(n.factory_name, ''), coalesce(n.uscc, ''), coalesce(n.project_name, ''),"
    " m.need_id, m.bank_id, m.bank_id, '', m.approved_amount, coalesce(ev.issued, 0), coalesce(ev.cumulative, 0),"
    " round(m.rate_bp / 100.0, 2), m.term_months, coalesce(to_char(ev.first_at, 'YYYY-MM-DD'), '')"
    " FROM feedback.matching_summary m JOIN ev USING (need_id, bank_id) LEFT JOIN pboc.need_summary n USING (need_id)"
    " WHERE ($3::text IS NULL OR m.bank_id = $3) AND ($4::text IS NULL OR n.branch_id = $4) AND m.product IS NOT NULL"
    " AND (ev.issued IS NOT NULL OR (m.product = 'INSURANCE' AND ev.approved_in))"
    " ORDER BY n.province, m.need_id, m.bank_id";

/* $1 periods (text[]: "{2026H1}", a full year "{2026H1,2026H2}"), $2 period end, $3
 * institution or NULL, $4 a PBoC branch: no rows then (a branch's view is the feedback on its
 * needs; the finance bureau reports on a district's lists and names institutions by name, not
 * by participant). The entry's name and project as listed during the period (its latest
 * content begun before the period's end). */
static const char finance_sql[] =
    "SELECT 'finance', f.product, coalesce(v.name, ''), f.uscc, coalesce(v.project_name, ''),"
    " f.list_id || ' / ' || f.entry_key, '', f.institution, coalesce(f.product_name, ''), NULL, f.amount, f.balance,"
    " round(f.rate_bp / 100.0, 2), NULL, ''"
    " FROM district.financing_support_reported f LEFT JOIN LATERAL (SELECT e.name, e.project_name FROM district.entry_history e"
    "   WHERE e.list_id = f.list_id AND e.entry_key = f.entry_key"
    "   ORDER BY e.valid_from_at < $2::timestamptz DESC, e.valid_from DESC LIMIT 1) v ON true"
    " WHERE f.period = ANY($1::text[]) AND ($3::text IS NULL OR f.institution = $3) AND $4::text IS NULL"
    " ORDER BY f.list_id, f.entry_key, f.institution, f.product";

/* ---------------------------------------------------------------- the five tables */

/* What a table's own columns show (after the common ones). */
typedef enum { F_TYPE, F_APPROVED, F_ISSUED, F_BALANCE, F_RATE, F_TERM, F_FIRST, F_COVER, F_CLAIMS } sa_field;

#define COMMON_COLS                                                                                                 \
    {"no", "序号", CLI_COL_INT}, {"source", "来源", CLI_COL_TEXT}, {"enterprise", "企业名称", CLI_COL_TEXT},     \
        {"uscc", "统一社会信用代码", CLI_COL_TEXT}, {"project", "项目名称", CLI_COL_TEXT},                         \
        {"reference", "需求编号/名单条目", CLI_COL_TEXT}, {"institution", "金融机构", CLI_COL_TEXT},              \
        {"institution_id", "机构编号", CLI_COL_TEXT}
#define NCOMMON 8

static const cli_column loan_cols[] = {
    COMMON_COLS,
    {"loan_type", "贷款类型", CLI_COL_TEXT},        {"approved_wan", "授信金额(万元)", CLI_COL_DEC},
    {"issued_wan", "本期发放金额(万元)", CLI_COL_DEC}, {"balance_wan", "期末余额(万元)", CLI_COL_DEC},
    {"rate_pct", "年利率(%)", CLI_COL_DEC},         {"term_months", "期限(月)", CLI_COL_INT},
    {"first_issued", "本期首笔发放", CLI_COL_TEXT},
};
static const cli_column guarantee_cols[] = {
    COMMON_COLS,
    {"guarantee_type", "担保品种", CLI_COL_TEXT},     {"guaranteed_wan", "担保金额(万元)", CLI_COL_DEC},
    {"issued_wan", "本期担保贷款发放(万元)", CLI_COL_DEC}, {"balance_wan", "期末在保余额(万元)", CLI_COL_DEC},
};
static const cli_column insurance_cols[] = {
    COMMON_COLS,
    {"insurance_type", "险种", CLI_COL_TEXT},
    {"cover_wan", "保险金额(万元)", CLI_COL_DEC},
    {"claims_wan", "本期赔付金额(万元)", CLI_COL_DEC},
};
static const cli_column investment_cols[] = {
    COMMON_COLS,
    {"investment_type", "投资方式", CLI_COL_TEXT},
    {"invested_wan", "本期投资金额(万元)", CLI_COL_DEC},
    {"holding_wan", "期末投资余额(万元)", CLI_COL_DEC},
};
static const cli_column bond_cols[] = {
    COMMON_COLS,
    {"bond_type", "债券类型", CLI_COL_TEXT},
    {"issued_wan", "本期发行金额(万元)", CLI_COL_DEC},
    {"outstanding_wan", "期末存续余额(万元)", CLI_COL_DEC},
};

typedef struct {
    const char *id, *name, *title;
    const cli_column *cols;
    size_t ncols;
    sa_field fields[8]; /* one per column after the common ones */
    sa_field amount, balance; /* what the summary adds up; balance F_TYPE = none */
    const char *note;
} sa_spec;

#define COLS(c) c, sizeof c / sizeof c[0]

static const sa_spec specs[NTABLES] = {
    {"loans", "项目贷款", "表1 产业绿贷项目贷款情况 Loans by project", COLS(loan_cols),
     {F_TYPE, F_APPROVED, F_ISSUED, F_BALANCE, F_RATE, F_TERM, F_FIRST}, F_ISSUED, F_BALANCE,
     "Loans: project, working-capital, credit, medium/long-term loans, renewals without principal repayment "
     "(无还本续贷) and leasing."},
    {"guarantee", "担保贷款", "表2 担保贷款情况 Guaranteed loans", COLS(guarantee_cols),
     {F_TYPE, F_APPROVED, F_ISSUED, F_BALANCE}, F_ISSUED, F_BALANCE,
     "Guarantee: guaranteed = the guarantee the institution approved; issued = the guaranteed loans it reported "
     "disbursed in the half-year."},
    {"insurance", "保险", "表3 保险保障情况 Insurance", COLS(insurance_cols), {F_TYPE, F_COVER, F_CLAIMS}, F_COVER,
     F_TYPE,
     "Insurance. Bank feedback: cover = the sum insured the insurer approved (CREDIT_APPROVED), claims paid = "
     "its disbursements in the half-year; listed when the policy was approved or a claim paid in the half-year. "
     "Finance bureau: district.financing_support_reported for the half-year, cover = the amount reported; it reports no "
     "claims (empty)."},
    {"investment", "投资", "表4 投资情况 Investments", COLS(investment_cols), {F_TYPE, F_ISSUED, F_BALANCE}, F_ISSUED,
     F_BALANCE, "Investment: fund investment (bank feedback) and equity investment (finance bureau)."},
    {"bonds", "债券", "表5 债券发行情况 Bond issues", COLS(bond_cols), {F_TYPE, F_ISSUED, F_BALANCE}, F_ISSUED,
     F_BALANCE, "Bonds: green bonds underwritten (bank feedback), green and transition bonds (finance bureau)."},
};

typedef struct {
    PGconn *db;
    const gfdx_registry *names;
    const char *period, *institution; /* institution: --institution or --bank */
    const char *branch, *role;        /* role: what the "role" fact says */
    report_period per; /* bounds of the half-year or year */
    bool has_feedback, has_district;
    cli_table *tables[NTABLES];
    long long rows[NTABLES][2];         /* rows from feedback, from finance */
    long long sum[NTABLES][3];          /* fen: amount, balance, second amount (claims) */
    long long total_cols[NTABLES][8];   /* fen totals of the money columns */
    long long excluded;                 /* product OTHER */
    char *err;
    size_t errlen;
} sa_ctx;

/* ---------------------------------------------------------------- rows */

static bool from_feedback(const PGresult *r, int i) { return !strcmp(PQgetvalue(r, i, C_SOURCE), "feedback"); }

static bool is_money(sa_field f)
{
    return f == F_APPROVED || f == F_ISSUED || f == F_BALANCE || f == F_COVER || f == F_CLAIMS;
}

/* The fen a money field holds in row i; false when it has none. */
static bool field_fen(const PGresult *r, int i, sa_field f, long long *fen)
{
    bool fb = from_feedback(r, i);
    int col = f == F_APPROVED ? C_APPROVED
              : f == F_ISSUED ? C_ISSUED
              : f == F_BALANCE ? C_BALANCE
              : f == F_COVER ? (fb ? C_APPROVED : C_ISSUED)
              : f == F_CLAIMS && fb ? C_ISSUED
                                    : -1;
    if (col < 0 || PQgetisnull(r, i, col))
        return false;
    *fen = strtoll(PQgetvalue(r, i, col), NULL, 10);
    return true;
}

/* The text of field f in row i, into buf. */
static const char *field_text(const PGresult *r, int i, sa_field f, char *buf, size_t len)
{
    long long fen;
    const char *product_name = PQgetvalue(r, i, C_PRODUCT_NAME);
    switch (f) {
    case F_TYPE:
        snprintf(buf, len, "%s%s%s%s", cli_label(CLI_LABEL_PRODUCT, PQgetvalue(r, i, C_PRODUCT)),
                 *product_name ? "（" : "", product_name, *product_name ? "）" : "");
        return cli_utf8_trim(buf);
    case F_RATE: return PQgetvalue(r, i, C_RATE);
    case F_TERM: return PQgetvalue(r, i, C_TERM);
    case F_FIRST: return PQgetvalue(r, i, C_FIRST);
    default:
        if (!field_fen(r, i, f, &fen))
            return NULL;
        report_fen_to_wan_ll(fen, buf, len);
        return buf;
    }
}

/* Appends row i to its table; adds it to the sums. */
static int add_row(sa_ctx *q, const PGresult *r, int i, int t)
{
    const sa_spec *s = &specs[t];
    bool fb = from_feedback(r, i);
    char no[24], bufs[8][1024];
    const char *inst = PQgetvalue(r, i, C_INST), *name = fb ? cli_names_name(q->names, inst) : NULL;
    const char *cells[NCOMMON + 8] = {no,
                                      fb ? "银行反馈 feedback" : "财政局 finance",
                                      PQgetvalue(r, i, C_ENTERPRISE),
                                      PQgetvalue(r, i, C_USCC),
                                      PQgetvalue(r, i, C_PROJECT),
                                      PQgetvalue(r, i, C_REF),
                                      name ? name : inst,
                                      PQgetvalue(r, i, C_INST_ID)};
    snprintf(no, sizeof no, "%zu", cli_table_nrows(q->tables[t]) + 1);
    for (size_t k = 0; k < s->ncols - NCOMMON; k++) {
        long long fen;
        cells[NCOMMON + k] = field_text(r, i, s->fields[k], bufs[k], sizeof bufs[k]);
        if (is_money(s->fields[k]) && field_fen(r, i, s->fields[k], &fen))
            q->total_cols[t][k] += fen;
    }
    long long amount = 0, balance = 0;
    field_fen(r, i, s->amount, &amount);
    if (s->balance != F_TYPE)
        field_fen(r, i, s->balance, &balance);
    q->sum[t][0] += amount;
    q->sum[t][1] += balance;
    q->rows[t][fb ? 0 : 1]++;
    return cli_table_add(q->tables[t], cells);
}

static int load(sa_ctx *q, const char *sql, const char *p1)
{
    const char *p[] = {p1, q->per.end, q->institution, q->branch};
    PGresult *r = cli_db_query(q->db, sql, 4, p, q->err, q->errlen);
    if (!r)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        int t = table_of(PQgetvalue(r, i, C_PRODUCT));
        if (t == T_NONE)
            q->excluded++;
        else
            rc = add_row(q, r, i, t);
    }
    PQclear(r);
    if (rc)
        snprintf(q->err, q->errlen, "out of memory");
    return rc;
}

static int add_totals(sa_ctx *q, int t)
{
    const sa_spec *s = &specs[t];
    char bufs[8][32];
    const char *cells[NCOMMON + 8] = {NULL, "合计 total"};
    for (size_t k = 0; k < s->ncols - NCOMMON; k++)
        if (is_money(s->fields[k]) && (s->fields[k] != F_CLAIMS || q->rows[t][0])) {
            report_fen_to_wan_ll(q->total_cols[t][k], bufs[k], sizeof bufs[k]);
            cells[NCOMMON + k] = bufs[k];
        }
    return cli_table_add_total(q->tables[t], cells);
}

/* ---------------------------------------------------------------- summary */

static const cli_column summary_cols[] = {
    {"table", "表", CLI_COL_TEXT},
    {"table_name", "类别", CLI_COL_TEXT},
    {"items", "笔数", CLI_COL_INT},
    {"from_feedback", "银行反馈", CLI_COL_INT},
    {"from_finance", "财政局报送", CLI_COL_INT},
    {"amount_wan", "本期金额(万元)", CLI_COL_DEC},
    {"balance_wan", "期末余额(万元)", CLI_COL_DEC},
};
#define SUMMARY_NCOLS (sizeof summary_cols / sizeof summary_cols[0])

static cli_table *summary_table(const sa_ctx *q)
{
    cli_table *t = cli_table_new("summary", "五表汇总 The five tables at a glance", summary_cols, SUMMARY_NCOLS);
    long long items[3] = {0};
    int rc = t ? 0 : -1;
    for (int k = 0; rc == 0 && k < NTABLES; k++) {
        char n[3][24], amount[32], balance[32];
        snprintf(n[0], sizeof n[0], "%lld", q->rows[k][0] + q->rows[k][1]);
        snprintf(n[1], sizeof n[1], "%lld", q->rows[k][0]);
        snprintf(n[2], sizeof n[2], "%lld", q->rows[k][1]);
        items[0] += q->rows[k][0] + q->rows[k][1];
        items[1] += q->rows[k][0];
        items[2] += q->rows[k][1];
        report_fen_to_wan_ll(q->sum[k][0], amount, sizeof amount);
        report_fen_to_wan_ll(q->sum[k][1], balance, sizeof balance);
        const char *cells[] = {specs[k].id, specs[k].name, n[0], n[1], n[2], amount,
                               specs[k].balance == F_TYPE ? NULL : balance};
        rc = cli_table_add(t, cells);
    }
    char n[3][24];
    for (int c = 0; c < 3; c++)
        snprintf(n[c], sizeof n[c], "%lld", items[c]);
    const char *cells[SUMMARY_NCOLS] = {"total", "合计", n[0], n[1], n[2]};
    if (rc == 0 && cli_table_add_total(t, cells) == 0) {
        char note[1024];
        snprintf(note, sizeof note,
                 "amount: issued in the half-year (loans, guaranteed loans, bonds), invested (investments), cover "
                 "(insurance); balance: at the half-year's end (insurance: none). Not summed across tables: they "
                 "measure different things.%s%s%s",
                 q->branch ? " PBoC branch " : "", q->branch ? q->branch : "",
                 q->branch ? "'s view: the banks' feedback on the needs routed to it (pboc.need_summary.branch_id), "
                             "whichever bank reported it; the finance bureau's reports are not shown (they concern a "
                             "district's name lists and name institutions by name, not by participant)."
                           : "");
        cli_table_set_footnote(t, note);
        return t;
    }
    cli_table_free(t);
    return NULL;
}

/* The footnote of a detail table: its own note, then what its rows and balance mean. */
static void detail_footnote(const sa_ctx *q, int k)
{
    char note[1536];
    int n = snprintf(note, sizeof note, "%s %s %s: %s to %s, China time.", specs[k].note,
                     q->per.full_year ? "Year" : "Half-year", q->period, q->per.first, q->per.last);
    if (specs[k].balance != F_TYPE && n > 0 && (size_t)n < sizeof note)
        n += snprintf(note + n, sizeof note - (size_t)n,
                      " Bank feedback: a need × bank whose bank reported a disbursement in the half-year; issued = "
                      "those disbursements; balance = every disbursement reported up to the half-year's end: banks "
                      "report disbursements, not repayments, so it is what was lent and not yet known to be repaid "
                      "(an upper bound of the outstanding balance). Finance bureau: district.financing_support_reported for "
                      "the half-year as reported (amount granted in it, balance outstanding at its end). The same "
                      "financing may appear once from each source.");
    if (n > 0 && (size_t)n < sizeof note)
        snprintf(note + n, sizeof note - (size_t)n, "%s%s",
                 q->has_feedback ? "" : " Bank feedback: not deployed (feedback.* / pboc.need_summary not in this database).",
                 q->has_district ? "" : " Finance bureau: not deployed (district.* not in this database).");
    cli_table_set_footnote(q->tables[k], note);
}

/* ---------------------------------------------------------------- the report */

static const cli_chart semiannual_charts[] = {
    {CLI_CHART_KPI, "kpi", "", NULL, "summary", NULL, {"items", "from_feedback", "from_finance"}},
    {CLI_CHART_BARS, "chart-amounts", "五表金额 Amounts by table", "万元", "summary", "table_name",
     {"amount_wan", "balance_wan"}},
    {CLI_CHART_BARS, "chart-items", "五表笔数 Items by table and source", "笔", "summary", "table_name",
     {"from_feedback", "from_finance"}},
};

/* "2026H1", "2026H2" or the year "2026" -> bounds (China time). -1 when malformed. */
static int period_bounds(report_period *p, const char *period)
{
    int y = 0, h = 0;
    char tail;
    bool year = strlen(period) == 4 && sscanf(period, "%4d%c", &y, &tail) == 1;
    if (!year && (strlen(period) != 6 || sscanf(period, "%4dH%1d%c", &y, &h, &tail) != 2 || (h != 1 && h != 2)))
        return -1;
    if (y < 2000 || y > 2099 || period[0] < '0' || period[0] > '9')
        return -1;
    p->label = period;
    p->full_year = year;
    snprintf(p->start, sizeof p->start, "%04d-%s-01 00:00:00+08", y, h == 2 ? "07" : "01");
    snprintf(p->end, sizeof p->end, "%04d-%s-01 00:00:00+08", h == 1 ? y : y + 1, h == 1 ? "07" : "01");
    snprintf(p->first, sizeof p->first, "%04d-%s", y, h == 2 ? "07-01" : "01-01");
    snprintf(p->last, sizeof p->last, "%04d-%s", y, h == 1 ? "06-30" : "12-31");
    snprintf(p->year_end, sizeof p->year_end, "%04dH%d", y, h == 1 ? 1 : 2);
    if (year)
        snprintf(p->halves, sizeof p->halves, "{%04dH1,%04dH2}", y, y);
    else
        snprintf(p->halves, sizeof p->halves, "{%s}", period);
    return 0;
}

/* The loan products (table 1) as a text[] literal, for the reconciliation with feedback. */
static void loan_products(char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "{");
    for (size_t i = 0; i < sizeof product_tables / sizeof product_tables[0] && n < len; i++)
        if (product_tables[i].table == T_LOANS)
            n += (size_t)snprintf(out + n, len - n, "%s%s", n > 1 ? "," : "", product_tables[i].product);
    if (n < len)
        snprintf(out + n, len - n, "}");
}

/* *all = every relation exists. 0, or -1 with err. */
static int probe(sa_ctx *q, const char *const *rels, size_t n, bool *all)
{
    *all = true;
    for (size_t i = 0; i < n; i++) {
        int has = cli_db_has(q->db, rels[i], q->err, q->errlen);
        if (has < 0)
            return -1;
        *all = *all && has;
    }
    return 0;
}

/* gfdx-platform is deployed: its filings are the tables' source (report_platform.c). */
static int probe_platform(sa_ctx *q, bool *has)
{
    static const char *const pf[] = {"platform.filing_current_row", "platform.filing_history"};
    return probe(q, pf, 2, has);
}

static int add_facts(sa_ctx *q, cli_report *r)
{
    char now[64], period[64], sources[256], excluded[24];
    snprintf(period, sizeof period, "%s to %s", q->per.first, q->per.last);
    snprintf(sources, sizeof sources, "银行反馈 bank feedback: %s; 财政局 finance bureau: %s",
             q->has_feedback ? "feedback.matching_summary" : "not deployed",
             q->has_district ? "district.financing_support_reported" : "not deployed");
    snprintf(excluded, sizeof excluded, "%lld", q->excluded);
    int rc = cli_report_fact(r, "period", "统计期间 period", period) ||
             cli_report_fact(r, "generated_at", "生成时间 generated at", cli_args_now(now, sizeof now)) ||
             cli_report_fact(r, "time_zone", "时区 time zone", "China time (UTC+8)") ||
             cli_report_fact(r, "sources", "数据来源 sources", sources) ||
             cli_report_fact(r, "other_products", "未列入五表 (product OTHER)", excluded);
    if (rc == 0 && q->institution)
        rc = cli_report_fact(r, "institution", "金融机构 institution", q->institution);
    return rc ? rc : cli_report_fact(r, "role", "范围", q->role);
}

static int assemble(sa_ctx *q, cli_report *r)
{
    cli_table *summary = summary_table(q);
    int rc = !summary || add_facts(q, r) ? -1 : 0;
    if (rc == 0)
        rc = cli_report_add_table(r, summary);
    else
        cli_table_free(summary);
    for (int k = 0; rc == 0 && k < NTABLES; k++) {
        detail_footnote(q, k);
        rc = add_totals(q, k) || cli_report_add_table(r, q->tables[k]);
        q->tables[k] = NULL; /* the report's now, even on failure */
    }
    for (size_t i = 0; rc == 0 && i < sizeof semiannual_charts / sizeof semiannual_charts[0]; i++)
        rc = cli_report_add_chart(r, &semiannual_charts[i]);
    return rc;
}

/* Appends v to the text[] literal in buf (used bytes at *used) as a quoted element, '"' and
 * '\\' escaped (an institution as the finance bureau names it may hold any character), and
 * to the comma-separated list in shown (the "institution" fact). -1 when either is full. */
static int array_add(char *buf, size_t len, size_t *used, const char *v, char *shown, size_t shown_len)
{
    size_t n = *used, s = strlen(shown);
    if (snprintf(shown + s, shown_len - s, "%s%s", s ? ", " : "", v) >= (int)(shown_len - s))
        return -1;
    if (n > 1 && n < len)
        buf[n++] = ',';
    if (n < len)
        buf[n++] = '"';
    for (; *v && n + 1 < len; v++) {
        if (*v == '"' || *v == '\\')
            buf[n++] = '\\';
        if (n + 1 < len)
            buf[n++] = *v;
    }
    if (*v || n + 3 > len)
        return -1;
    buf[n++] = '"';
    buf[n] = '}';
    buf[n + 1] = '\0';
    *used = n;
    return 0;
}

/* The filers a role keeps, as a text[] literal into buf: --institution / --bank the one id;
 * --branch the banks the participant registry lists for that branch ("{}" when none: the
 * branch sees no filing); NULL for every filer. -1 with err (no registry for --branch, or
 * too many ids). */
static int role_filers(const sa_ctx *q, char *buf, size_t len, char *shown, size_t shown_len, const char **filers)
{
    size_t used = 1;
    int rc = 0;
    *filers = NULL;
    snprintf(buf, len, "{}");
    shown[0] = '\0';
    if (q->institution) {
        rc = array_add(buf, len, &used, q->institution, shown, shown_len);
    } else if (q->branch) {
        if (!q->names) {
            snprintf(q->err, q->errlen, "--branch: the filings are narrowed to the banks the participant registry "
                                        "lists for the branch: give --participants FILE (or $GFDX_PARTICIPANTS)");
            return -1;
        }
        size_t n = gfdx_registry_banks_of_branch(q->names, q->branch, NULL, 0);
        const gfdx_participant **banks = n ? calloc(n, sizeof *banks) : NULL;
        if (n && !banks) {
            snprintf(q->err, q->errlen, "out of memory");
            return -1;
        }
        gfdx_registry_banks_of_branch(q->names, q->branch, banks, n);
        for (size_t i = 0; rc == 0 && i < n; i++)
            rc = array_add(buf, len, &used, banks[i]->id, shown, shown_len);
        free(banks);
    } else {
        return 0;
    }
    if (rc) {
        snprintf(q->err, q->errlen, "the role's institutions do not fit in %zu bytes", len);
        return -1;
    }
    *filers = buf;
    return 0;
}

/* With gfdx-platform deployed: its filings (report_platform.c) of the role's filers: a bank's
 * own with --bank or --institution, those of the banks registered for the branch with
 * --branch. */
static int semiannual_platform(sa_ctx *q, cli_report **out)
{
    char loans[512], ids[8192], shown[4096];
    const char *filers;
    if (role_filers(q, ids, sizeof ids, shown, sizeof shown, &filers))
        return 1;
    loan_products(loans, sizeof loans);
    int rc = report_platform(q->db, q->names, &q->per, filers, q->has_feedback, loans, out, q->err, q->errlen);
    if (rc == 0 && (cli_report_fact(*out, "role", "范围", q->role) ||
                    (filers && cli_report_fact(*out, "institution", "金融机构 institution", shown[0] ? shown : "(none)")))) {
        cli_report_free(*out);
        *out = NULL;
        snprintf(q->err, q->errlen, "out of memory");
        return 1;
    }
    return rc;
}

int report_semiannual(PGconn *db, const gfdx_registry *names, const char *period, const char *institution,
                      const char *branch, const char *bank, cli_report **out, char *err, size_t errlen)
{
    sa_ctx q = {.db = db, .names = names, .period = period, .institution = institution ? institution : bank,
                .branch = branch, .role = institution ? institution : bank ? bank : branch ? branch : "全部 all",
                .err = err, .errlen = errlen};
    *out = NULL;
    err[0] = '\0';
    if (period_bounds(&q.per, period)) {
        snprintf(err, errlen, "period \"%s\": expected a half-year YYYYH1 or YYYYH2, or a year YYYY, e.g. 2026H1",
                 period);
        return 2;
    }
    static const char *const fb[] = {"feedback.matching_summary", "feedback.matching_history", "pboc.need_summary"};
    bool has_platform = false;
    if (probe_platform(&q, &has_platform) || probe(&q, fb, 3, &q.has_feedback))
        return 1;
    if (has_platform)
        return semiannual_platform(&q, out);
    if (branch && !q.has_feedback) {
        snprintf(err, errlen, "--branch reads feedback.matching_summary, feedback.matching_history and pboc.need_summary, "
                              "not all in database %s: are gfdx-push and gfdx-feedback deployed on it?", PQdb(db));
        return 1;
    }
    cli_report *r = cli_report_new("semiannual",
                                   q.per.full_year ? "产业绿贷全年统计 Industrial green finance, full-year tables"
                                                   : "产业绿贷半年度统计 Industrial green finance, half-yearly tables",
                                   period);
    int rc = r ? 0 : -1;
    for (int k = 0; rc == 0 && k < NTABLES; k++)
        rc = (q.tables[k] = cli_table_new(specs[k].id, specs[k].title, specs[k].cols, specs[k].ncols)) ? 0 : -1;
    static const char *const ds[] = {"district.financing_support_reported", "district.entry_history"};
    rc = rc || probe(&q, ds, 2, &q.has_district) || (q.has_feedback && load(&q, feedback_sql, q.per.start)) ||
         (q.has_district && load(&q, finance_sql, q.per.halves)) || assemble(&q, r);
    for (int k = 0; k < NTABLES; k++)
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
