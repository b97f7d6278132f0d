/* test_namelist_decide: gfdx-namelist's decisions (namelist_decide.h) on an in-memory rowset,
 * no database: the entry and list digests byte-identical to district.entry_digest /
 * list_digest (reference values computed by PostgreSQL 15); a two-part list committed in one
 * batch; a new version diffed against the current entries (changed, unchanged, removed,
 * added: rows closed and opened, counts, content_md5); a refusal in the middle of a batch
 * undone with mark/undo while the records around it apply; a superseded staged version; the
 * owner and authorization refusals before any state; the reports (listed or not, revision). */
#include "check.h"
#include "namelist/namelist.h"
#include "namelist/namelist_decide.h"
#include "namelist/namelist_digest.h"
#include "namelist/namelist_store.h"
#include "outbox.h"
#include "uscc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static namelist_ctx nl;
static gfdx_context ctx;
static const int64_t T0 = 1780000000000LL; /* 2026-05-28: in 2026H1 */

static const gfdx_participant eit = {.id = "d500106-eit", .kind = GFDX_PK_DISTRICT_BUREAU,
                                     .bureau = GFDX_BUREAU_EIT, .region = "500106"};
static const gfdx_participant drc = {.id = "d500106-drc", .kind = GFDX_PK_DISTRICT_BUREAU,
                                     .bureau = GFDX_BUREAU_DRC, .region = "500106"};
static const gfdx_participant eco = {.id = "d500106-eco", .kind = GFDX_PK_DISTRICT_BUREAU,
                                     .bureau = GFDX_BUREAU_ECOLOGY, .region = "500106"};
static const gfdx_participant eco7 = {.id = "d500107-eco", .kind = GFDX_PK_DISTRICT_BUREAU,
                                      .bureau = GFDX_BUREAU_ECOLOGY, .region = "500107"};
static const gfdx_participant fin = {.id = "d500106-fin", .kind = GFDX_PK_DISTRICT_BUREAU,
                                     .bureau = GFDX_BUREAU_FINANCE, .region = "500106"};

/* A valid USCC whose 17 first characters end in n (0-9). */
static const char *uscc(int n)
{
    static char buf[10][19];
    char *s = buf[n % 10];
    snprintf(s, 19, "91500106MA5U0000%d", n % 10);
    gfdx_uscc_check_char(s, &s[17]);
    s[18] = '\0';
    return s;
}

/* Adds the members of extra (stolen) to row. */
static void merge(json_t *row, json_t *extra)
{
    json_object_update(row, extra);
    json_decref(extra);
}

static json_t *entry(const char *key, const char *name, int u)
{
    return json_pack("{s:s, s:s, s:s, s:n, s:n, s:{}}", "entry_key", key, "uscc", uscc(u), "name", name,
                     "project_name", "category_code", "attributes");
}

/* A NameListPublished body of EIT's list L (entries stolen). */
static json_t *published(long long version, const char *mode, int part, int count, json_t *entries, json_t *removed)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:i, s:o, s:o}", "list_id", "L", "kind", "GREEN_FACTORY",
                     "region", "500106", "title", "绿色工厂", "version", (json_int_t)version, "mode", mode, "part",
                     part, "part_count", count, "entries", entries, "removed_keys", removed ? removed : json_array());
}

typedef struct {
    gfdx_record rec;
    gfdx_decision d;
    char eid[32];
} run_t;

static int seq;

/* Decides body (stolen) of type from sender as the pipeline does: mark, decide, undo unless OK. */
static gfdx_verdict decide(gfdx_rowset *rs, gfdx_decide_fn fn, const char *type, const gfdx_participant *who,
                           json_t *body, run_t *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->eid, sizeof r->eid, "ev-%d", ++seq);
    r->rec = (gfdx_record){.topic = "gfdx.namelists", .key = json_string_value(json_object_get(body, "list_id")),
                           .body = body, .type = type, .event_id = r->eid, .sender_id = who->id,
                           .occurred_at = T0 + seq * 1000};
    r->d = (gfdx_decision){.rec = &r->rec, .sender = who, .ctx = &ctx, .rows = rs};
    gfdx_rows_mark m = gfdx_rowset_mark(rs);
    gfdx_verdict v = fn(&r->d);
    if (v != GFDX_DECIDE_OK)
        gfdx_rowset_undo(rs, m);
    json_decref(body);
    return v;
}

static gfdx_verdict publish(gfdx_rowset *rs, const gfdx_participant *who, json_t *body, run_t *r)
{
    return decide(rs, namelist_decide_published, "NameListPublished", who, body, r);
}

static const json_t *get1(gfdx_rowset *rs, const gfdx_table *t, const char *a)
{
    const char *k[] = {a};
    return gfdx_rows_get(rs, t, k);
}

static const json_t *get3(gfdx_rowset *rs, const gfdx_table *t, const char *a, const char *b, const char *c)
{
    const char *k[] = {a, b, c};
    return gfdx_rows_get(rs, t, k);
}

static size_t count(gfdx_rowset *rs, const gfdx_table *t)
{
    json_t *a = gfdx_rows_find(rs, t, "list_id", "L");
    size_t n = json_array_size(a);
    json_decref(a);
    return n;
}

static size_t outbox_count(gfdx_rowset *rs, const char *type)
{
    size_t i, n = 0;
    const json_t *r;
    json_array_foreach(gfdx_rows_appended(rs, &gfdx_outbox_table), i, r) n += !strcmp(gfdx_rows_str(r, "record_type"),
                                                                                        type);
    return n;
}

static const json_t *last_version(gfdx_rowset *rs)
{
    const json_t *a = gfdx_rows_appended(rs, &namelist_t_version);
    return json_array_size(a) ? json_array_get(a, json_array_size(a) - 1) : NULL;
}

/* The entry version (L, key, valid_from): as put in the open table (loaded, or closed in this
 * batch), else as appended by a commit. */
static const json_t *open_row(gfdx_rowset *rs, const char *key, const char *vf)
{
    const char *k[] = {"L", key, vf};
    const json_t *r = gfdx_rows_get(rs, &namelist_t_open, k);
    if (r)
        return r;
    const json_t *a = gfdx_rows_appended(rs, &namelist_t_opened);
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *x = json_array_get(a, i);
        if (!strcmp(gfdx_rows_str(x, "entry_key"), key) && gfdx_rows_int(x, "valid_from") == atoll(vf))
            return x;
    }
    return NULL;
}

static void test_digests(void)
{
    char d[NAMELIST_DIGEST_LEN + 1];
    json_t *e = json_pack("{s:s, s:s, s:n, s:n, s:{}}", "uscc", "91500106MA5U00000Q", "name", "绿色工厂 \"A\"",
                          "project_name", "category_code", "attributes");
    CHECK(namelist_entry_digest(e, d) == 0);
    CHECK_STR_EQ(d, "b5ac553424d20ae18ca82df487aa6774");
    json_decref(e);
    e = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "uscc", "91500106MA5U00000Q", "name", "n",
                  "project_name", "项目", "category_code", "1.2.3", "attributes", "批次", "第一批", "b", "x\\y", "aa",
                  "tab\there", "级别", "国家级");
    char *text = namelist_attributes_text(json_object_get(e, "attributes"));
    CHECK_STR_EQ(text, "{\"b\": \"x\\\\y\", \"aa\": \"tab\\there\", \"批次\": \"第一批\", \"级别\": \"国家级\"}");
    free(text);
    CHECK(namelist_entry_digest(e, d) == 0);
    CHECK_STR_EQ(d, "43d583019f11248013c68aa32d1b8ab4");
    json_decref(e);
    namelist_item items[] = {{"b", "d2"}, {"a", "d1"}, {"B", "d3"}, {"é", "d4"}};
    CHECK(namelist_list_digest(items, 4, d) == 0);
    CHECK_STR_EQ(d, "49ef2567bdeb368327aeab4c977c8cfc");
    CHECK(namelist_list_digest(NULL, 0, d) == 0);
    CHECK_STR_EQ(d, "d41d8cd98f00b204e9800998ecf8427e");
}

/* The list digest of entries (as published) computed by the digest functions. */
static void expected_md5(json_t *entries, char out[NAMELIST_DIGEST_LEN + 1])
{
    size_t n = json_array_size(entries), i;
    namelist_item *items = calloc(n + 1, sizeof *items);
    char (*dg)[NAMELIST_DIGEST_LEN + 1] = calloc(n + 1, sizeof *dg);
    json_t *e;
    json_array_foreach(entries, i, e) {
        namelist_entry_digest(e, dg[i]);
        items[i] = (namelist_item){json_string_value(json_object_get(e, "entry_key")), dg[i]};
    }
    namelist_list_digest(items, n, out);
    free(items);
    free(dg);
}

/* Two parts of version 1 in one batch: staged, then committed by the second. */
static void test_two_parts(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    run_t r;
    CHECK(publish(rs, &eit, published(1, "FULL", 1, 2, json_pack("[o, o]", entry("A", "a", 1), entry("B", "b", 2)),
                                      NULL), &r) == GFDX_DECIDE_OK);
    CHECK(get1(rs, &namelist_t_list, "L") == NULL);
    CHECK_STR_EQ(gfdx_rows_str(get1(rs, &namelist_t_owner, "L"), "publisher"), "d500106-eit");
    CHECK(count(rs, &namelist_t_part) == 1 && count(rs, &namelist_t_entry) == 2);
    CHECK(get3(rs, &namelist_t_entry, "L", "1", "B") != NULL);
    CHECK(outbox_count(rs, "NameListChanged") == 0);
    CHECK(publish(rs, &eit, published(1, "FULL", 2, 2, json_pack("[o]", entry("C", "c", 3)), NULL), &r) ==
          GFDX_DECIDE_OK);
    const json_t *l = get1(rs, &namelist_t_list, "L");
    CHECK(gfdx_rows_int(l, "current_version") == 1 && gfdx_rows_int(l, "entry_count") == 3);
    CHECK_STR_EQ(gfdx_rows_str(l, "publisher_bureau"), gfdx_bureau_name(GFDX_BUREAU_EIT));
    CHECK(gfdx_rows_time_ms(json_object_get(l, "effective_at")) == r.rec.occurred_at);
    CHECK(count(rs, &namelist_t_part) == 0 && count(rs, &namelist_t_entry) == 0 && count(rs, &namelist_t_opened) == 3);
    CHECK_STR_EQ(gfdx_rows_str(open_row(rs, "C", "1"), "uscc"), uscc(3));
    const json_t *v = last_version(rs);
    char md5[NAMELIST_DIGEST_LEN + 1];
    json_t *all = json_pack("[o, o, o]", entry("A", "a", 1), entry("B", "b", 2), entry("C", "c", 3));
    expected_md5(all, md5);
    json_decref(all);
    CHECK_STR_EQ(gfdx_rows_str(v, "content_md5"), md5);
    CHECK(gfdx_rows_int(v, "added") == 3 && gfdx_rows_int(v, "entry_count") == 3 &&
          gfdx_rows_int(v, "part_count") == 2 && json_is_null(json_object_get(v, "previous_version")));
    CHECK(json_array_size(json_object_get(v, "event_ids")) == 2);
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(v, "event_ids"), 1)), r.eid);
    CHECK(outbox_count(rs, "NameListChanged") == 1);
    gfdx_rowset_free(rs);
}

/* Loads version 1 of L (A, B, C) into rs as the database would hold it. */
static void load_v1(gfdx_rowset *rs)
{
    gfdx_rowset_add(rs, &namelist_t_list,
                    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:o}", "list_id", "L", "kind",
                              "GREEN_FACTORY", "region", "500106", "title", "t", "publisher", "d500106-eit",
                              "publisher_bureau", "eit", "current_version", 1, "current_mode", "FULL", "entry_count", 3,
                              "effective_at", gfdx_rows_time(T0)));
    gfdx_rowset_add(rs, &namelist_t_owner, json_pack("{s:s, s:s, s:s, s:s, s:s}", "list_id", "L", "publisher",
                                                     "d500106-eit", "kind", "GREEN_FACTORY", "region", "500106",
                                                     "event_id", "ev-0"));
    const char *keys[] = {"A", "B", "C"};
    for (int i = 0; i < 3; i++) {
        json_t *e = entry(keys[i], keys[i], i + 1);
        char d[NAMELIST_DIGEST_LEN + 1];
        namelist_entry_digest(e, d);
        merge(e, json_pack("{s:s, s:i, s:n, s:o, s:n, s:s}", "list_id", "L", "valid_from", 1, "valid_to",
                                        "valid_from_at", gfdx_rows_time(T0), "valid_to_at", "digest", d));
        gfdx_rowset_add(rs, &namelist_t_open, e);
    }
}

/* FULL version 2: A unchanged, B changed, C removed, D added. */
static void test_diff(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    load_v1(rs);
    run_t r;
    CHECK(publish(rs, &eit, published(2, "FULL", 1, 1, json_pack("[o, o, o]", entry("A", "A", 1),
                                                                  entry("B", "B2", 2), entry("D", "D", 4)), NULL),
                  &r) == GFDX_DECIDE_OK);
    CHECK(json_is_null(json_object_get(open_row(rs, "A", "1"), "valid_to")));
    CHECK(gfdx_rows_int(open_row(rs, "B", "1"), "valid_to") == 2);
    CHECK(gfdx_rows_time_ms(json_object_get(open_row(rs, "B", "1"), "valid_to_at")) == r.rec.occurred_at);
    CHECK_STR_EQ(gfdx_rows_str(open_row(rs, "B", "2"), "name"), "B2");
    CHECK(gfdx_rows_int(open_row(rs, "C", "1"), "valid_to") == 2);
    CHECK(open_row(rs, "C", "2") == NULL && open_row(rs, "A", "2") == NULL);
    CHECK(json_is_null(json_object_get(open_row(rs, "D", "2"), "valid_to")));
    const json_t *v = last_version(rs);
    CHECK(gfdx_rows_int(v, "added") == 1 && gfdx_rows_int(v, "updated") == 1 && gfdx_rows_int(v, "removed") == 1 &&
          gfdx_rows_int(v, "unchanged") == 1 && gfdx_rows_int(v, "entry_count") == 3 &&
          gfdx_rows_int(v, "previous_version") == 1);
    CHECK(gfdx_rows_int(get1(rs, &namelist_t_list, "L"), "current_version") == 2);
    /* a DELTA 3 removing D and updating A; a DELTA removing an unknown key is refused */
    CHECK(publish(rs, &eit, published(3, "DELTA", 1, 1, json_pack("[o]", entry("A", "A3", 1)), json_pack("[s]", "D")),
                  &r) == GFDX_DECIDE_OK);
    CHECK(gfdx_rows_int(get1(rs, &namelist_t_list, "L"), "entry_count") == 2);
    CHECK(gfdx_rows_int(open_row(rs, "D", "2"), "valid_to") == 3);
    CHECK(publish(rs, &eit, published(4, "DELTA", 1, 1, json_array(), json_pack("[s]", "D")), &r) ==
          GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, "UNKNOWN_ENTRY");
    CHECK_STR_EQ(r.d.reason, "list L: removed key \"D\" is not on the list: send a FULL snapshot");
    CHECK(publish(rs, &eit, published(3, "FULL", 1, 1, json_array(), NULL), &r) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, "STALE_VERSION");
    CHECK(outbox_count(rs, "NameListChanged") == 2);
    gfdx_rowset_free(rs);
}

/* Part 1, a refused part 2 (a key of part 1 again), then the right part 2: the refusal leaves
 * nothing, the version commits with the parts that were accepted. */
static void test_refusal_in_the_middle(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    run_t r;
    CHECK(publish(rs, &eit, published(1, "FULL", 1, 2, json_pack("[o]", entry("A", "a", 1)), NULL), &r) ==
          GFDX_DECIDE_OK);
    CHECK(publish(rs, &eit, published(1, "FULL", 2, 2, json_pack("[o, o]", entry("B", "b", 2), entry("A", "a", 1)),
                                      NULL), &r) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, "DUPLICATE_ENTRY");
    CHECK_STR_EQ(r.d.reason, "list L: entry key \"A\" is already in an earlier part of the version");
    CHECK(count(rs, &namelist_t_part) == 1 && count(rs, &namelist_t_entry) == 1);
    CHECK(get3(rs, &namelist_t_entry, "L", "1", "B") == NULL);
    CHECK(publish(rs, &eit, published(1, "FULL", 1, 2, json_pack("[o]", entry("Z", "z", 9)), NULL), &r) ==
          GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, "DUPLICATE_PART");
    CHECK(publish(rs, &eit, published(1, "FULL", 2, 2, json_pack("[o]", entry("B", "b", 2)), NULL), &r) ==
          GFDX_DECIDE_OK);
    CHECK(gfdx_rows_int(get1(rs, &namelist_t_list, "L"), "entry_count") == 2);
    CHECK(gfdx_rows_int(last_version(rs), "part_count") == 2);
    CHECK(json_array_size(gfdx_rows_appended(rs, &namelist_t_version)) == 1);
    gfdx_rowset_free(rs);
}

/* Version 2 staged in part 1 of 2 (loaded); a one-part version 3 supersedes it. */
static void test_superseded(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    load_v1(rs);
    gfdx_rowset_add(rs, &namelist_t_part,
                    json_pack("{s:s, s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:i}", "list_id", "L",
                              "version", 2, "part", 1, "part_count", 2, "mode", "FULL", "kind", "GREEN_FACTORY",
                              "region", "500106", "title", "绿色工厂", "sender", "d500106-eit", "event_id", "ev-x",
                              "occurred_at", gfdx_rows_time(T0), "entries", 1, "removals", 0));
    json_t *e = entry("Q", "q", 5);
    merge(e, json_pack("{s:s, s:i, s:i, s:s}", "list_id", "L", "version", 2, "part", 1, "digest", "x"));
    gfdx_rowset_add(rs, &namelist_t_entry, e);
    run_t r;
    CHECK(publish(rs, &eit, published(3, "FULL", 1, 1, json_pack("[o]", entry("A", "A", 1)), NULL), &r) ==
          GFDX_DECIDE_OK);
    const json_t *ab = json_array_get(gfdx_rows_appended(rs, &namelist_t_abandoned), 0);
    CHECK(gfdx_rows_int(ab, "version") == 2 && gfdx_rows_int(ab, "parts_received") == 1 &&
          gfdx_rows_int(ab, "part_count") == 2 && gfdx_rows_int(ab, "superseded_by") == 3);
    CHECK(count(rs, &namelist_t_part) == 0 && count(rs, &namelist_t_entry) == 0);
    CHECK(gfdx_rows_int(get1(rs, &namelist_t_list, "L"), "current_version") == 3);
    CHECK(gfdx_rows_int(last_version(rs), "removed") == 2);
    gfdx_rowset_free(rs);
}

/* Part `part` of 7 of FULL version 1 of L, with the one entry K<key>. */
static json_t *part_of_7(int part, int key)
{
    char k[8];
    snprintf(k, sizeof k, "K%d", key);
    return published(1, "FULL", part, 7, json_pack("[o]", entry(k, k, key)), NULL);
}

/* A version of 7 parts arriving out of order, with refusals between them (a repeated part, a
 * part whose title differs, a part repeating an earlier part's key): the version commits at
 * its seventh accepted part exactly, never before, with the event ids in part order. The
 * pending version is summarised in memory (namelist_decide.c, find_pending): this is what
 * that summary must keep right, refusals undone included. */
static void test_parts_out_of_order(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    static const int order[] = {3, 1, 7, 5, 2, 6, 4};
    char eids[8][32] = {{0}};
    run_t r;
    for (int i = 0; i < 7; i++) {
        CHECK(get1(rs, &namelist_t_list, "L") == NULL);
        CHECK(publish(rs, &eit, part_of_7(order[i], order[i]), &r) == GFDX_DECIDE_OK);
        snprintf(eids[order[i]], sizeof eids[0], "%s", r.eid);
        if (i == 6)
            break;
        CHECK(count(rs, &namelist_t_part) == (size_t)i + 1);
        if (i == 1) {
            CHECK(publish(rs, &eit, part_of_7(3, 9), &r) == GFDX_DECIDE_REFUSED);
            CHECK_STR_EQ(r.d.reason_code, "DUPLICATE_PART");
        } else if (i == 3) {
            json_t *b = part_of_7(6, 6);
            json_object_set_new(b, "title", json_string("another title"));
            CHECK(publish(rs, &eit, b, &r) == GFDX_DECIDE_REFUSED);
            CHECK_STR_EQ(r.d.reason_code, "PART_MISMATCH");
        } else if (i == 4) {
            CHECK(publish(rs, &eit, part_of_7(6, 5), &r) == GFDX_DECIDE_REFUSED);
            CHECK_STR_EQ(r.d.reason_code, "DUPLICATE_ENTRY");
        }
    }
    const json_t *l = get1(rs, &namelist_t_list, "L");
    CHECK(gfdx_rows_int(l, "current_version") == 1 && gfdx_rows_int(l, "entry_count") == 7);
    CHECK(count(rs, &namelist_t_part) == 0 && count(rs, &namelist_t_entry) == 0);
    const json_t *ids = json_object_get(last_version(rs), "event_ids");
    CHECK(json_array_size(ids) == 7);
    for (int part = 1; part <= 7; part++)
        CHECK_STR_EQ(json_string_value(json_array_get(ids, (size_t)part - 1)), eids[part]);
    /* after the commit nothing is pending (the summary says so, rather than leaving the next
     * version to supersede a committed one): a part of version 1 again is stale, version 2 starts */
    CHECK(gfdx_rows_int(json_object_get(get1(rs, &namelist_t_owner, "L"), "_pending"), "version") == 0);
    CHECK(publish(rs, &eit, part_of_7(4, 4), &r) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, "STALE_VERSION");
    CHECK(publish(rs, &eit, published(2, "FULL", 1, 2, json_pack("[o]", entry("K1", "K1", 1)), NULL), &r) ==
          GFDX_DECIDE_OK);
    CHECK(count(rs, &namelist_t_part) == 1 && gfdx_rows_int(get1(rs, &namelist_t_list, "L"), "current_version") == 1);
    gfdx_rowset_free(rs);
}

/* Staged part `part` of 3 of version 2 of L, as loaded from the database. */
static void load_part(gfdx_rowset *rs, int part, const char *key)
{
    char eid[16];
    snprintf(eid, sizeof eid, "ev-db%d", part);
    gfdx_rowset_add(rs, &namelist_t_part,
                    json_pack("{s:s, s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:i}", "list_id", "L",
                              "version", 2, "part", part, "part_count", 3, "mode", "FULL", "kind", "GREEN_FACTORY",
                              "region", "500106", "title", "绿色工厂", "sender", "d500106-eit", "event_id", eid,
                              "occurred_at", gfdx_rows_time(T0), "entries", 1, "removals", 0));
    json_t *e = entry(key, key, part);
    char d[NAMELIST_DIGEST_LEN + 1];
    namelist_entry_digest(e, d);
    merge(e, json_pack("{s:s, s:i, s:i, s:s}", "list_id", "L", "version", 2, "part", part, "digest", d));
    gfdx_rowset_add(rs, &namelist_t_entry, e);
}

/* Parts 1 and 3 of version 2 staged by earlier batches (loaded, no summary yet): a refused
 * part first (its summary of the staged parts is undone with it), then part 2 commits the
 * version with the loaded parts' event ids. */
static void test_parts_loaded(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    load_v1(rs);
    load_part(rs, 1, "A");
    load_part(rs, 3, "X");
    run_t r;
    CHECK(publish(rs, &eit, published(2, "FULL", 3, 3, json_pack("[o]", entry("Y", "Y", 4)), NULL), &r) ==
          GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, "DUPLICATE_PART");
    CHECK(json_object_get(get1(rs, &namelist_t_owner, "L"), "_pending") == NULL);
    CHECK(publish(rs, &eit, published(2, "DELTA", 2, 3, json_pack("[o]", entry("B", "B", 2)), NULL), &r) ==
          GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, "PART_MISMATCH");
    CHECK(publish(rs, &eit, published(2, "FULL", 2, 3, json_pack("[o]", entry("B", "B", 2)), NULL), &r) ==
          GFDX_DECIDE_OK);
    const json_t *v = last_version(rs);
    CHECK(gfdx_rows_int(v, "version") == 2 && gfdx_rows_int(v, "entry_count") == 3 && gfdx_rows_int(v, "added") == 1 &&
          gfdx_rows_int(v, "removed") == 1 && gfdx_rows_int(v, "unchanged") == 2);
    const json_t *ids = json_object_get(v, "event_ids");
    CHECK(json_array_size(ids) == 3);
    CHECK_STR_EQ(json_string_value(json_array_get(ids, 0)), "ev-db1");
    CHECK_STR_EQ(json_string_value(json_array_get(ids, 1)), r.eid);
    CHECK_STR_EQ(json_string_value(json_array_get(ids, 2)), "ev-db3");
    gfdx_rowset_free(rs);
}

/* The load hook on records (bodies borrowed): true when it marked list L as loaded by key. */
static bool loads_by_key(json_t *const *bodies, size_t n)
{
    gfdx_record recs[4];
    const gfdx_record *p[4];
    for (size_t i = 0; i < n; i++) {
        recs[i] = (gfdx_record){.type = "NameListPublished", .body = bodies[i]};
        p[i] = &recs[i];
    }
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(namelist_store_load(&nl, rs, p, n) == 0);
    bool marked = get1(rs, &namelist_t_by_key, "L") != NULL;
    gfdx_rowset_free(rs);
    return marked;
}

/* A list's current entries are loaded whole only for a batch that may commit it (its last
 * part, or a list a commit asked for); a commit in a batch that loaded them by key fails
 * transiently and asks for them; the retry loads them whole, once. */
static void test_load_whole(void)
{
    json_t *b[2] = {published(2, "FULL", 1, 3, json_array(), NULL), published(2, "FULL", 2, 3, json_array(), NULL)};
    CHECK(loads_by_key(b, 2));
    json_t *last = published(2, "FULL", 3, 3, json_array(), NULL);
    CHECK(!loads_by_key(&last, 1));
    json_decref(b[1]);
    b[1] = last;
    CHECK(!loads_by_key(b, 2));
    /* parts 1 and 3 staged earlier (part 3 first: it came early), part 2 in a batch loaded by key */
    gfdx_rowset *rs = gfdx_rowset_new();
    load_v1(rs);
    load_part(rs, 1, "A");
    load_part(rs, 3, "X");
    gfdx_rowset_add(rs, &namelist_t_by_key, json_pack("{s:s}", "list_id", "L"));
    run_t r;
    CHECK(publish(rs, &eit, published(2, "FULL", 2, 3, json_pack("[o]", entry("B", "B", 2)), NULL), &r) ==
          GFDX_DECIDE_FAILED);
    CHECK(r.d.transient);
    CHECK(json_object_get(nl.load_whole, "L") != NULL);
    CHECK(last_version(rs) == NULL && get3(rs, &namelist_t_entry, "L", "2", "B") == NULL);
    gfdx_rowset_free(rs);
    json_t *part2 = published(2, "FULL", 2, 3, json_array(), NULL);
    CHECK(!loads_by_key(&part2, 1));
    CHECK(json_object_get(nl.load_whole, "L") == NULL);
    CHECK(loads_by_key(&part2, 1));
    json_decref(part2);
    json_decref(b[0]);
    json_decref(b[1]);
    /* loaded by key: a DELTA part's removals are still checked against the entries loaded */
    rs = gfdx_rowset_new();
    load_v1(rs);
    gfdx_rowset_add(rs, &namelist_t_by_key, json_pack("{s:s}", "list_id", "L"));
    CHECK(publish(rs, &eit, published(2, "DELTA", 1, 2, json_array(), json_pack("[s]", "Q")), &r) ==
          GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, "UNKNOWN_ENTRY");
    CHECK(publish(rs, &eit, published(2, "DELTA", 1, 2, json_array(), json_pack("[s]", "B")), &r) == GFDX_DECIDE_OK);
    gfdx_rowset_free(rs);
}

/* Authorization and ownership are checked before anything is staged or bound. */
static void test_refused_before_state(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    run_t r;
    CHECK(publish(rs, &eco, published(1, "FULL", 1, 1, json_pack("[o]", entry("A", "a", 1)), NULL), &r) ==
          GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, "UNAUTHORIZED_SENDER");
    CHECK(get1(rs, &namelist_t_owner, "L") == NULL && count(rs, &namelist_t_part) == 0);
    load_v1(rs);
    json_t *b = published(2, "FULL", 1, 1, json_array(), NULL);
    json_object_set_new(b, "kind", json_string("GREEN_ENTERPRISE")); /* drc may publish those */
    CHECK(publish(rs, &drc, b, &r) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, "UNAUTHORIZED_SENDER");
    CHECK_STR_EQ(r.d.reason, "list L is published by d500106-eit, not d500106-drc");
    b = published(2, "FULL", 1, 1, json_array(), NULL);
    json_object_set_new(b, "kind", json_string("GREEN_PARK"));
    CHECK(publish(rs, &eit, b, &r) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, "LIST_MISMATCH");
    CHECK(count(rs, &namelist_t_part) == 0 && gfdx_rows_int(get1(rs, &namelist_t_list, "L"), "current_version") == 1);
    gfdx_rowset_free(rs);
}

static json_t *carbon(const char *key, double co2)
{
    return json_pack("{s:s, s:s, s:s, s:f, s:n, s:I, s:n}", "list_id", "L", "entry_key", key, "period", "2026H1",
                     "co2_reduction_t", co2, "energy_saving_tce", "climate_finance", (json_int_t)0, "climate_finance_note");
}

static void test_reports(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    load_v1(rs);
    run_t r;
    json_t *b = carbon("B", 12.5);
    json_object_set_new(b, "climate_finance", json_integer(100));
    CHECK(decide(rs, namelist_decide_carbon, "CarbonBenefitReported", &eco, b, &r) == GFDX_DECIDE_OK);
    const char *k[] = {"L", "B", "2026H1"};
    const json_t *c = gfdx_rows_get(rs, &namelist_t_carbon, k);
    CHECK_STR_EQ(gfdx_rows_str(c, "uscc"), uscc(2));
    CHECK(gfdx_rows_int(c, "revision") == 0 && json_real_value(json_object_get(c, "co2_reduction_t")) == 12.5);
    CHECK(decide(rs, namelist_decide_carbon, "CarbonBenefitReported", &eco, carbon("B", 13), &r) == GFDX_DECIDE_OK);
    CHECK(gfdx_rows_int(gfdx_rows_get(rs, &namelist_t_carbon, k), "revision") == 1);
    CHECK(decide(rs, namelist_decide_carbon, "CarbonBenefitReported", &eco, carbon("X", 1), &r) ==
          GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, "NOT_LISTED");
    CHECK(decide(rs, namelist_decide_carbon, "CarbonBenefitReported", &eco7, carbon("B", 1), &r) ==
          GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(r.d.reason_code, "UNAUTHORIZED_SENDER");
    CHECK_STR_EQ(r.d.reason, "d500107-eco may not report on list L (not published, or not of a region it covers)");
    json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:i}", "list_id", "L", "entry_key", "A", "period",
                          "2026H1", "institution", "bank-a", "product", "loan", "product_name", "绿色贷款", "amount",
                          (json_int_t)500, "balance", (json_int_t)400, "rate_bp", 350);
    CHECK(decide(rs, namelist_decide_financing, "FinancingSupportReported", &fin, f, &r) == GFDX_DECIDE_OK);
    json_t *found = gfdx_rows_find(rs, &namelist_t_financing, "list_id", "L");
    const json_t *row = namelist_t_financing.kind == GFDX_TABLE_STATE
                            ? json_array_get(found, 0)
                            : json_array_get(gfdx_rows_appended(rs, &namelist_t_financing), 0);
    CHECK_STR_EQ(gfdx_rows_str(row, "uscc"), uscc(1));
    CHECK(gfdx_rows_int(row, "amount") == 500 && gfdx_rows_int(row, "rate_bp") == 350);
    json_decref(found);
    /* an entry removed by version 2 was listed during 2026H1 before it (stored history) */
    gfdx_rowset *rs2 = gfdx_rowset_new();
    json_t *h = entry("OLD", "o", 7);
    merge(h, json_pack("{s:s, s:i, s:i, s:o, s:o, s:s}", "list_id", "L", "valid_from", 1, "valid_to", 2,
                                    "valid_from_at", gfdx_rows_time(T0 - 86400000), "valid_to_at",
                                    gfdx_rows_time(T0), "digest", "x"));
    gfdx_rowset_add(rs2, &namelist_t_history, h);
    load_v1(rs2);
    CHECK(decide(rs2, namelist_decide_carbon, "CarbonBenefitReported", &eco, carbon("OLD", 1), &r) == GFDX_DECIDE_OK);
    gfdx_rowset_free(rs2);
    gfdx_rowset_free(rs);
}

int main(void)
{
    char err[512];
    CHECK_MSG(namelist_configure(&nl, GFDX_SOURCE_DIR "/deploy/namelist.cfg", NULL, err, sizeof err) == 0, "%s", err);
    gfdx_catalog *cat = gfdx_catalog_load(GFDX_SOURCE_DIR "/schemas/avro", err, sizeof err);
    CHECK_MSG(cat != NULL, "%s", err);
    if (!cat)
        return CHECK_DONE();
    ctx = (gfdx_context){.catalog = cat, .service_participant = "gfdx-namelist", .service_ctx = &nl,
                         .max_message_bytes = 1000000, .now_ms = T0};
    test_digests();
    test_two_parts();
    test_diff();
    test_refusal_in_the_middle();
    test_superseded();
    test_parts_out_of_order();
    test_parts_loaded();
    test_load_whole();
    test_refused_before_state();
    test_reports();
    gfdx_catalog_free(cat);
    namelist_ctx_release(&nl);
    return CHECK_DONE();
}
