/* namelist_ledger.c: see namelist_ledger.h. Statements are templates in which '@' stands for
 * the quoted schema name; every value travels as a parameter. Entries travel as one JSON
 * parameter per statement (jsonb_to_recordset), so staging a part of thousands of entries or
 * applying a 50,000-entry version is a handful of set-based statements, not a loop. */
#include "namelist_ledger.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "ids.h"
#include "log.h"
#include "namelist_diff.h"

/* Copies tmpl into out with every '@' replaced by the schema name. */
static void expand(char *out, size_t n, const char *tmpl, const char *schema)
{
    size_t o = 0, sl = strlen(schema);
    for (const char *t = tmpl; *t && o + 1 < n; t++) {
        if (*t != '@') {
            out[o++] = *t;
        } else if (o + sl + 1 < n) {
            memcpy(out + o, schema, sl);
            o += sl;
        }
    }
    out[o] = '\0';
}

PGresult *namelist_ledger_query(gfdx_apply *a, const char *tmpl, int n, const char *const *params)
{
    char sql[4096];
    expand(sql, sizeof sql, tmpl, a->schema);
    return gfdx_apply_exec(a, sql, n, params);
}

static PGresult *q(gfdx_apply *a, const char *tmpl, int n, const char *const *p)
{
    return namelist_ledger_query(a, tmpl, n, p);
}

int namelist_ledger_exec(gfdx_apply *a, const char *tmpl, int n, const char *const *params)
{
    PGresult *r = q(a, tmpl, n, params);
    PQclear(r);
    return r ? 0 : -1;
}

/* Runs a statement; *affected (may be NULL) gets the rows it touched. 0, or -1. */
static int run(gfdx_apply *a, const char *tmpl, int n, const char *const *p, long long *affected)
{
    PGresult *r = q(a, tmpl, n, p);
    if (!r)
        return -1;
    if (affected)
        *affected = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return 0;
}

static void fmt_ll(char *buf, size_t n, long long v) { snprintf(buf, n, "%lld", v); }

int namelist_ledger_hash_joins(gfdx_apply *a, bool on)
{
    return run(a, on ? "SET LOCAL enable_nestloop = off" : "SET LOCAL enable_nestloop TO DEFAULT", 0, NULL, NULL);
}

int namelist_ledger_load(gfdx_apply *a, const char *list_id, namelist_list_row *out)
{
    const char *p[] = {list_id};
    memset(out, 0, sizeof *out);
    if (run(a, "SELECT pg_advisory_xact_lock(hashtextextended('district.list:' || $1, 0))", 1, p, NULL))
        return -1;
    PGresult *r = q(a, "SELECT kind, region, publisher, current_version, entry_count FROM @.list"
                       " WHERE list_id = $1 FOR UPDATE", 1, p);
    if (!r)
        return -1;
    if (PQntuples(r) == 1) {
        out->exists = true;
        snprintf(out->kind, sizeof out->kind, "%s", PQgetvalue(r, 0, 0));
        snprintf(out->region, sizeof out->region, "%s", PQgetvalue(r, 0, 1));
        snprintf(out->publisher, sizeof out->publisher, "%s", PQgetvalue(r, 0, 2));
        out->version = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
        out->entry_count = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
    }
    PQclear(r);
    return 0;
}

int namelist_ledger_owner(gfdx_apply *a, const char *list_id, namelist_owner *out)
{
    const char *p[] = {list_id};
    memset(out, 0, sizeof *out);
    PGresult *r = q(a, "SELECT publisher, kind, region FROM @.list_owner WHERE list_id = $1", 1, p);
    if (!r)
        return -1;
    if (PQntuples(r) == 1) {
        out->bound = true;
        snprintf(out->publisher, sizeof out->publisher, "%s", PQgetvalue(r, 0, 0));
        snprintf(out->kind, sizeof out->kind, "%s", PQgetvalue(r, 0, 1));
        snprintf(out->region, sizeof out->region, "%s", PQgetvalue(r, 0, 2));
    }
    PQclear(r);
    return 0;
}

int namelist_ledger_bind(gfdx_apply *a, const namelist_part *p)
{
    const char *prm[] = {p->list_id, a->rec->sender_id, p->kind, p->region, a->rec->event_id};
    return run(a, "INSERT INTO @.list_owner (list_id, publisher, kind, region, event_id) VALUES ($1, $2, $3, $4, $5)",
               5, prm, NULL);
}

int namelist_ledger_pending(gfdx_apply *a, const namelist_part *p, namelist_pending *out)
{
    char part[16];
    fmt_ll(part, sizeof part, p->part);
    const char *prm[] = {p->list_id, part, p->kind, p->region, p->title, a->rec->sender_id};
    memset(out, 0, sizeof *out);
    PGresult *r = q(a, "SELECT version, mode, part_count, count(*), bool_or(part = $2::int),"
                       " bool_and(kind = $3 AND region = $4 AND title = $5 AND sender = $6)"
                       " FROM @.staged_part WHERE list_id = $1 GROUP BY version, mode, part_count"
                       " ORDER BY version DESC LIMIT 1", 6, prm);
    if (!r)
        return -1;
    if (PQntuples(r) == 1) {
        out->version = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        out->mode = strcmp(PQgetvalue(r, 0, 1), "FULL") ? NAMELIST_DELTA : NAMELIST_FULL;
        out->part_count = atoi(PQgetvalue(r, 0, 2));
        out->parts = atoi(PQgetvalue(r, 0, 3));
        out->part_received = PQgetvalue(r, 0, 4)[0] == 't';
        out->same_header = PQgetvalue(r, 0, 5)[0] == 't';
    }
    PQclear(r);
    return 0;
}

gfdx_apply_result namelist_ledger_abandon(gfdx_apply *a, const namelist_part *p)
{
    char ver[24];
    fmt_ll(ver, sizeof ver, p->version);
    const char *prm[] = {p->list_id, ver};
    long long n = 0;
    if (run(a, "WITH gone AS (DELETE FROM @.staged_part WHERE list_id = $1 AND version < $2::bigint"
               " RETURNING version, part_count)"
               " INSERT INTO @.abandoned_version (list_id, version, parts_received, part_count, superseded_by)"
               " SELECT $1, version, count(*), max(part_count), $2::bigint FROM gone GROUP BY version"
               " ON CONFLICT DO NOTHING", 2, prm, &n) ||
        run(a, "DELETE FROM @.staged_entry WHERE list_id = $1 AND version < $2::bigint", 2, prm, NULL) ||
        run(a, "DELETE FROM @.staged_removal WHERE list_id = $1 AND version < $2::bigint", 2, prm, NULL))
        return GFDX_APPLY_DB_ERROR;
    GFDX_WARN("list %s: version %s supersedes %lld incomplete version(s); their parts are dropped"
              " (district.abandoned_version)", p->list_id, ver, n);
    return GFDX_APPLY_OK;
}

/* Runs a query that names an offending key in its first column (LIMIT 1); refuses with code
 * and "fmt" (one %s for the key) when it returns a row. */
static gfdx_apply_result refuse_if_row(gfdx_apply *a, const char *tmpl, int n, const char *const *prm,
                                       const char *code, const char *fmt, const char *list_id)
{
    PGresult *r = q(a, tmpl, n, prm);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    gfdx_apply_result res = GFDX_APPLY_OK;
    if (PQntuples(r)) {
        char why[400];
        snprintf(why, sizeof why, fmt, PQgetvalue(r, 0, 0));
        res = gfdx_apply_refuse(a, code, "list %s: %s", list_id, why);
    }
    PQclear(r);
    return res;
}

static int insert_part(gfdx_apply *a, const namelist_part *p, const char *const *prm)
{
    char at[24], ne[16], nr[16], count[16];
    fmt_ll(at, sizeof at, a->rec->occurred_at);
    fmt_ll(ne, sizeof ne, (long long)json_array_size(p->entries));
    fmt_ll(nr, sizeof nr, (long long)json_array_size(p->removed));
    fmt_ll(count, sizeof count, p->part_count);
    const char *hp[] = {prm[0], prm[1], prm[2], count, namelist_mode_name(p->mode), p->kind, p->region,
                        p->title, a->rec->sender_id, a->rec->event_id, at, ne, nr};
    return run(a, "INSERT INTO @.staged_part (list_id, version, part, part_count, mode, kind, region, title, sender,"
                  " event_id, occurred_at, entries, removals) VALUES ($1, $2::bigint, $3::int, $4::int, $5, $6, $7,"
                  " $8, $9, $10, " NAMELIST_SQL_MS(11) ", $12::int, $13::int)", 13, hp, NULL);
}

/* Stages the entries; a key already staged by an earlier part is DUPLICATE_ENTRY. */
static gfdx_apply_result stage_entries(gfdx_apply *a, const namelist_part *p, const char *const *prm)
{
    long long n = 0;
    if (run(a, "INSERT INTO @.staged_entry (list_id, version, part, entry_key, uscc, name, project_name,"
               " category_code, attributes, digest) SELECT $1, $2::bigint, $3::int, x.entry_key, x.uscc, x.name,"
               " x.project_name, x.category_code, coalesce(x.attributes, '{}'), @.entry_digest(x.uscc, x.name,"
               " x.project_name, x.category_code, coalesce(x.attributes, '{}')) FROM jsonb_to_recordset($4::jsonb)"
               " AS x(entry_key text, uscc text, name text, project_name text, category_code text, attributes jsonb)"
               " ON CONFLICT DO NOTHING", 4, prm, &n))
        return GFDX_APPLY_DB_ERROR;
    if (n == (long long)json_array_size(p->entries))
        return GFDX_APPLY_OK;
    gfdx_apply_result res = refuse_if_row(
        a, "SELECT x->>'entry_key' FROM jsonb_array_elements($4::jsonb) x WHERE EXISTS (SELECT 1 FROM @.staged_entry s"
           " WHERE s.list_id = $1 AND s.version = $2::bigint AND s.entry_key = x->>'entry_key' AND s.part <> $3::int)"
           " LIMIT 1", 4, prm, "DUPLICATE_ENTRY", "entry key \"%s\" is already in an earlier part of the version",
        p->list_id);
    return res == GFDX_APPLY_OK ? gfdx_fault_apply(a, GFDX_FAULT_CORRUPT, "staging", "entries lost without a conflict") : res;
}

/* Stages DELTA removals: each must be on the list now, not removed or upserted by another part. */
static gfdx_apply_result stage_removals(gfdx_apply *a, const namelist_part *p, const char *const *prm)
{
    const char *rp[] = {prm[0], prm[1], prm[2], prm[4]}, *kp[] = {prm[0], prm[4]};
    long long n = 0;
    gfdx_apply_result res = refuse_if_row(
        a, "SELECT k FROM jsonb_array_elements_text($2::jsonb) k WHERE NOT EXISTS (SELECT 1 FROM @.entry_version e"
           " WHERE e.list_id = $1 AND e.entry_key = k AND e.valid_to IS NULL) LIMIT 1", 2, kp, "UNKNOWN_ENTRY",
        "removed key \"%s\" is not on the list: send a FULL snapshot", p->list_id);
    if (res == GFDX_APPLY_OK &&
        run(a, "INSERT INTO @.staged_removal (list_id, version, part, entry_key) SELECT $1, $2::bigint, $3::int, k"
               " FROM jsonb_array_elements_text($4::jsonb) k ON CONFLICT DO NOTHING", 4, rp, &n))
        res = GFDX_APPLY_DB_ERROR;
    if (res == GFDX_APPLY_OK && n != (long long)json_array_size(p->removed))
        res = gfdx_apply_refuse(a, "DUPLICATE_ENTRY", "list %s: a removed key is already removed by an earlier part"
                                " of version %s", p->list_id, prm[1]);
    if (res == GFDX_APPLY_OK)
        res = refuse_if_row(a, "SELECT r.entry_key FROM @.staged_removal r JOIN @.staged_entry s ON s.list_id ="
                               " r.list_id AND s.version = r.version AND s.entry_key = r.entry_key WHERE r.list_id = $1"
                               " AND r.version = $2::bigint LIMIT 1", 2, prm, "DUPLICATE_ENTRY",
                            "entry key \"%s\" is both upserted and removed by the version", p->list_id);
    return res;
}

gfdx_apply_result namelist_ledger_stage(gfdx_apply *a, const namelist_part *p)
{
    char ver[24], part[16];
    fmt_ll(ver, sizeof ver, p->version);
    fmt_ll(part, sizeof part, p->part);
    char *entries = json_dumps(p->entries, JSON_COMPACT), *removed = json_dumps(p->removed, JSON_COMPACT);
    const char *prm[] = {p->list_id, ver, part, entries, removed};
    gfdx_apply_result res = GFDX_APPLY_OK;
    if (!entries || !removed)
        res = gfdx_fault_apply(a, GFDX_FAULT_NO_MEMORY, "staging", "out of memory");
    else if (insert_part(a, p, prm))
        res = GFDX_APPLY_DB_ERROR;
    if (res == GFDX_APPLY_OK)
        res = stage_entries(a, p, prm);
    if (res == GFDX_APPLY_OK && (json_array_size(p->removed) || p->mode == NAMELIST_DELTA))
        res = stage_removals(a, p, prm);
    free(entries);
    free(removed);
    return res;
}

/* ---- applying a complete version ---- */

/* Entries of the version and of the list, as (key, digest) borrowed from their results. */
typedef struct {
    PGresult *cur_r, *next_r, *rem_r;
    namelist_item *cur, *next;
    const char **rem;
    size_t ncur, nnext, nrem;
} apply_input;

static void input_clear(apply_input *in)
{
    PQclear(in->cur_r);
    PQclear(in->next_r);
    PQclear(in->rem_r);
    free(in->cur);
    free(in->next);
    free(in->rem);
}

/* Points items at the (key, digest) columns of r. -1 when out of memory. */
static int items_of(PGresult *r, namelist_item **out, size_t *n)
{
    *n = (size_t)PQntuples(r);
    *out = malloc((*n + 1) * sizeof **out);
    if (!*out)
        return -1;
    for (size_t i = 0; i < *n; i++)
        (*out)[i] = (namelist_item){PQgetvalue(r, (int)i, 0), PQgetvalue(r, (int)i, 1)};
    return 0;
}

static int load_input(gfdx_apply *a, const namelist_part *p, const char *ver, apply_input *in)
{
    const char *prm[] = {p->list_id, ver};
    in->cur_r = p->mode == NAMELIST_FULL
                    ? q(a, "SELECT entry_key, digest FROM @.entry_version WHERE list_id = $1 AND valid_to IS NULL", 1,
                        prm)
                    : q(a, "SELECT e.entry_key, e.digest FROM @.staged_entry s JOIN @.entry_version e ON e.list_id ="
                           " s.list_id AND e.entry_key = s.entry_key AND e.valid_to IS NULL WHERE s.list_id = $1 AND"
                           " s.version = $2::bigint UNION ALL SELECT e.entry_key, e.digest FROM @.staged_removal r JOIN"
                           " @.entry_version e ON e.list_id = r.list_id AND e.entry_key = r.entry_key AND e.valid_to IS"
                           " NULL WHERE r.list_id = $1 AND r.version = $2::bigint", 2, prm);
    in->next_r = in->cur_r ? q(a, "SELECT entry_key, digest FROM @.staged_entry WHERE list_id = $1 AND"
                                  " version = $2::bigint", 2, prm) : NULL;
    in->rem_r = in->next_r ? q(a, "SELECT entry_key FROM @.staged_removal WHERE list_id = $1 AND"
                                  " version = $2::bigint", 2, prm) : NULL;
    if (!in->rem_r)
        return -1;
    in->nrem = (size_t)PQntuples(in->rem_r);
    in->rem = malloc((in->nrem + 1) * sizeof *in->rem);
    if (!in->rem || items_of(in->cur_r, &in->cur, &in->ncur) || items_of(in->next_r, &in->next, &in->nnext)) {
        gfdx_fault_apply(a, GFDX_FAULT_NO_MEMORY, "loading the version", "out of memory");
        return -1;
    }
    for (size_t i = 0; i < in->nrem; i++)
        in->rem[i] = PQgetvalue(in->rem_r, (int)i, 0);
    return 0;
}

/* JSON array text of a[0..na) followed by b[0..nb); caller frees. NULL when out of memory. */
static char *keys_json(const char *const *x, size_t nx, const char *const *y, size_t ny)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < nx + ny; i++)
        if (json_array_append_new(arr, json_string(i < nx ? x[i] : y[i - nx]))) {
            json_decref(arr);
            return NULL;
        }
    char *s = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    return s;
}

/* Per version: the effective time, the counts and timing. */
typedef struct {
    char ver[24], eff[24];
    long long entry_count;
    int64_t started;
} apply_state;

static int effective_at(gfdx_apply *a, const namelist_part *p, apply_state *st)
{
    const char *prm[] = {p->list_id, st->ver};
    PGresult *r = q(a, "SELECT (extract(epoch FROM greatest(max(s.occurred_at), (SELECT l.effective_at FROM @.list l"
                       " WHERE l.list_id = $1))) * 1000)::bigint FROM @.staged_part s WHERE s.list_id = $1"
                       " AND s.version = $2::bigint", 2, prm);
    if (!r)
        return -1;
    snprintf(st->eff, sizeof st->eff, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

static int upsert_list(gfdx_apply *a, const namelist_part *p, const apply_state *st)
{
    char count[24];
    fmt_ll(count, sizeof count, st->entry_count);
    const char *prm[] = {p->list_id, p->kind, p->region, p->title, a->sender->id, gfdx_bureau_name(a->sender->bureau),
                         st->ver, namelist_mode_name(p->mode), count, st->eff};
    return run(a, "INSERT INTO @.list AS l (list_id, kind, region, title, publisher, publisher_bureau, current_version,"
                  " current_mode, entry_count, effective_at) VALUES ($1, $2, $3, $4, $5, $6, $7::bigint, $8, $9::int, "
                  NAMELIST_SQL_MS(10) ") ON CONFLICT (list_id) DO UPDATE SET title = EXCLUDED.title,"
                  " current_version = EXCLUDED.current_version, current_mode = EXCLUDED.current_mode,"
                  " entry_count = EXCLUDED.entry_count, effective_at = EXCLUDED.effective_at, updated_at = now()",
               10, prm, NULL);
}

/* Puts the keys the diff closes (op C) and opens (op O) into district.change_key. */
static int store_change_keys(gfdx_apply *a, const namelist_part *p, const apply_state *st, const namelist_changes *ch)
{
    char *closing = keys_json(ch->removed, ch->n_removed, ch->updated, ch->n_updated);
    char *opening = keys_json(ch->added, ch->n_added, ch->updated, ch->n_updated);
    const char *prm[] = {p->list_id, st->ver, closing, opening};
    int rc = closing && opening ? 0 : (gfdx_fault_apply(a, GFDX_FAULT_NO_MEMORY, "apply", "out of memory"), -1);
    if (rc == 0)
        rc = run(a, "INSERT INTO @.change_key (list_id, version, op, entry_key) SELECT $1, $2::bigint, 'C', k FROM"
                    " jsonb_array_elements_text($3::jsonb) k UNION ALL SELECT $1, $2::bigint, 'O', k FROM"
                    " jsonb_array_elements_text($4::jsonb) k", 4, prm, NULL);
    free(closing);
    free(opening);
    return rc;
}

/* Closes the rows of removed and updated keys, inserts the rows of added and updated keys;
 * checks that exactly those rows moved. */
static gfdx_apply_result write_entries(gfdx_apply *a, const namelist_part *p, const apply_state *st,
                                       const namelist_changes *ch, const namelist_settings *set)
{
    const char *prm[] = {p->list_id, st->ver, st->eff};
    char pause[16];
    fmt_ll(pause, sizeof pause, set->apply_pause_ms);
    const char *pp[] = {pause};
    long long closed = -1, opened = -1;
    int rc = store_change_keys(a, p, st, ch);
    if (rc == 0)
        rc = run(a, "UPDATE @.entry_version e SET valid_to = $2::bigint, valid_to_at = " NAMELIST_SQL_MS(3) " FROM"
                    " @.change_key c WHERE c.list_id = $1 AND c.version = $2::bigint AND c.op = 'C' AND e.list_id = $1"
                    " AND e.valid_to IS NULL AND e.entry_key = c.entry_key", 3, prm, &closed);
    if (rc == 0 && set->apply_pause_ms > 0) {
        GFDX_WARN("list %s version %s: fault injection: pausing %d ms in the middle of the apply", p->list_id, st->ver,
                  set->apply_pause_ms);
        rc = run(a, "SELECT pg_sleep($1::int / 1000.0)", 1, pp, NULL);
    }
    if (rc == 0)
        rc = run(a, "INSERT INTO @.entry_version (list_id, entry_key, valid_from, valid_from_at, uscc, name, project_name,"
                    " category_code, attributes, digest) SELECT s.list_id, s.entry_key, s.version, " NAMELIST_SQL_MS(3) ","
                    " s.uscc, s.name, s.project_name, s.category_code, s.attributes, s.digest FROM @.change_key c JOIN"
                    " @.staged_entry s ON s.list_id = c.list_id AND s.version = c.version AND s.entry_key = c.entry_key"
                    " WHERE c.list_id = $1 AND c.version = $2::bigint AND c.op = 'O'", 3, prm, &opened);
    if (rc == 0)
        rc = run(a, "DELETE FROM @.change_key WHERE list_id = $1 AND version = $2::bigint", 2, prm, NULL);
    if (rc)
        return GFDX_APPLY_DB_ERROR;
    if (closed != (long long)(ch->n_removed + ch->n_updated) || opened != (long long)(ch->n_added + ch->n_updated))
        return gfdx_fault_apply(a, GFDX_FAULT_CORRUPT, "apply",
                                "ledger invariant broken: rows closed/inserted differ from the diff");
    return GFDX_APPLY_OK;
}

/* Digest and count of the list as it now stands (the version just applied); for a FULL
 * version they must equal those of what was published. */
static gfdx_apply_result verify(gfdx_apply *a, const namelist_part *p, const apply_state *st, char md5[33])
{
    const char *prm[] = {p->list_id, st->ver};
    PGresult *r = q(a, "SELECT count(*), md5(coalesce(string_agg(entry_key || E'\\x1f' || digest, E'\\x1e'"
                       " ORDER BY entry_key COLLATE \"C\"), '')) FROM @.entry_version WHERE list_id = $1"
                       " AND valid_to IS NULL UNION ALL SELECT count(*), md5(coalesce(string_agg(entry_key ||"
                       " E'\\x1f' || digest, E'\\x1e' ORDER BY entry_key COLLATE \"C\"), '')) FROM @.staged_entry"
                       " WHERE list_id = $1 AND version = $2::bigint", 2, prm);
    if (!r)
        return GFDX_APPLY_DB_ERROR;
    gfdx_apply_result res = GFDX_APPLY_OK;
    snprintf(md5, 33, "%s", PQgetvalue(r, 0, 1));
    if (strtoll(PQgetvalue(r, 0, 0), NULL, 10) != st->entry_count ||
        (p->mode == NAMELIST_FULL && strcmp(md5, PQgetvalue(r, 1, 1))))
        res = gfdx_fault_apply(a, GFDX_FAULT_CORRUPT, "apply",
                               "ledger invariant broken: the rebuilt list differs from the published one");
    PQclear(r);
    return res;
}

static int record_version(gfdx_apply *a, const namelist_part *p, const namelist_list_row *list,
                          const apply_state *st, const namelist_changes *ch, const apply_input *in, const char *md5)
{
    char prev[24], cnt[16], n[6][24], ms[24];
    fmt_ll(prev, sizeof prev, list->version);
    fmt_ll(cnt, sizeof cnt, p->part_count);
    long long v[6] = {(long long)in->nnext, (long long)in->nrem, (long long)ch->n_added, (long long)ch->n_updated,
                      (long long)ch->n_removed, (long long)ch->n_unchanged};
    for (int i = 0; i < 6; i++)
        fmt_ll(n[i], sizeof n[i], v[i]);
    char count[24];
    fmt_ll(count, sizeof count, st->entry_count);
    fmt_ll(ms, sizeof ms, gfdx_mono_ms() - st->started);
    const char *prm[] = {p->list_id, st->ver, list->exists ? prev : NULL, namelist_mode_name(p->mode), p->title,
                         a->sender->id, cnt, st->eff, n[0], n[1], n[2], n[3], n[4], n[5], count, md5, ms};
    return run(a, "INSERT INTO @.list_version (list_id, version, previous_version, mode, title, publisher, part_count,"
                  " event_ids, effective_at, received_entries, received_removals, added, updated, removed, unchanged,"
                  " entry_count, content_md5, apply_ms) SELECT $1, $2::bigint, $3::bigint, $4, $5, $6, $7::int,"
                  " array_agg(event_id ORDER BY part), " NAMELIST_SQL_MS(8) ", $9::int, $10::int, $11::int, $12::int,"
                  " $13::int, $14::int, $15::int, $16, $17::int FROM @.staged_part WHERE list_id = $1 AND"
                  " version = $2::bigint", 17, prm, NULL);
}

static int drop_staged(gfdx_apply *a, const namelist_part *p, const apply_state *st)
{
    const char *prm[] = {p->list_id, st->ver};
    return run(a, "DELETE FROM @.staged_entry WHERE list_id = $1 AND version = $2::bigint", 2, prm, NULL) ||
           run(a, "DELETE FROM @.staged_removal WHERE list_id = $1 AND version = $2::bigint", 2, prm, NULL) ||
           run(a, "DELETE FROM @.staged_part WHERE list_id = $1 AND version = $2::bigint", 2, prm, NULL);
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

static json_t *changed_record(const namelist_part *p, const namelist_list_row *list, const apply_state *st,
                              const namelist_changes *ch, const char *publisher, int part, int parts)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:s, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:[], s:[], s:[]}",
                     "list_id", p->list_id, "kind", p->kind, "title", p->title, "region", p->region, "publisher",
                     publisher, "version", (json_int_t)p->version, "previous_version",
                     list->exists ? json_integer(list->version) : json_null(), "mode", namelist_mode_name(p->mode),
                     "effective_at", (json_int_t)strtoll(st->eff, NULL, 10), "entry_count",
                     (json_int_t)st->entry_count, "added_count", (json_int_t)ch->n_added, "updated_count",
                     (json_int_t)ch->n_updated, "removed_count", (json_int_t)ch->n_removed, "part", part,
                     "part_count", parts, "added", "updated", "removed");
}

/* NameListChanged in parts of at most set->changed_keys_per_record keys (one part when none). */
static gfdx_apply_result emit_changes(gfdx_apply *a, const namelist_part *p, const namelist_list_row *list,
                                      const apply_state *st, const namelist_changes *ch, const namelist_settings *set)
{
    size_t total = ch->n_added + ch->n_updated + ch->n_removed, per = (size_t)set->changed_keys_per_record, pos = 0;
    int parts = total ? (int)((total + per - 1) / per) : 1;
    gfdx_apply_result res = GFDX_APPLY_OK;
    for (int part = 1; part <= parts && res == GFDX_APPLY_OK; part++) {
        errno = 0;
        json_t *rec = changed_record(p, list, st, ch, a->sender->id, part, parts);
        for (size_t k = 0; rec && k < per && pos < total; k++, pos++) {
            const char *which, *key = nth_change(ch, pos, &which);
            json_array_append_new(json_object_get(rec, which), json_string(key));
        }
        res = rec ? gfdx_apply_emit(a, set->changes_topic, p->list_id, "NameListChanged", rec)
                  : gfdx_fault_apply(a, gfdx_fault_of_errno(errno, GFDX_FAULT_BAD_INPUT), "NameListChanged",
                                     "cannot build the record");
        json_decref(rec);
    }
    return res;
}

/* Writes the version once the diff is known. */
static gfdx_apply_result write_version(gfdx_apply *a, const namelist_part *p, const namelist_list_row *list,
                                       apply_state *st, const namelist_changes *ch, const apply_input *in,
                                       const namelist_settings *set)
{
    char md5[33] = "";
    st->entry_count = p->mode == NAMELIST_FULL
                          ? (long long)in->nnext
                          : list->entry_count + (long long)ch->n_added - (long long)ch->n_removed;
    if (upsert_list(a, p, st))
        return GFDX_APPLY_DB_ERROR;
    gfdx_apply_result res = write_entries(a, p, st, ch, set);
    if (res == GFDX_APPLY_OK)
        res = verify(a, p, st, md5);
    if (res == GFDX_APPLY_OK && (record_version(a, p, list, st, ch, in, md5) || drop_staged(a, p, st)))
        res = GFDX_APPLY_DB_ERROR;
    if (res == GFDX_APPLY_OK)
        res = emit_changes(a, p, list, st, ch, set);
    return res;
}

gfdx_apply_result namelist_ledger_apply(gfdx_apply *a, const namelist_part *p, const namelist_list_row *list,
                                        const namelist_settings *set)
{
    apply_state st = {.started = gfdx_mono_ms()};
    fmt_ll(st.ver, sizeof st.ver, p->version);
    apply_input in = {0};
    namelist_changes ch = {0};
    char why[512];
    gfdx_apply_result res = GFDX_APPLY_OK;
    if (load_input(a, p, st.ver, &in) || effective_at(a, p, &st))
        res = GFDX_APPLY_DB_ERROR;
    else if (namelist_diff(p->mode, in.cur, in.ncur, in.next, in.nnext, in.rem, in.nrem, &ch, why, sizeof why))
        res = gfdx_apply_refuse(a, "INVALID_FIELD", "version %s of list %s: %s", st.ver, p->list_id, why);
    else
        res = write_version(a, p, list, &st, &ch, &in, set);
    if (res == GFDX_APPLY_OK)
        GFDX_INFO("list %s version %s (%s, %d part%s) applied: +%zu ~%zu -%zu =%zu, %lld entries, %lld ms", p->list_id,
                  st.ver, namelist_mode_name(p->mode), p->part_count, p->part_count > 1 ? "s" : "", ch.n_added,
                  ch.n_updated, ch.n_removed, ch.n_unchanged, st.entry_count, (long long)(gfdx_mono_ms() - st.started));
    namelist_changes_free(&ch);
    input_clear(&in);
    return res;
}
