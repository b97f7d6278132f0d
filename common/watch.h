/* watch.h: one round of a service's watch (service.h "the watch"): what the clock decides.
 *
 * gfdx_watch_run runs the round in a transaction of its own on db: it takes the
 * transaction-level advisory lock of the service's watch (so of N instances one runs the round
 * at a time; the others skip it), calls the service's watch hook with a fresh rowset and the
 * context of the pipeline (in, now_ms), signs what the hook staged for the outbox, writes the
 * rowset (the service's tables in write order, then the outbox) and commits. */
#ifndef GFDX_WATCH_H
#define GFDX_WATCH_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inbound.h"

typedef enum {
    GFDX_WATCH_DONE = 0,    /* committed (*emitted records staged, possibly none) */
    GFDX_WATCH_SKIPPED = 1, /* another instance holds the lock: nothing done */
    GFDX_WATCH_FAILED = -1  /* rolled back: err, *transient */
} gfdx_watch_result;

/* in->service->watch must be set. now_ms: the watch's clock (Unix ms). */
gfdx_watch_result gfdx_watch_run(const gfdx_inbound *in, PGconn *db, int64_t now_ms, size_t *emitted, char *err,
                                 size_t errlen, bool *transient);

#endif
