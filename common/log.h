/* log.h: level-gated logfmt lines on stderr.
 *
 * Every line: ts=<UTC ISO-8601 ms> level=<lvl> service=<name> [k=v ...] msg="..."
 * Values are quoted when they hold spaces, quotes or '='. Thread-safe (one fprintf per line).
 * librdkafka's own logs reach us through gfdx_log_rdkafka_queue() (a log queue polled by
 * the owner's thread), never from inside librdkafka's threads. */
#ifndef GFDX_LOG_H
#define GFDX_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { GFDX_LOG_DEBUG = 0, GFDX_LOG_INFO, GFDX_LOG_WARN, GFDX_LOG_ERROR } gfdx_log_level;

/* Sets the service name shown on every line (copied) and the minimum level. */
void gfdx_log_init(const char *service, gfdx_log_level min_level);
/* "debug" | "info" | "warn" | "error" -> level; returns -1 if unknown. */
int gfdx_log_level_parse(const char *name, gfdx_log_level *out);
int gfdx_log_enabled(gfdx_log_level level);

/* Logs msg (printf-style) with optional context "k=v k2=v2" already in logfmt (may be NULL). */
void gfdx_log(gfdx_log_level level, const char *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void gfdx_logv(gfdx_log_level level, const char *ctx, const char *fmt, va_list ap);

/* Context for a Kafka message: topic=.. partition=.. offset=.. into buf. Returns buf. */
const char *gfdx_log_msgctx(char *buf, size_t len, const char *topic, int32_t partition, int64_t offset);

#define GFDX_DEBUG(...) do { if (gfdx_log_enabled(GFDX_LOG_DEBUG)) gfdx_log(GFDX_LOG_DEBUG, NULL, __VA_ARGS__); } while (0)
#define GFDX_INFO(...)  gfdx_log(GFDX_LOG_INFO, NULL, __VA_ARGS__)
#define GFDX_WARN(...)  gfdx_log(GFDX_LOG_WARN, NULL, __VA_ARGS__)
#define GFDX_ERROR(...) gfdx_log(GFDX_LOG_ERROR, NULL, __VA_ARGS__)

#endif
