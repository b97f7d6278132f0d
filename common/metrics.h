/* metrics.h: process-wide counters and gauges, served in the Prometheus text format on
 * /metrics by libmicrohttpd's own thread. Updates are atomic; the endpoint only reads.
 *
 * The endpoint can never starve the daemon of file descriptors (PostgreSQL, Kafka): at most
 * GFDX_METRICS_MAX_CONNECTIONS connections at once, GFDX_METRICS_MAX_PER_IP from one
 * address, and a connection idle for GFDX_METRICS_TIMEOUT_S seconds (a half-sent request)
 * is closed; beyond the limit, connections wait in the kernel's listen backlog, holding no
 * descriptor of ours. A Prometheus server scrapes with one connection at a time. */
#ifndef GFDX_METRICS_H
#define GFDX_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define GFDX_METRICS_MAX_CONNECTIONS 32
#define GFDX_METRICS_MAX_PER_IP 8
#define GFDX_METRICS_TIMEOUT_S 10

typedef enum {
    GFDX_M_CONSUMED,       /* records read from Kafka and processed */
    GFDX_M_APPLIED,        /* records that changed state */
    GFDX_M_REFUSED,        /* records refused (rejection + receipt) */
    GFDX_M_DUPLICATES,     /* duplicate event ids answered */
    GFDX_M_DEAD_LETTERS,   /* undecodable records kept */
    GFDX_M_BATCHES,        /* committed batches */
    GFDX_M_BATCH_RETRIES,  /* batches rolled back and retried after a transient failure */
    GFDX_M_PUBLISHED,      /* outbox rows delivered */
    GFDX_M_BATCH_MS_SUM,   /* sum of batch latencies (ms), with BATCHES gives the mean */
    GFDX_M_OUTBOX_FAILED,  /* outbox rows set aside after a permanent producer error */
    GFDX_M_OFFSET_GAPS,    /* offset gaps recorded (stored offset below what Kafka still has) */
    GFDX_M_UNSIGNED,       /* unsigned records accepted while signatures are not required */
    GFDX_M_COUNTER_COUNT
} gfdx_metric;

/* Gauges: consumer lag (records behind the high watermarks, every 2 s); the slowest batch
 * of the last minute (ms); outbox rows pending and rows set aside as failed (refreshed by
 * the relay at most once a second); 1 while the daemon runs. */
typedef enum { GFDX_G_LAG, GFDX_G_BATCH_MS_MAX, GFDX_G_OUTBOX_PENDING, GFDX_G_OUTBOX_FAILED, GFDX_G_UP,
               GFDX_G_COUNT } gfdx_gauge;

/* Where a batch's time goes (issue 11), as gfdx_batch_phase_us_total{phase="..."}: admission
 * in memory (decode, verify: the signatures, check: limits and topic), then in the transaction
 * the duplicates look-up, the service's load, the decisions with their bookkeeping, signing
 * what the batch emits (receipts and records for other agencies), the write,
 * and, outside the transaction, collect (polling Kafka for the batch, idle waits included)
 * and relay (the outbox round after each batch),
 * and begin (BEGIN and the chain head lock) plus commit (chain head, offsets, COMMIT). */
typedef enum {
    GFDX_P_DECODE, GFDX_P_VERIFY, GFDX_P_CHECK, GFDX_P_BEGIN, GFDX_P_DUPLICATES, GFDX_P_LOAD, GFDX_P_DECIDE,
    GFDX_P_SIGN, GFDX_P_WRITE, GFDX_P_COMMIT, GFDX_P_COLLECT, GFDX_P_RELAY, GFDX_P_COUNT
} gfdx_phase;

void gfdx_metrics_add(gfdx_metric m, uint64_t n);
/* Adds the microseconds since `since_us` (a gfdx_metrics_now_us() reading) to phase p and
 * returns the current reading, so that phases are timed one after another. */
uint64_t gfdx_metrics_phase(gfdx_phase p, uint64_t since_us);
uint64_t gfdx_metrics_now_us(void);
void gfdx_metrics_set(gfdx_gauge g, int64_t v);

/* Starts the endpoint on address:port (port 0: nothing started). 0 ok, -1 with err. */
int gfdx_metrics_start(const char *service, const char *address, int port, char *err, size_t errlen);
void gfdx_metrics_stop(void);

#endif
