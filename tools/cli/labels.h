/* labels.h: what a person reads instead of a code: the Chinese names of the record types'
 * enum symbols (financing products, matching stages, need states, obstacle categories, list
 * kinds, the 2024 catalogue's industry groups), and participants by their display name
 * (deploy/participants.cfg).
 *
 * Every lookup returns a static string, or the code itself when it is not known (a newer
 * schema's symbol shows as its code, never as nothing); NULL in gives "". */
#ifndef GFDX_CLI_LABELS_H
#define GFDX_CLI_LABELS_H

#include <stddef.h>

#include "participants.h"

typedef enum {
    CLI_LABEL_PRODUCT,        /* MatchingFeedback's and FinancingSupportReported's FinancingProduct */
    CLI_LABEL_STAGE,          /* MatchingStage and NONE */
    CLI_LABEL_NEED_STATUS,    /* intake.need_summary.status */
    CLI_LABEL_OVERALL,        /* NeedMatchingStatus.overall */
    CLI_LABEL_DECLINE,        /* DeclineReason */
    CLI_LABEL_OBSTACLE,       /* ObstacleCategory */
    CLI_LABEL_ALERT,          /* feedback.alert_summary.kind */
    CLI_LABEL_LIST_KIND,      /* NameListKind */
    CLI_LABEL_CHANGE,         /* district.list_diff's ADDED / UPDATED / REMOVED */
    CLI_LABEL_REVIEW,         /* NeedReviewed.decision */
    CLI_LABEL_NKINDS
} cli_label_kind;

/* The Chinese label of code in kind's vocabulary (see above for unknown codes). */
const char *cli_label(cli_label_kind kind, const char *code);

/* The industry group of a 2024 green/low-carbon transition catalogue code ("1.2.3" ->
 * "节能降碳产业"): its first number, 1-7. "无分类" for NULL or "", the code for others. */
const char *cli_label_catalogue_group(const char *category_code);

/* The participant registry for display names: path, else $GFDX_PARTICIPANTS, else the
 * source tree's deploy/participants.cfg. NULL when path is NULL and no default file loads
 * (names are then ids: not an error); NULL with err when an explicit path does not load.
 * Caller frees with gfdx_registry_free. */
gfdx_registry *cli_names_open(const char *path, char *err, size_t errlen);

/* "中国工商银行上海市分行 bank-icbc-310000" for a registered id, the id alone otherwise
 * (reg may be NULL). Writes into buf and returns it. */
const char *cli_names_who(const gfdx_registry *reg, const char *id, char *buf, size_t len);

/* The display name of a registered id, or NULL. */
const char *cli_names_name(const gfdx_registry *reg, const char *id);

/* Drops an incomplete UTF-8 sequence at the end of s (what snprintf leaves when it cuts a
 * long name short), so that the text stays valid UTF-8 for JSON and HTML. Returns s. */
char *cli_utf8_trim(char *s);

/* The Avro schema directory: $GFDX_SCHEMAS, else the source tree's schemas/avro. */
const char *cli_schemas_dir(void);

#endif
