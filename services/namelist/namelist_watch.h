/* namelist_watch.h: gfdx-namelist's watch (service.h "the watch"): an entry with no report for
 * a half-year is flagged (DESIGN §6.4; the Shapingba plan, seed 004 item 9: the ecology bureau
 * reports the listed projects' carbon benefits regularly).
 *
 * After a half-year ends and namelist.report_grace_working_days working days have passed
 * (gfdx_calendar_working_days_between from the half-year's last day, China time), every entry
 * of a list of a kind in namelist.report_kinds (default the green project lists) that was on
 * the list at some time during the half-year and has no CarbonBenefitReported for it is
 * flagged once: a district.missing_report row (which makes a later round a no-op) and a
 * ReportMissing record on the list's district topic gfdx.namelist-changes.<region>, addressed
 * to the district's ecology bureau and the report's recipients. A round looks at the last two
 * completed half-years (a report that arrives later stops nothing already flagged; one that
 * arrives before the round prevents the flag). */
#ifndef NAMELIST_WATCH_H
#define NAMELIST_WATCH_H

#include <jansson.h>
#include <stdint.h>

#include "calendar.h"
#include "service.h"

/* The back-th completed half-year before now_ms (0: the last one, China time): its name
 * ("2026H1") and bounds [start, end) in Unix ms. 0, or -1 outside 2000-2099. */
int namelist_half_year_before(int64_t now_ms, int back, char period[8], int64_t *start_ms, int64_t *end_ms);

/* When a half-year ending at end_ms falls due: 00:00 China time of the day on which grace
 * working days after its last day have passed (end_ms itself for grace 0). */
int64_t namelist_report_due_ms(const gfdx_calendar *cal, int64_t end_ms, int grace);

/* The pure part of a round: for each candidate of `candidates` (objects list_id, entry_key,
 * uscc, region) with neither a carbon_report nor a missing_report row for `period` in
 * w->rows, stages the missing_report row and emits ReportMissing. Returns the number flagged,
 * or -1 with w->err. */
int namelist_watch_flag(gfdx_watch *w, const json_t *candidates, const char *period, int64_t due_ms);

/* The watch hook (gfdx_watch_fn); service_ctx is the namelist_ctx. */
int namelist_watch(void *service_ctx, gfdx_watch *w);

#endif
