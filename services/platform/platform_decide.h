/* platform_decide.h: gfdx-platform's decision (DESIGN §6.5, service.h the decide API): a pure
 * function of (d->rows, d->rec, d->sender, d->ctx) that
 *   1. authorizes, before anything stored is looked at: the sender is an institution of a
 *      filing kind (bank, guarantor, insurer, fund, underwriter), the filing is its own
 *      (filing_id starts with its id, institution is its id) and the table is its kind's
 *      (UNAUTHORIZED_SENDER, TABLE_NOT_OF_KIND);
 *   2. validates the period and the rows (platform_validate.h; INVALID_PERIOD, INVALID_FIELD
 *      when filing_id is not institution|period);
 *   3. stages the new current platform.filing row (version = the stored one's + 1, or 1), a
 *      platform.filing_version row and the version's platform.filing_row rows: a later filing
 *      for the same key supersedes the earlier one, whose version and rows stay as history.
 * Reads d->ctx->service_ctx as platform_settings (NULL: the defaults). Emits nothing but the
 * receipt the machinery sends. */
#ifndef PLATFORM_DECIDE_H
#define PLATFORM_DECIDE_H

#include "service.h"

gfdx_verdict platform_decide_filing(gfdx_decision *d);

#endif
