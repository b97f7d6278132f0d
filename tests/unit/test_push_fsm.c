/* test_push_fsm: every (status, event) pair of gfdx-push's state machines against the
 * expectation written here from DESIGN §6.2 and the brief (a need is pushed once; a second
 * push is ILLEGAL_TRANSITION; a withdrawal of an unknown need is UNKNOWN_NEED; WITHDRAWN is
 * final; a dispatch is made ACTIVE once and CANCELLED once; banks are assigned to a dispatched
 * need only; a watch alert is raised once and closed once), plus the name/parse round trips
 * the stored statuses rely on. */
#include "check.h"
#include "push/push_fsm.h"

#include <string.h>

typedef struct {
    push_status from;
    push_event ev;
    const char *refusal; /* NULL: legal */
    push_status to;
} expectation;

static const expectation table[] = {
    {PUSH_NONE, PUSH_EV_PUSH, NULL, PUSH_DISPATCHED},
    {PUSH_NONE, PUSH_EV_WITHDRAW, "UNKNOWN_NEED", PUSH_NONE},
    {PUSH_DISPATCHED, PUSH_EV_PUSH, "ILLEGAL_TRANSITION", PUSH_NONE},
    {PUSH_DISPATCHED, PUSH_EV_WITHDRAW, NULL, PUSH_WITHDRAWN},
    {PUSH_WITHDRAWN, PUSH_EV_PUSH, "ILLEGAL_TRANSITION", PUSH_NONE},
    {PUSH_WITHDRAWN, PUSH_EV_WITHDRAW, "ILLEGAL_TRANSITION", PUSH_NONE},
    /* BanksAssigned (issue 12): only on a dispatched need, which stays DISPATCHED */
    {PUSH_NONE, PUSH_EV_ASSIGN, "UNKNOWN_NEED", PUSH_NONE},
    {PUSH_DISPATCHED, PUSH_EV_ASSIGN, NULL, PUSH_DISPATCHED},
    {PUSH_WITHDRAWN, PUSH_EV_ASSIGN, "NEED_WITHDRAWN", PUSH_NONE},
};

static void test_every_pair(void)
{
    CHECK(sizeof table / sizeof table[0] == PUSH_STATUS_COUNT * PUSH_EVENT_COUNT);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const expectation *e = &table[i];
        push_status next = (push_status)99;
        int rc = push_fsm_next(e->from, e->ev, &next);
        if (e->refusal) {
            const char *got = push_fsm_refusal(e->from, e->ev);
            CHECK_MSG(rc == -1 && !strcmp(got, e->refusal), "%s on %s: want %s, got rc %d %s", push_event_name(e->ev),
                      push_status_name(e->from), e->refusal, rc, got);
            CHECK_MSG(next == (push_status)99, "refused transition must leave *next alone");
        } else {
            CHECK_MSG(rc == 0, "%s on %s: want legal, got %d", push_event_name(e->ev), push_status_name(e->from), rc);
            CHECK_MSG(next == e->to, "%s on %s: want %s, got %s", push_event_name(e->ev), push_status_name(e->from),
                      push_status_name(e->to), push_status_name(next));
        }
    }
}

static void test_names(void)
{
    for (int s = 0; s < PUSH_STATUS_COUNT; s++) {
        push_status back = (push_status)99;
        CHECK(push_status_parse(push_status_name((push_status)s), &back) == 0 && back == (push_status)s);
    }
    CHECK_STR_EQ(push_status_name(PUSH_DISPATCHED), "DISPATCHED"); /* pboc.need CHECK constraint */
    CHECK_STR_EQ(push_status_name(PUSH_WITHDRAWN), "WITHDRAWN");
    CHECK_STR_EQ(push_status_name((push_status)7), "UNKNOWN");
    CHECK_STR_EQ(push_event_name(PUSH_EV_WITHDRAW), "WITHDRAW");
    CHECK_STR_EQ(push_event_name((push_event)7), "UNKNOWN");
    push_status out = PUSH_DISPATCHED;
    CHECK(push_status_parse("UNKNOWN", &out) == -1 && out == PUSH_DISPATCHED);
    CHECK(push_status_parse("dispatched", &out) == -1 && push_status_parse(NULL, &out) == -1);
    CHECK(push_status_parse("", &out) == -1 && out == PUSH_DISPATCHED);
}

/* Whole lives: push then withdraw; a push after the withdrawal stays refused. */
static void test_walks(void)
{
    push_status s = PUSH_NONE;
    CHECK(push_fsm_next(s, PUSH_EV_PUSH, &s) == 0 && s == PUSH_DISPATCHED);
    CHECK(push_fsm_next(s, PUSH_EV_WITHDRAW, &s) == 0 && s == PUSH_WITHDRAWN);
    CHECK(push_fsm_next(s, PUSH_EV_PUSH, &s) == -1 && s == PUSH_WITHDRAWN);
}

/* The dispatch life cycle: NONE -DISPATCH-> ACTIVE -CANCEL-> CANCELLED, nothing else. */
static void test_dispatch(void)
{
    static const struct {
        push_dispatch_status from;
        push_dispatch_event ev;
        int rc;
        push_dispatch_status to;
    } t[] = {
        {PUSH_DISPATCH_NONE, PUSH_DEV_DISPATCH, 0, PUSH_DISPATCH_ACTIVE},
        {PUSH_DISPATCH_NONE, PUSH_DEV_CANCEL, -1, 0},
        {PUSH_DISPATCH_ACTIVE, PUSH_DEV_DISPATCH, -1, 0},
        {PUSH_DISPATCH_ACTIVE, PUSH_DEV_CANCEL, 0, PUSH_DISPATCH_CANCELLED},
        {PUSH_DISPATCH_CANCELLED, PUSH_DEV_DISPATCH, -1, 0},
        {PUSH_DISPATCH_CANCELLED, PUSH_DEV_CANCEL, -1, 0},
    };
    CHECK(sizeof t / sizeof t[0] == PUSH_DISPATCH_STATUS_COUNT * PUSH_DISPATCH_EVENT_COUNT);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        push_dispatch_status next = (push_dispatch_status)99;
        int rc = push_dispatch_fsm_next(t[i].from, t[i].ev, &next);
        CHECK_MSG(rc == t[i].rc, "dispatch pair %zu: rc %d", i, rc);
        CHECK_MSG(next == (rc ? (push_dispatch_status)99 : t[i].to), "dispatch pair %zu: next %d", i, (int)next);
    }
    CHECK_STR_EQ(push_dispatch_status_name(PUSH_DISPATCH_ACTIVE), "ACTIVE"); /* pboc.dispatch CHECK constraint */
    CHECK_STR_EQ(push_dispatch_status_name(PUSH_DISPATCH_CANCELLED), "CANCELLED");
    CHECK_STR_EQ(push_dispatch_status_name((push_dispatch_status)9), "UNKNOWN");
    for (int s = 0; s < PUSH_DISPATCH_STATUS_COUNT; s++) {
        push_dispatch_status back = (push_dispatch_status)99;
        CHECK(push_dispatch_status_parse(push_dispatch_status_name((push_dispatch_status)s), &back) == 0 &&
              back == (push_dispatch_status)s);
    }
    push_dispatch_status out = PUSH_DISPATCH_ACTIVE;
    CHECK(push_dispatch_status_parse("active", &out) == -1 && push_dispatch_status_parse(NULL, &out) == -1);
    CHECK(out == PUSH_DISPATCH_ACTIVE);
}

/* The alert life cycle: NONE -RAISE-> OPEN -CLOSE-> CLOSED, nothing else. */
static void test_alert(void)
{
    static const struct {
        push_alert_status from;
        push_alert_event ev;
        int rc;
        push_alert_status to;
    } t[] = {
        {PUSH_ALERT_NONE, PUSH_AEV_RAISE, 0, PUSH_ALERT_OPEN},   {PUSH_ALERT_NONE, PUSH_AEV_CLOSE, -1, 0},
        {PUSH_ALERT_OPEN, PUSH_AEV_RAISE, -1, 0},                {PUSH_ALERT_OPEN, PUSH_AEV_CLOSE, 0, PUSH_ALERT_CLOSED},
        {PUSH_ALERT_CLOSED, PUSH_AEV_RAISE, -1, 0},              {PUSH_ALERT_CLOSED, PUSH_AEV_CLOSE, -1, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        push_alert_status next = (push_alert_status)99;
        int rc = push_alert_fsm_next(t[i].from, t[i].ev, &next);
        CHECK_MSG(rc == t[i].rc, "alert pair %zu: rc %d", i, rc);
        CHECK_MSG(next == (rc ? (push_alert_status)99 : t[i].to), "alert pair %zu: next %d", i, (int)next);
    }
    CHECK_STR_EQ(push_alert_status_name(PUSH_ALERT_OPEN), "OPEN"); /* pboc.alert CHECK constraint */
    CHECK_STR_EQ(push_alert_status_name(PUSH_ALERT_CLOSED), "CLOSED");
    CHECK_STR_EQ(push_alert_status_name((push_alert_status)9), "UNKNOWN");
    push_alert_status out = PUSH_ALERT_OPEN;
    CHECK(push_alert_status_parse("CLOSED", &out) == 0 && out == PUSH_ALERT_CLOSED);
    CHECK(push_alert_status_parse("open", &out) == -1 && push_alert_status_parse(NULL, &out) == -1);
    CHECK(out == PUSH_ALERT_CLOSED);
}

int main(void)
{
    test_alert();
    test_every_pair();
    test_names();
    test_walks();
    test_dispatch();
    return CHECK_DONE();
}
