/* namelist_forward.h: forwarding the district bureaus' reports to their recipients (DESIGN
 * §6.4; the Shapingba plan, seed 004, item 9: 区生态环境局定期向区发改委、区财政局反馈 ...
 * 碳减排效益和气候投融资开展情况; 区财政局定期向区发展改革委、区生态环境局反馈 ... 融资支持情况).
 *
 * Every accepted CarbonBenefitReported / FinancingSupportReported is forwarded as one
 * ReportForwarded (schemas/avro/report_forwarded.v1.avsc) on the district's addressed topic
 * <namelist.changes_topic>.<list region> (deploy/topics.cfg, `to = "district"`), naming its
 * recipients. The recipients are never the reporter's to choose: the bureau types are the
 * plan's, fixed here (not configuration: a deployment cannot forward carbon figures to the
 * housing bureau), and the recipients are the registered district bureaus of the list's region
 * of those types, sorted by id. A report forwarded to the wrong bureau is therefore not
 * expressible: the report records carry no recipients, and the forwarded record's are derived.
 * Pure; part of the report's decision (emitted through the outbox with the report's row). */
#ifndef NAMELIST_FORWARD_H
#define NAMELIST_FORWARD_H

#include <jansson.h>
#include <stddef.h>

#include "namelist_auth.h"
#include "participants.h"
#include "service.h"

/* The plan's recipient bureau types of a report kind (carbon: drc, finance; financing: drc,
 * ecology) into out; returns their count (2; 0 for NAMELIST_REC_PUBLISH). */
size_t namelist_forward_bureaus(namelist_record_kind rk, gfdx_bureau out[2]);

/* The recipients of a report of kind rk about a list of `region`: the ids of reg's district
 * bureaus of that region whose bureau is one of namelist_forward_bureaus(rk), sorted. A new
 * array (empty when reg is NULL or none is registered), NULL when out of memory. */
json_t *namelist_forward_recipients(const gfdx_registry *reg, namelist_record_kind rk, const char *region);

/* The ids of reg's district bureaus of `region` whose bureau is one of want[0..nw), sorted. A
 * new array (empty when reg is NULL or none), NULL when out of memory. */
json_t *namelist_bureaus_of(const gfdx_registry *reg, const char *region, const gfdx_bureau *want, size_t nw);

/* The addressed topic of a region: "<prefix>.<region>" into buf. 0, or -1 when it does not fit. */
int namelist_district_topic(char *buf, size_t len, const char *prefix, const char *region);

/* Emits the ReportForwarded of the report just stored as `row` (a carbon_report or
 * financing_report row, borrowed) about a list of `region`. GFDX_DECIDE_OK, or the verdict of
 * gfdx_decide_emit (RECORD_TOO_LARGE refuses the report, nothing of it stays). */
gfdx_verdict namelist_forward(gfdx_decision *d, namelist_record_kind rk, const char *region, const json_t *row);

#endif
