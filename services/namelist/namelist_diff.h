/* namelist_diff.h: what a FULL or DELTA version changes in a list, pure.
 *
 * An entry is its key and a digest of its content (district.entry_digest() in SQL, over
 * USCC, name, project name, category code and attributes): two entries with the same key
 * and digest are the same. The diff is the one place that decides which keys a version
 * adds, updates and removes; the ledger writes exactly those and NameListChanged carries
 * them. */
#ifndef NAMELIST_DIFF_H
#define NAMELIST_DIFF_H

#include <stddef.h>

#include "namelist_version.h"

typedef struct {
    const char *key;
    const char *digest;
} namelist_item;

/* Keys point into the caller's items (borrowed); each array is sorted by key (bytewise). */
typedef struct {
    const char **added, **updated, **removed;
    size_t n_added, n_updated, n_removed;
    size_t n_unchanged; /* entries carried by the version whose content did not change */
} namelist_changes;

/* Computes the changes of applying a version to the list:
 *   FULL:  next is the whole new list, cur the whole current list; removed must be empty.
 *          added = next - cur, removed = cur - next, updated = same key, other digest.
 *   DELTA: next are the upserts, removed the removals; cur must hold at least the current
 *          entries whose keys are in next or removed (others are ignored).
 *          A key of next absent from cur is added, present with another digest updated,
 *          with the same digest unchanged; every removed key must be in cur.
 * Sorts cur, next and removed in place by key. On success returns 0 and fills *out (free it
 * with namelist_changes_free); on failure returns -1 with err naming the key (a key twice
 * in one array, a DELTA removal of a key not on the list, a key both upserted and removed,
 * removals in a FULL version, or out of memory) and *out zeroed. */
int namelist_diff(namelist_mode mode, namelist_item *cur, size_t ncur, namelist_item *next, size_t nnext,
                  const char **removed, size_t nremoved, namelist_changes *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Frees the arrays (not the keys); accepts NULL and a zeroed struct. */
void namelist_changes_free(namelist_changes *c);

#endif
