/* fault.h: the one rule for "transient or permanent" (DESIGN §8), for every failure a record
 * handler or a relay hook meets. Transient: the whole batch is rolled back and retried with
 * back-off, nothing is answered yet (the cause is expected to pass: a lost connection, a
 * deadlock, memory pressure). Permanent: retrying the same record would fail the same way, so
 * the record is refused STORE_ERROR (rejection row + receipt) and the stream moves on; it is
 * never retried forever.
 *
 * The rule, by kind of failure:
 *   GFDX_FAULT_DB         by SQLSTATE (gfdx_fault_sqlstate_is_transient): transient for a
 *                         connection exception (class 08), an admin or crash shutdown (57P),
 *                         a cancelled statement (57014: statement timeout, pg_cancel_backend),
 *                         serialization failure (40001), deadlock (40P01), lock not available
 *                         (55P03), insufficient resources (class 53: disk full, out of memory,
 *                         too many connections) and an I/O error (58030); no SQLSTATE at all
 *                         (no answer from the server) is transient too. Everything else
 *                         (constraint violations, data exceptions, 25P02 "current transaction
 *                         is aborted", internal errors) is permanent.
 *   GFDX_FAULT_NO_MEMORY  out of memory in our own process (malloc, jansson): TRANSIENT.
 *                         Every input is bounded (DESIGN §4: a value is at most 1 MiB), so an
 *                         allocation that fails is memory pressure, which passes; refusing
 *                         the record would lose a valid record for a reason of our own.
 *   GFDX_FAULT_NOT_READY  something another service provides is not there yet (gfdx-push's
 *                         tables for gfdx-feedback): TRANSIENT, the records wait.
 *   GFDX_FAULT_CORRUPT    data we stored cannot be read back (an unknown status, JSON that
 *                         does not parse): PERMANENT; an operator must look.
 *   GFDX_FAULT_BAD_INPUT  the record cannot be turned into what must be written or emitted (a
 *                         null where a value is required, an encoding the schema rejects):
 *                         PERMANENT.
 * Jansson does not say why it failed (an allocation failure inside json_pack is reported as
 * "NULL object value"), but malloc sets errno to ENOMEM: a caller clears errno before the call
 * and gfdx_fault_of_errno maps ENOMEM to NO_MEMORY and anything else to the kind the caller
 * names, so that one failure is never both transient and permanent. */
#ifndef GFDX_FAULT_H
#define GFDX_FAULT_H

#include <stdbool.h>

#include "service.h"

typedef enum {
    GFDX_FAULT_DB,
    GFDX_FAULT_NO_MEMORY,
    GFDX_FAULT_NOT_READY,
    GFDX_FAULT_CORRUPT,
    GFDX_FAULT_BAD_INPUT
} gfdx_fault_kind;

/* "DB", "NO_MEMORY", "NOT_READY", "CORRUPT", "BAD_INPUT"; "UNKNOWN" out of range. */
const char *gfdx_fault_kind_name(gfdx_fault_kind k);

/* The rule above for a kind other than GFDX_FAULT_DB (which needs its SQLSTATE: DB alone is
 * answered as "no SQLSTATE", i.e. transient). Out of range: permanent. */
bool gfdx_fault_is_transient(gfdx_fault_kind k);

/* The rule for a PostgreSQL error by its SQLSTATE (5 characters); NULL or "" (no answer from
 * the server) is transient. */
bool gfdx_fault_sqlstate_is_transient(const char *sqlstate);

/* The kind of a failed allocating call (jansson, strdup, ...) made with errno cleared just
 * before it: NO_MEMORY when errno is ENOMEM, else `otherwise` (CORRUPT for stored text that
 * did not parse, BAD_INPUT for a record that could not be built). */
gfdx_fault_kind gfdx_fault_of_errno(int err_no, gfdx_fault_kind otherwise);

/* Records a failure of kind k in a decision's verdict (service.h): reason and d->transient by
 * the rule above (a database failure never reaches a decision: rowset.h classifies those).
 * Returns GFDX_DECIDE_FAILED. */
gfdx_verdict gfdx_fault_decide(gfdx_decision *d, gfdx_fault_kind k, const char *what, const char *detail);

#endif
