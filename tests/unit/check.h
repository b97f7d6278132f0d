/* check.h: the smallest test harness that reports where and why.
 * CHECK(cond) records a failure and goes on; CHECK_STR_EQ compares C strings;
 * CHECK_DONE() prints "N passed, N failed" and returns the exit status from main. */
#ifndef GFDX_CHECK_H
#define GFDX_CHECK_H
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do { \
    if (cond) check_passed++; \
    else { check_failed++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
  } while (0)

#define CHECK_MSG(cond, ...) do { \
    if (cond) check_passed++; \
    else { check_failed++; fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
           fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } \
  } while (0)

#define CHECK_STR_EQ(a, b) do { \
    const char *check_a_ = (a), *check_b_ = (b); \
    if (check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0) check_passed++; \
    else { check_failed++; fprintf(stderr, "%s:%d: expected \"%s\" == \"%s\"\n", __FILE__, __LINE__, \
           check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)"); } \
  } while (0)

#define CHECK_DONE() (printf("%d passed, %d failed\n", check_passed, check_failed), check_failed ? 1 : 0)

#endif
