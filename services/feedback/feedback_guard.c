/* feedback_guard.c: the catalogue and green-factory guards. See feedback_guard.h. */
#include "feedback_guard.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "feedback.h"
#include "feedback_decide.h"
#include "feedback_rules.h"

const gfdx_table feedback_current_entry_table = {
    .name = "district.current_entry", .kind = GFDX_TABLE_READ, .optional = true};

#define NATIONAL_REGION "100000"
#define GREEN_FACTORY_KIND "GREEN_FACTORY"
#define CODE_MAX 32

/* ---- the catalogue ---- */

typedef struct {
    char code[CODE_MAX];
    bool open; /* children not enumerated in the file */
} cat_code;

struct feedback_catalogue {
    cat_code *codes; /* sorted by code (strcmp) */
    size_t n, cap, top;
};

static int by_code(const void *a, const void *b)
{
    return strcmp(((const cat_code *)a)->code, ((const cat_code *)b)->code);
}

static const cat_code *find(const feedback_catalogue *cat, const char *code)
{
    cat_code key;
    if (!cat || strlen(code) >= sizeof key.code)
        return NULL;
    snprintf(key.code, sizeof key.code, "%s", code);
    return bsearch(&key, cat->codes, cat->n, sizeof *cat->codes, by_code);
}

/* A code: dot-separated numbers of 1..3 digits, at most CODE_MAX - 1 bytes. */
static bool code_valid(const char *code)
{
    size_t digits = 0, len = strlen(code);
    if (len == 0 || len >= CODE_MAX)
        return false;
    for (const char *p = code; *p; p++) {
        if (*p == '.') {
            if (digits == 0)
                return false;
            digits = 0;
        } else if (isdigit((unsigned char)*p) && ++digits <= 3) {
            continue;
        } else {
            return false;
        }
    }
    return digits > 0;
}

/* The parent of code ("1.3.1" -> "1.3"), "" for a top-level code, into out (CODE_MAX
 * bytes; code fits, being valid). */
static void parent_of(const char *code, char *out)
{
    const char *dot = strrchr(code, '.');
    size_t n = dot ? (size_t)(dot - code) : 0;
    memmove(out, code, n);
    out[n] = '\0';
}

/* Adds one parsed line; the codes are kept in file order until sorted at the end, so the
 * parent check searches linearly (the file is small: hundreds of codes). */
static int add_code(feedback_catalogue *cat, const char *code, bool open, char *why, size_t whylen)
{
    char parent[CODE_MAX];
    parent_of(code, parent);
    bool has_parent = !*parent, dup = false;
    for (size_t i = 0; i < cat->n; i++) {
        has_parent |= !strcmp(cat->codes[i].code, parent);
        dup |= !strcmp(cat->codes[i].code, code);
    }
    if (dup || !has_parent) {
        snprintf(why, whylen, dup ? "code %s appears twice" : "code %s comes before its parent", code);
        return -1;
    }
    if (cat->n == cat->cap) {
        size_t cap = cat->cap ? cat->cap * 2 : 64;
        cat_code *grown = realloc(cat->codes, cap * sizeof *grown);
        if (!grown) {
            snprintf(why, whylen, "out of memory");
            return -1;
        }
        cat->codes = grown;
        cat->cap = cap;
    }
    snprintf(cat->codes[cat->n].code, CODE_MAX, "%s", code);
    cat->codes[cat->n++].open = open;
    cat->top += !*parent;
    return 0;
}

/* One line "code<TAB>name[<TAB>*]" (newline stripped). 0, or -1 with why. */
static int parse_line(feedback_catalogue *cat, char *line, char *why, size_t whylen)
{
    char *name = strchr(line, '\t');
    if (!name) {
        snprintf(why, whylen, "expected code<TAB>name");
        return -1;
    }
    *name++ = '\0';
    char *flag = strchr(name, '\t');
    if (flag)
        *flag++ = '\0';
    if (!code_valid(line) || !*name || (flag && strcmp(flag, "*"))) {
        snprintf(why, whylen, "\"%s\" is not a code with a name (third column: * or nothing)", line);
        return -1;
    }
    return add_code(cat, line, flag != NULL, why, whylen);
}

feedback_catalogue *feedback_catalogue_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    feedback_catalogue *cat = calloc(1, sizeof *cat);
    char line[1024], why[256] = "out of memory";
    int lineno = 0, bad = !cat;
    while (!bad && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] && line[0] != '#')
            bad = parse_line(cat, line, why, sizeof why);
    }
    fclose(f);
    if (!bad && cat->n == 0) {
        bad = 1;
        snprintf(why, sizeof why, "no codes");
    }
    if (bad) {
        snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
        feedback_catalogue_free(cat);
        return NULL;
    }
    qsort(cat->codes, cat->n, sizeof *cat->codes, by_code);
    return cat;
}

void feedback_catalogue_free(feedback_catalogue *cat)
{
    if (cat)
        free(cat->codes);
    free(cat);
}

size_t feedback_catalogue_count(const feedback_catalogue *cat) { return cat ? cat->n : 0; }

bool feedback_catalogue_has(const feedback_catalogue *cat, const char *code)
{
    if (!cat || !code || !code_valid(code))
        return false;
    if (find(cat, code))
        return true;
    char up[CODE_MAX];
    snprintf(up, sizeof up, "%s", code);
    for (parent_of(up, up); *up; parent_of(up, up)) {
        const cat_code *c = find(cat, up);
        if (c)
            return c->open; /* the nearest listed ancestor decides */
    }
    return false;
}

void feedback_catalogue_print(FILE *out, const feedback_catalogue *cat, const char *path)
{
    if (cat)
        fprintf(out, "# feedback.green_catalogue: %zu codes, %zu top-level (%s)\n", cat->n, cat->top, path);
    else
        fprintf(out, "# feedback.green_catalogue: off\n");
}

/* ---- the national green-factory list ---- */

bool feedback_guard_national_entry(const json_t *row)
{
    const char *kind = gfdx_rows_str(row, "kind"), *region = gfdx_rows_str(row, "region");
    if (!kind || strcmp(kind, GREEN_FACTORY_KIND))
        return false;
    if (region && !strcmp(region, NATIONAL_REGION))
        return true;
    const char *level = json_string_value(json_object_get(json_object_get(row, "attributes"), "级别"));
    return level && !strcmp(level, "国家级");
}

bool feedback_guard_on_national_list(const json_t *rows, const char *uscc, bool *published)
{
    size_t i;
    const json_t *row;
    bool on = false;
    *published = false;
    json_array_foreach(rows, i, row) {
        if (!feedback_guard_national_entry(row))
            continue;
        *published = true;
        const char *u = gfdx_rows_str(row, "uscc");
        on |= u && uscc && !strcmp(u, uscc);
    }
    return on;
}

/* The records that can be a bank's first about a need (feedback_fsm.h: from NONE only
 * CONTACTED, DECLINED and OBSTACLE_RAISED are legal). */
static bool may_be_first(const gfdx_record *rec)
{
    if (!rec->type)
        return false;
    if (!strcmp(rec->type, "ObstacleRaised"))
        return true;
    const char *stage = gfdx_rec_str(rec->body, "stage");
    return !strcmp(rec->type, "MatchingFeedback") && stage &&
           (!strcmp(stage, "CONTACTED") || !strcmp(stage, "DECLINED"));
}

int feedback_guard_load(gfdx_rowset *rs, const gfdx_record *rec)
{
    /* the view is read by kind: one statement per batch, whatever the number of needs (the
     * batch's USCCs are in pboc.need rows loaded in the same round, not in the records) */
    return may_be_first(rec) ? gfdx_rowset_want(rs, &feedback_current_entry_table, "kind", GREEN_FACTORY_KIND) : 0;
}

/* ---- the guards ---- */

static gfdx_verdict alert_catalogue(gfdx_decision *d, const char *bank_id, const feedback_need *n,
                                    const feedback_catalogue *cat)
{
    if (!cat || feedback_catalogue_has(cat, n->catalogue_code))
        return GFDX_DECIDE_OK;
    char detail[512];
    snprintf(detail, sizeof detail, "%s reports on need %s whose catalogue code \"%s\" is not in the green-finance "
             "project catalogue (2025)", bank_id, n->need_id, n->catalogue_code);
    errno = 0;
    json_t *facts = json_pack("{s:s, s:s, s:I}", "catalogue_code", n->catalogue_code, "record_type", d->rec->type,
                              "catalogue_codes", (json_int_t)feedback_catalogue_count(cat));
    return feedback_decide_alert(d, bank_id, FEEDBACK_ALERT_NOT_IN_CATALOGUE, facts, detail);
}

static gfdx_verdict alert_green_factory(gfdx_decision *d, const char *bank_id, const feedback_need *n)
{
    bool published = false;
    json_t *all = gfdx_rows_find(d->rows, &feedback_current_entry_table, "kind", GREEN_FACTORY_KIND);
    if (!all)
        return gfdx_fault_decide(d, GFDX_FAULT_NO_MEMORY, "district.current_entry", "out of memory");
    bool on = feedback_guard_on_national_list(all, n->uscc, &published);
    json_decref(all);
    if (on || !published)
        return GFDX_DECIDE_OK;
    char detail[512];
    snprintf(detail, sizeof detail, "%s reports on need %s whose filer %s (%s) is not on a national green-factory "
             "list", bank_id, n->need_id, n->uscc, n->factory_name);
    errno = 0;
    json_t *facts = json_pack("{s:s, s:s, s:s}", "uscc", n->uscc, "factory_name", n->factory_name, "record_type",
                              d->rec->type);
    return feedback_decide_alert(d, bank_id, FEEDBACK_ALERT_NOT_ON_GREEN_FACTORY_LIST, facts, detail);
}

gfdx_verdict feedback_guard_first_report(gfdx_decision *d, const char *bank_id, const feedback_need *n)
{
    const feedback_ctx *c = d->ctx->service_ctx;
    json_t *banks = gfdx_rows_find(d->rows, &feedback_matching_table, "need_id", n->need_id);
    if (!banks)
        return gfdx_fault_decide(d, GFDX_FAULT_NO_MEMORY, "feedback.matching", "out of memory");
    size_t count = json_array_size(banks); /* this bank's new row included */
    json_decref(banks);
    if (count > 1)
        return GFDX_DECIDE_OK; /* another bank's first record raised them already */
    gfdx_verdict v = alert_catalogue(d, bank_id, n, c->catalogue);
    return v == GFDX_DECIDE_OK ? alert_green_factory(d, bank_id, n) : v;
}
