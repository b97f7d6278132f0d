/* platform_store.c: gfdx-platform's tables and its load hook. See platform_store.h. */
#include "platform_store.h"

const gfdx_table platform_filing_table = {
    .name = "filing",
    .kind = GFDX_TABLE_STATE,
    .key = {"filing_id"},
    .columns = "filing_id, institution, institution_kind, period, table_no, version, event_id, row_count, filed_at,"
               " received_at, first_received_at"};

const gfdx_table platform_filing_version_table = {
    .name = "filing_version",
    .kind = GFDX_TABLE_HISTORY,
    .columns = "filing_id, version, institution, period, table_no, event_id, sender, row_count, totals, filed_at,"
               " received_at"};

const gfdx_table platform_filing_row_table = {
    .name = "filing_row",
    .kind = GFDX_TABLE_HISTORY,
    .columns = "filing_id, version, row_no, enterprise, uscc, registration_region, project_name, project_type,"
               " loan_type, disbursed, balance, emc_loan_type, emc_disbursed, emc_balance, guaranteed,"
               " insurance_type, insured, claims_paid, invested, bond_amount"};

const gfdx_table *const platform_tables[PLATFORM_TABLE_COUNT] = {&platform_filing_table, &platform_filing_version_table,
                                                                 &platform_filing_row_table};

int platform_store_load(void *service_ctx, gfdx_rowset *rs, const gfdx_record *const *recs, size_t n)
{
    (void)service_ctx;
    for (size_t i = 0; i < n; i++) {
        const char *id = gfdx_rec_str(recs[i]->body, "filing_id");
        if (id && gfdx_rowset_want(rs, &platform_filing_table, "filing_id", id))
            return -1;
    }
    return 0;
}
