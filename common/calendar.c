/* calendar.c: working days and quarters. Dates are kept as day numbers (days since
 * 1970-01-01, proleptic Gregorian) in sorted arrays and looked up by binary search. */
#include "calendar.h"
#include "errbuf.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gfdx_calendar {
    int *years;
    size_t n_years;
    int32_t *holidays; /* sorted day numbers */
    size_t n_holidays;
    int32_t *workdays; /* sorted day numbers */
    size_t n_workdays;
};

#define CHINA_UTC_OFFSET_MS (8LL * 3600 * 1000)
#define MS_PER_DAY (86400LL * 1000)
#define YEAR_MIN 1900
#define YEAR_MAX 9999


/* ---- civil dates ---- */

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static bool date_exists(int y, int m, int d)
{
    return y >= 1 && y <= YEAR_MAX && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* Days since 1970-01-01 (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* 0 = Sunday ... 6 = Saturday; 1970-01-01 was a Thursday. */
static int weekday(int64_t days)
{
    int64_t w = (days + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static bool is_weekend(int64_t days)
{
    int w = weekday(days);
    return w == 0 || w == 6;
}

/* The civil date of a day number (H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Parses exactly "YYYY-MM-DD" of an existing date. */
static int parse_date(const char *s, int *y, int *m, int *d)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int v[3] = {0, 0, 0};
    static const int start[3] = {0, 5, 8}, len[3] = {4, 2, 2};
    for (int f = 0; f < 3; f++)
        for (int i = start[f]; i < start[f] + len[f]; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            v[f] = v[f] * 10 + (s[i] - '0');
        }
    if (!date_exists(v[0], v[1], v[2]))
        return -1;
    *y = v[0], *m = v[1], *d = v[2];
    return 0;
}

/* ---- lookups ---- */

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static bool day_in(const int32_t *days, size_t n, int64_t day)
{
    int32_t key = (int32_t)day;
    return n > 0 && (int64_t)key == day && bsearch(&key, days, n, sizeof *days, cmp_i32) != NULL;
}

bool gfdx_calendar_covers(const gfdx_calendar *cal, int year)
{
    if (!cal)
        return false;
    for (size_t i = 0; i < cal->n_years; i++)
        if (cal->years[i] == year)
            return true;
    return false;
}

/* The statutory holidays on fixed solar dates (全国年节及纪念日放假办法): 元旦 1 Jan, 劳动节
 * 1 May (and 2 May from 2025, the 2024 revision), 国庆节 1-3 Oct. */
static bool is_fixed_holiday(int y, int m, int d)
{
    return (m == 1 && d == 1) || (m == 5 && (d == 1 || (d == 2 && y >= 2025))) || (m == 10 && d <= 3);
}

/* The rule of calendar.h: the file's days for a covered year, else weekends and the fixed-date
 * holidays (the provisional rule). */
static bool working_day_num(const gfdx_calendar *cal, int64_t day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    if (!gfdx_calendar_covers(cal, y))
        return !is_weekend(day) && !is_fixed_holiday(y, m, d);
    if (day_in(cal->workdays, cal->n_workdays, day))
        return true;
    return !is_weekend(day) && !day_in(cal->holidays, cal->n_holidays, day);
}

bool gfdx_calendar_is_working_day(const gfdx_calendar *cal, int y, int m, int d)
{
    if (!cal || !date_exists(y, m, d))
        return false;
    return working_day_num(cal, days_from_civil(y, m, d));
}

/* ---- loading ---- */

void gfdx_calendar_free(gfdx_calendar *cal)
{
    if (!cal)
        return;
    free(cal->years);
    free(cal->holidays);
    free(cal->workdays);
    free(cal);
}

/* Reads calendar.years: a non-empty array of distinct ints in YEAR_MIN..YEAR_MAX. */
static int load_years(gfdx_calendar *cal, const config_setting_t *group, const char *path,
                      char *err, size_t errlen)
{
    const config_setting_t *ys = config_setting_get_member(group, "years");
    int n = ys && config_setting_is_aggregate(ys) ? config_setting_length(ys) : 0;
    if (n <= 0 || config_setting_is_group(ys)) {
        gfdx_errf(err, errlen, "%s: calendar.years: missing or not a non-empty array of years", path);
        return -1;
    }
    if (!(cal->years = calloc((size_t)n, sizeof *cal->years))) {
        gfdx_errf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(ys, (unsigned)i);
        int y = config_setting_type(e) == CONFIG_TYPE_INT ? config_setting_get_int(e) : 0;
        if (y < YEAR_MIN || y > YEAR_MAX) {
            gfdx_errf(err, errlen, "%s: calendar.years[%d]: not a year in %d-%d", path, i, YEAR_MIN,
                    YEAR_MAX);
            return -1;
        }
        if (gfdx_calendar_covers(cal, y)) {
            gfdx_errf(err, errlen, "%s: calendar.years[%d]: %d listed twice", path, i, y);
            return -1;
        }
        cal->years[cal->n_years++] = y;
    }
    return 0;
}

/* Checks entry i of calendar.<name> and returns its day number in *day. `seen` holds the
 * i entries before it (unsorted) for the duplicate check. */
static int check_date_entry(const gfdx_calendar *cal, const config_setting_t *list,
                            const char *name, int i, const int32_t *seen, int64_t *day,
                            const char *path, char *err, size_t errlen)
{
    const char *s = config_setting_get_string_elem(list, (unsigned)i);
    int y, m, d;
    if (!s || parse_date(s, &y, &m, &d) != 0) {
        gfdx_errf(err, errlen, "%s: calendar.%s[%d] \"%s\": not a valid date (YYYY-MM-DD)", path,
                name, i, s ? s : "(not a string)");
        return -1;
    }
    if (!gfdx_calendar_covers(cal, y)) {
        gfdx_errf(err, errlen, "%s: calendar.%s[%d] \"%s\": year %d is not in calendar.years",
                path, name, i, s, y);
        return -1;
    }
    *day = days_from_civil(y, m, d);
    for (int j = 0; j < i; j++)
        if (seen[j] == *day) {
            gfdx_errf(err, errlen, "%s: calendar.%s[%d] \"%s\": listed twice", path, name, i, s);
            return -1;
        }
    return 0;
}

/* Reads calendar.<name> (absent = empty) into an unsorted array of day numbers. */
static int load_dates(const gfdx_calendar *cal, const config_setting_t *group, const char *name,
                      int32_t **out, size_t *n_out, const char *path, char *err, size_t errlen)
{
    const config_setting_t *list = config_setting_get_member(group, name);
    if (!list)
        return 0;
    if (!config_setting_is_array(list) && !config_setting_is_list(list)) {
        gfdx_errf(err, errlen, "%s: calendar.%s: not an array of dates", path, name);
        return -1;
    }
    int n = config_setting_length(list);
    if (n == 0)
        return 0;
    if (!(*out = calloc((size_t)n, sizeof **out))) {
        gfdx_errf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        int64_t day;
        if (check_date_entry(cal, list, name, i, *out, &day, path, err, errlen) != 0)
            return -1;
        (*out)[(*n_out)++] = (int32_t)day;
    }
    return 0;
}

/* Workdays must fall on weekends and must not also be holidays. Holidays are sorted. */
static int check_workdays(const gfdx_calendar *cal, const config_setting_t *group,
                          const char *path, char *err, size_t errlen)
{
    const config_setting_t *list = config_setting_get_member(group, "workdays");
    for (size_t i = 0; i < cal->n_workdays; i++) {
        const char *s = config_setting_get_string_elem(list, (unsigned)i);
        if (!is_weekend(cal->workdays[i])) {
            gfdx_errf(err, errlen,
                    "%s: calendar.workdays[%zu] \"%s\": make-up working day is not a Saturday "
                    "or Sunday", path, i, s);
            return -1;
        }
        if (day_in(cal->holidays, cal->n_holidays, cal->workdays[i])) {
            gfdx_errf(err, errlen, "%s: calendar.workdays[%zu] \"%s\": also listed as a holiday",
                    path, i, s);
            return -1;
        }
    }
    return 0;
}

static int load_group(gfdx_calendar *cal, const config_t *cfg, const char *path, char *err,
                      size_t errlen)
{
    const config_setting_t *group = config_lookup(cfg, "calendar");
    if (!group || !config_setting_is_group(group)) {
        gfdx_errf(err, errlen, "%s: missing group `calendar`", path);
        return -1;
    }
    if (load_years(cal, group, path, err, errlen) != 0 ||
        load_dates(cal, group, "holidays", &cal->holidays, &cal->n_holidays, path, err,
                   errlen) != 0 ||
        load_dates(cal, group, "workdays", &cal->workdays, &cal->n_workdays, path, err,
                   errlen) != 0)
        return -1;
    if (cal->n_holidays)
        qsort(cal->holidays, cal->n_holidays, sizeof *cal->holidays, cmp_i32);
    if (check_workdays(cal, group, path, err, errlen) != 0)
        return -1;
    if (cal->n_workdays)
        qsort(cal->workdays, cal->n_workdays, sizeof *cal->workdays, cmp_i32);
    return 0;
}

gfdx_calendar *gfdx_calendar_load(const char *path, char *err, size_t errlen)
{
    if (!path) {
        gfdx_errf(err, errlen, "calendar: no file given");
        return NULL;
    }
    config_t cfg;
    config_init(&cfg);
    gfdx_calendar *cal = NULL;
    if (config_read_file(&cfg, path) != CONFIG_TRUE) {
        gfdx_errf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
                config_error_text(&cfg));
        goto fail;
    }
    if (!(cal = calloc(1, sizeof *cal))) {
        gfdx_errf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    if (load_group(cal, &cfg, path, err, errlen) != 0)
        goto fail;
    config_destroy(&cfg);
    return cal;
fail:
    gfdx_calendar_free(cal);
    config_destroy(&cfg);
    return NULL;
}

/* ---- quarters ---- */

int gfdx_calendar_last_working_day(const gfdx_calendar *cal, int year, int quarter, int *month,
                                   int *day)
{
    if (!cal || year < YEAR_MIN || year > YEAR_MAX || quarter < 1 || quarter > 4 || !month || !day)
        return -1;
    for (int m = quarter * 3; m > quarter * 3 - 3; m--)
        for (int d = days_in_month(year, m); d >= 1; d--)
            if (working_day_num(cal, days_from_civil(year, m, d))) {
                *month = m, *day = d;
                return 0;
            }
    return -1;
}

int gfdx_quarter_parse(const char *s, int *year, int *q)
{
    if (!s || strlen(s) != 6 || s[4] != 'Q' || s[5] < '1' || s[5] > '4')
        return -1;
    int y = 0;
    for (int i = 0; i < 4; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        y = y * 10 + (s[i] - '0');
    }
    *year = y;
    *q = s[5] - '0';
    return 0;
}

void gfdx_quarter_format(int year, int q, char out[8])
{
    if (year < 0 || year > 9999 || q < 1 || q > 4) {
        out[0] = '\0';
        return;
    }
    out[0] = (char)('0' + year / 1000);
    out[1] = (char)('0' + year / 100 % 10);
    out[2] = (char)('0' + year / 10 % 10);
    out[3] = (char)('0' + year % 10);
    out[4] = 'Q';
    out[5] = (char)('0' + q);
    out[6] = '\0';
}

/* Day number of a Unix-ms instant in China time (floor division, so pre-1970 works). */
static int64_t china_day(int64_t ms)
{
    int64_t local = ms > INT64_MAX - CHINA_UTC_OFFSET_MS ? INT64_MAX : ms + CHINA_UTC_OFFSET_MS;
    int64_t day = local / MS_PER_DAY;
    return local % MS_PER_DAY < 0 ? day - 1 : day;
}

/* Moves (*y, *q) past every quarter whose last working day is before `day`; sets *late if it
 * moved at all, and *uncovered to the first year it looked at that the file does not cover
 * (left alone when every one is). Fails only outside YEAR_MIN..YEAR_MAX. */
static int advance_past(const gfdx_calendar *cal, int64_t day, int *y, int *q, bool *late,
                        int *uncovered, char *err, size_t errlen)
{
    *late = false;
    for (;;) {
        int m, d;
        if (*y < YEAR_MIN || *y > YEAR_MAX) {
            gfdx_errf(err, errlen, "%04dQ%d is outside the years %d-%d", *y, *q, YEAR_MIN, YEAR_MAX);
            return -1;
        }
        if (!gfdx_calendar_covers(cal, *y) && !*uncovered)
            *uncovered = *y;
        if (gfdx_calendar_last_working_day(cal, *y, *q, &m, &d) != 0) {
            gfdx_errf(err, errlen, "%04dQ%d has no working day in the calendar", *y, *q);
            return -1;
        }
        if (day <= days_from_civil(*y, m, d))
            return 0;
        *late = true;
        *y += *q == 4; /* ends at the year of `day` at the latest */
        *q = *q % 4 + 1;
    }
}

/* A major need keeps the quarter it names, but only one within a year of `day`: the quarter
 * ends at most 365 days before it and starts at most 365 days after it. */
static int major_within_year(int64_t day, int y, int q, char *err, size_t errlen)
{
    int64_t start = days_from_civil(y, 3 * q - 2, 1);
    int64_t end = (q == 4 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, 3 * q + 1, 1)) - 1;
    if (end >= day - 365 && start <= day + 365)
        return 0;
    gfdx_errf(err, errlen, "%04dQ%d is not within a year of the recommendation (a major need's quarter must be)", y,
            q);
    return -1;
}

int gfdx_calendar_assign_quarter(const gfdx_calendar *cal, const char *quarter,
                                 int64_t occurred_at_ms, bool is_major, char out_quarter[8],
                                 bool *late, gfdx_calendar_basis *basis, char *err, size_t errlen)
{
    int y, q, uncovered = 0;
    bool is_late = false;
    if (gfdx_quarter_parse(quarter, &y, &q) != 0) {
        gfdx_errf(err, errlen, "bad quarter \"%s\" (expected e.g. 2026Q1)", quarter ? quarter : "");
        return -1;
    }
    if (!cal || !out_quarter || !late) {
        gfdx_errf(err, errlen, "assign_quarter: missing calendar or output");
        return -1;
    }
    if (is_major ? major_within_year(china_day(occurred_at_ms), y, q, err, errlen) != 0
                 : advance_past(cal, china_day(occurred_at_ms), &y, &q, &is_late, &uncovered, err, errlen) != 0)
        return -1;
    gfdx_quarter_format(y, q, out_quarter);
    *late = is_late;
    if (basis)
        *basis = (gfdx_calendar_basis){.official = uncovered == 0, .uncovered_year = uncovered};
    return 0;
}

/* ---- the notice a provisional decision lacks ---- */

int gfdx_calendar_notice_title(int year, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "国务院办公厅关于%d年部分节假日安排的通知", year);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* One flag per year YEAR_MIN..YEAR_MAX for the whole process. */
static atomic_bool announced[YEAR_MAX - YEAR_MIN + 1];

bool gfdx_calendar_first_notice(int year)
{
    if (year < YEAR_MIN || year > YEAR_MAX)
        return false;
    return !atomic_exchange(&announced[year - YEAR_MIN], true);
}

/* ---- ageing ---- */

int64_t gfdx_calendar_working_days_between(const gfdx_calendar *cal, int64_t from_ms, int64_t to_ms)
{
    if (!cal || to_ms <= from_ms)
        return 0;
    int64_t from = china_day(from_ms), to = china_day(to_ms);
    if (to - from > 40000) /* beyond a century: the ageing of a dated figure, not a loop bound */
        to = from + 40000;
    int64_t n = 0;
    for (int64_t day = from + 1; day <= to; day++)
        n += working_day_num(cal, day);
    return n;
}
