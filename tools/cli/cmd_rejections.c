/* gfdx rejections: the records a daemon decoded but refused (invalid, unauthorized,
 * illegal transition; <schema>.rejection, DESIGN §8), each answered by a refusal receipt. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "listing.h"

typedef struct {
    cli_args a;
    const char *reason, *sender, *entity;
} rj_opts;

static void rj_usage(FILE *out)
{
    fprintf(out,
            "usage: gfdx rejections list [--service S] [--since WHEN] [--reason CODE] [--sender ID]\n"
            "                            [--entity ID] [--limit N] [options]\n"
            "       gfdx rejections show ID [--service S] [options]\n"
            "\n"
            "Records a daemon decoded but refused (bad USCC, unknown region, negative amount,\n"
            "illegal transition, unauthorized sender, ...), kept whole in <schema>.rejection.\n"
            "  list   service, id, received, topic [partition] @offset, sender, type, entity, reason\n"
            "  show   every field and the refused record as JSON\n"
            "\n"
            "options:\n");
    cli_args_help(out, 1);
    fprintf(out,
            "  --reason CODE    list: only this reason code (e.g. UNAUTHORIZED_SENDER)\n"
            "  --sender ID      list: only records sent by this participant\n"
            "  --entity ID      list: only records about this need or list id\n"
            "  rows are listed newest first\n"
            "\n"
            "exit status: 0 ok, 1 failure (database, unknown id), 2 usage error\n");
}

static int parse_rj(int argc, char **argv, rj_opts *o)
{
    static const struct option longopts[] = {CLI_ARGS_LONGOPTS,
                                             CLI_ARGS_LIST_LONGOPTS,
                                             {"reason", required_argument, 0, 'r'},
                                             {"sender", required_argument, 0, 'e'},
                                             {"entity", required_argument, 0, 'n'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if ((rc = cli_args_take(&o->a, c, optarg)) != 1) {
            if (rc)
                return rc;
            continue;
        }
        switch (c) {
        case 'r': o->reason = optarg; break;
        case 'e': o->sender = optarg; break;
        case 'n': o->entity = optarg; break;
        case 'h': rj_usage(stdout); return 0;
        default: rj_usage(stderr); return 2;
        }
    }
    return -1;
}

static const cli_column rj_columns[] = {
    {"service", "服务", CLI_COL_TEXT},    {"id", "编号", CLI_COL_INT},           {"received_at", "接收时间", CLI_COL_TEXT},
    {"topic", "主题", CLI_COL_TEXT},      {"partition", "分区", CLI_COL_INT},    {"offset", "位点", CLI_COL_INT},
    {"sender", "发送方", CLI_COL_TEXT},   {"record_type", "记录类型", CLI_COL_TEXT}, {"entity_id", "对象", CLI_COL_TEXT},
    {"reason_code", "原因代码", CLI_COL_TEXT}, {"reason", "原因", CLI_COL_TEXT},
};
#define RJ_NCOLS (sizeof rj_columns / sizeof rj_columns[0])

static int rj_list_service(PGconn *db, const cli_service *s, const cli_args *a, const char *since, cli_table *t,
                           const void *ctx)
{
    const rj_opts *o = ctx;
    char sql[1024], limit[24], err[1024];
    snprintf(sql, sizeof sql,
             "SELECT id, to_char(received_at, 'YYYY-MM-DD HH24:MI:SS'), topic, partition, \"offset\","
             " coalesce(sender, ''), record_type, coalesce(entity_id, ''), reason_code, reason"
             " FROM %s.rejection WHERE ($1::timestamptz IS NULL OR received_at >= $1::timestamptz)"
             " AND ($2::text IS NULL OR reason_code = $2) AND ($3::text IS NULL OR sender = $3)"
             " AND ($4::text IS NULL OR entity_id = $4) ORDER BY id DESC LIMIT $5::bigint",
             s->schema);
    snprintf(limit, sizeof limit, "%ld", a->limit);
    const char *p[] = {since, o->reason, o->sender, o->entity, limit};
    PGresult *r = cli_db_query(db, sql, 5, p, err, sizeof err);
    if (!r)
        return cli_args_error(a, "%s.rejection: %s", s->schema, err), -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        const char *cells[RJ_NCOLS] = {s->name};
        for (int c = 0; c < 10; c++)
            cells[1 + c] = PQgetvalue(r, i, c);
        rc = cli_table_add(t, cells);
    }
    PQclear(r);
    return rc;
}

static const cli_listing rj_listing = {"rejection", "rejections", "Rejections 拒收记录", "rejections",
                                       "Refused records (newest first)", rj_columns, RJ_NCOLS, rj_list_service};

static void rj_print(const cli_service *s, const char *id, const PGresult *r)
{
    static const char *const labels[] = {"received at", "topic", "partition", "offset", "event id", "sender",
                                         "record type", "entity", "reason code", "reason"};
    cli_term_printf(stdout, "rejection %s #%s\n", s->name, id);
    for (int c = 0; c < 10; c++)
        cli_term_printf(stdout, "  %-12s %s\n", labels[c], PQgetisnull(r, 0, c) ? "-" : PQgetvalue(r, 0, c));
    json_t *rec = PQgetisnull(r, 0, 10) ? NULL : json_loads(PQgetvalue(r, 0, 10), 0, NULL);
    char *text = rec ? json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    cli_term_printf(stdout, "  record\n%s\n", text ? text : "  (not kept)");
    free(text);
    json_decref(rec);
}

static int rj_show(rj_opts *o, PGconn *db, const char *id)
{
    const cli_service *s;
    int rc = cli_list_find(&o->a, db, "rejection", "rejection", id, &s);
    if (rc)
        return rc;
    char err[1024], sql[512];
    snprintf(sql, sizeof sql,
             "SELECT to_char(received_at, 'YYYY-MM-DD HH24:MI:SS TZ'), topic, partition, \"offset\", event_id, sender,"
             " record_type, entity_id, reason_code, reason, record::text FROM %s.rejection WHERE id = $1::bigint",
             s->schema);
    const char *p[] = {id};
    PGresult *r = cli_db_query(db, sql, 1, p, err, sizeof err);
    if (r && PQntuples(r) == 1)
        rj_print(s, id, r);
    else
        cli_args_error(&o->a, "%s", r ? "the rejection disappeared" : err);
    rc = r && PQntuples(r) == 1 ? 0 : 1;
    PQclear(r);
    return rc;
}

int cli_rejections(int argc, char **argv)
{
    static const char *const subs[] = {"list", "show", NULL};
    rj_opts o = {.a = {.cmd = "gfdx rejections", .limit = 200}};
    int which, rc = cli_args_subcommand(&o.a, argc, argv, subs, rj_usage, &which);
    if (rc >= 0)
        return rc;
    const char *sub = subs[which];
    rc = parse_rj(argc - 1, argv + 1, &o);
    if (rc >= 0)
        return rc;
    int nargs = argc - 1 - optind;
    if (nargs != (strcmp(sub, "show") ? 0 : 1)) {
        cli_args_error(&o.a, "%s: wrong number of arguments (gfdx rejections --help)", sub);
        return 2;
    }
    PGconn *db = cli_args_connect(&o.a);
    if (!db)
        return 1;
    rc = !strcmp(sub, "list") ? cli_list_run(&o.a, db, &rj_listing, &o) : rj_show(&o, db, argv[1 + optind]);
    PQfinish(db);
    return rc;
}
