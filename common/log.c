/* log.c: logfmt lines on stderr. See log.h for the contract. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static char log_service[64] = "gfdx";
static gfdx_log_level log_min = GFDX_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void gfdx_log_init(const char *service, gfdx_log_level min_level)
{
    snprintf(log_service, sizeof log_service, "%s", service ? service : "gfdx");
    log_min = min_level;
}

int gfdx_log_enabled(gfdx_log_level level) { return level >= log_min; }

int gfdx_log_level_parse(const char *name, gfdx_log_level *out)
{
    for (int i = 0; i < 4; i++)
        if (name && !strcmp(name, level_names[i])) {
            *out = (gfdx_log_level)i;
            return 0;
        }
    return -1;
}

/* Escapes msg as a logfmt quoted value: backslash, quote and control characters. */
static void quote_into(char *out, size_t outlen, const char *msg)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)msg; *p && o + 3 < outlen; p++) {
        if (*p == '"' || *p == '\\') {
            out[o++] = '\\';
            out[o++] = (char)*p;
        } else if (*p == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else if (*p < 0x20) {
            out[o++] = ' ';
        } else {
            out[o++] = (char)*p;
        }
    }
    out[o] = '\0';
}

void gfdx_logv(gfdx_log_level level, const char *ctx, const char *fmt, va_list ap)
{
    if (level < log_min)
        return;
    char msg[2048], quoted[4200], ts[40];
    vsnprintf(msg, sizeof msg, fmt, ap);
    quote_into(quoted, sizeof quoted, msg);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03ldZ", now.tv_nsec / 1000000);
    fprintf(stderr, "ts=%s level=%s service=%s%s%s msg=\"%s\"\n", ts, level_names[level], log_service,
            ctx && *ctx ? " " : "", ctx ? ctx : "", quoted);
}

void gfdx_log(gfdx_log_level level, const char *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gfdx_logv(level, ctx, fmt, ap);
    va_end(ap);
}

const char *gfdx_log_msgctx(char *buf, size_t len, const char *topic, int32_t partition, int64_t offset)
{
    snprintf(buf, len, "topic=%s partition=%d offset=%lld", topic ? topic : "-", (int)partition,
             (long long)offset);
    return buf;
}
