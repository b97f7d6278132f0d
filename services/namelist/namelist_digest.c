/* namelist_digest.c: see namelist_digest.h. Strings are built with open_memstream; md5 is
 * OpenSSL's EVP (the same function as PostgreSQL's md5()). */
#include "namelist_digest.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Hex md5 of s[0..n). 0 or -1. */
static int md5_hex(const char *s, size_t n, char out[NAMELIST_DIGEST_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(s, n, md, &len, EVP_md5(), NULL) || len != 16)
        return -1;
    for (unsigned i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* A JSON string as PostgreSQL's escape_json writes it (jsonb output). */
static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        default:
            if (*p < ' ')
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* jsonb orders object keys by length, then bytewise. */
static int jsonb_key_cmp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t lx = strlen(x), ly = strlen(y);
    return lx != ly ? (lx < ly ? -1 : 1) : memcmp(x, y, lx);
}

char *namelist_attributes_text(const json_t *attributes)
{
    if (!attributes || json_is_null(attributes))
        return strdup("{}");
    if (!json_is_object(attributes))
        return NULL;
    size_t n = json_object_size(attributes), i = 0;
    const char **keys = malloc((n + 1) * sizeof *keys);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)attributes, k, v) {
        if (!keys || !json_is_string(v)) {
            free(keys);
            return NULL;
        }
        keys[i++] = k;
    }
    qsort(keys, n, sizeof *keys, jsonb_key_cmp);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f) {
        fputc('{', f);
        for (i = 0; i < n; i++) {
            fputs(i ? ", " : "", f);
            put_json_string(f, keys[i]);
            fputs(": ", f);
            put_json_string(f, json_string_value(json_object_get(attributes, keys[i])));
        }
        fputc('}', f);
        if (fclose(f)) {
            free(buf);
            buf = NULL;
        }
    }
    free(keys);
    return buf;
}

/* A text member, NULL when absent or null (concat_ws / coalesce see NULL). */
static const char *text_of(const json_t *entry, const char *field)
{
    return json_string_value(json_object_get(entry, field));
}

int namelist_entry_digest(const json_t *entry, char out[NAMELIST_DIGEST_LEN + 1])
{
    const char *uscc = text_of(entry, "uscc"), *name = text_of(entry, "name");
    const char *pn = text_of(entry, "project_name"), *cc = text_of(entry, "category_code");
    char *attrs = namelist_attributes_text(json_object_get(entry, "attributes"));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = attrs && uscc && name ? open_memstream(&buf, &len) : NULL;
    int rc = -1;
    if (f) {
        /* concat_ws(E'\x1f', uscc, name, coalesce(pn, E'\x1e'), coalesce(cc, E'\x1e'), attrs) */
        fprintf(f, "%s\x1f%s\x1f%s\x1f%s\x1f%s", uscc, name, pn ? pn : "\x1e", cc ? cc : "\x1e", attrs);
        if (!fclose(f))
            rc = md5_hex(buf, len, out);
    }
    free(buf);
    free(attrs);
    return rc;
}

static int item_key_cmp(const void *a, const void *b)
{
    return strcmp(((const namelist_item *)a)->key, ((const namelist_item *)b)->key);
}

int namelist_list_digest(namelist_item *items, size_t n, char out[NAMELIST_DIGEST_LEN + 1])
{
    if (n)
        qsort(items, n, sizeof *items, item_key_cmp);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return -1;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s\x1f%s", i ? "\x1e" : "", items[i].key, items[i].digest);
    int rc = fclose(f) ? -1 : md5_hex(buf, len, out);
    free(buf);
    return rc;
}
