/* avro_catalog: load and look up versioned record schemas. See avro_catalog.h. */
#include "avro_catalog.h"
#include "errbuf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gfdx_schema {
    char *file;
    int version;
    uint64_t fingerprint;
    char *canonical;
    json_t *json;
    gfdx_avro_tree *tree;
    avro_schema_t avro;
};

struct gfdx_catalog {
    gfdx_schema *schemas;
    size_t count;
};


static void schema_clear(gfdx_schema *s)
{
    free(s->file);
    free(s->canonical);
    json_decref(s->json);
    gfdx_avro_tree_free(s->tree);
    if (s->avro)
        avro_schema_decref(s->avro);
    memset(s, 0, sizeof *s);
}

void gfdx_catalog_free(gfdx_catalog *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; i < cat->count; i++)
        schema_clear(&cat->schemas[i]);
    free(cat->schemas);
    free(cat);
}

/* ---- file names ---------------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* Splits "<snake>.v<N>.avsc": snake is [a-z][a-z0-9_]*, N a positive integer without a
 * leading zero. Writes the snake part into `snake` (size snakelen). */
static int parse_file_name(const char *file, char *snake, size_t snakelen, int *version)
{
    size_t len = strlen(file) - strlen(".avsc");
    const char *v = NULL;
    for (size_t i = len; i-- > 0;)
        if (file[i] == '.') {
            v = file + i;
            break;
        }
    if (!v || v == file || v[1] != 'v' || v[2] < '1' || v[2] > '9')
        return -1;
    long n = 0;
    for (const char *p = v + 2; p < file + len; p++) {
        if (!isdigit((unsigned char)*p) || n > INT_MAX / 10)
            return -1;
        n = n * 10 + (*p - '0');
    }
    size_t slen = (size_t)(v - file);
    if (n > INT_MAX || slen + 1 > snakelen || !islower((unsigned char)file[0]))
        return -1;
    for (size_t i = 0; i < slen; i++)
        if (!islower((unsigned char)file[i]) && !isdigit((unsigned char)file[i]) && file[i] != '_')
            return -1;
    memcpy(snake, file, slen);
    snake[slen] = '\0';
    *version = (int)n;
    return 0;
}

/* need_submitted matches NeedSubmitted: equal once underscores and case are dropped. */
static bool snake_matches(const char *snake, const char *name)
{
    for (;;) {
        while (*snake == '_')
            snake++;
        if (!*snake || !*name)
            return !*snake && !*name;
        if (tolower((unsigned char)*snake) != tolower((unsigned char)*name))
            return false;
        snake++;
        name++;
    }
}

/* ---- one schema file ----------------------------------------------------------------- */

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (cap - n < 4096) {
            char *b = realloc(buf, cap + 65536);
            if (!b)
                break;
            buf = b;
            cap += 65536;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Parses the text of one file into s (json, tree, canonical, fingerprint, avro-c schema). */
static int schema_parse(gfdx_schema *s, const char *text, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    s->json = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
    if (!s->json) {
        gfdx_errf(err, errlen, "not JSON: line %d: %s", jerr.line, jerr.text);
        return -1;
    }
    s->tree = gfdx_avro_tree_parse(s->json, err, errlen);
    if (!s->tree)
        return -1;
    if (gfdx_avro_tree_root(s->tree)->type != GFDX_AVRO_RECORD) {
        gfdx_errf(err, errlen, "the top-level schema must be a record");
        return -1;
    }
    s->canonical = gfdx_avro_canonical_node(gfdx_avro_tree_root(s->tree), err, errlen);
    if (!s->canonical)
        return -1;
    s->fingerprint = gfdx_avro_fingerprint(s->canonical);
    if (avro_schema_from_json_length(text, len, &s->avro) != 0) {
        s->avro = NULL;
        gfdx_errf(err, errlen, "avro-c rejects it: %s", avro_strerror());
        return -1;
    }
    return 0;
}

static int schema_load(gfdx_schema *s, const char *dir, const char *file, char *err,
                       size_t errlen)
{
    char snake[256], path[4096], why[512] = "";
    if (parse_file_name(file, snake, sizeof snake, &s->version) < 0) {
        gfdx_errf(err, errlen, "%s/%s: file name is not <snake_name>.v<N>.avsc", dir, file);
        return -1;
    }
    s->file = strdup(file);
    size_t len = 0;
    char *text = NULL;
    errno = 0;
    if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path)
        snprintf(why, sizeof why, "path too long");
    else if (!s->file || !(text = read_text(path, &len)))
        snprintf(why, sizeof why, "cannot read: %s", strerror(errno ? errno : ENOMEM));
    else if (schema_parse(s, text, len, why, sizeof why) == 0 &&
             !snake_matches(snake, gfdx_schema_name(s)))
        snprintf(why, sizeof why, "record '%s' does not match the file name", gfdx_schema_name(s));
    free(text);
    if (why[0]) {
        gfdx_errf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    return 0;
}

/* ---- directory ----------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The sorted *.avsc file names of dir (caller frees with free_names), or -1. */
static long list_schema_files(const char *dir, char ***out, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        gfdx_errf(err, errlen, "%s: cannot open schema directory: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    bool oom = false;
    while (!oom && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, ".avsc"))
            continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof *nn);
            oom = !nn;
            names = nn ? nn : names;
        }
        if (!oom && !(names[n++] = strdup(e->d_name)))
            oom = true, n--;
    }
    closedir(d);
    if (oom) {
        free_names(names, n);
        gfdx_errf(err, errlen, "%s: out of memory", dir);
        return -1;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    *out = names;
    return (long)n;
}

static int cmp_schema(const void *a, const void *b)
{
    const gfdx_schema *x = a, *y = b;
    int c = strcmp(gfdx_schema_fullname(x), gfdx_schema_fullname(y));
    return c ? c : (x->version > y->version) - (x->version < y->version);
}

/* Two schemas may share neither a fingerprint nor (full name, version). */
static int check_unique(const gfdx_catalog *cat, const char *dir, char *err, size_t errlen)
{
    for (size_t i = 0; i < cat->count; i++)
        for (size_t k = i + 1; k < cat->count; k++) {
            const gfdx_schema *a = &cat->schemas[i], *b = &cat->schemas[k];
            const char *why = a->fingerprint == b->fingerprint ? "has the same fingerprint as"
                              : (a->version == b->version &&
                                 !strcmp(gfdx_schema_fullname(a), gfdx_schema_fullname(b)))
                                  ? "has the same name and version as"
                                  : NULL;
            if (why) {
                gfdx_errf(err, errlen, "%s/%s: %s %s", dir, b->file, why, a->file);
                return -1;
            }
        }
    return 0;
}

gfdx_catalog *gfdx_catalog_load(const char *dir, char *err, size_t errlen)
{
    char **files = NULL;
    long n = list_schema_files(dir, &files, err, errlen);
    if (n < 0)
        return NULL;
    gfdx_catalog *cat = calloc(1, sizeof *cat);
    if (cat && n)
        cat->schemas = calloc((size_t)n, sizeof *cat->schemas);
    if (!cat || (n && !cat->schemas)) {
        gfdx_errf(err, errlen, "out of memory");
        goto fail;
    }
    if (n == 0) {
        gfdx_errf(err, errlen, "%s: no schema files (<snake_name>.v<N>.avsc)", dir);
        goto fail;
    }
    for (long i = 0; i < n; i++) {
        cat->count++;
        if (schema_load(&cat->schemas[i], dir, files[i], err, errlen) < 0)
            goto fail;
    }
    if (check_unique(cat, dir, err, errlen) < 0)
        goto fail;
    qsort(cat->schemas, cat->count, sizeof *cat->schemas, cmp_schema);
    free_names(files, (size_t)n);
    return cat;
fail:
    free_names(files, (size_t)n);
    gfdx_catalog_free(cat);
    return NULL;
}

/* ---- lookups ------------------------------------------------------------------------- */

const gfdx_schema *gfdx_catalog_by_fingerprint(const gfdx_catalog *cat, uint64_t fp)
{
    for (size_t i = 0; cat && i < cat->count; i++)
        if (cat->schemas[i].fingerprint == fp)
            return &cat->schemas[i];
    return NULL;
}

static bool name_is(const gfdx_schema *s, const char *name)
{
    return !strcmp(gfdx_schema_fullname(s), name) ||
           (!strchr(name, '.') && !strcmp(gfdx_schema_name(s), name));
}

const gfdx_schema *gfdx_catalog_version(const gfdx_catalog *cat, const char *name, int version)
{
    for (size_t i = 0; cat && name && i < cat->count; i++)
        if (cat->schemas[i].version == version && name_is(&cat->schemas[i], name))
            return &cat->schemas[i];
    return NULL;
}

const gfdx_schema *gfdx_catalog_latest(const gfdx_catalog *cat, const char *name)
{
    const gfdx_schema *best = NULL;
    for (size_t i = 0; cat && name && i < cat->count; i++)
        if (name_is(&cat->schemas[i], name) && (!best || cat->schemas[i].version > best->version))
            best = &cat->schemas[i];
    return best;
}

size_t gfdx_catalog_count(const gfdx_catalog *cat)
{
    return cat ? cat->count : 0;
}

const gfdx_schema *gfdx_catalog_at(const gfdx_catalog *cat, size_t i)
{
    return cat && i < cat->count ? &cat->schemas[i] : NULL;
}

const char *gfdx_schema_fullname(const gfdx_schema *s)
{
    return gfdx_avro_tree_root(s->tree)->fullname;
}

const char *gfdx_schema_name(const gfdx_schema *s)
{
    return gfdx_avro_tree_root(s->tree)->name;
}

int gfdx_schema_version(const gfdx_schema *s)
{
    return s->version;
}

uint64_t gfdx_schema_fingerprint(const gfdx_schema *s)
{
    return s->fingerprint;
}

const char *gfdx_schema_canonical(const gfdx_schema *s)
{
    return s->canonical;
}

const char *gfdx_schema_file(const gfdx_schema *s)
{
    return s->file;
}

const json_t *gfdx_schema_json(const gfdx_schema *s)
{
    return s->json;
}

avro_schema_t gfdx_schema_avro(const gfdx_schema *s)
{
    return s->avro;
}

const gfdx_avro_node *gfdx_schema_node(const gfdx_schema *s)
{
    return gfdx_avro_tree_root(s->tree);
}
