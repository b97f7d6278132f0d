/* test_intake_matching: the NeedMatchingStatus rules gfdx-intake applies
 * (services/intake/intake_matching.h): non-negative counters and amounts, a bounded sequence
 * jump, and a v1 status (no sequence) that never overrides a newer sequence. */
#include "check.h"
#include "intake/intake_matching.h"

#include <stdint.h>

static intake_matching_status ok_status(long long sequence)
{
    intake_matching_status s = {"FINANCED", 3, 2, 1, 0, 600000000, 300000000, sequence};
    return s;
}

static void test_reads_body(void)
{
    json_t *b = json_pack("{s:s, s:s, s:i, s:i, s:i, s:I, s:I, s:i, s:I}", "need_id", "N-1", "overall", "APPROVED",
                          "banks_contacted", 2, "banks_approved", 1, "banks_declined", 0, "approved_total",
                          (json_int_t)5000, "disbursed_total", (json_int_t)0, "open_obstacles", 1, "sequence",
                          (json_int_t)7);
    intake_matching_status s;
    intake_matching_read(b, &s);
    CHECK_STR_EQ(s.overall, "APPROVED");
    CHECK(s.banks_contacted == 2 && s.banks_approved == 1 && s.banks_declined == 0 && s.open_obstacles == 1);
    CHECK(s.approved_total == 5000 && s.disbursed_total == 0 && s.sequence == 7);
    json_decref(b);
}

static void test_non_negative(void)
{
    char why[256];
    intake_matching_status s = ok_status(1);
    CHECK(intake_matching_check(&s, 0, 1000, why, sizeof why) == NULL);
    long long *fields[] = {&s.banks_contacted, &s.banks_approved, &s.banks_declined, &s.open_obstacles,
                           &s.approved_total, &s.disbursed_total, &s.sequence};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        intake_matching_status t = ok_status(1);
        long long *f = (long long *)((char *)&t + ((char *)fields[i] - (char *)&s));
        *f = -1;
        CHECK_STR_EQ(intake_matching_check(&t, 0, 1000, why, sizeof why), "INVALID_FIELD");
        CHECK(strstr(why, "negative") != NULL);
        *f = INT64_MIN;
        CHECK_STR_EQ(intake_matching_check(&t, 0, 1000, why, sizeof why), "INVALID_FIELD");
    }
    s = ok_status(0);
    s.approved_total = INT64_MAX; /* large but not negative: the rule is about sign */
    CHECK(intake_matching_check(&s, 0, 1000, why, sizeof why) == NULL);
}

static void test_sequence_jump(void)
{
    char why[256];
    intake_matching_status s = ok_status(1000);
    CHECK(intake_matching_check(&s, 0, 1000, why, sizeof why) == NULL);   /* exactly the bound */
    s.sequence = 1001;
    CHECK_STR_EQ(intake_matching_check(&s, 0, 1000, why, sizeof why), "INVALID_FIELD");
    CHECK(strstr(why, "jumps") != NULL);
    CHECK(intake_matching_check(&s, 1, 1000, why, sizeof why) == NULL);   /* relative to the applied one */
    s.sequence = INT64_MAX;
    CHECK_STR_EQ(intake_matching_check(&s, 5, 1000, why, sizeof why), "INVALID_FIELD");
    CHECK_STR_EQ(intake_matching_check(&s, 0, 1000, why, sizeof why), "INVALID_FIELD");
    s.sequence = 3;
    CHECK(intake_matching_check(&s, 50, 1000, why, sizeof why) == NULL);  /* older: history only, not refused */
    s.sequence = 12;
    CHECK_STR_EQ(intake_matching_check(&s, 0, 10, why, sizeof why), "INVALID_FIELD"); /* configured bound */
    s.sequence = 0;
    CHECK(intake_matching_check(&s, INT64_MAX, 1, why, sizeof why) == NULL); /* a v1 status: no sequence to bound */
}

static void test_supersedes(void)
{
    CHECK(intake_matching_supersedes(1, 0));
    CHECK(intake_matching_supersedes(5, 4));
    CHECK(!intake_matching_supersedes(4, 4)); /* a repeat */
    CHECK(!intake_matching_supersedes(3, 4)); /* late, older */
    CHECK(intake_matching_supersedes(0, 0));  /* v1 writer, no sequenced status yet */
    CHECK(!intake_matching_supersedes(0, 1)); /* a v1 status never overrides a newer sequence */
    CHECK(!intake_matching_supersedes(0, INT64_MAX));
}

int main(void)
{
    test_reads_body();
    test_non_negative();
    test_sequence_jump();
    test_supersedes();
    return CHECK_DONE();
}
