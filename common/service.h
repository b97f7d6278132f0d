/* service.h: what a gfdx daemon supplies to the shared consumer machinery, and what its
 * record handlers get.
 *
 * A service is a table of handlers, one per record type it consumes, each bound to the topic
 * that carries it and naming the field that holds its entity id. The machinery (inbound.c)
 * decodes each record, applies the limits (record_limits.h), refuses a type on another
 * topic (WRONG_TOPIC), checks that the sender is a registered participant, recognises
 * duplicates, checks the Kafka key against the entity id (KEY_MISMATCH), and then calls the
 * handler inside the batch transaction (under a savepoint). The handler validates, checks
 * authorization, changes state with parameterised statements and may emit records through
 * the outbox. It answers:
 *   GFDX_APPLY_OK       state changed (or deliberately nothing to change): receipt ACCEPTED;
 *   GFDX_APPLY_REFUSED  via gfdx_apply_refuse(): savepoint rolled back, rejection row and a
 *                       REFUSED receipt with the reason code;
 *   GFDX_APPLY_DB_ERROR via gfdx_apply_db_error(): a transient failure aborts and retries the
 *                       whole batch; a permanent one refuses the record as STORE_ERROR.
 * Handlers never exit, never log-and-drop: every outcome is one of the three. */
#ifndef GFDX_SERVICE_H
#define GFDX_SERVICE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "avro_catalog.h"
#include "calendar.h"
#include "participants.h"

typedef enum { GFDX_APPLY_DB_ERROR = -1, GFDX_APPLY_OK = 0, GFDX_APPLY_REFUSED = 1 } gfdx_apply_result;

/* One consumed record, decoded. Valid for the duration of the handler call. */
typedef struct {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const char *key;          /* entity id (NUL-terminated copy of the Kafka key), may be "" */
    const void *value;
    size_t value_len;
    json_t *body;             /* the record shaped by the reader schema (borrowed) */
    const char *type;         /* short record type, e.g. "NeedSubmitted" */
    int writer_version;       /* schema version the sender wrote */
    const char *event_id;     /* meta.event_id */
    const char *sender_id;    /* meta.sender */
    int64_t occurred_at;      /* meta.occurred_at, Unix ms */
} gfdx_record;

typedef struct gfdx_apply {
    PGconn *db;
    const char *schema;          /* quoted schema name, for SQL text */
    const gfdx_record *rec;
    const gfdx_participant *sender;  /* registered participant of meta.sender */
    const gfdx_registry *registry;
    const gfdx_calendar *calendar;
    const gfdx_catalog *catalog;
    const char *service_participant;  /* our own participant id: sender of what we emit */
    void *service_ctx;
    size_t max_message_bytes;         /* the producer's message.max.bytes: emitted records stay under */
    /* verdict, set through the functions below */
    char reason_code[48];
    char reason[512];
    bool transient;
} gfdx_apply;

typedef gfdx_apply_result (*gfdx_handler_fn)(gfdx_apply *a);

typedef struct {
    const char *record_type;  /* short name */
    const char *topic;        /* the one consumed topic that carries this type (else WRONG_TOPIC) */
    const char *entity_field; /* path of the entity id the Kafka key must equal ("need_id") */
    gfdx_handler_fn fn;
} gfdx_handler;

/* Called when an outbox row has been delivered to Kafka, in the relay's transaction (e.g.
 * intake moves a need from RECOMMENDED to PUSHED once NeedPushed is on the topic). */
typedef int (*gfdx_published_fn)(void *service_ctx, PGconn *db, const char *qschema,
                                  const char *record_type, const char *key, const char *event_id,
                                  char *err, size_t errlen);

typedef struct {
    const char *name;         /* "intake": default service name, log prefix */
    const char *schema;       /* PostgreSQL schema owned by the service */
    const gfdx_handler *handlers;
    size_t handler_count;
    gfdx_published_fn on_published; /* may be NULL */
    /* Loads the service's own settings from the daemon's config file (e.g. with
     * gfdx_config_load_rows and a table of rows); when print_to is non-NULL (--check-config)
     * also prints them there. 0 ok, -1 with err. May be NULL. */
    int (*configure)(void *ctx, const char *config_path, FILE *print_to, char *err, size_t errlen);
    void *ctx;                /* service state handed to handlers as service_ctx */
} gfdx_service;

/* Sets the refusal verdict (reason code, printf-style reason); returns GFDX_APPLY_REFUSED. */
gfdx_apply_result gfdx_apply_refuse(gfdx_apply *a, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a database failure (message in reason, transient flag); returns GFDX_APPLY_DB_ERROR. */
gfdx_apply_result gfdx_apply_db_error(gfdx_apply *a, const char *what, const char *err, bool transient);

/* Runs a parameterised statement for a handler; on failure fills the verdict as
 * gfdx_apply_db_error does and returns NULL. */
PGresult *gfdx_apply_exec(gfdx_apply *a, const char *sql, int nparams, const char *const *params);

/* Emits a record of `type` (latest schema version) to `topic` with `key` through the outbox,
 * in the current transaction. `record` gets meta filled in (fresh event_id, our participant
 * as sender, now, correlation_id = the consumed record's event_id). Takes no ownership.
 * GFDX_APPLY_OK; GFDX_APPLY_REFUSED with RECORD_TOO_LARGE when the encoded key and value would
 * not fit the producer's message.max.bytes (nothing written: the caller returns the verdict and
 * the savepoint rolls the record back); GFDX_APPLY_DB_ERROR (an encoding failure is permanent). */
gfdx_apply_result gfdx_apply_emit(gfdx_apply *a, const char *topic, const char *key, const char *type,
                                  json_t *record);

/* Field helpers over the decoded body: dotted paths ("factory.uscc"). NULL / 0 if absent. */
const char *gfdx_rec_str(const json_t *body, const char *path);
long long gfdx_rec_int(const json_t *body, const char *path);
double gfdx_rec_real(const json_t *body, const char *path);
bool gfdx_rec_bool(const json_t *body, const char *path);
json_t *gfdx_rec_get(const json_t *body, const char *path);

#endif
