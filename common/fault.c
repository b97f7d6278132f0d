/* fault.c: transient or permanent, decided in one place. See fault.h. */
#include "fault.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *gfdx_fault_kind_name(gfdx_fault_kind k)
{
    static const char *const names[] = {"DB", "NO_MEMORY", "NOT_READY", "CORRUPT", "BAD_INPUT"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "UNKNOWN";
}

bool gfdx_fault_is_transient(gfdx_fault_kind k)
{
    switch (k) {
    case GFDX_FAULT_DB: return gfdx_fault_sqlstate_is_transient(NULL);
    case GFDX_FAULT_NO_MEMORY: return true;
    case GFDX_FAULT_NOT_READY: return true;
    case GFDX_FAULT_CORRUPT: return false;
    case GFDX_FAULT_BAD_INPUT: return false;
    }
    return false;
}

bool gfdx_fault_sqlstate_is_transient(const char *s)
{
    if (!s || !*s)
        return true; /* no answer from the server: the connection failed mid-call */
    if (strlen(s) != 5)
        return false;
    return !strncmp(s, "08", 2)      /* connection exception */
           || !strncmp(s, "53", 2)   /* insufficient resources */
           || !strncmp(s, "57P", 3)  /* admin / crash shutdown, cannot connect now */
           || !strcmp(s, "57014")    /* query cancelled (statement timeout, cancel request) */
           || !strcmp(s, "40001")    /* serialization failure */
           || !strcmp(s, "40P01")    /* deadlock detected */
           || !strcmp(s, "55P03")    /* lock not available */
           || !strcmp(s, "58030");   /* I/O error */
}

gfdx_fault_kind gfdx_fault_of_errno(int err_no, gfdx_fault_kind otherwise)
{
    return err_no == ENOMEM ? GFDX_FAULT_NO_MEMORY : otherwise;
}

gfdx_verdict gfdx_fault_decide(gfdx_decision *d, gfdx_fault_kind k, const char *what, const char *detail)
{
    snprintf(d->reason_code, sizeof d->reason_code, "STORE_ERROR");
    snprintf(d->reason, sizeof d->reason, "%s: %s (%s, %s)", what, detail, gfdx_fault_kind_name(k),
             gfdx_fault_is_transient(k) ? "transient" : "permanent");
    d->transient = gfdx_fault_is_transient(k);
    return GFDX_DECIDE_FAILED;
}
