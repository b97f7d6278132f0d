/* namelist.h: gfdx-namelist (DESIGN §6.4): consumes gfdx.namelists (NameListPublished,
 * CarbonBenefitReported, FinancingSupportReported), keeps the district ledger in schema
 * `district` and publishes, on the addressed topic gfdx.namelist-changes.<list region>,
 * NameListChanged (v2: the changed entries themselves), ReportForwarded (the reports, to the
 * recipients the Shapingba plan names: namelist_forward.h) and, from its watch, ReportMissing
 * (a half-year without a carbon report: namelist_watch.h). */
#ifndef NAMELIST_H
#define NAMELIST_H

#include <stdio.h>

#include "config.h"
#include "namelist_auth.h"
#include "service.h"

#define NAMELIST_CHANGES_TOPIC "gfdx.namelist-changes"

/* The service's own settings (group `namelist` of the daemon's config file). */
typedef struct {
    char *changes_topic;
    int max_parts;
    int max_entries_per_part;
    int changed_keys_per_record;
    int apply_pause_ms;            /* fault injection for tests: pause in the batch that applies a version */
    int max_version_jump;          /* a version at most this above the applied one */
    gfdx_strlist publishers[5];    /* drc, eit, housing, ecology, finance: kinds each may publish */
    gfdx_strlist miit_kinds;       /* kinds MIIT may publish (national lists, region 100000) */
    gfdx_strlist province_kinds;   /* kinds a province_authority may publish (its own region) */
    int changed_bytes_per_record;  /* most bytes of entry content in one NameListChanged */
    int report_grace_working_days; /* the watch: a half-year's report is due this many working days after */
    gfdx_strlist report_kinds;     /* the watch: list kinds whose entries owe a half-year carbon report */
    int watch_max_flags;           /* the watch: most entries flagged per half-year and round */
} namelist_settings;

/* Service state handed to the handlers as service_ctx. */
typedef struct {
    namelist_settings set;
    namelist_policy policy;
    /* Lists whose next batch must load every current entry (list_id -> true, NULL when none):
     * set by a commit that found its batch had loaded them by key only (namelist_store.h),
     * read and cleared by the load hook of the batch's retry. The one thing a decision writes
     * outside the rowset: a hint about what to load, never state. */
    json_t *load_whole;
} namelist_ctx;

/* Loads the `namelist` group of config_path into ctx (a namelist_ctx) and builds the
 * publisher policy; prints the effective settings to print_to when non-NULL. 0, or -1 with
 * err. Calling it again replaces the previous settings. */
int namelist_configure(void *ctx, const char *config_path, FILE *print_to, char *err, size_t errlen);

/* Frees what namelist_configure loaded; accepts NULL. */
void namelist_ctx_release(namelist_ctx *ctx);

/* The service descriptor gfdx_daemon_main runs (its ctx is a static namelist_ctx). */
extern const gfdx_service namelist_service;

#endif
