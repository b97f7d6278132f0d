/* gfdx report: the agencies' reports from the exchange's PostgreSQL state, in table, CSV,
 * JSON or self-contained HTML form (output.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "calendar.h"
#include "cli.h"
#include "report.h"

static void report_usage(FILE *out)
{
    fprintf(out,
            "usage: gfdx report quarter QUARTER [--format table|csv|json|html] [--out FILE] [options]\n"
            "\n"
            "  quarter 2026Q1   MIIT's quarterly monitoring (监测) per province: needs submitted,\n"
            "                   approved, rejected, recommended, late, pushed, withdrawn, matched\n"
            "                   (a bank contacted the enterprise), financed; amounts requested,\n"
            "                   approved and disbursed in 万元; open financing obstacles and\n"
            "                   green-washing alerts (when gfdx-feedback is deployed).\n"
            "                   A need counts in the quarter it was recommended for (late ones\n"
            "                   included), or, not recommended yet, in the quarter it was submitted\n"
            "                   (China time).\n"
            "                   Tables: provinces, obstacles, alerts (--table for CSV).\n"
            "                   HTML: one self-contained file with KPI cards, bar charts of needs and\n"
            "                   amounts per province, the matching funnel and obstacles by category.\n"
            "\n"
            "options:\n");
    cli_args_help(out, 0);
    fprintf(out, "\nexit status: 0 ok, 1 failure (database, output file), 2 usage error\n");
}

static int parse_report(int argc, char **argv, cli_args *a)
{
    static const struct option longopts[] = {CLI_ARGS_LONGOPTS, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if ((rc = cli_args_take(a, c, optarg)) != 1) {
            if (rc)
                return rc;
            continue;
        }
        if (c == 'h') {
            report_usage(stdout);
            return 0;
        }
        report_usage(stderr);
        return 2;
    }
    return -1;
}

static int run_quarter(cli_args *a, const char *quarter)
{
    char err[1024];
    cli_report *r = NULL;
    PGconn *db = cli_args_connect(a);
    if (!db)
        return CLI_EXIT_FAIL;
    int rc = report_quarter(db, quarter, &r, err, sizeof err);
    PQfinish(db);
    if (rc) {
        cli_args_error(a, "%s", err);
        return rc;
    }
    rc = cli_args_emit(a, r);
    cli_report_free(r);
    return rc;
}

int cli_report_cmd(int argc, char **argv)
{
    static const char *const reports[] = {"quarter", NULL};
    cli_args a = {.cmd = "gfdx report"};
    int which, rc = cli_args_subcommand(&a, argc, argv, reports, report_usage, &which);
    if (rc >= 0)
        return rc;
    a.cmd = "gfdx report quarter";
    rc = parse_report(argc - 1, argv + 1, &a);
    if (rc >= 0)
        return rc;
    if (argc - 1 - optind != 1) {
        cli_args_error(&a, "expected one QUARTER, e.g. 2026Q1 (gfdx report --help)");
        return CLI_EXIT_USAGE;
    }
    int year, q;
    if (gfdx_quarter_parse(argv[1 + optind], &year, &q)) {
        cli_args_error(&a, "quarter \"%s\": expected YYYYQn, e.g. 2026Q1", argv[1 + optind]);
        return CLI_EXIT_USAGE;
    }
    return run_quarter(&a, argv[1 + optind]);
}
