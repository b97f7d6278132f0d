/* report_lists.c: `gfdx report lists`, every name list the exchange keeps (district.list_summary):
 * its kind, level (national, provincial, municipal, district: from its region), region,
 * publisher, current version and entries, how many versions were applied, and the feedback on
 * its entries (carbon and financing reports, and the half-year reports found missing by
 * gfdx-namelist's watch), narrowed with --region CODE to the lists of that region and of the
 * regions covering it (100000, its province, its city): what a bureau of that region sees. */
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "labels.h"
#include "report.h"

/* $1 region or NULL: the lists whose region covers it. */
static const char lists_sql[] =
    "SELECT list_id, kind, level, region, publisher, title, current_version, entry_count, version_count,"
    " carbon_reports, financing_reports, missing_reports"
    " FROM district.list_summary WHERE $1::text IS NULL OR region = $1 OR region = '100000'"
    "   OR region = substr($1, 1, 2) || '0000' OR region = substr($1, 1, 4) || '00'"
    " ORDER BY CASE level WHEN 'NATIONAL' THEN 0 WHEN 'PROVINCIAL' THEN 1 WHEN 'MUNICIPAL' THEN 2 ELSE 3 END,"
    " region, list_id";

static const cli_column cols[] = {
    {"list_id", "名单编号", CLI_COL_TEXT},       {"kind", "名单类型代码", CLI_COL_TEXT},
    {"kind_name", "名单类型", CLI_COL_TEXT},     {"level", "层级", CLI_COL_TEXT},
    {"region", "地区代码", CLI_COL_TEXT},        {"publisher", "发布单位", CLI_COL_TEXT},
    {"title", "名称", CLI_COL_TEXT},             {"version", "当前版本", CLI_COL_INT},
    {"entries", "条目数", CLI_COL_INT},          {"versions", "已应用版本数", CLI_COL_INT},
    {"carbon_reports", "碳减排反馈", CLI_COL_INT}, {"financing_reports", "融资反馈", CLI_COL_INT},
    {"missing_reports", "缺报半年", CLI_COL_INT},
};
#define NCOLS (sizeof cols / sizeof cols[0])

static int add_rows(cli_table *t, PGresult *r, const gfdx_registry *names)
{
    long long total[5] = {0};
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        const char *cells[NCOLS];
        char who[256];
        for (int c = 0; c < 2; c++)
            cells[c] = PQgetvalue(r, i, c);
        cells[2] = cli_label(CLI_LABEL_LIST_KIND, PQgetvalue(r, i, 1));
        cells[3] = PQgetvalue(r, i, 2);
        cells[4] = PQgetvalue(r, i, 3);
        cells[5] = cli_names_who(names, PQgetvalue(r, i, 4), who, sizeof who);
        for (int c = 6; c < (int)NCOLS; c++)
            cells[c] = PQgetvalue(r, i, c - 1);
        for (int k = 0; k < 5; k++)
            total[k] += strtoll(PQgetvalue(r, i, 7 + k), NULL, 10);
        rc = cli_table_add(t, cells);
    }
    char num[5][24];
    const char *cells[NCOLS] = {"total", NULL, "合计"};
    for (int k = 0; k < 5; k++) {
        snprintf(num[k], sizeof num[k], "%lld", total[k]);
        cells[8 + k] = num[k];
    }
    return rc ? rc : cli_table_add_total(t, cells);
}

bool report_namelist_deployed(PGconn *db, char *err, size_t errlen)
{
    int has = cli_db_has(db, "district.list_summary", err, errlen);
    if (has == 0)
        snprintf(err, errlen, "district.list_summary does not exist in %s: is gfdx-namelist deployed here?", PQdb(db));
    return has == 1;
}

int report_lists(PGconn *db, const gfdx_registry *names, const char *region, cli_report **out, char *err,
                 size_t errlen)
{
    *out = NULL;
    if (!report_namelist_deployed(db, err, errlen))
        return 1;
    const char *params[] = {region};
    PGresult *r = cli_db_query(db, lists_sql, 1, params, err, errlen);
    if (!r)
        return 1;
    cli_report *rep = cli_report_new("lists", "名单总览（台账）Name lists", region);
    cli_table *t = rep ? cli_table_new("lists", "名单 Lists, national to district", cols, NCOLS) : NULL;
    int rc = t ? add_rows(t, r, names) : -1;
    PQclear(r);
    if (rc == 0)
        rc = cli_report_fact(rep, "region", "地区 region", region ? region : "全部 all");
    if (rc == 0) {
        rc = cli_report_add_table(rep, t);
        t = NULL;
    }
    cli_table_free(t);
    if (rc) {
        if (!*err)
            snprintf(err, errlen, "out of memory");
        cli_report_free(rep);
        return 1;
    }
    *out = rep;
    return 0;
}
