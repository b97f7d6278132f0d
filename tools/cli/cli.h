/* cli.h: the commands of the gfdx operator CLI. Each takes the argument vector starting at
 * its own name (argv[0] == "schema") and returns the process exit status:
 * 0 success, 1 failure of the operation, 2 usage error. */
#ifndef GFDX_CLI_H
#define GFDX_CLI_H

int cli_schema(int argc, char **argv);   /* cmd_schema.c: canonical | fingerprint FILE */
int cli_produce(int argc, char **argv);  /* cmd_produce.c: JSON lines -> single-object -> Kafka */
int cli_keys(int argc, char **argv);     /* cmd_keys.c: generate | show | sign | verify */
int cli_dead_letters(int argc, char **argv); /* cmd_dead_letters.c: list | show | replay */
int cli_rejections(int argc, char **argv);   /* cmd_rejections.c: list | show */
int cli_report_cmd(int argc, char **argv);   /* cmd_report.c: quarter | semiannual | ledger */
int cli_trace(int argc, char **argv);        /* cmd_trace.c: a need's life across the services */
int cli_kafka_cmd(int argc, char **argv);    /* cmd_kafka.c: apply (topics and ACLs) */
int cli_audit(int argc, char **argv);        /* cmd_audit.c: verify (the message-log chain) */

#endif
