/* ids.c: see ids.h. */
#include "ids.h"

#include <ctype.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <time.h>
#include <uuid/uuid.h>

void gfdx_uuid_new(char out[37])
{
    uuid_t u;
    uuid_generate_random(u);
    uuid_unparse_lower(u, out);
}

bool gfdx_uuid_is_valid(const char *s)
{
    uuid_t u;
    return s && uuid_parse(s, u) == 0;
}

int64_t gfdx_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t gfdx_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void gfdx_sha256_hex(const void *buf, size_t len, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(buf, len, md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void gfdx_fingerprint_hex(uint64_t fp, char out[19])
{
    snprintf(out, 19, "0x%016llx", (unsigned long long)fp);
}
