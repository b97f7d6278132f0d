/* gfdx keys: a participant's signing keys (DESIGN §4, §5; common/sign.h).
 *
 *   generate --participant ID --alg ed25519|sm2 --out FILE [--kid KID]
 *            [--not-before YYYY-MM-DD] [--not-after YYYY-MM-DD]
 *       A new private key into FILE (PEM PKCS#8, mode 0600, never overwriting), with the
 *       participant, kid, alg and dates as comment lines before the PEM block; prints the
 *       registry entry to paste into that participant's keys = ( ... ) on stdout.
 *       Defaults: kid ID#<year>a, not_before today (China time), not_after 31 December of
 *       the next year.
 *   show FILE [--kid KID] [--not-before D] [--not-after D]
 *       The registry entry again, from the key file (its comments, unless overridden).
 *   sign FILE [--key K] < value
 *       The base64 signature over M(K, value) on stdout (an absent --key signs as empty).
 *   verify --alg A --public-key TEXT [--key K] --sig BASE64 < value
 *       Checks a signature made elsewhere (an integrator's own code): exit 0 "ok",
 *       1 "BAD_SIGNATURE".
 * The private key itself is never printed. */
#include <getopt.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "sign.h"

#define KEYS_VALUE_MAX (1 << 20) /* DESIGN §4: a record's value is at most 1 MiB */

typedef struct {
    const char *participant, *alg, *out, *kid, *not_before, *not_after, *key, *public_key, *sig;
    char kid_buf[GFDX_SIGN_MAX_KID], nb_buf[11], na_buf[11];
} keys_opts;

static void keys_usage(FILE *out)
{
    fprintf(out, "usage: gfdx keys generate --participant ID --alg ed25519|sm2 --out FILE [--kid KID]\n"
                 "                          [--not-before YYYY-MM-DD] [--not-after YYYY-MM-DD]\n"
                 "       gfdx keys show FILE [--kid KID] [--not-before D] [--not-after D]\n"
                 "       gfdx keys sign FILE [--key K] < value\n"
                 "       gfdx keys verify --alg ed25519|sm2 --public-key BASE64 [--key K] --sig BASE64 < value\n"
                 "  generate  writes a private key (mode 0600, never overwrites) and prints the\n"
                 "            registry entry for the participant's keys = ( ... ) in participants.cfg;\n"
                 "            defaults: kid ID#<year>a, not_before today, not_after 31 Dec of next year\n"
                 "  show      prints that entry again from the key file\n"
                 "  sign      prints the base64 gfdx-sig over M(key, value) (value read from stdin)\n"
                 "  verify    checks a signature: exit 0 ok, 1 BAD_SIGNATURE\n"
                 "  Signed message: \"gfdx-sig-v1\" 0x00 uint32_be(len(key)) key value (DESIGN §4).\n");
}

#define KEYS_ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

/* Participant ids are [A-Za-z0-9._-] (participants.cfg), kids also allow '#' and ':';
 * 1 .. max-1 bytes. */
static bool name_ok(const char *s, const char *chars, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n < max && strspn(s, chars) == n;
}

static int keys_parse(int argc, char **argv, keys_opts *o)
{
    static const struct option longopts[] = {
        {"participant", 1, 0, 'p'}, {"alg", 1, 0, 'a'}, {"out", 1, 0, 'o'}, {"kid", 1, 0, 'k'},
        {"not-before", 1, 0, 'B'}, {"not-after", 1, 0, 'A'}, {"key", 1, 0, 'K'}, {"public-key", 1, 0, 'P'},
        {"sig", 1, 0, 's'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': o->participant = optarg; break;
        case 'a': o->alg = optarg; break;
        case 'o': o->out = optarg; break;
        case 'k': o->kid = optarg; break;
        case 'B': o->not_before = optarg; break;
        case 'A': o->not_after = optarg; break;
        case 'K': o->key = optarg; break;
        case 'P': o->public_key = optarg; break;
        case 's': o->sig = optarg; break;
        case 'h': keys_usage(stdout); return 0;
        default: keys_usage(stderr); return 2;
        }
    }
    return -1;
}

/* The kid and dates of a registry entry: 0, or 2 (usage) after printing why. */
static int check_entry(const keys_opts *o)
{
    char err[256];
    int64_t from, until;
    if (!name_ok(o->kid, KEYS_ID_CHARS "#:", GFDX_SIGN_MAX_KID)) {
        fprintf(stderr, "gfdx keys: kid \"%s\": give --kid as 1-127 characters of [A-Za-z0-9._#:-]\n",
                o->kid ? o->kid : "");
        return 2;
    }
    if (gfdx_sign_validity_parse(o->not_before, o->not_after, &from, &until, err, sizeof err)) {
        fprintf(stderr, "gfdx keys: %s\n", err);
        return 2;
    }
    return 0;
}

/* Prints the registry entry of key k on stdout (kid and dates checked). */
static int print_entry(const gfdx_sign_key *k, const keys_opts *o)
{
    char pub[128];
    int rc = check_entry(o);
    if (rc)
        return rc;
    if (gfdx_sign_key_public_text(k, pub, sizeof pub)) {
        fprintf(stderr, "gfdx keys: cannot encode the public key\n");
        return 1;
    }
    printf("{ kid = \"%s\"; alg = \"%s\"; public_key = \"%s\"; not_before = \"%s\"; not_after = \"%s\"; }\n", o->kid,
           gfdx_sign_alg_name(gfdx_sign_key_alg(k)), pub, o->not_before, o->not_after);
    return 0;
}

/* Default kid and dates of a new key: ID#<year>a, today, 31 December of next year (China time). */
static void generate_defaults(keys_opts *o)
{
    time_t now = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&now, &tm);
    if (!o->kid) {
        snprintf(o->kid_buf, sizeof o->kid_buf, "%.100s#%04da", o->participant, tm.tm_year + 1900);
        o->kid = o->kid_buf;
    }
    if (!o->not_before) {
        snprintf(o->nb_buf, sizeof o->nb_buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        o->not_before = o->nb_buf;
    }
    if (!o->not_after) {
        snprintf(o->na_buf, sizeof o->na_buf, "%04d-12-31", tm.tm_year + 1901);
        o->not_after = o->na_buf;
    }
}

static int keys_generate(keys_opts *o)
{
    gfdx_sign_alg alg;
    char err[512], comment[512];
    if (!name_ok(o->participant, KEYS_ID_CHARS, 65) || !o->alg || gfdx_sign_alg_parse(o->alg, &alg) || !o->out) {
        fprintf(stderr, "gfdx keys generate: give --participant ID ([A-Za-z0-9._-], at most 64), "
                        "--alg ed25519|sm2 and --out FILE\n");
        return 2;
    }
    generate_defaults(o);
    if (check_entry(o))
        return 2; /* nothing written */
    gfdx_sign_key *k = gfdx_sign_key_generate(alg, err, sizeof err);
    snprintf(comment, sizeof comment,
             "gfdx-participant: %s\ngfdx-kid: %s\ngfdx-alg: %s\ngfdx-not-before: %s\ngfdx-not-after: %s\n",
             o->participant, o->kid, o->alg, o->not_before, o->not_after);
    if (!k || gfdx_sign_key_write(k, o->out, comment, err, sizeof err)) {
        fprintf(stderr, "gfdx keys generate: %s\n", err);
        gfdx_sign_key_free(k);
        return 1;
    }
    fprintf(stderr, "gfdx keys: wrote %s (mode 0600); add this to participant %s's keys = ( ... ):\n", o->out,
            o->participant);
    int rc = print_entry(k, o);
    gfdx_sign_key_free(k);
    return rc;
}

static int keys_show(const char *path, keys_opts *o)
{
    char err[512];
    gfdx_sign_key *k = gfdx_sign_key_load(path, err, sizeof err);
    if (!k) {
        fprintf(stderr, "gfdx keys show: %s\n", err);
        return 1;
    }
    const char *file_kid = gfdx_sign_key_kid(k), *nb = gfdx_sign_key_comment(k, "gfdx-not-before"),
               *na = gfdx_sign_key_comment(k, "gfdx-not-after");
    o->kid = o->kid ? o->kid : *file_kid ? file_kid : NULL;
    o->not_before = o->not_before ? o->not_before : *nb ? nb : NULL;
    o->not_after = o->not_after ? o->not_after : *na ? na : NULL;
    if (!o->kid || !o->not_before || !o->not_after)
        fprintf(stderr, "gfdx keys show: %s has no gfdx-kid / gfdx-not-before / gfdx-not-after line: "
                        "give --kid, --not-before, --not-after\n", path);
    int rc = !o->kid || !o->not_before || !o->not_after ? 2 : print_entry(k, o);
    gfdx_sign_key_free(k);
    return rc;
}

/* Reads stdin (at most 1 MiB, DESIGN §4) into a new buffer; NULL after printing why. */
static unsigned char *read_value(size_t *len)
{
    unsigned char *buf = malloc(KEYS_VALUE_MAX + 1);
    *len = buf ? fread(buf, 1, KEYS_VALUE_MAX + 1, stdin) : 0;
    if (!buf || ferror(stdin) || *len > KEYS_VALUE_MAX) {
        fprintf(stderr, "gfdx keys: %s\n", !buf ? "out of memory" : ferror(stdin) ? "cannot read stdin"
                                                                                    : "value larger than 1 MiB");
        free(buf);
        return NULL;
    }
    return buf;
}

static int keys_sign(const char *path, const keys_opts *o)
{
    char err[512];
    unsigned char sig[GFDX_SIGN_MAX_SIG], b64[2 * GFDX_SIGN_MAX_SIG];
    size_t len, siglen;
    gfdx_sign_key *k = gfdx_sign_key_load(path, err, sizeof err);
    unsigned char *value = k ? read_value(&len) : NULL;
    int rc = 1;
    if (!k)
        fprintf(stderr, "gfdx keys sign: %s\n", err);
    else if (value && gfdx_sign_sign(k, o->key, o->key ? strlen(o->key) : 0, value, len, sig, &siglen, err, sizeof err))
        fprintf(stderr, "gfdx keys sign: %s\n", err);
    else if (value) {
        EVP_EncodeBlock(b64, sig, (int)siglen);
        printf("%s\n", b64);
        rc = 0;
    }
    free(value);
    gfdx_sign_key_free(k);
    return rc;
}

static int keys_verify(const keys_opts *o)
{
    gfdx_sign_alg alg;
    char err[512];
    unsigned char sig[GFDX_SIGN_MAX_SIG + 3];
    size_t slen = o->sig ? strlen(o->sig) : 0, len;
    if (!o->alg || gfdx_sign_alg_parse(o->alg, &alg) || !o->public_key || !slen || slen % 4 ||
        slen > 4 * ((GFDX_SIGN_MAX_SIG + 2) / 3)) {
        fprintf(stderr, "gfdx keys verify: give --alg ed25519|sm2, --public-key BASE64 and --sig BASE64 "
                        "(at most %d bytes)\n", GFDX_SIGN_MAX_SIG);
        return 2;
    }
    int n = EVP_DecodeBlock(sig, (const unsigned char *)o->sig, (int)slen);
    size_t pad = (o->sig[slen - 1] == '=') + (o->sig[slen - 2] == '=');
    gfdx_sign_verifier *v = n > 0 ? gfdx_sign_verifier_new(alg, o->public_key, err, sizeof err) : NULL;
    if (!v) {
        fprintf(stderr, "gfdx keys verify: %s\n", n > 0 ? err : "--sig: not base64");
        return 2;
    }
    unsigned char *value = read_value(&len);
    gfdx_sign_result r = value ? gfdx_sign_verify(v, o->key, o->key ? strlen(o->key) : 0, value, len, sig,
                                                  (size_t)n - pad, err, sizeof err)
                               : GFDX_SIGN_ERROR;
    if (r == GFDX_SIGN_ERROR && value)
        fprintf(stderr, "gfdx keys verify: %s\n", err);
    else if (value)
        printf("%s\n", r == GFDX_SIGN_OK ? "ok" : "BAD_SIGNATURE");
    free(value);
    gfdx_sign_verifier_free(v);
    return r == GFDX_SIGN_OK ? 0 : 1;
}

int cli_keys(int argc, char **argv)
{
    static const char *const subs[] = {"generate", "show", "sign", "verify"};
    keys_opts o = {0};
    const char *sub = argc > 1 ? argv[1] : "";
    int rc = keys_parse(argc - 1, argv + 1, &o);
    if (rc >= 0)
        return rc;
    const char *file = optind < argc - 1 ? argv[optind + 1] : NULL;
    if (!strcmp(sub, subs[0]))
        return keys_generate(&o);
    if (!strcmp(sub, subs[1]) || !strcmp(sub, subs[2])) {
        if (!file) {
            fprintf(stderr, "gfdx keys %s: give the key FILE\n", sub);
            return 2;
        }
        return !strcmp(sub, subs[1]) ? keys_show(file, &o) : keys_sign(file, &o);
    }
    if (!strcmp(sub, subs[3]))
        return keys_verify(&o);
    keys_usage(strcmp(sub, "--help") && strcmp(sub, "-h") ? stderr : stdout);
    return strcmp(sub, "--help") && strcmp(sub, "-h") ? 2 : 0;
}
