/* watch_round: common/watch.c against a real PostgreSQL (run by
 * integration_watch_devbroker.sh, which creates the schema ws_test with its table `due` and
 * the common tables). A scratch service whose watch raises every `due` row not raised yet:
 * marks it and emits an AuditCheckpoint for it (any catalogued type serves).
 *
 *   watch_round CONNINFO SCHEMAS_DIR   the checks below; exit 0 when all pass
 *
 * Checks: a round stages, writes the mark and the outbox rows (unsigned:
 * no key is set) and commits; a second round finds nothing (the hook's idempotence, seen through the machinery);
 * while another session holds the schema's watch lock the round is skipped and writes nothing;
 * a hook failing after it staged leaves nothing; a record too large for the producer is a
 * permanent failure of the round. */
#include "avro_catalog.h"
#include "check.h"
#include "service.h"
#include "watch.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

static const gfdx_table due = {.name = "due", .kind = GFDX_TABLE_STATE, .key = {"item_id"}, .columns = "item_id,raised"};
static const gfdx_table *const tables[] = {&due};
static int fail_after_staging; /* the hook's failure mode for one check */

static PGconn *connect_to(const char *conninfo)
{
    PGconn *db = PQconnectdb(conninfo);
    if (PQstatus(db) != CONNECTION_OK) {
        fprintf(stderr, "connect: %s", PQerrorMessage(db));
        exit(2);
    }
    PQclear(PQexec(db, "SET search_path TO ws_test"));
    return db;
}

static long long count(PGconn *db, const char *sql)
{
    PGresult *r = PQexec(db, sql);
    long long n = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : -1;
    CHECK_MSG(n >= 0, "%s: %s", sql, PQerrorMessage(db));
    PQclear(r);
    return n;
}

/* Candidates: one statement; then the rows, loaded FOR UPDATE like a batch's. */
static int want_candidates(gfdx_watch *w)
{
    PGresult *r = PQexec(w->db, "SELECT item_id FROM due WHERE NOT raised ORDER BY item_id");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(w->err, w->errlen, "candidates: %s", PQerrorMessage(w->db));
        PQclear(r);
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++)
        gfdx_rowset_want(w->rows, &due, "item_id", PQgetvalue(r, i, 0));
    PQclear(r);
    return gfdx_rowset_load(w->rows, w->db, w->err, w->errlen, w->transient);
}

static int raise_one(gfdx_watch *w, const json_t *row)
{
    const char *id = json_string_value(json_object_get(row, "item_id"));
    json_t *mark = json_pack("{s:s, s:b}", "item_id", id, "raised", 1);
    json_t *rec = json_pack("{s:s, s:s, s:I, s:s, s:s, s:i, s:I, s:I}", "service", "ws", "log_schema", "ws_test",
                            "row_count", (json_int_t)1, "head_hash", id, "source_topic", "t", "source_partition", 0,
                            "source_offset", (json_int_t)0, "taken_at", (json_int_t)w->ctx->now_ms);
    int rc = mark && rec && gfdx_rows_put(w->rows, &due, mark) == 0 ? 0 : -1; /* put steals mark */
    if (rc == 0)
        rc = gfdx_watch_emit(w, "gfdx.audit", id, "AuditCheckpoint", rec);
    json_decref(rec);
    return rc;
}

static int ws_watch(void *ctx, gfdx_watch *w)
{
    (void)ctx;
    if (want_candidates(w))
        return -1;
    json_t *open = gfdx_rows_find(w->rows, &due, "raised", "false");
    size_t i;
    json_t *row;
    int rc = open ? 0 : -1;
    json_array_foreach(open, i, row) if (rc == 0) rc = raise_one(w, row);
    json_decref(open);
    if (rc)
        return -1;
    if (fail_after_staging) {
        snprintf(w->err, w->errlen, "the hook failed on purpose");
        return -1;
    }
    return 0;
}

static const gfdx_service svc = {.name = "ws", .schema = "ws_test", .tables = tables, .table_count = 1,
                                 .watch = ws_watch};

static gfdx_watch_result round_on(PGconn *db, const gfdx_catalog *cat, size_t max_bytes, size_t *emitted,
                                  bool *transient)
{
    gfdx_inbound in = {.service = &svc, .qschema = "ws_test", .service_participant = "miit", .catalog = cat,
                       .max_message_bytes = max_bytes, .threads = 2};
    char err[512] = "";
    gfdx_watch_result r = gfdx_watch_run(&in, db, 1767225600000LL, emitted, err, sizeof err, transient);
    if (r == GFDX_WATCH_FAILED)
        printf("# round failed: %s\n", err);
    return r;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: watch_round CONNINFO SCHEMAS_DIR\n");
        return 2;
    }
    char err[512];
    gfdx_catalog *cat = gfdx_catalog_load(argv[2], err, sizeof err);
    CHECK_MSG(cat != NULL, "catalog: %s", err);
    PGconn *a = connect_to(argv[1]), *b = connect_to(argv[1]);
    size_t emitted = 0;
    bool tr = false;

    /* another session holds the lock: skipped, nothing written */
    PQclear(PQexec(b, "BEGIN"));
    PQclear(PQexec(b, "SELECT pg_advisory_xact_lock(hashtext('gfdx.watch.ws_test'))"));
    CHECK(round_on(a, cat, 1 << 20, &emitted, &tr) == GFDX_WATCH_SKIPPED);
    CHECK(count(a, "SELECT count(*) FROM outbox") == 0);
    PQclear(PQexec(b, "COMMIT"));

    /* a failing hook after staging: rolled back, permanent */
    fail_after_staging = 1;
    CHECK(round_on(a, cat, 1 << 20, &emitted, &tr) == GFDX_WATCH_FAILED && !tr);
    CHECK(count(a, "SELECT count(*) FROM outbox") == 0 && count(a, "SELECT count(*) FROM due WHERE raised") == 1);
    fail_after_staging = 0;

    /* too large for the producer: permanent, nothing written */
    CHECK(round_on(a, cat, 64, &emitted, &tr) == GFDX_WATCH_FAILED && !tr);
    CHECK(count(a, "SELECT count(*) FROM outbox") == 0);

    /* the round: the two due rows not raised yet (c was) raised and emitted */
    CHECK(round_on(a, cat, 1 << 20, &emitted, &tr) == GFDX_WATCH_DONE && emitted == 2);
    CHECK(count(a, "SELECT count(*) FROM due WHERE raised") == 3);
    CHECK(count(a, "SELECT count(*) FROM outbox WHERE record_type = 'AuditCheckpoint' AND topic = 'gfdx.audit'"
                   " AND published_at IS NULL AND sig IS NULL") == 2);
    CHECK(count(b, "SELECT count(*) FROM outbox") == 2); /* committed: another session sees it */

    /* again: nothing new */
    CHECK(round_on(a, cat, 1 << 20, &emitted, &tr) == GFDX_WATCH_DONE && emitted == 0);
    CHECK(count(a, "SELECT count(*) FROM outbox") == 2);
    PQfinish(a);
    PQfinish(b);
    gfdx_catalog_free(cat);
    return CHECK_DONE();
}
