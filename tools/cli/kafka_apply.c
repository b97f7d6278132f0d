/* kafka_apply.c: topics, topic configs and ACLs of a plan onto a cluster. See kafka_apply.h. */
#include "kafka_apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"

/* ---- small helpers ---- */

/* The broker lacks the API (mock cluster) or has no authorizer. */
static bool api_missing(rd_kafka_resp_err_t e)
{
    return e == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE || e == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION ||
           e == RD_KAFKA_RESP_ERR_INVALID_REQUEST || e == RD_KAFKA_RESP_ERR_SECURITY_DISABLED;
}

static bool denied(rd_kafka_resp_err_t e)
{
    return e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
           e == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED ||
           e == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED;
}

/* "not authorized to <what> (<reason>); run it as an admin principal" or "<what>: <reason>". */
static int fail_op(char *err, size_t errlen, rd_kafka_resp_err_t e, const char *what,
                   const char *reason)
{
    if (denied(e))
        snprintf(err, errlen, "not authorized to %s (%s): run it as a principal with cluster rights"
                 " (a super user, -X sasl.username=...)", what, reason ? reason : rd_kafka_err2str(e));
    else
        snprintf(err, errlen, "%s: %s", what, reason && *reason ? reason : rd_kafka_err2str(e));
    return -1;
}

static rd_kafka_AdminOptions_t *admin_options(const kafka_apply *a)
{
    char errstr[256];
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(a->rk, RD_KAFKA_ADMIN_OP_ANY);
    if (o) {
        rd_kafka_AdminOptions_set_request_timeout(o, a->timeout_ms, errstr, sizeof errstr);
        rd_kafka_AdminOptions_set_operation_timeout(o, a->timeout_ms, errstr, sizeof errstr);
    }
    return o;
}

/* Waits for the one admin result on q; NULL with err on a timeout. The caller destroys it. */
static rd_kafka_event_t *admin_result(const kafka_apply *a, rd_kafka_queue_t *q, const char *what,
                                      char *err, size_t errlen)
{
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, a->timeout_ms + 5000);
    if (!ev) {
        snprintf(err, errlen, "%s: no answer within %d ms%s%s", what, a->timeout_ms + 5000,
                 a->client_error[0] ? ": " : "", a->client_error);
    }
    return ev;
}

static const rd_kafka_metadata_topic_t *md_topic(const rd_kafka_metadata_t *md, const char *name)
{
    for (int i = 0; md && i < md->topic_cnt; i++)
        if (!md->topics[i].err && !strcmp(md->topics[i].topic, name))
            return &md->topics[i];
    return NULL;
}

static void print_configs(FILE *out, const gfdx_plan_topic *t)
{
    for (size_t i = 0; i < t->configs.count; i++)
        fprintf(out, ", %s=%s", t->configs.items[i].key, t->configs.items[i].value);
}

/* ---- topics ---- */

/* A topic with other partitions than planned is said, never changed. On the dev broker its
 * own auto-creation chose the count: one line for all of them. */
static void report_partitions(kafka_apply *a, const rd_kafka_metadata_t *md)
{
    size_t odd = 0;
    for (size_t i = 0; i < a->plan->n_topics; i++) {
        const gfdx_plan_topic *t = &a->plan->topics[i];
        const rd_kafka_metadata_topic_t *m = md_topic(md, t->name);
        if (!m || m->partition_cnt == t->partitions)
            continue;
        odd++;
        if (!a->devbroker)
            fprintf(stderr, "gfdx kafka apply: warning: topic %s has %d partitions, the plan says %d:"
                            " left as it is (more partitions would move keys)\n",
                    t->name, m->partition_cnt, t->partitions);
    }
    if (odd && a->devbroker)
        fprintf(stderr, "gfdx kafka apply: %zu topics have the dev broker's default partition count,"
                        " not the plan's (auto-created)\n", odd);
    a->warnings += odd;
}

/* The dev broker has no CreateTopics: a Metadata request naming the topic creates it (with
 * the mock's default partition count). */
static int auto_create(kafka_apply *a, const gfdx_plan_topic *t, char *err, size_t errlen)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(a->rk, t->name, NULL);
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t e = rkt ? rd_kafka_metadata(a->rk, 0, rkt, &md, a->timeout_ms)
                                : RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
    const rd_kafka_metadata_topic_t *m = e ? NULL : md_topic(md, t->name);
    int rc = 0;
    if (!m)
        rc = fail_op(err, errlen, e, "creating topic (dev broker auto-creation)", t->name);
    else
        printf("created topic %s: %d partitions (dev broker auto-creation; the plan says %d)\n",
               t->name, m->partition_cnt, t->partitions);
    if (md)
        rd_kafka_metadata_destroy(md);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    return rc;
}

static int auto_create_all(kafka_apply *a, const gfdx_plan_topic **missing, size_t n, char *err,
                           size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        if (auto_create(a, missing[i], err, errlen) != 0)
            return -1;
        a->topics_created++;
    }
    return 0;
}

static rd_kafka_NewTopic_t *new_topic(const kafka_apply *a, const gfdx_plan_topic *t)
{
    char errstr[256];
    rd_kafka_NewTopic_t *nt =
        rd_kafka_NewTopic_new(t->name, t->partitions, a->replication_factor, errstr, sizeof errstr);
    for (size_t i = 0; nt && i < t->configs.count; i++)
        rd_kafka_NewTopic_set_config(nt, t->configs.items[i].key, t->configs.items[i].value);
    return nt;
}

/* Per-topic outcome of CreateTopics; TOPIC_ALREADY_EXISTS is someone else's earlier run. */
static int created_topics(kafka_apply *a, rd_kafka_event_t *ev, char *err, size_t errlen)
{
    size_t cnt = 0;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
    for (size_t i = 0; i < cnt; i++) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
        const char *name = rd_kafka_topic_result_name(res[i]);
        const gfdx_plan_topic *t = gfdx_kafka_plan_topic(a->plan, name);
        if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            continue;
        if (e) {
            char what[300];
            snprintf(what, sizeof what, "create topic %s", name);
            return fail_op(err, errlen, e, what, rd_kafka_topic_result_error_string(res[i]));
        }
        printf("created topic %s: %d partitions", name, t ? t->partitions : 0);
        if (t)
            print_configs(stdout, t);
        printf("\n");
        a->topics_created++;
    }
    return 0;
}

static int send_create_topics(kafka_apply *a, const gfdx_plan_topic **missing, size_t n,
                              char *err, size_t errlen)
{
    rd_kafka_NewTopic_t **nts = calloc(n, sizeof *nts);
    rd_kafka_queue_t *q = rd_kafka_queue_new(a->rk);
    rd_kafka_AdminOptions_t *o = admin_options(a);
    rd_kafka_event_t *ev = NULL;
    int rc = -1;
    for (size_t i = 0; nts && i < n; i++)
        if (!(nts[i] = new_topic(a, missing[i])))
            goto done;
    if (!nts || !q || !o) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    rd_kafka_CreateTopics(a->rk, nts, n, o, q);
    if (!(ev = admin_result(a, q, "create topics", err, errlen)))
        goto done;
    rd_kafka_resp_err_t e = rd_kafka_event_error(ev);
    if (e)
        rc = fail_op(err, errlen, e, "create topics", rd_kafka_event_error_string(ev));
    else
        rc = created_topics(a, ev, err, errlen);
done:
    if (ev)
        rd_kafka_event_destroy(ev);
    if (nts)
        rd_kafka_NewTopic_destroy_array(nts, n);
    free(nts);
    if (o)
        rd_kafka_AdminOptions_destroy(o);
    if (q)
        rd_kafka_queue_destroy(q);
    return rc;
}

static int apply_topics(kafka_apply *a, const rd_kafka_metadata_t *md, char *err, size_t errlen)
{
    const gfdx_plan_topic **missing = calloc(a->plan->n_topics + 1, sizeof *missing);
    size_t n = 0;
    if (!missing) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < a->plan->n_topics; i++)
        if (!md_topic(md, a->plan->topics[i].name))
            missing[n++] = &a->plan->topics[i];
    report_partitions(a, md);
    int rc = 0;
    if (n && (a->dry_run || !a->rk)) {
        for (size_t i = 0; i < n; i++) {
            printf("would create topic %s: %d partitions", missing[i]->name, missing[i]->partitions);
            print_configs(stdout, missing[i]);
            printf("\n");
        }
        a->topics_created = n;
    } else if (n && a->devbroker) {
        rc = auto_create_all(a, missing, n, err, errlen);
    } else if (n) {
        rc = send_create_topics(a, missing, n, err, errlen);
    }
    free(missing);
    return rc;
}

/* ---- topic configs ---- */

static const rd_kafka_ConfigEntry_t *config_entry(const rd_kafka_ConfigResource_t *r, const char *key)
{
    size_t cnt = 0;
    const rd_kafka_ConfigEntry_t **es = rd_kafka_ConfigResource_configs(r, &cnt);
    for (size_t i = 0; i < cnt; i++)
        if (!strcmp(rd_kafka_ConfigEntry_name(es[i]), key))
            return es[i];
    return NULL;
}

static bool config_differs(const gfdx_plan_topic *t, const rd_kafka_ConfigResource_t *r)
{
    for (size_t i = 0; i < t->configs.count; i++) {
        const rd_kafka_ConfigEntry_t *e = config_entry(r, t->configs.items[i].key);
        const char *v = e ? rd_kafka_ConfigEntry_value(e) : NULL;
        if (!v || strcmp(v, t->configs.items[i].value))
            return true;
    }
    return false;
}

static bool planned_config(const gfdx_plan_topic *t, const char *key)
{
    for (size_t i = 0; i < t->configs.count; i++)
        if (!strcmp(t->configs.items[i].key, key))
            return true;
    return false;
}

/* The resource to send with AlterConfigs: the topic's current dynamic configs (AlterConfigs
 * replaces them all) with the plan's on top. Prints what changes. */
static rd_kafka_ConfigResource_t *altered(const kafka_apply *a, const gfdx_plan_topic *t,
                                          const rd_kafka_ConfigResource_t *cur)
{
    rd_kafka_ConfigResource_t *r = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t->name);
    size_t cnt = 0;
    const rd_kafka_ConfigEntry_t **es = rd_kafka_ConfigResource_configs(cur, &cnt);
    for (size_t i = 0; r && i < cnt; i++)
        if (rd_kafka_ConfigEntry_source(es[i]) == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG &&
            rd_kafka_ConfigEntry_value(es[i]) && !planned_config(t, rd_kafka_ConfigEntry_name(es[i])))
            rd_kafka_ConfigResource_set_config(r, rd_kafka_ConfigEntry_name(es[i]),
                                               rd_kafka_ConfigEntry_value(es[i]));
    for (size_t i = 0; r && i < t->configs.count; i++) {
        const char *k = t->configs.items[i].key, *v = t->configs.items[i].value;
        const rd_kafka_ConfigEntry_t *e = config_entry(cur, k);
        const char *was = e ? rd_kafka_ConfigEntry_value(e) : NULL;
        if (!was || strcmp(was, v))
            printf("%s topic %s: %s=%s (was %s)\n", a->dry_run ? "would alter" : "altered", t->name,
                   k, v, was ? was : "unset");
        rd_kafka_ConfigResource_set_config(r, k, v);
    }
    return r;
}

static int send_alter(kafka_apply *a, rd_kafka_ConfigResource_t **rs, size_t n, char *err,
                      size_t errlen)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(a->rk);
    rd_kafka_AdminOptions_t *o = admin_options(a);
    rd_kafka_AlterConfigs(a->rk, rs, n, o, q);
    rd_kafka_event_t *ev = admin_result(a, q, "alter topic configs", err, errlen);
    int rc = ev ? 0 : -1;
    size_t cnt = 0;
    const rd_kafka_ConfigResource_t **res =
        ev ? rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &cnt) : NULL;
    if (ev && rd_kafka_event_error(ev))
        rc = fail_op(err, errlen, rd_kafka_event_error(ev), "alter topic configs",
                     rd_kafka_event_error_string(ev));
    for (size_t i = 0; rc == 0 && i < cnt; i++)
        if (rd_kafka_ConfigResource_error(res[i]))
            rc = fail_op(err, errlen, rd_kafka_ConfigResource_error(res[i]), "alter topic configs",
                         rd_kafka_ConfigResource_error_string(res[i]));
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    return rc;
}

/* Compares the described resources with the plan; alters those that differ. */
static int alter_differing(kafka_apply *a, rd_kafka_event_t *ev, char *err, size_t errlen)
{
    size_t cnt = 0, n = 0;
    const rd_kafka_ConfigResource_t **res =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &cnt);
    rd_kafka_ConfigResource_t **rs = calloc(cnt + 1, sizeof *rs);
    int rc = rs ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < cnt; i++) {
        const gfdx_plan_topic *t = gfdx_kafka_plan_topic(a->plan, rd_kafka_ConfigResource_name(res[i]));
        if (rd_kafka_ConfigResource_error(res[i]))
            rc = fail_op(err, errlen, rd_kafka_ConfigResource_error(res[i]), "describe topic configs",
                         rd_kafka_ConfigResource_error_string(res[i]));
        else if (t && config_differs(t, res[i]))
            rs[n++] = altered(a, t, res[i]);
    }
    a->configs_altered += n;
    if (rc == 0 && n && !a->dry_run)
        rc = send_alter(a, rs, n, err, errlen);
    if (rs)
        rd_kafka_ConfigResource_destroy_array(rs, n);
    free(rs);
    return rc;
}

/* Topics that existed before this run and have planned configs (new ones got them at
 * creation). */
static int apply_configs(kafka_apply *a, const rd_kafka_metadata_t *md, char *err, size_t errlen)
{
    size_t n = 0;
    rd_kafka_ConfigResource_t **rs = calloc(a->plan->n_topics + 1, sizeof *rs);
    if (!rs)
        return fail_op(err, errlen, RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory", NULL);
    for (size_t i = 0; i < a->plan->n_topics; i++)
        if (a->plan->topics[i].configs.count && md_topic(md, a->plan->topics[i].name))
            rs[n++] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, a->plan->topics[i].name);
    int rc = 0;
    rd_kafka_queue_t *q = n && !a->devbroker ? rd_kafka_queue_new(a->rk) : NULL;
    rd_kafka_event_t *ev = NULL;
    if (q) {
        rd_kafka_AdminOptions_t *o = admin_options(a);
        rd_kafka_DescribeConfigs(a->rk, rs, n, o, q);
        rd_kafka_AdminOptions_destroy(o);
        ev = admin_result(a, q, "describe topic configs", err, errlen);
        rd_kafka_resp_err_t e = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
        if (!ev)
            rc = -1;
        else if (api_missing(e))
            a->devbroker = true;
        else if (e)
            rc = fail_op(err, errlen, e, "describe topic configs", rd_kafka_event_error_string(ev));
        else
            rc = alter_differing(a, ev, err, errlen);
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    if (q)
        rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy_array(rs, n);
    free(rs);
    return rc;
}

/* ---- ACLs ---- */

static bool acl_equal(const gfdx_plan_acl *p, const rd_kafka_AclBinding_t *b)
{
    return rd_kafka_AclBinding_restype(b) == p->restype &&
           rd_kafka_AclBinding_resource_pattern_type(b) == p->pattern &&
           rd_kafka_AclBinding_operation(b) == p->op &&
           rd_kafka_AclBinding_permission_type(b) == RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW &&
           !strcmp(rd_kafka_AclBinding_name(b), p->name) &&
           !strcmp(rd_kafka_AclBinding_principal(b), p->principal) &&
           !strcmp(rd_kafka_AclBinding_host(b), "*");
}

static void print_acl(const char *verb, const gfdx_plan_acl *p)
{
    printf("%s ACL: %s %s %s %s%s\n", verb, p->principal, gfdx_kafka_plan_op_name(p->op),
           gfdx_kafka_plan_restype_name(p->restype), p->name,
           p->pattern == RD_KAFKA_RESOURCE_PATTERN_PREFIXED ? "* (prefixed)" : "");
}

/* Marks in have[] the planned ACLs the cluster has; counts the others it has. */
static void match_acls(kafka_apply *a, const rd_kafka_AclBinding_t **bs, size_t cnt, bool *have)
{
    for (size_t j = 0; j < cnt; j++) {
        bool planned = false;
        for (size_t i = 0; i < a->plan->n_acls; i++)
            if (acl_equal(&a->plan->acls[i], bs[j]))
                planned = have[i] = true;
        a->acls_foreign += !planned;
    }
}

/* DescribeAcls of everything into have[]. 1 when the broker enforces no ACLs. Sent to the
 * broker that answered the metadata request (any broker may answer it), not to the controller:
 * the dev broker names none, and librdkafka would wait for one until the timeout. */
static int describe_acls(kafka_apply *a, int32_t broker, bool *have, char *err, size_t errlen)
{
    char errstr[256];
    rd_kafka_AclBindingFilter_t *f = rd_kafka_AclBindingFilter_new(
        RD_KAFKA_RESOURCE_ANY, NULL, RD_KAFKA_RESOURCE_PATTERN_ANY, NULL, NULL,
        RD_KAFKA_ACL_OPERATION_ANY, RD_KAFKA_ACL_PERMISSION_TYPE_ANY, errstr, sizeof errstr);
    rd_kafka_queue_t *q = rd_kafka_queue_new(a->rk);
    rd_kafka_AdminOptions_t *o = admin_options(a);
    rd_kafka_AdminOptions_set_broker(o, broker, errstr, sizeof errstr);
    rd_kafka_DescribeAcls(a->rk, f, o, q);
    rd_kafka_event_t *ev = admin_result(a, q, "describe ACLs", err, errlen);
    rd_kafka_resp_err_t e = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
    int rc = ev ? 0 : -1;
    if (ev && api_missing(e)) {
        snprintf(a->acl_note, sizeof a->acl_note,
                 "ACLs are not enforced by this broker (describe ACLs: %s): %zu planned ACLs not applied%s",
                 rd_kafka_event_error_string(ev), a->plan->n_acls,
                 e == RD_KAFKA_RESP_ERR_SECURITY_DISABLED ? "" : "; topic configs not checked either (dev broker)");
        a->devbroker = e != RD_KAFKA_RESP_ERR_SECURITY_DISABLED;
        rc = 1;
    } else if (ev && e) {
        rc = fail_op(err, errlen, e, "describe ACLs", rd_kafka_event_error_string(ev));
    } else if (ev) {
        size_t cnt = 0;
        const rd_kafka_AclBinding_t **bs =
            rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(ev), &cnt);
        match_acls(a, bs, cnt, have);
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_AclBinding_destroy(f);
    return rc;
}

static int check_created_acls(rd_kafka_event_t *ev, char *err, size_t errlen)
{
    size_t cnt = 0;
    const rd_kafka_acl_result_t **res =
        rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &cnt);
    for (size_t i = 0; i < cnt; i++) {
        const rd_kafka_error_t *e = rd_kafka_acl_result_error(res[i]);
        if (e)
            return fail_op(err, errlen, rd_kafka_error_code(e), "create ACLs", rd_kafka_error_string(e));
    }
    return 0;
}

static int send_create_acls(kafka_apply *a, rd_kafka_AclBinding_t **bs, size_t n, char *err,
                            size_t errlen)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(a->rk);
    rd_kafka_AdminOptions_t *o = admin_options(a);
    rd_kafka_CreateAcls(a->rk, bs, n, o, q);
    rd_kafka_event_t *ev = admin_result(a, q, "create ACLs", err, errlen);
    rd_kafka_resp_err_t e = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
    int rc = !ev ? -1 : e ? fail_op(err, errlen, e, "create ACLs", rd_kafka_event_error_string(ev))
                          : check_created_acls(ev, err, errlen);
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    return rc;
}

/* Creates (or, dry run, lists) the planned ACLs not in have[]. */
static int create_missing_acls(kafka_apply *a, const bool *have, char *err, size_t errlen)
{
    char errstr[256];
    size_t n = 0;
    rd_kafka_AclBinding_t **bs = calloc(a->plan->n_acls + 1, sizeof *bs);
    if (!bs)
        return fail_op(err, errlen, RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory", NULL);
    for (size_t i = 0; i < a->plan->n_acls; i++) {
        const gfdx_plan_acl *p = &a->plan->acls[i];
        if (have[i])
            continue;
        print_acl(a->dry_run || !a->rk ? "would create" : "created", p);
        bs[n++] = rd_kafka_AclBinding_new(p->restype, p->name, p->pattern, p->principal, "*", p->op,
                                          RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, errstr, sizeof errstr);
    }
    a->acls_created = n;
    int rc = n && a->rk && !a->dry_run ? send_create_acls(a, bs, n, err, errlen) : 0;
    rd_kafka_AclBinding_destroy_array(bs, n);
    free(bs);
    return rc;
}

/* CreateAcls returns when the controller has the ACLs; a broker's authorizer applies them a
 * moment later. Waits until the broker that answered describes every planned ACL, so that
 * whoever runs next (a daemon, a test) is already held to them. */
static int wait_acls_in_force(kafka_apply *a, int32_t broker, char *err, size_t errlen)
{
    int64_t deadline = gfdx_mono_ms() + a->timeout_ms;
    bool *have = calloc(a->plan->n_acls + 1, sizeof *have);
    size_t foreign = a->acls_foreign, n;
    int rc = have ? 0 : -1;
    do {
        memset(have, 0, (a->plan->n_acls + 1) * sizeof *have);
        a->acls_foreign = 0;
        rc = describe_acls(a, broker, have, err, errlen) == 0 ? 0 : -1;
        for (n = 0; rc == 0 && n < a->plan->n_acls && have[n]; n++)
            ;
        if (rc == 0 && n < a->plan->n_acls)
            rd_kafka_poll(a->rk, 100);
    } while (rc == 0 && n < a->plan->n_acls && gfdx_mono_ms() < deadline);
    if (rc == 0 && n < a->plan->n_acls)
        rc = fail_op(err, errlen, RD_KAFKA_RESP_ERR__TIMED_OUT, "created ACLs not in force", NULL);
    a->acls_foreign = foreign;
    free(have);
    return rc;
}

/* ---- the run ---- */

/* Keeps the most telling error: "all brokers down" says less than why the one broker is. */
void kafka_apply_on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    kafka_apply *a = opaque;
    if (err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || !a->client_error[0])
        snprintf(a->client_error, sizeof a->client_error, "%s", reason);
    a->auth_failed = a->auth_failed || err == RD_KAFKA_RESP_ERR__AUTHENTICATION;
}

/* All topics' metadata, retried each second (serving the error callback in between) until
 * timeout_ms or an authentication failure. */
static int fetch_metadata(kafka_apply *a, const rd_kafka_metadata_t **md, char *err, size_t errlen)
{
    int64_t deadline = gfdx_mono_ms() + a->timeout_ms;
    rd_kafka_resp_err_t e;
    do {
        e = rd_kafka_metadata(a->rk, 1, NULL, md, 1000);
        rd_kafka_poll(a->rk, 0);
    } while (e && !a->auth_failed && gfdx_mono_ms() < deadline);
    if (e)
        snprintf(err, errlen, "%s: %s", a->auth_failed ? "authentication failed" : "cannot reach the brokers",
                 a->client_error[0] ? a->client_error : rd_kafka_err2str(e));
    return e ? -1 : 0;
}

/* The ACLs are described first: a broker without the ACL APIs is the dev broker (librdkafka's
 * mock cluster), which has no CreateTopics either (the admin call would wait for a
 * controller the mock never names). */
int kafka_apply_run(kafka_apply *a, char *err, size_t errlen)
{
    const rd_kafka_metadata_t *md = NULL;
    bool *have = calloc(a->plan->n_acls + 1, sizeof *have);
    int acls = 0, rc = have ? 0 : fail_op(err, errlen, RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory", NULL);
    if (rc == 0 && a->rk && fetch_metadata(a, &md, err, errlen) != 0)
        rc = -1;
    if (rc == 0 && a->rk && (acls = describe_acls(a, md->orig_broker_id, have, err, errlen)) < 0)
        rc = -1;
    if (rc == 0)
        rc = apply_topics(a, md, err, errlen);
    if (rc == 0 && a->rk)
        rc = apply_configs(a, md, err, errlen);
    if (rc == 0 && acls == 0)
        rc = create_missing_acls(a, have, err, errlen);
    if (rc == 0 && acls == 0 && a->acls_created && !a->dry_run && a->rk)
        rc = wait_acls_in_force(a, md->orig_broker_id, err, errlen);
    if (rc == 0 && a->acl_note[0])
        printf("%s\n", a->acl_note);
    if (md)
        rd_kafka_metadata_destroy(md);
    free(have);
    return rc;
}
