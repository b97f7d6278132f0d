/* avro_serde: single-object encoding <-> JSON with schema resolution. See avro_serde.h.
 *
 * Decoding runs the same schema-driven walk twice: first over the writer schema alone
 * (no reader, no output) to validate the body's structure, so TRUNCATED, TRAILING_BYTES
 * and BAD_BODY are decided before anything is built; then with the reader schema to build
 * the reader-shaped JSON, where only RESOLUTION (or out-of-memory) can still fail. */
#include "avro_serde.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record_limits.h" /* gfdx_utf8_valid: the one strict UTF-8 check */
#include "errbuf.h"

typedef gfdx_avro_node node_t;
typedef gfdx_serde_status status_t;

#define MAX_DEPTH 200               /* nesting of values, bounds the recursion */
#define ZERO_SIZE_ITEM_BUDGET (1L << 16) /* elements that take no bytes (null, {}) */

const char *gfdx_serde_status_name(gfdx_serde_status status)
{
    static const char *const names[] = {
        "OK", "BAD_MARKER", "UNKNOWN_FINGERPRINT", "TRUNCATED", "TRAILING_BYTES",
        "BAD_BODY", "RESOLUTION", "INVALID_DATUM",
    };
    if ((unsigned)status < sizeof names / sizeof names[0])
        return names[status];
    return "UNKNOWN";
}

/* ---- where an error happened ---------------------------------------------------------- */

/* The field path being walked ("project.measures[2]") and the caller's error buffer. */
typedef struct {
    char path[512];
    size_t plen;
    char *err;
    size_t errlen;
} where_t;


static status_t fail(where_t *w, status_t st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills err with "path: message" and returns st. */
static status_t fail(where_t *w, status_t st, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (w->plen)
        gfdx_errf(w->err, w->errlen, "%s: %s", w->path, msg);
    else
        gfdx_errf(w->err, w->errlen, "%s", msg);
    return st;
}

/* Appends a path segment: a field name (joined with '.') or an index/key in brackets.
 * Returns the previous length for path_pop. A path too long for the buffer is cut. */
static size_t path_field(where_t *w, const char *name)
{
    size_t old = w->plen;
    int n = snprintf(w->path + w->plen, sizeof w->path - w->plen, "%s%s", w->plen ? "." : "",
                     name);
    if (n > 0)
        w->plen = w->plen + (size_t)n < sizeof w->path ? w->plen + (size_t)n : sizeof w->path - 1;
    return old;
}

static size_t path_index(where_t *w, size_t i, const char *key)
{
    size_t old = w->plen;
    int n = key ? snprintf(w->path + w->plen, sizeof w->path - w->plen, "[%s]", key)
                : snprintf(w->path + w->plen, sizeof w->path - w->plen, "[%zu]", i);
    if (n > 0)
        w->plen = w->plen + (size_t)n < sizeof w->path ? w->plen + (size_t)n : sizeof w->path - 1;
    return old;
}

static void path_pop(where_t *w, size_t old)
{
    w->plen = old;
    w->path[old] = '\0';
}

static const char *type_label(const node_t *n)
{
    return n->fullname ? n->fullname : gfdx_avro_type_name(n->type);
}

/* ---- text helpers --------------------------------------------------------------------- */

/* Bytes as a JSON string of code points 0-255 (each byte one code point). */
static json_t *bytes_to_json(const unsigned char *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (!s)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x80) {
            s[k++] = (char)p[i];
        } else {
            s[k++] = (char)(0xC0 | (p[i] >> 6));
            s[k++] = (char)(0x80 | (p[i] & 0x3F));
        }
    }
    json_t *j = json_stringn(s, k);
    free(s);
    return j;
}

/* ---- binary reader -------------------------------------------------------------------- */

typedef struct {
    const unsigned char *p, *end;
    long budget;   /* zero-size elements still allowed */
    int depth;
    where_t *w;
} rd_t;

static status_t rd_truncated(rd_t *c, const char *what, uint64_t want)
{
    return fail(c->w, GFDX_SERDE_TRUNCATED, "body truncated: %s needs %llu bytes, %zu left",
                what, (unsigned long long)want, (size_t)(c->end - c->p));
}

static status_t rd_long(rd_t *c, int64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (c->p >= c->end)
            return rd_truncated(c, "varint", 1);
        unsigned char b = *c->p++;
        if (shift == 63 && (b & 0x7E))
            return fail(c->w, GFDX_SERDE_BAD_BODY, "varint longer than 64 bits");
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return GFDX_SERDE_OK;
        }
    }
    return fail(c->w, GFDX_SERDE_BAD_BODY, "varint longer than 10 bytes");
}

static status_t rd_int(rd_t *c, int64_t *out)
{
    status_t st = rd_long(c, out);
    if (st == GFDX_SERDE_OK && (*out < INT32_MIN || *out > INT32_MAX))
        return fail(c->w, GFDX_SERDE_BAD_BODY, "int %lld out of range", (long long)*out);
    return st;
}

/* A byte count for bytes/string/fixed: present in full, returns a pointer to the data. */
static status_t rd_span(rd_t *c, uint64_t len, const char *what, const unsigned char **data)
{
    if (len > (uint64_t)(c->end - c->p))
        return rd_truncated(c, what, len);
    *data = c->p;
    c->p += len;
    return GFDX_SERDE_OK;
}

static status_t rd_len_prefixed(rd_t *c, const char *what, const unsigned char **data,
                                size_t *len)
{
    int64_t n = 0;
    status_t st = rd_long(c, &n);
    if (st != GFDX_SERDE_OK)
        return st;
    if (n < 0)
        return fail(c->w, GFDX_SERDE_BAD_BODY, "negative %s length %lld", what, (long long)n);
    *len = (size_t)n;
    return rd_span(c, (uint64_t)n, what, data);
}

static status_t rd_string(rd_t *c, const unsigned char **data, size_t *len)
{
    status_t st = rd_len_prefixed(c, "string", data, len);
    if (st == GFDX_SERDE_OK && !gfdx_utf8_valid(*data, *len))
        return fail(c->w, GFDX_SERDE_BAD_BODY, "string is not valid UTF-8 (or holds U+0000)");
    return st;
}

static status_t rd_double(rd_t *c, int size, double *out)
{
    const unsigned char *d = NULL;
    status_t st = rd_span(c, (uint64_t)size, size == 4 ? "float" : "double", &d);
    if (st != GFDX_SERDE_OK)
        return st;
    uint64_t bits = 0;
    for (int i = size - 1; i >= 0; i--)
        bits = bits << 8 | d[i];
    if (size == 4) {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, sizeof f);
        *out = f;
    } else {
        memcpy(out, &bits, sizeof *out);
    }
    if (!isfinite(*out))
        return fail(c->w, GFDX_SERDE_BAD_BODY, "NaN or Infinity is not representable in JSON");
    return GFDX_SERDE_OK;
}

/* ---- resolution rules ----------------------------------------------------------------- */

static bool names_match(const node_t *w, const node_t *r)
{
    if (!strcmp(w->fullname, r->fullname) || !strcmp(w->name, r->name))
        return true;
    for (size_t i = 0; i < r->n_aliases; i++)
        if (!strcmp(r->aliases[i], w->fullname))
            return true;
    return false;
}

static bool same_type(const node_t *w, const node_t *r)
{
    if (w->type != r->type)
        return false;
    if (w->type == GFDX_AVRO_FIXED && w->size != r->size)
        return false;
    return !w->fullname || names_match(w, r);
}

/* The spec's promotions: int->long/float/double, long->float/double, float->double,
 * string<->bytes. */
static bool promotes(gfdx_avro_type w, gfdx_avro_type r)
{
    switch (w) {
    case GFDX_AVRO_INT:
        return r == GFDX_AVRO_LONG || r == GFDX_AVRO_FLOAT || r == GFDX_AVRO_DOUBLE;
    case GFDX_AVRO_LONG:
        return r == GFDX_AVRO_FLOAT || r == GFDX_AVRO_DOUBLE;
    case GFDX_AVRO_FLOAT:
        return r == GFDX_AVRO_DOUBLE;
    case GFDX_AVRO_STRING:
        return r == GFDX_AVRO_BYTES;
    case GFDX_AVRO_BYTES:
        return r == GFDX_AVRO_STRING;
    default:
        return false;
    }
}

/* The reader union branch for a (non-union) writer type: the first of the same type,
 * else the first it promotes to; NULL when none. */
static const node_t *match_branch(const node_t *runion, const node_t *w)
{
    for (size_t i = 0; i < runion->n_branches; i++)
        if (same_type(w, runion->branches[i]))
            return runion->branches[i];
    for (size_t i = 0; i < runion->n_branches; i++)
        if (promotes(w->type, runion->branches[i]->type))
            return runion->branches[i];
    return NULL;
}

static const gfdx_avro_field *reader_field(const node_t *r, const char *wname)
{
    for (size_t i = 0; i < r->n_fields; i++) {
        const gfdx_avro_field *f = &r->fields[i];
        if (!strcmp(f->name, wname))
            return f;
        for (size_t k = 0; k < f->n_aliases; k++)
            if (!strcmp(f->aliases[k], wname))
                return f;
    }
    return NULL;
}

/* ---- decoder -------------------------------------------------------------------------- */

/* Walks one value of writer schema w. With r == NULL it only validates and skips (out
 * unused); otherwise it resolves against reader schema r and stores a new json_t in *out. */
static status_t rd_value(rd_t *c, const node_t *w, const node_t *r, json_t **out);

static status_t oom(rd_t *c)
{
    return fail(c->w, GFDX_SERDE_BAD_BODY, "out of memory");
}

static status_t rd_number(rd_t *c, const node_t *w, const node_t *r, json_t **out)
{
    int64_t iv = 0;
    double dv = 0;
    status_t st = w->type == GFDX_AVRO_INT    ? rd_int(c, &iv)
                  : w->type == GFDX_AVRO_LONG ? rd_long(c, &iv)
                                              : rd_double(c, w->type == GFDX_AVRO_FLOAT ? 4 : 8, &dv);
    if (st != GFDX_SERDE_OK || !r)
        return st;
    if (r->type == GFDX_AVRO_INT || r->type == GFDX_AVRO_LONG)
        *out = json_integer((json_int_t)iv);
    else if (w->type == GFDX_AVRO_INT || w->type == GFDX_AVRO_LONG)
        *out = json_real(r->type == GFDX_AVRO_FLOAT ? (double)(float)iv : (double)iv);
    else
        *out = json_real(dv);
    return *out ? GFDX_SERDE_OK : oom(c);
}

static status_t rd_text(rd_t *c, const node_t *w, const node_t *r, json_t **out)
{
    const unsigned char *d = NULL;
    size_t len = w->size;
    status_t st = w->type == GFDX_AVRO_STRING ? rd_string(c, &d, &len)
                  : w->type == GFDX_AVRO_BYTES ? rd_len_prefixed(c, "bytes", &d, &len)
                                               : rd_span(c, w->size, "fixed", &d);
    if (st != GFDX_SERDE_OK || !r)
        return st;
    if (r->type == GFDX_AVRO_STRING) {
        if (w->type != GFDX_AVRO_STRING && !gfdx_utf8_valid(d, len))
            return fail(c->w, GFDX_SERDE_RESOLUTION, "bytes are not a valid UTF-8 string");
        *out = json_stringn((const char *)d, len);
    } else {
        *out = bytes_to_json(d, len);
    }
    return *out ? GFDX_SERDE_OK : oom(c);
}

static status_t rd_enum(rd_t *c, const node_t *w, const node_t *r, json_t **out)
{
    int64_t idx = 0;
    status_t st = rd_int(c, &idx);
    if (st != GFDX_SERDE_OK)
        return st;
    if (idx < 0 || (uint64_t)idx >= w->n_symbols)
        return fail(c->w, GFDX_SERDE_BAD_BODY, "enum index %lld out of range for %s",
                    (long long)idx, w->fullname);
    if (!r)
        return GFDX_SERDE_OK;
    const char *sym = w->symbols[idx];
    bool known = false;
    for (size_t i = 0; i < r->n_symbols && !known; i++)
        known = !strcmp(r->symbols[i], sym);
    if (!known && !r->enum_default)
        return fail(c->w, GFDX_SERDE_RESOLUTION, "symbol '%s' is unknown to reader enum %s "
                    "and it has no default", sym, r->fullname);
    *out = json_string(known ? sym : r->enum_default);
    return *out ? GFDX_SERDE_OK : oom(c);
}

/* Minimum encoded size of a value of n: bounds element counts by the bytes left. May
 * under-estimate (0) for deep or recursive records, which only loosens the bound. */
static size_t min_size(const node_t *n, int depth)
{
    switch (n->type) {
    case GFDX_AVRO_NULL:
        return 0;
    case GFDX_AVRO_FLOAT:
        return 4;
    case GFDX_AVRO_DOUBLE:
        return 8;
    case GFDX_AVRO_FIXED:
        return n->size;
    case GFDX_AVRO_RECORD: {
        size_t sum = 0;
        for (size_t i = 0; depth < 4 && i < n->n_fields && sum < 64; i++)
            sum += min_size(n->fields[i].type, depth + 1);
        return sum;
    }
    default:
        return 1;
    }
}

static status_t rd_block_count(rd_t *c, const node_t *item, bool is_map, int64_t *count)
{
    status_t st = rd_long(c, count);
    if (st == GFDX_SERDE_OK && *count < 0) {
        /* A negative count is followed by the block's size in bytes. */
        if (*count == INT64_MIN)
            return fail(c->w, GFDX_SERDE_BAD_BODY, "block count out of range");
        *count = -*count;
        int64_t bytes = 0;
        st = rd_long(c, &bytes);
        if (st == GFDX_SERDE_OK && bytes < 0)
            return fail(c->w, GFDX_SERDE_BAD_BODY, "negative block size");
    }
    if (st != GFDX_SERDE_OK || *count == 0)
        return st;
    size_t each = min_size(item, 0) + (is_map ? 1 : 0);
    if (each && (uint64_t)*count > (size_t)(c->end - c->p) / each)
        return rd_truncated(c, "block", (uint64_t)*count * each);
    if (!each && (c->budget -= *count) < 0)
        return fail(c->w, GFDX_SERDE_BAD_BODY, "too many empty elements");
    return GFDX_SERDE_OK;
}

/* One array item or map entry, stored into container (array or object) when resolving. */
static status_t rd_item(rd_t *c, const node_t *w, const node_t *r, size_t i, json_t *container)
{
    const unsigned char *key = NULL;
    size_t klen = 0;
    char kbuf[64] = "";
    if (w->type == GFDX_AVRO_MAP) {
        status_t st = rd_string(c, &key, &klen);
        if (st != GFDX_SERDE_OK)
            return st;
        size_t shown = klen < sizeof kbuf - 1 ? klen : sizeof kbuf - 1;
        memcpy(kbuf, key, shown);
        kbuf[shown] = '\0';
    }
    size_t old = path_index(c->w, i, key ? kbuf : NULL);
    const node_t *wi = w->type == GFDX_AVRO_MAP ? w->values : w->items;
    const node_t *ri = !r ? NULL : r->type == GFDX_AVRO_MAP ? r->values : r->items;
    json_t *v = NULL;
    status_t st = rd_value(c, wi, ri, r ? &v : NULL);
    if (st == GFDX_SERDE_OK && r) {
        int rc = key ? json_object_setn_new(container, (const char *)key, klen, v)
                     : json_array_append_new(container, v);
        if (rc != 0)
            st = oom(c);
    }
    if (st == GFDX_SERDE_OK)
        path_pop(c->w, old);
    return st;
}

/* Arrays and maps: blocks of items until a zero count. */
static status_t rd_blocks(rd_t *c, const node_t *w, const node_t *r, json_t **out)
{
    bool is_map = w->type == GFDX_AVRO_MAP;
    json_t *container = NULL;
    if (r && !(container = is_map ? json_object() : json_array()))
        return oom(c);
    status_t st;
    size_t i = 0;
    for (;;) {
        int64_t count = 0;
        st = rd_block_count(c, is_map ? w->values : w->items, is_map, &count);
        if (st != GFDX_SERDE_OK || count == 0)
            break;
        for (int64_t k = 0; k < count && st == GFDX_SERDE_OK; k++)
            st = rd_item(c, w, r, i++, container);
        if (st != GFDX_SERDE_OK)
            break;
    }
    if (st != GFDX_SERDE_OK) {
        json_decref(container);
        return st;
    }
    if (r)
        *out = container;
    return GFDX_SERDE_OK;
}

static status_t rd_default(rd_t *c, const gfdx_avro_field *rf, json_t **out);

static status_t rd_record(rd_t *c, const node_t *w, const node_t *r, json_t **out)
{
    json_t *obj = NULL;
    if (r && !(obj = json_object()))
        return oom(c);
    status_t st = GFDX_SERDE_OK;
    for (size_t i = 0; i < w->n_fields && st == GFDX_SERDE_OK; i++) {
        const gfdx_avro_field *rf = r ? reader_field(r, w->fields[i].name) : NULL;
        size_t old = path_field(c->w, w->fields[i].name);
        json_t *v = NULL;
        st = rd_value(c, w->fields[i].type, rf ? rf->type : NULL, rf ? &v : NULL);
        if (st == GFDX_SERDE_OK && rf && json_object_set_new(obj, rf->name, v) != 0)
            st = oom(c);
        if (st == GFDX_SERDE_OK)
            path_pop(c->w, old);
    }
    for (size_t i = 0; r && i < r->n_fields && st == GFDX_SERDE_OK; i++) {
        if (json_object_get(obj, r->fields[i].name))
            continue;
        json_t *v = NULL;
        size_t old = path_field(c->w, r->fields[i].name);
        st = rd_default(c, &r->fields[i], &v);
        if (st == GFDX_SERDE_OK && json_object_set_new(obj, r->fields[i].name, v) != 0)
            st = oom(c);
        if (st == GFDX_SERDE_OK)
            path_pop(c->w, old);
    }
    if (st != GFDX_SERDE_OK)
        json_decref(obj);
    else if (r)
        *out = obj;
    return st;
}

/* Writer union: the branch index picks the writer type; the reader is resolved against
 * that branch. Reader union (writer not a union): the matching reader branch. */
static status_t rd_unions(rd_t *c, const node_t **w, const node_t **r)
{
    if ((*w)->type == GFDX_AVRO_UNION) {
        int64_t idx = 0;
        status_t st = rd_long(c, &idx);
        if (st != GFDX_SERDE_OK)
            return st;
        if (idx < 0 || (uint64_t)idx >= (*w)->n_branches)
            return fail(c->w, GFDX_SERDE_BAD_BODY, "union index %lld out of range",
                        (long long)idx);
        *w = (*w)->branches[idx];
    }
    if (*r && (*r)->type == GFDX_AVRO_UNION) {
        const node_t *b = match_branch(*r, *w);
        if (!b)
            return fail(c->w, GFDX_SERDE_RESOLUTION, "writer type %s matches no branch of "
                        "the reader union", type_label(*w));
        *r = b;
    }
    if (*r && !same_type(*w, *r) && !promotes((*w)->type, (*r)->type))
        return fail(c->w, GFDX_SERDE_RESOLUTION, "writer type %s cannot be read as %s",
                    type_label(*w), type_label(*r));
    return GFDX_SERDE_OK;
}

static status_t rd_value(rd_t *c, const node_t *w, const node_t *r, json_t **out)
{
    if (c->depth >= MAX_DEPTH)
        return fail(c->w, GFDX_SERDE_BAD_BODY, "values nested deeper than %d", MAX_DEPTH);
    status_t st = rd_unions(c, &w, &r);
    if (st != GFDX_SERDE_OK)
        return st;
    c->depth++;
    switch (w->type) {
    case GFDX_AVRO_NULL:
        if (r)
            *out = json_null();
        break;
    case GFDX_AVRO_BOOLEAN:
        if (c->p >= c->end)
            st = rd_truncated(c, "boolean", 1);
        else if (*c->p > 1)
            st = fail(c->w, GFDX_SERDE_BAD_BODY, "boolean byte %u", *c->p);
        else if (r)
            *out = json_boolean(*c->p++);
        else
            c->p++;
        break;
    case GFDX_AVRO_INT: case GFDX_AVRO_LONG: case GFDX_AVRO_FLOAT: case GFDX_AVRO_DOUBLE:
        st = rd_number(c, w, r, out);
        break;
    case GFDX_AVRO_BYTES: case GFDX_AVRO_STRING: case GFDX_AVRO_FIXED:
        st = rd_text(c, w, r, out);
        break;
    case GFDX_AVRO_ENUM:
        st = rd_enum(c, w, r, out);
        break;
    case GFDX_AVRO_ARRAY: case GFDX_AVRO_MAP:
        st = rd_blocks(c, w, r, out);
        break;
    case GFDX_AVRO_RECORD:
        st = rd_record(c, w, r, out);
        break;
    case GFDX_AVRO_UNION:
        st = fail(c->w, GFDX_SERDE_BAD_BODY, "union directly inside a union");
        break;
    }
    c->depth--;
    return st;
}

/* ---- encoder -------------------------------------------------------------------------- */

typedef struct {
    unsigned char *d;
    size_t len, cap;
    int depth;
    where_t *w;
} wr_t;

static status_t wr_put(wr_t *c, const void *p, size_t n)
{
    if (c->cap - c->len < n) {
        size_t cap = c->cap ? c->cap : 256;
        while (cap - c->len < n)
            cap *= 2;
        unsigned char *d = realloc(c->d, cap);
        if (!d)
            return fail(c->w, GFDX_SERDE_INVALID_DATUM, "out of memory");
        c->d = d;
        c->cap = cap;
    }
    memcpy(c->d + c->len, p, n);
    c->len += n;
    return GFDX_SERDE_OK;
}

static status_t wr_long(wr_t *c, int64_t v)
{
    unsigned char b[10];
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    do {
        b[n] = z & 0x7F;
        z >>= 7;
        if (z)
            b[n] |= 0x80;
        n++;
    } while (z);
    return wr_put(c, b, n);
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "real";
    case JSON_TRUE: case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

static status_t wr_mismatch(wr_t *c, const node_t *n, const json_t *v)
{
    return fail(c->w, GFDX_SERDE_INVALID_DATUM, "expected %s, got %s", type_label(n),
                json_kind(v));
}

static status_t wr_value(wr_t *c, const node_t *n, const json_t *v);

static status_t wr_number(wr_t *c, const node_t *n, const json_t *v)
{
    if (n->type == GFDX_AVRO_INT || n->type == GFDX_AVRO_LONG) {
        if (!json_is_integer(v))
            return wr_mismatch(c, n, v);
        json_int_t i = json_integer_value(v);
        if (n->type == GFDX_AVRO_INT && (i < INT32_MIN || i > INT32_MAX))
            return fail(c->w, GFDX_SERDE_INVALID_DATUM, "%lld is out of int range", (long long)i);
        return wr_long(c, (int64_t)i);
    }
    if (!json_is_number(v))
        return wr_mismatch(c, n, v);
    double d = json_number_value(v);
    unsigned char b[8];
    uint64_t bits;
    if (n->type == GFDX_AVRO_FLOAT) {
        if (fabs(d) > FLT_MAX)
            return fail(c->w, GFDX_SERDE_INVALID_DATUM, "%g is out of float range", d);
        float f = (float)d;
        uint32_t b32;
        memcpy(&b32, &f, sizeof b32);
        bits = b32;
    } else {
        memcpy(&bits, &d, sizeof bits);
    }
    int size = n->type == GFDX_AVRO_FLOAT ? 4 : 8;
    for (int i = 0; i < size; i++)
        b[i] = (unsigned char)(bits >> (8 * i));
    return wr_put(c, b, (size_t)size);
}

/* A JSON string of code points 0-255 back to bytes (written in place of the string). */
static status_t wr_bytes(wr_t *c, const node_t *n, const json_t *v)
{
    if (!json_is_string(v))
        return wr_mismatch(c, n, v);
    const unsigned char *s = (const unsigned char *)json_string_value(v);
    size_t len = json_string_length(v), k = 0;
    unsigned char *raw = malloc(len + 1);
    if (!raw)
        return fail(c->w, GFDX_SERDE_INVALID_DATUM, "out of memory");
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x80) {
            raw[k++] = s[i];
        } else if ((s[i] & 0xE0) == 0xC0 && s[i] <= 0xC3 && i + 1 < len) {
            raw[k++] = (unsigned char)(((s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F));
            i++;
        } else {
            free(raw);
            return fail(c->w, GFDX_SERDE_INVALID_DATUM, "%s holds a code point above 255",
                        type_label(n));
        }
    }
    status_t st = GFDX_SERDE_OK;
    if (n->type == GFDX_AVRO_FIXED && k != n->size)
        st = fail(c->w, GFDX_SERDE_INVALID_DATUM, "fixed %s needs %zu bytes, got %zu",
                  n->fullname, n->size, k);
    else if (n->type == GFDX_AVRO_BYTES)
        st = wr_long(c, (int64_t)k);
    if (st == GFDX_SERDE_OK)
        st = wr_put(c, raw, k);
    free(raw);
    return st;
}

static status_t wr_string(wr_t *c, const node_t *n, const json_t *v)
{
    if (!json_is_string(v))
        return wr_mismatch(c, n, v);
    size_t len = json_string_length(v);
    if (memchr(json_string_value(v), 0, len))
        return fail(c->w, GFDX_SERDE_INVALID_DATUM, "string holds U+0000");
    status_t st = wr_long(c, (int64_t)len);
    return st == GFDX_SERDE_OK ? wr_put(c, json_string_value(v), len) : st;
}

static status_t wr_enum(wr_t *c, const node_t *n, const json_t *v)
{
    if (!json_is_string(v))
        return wr_mismatch(c, n, v);
    for (size_t i = 0; i < n->n_symbols; i++)
        if (!strcmp(n->symbols[i], json_string_value(v)))
            return wr_long(c, (int64_t)i);
    return fail(c->w, GFDX_SERDE_INVALID_DATUM, "'%s' is not a symbol of %s",
                json_string_value(v), n->fullname);
}

static status_t wr_array(wr_t *c, const node_t *n, const json_t *v)
{
    if (!json_is_array(v))
        return wr_mismatch(c, n, v);
    size_t count = json_array_size(v);
    status_t st = count ? wr_long(c, (int64_t)count) : GFDX_SERDE_OK;
    for (size_t i = 0; i < count && st == GFDX_SERDE_OK; i++) {
        size_t old = path_index(c->w, i, NULL);
        st = wr_value(c, n->items, json_array_get(v, i));
        if (st == GFDX_SERDE_OK)
            path_pop(c->w, old);
    }
    return st == GFDX_SERDE_OK ? wr_long(c, 0) : st;
}

static status_t wr_map(wr_t *c, const node_t *n, const json_t *v)
{
    if (!json_is_object(v))
        return wr_mismatch(c, n, v);
    size_t count = json_object_size(v);
    status_t st = count ? wr_long(c, (int64_t)count) : GFDX_SERDE_OK;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        if (st != GFDX_SERDE_OK)
            break;
        size_t klen = strlen(key), old = path_index(c->w, 0, key);
        st = wr_long(c, (int64_t)klen);
        if (st == GFDX_SERDE_OK)
            st = wr_put(c, key, klen);
        if (st == GFDX_SERDE_OK)
            st = wr_value(c, n->values, val);
        if (st == GFDX_SERDE_OK)
            path_pop(c->w, old);
    }
    return st == GFDX_SERDE_OK ? wr_long(c, 0) : st;
}

static status_t wr_record(wr_t *c, const node_t *n, const json_t *v)
{
    if (!json_is_object(v))
        return wr_mismatch(c, n, v);
    status_t st = GFDX_SERDE_OK;
    for (size_t i = 0; i < n->n_fields && st == GFDX_SERDE_OK; i++) {
        const gfdx_avro_field *f = &n->fields[i];
        size_t old = path_field(c->w, f->name);
        const json_t *fv = json_object_get(v, f->name);
        if (!fv && !f->def)
            st = fail(c->w, GFDX_SERDE_INVALID_DATUM, "missing required field");
        else
            st = wr_value(c, f->type, fv ? fv : f->def);
        if (st == GFDX_SERDE_OK)
            path_pop(c->w, old);
    }
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        bool known = false;
        for (size_t i = 0; i < n->n_fields && !known; i++)
            known = !strcmp(n->fields[i].name, key);
        if (!known && st == GFDX_SERDE_OK) {
            path_field(c->w, key);
            st = fail(c->w, GFDX_SERDE_INVALID_DATUM, "not a field of %s", n->fullname);
        }
    }
    return st;
}

/* The index of the branch named by a tagged union value {"type name": value}, or -1. */
static long tagged_branch(const node_t *n, const json_t *v, const json_t **inner)
{
    if (!json_is_object(v) || json_object_size(v) != 1)
        return -1;
    const char *key = json_object_iter_key(json_object_iter((json_t *)v));
    for (size_t i = 0; i < n->n_branches; i++) {
        const node_t *b = n->branches[i];
        if (b->fullname ? !strcmp(b->fullname, key) || !strcmp(b->name, key)
                        : !strcmp(gfdx_avro_type_name(b->type), key)) {
            *inner = json_object_get(v, key);
            return (long)i;
        }
    }
    return -1;
}

/* Can a JSON value of this kind be a value of branch b at all? */
static bool kind_fits(const node_t *b, const json_t *v)
{
    switch (b->type) {
    case GFDX_AVRO_NULL: return json_is_null(v);
    case GFDX_AVRO_BOOLEAN: return json_is_boolean(v);
    case GFDX_AVRO_INT: case GFDX_AVRO_LONG: return json_is_integer(v);
    case GFDX_AVRO_FLOAT: case GFDX_AVRO_DOUBLE: return json_is_number(v);
    case GFDX_AVRO_BYTES: case GFDX_AVRO_STRING: case GFDX_AVRO_ENUM: case GFDX_AVRO_FIXED:
        return json_is_string(v);
    case GFDX_AVRO_ARRAY: return json_is_array(v);
    default: return json_is_object(v);
    }
}

/* Untagged: the first branch the value encodes under. The error reported is that of the
 * first branch of a fitting kind, which is what the author most likely meant. */
static status_t wr_union(wr_t *c, const node_t *n, const json_t *v)
{
    const json_t *inner = NULL;
    long tagged = tagged_branch(n, v, &inner);
    if (tagged >= 0) {
        status_t st = wr_long(c, tagged);
        return st == GFDX_SERDE_OK ? wr_value(c, n->branches[tagged], inner) : st;
    }
    char first_err[512] = "";
    size_t mark = c->len, plen = c->w->plen;
    for (size_t i = 0; i < n->n_branches; i++) {
        if (!kind_fits(n->branches[i], v))
            continue;
        status_t st = wr_long(c, (int64_t)i);
        if (st == GFDX_SERDE_OK)
            st = wr_value(c, n->branches[i], v);
        if (st == GFDX_SERDE_OK)
            return st;
        if (!first_err[0] && c->w->err)
            snprintf(first_err, sizeof first_err, "%s", c->w->err);
        c->len = mark;
        path_pop(c->w, plen);
    }
    if (first_err[0]) {
        gfdx_errf(c->w->err, c->w->errlen, "%s", first_err);
        return GFDX_SERDE_INVALID_DATUM;
    }
    return fail(c->w, GFDX_SERDE_INVALID_DATUM, "%s fits no branch of the union", json_kind(v));
}

static status_t wr_value(wr_t *c, const node_t *n, const json_t *v)
{
    if (c->depth >= MAX_DEPTH)
        return fail(c->w, GFDX_SERDE_INVALID_DATUM, "nested deeper than %d", MAX_DEPTH);
    status_t st;
    c->depth++;
    switch (n->type) {
    case GFDX_AVRO_NULL:
        st = json_is_null(v) ? GFDX_SERDE_OK : wr_mismatch(c, n, v);
        break;
    case GFDX_AVRO_BOOLEAN:
        st = !json_is_boolean(v) ? wr_mismatch(c, n, v)
                                 : wr_put(c, json_is_true(v) ? "\1" : "\0", 1);
        break;
    case GFDX_AVRO_INT: case GFDX_AVRO_LONG: case GFDX_AVRO_FLOAT: case GFDX_AVRO_DOUBLE:
        st = wr_number(c, n, v);
        break;
    case GFDX_AVRO_STRING:
        st = wr_string(c, n, v);
        break;
    case GFDX_AVRO_BYTES: case GFDX_AVRO_FIXED:
        st = wr_bytes(c, n, v);
        break;
    case GFDX_AVRO_ENUM:
        st = wr_enum(c, n, v);
        break;
    case GFDX_AVRO_ARRAY:
        st = wr_array(c, n, v);
        break;
    case GFDX_AVRO_MAP:
        st = wr_map(c, n, v);
        break;
    case GFDX_AVRO_RECORD:
        st = wr_record(c, n, v);
        break;
    default:
        st = wr_union(c, n, v);
    }
    c->depth--;
    return st;
}

/* A reader default, normalised to the convention by encoding it with the reader field's
 * schema and decoding the result (reals stay reals, nested record defaults are filled). */
static status_t rd_default(rd_t *c, const gfdx_avro_field *rf, json_t **out)
{
    if (!rf->def)
        return fail(c->w, GFDX_SERDE_RESOLUTION, "reader field has no default and the "
                    "writer lacks it");
    char why[256] = "";
    where_t ww = {.err = why, .errlen = sizeof why};
    wr_t wc = {.w = &ww};
    status_t st = wr_value(&wc, rf->type, rf->def);
    if (st != GFDX_SERDE_OK) {
        free(wc.d);
        return fail(c->w, GFDX_SERDE_RESOLUTION, "invalid reader default: %s", why);
    }
    where_t rw = {.err = why, .errlen = sizeof why};
    rd_t rc = {.p = wc.d, .end = wc.d + wc.len, .budget = ZERO_SIZE_ITEM_BUDGET, .w = &rw};
    st = rd_value(&rc, rf->type, rf->type, out);
    free(wc.d);
    if (st != GFDX_SERDE_OK)
        return fail(c->w, st, "reader default: %s", why);
    return GFDX_SERDE_OK;
}

/* ---- public API ----------------------------------------------------------------------- */

int gfdx_serde_peek_fingerprint(const void *buf, size_t len, uint64_t *fp)
{
    const unsigned char *p = buf;
    if (!p || len < GFDX_SERDE_HEADER_LEN || p[0] != 0xC3 || p[1] != 0x01)
        return -1;
    uint64_t v = 0;
    for (int i = 9; i >= 2; i--)
        v = v << 8 | p[i];
    if (fp)
        *fp = v;
    return 0;
}

static status_t decode_body(const gfdx_schema *writer, const gfdx_schema *reader,
                            const unsigned char *body, size_t len, json_t **out, where_t *w)
{
    const node_t *wn = gfdx_schema_node(writer), *rn = gfdx_schema_node(reader);
    if (!names_match(wn, rn))
        return fail(w, GFDX_SERDE_RESOLUTION, "writer %s cannot be read as %s",
                    wn->fullname, rn->fullname);
    rd_t c = {.p = body, .end = body + len, .budget = ZERO_SIZE_ITEM_BUDGET, .w = w};
    status_t st = rd_value(&c, wn, NULL, NULL);
    if (st != GFDX_SERDE_OK)
        return st;
    if (c.p != c.end)
        return fail(w, GFDX_SERDE_TRAILING_BYTES, "%zu bytes left after the %zu-byte body",
                    (size_t)(c.end - c.p), (size_t)(c.p - body));
    rd_t r = {.p = body, .end = body + len, .budget = ZERO_SIZE_ITEM_BUDGET, .w = w};
    return rd_value(&r, wn, rn, out);
}

gfdx_serde_status gfdx_serde_decode_as(const gfdx_catalog *cat, const gfdx_schema *reader,
                                       const void *buf, size_t len, json_t **out,
                                       const gfdx_schema **writer, char *err, size_t errlen)
{
    where_t w = {.err = err, .errlen = errlen};
    uint64_t fp;
    *out = NULL;
    if (writer)
        *writer = NULL;
    if (gfdx_serde_peek_fingerprint(buf, len, &fp) < 0)
        return fail(&w, GFDX_SERDE_BAD_MARKER, "not a single-object message (%zu bytes%s)",
                    len, len >= 2 ? ", marker is not C3 01" : "");
    const gfdx_schema *ws = gfdx_catalog_by_fingerprint(cat, fp);
    if (!ws)
        return fail(&w, GFDX_SERDE_UNKNOWN_FINGERPRINT, "unknown fingerprint 0x%016llx",
                    (unsigned long long)fp);
    if (writer)
        *writer = ws;
    if (!reader)
        reader = gfdx_catalog_latest(cat, gfdx_schema_fullname(ws));
    return decode_body(ws, reader, (const unsigned char *)buf + GFDX_SERDE_HEADER_LEN,
                       len - GFDX_SERDE_HEADER_LEN, out, &w);
}

gfdx_serde_status gfdx_serde_decode(const gfdx_catalog *cat, const void *buf, size_t len,
                                    json_t **out, const gfdx_schema **writer, char *err,
                                    size_t errlen)
{
    return gfdx_serde_decode_as(cat, NULL, buf, len, out, writer, err, errlen);
}

gfdx_serde_status gfdx_serde_encode(const gfdx_schema *s, const json_t *record,
                                    unsigned char **out, size_t *outlen, char *err,
                                    size_t errlen)
{
    where_t w = {.err = err, .errlen = errlen};
    wr_t c = {.w = &w};
    unsigned char head[GFDX_SERDE_HEADER_LEN] = {0xC3, 0x01};
    uint64_t fp = gfdx_schema_fingerprint(s);
    *out = NULL;
    *outlen = 0;
    for (int i = 0; i < 8; i++)
        head[2 + i] = (unsigned char)(fp >> (8 * i));
    status_t st = wr_put(&c, head, sizeof head);
    if (st == GFDX_SERDE_OK)
        st = record ? wr_value(&c, gfdx_schema_node(s), record)
                    : fail(&w, GFDX_SERDE_INVALID_DATUM, "no record");
    if (st != GFDX_SERDE_OK) {
        free(c.d);
        return st;
    }
    *out = c.d;
    *outlen = c.len;
    return GFDX_SERDE_OK;
}
