/* intake_validate.h: content checks of a financing need (NeedSubmitted / NeedRevised body),
 * pure: no database, no registry. Order: identifiers, codes, amounts, dates. */
#ifndef INTAKE_VALIDATE_H
#define INTAKE_VALIDATE_H

#include <jansson.h>
#include <stddef.h>

/* Returns NULL when the need is valid, else a stable reason code (BAD_USCC, UNKNOWN_REGION,
 * NEGATIVE_AMOUNT, INVALID_AMOUNT, INVALID_DATE, INVALID_FIELD) with a human-readable
 * explanation in why. key (the Kafka key) is unused: common/inbound.c checks it for every type. */
const char *intake_validate_need(const json_t *body, const char *key, char *why, size_t whylen);

/* True if s is a date "YYYY-MM-DD" that exists in the calendar. */
int intake_valid_date(const char *s);

#endif
