/* test_rowset: the in-memory rowset (common/rowset.h) without a database: add, get by full
 * key (composite too), find by any column (index kept up to date by every change, key order,
 * appended rows seen), put/delete/append with mark/undo restoring exactly the state before
 * (a put over a loaded row, a delete of a put row, appends), settle, the kinds of table a
 * change is for, and the value helpers (timestamps as to_jsonb renders them, bytea). */
#include "check.h"
#include "rowset.h"

#include <errno.h>
#include <stdlib.h>

static const gfdx_table need = {
    .name = "need", .kind = GFDX_TABLE_STATE, .key = {"need_id"}, .columns = "need_id, status, province"};
static const gfdx_table dispatch = {
    .name = "dispatch", .kind = GFDX_TABLE_STATE, .key = {"need_id", "bank"}, .columns = "need_id,bank,amount"};
static const gfdx_table event = {.name = "need_event", .kind = GFDX_TABLE_HISTORY, .columns = "need_id,to_status"};
static const gfdx_table entry = {.name = "district.current_entry", .kind = GFDX_TABLE_READ, .optional = true};

static json_t *need_row(const char *id, const char *status, const char *province)
{
    return json_pack("{s:s, s:s, s:s}", "need_id", id, "status", status, "province", province);
}

static const char *status_of(const gfdx_rowset *rs, const char *id)
{
    const char *k[] = {id};
    return gfdx_rows_str(gfdx_rows_get(rs, &need, k), "status");
}

/* The need_ids of find(need, column = value), joined with ',' (static buffer). */
static const char *find_ids(const gfdx_rowset *rs, const gfdx_table *t, const char *column, const char *value)
{
    static char out[256];
    out[0] = '\0';
    json_t *a = gfdx_rows_find(rs, t, column, value);
    if (!a)
        return "(oom)";
    size_t i;
    json_t *row;
    json_array_foreach(a, i, row) {
        if (i)
            strcat(out, ",");
        strcat(out, gfdx_rows_str(row, "need_id") ? gfdx_rows_str(row, "need_id") : "?");
    }
    json_decref(a);
    return out;
}

static gfdx_rowset *loaded(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(gfdx_rowset_add(rs, &need, need_row("n2", "SUBMITTED", "310000")) == 0);
    CHECK(gfdx_rowset_add(rs, &need, need_row("n1", "APPROVED", "310000")) == 0);
    CHECK(gfdx_rowset_add(rs, &need, need_row("n3", "SUBMITTED", "440000")) == 0);
    return rs;
}

static void test_get_find(void)
{
    gfdx_rowset *rs = loaded();
    CHECK_STR_EQ(status_of(rs, "n1"), "APPROVED");
    const char *missing[] = {"n9"};
    CHECK(gfdx_rows_get(rs, &need, missing) == NULL);
    CHECK(gfdx_rows_get(rs, &dispatch, missing) == NULL); /* a table never seen */
    CHECK_STR_EQ(find_ids(rs, &need, "province", "310000"), "n1,n2"); /* key order */
    CHECK_STR_EQ(find_ids(rs, &need, "status", "SUBMITTED"), "n2,n3");
    CHECK_STR_EQ(find_ids(rs, &need, "status", "PUSHED"), "");
    CHECK_STR_EQ(find_ids(rs, &dispatch, "bank", "icbc"), "");
    /* the index built by those finds follows later changes */
    CHECK(gfdx_rows_put(rs, &need, need_row("n2", "APPROVED", "310000")) == 0);
    CHECK_STR_EQ(find_ids(rs, &need, "status", "SUBMITTED"), "n3");
    CHECK_STR_EQ(find_ids(rs, &need, "status", "APPROVED"), "n1,n2");
    const char *k1[] = {"n1"};
    CHECK(gfdx_rows_delete(rs, &need, k1) == 0);
    CHECK(gfdx_rows_get(rs, &need, k1) == NULL);
    CHECK_STR_EQ(find_ids(rs, &need, "status", "APPROVED"), "n2");
    CHECK_STR_EQ(find_ids(rs, &need, "province", "310000"), "n2");
    /* a re-add of a key with a change pending does not overwrite the change */
    CHECK(gfdx_rowset_add(rs, &need, need_row("n2", "SUBMITTED", "310000")) == 0);
    CHECK_STR_EQ(status_of(rs, "n2"), "APPROVED");
    gfdx_rowset_free(rs);
}

static void test_composite_and_numbers(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(gfdx_rowset_add(rs, &dispatch, json_pack("{s:s,s:s,s:I}", "need_id", "n1", "bank", "icbc", "amount",
                                                   (json_int_t)500)) == 0);
    CHECK(gfdx_rowset_add(rs, &dispatch, json_pack("{s:s,s:s,s:I}", "need_id", "n1", "bank", "boc", "amount",
                                                   (json_int_t)700)) == 0);
    CHECK(gfdx_rowset_add(rs, &dispatch, json_pack("{s:s,s:s,s:I}", "need_id", "n10", "bank", "icbc", "amount",
                                                   (json_int_t)500)) == 0);
    const char *k[] = {"n1", "boc"}, *k2[] = {"n1", "icbc"}, *bad[] = {"n1", "abc"};
    CHECK(gfdx_rows_int(gfdx_rows_get(rs, &dispatch, k), "amount") == 700);
    CHECK(gfdx_rows_int(gfdx_rows_get(rs, &dispatch, k2), "amount") == 500);
    CHECK(gfdx_rows_get(rs, &dispatch, bad) == NULL);
    json_t *a = gfdx_rows_find(rs, &dispatch, "need_id", "n1");
    CHECK(json_array_size(a) == 2);
    CHECK_STR_EQ(gfdx_rows_str(json_array_get(a, 0), "bank"), "boc"); /* (n1,boc) < (n1,icbc) */
    json_decref(a);
    a = gfdx_rows_find(rs, &dispatch, "amount", "500"); /* integers compare as decimal text */
    CHECK(json_array_size(a) == 2);
    json_decref(a);
    gfdx_rowset_free(rs);
}

static void test_undo(void)
{
    gfdx_rowset *rs = loaded();
    gfdx_rows_mark m0 = gfdx_rowset_mark(rs);
    /* accepted record: n1 -> PUSHED, one event */
    CHECK(gfdx_rows_put(rs, &need, need_row("n1", "PUSHED", "310000")) == 0);
    CHECK(gfdx_rows_append(rs, &event, json_pack("{s:s,s:s}", "need_id", "n1", "to_status", "PUSHED")) == 0);
    gfdx_rows_mark m1 = gfdx_rowset_mark(rs);
    CHECK(m1.pos > m0.pos);
    /* refused record: replaces loaded n2, puts new n4 then deletes it, deletes n3, two events */
    CHECK(gfdx_rows_put(rs, &need, need_row("n2", "REJECTED", "310000")) == 0);
    CHECK(gfdx_rows_put(rs, &need, need_row("n4", "SUBMITTED", "310000")) == 0);
    CHECK_STR_EQ(find_ids(rs, &need, "province", "310000"), "n1,n2,n4");
    const char *k4[] = {"n4"}, *k3[] = {"n3"};
    CHECK(gfdx_rows_delete(rs, &need, k4) == 0);
    CHECK(gfdx_rows_delete(rs, &need, k3) == 0);
    CHECK(gfdx_rows_append(rs, &event, json_pack("{s:s,s:s}", "need_id", "n2", "to_status", "REJECTED")) == 0);
    CHECK(gfdx_rows_append(rs, &event, json_pack("{s:s,s:s}", "need_id", "n3", "to_status", "WITHDRAWN")) == 0);
    CHECK(json_array_size(gfdx_rows_appended(rs, &event)) == 3);
    CHECK_STR_EQ(find_ids(rs, &event, "to_status", "WITHDRAWN"), "n3");
    CHECK_STR_EQ(status_of(rs, "n2"), "REJECTED");
    CHECK(status_of(rs, "n3") == NULL);
    gfdx_rowset_undo(rs, m1);
    CHECK_STR_EQ(status_of(rs, "n1"), "PUSHED");
    CHECK_STR_EQ(status_of(rs, "n2"), "SUBMITTED");
    CHECK_STR_EQ(status_of(rs, "n3"), "SUBMITTED");
    CHECK(gfdx_rows_get(rs, &need, k4) == NULL);
    CHECK_STR_EQ(find_ids(rs, &need, "province", "310000"), "n1,n2");
    CHECK_STR_EQ(find_ids(rs, &need, "status", "SUBMITTED"), "n2,n3");
    CHECK(json_array_size(gfdx_rows_appended(rs, &event)) == 1);
    CHECK_STR_EQ(find_ids(rs, &event, "to_status", "WITHDRAWN"), "");
    CHECK_STR_EQ(find_ids(rs, &event, "to_status", "PUSHED"), "n1");
    CHECK(gfdx_rowset_mark(rs).pos == m1.pos);
    /* appends after an undo continue in order */
    CHECK(gfdx_rows_append(rs, &event, json_pack("{s:s,s:s}", "need_id", "n2", "to_status", "APPROVED")) == 0);
    CHECK_STR_EQ(find_ids(rs, &event, "need_id", "n2"), "n2");
    gfdx_rowset_undo(rs, m0);
    CHECK_STR_EQ(status_of(rs, "n1"), "APPROVED");
    CHECK(json_array_size(gfdx_rows_appended(rs, &event)) == 0);
    CHECK_STR_EQ(find_ids(rs, &event, "need_id", "n1"), "");
    gfdx_rowset_undo(rs, m0); /* nothing left to undo */
    CHECK_STR_EQ(status_of(rs, "n1"), "APPROVED");
    gfdx_rowset_free(rs);
}

static void test_settle(void)
{
    gfdx_rowset *rs = loaded();
    const char *k3[] = {"n3"};
    CHECK(gfdx_rows_put(rs, &need, need_row("n1", "PUSHED", "310000")) == 0);
    CHECK(gfdx_rows_delete(rs, &need, k3) == 0);
    CHECK(gfdx_rows_append(rs, &event, json_pack("{s:s,s:s}", "need_id", "n1", "to_status", "PUSHED")) == 0);
    gfdx_rows_mark m = gfdx_rowset_mark(rs);
    gfdx_rowset_settle(rs);
    CHECK(gfdx_rowset_mark(rs).pos == 0);
    CHECK_STR_EQ(status_of(rs, "n1"), "PUSHED");
    CHECK(gfdx_rows_get(rs, &need, k3) == NULL);
    CHECK(json_array_size(gfdx_rows_appended(rs, &event)) == 0);
    CHECK_STR_EQ(find_ids(rs, &event, "need_id", "n1"), "n1"); /* the written event is a row now */
    gfdx_rowset_undo(rs, m); /* a mark from before the settle: nothing to undo */
    CHECK_STR_EQ(status_of(rs, "n1"), "PUSHED");
    CHECK(gfdx_rowset_add(rs, &need, need_row("n3", "SUBMITTED", "440000")) == 0); /* no change pending now */
    CHECK_STR_EQ(status_of(rs, "n3"), "SUBMITTED");
    gfdx_rowset_free(rs);
}

static void test_kinds_and_errors(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    errno = 0;
    CHECK(gfdx_rows_put(rs, &event, json_pack("{s:s}", "need_id", "n1")) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(gfdx_rows_append(rs, &need, need_row("n1", "PUSHED", "1")) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(gfdx_rows_put(rs, &need, json_pack("{s:s}", "status", "PUSHED")) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(gfdx_rows_put(rs, &need, json_string("x")) == -1 && errno == EINVAL);
    CHECK(gfdx_rows_put(rs, &entry, json_pack("{s:s}", "need_id", "n1")) == -1);
    CHECK(gfdx_rowset_mark(rs).pos == 0);
    /* a READ table without key columns: rows found by any column, a row added twice kept once */
    CHECK(gfdx_rowset_add(rs, &entry, json_pack("{s:s,s:s}", "uscc", "U1", "kind", "green")) == 0);
    CHECK(gfdx_rowset_add(rs, &entry, json_pack("{s:s,s:s}", "kind", "green", "uscc", "U1")) == 0);
    json_t *a = gfdx_rows_find(rs, &entry, "uscc", "U1");
    CHECK(json_array_size(a) == 1);
    json_decref(a);
    CHECK(json_array_size(gfdx_rows_appended(rs, &event)) == 0);
    gfdx_rowset_free(rs);
    gfdx_rowset_free(NULL);
}

static void test_many(void)
{
    /* a few thousand rows: finds stay correct after many puts (and fast: the index) */
    gfdx_rowset *rs = gfdx_rowset_new();
    char id[16], prov[16];
    for (int i = 0; i < 3000; i++) {
        snprintf(id, sizeof id, "n%05d", i);
        snprintf(prov, sizeof prov, "p%d", i % 30);
        CHECK(gfdx_rowset_add(rs, &need, need_row(id, "SUBMITTED", prov)) == 0);
    }
    size_t found = 0, expected = 0;
    for (int i = 0; i < 3000; i++) {
        snprintf(prov, sizeof prov, "p%d", i % 30);
        json_t *a = gfdx_rows_find(rs, &need, "province", prov);
        found += json_array_size(a);
        expected += (size_t)((2999 - i) / 30 + 1); /* rows i.. of that province: 0..i-1 moved */
        json_decref(a);
        snprintf(id, sizeof id, "n%05d", i);
        CHECK(gfdx_rows_put(rs, &need, need_row(id, "APPROVED", "moved")) == 0);
    }
    CHECK_MSG(found == expected, "%zu rows found, %zu expected", found, expected);
    json_t *a = gfdx_rows_find(rs, &need, "province", "moved");
    CHECK(json_array_size(a) == 3000);
    CHECK_STR_EQ(gfdx_rows_str(json_array_get(a, 0), "need_id"), "n00000");
    json_decref(a);
    a = gfdx_rows_find(rs, &need, "province", "p3");
    CHECK(json_array_size(a) == 0);
    json_decref(a);
    gfdx_rowset_free(rs);
}

static void test_values(void)
{
    json_t *t = gfdx_rows_time(1796119200123LL); /* 2026-12-01T10:00:00.123Z */
    CHECK_STR_EQ(json_string_value(t), "2026-12-01T10:00:00.123Z");
    CHECK(gfdx_rows_time_ms(t) == 1796119200123LL);
    json_decref(t);
    t = gfdx_rows_time(-1); /* before the epoch */
    CHECK_STR_EQ(json_string_value(t), "1969-12-31T23:59:59.999Z");
    json_decref(t);
    struct {
        const char *text;
        long long ms;
    } cases[] = {
        {"2026-12-01T10:00:00.123+00:00", 1796119200123LL},
        {"2026-12-01T10:00:00+08:00", 1796119200000LL - 8 * 3600000LL},
        {"2026-12-01T10:00:00.123456+00:00", 1796119200123LL},
        {"2026-12-01T10:00:00.1+00:00", 1796119200100LL},
        {"2026-12-01T10:00:00-03:30", 1796119200000LL + 210 * 60000LL},
        {"2026-12-01T10:00:00+0530", 1796119200000LL - 330 * 60000LL},
        {"2026-12-01T10:00:00+05", 1796119200000LL - 5 * 3600000LL},
        {"2026-12-01 10:00:00Z", 1796119200000LL},
        {"2026-12-01T10:00:00", 1796119200000LL}, /* timestamp without time zone: UTC */
        {"2024-02-29T00:00:00Z", 1709164800000LL},
        {"1970-01-01T00:00:00.000Z", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *v = json_string(cases[i].text);
        CHECK_MSG(gfdx_rows_time_ms(v) == cases[i].ms, "%s: %lld", cases[i].text, (long long)gfdx_rows_time_ms(v));
        json_decref(v);
    }
    const char *bad[] = {"", "2026-12-01", "2026-13-01T10:00:00Z", "2026-12-01T10:00:00.Z", "2026-12-01T10:00:00+8",
                         "2026-12-01T10:00:00Zjunk", "2026-12-01T25:00:00Z", "infinity", "2026-12-01T10:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *v = json_string(bad[i]);
        CHECK_MSG(gfdx_rows_time_ms(v) == -1, "\"%s\" must not parse", bad[i]);
        json_decref(v);
    }
    json_t *n = json_integer(5);
    CHECK(gfdx_rows_time_ms(n) == -1);
    CHECK(gfdx_rows_time_ms(NULL) == -1);
    json_decref(n);
    json_t *b = gfdx_rows_bytea("\x00\x01\xab\xff", 4);
    CHECK_STR_EQ(json_string_value(b), "\\x0001abff");
    size_t len = 99;
    unsigned char *raw = gfdx_rows_bytea_bytes(b, &len);
    CHECK(raw && len == 4 && !memcmp(raw, "\x00\x01\xab\xff", 4));
    free(raw);
    json_decref(b);
    b = gfdx_rows_bytea("", 0);
    CHECK_STR_EQ(json_string_value(b), "\\x");
    raw = gfdx_rows_bytea_bytes(b, &len);
    CHECK(raw && len == 0);
    free(raw);
    json_decref(b);
    const char *not_bytea[] = {"0001", "\\x0", "\\x0g", "\\X00"};
    for (size_t i = 0; i < sizeof not_bytea / sizeof not_bytea[0]; i++) {
        b = json_string(not_bytea[i]);
        CHECK(gfdx_rows_bytea_bytes(b, &len) == NULL);
        json_decref(b);
    }
    CHECK(gfdx_rows_bytea_bytes(NULL, &len) == NULL);
    json_t *row = json_pack("{s:s, s:I, s:f, s:n, s:b}", "s", "text", "i", (json_int_t)1234567890123LL, "r", 12.9,
                            "z", "t", 1);
    CHECK_STR_EQ(gfdx_rows_str(row, "s"), "text");
    CHECK(gfdx_rows_str(row, "i") == NULL);
    CHECK(gfdx_rows_str(row, "none") == NULL);
    CHECK(gfdx_rows_int(row, "i") == 1234567890123LL);
    CHECK(gfdx_rows_int(row, "r") == 12);
    CHECK(gfdx_rows_int(row, "z") == 0);
    CHECK(gfdx_rows_int(row, "none") == 0);
    json_decref(row);
}

int main(void)
{
    test_get_find();
    test_composite_and_numbers();
    test_undo();
    test_settle();
    test_kinds_and_errors();
    test_many();
    test_values();
    return CHECK_DONE();
}
