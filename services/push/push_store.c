/* push_store.c: see push_store.h. */
#include "push_store.h"

/* clang-format off */
const gfdx_table push_need_table = {
    .name = "need", .kind = GFDX_TABLE_STATE, .key = {"need_id", NULL},
    .columns = "need_id, province, location_region, branch_id, quarter, late, is_major, priority_tags,"
               " financing_amount, catalogue_code, uscc, factory_name, project_name, status, snapshot,"
               " updated_at, recommended_by, batch_id, push_event_id, pushed_at, withdrawn_event_id,"
               " withdrawn_at, withdrawn_reason",
};

const gfdx_table push_dispatch_table = {
    .name = "dispatch", .kind = GFDX_TABLE_STATE, .key = {"need_id", "bank_id", NULL},
    .columns = "need_id, bank_id, branch_id, status, cancelled_at",
};
/* clang-format on */

const gfdx_table *const push_tables[PUSH_TABLE_COUNT] = {&push_need_table, &push_dispatch_table};

int push_store_load(void *service_ctx, gfdx_rowset *rs, const gfdx_record *const *recs, size_t n)
{
    (void)service_ctx;
    for (size_t i = 0; i < n; i++) {
        const char *need_id = gfdx_rec_str(recs[i]->body, "need_id");
        if (!need_id || !*need_id)
            continue;
        if (gfdx_rowset_want(rs, &push_need_table, "need_id", need_id) ||
            gfdx_rowset_want(rs, &push_dispatch_table, "need_id", need_id))
            return -1;
    }
    return 0;
}
