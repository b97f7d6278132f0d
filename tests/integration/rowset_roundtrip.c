/* rowset_roundtrip: common/rowset.c against a real PostgreSQL (run by
 * integration_rowset_devbroker.sh, which creates the schemas; see there).
 *
 *   rowset_roundtrip roundtrip CONNINFO   the checks below; exit 0 when all pass
 *   rowset_roundtrip bench CONNINFO [N]   ms per write of N (500) rows shaped like intake.need
 *                                         (insert, then update) and message_log (append)
 *
 * roundtrip: a load FOR UPDATE by key and by another column, every column type the services
 * use read back exactly (a loaded row written back unchanged reloads identical), puts/
 * appends/deletes with an undone record in between, one statement per table and kind of
 * change, the values after a reload, and the errors: an optional READ table that is missing
 * reads as empty, a required one is transient NOT_READY, a lock timeout is transient, a CHECK
 * violation is permanent with the server's message. */
#include "check.h"
#include "rowset.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const gfdx_table item = {.name = "item", .kind = GFDX_TABLE_STATE, .key = {"item_id"},
                                .columns = "item_id, label, qty, small, amount, flag, at, doc, tags, blob, grp"};
static const gfdx_table pair = {.name = "pair", .kind = GFDX_TABLE_STATE, .key = {"a", "b"}, .columns = "a,b,n"};
static const gfdx_table logt = {.name = "log", .kind = GFDX_TABLE_HISTORY, .columns = "item_id,note,value"};
static const gfdx_table once = {.name = "once_log", .kind = GFDX_TABLE_HISTORY, .key = {"event_id"},
                                .columns = "event_id,note", .conflict = "ON CONFLICT DO NOTHING"};
static const gfdx_table checked = {.name = "checked", .kind = GFDX_TABLE_STATE, .key = {"k"}, .columns = "k,v"};
static const gfdx_table pub = {.name = "other_svc.pub", .kind = GFDX_TABLE_READ, .key = {"uscc"}};
static const gfdx_table pub_opt = {.name = "absent_svc.pub", .kind = GFDX_TABLE_READ, .optional = true};
static const gfdx_table pub_req = {.name = "absent_svc.pub", .kind = GFDX_TABLE_READ};

static char err[1024];
static bool transient;

static void sql(PGconn *db, const char *text)
{
    PGresult *r = PQexec(db, text);
    CHECK_MSG(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", text,
              PQerrorMessage(db));
    PQclear(r);
}

static PGconn *connect_to(const char *conninfo, const char *search_path)
{
    PGconn *db = PQconnectdb(conninfo);
    if (PQstatus(db) != CONNECTION_OK) {
        fprintf(stderr, "connect: %s", PQerrorMessage(db));
        exit(2);
    }
    char set[128];
    snprintf(set, sizeof set, "SET search_path TO %s", search_path);
    sql(db, set);
    return db;
}

static const json_t *get1(const gfdx_rowset *rs, const gfdx_table *t, const char *k0)
{
    const char *k[] = {k0};
    return gfdx_rows_get(rs, t, k);
}

static int load(gfdx_rowset *rs, PGconn *db)
{
    int rc = gfdx_rowset_load(rs, db, err, sizeof err, &transient);
    CHECK_MSG(rc == 0, "load: %s", err);
    return rc;
}

static int write(gfdx_rowset *rs, PGconn *db, const gfdx_table *const *tables, size_t n)
{
    int rc = gfdx_rowset_write(rs, db, tables, n, err, sizeof err, &transient);
    CHECK_MSG(rc == 0, "write: %s", err);
    return rc;
}

/* The first load: by key, by another column, composite keys, READ tables. */
static void check_loaded(const gfdx_rowset *rs)
{
    const json_t *i1 = get1(rs, &item, "i1"), *i2 = get1(rs, &item, "i2");
    CHECK_STR_EQ(gfdx_rows_str(i1, "label"), "one");
    CHECK(json_is_integer(json_object_get(i1, "qty")) && gfdx_rows_int(i1, "qty") == 1234567890123LL);
    CHECK(gfdx_rows_int(i1, "small") == 7);
    CHECK(fabs(json_number_value(json_object_get(i1, "amount")) - 12.34) < 1e-9);
    CHECK(json_is_true(json_object_get(i1, "flag")));
    /* TimeZone Asia/Shanghai: to_jsonb renders +08:00 and microseconds */
    CHECK_MSG(gfdx_rows_time_ms(json_object_get(i1, "at")) == 1796119200123LL - 8 * 3600000LL, "at = %s",
              gfdx_rows_str(i1, "at"));
    CHECK_STR_EQ(gfdx_rows_str(i1, "at"), "2026-12-01T10:00:00.123456+08:00");
    json_t *doc = json_pack("{s:{s:[i,i]}}", "a", "b", 1, 2), *tags = json_pack("[s,s]", "x", "y z");
    CHECK(json_equal(json_object_get(i1, "doc"), doc));
    CHECK(json_equal(json_object_get(i1, "tags"), tags));
    json_decref(doc);
    json_decref(tags);
    CHECK_STR_EQ(gfdx_rows_str(i1, "blob"), "\\x00ff10");
    CHECK(i2 && json_is_null(json_object_get(i2, "qty")) && json_is_null(json_object_get(i2, "at")) &&
          json_is_null(json_object_get(i2, "tags")) && json_is_null(json_object_get(i2, "blob")));
    CHECK(get1(rs, &item, "i9") == NULL);
    json_t *a = gfdx_rows_find(rs, &item, "grp", "g2"); /* loaded by grp, not by key */
    CHECK(json_array_size(a) == 1 && !strcmp(gfdx_rows_str(json_array_get(a, 0), "item_id"), "i3"));
    json_decref(a);
    a = gfdx_rows_find(rs, &pair, "a", "p");
    CHECK(json_array_size(a) == 2 && !strcmp(gfdx_rows_str(json_array_get(a, 1), "b"), "r"));
    json_decref(a);
    CHECK_STR_EQ(gfdx_rows_str(get1(rs, &pub, "U1"), "kind"), "green");
    CHECK(get1(rs, &pub, "U2") == NULL); /* not asked for */
    a = gfdx_rows_find(rs, &pub_opt, "x", "y");
    CHECK(a && json_array_size(a) == 0); /* an optional READ table that is missing reads as empty */
    json_decref(a);
    CHECK_STR_EQ(gfdx_rows_str(get1(rs, &once, "e1"), "note"), "first");
}

/* A loaded row put back unchanged reloads identical: every type survives to_jsonb ->
 * jsonb_populate_recordset (microsecond timestamps, numeric, bytea, text[], jsonb, NULLs). */
static void check_identity(const char *conninfo)
{
    PGconn *db = connect_to(conninfo, "rs_test");
    gfdx_rowset *rs = gfdx_rowset_new(), *again = gfdx_rowset_new();
    sql(db, "SET TimeZone TO 'Asia/Shanghai'");
    sql(db, "BEGIN");
    const gfdx_table *tables[] = {&item};
    CHECK(gfdx_rowset_want(rs, &item, "item_id", "i1") == 0 && gfdx_rowset_want(rs, &item, "item_id", "i2") == 0);
    if (load(rs, db) == 0) {
        CHECK(gfdx_rows_put(rs, &item, json_deep_copy(get1(rs, &item, "i1"))) == 0);
        CHECK(gfdx_rows_put(rs, &item, json_deep_copy(get1(rs, &item, "i2"))) == 0);
        CHECK(write(rs, db, tables, 1) == 0);
    }
    sql(db, "COMMIT");
    sql(db, "BEGIN");
    CHECK(gfdx_rowset_want(again, &item, "item_id", "i1") == 0 && gfdx_rowset_want(again, &item, "item_id", "i2") == 0);
    if (load(again, db) == 0) {
        CHECK_MSG(json_equal(get1(rs, &item, "i1"), get1(again, &item, "i1")), "i1 changed by a round trip");
        CHECK_MSG(json_equal(get1(rs, &item, "i2"), get1(again, &item, "i2")), "i2 (NULLs) changed by a round trip");
    }
    sql(db, "COMMIT");
    gfdx_rowset_free(rs);
    gfdx_rowset_free(again);
    PQfinish(db);
}

static json_t *new_i1(void)
{
    unsigned char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (unsigned char)i;
    return json_pack("{s:s, s:s, s:I, s:i, s:f, s:b, s:o, s:{s:s}, s:[s,s,s], s:o, s:s}", "item_id", "i1", "label",
                     "uno", "qty", (json_int_t)42, "small", 8, "amount", 99.99, "flag", 0, "at",
                     gfdx_rows_time(1796119200123LL), "doc", "k", "v", "tags", "a", "b", "c", "blob",
                     gfdx_rows_bytea(bytes, sizeof bytes), "grp", "g1");
}

/* One accepted record, one refused (undone), one that puts and deletes a new key. */
static void decide(gfdx_rowset *rs)
{
    CHECK(gfdx_rows_put(rs, &item, new_i1()) == 0);
    CHECK(gfdx_rows_put(rs, &item, json_pack("{s:s,s:s,s:s}", "item_id", "i4", "label", "four", "grp", "g2")) == 0);
    const char *k2[] = {"i2"}, *k3[] = {"i3"}, *k5[] = {"i5"}, *k6[] = {"i6"};
    CHECK(gfdx_rows_delete(rs, &item, k2) == 0);
    CHECK(gfdx_rows_put(rs, &pair, json_pack("{s:s,s:s,s:i}", "a", "p", "b", "q", "n", 10)) == 0);
    for (int i = 1; i <= 3; i++) {
        char note[8];
        snprintf(note, sizeof note, "n%d", i);
        CHECK(gfdx_rows_append(rs, &logt, json_pack("{s:s,s:s,s:o}", "item_id", "i1", "note", note, "value",
                                                    gfdx_rows_bytea("\x01\x02", 2))) == 0);
    }
    CHECK(gfdx_rows_append(rs, &once, json_pack("{s:s,s:s}", "event_id", "e1", "note", "again")) == 0);
    CHECK(gfdx_rows_append(rs, &once, json_pack("{s:s,s:s}", "event_id", "e2", "note", "second")) == 0);
    gfdx_rows_mark m = gfdx_rowset_mark(rs);
    CHECK(gfdx_rows_put(rs, &item, json_pack("{s:s,s:s}", "item_id", "i1", "label", "WRONG")) == 0);
    CHECK(gfdx_rows_delete(rs, &item, k3) == 0);
    CHECK(gfdx_rows_put(rs, &item, json_pack("{s:s,s:s}", "item_id", "i5", "label", "five")) == 0);
    CHECK(gfdx_rows_delete(rs, &item, k5) == 0);
    CHECK(gfdx_rows_put(rs, &pair, json_pack("{s:s,s:s,s:i}", "a", "p", "b", "r", "n", 99)) == 0);
    CHECK(gfdx_rows_append(rs, &logt, json_pack("{s:s,s:s}", "item_id", "i1", "note", "refused")) == 0);
    gfdx_rowset_undo(rs, m);
    CHECK_STR_EQ(gfdx_rows_str(get1(rs, &item, "i1"), "label"), "uno");
    CHECK(get1(rs, &item, "i3") != NULL && get1(rs, &item, "i5") == NULL);
    CHECK(json_array_size(gfdx_rows_appended(rs, &logt)) == 3);
    CHECK(gfdx_rows_put(rs, &item, json_pack("{s:s,s:s}", "item_id", "i6", "label", "six")) == 0);
    CHECK(gfdx_rows_delete(rs, &item, k6) == 0); /* a new key put then deleted: nothing written */
}

static void check_written(const char *conninfo)
{
    PGconn *db = connect_to(conninfo, "rs_test");
    gfdx_rowset *rs = gfdx_rowset_new();
    sql(db, "BEGIN");
    const char *ids[] = {"i1", "i2", "i3", "i4", "i6"};
    for (size_t i = 0; i < 5; i++)
        CHECK(gfdx_rowset_want(rs, &item, "item_id", ids[i]) == 0);
    CHECK(gfdx_rowset_want(rs, &pair, "a", "p") == 0 && gfdx_rowset_want(rs, &logt, "item_id", "i1") == 0);
    CHECK(gfdx_rowset_want(rs, &once, "event_id", "e1") == 0 && gfdx_rowset_want(rs, &once, "event_id", "e2") == 0);
    if (load(rs, db) == 0) {
        json_t *want = new_i1();
        const json_t *i1 = get1(rs, &item, "i1");
        CHECK(gfdx_rows_time_ms(json_object_get(i1, "at")) == 1796119200123LL);
        CHECK(fabs(json_number_value(json_object_get(i1, "amount")) - 99.99) < 0.001);
        const char *same[] = {"label", "qty", "small", "flag", "doc", "tags", "blob", "grp"};
        for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
            CHECK_MSG(json_equal(json_object_get(i1, same[i]), json_object_get(want, same[i])), "i1.%s differs", same[i]);
        json_decref(want);
        CHECK(get1(rs, &item, "i2") == NULL && get1(rs, &item, "i6") == NULL);
        CHECK_STR_EQ(gfdx_rows_str(get1(rs, &item, "i3"), "label"), "three");
        const json_t *i4 = get1(rs, &item, "i4");
        CHECK_STR_EQ(gfdx_rows_str(i4, "label"), "four");
        CHECK(i4 && json_is_null(json_object_get(i4, "qty")));
        const char *pq[] = {"p", "q"}, *pr[] = {"p", "r"};
        CHECK(gfdx_rows_int(gfdx_rows_get(rs, &pair, pq), "n") == 10 && gfdx_rows_int(gfdx_rows_get(rs, &pair, pr), "n") == 2);
        json_t *logs = gfdx_rows_find(rs, &logt, "item_id", "i1"), *row;
        CHECK(json_array_size(logs) == 3);
        long long first = 1LL << 62;
        size_t i;
        json_array_foreach(logs, i, row) if (gfdx_rows_int(row, "id") < first) first = gfdx_rows_int(row, "id");
        json_array_foreach(logs, i, row) { /* ids given by the serial default, in append order */
            char note[24];
            snprintf(note, sizeof note, "n%lld", gfdx_rows_int(row, "id") - first + 1);
            CHECK_STR_EQ(gfdx_rows_str(row, "note"), note);
            CHECK_STR_EQ(gfdx_rows_str(row, "value"), "\\x0102");
        }
        json_decref(logs);
        CHECK_STR_EQ(gfdx_rows_str(get1(rs, &once, "e1"), "note"), "first"); /* ON CONFLICT DO NOTHING */
        CHECK_STR_EQ(gfdx_rows_str(get1(rs, &once, "e2"), "note"), "second");
    }
    sql(db, "COMMIT");
    gfdx_rowset_free(rs);
    PQfinish(db);
}

static void check_roundtrip(const char *conninfo)
{
    PGconn *db = connect_to(conninfo, "rs_test");
    sql(db, "SET TimeZone TO 'Asia/Shanghai'");
    gfdx_rowset *rs = gfdx_rowset_new();
    sql(db, "BEGIN");
    const char *ids[] = {"i1", "i2", "i9", "i1"};
    for (size_t i = 0; i < 4; i++)
        CHECK(gfdx_rowset_want(rs, &item, "item_id", ids[i]) == 0);
    CHECK(gfdx_rowset_want(rs, &item, "grp", "g2") == 0 && gfdx_rowset_want(rs, &pair, "a", "p") == 0);
    CHECK(gfdx_rowset_want(rs, &once, "event_id", "e1") == 0 && gfdx_rowset_want(rs, &pub, "uscc", "U1") == 0);
    CHECK(gfdx_rowset_want(rs, &pub_opt, "x", "y") == 0);
    size_t before = gfdx_rowset_statements(rs);
    if (load(rs, db) == 0) {
        /* item by item_id and by grp, pair, once_log, pub; pub_opt: its existence check only */
        CHECK_MSG(gfdx_rowset_statements(rs) - before == 6, "%zu load statements", gfdx_rowset_statements(rs) - before);
        check_loaded(rs);
        decide(rs);
        const gfdx_table *tables[] = {&item, &pair, &logt, &once};
        before = gfdx_rowset_statements(rs);
        CHECK(write(rs, db, tables, 4) == 0);
        /* item: one DELETE (i2), one upsert (i1, i4); pair: one upsert; log, once_log: one INSERT each */
        CHECK_MSG(gfdx_rowset_statements(rs) - before == 5, "%zu write statements", gfdx_rowset_statements(rs) - before);
        gfdx_rowset_settle(rs);
        CHECK(json_array_size(gfdx_rows_appended(rs, &logt)) == 0);
        before = gfdx_rowset_statements(rs);
        CHECK(write(rs, db, tables, 4) == 0); /* nothing changed: nothing to write */
        CHECK(gfdx_rowset_statements(rs) == before);
    }
    sql(db, "COMMIT");
    gfdx_rowset_free(rs);
    PQfinish(db);
    check_written(conninfo);
}

static void check_errors(const char *conninfo)
{
    PGconn *db = connect_to(conninfo, "rs_test"), *other = connect_to(conninfo, "rs_test");
    gfdx_rowset *rs = gfdx_rowset_new();
    /* a required READ table that is not there yet: transient, and says whose it is */
    sql(db, "BEGIN");
    CHECK(gfdx_rowset_want(rs, &pub_req, "uscc", "U1") == 0);
    CHECK(gfdx_rowset_load(rs, db, err, sizeof err, &transient) == -1);
    CHECK_MSG(transient && strstr(err, "absent_svc.pub") && strstr(err, "service absent_svc") &&
                  strstr(err, "not there yet"), "transient %d: %s", transient, err);
    printf("error (transient %d): %s\n", transient, err);
    sql(db, "ROLLBACK");
    gfdx_rowset_free(rs);
    /* a row locked by another transaction, lock_timeout: transient (55P03) */
    rs = gfdx_rowset_new();
    sql(other, "BEGIN");
    sql(other, "SELECT 1 FROM item WHERE item_id = 'i3' FOR UPDATE");
    sql(db, "BEGIN");
    sql(db, "SET LOCAL lock_timeout = '200ms'");
    CHECK(gfdx_rowset_want(rs, &item, "item_id", "i3") == 0);
    CHECK(gfdx_rowset_load(rs, db, err, sizeof err, &transient) == -1);
    CHECK_MSG(transient && strstr(err, "lock"), "transient %d: %s", transient, err);
    printf("error (transient %d): %s\n", transient, err);
    sql(db, "ROLLBACK");
    sql(other, "ROLLBACK");
    gfdx_rowset_free(rs);
    /* a CHECK violation: permanent, with the server's message */
    rs = gfdx_rowset_new();
    const gfdx_table *tables[] = {&checked};
    sql(db, "BEGIN");
    CHECK(gfdx_rows_put(rs, &checked, json_pack("{s:s,s:i}", "k", "a", "v", -1)) == 0);
    CHECK(gfdx_rowset_write(rs, db, tables, 1, err, sizeof err, &transient) == -1);
    CHECK_MSG(!transient && strstr(err, "checked_v_check") && strstr(err, "putting into checked"), "transient %d: %s",
              transient, err);
    printf("error (transient %d): %s\n", transient, err);
    sql(db, "ROLLBACK");
    /* a change to a table the caller does not write is refused, not lost */
    CHECK(gfdx_rowset_write(rs, db, NULL, 0, err, sizeof err, &transient) == -1);
    CHECK_MSG(!transient && strstr(err, "not among the tables written"), "%s", err);
    gfdx_rowset_free(rs);
    PQfinish(other);
    PQfinish(db);
}

/* ---- bench ---- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const gfdx_table bneed = {
    .name = "need", .kind = GFDX_TABLE_STATE, .key = {"need_id"},
    .columns = "need_id,uscc,factory_name,province,city,district,project_name,project_kind,total_investment,"
               "equity,financing_amount,status,is_major,quarter,priority_tags,revision,snapshot,submitted_at,updated_at"};
static const gfdx_table blog = {.name = "message_log", .kind = GFDX_TABLE_HISTORY,
                                .columns = "topic,partition,offset,event_id,sender,record_type,fingerprint,"
                                           "value_sha256,outcome,key,value"};

static json_t *bench_need(int i, const char *status)
{
    char id[40];
    snprintf(id, sizeof id, "need-%08d", i);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:s,s:b,s:s,s:[s,s],s:i,s:{s:s,s:s,s:i},s:o,s:o}",
                     "need_id", id, "uscc", "91350100M000100Y43", "factory_name", "某某绿色制造有限公司", "province",
                     "310000", "city", "310100", "district", "310104", "project_name", "光伏屋顶改造项目",
                     "project_kind", "PV", "total_investment", (json_int_t)500000000, "equity",
                     (json_int_t)100000000, "financing_amount", (json_int_t)400000000, "status", status, "is_major",
                     i % 2, "quarter", "2026Q4", "priority_tags", "green", "major", "revision", 1, "snapshot",
                     "need_id", id, "note", "a snapshot of the need body", "n", i, "submitted_at",
                     gfdx_rows_time(1796119200123LL + i), "updated_at", gfdx_rows_time(1796119200123LL + i));
}

static json_t *bench_log(int i, const unsigned char *value, size_t len)
{
    char ev[40];
    snprintf(ev, sizeof ev, "ev-%08d", i);
    return json_pack("{s:s,s:i,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "topic", "gfdx.needs", "partition", 0, "offset",
                     (json_int_t)i, "event_id", ev, "sender", "prov-310000", "record_type", "NeedSubmitted",
                     "fingerprint", "0123456789abcdef", "value_sha256",
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "outcome", "APPLIED", "key",
                     gfdx_rows_bytea(ev, strlen(ev)), "value", gfdx_rows_bytea(value, len));
}

/* One timed write of n rows in its own transaction: kind 0 = need insert, 1 = need update
 * (loaded FOR UPDATE first, load timed separately), 2 = message_log append. */
static double bench_once(PGconn *db, int kind, int base, int n, double *load_ms)
{
    static unsigned char value[1536];
    for (size_t i = 0; i < sizeof value; i++)
        value[i] = (unsigned char)(i * 7 + 3);
    gfdx_rowset *rs = gfdx_rowset_new();
    sql(db, "BEGIN");
    if (kind == 1) {
        char id[40];
        for (int i = 0; i < n; i++) {
            snprintf(id, sizeof id, "need-%08d", base + i);
            CHECK(gfdx_rowset_want(rs, &bneed, "need_id", id) == 0);
        }
        double t0 = now_ms();
        CHECK(load(rs, db) == 0);
        *load_ms = now_ms() - t0;
    }
    for (int i = 0; i < n; i++)
        CHECK((kind == 2 ? gfdx_rows_append(rs, &blog, bench_log(base + i, value, sizeof value))
                         : gfdx_rows_put(rs, &bneed, bench_need(base + i, kind ? "APPROVED" : "SUBMITTED"))) == 0);
    const gfdx_table *tables[] = {&bneed, &blog};
    double t0 = now_ms();
    CHECK(write(rs, db, tables, 2) == 0);
    double ms = now_ms() - t0;
    sql(db, "COMMIT");
    gfdx_rowset_free(rs);
    return ms;
}

/* Baseline: the same n appends as n one-row writes (a statement per record) in one transaction. */
static double bench_per_row(PGconn *db, int base, int n)
{
    static unsigned char value[1536];
    const gfdx_table *tables[] = {&blog};
    sql(db, "BEGIN");
    double t0 = now_ms();
    for (int i = 0; i < n; i++) {
        gfdx_rowset *rs = gfdx_rowset_new();
        CHECK(gfdx_rows_append(rs, &blog, bench_log(base + i, value, sizeof value)) == 0);
        CHECK(write(rs, db, tables, 1) == 0);
        gfdx_rowset_free(rs);
    }
    double ms = now_ms() - t0;
    sql(db, "COMMIT");
    return ms;
}

static long long count_rows(PGconn *db, const char *q)
{
    PGresult *r = PQexec(db, q);
    long long n = PQresultStatus(r) == PGRES_TUPLES_OK ? atoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void bench(const char *conninfo, int n)
{
    enum { ROUNDS = 7 };
    PGconn *db = connect_to(conninfo, "rs_bench");
    double w[3][ROUNDS], l[ROUNDS], unused;
    for (int r = 0; r < ROUNDS; r++) {
        w[0][r] = bench_once(db, 0, r * n, n, &unused);
        w[1][r] = bench_once(db, 1, r * n, n, &l[r]);
        w[2][r] = bench_once(db, 2, r * n, n, &unused);
    }
    const char *what[] = {"need put (INSERT ... ON CONFLICT, new rows)", "need put (ON CONFLICT DO UPDATE)",
                          "message_log append (1.5 KB bytea value)"};
    for (int k = 0; k < 3; k++) {
        qsort(w[k], ROUNDS, sizeof w[k][0], cmp_double);
        printf("rowset write, %d rows, %s: median %.1f ms, min %.1f ms, max %.1f ms (%d rounds)\n", n, what[k],
               w[k][ROUNDS / 2], w[k][0], w[k][ROUNDS - 1], ROUNDS);
    }
    qsort(l, ROUNDS, sizeof l[0], cmp_double);
    printf("rowset load FOR UPDATE, %d need rows by key: median %.1f ms, min %.1f ms\n", n, l[ROUNDS / 2], l[0]);
    double per_row = bench_per_row(db, ROUNDS * n, n);
    printf("baseline: the same %d appends as %d one-row writes: %.1f ms (%.1fx the batched write)\n", n, n, per_row,
           per_row / w[2][ROUNDS / 2]);
    CHECK(count_rows(db, "SELECT count(*) FROM need WHERE status = 'APPROVED'") == (long long)ROUNDS * n);
    CHECK(count_rows(db, "SELECT count(*) FROM message_log WHERE octet_length(value) = 1536") ==
          (long long)(ROUNDS + 1) * n);
    PQfinish(db);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s roundtrip|bench CONNINFO [ROWS]\n", argv[0]);
        return 2;
    }
    if (!strcmp(argv[1], "bench")) {
        bench(argv[2], argc > 3 ? atoi(argv[3]) : 500);
        return CHECK_DONE();
    }
    check_identity(argv[2]);
    check_roundtrip(argv[2]);
    check_errors(argv[2]);
    return CHECK_DONE();
}
