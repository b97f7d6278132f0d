/* errbuf.h: the project's one way of filling a caller's error buffer (STYLE: errors are
 * values, 0/-1 plus `char *err, size_t errlen`). */
#ifndef GFDX_ERRBUF_H
#define GFDX_ERRBUF_H

#include <stddef.h>

/* printf into err (at most errlen bytes, always NUL-terminated, truncated silently: error
 * texts are for people). A NULL err or errlen 0 is a no-op, so callers that do not want the
 * text may pass NULL. */
void gfdx_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
