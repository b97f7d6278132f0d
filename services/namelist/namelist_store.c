/* namelist_store.c: see namelist_store.h. */
#include "namelist_store.h"

#include <string.h>
#include <time.h>

#include "fault.h"
#include "log.h"
#include "namelist.h"

/* clang-format off */
const gfdx_table namelist_t_list = {
    .name = "list", .kind = GFDX_TABLE_STATE, .key = {"list_id"},
    .columns = "list_id,kind,region,title,publisher,publisher_bureau,current_version,current_mode,entry_count,"
               "effective_at,updated_at,level"};
const gfdx_table namelist_t_owner = {
    .name = "list_owner", .kind = GFDX_TABLE_STATE, .key = {"list_id"},
    .columns = "list_id,publisher,kind,region,event_id"};
const gfdx_table namelist_t_part = {
    .name = "staged_part", .kind = GFDX_TABLE_STATE, .key = {"list_id", "version", "part"},
    .columns = "list_id,version,part,part_count,mode,kind,region,title,sender,event_id,occurred_at,entries,removals"};
const gfdx_table namelist_t_entry = {
    .name = "staged_entry", .kind = GFDX_TABLE_STATE, .key = {"list_id", "version", "entry_key"},
    .columns = "list_id,version,entry_key,part,uscc,name,project_name,category_code,attributes,digest,industry_type"};
const gfdx_table namelist_t_removal = {
    .name = "staged_removal", .kind = GFDX_TABLE_STATE, .key = {"list_id", "version", "entry_key"},
    .columns = "list_id,version,entry_key,part"};
const gfdx_table namelist_t_open = {
    .name = "entry_version_open", .kind = GFDX_TABLE_STATE, .key = {"list_id", "entry_key", "valid_from"},
    .columns = "list_id,entry_key,valid_from,valid_to,valid_from_at,valid_to_at,uscc,name,project_name,"
               "category_code,attributes,digest,industry_type"};
const gfdx_table namelist_t_opened = {
    .name = "entry_version", .kind = GFDX_TABLE_HISTORY,
    .columns = "list_id,entry_key,valid_from,valid_to,valid_from_at,valid_to_at,uscc,name,project_name,"
               "category_code,attributes,digest,industry_type",
    .conflict = "ON CONFLICT (list_id, entry_key, valid_from) DO NOTHING"};
const gfdx_table namelist_t_history = {
    .name = "entry_version", .kind = GFDX_TABLE_READ, .key = {"list_id", "entry_key", "valid_from"}};
const gfdx_table namelist_t_version = {
    .name = "list_version", .kind = GFDX_TABLE_HISTORY,
    .columns = "list_id,version,previous_version,mode,title,publisher,part_count,event_ids,effective_at,"
               "received_entries,received_removals,added,updated,removed,unchanged,entry_count,content_md5,apply_ms"};
const gfdx_table namelist_t_abandoned = {
    .name = "abandoned_version", .kind = GFDX_TABLE_HISTORY,
    .columns = "list_id,version,parts_received,part_count,superseded_by", .conflict = "ON CONFLICT DO NOTHING"};
const gfdx_table namelist_t_carbon = {
    .name = "carbon_report", .kind = GFDX_TABLE_STATE, .key = {"list_id", "entry_key", "period"},
    .columns = "list_id,entry_key,period,uscc,co2_reduction_t,energy_saving_tce,climate_finance,climate_finance_note,"
               "reported_by,event_id,occurred_at,revision,updated_at"};
const gfdx_table namelist_t_financing = {
    .name = "financing_report", .kind = GFDX_TABLE_STATE,
    .key = {"list_id", "entry_key", "period", "institution", "product"},
    .columns = "list_id,entry_key,period,institution,product,product_name,uscc,amount,balance,rate_bp,reported_by,"
               "event_id,occurred_at,revision,updated_at"};
const gfdx_table namelist_t_missing = {
    .name = "missing_report", .kind = GFDX_TABLE_STATE, .key = {"list_id", "entry_key", "period"},
    .columns = "list_id,entry_key,period,uscc,region,due_at,flagged_at"};
const gfdx_table namelist_t_by_key = {
    .name = "(current entries loaded by key)", .kind = GFDX_TABLE_READ, .key = {"list_id"}};
/* clang-format on */

const gfdx_table *const namelist_tables[NAMELIST_TABLE_COUNT] = {
    &namelist_t_list,    &namelist_t_owner,   &namelist_t_part,    &namelist_t_entry,
    &namelist_t_removal, &namelist_t_open,    &namelist_t_opened,  &namelist_t_version,
    &namelist_t_abandoned, &namelist_t_carbon, &namelist_t_financing, &namelist_t_missing,
};

static int want_all(gfdx_rowset *rs, const gfdx_table *const *t, size_t nt, const char *column, const char *value)
{
    for (size_t i = 0; i < nt; i++)
        if (gfdx_rowset_want(rs, t[i], column, value))
            return -1;
    return 0;
}

/* The current entries a part may remove (UNKNOWN_ENTRY: namelist_decide.c), by key. */
static int want_removed(gfdx_rowset *rs, const gfdx_record *r)
{
    const json_t *removed = gfdx_rec_get(r->body, "removed_keys"), *k;
    size_t i;
    json_array_foreach(removed, i, k) {
        if (json_is_string(k) && gfdx_rowset_want(rs, &namelist_t_open, "entry_key", json_string_value(k)))
            return -1;
    }
    return 0;
}

/* The rows one record's decision reads (whole: the set of lists whose current entries are
 * loaded whole). Records without a list_id are refused by validation and need nothing. */
static int want_record(gfdx_rowset *rs, const gfdx_record *r, const json_t *whole)
{
    static const gfdx_table *const published[] = {&namelist_t_list, &namelist_t_owner, &namelist_t_part,
                                                  &namelist_t_entry, &namelist_t_removal};
    static const gfdx_table *const report[] = {&namelist_t_list, &namelist_t_carbon};
    static const gfdx_table *const versions[] = {&namelist_t_open, &namelist_t_history};
    const char *list_id = gfdx_rec_str(r->body, "list_id"), *key = gfdx_rec_str(r->body, "entry_key");
    if (!list_id || !*list_id)
        return 0;
    if (!strcmp(r->type, "NameListPublished")) {
        if (want_all(rs, published, sizeof published / sizeof *published, "list_id", list_id))
            return -1;
        if (json_object_get(whole, list_id))
            return gfdx_rowset_want(rs, &namelist_t_open, "list_id", list_id);
        json_t *mark = json_pack("{s:s}", "list_id", list_id);
        return !mark || gfdx_rowset_add(rs, &namelist_t_by_key, mark) ? -1 : want_removed(rs, r);
    }
    if (want_all(rs, report, sizeof report / sizeof *report, "list_id", list_id))
        return -1;
    if (gfdx_rowset_want(rs, &namelist_t_financing, "list_id", list_id))
        return -1;
    return key && *key ? want_all(rs, versions, 2, "entry_key", key) : 0;
}

/* The lists whose current entries the batch loads whole (namelist_store.h), taken out of
 * ctx->load_whole. A new object, NULL when out of memory. */
static json_t *lists_loaded_whole(namelist_ctx *ctx, const gfdx_record *const *recs, size_t n)
{
    json_t *whole = json_object();
    for (size_t i = 0; whole && i < n; i++) {
        const char *l = gfdx_rec_str(recs[i]->body, "list_id");
        if (!l || strcmp(recs[i]->type, "NameListPublished"))
            continue;
        bool hinted = ctx && json_object_get(ctx->load_whole, l);
        if ((hinted || gfdx_rec_int(recs[i]->body, "part") == gfdx_rec_int(recs[i]->body, "part_count")) &&
            json_object_set_new(whole, l, json_true())) {
            json_decref(whole);
            return NULL;
        }
        if (hinted)
            json_object_del(ctx->load_whole, l);
    }
    return whole;
}

/* Fault injection (namelist.apply_pause_ms): the first record of the batch that is the last
 * part of a version (the batch probably applies that version), or NULL. */
static const gfdx_record *completing(const gfdx_record *const *recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(recs[i]->type, "NameListPublished") &&
            gfdx_rec_int(recs[i]->body, "part") == gfdx_rec_int(recs[i]->body, "part_count"))
            return recs[i];
    return NULL;
}

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts))
        ;
}

int namelist_store_load(void *service_ctx, gfdx_rowset *rs, const gfdx_record *const *recs, size_t n)
{
    namelist_ctx *ctx = service_ctx;
    const gfdx_record *last = ctx && ctx->set.apply_pause_ms > 0 ? completing(recs, n) : NULL;
    if (last) {
        GFDX_WARN("fault injection: pausing %d ms in the batch that applies list %s version %lld",
                  ctx->set.apply_pause_ms, gfdx_rec_str(last->body, "list_id"), gfdx_rec_int(last->body, "version"));
        pause_ms(ctx->set.apply_pause_ms);
    }
    json_t *whole = lists_loaded_whole(ctx, recs, n);
    int rc = whole ? 0 : -1;
    for (size_t i = 0; !rc && i < n; i++)
        rc = want_record(rs, recs[i], whole);
    json_decref(whole);
    return rc;
}

/* The watch's one statement (namelist_watch.h): the entries of lists of the given kinds on
 * the list at some time in [$2, $3) without a carbon_report or a missing_report for period
 * $4, one row per (list, entry) with the USCC of its latest version in the half-year. */
static const char *const candidates_sql =
    "SELECT DISTINCT ON (e.list_id, e.entry_key) e.list_id, e.entry_key, e.uscc, l.region"
    "  FROM district.entry_version e JOIN district.list l USING (list_id)"
    " WHERE l.kind = ANY($1::text[]) AND e.valid_from_at < to_timestamp($3::bigint / 1000.0)"
    "   AND (e.valid_to_at IS NULL OR e.valid_to_at > to_timestamp($2::bigint / 1000.0))"
    "   AND NOT EXISTS (SELECT 1 FROM district.carbon_report c WHERE c.list_id = e.list_id"
    "                    AND c.entry_key = e.entry_key AND c.period = $4)"
    "   AND NOT EXISTS (SELECT 1 FROM district.missing_report m WHERE m.list_id = e.list_id"
    "                    AND m.entry_key = e.entry_key AND m.period = $4)"
    " ORDER BY e.list_id, e.entry_key, e.valid_from DESC LIMIT $5";

/* "{A,B}" of the kinds (NameListKind symbols: no quoting needed). */
static void kinds_literal(const gfdx_strlist *kinds, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "{");
    for (size_t i = 0; i < kinds->count && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "," : "", kinds->items[i]);
    if (n < len)
        snprintf(buf + n, len - n, "}");
}

json_t *namelist_store_report_candidates(PGconn *db, const gfdx_strlist *kinds, int64_t start_ms, int64_t end_ms,
                                         const char *period, int limit, char *err, size_t errlen, bool *transient)
{
    char k[1024], s[24], e[24], lim[24];
    kinds_literal(kinds, k, sizeof k);
    snprintf(s, sizeof s, "%lld", (long long)start_ms);
    snprintf(e, sizeof e, "%lld", (long long)end_ms);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[] = {k, s, e, period, lim};
    PGresult *r = PQexecParams(db, candidates_sql, 5, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "watch candidates: %s", PQresultErrorMessage(r));
        *transient = gfdx_fault_sqlstate_is_transient(PQresultErrorField(r, PG_DIAG_SQLSTATE));
        PQclear(r);
        return NULL;
    }
    json_t *out = json_array();
    for (int i = 0; out && i < PQntuples(r); i++)
        if (json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "list_id", PQgetvalue(r, i, 0), "entry_key",
                                                 PQgetvalue(r, i, 1), "uscc", PQgetvalue(r, i, 2), "region",
                                                 PQgetvalue(r, i, 3)))) {
            json_decref(out);
            out = NULL;
        }
    PQclear(r);
    if (!out) {
        snprintf(err, errlen, "watch candidates: out of memory");
        *transient = true;
    }
    return out;
}
