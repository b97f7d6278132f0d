/* platform_decide.c: see platform_decide.h. Pure: rows, record and context in; staged rows out. */
#include "platform_decide.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "platform.h"
#include "platform_store.h"
#include "platform_validate.h"

static const char *const money_cols[] = {"disbursed", "balance", "emc_disbursed", "emc_balance", "guaranteed",
                                         "insured", "claims_paid", "invested", "bond_amount"};
#define N_MONEY (sizeof money_cols / sizeof money_cols[0])

static gfdx_verdict build_failed(gfdx_decision *d, const char *what)
{
    return gfdx_fault_decide(d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), what, "cannot build the row");
}

/* The sender files for itself: filing_id is "<sender>|...", institution the sender. The same
 * sentence whatever the key names, so a refusal tells nothing about another's filing. */
static gfdx_verdict authorize(gfdx_decision *d, const char *filing_id, int table_no)
{
    const char *me = d->sender->id, *inst = gfdx_rec_str(d->rec->body, "institution");
    size_t n = strlen(me);
    int own = platform_table_of_kind(d->sender->kind);
    if (!own || strncmp(filing_id, me, n) || filing_id[n] != '|' || !inst || strcmp(inst, me))
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s (%s) may file only its own 产业绿贷 tables, not %s",
                                  me, gfdx_participant_kind_name(d->sender->kind), filing_id);
    if (table_no != own)
        return gfdx_decide_refuse(d, "TABLE_NOT_OF_KIND", "a %s files 表%d, not 表%d",
                                  gfdx_participant_kind_name(d->sender->kind), own, table_no);
    return GFDX_DECIDE_OK;
}

static gfdx_verdict validate(gfdx_decision *d, const char *filing_id, int table_no)
{
    const platform_settings *s = d->ctx->service_ctx;
    const char *period = gfdx_rec_str(d->rec->body, "period");
    char expect[160];
    if (!platform_period_valid(period))
        return gfdx_decide_refuse(d, "INVALID_PERIOD", "period \"%s\": expected YYYYH1 or YYYYH2",
                                  period ? period : "");
    snprintf(expect, sizeof expect, "%s|%s", d->sender->id, period);
    if (strcmp(filing_id, expect))
        return gfdx_decide_refuse(d, "INVALID_FIELD", "filing_id \"%s\" must be institution|period (%s)", filing_id,
                                  expect);
    gfdx_strlist defaults = {0};
    const gfdx_strlist *codes = s && s->service_codes.count ? &s->service_codes : &defaults;
    int max_rows = s && s->max_rows > 0 ? s->max_rows : PLATFORM_MAX_ROWS_DEFAULT;
    char why[400];
    const char *code = platform_validate_rows(gfdx_rec_get(d->rec->body, "rows"), table_no, codes, max_rows, why,
                                              sizeof why);
    return code ? gfdx_decide_refuse(d, code, "%s", why) : GFDX_DECIDE_OK;
}

/* One platform.filing_row of version `version` from the filed row (copied column by column). */
static json_t *filing_row(const char *filing_id, int version, size_t no, const json_t *in)
{
    json_t *row = json_deep_copy(in);
    if (!row || json_object_set_new(row, "filing_id", json_string(filing_id)) ||
        json_object_set_new(row, "version", json_integer(version)) ||
        json_object_set_new(row, "row_no", json_integer((json_int_t)no))) {
        json_decref(row);
        return NULL;
    }
    return row;
}

/* Appends the rows; *totals gets the fen sum of every money column. */
static int stage_rows(gfdx_decision *d, const char *filing_id, int version, json_t *totals)
{
    long long sum[N_MONEY] = {0};
    size_t i;
    const json_t *in;
    json_array_foreach(gfdx_rec_get(d->rec->body, "rows"), i, in) {
        json_t *row = filing_row(filing_id, version, i + 1, in);
        if (!row || gfdx_rows_append(d->rows, &platform_filing_row_table, row))
            return -1;
        for (size_t k = 0; k < N_MONEY; k++)
            sum[k] += gfdx_rec_int(in, money_cols[k]); /* <= 5000 x 10^15: no overflow */
    }
    for (size_t k = 0; k < N_MONEY; k++)
        if (json_object_set_new(totals, money_cols[k], json_integer(sum[k])))
            return -1;
    return 0;
}

/* The platform.filing and platform.filing_version rows of this version (NULL: out of memory). */
static json_t *filing_state(const gfdx_decision *d, const char *filing_id, int version, const json_t *old)
{
    const json_t *b = d->rec->body;
    json_t *first = old ? json_deep_copy(json_object_get(old, "first_received_at")) : gfdx_rows_time(d->rec->clock.ms);
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:I, s:o, s:o, s:o*}", "filing_id", filing_id,
                     "institution", d->sender->id, "institution_kind", gfdx_participant_kind_name(d->sender->kind),
                     "period", gfdx_rec_str(b, "period"), "table_no", (int)gfdx_rec_int(b, "table_no"), "version",
                     version, "event_id", d->rec->event_id, "row_count",
                     (json_int_t)json_array_size(gfdx_rec_get(b, "rows")), "filed_at",
                     gfdx_rows_time(d->rec->occurred_at), "received_at", gfdx_rows_time(d->rec->clock.ms),
                     "first_received_at", first);
}

static json_t *version_row(const gfdx_decision *d, const json_t *state, json_t *totals)
{
    json_t *v = json_deep_copy(state);
    if (!v || json_object_del(v, "institution_kind") || json_object_del(v, "first_received_at") ||
        json_object_set_new(v, "sender", json_string(d->rec->sender_id)) || json_object_set(v, "totals", totals)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

static gfdx_verdict stage(gfdx_decision *d, const char *filing_id, int version, const json_t *old)
{
    errno = 0;
    json_t *state = filing_state(d, filing_id, version, old), *totals = json_object();
    int rc = state && totals ? stage_rows(d, filing_id, version, totals) : -1;
    json_t *ver = rc == 0 ? version_row(d, state, totals) : NULL;
    if (rc == 0)
        rc = ver ? gfdx_rows_append(d->rows, &platform_filing_version_table, ver) : -1; /* steals ver */
    if (rc == 0) {
        rc = gfdx_rows_put(d->rows, &platform_filing_table, state);
        state = NULL;
    }
    json_decref(state);
    json_decref(totals);
    return rc ? build_failed(d, "filing") : GFDX_DECIDE_OK;
}

gfdx_verdict platform_decide_filing(gfdx_decision *d)
{
    const char *filing_id = gfdx_rec_str(d->rec->body, "filing_id");
    int table_no = (int)gfdx_rec_int(d->rec->body, "table_no");
    gfdx_verdict v = authorize(d, filing_id ? filing_id : "", table_no);
    if (v == GFDX_DECIDE_OK)
        v = validate(d, filing_id ? filing_id : "", table_no);
    if (v != GFDX_DECIDE_OK)
        return v;
    const char *k[] = {filing_id};
    const json_t *old = gfdx_rows_get(d->rows, &platform_filing_table, k);
    long long prev = old ? gfdx_rows_int(old, "version") : 0;
    if (old && prev < 1)
        return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "load_filing", "no version stored in platform.filing");
    return stage(d, filing_id, (int)prev + 1, old);
}
