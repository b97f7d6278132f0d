/* namelist_store.c: see namelist_store.h. */
#include "namelist_store.h"

#include <string.h>
#include <time.h>

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
/* clang-format on */

const gfdx_table *const namelist_tables[NAMELIST_TABLE_COUNT] = {
    &namelist_t_list,    &namelist_t_owner,   &namelist_t_part,    &namelist_t_entry,
    &namelist_t_removal, &namelist_t_open,    &namelist_t_opened,  &namelist_t_version,
    &namelist_t_abandoned, &namelist_t_carbon, &namelist_t_financing,
};

static int want_all(gfdx_rowset *rs, const gfdx_table *const *t, size_t nt, const char *column, const char *value)
{
    for (size_t i = 0; i < nt; i++)
        if (gfdx_rowset_want(rs, t[i], column, value))
            return -1;
    return 0;
}

/* The rows one record's decision reads. Records without a list_id are refused by
 * validation and need nothing. */
static int want_record(gfdx_rowset *rs, const gfdx_record *r)
{
    static const gfdx_table *const published[] = {&namelist_t_list,  &namelist_t_owner,   &namelist_t_part,
                                                  &namelist_t_entry, &namelist_t_removal, &namelist_t_open};
    static const gfdx_table *const report[] = {&namelist_t_list, &namelist_t_carbon};
    static const gfdx_table *const versions[] = {&namelist_t_open, &namelist_t_history};
    const char *list_id = gfdx_rec_str(r->body, "list_id"), *key = gfdx_rec_str(r->body, "entry_key");
    if (!list_id || !*list_id)
        return 0;
    if (!strcmp(r->type, "NameListPublished"))
        return want_all(rs, published, sizeof published / sizeof *published, "list_id", list_id);
    if (want_all(rs, report, sizeof report / sizeof *report, "list_id", list_id))
        return -1;
    if (gfdx_rowset_want(rs, &namelist_t_financing, "list_id", list_id))
        return -1;
    return key && *key ? want_all(rs, versions, 2, "entry_key", key) : 0;
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
    const namelist_ctx *ctx = service_ctx;
    const gfdx_record *last = ctx && ctx->set.apply_pause_ms > 0 ? completing(recs, n) : NULL;
    if (last) {
        GFDX_WARN("fault injection: pausing %d ms in the batch that applies list %s version %lld",
                  ctx->set.apply_pause_ms, gfdx_rec_str(last->body, "list_id"), gfdx_rec_int(last->body, "version"));
        pause_ms(ctx->set.apply_pause_ms);
    }
    for (size_t i = 0; i < n; i++)
        if (want_record(rs, recs[i]))
            return -1;
    return 0;
}
