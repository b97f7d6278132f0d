/* routing.h: which PBoC branch receives a pushed need (DESIGN §6.2).
 *
 * The branch table is configuration (deploy/routing.cfg), not code:
 *   no_branch = ["710000", "810000", "820000"];
 *   branches = (
 *     { id = "pbc-hq-sh";  kind = "headquarters"; region = "310000"; name = "中国人民银行上海总部"; },
 *     { id = "pbc-320000"; kind = "province";     region = "320000"; name = "中国人民银行江苏省分行"; },
 *     { id = "pbc-330200"; kind = "plan_city";    region = "330200"; name = "中国人民银行宁波市分行"; },
 *     ...
 *   );
 * Rules (a violation fails the whole load, naming the file and the entry):
 *   - id: 1-64 chars of [A-Za-z0-9._-] (it names the topic gfdx.dispatch.<id>), unique;
 *   - kind: headquarters | province (the region is a province code: the branch serves that
 *     province) or plan_city (the region is one of the 5 计划单列市: the branch serves the
 *     projects located in that city);
 *   - name: non-empty; no other settings in an entry;
 *   - every one of the 34 GB/T 2260 province codes is served by exactly one headquarters or
 *     province branch, or listed once in no_branch (pushes from there are refused);
 *   - a plan city has at most one branch.
 *
 * Routing (push_route): a project located in a 计划单列市 that has a branch (first 4 digits
 * of project.location_region) goes to that city's branch; otherwise to the branch serving
 * the factory's province (上海 310000 -> 上海总部). The location must lie in that province.
 *
 * A loaded table is immutable: share it between threads. Strings live as long as the table. */
#ifndef PUSH_ROUTING_H
#define PUSH_ROUTING_H

#include <stddef.h>
#include <stdio.h>

typedef enum { PUSH_BRANCH_HEADQUARTERS, PUSH_BRANCH_PROVINCE, PUSH_BRANCH_PLAN_CITY } push_branch_kind;

typedef struct {
    const char *id;         /* "pbc-330200" */
    const char *name;       /* "中国人民银行宁波市分行" */
    push_branch_kind kind;
    char region[7];         /* province code, or the 计划单列市 code for a plan_city branch */
} push_branch;

typedef struct push_routing push_routing;

/* Why push_route found no branch. */
typedef enum {
    PUSH_ROUTE_OK = 0,
    PUSH_ROUTE_BAD_REGION, /* province not a province code, location not a valid code or outside it */
    PUSH_ROUTE_NO_BRANCH   /* the province is listed in no_branch */
} push_route_status;

/* Loads and validates the file. Returns a table the caller frees with push_routing_free, or
 * NULL with err naming the file and entry, e.g.
 * "routing.cfg: branches[3] (id \"pbc-x\"): province 320000 is already served by pbc-320000". */
push_routing *push_routing_load(const char *path, char *err, size_t errlen) __attribute__((warn_unused_result));
void push_routing_free(push_routing *rt); /* accepts NULL */

/* Branches in file order: i < count; push_routing_at returns NULL when i is out of range. */
size_t push_routing_count(const push_routing *rt);
const push_branch *push_routing_at(const push_routing *rt, size_t i);

/* The branch with this id, or NULL. */
const push_branch *push_routing_find(const push_routing *rt, const char *id);

/* Routes a need of `province` (factory.province) whose project is at `location_region`.
 * Pure. On PUSH_ROUTE_OK *out is the branch (owned by rt); otherwise *out is NULL and why
 * (may be NULL) says what is wrong. NULL arguments are PUSH_ROUTE_BAD_REGION. */
push_route_status push_route(const push_routing *rt, const char *province, const char *location_region,
                             const push_branch **out, char *why, size_t whylen);

/* "headquarters" | "province" | "plan_city" (static; "unknown" outside the enum). */
const char *push_branch_kind_name(push_branch_kind kind);

/* Prints the table as --check-config shows it: one "# routing: <kind> <region> -> <id> (<name>)"
 * line per branch and one per no_branch province. */
void push_routing_print(FILE *out, const push_routing *rt);

#endif
