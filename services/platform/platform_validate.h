/* platform_validate.h: content checks of a PlatformFiling (DESIGN §6.5), pure: no database,
 * no registry. The 2024 产业绿贷 notice, annex 2: which table each institution kind files and
 * which columns each table has; annex 1 / the 2024 catalogue for 表1's 项目类型. */
#ifndef PLATFORM_VALIDATE_H
#define PLATFORM_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "participants.h"

/* Group 7 (绿色服务) detailed codes of the 《绿色低碳转型产业指导目录（2024年版）》 shipped as
 * the default of platform.service_codes (deploy/platform.cfg lists them with their names). */
#define PLATFORM_SERVICE_CODES_DEFAULT                                                                             \
    "7.1.1,7.1.2,7.1.3,7.1.4,7.2.1,7.2.2,7.2.3,7.2.4,7.2.5,7.2.6,7.2.7,7.2.8,7.3.1,7.3.2,7.3.3,7.3.4,7.3.5,7.4.1," \
    "7.4.2,7.4.3,7.4.4,7.4.5,7.4.6,7.5.1,7.5.2,7.5.3,7.5.4,7.5.5,7.5.6,7.5.7,7.5.8"

/* The code of 合同能源管理服务, the one 表1 breaks out ("其中：7.2.2合同能源管理服务"). */
#define PLATFORM_EMC_CODE "7.2.2"

/* The table of annex 2 an institution of kind k files: bank 1, guarantor 2, insurer 3, fund 4,
 * underwriter 5; 0 for every other kind (it files none). */
int platform_table_of_kind(gfdx_participant_kind k);

/* True for "YYYYH1" / "YYYYH2" with 2000 <= YYYY <= 2099. */
bool platform_period_valid(const char *period);

/* True for a group 7 code "7.N" or "7.N.M" (digits), the form platform.service_codes holds. */
bool platform_service_code_well_formed(const char *code);

/* NULL when the filing's rows are valid for table table_no (1-5), else a stable reason code
 * with why naming the row (1-based, as 序) and the column:
 *   LIMIT_EXCEEDED        more than max_rows rows;
 *   BAD_USCC              a row's USCC fails its check digit;
 *   UNKNOWN_REGION        registration_region is not a GB/T 2260 code;
 *   NOT_SHANGHAI          the enterprise is registered outside Shanghai (31xxxx);
 *   INVALID_FIELD         a column the table needs is missing or empty, or a column of another
 *                         table is filled;
 *   UNKNOWN_PROJECT_TYPE  表1 项目类型 neither a major class 1-6 nor a code of service_codes;
 *   INVALID_AMOUNT        the 7.2.2 columns on another project type, incomplete, or above the
 *                         row's own 发放量 / 余额.
 * rows is the body's "rows" array (not owned); codes is borrowed. */
const char *platform_validate_rows(const json_t *rows, int table_no, const gfdx_strlist *codes, int max_rows,
                                   char *why, size_t whylen);

#endif
