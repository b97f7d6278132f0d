/* report.h: the data side of `gfdx report`: each function reads PostgreSQL and builds a
 * cli_report (output.h) that the command renders in the format asked for. */
#ifndef GFDX_CLI_REPORT_H
#define GFDX_CLI_REPORT_H

#include <libpq-fe.h>
#include <stddef.h>

#include "output.h"
#include "calendar.h"
#include "participants.h"

/* fen (text of an integer, may be "" = 0) -> 万元 with 2 decimals, rounded half away from
 * zero: "123456789" -> "123.46". 1 万元 = 10,000 yuan = 1,000,000 fen. */
void report_fen_to_wan(const char *fen, char *out, size_t len);
void report_fen_to_wan_ll(long long fen, char *out, size_t len);

/* MIIT's quarterly monitoring (监测) per province for quarter ("2026Q1"), from intake.need_summary
 * and intake.need_history, with obstacles and alerts from feedback.* when deployed. province,
 * branch, bank (at most one, NULL = all) narrow it to one role (report_quarter.c says how): a
 * province authority's needs, the needs routed to a PBoC branch, a bank's needs with its own
 * matching figures. *out is a new report (caller frees with cli_report_free). 0, 1 with err
 * (database; --branch / --bank without gfdx-push's / gfdx-feedback's views), or 2 with err (a
 * malformed quarter). */
int report_quarter(PGconn *db, const char *quarter, const char *province, const char *branch, const char *bank,
                   cli_report **out, char *err, size_t errlen) __attribute__((warn_unused_result));

/* The five tables of Shanghai's 产业绿贷 notice for half-year period ("2026H1", China time):
 * a summary, loans, guarantee, insurance, investment, bonds (report_semiannual.c says from
 * what). institution, branch, bank (at most one, NULL = all): institution a bank's
 * participant id or an institution as the finance bureau names it; bank a bank's own rows (as
 * institution); branch the feedback on the needs routed to that PBoC branch. names (may be
 * NULL) gives banks' display names. *out is a new report (caller frees). 0, 1 with err
 * (database; branch without the feedback views, or with gfdx-platform's filings), or 2 with
 * err (a malformed half-year). */
int report_semiannual(PGconn *db, const gfdx_registry *names, const char *period, const char *institution,
                      const char *branch, const char *bank, cli_report **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* A district list's ledger: as of version (0 = the current one), or, when diff != NULL, the
 * changes from version diff[0] to diff[1]; each entry with its carbon and financing feedback.
 * *out is a new report (caller frees). 0, or 1 with err (database, unknown list, a version
 * never applied). */
int report_ledger(PGconn *db, const gfdx_registry *names, const char *list_id, long long version,
                  const long long *diff, cli_report **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* True when gfdx-namelist's views are in db (report_lists.c); false with err set (the
 * service not deployed there, or the probe failed). The district reports' one probe. */
bool report_namelist_deployed(PGconn *db, char *err, size_t errlen);

/* Every name list (report_lists.c) with its level, versions and feedback; region (NULL = all)
 * keeps the lists of that region and of the regions covering it. names (may be NULL): display
 * names of the publishers. *out is a new report (caller frees). 0, or 1 with err. */
int report_lists(PGconn *db, const gfdx_registry *names, const char *region, cli_report **out, char *err,
                 size_t errlen) __attribute__((warn_unused_result));

/* The district-wide ledger (report_district.c): every list of region (its own lists, not those
 * of the regions covering it) with its versions and feedback per half-year. names (may be
 * NULL): display names of the publishers. *out is a new report (caller frees). 0, or 1 with err
 * (database, no list of that region; the command checks the region code before). */
int report_district(PGconn *db, const gfdx_registry *names, const char *region, cli_report **out, char *err,
                    size_t errlen) __attribute__((warn_unused_result));

/* The listings an operator works from (report_worklist.c), as of date ("YYYY-MM-DD", China
 * time), each row with its ageing in working days of cal; province / branch / bank (at most
 * one, NULL = any) narrow them to one role. *out is a new report (caller frees). 0, 1 with err
 * (database), or 2 with err (a malformed date). */
int report_worklist(PGconn *db, const gfdx_calendar *cal, const char *date, const char *province,
                    const char *branch, const char *bank, cli_report **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
