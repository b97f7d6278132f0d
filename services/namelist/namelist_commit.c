/* namelist_commit.c: see namelist_commit.h. What namelist_ledger_apply did in SQL, in memory:
 * the diff decides the keys, the entry versions they close are put (entry_version_open) and
 * those they open appended (entry_version), and the list as it now stands is fingerprinted and checked
 * (count, and for a FULL version equality with what was published). Every row and key
 * string used here is borrowed from arrays this module holds until the end of the commit. */
#include "namelist_commit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "ids.h"
#include "log.h"
#include "namelist.h"
#include "namelist_diff.h"
#include "namelist_digest.h"
#include "namelist_forward.h"
#include "namelist_store.h"

/* The version being committed and what it is applied to. */
typedef struct {
    const namelist_part *p;
    const json_t *list;  /* before this version, NULL for a new list */
    char ver[24];
    json_t *cur;         /* entry_key -> open row, before the version */
    json_t *staged, *removals, *parts; /* rows of the version */
    namelist_item *icur, *inext;
    const char **rem;
    size_t ncur, nnext, nrem;
    int64_t eff;         /* effective time (Unix ms) */
    long long entry_count;
    char md5[NAMELIST_DIGEST_LEN + 1];
    int64_t started;
} commit;

static void commit_clear(commit *c)
{
    json_decref(c->cur);
    json_decref(c->staged);
    json_decref(c->removals);
    json_decref(c->parts);
    free(c->icur);
    free(c->inext);
    free(c->rem);
}

/* The rows of t for the list whose version is the committed one (a new array). */
static json_t *version_rows(gfdx_decision *d, const gfdx_table *t, const commit *c)
{
    json_t *all = gfdx_rows_find(d->rows, t, "list_id", c->p->list_id), *out = json_array(), *r;
    size_t i;
    int rc = all && out ? 0 : -1;
    json_array_foreach(all, i, r) {
        if (!rc && gfdx_rows_int(r, "version") == c->p->version)
            rc = json_array_append(out, r);
    }
    json_decref(all);
    if (rc) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* (key, digest) items of rows (an array of rows, or an object from entry_key to row). -1 when
 * out of memory or a row lacks them. */
static int items_of(const json_t *rows, namelist_item **out, size_t *n)
{
    bool arr = json_is_array(rows);
    *n = arr ? json_array_size(rows) : json_object_size(rows);
    if (!(*out = malloc((*n + 1) * sizeof **out)))
        return -1;
    size_t i = 0, j;
    const char *k;
    json_t *r;
    if (arr) {
        json_array_foreach(rows, j, r) {
            (*out)[i++] = (namelist_item){gfdx_rows_str(r, "entry_key"), gfdx_rows_str(r, "digest")};
        }
    } else {
        json_object_foreach((json_t *)rows, k, r) {
            (*out)[i++] = (namelist_item){k, gfdx_rows_str(r, "digest")};
        }
    }
    for (i = 0; i < *n; i++)
        if (!(*out)[i].key || !(*out)[i].digest)
            return -1;
    return 0;
}

/* The effective time: the latest part's occurred_at, never before the previous version's. */
static int64_t effective_at(const commit *c)
{
    int64_t eff = c->list ? gfdx_rows_time_ms(json_object_get(c->list, "effective_at")) : -1;
    size_t i;
    const json_t *r;
    json_array_foreach(c->parts, i, r) {
        int64_t t = gfdx_rows_time_ms(json_object_get(r, "occurred_at"));
        eff = t > eff ? t : eff;
    }
    return eff;
}

static int load_input(gfdx_decision *d, commit *c)
{
    c->cur = namelist_current_entries(d, c->p->list_id);
    c->staged = c->cur ? version_rows(d, &namelist_t_entry, c) : NULL;
    c->removals = c->staged ? version_rows(d, &namelist_t_removal, c) : NULL;
    c->parts = c->removals ? version_rows(d, &namelist_t_part, c) : NULL;
    if (!c->parts || items_of(c->cur, &c->icur, &c->ncur) || items_of(c->staged, &c->inext, &c->nnext))
        return -1;
    c->nrem = json_array_size(c->removals);
    c->rem = malloc((c->nrem + 1) * sizeof *c->rem);
    if (!c->rem)
        return -1;
    for (size_t i = 0; i < c->nrem; i++)
        if (!(c->rem[i] = gfdx_rows_str(json_array_get(c->removals, i), "entry_key")))
            return -1;
    c->eff = effective_at(c);
    return 0;
}

/* district.list as of the version (kind, region and publisher stay those it was created with). */
static int put_list(gfdx_decision *d, const commit *c)
{
    const namelist_part *p = c->p;
    json_t *row = c->list ? json_deep_copy(c->list)
                          : json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "list_id", p->list_id, "kind", p->kind,
                                      "region", p->region, "publisher", d->sender->id, "publisher_bureau",
                                      d->sender->bureau != GFDX_BUREAU_NONE ? gfdx_bureau_name(d->sender->bureau)
                                                                          : gfdx_participant_kind_name(d->sender->kind),
                                      "level", namelist_level_of(p->region));
    if (!row || json_object_set_new(row, "title", json_string(p->title)) ||
        json_object_set_new(row, "current_version", json_integer(p->version)) ||
        json_object_set_new(row, "current_mode", json_string(namelist_mode_name(p->mode))) ||
        json_object_set_new(row, "entry_count", json_integer(c->entry_count)) ||
        json_object_set_new(row, "effective_at", gfdx_rows_time(c->eff)) ||
        json_object_set_new(row, "updated_at", gfdx_rows_time(d->ctx->now_ms))) {
        json_decref(row);
        return -1;
    }
    return gfdx_rows_put(d->rows, &namelist_t_list, row);
}

/* Closes the open row of key at the version (valid_to, valid_to_at): a put of the open table
 * (namelist_store.h), also for a row opened earlier in this batch. 1 when key has no open row
 * (a broken invariant), 0, -1 when out of memory. */
static int close_entry(gfdx_decision *d, const commit *c, const char *key)
{
    const json_t *open = json_object_get(c->cur, key);
    if (!open)
        return 1;
    json_t *row = json_deep_copy(open);
    if (!row || json_object_set_new(row, "valid_to", json_integer(c->p->version)) ||
        json_object_set_new(row, "valid_to_at", gfdx_rows_time(c->eff))) {
        json_decref(row);
        return -1;
    }
    return gfdx_rows_put(d->rows, &namelist_t_open, row) ? -1 : 0;
}

/* Opens the entry version of key from its staged row (appended, namelist_store.h). 1 when
 * not staged, 0, -1. */
static int open_entry(gfdx_decision *d, const commit *c, const char *key)
{
    const char *k[] = {c->p->list_id, c->ver, key};
    const json_t *s = gfdx_rows_get(d->rows, &namelist_t_entry, k);
    if (!s)
        return 1;
    const json_t *it = json_object_get(s, "industry_type");
    json_t *row = json_pack("{s:s, s:s, s:I, s:n, s:o, s:n, s:O, s:O, s:O, s:O, s:o, s:O, s:O}", "list_id", c->p->list_id,
                            "entry_key", key, "valid_from", (json_int_t)c->p->version, "valid_to", "valid_from_at",
                            gfdx_rows_time(c->eff), "valid_to_at", "uscc", json_object_get(s, "uscc"), "name",
                            json_object_get(s, "name"), "project_name", json_object_get(s, "project_name"),
                            "category_code", json_object_get(s, "category_code"), "attributes",
                            json_deep_copy(json_object_get(s, "attributes")), "digest", json_object_get(s, "digest"),
                            "industry_type", it ? (json_t *)it : json_null());
    return row && !gfdx_rows_append(d->rows, &namelist_t_opened, row) ? 0 : -1;
}

/* Closes the rows of removed and updated keys, then opens those of added and updated keys
 * (closing first: at most one open row per key at any point of the write). */
static gfdx_verdict write_entries(gfdx_decision *d, const commit *c, const namelist_changes *ch)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < ch->n_removed + ch->n_updated; i++)
        rc = close_entry(d, c, i < ch->n_removed ? ch->removed[i] : ch->updated[i - ch->n_removed]);
    for (size_t i = 0; !rc && i < ch->n_added + ch->n_updated; i++)
        rc = open_entry(d, c, i < ch->n_added ? ch->added[i] : ch->updated[i - ch->n_added]);
    if (rc > 0)
        return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "apply",
                                 "ledger invariant broken: rows closed/inserted differ from the diff");
    return rc ? namelist_oom(d, "entry versions") : GFDX_DECIDE_OK;
}

/* Fingerprint and count of the list as it now stands; for a FULL version they must equal
 * those of what was published. */
static gfdx_verdict verify(gfdx_decision *d, commit *c)
{
    json_t *now = namelist_current_entries(d, c->p->list_id);
    namelist_item *items = NULL;
    size_t n = 0;
    char published[NAMELIST_DIGEST_LEN + 1];
    int rc = !now || items_of(now, &items, &n) || namelist_list_digest(items, n, c->md5) ||
             namelist_list_digest(c->inext, c->nnext, published);
    free(items);
    json_decref(now);
    if (rc)
        return namelist_oom(d, "verifying the version");
    if ((long long)n != c->entry_count || (c->p->mode == NAMELIST_FULL && strcmp(c->md5, published)))
        return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "apply",
                                 "ledger invariant broken: the rebuilt list differs from the published one");
    return GFDX_DECIDE_OK;
}

/* meta.event_id of parts 1..part_count, in part order (one pass over the parts: a version
 * may have thousands). NULL when out of memory or a part is missing. */
static json_t *event_ids(const commit *c)
{
    int n = c->p->part_count;
    const json_t **by_part = calloc((size_t)n + 1, sizeof *by_part), *r;
    json_t *ids = by_part ? json_array() : NULL;
    size_t i;
    json_array_foreach(c->parts, i, r) {
        long long part = gfdx_rows_int(r, "part");
        if (by_part && part >= 1 && part <= n)
            by_part[part] = json_object_get(r, "event_id");
    }
    for (int part = 1; ids && part <= n; part++)
        if (!by_part[part] || json_array_append(ids, (json_t *)by_part[part])) {
            json_decref(ids);
            ids = NULL;
        }
    free(by_part);
    return ids;
}

static int append_version(gfdx_decision *d, const commit *c, const namelist_changes *ch)
{
    const namelist_part *p = c->p;
    json_t *ids = event_ids(c);
    json_t *row = ids ? json_pack("{s:s, s:I, s:o, s:s, s:s, s:s, s:i, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
                                  " s:s, s:I}", "list_id", p->list_id, "version", (json_int_t)p->version,
                                  "previous_version", c->list ? json_integer(gfdx_rows_int(c->list, "current_version"))
                                                              : json_null(),
                                  "mode", namelist_mode_name(p->mode), "title", p->title, "publisher", d->sender->id,
                                  "part_count", p->part_count, "event_ids", ids, "effective_at", gfdx_rows_time(c->eff),
                                  "received_entries", (json_int_t)c->nnext, "received_removals", (json_int_t)c->nrem,
                                  "added", (json_int_t)ch->n_added, "updated", (json_int_t)ch->n_updated, "removed",
                                  (json_int_t)ch->n_removed, "unchanged", (json_int_t)ch->n_unchanged, "entry_count",
                                  (json_int_t)c->entry_count, "content_md5", c->md5, "apply_ms",
                                  (json_int_t)(gfdx_mono_ms() - c->started))
                        : NULL;
    return row ? gfdx_rows_append(d->rows, &namelist_t_version, row) : -1;
}

/* Deletes the version's staged rows (third key column col3). */
static int drop_rows(gfdx_decision *d, const gfdx_table *t, const json_t *rows, const char *list_id,
                     const char *ver, const char *col3)
{
    size_t i;
    const json_t *r;
    json_array_foreach(rows, i, r) {
        char third[24];
        const char *s = gfdx_rows_str(r, col3);
        const char *k[] = {list_id, ver, s ? s : namelist_ll(third, gfdx_rows_int(r, col3))};
        if (gfdx_rows_delete(d->rows, t, k))
            return -1;
    }
    return 0;
}

static int drop_staged(gfdx_decision *d, const commit *c)
{
    const char *l = c->p->list_id;
    return drop_rows(d, &namelist_t_entry, c->staged, l, c->ver, "entry_key") ||
           drop_rows(d, &namelist_t_removal, c->removals, l, c->ver, "entry_key") ||
           drop_rows(d, &namelist_t_part, c->parts, l, c->ver, "part");
}

/* The i-th changed key across added, updated, removed (in that order), and its array name. */
static const char *nth_change(const namelist_changes *ch, size_t i, const char **which)
{
    if (i < ch->n_added)
        return *which = "added", ch->added[i];
    i -= ch->n_added;
    if (i < ch->n_updated)
        return *which = "updated", ch->updated[i];
    return *which = "removed", ch->removed[i - ch->n_updated];
}

static json_t *changed_record(gfdx_decision *d, const commit *c, const namelist_changes *ch, int part, int parts)
{
    const namelist_part *p = c->p;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:s, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:[], s:[], s:[],"
                     " s:[], s:s}",
                     "list_id", p->list_id, "kind", p->kind, "title", p->title, "region", p->region, "publisher",
                     d->sender->id, "version", (json_int_t)p->version, "previous_version",
                     c->list ? json_integer(gfdx_rows_int(c->list, "current_version")) : json_null(), "mode",
                     namelist_mode_name(p->mode), "effective_at", (json_int_t)c->eff, "entry_count",
                     (json_int_t)c->entry_count, "added_count", (json_int_t)ch->n_added, "updated_count",
                     (json_int_t)ch->n_updated, "removed_count", (json_int_t)ch->n_removed, "part", part,
                     "part_count", parts, "added", "updated", "removed", "entries", "level",
                     namelist_level_of(p->region));
}

/* The NameListChanged entry of an added or updated key: its content as staged by the version
 * (NameListEntry of name_list_changed.v2.avsc; by_key maps the staged rows, which the
 * commit has already dropped from the rowset, by key). A new object, NULL when missing or
 * out of memory. */
static json_t *changed_entry(const json_t *by_key, const char *key)
{
    const json_t *s = json_object_get(by_key, key);
    if (!s)
        return NULL;
    json_t *e = json_object();
    static const char *const cols[] = {"entry_key", "uscc", "name", "project_name", "category_code", "attributes",
                                       "industry_type"};
    for (size_t i = 0; e && i < sizeof cols / sizeof cols[0]; i++) {
        json_t *v = json_object_get(s, cols[i]);
        if (v && !json_is_null(v) && json_object_set(e, cols[i], v)) {
            json_decref(e);
            return NULL;
        }
    }
    return e;
}

/* The bytes an entry adds to a record: its JSON size, an upper bound of its Avro size. */
static size_t entry_bytes(const json_t *e)
{
    char *s = e ? json_dumps(e, JSON_COMPACT) : NULL;
    size_t n = s ? strlen(s) : 0;
    free(s);
    return n;
}

/* Part boundaries: starts[i] is the first change of part i+1; a part holds at most
 * changed_keys_per_record keys and changed_bytes_per_record bytes of entry content (at least
 * one change). Returns the number of parts (>= 1), 0 when out of memory. *starts is malloc'd. */
static int plan_parts(gfdx_decision *d, const json_t *by_key, const namelist_changes *ch, size_t **starts)
{
    const namelist_ctx *ctx = d->ctx->service_ctx;
    size_t total = ch->n_added + ch->n_updated + ch->n_removed, per = (size_t)ctx->set.changed_keys_per_record;
    size_t budget = (size_t)ctx->set.changed_bytes_per_record, keys = 0, bytes = 0;
    int parts = 1;
    if (!(*starts = malloc((total + 1) * sizeof **starts)))
        return 0;
    (*starts)[0] = 0;
    for (size_t i = 0; i < total; i++) {
        const char *which, *key = nth_change(ch, i, &which);
        size_t b = 0;
        if (strcmp(which, "removed")) {
            json_t *e = changed_entry(by_key, key);
            b = entry_bytes(e);
            json_decref(e);
        }
        if (keys && (keys == per || bytes + b > budget)) {
            (*starts)[parts++] = i;
            keys = bytes = 0;
        }
        keys++;
        bytes += b + strlen(key) + 4;
    }
    (*starts)[parts] = total;
    return parts;
}

/* Fills part `part` (changes [from, to)) of NameListChanged into rec. 0, or -1. */
static int fill_part(const json_t *by_key, const namelist_changes *ch, json_t *rec, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const char *which, *key = nth_change(ch, i, &which);
        if (json_array_append_new(json_object_get(rec, which), json_string(key)))
            return -1;
        if (strcmp(which, "removed") && json_array_append_new(json_object_get(rec, "entries"),
                                                               changed_entry(by_key, key)))
            return -1;
    }
    return 0;
}

/* NameListChanged (v2: with the entries' content) in parts (plan_parts), on the district's
 * topic <changes_topic>.<region>. */
static gfdx_verdict emit_changes(gfdx_decision *d, const commit *c, const namelist_changes *ch)
{
    const namelist_ctx *ctx = d->ctx->service_ctx;
    char topic[256];
    if (namelist_district_topic(topic, sizeof topic, ctx->set.changes_topic, c->p->region))
        return gfdx_fault_decide(d, GFDX_FAULT_BAD_INPUT, "NameListChanged", "topic name too long");
    size_t *starts = NULL, i;
    json_t *by_key = json_object(), *r;
    int rc = by_key ? 0 : -1;
    json_array_foreach(c->staged, i, r) {
        if (!rc)
            rc = json_object_set(by_key, gfdx_rows_str(r, "entry_key"), r);
    }
    int parts = rc ? 0 : plan_parts(d, by_key, ch, &starts);
    gfdx_verdict v = parts ? GFDX_DECIDE_OK : namelist_oom(d, "NameListChanged parts");
    for (int part = 1; part <= parts && v == GFDX_DECIDE_OK; part++) {
        errno = 0;
        json_t *rec = changed_record(d, c, ch, part, parts);
        if (!rec || fill_part(by_key, ch, rec, starts[part - 1], starts[part]))
            v = gfdx_fault_decide(d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), "NameListChanged",
                                  "cannot build the record");
        else
            v = gfdx_decide_emit(d, topic, c->p->list_id, "NameListChanged", rec);
        json_decref(rec);
    }
    free(starts);
    json_decref(by_key);
    return v;
}

/* Writes the version once the diff is known. */
static gfdx_verdict write_version(gfdx_decision *d, commit *c, const namelist_changes *ch)
{
    const json_t *count = c->list ? json_object_get(c->list, "entry_count") : NULL;
    c->entry_count = c->p->mode == NAMELIST_FULL
                         ? (long long)c->nnext
                         : (long long)json_integer_value(count) + (long long)ch->n_added - (long long)ch->n_removed;
    if (put_list(d, c))
        return namelist_oom(d, "list");
    gfdx_verdict v = write_entries(d, c, ch);
    if (v == GFDX_DECIDE_OK)
        v = verify(d, c);
    if (v == GFDX_DECIDE_OK && (append_version(d, c, ch) || drop_staged(d, c)))
        v = namelist_oom(d, "list_version");
    if (v == GFDX_DECIDE_OK)
        v = emit_changes(d, c, ch);
    return v;
}

/* The batch loaded the list's current entries only by key (namelist_store.h): the list is
 * named in load_whole and the batch fails transiently, so that its retry loads them whole. */
static gfdx_verdict reload_whole(gfdx_decision *d, const char *list_id)
{
    namelist_ctx *ctx = d->ctx->service_ctx;
    errno = 0;
    if (!ctx->load_whole)
        ctx->load_whole = json_object();
    if (!ctx->load_whole || json_object_set_new(ctx->load_whole, list_id, json_true()))
        return namelist_oom(d, "load_whole");
    char why[256];
    snprintf(why, sizeof why, "list %s: a version completes in a batch that loaded its current entries by key"
             " only; retried with them loaded", list_id);
    return gfdx_fault_decide(d, GFDX_FAULT_NOT_READY, "apply", why);
}

gfdx_verdict namelist_commit(gfdx_decision *d, const namelist_part *p, const json_t *list)
{
    const char *lk[] = {p->list_id};
    if (gfdx_rows_get(d->rows, &namelist_t_by_key, lk))
        return reload_whole(d, p->list_id);
    commit c = {.p = p, .list = list, .started = gfdx_mono_ms()};
    namelist_ll(c.ver, p->version);
    namelist_changes ch = {0};
    char why[512];
    gfdx_verdict v;
    if (load_input(d, &c))
        v = namelist_oom(d, "loading the version");
    else if (namelist_diff(p->mode, c.icur, c.ncur, c.inext, c.nnext, c.rem, c.nrem, &ch, why, sizeof why))
        v = gfdx_decide_refuse(d, "INVALID_FIELD", "version %s of list %s: %s", c.ver, p->list_id, why);
    else
        v = write_version(d, &c, &ch);
    if (v == GFDX_DECIDE_OK)
        GFDX_INFO("list %s version %s (%s, %d part%s) applied: +%zu ~%zu -%zu =%zu, %lld entries, %lld ms", p->list_id,
                  c.ver, namelist_mode_name(p->mode), p->part_count, p->part_count > 1 ? "s" : "", ch.n_added,
                  ch.n_updated, ch.n_removed, ch.n_unchanged, c.entry_count, (long long)(gfdx_mono_ms() - c.started));
    namelist_changes_free(&ch);
    commit_clear(&c);
    return v;
}
