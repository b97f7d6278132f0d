/* test_intake_fsm: every (status, event) pair of the intake state machine against an
 * expectation written here independently of intake_fsm.c's table (DESIGN §6.1), plus
 * name/parse round trips, final states and whole life-cycle walks. */
#include "check.h"
#include "intake/intake_fsm.h"

#include <stdbool.h>

#define SENTINEL ((intake_status)77) /* never a real status: proves *next was not written */

/* The legal transitions, one line each, as listed in DESIGN §6.1. Anything absent
 * from this list must be refused. */
static const struct { intake_status from; intake_event ev; intake_status to; } legal[] = {
  { INTAKE_NONE,        INTAKE_EV_SUBMIT,    INTAKE_SUBMITTED },
  { INTAKE_SUBMITTED,   INTAKE_EV_REVISE,    INTAKE_SUBMITTED },
  { INTAKE_RETURNED,    INTAKE_EV_REVISE,    INTAKE_SUBMITTED },
  { INTAKE_SUBMITTED,   INTAKE_EV_APPROVE,   INTAKE_APPROVED },
  { INTAKE_SUBMITTED,   INTAKE_EV_REJECT,    INTAKE_REJECTED },
  { INTAKE_SUBMITTED,   INTAKE_EV_RETURN,    INTAKE_RETURNED },
  { INTAKE_APPROVED,    INTAKE_EV_RECOMMEND, INTAKE_RECOMMENDED },
  { INTAKE_RECOMMENDED, INTAKE_EV_PUSHED,    INTAKE_PUSHED },
  { INTAKE_SUBMITTED,   INTAKE_EV_WITHDRAW,  INTAKE_WITHDRAWN },
  { INTAKE_APPROVED,    INTAKE_EV_WITHDRAW,  INTAKE_WITHDRAWN },
  { INTAKE_RETURNED,    INTAKE_EV_WITHDRAW,  INTAKE_WITHDRAWN },
  { INTAKE_RECOMMENDED, INTAKE_EV_WITHDRAW,  INTAKE_WITHDRAWN },
  { INTAKE_PUSHED,      INTAKE_EV_WITHDRAW,  INTAKE_WITHDRAWN },
};
#define N_LEGAL (sizeof legal / sizeof legal[0])

/* Spelled out rather than taken from the header, so a new enum value that the test
 * does not know about is caught by the count checks below. */
#define N_STATUS 8
#define N_EVENT 8

static const char *const want_status_names[N_STATUS] = {
  "NONE", "SUBMITTED", "APPROVED", "REJECTED", "RETURNED", "RECOMMENDED", "PUSHED", "WITHDRAWN",
};
static const char *const want_event_names[N_EVENT] = {
  "SUBMIT", "REVISE", "APPROVE", "REJECT", "RETURN", "RECOMMEND", "PUSHED", "WITHDRAW",
};

/* Returns the index in legal[] of (from, ev), or -1. */
static int find_legal(intake_status from, intake_event ev)
{
  for (unsigned i = 0; i < N_LEGAL; i++)
    if (legal[i].from == from && legal[i].ev == ev)
      return (int)i;
  return -1;
}

static void test_full_matrix(void)
{
  int n_ok = 0;
  for (int s = 0; s < N_STATUS; s++) {
    for (int e = 0; e < N_EVENT; e++) {
      intake_status next = SENTINEL;
      int rc = intake_fsm_next((intake_status)s, (intake_event)e, &next);
      int li = find_legal((intake_status)s, (intake_event)e);
      if (li >= 0) {
        n_ok++;
        CHECK_MSG(rc == 0 && next == legal[li].to, "%s -%s-> expected %s, got rc=%d next=%d",
                  want_status_names[s], want_event_names[e],
                  want_status_names[legal[li].to], rc, (int)next);
      } else {
        CHECK_MSG(rc == -1 && next == SENTINEL, "%s -%s-> must be illegal, got rc=%d next=%d",
                  want_status_names[s], want_event_names[e], rc, (int)next);
      }
    }
  }
  CHECK(n_ok == (int)N_LEGAL); /* every expected transition was visited once */
}

static void test_out_of_range(void)
{
  intake_status next = SENTINEL;
  CHECK(intake_fsm_next((intake_status)N_STATUS, INTAKE_EV_SUBMIT, &next) == -1);
  CHECK(intake_fsm_next((intake_status)-1, INTAKE_EV_SUBMIT, &next) == -1);
  CHECK(intake_fsm_next(INTAKE_NONE, (intake_event)N_EVENT, &next) == -1);
  CHECK(intake_fsm_next(INTAKE_SUBMITTED, (intake_event)-1, &next) == -1);
  CHECK(next == SENTINEL);
  CHECK(intake_fsm_next(INTAKE_NONE, INTAKE_EV_SUBMIT, NULL) == -1);
  CHECK_STR_EQ(intake_status_name((intake_status)N_STATUS), "UNKNOWN");
  CHECK_STR_EQ(intake_event_name((intake_event)N_EVENT), "UNKNOWN");
  CHECK(!intake_status_is_final((intake_status)N_STATUS));
}

static void test_final(void)
{
  for (int s = 0; s < N_STATUS; s++) {
    bool want = (s == INTAKE_REJECTED || s == INTAKE_WITHDRAWN);
    CHECK_MSG(intake_status_is_final((intake_status)s) == want, "is_final(%s) should be %d",
              want_status_names[s], (int)want);
    /* Final means no way out: no event is legal from a final status. */
    if (want) {
      for (int e = 0; e < N_EVENT; e++) {
        intake_status next = SENTINEL;
        CHECK(intake_fsm_next((intake_status)s, (intake_event)e, &next) == -1);
      }
    }
  }
}

static void test_names(void)
{
  CHECK(INTAKE_STATUS_COUNT == N_STATUS);
  CHECK(INTAKE_EVENT_COUNT == N_EVENT);
  CHECK(INTAKE_NONE == 0);
  for (int s = 0; s < N_STATUS; s++) {
    CHECK_STR_EQ(intake_status_name((intake_status)s), want_status_names[s]);
    intake_status back = SENTINEL;
    CHECK_MSG(intake_status_parse(want_status_names[s], &back) == 0 && back == (intake_status)s,
              "parse(%s) -> %d", want_status_names[s], (int)back);
  }
  for (int e = 0; e < N_EVENT; e++)
    CHECK_STR_EQ(intake_event_name((intake_event)e), want_event_names[e]);

  static const char *const bad[] = { "", "submitted", "Submitted", "SUBMITTED ", " SUBMITTED",
                                     "SUBMIT", "UNKNOWN", "WITHDRAWNX", "PUSH" };
  for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    intake_status out = SENTINEL;
    CHECK_MSG(intake_status_parse(bad[i], &out) == -1 && out == SENTINEL,
              "parse(\"%s\") should fail", bad[i]);
  }
  intake_status out = SENTINEL;
  CHECK(intake_status_parse(NULL, &out) == -1 && out == SENTINEL);
  CHECK(intake_status_parse("APPROVED", NULL) == -1);
}

/* Applies evs[0..n) from NONE; returns the index of the first refused event, or n. */
static int walk(const intake_event *evs, int n, intake_status *end)
{
  intake_status cur = INTAKE_NONE;
  for (int i = 0; i < n; i++) {
    intake_status next;
    if (intake_fsm_next(cur, evs[i], &next) != 0) {
      *end = cur;
      return i;
    }
    cur = next;
  }
  *end = cur;
  return n;
}

static void test_life_cycles(void)
{
  intake_status end;
  const intake_event happy[] = { INTAKE_EV_SUBMIT, INTAKE_EV_APPROVE, INTAKE_EV_RECOMMEND,
                                 INTAKE_EV_PUSHED };
  CHECK(walk(happy, 4, &end) == 4 && end == INTAKE_PUSHED);

  const intake_event returned[] = { INTAKE_EV_SUBMIT, INTAKE_EV_RETURN, INTAKE_EV_REVISE,
                                    INTAKE_EV_RETURN, INTAKE_EV_REVISE, INTAKE_EV_APPROVE };
  CHECK(walk(returned, 6, &end) == 6 && end == INTAKE_APPROVED);

  const intake_event withdrawn_late[] = { INTAKE_EV_SUBMIT, INTAKE_EV_APPROVE, INTAKE_EV_RECOMMEND,
                                          INTAKE_EV_PUSHED, INTAKE_EV_WITHDRAW, INTAKE_EV_REVISE };
  CHECK(walk(withdrawn_late, 6, &end) == 5 && end == INTAKE_WITHDRAWN);

  /* A second submission of the same need, and a review after a rejection, are refused. */
  const intake_event resubmit[] = { INTAKE_EV_SUBMIT, INTAKE_EV_SUBMIT };
  CHECK(walk(resubmit, 2, &end) == 1 && end == INTAKE_SUBMITTED);
  const intake_event rejected[] = { INTAKE_EV_SUBMIT, INTAKE_EV_REJECT, INTAKE_EV_APPROVE };
  CHECK(walk(rejected, 3, &end) == 2 && end == INTAKE_REJECTED);

  /* Recommending before approval, or pushing twice, are refused. */
  const intake_event early[] = { INTAKE_EV_SUBMIT, INTAKE_EV_RECOMMEND };
  CHECK(walk(early, 2, &end) == 1 && end == INTAKE_SUBMITTED);
  const intake_event twice[] = { INTAKE_EV_SUBMIT, INTAKE_EV_APPROVE, INTAKE_EV_RECOMMEND,
                                 INTAKE_EV_PUSHED, INTAKE_EV_PUSHED };
  CHECK(walk(twice, 5, &end) == 4 && end == INTAKE_PUSHED);
}

int main(void)
{
  test_full_matrix();
  test_out_of_range();
  test_final();
  test_names();
  test_life_cycles();
  return CHECK_DONE();
}
