/* namelist.c: gfdx-namelist's settings, handler table and service descriptor. The decisions
 * are namelist_decide.h (pure: validate, authorize, version rules, diff), the tables and the
 * load hook namelist_store.h; the batch pipeline (batch.c) loads, decides and writes. */
#include "namelist.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "namelist_decide.h"
#include "namelist_store.h"
#include "namelist_version.h"
#include "namelist_watch.h"

/* ---- settings ---- */

#define NL_ROW(path, type, field, ...) {path, type, offsetof(namelist_settings, field), __VA_ARGS__}

/* clang-format off */
static const gfdx_cfg_setting namelist_rows[] = {
    NL_ROW("namelist.changes_topic", GFDX_CFG_STRING, changes_topic, NAMELIST_CHANGES_TOPIC, 0, 0, 0, false, false,
           false, "prefix of the district's addressed topic: NameListChanged, ReportForwarded and ReportMissing of a list"
           " of region R go to <prefix>.R (key: list id)"),
    NL_ROW("namelist.max_parts", GFDX_CFG_INT, max_parts, NULL, 1000, 1, 100000, false, false, false,
           "most parts one version may be split into"),
    NL_ROW("namelist.max_entries_per_part", GFDX_CFG_INT, max_entries_per_part, NULL, 5000, 1, 100000, false, false,
           false, "most entries in one NameListPublished record (keep records well under message.max.bytes)"),
    NL_ROW("namelist.changed_keys_per_record", GFDX_CFG_INT, changed_keys_per_record, NULL, 5000, 1, 100000, false,
           false, false, "most keys in one NameListChanged record; more changes are sent in parts"),
    NL_ROW("namelist.apply_pause_ms", GFDX_CFG_INT, apply_pause_ms, NULL, 0, 0, 600000, false, false, false,
           "fault injection for tests only: pause in the batch that applies a version, before its rows are loaded; 0"
           " in production"),
    NL_ROW("namelist.publishers.drc", GFDX_CFG_STRLIST, publishers[0],
           "GREEN_PROJECT,GREEN_ENTERPRISE,KEY_GREEN_PROJECT,TRANSITION_PROJECT", 0, 0, 0, false, false, false,
           "list kinds a development-and-reform bureau may publish"),
    NL_ROW("namelist.publishers.eit", GFDX_CFG_STRLIST, publishers[1],
           "GREEN_PROJECT,GREEN_ENTERPRISE,GREEN_FACTORY,EFFICIENCY_LEADER,WATER_EFFICIENCY_LEADER,GREEN_PARK,"
           "GREEN_SUPPLY_CHAIN,GREEN_PRODUCT,GREEN_DESIGN,SPECIALIZED_SME,LITTLE_GIANT,CLEAN_PRODUCTION_AUDIT",
           0, 0, 0, false, false, false, "list kinds an economy-and-IT bureau may publish"),
    NL_ROW("namelist.publishers.housing", GFDX_CFG_STRLIST, publishers[2], "GREEN_PROJECT,GREEN_ENTERPRISE,GREEN_BUILDING", 0, 0, 0,
           false, false, false, "list kinds a housing bureau may publish"),
    NL_ROW("namelist.publishers.ecology", GFDX_CFG_STRLIST, publishers[3], NULL, 0, 0, 0, false, false, false,
           "list kinds an ecology bureau may publish (it receives lists and reports carbon benefits)"),
    NL_ROW("namelist.publishers.finance", GFDX_CFG_STRLIST, publishers[4], NULL, 0, 0, 0, false, false, false,
           "list kinds a finance bureau may publish (it receives lists and reports financing)"),
    NL_ROW("namelist.publishers.miit", GFDX_CFG_STRLIST, miit_kinds,
           "GREEN_FACTORY,EFFICIENCY_LEADER,WATER_EFFICIENCY_LEADER,GREEN_PARK,GREEN_SUPPLY_CHAIN,GREEN_PRODUCT,"
           "GREEN_DESIGN,LITTLE_GIANT,NATIONAL_FUND_INVESTED,DEPARTMENT_RECOMMENDED", 0, 0, 0, false, false, false,
           "list kinds MIIT may publish, as national lists (region 100000)"),
    NL_ROW("namelist.publishers.province", GFDX_CFG_STRLIST, province_kinds,
           "GREEN_FACTORY,EFFICIENCY_LEADER,WATER_EFFICIENCY_LEADER,GREEN_PARK,GREEN_SUPPLY_CHAIN,GREEN_PRODUCT,"
           "GREEN_DESIGN,SPECIALIZED_SME,CLEAN_PRODUCTION_AUDIT,DEPARTMENT_RECOMMENDED", 0, 0, 0, false, false, false,
           "list kinds a provincial or municipal industry authority (province_authority) may publish for its own"
           " region"),
    NL_ROW("namelist.changed_bytes_per_record", GFDX_CFG_INT, changed_bytes_per_record, NULL, 400000, 1000, 100000000,
           false, false, false, "most bytes of entry content in one NameListChanged (keep it under the producer's"
           " message.max.bytes); more go in further parts"),
    NL_ROW("namelist.report_grace_working_days", GFDX_CFG_INT, report_grace_working_days, NULL, 20, 0, 250, false,
           false, false, "the watch: a half-year's carbon report is due this many working days after its end"),
    NL_ROW("namelist.report_kinds", GFDX_CFG_STRLIST, report_kinds, "GREEN_PROJECT,KEY_GREEN_PROJECT", 0, 0, 0, false,
           false, false, "the watch: list kinds whose entries owe a CarbonBenefitReported every half-year"),
    NL_ROW("namelist.watch_max_flags", GFDX_CFG_INT, watch_max_flags, NULL, 5000, 1, 1000000, false, false, false,
           "the watch: most entries flagged per half-year in one round (the rest in the next)"),
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
    json_decref(ctx->load_whole);
    memset(ctx, 0, sizeof *ctx);
}

/* The national and municipal publishers' kinds (namelist.publishers.miit / .province). */
static int allow_authorities(namelist_ctx *c, char *err, size_t errlen)
{
    char why[256];
    const gfdx_strlist *l[2] = {&c->set.miit_kinds, &c->set.province_kinds};
    for (int i = 0; i < 2; i++)
        if (namelist_policy_allow_authority(&c->policy, i == 0, (const char *const *)l[i]->items, l[i]->count, why,
                                            sizeof why)) {
            snprintf(err, errlen, "namelist.publishers.%s: %s", i == 0 ? "miit" : "province", why);
            return -1;
        }
    return 0;
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
    for (size_t i = 0; i < fresh.set.report_kinds.count; i++) {
        namelist_kind k;
        if (namelist_kind_parse(fresh.set.report_kinds.items[i], &k)) {
            snprintf(err, errlen, "namelist.report_kinds: \"%s\" is not a list kind", fresh.set.report_kinds.items[i]);
            namelist_ctx_release(&fresh);
            return -1;
        }
    }
    if (allow_authorities(&fresh, err, errlen)) {
        namelist_ctx_release(&fresh);
        return -1;
    }
    if (print_to)
        gfdx_config_print_rows(print_to, namelist_rows, NL_NROWS, &fresh.set);
    fresh.load_whole = ctx->load_whole; /* hints outlive a reload */
    ctx->load_whole = NULL;
    namelist_ctx_release(ctx);
    *ctx = fresh;
    return 0;
}

static const gfdx_handler handlers[] = {
    {"NameListPublished", "gfdx.namelists", "list_id", namelist_decide_published},
    {"CarbonBenefitReported", "gfdx.namelists", "list_id", namelist_decide_carbon},
    {"FinancingSupportReported", "gfdx.namelists", "list_id", namelist_decide_financing},
};

static namelist_ctx the_ctx;

const gfdx_service namelist_service = {
    .name = "namelist",
    .schema = "district",
    .handlers = handlers,
    .handler_count = sizeof handlers / sizeof handlers[0],
    .tables = namelist_tables,
    .table_count = NAMELIST_TABLE_COUNT,
    .load = namelist_store_load,
    .watch = namelist_watch,
    .configure = namelist_configure,
    .ctx = &the_ctx,
};
