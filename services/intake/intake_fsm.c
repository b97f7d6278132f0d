/* intake_fsm.c: the intake life cycle as one transition table (see intake_fsm.h). */
#include "intake_fsm.h"

#include <stddef.h>
#include <string.h>

static const char *const status_names[INTAKE_STATUS_COUNT] = {
  [INTAKE_NONE] = "NONE",
  [INTAKE_SUBMITTED] = "SUBMITTED",
  [INTAKE_APPROVED] = "APPROVED",
  [INTAKE_REJECTED] = "REJECTED",
  [INTAKE_RETURNED] = "RETURNED",
  [INTAKE_RECOMMENDED] = "RECOMMENDED",
  [INTAKE_PUSHED] = "PUSHED",
  [INTAKE_WITHDRAWN] = "WITHDRAWN",
};

static const char *const event_names[INTAKE_EVENT_COUNT] = {
  [INTAKE_EV_SUBMIT] = "SUBMIT",
  [INTAKE_EV_REVISE] = "REVISE",
  [INTAKE_EV_APPROVE] = "APPROVE",
  [INTAKE_EV_REJECT] = "REJECT",
  [INTAKE_EV_RETURN] = "RETURN",
  [INTAKE_EV_RECOMMEND] = "RECOMMEND",
  [INTAKE_EV_PUSHED] = "PUSHED",
  [INTAKE_EV_WITHDRAW] = "WITHDRAW",
};

_Static_assert(INTAKE_WITHDRAWN + 1 == INTAKE_STATUS_COUNT, "INTAKE_STATUS_COUNT out of date");
_Static_assert(INTAKE_EV_WITHDRAW + 1 == INTAKE_EVENT_COUNT, "INTAKE_EVENT_COUNT out of date");

/* Cells hold target status + 1 so that the zero of an omitted cell means "illegal". */
#define TO(st) ((unsigned char)((st) + 1))

static const unsigned char transitions[INTAKE_STATUS_COUNT][INTAKE_EVENT_COUNT] = {
  [INTAKE_NONE] = {
    [INTAKE_EV_SUBMIT] = TO(INTAKE_SUBMITTED),
  },
  [INTAKE_SUBMITTED] = {
    [INTAKE_EV_REVISE] = TO(INTAKE_SUBMITTED),
    [INTAKE_EV_APPROVE] = TO(INTAKE_APPROVED),
    [INTAKE_EV_REJECT] = TO(INTAKE_REJECTED),
    [INTAKE_EV_RETURN] = TO(INTAKE_RETURNED),
    [INTAKE_EV_WITHDRAW] = TO(INTAKE_WITHDRAWN),
  },
  [INTAKE_APPROVED] = {
    [INTAKE_EV_RECOMMEND] = TO(INTAKE_RECOMMENDED),
    [INTAKE_EV_WITHDRAW] = TO(INTAKE_WITHDRAWN),
  },
  [INTAKE_RETURNED] = {
    [INTAKE_EV_REVISE] = TO(INTAKE_SUBMITTED),
    [INTAKE_EV_WITHDRAW] = TO(INTAKE_WITHDRAWN),
  },
  [INTAKE_RECOMMENDED] = {
    [INTAKE_EV_PUSHED] = TO(INTAKE_PUSHED),
    [INTAKE_EV_WITHDRAW] = TO(INTAKE_WITHDRAWN),
  },
  [INTAKE_PUSHED] = {
    [INTAKE_EV_WITHDRAW] = TO(INTAKE_WITHDRAWN),
  },
  /* INTAKE_REJECTED and INTAKE_WITHDRAWN are final: all cells illegal. */
};

static bool status_valid(intake_status st)
{
  return (unsigned)st < INTAKE_STATUS_COUNT;
}

static bool event_valid(intake_event ev)
{
  return (unsigned)ev < INTAKE_EVENT_COUNT;
}

const char *intake_status_name(intake_status st)
{
  return status_valid(st) ? status_names[st] : "UNKNOWN";
}

int intake_status_parse(const char *name, intake_status *out)
{
  if (name == NULL || out == NULL)
    return -1;
  for (unsigned i = 0; i < INTAKE_STATUS_COUNT; i++) {
    if (strcmp(name, status_names[i]) == 0) {
      *out = (intake_status)i;
      return 0;
    }
  }
  return -1;
}

const char *intake_event_name(intake_event ev)
{
  return event_valid(ev) ? event_names[ev] : "UNKNOWN";
}

int intake_fsm_next(intake_status cur, intake_event ev, intake_status *next)
{
  if (next == NULL || !status_valid(cur) || !event_valid(ev))
    return -1;
  unsigned char cell = transitions[cur][ev];
  if (cell == 0)
    return -1;
  *next = (intake_status)(cell - 1);
  return 0;
}

bool intake_status_is_final(intake_status st)
{
  return st == INTAKE_REJECTED || st == INTAKE_WITHDRAWN;
}
