/* test_sign.c: the signed message M (DESIGN §4), Ed25519 and SM2 sign/verify, key files
 * and public key text (common/sign.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sign.h"

static char dir[64];

/* RFC 8032 §7.1 TEST 1's secret key, as PKCS#8 PEM (a published test key, not a secret). */
static const char rfc8032_pem[] = "gfdx-kid: test#2026a\n"
                                  "-----BEGIN PRIVATE KEY-----\n"
                                  "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
                                  "-----END PRIVATE KEY-----\n";
static const char rfc8032_pub[] = "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
/* Ed25519 over M("need-1", "hello"), computed with Python's cryptography (not our code). */
static const char rfc8032_sig_hex[] = "2af38b64a0ae6dda57f74afd602049bd50d8bcb8d36e06384a505b586423d043"
                                      "98a5927ab54d83927d27e29fe50a8111ed25841c2a2ecfd613c1f9a518ee5108";

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void test_message(void)
{
    unsigned char m[64];
    static const unsigned char want[] = "gfdx-sig-v1\0\0\0\0\6need-1AB";
    CHECK(gfdx_sign_message_len(6, 2) == 24);
    CHECK(gfdx_sign_message("need-1", 6, "AB", 2, m) == 24);
    CHECK(memcmp(m, want, 24) == 0);
    /* an absent key (NULL) is signed as a key of length 0 */
    unsigned char a[32], b[32];
    CHECK(gfdx_sign_message(NULL, 0, "v", 1, a) == 17);
    CHECK(gfdx_sign_message("", 0, "v", 1, b) == 17);
    CHECK(memcmp(a, b, 17) == 0 && a[12] == 0 && a[15] == 0 && a[16] == 'v');
    /* the length prefix keeps the key/value boundary: ("ab","c") and ("a","bc") differ */
    gfdx_sign_message("ab", 2, "c", 1, a);
    gfdx_sign_message("a", 1, "bc", 2, b);
    CHECK(memcmp(a, b, 19) != 0);
    gfdx_sign_alg alg;
    CHECK(gfdx_sign_alg_parse("ed25519", &alg) == 0 && alg == GFDX_SIGN_ED25519);
    CHECK(gfdx_sign_alg_parse("sm2", &alg) == 0 && alg == GFDX_SIGN_SM2);
    CHECK(gfdx_sign_alg_parse("SM2", &alg) == -1);
    CHECK(gfdx_sign_alg_parse("rsa", &alg) == -1);
}

/* The fixed vector: our Ed25519 over M equals an independent implementation's. */
static void test_fixed_vector(void)
{
    char path[128], err[256], pub[128];
    snprintf(path, sizeof path, "%s/rfc8032.pem", dir);
    write_file(path, rfc8032_pem, 0600);
    gfdx_sign_key *k = gfdx_sign_key_load(path, err, sizeof err);
    CHECK_MSG(k != NULL, "%s", err);
    if (!k)
        return;
    CHECK(gfdx_sign_key_alg(k) == GFDX_SIGN_ED25519);
    CHECK_STR_EQ(gfdx_sign_key_kid(k), "test#2026a");
    CHECK(gfdx_sign_key_public_text(k, pub, sizeof pub) == 0);
    CHECK_STR_EQ(pub, rfc8032_pub);
    unsigned char sig[GFDX_SIGN_MAX_SIG];
    size_t len = 0;
    CHECK(gfdx_sign_sign(k, "need-1", 6, "hello", 5, sig, &len, err, sizeof err) == 0);
    char hex[2 * GFDX_SIGN_MAX_SIG + 1] = "";
    for (size_t i = 0; i < len; i++)
        sprintf(hex + 2 * i, "%02x", sig[i]);
    CHECK(len == 64);
    CHECK_STR_EQ(hex, rfc8032_sig_hex);
    gfdx_sign_key_free(k);
}

/* Generates a key of alg, writes it with a kid comment, loads it back. */
static gfdx_sign_key *fresh_key(gfdx_sign_alg alg, const char *name)
{
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/%s.pem", dir, name);
    gfdx_sign_key *g = gfdx_sign_key_generate(alg, err, sizeof err);
    CHECK_MSG(g != NULL, "%s", err);
    if (!g)
        return NULL;
    CHECK_MSG(gfdx_sign_key_write(g, path, "gfdx-kid: p#2026a\ngfdx-participant: p\n", err, sizeof err) == 0, "%s", err);
    gfdx_sign_key_free(g);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    gfdx_sign_key *k = gfdx_sign_key_load(path, err, sizeof err);
    CHECK_MSG(k != NULL, "%s", err);
    return k;
}

static gfdx_sign_verifier *verifier_of(gfdx_sign_key *k, gfdx_sign_alg alg)
{
    char pub[128], err[256];
    CHECK(gfdx_sign_key_public_text(k, pub, sizeof pub) == 0);
    gfdx_sign_verifier *v = gfdx_sign_verifier_new(alg, pub, err, sizeof err);
    CHECK_MSG(v != NULL, "%s", err);
    return v;
}

static gfdx_sign_result verify(gfdx_sign_verifier *v, const char *key, const char *value, size_t vlen,
                               const unsigned char *sig, size_t len)
{
    char err[256];
    return gfdx_sign_verify(v, key, key ? strlen(key) : 0, value, vlen, sig, len, err, sizeof err);
}

static void test_sign_verify(gfdx_sign_alg alg)
{
    char err[256];
    gfdx_sign_key *k = fresh_key(alg, gfdx_sign_alg_name(alg));
    gfdx_sign_key *other = fresh_key(alg, alg == GFDX_SIGN_SM2 ? "other-sm2" : "other-ed25519");
    if (!k || !other)
        return;
    CHECK_STR_EQ(gfdx_sign_key_kid(k), "p#2026a");
    CHECK_STR_EQ(gfdx_sign_key_comment(k, "gfdx-participant"), "p");
    CHECK_STR_EQ(gfdx_sign_key_comment(k, "absent"), "");
    gfdx_sign_verifier *v = verifier_of(k, alg), *vo = verifier_of(other, alg);
    char value[2048];
    memset(value, 'x', sizeof value);
    unsigned char sig[GFDX_SIGN_MAX_SIG], bad[GFDX_SIGN_MAX_SIG];
    size_t len = 0;
    CHECK_MSG(gfdx_sign_sign(k, "need-1", 6, value, sizeof value, sig, &len, err, sizeof err) == 0, "%s", err);
    CHECK(alg == GFDX_SIGN_ED25519 ? len == 64 : (len >= 8 && len <= 72 && sig[0] == 0x30));
    for (int round = 0; round < 3; round++) /* the verifier is reused, record after record */
        CHECK(verify(v, "need-1", value, sizeof value, sig, len) == GFDX_SIGN_OK);
    CHECK(verify(v, "need-2", value, sizeof value, sig, len) == GFDX_SIGN_BAD_SIGNATURE); /* key byte */
    value[1000] ^= 1;
    CHECK(verify(v, "need-1", value, sizeof value, sig, len) == GFDX_SIGN_BAD_SIGNATURE); /* value byte */
    value[1000] ^= 1;
    for (size_t i = 0; i < len; i += len - 1) { /* first and last signature byte */
        memcpy(bad, sig, len);
        bad[i] ^= 0x01;
        CHECK(verify(v, "need-1", value, sizeof value, bad, len) == GFDX_SIGN_BAD_SIGNATURE);
    }
    CHECK(verify(v, "need-1", value, sizeof value, sig, len - 1) == GFDX_SIGN_BAD_SIGNATURE);
    CHECK(verify(v, "need-1", value, sizeof value, sig, 0) == GFDX_SIGN_BAD_SIGNATURE);
    CHECK(verify(v, "need-1", value, sizeof value - 1, sig, len) == GFDX_SIGN_BAD_SIGNATURE);
    CHECK(verify(vo, "need-1", value, sizeof value, sig, len) == GFDX_SIGN_BAD_SIGNATURE); /* another key */
    CHECK(verify(v, "need-1", value, sizeof value, sig, len) == GFDX_SIGN_OK); /* still fine after failures */
    /* absent key and empty key sign the same M */
    CHECK(gfdx_sign_sign(k, NULL, 0, "v", 1, sig, &len, err, sizeof err) == 0);
    CHECK(verify(v, "", "v", 1, sig, len) == GFDX_SIGN_OK);
    CHECK(verify(v, NULL, "v", 1, sig, len) == GFDX_SIGN_OK);
    /* an empty value is a message too */
    CHECK(gfdx_sign_sign(k, "k", 1, NULL, 0, sig, &len, err, sizeof err) == 0);
    CHECK(verify(v, "k", NULL, 0, sig, len) == GFDX_SIGN_OK);
    gfdx_sign_verifier_free(v);
    gfdx_sign_verifier_free(vo);
    gfdx_sign_key_free(k);
    gfdx_sign_key_free(other);
}

/* A key registered under the wrong algorithm is refused when the registry is parsed. */
static void test_wrong_alg(void)
{
    char pub[128], err[256] = "";
    gfdx_sign_key *e = fresh_key(GFDX_SIGN_ED25519, "e"), *s = fresh_key(GFDX_SIGN_SM2, "s");
    if (!e || !s)
        return;
    CHECK(gfdx_sign_key_public_text(e, pub, sizeof pub) == 0);
    CHECK(gfdx_sign_verifier_new(GFDX_SIGN_SM2, pub, err, sizeof err) == NULL);
    CHECK_MSG(strstr(err, "the key is ed25519, not sm2") != NULL, "%s", err);
    CHECK(gfdx_sign_key_public_text(s, pub, sizeof pub) == 0);
    CHECK(gfdx_sign_verifier_new(GFDX_SIGN_ED25519, pub, err, sizeof err) == NULL);
    CHECK_MSG(strstr(err, "the key is sm2, not ed25519") != NULL, "%s", err);
    /* an SM2 signature offered to an Ed25519 key of the same "participant" */
    unsigned char sig[GFDX_SIGN_MAX_SIG];
    size_t len;
    gfdx_sign_verifier *ve = verifier_of(e, GFDX_SIGN_ED25519);
    CHECK(gfdx_sign_sign(s, "k", 1, "v", 1, sig, &len, err, sizeof err) == 0);
    CHECK(verify(ve, "k", "v", 1, sig, len) == GFDX_SIGN_BAD_SIGNATURE);
    gfdx_sign_verifier_free(ve);
    gfdx_sign_key_free(e);
    gfdx_sign_key_free(s);
}

static void test_key_files(void)
{
    char path[128], err[256] = "";
    snprintf(path, sizeof path, "%s/open.pem", dir);
    write_file(path, rfc8032_pem, 0644);
    CHECK(gfdx_sign_key_load(path, err, sizeof err) == NULL);
    CHECK_MSG(strstr(err, "readable or writable by group or others (mode 0644)") != NULL, "%s", err);
    CHECK(strstr(err, "MC4CAQAw") == NULL && strstr(err, "PRIVATE") == NULL);
    chmod(path, 0640);
    CHECK(gfdx_sign_key_load(path, err, sizeof err) == NULL);
    chmod(path, 0600);
    gfdx_sign_key *k = gfdx_sign_key_load(path, err, sizeof err);
    CHECK(k != NULL);
    /* never overwritten */
    CHECK(gfdx_sign_key_write(k, path, NULL, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "never overwritten") != NULL, "%s", err);
    gfdx_sign_key *again = gfdx_sign_key_load(path, err, sizeof err);
    CHECK(again != NULL); /* the file is intact */
    gfdx_sign_key_free(again);
    gfdx_sign_key_free(k);
    snprintf(path, sizeof path, "%s/missing.pem", dir);
    CHECK(gfdx_sign_key_load(path, err, sizeof err) == NULL);
    CHECK_MSG(strstr(err, "No such file") != NULL, "%s", err);
    snprintf(path, sizeof path, "%s/garbage.pem", dir);
    write_file(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 0600);
    CHECK(gfdx_sign_key_load(path, err, sizeof err) == NULL);
    CHECK_MSG(strstr(err, "no unencrypted PEM private key") != NULL, "%s", err);
    CHECK(gfdx_sign_key_load(dir, err, sizeof err) == NULL); /* a directory */
}

static void test_public_text(void)
{
    static const char *const bad[] = {
        "", "not base64!", "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n",
        " MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
        "-----BEGIN PUBLIC KEY----- MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo= -----END PUBLIC KEY-----",
        "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUR", /* cut */
        "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURoAAAA=", /* bytes after */
        "aGVsbG8gd29ybGQ=", /* base64 of "hello world" */
        "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", /* raw 32-byte key, no SPKI */
        "A=A=",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        gfdx_sign_verifier *v = gfdx_sign_verifier_new(GFDX_SIGN_ED25519, bad[i], err, sizeof err);
        CHECK_MSG(v == NULL, "accepted bad[%zu]", i);
        CHECK_MSG(strncmp(err, "public key: ", 12) == 0 && strstr(err, "SubjectPublicKeyInfo"), "bad[%zu]: %s", i, err);
        gfdx_sign_verifier_free(v);
    }
    char err[256];
    gfdx_sign_verifier *v = gfdx_sign_verifier_new(GFDX_SIGN_ED25519, rfc8032_pub, err, sizeof err);
    CHECK_MSG(v != NULL, "%s", err);
    unsigned char sig[64];
    for (int i = 0; i < 64; i++)
        sscanf(rfc8032_sig_hex + 2 * i, "%2hhx", &sig[i]);
    CHECK(verify(v, "need-1", "hello", 5, sig, 64) == GFDX_SIGN_OK);
    gfdx_sign_verifier_free(v);
}

/* not_before / not_after: China-time days, both included. */
static void test_validity(void)
{
    int64_t from = 0, until = 0;
    char err[256] = "";
    CHECK(gfdx_sign_validity_parse("2026-12-01", "2027-12-31", &from, &until, err, sizeof err) == 0);
    CHECK(from == 1796083200000LL - 8 * 3600 * 1000LL);     /* 2026-12-01T00:00:00+08:00 */
    CHECK(until == 1830297600000LL - 8 * 3600 * 1000LL);    /* 2028-01-01T00:00:00+08:00 */
    CHECK(gfdx_sign_validity_parse("2026-12-01", "2026-12-01", &from, &until, err, sizeof err) == 0);
    CHECK(until - from == 86400000LL);                      /* one day, included */
    CHECK(gfdx_sign_validity_parse("2026-12-02", "2026-12-01", &from, &until, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "before not_before") != NULL, "%s", err);
    static const char *const bad[] = {"2026-02-29", "2026-13-01", "2026-1-01", "20261201", "2026-12-01T00:00",
                                      "1989-12-31", "", "2026-04-31"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(gfdx_sign_validity_parse(bad[i], "2030-01-01", &from, &until, err, sizeof err) == -1, "%s", bad[i]);
        CHECK_MSG(gfdx_sign_validity_parse("2026-01-01", bad[i], &from, &until, err, sizeof err) == -1, "%s", bad[i]);
    }
    CHECK(gfdx_sign_validity_parse("2028-02-29", "2028-02-29", &from, &until, err, sizeof err) == 0);
    CHECK(gfdx_sign_validity_parse(NULL, "2028-02-29", &from, &until, err, sizeof err) == -1);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/gfdx-test-sign.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    test_message();
    test_fixed_vector();
    test_sign_verify(GFDX_SIGN_ED25519);
    test_sign_verify(GFDX_SIGN_SM2);
    test_wrong_alg();
    test_key_files();
    test_public_text();
    test_validity();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return CHECK_DONE();
}
