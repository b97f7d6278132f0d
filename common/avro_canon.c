/* avro_canon: schema model, Parsing Canonical Form and CRC-64-AVRO. See avro_canon.h. */
#include "avro_canon.h"
#include "errbuf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every allocation of a tree is one of these, chained so the tree frees them together. */
struct tree_block {
    struct tree_block *next;
    max_align_t data[];
};

/* A defined named type, for resolving references by full name. */
struct name_entry {
    const char *fullname;
    const gfdx_avro_node *node;
    struct name_entry *next;
};

struct gfdx_avro_tree {
    json_t *json;                /* own deep copy; node strings point into it */
    struct tree_block *blocks;
    struct name_entry *names;
    const gfdx_avro_node *root;
};

typedef struct {
    gfdx_avro_tree *tree;
    char *err;
    size_t errlen;
} parse_ctx;

static const struct {
    const char *name;
    gfdx_avro_type type;
} primitives[] = {
    {"null", GFDX_AVRO_NULL},     {"boolean", GFDX_AVRO_BOOLEAN}, {"int", GFDX_AVRO_INT},
    {"long", GFDX_AVRO_LONG},     {"float", GFDX_AVRO_FLOAT},     {"double", GFDX_AVRO_DOUBLE},
    {"bytes", GFDX_AVRO_BYTES},   {"string", GFDX_AVRO_STRING},
};


const char *gfdx_avro_type_name(gfdx_avro_type type)
{
    static const char *const names[] = {
        "null", "boolean", "int", "long", "float", "double", "bytes",
        "string", "record", "enum", "array", "map", "union", "fixed",
    };
    if ((size_t)type < sizeof names / sizeof names[0])
        return names[type];
    return "?";
}

/* ---- allocation ---------------------------------------------------------------------- */

/* Zeroed memory owned by the tree; NULL (err set) when out of memory. */
static void *tree_alloc(parse_ctx *c, size_t size)
{
    struct tree_block *b = calloc(1, sizeof *b + size);
    if (!b) {
        gfdx_errf(c->err, c->errlen, "out of memory");
        return NULL;
    }
    b->next = c->tree->blocks;
    c->tree->blocks = b;
    return b->data;
}

static char *tree_strdup(parse_ctx *c, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = tree_alloc(c, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* "space.name", or just "name" when space is NULL or empty. */
static char *tree_join(parse_ctx *c, const char *space, const char *name)
{
    if (!space || !*space)
        return tree_strdup(c, name);
    size_t a = strlen(space), b = strlen(name);
    char *d = tree_alloc(c, a + b + 2);
    if (d) {
        memcpy(d, space, a);
        d[a] = '.';
        memcpy(d + a + 1, name, b + 1);
    }
    return d;
}

static gfdx_avro_node *new_node(parse_ctx *c, gfdx_avro_type type)
{
    gfdx_avro_node *n = tree_alloc(c, sizeof *n);
    if (n)
        n->type = type;
    return n;
}

/* ---- names --------------------------------------------------------------------------- */

/* Avro names: [A-Za-z_][A-Za-z0-9_]*, dot-separated for full names. */
static bool valid_simple_name(const char *s, size_t len)
{
    if (len == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return false;
    }
    return true;
}

static bool valid_full_name(const char *s)
{
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t len = dot ? (size_t)(dot - s) : strlen(s);
        if (!valid_simple_name(s, len))
            return false;
        if (!dot)
            return true;
        s = dot + 1;
    }
}

static int primitive_type(const char *name)
{
    for (size_t i = 0; i < sizeof primitives / sizeof primitives[0]; i++)
        if (!strcmp(primitives[i].name, name))
            return (int)primitives[i].type;
    return -1;
}

static const gfdx_avro_node *find_name(const gfdx_avro_tree *t, const char *fullname)
{
    for (const struct name_entry *e = t->names; e; e = e->next)
        if (!strcmp(e->fullname, fullname))
            return e->node;
    return NULL;
}

static int define_name(parse_ctx *c, const gfdx_avro_node *node)
{
    if (find_name(c->tree, node->fullname)) {
        gfdx_errf(c->err, c->errlen, "type name '%s' is defined twice", node->fullname);
        return -1;
    }
    struct name_entry *e = tree_alloc(c, sizeof *e);
    if (!e)
        return -1;
    e->fullname = node->fullname;
    e->node = node;
    e->next = c->tree->names;
    c->tree->names = e;
    return 0;
}

/* A reference to a named type: qualified by the enclosing namespace unless it has a dot;
 * an unqualified name also matches a type in the null namespace. */
static const gfdx_avro_node *resolve_ref(parse_ctx *c, const char *name, const char *ns)
{
    const gfdx_avro_node *n = NULL;
    if (!strchr(name, '.') && ns && *ns) {
        size_t len = strlen(ns) + strlen(name) + 2;
        char *full = malloc(len);
        if (!full) {
            gfdx_errf(c->err, c->errlen, "out of memory");
            return NULL;
        }
        snprintf(full, len, "%s.%s", ns, name);
        n = find_name(c->tree, full);
        free(full);
    }
    if (!n)
        n = find_name(c->tree, name);
    if (!n)
        gfdx_errf(c->err, c->errlen, "unknown type '%s'", name);
    return n;
}

/* ---- parser -------------------------------------------------------------------------- */

static const gfdx_avro_node *parse_schema(parse_ctx *c, json_t *j, const char *ns);

static const gfdx_avro_node *parse_type_name(parse_ctx *c, const char *name, const char *ns)
{
    int prim = primitive_type(name);
    if (prim >= 0)
        return new_node(c, (gfdx_avro_type)prim);
    return resolve_ref(c, name, ns);
}

/* Fills fullname/name of a named type and returns its namespace (tree-owned) in *space. */
static int parse_named(parse_ctx *c, json_t *j, const char *ns, gfdx_avro_node *n,
                       const char **space)
{
    const char *name = json_string_value(json_object_get(j, "name"));
    if (!name || !*name) {
        gfdx_errf(c->err, c->errlen, "named type without a \"name\"");
        return -1;
    }
    const char *dot = strrchr(name, '.');
    if (dot) {
        char *sp = tree_strdup(c, name);
        if (!sp)
            return -1;
        sp[dot - name] = '\0';
        *space = sp;
        n->fullname = name;
    } else {
        json_t *nsj = json_object_get(j, "namespace");
        if (nsj && !json_is_string(nsj) && !json_is_null(nsj)) {
            gfdx_errf(c->err, c->errlen, "type '%s': \"namespace\" must be a string", name);
            return -1;
        }
        *space = nsj ? json_string_value(nsj) : ns;
        n->fullname = tree_join(c, *space, name);
        if (!n->fullname)
            return -1;
    }
    n->name = strrchr(n->fullname, '.') ? strrchr(n->fullname, '.') + 1 : n->fullname;
    if (!valid_full_name(n->fullname) || (*space && **space && !valid_full_name(*space))) {
        gfdx_errf(c->err, c->errlen, "invalid type name '%s'", n->fullname);
        return -1;
    }
    return 0;
}

/* Reads an optional array of strings ("aliases" or "symbols"). With qualify, each
 * unqualified entry is prefixed with `space`. Returns the count or -1. */
static long parse_strings(parse_ctx *c, json_t *arr, const char *what, const char *space,
                          bool qualify, const char *const **out)
{
    *out = NULL;
    if (!arr)
        return 0;
    if (!json_is_array(arr)) {
        gfdx_errf(c->err, c->errlen, "\"%s\" must be an array of strings", what);
        return -1;
    }
    size_t count = json_array_size(arr);
    const char **list = tree_alloc(c, (count + 1) * sizeof *list);
    if (!list)
        return -1;
    for (size_t i = 0; i < count; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (!s || !(qualify ? valid_full_name(s) : valid_simple_name(s, strlen(s)))) {
            gfdx_errf(c->err, c->errlen, "\"%s\"[%zu] is not a valid name", what, i);
            return -1;
        }
        list[i] = (qualify && !strchr(s, '.')) ? tree_join(c, space, s) : s;
        if (!list[i])
            return -1;
    }
    *out = list;
    return (long)count;
}

static int parse_field(parse_ctx *c, json_t *fj, const char *space, gfdx_avro_field *f)
{
    f->name = json_string_value(json_object_get(fj, "name"));
    if (!f->name || !valid_simple_name(f->name, strlen(f->name))) {
        gfdx_errf(c->err, c->errlen, "record field without a valid \"name\"");
        return -1;
    }
    json_t *type = json_object_get(fj, "type");
    if (!type) {
        gfdx_errf(c->err, c->errlen, "field '%s' has no \"type\"", f->name);
        return -1;
    }
    f->type = parse_schema(c, type, space);
    if (!f->type)
        return -1;
    f->def = json_object_get(fj, "default");
    long n = parse_strings(c, json_object_get(fj, "aliases"), "aliases", NULL, false,
                           &f->aliases);
    if (n < 0)
        return -1;
    f->n_aliases = (size_t)n;
    return 0;
}

static int parse_record_fields(parse_ctx *c, json_t *j, gfdx_avro_node *n, const char *space)
{
    json_t *fields = json_object_get(j, "fields");
    if (!json_is_array(fields)) {
        gfdx_errf(c->err, c->errlen, "record '%s' has no \"fields\" array", n->fullname);
        return -1;
    }
    size_t count = json_array_size(fields);
    gfdx_avro_field *fl = tree_alloc(c, (count + 1) * sizeof *fl);
    if (!fl)
        return -1;
    n->fields = fl;
    for (size_t i = 0; i < count; i++) {
        json_t *fj = json_array_get(fields, i);
        if (!json_is_object(fj)) {
            gfdx_errf(c->err, c->errlen, "record '%s': field %zu is not an object", n->fullname, i);
            return -1;
        }
        if (parse_field(c, fj, space, &fl[i]) < 0)
            return -1;
        for (size_t k = 0; k < i; k++)
            if (!strcmp(fl[k].name, fl[i].name)) {
                gfdx_errf(c->err, c->errlen, "record '%s': field '%s' appears twice",
                        n->fullname, fl[i].name);
                return -1;
            }
        n->n_fields = i + 1;
    }
    return 0;
}

static int parse_enum_body(parse_ctx *c, json_t *j, gfdx_avro_node *n)
{
    json_t *sym = json_object_get(j, "symbols");
    if (!json_is_array(sym)) {
        gfdx_errf(c->err, c->errlen, "enum '%s' has no \"symbols\" array", n->fullname);
        return -1;
    }
    long count = parse_strings(c, sym, "symbols", NULL, false, &n->symbols);
    if (count < 0)
        return -1;
    n->n_symbols = (size_t)count;
    for (size_t i = 0; i < n->n_symbols; i++)
        for (size_t k = 0; k < i; k++)
            if (!strcmp(n->symbols[i], n->symbols[k])) {
                gfdx_errf(c->err, c->errlen, "enum '%s': symbol '%s' appears twice",
                        n->fullname, n->symbols[i]);
                return -1;
            }
    json_t *def = json_object_get(j, "default");
    if (def) {
        n->enum_default = json_string_value(def);
        bool known = false;
        for (size_t i = 0; n->enum_default && i < n->n_symbols; i++)
            known = known || !strcmp(n->symbols[i], n->enum_default);
        if (!known) {
            gfdx_errf(c->err, c->errlen, "enum '%s': \"default\" is not one of its symbols",
                    n->fullname);
            return -1;
        }
    }
    return 0;
}

static int parse_fixed_body(parse_ctx *c, json_t *j, gfdx_avro_node *n)
{
    json_t *size = json_object_get(j, "size");
    if (!json_is_integer(size) || json_integer_value(size) < 0 ||
        json_integer_value(size) > INT32_MAX) {
        gfdx_errf(c->err, c->errlen, "fixed '%s' needs a non-negative integer \"size\"",
                n->fullname);
        return -1;
    }
    n->size = (size_t)json_integer_value(size);
    return 0;
}

static const gfdx_avro_node *parse_named_type(parse_ctx *c, json_t *j, const char *ns,
                                              gfdx_avro_type type)
{
    gfdx_avro_node *n = new_node(c, type);
    const char *space = NULL;
    if (!n || parse_named(c, j, ns, n, &space) < 0)
        return NULL;
    long na = parse_strings(c, json_object_get(j, "aliases"), "aliases", space, true,
                            &n->aliases);
    if (na < 0)
        return NULL;
    n->n_aliases = (size_t)na;
    /* Defined before its body so that a record may refer to itself. */
    if (define_name(c, n) < 0)
        return NULL;
    int rc = type == GFDX_AVRO_RECORD ? parse_record_fields(c, j, n, space)
             : type == GFDX_AVRO_ENUM ? parse_enum_body(c, j, n)
                                      : parse_fixed_body(c, j, n);
    return rc < 0 ? NULL : n;
}

static const gfdx_avro_node *parse_container(parse_ctx *c, json_t *j, const char *ns,
                                             gfdx_avro_type type)
{
    const char *key = type == GFDX_AVRO_ARRAY ? "items" : "values";
    json_t *inner = json_object_get(j, key);
    if (!inner) {
        gfdx_errf(c->err, c->errlen, "%s without \"%s\"", gfdx_avro_type_name(type), key);
        return NULL;
    }
    gfdx_avro_node *n = new_node(c, type);
    if (!n)
        return NULL;
    const gfdx_avro_node *in = parse_schema(c, inner, ns);
    if (!in)
        return NULL;
    if (type == GFDX_AVRO_ARRAY)
        n->items = in;
    else
        n->values = in;
    return n;
}

static const gfdx_avro_node *parse_object(parse_ctx *c, json_t *j, const char *ns)
{
    json_t *type = json_object_get(j, "type");
    if (!type) {
        gfdx_errf(c->err, c->errlen, "schema object without \"type\"");
        return NULL;
    }
    if (!json_is_string(type))
        return parse_schema(c, type, ns);
    const char *t = json_string_value(type);
    if (!strcmp(t, "record") || !strcmp(t, "error"))
        return parse_named_type(c, j, ns, GFDX_AVRO_RECORD);
    if (!strcmp(t, "enum"))
        return parse_named_type(c, j, ns, GFDX_AVRO_ENUM);
    if (!strcmp(t, "fixed"))
        return parse_named_type(c, j, ns, GFDX_AVRO_FIXED);
    if (!strcmp(t, "array"))
        return parse_container(c, j, ns, GFDX_AVRO_ARRAY);
    if (!strcmp(t, "map"))
        return parse_container(c, j, ns, GFDX_AVRO_MAP);
    return parse_type_name(c, t, ns);
}

/* Two union branches clash when they are the same unnamed type or the same named type. */
static bool branches_clash(const gfdx_avro_node *a, const gfdx_avro_node *b)
{
    if (a->type != b->type)
        return false;
    if (a->fullname && b->fullname)
        return !strcmp(a->fullname, b->fullname);
    return true;
}

static const gfdx_avro_node *parse_union(parse_ctx *c, json_t *j, const char *ns)
{
    size_t count = json_array_size(j);
    gfdx_avro_node *n = new_node(c, GFDX_AVRO_UNION);
    const gfdx_avro_node **br = n ? tree_alloc(c, (count + 1) * sizeof *br) : NULL;
    if (!br)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        br[i] = parse_schema(c, json_array_get(j, i), ns);
        if (!br[i])
            return NULL;
        if (br[i]->type == GFDX_AVRO_UNION) {
            gfdx_errf(c->err, c->errlen, "a union may not immediately contain a union");
            return NULL;
        }
        for (size_t k = 0; k < i; k++)
            if (branches_clash(br[k], br[i])) {
                gfdx_errf(c->err, c->errlen, "union has two branches of type '%s'",
                        br[i]->fullname ? br[i]->fullname : gfdx_avro_type_name(br[i]->type));
                return NULL;
            }
    }
    n->branches = br;
    n->n_branches = count;
    return n;
}

static const gfdx_avro_node *parse_schema(parse_ctx *c, json_t *j, const char *ns)
{
    if (json_is_string(j))
        return parse_type_name(c, json_string_value(j), ns);
    if (json_is_array(j))
        return parse_union(c, j, ns);
    if (json_is_object(j))
        return parse_object(c, j, ns);
    gfdx_errf(c->err, c->errlen, "a schema must be a JSON string, object or array");
    return NULL;
}

gfdx_avro_tree *gfdx_avro_tree_parse(const json_t *schema, char *err, size_t errlen)
{
    gfdx_avro_tree *t = calloc(1, sizeof *t);
    if (!t) {
        gfdx_errf(err, errlen, "out of memory");
        return NULL;
    }
    t->json = schema ? json_deep_copy(schema) : NULL;
    if (!t->json) {
        gfdx_errf(err, errlen, schema ? "out of memory" : "no schema");
        free(t);
        return NULL;
    }
    parse_ctx c = {t, err, errlen};
    t->root = parse_schema(&c, t->json, NULL);
    if (!t->root) {
        gfdx_avro_tree_free(t);
        return NULL;
    }
    return t;
}

void gfdx_avro_tree_free(gfdx_avro_tree *tree)
{
    if (!tree)
        return;
    struct tree_block *b = tree->blocks;
    while (b) {
        struct tree_block *next = b->next;
        free(b);
        b = next;
    }
    json_decref(tree->json);
    free(tree);
}

const gfdx_avro_node *gfdx_avro_tree_root(const gfdx_avro_tree *tree)
{
    return tree ? tree->root : NULL;
}

/* ---- canonical form ------------------------------------------------------------------ */

/* Named types already written: a later occurrence is written as its full name. */
typedef struct {
    const gfdx_avro_node **seen;
    size_t n_seen, cap_seen;
    bool oom;
} canon_ctx;

static bool canon_seen(canon_ctx *c, const gfdx_avro_node *n)
{
    for (size_t i = 0; i < c->n_seen; i++)
        if (c->seen[i] == n)
            return true;
    if (c->n_seen == c->cap_seen) {
        size_t cap = c->cap_seen ? c->cap_seen * 2 : 16;
        const gfdx_avro_node **s = realloc(c->seen, cap * sizeof *s);
        if (!s) {
            c->oom = true;
            return true;
        }
        c->seen = s;
        c->cap_seen = cap;
    }
    c->seen[c->n_seen++] = n;
    return false;
}

static void canon_emit(canon_ctx *c, FILE *f, const gfdx_avro_node *n);

static void canon_named(canon_ctx *c, FILE *f, const gfdx_avro_node *n)
{
    fprintf(f, "{\"name\":\"%s\",\"type\":\"%s\"", n->fullname, gfdx_avro_type_name(n->type));
    if (n->type == GFDX_AVRO_RECORD) {
        fputs(",\"fields\":[", f);
        for (size_t i = 0; i < n->n_fields; i++) {
            fprintf(f, "%s{\"name\":\"%s\",\"type\":", i ? "," : "", n->fields[i].name);
            canon_emit(c, f, n->fields[i].type);
            fputc('}', f);
        }
        fputc(']', f);
    } else if (n->type == GFDX_AVRO_ENUM) {
        fputs(",\"symbols\":[", f);
        for (size_t i = 0; i < n->n_symbols; i++)
            fprintf(f, "%s\"%s\"", i ? "," : "", n->symbols[i]);
        fputc(']', f);
    } else {
        fprintf(f, ",\"size\":%zu", n->size);
    }
    fputc('}', f);
}

/* Names and symbols are validated to [A-Za-z0-9_.], so no string needs escaping. */
static void canon_emit(canon_ctx *c, FILE *f, const gfdx_avro_node *n)
{
    switch (n->type) {
    case GFDX_AVRO_RECORD:
    case GFDX_AVRO_ENUM:
    case GFDX_AVRO_FIXED:
        if (canon_seen(c, n))
            fprintf(f, "\"%s\"", n->fullname);
        else
            canon_named(c, f, n);
        break;
    case GFDX_AVRO_ARRAY:
        fputs("{\"type\":\"array\",\"items\":", f);
        canon_emit(c, f, n->items);
        fputc('}', f);
        break;
    case GFDX_AVRO_MAP:
        fputs("{\"type\":\"map\",\"values\":", f);
        canon_emit(c, f, n->values);
        fputc('}', f);
        break;
    case GFDX_AVRO_UNION:
        fputc('[', f);
        for (size_t i = 0; i < n->n_branches; i++) {
            if (i)
                fputc(',', f);
            canon_emit(c, f, n->branches[i]);
        }
        fputc(']', f);
        break;
    default:
        fprintf(f, "\"%s\"", gfdx_avro_type_name(n->type));
    }
}

char *gfdx_avro_canonical_node(const gfdx_avro_node *node, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        gfdx_errf(err, errlen, "out of memory");
        return NULL;
    }
    canon_ctx c = {0};
    canon_emit(&c, f, node);
    bool failed = ferror(f) || c.oom;
    if (fclose(f) != 0)
        failed = true;
    free(c.seen);
    if (failed) {
        free(text);
        gfdx_errf(err, errlen, "out of memory");
        return NULL;
    }
    return text;
}

char *gfdx_avro_canonical_json(const json_t *schema, char *err, size_t errlen)
{
    gfdx_avro_tree *t = gfdx_avro_tree_parse(schema, err, errlen);
    if (!t)
        return NULL;
    char *text = gfdx_avro_canonical_node(t->root, err, errlen);
    gfdx_avro_tree_free(t);
    return text;
}

char *gfdx_avro_canonical(const char *schema_json, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *j = json_loads(schema_json ? schema_json : "", JSON_DECODE_ANY, &jerr);
    if (!j) {
        gfdx_errf(err, errlen, "schema is not JSON: line %d column %d: %s", jerr.line,
                jerr.column, jerr.text);
        return NULL;
    }
    char *text = gfdx_avro_canonical_json(j, err, errlen);
    json_decref(j);
    return text;
}

/* ---- CRC-64-AVRO --------------------------------------------------------------------- */

static uint64_t crc64_table[256];
static pthread_once_t crc64_once = PTHREAD_ONCE_INIT;

static void crc64_init(void)
{
    for (int i = 0; i < 256; i++) {
        uint64_t fp = (uint64_t)i;
        for (int j = 0; j < 8; j++)
            fp = (fp >> 1) ^ (GFDX_AVRO_CRC64_EMPTY & (0 - (fp & 1)));
        crc64_table[i] = fp;
    }
}

uint64_t gfdx_avro_crc64(const void *buf, size_t len)
{
    pthread_once(&crc64_once, crc64_init);
    const unsigned char *p = buf;
    uint64_t fp = GFDX_AVRO_CRC64_EMPTY;
    for (size_t i = 0; i < len; i++)
        fp = (fp >> 8) ^ crc64_table[(fp ^ p[i]) & 0xff];
    return fp;
}

uint64_t gfdx_avro_fingerprint(const char *canonical)
{
    return gfdx_avro_crc64(canonical, canonical ? strlen(canonical) : 0);
}
