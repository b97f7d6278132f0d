/* intake.c: gfdx-intake's settings, handler table and service descriptor. The decisions are
 * in intake_decide.c (pure, no SQL), the tables and the hooks that load and write them in
 * intake_store.c. */
#include "intake.h"

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "intake_decide.h"
#include "intake_matching.h"
#include "intake_remind.h"
#include "intake_store.h"

/* ---- settings (intake.* in the daemon's config file) ---- */

/* clang-format off */
static const gfdx_cfg_setting intake_rows[] = {
    {"intake.matching_status_sender", GFDX_CFG_STRING, offsetof(intake_settings, matching_sender), "pboc", 0, 0, 0,
     false, false, false, "the participant gfdx-feedback runs as: the only sender whose NeedMatchingStatus is accepted"},
    {"intake.matching_max_sequence_jump", GFDX_CFG_INT, offsetof(intake_settings, max_sequence_jump), NULL,
     INTAKE_MATCHING_MAX_JUMP_DEFAULT, 1, 1000000000, false, false, false,
     "a NeedMatchingStatus whose sequence is more than this above the need's applied sequence is refused"},
    {"intake.reminder_days", GFDX_CFG_INT, offsetof(intake_settings, reminder_days), NULL,
     INTAKE_REMIND_DAYS_DEFAULT, 0, 60, false, false, false,
     "working days before a quarter's last working day from which each authority is reminded of its approved"
     " needs not recommended yet (RecommendationReminder on its receipts topic, once a quarter); 0 disables"},
};
/* clang-format on */
#define N_INTAKE_ROWS (sizeof intake_rows / sizeof intake_rows[0])

/* Loaded once by the configure hook (or the defaults when it never ran), read-only afterwards. */
static intake_settings the_settings;

static int intake_configure(void *ctx, const char *path, FILE *print_to, char *err, size_t errlen)
{
    intake_settings *c = ctx, s = {0};
    if (gfdx_config_load_rows(path, intake_rows, N_INTAKE_ROWS, &s, err, errlen)) {
        gfdx_config_release(intake_rows, N_INTAKE_ROWS, &s);
        return -1;
    }
    gfdx_config_release(intake_rows, N_INTAKE_ROWS, c);
    *c = s;
    if (print_to)
        gfdx_config_print_rows(print_to, intake_rows, N_INTAKE_ROWS, c);
    return 0;
}

static const gfdx_handler handlers[] = {
    {"NeedSubmitted", "gfdx.needs", "need_id", intake_decide_submitted},
    {"NeedRevised", "gfdx.needs", "need_id", intake_decide_revised},
    {"NeedReviewed", "gfdx.needs", "need_id", intake_decide_reviewed},
    {"NeedRecommended", "gfdx.needs", "need_id", intake_decide_recommended},
    {"NeedWithdrawn", "gfdx.needs", "need_id", intake_decide_withdrawn},
    {"NeedMatchingStatus", "gfdx.matching-status", "need_id", intake_decide_matching_status},
};

const gfdx_service intake_service = {
    .name = "intake",
    .schema = "intake",
    .handlers = handlers,
    .handler_count = sizeof handlers / sizeof handlers[0],
    .tables = intake_tables,
    .table_count = INTAKE_TABLE_COUNT,
    .load = intake_store_load,
    .on_delivered = intake_store_delivered,
    .watch = intake_remind_watch,
    .configure = intake_configure,
    .ctx = &the_settings,
};
