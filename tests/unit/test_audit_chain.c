/* test_audit_chain.c: the message-log row hash (audit_chain.h). The expected digests were
 * computed independently (Python: hashlib.sha256, struct.pack('>I', len)) from the
 * definition in audit_chain.h, and are written here as literals. */
#include <stdlib.h>

#include "audit_chain.h"
#include "check.h"

static void hex(const unsigned char *h, char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void fill(gfdx_chain_field f[GFDX_CF_COUNT])
{
    static const unsigned char value[] = {0xc3, 0x01, 0x00, 0xff}, sig[] = {1, 2, 3};
    static char sha[65];
    for (int i = 0; i < 64; i += 2)
        sha[i] = 'a', sha[i + 1] = 'b';
    f[GFDX_CF_SCHEMA] = gfdx_chain_text("intake");
    f[GFDX_CF_TOPIC] = gfdx_chain_text("gfdx.needs");
    f[GFDX_CF_PARTITION] = gfdx_chain_text("2");
    f[GFDX_CF_OFFSET] = gfdx_chain_text("41");
    f[GFDX_CF_EVENT_ID] = gfdx_chain_text("0b9e6f0e-3c3a-4d1e-9a57-2f0c5b6f1a10");
    f[GFDX_CF_SENDER] = gfdx_chain_text("prov-310000");
    f[GFDX_CF_RECORD_TYPE] = gfdx_chain_text("NeedSubmitted");
    f[GFDX_CF_FINGERPRINT] = gfdx_chain_text("a1b2c3d4e5f60718");
    f[GFDX_CF_VALUE_SHA256] = gfdx_chain_text(sha);
    f[GFDX_CF_KEY] = gfdx_chain_text("need-1");
    f[GFDX_CF_VALUE] = (gfdx_chain_field){value, sizeof value};
    f[GFDX_CF_KID] = gfdx_chain_text("prov-310000-2026");
    f[GFDX_CF_SIG] = (gfdx_chain_field){sig, sizeof sig};
    f[GFDX_CF_OUTCOME] = gfdx_chain_text("APPLIED");
    f[GFDX_CF_REASON_CODE] = gfdx_chain_text(NULL);
}

static void test_vector(void)
{
    gfdx_chain_field f[GFDX_CF_COUNT];
    unsigned char zero[32] = {0}, h1[32], h2[32];
    char s[65];
    fill(f);
    unsigned char *enc = NULL;
    size_t n = 0;
    CHECK(gfdx_chain_encode(f, &enc, &n) == 0 && n == 270);
    free(enc);
    CHECK(gfdx_chain_row_hash(zero, f, h1) == 0);
    hex(h1, s);
    CHECK_STR_EQ(s, "95778c392e51b877f111013ab7dfe14c754c93c240986ee9ef0aeaf05ba57a97");
    /* the next row: chained on h1, NULL key, kid and sig (length 0xFFFFFFFF, not 0) */
    f[GFDX_CF_OUTCOME] = gfdx_chain_text("REFUSED");
    f[GFDX_CF_REASON_CODE] = gfdx_chain_text("KEY_MISMATCH");
    f[GFDX_CF_KEY] = gfdx_chain_text(NULL);
    f[GFDX_CF_KID] = gfdx_chain_text(NULL);
    f[GFDX_CF_SIG] = gfdx_chain_text(NULL);
    CHECK(gfdx_chain_row_hash(h1, f, h2) == 0);
    hex(h2, s);
    CHECK_STR_EQ(s, "a0c41def51930fb0636e740e1e46df35cd03be5f9c787e57f7d7decd2131e2d2");
    /* an empty key is not a NULL key */
    f[GFDX_CF_KEY] = gfdx_chain_text("");
    CHECK(gfdx_chain_row_hash(h1, f, h2) == 0);
    hex(h2, s);
    CHECK(strcmp(s, "a0c41def51930fb0636e740e1e46df35cd03be5f9c787e57f7d7decd2131e2d2") != 0);
}

int main(void)
{
    test_vector();
    return CHECK_DONE();
}
