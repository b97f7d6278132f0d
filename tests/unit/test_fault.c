/* test_fault: the one transient-or-permanent rule (common/fault.h): SQLSTATEs, our own kinds
 * (out of memory is transient everywhere), jansson's failures told apart by errno (a real
 * allocation failure, forced through json_set_alloc_funcs), the handler verdict, and
 * pgstore's classifier agreeing with it. */
#include "check.h"
#include "fault.h"
#include "pgstore.h"

#include <errno.h>
#include <stdlib.h>

static void test_sqlstates(void)
{
    static const char *const transient[] = {"08000", "08003", "08006", "08P01", "53100", "53200", "53300",
                                            "57P01", "57P02", "57P03", "57014", "40001", "40P01", "55P03",
                                            "58030", NULL};
    static const char *const permanent[] = {"23505", "23514", "22003", "22P02", "25P02", "42P01", "42703",
                                            "XX000", "P0001", "54000", "0800",  "080000", NULL};
    for (int i = 0; transient[i]; i++)
        CHECK_MSG(gfdx_fault_sqlstate_is_transient(transient[i]), "%s must be transient", transient[i]);
    for (int i = 0; permanent[i]; i++)
        CHECK_MSG(!gfdx_fault_sqlstate_is_transient(permanent[i]), "%s must be permanent", permanent[i]);
    CHECK(gfdx_fault_sqlstate_is_transient(NULL)); /* no answer from the server */
    CHECK(gfdx_fault_sqlstate_is_transient(""));
    /* pgstore's classifier: no connection is transient */
    CHECK(gfdx_pg_is_transient(NULL, NULL));
}

static void test_kinds(void)
{
    CHECK(gfdx_fault_is_transient(GFDX_FAULT_NO_MEMORY));
    CHECK(gfdx_fault_is_transient(GFDX_FAULT_NOT_READY));
    CHECK(!gfdx_fault_is_transient(GFDX_FAULT_CORRUPT));
    CHECK(!gfdx_fault_is_transient(GFDX_FAULT_BAD_INPUT));
    CHECK(!gfdx_fault_is_transient((gfdx_fault_kind)99));
    CHECK_STR_EQ(gfdx_fault_kind_name(GFDX_FAULT_NO_MEMORY), "NO_MEMORY");
    CHECK_STR_EQ(gfdx_fault_kind_name((gfdx_fault_kind)99), "UNKNOWN");
}

/* A malloc that fails as glibc's does when memory runs out: NULL and errno ENOMEM. */
static int alloc_fails;
static void *maybe_malloc(size_t n)
{
    if (alloc_fails) {
        errno = ENOMEM;
        return NULL;
    }
    return malloc(n);
}

static void test_errno(void)
{
    json_error_t e;
    /* stored text that does not parse: the caller's kind (CORRUPT), permanent */
    errno = 0;
    CHECK(json_loads("{\"a\":", 0, &e) == NULL);
    CHECK(gfdx_fault_of_errno(errno, GFDX_FAULT_CORRUPT) == GFDX_FAULT_CORRUPT);
    /* a record that cannot be built from its input: a null where a string is required */
    errno = 0;
    CHECK(json_pack("{s:s}", "need_id", (const char *)NULL) == NULL);
    CHECK(gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT) == GFDX_FAULT_BAD_INPUT);
    /* the same kind of call when memory runs out: out of memory, transient */
    json_set_alloc_funcs(maybe_malloc, free);
    alloc_fails = 1;
    errno = 0;
    json_t *r = json_pack("{s:s}", "need_id", "N-1");
    int saved = errno;
    alloc_fails = 0;
    json_set_alloc_funcs(malloc, free);
    CHECK(r == NULL);
    CHECK(gfdx_fault_of_errno(saved, GFDX_FAULT_BAD_INPUT) == GFDX_FAULT_NO_MEMORY);
    CHECK(gfdx_fault_is_transient(gfdx_fault_of_errno(saved, GFDX_FAULT_BAD_INPUT)));
}

static void test_verdict(void)
{
    gfdx_decision a = {0};
    CHECK(gfdx_fault_decide(&a, GFDX_FAULT_NO_MEMORY, "banks", "out of memory") == GFDX_DECIDE_FAILED);
    CHECK(a.transient);
    CHECK_STR_EQ(a.reason_code, "STORE_ERROR");
    gfdx_decision b = {0};
    CHECK(gfdx_fault_decide(&b, GFDX_FAULT_CORRUPT, "cancel_dispatches", "cannot read bank ids") ==
          GFDX_DECIDE_FAILED);
    CHECK(!b.transient);
    CHECK(strstr(b.reason, "cannot read bank ids") && strstr(b.reason, "permanent"));
}

int main(void)
{
    test_sqlstates();
    test_kinds();
    test_errno();
    test_verdict();
    return CHECK_DONE();
}
