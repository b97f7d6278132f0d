/* test_push_routing: the shipped routing table (deploy/routing.cfg) routes every GB/T 2260
 * province and each 计划单列市 to the branch written down here independently of the file
 * (DESIGN §6.2: 上海总部 for Shanghai, pbc-<province> for the 30 others, pbc-<city> for a
 * project in Dalian, Ningbo, Xiamen, Qingdao or Shenzhen; none for 710000/810000/820000),
 * and the loader refuses each kind of broken table with a message naming the problem. */
#include "check.h"
#include "push/routing.h"
#include "region.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHIPPED GFDX_SOURCE_DIR "/deploy/routing.cfg"

/* province -> expected branch ("" = no branch), independent of routing.cfg. */
static const char *const expected_province[][2] = {
    {"110000", "pbc-110000"}, {"120000", "pbc-120000"}, {"130000", "pbc-130000"}, {"140000", "pbc-140000"},
    {"150000", "pbc-150000"}, {"210000", "pbc-210000"}, {"220000", "pbc-220000"}, {"230000", "pbc-230000"},
    {"310000", "pbc-hq-sh"},  {"320000", "pbc-320000"}, {"330000", "pbc-330000"}, {"340000", "pbc-340000"},
    {"350000", "pbc-350000"}, {"360000", "pbc-360000"}, {"370000", "pbc-370000"}, {"410000", "pbc-410000"},
    {"420000", "pbc-420000"}, {"430000", "pbc-430000"}, {"440000", "pbc-440000"}, {"450000", "pbc-450000"},
    {"460000", "pbc-460000"}, {"500000", "pbc-500000"}, {"510000", "pbc-510000"}, {"520000", "pbc-520000"},
    {"530000", "pbc-530000"}, {"540000", "pbc-540000"}, {"610000", "pbc-610000"}, {"620000", "pbc-620000"},
    {"630000", "pbc-630000"}, {"640000", "pbc-640000"}, {"650000", "pbc-650000"}, {"710000", ""},
    {"810000", ""},           {"820000", ""},
};
#define N_EXPECTED (sizeof expected_province / sizeof expected_province[0])

/* 计划单列市: city, its province, a district in it, another city of the same province. */
static const char *const plan_cities[][4] = {
    {"210200", "210000", "210211", "210100"}, /* 大连 甘井子区; 沈阳 */
    {"330200", "330000", "330206", "330100"}, /* 宁波 北仑区; 杭州 */
    {"350200", "350000", "350203", "350100"}, /* 厦门 思明区; 福州 */
    {"370200", "370000", "370211", "370100"}, /* 青岛 黄岛区; 济南 */
    {"440300", "440000", "440306", "440100"}, /* 深圳 宝安区; 广州 */
};

static const char *route_id(const push_routing *rt, const char *prov, const char *loc, push_route_status *st)
{
    const push_branch *b = NULL;
    char why[256];
    *st = push_route(rt, prov, loc, &b, why, sizeof why);
    CHECK_MSG((*st == PUSH_ROUTE_OK) == (b != NULL), "route(%s, %s): status %d, branch %p", prov, loc, *st,
              (const void *)b);
    return b ? b->id : "";
}

static void test_every_province(const push_routing *rt)
{
    const char *const *codes;
    size_t n = gfdx_region_provinces(&codes);
    CHECK(n == N_EXPECTED);
    for (size_t i = 0; i < n; i++) {
        const char *want = NULL;
        for (size_t j = 0; j < N_EXPECTED; j++)
            if (!strcmp(expected_province[j][0], codes[i]))
                want = expected_province[j][1];
        CHECK_MSG(want != NULL, "province %s missing from the test's table", codes[i]);
        if (!want)
            continue;
        /* the province itself, a prefecture (01) and a county under the province (90) */
        char city[7], county[7];
        snprintf(city, sizeof city, "%.2s0100", codes[i]);
        snprintf(county, sizeof county, "%.2s9001", codes[i]);
        const char *locs[] = {codes[i], city, county};
        for (size_t k = 0; k < 3; k++) {
            push_route_status st;
            const char *got = route_id(rt, codes[i], locs[k], &st);
            CHECK_MSG(!strcmp(got, want), "province %s, location %s: got \"%s\", want \"%s\"", codes[i], locs[k], got,
                      want);
            CHECK_MSG(st == (*want ? PUSH_ROUTE_OK : PUSH_ROUTE_NO_BRANCH), "province %s: status %d", codes[i], st);
        }
    }
}

static void test_plan_cities(const push_routing *rt)
{
    for (size_t i = 0; i < sizeof plan_cities / sizeof plan_cities[0]; i++) {
        char want[16], prov_branch[16];
        snprintf(want, sizeof want, "pbc-%s", plan_cities[i][0]);
        snprintf(prov_branch, sizeof prov_branch, "pbc-%s", plan_cities[i][1]);
        push_route_status st;
        CHECK_STR_EQ(route_id(rt, plan_cities[i][1], plan_cities[i][0], &st), want);
        CHECK_STR_EQ(route_id(rt, plan_cities[i][1], plan_cities[i][2], &st), want);
        CHECK_STR_EQ(route_id(rt, plan_cities[i][1], plan_cities[i][3], &st), prov_branch);
        const push_branch *b = push_routing_find(rt, want);
        CHECK(b && b->kind == PUSH_BRANCH_PLAN_CITY && !strcmp(b->region, plan_cities[i][0]));
        CHECK(b && strstr(b->name, gfdx_region_plan_city_name(plan_cities[i][0])) != NULL);
    }
    push_route_status st;
    CHECK_STR_EQ(route_id(rt, "310000", "310115", &st), "pbc-hq-sh"); /* 浦东新区 */
    CHECK_STR_EQ(route_id(rt, "500000", "500106", &st), "pbc-500000"); /* 沙坪坝区: no city branch */
}

static void test_bad_input(const push_routing *rt)
{
    static const char *const bad[][2] = {
        {"330000", "320500"}, /* project outside the factory's province */
        {"330200", "330200"}, /* a city is not a province */
        {"990000", "990100"}, {"", "330100"}, {"330000", ""}, {"330000", "3302"}, {"330000", "33020X"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        push_route_status st;
        route_id(rt, bad[i][0], bad[i][1], &st);
        CHECK_MSG(st == PUSH_ROUTE_BAD_REGION, "route(%s, %s): status %d", bad[i][0], bad[i][1], st);
    }
    const push_branch *b = (const push_branch *)1;
    char why[256] = "";
    CHECK(push_route(rt, NULL, "330100", &b, why, sizeof why) == PUSH_ROUTE_BAD_REGION && b == NULL);
    CHECK(push_route(rt, "330000", NULL, &b, why, sizeof why) == PUSH_ROUTE_BAD_REGION);
    CHECK(push_route(NULL, "330000", "330100", &b, NULL, 0) == PUSH_ROUTE_BAD_REGION);
    CHECK(push_route(rt, "330000", "320500", &b, why, sizeof why) == PUSH_ROUTE_BAD_REGION && strstr(why, "320500"));
    CHECK(push_route(rt, "810000", "810000", &b, why, sizeof why) == PUSH_ROUTE_NO_BRANCH && strstr(why, "810000"));
}

/* Every branch has its gfdx.dispatch.<id> topic in deploy/topics.cfg (the dev broker creates
 * only those), and every dispatch topic there belongs to a branch. */
static void test_topics(const push_routing *rt)
{
    config_t cf;
    config_init(&cf);
    CHECK(config_read_file(&cf, GFDX_SOURCE_DIR "/deploy/topics.cfg") == CONFIG_TRUE);
    const config_setting_t *topics = config_lookup(&cf, "topics");
    size_t dispatch_topics = 0;
    for (int i = 0; topics && i < config_setting_length(topics); i++) {
        const char *name = NULL;
        config_setting_lookup_string(config_setting_get_elem(topics, (unsigned)i), "name", &name);
        if (name && !strncmp(name, "gfdx.dispatch.", 14)) {
            dispatch_topics++;
            CHECK_MSG(push_routing_find(rt, name + 14) != NULL, "topic %s has no branch in routing.cfg", name);
        }
    }
    CHECK_MSG(dispatch_topics == push_routing_count(rt), "%zu dispatch topics for %zu branches", dispatch_topics,
              push_routing_count(rt));
    config_destroy(&cf);
}

static void test_shipped_table(void)
{
    char err[512] = "";
    push_routing *rt = push_routing_load(SHIPPED, err, sizeof err);
    CHECK_MSG(rt != NULL, "%s", err);
    if (!rt)
        return;
    CHECK(push_routing_count(rt) == 36); /* 上海总部 + 30 other provincial + 5 city branches */
    size_t kinds[3] = {0};
    for (size_t i = 0; i < push_routing_count(rt); i++)
        kinds[push_routing_at(rt, i)->kind]++;
    CHECK(kinds[PUSH_BRANCH_HEADQUARTERS] == 1 && kinds[PUSH_BRANCH_PROVINCE] == 30 && kinds[PUSH_BRANCH_PLAN_CITY] == 5);
    CHECK(push_routing_at(rt, 36) == NULL);
    CHECK(push_routing_find(rt, "pbc-nope") == NULL && push_routing_find(rt, NULL) == NULL);
    CHECK_STR_EQ(push_routing_find(rt, "pbc-hq-sh")->name, "中国人民银行上海总部");
    test_every_province(rt);
    test_plan_cities(rt);
    test_bad_input(rt);
    test_topics(rt);
    char buf[8192] = "";
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    push_routing_print(f, rt);
    fclose(f);
    CHECK(strstr(buf, "plan_city 330200 -> pbc-330200") && strstr(buf, "710000 (台湾省) -> no branch"));
    push_routing_free(rt);
    push_routing_free(NULL);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

/* The shipped file with the first `from` replaced by `to`, loaded: must fail with `want` in err. */
static void expect_refused(const char *shipped, const char *from, const char *to, const char *want)
{
    const char *at = strstr(shipped, from);
    CHECK_MSG(at != NULL, "test bug: \"%s\" not in routing.cfg", from);
    if (!at)
        return;
    char path[] = "/tmp/test_push_routing.XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    CHECK(f != NULL);
    if (!f)
        return;
    fprintf(f, "%.*s%s%s", (int)(at - shipped), shipped, to, at + strlen(from));
    fclose(f);
    char err[512] = "";
    push_routing *rt = push_routing_load(path, err, sizeof err);
    CHECK_MSG(rt == NULL && strstr(err, want) && strstr(err, path), "replacing %s by %s: want \"%s\", got \"%s\"",
              from, to, want, err);
    push_routing_free(rt);
    unlink(path);
}

static void test_refusals(void)
{
    char *s = slurp(SHIPPED);
    CHECK(s != NULL);
    if (!s)
        return;
    static const char *const cases[][3] = {
        /* a province left without a branch */
        {"{ id = \"pbc-650000\"; kind = \"province\"; region = \"650000\";", "{ id = \"pbc-650000\"; kind = \"plan_city\"; region = \"650000\";", "计划单列市"},
        {"  { id = \"pbc-650000\"; kind = \"province\"; region = \"650000\"; name = \"中国人民银行新疆维吾尔自治区分行\"; },\n", "", "province 650000"},
        {"\"710000\", ", "", "province 710000"},
        /* ids */
        {"id = \"pbc-120000\"", "id = \"pbc-110000\"", "duplicate id"},
        {"id = \"pbc-120000\"", "id = \"pbc 120000\"", "[A-Za-z0-9._-]"},
        {"id = \"pbc-120000\"", "id = \"\"", "[A-Za-z0-9._-]"},
        /* regions and kinds */
        {"region = \"120000\"", "region = \"110000\"", "already served by pbc-110000"},
        {"region = \"120000\"", "region = \"990000\"", "valid GB/T 2260"},
        {"region = \"120000\"", "region = \"120101\"", "province code"},
        {"region = \"120000\"", "region = \"710000\"", "no_branch"},
        {"kind = \"province\"", "kind = \"provincial\"", "kind must be"},
        {"region = \"440300\"", "region = \"440100\"", "计划单列市"},
        {"region = \"440300\"", "region = \"210200\"", "city 210200 is already served by pbc-210200"},
        {"\"810000\"", "\"330000\"", "listed in no_branch"},
        {"\"810000\"", "\"710000\"", "listed twice"},
        {"\"810000\"", "\"330200\"", "no_branch[1]"},
        /* shape */
        {"name = \"中国人民银行天津市分行\"", "name = \"\"", "name must not be empty"},
        {"name = \"中国人民银行天津市分行\"", "name = \"x\"; branch = \"y\"", "unknown setting \"branch\""},
        {"branches = (", "branchez = (", "branches: expected"},
        {"branches = (", "branches = ( 1, ", "branches[0]: expected a group"},
        {"no_branch = [", "no_branch = [ ; ", "syntax error"}, /* the file and line named */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_refused(s, cases[i][0], cases[i][1], cases[i][2]);
    free(s);
    char err[256] = "";
    CHECK(push_routing_load("/nonexistent/routing.cfg", err, sizeof err) == NULL && strstr(err, "cannot read"));
}

int main(void)
{
    test_shipped_table();
    test_refusals();
    CHECK_STR_EQ(push_branch_kind_name(PUSH_BRANCH_PLAN_CITY), "plan_city");
    CHECK_STR_EQ(push_branch_kind_name((push_branch_kind)9), "unknown");
    return CHECK_DONE();
}
