/* offsets_poll: when a daemon's applied records became committed, seen from outside.
 *   offsets_poll CONNINFO SCHEMA TOPIC [INTERVAL_MS]
 * Every INTERVAL_MS (default 5) reads <SCHEMA>.kafka_offset, where a daemon stores the next
 * offset of each partition in the transaction that applied the records before it (common/
 * daemon.c), and prints "<wall-clock ms> <partition> <next_offset>" each time a partition's
 * stored offset changed (flushed at once). A record (p, o) is committed by the first line of
 * p whose next_offset is > o, within one interval. Runs until SIGTERM or SIGINT. */
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "topic_read.h"

#define MAX_PARTS 1024

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* Prints the partitions whose stored offset differs from last[]; updates last[]. */
static void poll_once(PGconn *db, const char *sql, const char *topic, long long *last)
{
    const char *params[] = {topic};
    PGresult *r = PQexecParams(db, sql, 1, NULL, params, NULL, NULL, 0);
    long long now = bench_now_ms();
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        for (int i = 0; i < PQntuples(r); i++) {
            int p = atoi(PQgetvalue(r, i, 0));
            long long off = atoll(PQgetvalue(r, i, 1));
            if (p >= 0 && p < MAX_PARTS && off != last[p]) {
                last[p] = off;
                printf("%lld %d %lld\n", now, p, off);
            }
        }
        fflush(stdout);
    }
    PQclear(r);
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: offsets_poll CONNINFO SCHEMA TOPIC [INTERVAL_MS]\n");
        return 2;
    }
    int interval = argc == 5 ? atoi(argv[4]) : 5;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    PGconn *db = PQconnectdb(argv[1]);
    if (PQstatus(db) != CONNECTION_OK) {
        fprintf(stderr, "offsets_poll: %s", PQerrorMessage(db));
        return 1;
    }
    char *schema = PQescapeIdentifier(db, argv[2], strlen(argv[2]));
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT partition, next_offset FROM %s.kafka_offset WHERE topic = $1", schema);
    PQfreemem(schema);
    static long long last[MAX_PARTS];
    for (int p = 0; p < MAX_PARTS; p++)
        last[p] = -1;
    while (!stop) {
        poll_once(db, sql, argv[3], last);
        usleep((useconds_t)interval * 1000);
    }
    PQfinish(db);
    return 0;
}
