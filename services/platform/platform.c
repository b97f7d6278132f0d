/* platform.c: gfdx-platform's settings, handler table and service descriptor. The decisions
 * are platform_decide.c's (pure), the content checks platform_validate.c's, the tables and
 * the load hook platform_store.c's. */
#include "platform.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "platform_decide.h"
#include "platform_store.h"
#include "platform_validate.h"

#define ROW(path, type, field, ...) {path, type, offsetof(platform_settings, field), __VA_ARGS__}

/* clang-format off */
static const gfdx_cfg_setting platform_rows[] = {
    ROW("platform.service_codes", GFDX_CFG_STRLIST, service_codes, PLATFORM_SERVICE_CODES_DEFAULT, 0, 0, 0, false,
        false, false, "group 7 (绿色服务) detailed codes of the 2024 catalogue a 表1 row may name as 项目类型 "
        "(groups 1-6 are filed as their major class 1-6)"),
    ROW("platform.max_rows", GFDX_CFG_INT, max_rows, NULL, PLATFORM_MAX_ROWS_DEFAULT, 1, 5000, false, false, false,
        "rows a filing may carry (the schema's limit is 5,000)"),
};
/* clang-format on */
#define PLATFORM_ROW_COUNT (sizeof platform_rows / sizeof platform_rows[0])

static platform_settings the_settings;

static int check_settings(const platform_settings *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->service_codes.count; i++)
        if (!platform_service_code_well_formed(s->service_codes.items[i])) {
            snprintf(err, errlen, "platform.service_codes[%zu]: \"%s\" is not a group 7 code like 7.2.2", i,
                     s->service_codes.items[i]);
            return -1;
        }
    return 0;
}

static int platform_configure(void *ctx, const char *path, FILE *print_to, char *err, size_t errlen)
{
    platform_settings *c = ctx, s = {0};
    if (gfdx_config_load_rows(path, platform_rows, PLATFORM_ROW_COUNT, &s, err, errlen) ||
        check_settings(&s, err, errlen)) {
        gfdx_config_release(platform_rows, PLATFORM_ROW_COUNT, &s);
        return -1;
    }
    gfdx_config_release(platform_rows, PLATFORM_ROW_COUNT, c);
    *c = s;
    if (print_to)
        gfdx_config_print_rows(print_to, platform_rows, PLATFORM_ROW_COUNT, c);
    return 0;
}

static const gfdx_handler handlers[] = {
    {"PlatformFiling", PLATFORM_TOPIC, "filing_id", platform_decide_filing},
};

const gfdx_service platform_service = {
    .name = "platform",
    .schema = "platform",
    .handlers = handlers,
    .handler_count = sizeof handlers / sizeof handlers[0],
    .tables = platform_tables,
    .table_count = PLATFORM_TABLE_COUNT,
    .load = platform_store_load,
    .configure = platform_configure,
    .ctx = &the_settings,
};
