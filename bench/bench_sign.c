/* bench_sign: records/s verified on one core, per algorithm (common/sign.h), against a
 * baseline measured in the same run: SHA-256 of the same message M (the least any check of
 * the record's bytes costs). Run through bench/bench_sign.sh, which hands it one
 * NeedSubmitted record as a JSON line:
 *   bench_sign SCHEMAS_DIR [SECONDS] < need.json
 * The record is encoded (single-object Avro, as on the wire) and measured as it is and
 * padded to 2,048 bytes (the cost depends on the length only). Each figure is the best of
 * three runs of SECONDS/3 (default 3 s in all), so another process on the machine costs
 * less. Also printed: signing (what every emitting service pays per record) and
 * verifying with the public key parsed per record (why a verifier is kept per key). */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro_catalog.h"
#include "avro_serde.h"
#include "ids.h"
#include "sign.h"

static const char *const key = "NEED-2026-310000-000001";

typedef struct {
    gfdx_sign_key *sk;
    gfdx_sign_verifier *v;
    char pub[128];
    unsigned char sig[GFDX_SIGN_MAX_SIG];
    size_t sig_len;
    const unsigned char *value;
    size_t len;
} bench_case;

typedef int (*bench_op)(bench_case *c);

static int op_sha256(bench_case *c)
{
    static unsigned char m[4096];
    unsigned char md[32];
    size_t n = gfdx_sign_message(key, strlen(key), c->value, c->len, m);
    return EVP_Digest(m, n, md, NULL, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

static int op_verify(bench_case *c)
{
    return gfdx_sign_verify(c->v, key, strlen(key), c->value, c->len, c->sig, c->sig_len, NULL, 0) == GFDX_SIGN_OK
               ? 0
               : -1;
}

static int op_verify_parse(bench_case *c)
{
    gfdx_sign_verifier *v = gfdx_sign_verifier_new(gfdx_sign_key_alg(c->sk), c->pub, NULL, 0);
    int rc = v && gfdx_sign_verify(v, key, strlen(key), c->value, c->len, c->sig, c->sig_len, NULL, 0) == GFDX_SIGN_OK
                 ? 0
                 : -1;
    gfdx_sign_verifier_free(v);
    return rc;
}

static int op_sign(bench_case *c)
{
    size_t n;
    unsigned char sig[GFDX_SIGN_MAX_SIG];
    return gfdx_sign_sign(c->sk, key, strlen(key), c->value, c->len, sig, &n, NULL, 0);
}

/* Operations per second: the best of three runs of ms milliseconds; -1 on a failure. */
static double rate(bench_op op, bench_case *c, int64_t ms)
{
    double best = 0;
    for (int run = 0; run < 3; run++) {
        int64_t t0 = gfdx_mono_ms(), t;
        long n = 0;
        do {
            for (int i = 0; i < 64; i++, n++)
                if (op(c))
                    return -1;
        } while ((t = gfdx_mono_ms()) - t0 < ms);
        double r = (double)n * 1000.0 / (double)(t - t0);
        best = r > best ? r : best;
    }
    return best;
}

static int setup(bench_case *c, gfdx_sign_alg alg)
{
    char err[256];
    c->sk = gfdx_sign_key_generate(alg, err, sizeof err);
    if (!c->sk || gfdx_sign_key_public_text(c->sk, c->pub, sizeof c->pub) ||
        !(c->v = gfdx_sign_verifier_new(alg, c->pub, err, sizeof err))) {
        fprintf(stderr, "bench_sign: %s\n", err);
        return -1;
    }
    return 0;
}

static void row(const char *what, double r, double base)
{
    printf("  %-34s %10.0f records/s  %8.2f us/record  ratio %.3f\n", what, r, 1e6 / r, r / base);
}

static int measure(const unsigned char *value, size_t len, int64_t ms)
{
    bench_case c[2] = {{.value = value, .len = len}, {.value = value, .len = len}};
    const gfdx_sign_alg algs[2] = {GFDX_SIGN_ED25519, GFDX_SIGN_SM2};
    char err[256];
    printf("value %zu bytes, key %zu bytes, M %zu bytes; one core, best of 3 x %lld ms\n", len, strlen(key),
           gfdx_sign_message_len(strlen(key), len), (long long)ms);
    double base = rate(op_sha256, &c[0], ms);
    printf("  %-34s %10.0f records/s  %8.2f us/record  (baseline)\n", "SHA-256 of M", base, 1e6 / base);
    for (int i = 0; i < 2; i++) {
        if (setup(&c[i], algs[i]) ||
            gfdx_sign_sign(c[i].sk, key, strlen(key), value, len, c[i].sig, &c[i].sig_len, err, sizeof err))
            return -1;
        char what[64];
        snprintf(what, sizeof what, "%s verify", gfdx_sign_alg_name(algs[i]));
        row(what, rate(op_verify, &c[i], ms), base);
        snprintf(what, sizeof what, "%s verify, key parsed per record", gfdx_sign_alg_name(algs[i]));
        row(what, rate(op_verify_parse, &c[i], ms), base);
        snprintf(what, sizeof what, "%s sign", gfdx_sign_alg_name(algs[i]));
        row(what, rate(op_sign, &c[i], ms), base);
        gfdx_sign_verifier_free(c[i].v);
        gfdx_sign_key_free(c[i].sk);
    }
    return 0;
}

/* The NeedSubmitted JSON line on stdin, encoded as on the wire. */
static unsigned char *encode_stdin(const char *schemas, size_t *len)
{
    char err[512], line[65536];
    gfdx_catalog *cat = gfdx_catalog_load(schemas, err, sizeof err);
    json_error_t jerr;
    json_t *rec = cat && fgets(line, sizeof line, stdin) ? json_loads(line, 0, &jerr) : NULL;
    const gfdx_schema *s = cat ? gfdx_catalog_latest(cat, "NeedSubmitted") : NULL;
    unsigned char *out = NULL;
    if (!cat || !rec || !s || gfdx_serde_encode(s, rec, &out, len, err, sizeof err) != GFDX_SERDE_OK)
        fprintf(stderr, "bench_sign: no NeedSubmitted record encoded from stdin: %s\n",
                cat && rec ? err : cat ? "no JSON line" : err);
    json_decref(rec);
    gfdx_catalog_free(cat);
    return out;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_sign SCHEMAS_DIR [SECONDS] < need_submitted.json\n");
        return 2;
    }
    int64_t ms = (argc > 2 ? atoi(argv[2]) : 3) * 1000 / 3;
    size_t len;
    unsigned char *value = encode_stdin(argv[1], &len), padded[2048];
    if (!value || len > 4000) {
        fprintf(stderr, "%s", value ? "bench_sign: a value over 4,000 bytes is not a typical NeedSubmitted\n" : "");
        free(value);
        return 1;
    }
    for (size_t i = 0; i < sizeof padded; i++)
        padded[i] = value[i % len];
    int rc = measure(value, len, ms) || (len < sizeof padded && measure(padded, sizeof padded, ms)) ? 1 : 0;
    free(value);
    return rc;
}
