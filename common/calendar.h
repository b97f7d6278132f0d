/* calendar.h: China's working-day calendar (工作日历) and reporting quarters.
 *
 * Loaded from a libconfig file:
 *   calendar = {
 *     years    = [2025, 2026];            // years the file fully describes
 *     holidays = ["2025-01-01", ...];     // every official day off (放假), weekends included
 *     workdays = ["2025-01-26", ...];     // make-up working days (调休上班), all on weekends
 *   };
 * A day of a year in `years` is a working day iff (Monday-Friday and not a holiday) or it is a
 * listed workday (the official calendar: the State Council General Office's notice,
 * 国务院办公厅关于<year>年部分节假日安排的通知, for that year).
 * A day of a year NOT in `years` (the provisional rule, so that a year the file does not
 * cover yet never refuses a legitimate record): Monday-Friday except the statutory holidays on
 * fixed solar dates, 元旦 1 Jan, 劳动节 1 May (and 2 May from 2025: 全国年节及纪念日放假办法 as
 * revised in 2024), 国庆节 1-3 Oct. The lunar holidays (春节, 清明, 端午, 中秋), the days the
 * notice adds around the holidays and the make-up working days (调休) are unknown then, so a
 * provisional answer may call a day off a working day and vice versa: decisions made with it
 * say so (gfdx_calendar_basis), and the notice should be added to the file.
 *
 * Quarters are written "2026Q1" (4-digit year, 'Q', 1-4). Dates of records are taken in
 * China time (UTC+8, no daylight saving).
 *
 * A loaded calendar is immutable: share it between threads freely; reload by loading a new
 * one and swapping the pointer. */
#ifndef GFDX_CALENDAR_H
#define GFDX_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gfdx_calendar gfdx_calendar;

/* Loads and validates the calendar file. Returns a calendar the caller frees with
 * gfdx_calendar_free, or NULL with err naming the file and the offending entry
 * ("calendar.workdays[1] \"2025-02-05\": make-up working day is not a Saturday or Sunday").
 * Refused: a missing calendar group or `years`; a year outside 1900-9999 or listed twice;
 * a date that is not YYYY-MM-DD or does not exist; a date whose year is not in `years`;
 * a date listed twice; a workday on Monday-Friday; a date listed both as holiday and workday. */
gfdx_calendar *gfdx_calendar_load(const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void gfdx_calendar_free(gfdx_calendar *cal); /* accepts NULL */

/* True when y-m-d is a working day (rule above: official or provisional). A date that does not
 * exist -> false. */
bool gfdx_calendar_is_working_day(const gfdx_calendar *cal, int y, int m, int d);

/* True when year is listed in the file's `years` (its days are official, not provisional). */
bool gfdx_calendar_covers(const gfdx_calendar *cal, int year);

/* The last working day of quarter (1-4) of year (1900-9999) into *month, *day, by the rule
 * above (provisional for a year gfdx_calendar_covers does not). Returns 0, or -1 if cal is
 * NULL, year or quarter is out of range or the quarter has no working day. */
int gfdx_calendar_last_working_day(const gfdx_calendar *cal, int year, int quarter, int *month,
                                   int *day) __attribute__((warn_unused_result));

/* Parses "2026Q1" exactly into *year and *q. Returns 0, or -1 (outputs untouched). */
int gfdx_quarter_parse(const char *s, int *year, int *q) __attribute__((warn_unused_result));

/* Writes "2026Q1" into out. year must be 0-9999 and q 1-4, else out is set to "". */
void gfdx_quarter_format(int year, int q, char out[8]);

/* What a calendar decision was based on. */
typedef struct {
    bool official;      /* every year it looked at is covered by the file */
    int uncovered_year; /* !official: the first year it looked at that the file does not cover
                           (whose notice to add); 0 when official */
} gfdx_calendar_basis;

/* Assigns a recommendation to a reporting quarter (DESIGN §6.1, §8). quarter is the one the
 * sender named; occurred_at_ms is the record's deadline clock (gfdx_record.clock: log-append
 * time or receive time, never meta.occurred_at) in Unix ms, taken as a date in China time.
 *   - is_major: the named quarter is kept and *late = false, provided it is within a year of
 *     the date (ends at most 365 days before it, starts at most 365 days after it), else -1;
 *   - date on or before the named quarter's last working day: kept, *late = false;
 *   - otherwise *late = true and the record goes to the next quarter (Q4 -> next year's Q1);
 *     if the date is also after that quarter's last working day, to the first following
 *     quarter whose last working day is on or after the date.
 * The last working days come from the rule above: a year the file does not cover is decided
 * by the provisional rule, never refused, and *basis (may be NULL) says so (official = false,
 * uncovered_year); a major need looks at no calendar (official). For covered years the
 * outcome is exactly the official calendar's.
 * Writes the result to out_quarter. Returns 0, or -1 with err when quarter is malformed, cal
 * or an output is missing, or a quarter it must look at lies outside 1900-9999. */
int gfdx_calendar_assign_quarter(const gfdx_calendar *cal, const char *quarter,
                                 int64_t occurred_at_ms, bool is_major, char out_quarter[8],
                                 bool *late, gfdx_calendar_basis *basis, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The title of the State Council General Office's holiday notice for year, to add to the
 * calendar file: "国务院办公厅关于2031年部分节假日安排的通知". 0, or -1 if out is too small. */
int gfdx_calendar_notice_title(int year, char *out, size_t outlen);

/* True the first time it is called for year (1900-9999) in this process, false afterwards
 * (thread-safe): lets a service log "add the notice for <year>" once per year per process,
 * not once per record, outside its pure decisions. False for a year out of range. */
bool gfdx_calendar_first_notice(int year);

/* Ageing in working days (issue 12: timeliness): the working days after from_ms's date up to
 * and including to_ms's date, both taken in China time (rule above, so a year the file does not
 * cover counts by its fallback: weekends and the fixed-date holidays). 0 when to_ms <= from_ms
 * or cal is NULL. A record received on a Friday has aged 1 working day on Monday (or on the
 * next working day). */
int64_t gfdx_calendar_working_days_between(const gfdx_calendar *cal, int64_t from_ms, int64_t to_ms);

#endif
