/* rowset.c: see rowset.h.
 *
 * Layout. Each table the rowset has seen gets an rs_table: `rows`, a jansson object used as
 * a hash map from the row's key (its key values joined with \x1f) to its current row. A
 * deleted row stays as a json null (a tombstone) until settle, so that undoing a delete only
 * replaces a value and never allocates: gfdx_rowset_undo cannot fail. Appended rows live in
 * `rows` too, under synthetic keys "\xff<seq>" (0xff never occurs in UTF-8, so they sort after
 * every real key, in append order), which makes them visible to finds like any other row
 * (jansson's _nocheck setters take such keys, which are not UTF-8).
 * `base` holds every key changed since the last settle, mapped to whether the row existed
 * before its first change: the writer derives what to write from it and the current row
 * (a put then delete of a row that did not exist writes nothing). Every change is recorded
 * in the undo log with the row it replaced. `index` is a cache for finds, column -> value
 * -> {key: true}, built on a column's first find and kept up to date by every change; when
 * keeping it up to date runs out of memory it is dropped and rebuilt on the next find. */
#include "rowset.h"

#include "errbuf.h"
#include "fault.h"
#include "pgstore.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_SEP '\x1f'
#define APPEND_KEY_FMT "\xff%010zu"

typedef struct rs_table {
    const gfdx_table *t;
    json_t *rows;      /* key -> current row; json null for a row deleted since settle */
    json_t *base;      /* key changed since settle -> true if a row existed before the change */
    json_t *appended;  /* rows appended since settle, in order */
    json_t *index;     /* column -> (value text -> {key: true}), a cache for finds */
    json_t *want_cols; /* columns queued for loading, in order of first want */
    json_t *want;      /* column -> {value: true} */
    size_t seq;        /* rows ever appended: their synthetic keys */
} rs_table;

typedef struct {
    rs_table *tab;
    char *key;    /* owned */
    json_t *prev; /* the value of rows[key] before the change (owned), NULL if key was absent */
    bool first;   /* this change added key to tab->base */
    bool append;  /* an append: undo also pops tab->appended */
} rs_undo;

struct gfdx_rowset {
    rs_table **tabs; /* in order of first use */
    size_t ntabs, captabs;
    rs_undo *undo;
    size_t nundo, capundo;
    json_t *empty;     /* what gfdx_rows_appended answers for a table with no appends */
    size_t statements; /* statements run by load and write */
};

/* ---- tables ---- */

static size_t table_nkeys(const gfdx_table *t)
{
    size_t n = 0;
    while (n < GFDX_ROWS_MAX_KEY && t->key[n])
        n++;
    return n;
}

static rs_table *tab_find(const gfdx_rowset *rs, const gfdx_table *t)
{
    for (size_t i = 0; i < rs->ntabs; i++)
        if (rs->tabs[i]->t == t)
            return rs->tabs[i];
    return NULL;
}

static void tab_free(rs_table *tab)
{
    if (!tab)
        return;
    json_decref(tab->rows);
    json_decref(tab->base);
    json_decref(tab->appended);
    json_decref(tab->index);
    json_decref(tab->want_cols);
    json_decref(tab->want);
    free(tab);
}

/* The rs_table of t, created on first use. NULL when out of memory. */
static rs_table *tab_get(gfdx_rowset *rs, const gfdx_table *t)
{
    rs_table *tab = tab_find(rs, t);
    if (tab)
        return tab;
    if (rs->ntabs == rs->captabs) {
        size_t cap = rs->captabs ? 2 * rs->captabs : 8;
        rs_table **n = realloc(rs->tabs, cap * sizeof *n);
        if (!n)
            return NULL;
        rs->tabs = n;
        rs->captabs = cap;
    }
    tab = calloc(1, sizeof *tab);
    if (!tab)
        return NULL;
    tab->t = t;
    tab->rows = json_object();
    tab->base = json_object();
    tab->appended = json_array();
    tab->index = json_object();
    tab->want_cols = json_array();
    tab->want = json_object();
    if (!tab->rows || !tab->base || !tab->appended || !tab->index || !tab->want_cols || !tab->want) {
        tab_free(tab);
        errno = ENOMEM;
        return NULL;
    }
    rs->tabs[rs->ntabs++] = tab;
    return tab;
}

gfdx_rowset *gfdx_rowset_new(void)
{
    gfdx_rowset *rs = calloc(1, sizeof *rs);
    if (!rs)
        return NULL;
    if (!(rs->empty = json_array())) {
        free(rs);
        errno = ENOMEM;
        return NULL;
    }
    return rs;
}

static void undo_clear(gfdx_rowset *rs)
{
    for (size_t i = 0; i < rs->nundo; i++) {
        free(rs->undo[i].key);
        json_decref(rs->undo[i].prev);
    }
    rs->nundo = 0;
}

void gfdx_rowset_free(gfdx_rowset *rs)
{
    if (!rs)
        return;
    undo_clear(rs);
    free(rs->undo);
    for (size_t i = 0; i < rs->ntabs; i++)
        tab_free(rs->tabs[i]);
    free(rs->tabs);
    json_decref(rs->empty);
    free(rs);
}

size_t gfdx_rowset_statements(const gfdx_rowset *rs)
{
    return rs ? rs->statements : 0;
}

/* ---- keys and values ---- */

/* The text a key or an indexed value compares as: a string as is, an integer in decimal, a
 * boolean as "true"/"false"; NULL for anything else (null, reals, arrays, objects). */
static const char *value_text(const json_t *v, char buf[32])
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return NULL;
}

/* parts[0..n) joined with KEY_SEP, malloc'd (NULL when out of memory). */
static char *key_join(const char *const *parts, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i]) + 1;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = KEY_SEP;
        size_t l = strlen(parts[i]);
        memcpy(p, parts[i], l);
        p += l;
    }
    *p = '\0';
    return s;
}

/* The key of row in t, malloc'd: its key columns joined, or for a table without key columns
 * the row's canonical text (a loaded row read twice is kept once). NULL with errno EINVAL when
 * a key column is missing or not a string/integer, ENOMEM when out of memory. */
static char *row_key(const gfdx_table *t, const json_t *row)
{
    size_t n = table_nkeys(t);
    if (n == 0) {
        char *s = json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS);
        if (!s)
            errno = ENOMEM;
        return s;
    }
    const char *parts[GFDX_ROWS_MAX_KEY];
    char bufs[GFDX_ROWS_MAX_KEY][32];
    for (size_t i = 0; i < n; i++)
        if (!(parts[i] = value_text(json_object_get(row, t->key[i]), bufs[i]))) {
            errno = EINVAL;
            return NULL;
        }
    return key_join(parts, n);
}

/* ---- the index (a cache for finds) ---- */

/* Adds or removes key's entry for row in every built index of tab. On running out of memory
 * the index is dropped (json_object_clear): finds rebuild it. */
static void index_update(rs_table *tab, const char *key, const json_t *row, bool add)
{
    const char *col;
    json_t *byval;
    json_object_foreach(tab->index, col, byval) {
        char buf[32];
        const char *v = value_text(json_object_get(row, col), buf);
        if (!v)
            continue;
        json_t *keys = json_object_get(byval, v);
        if (!add) {
            if (keys)
                json_object_del(keys, key);
            continue;
        }
        if (!keys && (!(keys = json_object()) || json_object_set_new(byval, v, keys)))
            goto oom;
        if (json_object_set_new_nocheck(keys, key, json_true()))
            goto oom;
    }
    return;
oom:
    json_object_clear(tab->index);
}

/* The index of column (value -> {key: true}), built now if it is not yet. NULL when out of
 * memory (the caller scans). */
static json_t *index_of(rs_table *tab, const char *column)
{
    json_t *byval = json_object_get(tab->index, column);
    if (byval)
        return byval;
    if (!(byval = json_object()))
        return NULL;
    const char *key;
    json_t *row;
    json_object_foreach(tab->rows, key, row) {
        char buf[32];
        const char *v = value_text(json_object_get(row, column), buf);
        if (!v)
            continue;
        json_t *keys = json_object_get(byval, v);
        if (!keys && (!(keys = json_object()) || json_object_set_new(byval, v, keys)))
            goto oom;
        if (json_object_set_new_nocheck(keys, key, json_true()))
            goto oom;
    }
    if (json_object_set_new(tab->index, column, byval))
        return NULL;
    return byval;
oom:
    json_decref(byval);
    return NULL;
}

/* Makes value (borrowed: an object, json null for a tombstone, NULL to remove the key) the
 * value of rows[key], keeping the indexes. *prev (if prev) receives the old value, owned.
 * Replacing or removing an existing key never allocates, so it never fails. 0 or -1. */
static int tab_set(rs_table *tab, const char *key, json_t *value, json_t **prev)
{
    json_t *old = json_incref(json_object_get(tab->rows, key));
    int rc = value ? json_object_set_nocheck(tab->rows, key, value) : json_object_del(tab->rows, key);
    if (value && rc) {
        json_decref(old);
        errno = ENOMEM;
        return -1;
    }
    if (json_is_object(old))
        index_update(tab, key, old, false);
    if (json_is_object(value))
        index_update(tab, key, value, true);
    if (prev)
        *prev = old;
    else
        json_decref(old);
    return 0;
}

/* ---- changes and undo ---- */

static int undo_reserve(gfdx_rowset *rs)
{
    if (rs->nundo < rs->capundo)
        return 0;
    size_t cap = rs->capundo ? 2 * rs->capundo : 64;
    rs_undo *n = realloc(rs->undo, cap * sizeof *n);
    if (!n)
        return -1;
    rs->undo = n;
    rs->capundo = cap;
    return 0;
}

/* Records a put (value = the new row, borrowed) or a delete (value = json null) of key. */
static int change(gfdx_rowset *rs, rs_table *tab, const char *key, json_t *value)
{
    char *k = NULL;
    if (undo_reserve(rs) || !(k = strdup(key)))
        return -1;
    json_t *cur = json_object_get(tab->rows, key);
    bool first = !json_object_get(tab->base, key);
    /* a delete of a row never seen is written (it may exist unloaded); a put creates it */
    bool existed = json_is_object(cur) || (!cur && json_is_null(value));
    if (first && json_object_set_new(tab->base, key, json_boolean(existed)))
        goto fail;
    json_t *prev;
    if (tab_set(tab, key, value, &prev)) {
        if (first)
            json_object_del(tab->base, key);
        goto fail;
    }
    rs->undo[rs->nundo++] = (rs_undo){.tab = tab, .key = k, .prev = prev, .first = first, .append = false};
    return 0;
fail:
    free(k);
    errno = ENOMEM;
    return -1;
}

static int require_kind(const gfdx_table *t, gfdx_table_kind kind, bool keyed)
{
    if (t->kind != kind || (keyed && table_nkeys(t) == 0)) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int gfdx_rows_put(gfdx_rowset *rs, const gfdx_table *t, json_t *row)
{
    rs_table *tab = NULL;
    char *key = NULL;
    int rc = -1;
    if (!json_is_object(row)) {
        errno = EINVAL;
        goto done;
    }
    if (require_kind(t, GFDX_TABLE_STATE, true) || !(tab = tab_get(rs, t)) || !(key = row_key(t, row)))
        goto done;
    rc = change(rs, tab, key, row);
done:
    free(key);
    json_decref(row);
    return rc;
}

int gfdx_rows_delete(gfdx_rowset *rs, const gfdx_table *t, const char *const *k)
{
    if (require_kind(t, GFDX_TABLE_STATE, true))
        return -1;
    rs_table *tab = tab_get(rs, t);
    char *key = tab ? key_join(k, table_nkeys(t)) : NULL;
    if (!key)
        return -1;
    int rc = 0;
    if (!json_is_null(json_object_get(tab->rows, key))) /* deleting twice changes nothing */
        rc = change(rs, tab, key, json_null());
    free(key);
    return rc;
}

int gfdx_rows_append(gfdx_rowset *rs, const gfdx_table *t, json_t *row)
{
    rs_table *tab = NULL;
    char key[24], *k = NULL;
    int rc = -1;
    if (!json_is_object(row)) {
        errno = EINVAL;
        goto done;
    }
    if (require_kind(t, GFDX_TABLE_HISTORY, false) || !(tab = tab_get(rs, t)) || undo_reserve(rs))
        goto done;
    snprintf(key, sizeof key, APPEND_KEY_FMT, tab->seq);
    if (!(k = strdup(key)))
        goto done;
    if (json_array_append(tab->appended, row)) {
        free(k);
        errno = ENOMEM;
        goto done;
    }
    if (tab_set(tab, key, row, NULL)) {
        json_array_remove(tab->appended, json_array_size(tab->appended) - 1);
        free(k);
        goto done;
    }
    tab->seq++;
    rs->undo[rs->nundo++] = (rs_undo){.tab = tab, .key = k, .prev = NULL, .first = false, .append = true};
    rc = 0;
done:
    json_decref(row);
    return rc;
}

const json_t *gfdx_rows_appended(const gfdx_rowset *rs, const gfdx_table *t)
{
    const rs_table *tab = tab_find(rs, t);
    return tab ? tab->appended : rs->empty;
}

gfdx_rows_mark gfdx_rowset_mark(const gfdx_rowset *rs)
{
    return (gfdx_rows_mark){.pos = rs->nundo};
}

/* Reverts one change. Allocates nothing (the row it restores replaces a value under a key
 * that is still there, or removes a key), so it cannot fail. */
static void undo_one(rs_undo *u)
{
    rs_table *tab = u->tab;
    if (u->append) { /* the last append: undo runs newest first */
        json_array_remove(tab->appended, json_array_size(tab->appended) - 1);
        tab->seq--;
    }
    (void)tab_set(tab, u->key, u->prev, NULL);
    if (u->first)
        json_object_del(tab->base, u->key);
}

void gfdx_rowset_undo(gfdx_rowset *rs, gfdx_rows_mark mark)
{
    while (rs->nundo > mark.pos) {
        rs_undo *u = &rs->undo[--rs->nundo];
        undo_one(u);
        free(u->key);
        json_decref(u->prev);
    }
}

/* After settle an appended row is a row of the table like a loaded one: it moves from its
 * synthetic key to its real key (a row already there stays: ON CONFLICT DO NOTHING kept it).
 * Out of memory: the row is dropped from memory (a load brings it back). */
static void settle_appended(rs_table *tab)
{
    size_t n = json_array_size(tab->appended);
    for (size_t i = 0; i < n; i++) {
        char syn[24];
        snprintf(syn, sizeof syn, APPEND_KEY_FMT, tab->seq - n + i);
        json_t *row = json_array_get(tab->appended, i);
        char *key = row_key(tab->t, row);
        if (key && !json_object_get(tab->rows, key))
            (void)json_object_set(tab->rows, key, row);
        free(key);
        json_object_del(tab->rows, syn);
    }
    json_array_clear(tab->appended);
    json_object_clear(tab->index); /* keys moved: rebuilt on the next find */
}

void gfdx_rowset_settle(gfdx_rowset *rs)
{
    undo_clear(rs);
    for (size_t i = 0; i < rs->ntabs; i++) {
        rs_table *tab = rs->tabs[i];
        const char *key;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(tab->rows, tmp, key, v) {
            if (json_is_null(v))
                json_object_del(tab->rows, key);
        }
        json_object_clear(tab->base);
        if (json_array_size(tab->appended))
            settle_appended(tab);
    }
}

/* ---- adding and reading ---- */

/* Keeps row (borrowed) as loaded, unless its key has a change pending (the change wins). */
static int tab_load(rs_table *tab, json_t *row)
{
    char *key = row_key(tab->t, row);
    if (!key && errno == EINVAL) /* a key column is null: the row can be found, not got */
        key = json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS);
    if (!key)
        return -1;
    int rc = json_object_get(tab->base, key) ? 0 : tab_set(tab, key, row, NULL);
    free(key);
    return rc;
}

int gfdx_rowset_add(gfdx_rowset *rs, const gfdx_table *t, json_t *row)
{
    rs_table *tab = json_is_object(row) ? tab_get(rs, t) : NULL;
    int rc = tab ? tab_load(tab, row) : -1;
    if (!json_is_object(row))
        errno = EINVAL;
    json_decref(row);
    return rc;
}

const json_t *gfdx_rows_get(const gfdx_rowset *rs, const gfdx_table *t, const char *const *k)
{
    const rs_table *tab = tab_find(rs, t);
    size_t n = table_nkeys(t);
    if (!tab || n == 0)
        return NULL;
    char *key = key_join(k, n);
    const json_t *row = key ? json_object_get(tab->rows, key) : NULL;
    free(key);
    return json_is_object(row) ? row : NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Keys of the rows of tab whose column has text value: from the index, or by a scan when the
 * index cannot be built. malloc'd array of borrowed keys (*n of them); NULL when out of memory
 * (or none: *n == 0). */
static const char **find_keys(rs_table *tab, const char *column, const char *value, size_t *n)
{
    json_t *byval = index_of(tab, column);
    json_t *from = byval ? json_object_get(byval, value) : tab->rows;
    *n = 0;
    if (!from)
        return NULL;
    const char **keys = malloc((json_object_size(from) + 1) * sizeof *keys);
    if (!keys)
        return NULL;
    const char *key;
    json_t *v;
    json_object_foreach(from, key, v) {
        char buf[32];
        const char *text = value_text(json_object_get(json_object_get(tab->rows, key), column), buf);
        if (text && !strcmp(text, value))
            keys[(*n)++] = key;
    }
    qsort(keys, *n, sizeof *keys, cmp_str);
    return keys;
}

json_t *gfdx_rows_find(const gfdx_rowset *crs, const gfdx_table *t, const char *column, const char *value)
{
    /* The index is a cache: building it does not change what the rowset holds. */
    gfdx_rowset *rs = (gfdx_rowset *)crs;
    json_t *out = json_array();
    rs_table *tab = tab_find(rs, t);
    if (!out || !tab)
        return out;
    size_t n;
    errno = 0;
    const char **keys = find_keys(tab, column, value, &n);
    if (!keys && n == 0 && errno == ENOMEM) {
        json_decref(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (json_array_append(out, json_object_get(tab->rows, keys[i]))) {
            json_decref(out);
            out = NULL;
            break;
        }
    free(keys);
    return out;
}

/* ---- values ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

json_t *gfdx_rows_time(int64_t ms)
{
    int64_t sec = ms / 1000, frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        sec--;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return NULL;
    char buf[40];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
    return json_string(buf);
}

/* n decimal digits at *p (advanced); -1 if not all digits. */
static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

/* The zone suffix at p: "Z", "+HH", "+HH:MM", "+HHMM" (or "-"), or nothing (UTC, as
 * to_jsonb renders timestamp without time zone). Offset in minutes east; -1 on a bad suffix
 * (*ok false). */
static int zone_minutes(const char *p, bool *ok)
{
    *ok = true;
    if (*p == '\0' || (p[0] == 'Z' && p[1] == '\0'))
        return 0;
    int sign = *p == '+' ? 1 : *p == '-' ? -1 : 0;
    p++;
    int h = sign ? digits(&p, 2) : -1, m = 0;
    if (h >= 0 && *p == ':')
        p++;
    if (h >= 0 && *p)
        m = digits(&p, 2);
    if (h < 0 || h > 15 || m < 0 || m > 59 || *p) {
        *ok = false;
        return -1;
    }
    return sign * (h * 60 + m);
}

int64_t gfdx_rows_time_ms(const json_t *v)
{
    const char *p = json_string_value(v);
    if (!p)
        return -1;
    int y = digits(&p, 4), mo = (*p == '-') ? (p++, digits(&p, 2)) : -1;
    int d = (mo >= 0 && *p == '-') ? (p++, digits(&p, 2)) : -1;
    int h = (d >= 0 && (*p == 'T' || *p == ' ')) ? (p++, digits(&p, 2)) : -1;
    int mi = (h >= 0 && *p == ':') ? (p++, digits(&p, 2)) : -1;
    int s = (mi >= 0 && *p == ':') ? (p++, digits(&p, 2)) : -1;
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
        return -1;
    int ms = 0, nfrac = 0;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, nfrac++)
            if (nfrac < 3)
                ms = ms * 10 + (*p - '0');
        if (nfrac == 0)
            return -1;
        for (int i = nfrac; i < 3; i++)
            ms *= 10;
    }
    bool ok;
    int zone = zone_minutes(p, &ok);
    if (!ok)
        return -1;
    int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s - zone * 60;
    return secs * 1000 + ms;
}

json_t *gfdx_rows_bytea(const void *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char *s = malloc(2 * len + 3);
    if (!s)
        return NULL;
    const unsigned char *b = data;
    s[0] = '\\';
    s[1] = 'x';
    for (size_t i = 0; i < len; i++) {
        s[2 + 2 * i] = hex[b[i] >> 4];
        s[3 + 2 * i] = hex[b[i] & 15];
    }
    s[2 + 2 * len] = '\0';
    json_t *v = json_stringn_nocheck(s, 2 * len + 2);
    free(s);
    return v;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

unsigned char *gfdx_rows_bytea_bytes(const json_t *v, size_t *len)
{
    const char *h = json_string_value(v);
    size_t n = h ? json_string_length(v) : 0;
    if (n < 2 || h[0] != '\\' || h[1] != 'x' || n % 2) {
        errno = EINVAL;
        return NULL;
    }
    n = (n - 2) / 2;
    unsigned char *out = malloc(n ? n : 1);
    for (size_t i = 0; out && i < n; i++) {
        int hi = hex_digit(h[2 + 2 * i]), lo = hex_digit(h[3 + 2 * i]);
        if (hi < 0 || lo < 0) {
            free(out);
            errno = EINVAL;
            return NULL;
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    *len = n;
    return out;
}

const char *gfdx_rows_str(const json_t *row, const char *column)
{
    return json_string_value(json_object_get(row, column));
}

long long gfdx_rows_int(const json_t *row, const char *column)
{
    const json_t *v = json_object_get(row, column);
    if (json_is_integer(v))
        return (long long)json_integer_value(v);
    if (json_is_real(v))
        return (long long)json_real_value(v);
    return 0;
}

/* ---- loading ---- */

int gfdx_rowset_want(gfdx_rowset *rs, const gfdx_table *t, const char *column, const char *value)
{
    if (!column || !value) {
        errno = EINVAL;
        return -1;
    }
    rs_table *tab = tab_get(rs, t);
    if (!tab)
        return -1;
    json_t *vals = json_object_get(tab->want, column);
    if (!vals) {
        if (!(vals = json_object()) || json_object_set_new(tab->want, column, vals))
            goto oom;
        if (json_array_append_new(tab->want_cols, json_string(column))) {
            json_object_del(tab->want, column);
            goto oom;
        }
    }
    if (json_object_set_new(vals, value, json_true()))
        goto oom;
    return 0;
oom:
    errno = ENOMEM;
    return -1;
}


/* ---- SQL text ---- */

/* SQL text is built from the service's static gfdx_table (trusted code), every name quoted
 * as an identifier, into a bounded buffer: what does not fit fails the statement loudly
 * (never a truncated statement). */
#define SQL_MAX 16384
#define MAX_COLUMNS 256

typedef struct {
    char text[SQL_MAX];
    size_t len;
    bool bad; /* did not fit, or a name could not be quoted */
} sqlbuf;

static void sql_add(sqlbuf *b, const char *s)
{
    size_t l = strlen(s);
    if (b->bad || b->len + l >= sizeof b->text) {
        b->bad = true;
        return;
    }
    memcpy(b->text + b->len, s, l + 1);
    b->len += l;
}

static void sql_ident(sqlbuf *b, PGconn *db, const char *name, size_t len)
{
    char *q = len ? PQescapeIdentifier(db, name, len) : NULL;
    if (!q) {
        b->bad = true;
        return;
    }
    sql_add(b, q);
    PQfreemem(q);
}

/* t's name: "name" (own schema, found through search_path), or for a READ table of another
 * service "schema"."name". */
static void sql_table(sqlbuf *b, PGconn *db, const gfdx_table *t)
{
    const char *dot = t->kind == GFDX_TABLE_READ ? strchr(t->name, '.') : NULL;
    if (dot) {
        sql_ident(b, db, t->name, (size_t)(dot - t->name));
        sql_add(b, ".");
        sql_ident(b, db, dot + 1, strlen(dot + 1));
    } else {
        sql_ident(b, db, t->name, strlen(t->name));
    }
}

/* The written columns of t: t->columns split on ',' (blanks and surrounding double quotes
 * dropped), then every key column the list lacks. */
typedef struct {
    const char *name[MAX_COLUMNS];
    size_t len[MAX_COLUMNS];
    bool key[MAX_COLUMNS];
    size_t n;
} collist;

static bool is_key(const gfdx_table *t, const char *name, size_t len)
{
    for (size_t k = 0; k < table_nkeys(t); k++)
        if (strlen(t->key[k]) == len && !strncmp(t->key[k], name, len))
            return true;
    return false;
}

static int col_push(collist *c, const gfdx_table *t, const char *name, size_t len)
{
    if (len == 0 || c->n == MAX_COLUMNS)
        return -1;
    c->name[c->n] = name;
    c->len[c->n] = len;
    c->key[c->n++] = is_key(t, name, len);
    return 0;
}

static int columns_of(const gfdx_table *t, collist *c)
{
    c->n = 0;
    for (const char *p = t->columns ? t->columns : ""; *p;) {
        size_t len = strcspn(p, ",");
        const char *s = p, *e = p + len;
        while (s < e && (*s == ' ' || *s == '\t' || *s == '\n'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
            e--;
        if (e - s >= 2 && *s == '"' && e[-1] == '"')
            s++, e--;
        if (col_push(c, t, s, (size_t)(e - s)))
            return -1;
        p += len + (p[len] == ',');
    }
    for (size_t k = 0; k < table_nkeys(t); k++) {
        bool listed = false;
        for (size_t i = 0; i < c->n; i++)
            listed |= c->key[i] && c->len[i] == strlen(t->key[k]) && !strncmp(c->name[i], t->key[k], c->len[i]);
        if (!listed && col_push(c, t, t->key[k], strlen(t->key[k])))
            return -1;
    }
    return c->n ? 0 : -1;
}

enum { COLS_ALL, COLS_NONKEY };

/* The columns of c (all, or those that are not keys), each as prefix"name", comma-separated. */
static size_t sql_columns(sqlbuf *b, PGconn *db, const collist *c, int which, const char *prefix)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (which == COLS_NONKEY && c->key[i])
            continue;
        sql_add(b, n++ ? ", " : "");
        sql_add(b, prefix);
        sql_ident(b, db, c->name[i], c->len[i]);
    }
    return n;
}

static void sql_keys(sqlbuf *b, PGconn *db, const gfdx_table *t)
{
    for (size_t k = 0; k < table_nkeys(t); k++) {
        sql_add(b, k ? ", " : "");
        sql_ident(b, db, t->key[k], strlen(t->key[k]));
    }
}

/* " FROM jsonb_populate_recordset(NULL::t, $1::jsonb)": the rows, typed as t's columns. */
static void sql_recordset(sqlbuf *b, PGconn *db, const gfdx_table *t)
{
    sql_add(b, " FROM jsonb_populate_recordset(NULL::");
    sql_table(b, db, t);
    sql_add(b, ", $1::jsonb)");
}

typedef enum { CHANGE_DELETE, CHANGE_PUT, CHANGE_APPEND } change_kind;

static const char *const change_names[] = {"deleting from", "putting into", "appending to"};

/* The one statement of a kind of change to t:
 *   DELETE FROM t WHERE (keys) IN (SELECT keys FROM jsonb_populate_recordset(...))
 *   INSERT INTO t (cols) SELECT cols FROM jsonb_populate_recordset(...)
 *       ON CONFLICT (keys) DO UPDATE SET (non-key cols) = ROW(EXCLUDED.non-key cols)   (put)
 *       [t->conflict]                                                                  (append) */
static void sql_delete(sqlbuf *b, PGconn *db, const gfdx_table *t)
{
    sql_add(b, "DELETE FROM ");
    sql_table(b, db, t);
    sql_add(b, " WHERE (");
    sql_keys(b, db, t);
    sql_add(b, ") IN (SELECT ");
    sql_keys(b, db, t);
    sql_recordset(b, db, t);
    sql_add(b, ")");
}

static void sql_change(sqlbuf *b, PGconn *db, const gfdx_table *t, change_kind kind)
{
    collist c;
    if (kind == CHANGE_DELETE) {
        sql_delete(b, db, t);
        return;
    }
    if (columns_of(t, &c)) {
        b->bad = true;
        return;
    }
    sql_add(b, "INSERT INTO ");
    sql_table(b, db, t);
    sql_add(b, " (");
    sql_columns(b, db, &c, COLS_ALL, "");
    sql_add(b, ") SELECT ");
    sql_columns(b, db, &c, COLS_ALL, "");
    sql_recordset(b, db, t);
    if (kind == CHANGE_APPEND) {
        if (t->conflict && *t->conflict) {
            sql_add(b, " ");
            sql_add(b, t->conflict);
        }
        return;
    }
    sql_add(b, " ON CONFLICT (");
    sql_keys(b, db, t);
    size_t mark = b->len;
    sql_add(b, ") DO UPDATE SET (");
    if (sql_columns(b, db, &c, COLS_NONKEY, "") == 0) { /* every column is a key */
        b->len = mark;
        b->text[mark] = '\0';
        sql_add(b, ") DO NOTHING");
        return;
    }
    sql_add(b, ") = ROW(");
    sql_columns(b, db, &c, COLS_NONKEY, "EXCLUDED.");
    sql_add(b, ")");
}

/* ---- loading ---- */

/* values' members as a text[] literal, sorted ({"a","b\"c"}), malloc'd; NULL when out of memory. */
static char *text_array(const json_t *values)
{
    size_t n = json_object_size(values), len = 3, i = 0;
    const char **v = malloc((n + 1) * sizeof *v);
    const char *key;
    json_t *unused;
    if (!v)
        return NULL;
    json_object_foreach((json_t *)values, key, unused) {
        v[i++] = key;
        len += 2 * strlen(key) + 3;
    }
    qsort(v, n, sizeof *v, cmp_str);
    char *out = malloc(len), *p = out;
    if (out) {
        *p++ = '{';
        for (i = 0; i < n; i++) {
            *p++ = i ? ',' : '"';
            if (i)
                *p++ = '"';
            for (const char *c = v[i]; *c; c++) {
                if (*c == '"' || *c == '\\')
                    *p++ = '\\';
                *p++ = *c;
            }
            *p++ = '"';
        }
        *p++ = '}';
        *p = '\0';
    }
    free(v);
    return out;
}

/* For an optional READ table: 1 if it exists, 0 if not, -1 on error. */
static int table_exists(gfdx_rowset *rs, PGconn *db, const gfdx_table *t, char *err, size_t errlen,
                        bool *transient)
{
    const char *p[] = {t->name};
    char pgerr[512];
    PGresult *res = gfdx_pg_exec(db, "SELECT to_regclass($1) IS NOT NULL", 1, p, pgerr, sizeof pgerr, transient);
    rs->statements++;
    if (!res) {
        gfdx_errf(err, errlen, "rowset: looking for table %s: %s", t->name, pgerr);
        return -1;
    }
    int exists = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    return exists;
}

/* Keeps the rows of a load's result. */
static int keep_rows(rs_table *tab, PGresult *res, char *err, size_t errlen, bool *transient)
{
    for (int i = 0; i < PQntuples(res); i++) {
        json_error_t jerr;
        errno = 0;
        json_t *row = json_loads(PQgetvalue(res, i, 0), 0, &jerr);
        int rc = row ? tab_load(tab, row) : -1;
        int e = errno;
        json_decref(row);
        if (rc) {
            gfdx_fault_kind kind = gfdx_fault_of_errno(e, GFDX_FAULT_CORRUPT);
            *transient = gfdx_fault_is_transient(kind);
            gfdx_errf(err, errlen, "rowset: a row of %s cannot be kept (%s): %s", tab->t->name,
                      gfdx_fault_kind_name(kind), row ? "out of memory" : jerr.text);
            return -1;
        }
    }
    return 0;
}

/* Why a required READ table's load failed: not there yet (42P01: the service that publishes
 * it has not created it) is transient NOT_READY; anything else by the classifier. */
static void load_failed(const gfdx_table *t, const char *column, const char *pgerr, bool required_read, char *err,
                        size_t errlen, bool *transient)
{
    if (required_read && strstr(pgerr, ":  42P01: ")) {
        const char *dot = strchr(t->name, '.');
        int svc = dot ? (int)(dot - t->name) : (int)strlen(t->name);
        *transient = gfdx_fault_is_transient(GFDX_FAULT_NOT_READY);
        gfdx_errf(err, errlen, "rowset: table %s of service %.*s is not there yet (%s): %s", t->name, svc, t->name,
                  gfdx_fault_kind_name(GFDX_FAULT_NOT_READY), pgerr);
        return;
    }
    gfdx_errf(err, errlen, "rowset: loading %s by %s: %s", t->name, column, pgerr);
}

/* One SELECT to_jsonb(x)::text FROM t x WHERE x.column = ANY($1::text[]) [FOR UPDATE]. */
static int load_column(gfdx_rowset *rs, PGconn *db, rs_table *tab, const char *column, char *err, size_t errlen,
                       bool *transient)
{
    const gfdx_table *t = tab->t;
    sqlbuf b = {.len = 0};
    sql_add(&b, "SELECT to_jsonb(x)::text FROM ");
    sql_table(&b, db, t);
    sql_add(&b, " x WHERE x.");
    sql_ident(&b, db, column, strlen(column));
    sql_add(&b, " = ANY($1::text[])");
    sql_add(&b, t->kind == GFDX_TABLE_STATE ? " FOR UPDATE" : "");
    if (b.bad) {
        *transient = false;
        gfdx_errf(err, errlen, "rowset: the SELECT of %s by %s does not fit in %d bytes", t->name, column, SQL_MAX);
        return -1;
    }
    char *values = text_array(json_object_get(tab->want, column)), pgerr[512];
    if (!values) {
        *transient = true;
        gfdx_errf(err, errlen, "rowset: loading %s: out of memory", t->name);
        return -1;
    }
    const char *p[] = {values};
    bool required_read = t->kind == GFDX_TABLE_READ && !t->optional;
    /* verbose errors carry the SQLSTATE, which tells "not there yet" from other failures */
    PGVerbosity old = required_read ? PQsetErrorVerbosity(db, PQERRORS_VERBOSE) : PQERRORS_DEFAULT;
    PGresult *res = gfdx_pg_exec(db, b.text, 1, p, pgerr, sizeof pgerr, transient);
    if (required_read)
        PQsetErrorVerbosity(db, old);
    rs->statements++;
    free(values);
    if (!res) {
        load_failed(t, column, pgerr, required_read, err, errlen, transient);
        return -1;
    }
    int rc = keep_rows(tab, res, err, errlen, transient);
    PQclear(res);
    return rc;
}

static int load_table(gfdx_rowset *rs, PGconn *db, rs_table *tab, char *err, size_t errlen, bool *transient)
{
    if (json_array_size(tab->want_cols) == 0)
        return 0;
    int exists = 1;
    if (tab->t->kind == GFDX_TABLE_READ && tab->t->optional)
        exists = table_exists(rs, db, tab->t, err, errlen, transient);
    if (exists < 0)
        return -1;
    size_t i;
    json_t *col;
    json_array_foreach(tab->want_cols, i, col) {
        if (exists && load_column(rs, db, tab, json_string_value(col), err, errlen, transient))
            return -1;
    }
    json_array_clear(tab->want_cols);
    json_object_clear(tab->want);
    return 0;
}

int gfdx_rowset_load(gfdx_rowset *rs, PGconn *db, char *err, size_t errlen, bool *transient)
{
    *transient = false;
    for (size_t i = 0; i < rs->ntabs; i++)
        if (load_table(rs, db, rs->tabs[i], err, errlen, transient))
            return -1;
    return 0;
}

/* ---- writing ---- */

/* The key object {k1: v1, ...} of a joined key (for a delete). NULL when out of memory. */
static json_t *key_object(const gfdx_table *t, const char *key)
{
    json_t *o = json_object();
    for (size_t k = 0; o && k < table_nkeys(t); k++) {
        size_t len = strcspn(key, "\x1f");
        if (json_object_set_new(o, t->key[k], json_stringn(key, len))) {
            json_decref(o);
            return NULL;
        }
        key += len + (key[len] != '\0');
    }
    return o;
}

/* What the changes to tab amount to, in key order: the rows to delete (key objects: rows that
 * existed and are deleted now) and the rows to put (the last version of each). */
static int collect_changes(const rs_table *tab, json_t *dels, json_t *puts)
{
    size_t n = json_object_size(tab->base), i = 0;
    const char **keys = malloc((n + 1) * sizeof *keys), *key;
    json_t *existed;
    if (!keys)
        return -1;
    json_object_foreach(tab->base, key, existed)
        keys[i++] = key;
    qsort(keys, n, sizeof *keys, cmp_str);
    int rc = 0;
    for (i = 0; i < n && !rc; i++) {
        json_t *cur = json_object_get(tab->rows, keys[i]);
        if (json_is_object(cur))
            rc = json_array_append(puts, cur);
        else if (json_is_true(json_object_get(tab->base, keys[i])))
            rc = json_array_append_new(dels, key_object(tab->t, keys[i]));
    }
    free(keys);
    return rc;
}

/* Runs the statement of one kind of change to t with rows as its jsonb parameter. */
static int write_rows(gfdx_rowset *rs, PGconn *db, const gfdx_table *t, change_kind kind, const json_t *rows,
                      char *err, size_t errlen, bool *transient)
{
    sqlbuf b = {.len = 0};
    sql_change(&b, db, t, kind);
    if (b.bad) {
        *transient = false;
        gfdx_errf(err, errlen, "rowset: %s %s: the statement does not fit in %d bytes or names a bad column",
                  change_names[kind], t->name, SQL_MAX);
        return -1;
    }
    char *json = json_dumps(rows, JSON_COMPACT | JSON_REAL_PRECISION(15)), pgerr[512];
    if (!json) {
        *transient = true;
        gfdx_errf(err, errlen, "rowset: %s %s: out of memory", change_names[kind], t->name);
        return -1;
    }
    const char *p[] = {json};
    int rc = gfdx_pg_run(db, b.text, 1, p, pgerr, sizeof pgerr, transient);
    rs->statements++;
    free(json);
    if (rc)
        gfdx_errf(err, errlen, "rowset: %s %s: %s", change_names[kind], t->name, pgerr);
    return rc;
}

/* ---- appends by COPY ----
 * Appended rows without an ON CONFLICT clause go in with one COPY ... FROM STDIN (text
 * format): PostgreSQL parses each value with its column's own input function, which is what
 * jsonb_populate_recordset does too, without building and parsing a JSON document of the
 * whole batch (most of a write's time for the message log's bytea values). Rows with an array
 * value (text[] or jsonb? the text format cannot tell) take the jsonb statement instead. */

typedef struct {
    char *p;
    size_t len, cap;
    bool oom;
} copybuf;

static void copy_add(copybuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* A text value, escaped for COPY's text format (backslash, tab, newline, carriage return). */
static void copy_text(copybuf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = s[i] == '\\' ? "\\\\" : s[i] == '\t' ? "\\t" : s[i] == '\n' ? "\\n" : s[i] == '\r' ? "\\r" : NULL;
        if (!esc)
            continue;
        copy_add(b, s + run, i - run);
        copy_add(b, esc, 2);
        run = i + 1;
    }
    copy_add(b, s + run, n - run);
}

/* One value in its column's text input form; \N for null or absent. */
static void copy_value(copybuf *b, const json_t *v)
{
    char num[40];
    if (!v || json_is_null(v)) {
        copy_add(b, "\\N", 2);
    } else if (json_is_string(v)) {
        copy_text(b, json_string_value(v), json_string_length(v));
    } else if (json_is_boolean(v)) {
        copy_add(b, json_is_true(v) ? "t" : "f", 1);
    } else if (json_is_integer(v)) {
        copy_add(b, num, (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v)));
    } else if (json_is_real(v)) {
        copy_add(b, num, (size_t)snprintf(num, sizeof num, "%.15g", json_real_value(v)));
    } else { /* an object: json / jsonb */
        char *j = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
        if (!j)
            b->oom = true;
        else
            copy_text(b, j, strlen(j));
        free(j);
    }
}

/* True when every appended row can go by COPY (no conflict clause, no array value). */
static bool copyable(const gfdx_table *t, const json_t *rows)
{
    size_t i;
    const json_t *row, *v;
    const char *k;
    if (t->conflict && *t->conflict)
        return false;
    json_array_foreach(rows, i, row) {
        json_object_foreach((json_t *)row, k, v) {
            if (json_is_array(v))
                return false;
        }
    }
    return true;
}

/* The COPY data of rows, in the order of c's columns. -1 when out of memory. */
static int copy_data(copybuf *b, const collist *c, const json_t *rows)
{
    size_t i;
    const json_t *row;
    char name[128];
    json_array_foreach(rows, i, row) {
        for (size_t k = 0; k < c->n; k++) {
            snprintf(name, sizeof name, "%.*s", (int)c->len[k], c->name[k]);
            if (k)
                copy_add(b, "\t", 1);
            copy_value(b, json_object_get(row, name));
        }
        copy_add(b, "\n", 1);
    }
    return b->oom ? -1 : 0;
}

/* Sends the data of a COPY FROM STDIN already begun and reads its result. */
static int copy_send(PGconn *db, const copybuf *data, char *pgerr, size_t errlen, bool *transient)
{
    int ok = PQputCopyData(db, data->p, (int)data->len) == 1 && PQputCopyEnd(db, NULL) == 1;
    PGresult *r = PQgetResult(db);
    int rc = ok && PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc) {
        gfdx_errf(pgerr, errlen, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(db));
        *transient = gfdx_pg_is_transient(db, r);
    }
    PQclear(r);
    while ((r = PQgetResult(db))) /* drain: the connection must be ready for the next statement */
        PQclear(r);
    return rc;
}

static int copy_rows(gfdx_rowset *rs, PGconn *db, const gfdx_table *t, const json_t *rows, char *err, size_t errlen,
                     bool *transient)
{
    collist c;
    sqlbuf b = {.len = 0};
    copybuf data = {0};
    char pgerr[512] = "";
    if (columns_of(t, &c))
        b.bad = true;
    sql_add(&b, "COPY ");
    sql_table(&b, db, t);
    sql_add(&b, " (");
    sql_columns(&b, db, &c, COLS_ALL, "");
    sql_add(&b, ") FROM STDIN");
    int rc = b.bad ? -1 : copy_data(&data, &c, rows);
    if (rc) {
        *transient = !b.bad;
        gfdx_errf(err, errlen, "rowset: appending to %s: %s", t->name, b.bad ? "bad column list" : "out of memory");
        free(data.p);
        return -1;
    }
    PGresult *r = PQexec(db, b.text);
    rs->statements++;
    if (PQresultStatus(r) == PGRES_COPY_IN) {
        rc = copy_send(db, &data, pgerr, sizeof pgerr, transient);
    } else {
        rc = -1;
        gfdx_errf(pgerr, sizeof pgerr, "%s", PQresultErrorMessage(r));
        *transient = gfdx_pg_is_transient(db, r);
    }
    PQclear(r);
    free(data.p);
    if (rc)
        gfdx_errf(err, errlen, "rowset: appending to %s: %s", t->name, pgerr);
    return rc;
}

static int write_table(gfdx_rowset *rs, PGconn *db, const rs_table *tab, char *err, size_t errlen, bool *transient)
{
    json_t *dels = json_array(), *puts = json_array();
    int rc = -1;
    if (!dels || !puts || collect_changes(tab, dels, puts)) {
        *transient = true;
        gfdx_errf(err, errlen, "rowset: writing %s: out of memory", tab->t->name);
        goto done;
    }
    if (json_array_size(dels) && write_rows(rs, db, tab->t, CHANGE_DELETE, dels, err, errlen, transient))
        goto done;
    if (json_array_size(puts) && write_rows(rs, db, tab->t, CHANGE_PUT, puts, err, errlen, transient))
        goto done;
    if (json_array_size(tab->appended) &&
        (copyable(tab->t, tab->appended) ? copy_rows(rs, db, tab->t, tab->appended, err, errlen, transient)
                                         : write_rows(rs, db, tab->t, CHANGE_APPEND, tab->appended, err, errlen,
                                                      transient)))
        goto done;
    rc = 0;
done:
    json_decref(dels);
    json_decref(puts);
    return rc;
}

/* A change to a table the caller does not write would be lost without a word: refused. */
static const rs_table *unwritten_change(const gfdx_rowset *rs, const gfdx_table *const *tables, size_t ntables)
{
    for (size_t i = 0; i < rs->ntabs; i++) {
        const rs_table *tab = rs->tabs[i];
        bool listed = false;
        for (size_t j = 0; j < ntables && !listed; j++)
            listed = tables[j] == tab->t;
        if (!listed && (json_object_size(tab->base) || json_array_size(tab->appended)))
            return tab;
    }
    return NULL;
}

int gfdx_rowset_write(const gfdx_rowset *crs, PGconn *db, const gfdx_table *const *tables, size_t ntables,
                      char *err, size_t errlen, bool *transient)
{
    gfdx_rowset *rs = (gfdx_rowset *)crs; /* only the statement count changes */
    *transient = false;
    const rs_table *lost = unwritten_change(rs, tables, ntables);
    if (lost) {
        gfdx_errf(err, errlen, "rowset: table %s has changes but is not among the tables written", lost->t->name);
        return -1;
    }
    for (size_t i = 0; i < ntables; i++) {
        const rs_table *tab = tab_find(rs, tables[i]);
        if (tab && write_table(rs, db, tab, err, errlen, transient))
            return -1;
    }
    return 0;
}
