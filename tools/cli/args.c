/* args.c: shared options of the read commands and the report's destination. */
#include "args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --since VALUE: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" (session time zone, China time by
 * default) or "N" + m|h|d|w (that long ago). Writes a timestamptz text for a query
 * parameter into out. 0, or -1 when VALUE has neither form. */
static int since_param(const char *value, char *out, size_t len);

int cli_args_take(cli_args *a, int c, const char *arg)
{
    switch (c) {
    case 'D': a->db = arg; return 0;
    case 'C': a->config = arg; return 0;
    case 'O': a->out = arg; return 0;
    case 'T': a->table = arg; return 0;
    case 'F':
        if (cli_format_parse(arg, &a->format) == 0)
            return 0;
        cli_args_error(a, "--format %s: expected table, csv, json, html or xlsx", arg);
        return 2;
    case 'H':
        if (!strcmp(arg, "key") || !strcmp(arg, "zh")) {
            a->zh_headers = !strcmp(arg, "zh");
            return 0;
        }
        cli_args_error(a, "--headers %s: expected key or zh", arg);
        return 2;
    case 'S':
        if ((a->service = cli_service_find(arg)))
            return 0;
        cli_args_error(a, "--service %s: expected intake, pboc, feedback or district", arg);
        return 2;
    case 'W':
        if (since_param(arg, a->since, sizeof a->since) == 0)
            return 0;
        cli_args_error(a, "--since %s: expected YYYY-MM-DD[ HH:MM[:SS]] or N{m,h,d,w}", arg);
        return 2;
    case 'L': {
        char *end;
        a->limit = strtol(arg, &end, 10);
        if (!*end && a->limit >= 1)
            return 0;
        cli_args_error(a, "--limit %s: expected a positive number", arg);
        return 2;
    }
    default: return 1;
    }
}

void cli_args_help(FILE *out, int with_service)
{
    fprintf(out,
            "  --db CONNINFO    PostgreSQL conninfo (default $GFDX_PG_CONNINFO, else --config)\n"
            "  --config FILE    take postgres.conninfo from a daemon configuration file\n"
            "  --format F       table (default) | csv | json | html | xlsx (a workbook: use --out)\n"
            "  --headers H      with --format csv: key (default, the column ids) | zh (Chinese headings)\n"
            "  --out FILE       write to FILE instead of standard output\n"
            "  --table ID       with --format csv: the table to write (default: the first)\n");
    if (with_service)
        fprintf(out, "  --service S      intake | pboc | feedback | district (default: every deployed one)\n"
                     "  --since WHEN     list: received since YYYY-MM-DD[ HH:MM[:SS]] (China time) or N{m,h,d,w} ago\n"
                     "  --limit N        list: at most N per service (default 200)\n");
}

int cli_args_subcommand(const cli_args *a, int argc, char **argv, const char *const *subs, void (*usage)(FILE *),
                        int *index)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (sub && (!strcmp(sub, "--help") || !strcmp(sub, "-h"))) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    for (int i = 0; sub && subs[i]; i++)
        if (!strcmp(sub, subs[i])) {
            *index = i;
            return -1;
        }
    if (sub)
        cli_args_error(a, "unknown subcommand '%s'", sub);
    usage(stderr);
    return CLI_EXIT_USAGE;
}

void cli_args_error(const cli_args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", a->cmd);
    cli_term_vprintf(stderr, fmt, ap); /* messages quote ids and names */
    fputc('\n', stderr);
    va_end(ap);
}

PGconn *cli_args_connect(const cli_args *a)
{
    char err[1024];
    PGconn *db = cli_db_open(a->db, a->config, err, sizeof err);
    if (!db)
        cli_args_error(a, "%s", err);
    return db;
}

/* Writes r to path via path.tmp and rename(2), so a reader never sees half a report. */
static int emit_file(const cli_args *a, const cli_report *r, char *err, size_t errlen)
{
    size_t n = strlen(a->out) + 5;
    char *tmp = malloc(n);
    if (!tmp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(tmp, n, "%s.tmp", a->out);
    FILE *f = fopen(tmp, "w");
    int rc = -1;
    if (!f)
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
    else if (cli_report_write(r, &(cli_write_opts){a->format, a->table, a->zh_headers}, f, err, errlen) == 0)
        rc = 0;
    if (f && fclose(f) && rc == 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, a->out)) {
        snprintf(err, errlen, "%s: %s", a->out, strerror(errno));
        rc = -1;
    }
    if (rc && f)
        remove(tmp);
    free(tmp);
    return rc;
}

/* Standard output; a workbook only when it is not a terminal (binary data would garble it). */
static int write_stdout(const cli_args *a, const cli_report *r, char *err, size_t errlen)
{
    if (a->format == CLI_FMT_XLSX && isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "--format xlsx writes a workbook: give --out FILE.xlsx or redirect standard output");
        return -1;
    }
    return cli_report_write(r, &(cli_write_opts){a->format, a->table, a->zh_headers}, stdout, err, errlen);
}

int cli_args_emit(const cli_args *a, const cli_report *r)
{
    char err[1024] = "";
    int rc = a->out ? emit_file(a, r, err, sizeof err) : write_stdout(a, r, err, sizeof err);
    if (rc) {
        cli_args_error(a, "%s", err);
        return CLI_EXIT_FAIL;
    }
    if (a->out)
        fprintf(stderr, "%s: wrote %s\n", a->cmd, a->out);
    return CLI_EXIT_OK;
}

/* True when s is exactly the digits and separators of pattern (9 = a digit). */
static int matches(const char *s, const char *pattern)
{
    for (; *pattern; s++, pattern++)
        if (*pattern == '9' ? (*s < '0' || *s > '9') : *s != *pattern)
            return 0;
    return *s == '\0';
}

static int since_param(const char *value, char *out, size_t len)
{
    char *end;
    long long n = strtoll(value, &end, 10);
    static const struct { char unit; long long seconds; } units[] = {{'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
    for (size_t i = 0; end != value && n >= 0 && n < 100000 && i < sizeof units / sizeof units[0]; i++)
        if (end[0] == units[i].unit && end[1] == '\0') {
            time_t t = time(NULL) - (time_t)(n * units[i].seconds);
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(out, len, "%Y-%m-%d %H:%M:%S+00", &tm);
            return 0;
        }
    if (!matches(value, "9999-99-99") && !matches(value, "9999-99-99 99:99") && !matches(value, "9999-99-99 99:99:99") &&
        !matches(value, "9999-99-99T99:99") && !matches(value, "9999-99-99T99:99:99"))
        return -1;
    snprintf(out, len, "%s", value);
    return 0;
}

const char *cli_args_now(char *out, size_t len)
{
    time_t t = time(NULL) + 8 * 3600; /* China time: UTC+8 all year */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%d %H:%M:%S (UTC+8)", &tm);
    return out;
}

/* Appends "name" to a comma-separated list in buf. */
static void list_add(char *buf, size_t len, const char *name)
{
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
}

int cli_args_list_facts(cli_report *r, const cli_service *const *svc, size_t n, const cli_service *only)
{
    char now[64], seen[256] = "", missing[256] = "";
    size_t all_n;
    const cli_service *all = cli_services(&all_n);
    for (size_t i = 0; i < all_n; i++) {
        bool found = false;
        for (size_t j = 0; j < n; j++)
            found |= svc[j] == &all[i];
        if (found)
            list_add(seen, sizeof seen, all[i].name);
        else if (!only || only == &all[i])
            list_add(missing, sizeof missing, all[i].name);
    }
    if (cli_report_fact(r, "generated_at", "生成时间 generated at", cli_args_now(now, sizeof now)) ||
        cli_report_fact(r, "services", "服务 services", *seen ? seen : "(none)"))
        return -1;
    return *missing ? cli_report_fact(r, "not_deployed", "未部署 not deployed", missing) : 0;
}
