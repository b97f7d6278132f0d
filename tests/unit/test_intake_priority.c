/* test_intake_priority.c: priority tags only from lists whose region covers the enterprise's
 * (intake_priority.h): the 沙坪坝 list tags a 沙坪坝 enterprise and no Shanghai one; a national
 * list tags both; a Chongqing list its districts; a Shanghai list Shanghai's. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "intake_priority.h"
#include "intake_store.h"

#define SHAPINGBA "915001065000000001" /* region digits 500106 (check char not verified here) */
#define SHANGHAI "913101157000000002"  /* 310115 浦东新区 */

static void add(gfdx_rowset *rs, const char *list, const char *region, const char *uscc, const char *kind)
{
    CHECK(gfdx_rowset_add(rs, &intake_current_entry_table,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "list_id", list, "entry_key", uscc, "uscc", uscc,
                                    "kind", kind, "region", region)) == 0);
}

static char *tags_of(gfdx_rowset *rs, const char *uscc)
{
    json_t *t = intake_priority_tags(rs, uscc);
    CHECK(t != NULL);
    char *s = json_dumps(t, JSON_COMPACT);
    json_decref(t);
    return s;
}

static void test_covers(void)
{
    CHECK(intake_region_covers("100000", "500106") && intake_region_covers("100000", "310115"));
    CHECK(intake_region_covers("310000", "310115") && intake_region_covers("310000", "310000"));
    CHECK(!intake_region_covers("310000", "500106"));
    CHECK(intake_region_covers("330200", "330206") && !intake_region_covers("330200", "330100"));
    CHECK(intake_region_covers("500106", "500106") && !intake_region_covers("500106", "500107"));
    CHECK(!intake_region_covers("500106", "500100") && !intake_region_covers("500106", "500000"));
    CHECK(!intake_region_covers(NULL, "500106") && !intake_region_covers("500106", NULL));
    CHECK(!intake_region_covers("5001", "500106") && !intake_region_covers("50010x", "500106"));
    char r[7];
    CHECK(intake_uscc_region(SHANGHAI, r) == 0);
    CHECK_STR_EQ(r, "310115");
    CHECK(intake_uscc_region("91", r) == -1 && intake_uscc_region(NULL, r) == -1);
    CHECK(intake_uscc_region("91ABCDEF00000000", r) == -1);
}

static void test_tags(void)
{
    gfdx_rowset *rs = gfdx_rowset_new();
    add(rs, "500106-EIT-GF", "500106", SHAPINGBA, "GREEN_FACTORY");
    add(rs, "500106-EIT-GF", "500106", SHANGHAI, "GREEN_FACTORY");
    add(rs, "MIIT-LG", "100000", SHANGHAI, "LITTLE_GIANT");
    add(rs, "MIIT-LG", "100000", SHAPINGBA, "LITTLE_GIANT");
    add(rs, "CQ-SME", "500000", SHAPINGBA, "SPECIALIZED_SME");
    add(rs, "CQ-SME", "500000", SHANGHAI, "SPECIALIZED_SME");
    add(rs, "SH-EL", "310000", SHANGHAI, "EFFICIENCY_LEADER");
    char *s = tags_of(rs, SHANGHAI);
    CHECK_MSG(!strcmp(s, "[\"EFFICIENCY_LEADER\",\"LITTLE_GIANT\"]"),
              "the 沙坪坝 and Chongqing lists do not tag a Shanghai enterprise: %s", s);
    free(s);
    s = tags_of(rs, SHAPINGBA);
    CHECK_MSG(!strcmp(s, "[\"GREEN_FACTORY\",\"LITTLE_GIANT\",\"SPECIALIZED_SME\"]"), "%s", s);
    free(s);
    s = tags_of(rs, "913101157000000099");
    CHECK_MSG(!strcmp(s, "[]"), "no entry, no tag: %s", s);
    free(s);
    gfdx_rowset_free(rs);
    /* a row without region tags nobody */
    rs = gfdx_rowset_new();
    CHECK(gfdx_rowset_add(rs, &intake_current_entry_table,
                          json_pack("{s:s, s:s, s:s, s:s}", "list_id", "X", "entry_key", "k", "uscc", SHANGHAI,
                                    "kind", "GREEN_FACTORY")) == 0);
    s = tags_of(rs, SHANGHAI);
    CHECK_STR_EQ(s, "[]");
    free(s);
    gfdx_rowset_free(rs);
}

int main(void)
{
    test_covers();
    test_tags();
    return CHECK_DONE();
}
