/* test_namelist_watch: the pure part of gfdx-namelist's watch (namelist_watch.h), no
 * database: which half-years a round looks at, when one falls due (the grace in working days
 * of the shipped calendar), and the flags: an entry without a carbon report for the half-year
 * is flagged once (a missing_report row and a ReportMissing on the district topic, addressed
 * to the ecology bureau and the report's recipients); an entry with a report, or already
 * flagged, is not; a second round flags nothing. */
#include "calendar.h"
#include "check.h"
#include "namelist/namelist.h"
#include "namelist/namelist_store.h"
#include "namelist/namelist_validate.h"
#include "namelist/namelist_watch.h"
#include "outbox.h"

#include <stdio.h>
#include <string.h>

#define DAY 86400000LL
static const int64_t DEC2_2026 = 1796140800000LL; /* 2026-12-02T00:00:00+08:00 */

static void test_half_years(void)
{
    char p[8];
    int64_t s, e, s2, e2;
    CHECK(namelist_half_year_before(DEC2_2026, 0, p, &s, &e) == 0);
    CHECK_STR_EQ(p, "2026H1");
    CHECK(namelist_period_bounds("2026H1", &s2, &e2) == 0 && s == s2 && e == e2);
    CHECK(namelist_half_year_before(DEC2_2026, 1, p, &s, &e) == 0);
    CHECK_STR_EQ(p, "2025H2");
    CHECK(namelist_period_bounds("2026H2", &s2, &e2) == 0);
    CHECK(namelist_half_year_before(s2, 0, p, &s, &e) == 0); /* the first instant of H2: H1 has ended */
    CHECK_STR_EQ(p, "2026H1");
    CHECK(namelist_half_year_before(s2 - 1, 0, p, &s, &e) == 0); /* the last instant of H1: H2 of 2025 */
    CHECK_STR_EQ(p, "2025H2");
}

static void test_due(const gfdx_calendar *cal)
{
    int64_t s, e;
    CHECK(namelist_period_bounds("2026H1", &s, &e) == 0);
    int64_t due = namelist_report_due_ms(cal, e, 20);
    CHECK(gfdx_calendar_working_days_between(cal, e - 1, due) == 20);
    CHECK(gfdx_calendar_working_days_between(cal, e - 1, due - DAY) == 19);
    CHECK(due > e && due < e + 40 * DAY);
    CHECK(namelist_report_due_ms(cal, e, 0) == e);
}

static json_t *cand(const char *key)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "list_id", "GP", "entry_key", key, "uscc", "91500106069056643N",
                     "region", "500106");
}

static void test_flags(const gfdx_context *ctx)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    CHECK(gfdx_rowset_add(rs, &namelist_t_carbon,
                          json_pack("{s:s, s:s, s:s, s:s}", "list_id", "GP", "entry_key", "A", "period", "2026H1",
                                    "uscc", "91500106069056643N")) == 0);
    CHECK(gfdx_rowset_add(rs, &namelist_t_carbon, /* another half-year's report does not count */
                          json_pack("{s:s, s:s, s:s, s:s}", "list_id", "GP", "entry_key", "C", "period", "2025H2",
                                    "uscc", "91500106069056643N")) == 0);
    CHECK(gfdx_rowset_add(rs, &namelist_t_missing,
                          json_pack("{s:s, s:s, s:s}", "list_id", "GP", "entry_key", "B", "period", "2026H1")) == 0);
    char err[256] = "";
    bool transient = false;
    gfdx_watch w = {.ctx = ctx, .rows = rs, .err = err, .errlen = sizeof err, .transient = &transient};
    json_t *c = json_pack("[o, o, o]", cand("A"), cand("B"), cand("C"));
    CHECK_MSG(namelist_watch_flag(&w, c, "2026H1", DEC2_2026 - 100 * DAY) == 1, "%s", err);
    const char *k[] = {"GP", "C", "2026H1"};
    const json_t *m = gfdx_rows_get(rs, &namelist_t_missing, k);
    CHECK(m != NULL);
    CHECK_STR_EQ(gfdx_rows_str(m, "uscc"), "91500106069056643N");
    const json_t *out = gfdx_rows_appended(rs, &gfdx_outbox_table);
    CHECK(json_array_size(out) == 1);
    CHECK_STR_EQ(gfdx_rows_str(json_array_get(out, 0), "topic"), "gfdx.namelist-changes.500106");
    CHECK_STR_EQ(gfdx_rows_str(json_array_get(out, 0), "record_type"), "ReportMissing");
    /* the second round finds nothing new: flagged once */
    CHECK(namelist_watch_flag(&w, c, "2026H1", DEC2_2026 - 100 * DAY) == 0);
    CHECK(json_array_size(gfdx_rows_appended(rs, &gfdx_outbox_table)) == 1);
    json_decref(c);
    gfdx_rowset_free(rs);
}

int main(void)
{
    char err[512];
    namelist_ctx nl = {0};
    CHECK_MSG(namelist_configure(&nl, GFDX_SOURCE_DIR "/deploy/namelist.cfg", NULL, err, sizeof err) == 0, "%s", err);
    CHECK(nl.set.report_grace_working_days == 20 && nl.set.report_kinds.count == 2);
    gfdx_calendar *cal = gfdx_calendar_load(GFDX_SOURCE_DIR "/deploy/calendar.cfg", err, sizeof err);
    gfdx_catalog *cat = gfdx_catalog_load(GFDX_SOURCE_DIR "/schemas/avro", err, sizeof err);
    gfdx_registry *reg = gfdx_registry_load(GFDX_SOURCE_DIR "/deploy/participants.cfg", err, sizeof err);
    CHECK_MSG(cal && cat && reg, "%s", err);
    if (!cal || !cat || !reg)
        return CHECK_DONE();
    gfdx_context ctx = {.registry = reg, .calendar = cal, .catalog = cat, .service_participant = "d500106-fin",
                        .service_ctx = &nl, .max_message_bytes = 1000000, .now_ms = DEC2_2026};
    test_half_years();
    test_due(cal);
    test_flags(&ctx);
    gfdx_calendar_free(cal);
    gfdx_catalog_free(cat);
    gfdx_registry_free(reg);
    namelist_ctx_release(&nl);
    return CHECK_DONE();
}
