/* watch.c: one round of a service's watch (watch.h, service.h "the watch"). */
#include "watch.h"

#include "errbuf.h"
#include "outbox.h"
#include "pgstore.h"
#include "service.h"

#include <stdlib.h>
#include <string.h>

/* The advisory lock's key: one per schema, distinct from the migrations' lock. */
static const char lock_sql[] = "SELECT pg_try_advisory_xact_lock(hashtext('gfdx.watch.' || current_schema()))";

int gfdx_watch_emit(gfdx_watch *w, const char *topic, const char *key, const char *type, json_t *record)
{
    bool transient = false;
    gfdx_outbox_status st = gfdx_outbox_stage(w->rows, w->ctx->catalog, type, topic, key, record,
                                              w->ctx->service_participant, NULL, w->ctx->max_message_bytes,
                                              w->err, w->errlen, &transient);
    if (st == GFDX_OUTBOX_OK) {
        w->emitted++;
        return 0;
    }
    *w->transient = st != GFDX_OUTBOX_TOO_LARGE && transient;
    return -1;
}

/* True when this transaction holds the watch's lock; -1 on a database error. */
static int take_lock(PGconn *db, char *err, size_t errlen, bool *transient)
{
    PGresult *r = gfdx_pg_exec(db, lock_sql, 0, NULL, err, errlen, transient);
    if (!r)
        return -1;
    int held = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return held;
}

/* The service's tables in write order, then the outbox. */
static int write_round(const gfdx_inbound *in, PGconn *db, gfdx_rowset *rs, char *err, size_t errlen,
                       bool *transient)
{
    const gfdx_service *svc = in->service;
    const gfdx_table **order = calloc(svc->table_count + 1, sizeof *order);
    if (!order) {
        gfdx_errf(err, errlen, "watch: out of memory");
        *transient = true;
        return -1;
    }
    for (size_t i = 0; i < svc->table_count; i++)
        order[i] = svc->tables[i];
    order[svc->table_count] = &gfdx_outbox_table;
    int rc = gfdx_rowset_write(rs, db, order, svc->table_count + 1, err, errlen, transient);
    free(order);
    return rc;
}

/* The hook, the signatures and the write, in the open transaction holding the lock. */
static int round_effects(const gfdx_inbound *in, PGconn *db, int64_t now_ms, size_t *emitted, char *err,
                         size_t errlen, bool *transient)
{
    gfdx_context ctx = {in->registry, in->calendar, in->catalog, in->service_participant, in->service->ctx,
                        in->max_message_bytes, now_ms, in->receipts_prefix};
    gfdx_rowset *rs = gfdx_rowset_new();
    if (!rs) {
        gfdx_errf(err, errlen, "watch: out of memory");
        *transient = true;
        return -1;
    }
    gfdx_watch w = {.ctx = &ctx, .rows = rs, .db = db, .err = err, .errlen = errlen, .transient = transient};
    int rc = in->service->watch(in->service->ctx, &w);
    if (rc == 0 && gfdx_outbox_sign_staged(rs, in->threads, err, errlen)) {
        *transient = true; /* our key or our memory: the next round tries again */
        rc = -1;
    }
    if (rc == 0)
        rc = write_round(in, db, rs, err, errlen, transient);
    *emitted = w.emitted;
    gfdx_rowset_free(rs);
    return rc;
}

gfdx_watch_result gfdx_watch_run(const gfdx_inbound *in, PGconn *db, int64_t now_ms, size_t *emitted, char *err,
                                 size_t errlen, bool *transient)
{
    *emitted = 0;
    *transient = false;
    if (gfdx_pg_run(db, "BEGIN", 0, NULL, err, errlen, transient))
        return GFDX_WATCH_FAILED;
    int held = take_lock(db, err, errlen, transient);
    int rc = held < 0 ? -1 : 0;
    if (held == 1)
        rc = round_effects(in, db, now_ms, emitted, err, errlen, transient);
    if (rc == 0)
        rc = gfdx_pg_run(db, held == 1 ? "COMMIT" : "ROLLBACK", 0, NULL, err, errlen, transient);
    if (rc == 0)
        return held == 1 ? GFDX_WATCH_DONE : GFDX_WATCH_SKIPPED;
    if (PQstatus(db) == CONNECTION_OK)
        PQclear(PQexec(db, "ROLLBACK"));
    return GFDX_WATCH_FAILED;
}
