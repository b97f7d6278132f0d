/* uscc.h: 统一社会信用代码 (Unified Social Credit Code, GB 32100-2015).
 *
 * A USCC is 18 characters from the 31-symbol alphabet 0123456789ABCDEFGHJKLMNPQRTUWXY
 * (no I, O, S, V, Z; upper case only). The 18th is a check character over the first 17:
 * weights w_i = 3^(i-1) mod 31 for i = 1..17, check = 31 - (sum(value_i * w_i) mod 31),
 * with 31 mapped to 0, written as the alphabet symbol of that value.
 * Only the check digit and alphabet are verified, not the registration-authority, category
 * or region parts. All functions are pure and thread-safe. */
#ifndef GFDX_USCC_H
#define GFDX_USCC_H

#include <stdbool.h>

#define GFDX_USCC_LEN 18

/* True when s is a well-formed USCC with a matching check character. NULL -> false. */
bool gfdx_uscc_is_valid(const char *s);

/* Computes the check character for the first 17 characters of first17 (longer input is
 * ignored after 17) into *out. Returns 0, or -1 if first17 is NULL, shorter than 17 or holds
 * a character outside the alphabet (*out is then untouched). */
int gfdx_uscc_check_char(const char *first17, char *out);

/* Why s is not a valid USCC: a static string, "length is not 18" (also for NULL),
 * "invalid character" or "check digit mismatch"; NULL when s is valid. */
const char *gfdx_uscc_explain(const char *s);

#endif
