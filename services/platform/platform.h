/* platform.h: gfdx-platform, Shanghai's 产业绿贷 platform office (DESIGN §6.5): the service
 * table gfdx_daemon_main runs, and its settings. */
#ifndef PLATFORM_H
#define PLATFORM_H

#include "config.h"
#include "service.h"

#define PLATFORM_TOPIC "gfdx.platform-filings"
#define PLATFORM_MAX_ROWS_DEFAULT 5000

/* platform.* of the daemon's config file (platform.c loads them; read-only afterwards). */
typedef struct {
    gfdx_strlist service_codes; /* platform.service_codes: group 7 detailed codes accepted in 表1 */
    int max_rows;               /* platform.max_rows: rows per filing */
} platform_settings;

extern const gfdx_service platform_service;

#endif
