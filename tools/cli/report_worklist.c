/* report_worklist.c: `gfdx report worklist DATE`, the listings an operator works from, each
 * row with its ageing in working days (the holiday calendar, calendar.h) as of DATE (China
 * time), narrowed to one role with --province CODE, --branch ID or --bank ID:
 *
 *   awaiting_review   needs submitted, not reviewed yet (intake.need_summary SUBMITTED), since submission;
 *   not_recommended   approved needs not recommended yet, since approval, with the last working
 *                     day of DATE's quarter and the working days left before it;
 *   no_bank           pushed needs with no bank organised for them (pboc: no ACTIVE dispatch
 *                     other than the head offices' copies), since PBoC received them;
 *   no_feedback       dispatches organised for a need that no bank answered yet (no
 *                     feedback.matching_summary row), since dispatched;
 *   open_obstacles    obstacles open or acknowledged (feedback.obstacle_summary), since raised;
 *   open_alerts       alerts not handled yet (feedback.alert_summary, and gfdx-push's pboc.alert_summary OPEN),
 *                     since raised.
 * A table whose service is not deployed in this database is shown as such. --province keeps
 * the needs of that province (GB/T 2260 code of the factory's province); --branch the needs
 * routed to that PBoC branch; --bank the dispatches, obstacles and alerts of that bank (the
 * needs' own listings, awaiting_review and not_recommended, are the authorities': empty then). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "db.h"
#include "report.h"

/* The statements: $1 province, $2 branch, $3 bank (NULL = any); dates in China time. */
#define DAY(col) "to_char(" col " AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"
static const char review_sql[] =
    "SELECT need_id, province, factory_name, project_name, financing_amount, " DAY("submitted_at")
    " FROM intake.need_summary WHERE status = 'SUBMITTED' AND ($1::text IS NULL OR province = $1)"
    " AND $2::text IS NULL AND $3::text IS NULL ORDER BY submitted_at, need_id";
static const char recommend_sql[] =
    "SELECT need_id, province, factory_name, project_name, financing_amount, " DAY("approved_at")
    " FROM intake.need_summary WHERE status = 'APPROVED' AND ($1::text IS NULL OR province = $1)"
    " AND $2::text IS NULL AND $3::text IS NULL ORDER BY approved_at, need_id";
static const char no_bank_sql[] =
    "SELECT n.need_id, n.province, n.branch_id, n.factory_name, n.financing_amount, " DAY("n.received_at")
    " FROM pboc.need_summary n WHERE n.status = 'DISPATCHED' AND NOT n.bank_organised"
    " AND ($1::text IS NULL OR n.province = $1) AND ($2::text IS NULL OR n.branch_id = $2) AND $3::text IS NULL"
    " ORDER BY n.received_at, n.need_id";
static const char no_feedback_sql[] =
    "SELECT d.need_id, n.province, d.branch_id, d.bank_id, d.via, " DAY("d.dispatched_at")
    " FROM pboc.dispatch_summary d JOIN pboc.need_summary n USING (need_id)"
    " WHERE d.status = 'ACTIVE' AND d.via <> 'HEAD_OFFICE' AND n.status = 'DISPATCHED'"
    " AND NOT EXISTS (SELECT 1 FROM feedback.matching_summary m WHERE m.need_id = d.need_id AND m.bank_id = d.bank_id)"
    " AND ($1::text IS NULL OR n.province = $1) AND ($2::text IS NULL OR d.branch_id = $2)"
    " AND ($3::text IS NULL OR d.bank_id = $3) ORDER BY d.dispatched_at, d.need_id, d.bank_id";
static const char obstacles_sql[] =
    "SELECT o.need_id, n.province, n.branch_id, o.bank_id, o.category, o.status, " DAY("o.raised_at")
    " FROM feedback.obstacle_summary o JOIN pboc.need_summary n USING (need_id) WHERE o.status IN ('OPEN', 'ACKNOWLEDGED')"
    " AND ($1::text IS NULL OR n.province = $1) AND ($2::text IS NULL OR n.branch_id = $2)"
    " AND ($3::text IS NULL OR o.bank_id = $3) ORDER BY o.raised_at, o.obstacle_id";
static const char alerts_sql[] =
    "SELECT a.need_id, n.province, n.branch_id, coalesce(a.bank_id, ''), a.kind, " DAY("a.raised_at") ", a.raised_at"
    " FROM feedback.alert_summary a JOIN pboc.need_summary n USING (need_id) WHERE a.handled_at IS NULL"
    " AND ($1::text IS NULL OR n.province = $1) AND ($2::text IS NULL OR n.branch_id = $2)"
    " AND ($3::text IS NULL OR a.bank_id = $3)"
    " UNION ALL SELECT p.need_id, n.province, n.branch_id, '', p.kind, " DAY("p.raised_at") ", p.raised_at"
    " FROM pboc.alert_summary p JOIN pboc.need_summary n USING (need_id) WHERE p.status = 'OPEN'"
    " AND ($1::text IS NULL OR n.province = $1) AND ($2::text IS NULL OR n.branch_id = $2) AND $3::text IS NULL"
    " ORDER BY 7, 1, 5";

typedef struct {
    PGconn *db;
    const gfdx_calendar *cal;
    const char *params[3];
    int64_t as_of_ms;           /* noon of DATE, China time */
    char deadline[11];          /* DATE's quarter's last working day; "" when unknown */
    int64_t days_left;
    char *err;
    size_t errlen;
} worklist;

/* Noon of "YYYY-MM-DD" in China time, Unix ms; -1 when it is not such a date. */
static int64_t date_noon_ms(const char *date)
{
    int y, m, d;
    char tail;
    if (!date || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm back;
    if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d)
        return -1;
    return ((int64_t)t - 8 * 3600) * 1000;
}

/* One listing: the query's columns (dates last but `extra`), then the ageing. A table of a
 * service not deployed here is marked so. */
typedef struct {
    const char *id, *title, *sql;
    const char *needs[3]; /* the relations the statement reads (NULL-terminated): all must exist */
    const cli_column *cols;
    size_t ncols;     /* the query's columns shown, then "since", then "ageing" (and deadline) */
    int money_col;    /* column in fen shown in 万元, -1 none */
    bool deadline;    /* add the deadline and the working days left */
} listing;

static int add_row(worklist *w, const listing *l, cli_table *t, PGresult *r, int i)
{
    const char *cells[16];
    char wan[32], age[24], left[24];
    size_t n = l->ncols;
    for (size_t c = 0; c < n; c++)
        cells[c] = PQgetvalue(r, i, (int)c);
    if (l->money_col >= 0) {
        report_fen_to_wan(PQgetvalue(r, i, l->money_col), wan, sizeof wan);
        cells[l->money_col] = wan;
    }
    const char *since = PQgetvalue(r, i, (int)n);
    cells[n] = since;
    snprintf(age, sizeof age, "%lld",
             (long long)gfdx_calendar_working_days_between(w->cal, date_noon_ms(since), w->as_of_ms));
    cells[n + 1] = age;
    if (l->deadline) {
        snprintf(left, sizeof left, "%lld", (long long)w->days_left);
        cells[n + 2] = w->deadline;
        cells[n + 3] = *w->deadline ? left : NULL;
    }
    return cli_table_add(t, cells);
}

static int fill(worklist *w, const listing *l, cli_table *t)
{
    int has = 1;
    for (size_t k = 0; has == 1 && k < 3 && l->needs[k]; k++)
        has = cli_db_has(w->db, l->needs[k], w->err, w->errlen);
    if (has <= 0) {
        if (has == 0)
            cli_table_set_unavailable(t, "(not deployed: the service owning this listing is not in this database)");
        return has < 0 ? -1 : 0;
    }
    PGresult *r = cli_db_query(w->db, l->sql, 3, w->params, w->err, w->errlen);
    if (!r)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++)
        rc = add_row(w, l, t, r, i);
    PQclear(r);
    return rc;
}

#define NEED_COLS {"need_id", "需求编号", CLI_COL_TEXT}, {"province", "省份代码", CLI_COL_TEXT}
#define AGE_COLS(since) {"since", since, CLI_COL_TEXT}, {"ageing_days", "已历工作日", CLI_COL_INT}
static const cli_column review_cols[] = {NEED_COLS, {"factory_name", "企业名称", CLI_COL_TEXT},
                                         {"project_name", "项目名称", CLI_COL_TEXT},
                                         {"financing_wan", "融资需求(万元)", CLI_COL_DEC}, AGE_COLS("提交日期")};
static const cli_column recommend_cols[] = {NEED_COLS,
                                            {"factory_name", "企业名称", CLI_COL_TEXT},
                                            {"project_name", "项目名称", CLI_COL_TEXT},
                                            {"financing_wan", "融资需求(万元)", CLI_COL_DEC},
                                            AGE_COLS("审核通过日期"),
                                            {"deadline", "本季度推荐截止日", CLI_COL_TEXT},
                                            {"days_left", "剩余工作日", CLI_COL_INT}};
static const cli_column no_bank_cols[] = {NEED_COLS, {"branch_id", "人民银行分支机构", CLI_COL_TEXT},
                                          {"factory_name", "企业名称", CLI_COL_TEXT},
                                          {"financing_wan", "融资需求(万元)", CLI_COL_DEC}, AGE_COLS("接收日期")};
static const cli_column no_feedback_cols[] = {NEED_COLS, {"branch_id", "人民银行分支机构", CLI_COL_TEXT},
                                              {"bank_id", "银行", CLI_COL_TEXT}, {"via", "推送方式", CLI_COL_TEXT},
                                              AGE_COLS("推送日期")};
static const cli_column obstacle_cols[] = {NEED_COLS, {"branch_id", "人民银行分支机构", CLI_COL_TEXT},
                                           {"bank_id", "银行", CLI_COL_TEXT}, {"category", "梗阻类别", CLI_COL_TEXT},
                                           {"status", "状态", CLI_COL_TEXT}, AGE_COLS("提出日期")};
static const cli_column alert_cols[] = {NEED_COLS, {"branch_id", "人民银行分支机构", CLI_COL_TEXT},
                                        {"bank_id", "银行", CLI_COL_TEXT}, {"kind", "预警类型", CLI_COL_TEXT},
                                        AGE_COLS("预警日期")};
#define NCOLS(a) (sizeof a / sizeof a[0])

static const listing listings[] = {
    /* Each listing is shown when the views it reads are deployed (intake 006, pboc 004, feedback 005). */
    {"awaiting_review", "待审核需求 Needs awaiting review", review_sql, {"intake.need_summary"}, review_cols, 5, 4, false},
    {"not_recommended", "已审核通过、尚未推荐的需求 Approved needs not recommended yet", recommend_sql,
     {"intake.need_summary"}, recommend_cols, 5, 4, true},
    {"no_bank", "已推送、无银行对接的需求 Pushed needs with no bank", no_bank_sql, {"pboc.need_summary"}, no_bank_cols, 5,
     4, false},
    {"no_feedback", "已推送、银行未反馈 Dispatches without feedback", no_feedback_sql,
     {"pboc.dispatch_summary", "feedback.matching_summary"}, no_feedback_cols, 5, -1, false},
    {"open_obstacles", "未解决的融资梗阻 Open obstacles", obstacles_sql, {"pboc.need_summary", "feedback.obstacle_summary"},
     obstacle_cols, 6, -1, false},
    {"open_alerts", "待处理预警 Open alerts", alerts_sql, {"pboc.alert_summary", "feedback.alert_summary"}, alert_cols, 5, -1,
     false},
};

/* The table sizes are the listings' column arrays. */
static const size_t listing_cols[] = {NCOLS(review_cols),   NCOLS(recommend_cols), NCOLS(no_bank_cols),
                                      NCOLS(no_feedback_cols), NCOLS(obstacle_cols), NCOLS(alert_cols)};

/* DATE's quarter's last working day and the working days left before it. */
static void set_deadline(worklist *w, const char *date)
{
    int y = atoi(date), m = atoi(date + 5), lm = 0, ld = 0, q = (m - 1) / 3 + 1;
    w->deadline[0] = '\0';
    if (gfdx_calendar_last_working_day(w->cal, y, q, &lm, &ld) == 0) {
        snprintf(w->deadline, sizeof w->deadline, "%04d-%02d-%02d", y, lm, ld);
        w->days_left = gfdx_calendar_working_days_between(w->cal, w->as_of_ms, date_noon_ms(w->deadline));
    }
}

int report_worklist(PGconn *db, const gfdx_calendar *cal, const char *date, const char *province,
                    const char *branch, const char *bank, cli_report **out, char *err, size_t errlen)
{
    worklist w = {.db = db, .cal = cal, .params = {province, branch, bank}, .err = err, .errlen = errlen};
    *out = NULL;
    if ((w.as_of_ms = date_noon_ms(date)) < 0) {
        snprintf(err, errlen, "\"%s\": expected a date YYYY-MM-DD (China time)", date ? date : "");
        return 2;
    }
    set_deadline(&w, date);
    cli_report *r = cli_report_new("worklist", "工作清单（按工作日计龄）Worklists with ageing in working days", date);
    int rc = r ? 0 : -1;
    if (rc == 0)
        rc = cli_report_fact(r, "role", "范围",
                             province ? province : branch ? branch : bank ? bank : "全部 all");
    for (size_t i = 0; rc == 0 && i < sizeof listings / sizeof listings[0]; i++) {
        cli_table *t = cli_table_new(listings[i].id, listings[i].title, listings[i].cols, listing_cols[i]);
        rc = t ? fill(&w, &listings[i], t) : -1;
        if (rc == 0)
            rc = cli_report_add_table(r, t);
        else
            cli_table_free(t);
    }
    if (rc) {
        if (!*err)
            snprintf(err, errlen, "out of memory");
        cli_report_free(r);
        return 1;
    }
    *out = r;
    return 0;
}
