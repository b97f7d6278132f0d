/* report_platform.h: `gfdx report semiannual` built from the 产业绿贷 platform's filings
 * (platform.filing_current_row, platform.filing_history: gfdx-platform, DESIGN §6.5), used by
 * report_semiannual.c when the platform schema is deployed. */
#ifndef GFDX_CLI_REPORT_PLATFORM_H
#define GFDX_CLI_REPORT_PLATFORM_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "output.h"
#include "participants.h"

/* The period asked for: a half-year ("2026H1") or a full year ("2026"). */
typedef struct {
    const char *label;       /* as given */
    char halves[24];         /* text[] literal of the half-years filed: "{2026H1}" or "{2026H1,2026H2}" */
    char year_end[8];        /* the half whose 余额 is the period's closing balance: "2026H1" / "2026H2" */
    char start[32], end[32]; /* timestamptz bounds (China time) for the feedback reconciliation */
    char first[11], last[11];
    bool full_year;
} report_period;

/* The report from the filings: a summary, 表1-5 with the annex's columns, the filings with
 * their versions and liaison officers, and the reconciliation of 表1 against the banks'
 * feedback (has_feedback: feedback.* and pboc.need_summary deployed; loan_products: text[] literal of
 * the FinancingProduct symbols that are loans). Only rows of enterprises registered in
 * Shanghai (31xxxx) are counted. filers, a text[] literal of participant ids ("{bank-a,bank-b}",
 * NULL = every filer), keeps those filers' filings (the caller names them in a fact). *out is
 * a new report (caller frees). 0, or 1 with err (database, out of memory). */
int report_platform(PGconn *db, const gfdx_registry *names, const report_period *p, const char *filers,
                    bool has_feedback, const char *loan_products, cli_report **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
