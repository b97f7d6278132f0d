/* audit_chain.c: E(row) and the row hash of the message-log chain. See audit_chain.h. */
#include "audit_chain.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const char chain_tag[] = "gfdx-log-v1";

gfdx_chain_field gfdx_chain_text(const char *s)
{
    gfdx_chain_field f = {s, s ? strlen(s) : 0};
    return f;
}

static unsigned char *put_field(unsigned char *p, const void *data, size_t len)
{
    uint32_t n = data ? (uint32_t)len : 0xFFFFFFFFu;
    p[0] = (unsigned char)(n >> 24);
    p[1] = (unsigned char)(n >> 16);
    p[2] = (unsigned char)(n >> 8);
    p[3] = (unsigned char)n;
    if (data && len)
        memcpy(p + 4, data, len);
    return p + 4 + (data ? len : 0);
}

int gfdx_chain_encode(const gfdx_chain_field f[GFDX_CF_COUNT], unsigned char **out, size_t *outlen)
{
    size_t total = 4 + sizeof chain_tag - 1;
    for (int i = 0; i < GFDX_CF_COUNT; i++)
        total += 4 + (f[i].data ? f[i].len : 0);
    unsigned char *buf = malloc(total), *p = buf;
    if (!buf)
        return -1;
    p = put_field(p, chain_tag, sizeof chain_tag - 1);
    for (int i = 0; i < GFDX_CF_COUNT; i++)
        p = put_field(p, f[i].data, f[i].len);
    *out = buf;
    *outlen = (size_t)(p - buf);
    return 0;
}

int gfdx_chain_row_hash(const unsigned char prev[GFDX_CHAIN_HASH_LEN], const gfdx_chain_field f[GFDX_CF_COUNT],
                        unsigned char out[GFDX_CHAIN_HASH_LEN])
{
    unsigned char *enc = NULL;
    size_t n = 0;
    unsigned int outlen = 0;
    if (gfdx_chain_encode(f, &enc, &n))
        return -1;
    int rc = -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && EVP_DigestUpdate(ctx, prev, GFDX_CHAIN_HASH_LEN) &&
        EVP_DigestUpdate(ctx, enc, n) && EVP_DigestFinal_ex(ctx, out, &outlen))
        rc = 0;
    EVP_MD_CTX_free(ctx);
    free(enc);
    return rc;
}
