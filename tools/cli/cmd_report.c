/* gfdx report: the agencies' reports from the exchange's PostgreSQL state, in table, CSV,
 * JSON or self-contained HTML form (output.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <limits.h>

#include "args.h"
#include "calendar.h"
#include "cli.h"
#include "config.h"
#include "labels.h"
#include "region.h"
#include "report.h"

typedef enum { R_QUARTER, R_SEMIANNUAL, R_LEDGER, R_WORKLIST, R_LISTS, R_DISTRICT } report_kind;

typedef struct {
    cli_args a;
    report_kind kind;
    const char *institution, *participants;
    const char *province, *branch, *bank;            /* roles: quarter, worklist (semiannual: branch, bank) */
    const char *calendar;                            /* worklist */
    const char *region;                              /* lists */
    long long version, diff[2];
    bool has_diff;
} report_opts;

static void report_usage(FILE *out)
{
    fprintf(out,
            "usage: gfdx report quarter QUARTER [--province CODE | --branch ID | --bank ID] [options]\n"
            "       gfdx report semiannual HALF_YEAR|YEAR [--institution ID | --branch ID | --bank ID] [options]\n"
            "       gfdx report ledger LIST_ID [--version N | --diff A B] [options]\n"
            "       gfdx report worklist DATE|today [--province CODE | --branch ID | --bank ID] [options]\n"
            "       gfdx report lists [--region CODE] [options]\n"
            "       gfdx report district REGION [options]\n"
            "\n"
            "  quarter 2026Q1   MIIT's quarterly monitoring (监测) per province: needs submitted,\n"
            "                   approved, rejected, recommended, late, pushed, withdrawn, matched\n"
            "                   (a bank contacted the enterprise), financed; amounts requested,\n"
            "                   approved and disbursed in 万元; open financing obstacles and\n"
            "                   green-washing alerts (when gfdx-feedback is deployed).\n"
            "                   A need counts in the quarter it was recommended for (late ones\n"
            "                   included), or, not recommended yet, in the quarter it was submitted\n"
            "                   (China time).\n"
            "                   --province CODE: that province's needs (a province authority's view);\n"
            "                   --branch ID: the needs routed to that PBoC branch; --bank ID: the\n"
            "                   needs the bank received from its branch or was assigned, or reported\n"
            "                   on (a head office's informational copy alone does not count), with\n"
            "                   the bank's own figures: matched = it contacted, financed = it\n"
            "                   disbursed, its amounts, its loan's balance, its obstacles and alerts.\n"
            "                   --branch and --bank need gfdx-push's and gfdx-feedback's views.\n"
            "                   Tables: provinces, obstacles, alerts, breakdown (--table for CSV).\n"
            "                   HTML: one self-contained file with KPI cards, bar charts of needs and\n"
            "                   amounts per province, the matching funnel and obstacles by category.\n"
            "\n"
            "  semiannual 2026H1  The five tables of Shanghai's 产业绿贷 notice for the half-year\n"
            "                   (China time), in 万元: loans by project (loan type, amount issued,\n"
            "                   balance), guaranteed loans, insurance (cover, claims paid),\n"
            "                   investments, bond issues. From the banks' feedback (a need x bank with\n"
            "                   a disbursement in the half-year; balance = disbursed up to the\n"
            "                   half-year's end, repayments are not reported) and from the district\n"
            "                   finance bureau's reports for the half-year (amount and balance as\n"
            "                   reported). --institution ID: one bank (participant id, e.g.\n"
            "                   bank-icbc-310000) or one institution as the finance bureau names it;\n"
            "                   --bank ID: a bank's own rows (its feedback, its filings); --branch ID:\n"
            "                   the feedback on the needs routed to that PBoC branch, whichever bank\n"
            "                   reported it (not the finance bureau's reports); with the platform's\n"
            "                   filings, those of the banks the registry lists for that branch.\n"
            "                   Tables: summary, loans, guarantee, insurance, investment, bonds.\n"
            "                   HTML: amounts and items by table as charts, then the tables.\n"
            "                   With gfdx-platform deployed the tables are the institutions' own\n"
            "                   filings of annex 2 (表1-5 with the annex's columns, enterprises\n"
            "                   registered in Shanghai, each institution's current version), and the\n"
            "                   banks' feedback is shown beside them, never added: table\n"
            "                   reconciliation (表1 vs feedback per USCC and bank, where they differ)\n"
            "                   and table filings (versions, superseded ones, 联络专员). A year (2026):\n"
            "                   both half-years' flows, the year-end (H2) balance.\n"
            "\n"
            "  ledger LIST_ID   A district name list (台账) as of its current version, or --version N,\n"
            "                   each entry with its carbon (ecology bureau) and financing (finance\n"
            "                   bureau) feedback; --diff A B: what changed from version A to B (added,\n"
            "                   updated with what changed, removed). Versions must have been applied.\n"
            "                   Tables: entries, categories, feedback, versions; with --diff: diff,\n"
            "                   changes, versions. HTML: entries and financing by category, changes\n"
            "                   per version (and between A and B).\n"
            "\n"
            "  worklist DATE    The listings an operator works from, as of DATE (YYYY-MM-DD or today,\n"
            "                   China time), each row aged in working days (the holiday calendar):\n"
            "                   needs awaiting review; approved needs not recommended yet, with the\n"
            "                   quarter's last working day and the working days left; pushed needs\n"
            "                   with no bank; dispatches without feedback; open obstacles; open alerts.\n"
            "                   --province CODE (a province authority), --branch ID (a PBoC branch)\n"
            "                   or --bank ID (a bank) narrows them to one role.\n"
            "                   Tables: awaiting_review, not_recommended, no_bank, no_feedback,\n"
            "                   open_obstacles, open_alerts.\n"
            "\n"
            "  lists            Every name list (台账): kind, level (national, provincial, municipal,\n"
            "                   district), region, publisher, current version, entries, versions\n"
            "                   applied, carbon and financing reports and half-year reports missing.\n"
            "                   --region CODE: the lists of that region and of the regions covering\n"
            "                   it (what a bureau there sees). Table: lists.\n"
            "\n"
            "  district REGION  The district-wide ledger: every list of REGION (e.g. 500106) side by\n"
            "                   side, with its entries, versions, carbon and financing reports and\n"
            "                   half-year reports missing; every applied version of each; the feedback\n"
            "                   per list and half-year. Tables: lists, versions, feedback. HTML: entries,\n"
            "                   reports and financing per list.\n"
            "\n"
            "options:\n");
    cli_args_help(out, 0);
    fprintf(out,
            "  --institution ID semiannual: only this bank or institution\n"
            "  --version N      ledger: the list as of applied version N (default: the current one)\n"
            "  --diff A B       ledger: the changes from applied version A to applied version B\n"
            "  --province CODE  quarter, worklist: one province's needs (a province authority's view)\n"
            "  --branch ID      quarter, semiannual, worklist: a PBoC branch's view (the needs routed to it)\n"
            "  --bank ID        quarter, semiannual, worklist: a bank's view (its needs, its own figures)\n"
            "                   (one of --province, --branch, --bank, --institution at a time)\n"
            "  --region CODE    lists: the lists of that region and of the regions covering it\n"
            "  --calendar FILE  worklist: the holiday calendar (default $GFDX_CALENDAR, else\n"
            "                   deploy/calendar.cfg of the source tree or /etc/gfdx/calendar.cfg)\n"
            "  --participants F display names of banks and bureaus (default $GFDX_PARTICIPANTS, else\n"
            "                   deploy/participants.cfg of the source tree; ids if none loads)\n"
            "\nexit status: 0 ok, 1 failure (database, unknown list or version, output file), 2 usage error\n");
}

/* A version number: 1 or more. */
static int parse_version(const report_opts *o, const char *what, const char *s, long long *out)
{
    char *end;
    *out = s ? strtoll(s, &end, 10) : 0;
    if (s && *s && !*end && *out >= 1)
        return 0;
    cli_args_error(&o->a, "%s %s: expected a version number (1, 2, ...)", what, s ? s : "(missing)");
    return CLI_EXIT_USAGE;
}

/* The options of one report; -1 to go on, else the exit status. --diff takes the next
 * argument as B. */
static int report_option(report_opts *o, int c, int argc, char **argv)
{
    switch (c) {
    case 'i': o->institution = optarg; return -1;
    case 'p': o->participants = optarg; return -1;
    case 'P': o->province = optarg; return -1;
    case 'B': o->branch = optarg; return -1;
    case 'K': o->bank = optarg; return -1;
    case 'c': o->calendar = optarg; return -1;
    case 'g': o->region = optarg; return -1;
    case 'v': return parse_version(o, "--version", optarg, &o->version) ? CLI_EXIT_USAGE : -1;
    case 'd':
        o->has_diff = true;
        if (parse_version(o, "--diff", optarg, &o->diff[0]) ||
            parse_version(o, "--diff", optind < argc ? argv[optind] : NULL, &o->diff[1]))
            return CLI_EXIT_USAGE;
        optind++;
        return -1;
    case 'h': report_usage(stdout); return CLI_EXIT_OK;
    default: report_usage(stderr); return CLI_EXIT_USAGE;
    }
}

static int parse_report(int argc, char **argv, report_opts *o)
{
    static const struct option longopts[] = {CLI_ARGS_LONGOPTS,
                                             {"institution", required_argument, 0, 'i'},
                                             {"participants", required_argument, 0, 'p'},
                                             {"version", required_argument, 0, 'v'},
                                             {"diff", required_argument, 0, 'd'},
                                             {"province", required_argument, 0, 'P'},
                                             {"branch", required_argument, 0, 'B'},
                                             {"bank", required_argument, 0, 'K'},
                                             {"calendar", required_argument, 0, 'c'},
                                             {"region", required_argument, 0, 'g'},
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
        if ((rc = report_option(o, c, argc, argv)) >= 0)
            return rc;
    }
    return -1;
}

/* Options given to a report that does not take them, or together when they exclude each other. */
static int check_applicable(const report_opts *o)
{
    int roles = !!o->province + !!o->branch + !!o->bank + !!o->institution;
    bool role_report = o->kind == R_QUARTER || o->kind == R_SEMIANNUAL || o->kind == R_WORKLIST;
    const char *wrong = o->institution && o->kind != R_SEMIANNUAL            ? "--institution"
                        : (o->version || o->has_diff) && o->kind != R_LEDGER ? "--version / --diff"
                        : o->participants && (o->kind == R_QUARTER || o->kind == R_WORKLIST) ? "--participants"
                        : o->province && o->kind != R_WORKLIST && o->kind != R_QUARTER ? "--province"
                        : (o->branch || o->bank) && !role_report             ? "--branch / --bank"
                        : o->calendar && o->kind != R_WORKLIST               ? "--calendar"
                        : o->region && o->kind != R_LISTS                    ? "--region"
                                                                             : NULL;
    if (wrong)
        cli_args_error(&o->a, "%s does not apply here (gfdx report --help)", wrong);
    else if (o->version && o->has_diff)
        cli_args_error(&o->a, "give --version N or --diff A B, not both");
    else if (roles > 1)
        cli_args_error(&o->a, "give one of --province, --branch, --bank%s", o->institution ? ", --institution" : "");
    return wrong || (o->version && o->has_diff) || roles > 1 ? CLI_EXIT_USAGE : 0;
}

/* "today" -> today's date in China time. */
static const char *worklist_date(const char *arg, char buf[11])
{
    if (strcmp(arg, "today"))
        return arg;
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 11, "%Y-%m-%d", &tm);
    return buf;
}

static int build_worklist(report_opts *o, PGconn *db, const char *arg, cli_report **r, char *err, size_t errlen)
{
    const char *env = getenv("GFDX_CALENDAR");
    char installed[PATH_MAX], day[11], why[512];
    const char *path = o->calendar            ? o->calendar
                       : env && *env          ? env
                                              : gfdx_config_default_path(GFDX_SOURCE_DIR "/deploy/calendar.cfg",
                                                                         installed, sizeof installed);
    gfdx_calendar *cal = gfdx_calendar_load(path, why, sizeof why);
    if (!cal) {
        snprintf(err, errlen, "calendar: %s", why);
        return CLI_EXIT_FAIL;
    }
    int rc = report_worklist(db, cal, worklist_date(arg, day), o->province, o->branch, o->bank, r, err, errlen);
    gfdx_calendar_free(cal);
    return rc;
}

static int build(report_opts *o, PGconn *db, const char *arg, cli_report **r, char *err, size_t errlen)
{
    if (o->kind == R_QUARTER)
        return report_quarter(db, arg, o->province, o->branch, o->bank, r, err, errlen);
    if (o->kind == R_WORKLIST)
        return build_worklist(o, db, arg, r, err, errlen);
    char why[512];
    gfdx_registry *names = cli_names_open(o->participants, why, sizeof why);
    if (!names && o->participants) {
        snprintf(err, errlen, "--participants: %s", why);
        return CLI_EXIT_FAIL;
    }
    int rc = o->kind == R_SEMIANNUAL ? report_semiannual(db, names, arg, o->institution, o->branch, o->bank, r, err, errlen)
             : o->kind == R_LISTS    ? report_lists(db, names, o->region, r, err, errlen)
             : o->kind == R_DISTRICT ? report_district(db, names, arg, r, err, errlen)
                                     : report_ledger(db, names, arg, o->version, o->has_diff ? o->diff : NULL, r, err,
                                                     errlen);
    gfdx_registry_free(names);
    return rc;
}

static int run_report(report_opts *o, const char *arg)
{
    char err[1024] = "";
    cli_report *r = NULL;
    PGconn *db = cli_args_connect(&o->a);
    if (!db)
        return CLI_EXIT_FAIL;
    int rc = build(o, db, arg, &r, err, sizeof err);
    PQfinish(db);
    if (rc) {
        cli_args_error(&o->a, "%s", err);
        return rc;
    }
    rc = cli_args_emit(&o->a, r);
    cli_report_free(r);
    return rc;
}

/* The report's one argument, checked where its form is known before connecting. */
static int check_argument(const report_opts *o, int nargs, const char *arg)
{
    static const char *const expected[] = {"one QUARTER, e.g. 2026Q1", "one HALF_YEAR, e.g. 2026H1",
                                           "one LIST_ID, e.g. 500106-DRC-GP", "one DATE (YYYY-MM-DD) or today",
                                           "no argument", "one REGION, e.g. 500106"};
    int year, q;
    if (nargs != (o->kind == R_LISTS ? 0 : 1)) {
        cli_args_error(&o->a, "expected %s (gfdx report --help)", expected[o->kind]);
        return CLI_EXIT_USAGE;
    }
    if (o->kind == R_QUARTER && gfdx_quarter_parse(arg, &year, &q)) {
        cli_args_error(&o->a, "quarter \"%s\": expected YYYYQn, e.g. 2026Q1", arg);
        return CLI_EXIT_USAGE;
    }
    if (o->kind == R_DISTRICT && strcmp(arg, "100000") && !gfdx_region_is_valid(arg)) {
        cli_args_error(&o->a, "region \"%s\": expected a GB/T 2260 code, e.g. 500106 (or 100000)", arg);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

int cli_report_cmd(int argc, char **argv)
{
    static const char *const reports[] = {"quarter", "semiannual", "ledger", "worklist", "lists", "district", NULL};
    static const char *const cmds[] = {"gfdx report quarter", "gfdx report semiannual", "gfdx report ledger",
                                       "gfdx report worklist", "gfdx report lists", "gfdx report district"};
    report_opts o = {.a = {.cmd = "gfdx report"}};
    int which, rc = cli_args_subcommand(&o.a, argc, argv, reports, report_usage, &which);
    if (rc >= 0)
        return rc;
    o.kind = (report_kind)which;
    o.a.cmd = cmds[which];
    rc = parse_report(argc - 1, argv + 1, &o);
    if (rc >= 0)
        return rc;
    const char *arg = argv[1 + optind];
    if ((rc = check_argument(&o, argc - 1 - optind, arg)) || (rc = check_applicable(&o)))
        return rc;
    return run_report(&o, arg);
}
