/* test_kafka_plan.c: the topics and ACLs `gfdx kafka apply` derives from the shipped
 * deploy/topics.cfg and deploy/participants.cfg (DESIGN §2, §5), and broken topics files. */
#include "check.h"
#include "kafka_plan.h"

#include <stdlib.h>

#define TOPICS GFDX_SOURCE_DIR "/deploy/topics.cfg"
#define SHIPPED GFDX_SOURCE_DIR "/deploy/participants.cfg"
#define DATA GFDX_SOURCE_DIR "/tests/unit/data/"

#define T RD_KAFKA_RESOURCE_TOPIC
#define G RD_KAFKA_RESOURCE_GROUP
#define C RD_KAFKA_RESOURCE_BROKER
#define R RD_KAFKA_ACL_OPERATION_READ
#define W RD_KAFKA_ACL_OPERATION_WRITE

static const gfdx_kafka_plan *plan;

static bool may(const char *principal, rd_kafka_AclOperation_t op, rd_kafka_ResourceType_t rt,
                const char *name)
{
    return gfdx_kafka_plan_allows(plan, principal, op, rt, name);
}

static const char *config_of(const gfdx_plan_topic *t, const char *key)
{
    for (size_t i = 0; t && i < t->configs.count; i++)
        if (!strcmp(t->configs.items[i].key, key))
            return t->configs.items[i].value;
    return NULL;
}

static void test_topics(const gfdx_registry *reg)
{
    static const char *inputs[] = {"gfdx.needs", "gfdx.matching-status", "gfdx.miit-pushes",
                                   "gfdx.feedback", "gfdx.namelists"};
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        const char *v = config_of(gfdx_kafka_plan_topic(plan, inputs[i]), "message.timestamp.type");
        CHECK_MSG(v && !strcmp(v, "LogAppendTime"), "%s: %s", inputs[i], v ? v : "(none)");
    }
    const gfdx_plan_topic *t = gfdx_kafka_plan_topic(plan, "gfdx.needs");
    CHECK(t && t->partitions == 6);
    t = gfdx_kafka_plan_topic(plan, "gfdx.namelists");
    CHECK(t && t->partitions == 12);
    CHECK(config_of(gfdx_kafka_plan_topic(plan, "gfdx.receipts.miit"), "message.timestamp.type") == NULL);
    for (size_t i = 0; i < gfdx_registry_count(reg); i++) {
        char name[128];
        snprintf(name, sizeof name, "gfdx.receipts.%s", gfdx_registry_at(reg, i)->id);
        t = gfdx_kafka_plan_topic(plan, name);
        CHECK_MSG(t && t->partitions == 1, "%s", name);
    }
    CHECK(gfdx_kafka_plan_topic(plan, "gfdx.dispatch.pbc-110000") != NULL); /* every branch of routing.cfg */
    CHECK(gfdx_kafka_plan_topic(plan, "gfdx.dispatch.pbc-hq-sh") != NULL);
    CHECK(gfdx_kafka_plan_topic(plan, "gfdx.coordination.310000") != NULL);
    CHECK(gfdx_kafka_plan_topic(plan, "gfdx.coordination.210000") != NULL); /* 大连 branch */
    CHECK(gfdx_kafka_plan_topic(plan, "gfdx.coordination.500106") == NULL);
    CHECK(gfdx_kafka_plan_topic(plan, "gfdx.audit") != NULL);
    for (size_t i = 1; i < plan->n_topics; i++)
        CHECK(strcmp(plan->topics[i - 1].name, plan->topics[i].name) < 0); /* sorted, unique */
}

static void test_participant_acls(void)
{
    const char *bank = "User:bank-icbc-310000", *prov = "User:prov-310000";
    CHECK(!may(bank, W, T, "gfdx.needs"));
    CHECK(may(bank, W, T, "gfdx.feedback"));
    CHECK(may(bank, R, T, "gfdx.receipts.bank-icbc-310000"));
    CHECK(!may(bank, R, T, "gfdx.receipts.bank-ccb-310000"));
    CHECK(!may(bank, R, T, "gfdx.receipts")); /* the shared topic: nobody's */
    CHECK(may(bank, R, T, "gfdx.dispatch.pbc-hq-sh"));
    CHECK(!may(bank, R, T, "gfdx.dispatch.pbc-320000"));
    CHECK(may(bank, R, G, "bank-icbc-310000"));
    CHECK(!may(bank, R, T, "gfdx.needs"));
    CHECK(may(prov, W, T, "gfdx.needs"));
    CHECK(may("User:prov-330200", W, T, "gfdx.needs") && may("User:xjbt", W, T, "gfdx.needs")); /* 宁波, 兵团 */
    CHECK(may("User:prov-650000", R, T, "gfdx.receipts.prov-650000"));
    CHECK(may("User:bank-icbc-hq", R, T, "gfdx.receipts.bank-icbc-hq"));
    /* a head office reads every branch's dispatches (gfdx-push sends it each need), not alerts */
    CHECK(may("User:bank-icbc-hq", R, T, "gfdx.dispatch.pbc-hq-sh") && may("User:bank-cdb-hq", R, T, "gfdx.dispatch.pbc-650000"));
    CHECK(may("User:bank-nbcb-hq", R, T, "gfdx.dispatch.pbc-110000"));
    CHECK(!may("User:bank-icbc-hq", R, T, "gfdx.alerts.pbc-hq-sh"));
    CHECK(!may("User:bank-icbc-hq", R, T, "gfdx.receipts.bank-icbc-310000"));
    CHECK(may(prov, R, T, "gfdx.coordination.310000"));
    CHECK(!may(prov, R, T, "gfdx.coordination.320000"));
    CHECK(!may(prov, R, T, "gfdx.receipts.prov-320000"));
    CHECK(!may(prov, R, T, "gfdx.dispatch.pbc-hq-sh"));
    CHECK(may(prov, W, T, "gfdx.namelists")); /* municipal lists (issue 12) */
    CHECK(may("User:pbc-hq-sh", R, T, "gfdx.coordination.310000"));
    CHECK(may("User:pbc-330200", R, T, "gfdx.coordination.330000"));
    CHECK(may("User:pbc-330200", R, T, "gfdx.dispatch.pbc-330200"));
    CHECK(!may("User:pbc-330200", R, T, "gfdx.dispatch.pbc-330000"));
    CHECK(may("User:d500106-eco", W, T, "gfdx.namelists"));
    CHECK(may("User:d500106-eco", R, T, "gfdx.namelist-changes.500106"));
    CHECK(may("User:d500106-eco", R, T, "gfdx.namelist-changes.500000"));
    CHECK(may("User:d500106-eco", R, T, "gfdx.namelist-changes.100000"));
    CHECK(!may("User:d500106-eco", R, T, "gfdx.namelist-changes.500107")); /* another district's */
    CHECK(!may("User:d500107-eco", R, T, "gfdx.namelist-changes.500106"));
    CHECK(!may("User:bank-ccb-500000", R, T, "gfdx.namelist-changes.500106"));
    CHECK(!may("User:d500106-eco", W, T, "gfdx.needs"));
    CHECK(may("User:miit", R, T, "gfdx.audit"));
    CHECK(!may("User:miit", W, T, "gfdx.miit-pushes")); /* gfdx-intake emits it, not MIIT */
    CHECK(!may("User:pboc", W, T, "gfdx.matching-status"));
}

static void test_daemon_acls(void)
{
    const char *in = "User:gfdx-intake", *push = "User:gfdx-push", *fb = "User:gfdx-feedback";
    CHECK(may(in, R, T, "gfdx.needs") && may(in, R, T, "gfdx.matching-status"));
    CHECK(may(in, R, G, "gfdx-intake") && !may(in, R, G, "gfdx-push"));
    CHECK(may(in, RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE, C, GFDX_KAFKA_CLUSTER));
    CHECK(may(in, W, T, "gfdx.miit-pushes") && may(in, W, T, "gfdx.receipts.prov-310000"));
    CHECK(!may(in, W, T, "gfdx.receipts")); /* the shared topic is gone: receipts are addressed */
    CHECK(!may(in, W, T, "gfdx.needs") && !may(in, W, T, "gfdx.dispatch.pbc-hq-sh"));
    CHECK(may(in, RD_KAFKA_ACL_OPERATION_DESCRIBE, T, "gfdx.needs"));
    CHECK(may(push, R, T, "gfdx.miit-pushes") && !may(push, R, T, "gfdx.needs"));
    CHECK(may(push, W, T, "gfdx.dispatch.pbc-110000")); /* prefixed: every branch */
    CHECK(may(fb, W, T, "gfdx.coordination.310000") && may(fb, W, T, "gfdx.matching-status"));
    CHECK(may(fb, R, T, "gfdx.feedback") && may(fb, R, G, "gfdx-feedback"));
    CHECK(may(fb, R, G, "gfdx-feedback-ref") && !may(fb, R, G, "gfdx-intake")); /* prefixed */
    CHECK(may("User:gfdx-namelist", W, T, "gfdx.namelist-changes.500106"));
}

/* gfdx.alerts.<branch> (to = "branch_only"): one topic per registered branch, read by that
 * branch alone (not by the banks that read its dispatch topic, nor by other branches or the
 * province), written by gfdx-feedback and gfdx-push only. */
static void test_alert_topics(void)
{
    const char *fb = "User:gfdx-feedback", *push = "User:gfdx-push";
    CHECK(gfdx_kafka_plan_topic(plan, "gfdx.alerts.pbc-hq-sh") != NULL);
    CHECK(gfdx_kafka_plan_topic(plan, "gfdx.alerts.pbc-330200") != NULL);
    CHECK(gfdx_kafka_plan_topic(plan, "gfdx.alerts.bank-icbc-310000") == NULL); /* branches only */
    CHECK(gfdx_kafka_plan_topic(plan, "gfdx.alerts.310000") == NULL);
    CHECK(may("User:pbc-hq-sh", R, T, "gfdx.alerts.pbc-hq-sh"));
    CHECK(!may("User:pbc-hq-sh", R, T, "gfdx.alerts.pbc-330200"));
    CHECK(!may("User:pbc-330200", R, T, "gfdx.alerts.pbc-hq-sh"));
    CHECK(may("User:bank-icbc-310000", R, T, "gfdx.dispatch.pbc-hq-sh")); /* its dispatches, yes */
    CHECK(!may("User:bank-icbc-310000", R, T, "gfdx.alerts.pbc-hq-sh"));  /* its branch's alerts, no */
    CHECK(!may("User:prov-310000", R, T, "gfdx.alerts.pbc-hq-sh"));
    CHECK(!may("User:pboc", R, T, "gfdx.alerts.pbc-hq-sh"));
    CHECK(!may("User:pbc-hq-sh", W, T, "gfdx.alerts.pbc-hq-sh"));
    CHECK(may(fb, W, T, "gfdx.alerts.pbc-hq-sh") && may(push, W, T, "gfdx.alerts.pbc-330200"));
    CHECK(!may("User:gfdx-intake", W, T, "gfdx.alerts.pbc-hq-sh"));
    CHECK(!may(fb, R, T, "gfdx.alerts.pbc-hq-sh"));
    for (size_t i = 0; i < plan->n_acls; i++) { /* nobody else reads any alerts topic */
        const gfdx_plan_acl *a = &plan->acls[i];
        if (a->op == R && a->restype == T && !strncmp(a->name, "gfdx.alerts.", 12))
            CHECK_MSG(!strncmp(a->principal, "User:pbc-", 9) && !strcmp(a->principal + 5, a->name + 12),
                      "%s reads %s", a->principal, a->name);
    }
}

/* What a daemon emits, only that daemon writes. */
static void expect_only_writer(const char *topic, const char *principal)
{
    for (size_t i = 0; i < plan->n_acls; i++) {
        const char *p = plan->acls[i].principal;
        bool is_daemon = !strncmp(p, "User:gfdx-", 10);
        CHECK_MSG(!may(p, W, T, topic) || (principal ? !strcmp(p, principal) : is_daemon),
                  "%s may write %s", p, topic);
    }
}

static void test_only_emitters_write(void)
{
    expect_only_writer("gfdx.dispatch.pbc-hq-sh", "User:gfdx-push");
    expect_only_writer("gfdx.matching-status", "User:gfdx-feedback");
    expect_only_writer("gfdx.miit-pushes", "User:gfdx-intake");
    expect_only_writer("gfdx.coordination.500000", "User:gfdx-feedback");
    expect_only_writer("gfdx.namelist-changes.500106", "User:gfdx-namelist");
    expect_only_writer("gfdx.receipts.bank-icbc-310000", NULL); /* every daemon, no participant */
    expect_only_writer("gfdx.audit", NULL);
    expect_only_writer("gfdx.alerts.pbc-hq-sh", NULL); /* gfdx-feedback and gfdx-push */
}

static void expect_plan_error(const gfdx_registry *reg, const char *file, const char *needle)
{
    char err[512] = "";
    gfdx_kafka_plan *p = gfdx_kafka_plan_build(file, reg, err, sizeof err);
    CHECK_MSG(p == NULL, "%s built", file);
    gfdx_kafka_plan_free(p);
    CHECK_MSG(strstr(err, needle) != NULL, "\"%s\" not in: %s", needle, err);
}

static void test_errors(const gfdx_registry *reg)
{
    expect_plan_error(reg, DATA "topics_bad_kind.cfg", "topics[0] (gfdx.needs): writers: unknown kind \"banks\"");
    expect_plan_error(reg, DATA "topics_bad_emitter.cfg", "emitted_by: \"pusher\" is not in daemons");
    expect_plan_error(reg, DATA "topics_bad_both.cfg", "a topic a daemon emits has no participant writers");
    expect_plan_error(reg, DATA "topics_bad_key.cfg", "unknown setting \"writer\"");
    expect_plan_error(reg, DATA "topics_bad_principal.cfg", "principal User:miit is participant miit's");
    expect_plan_error(reg, DATA "no_such_topics.cfg", "no_such_topics.cfg");
    expect_plan_error(reg, DATA "topics_bad_to.cfg", "to must be participant, branch, branch_only, province or district");
}

int main(void)
{
    char err[512] = "";
    gfdx_registry *reg = gfdx_registry_load(SHIPPED, err, sizeof err);
    CHECK_MSG(reg != NULL, "%s", err);
    gfdx_kafka_plan *p = reg ? gfdx_kafka_plan_build(TOPICS, reg, err, sizeof err) : NULL;
    CHECK_MSG(p != NULL, "%s", err);
    if (p) {
        plan = p;
        printf("shipped plan: %zu topics, %zu ACLs\n", p->n_topics, p->n_acls);
        test_topics(reg);
        test_participant_acls();
        test_daemon_acls();
        test_only_emitters_write();
        test_alert_topics();
    }
    if (reg)
        test_errors(reg);
    gfdx_kafka_plan_free(p);
    gfdx_registry_free(reg);
    return CHECK_DONE();
}
