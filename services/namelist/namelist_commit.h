/* namelist_commit.h: committing a complete version of a list (the second half of
 * namelist_decide_published, see namelist_decide.h), pure. Internal to gfdx-namelist. */
#ifndef NAMELIST_COMMIT_H
#define NAMELIST_COMMIT_H

#include "namelist_decide.h"

/* Applies the staged version p->version of p->list_id, whose every part is now staged (this
 * record's included): diff, entry versions, list, list_version, staged rows dropped,
 * NameListChanged emitted. list is the list's row before this version (NULL for a new
 * list; borrowed). GFDX_DECIDE_OK; REFUSED INVALID_FIELD (the diff refuses the version) or
 * RECORD_TOO_LARGE; FAILED (out of memory; a broken ledger invariant, permanent). */
gfdx_verdict namelist_commit(gfdx_decision *d, const namelist_part *p, const json_t *list);

/* The list's entry versions valid now (as changed by earlier decisions): a new object from
 * entry_key to its entry_version_open row (the rows are the rowset's, shared: do not change
 * them). NULL when out of memory. */
json_t *namelist_current_entries(gfdx_decision *d, const char *list_id);

/* "%lld" of v into buf (size 24). Returns buf. */
const char *namelist_ll(char buf[24], long long v);

/* gfdx_fault_decide(d, NO_MEMORY, what, "out of memory"). */
gfdx_verdict namelist_oom(gfdx_decision *d, const char *what);

#endif
