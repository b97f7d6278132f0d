/* listing.c: per-service tables listed and searched by id (listing.h). */
#include "listing.h"

#include <stdio.h>
#include <string.h>

#define MAX_SERVICES 8

bool cli_list_is_id(const char *s) { return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) <= 18; }

/* The services to look at, or -1 after printing why. */
static int deployed(const cli_args *a, PGconn *db, const char *relation, const cli_service **out)
{
    char err[1024];
    int n = cli_db_deployed(db, a->service, relation, out, err, sizeof err);
    if (n < 0)
        cli_args_error(a, "%s", err);
    return n;
}

int cli_list_run(const cli_args *a, PGconn *db, const cli_listing *l, const void *ctx)
{
    const cli_service *svc[MAX_SERVICES];
    int n = deployed(a, db, l->relation, svc);
    if (n < 0)
        return CLI_EXIT_FAIL;
    cli_report *r = cli_report_new(l->kind, l->title, NULL);
    cli_table *t = r ? cli_table_new(l->table_id, l->table_title, l->cols, l->ncols) : NULL;
    int rc = !t || cli_args_list_facts(r, svc, (size_t)n, a->service) ? -1 : 0;
    if (!t && r)
        cli_args_error(a, "out of memory");
    for (int i = 0; rc == 0 && i < n; i++)
        rc = l->fill(db, svc[i], a, *a->since ? a->since : NULL, t, ctx);
    if (rc == 0) {
        rc = cli_report_add_table(r, t); /* takes t in every case */
        t = NULL;
    }
    rc = rc == 0 ? cli_args_emit(a, r) : CLI_EXIT_FAIL;
    cli_table_free(t);
    cli_report_free(r);
    return rc;
}

int cli_list_find(const cli_args *a, PGconn *db, const char *relation, const char *what, const char *id,
                  const cli_service **out)
{
    if (!cli_list_is_id(id))
        return cli_args_error(a, "%s: a %s id is a number", id, what), CLI_EXIT_USAGE;
    const cli_service *svc[MAX_SERVICES];
    int n = deployed(a, db, relation, svc), hits = 0;
    char sql[256], err[1024], names[128] = "";
    for (int i = 0; i < n; i++) {
        snprintf(sql, sizeof sql, "SELECT 1 FROM %s.%s WHERE id = $1::bigint", svc[i]->schema, relation);
        const char *p[] = {id};
        PGresult *r = cli_db_query(db, sql, 1, p, err, sizeof err);
        if (!r)
            return cli_args_error(a, "%s", err), CLI_EXIT_FAIL;
        if (PQntuples(r)) {
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", hits ? ", " : "", svc[i]->name);
            *out = svc[i];
            hits++;
        }
        PQclear(r);
    }
    if (n < 0)
        return CLI_EXIT_FAIL;
    if (hits > 1)
        return cli_args_error(a, "%s %s exists in %s: give --service", what, id, names), CLI_EXIT_USAGE;
    if (hits == 0)
        return cli_args_error(a, "no %s %s%s%s", what, id, a->service ? " in " : "",
                              a->service ? a->service->name : ""),
               CLI_EXIT_FAIL;
    return 0;
}
