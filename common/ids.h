/* ids.h: identifiers and digests shared by every module: UUIDs for event ids, wall-clock
 * milliseconds, SHA-256 of record values (message log), fingerprints as text. */
#ifndef GFDX_IDS_H
#define GFDX_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes a fresh random (v4) UUID, lower-case, into out. */
void gfdx_uuid_new(char out[37]);
/* True if s is a UUID in 8-4-4-4-12 hex form. */
bool gfdx_uuid_is_valid(const char *s);
/* Milliseconds since the Unix epoch (wall clock). */
int64_t gfdx_now_ms(void);
/* Monotonic milliseconds, for durations. */
int64_t gfdx_mono_ms(void);
/* Lower-case hex SHA-256 of buf. */
void gfdx_sha256_hex(const void *buf, size_t len, char out[65]);
/* "0x" + 16 lower-case hex digits. */
void gfdx_fingerprint_hex(uint64_t fp, char out[19]);

#endif
