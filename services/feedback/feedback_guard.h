/* feedback_guard: the green-washing guards of issue 12 that look beyond the need itself
 * (DESIGN §6.3 "Green-washing guards"). They are facts about the need (its code, its filer),
 * not about a bank's conduct, so each is raised once per need: on the first accepted bank
 * record about it (no bank had a matching row on the need before), naming the bank whose
 * record raised it, through the one alert path (feedback_decide_alert, which also publishes
 * it). An alert never refuses the record.
 *
 *   NOT_IN_CATALOGUE          the need's catalogue code is not in the shipped green-finance
 *                             project catalogue (feedback.green_catalogue, a TSV file, by default
 *                             deploy/green_catalogue_2025.tsv; "" switches the guard off);
 *   NOT_ON_GREEN_FACTORY_LIST the need's USCC is not among the current entries of a national
 *                             green-factory list (district.current_entry, gfdx-namelist's
 *                             read-only view, an optional READ table). An entry is national when
 *                             its list's kind is GREEN_FACTORY and either the list's region is
 *                             100000 (a list MIIT publishes for the whole country) or the entry's
 *                             attribute 级别 is 国家级 (a district's list of the national and
 *                             municipal green factories on its territory). The guard only speaks
 *                             when such entries exist: with no national green-factory list
 *                             published (or gfdx-namelist not deployed) it stays silent rather
 *                             than flag every filer.
 *
 * The catalogue file: one code a line, `code<TAB>name[<TAB>*]`; '#' starts a comment line;
 * codes are dot-separated numbers ("1", "1.3", "1.3.1"), each code's parent must come
 * before it, no code twice. A third column `*` says the file does not enumerate the code's
 * children: any code below it is accepted (a partial catalogue stays useful without
 * inventing codes). A code is in the catalogue when it is listed or lies below a `*` code. */
#ifndef FEEDBACK_GUARD_H
#define FEEDBACK_GUARD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "feedback_store.h"
#include "rowset.h"
#include "service.h"

/* district.current_entry (optional READ table). */
extern const gfdx_table feedback_current_entry_table;

typedef struct feedback_catalogue feedback_catalogue;

/* Loads a catalogue file (format above). NULL with err naming the line on a malformed file,
 * an unreadable one or one without codes. Free with feedback_catalogue_free (accepts NULL). */
feedback_catalogue *feedback_catalogue_load(const char *path, char *err, size_t errlen);
void feedback_catalogue_free(feedback_catalogue *cat);

/* Number of codes listed. */
size_t feedback_catalogue_count(const feedback_catalogue *cat);

/* True when code is listed or lies below a code whose children are not enumerated. */
bool feedback_catalogue_has(const feedback_catalogue *cat, const char *code);

/* For --check-config: "catalogue: N codes, M top-level (file)". */
void feedback_catalogue_print(FILE *out, const feedback_catalogue *cat, const char *path);

/* Is the current_entry row a national green-factory entry (rule above)? */
bool feedback_guard_national_entry(const json_t *row);

/* Over the current_entry rows loaded: *published when any national green-factory entry is
 * there; the return value: whether uscc is among them. */
bool feedback_guard_on_national_list(const json_t *rows, const char *uscc, bool *published);

/* The load hook's part: for a record that can be a bank's first about a need (MatchingFeedback
 * CONTACTED or DECLINED, ObstacleRaised) the current green-factory entries. 0 or -1 (memory). */
int feedback_guard_load(gfdx_rowset *rs, const gfdx_record *rec);

/* Both guards, called after the bank's first accepted record on the need n was staged (the
 * caller knows the bank had no matching row before): they speak only when no other bank has
 * a matching row on the need either. The catalogue is the feedback_ctx's (none: that guard
 * is off). */
gfdx_verdict feedback_guard_first_report(gfdx_decision *d, const char *bank_id, const feedback_need *n);

#endif
