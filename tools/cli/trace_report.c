/* trace_report.c: the report of `gfdx trace` (trace.h): the need's facts, the timeline,
 * and per service the banks' dispatches and matching, obstacles, alerts and receipts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "db.h"
#include "labels.h"
#include "region.h"
#include "report.h"
#include "trace.h"

/* ---------------------------------------------------------------- facts */

/* The need as intake keeps it, else as the PBoC received it: the same columns. */
static const char intake_need_sql[] =
    "SELECT factory_name, uscc, province, project_name, project_kind, coalesce(catalogue_code, ''), financing_amount,"
    " status, coalesce(quarter, ''), late, is_major, array_to_string(priority_tags, ','),"
    " to_char(submitted_at, 'YYYY-MM-DD HH24:MI:SS') FROM intake.need_summary WHERE need_id = $1";
static const char pboc_need_sql[] =
    "SELECT factory_name, uscc, province, project_name, project_kind, catalogue_code,"
    " financing_amount, status, quarter, late, is_major, array_to_string(priority_tags, ','), '' FROM pboc.need_summary"
    " WHERE need_id = $1";
static const char need_status_sql[] =
    "SELECT overall, banks_dispatched, banks_contacted, banks_approved, banks_declined, approved_total,"
    " disbursed_total, open_obstacles FROM feedback.need_summary WHERE need_id = $1";

typedef struct {
    trace_log *t;
    cli_report *r;
} builder;

static PGresult *query(builder *b, const char *sql)
{
    const char *p[] = {b->t->need_id};
    return cli_db_query(b->t->db, sql, 1, p, b->t->err, b->t->errlen);
}

static int fact(builder *b, const char *key, const char *label, const char *value)
{
    return cli_report_fact(b->r, key, label, value);
}

/* Facts from a need row (intake_need_sql's columns). */
static int need_facts(builder *b, const PGresult *r)
{
    char buf[2048], wan[32];
    const char *province = gfdx_region_province_name(PQgetvalue(r, 0, 2));
    int rc = fact(b, "need_id", "需求编号 need", b->t->need_id);
    snprintf(buf, sizeof buf, "%s（%s）", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
    rc = rc || fact(b, "enterprise", "企业 enterprise", cli_utf8_trim(buf));
    snprintf(buf, sizeof buf, "%s %s", PQgetvalue(r, 0, 2), province ? province : "");
    rc = rc || fact(b, "province", "省份 province", buf);
    snprintf(buf, sizeof buf, "%s（%s%s%s）", PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4),
             *PQgetvalue(r, 0, 5) ? ", 目录 " : "", PQgetvalue(r, 0, 5));
    rc = rc || fact(b, "project", "项目 project", cli_utf8_trim(buf));
    report_fen_to_wan(PQgetvalue(r, 0, 6), wan, sizeof wan);
    rc = rc || fact(b, "requested_wan", "申请金额(万元) requested", wan);
    snprintf(buf, sizeof buf, "%s %s%s%s%s%s", PQgetvalue(r, 0, 7), cli_label(CLI_LABEL_NEED_STATUS, PQgetvalue(r, 0, 7)),
             *PQgetvalue(r, 0, 8) ? " · " : "", PQgetvalue(r, 0, 8), PQgetvalue(r, 0, 9)[0] == 't' ? " · 逾期 late" : "",
             PQgetvalue(r, 0, 10)[0] == 't' ? " · 重大项目 major" : "");
    rc = rc || fact(b, "status", "状态 status", buf);
    if (*PQgetvalue(r, 0, 11))
        rc = rc || fact(b, "priority_tags", "优先支持 priority", PQgetvalue(r, 0, 11));
    if (*PQgetvalue(r, 0, 12))
        rc = rc || fact(b, "submitted_at", "提交时间 submitted", PQgetvalue(r, 0, 12));
    return rc ? -1 : 0;
}

static int matching_fact(builder *b)
{
    PGresult *r = query(b, need_status_sql);
    if (!r)
        return -1;
    int rc = 0;
    if (PQntuples(r)) {
        char buf[512], ap[32], di[32];
        report_fen_to_wan(PQgetvalue(r, 0, 5), ap, sizeof ap);
        report_fen_to_wan(PQgetvalue(r, 0, 6), di, sizeof di);
        snprintf(buf, sizeof buf, "%s %s: 分发 %s 家, 对接 %s 家, 授信 %s 家 %s 万元, 放款 %s 万元, 不予融资 %s 家, 未解决梗阻 %s",
                 PQgetvalue(r, 0, 0), cli_label(CLI_LABEL_OVERALL, PQgetvalue(r, 0, 0)), PQgetvalue(r, 0, 1),
                 PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3), ap, di, PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 7));
        rc = fact(b, "matching", "对接 matching", buf);
    }
    PQclear(r);
    return rc;
}

/* 1 when the need was found (facts added), 0 when no service knows it, -1 on error. */
static int add_need_facts(builder *b)
{
    const char *sql = b->t->deployed[TRACE_INTAKE] ? intake_need_sql : NULL;
    PGresult *r = sql ? query(b, sql) : NULL;
    if (sql && !r)
        return -1;
    if ((!r || PQntuples(r) == 0) && b->t->deployed[TRACE_PBOC]) {
        PQclear(r);
        if (!(r = query(b, pboc_need_sql)))
            return -1;
    }
    int found = r && PQntuples(r) == 1;
    int rc = found ? need_facts(b, r) : fact(b, "need_id", "需求编号 need", b->t->need_id);
    PQclear(r);
    if (rc == 0 && b->t->deployed[TRACE_FEEDBACK])
        rc = matching_fact(b);
    return rc ? -1 : found || b->t->n > 0;
}

static int run_facts(builder *b)
{
    static const char *const names[TRACE_NSERVICES] = {"intake (gfdx-intake)", "pboc (gfdx-push)",
                                                       "feedback (gfdx-feedback)"};
    char now[64], missing[128] = "";
    for (int s = 0; s < TRACE_NSERVICES; s++)
        if (!b->t->deployed[s])
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s", *missing ? ", " : "", names[s]);
    int rc = fact(b, "generated_at", "生成时间 generated at", cli_args_now(now, sizeof now)) ||
             fact(b, "time_zone", "时区 time zone", "China time (UTC+8)");
    return rc || (*missing && fact(b, "not_deployed", "未部署 not deployed", missing)) ? -1 : 0;
}

/* ---------------------------------------------------------------- timeline */

static const cli_column timeline_cols[] = {
    {"at", "时间", CLI_COL_TEXT},           {"service", "服务", CLI_COL_TEXT},
    {"sender", "发送方", CLI_COL_TEXT},     {"sender_name", "发送方名称", CLI_COL_TEXT},
    {"record_type", "记录类型", CLI_COL_TEXT}, {"what", "内容", CLI_COL_TEXT},
    {"from_state", "原状态", CLI_COL_TEXT}, {"to_state", "新状态", CLI_COL_TEXT},
    {"amount_wan", "金额(万元)", CLI_COL_DEC}, {"receipt", "回执", CLI_COL_TEXT},
    {"event_id", "记录编号", CLI_COL_TEXT},
};
#define TIMELINE_NCOLS (sizeof timeline_cols / sizeof timeline_cols[0])

static const char *const service_names[TRACE_NSERVICES] = {"intake", "pboc", "feedback"};

const char *trace_service_name(int service) { return service_names[service]; }

static cli_table *timeline_table(const trace_log *t)
{
    cli_table *tb = cli_table_new("timeline", "时间线 Timeline (China time)", timeline_cols, TIMELINE_NCOLS);
    for (size_t i = 0; tb && i < t->n; i++) {
        const trace_event *e = &t->ev[i];
        const char *name = cli_names_name(t->names, e->sender);
        const char *cells[TIMELINE_NCOLS] = {e->at,         service_names[e->service], e->sender,     name,
                                             e->record,     e->what,                   e->from_state, e->to_state,
                                             e->amount_wan, e->receipt,                e->event_id};
        if (cli_table_add(tb, cells)) {
            cli_table_free(tb);
            return NULL;
        }
    }
    if (tb)
        cli_table_set_footnote(tb, "Times are the senders' meta.occurred_at (records gfdx writes itself: when it wrote "
                                   "them), China time. receipt: the answers gfdx.receipts.<sender> carried for the record.");
    return tb;
}

/* ---------------------------------------------------------------- banks */

/* Dispatches (pboc) beside the banks' matching (feedback); an empty relation of the same
 * columns stands in for a schema that is not deployed. */
static const char banks_sql[] =
    "SELECT bank_id, coalesce(d.branch_id, m.branch_id), coalesce(d.status, ''),"
    " coalesce(to_char(d.dispatched_at, 'YYYY-MM-DD HH24:MI:SS'), ''), m.stage, m.product, m.approved_amount,"
    " m.disbursed_total, m.disbursements, round(m.rate_bp / 100.0, 2), m.term_months, m.decline_reason,"
    " m.open_obstacles FROM %s d FULL JOIN %s m USING (need_id, bank_id) ORDER BY bank_id";
static const char dispatch_rel[] = "(SELECT * FROM pboc.dispatch_summary WHERE need_id = $1)";
static const char no_dispatch_rel[] =
    "(SELECT NULL::text AS need_id, NULL::text AS bank_id, NULL::text AS branch_id, NULL::text AS status,"
    " NULL::timestamptz AS dispatched_at WHERE $1::text IS NULL AND false)";
static const char matching_rel[] = "(SELECT * FROM feedback.matching_summary WHERE need_id = $1)";
static const char no_matching_rel[] =
    "(SELECT NULL::text AS need_id, NULL::text AS bank_id, NULL::text AS branch_id, NULL::text AS stage,"
    " NULL::text AS product, NULL::bigint AS approved_amount, NULL::bigint AS disbursed_total,"
    " NULL::int AS disbursements, NULL::int AS rate_bp, NULL::int AS term_months, NULL::text AS decline_reason,"
    " NULL::int AS open_obstacles WHERE false)";

static const cli_column bank_cols[] = {
    {"bank_id", "银行编号", CLI_COL_TEXT},      {"bank_name", "银行", CLI_COL_TEXT},
    {"branch_id", "人民银行分支机构", CLI_COL_TEXT}, {"dispatch", "分发", CLI_COL_TEXT},
    {"dispatched_at", "分发时间", CLI_COL_TEXT}, {"stage", "对接阶段", CLI_COL_TEXT},
    {"stage_name", "阶段", CLI_COL_TEXT},       {"product", "产品", CLI_COL_TEXT},
    {"approved_wan", "授信(万元)", CLI_COL_DEC}, {"disbursed_wan", "放款(万元)", CLI_COL_DEC},
    {"disbursements", "放款笔数", CLI_COL_INT}, {"rate_pct", "年利率(%)", CLI_COL_DEC},
    {"term_months", "期限(月)", CLI_COL_INT},   {"decline_reason", "不予融资原因", CLI_COL_TEXT},
    {"open_obstacles", "未解决梗阻", CLI_COL_INT},
};
#define BANK_NCOLS (sizeof bank_cols / sizeof bank_cols[0])

/* One bank row; sums into total[0..2] (approved, disbursed fen, disbursements). */
static int bank_row(builder *b, cli_table *tb, const PGresult *r, int i, long long *total)
{
    char ap[32] = "", di[32] = "";
    bool matched = !PQgetisnull(r, i, 4);
    if (matched) {
        report_fen_to_wan(PQgetvalue(r, i, 6), ap, sizeof ap);
        report_fen_to_wan(PQgetvalue(r, i, 7), di, sizeof di);
        total[0] += strtoll(PQgetvalue(r, i, 6), NULL, 10);
        total[1] += strtoll(PQgetvalue(r, i, 7), NULL, 10);
        total[2] += strtoll(PQgetvalue(r, i, 8), NULL, 10);
    }
    const char *name = cli_names_name(b->t->names, PQgetvalue(r, i, 0));
    const char *cells[BANK_NCOLS] = {PQgetvalue(r, i, 0),
                                     name,
                                     PQgetvalue(r, i, 1),
                                     cli_label(CLI_LABEL_NEED_STATUS, PQgetvalue(r, i, 2)),
                                     PQgetvalue(r, i, 3),
                                     PQgetvalue(r, i, 4),
                                     matched ? cli_label(CLI_LABEL_STAGE, PQgetvalue(r, i, 4)) : NULL,
                                     cli_label(CLI_LABEL_PRODUCT, PQgetvalue(r, i, 5)),
                                     ap,
                                     di,
                                     PQgetvalue(r, i, 8),
                                     PQgetvalue(r, i, 9),
                                     PQgetvalue(r, i, 10),
                                     cli_label(CLI_LABEL_DECLINE, PQgetvalue(r, i, 11)),
                                     PQgetvalue(r, i, 12)};
    return cli_table_add(tb, cells);
}

static int bank_rows(builder *b, cli_table *tb)
{
    char sql[sizeof banks_sql + sizeof no_dispatch_rel + sizeof no_matching_rel];
    const trace_log *t = b->t;
    snprintf(sql, sizeof sql, banks_sql, t->deployed[TRACE_PBOC] ? dispatch_rel : no_dispatch_rel,
             t->deployed[TRACE_FEEDBACK] ? matching_rel : no_matching_rel);
    PGresult *r = query(b, sql);
    if (!r)
        return -1;
    if (!t->deployed[TRACE_PBOC] || !t->deployed[TRACE_FEEDBACK])
        cli_table_set_footnote(tb, t->deployed[TRACE_PBOC] ? "Matching columns: gfdx-feedback is not deployed."
                                                           : "Dispatch columns: gfdx-push is not deployed.");
    long long total[3] = {0};
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++)
        rc = bank_row(b, tb, r, i, total);
    PQclear(r);
    char ap[32], di[32], n[24];
    report_fen_to_wan_ll(total[0], ap, sizeof ap);
    report_fen_to_wan_ll(total[1], di, sizeof di);
    snprintf(n, sizeof n, "%lld", total[2]);
    const char *cells[BANK_NCOLS] = {"total", "合计", NULL, NULL, NULL, NULL, NULL, NULL, ap, di, n};
    return rc ? rc : cli_table_add_total(tb, cells);
}

/* ---------------------------------------------------------------- obstacles, alerts */

static const char obstacles_sql[] =
    "SELECT obstacle_id, bank_id, category, description, status, to_char(raised_at, 'YYYY-MM-DD HH24:MI:SS'),"
    " concat_ws(' ', resolved_by, resolved_by_official), coalesce(resolution, ''),"
    " coalesce(to_char(resolved_at, 'YYYY-MM-DD HH24:MI:SS'), '') FROM feedback.obstacle_summary WHERE need_id = $1"
    " ORDER BY raised_at, obstacle_id";
static const cli_column obstacle_cols[] = {
    {"obstacle_id", "梗阻编号", CLI_COL_TEXT}, {"bank_id", "银行", CLI_COL_TEXT},
    {"category", "类别代码", CLI_COL_TEXT},    {"category_name", "类别", CLI_COL_TEXT},
    {"description", "描述", CLI_COL_TEXT},     {"status", "状态", CLI_COL_TEXT},
    {"raised_at", "提出时间", CLI_COL_TEXT},   {"resolved_by", "协调方", CLI_COL_TEXT},
    {"resolution", "解决情况", CLI_COL_TEXT},  {"resolved_at", "解决时间", CLI_COL_TEXT},
};
static const char alerts_sql[] =
    "SELECT to_char(coalesce(e.occurred_at, a.raised_at), 'YYYY-MM-DD HH24:MI:SS'), a.kind, coalesce(a.bank_id, ''),"
    " a.detail FROM feedback.alert_summary a LEFT JOIN feedback.matching_history e ON e.event_id = a.event_id"
    " WHERE a.need_id = $1 ORDER BY coalesce(e.occurred_at, a.raised_at), a.seq";
static const cli_column alert_cols[] = {
    {"at", "时间", CLI_COL_TEXT},      {"kind", "预警代码", CLI_COL_TEXT}, {"kind_name", "预警类型", CLI_COL_TEXT},
    {"bank_id", "银行", CLI_COL_TEXT}, {"detail", "说明", CLI_COL_TEXT},
};

/* Rows of sql, one column label inserted after column `coded` (its Chinese label). */
static int labelled_rows(builder *b, cli_table *tb, const char *sql, int coded, cli_label_kind kind)
{
    PGresult *r = query(b, sql);
    if (!r)
        return -1;
    int rc = 0, nf = PQnfields(r);
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        const char *cells[16];
        for (int c = 0, o = 0; c < nf && o < 15; c++) {
            cells[o++] = PQgetvalue(r, i, c);
            if (c == coded)
                cells[o++] = cli_label(kind, PQgetvalue(r, i, c));
        }
        rc = cli_table_add(tb, cells);
    }
    PQclear(r);
    return rc;
}

/* ---------------------------------------------------------------- assembly */

static const cli_chart trace_charts[] = {
    {CLI_CHART_BARS, "chart-banks", "各银行授信与放款 Approved and disbursed per bank", "万元", "banks", "bank_id",
     {"approved_wan", "disbursed_wan"}},
};

/* A section: its rows, or the note saying which schema is missing. Adds it to b->r. */
static int section(builder *b, const char *missing, const char *id, const char *title, const cli_column *cols,
                   size_t ncols, int (*fill)(builder *, cli_table *), const char *sql, int coded, cli_label_kind kind)
{
    cli_table *tb = cli_table_new(id, title, cols, ncols);
    if (!tb)
        return -1;
    int rc = 0;
    if (missing) {
        char note[160];
        snprintf(note, sizeof note, "(not deployed: %s)", missing);
        cli_table_set_unavailable(tb, note);
    } else {
        rc = fill ? fill(b, tb) : labelled_rows(b, tb, sql, coded, kind);
    }
    if (rc) {
        cli_table_free(tb);
        return -1;
    }
    return cli_report_add_table(b->r, tb);
}

static int add_sections(builder *b)
{
    const bool *up = b->t->deployed;
    const char *no_banks = up[TRACE_PBOC] || up[TRACE_FEEDBACK]
                               ? NULL
                               : "neither the pboc nor the feedback schema is in this database";
    const char *no_feedback = up[TRACE_FEEDBACK] ? NULL : "the feedback schema is not in this database";
    return section(b, no_banks, "banks", "各银行分发与对接 Dispatches and matching per bank", bank_cols, BANK_NCOLS,
                   bank_rows, NULL, 0, 0) ||
           section(b, no_feedback, "obstacles", "融资梗阻 Financing obstacles", obstacle_cols,
                   sizeof obstacle_cols / sizeof obstacle_cols[0], NULL, obstacles_sql, 2, CLI_LABEL_OBSTACLE) ||
           section(b, no_feedback, "alerts", "洗绿预警 Green-washing alerts", alert_cols,
                   sizeof alert_cols / sizeof alert_cols[0], NULL, alerts_sql, 1, CLI_LABEL_ALERT);
}

int trace_report_build(trace_log *t, cli_table *receipts, bool with_timeline, cli_report **out)
{
    builder b = {t, cli_report_new("trace", "需求全程追踪 Need trace", t->need_id)};
    *out = NULL;
    int found = b.r ? add_need_facts(&b) : -1;
    int rc = found < 0 || run_facts(&b) ? -1 : 0;
    cli_table *tl = rc == 0 && with_timeline ? timeline_table(t) : NULL;
    if (rc == 0 && with_timeline)
        rc = tl ? cli_report_add_table(b.r, tl) : -1;
    rc = rc || add_sections(&b);
    if (rc == 0) {
        rc = cli_report_add_table(b.r, receipts) || cli_report_add_chart(b.r, &trace_charts[0]);
        receipts = NULL; /* the report's, even on failure */
    }
    cli_table_free(receipts);
    if (rc) {
        if (!*t->err)
            snprintf(t->err, t->errlen, "out of memory");
        cli_report_free(b.r);
        return -1;
    }
    *out = b.r;
    return found;
}
