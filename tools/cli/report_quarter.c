/* report_quarter.c: `gfdx report quarter 2026Q1`, MIIT's quarterly monitoring per province.
 *
 * Which needs count in quarter Q (the cohort): those recommended for Q (intake.need_summary.quarter
 * = Q, late ones included: a late recommendation is carried into the next quarter, DESIGN
 * §6.1), and those not recommended (yet) that were submitted during Q, China time. Every
 * need thus counts in exactly one quarter, and the funnel columns are subsets of
 * `submitted`:
 *   submitted    the cohort
 *   approved     reached APPROVED at some time (intake.need_history), even if withdrawn since
 *   rejected     status REJECTED
 *   recommended  recommended for Q;  late: of these, after the previous quarter's deadline
 *   pushed       reached PUSHED (NeedPushed delivered to gfdx.miit-pushes)
 *   withdrawn    status WITHDRAWN
 *   matched      at least one bank contacted the enterprise (gfdx.matching-status)
 *   financed     financing outcome FINANCED (money disbursed)
 *   amounts      requested = financing_amount; approved / disbursed = the banks' totals
 *                from gfdx.matching-status; fen summed exactly, shown in 万元 (2 decimals)
 * From gfdx-feedback's tables when they exist (else the sections say "(not deployed)"):
 * open obstacles per province and by category, green-washing alerts per province and by
 * kind, all for needs of the cohort.
 *
 * One role at a time narrows the cohort (a province authority's, a PBoC branch's, a bank's
 * view, like `report worklist`):
 *   --province  the needs of that province (intake.need_summary alone);
 *   --branch    the needs routed to that PBoC branch (pboc.need_summary.branch_id);
 *   --bank      the needs the bank received from its branch or was assigned (pboc.dispatch_summary
 *               via BRANCH or ASSIGNED, cancelled since or not), or reported matching on (a head
 *               office that engaged: feedback.matching_summary); a head office's informational
 *               copy (via HEAD_OFFICE) alone does not make a need the bank's. The matching
 *               figures are then the bank's own (its matching_summary row): matched = it
 *               contacted the enterprise, financed = it disbursed, approved / disbursed its
 *               amounts, outstanding its own loan (loan_summary, as gfdx-feedback computes
 *               it), obstacles and alerts only those it raised: never other banks' sums.
 * --branch and --bank read gfdx-push's and gfdx-feedback's views: without them the report
 * fails naming what is missing. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "calendar.h"
#include "db.h"
#include "region.h"
#include "labels.h"
#include "report.h"

/* Every statement is "WITH c AS (<cohort>)<tail>" with the parameters $1 quarter, $2 / $3
 * its first day and the next quarter's (China time), $4 province, $5 branch, $6 bank (NULL =
 * any; at most one of $4-$6 set). Each cohort names all six, so that every statement does. */
#define IN_QUARTER(n)                                                                                   \
    "(" n "quarter = $1 OR (" n "quarter IS NULL"                                                      \
    " AND " n "submitted_at >= $2::timestamp AT TIME ZONE 'Asia/Shanghai'"                             \
    " AND " n "submitted_at < $3::timestamp AT TIME ZONE 'Asia/Shanghai'))"                            \
    " AND ($4::text IS NULL OR " n "province = $4)"

/* All needs, or one province's: intake's view alone. */
static const char cohort_all[] =
    "SELECT * FROM intake.need_summary WHERE " IN_QUARTER("") " AND $5::text IS NULL AND $6::text IS NULL";

/* A PBoC branch's: the needs routed to it. */
static const char cohort_branch[] =
    "SELECT * FROM intake.need_summary WHERE " IN_QUARTER("")
    " AND need_id IN (SELECT need_id FROM pboc.need_summary WHERE branch_id = $5) AND $6::text IS NULL";

/* A bank's: its needs, with its own matching figures in place of the need's aggregate over
 * every bank (the columns the statements read). */
static const char cohort_bank[] =
    "SELECT n.need_id, n.province, n.status, n.quarter, n.late, n.financing_amount, n.project_kind, n.green_level,"
    " n.priority_tags, n.energy_saving_tce, n.co2_reduction_t, n.submitted_at,"
    " (m.contacted IS TRUE)::int AS banks_contacted, coalesce(m.approved_amount, 0) AS approved_total,"
    " coalesce(m.disbursed_total, 0) AS disbursed_total,"
    " CASE WHEN m.disbursed_total > 0 THEN 'FINANCED' END AS financing_outcome"
    " FROM intake.need_summary n LEFT JOIN feedback.matching_summary m ON m.need_id = n.need_id AND m.bank_id = $6"
    " WHERE " IN_QUARTER("n.") " AND $5::text IS NULL"
    " AND (m.need_id IS NOT NULL OR n.need_id IN (SELECT d.need_id FROM pboc.dispatch_summary d"
    "  WHERE d.bank_id = $6 AND d.via IN ('BRANCH', 'ASSIGNED')))";

/* Counts first (NCOUNT), then the three sums in fen, as the query returns them. */
enum { Q_SUBMITTED, Q_APPROVED, Q_REJECTED, Q_RECOMMENDED, Q_LATE, Q_PUSHED, Q_WITHDRAWN, Q_MATCHED, Q_FINANCED, NCOUNT };
enum { F_REQUESTED, F_APPROVED, F_DISBURSED, NFEN };

/* The statements' tails, after "WITH c AS (<cohort>)". */
static const char province_sql[] =
    ", r AS (SELECT c.need_id,"
    "   EXISTS (SELECT 1 FROM intake.need_history e WHERE e.need_id = c.need_id AND e.to_status = 'APPROVED') AS approved,"
    "   EXISTS (SELECT 1 FROM intake.need_history e WHERE e.need_id = c.need_id AND e.to_status = 'PUSHED') AS pushed"
    "   FROM c)"
    " SELECT c.province, count(*), count(*) FILTER (WHERE r.approved), count(*) FILTER (WHERE c.status = 'REJECTED'),"
    " count(*) FILTER (WHERE c.quarter = $1), count(*) FILTER (WHERE c.quarter = $1 AND c.late),"
    " count(*) FILTER (WHERE r.pushed), count(*) FILTER (WHERE c.status = 'WITHDRAWN'),"
    " count(*) FILTER (WHERE coalesce(c.banks_contacted, 0) > 0),"
    " count(*) FILTER (WHERE c.financing_outcome = 'FINANCED'),"
    " sum(c.financing_amount), coalesce(sum(c.approved_total), 0), coalesce(sum(c.disbursed_total), 0)"
    " FROM c JOIN r USING (need_id) GROUP BY c.province ORDER BY c.province";

/* gfdx-feedback's views (DESIGN §7); $6: only the obstacles and alerts of that bank. */
#define OF_BANK(t) " ($6::text IS NULL OR " t ".bank_id = $6)"
static const char obstacles_by_province_sql[] =
    " SELECT c.province, count(*) FROM feedback.obstacle_summary o JOIN c USING (need_id)"
    " WHERE o.status IN ('OPEN', 'ACKNOWLEDGED') AND" OF_BANK("o") " GROUP BY c.province";
static const char alerts_by_province_sql[] =
    " SELECT c.province, count(*) FROM feedback.alert_summary a JOIN c USING (need_id)"
    " WHERE" OF_BANK("a") " GROUP BY c.province";
/* Outstanding loan balances (gfdx-feedback's aggregate: each bank's last reported balance plus
 * what it disbursed after that report, else what it disbursed), summed per province, fen. */
static const char outstanding_by_province_sql[] =
    " SELECT c.province, coalesce(sum(s.outstanding_total), 0)"
    " FROM feedback.need_summary s JOIN c USING (need_id) GROUP BY c.province";
/* The same for one bank ($6): its own loan, computed as gfdx-feedback computes each bank's
 * part of the aggregate (feedback_loan.c add_bank). */
static const char outstanding_of_bank_sql[] =
    " SELECT c.province, coalesce(sum(CASE WHEN l.need_id IS NULL THEN m.disbursed_total"
    "  ELSE l.outstanding + m.disbursed_total - l.disbursed_at_report END), 0)"
    " FROM c JOIN feedback.matching_summary m ON m.need_id = c.need_id AND m.bank_id = $6"
    " LEFT JOIN feedback.loan_summary l ON l.need_id = m.need_id AND l.bank_id = m.bank_id GROUP BY c.province";
static const char obstacles_by_category_sql[] =
    " SELECT o.category, count(*) FILTER (WHERE o.status IN ('OPEN', 'ACKNOWLEDGED')),"
    " count(*) FILTER (WHERE o.status IN ('RESOLVED', 'CLOSED')), count(*), count(DISTINCT o.need_id)"
    " FROM feedback.obstacle_summary o JOIN c USING (need_id) WHERE" OF_BANK("o") " GROUP BY o.category";
static const char alerts_by_kind_sql[] =
    " SELECT a.kind, count(*), count(*) FILTER (WHERE a.handled_at IS NULL),"
    " count(*) FILTER (WHERE a.outcome = 'CONFIRMED'), count(*) FILTER (WHERE a.outcome = 'DISMISSED'),"
    " count(DISTINCT a.need_id)"
    " FROM feedback.alert_summary a JOIN c USING (need_id) WHERE" OF_BANK("a") " GROUP BY a.kind";

typedef struct {
    char province[16];
    long long count[NCOUNT], fen[NFEN], obstacles, alerts, outstanding;
} prov_row;

typedef struct {
    PGconn *db;
    const char *params[6]; /* quarter, first day, first day of the next quarter, province, branch, bank */
    const char *cohort;    /* cohort_all, cohort_branch or cohort_bank */
    char first[11], next[11], last[11];
    prov_row *rows, total;
    int nrows;
    int feedback; /* 1 when feedback.obstacle_summary and feedback.alert_summary exist */
    char *err;
    size_t errlen;
} quarter_ctx;

/* ---------------------------------------------------------------- money */

void report_fen_to_wan_ll(long long fen, char *out, size_t len)
{
    /* 1 万元 = 1,000,000 fen; 2 decimals = units of 10,000 fen, rounded half away from zero. */
    unsigned long long a = fen < 0 ? 0ULL - (unsigned long long)fen : (unsigned long long)fen;
    unsigned long long hundredths = (a + 5000) / 10000;
    snprintf(out, len, "%s%llu.%02llu", fen < 0 && hundredths ? "-" : "", hundredths / 100, hundredths % 100);
}

void report_fen_to_wan(const char *fen, char *out, size_t len)
{
    report_fen_to_wan_ll(fen && *fen ? strtoll(fen, NULL, 10) : 0, out, len);
}

/* ---------------------------------------------------------------- loading */

/* "2026Q1" -> first day, first day of the next quarter, last day (YYYY-MM-DD). */
static int quarter_bounds(quarter_ctx *q, const char *quarter)
{
    int y, n;
    if (gfdx_quarter_parse(quarter, &y, &n))
        return -1;
    static const char *const last_day[] = {"03-31", "06-30", "09-30", "12-31"};
    snprintf(q->first, sizeof q->first, "%04d-%02d-01", y, 3 * n - 2);
    snprintf(q->next, sizeof q->next, "%04d-%02d-01", n == 4 ? y + 1 : y, n == 4 ? 1 : 3 * n + 1);
    snprintf(q->last, sizeof q->last, "%04d-%s", y, last_day[n - 1]);
    return 0;
}

/* Runs "WITH c AS (<the role's cohort>)" tail. NULL with err on failure. */
static PGresult *query(quarter_ctx *q, const char *tail)
{
    size_t len = strlen(q->cohort) + strlen(tail) + sizeof "WITH c AS ()";
    char *sql = malloc(len);
    if (!sql) {
        snprintf(q->err, q->errlen, "out of memory");
        return NULL;
    }
    snprintf(sql, len, "WITH c AS (%s)%s", q->cohort, tail);
    PGresult *r = cli_db_query(q->db, sql, 6, q->params, q->err, q->errlen);
    free(sql);
    return r;
}

static int load_provinces(quarter_ctx *q)
{
    PGresult *r = query(q, province_sql);
    if (!r)
        return -1;
    q->nrows = PQntuples(r);
    q->rows = calloc(q->nrows ? (size_t)q->nrows : 1, sizeof *q->rows);
    for (int i = 0; q->rows && i < q->nrows; i++) {
        prov_row *p = &q->rows[i];
        snprintf(p->province, sizeof p->province, "%s", PQgetvalue(r, i, 0));
        for (int k = 0; k < NCOUNT; k++)
            q->total.count[k] += p->count[k] = strtoll(PQgetvalue(r, i, 1 + k), NULL, 10);
        for (int k = 0; k < NFEN; k++)
            q->total.fen[k] += p->fen[k] = strtoll(PQgetvalue(r, i, 1 + NCOUNT + k), NULL, 10);
    }
    PQclear(r);
    if (!q->rows)
        snprintf(q->err, q->errlen, "out of memory");
    return q->rows ? 0 : -1;
}

/* The per-province counts that come from gfdx-feedback. */
typedef enum { PER_OBSTACLES, PER_ALERTS, PER_OUTSTANDING } per_province;

static long long *per_field(prov_row *p, per_province which)
{
    return which == PER_OBSTACLES ? &p->obstacles : which == PER_ALERTS ? &p->alerts : &p->outstanding;
}

/* Fills one per-province count from a (province, count) query. */
static int load_per_province(quarter_ctx *q, const char *sql, per_province which)
{
    PGresult *r = query(q, sql);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        for (int k = 0; k < q->nrows; k++)
            if (!strcmp(q->rows[k].province, PQgetvalue(r, i, 0))) {
                long long v = strtoll(PQgetvalue(r, i, 1), NULL, 10);
                *per_field(&q->rows[k], which) = v;
                *per_field(&q->total, which) += v;
            }
    PQclear(r);
    return 0;
}

static int load_feedback(quarter_ctx *q)
{
    int o = cli_db_has(q->db, "feedback.obstacle_summary", q->err, q->errlen);
    int a = o < 0 ? -1 : cli_db_has(q->db, "feedback.alert_summary", q->err, q->errlen);
    if (o < 0 || a < 0)
        return -1;
    q->feedback = o && a;
    if (!q->feedback)
        return 0;
    if (load_per_province(q, obstacles_by_province_sql, PER_OBSTACLES) ||
        load_per_province(q, alerts_by_province_sql, PER_ALERTS) ||
        load_per_province(q, q->params[5] ? outstanding_of_bank_sql : outstanding_by_province_sql, PER_OUTSTANDING))
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- tables */

static const cli_column province_cols[] = {
    {"province", "代码", CLI_COL_TEXT},
    {"province_name", "省份", CLI_COL_TEXT},
    {"submitted", "提交需求", CLI_COL_INT},
    {"approved", "审核通过", CLI_COL_INT},
    {"rejected", "未通过", CLI_COL_INT},
    {"recommended", "推荐", CLI_COL_INT},
    {"late", "逾期推荐", CLI_COL_INT},
    {"pushed", "已推送", CLI_COL_INT},
    {"withdrawn", "撤回", CLI_COL_INT},
    {"matched", "已对接", CLI_COL_INT},
    {"financed", "已融资", CLI_COL_INT},
    {"requested_wan", "申请金额(万元)", CLI_COL_DEC},
    {"approved_wan", "授信金额(万元)", CLI_COL_DEC},
    {"disbursed_wan", "放款金额(万元)", CLI_COL_DEC},
    {"outstanding_wan", "贷款余额(万元)", CLI_COL_DEC},
    {"open_obstacles", "未解决梗阻", CLI_COL_INT},
    {"alerts", "预警", CLI_COL_INT},
};
#define PROVINCE_NCOLS (sizeof province_cols / sizeof province_cols[0])

/* One row of the province table (p == &q->total for the total row). */
static int province_cells(const quarter_ctx *q, const prov_row *p, bool total, cli_table *t)
{
    char num[NCOUNT + 2][24], wan[NFEN + 1][32];
    const char *cells[PROVINCE_NCOLS];
    const char *name = gfdx_region_province_name(p->province);
    cells[0] = total ? "total" : p->province;
    cells[1] = total ? "合计" : name ? name : p->province;
    for (int k = 0; k < NCOUNT; k++) {
        snprintf(num[k], sizeof num[k], "%lld", p->count[k]);
        cells[2 + k] = num[k];
    }
    for (int k = 0; k < NFEN; k++) {
        report_fen_to_wan_ll(p->fen[k], wan[k], sizeof wan[k]);
        cells[2 + NCOUNT + k] = wan[k];
    }
    report_fen_to_wan_ll(p->outstanding, wan[NFEN], sizeof wan[NFEN]);
    snprintf(num[NCOUNT], sizeof num[NCOUNT], "%lld", p->obstacles);
    snprintf(num[NCOUNT + 1], sizeof num[NCOUNT + 1], "%lld", p->alerts);
    cells[2 + NCOUNT + NFEN] = q->feedback ? wan[NFEN] : NULL;
    cells[3 + NCOUNT + NFEN] = q->feedback ? num[NCOUNT] : NULL;
    cells[4 + NCOUNT + NFEN] = q->feedback ? num[NCOUNT + 1] : NULL;
    return total ? cli_table_add_total(t, cells) : cli_table_add(t, cells);
}

/* What the role's view counts, for the province table's footnote ("" for every need). */
static void role_note(const quarter_ctx *q, char *out, size_t len)
{
    const char *province = q->params[3], *branch = q->params[4], *bank = q->params[5];
    if (bank)
        snprintf(out, len,
                 " Bank %s's view: the needs it received from its PBoC branch or was assigned, or reported matching "
                 "on (a head office's informational copy alone does not count); matched, financed, approved, "
                 "disbursed and outstanding are its own (matched: it contacted the enterprise; financed: it "
                 "disbursed), open_obstacles and alerts those it raised.",
                 bank);
    else if (branch)
        snprintf(out, len, " PBoC branch %s's view: the needs routed to it (every bank's matching on them).", branch);
    else if (province)
        snprintf(out, len, " Province %s's view: its needs.", province);
    else
        out[0] = '\0';
}

static cli_table *province_table(const quarter_ctx *q, const char *quarter)
{
    char title[128], note[2048], role[512];
    snprintf(title, sizeof title, "各省（区、市）融资需求与对接情况 Needs and matching by province, %s", quarter);
    cli_table *t = cli_table_new("provinces", title, province_cols, PROVINCE_NCOLS);
    int rc = t ? 0 : -1;
    role_note(q, role, sizeof role);
    for (int i = 0; rc == 0 && i < q->nrows; i++)
        rc = province_cells(q, &q->rows[i], false, t);
    if (rc == 0)
        rc = province_cells(q, &q->total, true, t);
    snprintf(note, sizeof note,
             "Counted: needs recommended for %s (late ones included) and needs not recommended yet that were "
             "submitted %s to %s (China time). approved / pushed: reached that state, even if withdrawn since; "
             "matched: a bank contacted the enterprise; financed: money disbursed; outstanding: the loans' "
             "balances as the banks last reported them (LoanStatusReported), plus what they disbursed since. "
             "Amounts in 万元 (1 万元 = 10,000 yuan).%s%s",
             quarter, q->first, q->last,
             q->feedback ? "" : " outstanding_wan, open_obstacles, alerts: gfdx-feedback (not deployed).", role);
    if (t)
        cli_table_set_footnote(t, note);
    if (rc) {
        cli_table_free(t);
        return NULL;
    }
    return t;
}

/* Chinese names of the ObstacleCategory and alert kind symbols. */
static const char *const obstacle_names[][2] = {
    {"COLLATERAL", "抵质押物"},   {"CREDIT_RATING", "信用评级"}, {"COMPLIANCE", "合规手续"},
    {"INFORMATION", "信息不对称"}, {"POLICY", "政策"},          {"OTHER", "其他"},
};
static const char *const alert_names[][2] = {
    {"DISBURSED_ON_WITHDRAWN_NEED", "需求撤回后放款"},
    {"APPROVED_ABOVE_REQUESTED", "授信超出申请金额"},
    {"NOT_GREEN_ELIGIBLE", "项目不在绿色目录"},
    {"NOT_IN_CATALOGUE", "不在2025年绿色金融支持项目目录"},
    {"NOT_ON_GREEN_FACTORY_LIST", "申报企业不在国家级绿色工厂名单"},
    {"LOAN_OVERDUE", "贷款逾期"},
    {"LOAN_NON_PERFORMING", "贷款不良"},
    {"NO_FEEDBACK", "推送后超期未反馈"},
    {"OBSTACLE_OVERDUE", "融资梗阻超期未解决"},
};

static const char *name_of(const char *const (*names)[2], size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i][0], code))
            return names[i][1];
    return code;
}

/* Rows of r (code first, then counts), the known codes first in their order (zeros when
 * absent), then codes we do not know; a total row sums every count column. */
static int coded_rows(cli_table *t, PGresult *r, const char *const (*names)[2], size_t nnames)
{
    int ncounts = PQnfields(r) - 1, rc = 0;
    long long total[8] = {0};
    char num[8][24];
    const char *cells[10];
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; rc == 0 && i < (pass ? PQntuples(r) : (int)nnames); i++) {
            const char *code = pass ? PQgetvalue(r, i, 0) : names[i][0];
            if (pass && name_of(names, nnames, code) != code)
                continue; /* listed in pass 0 */
            int hit = -1;
            for (int k = 0; k < PQntuples(r); k++)
                hit = !strcmp(PQgetvalue(r, k, 0), code) ? k : hit;
            cells[0] = code;
            cells[1] = name_of(names, nnames, code);
            for (int c = 0; c < ncounts && c < 8; c++) {
                long long v = hit < 0 ? 0 : strtoll(PQgetvalue(r, hit, 1 + c), NULL, 10);
                total[c] += v;
                snprintf(num[c], sizeof num[c], "%lld", v);
                cells[2 + c] = num[c];
            }
            rc = cli_table_add(t, cells);
        }
    for (int c = 0; c < ncounts && c < 8; c++)
        snprintf(num[c], sizeof num[c], "%lld", total[c]);
    cells[0] = "total";
    cells[1] = "合计";
    return rc ? rc : cli_table_add_total(t, cells);
}

static const cli_column obstacle_cols[] = {
    {"category", "类别代码", CLI_COL_TEXT}, {"category_name", "梗阻类别", CLI_COL_TEXT},
    {"open", "未解决", CLI_COL_INT},        {"resolved", "已解决", CLI_COL_INT},
    {"total", "合计", CLI_COL_INT},         {"needs", "涉及需求", CLI_COL_INT},
};
static const cli_column alert_cols[] = {
    {"kind", "预警代码", CLI_COL_TEXT},
    {"kind_name", "预警类型", CLI_COL_TEXT},
    {"alerts", "预警数", CLI_COL_INT},
    {"open", "待处理", CLI_COL_INT},
    {"confirmed", "已确认", CLI_COL_INT},
    {"dismissed", "已排除", CLI_COL_INT},
    {"needs", "涉及需求", CLI_COL_INT},
};

/* A table from a (code, counts...) query, or "(not deployed)" without gfdx-feedback. */
static cli_table *coded_table(quarter_ctx *q, const char *id, const char *title, const cli_column *cols, size_t ncols,
                              const char *sql, const char *const (*names)[2], size_t nnames)
{
    cli_table *t = cli_table_new(id, title, cols, ncols);
    if (!t || !q->feedback) {
        if (t)
            cli_table_set_unavailable(t, "(not deployed: gfdx-feedback's tables feedback.obstacle_summary / feedback.alert_summary "
                                         "are not in this database)");
        return t;
    }
    PGresult *r = query(q, sql);
    int rc = r ? coded_rows(t, r, names, nnames) : -1;
    PQclear(r);
    if (rc) {
        cli_table_free(t);
        return NULL;
    }
    return t;
}

/* ---------------------------------------------------------------- charts */

static const cli_chart quarter_charts[] = {
    {CLI_CHART_KPI, "kpi", "", NULL, "provinces", NULL,
     {"submitted", "recommended", "financed", "requested_wan", "disbursed_wan", "open_obstacles", "alerts"}},
    {CLI_CHART_BARS, "chart-needs", "各省需求数量 Needs per province", "项", "provinces", "province_name",
     {"submitted", "recommended", "matched", "financed"}},
    {CLI_CHART_BARS, "chart-amounts", "各省融资金额 Amounts per province", "万元", "provinces", "province_name",
     {"requested_wan", "approved_wan", "disbursed_wan"}},
    {CLI_CHART_FUNNEL, "chart-funnel", "对接漏斗 Matching funnel", "项", "provinces", NULL,
     {"submitted", "approved", "recommended", "pushed", "matched", "financed"}},
    {CLI_CHART_BARS, "chart-obstacles", "融资梗阻类别 Obstacles by category", "项", "obstacles", "category_name",
     {"open", "resolved"}},
};

/* ---------------------------------------------------------------- the report */

static int add_facts(quarter_ctx *q, cli_report *r)
{
    char now[64], period[96], source[256];
    snprintf(period, sizeof period, "%s to %s", q->first, q->last);
    snprintf(source, sizeof source, "%s on %s%s", PQdb(q->db), PQhost(q->db) ? PQhost(q->db) : "local socket",
             q->feedback ? "" : " (gfdx-feedback not deployed)");
    return cli_report_fact(r, "period", "统计期间 period", period) ||
           cli_report_fact(r, "generated_at", "生成时间 generated at", cli_args_now(now, sizeof now)) ||
           cli_report_fact(r, "time_zone", "时区 time zone", "China time (UTC+8)") ||
           cli_report_fact(r, "source", "数据来源 source", source) ||
           cli_report_fact(r, "role", "范围",
                           q->params[3] ? q->params[3] : q->params[4] ? q->params[4] : q->params[5] ? q->params[5]
                                                                                                   : "全部 all");
}

/* ---------------------------------------------------------------- breakdowns */

/* The cohort by project kind, by the factory's green-factory level and by priority tag (a need
 * counts under each of its tags, under NONE without one): needs, financed, requested and
 * disbursed (fen), and the expected savings of the needs financed (the need's own figures:
 * tce of energy and t of CO2 a year). */
static const char breakdown_sql[] =
    ", d AS (SELECT 'kind' AS dim, c.project_kind AS code, c.* FROM c"
    "  UNION ALL SELECT 'level', coalesce(c.green_level, ''), c.* FROM c"
    "  UNION ALL SELECT 'tag', t.tag, c.* FROM c CROSS JOIN LATERAL unnest(CASE WHEN cardinality(c.priority_tags) = 0"
    "   THEN ARRAY['NONE'] ELSE c.priority_tags END) t(tag))"
    " SELECT dim, code, count(*), count(*) FILTER (WHERE financing_outcome = 'FINANCED'), sum(financing_amount),"
    " coalesce(sum(disbursed_total), 0),"
    " coalesce(sum(energy_saving_tce) FILTER (WHERE financing_outcome = 'FINANCED'), 0),"
    " coalesce(sum(co2_reduction_t) FILTER (WHERE financing_outcome = 'FINANCED'), 0)"
    " FROM d GROUP BY dim, code";

static const cli_column breakdown_cols[] = {
    {"dimension", "维度", CLI_COL_TEXT},         {"code", "代码", CLI_COL_TEXT},
    {"name", "名称", CLI_COL_TEXT},              {"needs", "需求数", CLI_COL_INT},
    {"financed", "已融资", CLI_COL_INT},         {"requested_wan", "申请金额(万元)", CLI_COL_DEC},
    {"disbursed_wan", "放款金额(万元)", CLI_COL_DEC}, {"energy_saving_tce", "已融资项目预计节能(吨标煤/年)", CLI_COL_DEC},
    {"co2_reduction_t", "已融资项目预计减排CO2(吨/年)", CLI_COL_DEC},
};

/* The known codes of each dimension, shown with zeros when no need has them; tags as found. */
static const char *const breakdown_codes[][3] = {
    {"kind", "RD_INDUSTRIALIZATION", "研发及产业化"}, {"kind", "TECH_UPGRADE", "技术改造"},
    {"kind", "ZERO_CARBON_FACTORY", "零碳工厂"},      {"level", "NATIONAL", "国家级绿色工厂"},
    {"level", "PROVINCIAL", "省级绿色工厂"},          {"level", "MUNICIPAL", "市级绿色工厂"},
};
#define N_BREAKDOWN_CODES (sizeof breakdown_codes / sizeof breakdown_codes[0])

static const char *dimension_name(const char *dim)
{
    return !strcmp(dim, "kind") ? "项目类型 project kind" : !strcmp(dim, "level") ? "工厂级别 factory level"
                                                                              : "优先支持标签 priority tag";
}

/* One row: the query's row i (or zeros when i < 0) of code in dim. */
static int breakdown_row(cli_table *t, PGresult *r, int i, const char *dim, const char *code, const char *name)
{
    char wan[2][32], num[4][32];
    const char *cells[9] = {dimension_name(dim), code, name};
    for (int k = 0; k < 2; k++) {
        snprintf(num[k], sizeof num[k], "%s", i < 0 ? "0" : PQgetvalue(r, i, 2 + k));
        cells[3 + k] = num[k];
        report_fen_to_wan(i < 0 ? "0" : PQgetvalue(r, i, 4 + k), wan[k], sizeof wan[k]);
        cells[5 + k] = wan[k];
        snprintf(num[2 + k], sizeof num[2 + k], "%.1f", i < 0 ? 0.0 : strtod(PQgetvalue(r, i, 6 + k), NULL));
        cells[7 + k] = num[2 + k];
    }
    return cli_table_add(t, cells);
}

static int find_row(PGresult *r, const char *dim, const char *code)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (!strcmp(PQgetvalue(r, i, 0), dim) && !strcmp(PQgetvalue(r, i, 1), code))
            return i;
    return -1;
}

static int breakdown_rows(cli_table *t, PGresult *r)
{
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < N_BREAKDOWN_CODES; k++)
        rc = breakdown_row(t, r, find_row(r, breakdown_codes[k][0], breakdown_codes[k][1]), breakdown_codes[k][0],
                           breakdown_codes[k][1], breakdown_codes[k][2]);
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        const char *dim = PQgetvalue(r, i, 0), *code = PQgetvalue(r, i, 1);
        bool known = false;
        for (size_t k = 0; k < N_BREAKDOWN_CODES; k++)
            known = known || (!strcmp(breakdown_codes[k][0], dim) && !strcmp(breakdown_codes[k][1], code));
        if (!known)
            rc = breakdown_row(t, r, i, dim, code,
                               !strcmp(code, "NONE") ? "无标签" : cli_label(CLI_LABEL_LIST_KIND, code));
    }
    return rc;
}

static cli_table *breakdown_table(quarter_ctx *q)
{
    cli_table *t = cli_table_new("breakdown", "按项目类型、工厂级别、优先支持标签 By project kind, factory level and priority tag",
                                 breakdown_cols, sizeof breakdown_cols / sizeof breakdown_cols[0]);
    PGresult *r = t ? query(q, breakdown_sql) : NULL;
    int rc = r ? breakdown_rows(t, r) : -1;
    PQclear(r);
    if (rc) {
        cli_table_free(t);
        return NULL;
    }
    cli_table_set_footnote(t, "A need counts under each of its priority tags (NONE: without one). Savings: the "
                              "needs' own expected figures (NeedSubmitted), of the needs financed.");
    return t;
}

static int assemble(quarter_ctx *q, const char *quarter, cli_report *r)
{
    int rc = add_facts(q, r);
    cli_table *t = rc ? NULL : province_table(q, quarter);
    rc = rc || !t || cli_report_add_table(r, t);
    t = rc ? NULL
           : coded_table(q, "obstacles", "融资梗阻（按类别）Financing obstacles by category", obstacle_cols,
                         sizeof obstacle_cols / sizeof obstacle_cols[0], obstacles_by_category_sql, obstacle_names,
                         sizeof obstacle_names / sizeof obstacle_names[0]);
    rc = rc || !t || cli_report_add_table(r, t);
    t = rc ? NULL
           : coded_table(q, "alerts", "预警（按类型：洗绿、时效、贷后）Alerts by kind: green-washing, timeliness, loans", alert_cols,
                         sizeof alert_cols / sizeof alert_cols[0], alerts_by_kind_sql, alert_names,
                         sizeof alert_names / sizeof alert_names[0]);
    rc = rc || !t || cli_report_add_table(r, t);
    t = rc ? NULL : breakdown_table(q);
    rc = rc || !t || cli_report_add_table(r, t);
    for (size_t i = 0; !rc && i < sizeof quarter_charts / sizeof quarter_charts[0]; i++)
        rc = cli_report_add_chart(r, &quarter_charts[i]);
    if (rc && !*q->err)
        snprintf(q->err, q->errlen, "out of memory");
    return rc ? -1 : 0;
}

/* The views a PBoC branch's or a bank's cohort reads. 0, or -1 with err naming those missing. */
static int check_role_views(quarter_ctx *q)
{
    static const char *const branch_views[] = {"pboc.need_summary", NULL};
    static const char *const bank_views[] = {"pboc.dispatch_summary", "feedback.matching_summary",
                                             "feedback.loan_summary", "feedback.obstacle_summary",
                                             "feedback.alert_summary", NULL};
    bool bank = q->params[5] != NULL;
    char missing[256] = "";
    size_t n = 0;
    for (const char *const *v = bank ? bank_views : branch_views; *v; v++) {
        int has = cli_db_has(q->db, *v, q->err, q->errlen);
        if (has < 0)
            return -1;
        if (!has && n < sizeof missing)
            n += (size_t)snprintf(missing + n, sizeof missing - n, "%s%s", n ? ", " : "", *v);
    }
    if (n)
        snprintf(q->err, q->errlen, "%s reads %s, not in database %s: %s deployed on it?", bank ? "--bank" : "--branch",
                 missing, PQdb(q->db), bank ? "are gfdx-push and gfdx-feedback" : "is gfdx-push");
    return n ? -1 : 0;
}

int report_quarter(PGconn *db, const char *quarter, const char *province, const char *branch, const char *bank,
                   cli_report **out, char *err, size_t errlen)
{
    quarter_ctx q = {.db = db, .err = err, .errlen = errlen};
    *out = NULL;
    err[0] = '\0';
    if (quarter_bounds(&q, quarter)) {
        snprintf(err, errlen, "quarter \"%s\": expected YYYYQn, e.g. 2026Q1", quarter);
        return 2;
    }
    const char *params[6] = {quarter, q.first, q.next, province, branch, bank};
    memcpy(q.params, params, sizeof params);
    q.cohort = bank ? cohort_bank : branch ? cohort_branch : cohort_all;
    int has = cli_db_has(db, "intake.need_summary", err, errlen);
    if (has == 0)
        snprintf(err, errlen, "intake.need_summary does not exist in %s: is gfdx-intake deployed on this database?", PQdb(db));
    if (has == 1 && (branch || bank) && check_role_views(&q))
        has = -1;
    char title[128];
    snprintf(title, sizeof title, "绿色工厂融资需求季度监测 Quarterly monitoring of green-factory financing needs");
    cli_report *r = has == 1 ? cli_report_new("quarter", title, quarter) : NULL;
    int rc = !r || load_provinces(&q) || load_feedback(&q) || assemble(&q, quarter, r) ? 1 : 0;
    if (has == 1 && !r)
        snprintf(err, errlen, "out of memory");
    free(q.rows);
    if (rc) {
        cli_report_free(r);
        return 1;
    }
    *out = r;
    return 0;
}
