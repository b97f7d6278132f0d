/* test_calendar.c: the shipped deploy/calendar.cfg (2025, 2026), a test calendar with
 * quarter ends on weekends and holidays (data/calendar_2024_2030.cfg), quarter strings,
 * the late-recommendation rule of DESIGN §6.1 and the load-time validation. */
#include "calendar.h"
#include "check.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define SHIPPED GFDX_SOURCE_DIR "/deploy/calendar.cfg"
#define TESTCAL GFDX_SOURCE_DIR "/tests/unit/data/calendar_2024_2030.cfg"

/* Unix ms of a wall-clock time in China (UTC+8), computed with libc's timegm so the test
 * does not share the module's date arithmetic. */
static int64_t china_ms(int y, int mo, int d, int h, int mi, int s, int ms)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi, .tm_sec = s};
    return ((int64_t)timegm(&tm) - 8 * 3600) * 1000 + ms;
}

static void expect_lwd(const gfdx_calendar *cal, int y, int q, int em, int ed)
{
    int m = 0, d = 0;
    int rc = gfdx_calendar_last_working_day(cal, y, q, &m, &d);
    CHECK_MSG(rc == 0 && m == em && d == ed, "%dQ%d: got rc=%d %02d-%02d, want %02d-%02d", y, q,
              rc, m, d, em, ed);
}

static void test_shipped_last_working_days(const gfdx_calendar *cal)
{
    /* 2025: Mar 31 is a Monday, Jun 30 a Monday, Sep 30 a Tuesday (the 国庆+中秋 break starts
     * Oct 1), Dec 31 a Wednesday: each quarter's last calendar day is a working day. */
    expect_lwd(cal, 2025, 1, 3, 31);
    expect_lwd(cal, 2025, 2, 6, 30);
    expect_lwd(cal, 2025, 3, 9, 30);
    expect_lwd(cal, 2025, 4, 12, 31);
    /* 2026: Mar 31 Tuesday, Jun 30 Tuesday, Sep 30 Wednesday (国庆 starts Oct 1; 中秋 was
     * Sep 25-27), Dec 31 Thursday: again the last calendar day. */
    expect_lwd(cal, 2026, 1, 3, 31);
    expect_lwd(cal, 2026, 2, 6, 30);
    expect_lwd(cal, 2026, 3, 9, 30);
    expect_lwd(cal, 2026, 4, 12, 31);

    int m = 0, d = 0;
    expect_lwd(cal, 2027, 1, 3, 31); /* not covered: by the provisional rule, Wed Mar 31 */
    CHECK(gfdx_calendar_last_working_day(cal, 1899, 1, &m, &d) == -1);
    CHECK(gfdx_calendar_last_working_day(cal, 10000, 1, &m, &d) == -1);
    CHECK(gfdx_calendar_last_working_day(cal, 2025, 0, &m, &d) == -1);
    CHECK(gfdx_calendar_last_working_day(cal, 2025, 5, &m, &d) == -1);
    CHECK(gfdx_calendar_last_working_day(NULL, 2025, 1, &m, &d) == -1);
}

static void test_test_calendar_last_working_days(void)
{
    char err[256] = "";
    gfdx_calendar *cal = gfdx_calendar_load(TESTCAL, err, sizeof err);
    CHECK_MSG(cal != NULL, "%s", err);
    if (!cal)
        return;
    expect_lwd(cal, 2024, 1, 3, 29);  /* Mar 31 Sun, Mar 30 Sat -> Fri Mar 29 */
    expect_lwd(cal, 2024, 2, 6, 28);  /* Jun 30 Sun, Jun 29 Sat -> Fri Jun 28 */
    expect_lwd(cal, 2024, 3, 9, 30);  /* Mon Sep 30 (Sun Sep 29 was a make-up day) */
    expect_lwd(cal, 2024, 4, 12, 31); /* Tue Dec 31 */
    expect_lwd(cal, 2030, 1, 3, 30);  /* Mar 31 Sun; Sat Mar 30 is a (synthetic) make-up day */
    expect_lwd(cal, 2030, 2, 6, 26);  /* Jun 29-30 weekend, Jun 27-28 holidays -> Wed Jun 26 */
    expect_lwd(cal, 2030, 3, 9, 27);  /* Mon Sep 30 holiday, 28-29 weekend -> Fri Sep 27 */
    expect_lwd(cal, 2030, 4, 12, 28); /* Dec 30-31 holidays, Sun 29 -> make-up Sat Dec 28 */
    CHECK(gfdx_calendar_covers(cal, 2024) && gfdx_calendar_covers(cal, 2030));
    CHECK(!gfdx_calendar_covers(cal, 2025));

    /* Late rule where the last working day is not the quarter's last day. */
    char q[8];
    bool late = true;
    CHECK(gfdx_calendar_assign_quarter(cal, "2024Q1", china_ms(2024, 3, 29, 23, 59, 59, 999),
                                       false, q, &late, NULL, err, sizeof err) == 0);
    CHECK_STR_EQ(q, "2024Q1");
    CHECK(!late);
    CHECK(gfdx_calendar_assign_quarter(cal, "2024Q1", china_ms(2024, 3, 30, 10, 0, 0, 0), false,
                                       q, &late, NULL, err, sizeof err) == 0);
    CHECK_STR_EQ(q, "2024Q2"); /* a Saturday after the last working day: late */
    CHECK(late);
    CHECK(gfdx_calendar_assign_quarter(cal, "2030Q1", china_ms(2030, 3, 30, 18, 0, 0, 0), false,
                                       q, &late, NULL, err, sizeof err) == 0);
    CHECK_STR_EQ(q, "2030Q1"); /* the make-up Saturday itself is in time */
    CHECK(!late);
    /* Dec 29 2030 is after Q4's last working day; 2031 is not in the file: 2031Q1, late, by the
     * provisional rule (issue 12: an uncovered year never refuses the record). */
    gfdx_calendar_basis basis = {.official = true};
    CHECK(gfdx_calendar_assign_quarter(cal, "2030Q4", china_ms(2030, 12, 29, 9, 0, 0, 0), false,
                                       q, &late, &basis, err, sizeof err) == 0);
    CHECK_STR_EQ(q, "2031Q1");
    CHECK(late && !basis.official && basis.uncovered_year == 2031);
    gfdx_calendar_free(cal);
}

static void expect_day(const gfdx_calendar *cal, int y, int m, int d, bool working)
{
    CHECK_MSG(gfdx_calendar_is_working_day(cal, y, m, d) == working, "%04d-%02d-%02d should %sbe a working day",
              y, m, d, working ? "" : "not ");
}

static void test_holidays_and_makeup_days(const gfdx_calendar *cal)
{
    expect_day(cal, 2025, 1, 1, false);   /* 元旦, Wednesday */
    expect_day(cal, 2025, 1, 2, true);
    expect_day(cal, 2025, 1, 26, true);   /* Sunday, make-up day for 春节 */
    expect_day(cal, 2025, 1, 27, true);   /* Monday */
    expect_day(cal, 2025, 1, 28, false);  /* 除夕, Tuesday */
    expect_day(cal, 2025, 2, 4, false);   /* 初七, Tuesday */
    expect_day(cal, 2025, 2, 5, true);
    expect_day(cal, 2025, 2, 8, true);    /* Saturday, make-up */
    expect_day(cal, 2025, 2, 9, false);   /* ordinary Sunday */
    expect_day(cal, 2025, 4, 27, true);   /* Sunday, make-up for 劳动节 */
    expect_day(cal, 2025, 5, 5, false);   /* Monday, 劳动节 */
    expect_day(cal, 2025, 5, 31, false);  /* Saturday, 端午 (holiday on a weekend) */
    expect_day(cal, 2025, 6, 2, false);   /* Monday, 端午 */
    expect_day(cal, 2025, 9, 28, true);   /* Sunday, make-up */
    expect_day(cal, 2025, 10, 8, false);  /* Wednesday, last day of 国庆+中秋 */
    expect_day(cal, 2025, 10, 9, true);
    expect_day(cal, 2025, 10, 11, true);  /* Saturday, make-up */
    expect_day(cal, 2026, 1, 2, false);   /* Friday, 元旦 */
    expect_day(cal, 2026, 1, 4, true);    /* Sunday, make-up */
    expect_day(cal, 2026, 2, 14, true);   /* Saturday, make-up */
    expect_day(cal, 2026, 2, 23, false);  /* Monday, 春节 */
    expect_day(cal, 2026, 2, 24, true);
    expect_day(cal, 2026, 2, 28, true);   /* Saturday, make-up */
    expect_day(cal, 2026, 5, 9, true);    /* Saturday, make-up */
    expect_day(cal, 2026, 6, 19, false);  /* Friday, 端午 */
    expect_day(cal, 2026, 9, 20, true);   /* Sunday, make-up */
    expect_day(cal, 2026, 9, 25, false);  /* Friday, 中秋 */
    expect_day(cal, 2026, 10, 7, false);  /* Wednesday, 国庆 */
    expect_day(cal, 2026, 10, 10, true);  /* Saturday, make-up */
    expect_day(cal, 2026, 10, 11, false); /* ordinary Sunday */
    /* Outside the covered years weekends and the fixed-date holidays are days off (the
     * provisional rule); impossible dates never work. */
    expect_day(cal, 2027, 1, 1, false);   /* Friday, 元旦 */
    expect_day(cal, 2027, 1, 2, false);
    expect_day(cal, 2027, 1, 4, true);
    expect_day(cal, 2025, 2, 29, false);
    expect_day(cal, 2025, 13, 1, false);
    CHECK(!gfdx_calendar_is_working_day(NULL, 2025, 1, 2));
    CHECK(gfdx_calendar_covers(cal, 2025) && gfdx_calendar_covers(cal, 2026));
    CHECK(!gfdx_calendar_covers(cal, 2024) && !gfdx_calendar_covers(cal, 2027));

    /* Whole years: 365 days - 104 weekend days - 13 statutory holidays = 248 in both; per
     * quarter (counted from the notices with an independent script): 59/61/67/61 and
     * 59/61/66/62. */
    static const int want[2][4] = {{59, 61, 67, 61}, {59, 61, 66, 62}};
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int y = 2025; y <= 2026; y++)
        for (int q = 0; q < 4; q++) {
            int n = 0;
            for (int m = q * 3 + 1; m <= q * 3 + 3; m++)
                for (int d = 1; d <= dim[m - 1]; d++)
                    n += gfdx_calendar_is_working_day(cal, y, m, d);
            CHECK_MSG(n == want[y - 2025][q], "%dQ%d: %d working days, want %d", y, q + 1, n,
                      want[y - 2025][q]);
        }
}

static void test_quarter_strings(void)
{
    int y = 0, q = 0;
    CHECK(gfdx_quarter_parse("2026Q1", &y, &q) == 0 && y == 2026 && q == 1);
    CHECK(gfdx_quarter_parse("2025Q4", &y, &q) == 0 && y == 2025 && q == 4);
    const char *bad[] = {NULL, "", "2026Q0", "2026Q5", "2026q1", "26Q1", "2026Q12", "2026-Q1",
                         "2026 Q1", "20a6Q1", "2026Q1 ", "Q12026"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        y = q = -7;
        CHECK_MSG(gfdx_quarter_parse(bad[i], &y, &q) == -1 && y == -7 && q == -7, "\"%s\"",
                  bad[i] ? bad[i] : "NULL");
    }
    char out[8] = "junk";
    gfdx_quarter_format(2026, 1, out);
    CHECK_STR_EQ(out, "2026Q1");
    gfdx_quarter_format(987, 4, out);
    CHECK_STR_EQ(out, "0987Q4");
    gfdx_quarter_format(2026, 5, out);
    CHECK_STR_EQ(out, "");
    gfdx_quarter_format(10000, 1, out);
    CHECK_STR_EQ(out, "");
}

/* A year the calendar does not cover (2031): weekends and the fixed-date holidays, lunar
 * holidays and make-up days unknown; decisions say they were made without the calendar. */
static void test_uncovered_year(const gfdx_calendar *cal)
{
    CHECK(!gfdx_calendar_covers(cal, 2031));
    expect_day(cal, 2031, 1, 1, false); /* Wednesday, 元旦 */
    expect_day(cal, 2031, 1, 2, true);
    expect_day(cal, 2031, 1, 4, false); /* Saturday: no make-up day known */
    expect_day(cal, 2031, 5, 1, false); /* Thursday, 劳动节 */
    expect_day(cal, 2031, 5, 2, false); /* Friday, 劳动节 (2 days from 2025) */
    expect_day(cal, 2031, 10, 3, false);
    expect_day(cal, 2031, 10, 6, true); /* Monday: the rest of the 国庆 break is unknown */
    expect_day(cal, 2024, 5, 2, true);  /* before 2025 劳动节 was one day */
    expect_lwd(cal, 2031, 1, 3, 31);    /* Monday */
    expect_lwd(cal, 2029, 1, 3, 30);    /* Mar 31 is a Saturday: Friday */
    int n = 0;
    for (int d = 1; d <= 31; d++)
        n += gfdx_calendar_is_working_day(cal, 2031, 1, d);
    CHECK_MSG(n == 22, "January 2031: %d working days, want 23 weekdays - 元旦", n);

    char q[8] = "", err[256] = "";
    bool late = true;
    gfdx_calendar_basis basis = {.official = true};
    CHECK(gfdx_calendar_assign_quarter(cal, "2031Q1", china_ms(2031, 3, 31, 23, 0, 0, 0), false, q, &late, &basis,
                                       err, sizeof err) == 0);
    CHECK_STR_EQ(q, "2031Q1");
    CHECK(!late && !basis.official && basis.uncovered_year == 2031);
    CHECK(gfdx_calendar_assign_quarter(cal, "2031Q1", china_ms(2031, 4, 1, 0, 0, 0, 0), false, q, &late, &basis,
                                       err, sizeof err) == 0);
    CHECK_STR_EQ(q, "2031Q2");
    CHECK(late && !basis.official && basis.uncovered_year == 2031);
    /* the ageing counts the provisional days too: Fri 31 Dec 2026 -> Mon 4 Jan 2027 skips 元旦 */
    CHECK(gfdx_calendar_working_days_between(cal, china_ms(2026, 12, 31, 9, 0, 0, 0),
                                             china_ms(2027, 1, 4, 9, 0, 0, 0)) == 1);

    CHECK(gfdx_calendar_notice_title(2031, q, sizeof q) == -1); /* too small */
    CHECK(gfdx_calendar_notice_title(2031, err, sizeof err) == 0);
    CHECK_STR_EQ(err, "国务院办公厅关于2031年部分节假日安排的通知");
    CHECK(gfdx_calendar_first_notice(2031));
    CHECK(!gfdx_calendar_first_notice(2031)); /* once per process */
    CHECK(gfdx_calendar_first_notice(2032));
    CHECK(!gfdx_calendar_first_notice(1899) && !gfdx_calendar_first_notice(10000));
}

/* Runs assign_quarter and checks the outcome. */
static void expect_assign(const gfdx_calendar *cal, const char *quarter, int64_t ms, bool major,
                          const char *want_q, bool want_late)
{
    char q[8] = "", err[256] = "";
    bool late = !want_late;
    int rc = gfdx_calendar_assign_quarter(cal, quarter, ms, major, q, &late, NULL, err, sizeof err);
    CHECK_MSG(rc == 0 && strcmp(q, want_q) == 0 && late == want_late,
              "%s at %lld major=%d: rc=%d %s late=%d (%s), want %s late=%d", quarter,
              (long long)ms, major, rc, q, late, err, want_q, want_late);
}

static void test_assign_quarter(const gfdx_calendar *cal)
{
    /* Last working day of 2025Q1 is Mon Mar 31: 23:59:59.999 China time is in time,
     * 00:00 on Apr 1 is late and goes to Q2, unless the project is major. */
    expect_assign(cal, "2025Q1", china_ms(2025, 3, 31, 23, 59, 59, 999), false, "2025Q1", false);
    expect_assign(cal, "2025Q1", china_ms(2025, 4, 1, 0, 0, 0, 0), false, "2025Q2", true);
    expect_assign(cal, "2025Q1", china_ms(2025, 4, 1, 0, 0, 0, 0), true, "2025Q1", false);
    /* The day is taken in China time: 16:00 UTC on Mar 31 is already Apr 1 in Beijing. */
    int64_t utc_mar31_16h = (int64_t)1743436800 * 1000; /* 2025-03-31T16:00:00Z */
    CHECK(utc_mar31_16h == china_ms(2025, 4, 1, 0, 0, 0, 0));
    expect_assign(cal, "2025Q1", utc_mar31_16h - 1, false, "2025Q1", false);
    expect_assign(cal, "2025Q1", utc_mar31_16h, false, "2025Q2", true);
    /* Q3 2025 ends Tue Sep 30, just before the 国庆 break. */
    expect_assign(cal, "2025Q3", china_ms(2025, 9, 30, 23, 59, 0, 0), false, "2025Q3", false);
    expect_assign(cal, "2025Q3", china_ms(2025, 10, 1, 0, 0, 0, 0), false, "2025Q4", true);
    /* Q4 -> next year's Q1. */
    expect_assign(cal, "2025Q4", china_ms(2025, 12, 31, 23, 59, 59, 999), false, "2025Q4", false);
    expect_assign(cal, "2025Q4", china_ms(2026, 1, 1, 0, 0, 0, 0), false, "2026Q1", true);
    expect_assign(cal, "2025Q4", china_ms(2026, 1, 1, 0, 0, 0, 0), true, "2025Q4", false);
    /* Early recommendations keep their quarter; very late ones skip to the first open one. */
    expect_assign(cal, "2026Q2", china_ms(2025, 12, 1, 9, 0, 0, 0), false, "2026Q2", false);
    expect_assign(cal, "2025Q1", china_ms(2025, 7, 15, 9, 0, 0, 0), false, "2025Q3", true);
    expect_assign(cal, "2025Q2", china_ms(2026, 2, 1, 9, 0, 0, 0), false, "2026Q1", true);
    /* A major project needs no calendar for its year. */
    expect_assign(cal, "2026Q4", china_ms(2027, 1, 5, 9, 0, 0, 0), true, "2026Q4", false);

    char q[8], err[256] = "";
    bool late;
    /* 2027 is not in the shipped file: accepted by the provisional rule, and said so. */
    gfdx_calendar_basis basis = {.official = true};
    CHECK(gfdx_calendar_assign_quarter(cal, "2026Q4", china_ms(2027, 1, 5, 9, 0, 0, 0), false, q,
                                       &late, &basis, err, sizeof err) == 0);
    CHECK_STR_EQ(q, "2027Q1");
    CHECK(late && !basis.official && basis.uncovered_year == 2027);
    CHECK(gfdx_calendar_assign_quarter(cal, "2027Q1", china_ms(2027, 1, 5, 9, 0, 0, 0), false, q,
                                       &late, &basis, err, sizeof err) == 0);
    CHECK_STR_EQ(q, "2027Q1");
    CHECK(!late && !basis.official && basis.uncovered_year == 2027);
    /* covered years: official */
    CHECK(gfdx_calendar_assign_quarter(cal, "2025Q1", china_ms(2025, 4, 1, 0, 0, 0, 0), false, q, &late, &basis,
                                       err, sizeof err) == 0);
    CHECK(late && basis.official && basis.uncovered_year == 0);
    CHECK(gfdx_calendar_assign_quarter(cal, "2026Q4", china_ms(2027, 1, 5, 9, 0, 0, 0), true, q, &late, &basis,
                                       err, sizeof err) == 0);
    CHECK(basis.official); /* a major need looks at no calendar */
    err[0] = '\0';
    CHECK(gfdx_calendar_assign_quarter(cal, "1899Q4", china_ms(2025, 1, 5, 9, 0, 0, 0), false, q, &late, &basis,
                                       err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "1899Q4") != NULL, "%s", err);
    err[0] = '\0';
    CHECK(gfdx_calendar_assign_quarter(cal, "2025Q5", 0, false, q, &late, NULL, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "2025Q5") != NULL, "%s", err);
    CHECK(gfdx_calendar_assign_quarter(cal, NULL, 0, true, q, &late, NULL, err, sizeof err) == -1);
    CHECK(gfdx_calendar_assign_quarter(cal, "2025Q1", 0, false, q, NULL, NULL, err, sizeof err) == -1);
    CHECK(gfdx_calendar_assign_quarter(cal, "2025Q5", 0, false, q, &late, NULL, NULL, 0) == -1);
    /* A major need still names a quarter within a year of its deadline clock. */
    expect_assign(cal, "2026Q2", china_ms(2025, 6, 1, 9, 0, 0, 0), true, "2026Q2", false);
    expect_assign(cal, "2024Q3", china_ms(2025, 6, 1, 9, 0, 0, 0), true, "2024Q3", false);
    err[0] = '\0';
    CHECK(gfdx_calendar_assign_quarter(cal, "2024Q1", china_ms(2025, 6, 1, 9, 0, 0, 0), true, q, &late, NULL, err,
                                       sizeof err) == -1);
    CHECK_MSG(strstr(err, "within a year") != NULL, "%s", err);
    CHECK(gfdx_calendar_assign_quarter(cal, "2026Q4", china_ms(2025, 6, 1, 9, 0, 0, 0), true, q, &late, NULL, err,
                                       sizeof err) == -1);
}

/* Writes text to a temporary file, loads it and expects failure with both needles in err. */
static void expect_load_error(const char *text, const char *needle1, const char *needle2)
{
    char path[] = "/tmp/gfdx_test_calendar_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    char err[512] = "";
    gfdx_calendar *cal = gfdx_calendar_load(path, err, sizeof err);
    CHECK_MSG(cal == NULL, "loaded: %s", text);
    CHECK_MSG(strstr(err, path) != NULL, "error does not name the file: %s", err);
    CHECK_MSG(strstr(err, needle1) != NULL, "\"%s\" not in: %s", needle1, err);
    CHECK_MSG(!needle2 || strstr(err, needle2) != NULL, "\"%s\" not in: %s", needle2, err);
    gfdx_calendar_free(cal);
    unlink(path);
}

static void test_load_errors(void)
{
    expect_load_error("calendar = { years = [2025]; holidays = [\"2025-01-01\", \"2025-02-30\"]; };",
                      "calendar.holidays[1] \"2025-02-30\"", "not a valid date");
    expect_load_error("calendar = { years = [2025]; holidays = [\"2025-1-01\"]; };",
                      "calendar.holidays[0] \"2025-1-01\"", "not a valid date");
    expect_load_error("calendar = { years = [2025]; workdays = [\"2025-13-01\"]; };",
                      "calendar.workdays[0] \"2025-13-01\"", "not a valid date");
    expect_load_error("calendar = { years = [2025]; workdays = [\"2025-01-26\", \"2025-01-27\"]; };",
                      "calendar.workdays[1] \"2025-01-27\"", "not a Saturday or Sunday");
    expect_load_error("calendar = { years = [2025]; holidays = [\"2025-05-31\"];"
                      " workdays = [\"2025-05-31\"]; };",
                      "calendar.workdays[0] \"2025-05-31\"", "also listed as a holiday");
    expect_load_error("calendar = { years = [2025]; holidays = [\"2024-10-01\"]; };",
                      "calendar.holidays[0] \"2024-10-01\"", "not in calendar.years");
    expect_load_error("calendar = { years = [2025]; holidays = [\"2025-01-01\", \"2025-01-01\"]; };",
                      "calendar.holidays[1]", "listed twice");
    expect_load_error("calendar = { years = [2025, 2025]; };", "calendar.years[1]", "twice");
    expect_load_error("calendar = { years = [25]; };", "calendar.years[0]", NULL);
    expect_load_error("calendar = { years = []; };", "calendar.years", NULL);
    expect_load_error("calendar = { holidays = [\"2025-01-01\"]; };", "calendar.years", NULL);
    expect_load_error("holidays = [\"2025-01-01\"];", "missing group `calendar`", NULL);
    expect_load_error("calendar = { years = [2025]\n holidays = ; };", ":2:", NULL);

    char err[256] = "";
    CHECK(gfdx_calendar_load("/nonexistent/calendar.cfg", err, sizeof err) == NULL);
    CHECK_MSG(strstr(err, "/nonexistent/calendar.cfg") != NULL, "%s", err);
    CHECK(gfdx_calendar_load(NULL, err, sizeof err) == NULL);
    gfdx_calendar_free(NULL);
}

/* Ageing in working days: the days after the start's date up to the end's date, China time. */
static void test_working_days_between(const gfdx_calendar *cal)
{
    int64_t fri = china_ms(2025, 1, 24, 23, 30, 0, 0);
    CHECK(gfdx_calendar_working_days_between(cal, fri, china_ms(2025, 1, 25, 9, 0, 0, 0)) == 0);
    CHECK(gfdx_calendar_working_days_between(cal, fri, china_ms(2025, 1, 26, 9, 0, 0, 0)) == 1); /* make-up Sunday */
    /* 27th, then 春节 28 Jan - 4 Feb off, then 5 Feb */
    CHECK(gfdx_calendar_working_days_between(cal, fri, china_ms(2025, 2, 5, 0, 0, 1, 0)) == 3);
    CHECK(gfdx_calendar_working_days_between(cal, fri, china_ms(2025, 2, 4, 23, 59, 0, 0)) == 2);
    /* started on Saturday the 25th: the make-up Sunday and Monday */
    int64_t utc_late = china_ms(2025, 1, 25, 7, 30, 0, 0);
    CHECK(gfdx_calendar_working_days_between(cal, utc_late, china_ms(2025, 1, 27, 9, 0, 0, 0)) == 2);
    CHECK(gfdx_calendar_working_days_between(cal, fri, fri) == 0);
    CHECK(gfdx_calendar_working_days_between(cal, fri, fri - 86400000) == 0);
    CHECK(gfdx_calendar_working_days_between(NULL, fri, fri + 10 * 86400000LL) == 0);
}

int main(void)
{
    char err[256] = "";
    gfdx_calendar *cal = gfdx_calendar_load(SHIPPED, err, sizeof err);
    CHECK_MSG(cal != NULL, "shipped calendar: %s", err);
    if (cal) {
        test_shipped_last_working_days(cal);
        test_holidays_and_makeup_days(cal);
        test_assign_quarter(cal);
        test_working_days_between(cal);
        test_uncovered_year(cal);
    }
    gfdx_calendar_free(cal);
    test_test_calendar_last_working_days();
    test_quarter_strings();
    test_load_errors();
    return CHECK_DONE();
}
