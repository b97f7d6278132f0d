/* intake_remind.h: the deadline reminder (issue 13, DESIGN §6.1), gfdx-intake's watch
 * (service.h "the watch").
 *
 * Approved needs must be recommended to MIIT by the quarter's last working day, or they go to
 * the next quarter marked late. intake.reminder_days working days before that day (counted
 * with the holiday calendar: gfdx_calendar_working_days_between), and on every day up to it,
 * each reviewing authority with approved needs not recommended yet gets one
 * RecommendationReminder on its own receipts topic (<topics.receipts_prefix><authority>, key
 * = the authority): the needs, oldest approval first, with their ageing in working days, in
 * parts of at most INTAKE_REMIND_PART needs. The authority reminded is the sender of the
 * NeedReviewed that approved the need (a province, 计划单列市 or 兵团 authority). Once per
 * (authority, quarter): the intake.reminder row (005_reminder.sql) makes every later round a
 * no-op, so a need approved after the reminder went out is not reminded of in that quarter. */
#ifndef INTAKE_REMIND_H
#define INTAKE_REMIND_H

#include <stdbool.h>
#include <stdint.h>

#include "service.h"

#define INTAKE_REMIND_PART 500
#define INTAKE_REMIND_DAYS_DEFAULT 5

extern const gfdx_table intake_reminder_table;

/* The quarter whose deadline is due for a reminder at now_ms. */
typedef struct {
    char quarter[8];      /* "2026Q1" */
    char deadline[11];    /* its last working day, "2026-03-31" */
    int64_t days_left;    /* working days after today up to the deadline */
} intake_due_quarter;

/* 1 when now_ms (China date) is on or before its quarter's last working day and at most
 * `days` working days before it (*due set); 0 when not (or days is 0: reminders off, or the
 * calendar cannot name the quarter's last working day). */
int intake_remind_due(const gfdx_calendar *cal, int64_t now_ms, int days, intake_due_quarter *due);

/* The decision, pure: pending is the store's array of approved needs not recommended
 * ({need_id, factory_name, project_name, financing_amount, is_major, authority,
 * approved_at_ms}, by authority then approval), the rowset holds the reminder rows of those
 * authorities for due->quarter. Stages one reminder (row and records) per authority that has
 * none yet. 0, or -1 with w->err (*w->transient). */
int intake_remind_decide(gfdx_watch *w, const intake_due_quarter *due, const json_t *pending);

/* gfdx_watch_fn of gfdx-intake. */
int intake_remind_watch(void *service_ctx, gfdx_watch *w);

#endif
