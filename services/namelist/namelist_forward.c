/* namelist_forward.c: see namelist_forward.h. */
#include "namelist_forward.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "namelist.h"
#include "namelist_commit.h"

size_t namelist_forward_bureaus(namelist_record_kind rk, gfdx_bureau out[2])
{
    if (rk == NAMELIST_REC_PUBLISH)
        return 0;
    out[0] = GFDX_BUREAU_DRC;
    out[1] = rk == NAMELIST_REC_CARBON ? GFDX_BUREAU_FINANCE : GFDX_BUREAU_ECOLOGY;
    return 2;
}

/* Inserts id into the sorted array ids. 0, or -1 when out of memory. */
static int insert_sorted(json_t *ids, const char *id)
{
    size_t j = 0;
    while (j < json_array_size(ids) && strcmp(json_string_value(json_array_get(ids, j)), id) < 0)
        j++;
    return json_array_insert_new(ids, j, json_string(id));
}

json_t *namelist_bureaus_of(const gfdx_registry *reg, const char *region, const gfdx_bureau *want, size_t nw)
{
    json_t *ids = json_array();
    for (size_t i = 0; ids && reg && region && i < gfdx_registry_count(reg); i++) {
        const gfdx_participant *p = gfdx_registry_at(reg, i);
        bool recipient = false;
        for (size_t k = 0; k < nw; k++)
            recipient |= gfdx_auth_is_bureau(p, want[k]);
        if (recipient && gfdx_auth_is_kind(p, GFDX_PK_DISTRICT_BUREAU) && !strcmp(p->region, region) &&
            insert_sorted(ids, p->id)) {
            json_decref(ids);
            return NULL;
        }
    }
    return ids;
}

json_t *namelist_forward_recipients(const gfdx_registry *reg, namelist_record_kind rk, const char *region)
{
    gfdx_bureau want[2] = {GFDX_BUREAU_NONE, GFDX_BUREAU_NONE};
    size_t nw = namelist_forward_bureaus(rk, want);
    return namelist_bureaus_of(reg, region, want, nw);
}

int namelist_district_topic(char *buf, size_t len, const char *prefix, const char *region)
{
    int n = snprintf(buf, len, "%s.%s", prefix, region ? region : "");
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The bureau type names of rk's recipients, as an array. */
static json_t *bureau_names(namelist_record_kind rk)
{
    gfdx_bureau b[2] = {GFDX_BUREAU_NONE, GFDX_BUREAU_NONE};
    size_t n = namelist_forward_bureaus(rk, b);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(gfdx_bureau_name(b[i])))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* Copies the report's own columns of row into rec (the other kind's stay absent: null). */
static int copy_figures(json_t *rec, namelist_record_kind rk, const json_t *row)
{
    static const char *const carbon[] = {"co2_reduction_t", "energy_saving_tce", "climate_finance",
                                         "climate_finance_note"};
    static const char *const financing[] = {"institution", "product", "product_name", "amount", "balance", "rate_bp"};
    const char *const *cols = rk == NAMELIST_REC_CARBON ? carbon : financing;
    size_t n = rk == NAMELIST_REC_CARBON ? 4 : 6;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(row, cols[i]);
        const char *as = strcmp(cols[i], "product") ? cols[i] : "financing_product";
        if (v && !json_is_null(v) && json_object_set(rec, as, v))
            return -1;
    }
    return 0;
}

static json_t *forwarded_record(gfdx_decision *d, namelist_record_kind rk, const char *region, const json_t *row)
{
    json_t *to = namelist_forward_recipients(d->ctx->registry, rk, region), *types = bureau_names(rk);
    if (!to || !types) {
        json_decref(to);
        json_decref(types);
        return NULL;
    }
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o}", "record_type", d->rec->type,
                            "list_id", gfdx_rows_str(row, "list_id"), "region", region, "entry_key",
                            gfdx_rows_str(row, "entry_key"), "uscc", gfdx_rows_str(row, "uscc"), "period",
                            gfdx_rows_str(row, "period"), "reported_by", d->sender->id, "report_event_id",
                            d->rec->event_id, "revision", (json_int_t)gfdx_rows_int(row, "revision"), "recipients",
                            to, "recipient_bureaus", types);
    if (rec && copy_figures(rec, rk, row)) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}

gfdx_verdict namelist_forward(gfdx_decision *d, namelist_record_kind rk, const char *region, const json_t *row)
{
    const namelist_ctx *ctx = d->ctx->service_ctx;
    char topic[256];
    if (namelist_district_topic(topic, sizeof topic, ctx->set.changes_topic, region))
        return gfdx_fault_decide(d, GFDX_FAULT_BAD_INPUT, "ReportForwarded", "topic name too long");
    errno = 0;
    json_t *rec = forwarded_record(d, rk, region, row);
    if (!rec)
        return namelist_oom(d, "ReportForwarded");
    gfdx_verdict v = gfdx_decide_emit(d, topic, gfdx_rows_str(row, "list_id"), "ReportForwarded", rec);
    json_decref(rec);
    return v;
}
