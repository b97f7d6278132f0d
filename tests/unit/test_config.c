/* Declarative configuration: defaults, bounds, required settings, kafka pairs passed
 * through, secrets masked when printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

static const char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/gfdx_test_config_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        return NULL;
    close(fd);
    return path;
}

static char *print_to_string(const gfdx_daemon_config *cfg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    gfdx_config_print_daemon(f, cfg);
    fclose(f);
    return buf;
}

int main(void)
{
    char err[512];
    gfdx_daemon_config cfg;
    const char *ok = write_tmp(
        "service: { name = \"intake\"; participant = \"miit\"; };\n"
        "postgres: { conninfo = \"host=/tmp dbname=gfdx user=gfdx password=hunter2\"; };\n"
        "topics: { consume = [\"gfdx.needs\", \"gfdx.matching-status\"]; };\n"
        "batch: { max_records = 50; };\n"
        "kafka = ( (\"bootstrap.servers\", \"127.0.0.1:9092\"), (\"sasl.password\", \"s3cret\") );\n");
    CHECK_MSG(gfdx_config_load_daemon(ok, &cfg, err, sizeof err) == 0, "%s", err);
    CHECK(cfg.batch_max_records == 50);
    CHECK(cfg.batch_max_ms == 200); /* default */
    CHECK_STR_EQ(cfg.group_id, "gfdx-intake");
    CHECK(cfg.topics.count == 2);
    CHECK_STR_EQ(cfg.topics.items[1], "gfdx.matching-status");
    CHECK(cfg.kafka.count == 2);
    CHECK_STR_EQ(cfg.kafka.items[0].key, "bootstrap.servers");
    CHECK(cfg.require_signatures); /* security.require_signatures defaults to true (DESIGN §5) */
    CHECK(cfg.signing_key == NULL);
    char *printed = print_to_string(&cfg);
    CHECK_MSG(printed && !strstr(printed, "hunter2"), "conninfo password leaked");
    CHECK_MSG(printed && !strstr(printed, "s3cret"), "kafka secret leaked");
    CHECK(printed && strstr(printed, "password=****"));
    CHECK(printed && strstr(printed, "batch.max_records = 50;"));
    free(printed);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    CHECK(gfdx_config_kafka_apply(&cfg.kafka, conf, err, sizeof err) == 0);
    rd_kafka_conf_destroy(conf);
    gfdx_config_release_daemon(&cfg);
    unlink(ok);

    const char *bad_bound = write_tmp("service: { name = \"x\"; participant = \"miit\"; };\n"
                                      "postgres: { conninfo = \"\"; }; topics: { consume = [\"t\"]; };\n"
                                      "batch: { max_records = 0; };\n");
    CHECK(gfdx_config_load_daemon(bad_bound, &cfg, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "batch.max_records") != NULL, "error does not name the setting: %s", err);
    gfdx_config_release_daemon(&cfg);
    unlink(bad_bound);

    const char *missing = write_tmp("service: { name = \"x\"; participant = \"miit\"; }; topics: { consume = [\"t\"]; };\n");
    CHECK(gfdx_config_load_daemon(missing, &cfg, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "postgres.conninfo") != NULL, "%s", err);
    gfdx_config_release_daemon(&cfg);
    unlink(missing);

    const char *bad_kafka = write_tmp("service: { name = \"x\"; participant = \"miit\"; };\n"
                                      "postgres: { conninfo = \"\"; }; topics: { consume = [\"t\"]; };\n"
                                      "kafka = ( (\"no.such.property\", \"1\") );\n");
    CHECK(gfdx_config_load_daemon(bad_kafka, &cfg, err, sizeof err) == 0);
    conf = rd_kafka_conf_new();
    CHECK(gfdx_config_kafka_apply(&cfg.kafka, conf, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "no.such.property") != NULL, "%s", err);
    rd_kafka_conf_destroy(conf);
    gfdx_config_release_daemon(&cfg);
    unlink(bad_kafka);

    const char *syntax = write_tmp("service: { name = ; };\n");
    CHECK(gfdx_config_load_daemon(syntax, &cfg, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, ":1:") != NULL, "syntax error without line: %s", err);
    gfdx_config_release_daemon(&cfg);
    unlink(syntax);
    return CHECK_DONE();
}
