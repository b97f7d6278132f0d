/* test_participants.c: the shipped deploy/participants.cfg, broken registries from
 * tests/unit/data/ (each must fail naming the entry) and the authorization predicates. */
#include "check.h"
#include "participants.h"
#include "region.h"

#include <stdlib.h>

#define SHIPPED GFDX_SOURCE_DIR "/deploy/participants.cfg"
#define DATA GFDX_SOURCE_DIR "/tests/unit/data/"

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void expect_participant(const gfdx_registry *reg, const char *id,
                               gfdx_participant_kind kind, const char *region, const char *name)
{
    const gfdx_participant *p = gfdx_registry_find(reg, id);
    CHECK_MSG(p != NULL, "%s missing", id);
    if (!p)
        return;
    CHECK_STR_EQ(p->id, id);
    CHECK_MSG(p->kind == kind, "%s: kind %s", id, gfdx_participant_kind_name(p->kind));
    CHECK_STR_EQ(p->region, region);
    CHECK_STR_EQ(p->name, name);
}

static void test_shipped_entries(const gfdx_registry *reg)
{
    CHECK_MSG(gfdx_registry_count(reg) >= 42, "count %zu", gfdx_registry_count(reg)); /* the sample grows with the flows */
    expect_participant(reg, "miit", GFDX_PK_MIIT, "100000", "工业和信息化部");
    expect_participant(reg, "pboc", GFDX_PK_PBOC, "100000", "中国人民银行");
    expect_participant(reg, "prov-310000", GFDX_PK_PROVINCE_AUTHORITY, "310000",
                       "上海市经济和信息化委员会");
    expect_participant(reg, "prov-500000", GFDX_PK_PROVINCE_AUTHORITY, "500000",
                       "重庆市经济和信息化委员会");
    expect_participant(reg, "pbc-hq-sh", GFDX_PK_PBOC_BRANCH, "310000", "中国人民银行上海总部");
    expect_participant(reg, "pbc-210200", GFDX_PK_PBOC_BRANCH, "210200", "中国人民银行大连市分行");
    expect_participant(reg, "bank-icbc-310000", GFDX_PK_BANK, "310000", "中国工商银行上海市分行");
    expect_participant(reg, "d500106-eco", GFDX_PK_DISTRICT_BUREAU, "500106",
                       "重庆市沙坪坝区生态环境局");
    CHECK(gfdx_registry_find(reg, "pbc-310000") == NULL); /* Shanghai is served by 上海总部 */
    CHECK(gfdx_registry_find(reg, "nobody") == NULL);
    CHECK(gfdx_registry_find(reg, NULL) == NULL);
    CHECK(gfdx_registry_at(reg, gfdx_registry_count(reg)) == NULL);
    const gfdx_participant *first = gfdx_registry_at(reg, 0);
    CHECK(first && strcmp(first->id, "miit") == 0); /* file order */
}

/* Every province authority can be routed to a branch, as can every 计划单列市. */
static void test_shipped_routing(const gfdx_registry *reg)
{
    static const char *provinces[] = {"310000", "320000", "330000", "440000",
                                      "500000", "210000", "370000", "350000"};
    static const char *cities[] = {"210200", "330200", "350200", "370200", "440300"};
    char id[32];
    for (size_t i = 0; i < 8; i++) {
        snprintf(id, sizeof id, "prov-%s", provinces[i]);
        const gfdx_participant *p = gfdx_registry_find(reg, id);
        CHECK_MSG(gfdx_auth_is_province_authority_of(p, provinces[i]), "%s", id);
        snprintf(id, sizeof id, "pbc-%s", provinces[i]);
        const char *branch = strcmp(provinces[i], "310000") == 0 ? "pbc-hq-sh" : id;
        CHECK_MSG(gfdx_auth_is_kind(gfdx_registry_find(reg, branch), GFDX_PK_PBOC_BRANCH), "%s",
                  branch);
    }
    for (size_t i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "pbc-%s", cities[i]);
        const gfdx_participant *b = gfdx_registry_find(reg, id);
        CHECK_MSG(gfdx_auth_is_kind(b, GFDX_PK_PBOC_BRANCH), "%s", id);
        CHECK_MSG(b && gfdx_region_plan_city_of(b->region) != NULL, "%s", id);
    }
}

static void test_shipped_banks(const gfdx_registry *reg)
{
    const gfdx_participant *out[8] = {0};
    CHECK(gfdx_registry_banks_of_branch(reg, "pbc-hq-sh", out, 8) == 3);
    CHECK(out[0] && strcmp(out[0]->id, "bank-icbc-310000") == 0);
    CHECK(gfdx_registry_banks_of_branch(reg, "pbc-320000", out, 8) == 3);
    CHECK(gfdx_registry_banks_of_branch(reg, "pbc-330200", out, 8) == 3);
    CHECK(gfdx_registry_banks_of_branch(reg, "pbc-500000", out, 8) == 3);
    for (size_t i = 0; i < 3; i++)
        CHECK(out[i] && out[i]->kind == GFDX_PK_BANK && strcmp(out[i]->region, "500000") == 0);
    CHECK(gfdx_registry_banks_of_branch(reg, "pbc-210200", out, 8) == 0);
    CHECK(gfdx_registry_banks_of_branch(reg, "miit", out, 8) == 0);
    CHECK(gfdx_registry_banks_of_branch(reg, "pbc-hq-sh", NULL, 0) == 3);

    /* Every bank: id bank-<short>-<region>, at least one branch, each branch a pboc_branch. */
    for (size_t i = 0; i < gfdx_registry_count(reg); i++) {
        const gfdx_participant *p = gfdx_registry_at(reg, i);
        if (p->kind != GFDX_PK_BANK) {
            CHECK_MSG(p->n_branches == 0, "%s has branches", p->id);
            continue;
        }
        if (p->national) { /* a head office: bank-<short>-hq, serving every branch */
            CHECK_MSG(has_prefix(p->id, "bank-") && ends_with(p->id, "-hq") && p->n_branches == 0, "%s", p->id);
            continue;
        }
        CHECK_MSG(has_prefix(p->id, "bank-") && ends_with(p->id, p->region), "%s", p->id);
        CHECK_MSG(p->n_branches >= 1, "%s serves no branch", p->id);
        for (size_t j = 0; j < p->n_branches; j++)
            CHECK(gfdx_auth_is_kind(gfdx_registry_find(reg, p->branches[j]), GFDX_PK_PBOC_BRANCH));
    }
}

/* Issue 12: every provincial authority, the 计划单列市 and the 兵团, every branch of
 * deploy/routing.cfg, the head offices the MIIT/PBoC notice addresses. */
static void test_shipped_coverage(const gfdx_registry *reg)
{
    const char *const *codes;
    size_t n = gfdx_region_provinces(&codes), provinces = 0;
    char id[32];
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(codes[i], "710000") || !strcmp(codes[i], "810000") || !strcmp(codes[i], "820000"))
            continue; /* 台湾, 香港, 澳门: outside the mainland system */
        snprintf(id, sizeof id, "prov-%s", codes[i]);
        const gfdx_participant *p = gfdx_registry_find(reg, id);
        CHECK_MSG(gfdx_auth_is_province_authority_of(p, codes[i]), "%s", id);
        provinces += p != NULL;
        snprintf(id, sizeof id, "pbc-%s", codes[i]);
        const char *branch = strcmp(codes[i], "310000") == 0 ? "pbc-hq-sh" : id;
        CHECK_MSG(gfdx_auth_is_kind(gfdx_registry_find(reg, branch), GFDX_PK_PBOC_BRANCH), "%s", branch);
    }
    CHECK_MSG(provinces == 31, "%zu provincial authorities", provinces);
    expect_participant(reg, "prov-650000", GFDX_PK_PROVINCE_AUTHORITY, "650000", "新疆维吾尔自治区工业和信息化厅");
    expect_participant(reg, "prov-210200", GFDX_PK_PROVINCE_AUTHORITY, "210200", "大连市工业和信息化局");
    expect_participant(reg, "prov-330200", GFDX_PK_PROVINCE_AUTHORITY, "330200", "宁波市经济和信息化局");
    expect_participant(reg, "prov-350200", GFDX_PK_PROVINCE_AUTHORITY, "350200", "厦门市工业和信息化局");
    expect_participant(reg, "prov-370200", GFDX_PK_PROVINCE_AUTHORITY, "370200", "青岛市工业和信息化局");
    expect_participant(reg, "prov-440300", GFDX_PK_PROVINCE_AUTHORITY, "440300", "深圳市工业和信息化局");
    expect_participant(reg, "xjbt", GFDX_PK_PROVINCE_AUTHORITY, "660000", "新疆生产建设兵团工业和信息化局");
    CHECK(!gfdx_auth_is_province_authority_of(gfdx_registry_find(reg, "xjbt"), "650000"));
    CHECK(!gfdx_auth_is_province_authority_of(gfdx_registry_find(reg, "prov-330200"), "330000"));
    CHECK(gfdx_auth_is_area_authority_of(gfdx_registry_find(reg, "xjbt"), "659001"));
    CHECK(gfdx_auth_is_area_authority_of(gfdx_registry_find(reg, "prov-330200"), "330212"));
    CHECK(gfdx_auth_is_area_authority_of(gfdx_registry_find(reg, "prov-650000"), "650102"));

    size_t branches = 0;
    for (size_t i = 0; i < gfdx_registry_count(reg); i++)
        branches += gfdx_registry_at(reg, i)->kind == GFDX_PK_PBOC_BRANCH;
    CHECK_MSG(branches == 36, "%zu branches (routing.cfg: 上海总部, 30 provincial, 5 计划单列市)", branches);

    static const char *const hq[] = {"cdb", "eximbank", "adbc", "icbc", "abc", "boc", "ccb", "bocom", "psbc",
                                     "citic", "ceb", "hxb", "cmbc", "cmb", "cib", "cgb", "pab", "spdb",
                                     "czb", "egb", "cbhb", "bob", "bosc", "jsb", "njcb", "nbcb"};
    const gfdx_participant *out[32] = {0};
    size_t nhq = sizeof hq / sizeof hq[0];
    CHECK(gfdx_registry_head_offices(reg, out, 32) == nhq);
    for (size_t i = 0; i < nhq; i++) {
        snprintf(id, sizeof id, "bank-%s-hq", hq[i]);
        CHECK_MSG(out[i] && !strcmp(out[i]->id, id) && out[i]->national, "%s", id); /* file order */
        CHECK_MSG(out[i] && ends_with(out[i]->name, "总行"), "%s", id);
    }
    expect_participant(reg, "bank-cdb-hq", GFDX_PK_BANK, "110000", "国家开发银行总行");
    expect_participant(reg, "bank-cmb-hq", GFDX_PK_BANK, "440300", "招商银行总行");
    /* a head office is beside its branch entries, never among a branch's banks */
    CHECK(gfdx_registry_find(reg, "bank-icbc-310000") && !gfdx_registry_find(reg, "bank-icbc-310000")->national);
    CHECK(gfdx_registry_banks_of_branch(reg, "pbc-110000", out, 8) == 0);
}

static void test_shipped_bureaus(const gfdx_registry *reg)
{
    static const struct {
        const char *id;
        gfdx_bureau b;
    } want[] = {{"d500106-drc", GFDX_BUREAU_DRC},         {"d500106-eit", GFDX_BUREAU_EIT},
                {"d500106-housing", GFDX_BUREAU_HOUSING}, {"d500106-eco", GFDX_BUREAU_ECOLOGY},
                {"d500106-fin", GFDX_BUREAU_FINANCE}};
    for (size_t i = 0; i < 5; i++) {
        const gfdx_participant *p = gfdx_registry_find(reg, want[i].id);
        CHECK_MSG(gfdx_auth_is_bureau(p, want[i].b), "%s", want[i].id);
        CHECK_MSG(p && strcmp(p->region, "500106") == 0, "%s", want[i].id);
        CHECK_MSG(p && has_prefix(p->name, "重庆市沙坪坝区"), "%s", want[i].id);
        for (size_t j = 0; j < 5; j++)
            if (j != i)
                CHECK(!gfdx_auth_is_bureau(p, want[j].b));
    }
    size_t bureaus = 0;
    for (size_t i = 0; i < gfdx_registry_count(reg); i++) {
        const gfdx_participant *p = gfdx_registry_at(reg, i);
        bureaus += p->kind == GFDX_PK_DISTRICT_BUREAU;
        CHECK_MSG((p->kind == GFDX_PK_DISTRICT_BUREAU) == (p->bureau != GFDX_BUREAU_NONE), "%s",
                  p->id);
    }
    CHECK(bureaus >= 5); /* the five bureau types of 沙坪坝 at least */
}

static void test_multi_branch_bank(void)
{
    char err[512] = "";
    gfdx_registry *reg = gfdx_registry_load(DATA "participants_ok_multi.cfg", err, sizeof err);
    CHECK_MSG(reg != NULL, "%s", err);
    if (!reg)
        return;
    const gfdx_participant *out[4] = {0};
    CHECK(gfdx_registry_banks_of_branch(reg, "pbc-330200", out, 4) == 2);
    CHECK(out[0] && strcmp(out[0]->id, "bank-czb-330000") == 0);
    CHECK(out[1] && strcmp(out[1]->id, "bank-nbcb-330200") == 0);
    out[1] = NULL;
    CHECK(gfdx_registry_banks_of_branch(reg, "pbc-330200", out, 1) == 2); /* total, 1 stored */
    CHECK(out[1] == NULL);
    CHECK(gfdx_registry_banks_of_branch(reg, "pbc-330000", out, 4) == 1);
    const gfdx_participant *czb = gfdx_registry_find(reg, "bank-czb-330000");
    CHECK(czb && czb->n_branches == 2 && strcmp(czb->branches[1], "pbc-330200") == 0);
    const gfdx_participant *none = gfdx_registry_find(reg, "bank-none-330000");
    CHECK(none && none->n_branches == 0);
    gfdx_registry_free(reg);
}

/* branches = ["national"]: a head office, listed by gfdx_registry_head_offices and never by
 * gfdx_registry_banks_of_branch. */
static void test_head_offices(void)
{
    char err[512] = "";
    gfdx_registry *reg = gfdx_registry_load(DATA "participants_ok_national.cfg", err, sizeof err);
    CHECK_MSG(reg != NULL, "%s", err);
    if (!reg)
        return;
    const gfdx_participant *out[4] = {0};
    CHECK(gfdx_registry_head_offices(reg, out, 4) == 2);
    CHECK(out[0] && strcmp(out[0]->id, "bank-icbc-hq") == 0); /* file order */
    CHECK(out[1] && strcmp(out[1]->id, "bank-czb-hq") == 0);
    out[1] = NULL;
    CHECK(gfdx_registry_head_offices(reg, out, 1) == 2); /* total, 1 stored */
    CHECK(out[1] == NULL);
    CHECK(gfdx_registry_head_offices(reg, NULL, 0) == 2);
    CHECK(gfdx_registry_banks_of_branch(reg, "pbc-330000", out, 4) == 1);
    CHECK(out[0] && strcmp(out[0]->id, "bank-icbc-330000") == 0);
    CHECK(gfdx_registry_banks_of_branch(reg, "national", out, 4) == 0); /* not a branch id */
    const gfdx_participant *hq = gfdx_registry_find(reg, "bank-icbc-hq");
    CHECK(hq && hq->national && hq->n_branches == 0 && hq->branches == NULL);
    const gfdx_participant *br = gfdx_registry_find(reg, "bank-icbc-330000");
    CHECK(br && !br->national && br->n_branches == 1);
    const gfdx_participant *none = gfdx_registry_find(reg, "bank-none-330000");
    CHECK(none && !none->national && none->n_branches == 0);
    CHECK(!gfdx_registry_find(reg, "pbc-330000")->national);
    gfdx_registry_free(reg);
    CHECK(gfdx_registry_head_offices(NULL, out, 4) == 0);

    reg = gfdx_registry_load(DATA "participants_ok_multi.cfg", err, sizeof err);
    CHECK_MSG(reg != NULL, "%s", err);
    CHECK(reg && gfdx_registry_head_offices(reg, out, 4) == 0);
    gfdx_registry_free(reg);
}

/* A province_authority's region: a province, a 计划单列市 or 660000 (the 兵团). */
static void test_area_entries(void)
{
    char err[512] = "";
    gfdx_registry *reg = gfdx_registry_load(DATA "participants_ok_areas.cfg", err, sizeof err);
    CHECK_MSG(reg != NULL, "%s", err);
    CHECK(reg && gfdx_registry_count(reg) == 3);
    const gfdx_participant *bt = gfdx_registry_find(reg, "xjbt");
    CHECK(bt && !strcmp(bt->region, "660000") && bt->kind == GFDX_PK_PROVINCE_AUTHORITY);
    gfdx_registry_free(reg);
}

/* principal: given, or "User:<id>" (DESIGN §5: the Kafka principal the ACLs name). */
static void test_principals(const gfdx_registry *shipped)
{
    const gfdx_participant *p = gfdx_registry_find(shipped, "prov-310000");
    CHECK(p && p->principal && strcmp(p->principal, "User:prov-310000") == 0);
    p = gfdx_registry_find(shipped, "bank-icbc-310000"); /* no principal in the file */
    CHECK(p && p->principal && strcmp(p->principal, "User:bank-icbc-310000") == 0);
    for (size_t i = 0; i < gfdx_registry_count(shipped); i++)
        CHECK(has_prefix(gfdx_registry_at(shipped, i)->principal, "User:"));
    char err[512] = "";
    gfdx_registry *reg = gfdx_registry_load(DATA "participants_ok_principal.cfg", err, sizeof err);
    CHECK_MSG(reg != NULL, "%s", err);
    p = gfdx_registry_find(reg, "bank-czb-330000");
    CHECK(p && strcmp(p->principal, "User:CN=czb-gfdx,O=CZB,C=CN") == 0);
    p = gfdx_registry_find(reg, "pbc-330000");
    CHECK(p && strcmp(p->principal, "User:pbc-330000") == 0);
    CHECK(gfdx_registry_find_principal(reg, "User:CN=czb-gfdx,O=CZB,C=CN") ==
          gfdx_registry_find(reg, "bank-czb-330000"));
    CHECK(gfdx_registry_find_principal(reg, "User:bank-czb-330000") == NULL);
    gfdx_registry_free(reg);
}

static void expect_load_error(const char *file, const char *needle1, const char *needle2)
{
    char path[512], err[512] = "";
    snprintf(path, sizeof path, DATA "%s", file);
    gfdx_registry *reg = gfdx_registry_load(path, err, sizeof err);
    CHECK_MSG(reg == NULL, "%s loaded", file);
    gfdx_registry_free(reg);
    CHECK_MSG(strstr(err, file) != NULL, "error does not name the file: %s", err);
    CHECK_MSG(strstr(err, needle1) != NULL, "%s: \"%s\" not in: %s", file, needle1, err);
    CHECK_MSG(!needle2 || strstr(err, needle2) != NULL, "%s: \"%s\" not in: %s", file, needle2,
              err);
}

static void test_load_errors(void)
{
    expect_load_error("participants_bad_dup_id.cfg", "participants[2] (id \"miit\")",
                      "duplicate id (first at participants[0])");
    expect_load_error("participants_bad_kind.cfg", "participants[1] (id \"cbirc\")",
                      "unknown or missing kind \"regulator\"");
    expect_load_error("participants_bad_no_bureau.cfg", "participants[0] (id \"d500106-eco\")",
                      "needs bureau");
    expect_load_error("participants_bad_bureau_value.cfg", "(id \"d500106-tax\")",
                      "(got \"tax\")");
    expect_load_error("participants_bad_bureau_on_bank.cfg",
                      "participants[1] (id \"bank-cqcb-500000\")", "bureau is only for district_bureau");
    expect_load_error("participants_bad_branches_on_branch.cfg", "participants[0] (id \"pbc-hq-sh\")",
                      "branches are only for banks");
    expect_load_error("participants_bad_unknown_branch.cfg",
                      "participants[1] (id \"bank-icbc-310000\")",
                      "branch \"pbc-310000\" is not a pboc_branch");
    expect_load_error("participants_bad_branch_not_branch.cfg", "participants[1]",
                      "branch \"prov-310000\" is not a pboc_branch");
    expect_load_error("participants_bad_branch_twice.cfg", "participants[1]", "listed twice");
    expect_load_error("participants_bad_region.cfg", "participants[1] (id \"pbc-990000\")",
                      "not a valid GB/T 2260 code (\"990000\")");
    expect_load_error("participants_bad_national_bank.cfg", "(id \"bank-icbc\")",
                      "only for miit and pboc");
    expect_load_error("participants_bad_province_not_province.cfg", "(id \"prov-310115\")",
                      "must be a province code");
    expect_load_error("participants_bad_unknown_key.cfg", "participants[1] (id \"bank-icbc-310000\")",
                      "unknown setting \"branch\"");
    expect_load_error("participants_bad_no_name.cfg", "participants[0] (id \"miit\")",
                      "missing name");
    expect_load_error("participants_bad_id_chars.cfg", "participants[1]:", "id missing or not");
    expect_load_error("participants_bad_principal.cfg", "participants[1] (id \"prov-330000\")",
                      "principal must be \"User:<name>\"");
    expect_load_error("participants_bad_principal_dup.cfg", "participants[1] (id \"prov-330000\")",
                      "principal \"User:pbc-330000\" is also participants[0]'s");
    expect_load_error("participants_bad_national_mixed.cfg", "participants[1] (id \"bank-icbc-hq\")",
                      "\"national\" (a head office) is not mixed with branch ids");
    expect_load_error("participants_bad_national_twice.cfg", "participants[0] (id \"bank-icbc-hq\")",
                      "is not mixed with branch ids");
    expect_load_error("participants_bad_national_not_bank.cfg", "participants[0] (id \"pbc-330000\")",
                      "branches are only for banks");
    expect_load_error("participants_bad_bingtuan_bank.cfg", "participants[0] (id \"bank-xjbt-660000\")",
                      "region 660000 (新疆生产建设兵团) is only for its province_authority");
    expect_load_error("participants_bad_empty.cfg", "missing or empty list", NULL);
    expect_load_error("participants_bad_syntax.cfg", "participants_bad_syntax.cfg:3:", NULL);

    char err[256] = "";
    CHECK(gfdx_registry_load(DATA "no_such_file.cfg", err, sizeof err) == NULL);
    CHECK_MSG(strstr(err, "no_such_file.cfg") != NULL, "%s", err);
    CHECK(gfdx_registry_load(NULL, err, sizeof err) == NULL);
    gfdx_registry_free(NULL);
}

static void test_names(void)
{
    for (int k = GFDX_PK_MIIT; k <= GFDX_PK_DISTRICT_BUREAU; k++) {
        gfdx_participant_kind back = GFDX_PK_MIIT;
        const char *name = gfdx_participant_kind_name((gfdx_participant_kind)k);
        CHECK_MSG(gfdx_participant_kind_parse(name, &back) == 0 && (int)back == k, "%s", name);
    }
    for (int b = GFDX_BUREAU_DRC; b <= GFDX_BUREAU_FINANCE; b++) {
        gfdx_bureau back = GFDX_BUREAU_NONE;
        const char *name = gfdx_bureau_name((gfdx_bureau)b);
        CHECK_MSG(gfdx_bureau_parse(name, &back) == 0 && (int)back == b, "%s", name);
    }
    CHECK_STR_EQ(gfdx_participant_kind_name(GFDX_PK_PROVINCE_AUTHORITY), "province_authority");
    CHECK_STR_EQ(gfdx_participant_kind_name((gfdx_participant_kind)42), "unknown");
    CHECK_STR_EQ(gfdx_bureau_name(GFDX_BUREAU_ECOLOGY), "ecology");
    CHECK_STR_EQ(gfdx_bureau_name(GFDX_BUREAU_NONE), "none");
    gfdx_bureau b;
    gfdx_participant_kind k;
    CHECK(gfdx_bureau_parse("none", &b) == -1);
    CHECK(gfdx_bureau_parse("Ecology", &b) == -1);
    CHECK(gfdx_bureau_parse(NULL, &b) == -1);
    CHECK(gfdx_participant_kind_parse("banks", &k) == -1);
}

/* The predicates on hand-built participants: no file involved. */
static void test_auth_predicates(void)
{
    gfdx_participant sh = {.id = "prov-310000", .name = "上海市经济和信息化委员会",
                           .kind = GFDX_PK_PROVINCE_AUTHORITY, .region = "310000"};
    gfdx_participant cq = {.id = "prov-500000", .name = "重庆市经济和信息化委员会",
                           .kind = GFDX_PK_PROVINCE_AUTHORITY, .region = "500000"};
    gfdx_participant sh_branch = {.id = "pbc-hq-sh", .name = "中国人民银行上海总部",
                                  .kind = GFDX_PK_PBOC_BRANCH, .region = "310000"};
    gfdx_participant eco = {.id = "d500106-eco", .name = "重庆市沙坪坝区生态环境局",
                            .kind = GFDX_PK_DISTRICT_BUREAU, .bureau = GFDX_BUREAU_ECOLOGY,
                            .region = "500106"};
    gfdx_participant odd = {.id = "odd", .name = "bureau set on a bank", .kind = GFDX_PK_BANK,
                            .bureau = GFDX_BUREAU_FINANCE, .region = "500000"};

    CHECK(gfdx_auth_is_province_authority_of(&sh, "310000"));
    CHECK(gfdx_auth_is_province_authority_of(&sh, "310115")); /* a district of Shanghai */
    CHECK(!gfdx_auth_is_province_authority_of(&sh, "320000"));
    CHECK(!gfdx_auth_is_province_authority_of(&sh, "500106"));
    CHECK(gfdx_auth_is_province_authority_of(&cq, "500106"));
    CHECK(!gfdx_auth_is_province_authority_of(&cq, "310000"));
    CHECK(!gfdx_auth_is_province_authority_of(&sh, "100000"));
    CHECK(!gfdx_auth_is_province_authority_of(&sh, "31"));
    CHECK(!gfdx_auth_is_province_authority_of(&sh, NULL));
    CHECK(!gfdx_auth_is_province_authority_of(&sh_branch, "310000")); /* right place, wrong kind */
    CHECK(!gfdx_auth_is_province_authority_of(NULL, "310000"));

    /* a 计划单列市's and the 兵团's authority are no province's; each is its own area's */
    gfdx_participant nb = {.id = "prov-330200", .name = "宁波市经济和信息化局",
                           .kind = GFDX_PK_PROVINCE_AUTHORITY, .region = "330200"};
    gfdx_participant zj = {.id = "prov-330000", .name = "浙江省经济和信息化厅",
                           .kind = GFDX_PK_PROVINCE_AUTHORITY, .region = "330000"};
    gfdx_participant bt = {.id = "xjbt", .name = "新疆生产建设兵团工业和信息化局",
                           .kind = GFDX_PK_PROVINCE_AUTHORITY, .region = "660000"};
    gfdx_participant xj = {.id = "prov-650000", .name = "新疆维吾尔自治区工业和信息化厅",
                           .kind = GFDX_PK_PROVINCE_AUTHORITY, .region = "650000"};
    gfdx_participant nb_branch = {.id = "pbc-330200", .name = "中国人民银行宁波市分行",
                                  .kind = GFDX_PK_PBOC_BRANCH, .region = "330200"};
    CHECK(!gfdx_auth_is_province_authority_of(&nb, "330000"));
    CHECK(!gfdx_auth_is_province_authority_of(&nb, "330212"));
    CHECK(!gfdx_auth_is_province_authority_of(&bt, "650000"));
    CHECK(!gfdx_auth_is_province_authority_of(&bt, "660000"));
    CHECK(gfdx_auth_is_province_authority_of(&zj, "330212")); /* unchanged: the province's */
    CHECK(gfdx_auth_is_area_authority_of(&nb, "330212"));
    CHECK(gfdx_auth_is_area_authority_of(&nb, "330200"));
    CHECK(!gfdx_auth_is_area_authority_of(&nb, "330106")); /* 杭州: the province's */
    CHECK(!gfdx_auth_is_area_authority_of(&zj, "330212")); /* 宁波 reports separately */
    CHECK(gfdx_auth_is_area_authority_of(&zj, "330106"));
    CHECK(gfdx_auth_is_area_authority_of(&bt, "659001"));
    CHECK(!gfdx_auth_is_area_authority_of(&bt, "650102"));
    CHECK(!gfdx_auth_is_area_authority_of(&bt, "660000"));
    CHECK(!gfdx_auth_is_area_authority_of(&xj, "659001"));
    CHECK(gfdx_auth_is_area_authority_of(&xj, "650102"));
    CHECK(gfdx_auth_is_area_authority_of(&sh, "310115"));
    CHECK(!gfdx_auth_is_area_authority_of(&sh, "320000"));
    CHECK(!gfdx_auth_is_area_authority_of(&nb_branch, "330212")); /* right place, wrong kind */
    CHECK(!gfdx_auth_is_area_authority_of(&nb, NULL));
    CHECK(!gfdx_auth_is_area_authority_of(&nb, "99"));
    CHECK(!gfdx_auth_is_area_authority_of(NULL, "330212"));

    CHECK(gfdx_auth_is_kind(&sh_branch, GFDX_PK_PBOC_BRANCH));
    CHECK(!gfdx_auth_is_kind(&sh_branch, GFDX_PK_BANK));
    CHECK(!gfdx_auth_is_kind(NULL, GFDX_PK_MIIT));

    CHECK(gfdx_auth_is_bureau(&eco, GFDX_BUREAU_ECOLOGY));
    CHECK(!gfdx_auth_is_bureau(&eco, GFDX_BUREAU_FINANCE));
    CHECK(!gfdx_auth_is_bureau(&odd, GFDX_BUREAU_FINANCE)); /* only district bureaus */
    CHECK(!gfdx_auth_is_bureau(&sh, GFDX_BUREAU_NONE));
    CHECK(!gfdx_auth_is_bureau(NULL, GFDX_BUREAU_ECOLOGY));
}

int main(void)
{
    char err[512] = "";
    gfdx_registry *reg = gfdx_registry_load(SHIPPED, err, sizeof err);
    CHECK_MSG(reg != NULL, "shipped participants: %s", err);
    if (reg) {
        test_shipped_entries(reg);
        test_shipped_routing(reg);
        test_shipped_banks(reg);
        test_shipped_coverage(reg);
        test_shipped_bureaus(reg);
        test_principals(reg);
    }
    gfdx_registry_free(reg);
    test_multi_branch_bank();
    test_head_offices();
    test_area_entries();
    test_load_errors();
    test_names();
    test_auth_predicates();
    return CHECK_DONE();
}
