/* sign.h: proof of origin (DESIGN §4): the signed message M, signing and verifying, over
 * OpenSSL 3 (EVP_DigestSign / EVP_DigestVerify) only.
 *
 * The signed message, over the exact Kafka key and value bytes:
 *   M = "gfdx-sig-v1" || 0x00 || uint32_be(len(key)) || key || value
 * (11 ASCII bytes, one zero byte, the key length as 4 bytes big-endian, the key, the value).
 * An absent Kafka key is signed as a key of length 0: absent and empty give the same M
 * (DESIGN §4 refuses a record without a key anyway, KEY_MISMATCH, after verification).
 * Headers: gfdx-kid (the key id, ASCII, as registered) and gfdx-sig (the raw signature).
 *
 * Algorithms: "ed25519" (RFC 8032 pure Ed25519 over M, 64-byte signature) and "sm2"
 * (GM/T 0003 SM2 with SM3 over M, signer id "1234567812345678", DER-encoded signature,
 * at most 72 bytes).
 *
 * Public key text (the registry's public_key): base64 (RFC 4648, with padding, one line, no
 * whitespace) of the DER SubjectPublicKeyInfo, i.e. the body of the PEM "PUBLIC KEY" block
 * on one line. openssl: `openssl pkey -in KEY.pem -pubout -outform DER | base64 -w0`;
 * Java: Base64.getEncoder().encodeToString(publicKey.getEncoded());
 * Python: base64.b64encode(pub.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).
 *
 * Private key file: PEM, unencrypted PKCS#8 ("-----BEGIN PRIVATE KEY-----", as written by
 * `openssl genpkey -algorithm ed25519|SM2`), readable by its owner only (mode & 077 == 0).
 * Lines before the PEM block are comments that PEM readers skip; `gfdx keys generate` writes
 * "gfdx-kid: KID", "gfdx-participant: ID", "gfdx-not-before: DATE", "gfdx-not-after: DATE"
 * there, and gfdx_sign_key_load reads the kid back from it (gfdx_sign_key_kid).
 *
 * Errors are values: 0 / -1 with a message in err (never key material). Objects are not
 * shared between threads (each holds a scratch buffer for M). */
#ifndef GFDX_SIGN_H
#define GFDX_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GFDX_SIGN_HEADER_KID "gfdx-kid"
#define GFDX_SIGN_HEADER_SIG "gfdx-sig"
#define GFDX_SIGN_SM2_ID "1234567812345678"
#define GFDX_SIGN_MAX_SIG 80 /* ed25519: 64; sm2 DER: at most 72 */
#define GFDX_SIGN_MAX_KID 128

typedef enum { GFDX_SIGN_ED25519 = 1, GFDX_SIGN_SM2 = 2 } gfdx_sign_alg;

/* Outcome of a verification: OK, BAD_SIGNATURE (well-formed inputs, signature does not
 * verify under this key: the record is refused BAD_SIGNATURE), ERROR (out of memory or an
 * OpenSSL failure not caused by the record; err says which). */
typedef enum { GFDX_SIGN_OK = 0, GFDX_SIGN_BAD_SIGNATURE = 1, GFDX_SIGN_ERROR = -1 } gfdx_sign_result;

/* "ed25519" / "sm2" -> *alg: 0, or -1 for any other name. */
int gfdx_sign_alg_parse(const char *name, gfdx_sign_alg *alg) __attribute__((warn_unused_result));
const char *gfdx_sign_alg_name(gfdx_sign_alg alg); /* "ed25519", "sm2", "?" */

/* Length of M for a key and value of these lengths: 16 + key_len + value_len. */
size_t gfdx_sign_message_len(size_t key_len, size_t value_len);

/* Writes M into out (gfdx_sign_message_len bytes). key may be NULL when key_len is 0.
 * Returns the length written, 0 if key_len does not fit in 32 bits. */
size_t gfdx_sign_message(const void *key, size_t key_len, const void *value, size_t value_len, unsigned char *out);

/* A registry key's validity (not_before, not_after): dates "YYYY-MM-DD" in China time
 * (UTC+8), both days included: the key is current from not_before 00:00 +08:00 until
 * not_after 24:00 +08:00, i.e. *from_ms <= now < *until_ms. Past not_after it is revoked.
 * 0, or -1 + err for a malformed date (1990 .. 2100) or not_after before not_before. */
int gfdx_sign_validity_parse(const char *not_before, const char *not_after, int64_t *from_ms, int64_t *until_ms,
                             char *err, size_t errlen) __attribute__((warn_unused_result));

/* ---- private keys (signing) ---- */
typedef struct gfdx_sign_key gfdx_sign_key;

/* Loads a private key file (see above). Refuses a file readable or writable by group or
 * others, a missing file, anything but an Ed25519 or SM2 PKCS#8 key. NULL + err on failure;
 * the caller frees the key with gfdx_sign_key_free. */
gfdx_sign_key *gfdx_sign_key_load(const char *path, char *err, size_t errlen);

/* A new random key of this algorithm (not yet written anywhere). NULL + err on failure. */
gfdx_sign_key *gfdx_sign_key_generate(gfdx_sign_alg alg, char *err, size_t errlen);

/* Writes the key to path (created with mode 0600; an existing path is refused, never
 * overwritten), with the comment lines `comment` (may be NULL: each line is written as is,
 * it must not contain "-----") before the PEM block. 0, or -1 + err (nothing left behind). */
int gfdx_sign_key_write(const gfdx_sign_key *k, const char *path, const char *comment, char *err, size_t errlen)
    __attribute__((warn_unused_result));

gfdx_sign_alg gfdx_sign_key_alg(const gfdx_sign_key *k);

/* The value of a "NAME: value" comment line of the key file (e.g. "gfdx-kid"), "" if the
 * file had none (or the key was generated). Owned by the key. */
const char *gfdx_sign_key_comment(const gfdx_sign_key *k, const char *name);
const char *gfdx_sign_key_kid(const gfdx_sign_key *k); /* gfdx_sign_key_comment(k, "gfdx-kid") */

/* The public key text (see above) into out, NUL-terminated. 0, or -1 if outlen is too
 * small (128 bytes are enough for both algorithms) or OpenSSL fails. */
int gfdx_sign_key_public_text(const gfdx_sign_key *k, char *out, size_t outlen) __attribute__((warn_unused_result));

/* Signs M(key, value): the signature into sig (GFDX_SIGN_MAX_SIG bytes), its length into
 * *sig_len. 0, or -1 + err. Thread-safe: one key may sign on several threads at once. */
int gfdx_sign_sign(gfdx_sign_key *k, const void *key, size_t key_len, const void *value, size_t value_len,
                   unsigned char *sig, size_t *sig_len, char *err, size_t errlen) __attribute__((warn_unused_result));

void gfdx_sign_key_free(gfdx_sign_key *k); /* accepts NULL */

/* ---- public keys (verifying): parse once, verify many ---- */
typedef struct gfdx_sign_verifier gfdx_sign_verifier;

/* Parses the public key text for algorithm alg. Refuses text that is not base64 of a DER
 * SubjectPublicKeyInfo, and a key of another algorithm than alg. NULL + err; the caller
 * frees it with gfdx_sign_verifier_free. */
gfdx_sign_verifier *gfdx_sign_verifier_new(gfdx_sign_alg alg, const char *public_text, char *err, size_t errlen);

/* Verifies sig over M(key, value). GFDX_SIGN_BAD_SIGNATURE also for an empty or oversized
 * signature; GFDX_SIGN_ERROR (+ err) only for failures that are not the record's.
 * Thread-safe: one verifier may be used by several threads at once (the operation's state is
 * the calling thread's). */
gfdx_sign_result gfdx_sign_verify(gfdx_sign_verifier *v, const void *key, size_t key_len, const void *value,
                                  size_t value_len, const unsigned char *sig, size_t sig_len, char *err,
                                  size_t errlen);

gfdx_sign_alg gfdx_sign_verifier_alg(const gfdx_sign_verifier *v);
void gfdx_sign_verifier_free(gfdx_sign_verifier *v); /* accepts NULL */

#endif
