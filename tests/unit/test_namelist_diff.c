/* test_namelist_diff: FULL and DELTA changes of a list, hand-written cases and a
 * randomised comparison with a naive quadratic reference, plus every error. */
#include "check.h"
#include "namelist/namelist_diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int in_keys(const char **keys, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(keys[i], k))
            return 1;
    return 0;
}

static void test_full_by_hand(void)
{
    namelist_item cur[] = {{"c", "3"}, {"a", "1"}, {"b", "2"}, {"d", "4"}};
    namelist_item next[] = {{"e", "5"}, {"b", "2"}, {"a", "1x"}, {"d", "4"}};
    namelist_changes ch;
    char err[256];
    CHECK(namelist_diff(NAMELIST_FULL, cur, 4, next, 4, NULL, 0, &ch, err, sizeof err) == 0);
    CHECK(ch.n_added == 1 && !strcmp(ch.added[0], "e"));
    CHECK(ch.n_updated == 1 && !strcmp(ch.updated[0], "a"));
    CHECK(ch.n_removed == 1 && !strcmp(ch.removed[0], "c"));
    CHECK(ch.n_unchanged == 2);
    namelist_changes_free(&ch);
    /* the first version of a list: everything is added, in key order */
    namelist_item first[] = {{"z", "1"}, {"m", "2"}, {"\xe6\xb2\x99", "3"}, {"A", "4"}};
    CHECK(namelist_diff(NAMELIST_FULL, NULL, 0, first, 4, NULL, 0, &ch, err, sizeof err) == 0);
    CHECK(ch.n_added == 4 && !strcmp(ch.added[0], "A") && !strcmp(ch.added[1], "m") && !strcmp(ch.added[3], "\xe6\xb2\x99"));
    namelist_changes_free(&ch);
    /* an empty FULL removes everything */
    namelist_item two[] = {{"a", "1"}, {"b", "2"}};
    CHECK(namelist_diff(NAMELIST_FULL, two, 2, NULL, 0, NULL, 0, &ch, err, sizeof err) == 0);
    CHECK(ch.n_removed == 2 && ch.n_added == 0 && ch.n_updated == 0);
    namelist_changes_free(&ch);
}

static void test_delta_by_hand(void)
{
    /* cur holds only the entries the delta touches (plus one it does not: ignored) */
    namelist_item cur[] = {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"q", "9"}};
    namelist_item next[] = {{"x", "7"}, {"a", "1"}, {"b", "2y"}};
    const char *removed[] = {"c"};
    namelist_changes ch;
    char err[256];
    CHECK(namelist_diff(NAMELIST_DELTA, cur, 4, next, 3, removed, 1, &ch, err, sizeof err) == 0);
    CHECK(ch.n_added == 1 && !strcmp(ch.added[0], "x"));
    CHECK(ch.n_updated == 1 && !strcmp(ch.updated[0], "b"));
    CHECK(ch.n_removed == 1 && !strcmp(ch.removed[0], "c"));
    CHECK(ch.n_unchanged == 1); /* a re-sent identical entry changes nothing */
    namelist_changes_free(&ch);
    /* a delta that changes nothing */
    CHECK(namelist_diff(NAMELIST_DELTA, cur, 4, NULL, 0, NULL, 0, &ch, err, sizeof err) == 0);
    CHECK(ch.n_added + ch.n_updated + ch.n_removed + ch.n_unchanged == 0);
    namelist_changes_free(&ch);
}

static void test_errors(void)
{
    namelist_changes ch;
    char err[256];
    namelist_item cur[] = {{"a", "1"}, {"b", "2"}};
    namelist_item dup[] = {{"k", "1"}, {"j", "2"}, {"k", "3"}};
    const char *rm_unknown[] = {"zz"}, *rm_upserted[] = {"k"}, *rm_twice[] = {"a", "a"}, *rm_a[] = {"a"};
    CHECK(namelist_diff(NAMELIST_FULL, cur, 2, dup, 3, NULL, 0, &ch, err, sizeof err) == -1);
    CHECK(strstr(err, "\"k\" appears twice") != NULL);
    CHECK(ch.added == NULL && ch.n_added == 0);
    namelist_item cur_dup[] = {{"a", "1"}, {"a", "2"}};
    CHECK(namelist_diff(NAMELIST_FULL, cur_dup, 2, NULL, 0, NULL, 0, &ch, err, sizeof err) == -1);
    CHECK(strstr(err, "current list") != NULL);
    CHECK(namelist_diff(NAMELIST_FULL, cur, 2, NULL, 0, rm_a, 1, &ch, err, sizeof err) == -1);
    CHECK(strstr(err, "removed_keys must be empty") != NULL);
    CHECK(namelist_diff(NAMELIST_DELTA, cur, 2, NULL, 0, rm_unknown, 1, &ch, err, sizeof err) == -1);
    CHECK(strstr(err, "\"zz\" is not on the list") != NULL);
    namelist_item k[] = {{"k", "1"}};
    namelist_item cur_k[] = {{"k", "0"}};
    CHECK(namelist_diff(NAMELIST_DELTA, cur_k, 1, k, 1, rm_upserted, 1, &ch, err, sizeof err) == -1);
    CHECK(strstr(err, "both updated and removed") != NULL);
    CHECK(namelist_diff(NAMELIST_DELTA, cur, 2, NULL, 0, rm_twice, 2, &ch, err, sizeof err) == -1);
    CHECK(strstr(err, "\"a\" appears twice") != NULL);
    namelist_changes_free(NULL);
    namelist_changes_free(&ch);
}

/* Random lists over a small key space, compared with a quadratic reference. */
#define SPACE 60
static char keys[SPACE][8], digests[4][4];

static size_t random_list(namelist_item *out, unsigned *seed, int density)
{
    size_t n = 0;
    for (int i = 0; i < SPACE; i++)
        if ((int)(rand_r(seed) % 100) < density)
            out[n++] = (namelist_item){keys[i], digests[rand_r(seed) % 4]};
    for (size_t i = n; i > 1; i--) { /* shuffle: the diff must not rely on input order */
        size_t j = rand_r(seed) % i;
        namelist_item t = out[i - 1];
        out[i - 1] = out[j];
        out[j] = t;
    }
    return n;
}

static const char *digest_of(const namelist_item *v, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].key, k))
            return v[i].digest;
    return NULL;
}

static void check_against_reference(namelist_mode mode, const namelist_item *cur, size_t ncur,
                                    const namelist_item *next, size_t nnext, const char **rm, size_t nrm,
                                    const namelist_changes *ch, int round)
{
    size_t added = 0, updated = 0, removed = 0, unchanged = 0;
    for (int i = 0; i < SPACE; i++) {
        const char *k = keys[i], *o = digest_of(cur, ncur, k), *n = digest_of(next, nnext, k);
        int is_rm = in_keys(rm, nrm, k);
        const char *after = n ? n : (mode == NAMELIST_FULL || is_rm) ? NULL : o;
        int want_add = !o && after, want_rm = o && !after, want_upd = o && after && strcmp(o, after);
        added += want_add, removed += want_rm, updated += want_upd, unchanged += o && n && !strcmp(o, n);
        CHECK_MSG(want_add == in_keys(ch->added, ch->n_added, k), "round %d key %s added", round, k);
        CHECK_MSG(want_rm == in_keys(ch->removed, ch->n_removed, k), "round %d key %s removed", round, k);
        CHECK_MSG(want_upd == in_keys(ch->updated, ch->n_updated, k), "round %d key %s updated", round, k);
    }
    CHECK_MSG(added == ch->n_added && updated == ch->n_updated && removed == ch->n_removed &&
                  unchanged == ch->n_unchanged, "round %d counts", round);
    for (size_t i = 1; i < ch->n_added; i++)
        CHECK(strcmp(ch->added[i - 1], ch->added[i]) < 0);
}

static void test_random(void)
{
    for (int i = 0; i < SPACE; i++)
        snprintf(keys[i], sizeof keys[i], "k%03d", (i * 37) % SPACE);
    for (int i = 0; i < 4; i++)
        snprintf(digests[i], sizeof digests[i], "d%d", i);
    unsigned seed = 20260;
    for (int round = 0; round < 400; round++) {
        namelist_item cur[SPACE], next[SPACE];
        const char *rm[SPACE];
        size_t ncur = random_list(cur, &seed, 50), nnext = random_list(next, &seed, round % 2 ? 50 : 20), nrm = 0;
        namelist_mode mode = round % 2 ? NAMELIST_FULL : NAMELIST_DELTA;
        for (size_t i = 0; mode == NAMELIST_DELTA && i < ncur; i++)
            if (!digest_of(next, nnext, cur[i].key) && rand_r(&seed) % 3 == 0)
                rm[nrm++] = cur[i].key;
        namelist_item cur_copy[SPACE], next_copy[SPACE];
        memcpy(cur_copy, cur, sizeof cur);
        memcpy(next_copy, next, sizeof next);
        namelist_changes ch;
        char err[256];
        int rc = namelist_diff(mode, cur, ncur, next, nnext, rm, nrm, &ch, err, sizeof err);
        CHECK_MSG(rc == 0, "round %d: %s", round, err);
        if (rc == 0)
            check_against_reference(mode, cur_copy, ncur, next_copy, nnext, rm, nrm, &ch, round);
        namelist_changes_free(&ch);
    }
}

int main(void)
{
    test_full_by_hand();
    test_delta_by_hand();
    test_errors();
    test_random();
    return CHECK_DONE();
}
