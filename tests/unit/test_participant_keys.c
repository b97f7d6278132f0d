/* test_participant_keys.c: public keys in the participant registry (participants.h keys =
 * (...)), the kid lookup and gfdx_registry_authenticate's refusal codes (DESIGN §5).
 * The keys are generated at run time (no key is committed) and written into a registry in a
 * temporary directory. */
#include "check.h"
#include "participants.h"
#include "sign.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[64];

/* Two-participant registry text around the keys given for each. */
static int write_registry(const char *path, const char *miit_keys, const char *bank_keys)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f,
            "participants = (\n"
            "  { id = \"miit\"; kind = \"miit\"; region = \"100000\"; name = \"工业和信息化部\"; %s },\n"
            "  { id = \"pbc-hq-sh\"; kind = \"pboc_branch\"; region = \"310000\"; name = \"上海总部\"; },\n"
            "  { id = \"bank-a\"; kind = \"bank\"; region = \"310000\"; name = \"A\"; branches = [\"pbc-hq-sh\"]; %s }\n"
            ");\n",
            miit_keys, bank_keys);
    return fclose(f);
}

/* `{ kid = ...; ... }` for key k. */
static void key_entry(char *out, size_t n, const char *kid, const gfdx_sign_key *k, const char *nb, const char *na)
{
    char pub[160];
    CHECK(gfdx_sign_key_public_text(k, pub, sizeof pub) == 0);
    snprintf(out, n, "{ kid = \"%s\"; alg = \"%s\"; public_key = \"%s\"; not_before = \"%s\"; not_after = \"%s\"; }",
             kid, gfdx_sign_alg_name(gfdx_sign_key_alg(k)), pub, nb, na);
}

static gfdx_sign_key *m_ed, *m_sm2, *b_old, *b_now;
static gfdx_registry *reg;

#define NOW_MS INT64_C(1780000000000) /* 2026-05-28 */

static gfdx_authn auth(const char *sender, const char *kid, gfdx_sign_key *signer, int flip)
{
    unsigned char key[] = "need-1", value[] = "\xC3\x01value-bytes", sig[GFDX_SIGN_MAX_SIG] = {0};
    size_t sig_len = 0;
    char err[256];
    if (signer && gfdx_sign_sign(signer, key, 6, value, sizeof value - 1, sig, &sig_len, err, sizeof err) != 0)
        return GFDX_AUTHN_ERROR;
    if (flip == 1)
        value[3] ^= 1;
    if (flip == 2)
        key[0] ^= 1;
    if (flip == 3)
        sig[sig_len / 2] ^= 1;
    return gfdx_registry_authenticate(reg, sender, kid, key, 6, value, sizeof value - 1, signer ? sig : NULL,
                                      sig_len, NOW_MS, err, sizeof err);
}

static void test_lookup(void)
{
    const gfdx_participant *owner = NULL;
    const gfdx_participant_key *k = gfdx_registry_find_key(reg, "miit#2026sm2", &owner);
    CHECK(k && owner && strcmp(owner->id, "miit") == 0);
    CHECK(k && k->alg == GFDX_SIGN_SM2 && k->verifier);
    CHECK(gfdx_registry_find_key(reg, "nobody#1", NULL) == NULL);
    CHECK(gfdx_registry_find_key(reg, NULL, NULL) == NULL);
    const gfdx_participant *m = gfdx_registry_find(reg, "miit");
    CHECK(m && m->n_keys == 2 && strcmp(m->keys[0].kid, "miit#2026a") == 0);
    CHECK(gfdx_registry_find(reg, "pbc-hq-sh")->n_keys == 0);
}

static void test_authenticate(void)
{
    /* a rotation: two current keys of one participant, Ed25519 and SM2 side by side */
    CHECK(auth("miit", "miit#2026a", m_ed, 0) == GFDX_AUTHN_OK);
    CHECK(auth("miit", "miit#2026sm2", m_sm2, 0) == GFDX_AUTHN_OK);
    CHECK(auth("bank-a", "bank-a#2026a", b_now, 0) == GFDX_AUTHN_OK);
    CHECK(auth("miit", NULL, NULL, 0) == GFDX_AUTHN_UNSIGNED);
    CHECK(auth("miit", "miit#2026a", NULL, 0) == GFDX_AUTHN_UNSIGNED); /* kid, no signature */
    CHECK(auth("miit", "miit#2099z", m_ed, 0) == GFDX_AUTHN_UNKNOWN_KEY);
    /* a bank signing with its own key a record that claims to be MIIT's */
    CHECK(auth("miit", "bank-a#2026a", b_now, 0) == GFDX_AUTHN_KEY_NOT_OF_SENDER);
    /* a bank naming MIIT's kid but signing with its own key: the owner matches, the signature fails */
    CHECK(auth("miit", "miit#2026a", b_now, 0) == GFDX_AUTHN_BAD_SIGNATURE);
    CHECK(auth("bank-a", "bank-a#2020a", b_old, 0) == GFDX_AUTHN_KEY_EXPIRED);
    CHECK(auth("miit", "miit#2026a", m_ed, 1) == GFDX_AUTHN_BAD_SIGNATURE); /* value */
    CHECK(auth("miit", "miit#2026a", m_ed, 2) == GFDX_AUTHN_BAD_SIGNATURE); /* key */
    CHECK(auth("miit", "miit#2026a", m_ed, 3) == GFDX_AUTHN_BAD_SIGNATURE); /* signature */
    CHECK(auth("miit", "miit#2026sm2", m_sm2, 1) == GFDX_AUTHN_BAD_SIGNATURE);
    CHECK(auth("miit", "miit#2026sm2", m_ed, 0) == GFDX_AUTHN_BAD_SIGNATURE); /* wrong algorithm's signature */
    CHECK_STR_EQ(gfdx_authn_name(GFDX_AUTHN_KEY_NOT_OF_SENDER), "KEY_NOT_OF_SENDER");
    CHECK_STR_EQ(gfdx_authn_name(GFDX_AUTHN_UNSIGNED), "UNSIGNED");
}

/* A registry whose bank-a keys are `bank_keys` must fail, the message containing `want`. */
static void expect_load_error(const char *bank_keys, const char *want)
{
    char path[96], err[512] = "";
    snprintf(path, sizeof path, "%s/bad.cfg", dir);
    CHECK(write_registry(path, "", bank_keys) == 0);
    gfdx_registry *r = gfdx_registry_load(path, err, sizeof err);
    CHECK_MSG(r == NULL && strstr(err, want) && strstr(err, "participants[2] (id \"bank-a\")"),
              "keys %.60s: want \"%s\", got \"%s\"", bank_keys, want, err);
    gfdx_registry_free(r);
    unlink(path);
}

static void test_load_errors(const char *good_entry)
{
    char buf[2048], pub[160];
    CHECK(gfdx_sign_key_public_text(b_now, pub, sizeof pub) == 0);
    snprintf(buf, sizeof buf, "keys = ( %s, %s );", good_entry, good_entry);
    expect_load_error(buf, "kid \"bank-a#2026a\" given twice");
    snprintf(buf, sizeof buf, "keys = ( { kid = \"b#1\"; alg = \"rsa\"; public_key = \"%s\"; not_before = \"2026-01-01\"; not_after = \"2026-12-31\"; } );", pub);
    expect_load_error(buf, "keys[0]: alg must be");
    snprintf(buf, sizeof buf, "keys = ( { kid = \"b#1\"; alg = \"sm2\"; public_key = \"%s\"; not_before = \"2026-01-01\"; not_after = \"2026-12-31\"; } );", pub);
    expect_load_error(buf, "keys[0]:"); /* an Ed25519 key registered as sm2 */
    snprintf(buf, sizeof buf, "keys = ( { kid = \"b 1\"; alg = \"ed25519\"; public_key = \"%s\"; not_before = \"2026-01-01\"; not_after = \"2026-12-31\"; } );", pub);
    expect_load_error(buf, "kid missing or not");
    snprintf(buf, sizeof buf, "keys = ( { kid = \"b#1\"; alg = \"ed25519\"; public_key = \"%s\"; not_before = \"2026-12-01\"; not_after = \"2026-01-31\"; } );", pub);
    expect_load_error(buf, "keys[0]:");
    snprintf(buf, sizeof buf, "keys = ( { kid = \"b#1\"; alg = \"ed25519\"; public_key = \"%s\"; not_before = \"2026-01-01\"; } );", pub);
    expect_load_error(buf, "not_before and not_after");
    snprintf(buf, sizeof buf, "keys = ( { kid = \"b#1\"; alg = \"ed25519\"; public_key = \"%s\"; not_before = \"2026-01-01\"; not_after = \"2026-12-31\"; privat = 1; } );", pub);
    expect_load_error(buf, "unknown setting \"privat\"");
    expect_load_error("keys = ( { kid = \"b#1\"; alg = \"ed25519\"; public_key = \"AAAA\"; not_before = \"2026-01-01\"; not_after = \"2026-12-31\"; } );", "keys[0]:");
    expect_load_error("keys = \"x\";", "keys is not a list");
    /* the same kid under two participants */
    char path[96], err[512] = "", miit[1024];
    snprintf(path, sizeof path, "%s/dup.cfg", dir);
    snprintf(miit, sizeof miit, "keys = ( %s );", good_entry);
    snprintf(buf, sizeof buf, "keys = ( %s );", good_entry);
    CHECK(write_registry(path, miit, buf) == 0);
    gfdx_registry *r = gfdx_registry_load(path, err, sizeof err);
    CHECK_MSG(r == NULL && strstr(err, "participants[2] (id \"bank-a\"): kid \"bank-a#2026a\" given twice (also participants[0])"), "%s", err);
    gfdx_registry_free(r);
    unlink(path);
}

int main(void)
{
    char err[256] = "", e1[512], e2[512], e3[512], e4[512], miit[1200], bank[1200], path[96];
    snprintf(dir, sizeof dir, "/tmp/gfdx-test-pkeys-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    m_ed = gfdx_sign_key_generate(GFDX_SIGN_ED25519, err, sizeof err);
    m_sm2 = gfdx_sign_key_generate(GFDX_SIGN_SM2, err, sizeof err);
    b_old = gfdx_sign_key_generate(GFDX_SIGN_ED25519, err, sizeof err);
    b_now = gfdx_sign_key_generate(GFDX_SIGN_ED25519, err, sizeof err);
    CHECK_MSG(m_ed && m_sm2 && b_old && b_now, "%s", err);
    if (!(m_ed && m_sm2 && b_old && b_now))
        return CHECK_DONE();
    key_entry(e1, sizeof e1, "miit#2026a", m_ed, "2026-01-01", "2027-12-31");
    key_entry(e2, sizeof e2, "miit#2026sm2", m_sm2, "2026-05-01", "2027-12-31");
    key_entry(e3, sizeof e3, "bank-a#2020a", b_old, "2020-01-01", "2020-12-31");
    key_entry(e4, sizeof e4, "bank-a#2026a", b_now, "2026-01-01", "2026-12-31");
    snprintf(miit, sizeof miit, "keys = ( %s, %s );", e1, e2);
    snprintf(bank, sizeof bank, "keys = ( %s, %s );", e3, e4);
    snprintf(path, sizeof path, "%s/participants.cfg", dir);
    CHECK(write_registry(path, miit, bank) == 0);
    char lerr[512] = "";
    reg = gfdx_registry_load(path, lerr, sizeof lerr);
    CHECK_MSG(reg != NULL, "%s", lerr);
    if (reg) {
        test_lookup();
        test_authenticate();
    }
    test_load_errors(e4);
    gfdx_registry_free(reg);
    unlink(path);
    rmdir(dir);
    gfdx_sign_key_free(m_ed);
    gfdx_sign_key_free(m_sm2);
    gfdx_sign_key_free(b_old);
    gfdx_sign_key_free(b_now);
    return CHECK_DONE();
}
