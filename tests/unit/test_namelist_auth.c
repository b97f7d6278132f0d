/* test_namelist_auth: the authorization matrix of gfdx-namelist. Every participant of
 * deploy/participants.cfg x every record kind (publishing each of the 17 list kinds, carbon
 * benefit, financing support) x its own region and another, against a matrix written here
 * (DESIGN §5, §6.4 and deploy/namelist.cfg); the shipped config equals the built-in
 * defaults; the matrix follows the configuration; bad configurations are refused. */
#include "check.h"
#include "namelist/namelist.h"
#include "namelist/namelist_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Rows: drc, eit, housing, ecology, finance. Columns: NameListKind in schema order
 * GP GE GF EL WEL PARK GSC GPROD GDES SME LG CPA TRANS KEY FUND DEPT BUILDING;
 * then MIIT (national lists, region 100000) and a province_authority (its own region). */
static const char *const expected[] = {
    "XX..........XX...", /* 发改委: green projects and enterprises, transition and key projects */
    "XXXXXXXXXXXX.....", /* 经信委: district lists and the industry lists */
    "XX..............X", /* 住建委: green (building) projects and enterprises, green buildings */
    ".................", /* 生态环境局: receives lists, reports carbon benefits */
    ".................", /* 财政局: receives lists, reports financing */
    "..XXXXXXX.X...XX.", /* 工业和信息化部: national industry lists, fund-invested, recommended */
    "..XXXXXXXX.X...X.", /* 省/市经信部门: provincial and municipal industry lists, 专精特新, audits */
};

static int bureau_row(gfdx_bureau b)
{
    switch (b) {
    case GFDX_BUREAU_DRC: return 0;
    case GFDX_BUREAU_EIT: return 1;
    case GFDX_BUREAU_HOUSING: return 2;
    case GFDX_BUREAU_ECOLOGY: return 3;
    case GFDX_BUREAU_FINANCE: return 4;
    default: return -1;
    }
}

static int participant_row(const gfdx_participant *p)
{
    if (p->kind == GFDX_PK_MIIT)
        return 5;
    if (p->kind == GFDX_PK_PROVINCE_AUTHORITY)
        return 6;
    return p->kind == GFDX_PK_DISTRICT_BUREAU ? bureau_row(p->bureau) : -1;
}

static void test_kind_names(void)
{
    static const char *const names[] = {"GREEN_PROJECT", "GREEN_ENTERPRISE", "GREEN_FACTORY", "EFFICIENCY_LEADER",
                                        "WATER_EFFICIENCY_LEADER", "GREEN_PARK", "GREEN_SUPPLY_CHAIN",
                                        "GREEN_PRODUCT", "GREEN_DESIGN", "SPECIALIZED_SME", "LITTLE_GIANT",
                                        "CLEAN_PRODUCTION_AUDIT", "TRANSITION_PROJECT", "KEY_GREEN_PROJECT",
                                        "NATIONAL_FUND_INVESTED", "DEPARTMENT_RECOMMENDED", "GREEN_BUILDING"};
    CHECK(NAMELIST_KIND_COUNT == 17);
    for (int i = 0; i < NAMELIST_KIND_COUNT; i++) {
        namelist_kind k = NAMELIST_KIND_COUNT;
        CHECK_STR_EQ(namelist_kind_name((namelist_kind)i), names[i]);
        CHECK(namelist_kind_parse(names[i], &k) == 0 && k == (namelist_kind)i);
    }
    namelist_kind k;
    CHECK(namelist_kind_parse("green_factory", &k) == -1);
    CHECK(namelist_kind_parse(NULL, &k) == -1);
    CHECK_STR_EQ(namelist_kind_name(NAMELIST_KIND_COUNT), "UNKNOWN");
}

/* One participant against the whole row of record kinds, in its region and another. */
static void check_participant(const namelist_policy *pol, const gfdx_participant *p)
{
    int row = participant_row(p);
    const char *other = strcmp(p->region, "500106") ? "500106" : "500107";
    char why[512];
    for (int k = 0; k < NAMELIST_KIND_COUNT; k++) {
        int want = row >= 0 && expected[row][k] == 'X';
        int got = namelist_authorize(pol, p, NAMELIST_REC_PUBLISH, (namelist_kind)k, p->region, why, sizeof why);
        CHECK_MSG(got == want, "%s publishing %s: %d, want %d (%s)", p->id, namelist_kind_name((namelist_kind)k), got,
                  want, why);
        CHECK_MSG(!namelist_authorize(pol, p, NAMELIST_REC_PUBLISH, (namelist_kind)k, other, why, sizeof why),
                  "%s publishing for region %s", p->id, other);
    }
    int carbon = row == 3 && p->kind == GFDX_PK_DISTRICT_BUREAU, financing = row == 4 && p->kind == GFDX_PK_DISTRICT_BUREAU;
    CHECK_MSG(namelist_authorize(pol, p, NAMELIST_REC_CARBON, 0, p->region, why, sizeof why) == carbon,
              "%s reporting carbon", p->id);
    CHECK_MSG(namelist_authorize(pol, p, NAMELIST_REC_FINANCING, 0, p->region, why, sizeof why) == financing,
              "%s reporting financing", p->id);
    CHECK(!namelist_authorize(pol, p, NAMELIST_REC_CARBON, 0, other, why, sizeof why));
    CHECK(!namelist_authorize(pol, p, NAMELIST_REC_FINANCING, 0, other, why, sizeof why));
}

static void test_matrix(const namelist_policy *pol)
{
    char err[512];
    gfdx_registry *reg = gfdx_registry_load(GFDX_SOURCE_DIR "/deploy/participants.cfg", err, sizeof err);
    CHECK_MSG(reg != NULL, "%s", err);
    size_t bureaus = 0;
    for (size_t i = 0; reg && i < gfdx_registry_count(reg); i++) {
        const gfdx_participant *p = gfdx_registry_at(reg, i);
        bureaus += p->kind == GFDX_PK_DISTRICT_BUREAU;
        check_participant(pol, p);
    }
    CHECK(bureaus >= 5); /* all five bureau types of 500106 are in the registry */
    char why[256];
    CHECK(!namelist_authorize(pol, NULL, NAMELIST_REC_PUBLISH, NAMELIST_GREEN_PROJECT, "500106", why, sizeof why));
    /* the reasons say who and what */
    const gfdx_participant *eco = reg ? gfdx_registry_find(reg, "d500106-eco") : NULL;
    CHECK(!namelist_authorize(pol, eco, NAMELIST_REC_FINANCING, 0, "500106", why, sizeof why));
    CHECK(strstr(why, "d500106-eco") && strstr(why, "finance"));
    const gfdx_participant *miit = reg ? gfdx_registry_find(reg, "miit") : NULL;
    /* MIIT publishes national lists only; it reports nothing (the reports are the district's) */
    CHECK(namelist_authorize(pol, miit, NAMELIST_REC_PUBLISH, NAMELIST_GREEN_FACTORY, "100000", why, sizeof why));
    CHECK(!namelist_authorize(pol, miit, NAMELIST_REC_PUBLISH, NAMELIST_GREEN_FACTORY, "500106", why, sizeof why));
    CHECK(strstr(why, "miit") && strstr(why, "500106"));
    CHECK(!namelist_authorize(pol, miit, NAMELIST_REC_PUBLISH, NAMELIST_GREEN_PROJECT, "100000", why, sizeof why));
    CHECK(strstr(why, "namelist.publishers.miit") != NULL);
    CHECK(!namelist_authorize(pol, miit, NAMELIST_REC_CARBON, 0, "100000", why, sizeof why));
    CHECK(strstr(why, "not a district bureau") != NULL);
    const gfdx_participant *cq = reg ? gfdx_registry_find(reg, "prov-500000") : NULL;
    CHECK(namelist_authorize(pol, cq, NAMELIST_REC_PUBLISH, NAMELIST_SPECIALIZED_SME, "500000", why, sizeof why));
    CHECK(!namelist_authorize(pol, cq, NAMELIST_REC_PUBLISH, NAMELIST_SPECIALIZED_SME, "100000", why, sizeof why));
    CHECK_STR_EQ(namelist_level_of("100000"), "NATIONAL");
    CHECK_STR_EQ(namelist_level_of("500000"), "MUNICIPAL");
    CHECK_STR_EQ(namelist_level_of("330200"), "MUNICIPAL");
    CHECK_STR_EQ(namelist_level_of("330000"), "PROVINCIAL");
    CHECK_STR_EQ(namelist_level_of("500106"), "DISTRICT");
    gfdx_registry_free(reg);
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static void test_config(void)
{
    char err[512], path[] = "/tmp/test_namelist_auth.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    namelist_ctx shipped = {0}, defaults = {0}, custom = {0}, bad = {0};
    CHECK_MSG(namelist_configure(&shipped, GFDX_SOURCE_DIR "/deploy/namelist.cfg", NULL, err, sizeof err) == 0, "%s",
              err);
    test_matrix(&shipped.policy);
    CHECK(shipped.set.max_entries_per_part == 5000 && shipped.set.apply_pause_ms == 0);
    CHECK_STR_EQ(shipped.set.changes_topic, "gfdx.namelist-changes");
    /* without a namelist group the built-in defaults apply, and they are the shipped matrix */
    CHECK(write_file(path, "service: { name = \"namelist\"; };\n") == 0);
    CHECK_MSG(namelist_configure(&defaults, path, NULL, err, sizeof err) == 0, "%s", err);
    CHECK(memcmp(&defaults.policy, &shipped.policy, sizeof shipped.policy) == 0);
    /* the matrix is configuration: give the ecology bureau clean-production audits */
    CHECK(write_file(path, "namelist: { publishers: { ecology = [\"CLEAN_PRODUCTION_AUDIT\"]; drc = []; }; };\n") == 0);
    CHECK_MSG(namelist_configure(&custom, path, NULL, err, sizeof err) == 0, "%s", err);
    CHECK(namelist_policy_allows(&custom.policy, GFDX_BUREAU_ECOLOGY, NAMELIST_CLEAN_PRODUCTION_AUDIT));
    CHECK(!namelist_policy_allows(&custom.policy, GFDX_BUREAU_ECOLOGY, NAMELIST_GREEN_PROJECT));
    CHECK(!namelist_policy_allows(&custom.policy, GFDX_BUREAU_DRC, NAMELIST_GREEN_PROJECT));
    CHECK(namelist_policy_allows(&custom.policy, GFDX_BUREAU_EIT, NAMELIST_GREEN_FACTORY)); /* default kept */
    CHECK(!namelist_policy_allows(&custom.policy, GFDX_BUREAU_NONE, NAMELIST_GREEN_PROJECT));
    /* a misspelt kind fails the load, naming the setting and the symbol */
    CHECK(write_file(path, "namelist: { publishers: { eit = [\"GREEN_FACTORIES\"]; }; };\n") == 0);
    CHECK(namelist_configure(&bad, path, NULL, err, sizeof err) == -1);
    CHECK(strstr(err, "namelist.publishers.eit") && strstr(err, "GREEN_FACTORIES"));
    CHECK(write_file(path, "namelist: { max_entries_per_part = 0; };\n") == 0);
    CHECK(namelist_configure(&bad, path, NULL, err, sizeof err) == -1);
    CHECK(strstr(err, "max_entries_per_part") != NULL);
    namelist_policy p = {{0}, 0, 0};
    const char *names[] = {"GREEN_PARK"};
    CHECK(namelist_policy_allow(&p, GFDX_BUREAU_NONE, names, 1, err, sizeof err) == -1);
    unlink(path);
    namelist_ctx_release(&shipped);
    namelist_ctx_release(&defaults);
    namelist_ctx_release(&custom);
    namelist_ctx_release(&bad);
    namelist_ctx_release(NULL);
}

int main(void)
{
    test_kind_names();
    test_config();
    return CHECK_DONE();
}
