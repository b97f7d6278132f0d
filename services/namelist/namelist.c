/* namelist.c: gfdx-namelist's handlers and settings. Each handler validates (namelist_validate),
 * authorizes (namelist_auth: publisher matrix, reporter bureau, region, list owner), checks
 * the version rules (namelist_version) and changes the ledger (namelist_ledger). Refusals
 * change nothing (the savepoint is rolled back). */
#include "namelist.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "namelist_ledger.h"
#include "namelist_validate.h"
#include "namelist_version.h"

/* ---- settings ---- */

#define NL_ROW(path, type, field, ...) {path, type, offsetof(namelist_settings, field), __VA_ARGS__}

/* clang-format off */
static const gfdx_cfg_setting namelist_rows[] = {
    NL_ROW("namelist.changes_topic", GFDX_CFG_STRING, changes_topic, NAMELIST_CHANGES_TOPIC, 0, 0, 0, false, false,
           false, "topic of NameListChanged (key: list id)"),
    NL_ROW("namelist.max_parts", GFDX_CFG_INT, max_parts, NULL, 1000, 1, 100000, false, false, false,
           "most parts one version may be split into"),
    NL_ROW("namelist.max_entries_per_part", GFDX_CFG_INT, max_entries_per_part, NULL, 5000, 1, 100000, false, false,
           false, "most entries in one NameListPublished record (keep records well under message.max.bytes)"),
    NL_ROW("namelist.changed_keys_per_record", GFDX_CFG_INT, changed_keys_per_record, NULL, 5000, 1, 100000, false,
           false, false, "most keys in one NameListChanged record; more changes are sent in parts"),
    NL_ROW("namelist.apply_pause_ms", GFDX_CFG_INT, apply_pause_ms, NULL, 0, 0, 600000, false, false, false,
           "fault injection for tests only: pause inside the apply of a version; 0 in production"),
    NL_ROW("namelist.publishers.drc", GFDX_CFG_STRLIST, publishers[0],
           "GREEN_PROJECT,GREEN_ENTERPRISE,KEY_GREEN_PROJECT,TRANSITION_PROJECT", 0, 0, 0, false, false, false,
           "list kinds a development-and-reform bureau may publish"),
    NL_ROW("namelist.publishers.eit", GFDX_CFG_STRLIST, publishers[1],
           "GREEN_PROJECT,GREEN_ENTERPRISE,GREEN_FACTORY,EFFICIENCY_LEADER,WATER_EFFICIENCY_LEADER,GREEN_PARK,"
           "GREEN_SUPPLY_CHAIN,GREEN_PRODUCT,GREEN_DESIGN,SPECIALIZED_SME,LITTLE_GIANT,CLEAN_PRODUCTION_AUDIT",
           0, 0, 0, false, false, false, "list kinds an economy-and-IT bureau may publish"),
    NL_ROW("namelist.publishers.housing", GFDX_CFG_STRLIST, publishers[2], "GREEN_PROJECT,GREEN_ENTERPRISE", 0, 0, 0,
           false, false, false, "list kinds a housing bureau may publish"),
    NL_ROW("namelist.publishers.ecology", GFDX_CFG_STRLIST, publishers[3], NULL, 0, 0, 0, false, false, false,
           "list kinds an ecology bureau may publish (it receives lists and reports carbon benefits)"),
    NL_ROW("namelist.publishers.finance", GFDX_CFG_STRLIST, publishers[4], NULL, 0, 0, 0, false, false, false,
           "list kinds a finance bureau may publish (it receives lists and reports financing)"),
    NL_ROW("namelist.max_version_jump", GFDX_CFG_INT, max_version_jump, NULL, NAMELIST_MAX_VERSION_JUMP_DEFAULT, 1,
           1000000000, false, false, false,
           "a version more than this above the list's applied version is refused VERSION_JUMP (a list's first"
           " version counts from 0)"),
};
/* clang-format on */
#define NL_NROWS (sizeof namelist_rows / sizeof namelist_rows[0])

static const gfdx_bureau publisher_bureaus[5] = {GFDX_BUREAU_DRC, GFDX_BUREAU_EIT, GFDX_BUREAU_HOUSING,
                                                 GFDX_BUREAU_ECOLOGY, GFDX_BUREAU_FINANCE};

void namelist_ctx_release(namelist_ctx *ctx)
{
    if (!ctx)
        return;
    gfdx_config_release(namelist_rows, NL_NROWS, &ctx->set);
    memset(ctx, 0, sizeof *ctx);
}

int namelist_configure(void *vctx, const char *config_path, FILE *print_to, char *err, size_t errlen)
{
    namelist_ctx *ctx = vctx, fresh;
    memset(&fresh, 0, sizeof fresh);
    if (gfdx_config_load_rows(config_path, namelist_rows, NL_NROWS, &fresh.set, err, errlen)) {
        namelist_ctx_release(&fresh);
        return -1;
    }
    for (int i = 0; i < 5; i++) {
        char why[256];
        const gfdx_strlist *l = &fresh.set.publishers[i];
        if (namelist_policy_allow(&fresh.policy, publisher_bureaus[i], (const char *const *)l->items, l->count, why,
                                  sizeof why)) {
            snprintf(err, errlen, "%s: %s", namelist_rows[5 + i].path, why);
            namelist_ctx_release(&fresh);
            return -1;
        }
    }
    if (print_to)
        gfdx_config_print_rows(print_to, namelist_rows, NL_NROWS, &fresh.set);
    namelist_ctx_release(ctx);
    *ctx = fresh;
    return 0;
}

/* ---- NameListPublished ---- */

static void read_part(const json_t *b, namelist_part *p)
{
    p->list_id = gfdx_rec_str(b, "list_id");
    p->kind = gfdx_rec_str(b, "kind");
    p->region = gfdx_rec_str(b, "region");
    p->title = gfdx_rec_str(b, "title");
    p->version = gfdx_rec_int(b, "version");
    namelist_mode_parse(gfdx_rec_str(b, "mode"), &p->mode); /* validated */
    p->part = (int)gfdx_rec_int(b, "part");
    p->part_count = (int)gfdx_rec_int(b, "part_count");
    p->entries = gfdx_rec_get(b, "entries");
    p->removed = gfdx_rec_get(b, "removed_keys");
}

/* A list belongs to the bureau that staged its first part (district.list_owner) and keeps
 * the kind and region it was bound with: checked before anything about its versions. The
 * first part of a new list binds its sender (undone with the savepoint if the record is
 * refused later on). */
static gfdx_apply_result check_owner(gfdx_apply *a, const namelist_part *p)
{
    namelist_owner o;
    if (namelist_ledger_owner(a, p->list_id, &o))
        return GFDX_APPLY_DB_ERROR;
    if (!o.bound)
        return namelist_ledger_bind(a, p) ? GFDX_APPLY_DB_ERROR : GFDX_APPLY_OK;
    if (strcmp(o.publisher, a->sender->id))
        return gfdx_apply_refuse(a, "UNAUTHORIZED_SENDER", "list %s is published by %s, not %s", p->list_id,
                                 o.publisher, a->sender->id);
    if (strcmp(o.kind, p->kind) || strcmp(o.region, p->region))
        return gfdx_apply_refuse(a, "LIST_MISMATCH", "list %s is a %s list of region %s, not %s of %s", p->list_id,
                                 o.kind, o.region, p->kind, p->region);
    return GFDX_APPLY_OK;
}

/* Version rules against the ledger; SUPERSEDE abandons the pending version. */
static gfdx_apply_result check_version(gfdx_apply *a, const namelist_part *p, const namelist_list_row *l)
{
    namelist_pending pend;
    if (namelist_ledger_pending(a, p, &pend))
        return GFDX_APPLY_DB_ERROR;
    const namelist_ctx *ctx = a->service_ctx;
    namelist_ledger_state s = {l->version, pend.version, pend.mode, pend.part_count, pend.part_received,
                               ctx->set.max_version_jump};
    namelist_incoming in = {p->version, p->mode, p->part, p->part_count};
    char why[256];
    namelist_verdict v = namelist_version_check(&s, &in, why, sizeof why);
    if (namelist_verdict_code(v))
        return gfdx_apply_refuse(a, namelist_verdict_code(v), "list %s: %s", p->list_id, why);
    if (v == NAMELIST_V_STAGE && pend.version == p->version && !pend.same_header)
        return gfdx_apply_refuse(a, "PART_MISMATCH", "list %s: part %d of version %lld differs from the earlier parts"
                                 " in kind, region, title or sender", p->list_id, p->part, p->version);
    return v == NAMELIST_V_SUPERSEDE ? namelist_ledger_abandon(a, p) : GFDX_APPLY_OK;
}

/* Parts staged so far for the version, this one included. -1 on error. */
static int parts_staged(gfdx_apply *a, const namelist_part *p)
{
    namelist_pending pend;
    return namelist_ledger_pending(a, p, &pend) ? -1 : pend.parts;
}

static gfdx_apply_result on_published(gfdx_apply *a)
{
    const namelist_ctx *ctx = a->service_ctx;
    const namelist_limits lim = {ctx->set.max_parts, ctx->set.max_entries_per_part};
    char why[512];
    const char *code = namelist_validate_published(a->rec->body, a->rec->key, &lim, why, sizeof why);
    if (code)
        return gfdx_apply_refuse(a, code, "%s", why);
    namelist_part p;
    namelist_kind kind;
    read_part(a->rec->body, &p);
    namelist_kind_parse(p.kind, &kind); /* validated */
    if (!namelist_authorize(&ctx->policy, a->sender, NAMELIST_REC_PUBLISH, kind, p.region, why, sizeof why))
        return gfdx_apply_refuse(a, "UNAUTHORIZED_SENDER", "%s", why);
    namelist_list_row list;
    if (namelist_ledger_load(a, p.list_id, &list) || namelist_ledger_hash_joins(a, true))
        return GFDX_APPLY_DB_ERROR;
    gfdx_apply_result res = check_owner(a, &p);
    if (res == GFDX_APPLY_OK)
        res = check_version(a, &p, &list);
    if (res == GFDX_APPLY_OK)
        res = namelist_ledger_stage(a, &p);
    int staged = res == GFDX_APPLY_OK ? parts_staged(a, &p) : 0;
    if (staged < 0)
        return GFDX_APPLY_DB_ERROR;
    if (res == GFDX_APPLY_OK && staged == p.part_count)
        res = namelist_ledger_apply(a, &p, &list, &ctx->set);
    if (res == GFDX_APPLY_OK && namelist_ledger_hash_joins(a, false))
        res = GFDX_APPLY_DB_ERROR;
    return res;
}

/* ---- reports ---- */

/* Fills uscc (size 19+) with the entry's USCC when the entry was on the list at some time in
 * [period start, min(period end, report time)); refuses otherwise. */
static gfdx_apply_result check_listed(gfdx_apply *a, const char *list_id, const char *key, const char *period,
                                      char *uscc, size_t ulen)
{
    int64_t start, end, at = a->rec->occurred_at;
    namelist_period_bounds(period, &start, &end); /* validated */
    if (start > at)
        return gfdx_apply_refuse(a, "INVALID_PERIOD", "period %s had not begun when the report was made", period);
    char s[24], e[24];
    snprintf(s, sizeof s, "%lld", (long long)start);
    snprintf(e, sizeof e, "%lld", (long long)(end < at ? end : at));
    const char *prm[] = {list_id, key, s, e};
    PGresult *r = namelist_ledger_query(a, "SELECT uscc FROM @.entry_version WHERE list_id = $1 AND entry_key = $2"
                                           " AND valid_from_at < " NAMELIST_SQL_MS(4) " AND (valid_to_at IS NULL OR"
                                           " valid_to_at > " NAMELIST_SQL_MS(3) ") ORDER BY valid_from DESC LIMIT 1",
                                        4, prm);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    gfdx_apply_result res = GFDX_APPLY_OK;
    if (PQntuples(r))
        snprintf(uscc, ulen, "%s", PQgetvalue(r, 0, 0));
    else
        res = gfdx_apply_refuse(a, "NOT_LISTED", "entry %s was not on list %s during %s (before the report)", key,
                                list_id, period);
    PQclear(r);
    return res;
}

/* Validation, authorization and the listing check. Authorization first, in two steps: what
 * the sender's own kind allows (any list: ecology reports carbon, finance financing), then the
 * one fact about the list it needs, its region. A list that does not exist covers nobody, so a
 * reporter gets the same UNAUTHORIZED_SENDER for an unknown list and for another region's:
 * a refusal says nothing about which lists exist elsewhere. */
static gfdx_apply_result begin_report(gfdx_apply *a, namelist_record_kind rk, char *uscc, size_t ulen)
{
    const namelist_ctx *ctx = a->service_ctx;
    const json_t *b = a->rec->body;
    char why[512];
    const char *code = rk == NAMELIST_REC_CARBON ? namelist_validate_carbon(b, a->rec->key, why, sizeof why)
                                                 : namelist_validate_financing(b, a->rec->key, why, sizeof why);
    if (code)
        return gfdx_apply_refuse(a, code, "%s", why);
    const char *list_id = gfdx_rec_str(b, "list_id");
    namelist_list_row list;
    if (namelist_ledger_load(a, list_id, &list))
        return GFDX_APPLY_DB_ERROR;
    if (!namelist_authorize(&ctx->policy, a->sender, rk, NAMELIST_KIND_COUNT, a->sender->region, why, sizeof why))
        return gfdx_apply_refuse(a, "UNAUTHORIZED_SENDER", "%s", why);
    if (!list.exists || !namelist_authorize(&ctx->policy, a->sender, rk, NAMELIST_KIND_COUNT, list.region, why,
                                            sizeof why))
        return gfdx_apply_refuse(a, "UNAUTHORIZED_SENDER", "%s may not report on list %s (not published, or not"
                                 " of a region it covers)", a->sender->id, list_id);
    return check_listed(a, list_id, gfdx_rec_str(b, "entry_key"), gfdx_rec_str(b, "period"), uscc, ulen);
}

static gfdx_apply_result on_carbon(gfdx_apply *a)
{
    char uscc[32];
    gfdx_apply_result res = begin_report(a, NAMELIST_REC_CARBON, uscc, sizeof uscc);
    if (res != GFDX_APPLY_OK)
        return res;
    const json_t *b = a->rec->body;
    char co2[40], tce[40], fin[24], at[24];
    const json_t *t = gfdx_rec_get(b, "energy_saving_tce");
    snprintf(co2, sizeof co2, "%.17g", gfdx_rec_real(b, "co2_reduction_t"));
    snprintf(tce, sizeof tce, "%.17g", json_number_value(t));
    snprintf(fin, sizeof fin, "%lld", gfdx_rec_int(b, "climate_finance"));
    snprintf(at, sizeof at, "%lld", (long long)a->rec->occurred_at);
    const char *prm[] = {gfdx_rec_str(b, "list_id"), gfdx_rec_str(b, "entry_key"), gfdx_rec_str(b, "period"), uscc, co2,
                         json_is_number(t) ? tce : NULL, fin, gfdx_rec_str(b, "climate_finance_note"),
                         a->sender->id, a->rec->event_id, at};
    return namelist_ledger_exec(
               a, "INSERT INTO @.carbon_report AS c (list_id, entry_key, period, uscc, co2_reduction_t,"
                  " energy_saving_tce, climate_finance, climate_finance_note, reported_by, event_id, occurred_at)"
                  " VALUES ($1, $2, $3, $4, $5::float8, $6::float8, $7::bigint, $8, $9, $10, " NAMELIST_SQL_MS(11) ")"
                  " ON CONFLICT (list_id, entry_key, period) DO UPDATE SET uscc = EXCLUDED.uscc,"
                  " co2_reduction_t = EXCLUDED.co2_reduction_t, energy_saving_tce = EXCLUDED.energy_saving_tce,"
                  " climate_finance = EXCLUDED.climate_finance, climate_finance_note = EXCLUDED.climate_finance_note,"
                  " reported_by = EXCLUDED.reported_by, event_id = EXCLUDED.event_id,"
                  " occurred_at = EXCLUDED.occurred_at, revision = c.revision + 1, updated_at = now()", 11, prm)
               ? GFDX_APPLY_DB_ERROR : GFDX_APPLY_OK;
}

static gfdx_apply_result on_financing(gfdx_apply *a)
{
    char uscc[32];
    gfdx_apply_result res = begin_report(a, NAMELIST_REC_FINANCING, uscc, sizeof uscc);
    if (res != GFDX_APPLY_OK)
        return res;
    const json_t *b = a->rec->body, *rate = gfdx_rec_get(b, "rate_bp");
    char amount[24], balance[24], bp[24], at[24];
    snprintf(amount, sizeof amount, "%lld", gfdx_rec_int(b, "amount"));
    snprintf(balance, sizeof balance, "%lld", gfdx_rec_int(b, "balance"));
    snprintf(bp, sizeof bp, "%lld", (long long)json_integer_value(rate));
    snprintf(at, sizeof at, "%lld", (long long)a->rec->occurred_at);
    const char *prm[] = {gfdx_rec_str(b, "list_id"), gfdx_rec_str(b, "entry_key"), gfdx_rec_str(b, "period"),
                         gfdx_rec_str(b, "institution"), gfdx_rec_str(b, "product"), gfdx_rec_str(b, "product_name"),
                         uscc, amount, balance, json_is_integer(rate) ? bp : NULL, a->sender->id, a->rec->event_id, at};
    return namelist_ledger_exec(
               a, "INSERT INTO @.financing_report AS f (list_id, entry_key, period, institution, product,"
                  " product_name, uscc, amount, balance, rate_bp, reported_by, event_id, occurred_at) VALUES ($1, $2,"
                  " $3, $4, $5, $6, $7, $8::bigint, $9::bigint, $10::int, $11, $12, " NAMELIST_SQL_MS(13) ")"
                  " ON CONFLICT (list_id, entry_key, period, institution, product) DO UPDATE SET"
                  " product_name = EXCLUDED.product_name, uscc = EXCLUDED.uscc, amount = EXCLUDED.amount,"
                  " balance = EXCLUDED.balance, rate_bp = EXCLUDED.rate_bp, reported_by = EXCLUDED.reported_by,"
                  " event_id = EXCLUDED.event_id, occurred_at = EXCLUDED.occurred_at, revision = f.revision + 1,"
                  " updated_at = now()", 13, prm)
               ? GFDX_APPLY_DB_ERROR : GFDX_APPLY_OK;
}

static const gfdx_handler handlers[] = {
    {"NameListPublished", "gfdx.namelists", "list_id", on_published, NULL},
    {"CarbonBenefitReported", "gfdx.namelists", "list_id", on_carbon, NULL},
    {"FinancingSupportReported", "gfdx.namelists", "list_id", on_financing, NULL},
};

static namelist_ctx the_ctx;

const gfdx_service namelist_service = {
    .name = "namelist",
    .schema = "district",
    .handlers = handlers,
    .handler_count = sizeof handlers / sizeof handlers[0],
    .configure = namelist_configure,
    .ctx = &the_ctx,
};
