/* namelist_decide.h: gfdx-namelist's decisions (the decide API, service.h): pure functions of
 * (the batch's rows of the district tables, namelist_store.h; the record; the sender; the
 * settings in d->ctx->service_ctx, a namelist_ctx). No SQL: the rules are namelist_validate,
 * namelist_auth, namelist_version and namelist_diff, the fingerprints namelist_digest.
 *
 * NameListPublished: validate, authorize (publisher matrix), bind or check the list's owner
 * (list_owner), check the version rules against the applied and the pending version
 * (staged_part), abandon older pending versions on SUPERSEDE (abandoned_version), stage the
 * part (staged_part, staged_entry, staged_removal: DUPLICATE_ENTRY, UNKNOWN_ENTRY), and when
 * its last part is staged commit the version: diff against the current entries
 * (entry_version_open), close the removed and updated entries' rows and open the added and
 * updated ones at the version's effective time, put the list, append list_version (counts,
 * content_md5), drop the staged rows and emit NameListChanged (v2: with the added and updated
 * entries' content) on gfdx.namelist-changes.<region> in parts of at most
 * namelist.changed_keys_per_record keys and namelist.changed_bytes_per_record bytes of entries.
 * CarbonBenefitReported / FinancingSupportReported: validate, authorize (the reporter's
 * bureau, then the list's region), check that the entry was on the list during the period
 * (entry versions as of this batch), upsert the report counting its revision, and forward it
 * (ReportForwarded) to the recipients the Shapingba plan names (namelist_forward.h).
 * Refusal codes and reasons are those of the receipts (DESIGN §6.4). */
#ifndef NAMELIST_DECIDE_H
#define NAMELIST_DECIDE_H

#include <jansson.h>

#include "namelist_version.h"
#include "service.h"

/* One NameListPublished record, as read (all borrowed from the record). */
typedef struct {
    const char *list_id, *kind, *region, *title;
    long long version;
    namelist_mode mode;
    int part, part_count;
    const json_t *entries, *removed;
} namelist_part;

gfdx_verdict namelist_decide_published(gfdx_decision *d);
gfdx_verdict namelist_decide_carbon(gfdx_decision *d);
gfdx_verdict namelist_decide_financing(gfdx_decision *d);

#endif
