/* namelist_decide.c: NameListPublished up to staging its part (see namelist_decide.h); the
 * commit of a complete version is namelist_commit.c, the reports namelist_report.c. A
 * refusal leaves its changes in the rowset: the pipeline undoes them (gfdx_rowset_undo). */
#include "namelist_decide.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "log.h"
#include "namelist.h"
#include "namelist_commit.h"
#include "namelist_digest.h"
#include "namelist_store.h"
#include "namelist_validate.h"

const char *namelist_ll(char buf[24], long long v)
{
    snprintf(buf, 24, "%lld", v);
    return buf;
}

gfdx_verdict namelist_oom(gfdx_decision *d, const char *what)
{
    return gfdx_fault_decide(d, GFDX_FAULT_NO_MEMORY, what, "out of memory");
}

static void read_part(const json_t *b, namelist_part *p)
{
    p->list_id = gfdx_rec_str(b, "list_id");
    p->kind = gfdx_rec_str(b, "kind");
    p->region = gfdx_rec_str(b, "region");
    p->title = gfdx_rec_str(b, "title");
    p->version = gfdx_rec_int(b, "version");
    namelist_mode_parse(gfdx_rec_str(b, "mode"), &p->mode); /* validated */
    p->part = (int)gfdx_rec_int(b, "part");
    p->part_count = (int)gfdx_rec_int(b, "part_count");
    p->entries = gfdx_rec_get(b, "entries");
    p->removed = gfdx_rec_get(b, "removed_keys");
}

static bool same(const json_t *row, const char *column, const char *value)
{
    const char *s = gfdx_rows_str(row, column);
    return s && value && !strcmp(s, value);
}

/* A list belongs to the bureau that staged its first part (district.list_owner) and keeps
 * the kind and region it was bound with: checked before anything about its versions. The
 * first part of a new list binds its sender (undone with the rest if the record is refused). */
static gfdx_verdict check_owner(gfdx_decision *d, const namelist_part *p)
{
    const char *k[] = {p->list_id};
    const json_t *o = gfdx_rows_get(d->rows, &namelist_t_owner, k);
    if (!o) {
        json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s}", "list_id", p->list_id, "publisher", d->rec->sender_id,
                                "kind", p->kind, "region", p->region, "event_id", d->rec->event_id);
        return row && !gfdx_rows_put(d->rows, &namelist_t_owner, row) ? GFDX_DECIDE_OK : namelist_oom(d, "list_owner");
    }
    if (!same(o, "publisher", d->sender->id))
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "list %s is published by %s, not %s", p->list_id,
                                  gfdx_rows_str(o, "publisher"), d->sender->id);
    if (!same(o, "kind", p->kind) || !same(o, "region", p->region))
        return gfdx_decide_refuse(d, "LIST_MISMATCH", "list %s is a %s list of region %s, not %s of %s", p->list_id,
                                  gfdx_rows_str(o, "kind"), gfdx_rows_str(o, "region"), p->kind, p->region);
    return GFDX_DECIDE_OK;
}

/* The version of a list being received in parts: the highest staged one. */
typedef struct {
    long long version; /* 0: none pending */
    namelist_mode mode;
    int part_count, parts;
    bool part_received, same_header;
} pending;

/* The staged versions of a list, summarised in memory (find_pending, keep_pending): the
 * owner row carries, as member PENDING_MEMO, {version, mode, part_count, parts, kind,
 * region, title, sender, mixed} of the pending version ({version: 0} when none). Computed
 * from the staged parts on a list's first part in a batch, then kept up to date by each
 * accepted part (a put of the owner row: a refused record's update is undone with the rest),
 * so that a part costs a few look-ups instead of a scan of every staged part of its version
 * (quadratic in a version's parts). The member is not a column of list_owner: the write
 * ignores it and a load never has it. Only namelist_decide_published changes staged_part
 * rows (staging, abandoning, committing), and it updates the summary every time. */
#define PENDING_MEMO "_pending"

/* The summary from the staged parts of the list (the scan the memo saves). NULL when out of
 * memory. */
static json_t *scan_pending(gfdx_decision *d, const char *list_id)
{
    json_t *rows = gfdx_rows_find(d->rows, &namelist_t_part, "list_id", list_id), *r, *first = NULL;
    long long version = 0;
    size_t i, parts = 0;
    bool mixed = false;
    if (!rows)
        return NULL;
    json_array_foreach(rows, i, r) {
        if (gfdx_rows_int(r, "version") > version)
            version = gfdx_rows_int(r, "version");
    }
    json_array_foreach(rows, i, r) {
        if (gfdx_rows_int(r, "version") != version)
            continue;
        if (!parts++)
            first = r;
        else
            mixed |= !same(r, "kind", gfdx_rows_str(first, "kind")) ||
                     !same(r, "region", gfdx_rows_str(first, "region")) ||
                     !same(r, "title", gfdx_rows_str(first, "title")) ||
                     !same(r, "sender", gfdx_rows_str(first, "sender"));
    }
    json_t *m = first ? json_pack("{s:I, s:s?, s:I, s:I, s:s?, s:s?, s:s?, s:s?, s:b}", "version", (json_int_t)version,
                                  "mode", gfdx_rows_str(first, "mode"), "part_count",
                                  (json_int_t)gfdx_rows_int(first, "part_count"), "parts", (json_int_t)parts, "kind",
                                  gfdx_rows_str(first, "kind"), "region", gfdx_rows_str(first, "region"), "title",
                                  gfdx_rows_str(first, "title"), "sender", gfdx_rows_str(first, "sender"), "mixed",
                                  mixed)
                      : json_pack("{s:I}", "version", (json_int_t)0);
    json_decref(rows);
    return m;
}

/* Puts the list's owner row with summary m (stolen). 0, or -1 when out of memory. */
static int put_memo(gfdx_decision *d, const char *list_id, json_t *m)
{
    const char *k[] = {list_id};
    const json_t *o = gfdx_rows_get(d->rows, &namelist_t_owner, k);
    json_t *row = o && m ? json_deep_copy(o) : NULL;
    if (!row || json_object_set_new(row, PENDING_MEMO, m)) {
        json_decref(row);
        json_decref(m);
        return -1;
    }
    return gfdx_rows_put(d->rows, &namelist_t_owner, row);
}

/* The pending version before record p (the owner row is bound: check_owner ran). */
static int find_pending(gfdx_decision *d, const namelist_part *p, pending *out)
{
    const char *k[] = {p->list_id};
    const json_t *o = gfdx_rows_get(d->rows, &namelist_t_owner, k), *m = json_object_get(o, PENDING_MEMO);
    memset(out, 0, sizeof *out);
    if (!m) {
        if (put_memo(d, p->list_id, scan_pending(d, p->list_id)))
            return -1;
        o = gfdx_rows_get(d->rows, &namelist_t_owner, k);
        m = json_object_get(o, PENDING_MEMO);
    }
    if (!(out->version = gfdx_rows_int(m, "version")))
        return 0;
    char ver[24], part[24];
    const char *pk[] = {p->list_id, namelist_ll(ver, out->version), namelist_ll(part, p->part)};
    out->mode = same(m, "mode", "FULL") ? NAMELIST_FULL : NAMELIST_DELTA;
    out->part_count = (int)gfdx_rows_int(m, "part_count");
    out->parts = (int)gfdx_rows_int(m, "parts");
    out->part_received = gfdx_rows_get(d->rows, &namelist_t_part, pk) != NULL;
    out->same_header = !json_is_true(json_object_get(m, "mixed")) && same(m, "kind", p->kind) &&
                       same(m, "region", p->region) && same(m, "title", p->title) &&
                       same(m, "sender", d->rec->sender_id);
    return 0;
}

/* After part p was staged: the summary of the list's pending version (none when p completed
 * it: the commit dropped its staged parts). 0, or -1 when out of memory. */
static int keep_pending(gfdx_decision *d, const namelist_part *p, int staged)
{
    if (staged == p->part_count)
        return put_memo(d, p->list_id, json_pack("{s:I}", "version", (json_int_t)0));
    return put_memo(d, p->list_id,
                    json_pack("{s:I, s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:b}", "version", (json_int_t)p->version,
                              "mode", namelist_mode_name(p->mode), "part_count", p->part_count, "parts", staged, "kind",
                              p->kind, "region", p->region, "title", p->title, "sender", d->rec->sender_id, "mixed",
                              false));
}

/* Deletes every row of t for list_id whose version is below `below`; *n counts them. */
static int drop_older(gfdx_decision *d, const gfdx_table *t, const char *list_id, long long below, const char *col3)
{
    json_t *rows = gfdx_rows_find(d->rows, t, "list_id", list_id), *r;
    size_t i;
    int rc = rows ? 0 : -1;
    json_array_foreach(rows, i, r) {
        if (rc || gfdx_rows_int(r, "version") >= below)
            continue;
        char ver[24], third[24];
        const char *v3 = gfdx_rows_str(r, col3);
        const char *k[] = {list_id, namelist_ll(ver, gfdx_rows_int(r, "version")),
                           v3 ? v3 : namelist_ll(third, gfdx_rows_int(r, col3))};
        rc = gfdx_rows_delete(d->rows, t, k);
    }
    json_decref(rows);
    return rc;
}

/* One abandoned_version row per older staged version (parts received, part_count). */
static int record_abandoned(gfdx_decision *d, const namelist_part *p, int *n)
{
    json_t *rows = gfdx_rows_find(d->rows, &namelist_t_part, "list_id", p->list_id), *seen = json_object(), *r;
    size_t i;
    int rc = rows && seen ? 0 : -1;
    json_array_foreach(rows, i, r) {
        long long v = gfdx_rows_int(r, "version");
        char ver[24];
        if (rc || v >= p->version || json_object_get(seen, namelist_ll(ver, v)))
            continue;
        long long got = 0, count = 0;
        size_t j;
        json_t *s;
        json_array_foreach(rows, j, s) {
            if (gfdx_rows_int(s, "version") != v)
                continue;
            got++;
            count = gfdx_rows_int(s, "part_count") > count ? gfdx_rows_int(s, "part_count") : count;
        }
        json_t *row = json_pack("{s:s, s:I, s:I, s:I, s:I}", "list_id", p->list_id, "version", (json_int_t)v,
                                "parts_received", (json_int_t)got, "part_count", (json_int_t)count, "superseded_by",
                                (json_int_t)p->version);
        rc = !row || json_object_set_new(seen, ver, json_true()) || gfdx_rows_append(d->rows, &namelist_t_abandoned, row);
        (*n)++;
    }
    json_decref(rows);
    json_decref(seen);
    return rc;
}

/* SUPERSEDE: the staged parts of every older version of the list are dropped and recorded in
 * abandoned_version. */
static gfdx_verdict abandon(gfdx_decision *d, const namelist_part *p)
{
    int n = 0;
    if (record_abandoned(d, p, &n) || drop_older(d, &namelist_t_part, p->list_id, p->version, "part") ||
        drop_older(d, &namelist_t_entry, p->list_id, p->version, "entry_key") ||
        drop_older(d, &namelist_t_removal, p->list_id, p->version, "entry_key"))
        return namelist_oom(d, "abandoning a version");
    GFDX_WARN("list %s: version %lld supersedes %d incomplete version(s); their parts are dropped"
              " (district.abandoned_version)", p->list_id, p->version, n);
    return GFDX_DECIDE_OK;
}

/* Version rules against the ledger; SUPERSEDE abandons the pending version. *pend is the
 * pending version before this record. */
static gfdx_verdict check_version(gfdx_decision *d, const namelist_part *p, const json_t *list, pending *pend)
{
    if (find_pending(d, p, pend))
        return namelist_oom(d, "staged parts");
    const namelist_ctx *ctx = d->ctx->service_ctx;
    namelist_ledger_state s = {list ? gfdx_rows_int(list, "current_version") : 0, pend->version, pend->mode,
                               pend->part_count, pend->part_received, ctx->set.max_version_jump};
    namelist_incoming in = {p->version, p->mode, p->part, p->part_count};
    char why[256];
    namelist_verdict v = namelist_version_check(&s, &in, why, sizeof why);
    if (namelist_verdict_code(v))
        return gfdx_decide_refuse(d, namelist_verdict_code(v), "list %s: %s", p->list_id, why);
    if (v == NAMELIST_V_STAGE && pend->version == p->version && !pend->same_header)
        return gfdx_decide_refuse(d, "PART_MISMATCH", "list %s: part %d of version %lld differs from the earlier parts"
                                  " in kind, region, title or sender", p->list_id, p->part, p->version);
    return v == NAMELIST_V_SUPERSEDE ? abandon(d, p) : GFDX_DECIDE_OK;
}

/* Adds to map the rows whose valid_to is null (open) and to closed the "entry_key valid_from"
 * of the others. -1 when out of memory. */
static int classify_rows(const json_t *rows, json_t *map, json_t *closed)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        const char *k = gfdx_rows_str(r, "entry_key");
        const json_t *to = json_object_get(r, "valid_to");
        char id[96];
        snprintf(id, sizeof id, "%s\x1f%lld", k ? k : "", gfdx_rows_int(r, "valid_from"));
        if (!k || json_object_get(closed, id))
            continue;
        if ((to && !json_is_null(to)) ? json_object_set_new(closed, id, json_true()) : json_object_set(map, k, r))
            return -1;
    }
    return 0;
}

json_t *namelist_current_entries(gfdx_decision *d, const char *list_id)
{
    json_t *open = gfdx_rows_find(d->rows, &namelist_t_open, "list_id", list_id);
    json_t *opened = gfdx_rows_find(d->rows, &namelist_t_opened, "list_id", list_id);
    json_t *map = json_object(), *closed = json_object();
    /* closes (open table) first: a row opened in this batch and closed since is not current */
    int rc = !open || !opened || !map || !closed || classify_rows(open, map, closed) || classify_rows(opened, map, closed);
    json_decref(open);
    json_decref(opened);
    json_decref(closed);
    if (rc) {
        json_decref(map);
        return NULL;
    }
    return map;
}

/* A string member of e, or null (project_name, category_code). Borrowed. */
static json_t *nullable(const json_t *e, const char *field)
{
    json_t *v = json_object_get(e, field);
    return json_is_string(v) ? v : json_null();
}

static gfdx_verdict put_part_row(gfdx_decision *d, const namelist_part *p)
{
    json_t *row = json_pack("{s:s, s:I, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:I}", "list_id", p->list_id,
                            "version", (json_int_t)p->version, "part", p->part, "part_count", p->part_count, "mode",
                            namelist_mode_name(p->mode), "kind", p->kind, "region", p->region, "title", p->title,
                            "sender", d->rec->sender_id, "event_id", d->rec->event_id, "occurred_at",
                            gfdx_rows_time(d->rec->occurred_at), "entries", (json_int_t)json_array_size(p->entries),
                            "removals", (json_int_t)json_array_size(p->removed));
    return row && !gfdx_rows_put(d->rows, &namelist_t_part, row) ? GFDX_DECIDE_OK : namelist_oom(d, "staged_part");
}

/* The staged_entry row of entry e of part p (digest as district.entry_digest computes it). */
static json_t *entry_row(const namelist_part *p, const json_t *e)
{
    char digest[NAMELIST_DIGEST_LEN + 1];
    const json_t *attrs = json_object_get(e, "attributes");
    if (namelist_entry_digest(e, digest))
        return NULL;
    return json_pack("{s:s, s:I, s:s, s:i, s:s, s:s, s:O, s:O, s:o, s:s, s:O}", "list_id", p->list_id, "version",
                     (json_int_t)p->version, "entry_key", json_string_value(json_object_get(e, "entry_key")), "part",
                     p->part, "uscc", json_string_value(json_object_get(e, "uscc")), "name",
                     json_string_value(json_object_get(e, "name")), "project_name", nullable(e, "project_name"),
                     "category_code", nullable(e, "category_code"), "attributes",
                     json_is_object(attrs) ? json_deep_copy(attrs) : json_object(), "digest", digest,
                     "industry_type", nullable(e, "industry_type"));
}

/* Stages the entries; a key already staged by an earlier part (or removed by one) is
 * DUPLICATE_ENTRY. Keys are unique within a part (namelist_validate). */
static gfdx_verdict stage_entries(gfdx_decision *d, const namelist_part *p, const char *ver)
{
    size_t i;
    const json_t *e;
    json_array_foreach(p->entries, i, e) {
        const char *k[] = {p->list_id, ver, json_string_value(json_object_get(e, "entry_key"))};
        const json_t *old = gfdx_rows_get(d->rows, &namelist_t_entry, k);
        if (old && gfdx_rows_int(old, "part") != p->part)
            return gfdx_decide_refuse(d, "DUPLICATE_ENTRY", "list %s: entry key \"%s\" is already in an earlier part"
                                      " of the version", p->list_id, k[2]);
        if (old)
            return gfdx_fault_decide(d, GFDX_FAULT_CORRUPT, "staging", "entries lost without a conflict");
        errno = 0;
        json_t *row = entry_row(p, e);
        if (!row || gfdx_rows_put(d->rows, &namelist_t_entry, row))
            return gfdx_fault_decide(d, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), "staging",
                                     "cannot build the staged entry");
    }
    return GFDX_DECIDE_OK;
}

/* A key both upserted and removed by the version: this part's removals against the staged
 * entries, and this part's entries against the staged removals (earlier parts were checked
 * when they came). */
static gfdx_verdict refuse_both(gfdx_decision *d, const namelist_part *p, const char *ver)
{
    const json_t *sets[2] = {p->removed, p->entries};
    for (int s = 0; s < 2; s++) {
        size_t i;
        const json_t *x;
        json_array_foreach(sets[s], i, x) {
            const char *k[] = {p->list_id, ver, s ? json_string_value(json_object_get(x, "entry_key"))
                                                  : json_string_value(x)};
            if (gfdx_rows_get(d->rows, s ? &namelist_t_removal : &namelist_t_entry, k))
                return gfdx_decide_refuse(d, "DUPLICATE_ENTRY", "list %s: entry key \"%s\" is both upserted and"
                                          " removed by the version", p->list_id, k[2]);
        }
    }
    return GFDX_DECIDE_OK;
}

/* UNKNOWN_ENTRY: a removed key that is not on the list now. */
static gfdx_verdict check_known(gfdx_decision *d, const namelist_part *p)
{
    if (!json_array_size(p->removed))
        return GFDX_DECIDE_OK;
    json_t *cur = namelist_current_entries(d, p->list_id), *k;
    size_t i;
    if (!cur)
        return namelist_oom(d, "current entries");
    gfdx_verdict v = GFDX_DECIDE_OK;
    json_array_foreach(p->removed, i, k) {
        if (!json_object_get(cur, json_string_value(k))) {
            v = gfdx_decide_refuse(d, "UNKNOWN_ENTRY", "list %s: removed key \"%s\" is not on the list: send a"
                                   " FULL snapshot", p->list_id, json_string_value(k));
            break;
        }
    }
    json_decref(cur);
    return v;
}

/* Stages DELTA removals: each must be on the list now, not removed or upserted by another part. */
static gfdx_verdict stage_removals(gfdx_decision *d, const namelist_part *p, const char *ver)
{
    size_t i;
    const json_t *k;
    gfdx_verdict v = check_known(d, p);
    if (v != GFDX_DECIDE_OK)
        return v;
    json_array_foreach(p->removed, i, k) {
        const char *key[] = {p->list_id, ver, json_string_value(k)};
        if (gfdx_rows_get(d->rows, &namelist_t_removal, key))
            return gfdx_decide_refuse(d, "DUPLICATE_ENTRY", "list %s: a removed key is already removed by an earlier"
                                      " part of version %s", p->list_id, ver);
        json_t *row = json_pack("{s:s, s:I, s:s, s:i}", "list_id", p->list_id, "version", (json_int_t)p->version,
                                "entry_key", key[2], "part", p->part);
        if (!row || gfdx_rows_put(d->rows, &namelist_t_removal, row))
            return namelist_oom(d, "staged_removal");
    }
    return refuse_both(d, p, ver);
}

/* Stages part p: its part row, its entries and (DELTA) its removals. */
static gfdx_verdict stage(gfdx_decision *d, const namelist_part *p)
{
    char ver[24];
    namelist_ll(ver, p->version);
    gfdx_verdict v = put_part_row(d, p);
    if (v == GFDX_DECIDE_OK)
        v = stage_entries(d, p, ver);
    if (v == GFDX_DECIDE_OK && (json_array_size(p->removed) || p->mode == NAMELIST_DELTA))
        v = stage_removals(d, p, ver);
    return v;
}

gfdx_verdict namelist_decide_published(gfdx_decision *d)
{
    const namelist_ctx *ctx = d->ctx->service_ctx;
    const namelist_limits lim = {ctx->set.max_parts, ctx->set.max_entries_per_part};
    char why[512];
    const char *code = namelist_validate_published(d->rec->body, d->rec->key, &lim, why, sizeof why);
    if (code)
        return gfdx_decide_refuse(d, code, "%s", why);
    namelist_part p;
    namelist_kind kind;
    read_part(d->rec->body, &p);
    namelist_kind_parse(p.kind, &kind); /* validated */
    if (!namelist_authorize(&ctx->policy, d->sender, NAMELIST_REC_PUBLISH, kind, p.region, why, sizeof why))
        return gfdx_decide_refuse(d, "UNAUTHORIZED_SENDER", "%s", why);
    const char *k[] = {p.list_id};
    const json_t *row = gfdx_rows_get(d->rows, &namelist_t_list, k);
    json_t *list = row ? json_deep_copy(row) : NULL; /* the list before this record */
    if (row && !list)
        return namelist_oom(d, "list");
    pending pend = {0};
    gfdx_verdict v = check_owner(d, &p);
    if (v == GFDX_DECIDE_OK)
        v = check_version(d, &p, list, &pend);
    if (v == GFDX_DECIDE_OK)
        v = stage(d, &p);
    int staged = pend.version == p.version ? pend.parts + 1 : 1; /* this part included */
    if (v == GFDX_DECIDE_OK && staged == p.part_count)
        v = namelist_commit(d, &p, list);
    if (v == GFDX_DECIDE_OK && keep_pending(d, &p, staged))
        v = namelist_oom(d, "staged parts");
    json_decref(list);
    return v;
}
