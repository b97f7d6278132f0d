/* gfdx trace NEED_ID: a need's whole life across the services (trace.h), readable by a
 * person: the table form is the need's facts, the banks, obstacles, alerts and receipts,
 * then the timeline, one record a paragraph; the JSON, CSV and HTML forms carry the
 * timeline as a table of its own. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "labels.h"
#include "trace.h"

typedef struct {
    cli_args a;
    const char *participants;
} trace_opts;

static void trace_usage(FILE *out)
{
    fprintf(out,
            "usage: gfdx trace NEED_ID [--format table|json|csv|html] [--participants FILE] [options]\n"
            "\n"
            "The need's whole life, merged in time order (China time) from every deployed service:\n"
            "  intake    the need as filed, reviews, recommendation, withdrawal, matching status\n"
            "            (intake.need_summary, intake.need_history, intake.rejection)\n"
            "  pboc      the push received, the branch it was routed to, the dispatch to each bank\n"
            "            and its withdrawal (pboc.need_summary, pboc.dispatch_summary, pboc.rejection)\n"
            "  feedback  each bank's matching (contacted, due diligence, credit approved, each\n"
            "            disbursement, declined), obstacles raised and resolved, green-washing alerts\n"
            "            (feedback.matching_history, .matching_summary, .obstacle_summary,\n"
            "            .alert_summary, .rejection)\n"
            "  receipts  the answer (ACCEPTED / REFUSED / DUPLICATE) to every record about the need,\n"
            "            decoded from each service's outbox, shown with the record it answers\n"
            "Refused records are shown with their reason. Amounts in 万元. A service whose schema is\n"
            "not in the database is named as not deployed.\n"
            "Tables (--table for CSV): timeline, banks, obstacles, alerts, receipts. HTML: the banks'\n"
            "approved and disbursed amounts as a chart, then the tables.\n"
            "\n"
            "options:\n");
    cli_args_help(out, 0);
    fprintf(out,
            "  --participants F participants file for display names (default $GFDX_PARTICIPANTS,\n"
            "                   else deploy/participants.cfg of the source tree; ids if none loads)\n"
            "  Avro schemas for the receipts: $GFDX_SCHEMAS, else the source tree's schemas/avro\n"
            "\n"
            "exit status: 0 ok, 1 failure (database, unknown need, output file), 2 usage error\n");
}

static int parse_trace(int argc, char **argv, trace_opts *o)
{
    static const struct option longopts[] = {
        CLI_ARGS_LONGOPTS, {"participants", required_argument, 0, 'p'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if ((rc = cli_args_take(&o->a, c, optarg)) != 1) {
            if (rc)
                return rc;
            continue;
        }
        switch (c) {
        case 'p': o->participants = optarg; break;
        case 'h': trace_usage(stdout); return CLI_EXIT_OK;
        default: trace_usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        cli_args_error(&o->a, "expected one NEED_ID (gfdx trace --help)");
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/* ---------------------------------------------------------------- the table form */

static void text_state(FILE *f, const trace_event *e)
{
    cli_label_kind kind = e->service == TRACE_FEEDBACK ? CLI_LABEL_STAGE : CLI_LABEL_NEED_STATUS;
    if (!e->to_state || (e->from_state && !strcmp(e->from_state, e->to_state)))
        return;
    if (e->from_state)
        cli_term_printf(f, "  %s %s →", cli_label(kind, e->from_state), e->from_state);
    else
        fputs("  →", f);
    cli_term_printf(f, " %s %s", cli_label(kind, e->to_state), e->to_state);
}

static void text_event(FILE *f, const trace_log *t, const trace_event *e)
{
    char who[256];
    cli_term_printf(f, "%s  %-8s  %s  %s", e->at, trace_service_name(e->service), cli_names_who(t->names, e->sender, who, sizeof who),
            e->record);
    text_state(f, e);
    cli_term_printf(f, "\n%21s%s\n", "", e->what);
    if (e->receipt)
        cli_term_printf(f, "%21s回执 receipt: %s\n", "", e->receipt);
}

static int write_text(FILE *f, const cli_report *r, const trace_log *t, char *err, size_t errlen)
{
    if (cli_report_write(r, &(cli_write_opts){CLI_FMT_TABLE, NULL, false}, f, err, errlen))
        return -1;
    fprintf(f, "\n时间线 Timeline (China time, UTC+8): %zu records\n", t->n);
    for (size_t i = 0; i < t->n; i++)
        text_event(f, t, &t->ev[i]);
    if (!t->n)
        fputs("(none)\n", f);
    if (fflush(f) || ferror(f)) {
        snprintf(err, errlen, "write error: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Writes the table form to path via path.tmp and rename(2), so a reader never sees half of
 * it. 0, or -1 with err. */
static int write_file(const char *path, const cli_report *r, const trace_log *t, char *err, size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    int rc = write_text(f, r, t, err, errlen);
    if (fclose(f) && rc == 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc)
        remove(tmp);
    return rc;
}

/* The table form to standard output or --out. Returns the exit status. */
static int emit_text(const cli_args *a, const cli_report *r, const trace_log *t)
{
    char err[1024] = "";
    if (a->out ? write_file(a->out, r, t, err, sizeof err) : write_text(stdout, r, t, err, sizeof err)) {
        cli_args_error(a, "%s", err);
        return CLI_EXIT_FAIL;
    }
    if (a->out)
        fprintf(stderr, "%s: wrote %s\n", a->cmd, a->out);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------- run */

/* The receipts table, filled (and the events answered) when the catalogue loads; else
 * marked unavailable with the reason. NULL with t->err on failure. */
static cli_table *receipts_table(trace_log *t)
{
    char why[512];
    cli_table *tb = cli_table_new("receipts", "回执 Receipts", trace_receipt_cols, trace_receipt_ncols);
    gfdx_catalog *cat = tb ? gfdx_catalog_load(cli_schemas_dir(), why, sizeof why) : NULL;
    if (!tb) {
        snprintf(t->err, t->errlen, "out of memory");
        return NULL;
    }
    if (!cat) {
        char note[700];
        snprintf(note, sizeof note, "(receipts not decoded: %s; set GFDX_SCHEMAS)", why);
        cli_table_set_unavailable(tb, note);
    } else if (trace_receipts(t, cat, tb)) {
        cli_table_free(tb);
        tb = NULL;
    }
    gfdx_catalog_free(cat);
    return tb;
}

static int run_trace(trace_opts *o, PGconn *db, const gfdx_registry *names, const char *need_id)
{
    char err[1024] = "";
    trace_log t = {.db = db, .need_id = need_id, .names = names, .err = err, .errlen = sizeof err};
    cli_report *r = NULL;
    cli_table *receipts = NULL;
    int found = trace_collect(&t) ? -1 : (receipts = receipts_table(&t)) ? 0 : -1;
    if (found == 0)
        found = trace_report_build(&t, receipts, o->a.format != CLI_FMT_TABLE, &r);
    int rc = CLI_EXIT_FAIL;
    if (found < 0)
        cli_args_error(&o->a, "%s", err);
    else if (found == 0)
        cli_args_error(&o->a, "no need %s in any deployed service (intake, pboc, feedback)", need_id);
    else
        rc = o->a.format == CLI_FMT_TABLE ? emit_text(&o->a, r, &t) : cli_args_emit(&o->a, r);
    cli_report_free(r);
    trace_log_clear(&t);
    return rc;
}

int cli_trace(int argc, char **argv)
{
    trace_opts o = {.a = {.cmd = "gfdx trace"}};
    int rc = parse_trace(argc, argv, &o);
    if (rc >= 0)
        return rc;
    char err[512];
    gfdx_registry *names = cli_names_open(o.participants, err, sizeof err);
    if (!names && o.participants) {
        cli_args_error(&o.a, "--participants: %s", err);
        return CLI_EXIT_FAIL;
    }
    PGconn *db = cli_args_connect(&o.a);
    rc = db ? run_trace(&o, db, names, argv[optind]) : CLI_EXIT_FAIL;
    PQfinish(db);
    gfdx_registry_free(names);
    return rc;
}
