/* report_district.c: `gfdx report district REGION`, the district-wide ledger (台账): every name
 * list of one region side by side (its kind, publisher, applied version, entries, versions and
 * feedback), every applied version of each, and the feedback per list and half-year: carbon
 * reports (ecology bureau), financing reports (finance bureau) and the half-year reports the
 * watch found missing. The lists are those whose region is REGION itself (`gfdx report lists
 * --region` adds the lists of the regions covering it). Reads only district's views
 * (schemas/sql/district/005_views.sql); totals are computed by PostgreSQL (GROUPING SETS), the
 * total row being the one whose first column is true. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "db.h"
#include "labels.h"
#include "report.h"

/* $1 region. Per list: counts and the feedback summed over every half-year; then the total. */
static const char lists_sql[] =
    "WITH l AS (SELECT * FROM district.list_summary WHERE region = $1),"
    " fb AS (SELECT list_id, sum(co2_reduction_t) AS co2, sum(financing_fen) AS fen"
    "   FROM district.entry_feedback_by_half_year WHERE list_id IN (SELECT list_id FROM l) GROUP BY list_id)"
    " SELECT GROUPING(l.list_id) = 1, l.list_id, l.kind, l.level, l.publisher, l.title, l.current_version,"
    " sum(l.entry_count), sum(l.entries_ever), sum(l.version_count), sum(l.carbon_reports),"
    " sum(l.financing_reports), sum(l.missing_reports), round(coalesce(sum(fb.co2), 0)::numeric, 2),"
    " coalesce(sum(fb.fen), 0)"
    " FROM l LEFT JOIN fb USING (list_id)"
    " GROUP BY GROUPING SETS ((l.list_id, l.kind, l.level, l.publisher, l.title, l.current_version), ())"
    " ORDER BY GROUPING(l.list_id), l.list_id COLLATE \"C\"";

/* $1 region. Every applied version of every list of the region. */
static const char versions_sql[] =
    "SELECT false, list_id, 'v' || version, version, mode, to_char(effective_at, 'YYYY-MM-DD HH24:MI:SS'),"
    " part_count, added, updated, removed, entry_count, title FROM district.applied_version"
    " WHERE list_id IN (SELECT list_id FROM district.list_summary WHERE region = $1)"
    " ORDER BY list_id COLLATE \"C\", version";

/* $1 region. Per list and half-year with feedback or a report missing; then the total
 * (balances of different half-years are not added up). */
static const char feedback_sql[] =
    "WITH l AS (SELECT list_id FROM district.list_summary WHERE region = $1),"
    " f AS (SELECT list_id, period, count(*) AS entries, count(co2_reduction_t) AS carbon,"
    "   sum(co2_reduction_t) AS co2, sum(financing_reports) AS financing, sum(financing_fen) AS fen,"
    "   sum(balance_fen) AS balance FROM district.entry_feedback_by_half_year"
    "   WHERE list_id IN (SELECT list_id FROM l) GROUP BY list_id, period),"
    " m AS (SELECT list_id, period, count(*) AS missing FROM district.missing_half_year_report"
    "   WHERE list_id IN (SELECT list_id FROM l) GROUP BY list_id, period)"
    " SELECT GROUPING(list_id) = 1, list_id, period, coalesce(sum(f.entries), 0), coalesce(sum(f.carbon), 0),"
    " round(sum(f.co2)::numeric, 2), coalesce(sum(f.financing), 0), sum(f.fen),"
    " CASE WHEN GROUPING(list_id) = 0 THEN sum(f.balance) END, coalesce(sum(m.missing), 0)"
    " FROM f FULL JOIN m USING (list_id, period)"
    " GROUP BY GROUPING SETS ((list_id, period), ())"
    " ORDER BY GROUPING(list_id), list_id COLLATE \"C\", period";

/* How a table cell is made from its query column. */
typedef enum { C_COPY, C_WAN, C_KIND_NAME, C_WHO } cell_kind;

typedef struct {
    cli_column col;
    cell_kind how;
    int src; /* query column (0 is the total flag) */
} cell_spec;

static const cell_spec list_cells[] = {
    {{"list_id", "名单编号", CLI_COL_TEXT}, C_COPY, 1},
    {{"kind", "名单类型代码", CLI_COL_TEXT}, C_COPY, 2},
    {{"kind_name", "名单类型", CLI_COL_TEXT}, C_KIND_NAME, 2},
    {{"level", "层级", CLI_COL_TEXT}, C_COPY, 3},
    {{"publisher", "发布单位", CLI_COL_TEXT}, C_WHO, 4},
    {{"title", "名称", CLI_COL_TEXT}, C_COPY, 5},
    {{"version", "当前版本", CLI_COL_INT}, C_COPY, 6},
    {{"entries", "条目数", CLI_COL_INT}, C_COPY, 7},
    {{"entries_ever", "累计条目数", CLI_COL_INT}, C_COPY, 8},
    {{"versions", "已应用版本数", CLI_COL_INT}, C_COPY, 9},
    {{"carbon_reports", "碳减排反馈", CLI_COL_INT}, C_COPY, 10},
    {{"financing_reports", "融资反馈", CLI_COL_INT}, C_COPY, 11},
    {{"missing_reports", "缺报半年", CLI_COL_INT}, C_COPY, 12},
    {{"co2_t", "碳减排量(吨CO2e)", CLI_COL_DEC}, C_COPY, 13},
    {{"financing_wan", "融资金额(万元)", CLI_COL_DEC}, C_WAN, 14},
};

static const cell_spec version_cells[] = {
    {{"list_id", "名单编号", CLI_COL_TEXT}, C_COPY, 1},
    {{"version_label", "版本", CLI_COL_TEXT}, C_COPY, 2},
    {{"version", "版本号", CLI_COL_INT}, C_COPY, 3},
    {{"mode", "方式", CLI_COL_TEXT}, C_COPY, 4},
    {{"effective_at", "生效时间", CLI_COL_TEXT}, C_COPY, 5},
    {{"parts", "分片数", CLI_COL_INT}, C_COPY, 6},
    {{"added", "新增", CLI_COL_INT}, C_COPY, 7},
    {{"updated", "变更", CLI_COL_INT}, C_COPY, 8},
    {{"removed", "移出", CLI_COL_INT}, C_COPY, 9},
    {{"entry_count", "条目数", CLI_COL_INT}, C_COPY, 10},
    {{"title", "名单标题", CLI_COL_TEXT}, C_COPY, 11},
};

static const cell_spec feedback_cells[] = {
    {{"list_id", "名单编号", CLI_COL_TEXT}, C_COPY, 1},
    {{"period", "半年度", CLI_COL_TEXT}, C_COPY, 2},
    {{"entries_reported", "有反馈条目数", CLI_COL_INT}, C_COPY, 3},
    {{"carbon_reports", "碳减排反馈", CLI_COL_INT}, C_COPY, 4},
    {{"co2_t", "碳减排量(吨CO2e)", CLI_COL_DEC}, C_COPY, 5},
    {{"financing_reports", "融资反馈", CLI_COL_INT}, C_COPY, 6},
    {{"financing_wan", "融资金额(万元)", CLI_COL_DEC}, C_WAN, 7},
    {{"balance_wan", "期末余额(万元)", CLI_COL_DEC}, C_WAN, 8},
    {{"missing_reports", "缺报半年", CLI_COL_INT}, C_COPY, 9},
};

#define MAX_CELLS 16

typedef struct {
    const char *id, *title, *sql, *note;
    const cell_spec *cells;
    size_t ncells;
} table_spec;

#define SPEC(id, title, sql, cells, note) {id, title, sql, note, cells, sizeof cells / sizeof cells[0]}

static const table_spec tables[] = {
    SPEC("lists", "辖区名单 Lists of the region", lists_sql, list_cells,
         "entries: on the list at its current version; entries_ever: every entry it ever listed; feedback over every "
         "half-year (financing: one report per entry, half-year, institution and product). 万元 = 10,000 yuan."),
    SPEC("versions", "各名单版本记录 Versions of every list", versions_sql, version_cells, NULL),
    SPEC("feedback", "各名单各期反馈 Feedback per list and half-year", feedback_sql, feedback_cells,
         "Carbon: the ecology bureau's reports; financing: the finance bureau's, summed; missing: half-year "
         "reports flagged by gfdx-namelist's watch. Balances of different half-years are not added up."),
};
#define NTABLES (sizeof tables / sizeof tables[0])

/* One row of r into t by spec s; the total row (column 0 true) names itself in the first two
 * text cells. 0, or -1 when out of memory. */
static int add_row(cli_table *t, const table_spec *s, const PGresult *r, int i, const gfdx_registry *names)
{
    const char *cells[MAX_CELLS] = {0};
    char wan[MAX_CELLS][32], who[256];
    bool total = PQgetvalue(r, i, 0)[0] == 't';
    for (size_t c = 0; c < s->ncells; c++) {
        const cell_spec *k = &s->cells[c];
        const char *v = PQgetisnull(r, i, k->src) ? NULL : PQgetvalue(r, i, k->src);
        cells[c] = k->how == C_KIND_NAME && v ? cli_label(CLI_LABEL_LIST_KIND, v)
                   : k->how == C_WHO && v     ? cli_names_who(names, v, who, sizeof who)
                                              : v;
        if (k->how == C_WAN && v) {
            report_fen_to_wan(v, wan[c], sizeof wan[c]);
            cells[c] = wan[c];
        }
    }
    if (!total)
        return cli_table_add(t, cells);
    cells[0] = "total";
    cells[s == &tables[0] ? 2 : 1] = "合计";
    return cli_table_add_total(t, cells);
}

/* Runs spec s for region and adds its table to rep. 0, or -1 (err set unless out of memory);
 * *rows: the number of data rows. */
static int add_table(PGconn *db, const table_spec *s, const char *region, const gfdx_registry *names,
                     cli_report *rep, int *rows, char *err, size_t errlen)
{
    /* A table borrows its columns (output.h: cli_table_new) until the report is written,
     * after this returns: so they live here, one row per table spec, not on the stack. */
    static cli_column columns[NTABLES][MAX_CELLS];
    cli_column *cols = columns[s - tables];
    for (size_t c = 0; c < s->ncells; c++)
        cols[c] = s->cells[c].col;
    const char *p[] = {region};
    PGresult *r = cli_db_query(db, s->sql, 1, p, err, errlen);
    if (!r)
        return -1;
    cli_table *t = cli_table_new(s->id, s->title, cols, s->ncells);
    int rc = t ? 0 : -1;
    *rows = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        *rows += PQgetvalue(r, i, 0)[0] != 't';
        rc = add_row(t, s, r, i, names);
    }
    PQclear(r);
    if (rc) {
        cli_table_free(t);
        return -1;
    }
    if (s->note)
        cli_table_set_footnote(t, s->note);
    return cli_report_add_table(rep, t); /* takes t */
}

static const cli_chart charts[] = {
    {CLI_CHART_KPI, "kpi", "", NULL, "lists", NULL, {"entries", "carbon_reports", "financing_reports",
                                                      "missing_reports", "financing_wan"}},
    {CLI_CHART_BARS, "chart-entries", "各名单条目数 Entries per list", "项", "lists", "list_id", {"entries"}},
    {CLI_CHART_BARS, "chart-feedback", "各名单反馈与缺报 Reports and missing reports per list", "项", "lists",
     "list_id", {"carbon_reports", "financing_reports", "missing_reports"}},
    {CLI_CHART_BARS, "chart-financing", "各名单融资金额 Financing per list", "万元", "lists", "list_id",
     {"financing_wan"}},
};

static int assemble(PGconn *db, const gfdx_registry *names, const char *region, cli_report *rep, char *err,
                    size_t errlen)
{
    int rows = 0, lists = 0;
    for (size_t k = 0; k < NTABLES; k++) {
        if (add_table(db, &tables[k], region, names, rep, &rows, err, errlen))
            return -1;
        if (k == 0 && !(lists = rows)) {
            snprintf(err, errlen, "no list of region %s in district.list_summary", region);
            return -1;
        }
    }
    char n[24], now[64];
    snprintf(n, sizeof n, "%d", lists);
    if (cli_report_fact(rep, "region", "地区 region", region) || cli_report_fact(rep, "lists", "名单数 lists", n) ||
        cli_report_fact(rep, "generated_at", "生成时间 generated at", cli_args_now(now, sizeof now)) ||
        cli_report_fact(rep, "time_zone", "时区 time zone", "China time (UTC+8)"))
        return -1;
    for (size_t i = 0; i < sizeof charts / sizeof charts[0]; i++)
        if (cli_report_add_chart(rep, &charts[i]))
            return -1;
    return 0;
}

int report_district(PGconn *db, const gfdx_registry *names, const char *region, cli_report **out, char *err,
                    size_t errlen)
{
    *out = NULL;
    err[0] = '\0';
    if (!report_namelist_deployed(db, err, errlen))
        return 1;
    cli_report *rep = cli_report_new("district", "区域名单台账 District-wide ledger", region);
    if (!rep || assemble(db, names, region, rep, err, errlen)) {
        if (!*err)
            snprintf(err, errlen, "out of memory");
        cli_report_free(rep);
        return 1;
    }
    *out = rep;
    return 0;
}
