/* args.h: the options every read command shares, and where its report goes.
 *
 *   --db CONNINFO     PostgreSQL conninfo (else $GFDX_PG_CONNINFO, else --config)
 *   --config FILE     a daemon configuration: its postgres.conninfo
 *   --format F        table (default) | csv | json | html | xlsx
 *   --headers H       CSV: key (default: the column ids) | zh (the Chinese headings)
 *   --out FILE        write there instead of standard output (replaced atomically)
 *   --table ID        CSV: which table of the report (default its first)
 *   --service S       intake | pboc | feedback | district
 *
 * A command lists CLI_ARGS_LONGOPTS in its getopt_long table and hands every option it
 * does not know itself to cli_args_take(). */
#ifndef GFDX_CLI_ARGS_H
#define GFDX_CLI_ARGS_H

#include <getopt.h>
#include <stdio.h>

#include "db.h"
#include "output.h"

/* Exit statuses of every command. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

typedef struct {
    const char *cmd;    /* "gfdx report quarter": prefix of messages */
    const char *db, *config, *out, *table;
    const cli_service *service; /* NULL = all */
    cli_format format;
    bool zh_headers;    /* --headers zh */
    char since[40];     /* --since as a timestamptz parameter; "" = not given */
    long limit;         /* --limit; set a default before parsing */
} cli_args;

/* getopt_long rows of the shared options (values 'D', 'C', 'F', 'O', 'T', 'S', 'H'). */
#define CLI_ARGS_LONGOPTS                                                                         \
    {"db", required_argument, 0, 'D'}, {"config", required_argument, 0, 'C'},                   \
        {"format", required_argument, 0, 'F'}, {"out", required_argument, 0, 'O'},              \
        {"table", required_argument, 0, 'T'}, {"service", required_argument, 0, 'S'},           \
        {"headers", required_argument, 0, 'H'}

/* The list commands' options (values 'W', 'L'):
 *   --since WHEN      YYYY-MM-DD[ HH:MM[:SS]] (China time) or N followed by m|h|d|w (ago)
 *   --limit N         at most N rows per service */
#define CLI_ARGS_LIST_LONGOPTS \
    {"since", required_argument, 0, 'W'}, { "limit", required_argument, 0, 'L' }

/* Takes shared option c with argument arg: 0 taken, 2 bad value (message printed),
 * 1 not a shared option. */
int cli_args_take(cli_args *a, int c, const char *arg);

/* Now in China time, "2026-04-01 09:30:00 (UTC+8)", into out. Returns out. */
const char *cli_args_now(char *out, size_t len);

/* The facts of a list report: generated_at, the services looked at, those not deployed
 * (table absent). 0 or -1 (out of memory). */
int cli_args_list_facts(cli_report *r, const cli_service *const *svc, size_t n, const cli_service *only);

/* Prints the shared options' help lines (with_service adds --service and the list
 * commands' --since and --limit). */
void cli_args_help(FILE *out, int with_service);

/* Checks the subcommand argv[1] against subs (NULL-terminated). Returns -1 with *index set
 * when it is one of them; else prints the usage (on stdout for --help / -h, exit status 0;
 * on stderr when missing or unknown, 2) and returns that exit status. */
int cli_args_subcommand(const cli_args *a, int argc, char **argv, const char *const *subs, void (*usage)(FILE *),
                        int *index);

/* Prints "gfdx ...: message" on stderr. */
void cli_args_error(const cli_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Connects per a->db / a->config; NULL after printing why. */
PGconn *cli_args_connect(const cli_args *a);

/* Writes the report to --out (atomically: FILE.tmp then rename) or standard output.
 * Returns the exit status (0, or 1 after printing why). Prints the path written to on
 * stderr when --out is given. */
int cli_args_emit(const cli_args *a, const cli_report *r);

#endif
