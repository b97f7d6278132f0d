/* test_intake_remind.c: gfdx-intake's deadline reminder (intake_remind.h) without a
 * database: when a quarter's deadline is due for a reminder (working days of the shipped 2026
 * calendar, holidays and make-up days included), and the decision: one reminder per authority
 * with its needs and their ageing, on the authority's own receipts topic, in parts of 500,
 * never twice in a quarter, again in the next quarter. */
#include "avro_serde.h"
#include "check.h"
#include "intake_remind.h"
#include "outbox.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static gfdx_context ctx = {.service_participant = "miit", .max_message_bytes = 1 << 20,
                           .receipts_prefix = "gfdx.receipts."};

static int64_t china_ms(int y, int mo, int d, int h)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h};
    return ((int64_t)timegm(&tm) - 8 * 3600) * 1000;
}

static void expect_due(int y, int m, int d, int h, int days, int want, int64_t left)
{
    intake_due_quarter q;
    memset(&q, 0, sizeof q);
    int got = intake_remind_due(ctx.calendar, china_ms(y, m, d, h), days, &q);
    CHECK_MSG(got == want && (!want || q.days_left == left), "%04d-%02d-%02d %02d:00 days=%d: got %d left %lld, want %d left %lld",
              y, m, d, h, days, got, (long long)q.days_left, want, (long long)left);
}

static void test_due(void)
{
    expect_due(2026, 3, 25, 10, 3, 0, 0);  /* Wed: 26, 27, 30, 31 left */
    expect_due(2026, 3, 26, 10, 3, 1, 3);  /* Thu: 27, 30, 31 */
    expect_due(2026, 3, 31, 23, 3, 1, 0);  /* the deadline itself, late evening China time */
    expect_due(2026, 4, 1, 0, 3, 0, 0);    /* 2026Q2 has begun: its deadline is far */
    expect_due(2026, 3, 26, 10, 0, 0, 0);  /* 0: reminders off */
    /* 2026Q3 ends Wed 30 Sep; 中秋 25-27 Sep off: from Tue 22 Sep, 23 24 28 29 30 are left */
    expect_due(2026, 9, 22, 9, 5, 1, 5);
    expect_due(2026, 9, 21, 9, 5, 0, 0);
    intake_due_quarter q;
    CHECK(intake_remind_due(ctx.calendar, china_ms(2026, 3, 30, 9), 5, &q) == 1);
    CHECK_STR_EQ(q.quarter, "2026Q1");
    CHECK_STR_EQ(q.deadline, "2026-03-31");
}

/* An approved need of authority, approved at the given China date. */
static void add_pending(json_t *pending, const char *id, const char *authority, int64_t approved)
{
    json_array_append_new(pending, json_pack("{s:s, s:s, s:s, s:I, s:b, s:s, s:I}", "need_id", id, "factory_name",
                                             "某某绿色工厂有限公司", "project_name", "节能改造", "financing_amount",
                                             (json_int_t)500000000, "is_major", 0, "authority", authority,
                                             "approved_at_ms", (json_int_t)approved));
}

/* The i-th staged outbox record, decoded (caller json_decref()s), its topic and key. */
static json_t *emitted(const gfdx_rowset *rs, size_t i, const char **topic, char key[64])
{
    const json_t *row = json_array_get(gfdx_rows_appended(rs, &gfdx_outbox_table), i);
    size_t vlen = 0, klen = 0;
    unsigned char *v = row ? gfdx_rows_bytea_bytes(json_object_get(row, "value"), &vlen) : NULL;
    unsigned char *k = row ? gfdx_rows_bytea_bytes(json_object_get(row, "key"), &klen) : NULL;
    json_t *out = NULL;
    char err[256];
    if (v && k && klen < 64 && gfdx_serde_decode(ctx.catalog, v, vlen, &out, NULL, err, sizeof err) == GFDX_SERDE_OK) {
        memcpy(key, k, klen);
        key[klen] = '\0';
        *topic = gfdx_rows_str(row, "topic");
    }
    free(v);
    free(k);
    return out;
}

static size_t staged(const gfdx_rowset *rs) { return json_array_size(gfdx_rows_appended(rs, &gfdx_outbox_table)); }

static int decide(gfdx_rowset *rs, const intake_due_quarter *q, const json_t *pending, int64_t now)
{
    char err[512] = "";
    bool transient = false;
    ctx.now_ms = now;
    gfdx_watch w = {.ctx = &ctx, .rows = rs, .err = err, .errlen = sizeof err, .transient = &transient};
    int rc = intake_remind_decide(&w, q, pending);
    CHECK_MSG(rc == 0, "decide: %s", err);
    return rc;
}

static void test_decide(void)
{
    intake_due_quarter q;
    int64_t now = china_ms(2026, 3, 26, 10);
    CHECK(intake_remind_due(ctx.calendar, now, 3, &q) == 1);
    json_t *pending = json_array();
    add_pending(pending, "N-SH-1", "prov-310000", china_ms(2026, 3, 20, 9)); /* Fri: 23 24 25 26 */
    add_pending(pending, "N-SH-2", "prov-310000", china_ms(2026, 3, 25, 9));
    add_pending(pending, "N-DL-1", "prov-210200", china_ms(2026, 3, 24, 9));
    gfdx_rowset *rs = gfdx_rowset_new();
    /* a reminder of the quarter before does not count */
    gfdx_rowset_add(rs, &intake_reminder_table,
                    json_pack("{s:s, s:s, s:s, s:i, s:[s], s:i}", "authority", "prov-310000", "quarter", "2025Q4",
                              "deadline", "2025-12-31", "needs", 1, "need_ids", "OLD", "parts", 1));
    decide(rs, &q, pending, now);
    CHECK(staged(rs) == 2);
    const char *topic = NULL;
    char key[64] = "";
    json_t *r = emitted(rs, 0, &topic, key);
    CHECK(r != NULL);
    CHECK_STR_EQ(topic, "gfdx.receipts.prov-310000");
    CHECK_STR_EQ(key, "prov-310000");
    CHECK_STR_EQ(gfdx_rec_str(r, "authority"), "prov-310000");
    CHECK_STR_EQ(gfdx_rec_str(r, "quarter"), "2026Q1");
    CHECK_STR_EQ(gfdx_rec_str(r, "deadline"), "2026-03-31");
    CHECK(gfdx_rec_int(r, "working_days_left") == 3 && gfdx_rec_int(r, "part_count") == 1);
    json_t *needs = gfdx_rec_get(r, "needs");
    CHECK(json_array_size(needs) == 2);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(needs, 0), "need_id")), "N-SH-1");
    CHECK(json_integer_value(json_object_get(json_array_get(needs, 0), "ageing_working_days")) == 4);
    CHECK(json_integer_value(json_object_get(json_array_get(needs, 1), "ageing_working_days")) == 1);
    CHECK_STR_EQ(gfdx_rec_str(r, "meta.sender"), "miit");
    json_decref(r);
    r = emitted(rs, 1, &topic, key);
    CHECK(r && !strcmp(topic, "gfdx.receipts.prov-210200") && json_array_size(gfdx_rec_get(r, "needs")) == 1);
    json_decref(r);
    const char *k[] = {"prov-310000", "2026Q1"};
    const json_t *row = gfdx_rows_get(rs, &intake_reminder_table, k);
    CHECK(row && gfdx_rows_int(row, "needs") == 2 && gfdx_rows_int(row, "parts") == 1);
    /* the next round of the same quarter: nothing new */
    decide(rs, &q, pending, now + 86400000);
    CHECK(staged(rs) == 2);
    json_decref(pending);
    gfdx_rowset_free(rs);
}

/* 1001 needs of one authority: three parts of 500, 500 and 1, one reminder row. */
static void test_parts(void)
{
    intake_due_quarter q;
    int64_t now = china_ms(2026, 6, 29, 10);
    CHECK(intake_remind_due(ctx.calendar, now, 3, &q) == 1);
    json_t *pending = json_array();
    for (int i = 0; i < 1001; i++) {
        char id[32];
        snprintf(id, sizeof id, "N-%04d", i);
        add_pending(pending, id, "prov-330000", china_ms(2026, 4, 1, 9));
    }
    gfdx_rowset *rs = gfdx_rowset_new();
    decide(rs, &q, pending, now);
    CHECK(staged(rs) == 3);
    size_t sizes[3] = {0};
    for (size_t i = 0; i < 3; i++) {
        const char *topic;
        char key[64];
        json_t *r = emitted(rs, i, &topic, key);
        sizes[i] = r ? json_array_size(gfdx_rec_get(r, "needs")) : 0;
        CHECK(r && gfdx_rec_int(r, "part") == (long long)i + 1 && gfdx_rec_int(r, "part_count") == 3);
        json_decref(r);
    }
    CHECK(sizes[0] == 500 && sizes[1] == 500 && sizes[2] == 1);
    const char *k[] = {"prov-330000", "2026Q2"};
    const json_t *row = gfdx_rows_get(rs, &intake_reminder_table, k);
    CHECK(row && gfdx_rows_int(row, "needs") == 1001 && gfdx_rows_int(row, "parts") == 3 &&
          json_array_size(json_object_get(row, "need_ids")) == 1001);
    json_decref(pending);
    gfdx_rowset_free(rs);
}

int main(void)
{
    char err[512];
    gfdx_calendar *cal = gfdx_calendar_load(GFDX_SOURCE_DIR "/deploy/calendar.cfg", err, sizeof err);
    gfdx_catalog *cat = gfdx_catalog_load(GFDX_SOURCE_DIR "/schemas/avro", err, sizeof err);
    if (!cal || !cat) {
        fprintf(stderr, "fixtures: %s\n", err);
        return 2;
    }
    ctx.calendar = cal;
    ctx.catalog = cat;
    test_due();
    test_decide();
    test_parts();
    gfdx_catalog_free(cat);
    gfdx_calendar_free(cal);
    return CHECK_DONE();
}
