/* namelist_diff.c: see namelist_diff.h. A sort of each input and one merge pass:
 * O(n log n) for n entries, no allocation beyond the three output arrays. */
#include "namelist_diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int item_cmp(const void *a, const void *b)
{
    return strcmp(((const namelist_item *)a)->key, ((const namelist_item *)b)->key);
}

static int str_cmp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Sorts items and refuses a key that appears twice. */
static int sort_items(namelist_item *v, size_t n, const char *what, char *err, size_t errlen)
{
    if (n > 1)
        qsort(v, n, sizeof *v, item_cmp);
    for (size_t i = 1; i < n; i++)
        if (!strcmp(v[i - 1].key, v[i].key)) {
            snprintf(err, errlen, "entry key \"%s\" appears twice in the %s", v[i].key, what);
            return -1;
        }
    return 0;
}

static int sort_keys(const char **v, size_t n, char *err, size_t errlen)
{
    if (n > 1)
        qsort(v, n, sizeof *v, str_cmp);
    for (size_t i = 1; i < n; i++)
        if (!strcmp(v[i - 1], v[i])) {
            snprintf(err, errlen, "removed key \"%s\" appears twice", v[i]);
            return -1;
        }
    return 0;
}

static int alloc_changes(namelist_changes *c, size_t ncur, size_t nnext, size_t nremoved)
{
    size_t most = ncur + nnext + nremoved + 1;
    c->added = malloc(most * sizeof *c->added);
    c->updated = malloc(most * sizeof *c->updated);
    c->removed = malloc(most * sizeof *c->removed);
    return c->added && c->updated && c->removed ? 0 : -1;
}

/* Finds key in the sorted cur (binary search); NULL if absent. */
static const namelist_item *find(const namelist_item *cur, size_t ncur, const char *key)
{
    namelist_item probe = {key, NULL};
    return bsearch(&probe, cur, ncur, sizeof *cur, item_cmp);
}

/* FULL: merge of two sorted lists. */
static void diff_full(const namelist_item *cur, size_t ncur, const namelist_item *next, size_t nnext,
                      namelist_changes *c)
{
    size_t i = 0, j = 0;
    while (i < ncur || j < nnext) {
        int cmp = i == ncur ? 1 : j == nnext ? -1 : strcmp(cur[i].key, next[j].key);
        if (cmp < 0) {
            c->removed[c->n_removed++] = cur[i++].key;
        } else if (cmp > 0) {
            c->added[c->n_added++] = next[j++].key;
        } else {
            if (strcmp(cur[i].digest, next[j].digest))
                c->updated[c->n_updated++] = next[j].key;
            else
                c->n_unchanged++;
            i++, j++;
        }
    }
}

/* DELTA: look every upsert and removal up in cur. -1 with err on a bad removal. */
static int diff_delta(const namelist_item *cur, size_t ncur, const namelist_item *next, size_t nnext,
                      const char **removed, size_t nremoved, namelist_changes *c, char *err, size_t errlen)
{
    for (size_t j = 0; j < nnext; j++) {
        const namelist_item *old = find(cur, ncur, next[j].key);
        if (!old)
            c->added[c->n_added++] = next[j].key;
        else if (strcmp(old->digest, next[j].digest))
            c->updated[c->n_updated++] = next[j].key;
        else
            c->n_unchanged++;
    }
    for (size_t k = 0; k < nremoved; k++) {
        namelist_item probe = {removed[k], NULL};
        if (nnext && bsearch(&probe, next, nnext, sizeof *next, item_cmp)) {
            snprintf(err, errlen, "entry key \"%s\" is both updated and removed", removed[k]);
            return -1;
        }
        if (!find(cur, ncur, removed[k])) {
            snprintf(err, errlen, "removed key \"%s\" is not on the list", removed[k]);
            return -1;
        }
        c->removed[c->n_removed++] = removed[k];
    }
    return 0;
}

int namelist_diff(namelist_mode mode, namelist_item *cur, size_t ncur, namelist_item *next, size_t nnext,
                  const char **removed, size_t nremoved, namelist_changes *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (mode == NAMELIST_FULL && nremoved) {
        snprintf(err, errlen, "a FULL version removes by omission: removed_keys must be empty");
        return -1;
    }
    if (sort_items(cur, ncur, "current list", err, errlen) || sort_items(next, nnext, "version", err, errlen) ||
        sort_keys(removed, nremoved, err, errlen))
        return -1;
    if (alloc_changes(out, ncur, nnext, nremoved)) {
        namelist_changes_free(out);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (mode == NAMELIST_FULL) {
        diff_full(cur, ncur, next, nnext, out);
        return 0;
    }
    if (diff_delta(cur, ncur, next, nnext, removed, nremoved, out, err, errlen)) {
        namelist_changes_free(out);
        return -1;
    }
    return 0;
}

void namelist_changes_free(namelist_changes *c)
{
    if (!c)
        return;
    free(c->added);
    free(c->updated);
    free(c->removed);
    memset(c, 0, sizeof *c);
}
