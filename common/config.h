/* config.h: declarative configuration from a libconfig file.
 *
 * A daemon describes its settings as a table of rows (path, type, default, bounds, secret,
 * reloadable, doc). The same rows load and validate the file, fill a settings struct, and
 * print the effective configuration (--check-config) with secrets masked.
 * librdkafka properties are not rows: libconfig names cannot hold dots, so they are a list of
 * string pairs, kafka = ( ("bootstrap.servers", "127.0.0.1:9092"), ... ), passed through
 * verbatim to librdkafka (see gfdx_config_kafka_apply). */
#ifndef GFDX_CONFIG_H
#define GFDX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>

typedef enum { GFDX_CFG_STRING, GFDX_CFG_INT, GFDX_CFG_BOOL, GFDX_CFG_STRLIST } gfdx_cfg_type;

/* A list of strings owned by the settings struct. */
typedef struct {
    char **items;
    size_t count;
} gfdx_strlist;

typedef struct {
    const char *path;       /* libconfig path, e.g. "batch.max_records" */
    gfdx_cfg_type type;
    size_t offset;          /* offsetof() the field: char *, int, bool or gfdx_strlist */
    const char *def_string; /* default for STRING (NULL = no default) and STRLIST (comma-separated) */
    long long def_int;      /* default for INT and BOOL */
    long long min, max;     /* bounds for INT */
    bool required;          /* must be present in the file (no default applies) */
    bool secret;            /* masked when printed */
    bool reloadable;        /* SIGHUP re-reads it (daemon.c reload(): the registry and the calendar) */
    const char *doc;
} gfdx_cfg_setting;

/* A string pair for librdkafka. */
typedef struct {
    char *key, *value;
} gfdx_kv;

typedef struct {
    gfdx_kv *items;
    size_t count;
} gfdx_kvlist;

/* The settings every gfdx daemon has; the rows are gfdx_daemon_settings[]. */
typedef struct {
    char *service;            /* service.name: logs, metrics, receipts */
    char *log_level;          /* service.log_level */
    char *participant;        /* service.participant: our id in the registry, sender of receipts */
    char *pg_conninfo;        /* postgres.conninfo (secret: password masked) */
    char *schemas_dir;        /* paths.schemas: Avro schemas */
    char *migrations_dir;     /* paths.migrations: schemas/sql */
    char *participants_file;  /* paths.participants */
    char *calendar_file;      /* paths.calendar */
    char *group_id;           /* kafka_group */
    gfdx_strlist topics;      /* topics.consume */
    char *receipts_prefix;    /* topics.receipts_prefix: receipts to <prefix><participant> */
    int batch_max_records;    /* batch.max_records */
    int batch_max_ms;         /* batch.max_ms */
    int threads;              /* batch.threads */
    int occurred_ahead_s;     /* limits.occurred_at_ahead_s */
    int occurred_behind_days; /* limits.occurred_at_behind_days */
    int outbox_max_rows;      /* outbox.max_rows */
    int outbox_flush_ms;      /* outbox.flush_timeout_ms */
    bool outbox_idempotent;   /* outbox.idempotent */
    int backoff_max_ms;       /* retry.max_backoff_ms */
    int metrics_port;         /* metrics.port; 0 disables */
    char *metrics_address;    /* metrics.address */
    int checkpoint_interval_s; /* audit.checkpoint_interval_s; 0 disables */
    int watch_interval_s;     /* watch.interval_s: rounds of the service's watch (service.h) */
    bool require_signatures;  /* security.require_signatures */
    char *signing_key;        /* security.signing_key: path of the service's private key */
    gfdx_kvlist kafka;        /* kafka = ( ("k","v"), ... ) */
} gfdx_daemon_config;

extern const gfdx_cfg_setting gfdx_daemon_settings[];
extern const size_t gfdx_daemon_settings_count;

/* Defaults name files of the source tree (GFDX_SOURCE_DIR "/schemas/avro", ".../deploy/
 * participants.cfg"): a program run from its build tree uses them there, so the tests and
 * the demo need no installation. An installed program (`cmake --install`; any executable
 * outside the build tree) finds them where the install rules put them, relative to its own
 * directory: <prefix>/share/gfdx/schemas/... and the configuration directory (/etc/gfdx by
 * default) for deploy/... A relocated tree (DESTDIR, another --prefix) keeps working. */

/* True when the running executable is not inside the build tree it was built in. */
bool gfdx_config_installed(void);

/* source_path mapped to its installed place when gfdx_config_installed() (written into buf,
 * which is returned), else source_path itself. Every string default of every row goes
 * through it; the CLI uses it for its own defaults. */
const char *gfdx_config_default_path(const char *source_path, char *buf, size_t len);

/* Loads `path` and fills `out` (a struct laid out per `rows`) from the file and the defaults.
 * Strict: every setting inside a top-level group that `rows` covers must be one of `rows`.
 * When `path` is the file gfdx_config_load_daemon last loaded, the service groups it set
 * aside must all be covered once this call returns (a service loads its settings with one
 * table): a group no table covers is an unknown setting. Returns 0, or -1 with err saying
 * which setting and why. On failure `out` may hold partly loaded values: release it with
 * gfdx_config_release. */
int gfdx_config_load_rows(const char *path, const gfdx_cfg_setting *rows, size_t nrows, void *out,
                          char *err, size_t errlen) __attribute__((warn_unused_result));

/* Loads the common daemon settings and the kafka pairs, and checks that postgres.conninfo
 * parses (gfdx_config_check_conninfo). Strict, as pgbouncer: a setting in a daemon group
 * (service, postgres, paths, topics, batch, outbox, retry, metrics) or at the top level that
 * is not a row is an error naming its path ("unknown setting batch.max_recrods"); any other
 * top-level group is the service's, checked by its gfdx_config_load_rows (or reported by
 * gfdx_config_check_complete). Same error contract. */
int gfdx_config_load_daemon(const char *path, gfdx_daemon_config *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* After the daemon and its service have loaded their tables: -1 with err naming a top-level
 * group of the daemon's file that no table covered (e.g. a misspelt "bacth"), else 0. For
 * the daemon's start-up, after the service's configure hook. */
int gfdx_config_check_complete(char *err, size_t errlen) __attribute__((warn_unused_result));

/* Frees the strings and lists a load put into `out` (by the same rows). Accepts a zeroed struct. */
void gfdx_config_release(const gfdx_cfg_setting *rows, size_t nrows, void *out);
void gfdx_config_release_daemon(gfdx_daemon_config *cfg);

/* Prints the effective configuration, one "path = value" per row, secrets masked. */
void gfdx_config_print_rows(FILE *out, const gfdx_cfg_setting *rows, size_t nrows, const void *cfg);
void gfdx_config_print_daemon(FILE *out, const gfdx_daemon_config *cfg);

/* Applies the kafka pairs to conf; on a refused pair returns -1 with err naming the key and
 * librdkafka's errstr (the value is never echoed: it may be a secret). */
int gfdx_config_kafka_apply(const gfdx_kvlist *kafka, rd_kafka_conf_t *conf, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* True when a librdkafka property's value is secret: every property librdkafka flags
 * sensitive (sasl.username, sasl.password, sasl.oauthbearer.config, ssl.key.password,
 * ssl.key.pem, ssl.keystore.password, ...; one list in config.c) and any other whose name
 * holds "password" or "secret". */
bool gfdx_config_key_is_secret(const char *key);

/* Writes conninfo into out with the value of every libpq option whose dispchar is "*"
 * (password, sslpassword) replaced by "****"; "(unparsable conninfo)" when libpq cannot
 * parse it. */
void gfdx_config_mask_conninfo(const char *conninfo, char *out, size_t outlen);

/* Writes text (libpq's parse or connection error, typically) into out with the secrets of
 * conninfo masked: the value of every secret option conninfo parses to, the password of
 * any URI userinfo ("postgresql://user:****@host") and the value of any secret
 * "keyword=value" in the text, however malformed. conninfo may be NULL. */
void gfdx_config_redact(const char *text, const char *conninfo, char *out, size_t outlen);

/* 0 when libpq parses conninfo (key=value or URI form); else -1 with err naming
 * postgres.conninfo and libpq's reason, secrets masked. */
int gfdx_config_check_conninfo(const char *conninfo, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
