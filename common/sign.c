/* sign.c: the signed message M, Ed25519 and SM2 signing and verification (sign.h).
 * Everything goes through OpenSSL 3's EVP_DigestSign / EVP_DigestVerify; the SM2 signer id
 * is set on the operation's EVP_PKEY_CTX right after the Init (before any data, as the SM2
 * provider requires: the id enters Z, hashed ahead of M). */
#include "sign.h"
#include "errbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char sig_prefix[] = "gfdx-sig-v1"; /* 11 bytes, then 0x00 */
#define SIGN_PREFIX_LEN 12                      /* "gfdx-sig-v1" and its 0x00 */
#define SIGN_KEY_FILE_MAX (64 * 1024)
#define SIGN_COMMENTS_MAX 8

typedef struct {
    unsigned char *p;
    size_t cap;
} scratch;

struct gfdx_sign_key {
    EVP_PKEY *pkey;
    gfdx_sign_alg alg;
    char names[SIGN_COMMENTS_MAX][32], values[SIGN_COMMENTS_MAX][GFDX_SIGN_MAX_KID];
    int ncomments;
};

/* A key or verifier holds only the key: the operation's context and M's buffer are the
 * calling thread's (thread_scratch_get), so that one key serves several threads at once (a
 * batch verifies its records and signs what it emits on more than one core). */
struct gfdx_sign_verifier {
    EVP_PKEY *pkey;
    gfdx_sign_alg alg;
};

/* OpenSSL's first queued reason (names no key material), and the queue cleared. */
static const char *ossl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, buf, len);
    else
        snprintf(buf, len, "no detail from OpenSSL");
    ERR_clear_error();
    return buf;
}

int gfdx_sign_alg_parse(const char *name, gfdx_sign_alg *alg)
{
    if (name && !strcmp(name, "ed25519"))
        *alg = GFDX_SIGN_ED25519;
    else if (name && !strcmp(name, "sm2"))
        *alg = GFDX_SIGN_SM2;
    else
        return -1;
    return 0;
}

const char *gfdx_sign_alg_name(gfdx_sign_alg alg)
{
    return alg == GFDX_SIGN_ED25519 ? "ed25519" : alg == GFDX_SIGN_SM2 ? "sm2" : "?";
}

size_t gfdx_sign_message_len(size_t key_len, size_t value_len)
{
    return SIGN_PREFIX_LEN + 4 + key_len + value_len;
}

size_t gfdx_sign_message(const void *key, size_t key_len, const void *value, size_t value_len, unsigned char *out)
{
    if (key_len > UINT32_MAX)
        return 0;
    memcpy(out, sig_prefix, SIGN_PREFIX_LEN); /* includes the terminating 0x00 */
    out[12] = (unsigned char)(key_len >> 24);
    out[13] = (unsigned char)(key_len >> 16);
    out[14] = (unsigned char)(key_len >> 8);
    out[15] = (unsigned char)key_len;
    if (key_len)
        memcpy(out + 16, key, key_len);
    if (value_len)
        memcpy(out + 16 + key_len, value, value_len);
    return gfdx_sign_message_len(key_len, value_len);
}

/* "YYYY-MM-DD" -> the UTC milliseconds of that day's 00:00 in China time (UTC+8). */
static int date_start_ms(const char *s, int64_t *ms)
{
    static const int dim[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 0, m = 0, d = 0, end = 0;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &end) != 3 || end != 10 || s[4] != '-' ||
        s[7] != '-' || y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 || d > dim[m - 1] ||
        (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    *ms = ((int64_t)timegm(&tm) - 8 * 3600) * 1000;
    return 0;
}

int gfdx_sign_validity_parse(const char *not_before, const char *not_after, int64_t *from_ms, int64_t *until_ms,
                             char *err, size_t errlen)
{
    const char *bad = date_start_ms(not_before, from_ms) ? not_before : date_start_ms(not_after, until_ms) ? not_after : NULL;
    if (bad || !not_before || !not_after) {
        gfdx_errf(err, errlen, "not_before/not_after: \"%.16s\" is not a date YYYY-MM-DD (1990 .. 2100)", bad ? bad : "");
        return -1;
    }
    *until_ms += 86400 * 1000LL; /* not_after is included, to its end */
    if (*until_ms <= *from_ms) {
        gfdx_errf(err, errlen, "not_after %s is before not_before %s", not_after, not_before);
        return -1;
    }
    return 0;
}

/* M into the object's scratch buffer (grown as needed, kept for the next record). */
static int scratch_message(scratch *s, const void *key, size_t key_len, const void *value, size_t value_len,
                           size_t *len, char *err, size_t errlen)
{
    size_t need = gfdx_sign_message_len(key_len, value_len);
    if (key_len > UINT32_MAX || need < value_len) {
        gfdx_errf(err, errlen, "key of %zu bytes: too long to sign", key_len);
        return -1;
    }
    if (need > s->cap) {
        unsigned char *p = realloc(s->p, need);
        if (!p) {
            gfdx_errf(err, errlen, "out of memory (%zu bytes)", need);
            return -1;
        }
        s->p = p;
        s->cap = need;
    }
    *len = gfdx_sign_message(key, key_len, value, value_len, s->p);
    return 0;
}

/* True when pkey is a key of algorithm alg. */
static bool pkey_is(const EVP_PKEY *pkey, gfdx_sign_alg alg)
{
    return alg == GFDX_SIGN_ED25519 ? EVP_PKEY_is_a(pkey, "ED25519") : alg == GFDX_SIGN_SM2 && EVP_PKEY_is_a(pkey, "SM2");
}

static int pkey_alg(const EVP_PKEY *pkey, gfdx_sign_alg *alg)
{
    if (pkey_is(pkey, GFDX_SIGN_ED25519))
        *alg = GFDX_SIGN_ED25519;
    else if (pkey_is(pkey, GFDX_SIGN_SM2))
        *alg = GFDX_SIGN_SM2;
    else
        return -1;
    return 0;
}

/* The calling thread's sign / verify context and buffer, made on its first verify and freed when
 * the thread ends (a pthread key's destructor). NULL when out of memory. */
typedef struct {
    EVP_MD_CTX *md;
    scratch m;
} thread_scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void thread_scratch_free(void *p)
{
    thread_scratch *t = p;
    EVP_MD_CTX_free(t->md);
    free(t->m.p);
    free(t);
}

static void scratch_key_init(void) { pthread_key_create(&scratch_key, thread_scratch_free); }

static thread_scratch *thread_scratch_get(void)
{
    pthread_once(&scratch_once, scratch_key_init);
    thread_scratch *t = pthread_getspecific(scratch_key);
    if (t)
        return t;
    if (!(t = calloc(1, sizeof *t)) || !(t->md = EVP_MD_CTX_new()) || pthread_setspecific(scratch_key, t)) {
        if (t)
            EVP_MD_CTX_free(t->md);
        free(t);
        return NULL;
    }
    return t;
}

/* Starts a sign or verify operation on md (reset first: an Ed25519 one-shot context cannot
 * be reused without a new Init). SM2: SM3, and the signer id on the operation's pkey ctx. */
static int op_init(EVP_MD_CTX *md, EVP_PKEY *pkey, gfdx_sign_alg alg, bool sign)
{
    EVP_PKEY_CTX *pctx = NULL;
    const EVP_MD *digest = alg == GFDX_SIGN_SM2 ? EVP_sm3() : NULL;
    EVP_MD_CTX_reset(md);
    int ok = sign ? EVP_DigestSignInit(md, &pctx, digest, NULL, pkey) : EVP_DigestVerifyInit(md, &pctx, digest, NULL, pkey);
    if (ok != 1)
        return -1;
    if (alg == GFDX_SIGN_SM2 &&
        EVP_PKEY_CTX_set1_id(pctx, (const unsigned char *)GFDX_SIGN_SM2_ID, strlen(GFDX_SIGN_SM2_ID)) != 1)
        return -1;
    return 0;
}

/* ---- private keys ---- */

static gfdx_sign_key *key_wrap(EVP_PKEY *pkey, char *err, size_t errlen)
{
    gfdx_sign_key *k = calloc(1, sizeof *k);
    if (!k) {
        gfdx_errf(err, errlen, "out of memory");
        return NULL;
    }
    if (pkey_alg(pkey, &k->alg)) {
        free(k);
        gfdx_errf(err, errlen, "not an Ed25519 or SM2 key");
        return NULL;
    }
    k->pkey = pkey;
    return k;
}

/* Keeps the "name: value" lines found before the PEM block. */
static void key_comments(gfdx_sign_key *k, const char *text)
{
    const char *line = text, *begin = strstr(text, "-----BEGIN");
    while (line && (!begin || line < begin) && k->ncomments < SIGN_COMMENTS_MAX) {
        const char *nl = strchr(line, '\n'), *colon = strchr(line, ':');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (colon && colon < line + len && (size_t)(colon - line) < sizeof k->names[0]) {
            const char *v = colon + 1 + strspn(colon + 1, " \t");
            size_t vlen = (size_t)(line + len - v);
            while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == ' '))
                vlen--;
            if (vlen < sizeof k->values[0]) {
                snprintf(k->names[k->ncomments], sizeof k->names[0], "%.*s", (int)(colon - line), line);
                snprintf(k->values[k->ncomments++], sizeof k->values[0], "%.*s", (int)vlen, v);
            }
        }
        line = nl ? nl + 1 : NULL;
    }
}

/* Reads the whole key file into buf (NUL-terminated) after checking it is a regular file
 * that only its owner may read. fstat on the opened descriptor: no race with a chmod. */
static int key_file_read(const char *path, char *buf, size_t cap, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0) {
        gfdx_errf(err, errlen, "private key %s: %s", path, strerror(errno));
        return -1;
    }
    ssize_t n = -1;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode))
        gfdx_errf(err, errlen, "private key %s: not a regular file", path);
    else if (st.st_mode & 077)
        gfdx_errf(err, errlen, "private key %s: readable or writable by group or others (mode %04o); chmod 600 it",
               path, (unsigned)(st.st_mode & 07777));
    else if ((n = read(fd, buf, cap - 1)) < 0)
        gfdx_errf(err, errlen, "private key %s: %s", path, strerror(errno));
    else if ((size_t)n == cap - 1) {
        gfdx_errf(err, errlen, "private key %s: larger than %zu bytes: not a key file", path, cap - 1);
        n = -1;
    }
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

/* Encrypted PEM keys are refused: no passphrase is ever asked for. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    return 0;
}

gfdx_sign_key *gfdx_sign_key_load(const char *path, char *err, size_t errlen)
{
    char *text = malloc(SIGN_KEY_FILE_MAX), why[256];
    gfdx_sign_key *k = NULL;
    if (!text) {
        gfdx_errf(err, errlen, "out of memory");
        return NULL;
    }
    if (key_file_read(path, text, SIGN_KEY_FILE_MAX, err, errlen))
        goto done;
    BIO *bio = BIO_new_mem_buf(text, -1);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
    BIO_free(bio);
    if (!pkey) {
        gfdx_errf(err, errlen, "private key %s: no unencrypted PEM private key (%s)", path, ossl_reason(why, sizeof why));
        goto done;
    }
    k = key_wrap(pkey, err, errlen);
    if (!k) {
        EVP_PKEY_free(pkey);
        snprintf(why, sizeof why, "%s", err ? err : "");
        gfdx_errf(err, errlen, "private key %s: %s", path, why);
        goto done;
    }
    key_comments(k, text);
done:
    OPENSSL_cleanse(text, SIGN_KEY_FILE_MAX);
    free(text);
    return k;
}

gfdx_sign_key *gfdx_sign_key_generate(gfdx_sign_alg alg, char *err, size_t errlen)
{
    char why[256];
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, alg == GFDX_SIGN_SM2 ? "SM2" : "ED25519", NULL);
    if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_generate(ctx, &pkey) != 1) {
        gfdx_errf(err, errlen, "generating a %s key: %s", gfdx_sign_alg_name(alg), ossl_reason(why, sizeof why));
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    gfdx_sign_key *k = key_wrap(pkey, err, errlen);
    if (!k)
        EVP_PKEY_free(pkey);
    return k;
}

/* Writes all of buf to fd. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int gfdx_sign_key_write(const gfdx_sign_key *k, const char *path, const char *comment, char *err, size_t errlen)
{
    char why[256], *pem = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio || PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) != 1) {
        gfdx_errf(err, errlen, "encoding the private key: %s", ossl_reason(why, sizeof why));
        BIO_free(bio);
        return -1;
    }
    long pem_len = BIO_get_mem_data(bio, &pem);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), rc = -1;
    if (fd < 0)
        gfdx_errf(err, errlen, "%s: %s%s", path, strerror(errno), errno == EEXIST ? " (never overwritten)" : "");
    else if ((comment && write_all(fd, comment, strlen(comment))) || write_all(fd, pem, (size_t)pem_len) ||
             fsync(fd))
        gfdx_errf(err, errlen, "%s: %s", path, strerror(errno));
    else
        rc = 0;
    if (fd >= 0 && close(fd) && rc == 0) {
        gfdx_errf(err, errlen, "%s: %s", path, strerror(errno));
        rc = -1;
    }
    if (fd >= 0 && rc)
        unlink(path);
    BIO_free(bio); /* a mem BIO clears its buffer on free */
    return rc;
}

gfdx_sign_alg gfdx_sign_key_alg(const gfdx_sign_key *k)
{
    return k->alg;
}

const char *gfdx_sign_key_comment(const gfdx_sign_key *k, const char *name)
{
    for (int i = 0; i < k->ncomments; i++)
        if (!strcmp(k->names[i], name))
            return k->values[i];
    return "";
}

const char *gfdx_sign_key_kid(const gfdx_sign_key *k)
{
    return gfdx_sign_key_comment(k, "gfdx-kid");
}

int gfdx_sign_key_public_text(const gfdx_sign_key *k, char *out, size_t outlen)
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(k->pkey, &der);
    int rc = -1;
    if (len > 0 && (size_t)(4 * ((len + 2) / 3) + 1) <= outlen) {
        EVP_EncodeBlock((unsigned char *)out, der, len);
        rc = 0;
    }
    OPENSSL_free(der);
    ERR_clear_error();
    return rc;
}

int gfdx_sign_sign(gfdx_sign_key *k, const void *key, size_t key_len, const void *value, size_t value_len,
                   unsigned char *sig, size_t *sig_len, char *err, size_t errlen)
{
    char why[256];
    size_t mlen;
    thread_scratch *t = thread_scratch_get();
    if (!t) {
        gfdx_errf(err, errlen, "out of memory");
        return -1;
    }
    if (scratch_message(&t->m, key, key_len, value, value_len, &mlen, err, errlen))
        return -1;
    *sig_len = GFDX_SIGN_MAX_SIG;
    if (op_init(t->md, k->pkey, k->alg, true) || EVP_DigestSign(t->md, sig, sig_len, t->m.p, mlen) != 1) {
        gfdx_errf(err, errlen, "%s signing failed: %s", gfdx_sign_alg_name(k->alg), ossl_reason(why, sizeof why));
        return -1;
    }
    return 0;
}

void gfdx_sign_key_free(gfdx_sign_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

/* ---- public keys ---- */

/* base64 (strict: the alphabet, '=' padding only at the end, length a multiple of 4) ->
 * DER SubjectPublicKeyInfo -> EVP_PKEY. */
static EVP_PKEY *public_parse(const char *text, char *err, size_t errlen)
{
    size_t len = strlen(text);
    if (len == 0 || len % 4 || len > 4096 ||
        strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") < len - 2 ||
        strspn(text + len - 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != 2 ||
        (text[len - 2] == '=' && text[len - 1] != '=')) {
        gfdx_errf(err, errlen, "public key: not base64 of a DER SubjectPublicKeyInfo on one line "
                            "(openssl pkey -pubout -outform DER | base64 -w0)");
        return NULL;
    }
    unsigned char der[3072];
    int n = EVP_DecodeBlock(der, (const unsigned char *)text, (int)len);
    size_t pad = (text[len - 1] == '=') + (text[len - 2] == '=');
    const unsigned char *p = der;
    EVP_PKEY *pkey = n > 0 ? d2i_PUBKEY(NULL, &p, n - (long)pad) : NULL;
    if (!pkey || p != der + n - pad) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        gfdx_errf(err, errlen, "public key: base64 that is not a DER SubjectPublicKeyInfo (or has bytes after it)");
        return NULL;
    }
    return pkey;
}

gfdx_sign_verifier *gfdx_sign_verifier_new(gfdx_sign_alg alg, const char *public_text, char *err, size_t errlen)
{
    gfdx_sign_alg actual;
    EVP_PKEY *pkey = public_parse(public_text, err, errlen);
    if (!pkey)
        return NULL;
    if (pkey_alg(pkey, &actual) || actual != alg) {
        gfdx_errf(err, errlen, "public key: the key is %s, not %s",
               pkey_alg(pkey, &actual) ? "neither ed25519 nor sm2" : gfdx_sign_alg_name(actual), gfdx_sign_alg_name(alg));
        EVP_PKEY_free(pkey);
        return NULL;
    }
    gfdx_sign_verifier *v = calloc(1, sizeof *v);
    if (!v) {
        EVP_PKEY_free(pkey);
        gfdx_errf(err, errlen, "out of memory");
        return NULL;
    }
    v->pkey = pkey;
    v->alg = alg;
    return v;
}

gfdx_sign_result gfdx_sign_verify(gfdx_sign_verifier *v, const void *key, size_t key_len, const void *value,
                                  size_t value_len, const unsigned char *sig, size_t sig_len, char *err,
                                  size_t errlen)
{
    char why[256];
    size_t mlen;
    if (!sig || sig_len == 0 || sig_len > GFDX_SIGN_MAX_SIG)
        return GFDX_SIGN_BAD_SIGNATURE;
    thread_scratch *t = thread_scratch_get();
    if (!t) {
        gfdx_errf(err, errlen, "out of memory");
        return GFDX_SIGN_ERROR;
    }
    if (scratch_message(&t->m, key, key_len, value, value_len, &mlen, err, errlen))
        return key_len > UINT32_MAX ? GFDX_SIGN_BAD_SIGNATURE : GFDX_SIGN_ERROR;
    if (op_init(t->md, v->pkey, v->alg, false)) {
        gfdx_errf(err, errlen, "%s verify init failed: %s", gfdx_sign_alg_name(v->alg), ossl_reason(why, sizeof why));
        return GFDX_SIGN_ERROR;
    }
    int ok = EVP_DigestVerify(t->md, sig, sig_len, t->m.p, mlen);
    ERR_clear_error(); /* a malformed DER signature queues a reason: it is the record's */
    return ok == 1 ? GFDX_SIGN_OK : GFDX_SIGN_BAD_SIGNATURE;
}

gfdx_sign_alg gfdx_sign_verifier_alg(const gfdx_sign_verifier *v)
{
    return v->alg;
}

void gfdx_sign_verifier_free(gfdx_sign_verifier *v)
{
    if (!v)
        return;
    EVP_PKEY_free(v->pkey);
    free(v);
}
