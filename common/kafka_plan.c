/* kafka_plan.c: topics and ACLs from topics.cfg and the registry. See kafka_plan.h. */
#include "kafka_plan.h"

#include "region.h"

#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC_NAME_MAX 249
#define MAX_PARTITIONS 10000

typedef struct {
    char *service, *principal;
} daemon_row;

/* Builder state: the plan being filled, the daemons seen, where errors go. */
typedef struct {
    gfdx_kafka_plan *plan;
    size_t cap_topics, cap_acls;
    daemon_row *daemons;
    size_t n_daemons;
    const gfdx_registry *reg;
    const char *path;
    char *err;
    size_t errlen;
} builder;

static const char *const topic_keys[] = {"name",    "partitions", "input",     "configs",
                                         "writers", "readers",    "emitted_by"};

static int fail(builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets "<path>: <message>" and returns -1. */
static int fail(builder *b, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(b->err, b->errlen, "%s: %s", b->path, msg);
    return -1;
}

/* ---- names ---- */

const char *gfdx_kafka_plan_op_name(rd_kafka_AclOperation_t op)
{
    switch (op) {
    case RD_KAFKA_ACL_OPERATION_READ: return "Read";
    case RD_KAFKA_ACL_OPERATION_WRITE: return "Write";
    case RD_KAFKA_ACL_OPERATION_DESCRIBE: return "Describe";
    case RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE: return "IdempotentWrite";
    case RD_KAFKA_ACL_OPERATION_ALL: return "All";
    default: return rd_kafka_AclOperation_name(op);
    }
}

const char *gfdx_kafka_plan_restype_name(rd_kafka_ResourceType_t restype)
{
    switch (restype) {
    case RD_KAFKA_RESOURCE_TOPIC: return "topic";
    case RD_KAFKA_RESOURCE_GROUP: return "group";
    case RD_KAFKA_RESOURCE_BROKER: return "cluster";
    default: return rd_kafka_ResourceType_name(restype);
    }
}

const char *gfdx_kafka_plan_pattern_name(rd_kafka_ResourcePatternType_t pattern)
{
    return pattern == RD_KAFKA_RESOURCE_PATTERN_PREFIXED ? "prefixed" : "literal";
}

/* ---- freeing ---- */

static void kv_release(gfdx_kvlist *kv)
{
    for (size_t i = 0; i < kv->count; i++) {
        free(kv->items[i].key);
        free(kv->items[i].value);
    }
    free(kv->items);
}

void gfdx_kafka_plan_free(gfdx_kafka_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; i < plan->n_topics; i++) {
        free(plan->topics[i].name);
        kv_release(&plan->topics[i].configs);
    }
    for (size_t i = 0; i < plan->n_acls; i++) {
        free(plan->acls[i].principal);
        free(plan->acls[i].name);
    }
    free(plan->topics);
    free(plan->acls);
    free(plan);
}

/* ---- adding ---- */

static bool topic_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > TOPIC_NAME_MAX)
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The planned topic `name`, added with `partitions` if it is not planned yet. NULL when out
 * of memory. An existing topic keeps its partitions: the explicit entry wins. */
static gfdx_plan_topic *add_topic(builder *b, const char *name, int partitions)
{
    gfdx_kafka_plan *p = b->plan;
    for (size_t i = 0; i < p->n_topics; i++)
        if (strcmp(p->topics[i].name, name) == 0)
            return &p->topics[i];
    if (p->n_topics == b->cap_topics) {
        size_t cap = b->cap_topics ? 2 * b->cap_topics : 64;
        gfdx_plan_topic *grown = realloc(p->topics, cap * sizeof *grown);
        if (!grown)
            return NULL;
        p->topics = grown;
        b->cap_topics = cap;
    }
    gfdx_plan_topic *t = &p->topics[p->n_topics];
    *t = (gfdx_plan_topic){.name = strdup(name), .partitions = partitions};
    if (!t->name)
        return NULL;
    p->n_topics++;
    return t;
}

/* Sets key=value on t (replacing an earlier value of key). */
static int topic_config(gfdx_plan_topic *t, const char *key, const char *value)
{
    for (size_t i = 0; i < t->configs.count; i++)
        if (strcmp(t->configs.items[i].key, key) == 0) {
            char *v = strdup(value);
            if (!v)
                return -1;
            free(t->configs.items[i].value);
            t->configs.items[i].value = v;
            return 0;
        }
    gfdx_kv *grown = realloc(t->configs.items, (t->configs.count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    t->configs.items = grown;
    gfdx_kv *kv = &grown[t->configs.count];
    kv->key = strdup(key);
    kv->value = strdup(value);
    t->configs.count++;
    return kv->key && kv->value ? 0 : -1;
}

static int add_acl(builder *b, const char *principal, rd_kafka_ResourceType_t restype,
                   rd_kafka_ResourcePatternType_t pattern, const char *name,
                   rd_kafka_AclOperation_t op)
{
    gfdx_kafka_plan *p = b->plan;
    if (p->n_acls == b->cap_acls) {
        size_t cap = b->cap_acls ? 2 * b->cap_acls : 256;
        gfdx_plan_acl *grown = realloc(p->acls, cap * sizeof *grown);
        if (!grown)
            return fail(b, "out of memory");
        p->acls = grown;
        b->cap_acls = cap;
    }
    gfdx_plan_acl *a = &p->acls[p->n_acls];
    *a = (gfdx_plan_acl){strdup(principal), restype, pattern, strdup(name), op};
    p->n_acls++; /* freed with the plan even when a strdup failed */
    return a->principal && a->name ? 0 : fail(b, "out of memory");
}

static int add_topic_acl(builder *b, const char *principal, const char *topic,
                         rd_kafka_AclOperation_t op)
{
    return add_acl(b, principal, RD_KAFKA_RESOURCE_TOPIC, RD_KAFKA_RESOURCE_PATTERN_LITERAL, topic,
                   op);
}

/* ---- daemons ---- */

static const daemon_row *find_daemon(const builder *b, const char *service)
{
    for (size_t i = 0; i < b->n_daemons; i++)
        if (strcmp(b->daemons[i].service, service) == 0)
            return &b->daemons[i];
    return NULL;
}

/* Path of `rel` next to the topics file (absolute paths kept). */
static void sibling_path(const char *topics_path, const char *rel, char *out, size_t outlen)
{
    const char *slash = strrchr(topics_path, '/');
    if (rel[0] == '/' || !slash)
        snprintf(out, outlen, "%s", rel);
    else
        snprintf(out, outlen, "%.*s/%s", (int)(slash - topics_path), topics_path, rel);
}

/* The ACLs of one daemon from its own configuration file. */
static int daemon_acls(builder *b, const char *principal, const char *cfg_path)
{
    gfdx_daemon_config dc;
    char why[512];
    if (gfdx_config_load_daemon(cfg_path, &dc, why, sizeof why) != 0) {
        gfdx_config_release_daemon(&dc);
        return fail(b, "daemon configuration %s: %s", cfg_path, why);
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < dc.topics.count; i++)
        rc = add_topic_acl(b, principal, dc.topics.items[i], RD_KAFKA_ACL_OPERATION_READ);
    if (rc == 0) /* prefixed: its instances' and reference runs' groups (gfdx-feedback-ref) */
        rc = add_acl(b, principal, RD_KAFKA_RESOURCE_GROUP, RD_KAFKA_RESOURCE_PATTERN_PREFIXED,
                     dc.group_id, RD_KAFKA_ACL_OPERATION_READ);
    if (rc == 0)
        rc = add_acl(b, principal, RD_KAFKA_RESOURCE_BROKER, RD_KAFKA_RESOURCE_PATTERN_LITERAL,
                     GFDX_KAFKA_CLUSTER, RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE);
    gfdx_config_release_daemon(&dc);
    return rc;
}

static int load_daemon(builder *b, const config_setting_t *g, int i)
{
    const char *service = NULL, *principal = NULL, *cfg = NULL;
    config_setting_lookup_string(g, "service", &service);
    config_setting_lookup_string(g, "principal", &principal);
    config_setting_lookup_string(g, "config", &cfg);
    if (!service || !principal || !cfg)
        return fail(b, "daemons[%d]: needs service, principal and config", i);
    if (strncmp(principal, "User:", 5) != 0 || !principal[5])
        return fail(b, "daemons[%d] (%s): principal must be \"User:<name>\"", i, service);
    if (find_daemon(b, service))
        return fail(b, "daemons[%d]: service \"%s\" listed twice", i, service);
    const gfdx_participant *clash = gfdx_registry_find_principal(b->reg, principal);
    if (clash)
        return fail(b, "daemons[%d] (%s): principal %s is participant %s's", i, service, principal,
                    clash->id);
    for (size_t k = 0; k < b->n_daemons; k++)
        if (strcmp(b->daemons[k].principal, principal) == 0)
            return fail(b, "daemons[%d] (%s): principal %s is also %s's", i, service, principal,
                        b->daemons[k].service);
    daemon_row *row = &b->daemons[b->n_daemons];
    row->service = strdup(service);
    row->principal = strdup(principal);
    b->n_daemons++;
    if (!row->service || !row->principal)
        return fail(b, "out of memory");
    char path[1024];
    sibling_path(b->path, cfg, path, sizeof path);
    return daemon_acls(b, principal, path);
}

static int load_daemons(builder *b, const config_t *cf)
{
    const config_setting_t *list = config_lookup(cf, "daemons");
    if (!list || !config_setting_is_list(list) || config_setting_length(list) == 0)
        return fail(b, "missing list `daemons = ( { service = ...; principal = ...; config = ...; } );`");
    int n = config_setting_length(list);
    if (!(b->daemons = calloc((size_t)n, sizeof *b->daemons)))
        return fail(b, "out of memory");
    for (int i = 0; i < n; i++)
        if (load_daemon(b, config_setting_get_elem(list, (unsigned)i), i) != 0)
            return -1;
    return 0;
}

/* ---- string lists of an entry: kinds and services ---- */

/* Each element of setting `key` of g (absent = none) as a participant kind: ACL op on topic
 * for every participant of that kind. */
static int kind_acls(builder *b, const config_setting_t *g, const char *key, const char *topic,
                     rd_kafka_AclOperation_t op, const char *where)
{
    const config_setting_t *l = config_setting_get_member(g, key);
    for (int j = 0; l && j < config_setting_length(l); j++) {
        const char *s = config_setting_get_string_elem(l, (unsigned)j);
        gfdx_participant_kind k;
        if (gfdx_participant_kind_parse(s, &k) != 0)
            return fail(b, "%s: %s: unknown kind \"%s\"", where, key, s ? s : "");
        for (size_t i = 0; i < gfdx_registry_count(b->reg); i++) {
            const gfdx_participant *p = gfdx_registry_at(b->reg, i);
            if (p->kind == k && add_topic_acl(b, p->principal, topic, op) != 0)
                return -1;
        }
    }
    return 0;
}

/* emitted_by = [services]: Write on name (LITERAL or PREFIXED) for each daemon. */
static int emitter_acls(builder *b, const config_setting_t *g, const char *name,
                        rd_kafka_ResourcePatternType_t pattern, const char *where)
{
    const config_setting_t *l = config_setting_get_member(g, "emitted_by");
    for (int j = 0; l && j < config_setting_length(l); j++) {
        const char *s = config_setting_get_string_elem(l, (unsigned)j);
        const daemon_row *d = s ? find_daemon(b, s) : NULL;
        if (!d)
            return fail(b, "%s: emitted_by: \"%s\" is not in daemons", where, s ? s : "");
        if (add_acl(b, d->principal, RD_KAFKA_RESOURCE_TOPIC, pattern, name,
                    RD_KAFKA_ACL_OPERATION_WRITE) != 0)
            return -1;
    }
    return 0;
}

/* ---- topics ---- */

static const char *unknown_topic_key(const config_setting_t *g)
{
    for (int j = 0; j < config_setting_length(g); j++) {
        const char *name = config_setting_name(config_setting_get_elem(g, (unsigned)j));
        bool known = false;
        for (size_t k = 0; k < sizeof topic_keys / sizeof topic_keys[0]; k++)
            known = known || (name && strcmp(name, topic_keys[k]) == 0);
        if (!known)
            return name ? name : "(unnamed)";
    }
    return NULL;
}

/* configs = (("key", "value"), ...) and input = true onto t. */
static int topic_configs(builder *b, const config_setting_t *g, gfdx_plan_topic *t,
                         const char *where)
{
    int input = 0;
    config_setting_lookup_bool(g, "input", &input);
    if (input && topic_config(t, "message.timestamp.type", "LogAppendTime") != 0)
        return fail(b, "out of memory");
    const config_setting_t *l = config_setting_get_member(g, "configs");
    for (int j = 0; l && j < config_setting_length(l); j++) {
        const config_setting_t *pair = config_setting_get_elem(l, (unsigned)j);
        const char *k = config_setting_get_string_elem(pair, 0);
        const char *v = config_setting_get_string_elem(pair, 1);
        if (!k || !v || config_setting_length(pair) != 2)
            return fail(b, "%s: configs[%d] is not (\"key\", \"value\")", where, j);
        if (topic_config(t, k, v) != 0)
            return fail(b, "out of memory");
    }
    return 0;
}

static int load_topic(builder *b, const config_setting_t *g, int i)
{
    const char *name = NULL, *bad;
    int partitions = 0;
    char where[300];
    if (!config_setting_is_group(g) || !config_setting_lookup_string(g, "name", &name) ||
        !topic_name_ok(name))
        return fail(b, "topics[%d]: needs name = \"...\" of [A-Za-z0-9._-], at most %d chars", i,
                    TOPIC_NAME_MAX);
    snprintf(where, sizeof where, "topics[%d] (%s)", i, name);
    if ((bad = unknown_topic_key(g)))
        return fail(b, "%s: unknown setting \"%s\"", where, bad);
    if (!config_setting_lookup_int(g, "partitions", &partitions) || partitions < 1 ||
        partitions > MAX_PARTITIONS)
        return fail(b, "%s: partitions must be 1..%d", where, MAX_PARTITIONS);
    if (gfdx_kafka_plan_topic(b->plan, name))
        return fail(b, "%s: listed twice", where);
    gfdx_plan_topic *t = add_topic(b, name, partitions);
    if (!t)
        return fail(b, "out of memory");
    if (topic_configs(b, g, t, where) != 0 ||
        kind_acls(b, g, "writers", name, RD_KAFKA_ACL_OPERATION_WRITE, where) != 0 ||
        kind_acls(b, g, "readers", name, RD_KAFKA_ACL_OPERATION_READ, where) != 0)
        return -1;
    if (config_setting_get_member(g, "writers") && config_setting_get_member(g, "emitted_by"))
        return fail(b, "%s: a topic a daemon emits has no participant writers", where);
    return emitter_acls(b, g, name, RD_KAFKA_RESOURCE_PATTERN_LITERAL, where);
}

static int load_topics(builder *b, const config_t *cf)
{
    const config_setting_t *list = config_lookup(cf, "topics");
    if (!list || !config_setting_is_list(list) || config_setting_length(list) == 0)
        return fail(b, "missing list `topics = ( { name = ...; partitions = ...; }, ... );`");
    for (int i = 0; i < config_setting_length(list); i++)
        if (load_topic(b, config_setting_get_elem(list, (unsigned)i), i) != 0)
            return -1;
    return 0;
}

/* ---- addressed topics ---- */

/* Topic prefix+suffix (created if not planned) readable by principal. */
static int addressed_to(builder *b, const char *prefix, const char *suffix, int partitions,
                        const char *principal)
{
    char name[TOPIC_NAME_MAX + 2];
    if ((size_t)snprintf(name, sizeof name, "%s%s", prefix, suffix) > TOPIC_NAME_MAX)
        return fail(b, "addressed topic %s%s: longer than %d chars", prefix, suffix,
                    TOPIC_NAME_MAX);
    if (!add_topic(b, name, partitions))
        return fail(b, "out of memory");
    return principal ? add_topic_acl(b, principal, name, RD_KAFKA_ACL_OPERATION_READ) : 0;
}

/* A branch's dispatch topic: read by the branch, by the banks that list it and by every
 * national head office (gfdx-push dispatches each need to them too, on the branch's topic). */
static int address_branch(builder *b, const char *prefix, int partitions,
                          const gfdx_participant *br)
{
    if (addressed_to(b, prefix, br->id, partitions, br->principal) != 0)
        return -1;
    size_t n = gfdx_registry_banks_of_branch(b->reg, br->id, NULL, 0);
    const gfdx_participant **banks = n ? calloc(n, sizeof *banks) : NULL;
    if (n && !banks)
        return fail(b, "out of memory");
    gfdx_registry_banks_of_branch(b->reg, br->id, banks, n);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = addressed_to(b, prefix, br->id, partitions, banks[i]->principal);
    free(banks);
    for (size_t i = 0; rc == 0 && i < gfdx_registry_count(b->reg); i++) {
        const gfdx_participant *p = gfdx_registry_at(b->reg, i);
        if (p->kind == GFDX_PK_BANK && p->national)
            rc = addressed_to(b, prefix, br->id, partitions, p->principal);
    }
    return rc;
}

/* A province's coordination topic: read by its authorities and the branches within it. */
static int address_province(builder *b, const char *prefix, int partitions,
                            const gfdx_participant *p)
{
    char prov[7], other[7];
    if (gfdx_region_province_of(p->region, prov) != 0)
        return 0;
    for (size_t i = 0; i < gfdx_registry_count(b->reg); i++) {
        const gfdx_participant *q = gfdx_registry_at(b->reg, i);
        bool serves = q->kind == GFDX_PK_PROVINCE_AUTHORITY || q->kind == GFDX_PK_PBOC_BRANCH;
        if (serves && gfdx_region_province_of(q->region, other) == 0 && !strcmp(prov, other) &&
            addressed_to(b, prefix, prov, partitions, q->principal) != 0)
            return -1;
    }
    return 0;
}

/* A district bureau reads the district topic of its region and of every region covering it
 * (its city xxxx00, its province xx0000, the nation 100000): NameListChanged and
 * ReportForwarded of a list go to the topic of the list's region. */
static int address_district(builder *b, const char *prefix, int partitions,
                            const gfdx_participant *p)
{
    char r[4][7];
    snprintf(r[0], 7, "%.6s", p->region);
    snprintf(r[1], 7, "%.4s00", p->region);
    snprintf(r[2], 7, "%.2s0000", p->region);
    snprintf(r[3], 7, "100000");
    for (int i = 0; i < 4; i++)
        if ((i == 0 || strcmp(r[i], r[i - 1])) && addressed_to(b, prefix, r[i], partitions, p->principal) != 0)
            return -1;
    return 0;
}

static int address_one(builder *b, const char *to, const char *prefix, int partitions,
                       const gfdx_participant *p)
{
    if (!strcmp(to, "district"))
        return p->kind == GFDX_PK_DISTRICT_BUREAU ? address_district(b, prefix, partitions, p) : 0;
    if (!strcmp(to, "participant"))
        return addressed_to(b, prefix, p->id, partitions, p->principal);
    if (!strcmp(to, "branch"))
        return p->kind == GFDX_PK_PBOC_BRANCH ? address_branch(b, prefix, partitions, p) : 0;
    if (!strcmp(to, "branch_only")) /* the branch alone: no bank reads its alerts */
        return p->kind == GFDX_PK_PBOC_BRANCH ? addressed_to(b, prefix, p->id, partitions, p->principal) : 0;
    bool serves = p->kind == GFDX_PK_PROVINCE_AUTHORITY || p->kind == GFDX_PK_PBOC_BRANCH;
    return serves ? address_province(b, prefix, partitions, p) : 0;
}

static int load_rule(builder *b, const config_setting_t *g, int i)
{
    const char *prefix = NULL, *to = NULL;
    int partitions = 1;
    char where[64];
    snprintf(where, sizeof where, "addressed[%d]", i);
    config_setting_lookup_string(g, "prefix", &prefix);
    config_setting_lookup_string(g, "to", &to);
    config_setting_lookup_int(g, "partitions", &partitions);
    if (!prefix || !topic_name_ok(prefix))
        return fail(b, "%s: needs prefix = \"gfdx.<name>.\"", where);
    if (!to || (strcmp(to, "participant") && strcmp(to, "branch") && strcmp(to, "branch_only") &&
                strcmp(to, "province") && strcmp(to, "district")))
        return fail(b, "%s: to must be participant, branch, branch_only, province or district", where);
    if (partitions < 1 || partitions > MAX_PARTITIONS)
        return fail(b, "%s: partitions must be 1..%d", where, MAX_PARTITIONS);
    for (size_t k = 0; k < gfdx_registry_count(b->reg); k++)
        if (address_one(b, to, prefix, partitions, gfdx_registry_at(b->reg, k)) != 0)
            return -1;
    return emitter_acls(b, g, prefix, RD_KAFKA_RESOURCE_PATTERN_PREFIXED, where);
}

static int load_addressed(builder *b, const config_t *cf)
{
    const config_setting_t *list = config_lookup(cf, "addressed");
    for (int i = 0; list && i < config_setting_length(list); i++)
        if (load_rule(b, config_setting_get_elem(list, (unsigned)i), i) != 0)
            return -1;
    return 0;
}

/* ---- finishing ---- */

static int cmp_topic(const void *a, const void *b)
{
    return strcmp(((const gfdx_plan_topic *)a)->name, ((const gfdx_plan_topic *)b)->name);
}

static int cmp_acl(const void *x, const void *y)
{
    const gfdx_plan_acl *a = x, *b = y;
    int c = strcmp(a->principal, b->principal);
    if (!c)
        c = (int)a->restype - (int)b->restype;
    if (!c)
        c = strcmp(a->name, b->name);
    if (!c)
        c = (int)a->pattern - (int)b->pattern;
    return c ? c : (int)a->op - (int)b->op;
}

/* Read on group <id> for each participant that reads a topic. */
static int participant_groups(builder *b)
{
    size_t n = b->plan->n_acls;
    for (size_t i = 0; i < gfdx_registry_count(b->reg); i++) {
        const gfdx_participant *p = gfdx_registry_at(b->reg, i);
        bool reads = false;
        for (size_t k = 0; k < n && !reads; k++)
            reads = b->plan->acls[k].op == RD_KAFKA_ACL_OPERATION_READ &&
                    b->plan->acls[k].restype == RD_KAFKA_RESOURCE_TOPIC &&
                    !strcmp(b->plan->acls[k].principal, p->principal);
        if (reads && add_acl(b, p->principal, RD_KAFKA_RESOURCE_GROUP,
                             RD_KAFKA_RESOURCE_PATTERN_LITERAL, p->id,
                             RD_KAFKA_ACL_OPERATION_READ) != 0)
            return -1;
    }
    return 0;
}

/* Sorts topics and ACLs; drops duplicate ACLs. */
static void finish(gfdx_kafka_plan *p)
{
    qsort(p->topics, p->n_topics, sizeof *p->topics, cmp_topic);
    qsort(p->acls, p->n_acls, sizeof *p->acls, cmp_acl);
    size_t out = 0;
    for (size_t i = 0; i < p->n_acls; i++) {
        if (out && cmp_acl(&p->acls[out - 1], &p->acls[i]) == 0) {
            free(p->acls[i].principal);
            free(p->acls[i].name);
            continue;
        }
        p->acls[out++] = p->acls[i];
    }
    p->n_acls = out;
}

static int build_all(builder *b, const config_t *cf)
{
    if (load_daemons(b, cf) != 0 || load_topics(b, cf) != 0 || load_addressed(b, cf) != 0 ||
        participant_groups(b) != 0)
        return -1;
    finish(b->plan);
    return 0;
}

gfdx_kafka_plan *gfdx_kafka_plan_build(const char *topics_path, const gfdx_registry *reg,
                                       char *err, size_t errlen)
{
    builder b = {.reg = reg, .path = topics_path ? topics_path : "topics", .err = err,
                 .errlen = errlen};
    config_t cf;
    config_init(&cf);
    if (!topics_path || !reg) {
        fail(&b, "no topics file or no registry");
        goto fail;
    }
    if (config_read_file(&cf, topics_path) != CONFIG_TRUE) {
        snprintf(err, errlen, "%s:%d: %s", topics_path, config_error_line(&cf),
                 config_error_text(&cf));
        goto fail;
    }
    if (!(b.plan = calloc(1, sizeof *b.plan))) {
        fail(&b, "out of memory");
        goto fail;
    }
    if (build_all(&b, &cf) != 0)
        goto fail;
    goto done;
fail:
    gfdx_kafka_plan_free(b.plan);
    b.plan = NULL;
done:
    for (size_t i = 0; i < b.n_daemons; i++) {
        free(b.daemons[i].service);
        free(b.daemons[i].principal);
    }
    free(b.daemons);
    config_destroy(&cf);
    return b.plan;
}

/* ---- queries ---- */

const gfdx_plan_topic *gfdx_kafka_plan_topic(const gfdx_kafka_plan *plan, const char *name)
{
    for (size_t i = 0; plan && name && i < plan->n_topics; i++)
        if (strcmp(plan->topics[i].name, name) == 0)
            return &plan->topics[i];
    return NULL;
}

static bool acl_matches(const gfdx_plan_acl *a, rd_kafka_ResourceType_t restype, const char *name)
{
    if (a->restype != restype)
        return false;
    if (a->pattern == RD_KAFKA_RESOURCE_PATTERN_PREFIXED)
        return strncmp(name, a->name, strlen(a->name)) == 0;
    return strcmp(name, a->name) == 0;
}

bool gfdx_kafka_plan_allows(const gfdx_kafka_plan *plan, const char *principal,
                            rd_kafka_AclOperation_t op, rd_kafka_ResourceType_t restype,
                            const char *name)
{
    for (size_t i = 0; plan && principal && name && i < plan->n_acls; i++) {
        const gfdx_plan_acl *a = &plan->acls[i];
        bool op_ok = a->op == op || (op == RD_KAFKA_ACL_OPERATION_DESCRIBE &&
                                     (a->op == RD_KAFKA_ACL_OPERATION_READ ||
                                      a->op == RD_KAFKA_ACL_OPERATION_WRITE));
        if (op_ok && !strcmp(a->principal, principal) && acl_matches(a, restype, name))
            return true;
    }
    return false;
}
