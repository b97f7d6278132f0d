/* Strict configuration (issue 8, item 16): an unknown setting is an error naming its path,
 * whether in a daemon group, at the top level or in a service's own group; a setting is
 * marked reloadable only when SIGHUP really re-reads it (the registry and the calendar). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

#define BASE                                                                     \
    "service: { name = \"intake\"; participant = \"miit\"; };\n"                 \
    "postgres: { conninfo = \"host=/tmp dbname=gfdx\"; };\n"                     \
    "topics: { consume = [\"gfdx.needs\"]; };\n"                                 \
    "kafka = ( (\"bootstrap.servers\", \"127.0.0.1:9092\") );\n"

typedef struct {
    int known;
    char *deep;
} svc_settings;

static const gfdx_cfg_setting svc_rows[] = {
    {"svc.known", GFDX_CFG_INT, offsetof(svc_settings, known), NULL, 1, 0, 10, false, false, false, "a number"},
    {"svc.sub.deep", GFDX_CFG_STRING, offsetof(svc_settings, deep), "d", 0, 0, 0, false, false, false, "nested"},
};
#define NSVC (sizeof svc_rows / sizeof svc_rows[0])

static char path[64];

static const char *write_tmp(const char *text)
{
    snprintf(path, sizeof path, "/tmp/gfdx_test_strict_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        return NULL;
    close(fd);
    return path;
}

/* Loads text as a daemon's file (then the service rows when svc); returns 0 or -1, err set. */
static int load(const char *text, bool svc, char *err, size_t errlen)
{
    gfdx_daemon_config cfg;
    svc_settings s = {0};
    err[0] = '\0';
    const char *p = write_tmp(text);
    int rc = gfdx_config_load_daemon(p, &cfg, err, errlen);
    if (rc == 0 && svc)
        rc = gfdx_config_load_rows(p, svc_rows, NSVC, &s, err, errlen);
    if (rc == 0 && !svc)
        rc = gfdx_config_check_complete(err, errlen);
    gfdx_config_release(svc_rows, NSVC, &s);
    gfdx_config_release_daemon(&cfg);
    unlink(p);
    return rc;
}

static void expect_unknown(const char *text, bool svc, const char *setting)
{
    char err[512];
    CHECK_MSG(load(text, svc, err, sizeof err) == -1, "accepted: %s", setting);
    CHECK_MSG(strstr(err, "unknown setting") && strstr(err, setting), "error does not name %s: %s", setting, err);
}

static void reloadable_marks(void)
{
    char err[512], *buf = NULL;
    size_t len = 0;
    gfdx_daemon_config cfg;
    const char *p = write_tmp(BASE);
    CHECK_MSG(gfdx_config_load_daemon(p, &cfg, err, sizeof err) == 0, "%s", err);
    FILE *f = open_memstream(&buf, &len);
    gfdx_config_print_daemon(f, &cfg);
    fclose(f);
    int marked = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strstr(line, "= ") || !strstr(line, "(reloadable)"))
            continue;
        marked++;
        CHECK_MSG(!strncmp(line, "paths.participants =", 20) || !strncmp(line, "paths.calendar =", 16),
                  "marked reloadable but SIGHUP does not reload it: %s", line);
    }
    CHECK_MSG(marked == 2, "%d settings marked reloadable, want 2 (participants, calendar)", marked);
    free(buf);
    gfdx_config_release_daemon(&cfg);
    unlink(p);
}

int main(void)
{
    char err[512];
    CHECK_MSG(load(BASE "batch: { max_records = 5; };\n", false, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(load(BASE "kafka_group = \"g\";\nsvc: { known = 2; sub: { deep = \"x\"; }; };\n", true, err,
                   sizeof err) == 0, "%s", err);
    expect_unknown(BASE "batch: { max_recrods = 5; };\n", false, "batch.max_recrods");
    expect_unknown(BASE "paths: { schema = \"/x\"; };\n", false, "paths.schema");
    expect_unknown(BASE "max_records = 5;\n", false, "max_records");
    expect_unknown("service: { name = \"i\"; participant = \"miit\"; colour = \"red\"; };\n"
                   "postgres: { conninfo = \"\"; }; topics: { consume = [\"t\"]; };\n", false, "service.colour");
    expect_unknown(BASE "bacth: { max_records = 5; };\n", false, "bacth");
    expect_unknown(BASE "bacth: { max_records = 5; };\n", true, "bacth");
    expect_unknown(BASE "svc: { knwon = 2; };\n", true, "svc.knwon");
    expect_unknown(BASE "svc: { sub: { deep = \"x\"; deeper = 1; }; };\n", true, "svc.sub.deeper");
    reloadable_marks();
    return CHECK_DONE();
}
