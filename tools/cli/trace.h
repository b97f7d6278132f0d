/* trace.h: a need's whole life for `gfdx trace` (cmd_trace.c): every record the exchange
 * applied or refused about it, in every deployed service's schema, merged in time order,
 * with the receipts that answered them.
 *
 * Sources (DESIGN §7), each read only when its schema is deployed:
 *   intake    intake.need_history (every applied record and state change), intake.rejection
 *   pboc      pboc.need_summary (the push received and routed, its withdrawal), pboc.dispatch_summary,
 *             pboc.rejection
 *   feedback  feedback.matching_history (banks' reports, obstacles raised and resolved),
 *             feedback.alert_summary (green-washing alerts, at the time of the record that raised
 *             them), feedback.rejection
 *   receipts  <schema>.outbox rows of type Receipt whose entity is the need (Avro, decoded
 *             with the catalogue), attached to the record they answer
 * Times are the senders' meta.occurred_at (the order things happened in), shown in China
 * time; records the exchange writes itself (NeedPushed delivered) carry their own time. */
#ifndef GFDX_CLI_TRACE_H
#define GFDX_CLI_TRACE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "avro_catalog.h"
#include "output.h"
#include "participants.h"

/* The services a trace reads, in pipeline order (index = trace_event.service). */
enum { TRACE_INTAKE, TRACE_PBOC, TRACE_FEEDBACK, TRACE_NSERVICES };

typedef struct {
    long long at_ms;      /* when it happened, ms since the epoch: the sort key */
    int service;          /* TRACE_INTAKE ... */
    long long seq;        /* order within its source, for equal times */
    char at[24];          /* the same time as text, China time */
    char *sender;         /* participant id (or gfdx-<service>) */
    char *record;         /* record type, e.g. MatchingFeedback */
    char *what;           /* one sentence for a person (Chinese) */
    char *from_state, *to_state; /* codes, NULL when the record changed no state */
    char *amount_wan;     /* the amount the record carries, 万元, or NULL */
    char *event_id;       /* meta.event_id of the record, or NULL */
    char *receipt;        /* the answers to it ("ACCEPTED (intake)"), or NULL */
} trace_event;

typedef struct {
    PGconn *db;
    const char *need_id;
    const gfdx_registry *names; /* may be NULL: ids shown as they are */
    bool deployed[TRACE_NSERVICES];
    trace_event *ev;
    size_t n, cap;
    char *err;
    size_t errlen;
} trace_log;

/* Finds which services are deployed (t->deployed) and reads every source of those into
 * t->ev, sorted by time. 0, or -1 with t->err. */
int trace_collect(trace_log *t) __attribute__((warn_unused_result));

/* Frees the events (t itself is the caller's). */
void trace_log_clear(trace_log *t);

/* A new zeroed event at the end of t->ev (counted in t->n: trace_log_clear frees what its
 * fields hold), or NULL when out of memory. */
trace_event *trace_log_push(trace_log *t);

/* Sorts t->ev by time, then service, then sequence. */
void trace_log_sort(trace_log *t);

/* One sentence about a record, from its source ("event", "refused", "push", "withdrawn",
 * "alert"), type and detail (the JSON the source query built); *amount_fen set to the
 * amount it carries or -1. Caller frees. NULL when out of memory. */
char *trace_describe(const char *source, const char *record_type, const json_t *detail,
                     const gfdx_registry *names, long long *amount_fen);

/* Reads the receipts about the need from every deployed schema's outbox, decodes them with
 * cat, appends one row each to out (trace_receipt_cols) and writes each answer into the
 * event it answers (same schema, meta.event_id = in_reply_to). 0, or -1 with t->err. */
int trace_receipts(trace_log *t, const gfdx_catalog *cat, cli_table *out) __attribute__((warn_unused_result));

/* The report (caller frees with cli_report_free): the need's facts, the timeline table
 * (when with_timeline), banks, obstacles, alerts and receipts (takes ownership of receipts
 * in every case), a chart of the banks' amounts. Returns 1 when some service knows the need,
 * 0 when none does (*out set all the same), -1 with t->err. */
int trace_report_build(trace_log *t, cli_table *receipts, bool with_timeline, cli_report **out)
    __attribute__((warn_unused_result));

/* "intake" | "pboc" | "feedback" for a TRACE_ index. */
const char *trace_service_name(int service);

extern const cli_column trace_receipt_cols[];
extern const size_t trace_receipt_ncols;

#endif
