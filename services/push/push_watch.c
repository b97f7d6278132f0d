/* push_watch.c: gfdx-push's watch hook (service.h "the watch"): finds the pushed needs that
 * may have waited too long for a bank (push_store_no_bank_candidates, one statement), loads
 * their rows, lets push_watch_decide stage the NO_BANK alerts and emits the AlertRaised
 * records it built. The machinery signs, writes and commits. */
#include "push_watch.h"

#include <stdio.h>

#include "push_decide.h"
#include "push_store.h"

/* The most needs one round looks at: the rest are found by the next rounds (oldest first). */
#define PUSH_WATCH_MAX_NEEDS 500

/* Emits every {"topic", "key", "type", "record"} of emits. 0 or -1 (w->err). */
static int emit_all(gfdx_watch *w, const json_t *emits)
{
    size_t i;
    const json_t *e;
    json_array_foreach(emits, i, e) {
        if (gfdx_watch_emit(w, json_string_value(json_object_get(e, "topic")),
                            json_string_value(json_object_get(e, "key")),
                            json_string_value(json_object_get(e, "type")), json_object_get(e, "record")))
            return -1;
    }
    return 0;
}

int push_watch(void *service_ctx, gfdx_watch *w)
{
    const push_ctx *c = service_ctx;
    json_t *ids = NULL, *emits = NULL, *id;
    size_t i;
    bool corrupt = false;
    int rc = push_store_no_bank_candidates(w->db, w->ctx->now_ms, c->no_bank_alert_days, PUSH_WATCH_MAX_NEEDS,
                                           &ids, w->err, w->errlen, w->transient);
    if (rc == 0 && json_array_size(ids) == 0) {
        json_decref(ids);
        return 0;
    }
    json_array_foreach(ids, i, id) {
        if (rc == 0 && push_store_want_need(w->rows, json_string_value(id))) {
            snprintf(w->err, w->errlen, "push watch: out of memory queueing rows");
            *w->transient = true;
            rc = -1;
        }
    }
    if (rc == 0)
        rc = gfdx_rowset_load(w->rows, w->db, w->err, w->errlen, w->transient);
    if (rc == 0 && !(emits = json_array())) {
        snprintf(w->err, w->errlen, "push watch: out of memory");
        *w->transient = true;
        rc = -1;
    }
    if (rc == 0 && push_watch_decide(w->ctx, w->rows, ids, emits, &corrupt, w->err, w->errlen) < 0) {
        *w->transient = !corrupt;
        rc = -1;
    }
    if (rc == 0)
        rc = emit_all(w, emits);
    json_decref(emits);
    json_decref(ids);
    return rc;
}
