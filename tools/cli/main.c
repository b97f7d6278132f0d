/* gfdx: the operator CLI. Dispatches to one command per cmd_<name>.c. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct cli_command commands[] = {
    {"schema", cli_schema, "schema canonical|fingerprint FILE: Avro Parsing Canonical Form / CRC-64-AVRO"},
    {"produce", cli_produce, "produce --type TYPE [--topic T] [--sender ID] < records.jsonl"},
    {"keys", cli_keys, "keys generate|show|sign|verify: signing keys and the registry entry (DESIGN §4)"},
    {"dead-letters", cli_dead_letters, "dead-letters list|show ID|replay ID... [--service S]: undecodable records"},
    {"rejections", cli_rejections, "rejections list|show ID [--service S] [--since WHEN]: refused records"},
    {"trace", cli_trace, "trace NEED_ID: a need's whole life across the services, in time order"},
    {"audit", cli_audit, "audit verify --service S [--brokers B]: the message-log hash chain and its checkpoints"},
    {"kafka", cli_kafka_cmd, "kafka apply [--brokers B] [-X k=v]... [--dry-run]: topics and ACLs from the registry"},
    {"report", cli_report_cmd, "report quarter 2026Q1 | semiannual 2026H1 [--institution ID] |\n"
                               "                ledger LIST_ID [--version N] [--diff A B]  [--format table|csv|json|html]"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: gfdx COMMAND [ARGS]  (gfdx COMMAND --help for details)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\ndatabase (read commands): --db CONNINFO, else $GFDX_PG_CONNINFO, else --config DAEMON.cfg\n"
                 "kafka (produce, replay, kafka apply): --brokers HOST:PORT, else $GFDX_KAFKA_BOOTSTRAP\n"
                 "\nexit status: 0 ok, 1 operation failed, 2 usage error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("gfdx %s\n", GFDX_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "gfdx: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
