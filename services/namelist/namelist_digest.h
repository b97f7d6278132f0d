/* namelist_digest.h: the district ledger's fingerprints computed in C, byte-identical to the
 * SQL that defines them (schemas/sql/district/001_ledger.sql), pure.
 *
 *   entry digest   district.entry_digest(uscc, name, project_name, category_code, attributes)
 *                  = md5(uscc \x1f name \x1f (project_name or \x1e) \x1f (category_code or \x1e)
 *                        \x1f attributes::text), attributes rendered as jsonb renders an object
 *                  of strings: keys ordered by length then bytes, `{"k": "v", "kk": "w"}`.
 *   list digest    district.list_digest(list, version), list_version.content_md5
 *                  = md5 of (entry_key \x1f digest) joined by \x1e in key byte order
 *                  (COLLATE "C"); md5('') for an empty list.
 * Digests are 32 lower-case hex characters. */
#ifndef NAMELIST_DIGEST_H
#define NAMELIST_DIGEST_H

#include <jansson.h>
#include <stddef.h>

#include "namelist_diff.h"

#define NAMELIST_DIGEST_LEN 32

/* The digest of an entry (an object with uscc, name, project_name, category_code and
 * attributes as NameListPublished carries it, or an entry_version row). attributes must be
 * absent, null or an object of strings. 0, or -1 (not such an entry, or out of memory). */
int namelist_entry_digest(const json_t *entry, char out[NAMELIST_DIGEST_LEN + 1]);

/* The list digest of items[0..n) (sorts items in place by key, bytewise). 0, or -1 when out
 * of memory. */
int namelist_list_digest(namelist_item *items, size_t n, char out[NAMELIST_DIGEST_LEN + 1]);

/* attributes::text of a jsonb object of strings (NULL or null: "{}"). A new string (caller
 * frees), or NULL when out of memory or not an object of strings. */
char *namelist_attributes_text(const json_t *attributes);

#endif
