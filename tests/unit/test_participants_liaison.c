/* test_participants_liaison: the 产业绿贷 participant kinds (platform_office, guarantor,
 * insurer, fund, underwriter) and the liaison officer (联络专员) of participants.h: loaded from
 * the file, names round-trip, the shipped registry has sh-platform and one institution of each
 * filing kind with a liaison; a liaison without a contact, with a misspelt setting or an empty
 * name, and a guarantor in the national region are refused naming the entry. */
#include "check.h"
#include "participants.h"

#include <string.h>

#define SHIPPED GFDX_SOURCE_DIR "/deploy/participants.cfg"
#define DATA GFDX_SOURCE_DIR "/tests/unit/data/"

static void test_kinds(void)
{
    static const char *const names[] = {"platform_office", "guarantor", "insurer", "fund", "underwriter"};
    static const gfdx_participant_kind kinds[] = {GFDX_PK_PLATFORM_OFFICE, GFDX_PK_GUARANTOR, GFDX_PK_INSURER,
                                                  GFDX_PK_FUND, GFDX_PK_UNDERWRITER};
    for (size_t i = 0; i < 5; i++) {
        gfdx_participant_kind k;
        CHECK(gfdx_participant_kind_parse(names[i], &k) == 0 && k == kinds[i]);
        CHECK_STR_EQ(gfdx_participant_kind_name(kinds[i]), names[i]);
    }
    gfdx_participant_kind k;
    CHECK(gfdx_participant_kind_parse("platform", &k) == -1);
}

static void test_liaison(void)
{
    char err[512] = "";
    gfdx_registry *reg = gfdx_registry_load(DATA "participants_ok_liaison.cfg", err, sizeof err);
    CHECK_MSG(reg != NULL, "%s", err);
    const gfdx_participant *g = gfdx_registry_find(reg, "gua-1"), *i = gfdx_registry_find(reg, "ins-1");
    const gfdx_participant *f = gfdx_registry_find(reg, "fund-1"), *u = gfdx_registry_find(reg, "uw-1");
    CHECK(g && g->kind == GFDX_PK_GUARANTOR && g->liaison_phone && !g->liaison_email);
    CHECK_STR_EQ(g ? g->liaison_name : NULL, "陈立");
    CHECK(i && !i->liaison_phone && i->liaison_email && !strcmp(i->liaison_email, "z@x.cn"));
    CHECK(f && !f->liaison_name && !f->liaison_phone && !f->liaison_email);
    CHECK(u && u->liaison_phone && u->liaison_email);
    gfdx_registry_free(reg);
}

static void bad(const char *file, const char *expect)
{
    char err[512] = "";
    char path[512];
    snprintf(path, sizeof path, DATA "%s", file);
    gfdx_registry *reg = gfdx_registry_load(path, err, sizeof err);
    CHECK_MSG(reg == NULL && strstr(err, expect) && strstr(err, "gua-1"), "%s: \"%s\" lacks \"%s\"", file, err,
              expect);
    gfdx_registry_free(reg);
}

static void test_shipped(void)
{
    char err[512] = "";
    gfdx_registry *reg = gfdx_registry_load(SHIPPED, err, sizeof err);
    CHECK_MSG(reg != NULL, "%s", err);
    const gfdx_participant *p = gfdx_registry_find(reg, "sh-platform");
    CHECK(p && p->kind == GFDX_PK_PLATFORM_OFFICE && !strcmp(p->region, "310000"));
    bool seen[4] = {false};
    for (size_t k = 0; k < gfdx_registry_count(reg); k++) {
        const gfdx_participant *q = gfdx_registry_at(reg, k);
        if (q->kind >= GFDX_PK_GUARANTOR && q->kind <= GFDX_PK_UNDERWRITER)
            seen[q->kind - GFDX_PK_GUARANTOR] = q->liaison_name != NULL;
    }
    CHECK(seen[0] && seen[1] && seen[2] && seen[3]);
    gfdx_registry_free(reg);
}

int main(void)
{
    test_kinds();
    test_liaison();
    test_shipped();
    bad("participants_bad_liaison_no_contact.cfg", "liaison needs a name and a phone or an email");
    bad("participants_bad_liaison_key.cfg", "liaison: unknown setting \"mobile\"");
    bad("participants_bad_liaison_empty.cfg", "liaison.name");
    bad("participants_bad_guarantor_national.cfg", "100000");
    return CHECK_DONE();
}
