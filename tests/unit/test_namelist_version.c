/* test_namelist_version: the version rules of a name list (DESIGN §6.4) against an
 * expectation written here independently: FULL/DELTA after nothing, after the applied
 * version, stale and repeated versions, gaps, and versions arriving in parts (a pending
 * version: more parts, mismatching parts, repeated parts, older and newer versions). */
#include "check.h"
#include "namelist/namelist_version.h"

#include <stdbool.h>
#include <stdint.h>

static namelist_verdict verdict(long long current, long long version, namelist_mode mode)
{
    char why[256];
    namelist_ledger_state s = {current, 0, NAMELIST_FULL, 0, false, 0};
    namelist_incoming in = {version, mode, 1, 1};
    return namelist_version_check(&s, &in, why, sizeof why);
}

/* Without parts pending: every (current, version, mode) in a small grid. */
static void test_grid(void)
{
    for (long long cur = 0; cur <= 4; cur++)
        for (long long v = 1; v <= 7; v++) {
            namelist_verdict full = verdict(cur, v, NAMELIST_FULL), delta = verdict(cur, v, NAMELIST_DELTA);
            namelist_verdict want_full = v <= cur ? NAMELIST_V_STALE : NAMELIST_V_STAGE;
            namelist_verdict want_delta = v <= cur ? NAMELIST_V_STALE : v == cur + 1 ? NAMELIST_V_STAGE : NAMELIST_V_GAP;
            CHECK_MSG(full == want_full, "FULL %lld after %lld: %d, want %d", v, cur, full, want_full);
            CHECK_MSG(delta == want_delta, "DELTA %lld after %lld: %d, want %d", v, cur, delta, want_delta);
        }
}

static void test_codes_and_reasons(void)
{
    char why[256];
    namelist_ledger_state s = {3, 0, NAMELIST_FULL, 0, false, 0};
    namelist_incoming in = {3, NAMELIST_FULL, 1, 1};
    CHECK_STR_EQ(namelist_verdict_code(namelist_version_check(&s, &in, why, sizeof why)), "STALE_VERSION");
    CHECK(strstr(why, "already applied") != NULL);
    in = (namelist_incoming){2, NAMELIST_DELTA, 1, 1};
    CHECK_STR_EQ(namelist_verdict_code(namelist_version_check(&s, &in, why, sizeof why)), "STALE_VERSION");
    CHECK(strstr(why, "older") != NULL);
    in = (namelist_incoming){5, NAMELIST_DELTA, 1, 1};
    CHECK_STR_EQ(namelist_verdict_code(namelist_version_check(&s, &in, why, sizeof why)), "VERSION_GAP");
    CHECK(strstr(why, "FULL snapshot") != NULL);
    CHECK(namelist_verdict_code(NAMELIST_V_STAGE) == NULL);
    CHECK(namelist_verdict_code(NAMELIST_V_SUPERSEDE) == NULL);
    CHECK_STR_EQ(namelist_verdict_code(NAMELIST_V_PART_MISMATCH), "PART_MISMATCH");
    CHECK_STR_EQ(namelist_verdict_code(NAMELIST_V_DUPLICATE_PART), "DUPLICATE_PART");
}

/* Version 5 (FULL, 3 parts) is being received over applied version 3. */
static namelist_verdict pending(long long version, namelist_mode mode, int part, int count, bool received)
{
    char why[256];
    namelist_ledger_state s = {3, 5, NAMELIST_FULL, 3, received, 0};
    namelist_incoming in = {version, mode, part, count};
    return namelist_version_check(&s, &in, why, sizeof why);
}

static void test_parts(void)
{
    CHECK(pending(5, NAMELIST_FULL, 2, 3, false) == NAMELIST_V_STAGE);          /* the next part */
    CHECK(pending(5, NAMELIST_FULL, 2, 3, true) == NAMELIST_V_DUPLICATE_PART);  /* that part again */
    CHECK(pending(5, NAMELIST_FULL, 2, 4, false) == NAMELIST_V_PART_MISMATCH);  /* other part count */
    CHECK(pending(5, NAMELIST_DELTA, 2, 3, false) == NAMELIST_V_GAP);           /* other mode: a DELTA 5 cannot
                                                                                  follow 3 whatever is pending */
    CHECK(pending(4, NAMELIST_FULL, 1, 1, false) == NAMELIST_V_STALE);          /* older than pending */
    CHECK(pending(4, NAMELIST_DELTA, 1, 1, false) == NAMELIST_V_STALE);         /* DELTA 4 follows 3, but 5 is coming */
    CHECK(pending(6, NAMELIST_FULL, 1, 2, false) == NAMELIST_V_SUPERSEDE);      /* newer FULL abandons 5 */
    CHECK(pending(6, NAMELIST_DELTA, 1, 1, false) == NAMELIST_V_GAP);           /* DELTA 6 cannot follow 3 */
    CHECK(pending(3, NAMELIST_FULL, 1, 3, false) == NAMELIST_V_STALE);          /* applied version again */
    /* a DELTA 4 in 2 parts is pending over 3: a FULL part of version 4 disagrees on the mode */
    char why[256];
    namelist_ledger_state s = {3, 4, NAMELIST_DELTA, 2, false, 0};
    namelist_incoming in = {4, NAMELIST_FULL, 2, 2};
    CHECK(namelist_version_check(&s, &in, why, sizeof why) == NAMELIST_V_PART_MISMATCH);
    CHECK(strstr(why, "earlier parts said DELTA in 2 parts") != NULL);
    in.mode = NAMELIST_DELTA;
    CHECK(namelist_version_check(&s, &in, why, sizeof why) == NAMELIST_V_STAGE);
}

static void test_modes(void)
{
    namelist_mode m = NAMELIST_DELTA;
    CHECK(namelist_mode_parse("FULL", &m) == 0 && m == NAMELIST_FULL);
    CHECK(namelist_mode_parse("DELTA", &m) == 0 && m == NAMELIST_DELTA);
    CHECK(namelist_mode_parse("full", &m) == -1);
    CHECK(namelist_mode_parse(NULL, &m) == -1);
    CHECK_STR_EQ(namelist_mode_name(NAMELIST_FULL), "FULL");
    CHECK_STR_EQ(namelist_mode_name(NAMELIST_DELTA), "DELTA");
    CHECK_STR_EQ(namelist_mode_name((namelist_mode)9), "UNKNOWN");
}

/* A version may not jump more than max_jump past the applied one (INT64_MAX froze a list). */
static void test_jump(void)
{
    char why[256];
    namelist_ledger_state s = {3, 0, NAMELIST_FULL, 0, false, 1000};
    namelist_incoming in = {1003, NAMELIST_FULL, 1, 1};
    CHECK(namelist_version_check(&s, &in, why, sizeof why) == NAMELIST_V_STAGE); /* exactly the bound */
    in.version = 1004;
    CHECK(namelist_version_check(&s, &in, why, sizeof why) == NAMELIST_V_JUMP);
    CHECK_STR_EQ(namelist_verdict_code(NAMELIST_V_JUMP), "VERSION_JUMP");
    CHECK(strstr(why, "1000") != NULL);
    in.version = INT64_MAX;
    CHECK(namelist_version_check(&s, &in, why, sizeof why) == NAMELIST_V_JUMP);
    s.current = 0; /* the first version of a list counts from 0 */
    CHECK(namelist_version_check(&s, &in, why, sizeof why) == NAMELIST_V_JUMP);
    in.version = 1000;
    CHECK(namelist_version_check(&s, &in, why, sizeof why) == NAMELIST_V_STAGE);
    /* a superseding version while another is pending is bounded the same way */
    namelist_ledger_state p = {3, 5, NAMELIST_FULL, 3, false, 10};
    in.version = 14;
    CHECK(namelist_version_check(&p, &in, why, sizeof why) == NAMELIST_V_JUMP);
    in.version = 13;
    CHECK(namelist_version_check(&p, &in, why, sizeof why) == NAMELIST_V_SUPERSEDE);
    /* stale and gap keep their codes under a bound */
    in.version = 2;
    CHECK(namelist_version_check(&s, &in, why, sizeof why) == NAMELIST_V_STAGE);
    s.current = 3;
    CHECK(namelist_version_check(&s, &in, why, sizeof why) == NAMELIST_V_STALE);
}

int main(void)
{
    test_grid();
    test_codes_and_reasons();
    test_parts();
    test_modes();
    test_jump();
    return CHECK_DONE();
}
