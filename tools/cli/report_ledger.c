/* report_ledger.c: `gfdx report ledger LIST_ID`, a district name list (台账) as of one
 * applied version or the changes between two (district.entry_as_of_version), each entry with
 * the receiving bureaus' feedback: carbon benefit and financing, over every half-year reported
 * for it (district.entry_feedback_by_half_year). Reads only district's views (005_views.sql).
 *
 * Tables, version form: entries, categories (the 2024 catalogue's groups), feedback (entry
 * × half-year), versions (the list's history). Diff form: diff, changes, versions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "db.h"
#include "labels.h"
#include "report.h"

/* Per entry: carbon over every half-year, financing summed over every half-year with the
 * balance of the latest one, and the half-years reported. $1 = list. */
#define FEEDBACK_CTES                                                                                         \
    " fb AS (SELECT entry_key, round(sum(co2_reduction_t)::numeric, 2) AS co2, sum(climate_finance_fen) AS climate," \
    "   sum(financing_fen) AS amount,"                                                                       \
    "   (array_agg(balance_fen ORDER BY period DESC) FILTER (WHERE balance_fen IS NOT NULL))[1] AS balance,"  \
    "   string_agg(period, '、' ORDER BY period) AS periods"                                                  \
    "   FROM district.entry_feedback_by_half_year WHERE list_id = $1 GROUP BY entry_key)"
#define FEEDBACK_COLS " fb.co2, fb.climate, fb.amount, fb.balance, coalesce(fb.periods, '')"
#define FEEDBACK_JOINS " LEFT JOIN fb USING (entry_key)"

/* The list as of version $2 (district.entry_as_of_version) with the version each entry's
 * content dates from. */
static const char entries_sql[] =
    "WITH a AS (SELECT * FROM district.entry_as_of_version WHERE list_id = $1 AND version = $2::bigint),"
    FEEDBACK_CTES
    " SELECT a.entry_key, a.uscc, a.name, coalesce(a.project_name, ''), coalesce(a.category_code, ''),"
    " coalesce((SELECT string_agg(k || ': ' || v, '; ' ORDER BY k) FROM jsonb_each_text(a.attributes) x(k, v)), ''),"
    " a.since_version," FEEDBACK_COLS
    " FROM a" FEEDBACK_JOINS " ORDER BY a.entry_key COLLATE \"C\"";

/* What changed from version $2 to $3: the two versions' entries side by side, ADDED (only in
 * $3), REMOVED (only in $2), UPDATED (content digests differ). */
static const char diff_sql[] =
    "WITH o AS (SELECT * FROM district.entry_as_of_version WHERE list_id = $1 AND version = $2::bigint),"
    " n AS (SELECT * FROM district.entry_as_of_version WHERE list_id = $1 AND version = $3::bigint),"
    " d AS (SELECT CASE WHEN o.entry_key IS NULL THEN 'ADDED' WHEN n.entry_key IS NULL THEN 'REMOVED'"
    "   ELSE 'UPDATED' END AS change, coalesce(n.entry_key, o.entry_key) AS entry_key, o.uscc AS old_uscc,"
    "   n.uscc AS new_uscc, o.name AS old_name, n.name AS new_name, o.project_name AS old_project_name,"
    "   n.project_name AS new_project_name, o.category_code AS old_category_code,"
    "   n.category_code AS new_category_code, o.attributes AS old_attributes, n.attributes AS new_attributes"
    "   FROM o FULL JOIN n ON n.entry_key = o.entry_key"
    "   WHERE o.entry_key IS NULL OR n.entry_key IS NULL OR o.digest <> n.digest)," FEEDBACK_CTES
    " SELECT d.change, d.entry_key, coalesce(d.new_uscc, d.old_uscc), coalesce(d.new_name, d.old_name),"
    " coalesce(d.new_project_name, d.old_project_name, ''), coalesce(d.new_category_code, d.old_category_code, ''),"
    " d.old_uscc, d.new_uscc, d.old_name, d.new_name, d.old_project_name, d.new_project_name, d.old_category_code,"
    " d.new_category_code,"
    " (SELECT string_agg(coalesce(o.k, n.k) || ': ' || coalesce(o.v, '∅') || ' → ' || coalesce(n.v, '∅'), '; '"
    "   ORDER BY coalesce(o.k, n.k)) FROM jsonb_each_text(coalesce(d.old_attributes, '{}')) o(k, v)"
    "   FULL JOIN jsonb_each_text(coalesce(d.new_attributes, '{}')) n(k, v) ON o.k = n.k"
    "   WHERE d.change = 'UPDATED' AND o.v IS DISTINCT FROM n.v)," FEEDBACK_COLS
    " FROM d" FEEDBACK_JOINS " ORDER BY d.entry_key COLLATE \"C\"";

static const char feedback_sql[] =
    "SELECT a.entry_key, a.name, f.period, round(f.co2_reduction_t::numeric, 2),"
    " round(f.energy_saving_tce::numeric, 2), f.climate_finance_fen, f.financing_reports, f.financing_fen,"
    " f.balance_fen"
    " FROM district.entry_as_of_version a JOIN district.entry_feedback_by_half_year f"
    "   ON f.list_id = a.list_id AND f.entry_key = a.entry_key"
    " WHERE a.list_id = $1 AND a.version = $2::bigint"
    " ORDER BY a.entry_key COLLATE \"C\", f.period";

static const char versions_sql[] =
    "SELECT 'v' || version, version, mode, to_char(effective_at, 'YYYY-MM-DD HH24:MI:SS'), part_count, added, updated,"
    " removed, entry_count, title FROM district.applied_version WHERE list_id = $1 ORDER BY version";

static const char list_sql[] =
    "SELECT kind, region, title, publisher, current_version, entry_count,"
    " to_char(effective_at, 'YYYY-MM-DD HH24:MI:SS'), applied_versions"
    " FROM district.list_summary WHERE list_id = $1";

static const char version_sql[] =
    "SELECT to_char(effective_at, 'YYYY-MM-DD HH24:MI:SS'), entry_count, mode, title FROM district.applied_version"
    " WHERE list_id = $1 AND version = $2::bigint";

typedef struct {
    PGconn *db;
    const gfdx_registry *names;
    const char *list_id;
    char version[24], from[24], to[24]; /* as query parameters */
    bool diff;
    cli_report *r;
    char *err;
    size_t errlen;
} ledger_ctx;

static PGresult *query(ledger_ctx *q, const char *sql, int n)
{
    const char *p[] = {q->list_id, q->diff ? q->from : q->version, q->to};
    return cli_db_query(q->db, sql, n, p, q->err, q->errlen);
}

/* ---------------------------------------------------------------- numbers */

/* "123.45" (at most 2 decimals, as the queries round) -> 12345. */
static long long cents_of(const char *s)
{
    int neg = *s == '-';
    char *end;
    long long whole = strtoll(s + neg, &end, 10) * 100;
    if (*end == '.' && end[1] >= '0' && end[1] <= '9') {
        whole += (end[1] - '0') * 10;
        if (end[2] >= '0' && end[2] <= '9')
            whole += end[2] - '0';
    }
    return neg ? -whole : whole;
}

static void cents_text(long long cents, char *out, size_t len)
{
    unsigned long long a = cents < 0 ? 0ULL - (unsigned long long)cents : (unsigned long long)cents;
    snprintf(out, len, "%s%llu.%02llu", cents < 0 ? "-" : "", a / 100, a % 100);
}

/* ---------------------------------------------------------------- feedback columns */

#define FEEDBACK_COLUMNS                                                                                         \
    {"co2_t", "碳减排量(吨CO2e)", CLI_COL_DEC}, {"climate_finance_wan", "气候投融资(万元)", CLI_COL_DEC},     \
        {"financing_wan", "融资金额(万元)", CLI_COL_DEC}, {"balance_wan", "最近一期余额(万元)", CLI_COL_DEC}, \
        {"periods", "反馈期", CLI_COL_TEXT}
#define NFEEDBACK 5

/* Sums of a table's numeric feedback columns: CO2 in hundredths of a tonne, money in fen. */
typedef struct {
    long long co2_cents, fen[3];
} feedback_sums;

/* The NFEEDBACK cells of row i whose FEEDBACK_COLS start at column c, into cells[]
 * (texts in buf); adds them to s. */
static void feedback_cells(const PGresult *r, int i, int c, const char **cells, char buf[NFEEDBACK][32],
                           feedback_sums *s)
{
    cells[0] = PQgetvalue(r, i, c);
    if (!PQgetisnull(r, i, c))
        s->co2_cents += cents_of(PQgetvalue(r, i, c));
    for (int k = 0; k < 3; k++) {
        buf[1 + k][0] = '\0';
        if (!PQgetisnull(r, i, c + 1 + k)) {
            report_fen_to_wan(PQgetvalue(r, i, c + 1 + k), buf[1 + k], sizeof buf[1 + k]);
            s->fen[k] += strtoll(PQgetvalue(r, i, c + 1 + k), NULL, 10);
        }
        cells[1 + k] = buf[1 + k];
    }
    cells[4] = PQgetvalue(r, i, c + 4);
}

static void feedback_totals(const feedback_sums *s, const char **cells, char buf[NFEEDBACK][32])
{
    cents_text(s->co2_cents, buf[0], sizeof buf[0]);
    cells[0] = buf[0];
    for (int k = 0; k < 3; k++) {
        report_fen_to_wan_ll(s->fen[k], buf[1 + k], sizeof buf[1 + k]);
        cells[1 + k] = buf[1 + k];
    }
    cells[4] = NULL;
}

static const char feedback_note[] =
    "Feedback over every half-year reported for the entry: carbon (ecology bureau) and "
    "climate finance summed; financing (finance bureau) summed over institutions and "
    "half-years; balance: the entry's latest half-year reported, summed over its institutions. 万元 = 10,000 yuan.";

/* ---------------------------------------------------------------- version form */

/* An entry as listed: the columns the entries and the diff tables share. */
#define ENTRY_COLUMNS                                                                                         \
    {"entry_key", "条目编号", CLI_COL_TEXT}, {"uscc", "统一社会信用代码", CLI_COL_TEXT},                   \
        {"name", "企业名称", CLI_COL_TEXT}, {"project_name", "项目名称", CLI_COL_TEXT},                   \
        {"category_code", "目录代码", CLI_COL_TEXT}

static const cli_column entry_cols[] = {
    ENTRY_COLUMNS,
    {"category", "产业类别", CLI_COL_TEXT},
    {"attributes", "其他信息", CLI_COL_TEXT},
    {"since_version", "自版本", CLI_COL_INT},
    FEEDBACK_COLUMNS,
};
#define ENTRY_NCOLS (sizeof entry_cols / sizeof entry_cols[0])

/* The catalogue's seven groups, entries without a code, and codes outside the catalogue. */
#define NGROUPS 9
typedef struct {
    long long entries, co2_cents, fen;
} group_sum;

static int group_slot(const char *code)
{
    const char *label = cli_label_catalogue_group(code);
    if (!*code)
        return 7;
    return label == code ? 8 : atoi(code) - 1;
}

static int entry_rows(ledger_ctx *q, cli_table *t, group_sum *groups)
{
    PGresult *r = query(q, entries_sql, 2);
    if (!r)
        return -1;
    feedback_sums sums = {0};
    char fb[NFEEDBACK][32];
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        const char *cells[ENTRY_NCOLS] = {PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                                          PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
                                          cli_label_catalogue_group(PQgetvalue(r, i, 4)), PQgetvalue(r, i, 5),
                                          PQgetvalue(r, i, 6)};
        feedback_sums before = sums;
        feedback_cells(r, i, 7, cells + 8, fb, &sums);
        group_sum *g = &groups[group_slot(PQgetvalue(r, i, 4))];
        g->entries++;
        g->co2_cents += sums.co2_cents - before.co2_cents;
        g->fen += sums.fen[1] - before.fen[1];
        rc = cli_table_add(t, cells);
    }
    PQclear(r);
    const char *cells[ENTRY_NCOLS] = {"total", "合计"};
    feedback_totals(&sums, cells + 8, fb);
    return rc ? rc : cli_table_add_total(t, cells);
}

static const cli_column group_cols[] = {
    {"group", "类别代码", CLI_COL_TEXT},     {"category", "产业类别", CLI_COL_TEXT},
    {"entries", "条目数", CLI_COL_INT},      {"co2_t", "碳减排量(吨CO2e)", CLI_COL_DEC},
    {"financing_wan", "融资金额(万元)", CLI_COL_DEC},
};

/* One row per group that has entries, in the catalogue's order, and the total. */
static int group_rows(cli_table *t, const group_sum *groups)
{
    static const char *const codes[NGROUPS] = {"1", "2", "3", "4", "5", "6", "7", "none", "other"};
    group_sum total = {0};
    char n[24], co2[32], wan[32];
    const char *cells[5] = {NULL, NULL, n, co2, wan};
    int rc = 0;
    for (int g = 0; rc == 0 && g < NGROUPS; g++) {
        if (!groups[g].entries)
            continue;
        cells[0] = codes[g];
        cells[1] = g < 7 ? cli_label_catalogue_group(codes[g]) : g == 7 ? "无分类 none" : "目录外代码 other codes";
        snprintf(n, sizeof n, "%lld", groups[g].entries);
        cents_text(groups[g].co2_cents, co2, sizeof co2);
        report_fen_to_wan_ll(groups[g].fen, wan, sizeof wan);
        total.entries += groups[g].entries;
        total.co2_cents += groups[g].co2_cents;
        total.fen += groups[g].fen;
        rc = cli_table_add(t, cells);
    }
    cells[0] = "total";
    cells[1] = "合计";
    snprintf(n, sizeof n, "%lld", total.entries);
    cents_text(total.co2_cents, co2, sizeof co2);
    report_fen_to_wan_ll(total.fen, wan, sizeof wan);
    return rc ? rc : cli_table_add_total(t, cells);
}

static const cli_column feedback_cols[] = {
    {"entry_key", "条目编号", CLI_COL_TEXT},         {"name", "企业名称", CLI_COL_TEXT},
    {"period", "半年度", CLI_COL_TEXT},              {"co2_t", "碳减排量(吨CO2e)", CLI_COL_DEC},
    {"energy_saving_tce", "节能量(吨标煤)", CLI_COL_DEC}, {"climate_finance_wan", "气候投融资(万元)", CLI_COL_DEC},
    {"institutions", "金融机构数", CLI_COL_INT},     {"financing_wan", "融资金额(万元)", CLI_COL_DEC},
    {"balance_wan", "期末余额(万元)", CLI_COL_DEC},
};
#define FEEDBACK_NCOLS (sizeof feedback_cols / sizeof feedback_cols[0])

static int feedback_rows(ledger_ctx *q, cli_table *t)
{
    PGresult *r = query(q, feedback_sql, 2);
    if (!r)
        return -1;
    int rc = 0;
    long long co2 = 0, fen[3] = {0};
    char wan[3][32], tot[3][32];
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        const char *cells[FEEDBACK_NCOLS];
        for (int c = 0; c < 5; c++)
            cells[c] = PQgetvalue(r, i, c);
        cells[5] = wan[0], cells[6] = PQgetvalue(r, i, 6), cells[7] = wan[1], cells[8] = wan[2];
        for (int k = 0; k < 3; k++) {
            int col = k == 0 ? 5 : 6 + k;
            wan[k][0] = '\0';
            if (!PQgetisnull(r, i, col)) {
                report_fen_to_wan(PQgetvalue(r, i, col), wan[k], sizeof wan[k]);
                fen[k] += strtoll(PQgetvalue(r, i, col), NULL, 10);
            }
        }
        co2 += PQgetisnull(r, i, 3) ? 0 : cents_of(PQgetvalue(r, i, 3));
        rc = cli_table_add(t, cells);
    }
    PQclear(r);
    cents_text(co2, tot[0], sizeof tot[0]);
    for (int k = 0; k < 2; k++)
        report_fen_to_wan_ll(fen[k], tot[1 + k], sizeof tot[1 + k]);
    /* balances of different half-years are not added up */
    const char *cells[FEEDBACK_NCOLS] = {"total", "合计", NULL, tot[0], NULL, tot[1], NULL, tot[2], NULL};
    return rc ? rc : cli_table_add_total(t, cells);
}

/* ---------------------------------------------------------------- versions */

static const cli_column version_cols[] = {
    {"version_label", "版本", CLI_COL_TEXT},   {"version", "版本号", CLI_COL_INT},
    {"mode", "方式", CLI_COL_TEXT},            {"effective_at", "生效时间", CLI_COL_TEXT},
    {"parts", "分片数", CLI_COL_INT},          {"added", "新增", CLI_COL_INT},
    {"updated", "变更", CLI_COL_INT},          {"removed", "移出", CLI_COL_INT},
    {"entry_count", "条目数", CLI_COL_INT},    {"title", "名单标题", CLI_COL_TEXT},
};
#define VERSION_NCOLS (sizeof version_cols / sizeof version_cols[0])

static int version_rows(ledger_ctx *q, cli_table *t)
{
    PGresult *r = query(q, versions_sql, 1);
    if (!r)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        const char *cells[VERSION_NCOLS];
        for (size_t c = 0; c < VERSION_NCOLS; c++)
            cells[c] = PQgetvalue(r, i, (int)c);
        rc = cli_table_add(t, cells);
    }
    PQclear(r);
    return rc;
}

/* ---------------------------------------------------------------- diff form */

static const cli_column diff_cols[] = {
    {"change", "变动代码", CLI_COL_TEXT}, {"change_name", "变动", CLI_COL_TEXT}, ENTRY_COLUMNS,
    {"changes", "变更内容", CLI_COL_TEXT}, FEEDBACK_COLUMNS,
};
#define DIFF_NCOLS (sizeof diff_cols / sizeof diff_cols[0])

/* "名称: old → new; ..." for an UPDATED entry (diff_sql columns 6-14). Caller frees. */
static char *what_changed(const PGresult *r, int i)
{
    static const char *const labels[] = {"统一社会信用代码", "企业名称", "项目名称", "目录代码"};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    int n = 0;
    for (int k = 0; k < 4; k++) {
        int o = 6 + 2 * k, nw = o + 1;
        if (PQgetisnull(r, i, o) && PQgetisnull(r, i, nw))
            continue;
        if (PQgetisnull(r, i, o) != PQgetisnull(r, i, nw) || strcmp(PQgetvalue(r, i, o), PQgetvalue(r, i, nw)))
            fprintf(f, "%s%s: %s → %s", n++ ? "; " : "", labels[k], PQgetisnull(r, i, o) ? "∅" : PQgetvalue(r, i, o),
                    PQgetisnull(r, i, nw) ? "∅" : PQgetvalue(r, i, nw));
    }
    if (!PQgetisnull(r, i, 14))
        fprintf(f, "%s%s", n ? "; " : "", PQgetvalue(r, i, 14));
    if (fclose(f)) {
        free(text);
        return NULL;
    }
    return text;
}

/* Diff rows; counts[0..2] = ADDED, UPDATED, REMOVED. */
static int diff_rows(ledger_ctx *q, cli_table *t, long long *counts)
{
    PGresult *r = query(q, diff_sql, 3);
    if (!r)
        return -1;
    feedback_sums sums = {0};
    char fb[NFEEDBACK][32];
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        const char *change = PQgetvalue(r, i, 0);
        bool updated = !strcmp(change, "UPDATED");
        char *what = updated ? what_changed(r, i) : NULL;
        const char *cells[DIFF_NCOLS] = {change,       cli_label(CLI_LABEL_CHANGE, change), PQgetvalue(r, i, 1),
                                         PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
                                         PQgetvalue(r, i, 5), what};
        feedback_cells(r, i, 15, cells + 8, fb, &sums);
        counts[!strcmp(change, "ADDED") ? 0 : updated ? 1 : 2]++;
        rc = updated && !what ? -1 : cli_table_add(t, cells);
        free(what);
    }
    PQclear(r);
    const char *cells[DIFF_NCOLS] = {"total", "合计"};
    feedback_totals(&sums, cells + 8, fb);
    return rc ? rc : cli_table_add_total(t, cells);
}

static const cli_column change_cols[] = {
    {"change", "变动代码", CLI_COL_TEXT},
    {"change_name", "变动", CLI_COL_TEXT},
    {"entries", "条目数", CLI_COL_INT},
};

static int change_rows(cli_table *t, const long long *counts)
{
    static const char *const changes[] = {"ADDED", "UPDATED", "REMOVED"};
    char n[4][24];
    int rc = 0;
    for (int k = 0; rc == 0 && k < 3; k++) {
        snprintf(n[k], sizeof n[k], "%lld", counts[k]);
        const char *cells[] = {changes[k], cli_label(CLI_LABEL_CHANGE, changes[k]), n[k]};
        rc = cli_table_add(t, cells);
    }
    snprintf(n[3], sizeof n[3], "%lld", counts[0] + counts[1] + counts[2]);
    const char *cells[] = {"total", "合计", n[3]};
    return rc ? rc : cli_table_add_total(t, cells);
}

/* ---------------------------------------------------------------- the report */

static const cli_chart version_charts[] = {
    {CLI_CHART_KPI, "kpi", "", NULL, "entries", NULL, {"co2_t", "climate_finance_wan", "financing_wan"}},
    {CLI_CHART_BARS, "chart-categories", "各产业类别条目数 Entries by category", "项", "categories", "category",
     {"entries"}},
    {CLI_CHART_BARS, "chart-category-financing", "各产业类别融资金额 Financing by category", "万元", "categories",
     "category", {"financing_wan"}},
    {CLI_CHART_BARS, "chart-versions", "各版本新增、变更、移出 Added, updated, removed per version", "项", "versions",
     "version_label", {"added", "updated", "removed"}},
};
static const cli_chart diff_charts[] = {
    {CLI_CHART_BARS, "chart-changes", "版本间变动 Changes between the versions", "项", "changes", "change_name",
     {"entries"}},
    {CLI_CHART_BARS, "chart-versions", "各版本新增、变更、移出 Added, updated, removed per version", "项", "versions",
     "version_label", {"added", "updated", "removed"}},
};

/* Adds a table filled by fill (NULL: none), with a footnote (may be NULL). */
static int add_table(ledger_ctx *q, cli_table *t, int rc, const char *note)
{
    if (!t)
        return -1;
    if (rc) {
        cli_table_free(t);
        return -1;
    }
    if (note)
        cli_table_set_footnote(t, note);
    return cli_report_add_table(q->r, t);
}

#define TABLE(id, title, cols) cli_table_new(id, title, cols, sizeof cols / sizeof cols[0])

static int version_tables(ledger_ctx *q)
{
    group_sum groups[NGROUPS] = {{0}};
    char title[160];
    snprintf(title, sizeof title, "名单条目（版本 %s）Entries as of version %s", q->version, q->version);
    cli_table *t = TABLE("entries", title, entry_cols);
    if (add_table(q, t, t ? entry_rows(q, t, groups) : -1, feedback_note))
        return -1;
    t = TABLE("categories", "按产业类别 By category (绿色低碳转型产业指导目录 2024)", group_cols);
    if (add_table(q, t, t ? group_rows(t, groups) : -1, NULL))
        return -1;
    t = TABLE("feedback", "各期反馈 Feedback per entry and half-year", feedback_cols);
    return add_table(q, t, t ? feedback_rows(q, t) : -1,
                     "Carbon: the ecology bureau's reports; financing: the finance bureau's, summed over "
                     "institutions. Entries on the list at this version.");
}

static int diff_tables(ledger_ctx *q)
{
    long long counts[3] = {0};
    char title[160];
    snprintf(title, sizeof title, "版本 %s → %s 变动 Changes from version %s to %s", q->from, q->to, q->from, q->to);
    cli_table *t = TABLE("diff", title, diff_cols);
    if (add_table(q, t, t ? diff_rows(q, t, counts) : -1, feedback_note))
        return -1;
    t = TABLE("changes", "变动汇总 Changes by kind", change_cols);
    return add_table(q, t, t ? change_rows(t, counts) : -1, NULL);
}

/* The list's row; 0, 1 when it does not exist (err set), -1 on error. Adds the facts. */
static int list_facts(ledger_ctx *q, PGresult **list)
{
    PGresult *r = *list = query(q, list_sql, 1);
    if (!r)
        return -1;
    if (!PQntuples(r)) {
        snprintf(q->err, q->errlen, "no list %s in district.list_summary", q->list_id);
        return 1;
    }
    char kind[128], who[256], current[128], now[64];
    snprintf(kind, sizeof kind, "%s %s", PQgetvalue(r, 0, 0), cli_label(CLI_LABEL_LIST_KIND, PQgetvalue(r, 0, 0)));
    snprintf(current, sizeof current, "v%s (%s, %s entries)", PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 6),
             PQgetvalue(r, 0, 5));
    cli_report *rep = q->r;
    return cli_report_fact(rep, "list_id", "名单 list", q->list_id) ||
                   cli_report_fact(rep, "title", "标题 title", PQgetvalue(r, 0, 2)) ||
                   cli_report_fact(rep, "kind", "类型 kind", kind) ||
                   cli_report_fact(rep, "region", "地区 region", PQgetvalue(r, 0, 1)) ||
                   cli_report_fact(rep, "publisher", "发布部门 publisher",
                                   cli_names_who(q->names, PQgetvalue(r, 0, 3), who, sizeof who)) ||
                   cli_report_fact(rep, "current_version", "当前版本 current", current) ||
                   cli_report_fact(rep, "versions", "已生效版本 applied versions", PQgetvalue(r, 0, 7)) ||
                   cli_report_fact(rep, "generated_at", "生成时间 generated at", cli_args_now(now, sizeof now)) ||
                   cli_report_fact(rep, "time_zone", "时区 time zone", "China time (UTC+8)")
               ? -1
               : 0;
}

/* Checks an applied version and adds it as a fact. 0, 1 (never applied, err set), -1. */
static int version_fact(ledger_ctx *q, const char *version, const char *key, const char *label, const char *applied)
{
    const char *p[] = {q->list_id, version};
    PGresult *r = cli_db_query(q->db, version_sql, 2, p, q->err, q->errlen);
    if (!r)
        return -1;
    int rc = 1;
    if (!PQntuples(r)) {
        snprintf(q->err, q->errlen, "list %s has no applied version %s (applied: %s)", q->list_id, version, applied);
    } else {
        char text[1024];
        snprintf(text, sizeof text, "v%s, %s, %s entries, %s: %s", version, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
                 PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3));
        rc = cli_report_fact(q->r, key, label, cli_utf8_trim(text)) ? -1 : 0;
    }
    PQclear(r);
    return rc;
}

static int assemble(ledger_ctx *q)
{
    PGresult *list = NULL;
    int rc = list_facts(q, &list);
    const char *applied = rc == 0 ? PQgetvalue(list, 0, 7) : "";
    if (rc == 0 && !q->diff && !*q->version)
        snprintf(q->version, sizeof q->version, "%s", PQgetvalue(list, 0, 4));
    if (rc == 0)
        rc = q->diff ? version_fact(q, q->from, "from", "对比版本 from", applied)
                     : version_fact(q, q->version, "as_of", "版本 as of", applied);
    if (rc == 0 && q->diff)
        rc = version_fact(q, q->to, "to", "对比版本 to", applied);
    PQclear(list);
    if (rc == 0)
        rc = q->diff ? diff_tables(q) : version_tables(q);
    cli_table *t = rc == 0 ? TABLE("versions", "版本记录 Versions of the list", version_cols) : NULL;
    if (rc == 0)
        rc = add_table(q, t, t ? version_rows(q, t) : -1, NULL);
    const cli_chart *charts = q->diff ? diff_charts : version_charts;
    size_t n = q->diff ? sizeof diff_charts / sizeof diff_charts[0] : sizeof version_charts / sizeof version_charts[0];
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = cli_report_add_chart(q->r, &charts[i]);
    return rc;
}

int report_ledger(PGconn *db, const gfdx_registry *names, const char *list_id, long long version,
                  const long long *diff, cli_report **out, char *err, size_t errlen)
{
    ledger_ctx q = {.db = db, .names = names, .list_id = list_id, .diff = diff != NULL, .err = err, .errlen = errlen};
    *out = NULL;
    err[0] = '\0';
    if (version > 0)
        snprintf(q.version, sizeof q.version, "%lld", version);
    if (diff) {
        snprintf(q.from, sizeof q.from, "%lld", diff[0]);
        snprintf(q.to, sizeof q.to, "%lld", diff[1]);
    }
    if (!report_namelist_deployed(db, err, errlen))
        return 1;
    q.r = cli_report_new("ledger", "区级名单台账 District name-list ledger", list_id);
    int rc = q.r ? assemble(&q) : -1;
    if (rc) {
        if (!*err)
            snprintf(err, errlen, "out of memory");
        cli_report_free(q.r);
        return 1;
    }
    *out = q.r;
    return 0;
}
