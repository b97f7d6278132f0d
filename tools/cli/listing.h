/* listing.h: what `gfdx dead-letters` and `gfdx rejections` share: a table every service
 * schema has (<schema>.dead_letter, <schema>.rejection), listed over every deployed service
 * (or the one --service names), and rows of it found by their per-schema id. */
#ifndef GFDX_CLI_LISTING_H
#define GFDX_CLI_LISTING_H

#include "args.h"

/* Appends one service's rows to t. since is a timestamptz parameter or NULL; the limit is
 * a->limit; ctx is the command's (cli_list_run). 0, or -1 after printing why. */
typedef int (*cli_list_fill)(PGconn *db, const cli_service *s, const cli_args *a, const char *since, cli_table *t,
                             const void *ctx);

typedef struct {
    const char *relation;    /* "dead_letter": <schema>.<relation> */
    const char *kind, *title; /* the report's */
    const char *table_id, *table_title;
    const cli_column *cols;
    size_t ncols;
    cli_list_fill fill;
} cli_listing;

/* Lists l over the deployed services and writes the report (--format, --out). ctx is
 * passed to l->fill. Returns the exit status. */
int cli_list_run(const cli_args *a, PGconn *db, const cli_listing *l, const void *ctx);

/* Finds the service whose <schema>.<relation> holds row id (digits). Returns 0 with *out
 * set, or prints why and returns the exit status: 2 for an id that is not a number or that
 * exists in several services (give --service), 1 when none has it or on a database error.
 * what names the row in messages ("dead letter"). */
int cli_list_find(const cli_args *a, PGconn *db, const char *relation, const char *what, const char *id,
                  const cli_service **out);

/* True when s is a row id: 1 to 18 digits. */
bool cli_list_is_id(const char *s);

#endif
