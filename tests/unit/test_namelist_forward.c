/* test_namelist_forward: the reports forwarded to the bureaus the Shapingba plan names
 * (namelist_forward.h) and NameListChanged v2 carrying the entries, on the district topic;
 * no database. A carbon report of 500106 goes to its drc and finance bureaus (not housing,
 * not eit, not 500107's); a financing report to drc and ecology; a report of the wrong kind
 * for the sender's bureau is refused and forwards nothing; a 500107 report names 500107's
 * recipients only (none registered: an empty list). NameListChanged of a version carries
 * the added and updated entries' content, is split into parts by changed_bytes_per_record,
 * and goes to gfdx.namelist-changes.<region>. */
#include "avro_serde.h"
#include "check.h"
#include "namelist/namelist.h"
#include "namelist/namelist_decide.h"
#include "namelist/namelist_forward.h"
#include "namelist/namelist_store.h"
#include "outbox.h"
#include "uscc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static namelist_ctx nl;
static gfdx_context ctx;
static const gfdx_registry *reg;
static const int64_t T0 = 1780000000000LL; /* 2026-05-28 */
static int seq;

static const char *uscc(int n)
{
    static char buf[10][19];
    char *s = buf[n % 10];
    snprintf(s, 19, "91500106MA5U0000%d", n % 10);
    gfdx_uscc_check_char(s, &s[17]);
    s[18] = '\0';
    return s;
}

static gfdx_verdict decide(gfdx_rowset *rs, gfdx_decide_fn fn, const char *type, const char *who, json_t *body,
                           char code[48])
{
    char eid[32];
    snprintf(eid, sizeof eid, "ev-%d", ++seq);
    const gfdx_participant *p = gfdx_registry_find(reg, who);
    gfdx_record rec = {.topic = "gfdx.namelists", .key = json_string_value(json_object_get(body, "list_id")),
                       .body = body, .type = type, .event_id = eid, .sender_id = who, .occurred_at = T0 + seq * 1000};
    gfdx_decision d = {.rec = &rec, .sender = p, .ctx = &ctx, .rows = rs};
    gfdx_rows_mark m = gfdx_rowset_mark(rs);
    gfdx_verdict v = fn(&d);
    if (v != GFDX_DECIDE_OK)
        gfdx_rowset_undo(rs, m);
    snprintf(code, 48, "%s", d.reason_code);
    json_decref(body);
    return v;
}

/* The i-th outbox record decoded (NULL if none); its topic in *topic. */
static json_t *emitted(gfdx_rowset *rs, size_t i, const char **topic)
{
    const json_t *row = json_array_get(gfdx_rows_appended(rs, &gfdx_outbox_table), i);
    const char *hex = row ? gfdx_rows_str(row, "value") : NULL;
    if (!hex || strncmp(hex, "\\x", 2))
        return NULL;
    *topic = gfdx_rows_str(row, "topic");
    size_t n = strlen(hex + 2) / 2;
    unsigned char *bytes = malloc(n ? n : 1);
    for (size_t j = 0; bytes && j < n; j++) {
        unsigned v;
        sscanf(hex + 2 + 2 * j, "%2x", &v);
        bytes[j] = (unsigned char)v;
    }
    json_t *out = NULL;
    char err[256];
    if (!bytes || gfdx_serde_decode(ctx.catalog, bytes, n, &out, NULL, err, sizeof err) != GFDX_SERDE_OK)
        fprintf(stderr, "outbox row %zu: %s\n", i, err);
    free(bytes);
    return out;
}

static size_t outbox_rows(gfdx_rowset *rs)
{
    return json_array_size(gfdx_rows_appended(rs, &gfdx_outbox_table));
}

static json_t *entries(int n, const char *tag)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        char key[16];
        snprintf(key, sizeof key, "K%d", i);
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:n, s:n, s:{s:s}, s:s}", "entry_key", key, "uscc",
                                           uscc(i), "name", "重庆某绿色科技有限公司", "project_name",
                                           "category_code", "attributes", "批次", tag, "industry_type",
                                           "LOW_CARBON_CLEAN"));
    }
    return a;
}

static json_t *published(const char *list_id, const char *region, long long version, json_t *e)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:i, s:o, s:[]}", "list_id", list_id, "kind",
                     "GREEN_PROJECT", "region", region, "title", "绿色项目清单", "version", (json_int_t)version,
                     "mode", "FULL", "part", 1, "part_count", 1, "entries", e, "removed_keys");
}

static const char *str_at(const json_t *a, size_t i) { return json_string_value(json_array_get(a, i)); }

static void test_forwarded(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    char code[48];
    CHECK(decide(rs, namelist_decide_published, "NameListPublished", "d500106-drc",
                 published("GP", "500106", 1, entries(3, "1")), code) == GFDX_DECIDE_OK);
    const char *topic = NULL;
    json_t *ch = emitted(rs, 0, &topic);
    CHECK_STR_EQ(topic, "gfdx.namelist-changes.500106");
    CHECK(ch && json_array_size(json_object_get(ch, "entries")) == 3);
    CHECK_STR_EQ(gfdx_rec_str(json_array_get(json_object_get(ch, "entries"), 0), "name"), "重庆某绿色科技有限公司");
    CHECK_STR_EQ(gfdx_rec_str(json_array_get(json_object_get(ch, "entries"), 0), "industry_type"), "LOW_CARBON_CLEAN");
    CHECK_STR_EQ(gfdx_rec_str(ch, "level"), "DISTRICT");
    json_decref(ch);
    size_t before = outbox_rows(rs);
    json_t *c = json_pack("{s:s, s:s, s:s, s:f, s:f, s:I, s:s}", "list_id", "GP", "entry_key", "K1", "period",
                          "2026H1", "co2_reduction_t", 120.5, "energy_saving_tce", 40.0, "climate_finance",
                          (json_int_t)3000000, "climate_finance_note", "碳减排支持工具");
    CHECK_MSG(decide(rs, namelist_decide_carbon, "CarbonBenefitReported", "d500106-eco", c, code) == GFDX_DECIDE_OK, "%s", code);
    CHECK(outbox_rows(rs) == before + 1);
    json_t *f = emitted(rs, before, &topic);
    CHECK_STR_EQ(topic, "gfdx.namelist-changes.500106");
    CHECK_STR_EQ(gfdx_rec_str(f, "record_type"), "CarbonBenefitReported");
    json_t *to = json_object_get(f, "recipients");
    CHECK_MSG(json_array_size(to) == 2 && !strcmp(str_at(to, 0), "d500106-drc") && !strcmp(str_at(to, 1), "d500106-fin"),
              "carbon goes to drc and finance only");
    CHECK(json_real_value(json_object_get(f, "co2_reduction_t")) == 120.5);
    CHECK(json_integer_value(json_object_get(f, "climate_finance")) == 3000000);
    CHECK(json_is_null(json_object_get(f, "institution")) || !json_object_get(f, "institution"));
    CHECK_STR_EQ(gfdx_rec_str(f, "uscc"), uscc(1));
    json_decref(f);
    json_t *fin = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "list_id", "GP", "entry_key", "K2", "period",
                            "2026H1", "institution", "中国建设银行重庆沙坪坝支行", "product", "LOAN", "amount",
                            (json_int_t)5000000, "balance", (json_int_t)4000000);
    CHECK(decide(rs, namelist_decide_financing, "FinancingSupportReported", "d500106-fin", fin, code) ==
          GFDX_DECIDE_OK);
    f = emitted(rs, before + 1, &topic);
    to = json_object_get(f, "recipients");
    CHECK_MSG(json_array_size(to) == 2 && !strcmp(str_at(to, 0), "d500106-drc") && !strcmp(str_at(to, 1), "d500106-eco"),
              "financing goes to drc and ecology only");
    CHECK_STR_EQ(gfdx_rec_str(f, "financing_product"), "LOAN");
    json_decref(f);
    /* the wrong kind of report for the sender's bureau: refused, nothing forwarded */
    c = json_pack("{s:s, s:s, s:s, s:f, s:I}", "list_id", "GP", "entry_key", "K1", "period", "2026H1",
                  "co2_reduction_t", 1.0, "climate_finance", (json_int_t)0);
    CHECK(decide(rs, namelist_decide_carbon, "CarbonBenefitReported", "d500106-housing", c, code) ==
          GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(code, "UNAUTHORIZED_SENDER");
    CHECK(outbox_rows(rs) == before + 2);
    /* recipients are the plan's, never another bureau or district */
    json_t *r = namelist_forward_recipients(reg, NAMELIST_REC_CARBON, "500107");
    CHECK(r && json_array_size(r) == 0);
    json_decref(r);
    r = namelist_forward_recipients(reg, NAMELIST_REC_PUBLISH, "500106");
    CHECK(r && json_array_size(r) == 0);
    json_decref(r);
    gfdx_rowset_free(rs);
}

/* A large diff: NameListChanged split by bytes, every entry once. */
static void test_changed_parts(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    char code[48];
    nl.set.changed_bytes_per_record = 2000;
    CHECK(decide(rs, namelist_decide_published, "NameListPublished", "d500106-drc",
                 published("GP2", "500106", 1, entries(40, "1")), code) == GFDX_DECIDE_OK);
    size_t n = outbox_rows(rs), got = 0;
    CHECK_MSG(n > 1, "40 entries of ~200 bytes in parts of 2000 bytes: %zu parts", n);
    for (size_t i = 0; i < n; i++) {
        const char *topic;
        json_t *ch = emitted(rs, i, &topic);
        got += json_array_size(json_object_get(ch, "entries"));
        CHECK(json_integer_value(json_object_get(ch, "part_count")) == (json_int_t)n);
        CHECK(json_array_size(json_object_get(ch, "added")) == json_array_size(json_object_get(ch, "entries")));
        json_decref(ch);
    }
    CHECK(got == 40);
    nl.set.changed_bytes_per_record = 400000;
    gfdx_rowset_free(rs);
}

/* A national list by MIIT, on the national topic; refused from a district bureau. */
static void test_national(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    char code[48];
    json_t *b = published("MIIT-GF-2026", "100000", 1, entries(2, "国家级"));
    json_object_set_new(b, "kind", json_string("GREEN_FACTORY"));
    CHECK(decide(rs, namelist_decide_published, "NameListPublished", "miit", json_deep_copy(b), code) ==
          GFDX_DECIDE_OK);
    const char *topic;
    json_t *ch = emitted(rs, 0, &topic);
    CHECK_STR_EQ(topic, "gfdx.namelist-changes.100000");
    CHECK_STR_EQ(gfdx_rec_str(ch, "level"), "NATIONAL");
    json_decref(ch);
    const char *k[] = {"MIIT-GF-2026"};
    CHECK_STR_EQ(gfdx_rows_str(gfdx_rows_get(rs, &namelist_t_list, k), "level"), "NATIONAL");
    json_object_set_new(b, "list_id", json_string("EIT-NATIONAL"));
    CHECK(decide(rs, namelist_decide_published, "NameListPublished", "d500106-eit", b, code) == GFDX_DECIDE_REFUSED);
    CHECK_STR_EQ(code, "UNAUTHORIZED_SENDER");
    gfdx_rowset_free(rs);
}

int main(void)
{
    char err[512];
    CHECK_MSG(namelist_configure(&nl, GFDX_SOURCE_DIR "/deploy/namelist.cfg", NULL, err, sizeof err) == 0, "%s", err);
    gfdx_catalog *cat = gfdx_catalog_load(GFDX_SOURCE_DIR "/schemas/avro", err, sizeof err);
    gfdx_registry *r = gfdx_registry_load(GFDX_SOURCE_DIR "/deploy/participants.cfg", err, sizeof err);
    CHECK_MSG(cat && r, "%s", err);
    if (!cat || !r)
        return CHECK_DONE();
    reg = r;
    ctx = (gfdx_context){.registry = r, .catalog = cat, .service_participant = "d500106-fin", .service_ctx = &nl,
                         .max_message_bytes = 1000000, .now_ms = T0};
    test_forwarded();
    test_changed_parts();
    test_national();
    gfdx_catalog_free(cat);
    gfdx_registry_free(r);
    namelist_ctx_release(&nl);
    return CHECK_DONE();
}
