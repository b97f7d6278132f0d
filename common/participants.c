/* participants.c: loading, lookup and authorization predicates of participants.h. */
#include "participants.h"

#include "region.h"
#include "errbuf.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_MAX 64
#define PRINCIPAL_MAX 256
#define LIAISON_MAX 200

/* One participant and the storage its public view points into. */
typedef struct {
    gfdx_participant pub;
    char *id, *name, *principal;
    char **branches;
    gfdx_participant_key *keys; /* pub.n_keys of them, kid strings owned */
    char *liaison[3];           /* name, phone, email (pub.liaison_* point here) */
} entry;

/* The kid index: every key of every participant, sorted by kid. */
typedef struct {
    const char *kid;
    const gfdx_participant_key *key;
    size_t owner; /* position in entries */
} kid_row;

/* The id index: (id, position in entries), sorted by id then position. */
typedef struct {
    const char *id;
    size_t idx;
} id_row;

struct gfdx_registry {
    entry *entries; /* file order */
    size_t n;
    id_row *by_id;  /* n rows sorted by id */
    kid_row *by_kid; /* n_kids rows sorted by kid */
    size_t n_kids;
};

static const char *const kind_names[] = {
    [GFDX_PK_MIIT] = "miit",
    [GFDX_PK_PROVINCE_AUTHORITY] = "province_authority",
    [GFDX_PK_PBOC] = "pboc",
    [GFDX_PK_PBOC_BRANCH] = "pboc_branch",
    [GFDX_PK_BANK] = "bank",
    [GFDX_PK_DISTRICT_BUREAU] = "district_bureau",
    [GFDX_PK_PLATFORM_OFFICE] = "platform_office",
    [GFDX_PK_GUARANTOR] = "guarantor",
    [GFDX_PK_INSURER] = "insurer",
    [GFDX_PK_FUND] = "fund",
    [GFDX_PK_UNDERWRITER] = "underwriter",
};

static const char *const bureau_names[] = {
    [GFDX_BUREAU_NONE] = "none",       [GFDX_BUREAU_DRC] = "drc",
    [GFDX_BUREAU_EIT] = "eit",         [GFDX_BUREAU_HOUSING] = "housing",
    [GFDX_BUREAU_ECOLOGY] = "ecology", [GFDX_BUREAU_FINANCE] = "finance",
};

#define N_KINDS (sizeof kind_names / sizeof kind_names[0])
#define N_BUREAUS (sizeof bureau_names / sizeof bureau_names[0])

static const char *const entry_keys[] = {"id",       "kind",      "region", "name",
                                         "bureau",   "branches",  "principal", "keys",
                                         "liaison"};
static const char *const liaison_keys[] = {"name", "phone", "email"};
static const char *const key_keys[] = {"kid", "alg", "public_key", "not_before", "not_after"};

/* ---- names ---- */

const char *gfdx_participant_kind_name(gfdx_participant_kind kind)
{
    return (unsigned)kind < N_KINDS ? kind_names[kind] : "unknown";
}

const char *gfdx_bureau_name(gfdx_bureau bureau)
{
    return (unsigned)bureau < N_BUREAUS ? bureau_names[bureau] : "unknown";
}

int gfdx_participant_kind_parse(const char *name, gfdx_participant_kind *out)
{
    for (size_t i = 0; name && i < N_KINDS; i++)
        if (strcmp(kind_names[i], name) == 0) {
            *out = (gfdx_participant_kind)i;
            return 0;
        }
    return -1;
}

int gfdx_bureau_parse(const char *name, gfdx_bureau *out)
{
    for (size_t i = GFDX_BUREAU_NONE + 1; name && i < N_BUREAUS; i++)
        if (strcmp(bureau_names[i], name) == 0) {
            *out = (gfdx_bureau)i;
            return 0;
        }
    return -1;
}

/* ---- errors ---- */


/* "<path>: participants[i] (id \"x\"): <message>" (no id part if the entry has none yet). */
static void entry_err(char *err, size_t errlen, const char *path, size_t i, const char *id,
                      const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void entry_err(char *err, size_t errlen, const char *path, size_t i, const char *id,
                      const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (id)
        gfdx_errf(err, errlen, "%s: participants[%zu] (id \"%s\"): %s", path, i, id, msg);
    else
        gfdx_errf(err, errlen, "%s: participants[%zu]: %s", path, i, msg);
}

/* ---- freeing ---- */

static void entry_release(entry *e)
{
    free(e->id);
    free(e->name);
    free(e->principal);
    for (size_t i = 0; e->branches && i < e->pub.n_branches; i++)
        free(e->branches[i]);
    free(e->branches);
    for (size_t i = 0; e->keys && i < e->pub.n_keys; i++) {
        free((char *)e->keys[i].kid);
        gfdx_sign_verifier_free(e->keys[i].verifier);
    }
    free(e->keys);
    for (size_t i = 0; i < 3; i++)
        free(e->liaison[i]);
}

void gfdx_registry_free(gfdx_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; reg->entries && i < reg->n; i++)
        entry_release(&reg->entries[i]);
    free(reg->entries);
    free(reg->by_id);
    free(reg->by_kid);
    free(reg);
}

/* ---- loading one entry ---- */

static bool id_is_well_formed(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

/* Refuses settings other than the n names of `known_names` (catches "branch =" for
 * "branches ="). */
static const char *unknown_setting(const config_setting_t *group, const char *const *known_names, size_t n_names)
{
    int n = config_setting_length(group);
    for (int j = 0; j < n; j++) {
        const char *name = config_setting_name(config_setting_get_elem(group, (unsigned)j));
        bool known = false;
        for (size_t k = 0; k < n_names; k++)
            known = known || (name && strcmp(name, known_names[k]) == 0);
        if (!known)
            return name ? name : "(unnamed)";
    }
    return NULL;
}

/* Reads the mandatory string setting `key`; NULL if missing or not a string. */
static const char *get_string(const config_setting_t *group, const char *key)
{
    const char *s = NULL;
    return config_setting_lookup_string(group, key, &s) == CONFIG_TRUE ? s : NULL;
}

static int check_region(const gfdx_participant *p, const char *region, const char **why)
{
    if (!region)
        *why = "missing region";
    else if (strcmp(region, GFDX_REGION_NATIONAL) == 0)
        *why = p->kind == GFDX_PK_MIIT || p->kind == GFDX_PK_PBOC
                   ? NULL
                   : "the national region 100000 is only for miit and pboc";
    else if (strcmp(region, GFDX_REGION_BINGTUAN) == 0) /* not GB/T 2260: region.h */
        *why = p->kind == GFDX_PK_PROVINCE_AUTHORITY
                   ? NULL
                   : "region 660000 (新疆生产建设兵团) is only for its province_authority";
    else if (!gfdx_region_is_valid(region))
        *why = "region is not a valid GB/T 2260 code";
    else if (p->kind == GFDX_PK_PROVINCE_AUTHORITY && !gfdx_region_is_province(region) &&
             !gfdx_region_plan_city_name(region))
        *why = "a province_authority's region must be a province code (like 310000), a 计划单列市 "
               "code (330200) or 660000 (兵团)";
    else
        *why = NULL;
    return *why ? -1 : 0;
}

/* kind, bureau and region of an entry whose id is already set. */
static int load_kind_region(entry *e, const config_setting_t *g, const char *path, size_t i,
                            char *err, size_t errlen)
{
    const char *kind = get_string(g, "kind"), *bureau = get_string(g, "bureau");
    const char *region = get_string(g, "region"), *why;
    if (gfdx_participant_kind_parse(kind, &e->pub.kind) != 0) {
        entry_err(err, errlen, path, i, e->id, "unknown or missing kind \"%s\"", kind ? kind : "");
        return -1;
    }
    bool is_bureau = e->pub.kind == GFDX_PK_DISTRICT_BUREAU;
    if (is_bureau && gfdx_bureau_parse(bureau, &e->pub.bureau) != 0) {
        entry_err(err, errlen, path, i, e->id,
                  "district_bureau needs bureau = drc|eit|housing|ecology|finance (got \"%s\")",
                  bureau ? bureau : "");
        return -1;
    }
    if (!is_bureau && config_setting_get_member(g, "bureau")) {
        entry_err(err, errlen, path, i, e->id, "bureau is only for district_bureau");
        return -1;
    }
    if (check_region(&e->pub, region, &why) != 0) {
        entry_err(err, errlen, path, i, e->id, "%s (\"%s\")", why, region ? region : "");
        return -1;
    }
    memcpy(e->pub.region, region, sizeof e->pub.region);
    return 0;
}

#define BRANCHES_NATIONAL "national"

/* Sets *national if branches is exactly ["national"]; -1 if "national" is among others. */
static int branches_are_national(const config_setting_t *b, size_t n, bool *national)
{
    size_t hits = 0;
    for (size_t j = 0; j < n; j++) {
        const char *s = config_setting_get_string_elem(b, (unsigned)j);
        hits += s && strcmp(s, BRANCHES_NATIONAL) == 0;
    }
    *national = hits == 1 && n == 1;
    return hits && !*national ? -1 : 0;
}

/* branches = ["pbc-..."]: copied as given; checked against the registry later.
 * branches = ["national"]: a head office (national set, no branch ids stored). */
static int load_branches(entry *e, const config_setting_t *g, const char *path, size_t i,
                         char *err, size_t errlen)
{
    const config_setting_t *b = config_setting_get_member(g, "branches");
    if (!b)
        return 0;
    if (e->pub.kind != GFDX_PK_BANK) {
        entry_err(err, errlen, path, i, e->id, "branches are only for banks");
        return -1;
    }
    if (!config_setting_is_array(b) && !config_setting_is_list(b)) {
        entry_err(err, errlen, path, i, e->id, "branches is not an array of ids");
        return -1;
    }
    size_t n = (size_t)config_setting_length(b);
    if (branches_are_national(b, n, &e->pub.national) != 0) {
        entry_err(err, errlen, path, i, e->id,
                  "\"national\" (a head office) is not mixed with branch ids");
        return -1;
    }
    if (e->pub.national)
        return 0;
    if (n && !(e->branches = calloc(n, sizeof *e->branches))) {
        entry_err(err, errlen, path, i, e->id, "out of memory");
        return -1;
    }
    for (size_t j = 0; j < n; j++) {
        const char *s = config_setting_get_string_elem(b, (unsigned)j);
        if (!s) {
            entry_err(err, errlen, path, i, e->id, "branches[%zu] is not a string", j);
            return -1;
        }
        if (!(e->branches[j] = strdup(s))) {
            entry_err(err, errlen, path, i, e->id, "out of memory");
            return -1;
        }
        e->pub.n_branches = j + 1;
    }
    e->pub.branches = (const char *const *)e->branches;
    return 0;
}

/* "User:" and 1..PRINCIPAL_MAX-6 characters of [A-Za-z0-9._@=,+-]: a SCRAM user name or a
 * TLS distinguished name as Kafka's default principal builder writes it. */
static bool principal_is_well_formed(const char *s)
{
    if (strncmp(s, "User:", 5) != 0 || !s[5] || strlen(s) >= PRINCIPAL_MAX)
        return false;
    for (s += 5; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("._@=,+-", *s)))
            return false;
    return true;
}

/* principal = "User:..."; default "User:<id>". */
static int load_principal(entry *e, const config_setting_t *g, const char *path, size_t i,
                          char *err, size_t errlen)
{
    const char *given = get_string(g, "principal");
    char dflt[ID_MAX + 8];
    if (config_setting_get_member(g, "principal") && (!given || !principal_is_well_formed(given))) {
        entry_err(err, errlen, path, i, e->id,
                  "principal must be \"User:<name>\" (name: [A-Za-z0-9._@=,+-], < %d chars)",
                  PRINCIPAL_MAX);
        return -1;
    }
    snprintf(dflt, sizeof dflt, "User:%s", e->id);
    if (!(e->principal = strdup(given ? given : dflt))) {
        entry_err(err, errlen, path, i, e->id, "out of memory");
        return -1;
    }
    e->pub.principal = e->principal;
    return 0;
}

/* A kid: 1..GFDX_SIGN_MAX_KID-1 characters of [A-Za-z0-9._#:-] (what `gfdx keys` accepts). */
static bool kid_is_well_formed(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= GFDX_SIGN_MAX_KID)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("._#:-", *s)))
            return false;
    return true;
}

/* One { kid; alg; public_key; not_before; not_after; } into k; the verifier is built here.
 * Returns NULL, or why it is refused (why_buf may hold the text). */
static const char *load_key(gfdx_participant_key *k, const config_setting_t *g, char *why_buf, size_t why_len)
{
    if (!config_setting_is_group(g))
        return "not a group { kid = ...; alg = ...; ... }";
    const char *bad = unknown_setting(g, key_keys, sizeof key_keys / sizeof key_keys[0]);
    if (bad) {
        snprintf(why_buf, why_len, "unknown setting \"%s\"", bad);
        return why_buf;
    }
    const char *kid = get_string(g, "kid"), *alg = get_string(g, "alg"), *pub = get_string(g, "public_key");
    const char *nb = get_string(g, "not_before"), *na = get_string(g, "not_after");
    if (!kid || !kid_is_well_formed(kid))
        return "kid missing or not 1-127 chars of [A-Za-z0-9._#:-]";
    if (!(k->kid = strdup(kid)))
        return "out of memory";
    if (gfdx_sign_alg_parse(alg, &k->alg) != 0)
        return "alg must be \"ed25519\" or \"sm2\"";
    if (!nb || !na || gfdx_sign_validity_parse(nb, na, &k->from_ms, &k->until_ms, why_buf, why_len) != 0)
        return nb && na ? why_buf : "not_before and not_after (\"YYYY-MM-DD\") are required";
    if (!pub || !(k->verifier = gfdx_sign_verifier_new(k->alg, pub, why_buf, why_len)))
        return pub ? why_buf : "missing public_key";
    return NULL;
}

/* keys = ( {...}, ... ): optional; each key loaded and its verifier built. */
static int load_keys(entry *e, const config_setting_t *g, const char *path, size_t i, char *err, size_t errlen)
{
    const config_setting_t *ks = config_setting_get_member(g, "keys");
    if (!ks)
        return 0;
    if (!config_setting_is_list(ks)) {
        entry_err(err, errlen, path, i, e->id, "keys is not a list ( { kid = ...; ... }, ... )");
        return -1;
    }
    size_t n = (size_t)config_setting_length(ks);
    if (n && !(e->keys = calloc(n, sizeof *e->keys))) {
        entry_err(err, errlen, path, i, e->id, "out of memory");
        return -1;
    }
    for (size_t j = 0; j < n; j++) {
        char why_buf[256] = "";
        e->pub.n_keys = j + 1; /* so a failed key's strings are freed */
        const char *why = load_key(&e->keys[j], config_setting_get_elem(ks, (unsigned)j), why_buf, sizeof why_buf);
        if (why) {
            entry_err(err, errlen, path, i, e->id, "keys[%zu]: %s", j, why);
            return -1;
        }
    }
    e->pub.keys = e->keys;
    return 0;
}

/* liaison = { name; phone; email; } (optional): name and a phone or an email, each a
 * non-empty string of at most NAME_MAX bytes; copied into e->liaison. */
static int load_liaison(entry *e, const config_setting_t *g, const char *path, size_t i,
                        char *err, size_t errlen)
{
    const config_setting_t *l = config_setting_get_member(g, "liaison");
    if (!l)
        return 0;
    const char *bad = config_setting_is_group(l) ? unknown_setting(l, liaison_keys, 3) : "(not a group)";
    if (bad) {
        entry_err(err, errlen, path, i, e->id, "liaison: unknown setting \"%s\"", bad);
        return -1;
    }
    for (size_t k = 0; k < 3; k++) {
        const char *v = get_string(l, liaison_keys[k]);
        if (config_setting_get_member(l, liaison_keys[k]) && (!v || !*v || strlen(v) > LIAISON_MAX)) {
            entry_err(err, errlen, path, i, e->id, "liaison.%s: a string of 1-%d bytes", liaison_keys[k], LIAISON_MAX);
            return -1;
        }
        if (v && !(e->liaison[k] = strdup(v))) {
            entry_err(err, errlen, path, i, e->id, "out of memory");
            return -1;
        }
    }
    if (!e->liaison[0] || (!e->liaison[1] && !e->liaison[2])) {
        entry_err(err, errlen, path, i, e->id, "liaison needs a name and a phone or an email");
        return -1;
    }
    e->pub.liaison_name = e->liaison[0];
    e->pub.liaison_phone = e->liaison[1];
    e->pub.liaison_email = e->liaison[2];
    return 0;
}

static int load_entry(entry *e, const config_setting_t *g, const char *path, size_t i,
                      char *err, size_t errlen)
{
    if (!config_setting_is_group(g)) {
        entry_err(err, errlen, path, i, NULL, "not a group { id = ...; kind = ...; }");
        return -1;
    }
    const char *id = get_string(g, "id"), *name = get_string(g, "name"), *bad;
    if (!id || !id_is_well_formed(id)) {
        entry_err(err, errlen, path, i, NULL, "id missing or not 1-%d chars of [A-Za-z0-9._-]",
                  ID_MAX);
        return -1;
    }
    if (!(e->id = strdup(id))) {
        entry_err(err, errlen, path, i, NULL, "out of memory");
        return -1;
    }
    e->pub.id = e->id;
    if ((bad = unknown_setting(g, entry_keys, sizeof entry_keys / sizeof entry_keys[0]))) {
        entry_err(err, errlen, path, i, id, "unknown setting \"%s\"", bad);
        return -1;
    }
    if (!name || !*name) {
        entry_err(err, errlen, path, i, id, "missing name");
        return -1;
    }
    if (!(e->name = strdup(name))) {
        entry_err(err, errlen, path, i, id, "out of memory");
        return -1;
    }
    e->pub.name = e->name;
    if (load_kind_region(e, g, path, i, err, errlen) != 0 ||
        load_principal(e, g, path, i, err, errlen) != 0)
        return -1;
    if (load_branches(e, g, path, i, err, errlen) != 0)
        return -1;
    if (load_keys(e, g, path, i, err, errlen) != 0)
        return -1;
    return load_liaison(e, g, path, i, err, errlen);
}

/* ---- registry-wide checks ---- */

static int cmp_by_id(const void *a, const void *b)
{
    const id_row *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Builds the id index; fails on the later of two entries sharing an id. */
static int build_index(gfdx_registry *reg, const char *path, char *err, size_t errlen)
{
    if (!(reg->by_id = calloc(reg->n, sizeof *reg->by_id))) {
        gfdx_errf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (size_t i = 0; i < reg->n; i++)
        reg->by_id[i] = (id_row){reg->entries[i].id, i};
    qsort(reg->by_id, reg->n, sizeof *reg->by_id, cmp_by_id);
    for (size_t k = 1; k < reg->n; k++)
        if (strcmp(reg->by_id[k - 1].id, reg->by_id[k].id) == 0) {
            entry_err(err, errlen, path, reg->by_id[k].idx, reg->by_id[k].id,
                      "duplicate id (first at participants[%zu])", reg->by_id[k - 1].idx);
            return -1;
        }
    return 0;
}

static int cmp_by_kid(const void *a, const void *b)
{
    return strcmp(((const kid_row *)a)->kid, ((const kid_row *)b)->kid);
}

/* Builds the kid index; fails on a kid given twice (in one participant or two). */
static int build_kid_index(gfdx_registry *reg, const char *path, char *err, size_t errlen)
{
    size_t n = 0;
    for (size_t i = 0; i < reg->n; i++)
        n += reg->entries[i].pub.n_keys;
    if (n == 0)
        return 0;
    if (!(reg->by_kid = calloc(n, sizeof *reg->by_kid))) {
        gfdx_errf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (size_t i = 0; i < reg->n; i++)
        for (size_t j = 0; j < reg->entries[i].pub.n_keys; j++)
            reg->by_kid[reg->n_kids++] = (kid_row){reg->entries[i].keys[j].kid, &reg->entries[i].keys[j], i};
    qsort(reg->by_kid, n, sizeof *reg->by_kid, cmp_by_kid);
    for (size_t k = 1; k < n; k++)
        if (strcmp(reg->by_kid[k - 1].kid, reg->by_kid[k].kid) == 0) {
            size_t a = reg->by_kid[k - 1].owner, b = reg->by_kid[k].owner;
            entry_err(err, errlen, path, a > b ? a : b, reg->entries[a > b ? a : b].id,
                      "kid \"%s\" given twice (also participants[%zu])", reg->by_kid[k].kid, a > b ? b : a);
            return -1;
        }
    return 0;
}

static int check_bank_branches(const gfdx_registry *reg, const char *path, char *err,
                               size_t errlen)
{
    for (size_t i = 0; i < reg->n; i++) {
        const gfdx_participant *p = &reg->entries[i].pub;
        for (size_t j = 0; j < p->n_branches; j++) {
            const gfdx_participant *b = gfdx_registry_find(reg, p->branches[j]);
            if (!b || b->kind != GFDX_PK_PBOC_BRANCH) {
                entry_err(err, errlen, path, i, p->id, "branch \"%s\" is not a pboc_branch",
                          p->branches[j]);
                return -1;
            }
            for (size_t k = 0; k < j; k++)
                if (strcmp(p->branches[k], p->branches[j]) == 0) {
                    entry_err(err, errlen, path, i, p->id, "branch \"%s\" listed twice",
                              p->branches[j]);
                    return -1;
                }
        }
    }
    return 0;
}

/* Two participants with one principal would each get the other's ACLs. O(n^2): n < 1000. */
static int check_principals(const gfdx_registry *reg, const char *path, char *err, size_t errlen)
{
    for (size_t i = 0; i < reg->n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(reg->entries[i].principal, reg->entries[j].principal) == 0) {
                entry_err(err, errlen, path, i, reg->entries[i].id,
                          "principal \"%s\" is also participants[%zu]'s", reg->entries[i].principal,
                          j);
                return -1;
            }
    return 0;
}

static int load_all(gfdx_registry *reg, const config_t *cfg, const char *path, char *err,
                    size_t errlen)
{
    const config_setting_t *list = config_lookup(cfg, "participants");
    if (!list || !config_setting_is_list(list) || config_setting_length(list) == 0) {
        gfdx_errf(err, errlen, "%s: missing or empty list `participants = ( {...}, ... );`", path);
        return -1;
    }
    size_t n = (size_t)config_setting_length(list);
    if (!(reg->entries = calloc(n, sizeof *reg->entries))) {
        gfdx_errf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        reg->n = i + 1; /* so a failed entry's partial strings are freed */
        if (load_entry(&reg->entries[i], config_setting_get_elem(list, (unsigned)i), path, i,
                       err, errlen) != 0)
            return -1;
    }
    if (build_index(reg, path, err, errlen) != 0 || check_principals(reg, path, err, errlen) != 0 ||
        build_kid_index(reg, path, err, errlen) != 0)
        return -1;
    return check_bank_branches(reg, path, err, errlen);
}

gfdx_registry *gfdx_registry_load(const char *path, char *err, size_t errlen)
{
    if (!path) {
        gfdx_errf(err, errlen, "participants: no file given");
        return NULL;
    }
    config_t cfg;
    config_init(&cfg);
    gfdx_registry *reg = NULL;
    if (config_read_file(&cfg, path) != CONFIG_TRUE) {
        gfdx_errf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
                config_error_text(&cfg));
        goto fail;
    }
    if (!(reg = calloc(1, sizeof *reg))) {
        gfdx_errf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    if (load_all(reg, &cfg, path, err, errlen) != 0)
        goto fail;
    config_destroy(&cfg);
    return reg;
fail:
    gfdx_registry_free(reg);
    config_destroy(&cfg);
    return NULL;
}

/* ---- queries ---- */

const gfdx_participant *gfdx_registry_find(const gfdx_registry *reg, const char *id)
{
    if (!reg || !id || !reg->by_id)
        return NULL;
    size_t lo = 0, hi = reg->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(id, reg->by_id[mid].id);
        if (c == 0)
            return &reg->entries[reg->by_id[mid].idx].pub;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const gfdx_participant *gfdx_registry_find_principal(const gfdx_registry *reg,
                                                    const char *principal)
{
    for (size_t i = 0; reg && principal && i < reg->n; i++)
        if (strcmp(reg->entries[i].principal, principal) == 0)
            return &reg->entries[i].pub;
    return NULL;
}

const gfdx_participant_key *gfdx_registry_find_key(const gfdx_registry *reg, const char *kid,
                                                   const gfdx_participant **owner)
{
    size_t lo = 0, hi = reg && kid ? reg->n_kids : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(kid, reg->by_kid[mid].kid);
        if (c == 0) {
            if (owner)
                *owner = &reg->entries[reg->by_kid[mid].owner].pub;
            return reg->by_kid[mid].key;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

gfdx_authn gfdx_registry_authenticate(const gfdx_registry *reg, const char *sender, const char *kid,
                                      const void *key, size_t key_len, const void *value, size_t value_len,
                                      const unsigned char *sig, size_t sig_len, int64_t now_ms, char *err,
                                      size_t errlen)
{
    const gfdx_participant *owner = NULL;
    if (!kid || !*kid || !sig || sig_len == 0)
        return GFDX_AUTHN_UNSIGNED;
    const gfdx_participant_key *k = gfdx_registry_find_key(reg, kid, &owner);
    if (!k)
        return GFDX_AUTHN_UNKNOWN_KEY;
    if (!sender || strcmp(owner->id, sender) != 0)
        return GFDX_AUTHN_KEY_NOT_OF_SENDER;
    if (now_ms < k->from_ms || now_ms >= k->until_ms)
        return GFDX_AUTHN_KEY_EXPIRED;
    switch (gfdx_sign_verify(k->verifier, key, key_len, value, value_len, sig, sig_len, err, errlen)) {
    case GFDX_SIGN_OK: return GFDX_AUTHN_OK;
    case GFDX_SIGN_BAD_SIGNATURE: return GFDX_AUTHN_BAD_SIGNATURE;
    default: return GFDX_AUTHN_ERROR;
    }
}

const char *gfdx_authn_name(gfdx_authn a)
{
    switch (a) {
    case GFDX_AUTHN_OK: return "OK";
    case GFDX_AUTHN_UNSIGNED: return "UNSIGNED";
    case GFDX_AUTHN_UNKNOWN_KEY: return "UNKNOWN_KEY";
    case GFDX_AUTHN_KEY_NOT_OF_SENDER: return "KEY_NOT_OF_SENDER";
    case GFDX_AUTHN_KEY_EXPIRED: return "KEY_EXPIRED";
    case GFDX_AUTHN_BAD_SIGNATURE: return "BAD_SIGNATURE";
    default: return "ERROR";
    }
}

size_t gfdx_registry_count(const gfdx_registry *reg)
{
    return reg ? reg->n : 0;
}

const gfdx_participant *gfdx_registry_at(const gfdx_registry *reg, size_t i)
{
    return reg && i < reg->n ? &reg->entries[i].pub : NULL;
}

size_t gfdx_registry_banks_of_branch(const gfdx_registry *reg, const char *branch_id,
                                     const gfdx_participant **out, size_t max)
{
    size_t found = 0;
    for (size_t i = 0; reg && branch_id && i < reg->n; i++) {
        const gfdx_participant *p = &reg->entries[i].pub;
        if (p->kind != GFDX_PK_BANK)
            continue;
        for (size_t j = 0; j < p->n_branches; j++)
            if (strcmp(p->branches[j], branch_id) == 0) {
                if (out && found < max)
                    out[found] = p;
                found++;
                break;
            }
    }
    return found;
}

size_t gfdx_registry_head_offices(const gfdx_registry *reg, const gfdx_participant **out,
                                  size_t max)
{
    size_t found = 0;
    for (size_t i = 0; reg && i < reg->n; i++) {
        const gfdx_participant *p = &reg->entries[i].pub;
        if (p->kind != GFDX_PK_BANK || !p->national)
            continue;
        if (out && found < max)
            out[found] = p;
        found++;
    }
    return found;
}

/* ---- authorization ---- */

bool gfdx_auth_is_kind(const gfdx_participant *p, gfdx_participant_kind k)
{
    return p && p->kind == k;
}

bool gfdx_auth_is_bureau(const gfdx_participant *p, gfdx_bureau b)
{
    return p && p->kind == GFDX_PK_DISTRICT_BUREAU && b != GFDX_BUREAU_NONE && p->bureau == b;
}

bool gfdx_auth_is_province_authority_of(const gfdx_participant *p, const char *province_code)
{
    char mine[7], theirs[7];
    if (!gfdx_auth_is_kind(p, GFDX_PK_PROVINCE_AUTHORITY) || !gfdx_region_is_province(p->region))
        return false; /* a 计划单列市's or the 兵团's authority is no province's */
    if (gfdx_region_province_of(p->region, mine) != 0 ||
        gfdx_region_province_of(province_code, theirs) != 0)
        return false;
    return strcmp(mine, theirs) == 0;
}

bool gfdx_auth_is_area_authority_of(const gfdx_participant *p, const char *location_region)
{
    char area[7];
    return gfdx_auth_is_kind(p, GFDX_PK_PROVINCE_AUTHORITY) &&
           gfdx_region_authority_area_of(location_region, area) == 0 && strcmp(p->region, area) == 0;
}
