/* routing.c: the branch table of routing.h: loading, validation and the routing function. */
#include "routing.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "region.h"
#include "errbuf.h"

#define ID_MAX 64
#define MAX_PROVINCES 64 /* room for region.h's table (34 today) */

typedef struct {
    push_branch pub;
    char *id, *name; /* owned; pub points at them */
} entry;

struct push_routing {
    entry *entries; /* file order; the first n are loaded, cap allocated (zeroed) */
    size_t n, cap;
    const char *const *provinces; /* region.h's static table */
    size_t n_provinces;
    const push_branch *by_province[MAX_PROVINCES]; /* same order as provinces; NULL = none */
    bool no_branch[MAX_PROVINCES];
};

static const char *const kind_names[] = {
    [PUSH_BRANCH_HEADQUARTERS] = "headquarters",
    [PUSH_BRANCH_PROVINCE] = "province",
    [PUSH_BRANCH_PLAN_CITY] = "plan_city",
};
#define N_KINDS (sizeof kind_names / sizeof kind_names[0])

static const char *const entry_keys[] = {"id", "kind", "region", "name"};

const char *push_branch_kind_name(push_branch_kind kind)
{
    return (unsigned)kind < N_KINDS ? kind_names[kind] : "unknown";
}

static int kind_parse(const char *name, push_branch_kind *out)
{
    for (size_t i = 0; name && i < N_KINDS; i++)
        if (!strcmp(kind_names[i], name)) {
            *out = (push_branch_kind)i;
            return 0;
        }
    return -1;
}

/* ---- freeing and lookups ---- */

void push_routing_free(push_routing *rt)
{
    if (!rt)
        return;
    for (size_t i = 0; rt->entries && i < rt->cap; i++) {
        free(rt->entries[i].id);
        free(rt->entries[i].name);
    }
    free(rt->entries);
    free(rt);
}

size_t push_routing_count(const push_routing *rt) { return rt ? rt->n : 0; }

const push_branch *push_routing_at(const push_routing *rt, size_t i)
{
    return rt && i < rt->n ? &rt->entries[i].pub : NULL;
}

const push_branch *push_routing_find(const push_routing *rt, const char *id)
{
    for (size_t i = 0; rt && id && i < rt->n; i++)
        if (!strcmp(rt->entries[i].pub.id, id))
            return &rt->entries[i].pub;
    return NULL;
}

/* Position of a province code in region.h's table, or -1. */
static int province_slot(const push_routing *rt, const char *code)
{
    for (size_t i = 0; code && i < rt->n_provinces; i++)
        if (!strcmp(rt->provinces[i], code))
            return (int)i;
    return -1;
}

static const push_branch *plan_city_branch(const push_routing *rt, const char *city)
{
    for (size_t i = 0; city && i < rt->n; i++)
        if (rt->entries[i].pub.kind == PUSH_BRANCH_PLAN_CITY && !strcmp(rt->entries[i].pub.region, city))
            return &rt->entries[i].pub;
    return NULL;
}

/* ---- routing ---- */

push_route_status push_route(const push_routing *rt, const char *province, const char *location_region,
                             const push_branch **out, char *why, size_t whylen)
{
    char loc_province[7];
    *out = NULL;
    int slot = rt ? province_slot(rt, province) : -1;
    if (slot < 0) {
        gfdx_errf(why, whylen, "factory.province \"%s\" is not a GB/T 2260 province code", province ? province : "");
        return PUSH_ROUTE_BAD_REGION;
    }
    if (gfdx_region_province_of(location_region, loc_province) || strcmp(loc_province, province)) {
        gfdx_errf(why, whylen, "project.location_region \"%s\" is not a GB/T 2260 code in province %s",
                location_region ? location_region : "", province);
        return PUSH_ROUTE_BAD_REGION;
    }
    const push_branch *city = plan_city_branch(rt, gfdx_region_plan_city_of(location_region));
    *out = city ? city : rt->by_province[slot];
    if (!*out) {
        gfdx_errf(why, whylen, "province %s (%s) has no PBoC branch in the routing table", province,
                gfdx_region_province_name(province));
        return PUSH_ROUTE_NO_BRANCH;
    }
    return PUSH_ROUTE_OK;
}

/* ---- loading ---- */

static bool id_is_topic_safe(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > ID_MAX)
        return false;
    return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static const char *get_string(const config_setting_t *g, const char *key)
{
    const char *s = NULL;
    return config_setting_lookup_string(g, key, &s) == CONFIG_TRUE ? s : NULL;
}

static const char *unknown_key(const config_setting_t *g)
{
    for (int j = 0; j < config_setting_length(g); j++) {
        const char *name = config_setting_name(config_setting_get_elem(g, (unsigned)j));
        bool known = false;
        for (size_t k = 0; name && k < sizeof entry_keys / sizeof entry_keys[0]; k++)
            known = known || !strcmp(name, entry_keys[k]);
        if (!known)
            return name ? name : "(unnamed)";
    }
    return NULL;
}

/* Checks the region against the kind and claims it (province slot or plan city). NULL if
 * fine, else the reason (in buf or static). */
static const char *claim_region(push_routing *rt, const push_branch *b, char *buf, size_t buflen)
{
    if (b->kind == PUSH_BRANCH_PLAN_CITY) {
        const char *city = gfdx_region_plan_city_of(b->region);
        if (!city || strcmp(city, b->region))
            return "a plan_city branch's region must be a 计划单列市 (210200 330200 350200 370200 440300)";
        const push_branch *other = plan_city_branch(rt, b->region);
        if (other)
            return snprintf(buf, buflen, "city %s is already served by %s", b->region, other->id), buf;
        return NULL;
    }
    int slot = province_slot(rt, b->region);
    if (slot < 0)
        return "the region of a headquarters or province branch must be a province code (like 320000)";
    if (rt->by_province[slot])
        return snprintf(buf, buflen, "province %s is already served by %s", b->region, rt->by_province[slot]->id),
               buf;
    if (rt->no_branch[slot])
        return snprintf(buf, buflen, "province %s is listed in no_branch", b->region), buf;
    rt->by_province[slot] = b;
    return NULL;
}

/* Loads branches[i] into rt->entries[i] (rt->n == i: lookups see the entries before it).
 * NULL or the reason. */
static const char *load_entry(push_routing *rt, size_t i, const config_setting_t *g, char *buf, size_t buflen)
{
    entry *e = &rt->entries[i];
    const char *id = get_string(g, "id"), *kind = get_string(g, "kind"), *region = get_string(g, "region"),
               *name = get_string(g, "name"), *bad = config_setting_is_group(g) ? unknown_key(g) : "";
    if (bad)
        return *bad ? (snprintf(buf, buflen, "unknown setting \"%s\"", bad), buf) : "expected a group { ... }";
    if (!id || !id_is_topic_safe(id))
        return "id must be 1-64 characters of [A-Za-z0-9._-]";
    if (push_routing_find(rt, id))
        return "duplicate id";
    if (kind_parse(kind, &e->pub.kind))
        return "kind must be headquarters, province or plan_city";
    if (!region || strlen(region) != 6 || !gfdx_region_is_valid(region))
        return "region must be a valid GB/T 2260 code";
    if (!name || !*name)
        return "name must not be empty";
    if (!(e->id = strdup(id)) || !(e->name = strdup(name)))
        return "out of memory";
    e->pub.id = e->id;
    e->pub.name = e->name;
    memcpy(e->pub.region, region, 7);
    return claim_region(rt, &e->pub, buf, buflen);
}

static int load_no_branch(push_routing *rt, const config_t *cf, const char *path, char *err, size_t errlen)
{
    const config_setting_t *s = config_lookup(cf, "no_branch");
    for (int i = 0; s && i < config_setting_length(s); i++) {
        const char *code = config_setting_get_string_elem(s, i);
        int slot = province_slot(rt, code);
        if (slot < 0 || rt->no_branch[slot]) {
            gfdx_errf(err, errlen, "%s: no_branch[%d]: %s", path, i,
                    slot < 0 ? "expected a province code (like 710000)" : "listed twice");
            return -1;
        }
        rt->no_branch[slot] = true;
    }
    if (s && !config_setting_is_array(s) && !config_setting_is_list(s)) {
        gfdx_errf(err, errlen, "%s: no_branch: expected a list of province codes", path);
        return -1;
    }
    return 0;
}

static int load_branches(push_routing *rt, const config_t *cf, const char *path, char *err, size_t errlen)
{
    const config_setting_t *list = config_lookup(cf, "branches");
    if (!list || !config_setting_is_list(list) || config_setting_length(list) == 0) {
        gfdx_errf(err, errlen, "%s: branches: expected a non-empty list ( { id = ...; }, ... )", path);
        return -1;
    }
    size_t n = (size_t)config_setting_length(list);
    if (!(rt->entries = calloc(n, sizeof *rt->entries))) {
        gfdx_errf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    rt->cap = n;
    for (size_t i = 0; i < n; i++, rt->n = i) {
        char buf[256];
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        const char *why = load_entry(rt, i, g, buf, sizeof buf);
        if (why) {
            const char *id = config_setting_is_group(g) ? get_string(g, "id") : NULL;
            gfdx_errf(err, errlen, "%s: branches[%zu]%s%s%s: %s", path, i, id ? " (id \"" : "", id ? id : "",
                    id ? "\")" : "", why);
            return -1;
        }
    }
    return 0;
}

/* Every province served by exactly one branch or listed in no_branch. */
static int check_coverage(const push_routing *rt, const char *path, char *err, size_t errlen)
{
    for (size_t i = 0; i < rt->n_provinces; i++)
        if (!rt->by_province[i] && !rt->no_branch[i]) {
            gfdx_errf(err, errlen, "%s: province %s (%s) has no branch: add one or list it in no_branch", path,
                    rt->provinces[i], gfdx_region_province_name(rt->provinces[i]));
            return -1;
        }
    return 0;
}

push_routing *push_routing_load(const char *path, char *err, size_t errlen)
{
    config_t cf;
    config_init(&cf);
    push_routing *rt = calloc(1, sizeof *rt);
    if (!rt) {
        gfdx_errf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    rt->n_provinces = gfdx_region_provinces(&rt->provinces);
    if (rt->n_provinces > MAX_PROVINCES) {
        gfdx_errf(err, errlen, "%s: region table has %zu provinces, more than %d", path, rt->n_provinces, MAX_PROVINCES);
        goto fail;
    }
    if (config_read_file(&cf, path) != CONFIG_TRUE) {
        if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
            gfdx_errf(err, errlen, "%s: cannot read file", path);
        else
            gfdx_errf(err, errlen, "%s:%d: %s", path, config_error_line(&cf), config_error_text(&cf));
        goto fail;
    }
    if (load_no_branch(rt, &cf, path, err, errlen) || load_branches(rt, &cf, path, err, errlen) ||
        check_coverage(rt, path, err, errlen))
        goto fail;
    config_destroy(&cf);
    return rt;
fail:
    config_destroy(&cf);
    push_routing_free(rt);
    return NULL;
}

void push_routing_print(FILE *out, const push_routing *rt)
{
    for (size_t i = 0; rt && i < rt->n; i++) {
        const push_branch *b = &rt->entries[i].pub;
        fprintf(out, "# routing: %s %s -> %s (%s)\n", push_branch_kind_name(b->kind), b->region, b->id, b->name);
    }
    for (size_t i = 0; rt && i < rt->n_provinces; i++)
        if (rt->no_branch[i])
            fprintf(out, "# routing: province %s (%s) -> no branch: pushes refused\n", rt->provinces[i],
                    gfdx_region_province_name(rt->provinces[i]));
}
