/* config.c: declarative configuration. See config.h for the contract. */
#include "config.h"
#include "errbuf.h"

#include <libconfig.h>
#include <limits.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define FIELD(cfg, row, type) ((type *)((char *)(cfg) + (row)->offset))

#define DAEMON(path, type, field, ...) \
    {path, type, offsetof(gfdx_daemon_config, field), __VA_ARGS__}

/* clang-format off */
const gfdx_cfg_setting gfdx_daemon_settings[] = {
    DAEMON("service.name", GFDX_CFG_STRING, service, NULL, 0, 0, 0, true, false, false,
           "service name in logs, metrics and receipts"),
    DAEMON("service.log_level", GFDX_CFG_STRING, log_level, "info", 0, 0, 0, false, false, false,
           "debug | info | warn | error"),
    DAEMON("service.participant", GFDX_CFG_STRING, participant, NULL, 0, 0, 0, true, false, false,
           "our participant id: the sender of receipts and emitted records"),
    DAEMON("postgres.conninfo", GFDX_CFG_STRING, pg_conninfo, NULL, 0, 0, 0, true, true, false,
           "libpq connection string (password masked when printed)"),
    DAEMON("paths.schemas", GFDX_CFG_STRING, schemas_dir, GFDX_SOURCE_DIR "/schemas/avro", 0, 0, 0,
           false, false, false, "directory of Avro schemas (all versions)"),
    DAEMON("paths.migrations", GFDX_CFG_STRING, migrations_dir, GFDX_SOURCE_DIR "/schemas/sql", 0, 0, 0,
           false, false, false, "directory of SQL migrations (common/ and <schema>/)"),
    DAEMON("paths.participants", GFDX_CFG_STRING, participants_file,
           GFDX_SOURCE_DIR "/deploy/participants.cfg", 0, 0, 0, false, false, true,
           "participant registry (reloaded on SIGHUP)"),
    DAEMON("paths.calendar", GFDX_CFG_STRING, calendar_file, GFDX_SOURCE_DIR "/deploy/calendar.cfg",
           0, 0, 0, false, false, true, "working-day calendar (reloaded on SIGHUP)"),
    DAEMON("kafka_group", GFDX_CFG_STRING, group_id, NULL, 0, 0, 0, false, false, false,
           "consumer group id (default gfdx-<service>)"),
    DAEMON("topics.consume", GFDX_CFG_STRLIST, topics, NULL, 0, 0, 0, true, false, false,
           "topics this daemon consumes"),
    DAEMON("topics.receipts_prefix", GFDX_CFG_STRING, receipts_prefix, "gfdx.receipts.", 0, 0, 0, false,
           false, false, "receipts go to <prefix><participant id>"),
    DAEMON("batch.max_records", GFDX_CFG_INT, batch_max_records, NULL, 500, 1, 100000, false, false,
           false, "records per transaction at most"),
    DAEMON("batch.max_ms", GFDX_CFG_INT, batch_max_ms, NULL, 200, 1, 60000, false, false, false,
           "milliseconds a batch may wait to fill (it closes earlier when no record is ready)"),
    DAEMON("batch.threads", GFDX_CFG_INT, threads, NULL, 2, 1, 64, false, false, false,
           "threads that verify a batch's signatures and sign what it emits (the consume thread included)"),
    DAEMON("limits.occurred_at_ahead_s", GFDX_CFG_INT, occurred_ahead_s, NULL, 86400, 60, 31622400, false,
           false, false, "meta.occurred_at may be at most this far ahead of our clock (LIMIT_EXCEEDED)"),
    DAEMON("limits.occurred_at_behind_days", GFDX_CFG_INT, occurred_behind_days, NULL, 3650, 1, 40000,
           false, false, false, "meta.occurred_at may be at most this many days in the past"),
    DAEMON("outbox.max_rows", GFDX_CFG_INT, outbox_max_rows, NULL, 1000, 1, 100000, false, false, false,
           "outbox rows in flight (produced, awaiting their delivery report) at most"),
    DAEMON("outbox.flush_timeout_ms", GFDX_CFG_INT, outbox_flush_ms, NULL, 10000, 100, 600000, false,
           false, false, "wait for delivery reports at most this long"),
    DAEMON("outbox.idempotent", GFDX_CFG_BOOL, outbox_idempotent, NULL, 1, 0, 0, false, false, false,
           "idempotent producer for the relay (no duplicates from retries); false: one request in"
           " flight, at-least-once (consumers drop duplicate event ids)"),
    DAEMON("retry.max_backoff_ms", GFDX_CFG_INT, backoff_max_ms, NULL, 5000, 10, 600000, false, false,
           false, "ceiling of the exponential back-off on outages"),
    DAEMON("metrics.port", GFDX_CFG_INT, metrics_port, NULL, 0, 0, 65535, false, false, false,
           "Prometheus /metrics port; 0 disables"),
    DAEMON("metrics.address", GFDX_CFG_STRING, metrics_address, "127.0.0.1", 0, 0, 0, false, false,
           false, "address the metrics endpoint binds"),
    DAEMON("audit.checkpoint_interval_s", GFDX_CFG_INT, checkpoint_interval_s, NULL, 300, 0, 86400, false,
           false, false, "seconds between message-log checkpoints published to gfdx.audit; 0 disables"),
    DAEMON("watch.interval_s", GFDX_CFG_INT, watch_interval_s, NULL, 60, 1, 86400, false, false, false,
           "seconds between rounds of the service's watch (duties due by the clock: alerts after N working days)"),
    DAEMON("security.require_signatures", GFDX_CFG_BOOL, require_signatures, NULL, 1, 0, 0, false, false,
           false, "refuse unsigned records (UNSIGNED); false only during a migration: unsigned records are"
           " then accepted, counted and marked in the message log; a bad signature is refused always"),
    DAEMON("security.signing_key", GFDX_CFG_STRING, signing_key, NULL, 0, 0, 0, false, false, false,
           "private key file (PEM of `gfdx keys generate`, mode 0600) signing everything this daemon"
           " emits; its kid is read from the file"),
};
/* clang-format on */
const size_t gfdx_daemon_settings_count = sizeof gfdx_daemon_settings / sizeof gfdx_daemon_settings[0];

static int strlist_add(gfdx_strlist *l, const char *s)
{
    char **grown = realloc(l->items, (l->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    l->items = grown;
    if (!(l->items[l->count] = strdup(s)))
        return -1;
    l->count++;
    return 0;
}

static int strlist_from_csv(gfdx_strlist *l, const char *csv)
{
    char *copy = strdup(csv), *save = NULL;
    if (!copy)
        return -1;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save))
        rc = strlist_add(l, tok);
    free(copy);
    return rc;
}

/* ---- defaults: the source tree in the build tree, the installed files elsewhere ---- */

/* The directory of the running executable (realpath), or "" when /proc cannot say. */
static const char *exe_dir(void)
{
    static char dir[PATH_MAX];
    static bool done;
    if (!done) {
        char *real = realpath("/proc/self/exe", NULL);
        snprintf(dir, sizeof dir, "%s", real ? real : "");
        free(real);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        done = true;
    }
    return dir;
}

bool gfdx_config_installed(void)
{
    const char *dir = exe_dir();
    size_t n = strlen(GFDX_BUILD_DIR);
    return *dir && !(strncmp(dir, GFDX_BUILD_DIR, n) == 0 && (dir[n] == '/' || dir[n] == '\0'));
}

const char *gfdx_config_default_path(const char *source_path, char *buf, size_t len)
{
    static const char *const from[] = {GFDX_SOURCE_DIR "/schemas/", GFDX_SOURCE_DIR "/deploy/"};
    static const char *const to[] = {GFDX_REL_DATADIR "/schemas", GFDX_REL_CONFDIR};
    for (size_t i = 0; source_path && gfdx_config_installed() && i < 2; i++) {
        if (strncmp(source_path, from[i], strlen(from[i])))
            continue;
        char base[PATH_MAX], *real;
        snprintf(base, sizeof base, "%s/%s", exe_dir(), to[i]);
        real = realpath(base, NULL); /* "/usr/local/bin/../share/gfdx" -> "/usr/local/share/gfdx" */
        snprintf(buf, len, "%s/%s", real ? real : base, source_path + strlen(from[i]));
        free(real);
        return buf;
    }
    return source_path;
}

static int load_string(const config_t *cf, const gfdx_cfg_setting *row, void *out, char *err, size_t errlen)
{
    const char *v = NULL;
    config_setting_t *s = config_lookup(cf, row->path);
    if (s && !(v = config_setting_get_string(s))) {
        gfdx_errf(err, errlen, "%s: expected a string", row->path);
        return -1;
    }
    char installed[PATH_MAX];
    if (!v)
        v = gfdx_config_default_path(row->def_string, installed, sizeof installed);
    if (!v)
        return 0;
    char **field = FIELD(out, row, char *);
    free(*field);
    if (!(*field = strdup(v))) {
        gfdx_errf(err, errlen, "%s: out of memory", row->path);
        return -1;
    }
    return 0;
}

static int load_int(const config_t *cf, const gfdx_cfg_setting *row, void *out, char *err, size_t errlen)
{
    long long v = row->def_int;
    config_setting_t *s = config_lookup(cf, row->path);
    if (s) {
        if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
            gfdx_errf(err, errlen, "%s: expected an integer", row->path);
            return -1;
        }
        v = config_setting_get_int64(s);
    }
    if (v < row->min || v > row->max) {
        gfdx_errf(err, errlen, "%s: %lld is outside [%lld, %lld]", row->path, v, row->min, row->max);
        return -1;
    }
    *FIELD(out, row, int) = (int)v;
    return 0;
}

static int load_bool(const config_t *cf, const gfdx_cfg_setting *row, void *out, char *err, size_t errlen)
{
    bool v = row->def_int != 0;
    config_setting_t *s = config_lookup(cf, row->path);
    if (s) {
        if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
            gfdx_errf(err, errlen, "%s: expected true or false", row->path);
            return -1;
        }
        v = config_setting_get_bool(s);
    }
    *FIELD(out, row, bool) = v;
    return 0;
}

static int load_strlist(const config_t *cf, const gfdx_cfg_setting *row, void *out, char *err, size_t errlen)
{
    gfdx_strlist *l = FIELD(out, row, gfdx_strlist);
    config_setting_t *s = config_lookup(cf, row->path);
    if (!s)
        return row->def_string && strlist_from_csv(l, row->def_string) ? -1 : 0;
    if (!config_setting_is_aggregate(s)) {
        gfdx_errf(err, errlen, "%s: expected a list of strings, e.g. [\"a\", \"b\"]", row->path);
        return -1;
    }
    for (int i = 0; i < config_setting_length(s); i++) {
        const char *v = config_setting_get_string_elem(s, i);
        if (!v) {
            gfdx_errf(err, errlen, "%s[%d]: expected a string", row->path, i);
            return -1;
        }
        if (strlist_add(l, v)) {
            gfdx_errf(err, errlen, "%s: out of memory", row->path);
            return -1;
        }
    }
    return 0;
}

static int load_row(const config_t *cf, const gfdx_cfg_setting *row, void *out, char *err, size_t errlen)
{
    if (row->required && !config_lookup(cf, row->path)) {
        gfdx_errf(err, errlen, "%s: required setting is missing (%s)", row->path, row->doc);
        return -1;
    }
    switch (row->type) {
    case GFDX_CFG_STRING: return load_string(cf, row, out, err, errlen);
    case GFDX_CFG_INT: return load_int(cf, row, out, err, errlen);
    case GFDX_CFG_BOOL: return load_bool(cf, row, out, err, errlen);
    case GFDX_CFG_STRLIST: return load_strlist(cf, row, out, err, errlen);
    }
    return -1;
}

static int read_file(config_t *cf, const char *path, char *err, size_t errlen)
{
    config_init(cf);
    if (config_read_file(cf, path) == CONFIG_TRUE)
        return 0;
    if (config_error_type(cf) == CONFIG_ERR_FILE_IO)
        gfdx_errf(err, errlen, "%s: cannot read file", path);
    else
        gfdx_errf(err, errlen, "%s:%d: %s", config_error_file(cf) ? config_error_file(cf) : path,
                config_error_line(cf), config_error_text(cf));
    config_destroy(cf);
    return -1;
}

static int load_all_rows(const config_t *cf, const gfdx_cfg_setting *rows, size_t nrows, void *out, char *err,
                         size_t errlen)
{
    int rc = 0;
    for (size_t i = 0; i < nrows && rc == 0; i++)
        rc = load_row(cf, &rows[i], out, err, errlen);
    return rc;
}

/* ---- strict: every setting in the file is a row of a table that is loaded ----
 *
 * pgbouncer's rule: an unknown setting is an error, so a typo (batch.max_recrods) is not
 * silently replaced by the default. The daemon's own groups (the first components of
 * gfdx_daemon_settings' paths) are checked by gfdx_config_load_daemon. Any other top-level
 * group belongs to the service: it is set aside ("pending") until a gfdx_config_load_rows
 * of the same file covers it, and that call checks every setting inside it against its rows
 * and reports what no table covers. Start-up runs in one thread: the pending state is
 * process-wide, reset by each gfdx_config_load_daemon. */

#define MAX_PENDING 16

static struct {
    char path[1024];                 /* the daemon's config file; "" when none loaded */
    char groups[MAX_PENDING][128];   /* top-level groups no table has covered yet */
    size_t n;
} pending;

static bool row_known(const gfdx_cfg_setting *rows, size_t nrows, const char *path)
{
    for (size_t i = 0; i < nrows; i++)
        if (!strcmp(rows[i].path, path))
            return true;
    return false;
}

/* True when some row lives in top-level group `name` ("batch" for "batch.max_ms"). */
static bool group_covered(const gfdx_cfg_setting *rows, size_t nrows, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < nrows; i++)
        if (!strncmp(rows[i].path, name, len) && rows[i].path[len] == '.')
            return true;
    return false;
}

/* Every setting under group s (whose path is prefix) must be a row: a value (scalar, array
 * or list) is a setting, a group is walked. 0, or -1 with err naming the first unknown. */
static int check_group(const config_setting_t *s, const char *prefix, const gfdx_cfg_setting *rows, size_t nrows,
                       char *err, size_t errlen)
{
    for (int i = 0; i < config_setting_length(s); i++) {
        config_setting_t *child = config_setting_get_elem(s, (unsigned)i);
        char path[512];
        snprintf(path, sizeof path, "%s.%s", prefix, config_setting_name(child));
        if (config_setting_is_group(child) && !row_known(rows, nrows, path)) {
            if (check_group(child, path, rows, nrows, err, errlen))
                return -1;
        } else if (!row_known(rows, nrows, path)) {
            gfdx_errf(err, errlen, "unknown setting %s (line %d): not a setting of this daemon (--check-config lists"
                    " every one)", path, config_setting_source_line(child));
            return -1;
        }
    }
    return 0;
}

static void pending_remove(size_t i)
{
    memmove(pending.groups[i], pending.groups[i + 1], (pending.n - i - 1) * sizeof pending.groups[0]);
    pending.n--;
}

/* The daemon's part: daemon groups and top-level values checked, other groups set aside. */
static int check_daemon_tree(const config_t *cf, const char *path, char *err, size_t errlen)
{
    const config_setting_t *root = config_root_setting(cf);
    snprintf(pending.path, sizeof pending.path, "%s", path);
    pending.n = 0;
    for (int i = 0; i < config_setting_length(root); i++) {
        config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(s);
        bool ours = group_covered(gfdx_daemon_settings, gfdx_daemon_settings_count, name);
        if (!strcmp(name, "kafka") || (!config_setting_is_group(s) && row_known(gfdx_daemon_settings,
                                                                               gfdx_daemon_settings_count, name)))
            continue;
        if (config_setting_is_group(s) && ours) {
            if (check_group(s, name, gfdx_daemon_settings, gfdx_daemon_settings_count, err, errlen))
                return -1;
        } else if (config_setting_is_group(s) && pending.n < MAX_PENDING && strlen(name) < sizeof pending.groups[0]) {
            snprintf(pending.groups[pending.n++], sizeof pending.groups[0], "%s", name);
        } else {
            gfdx_errf(err, errlen, "unknown setting %s (line %d): not a setting of this daemon (--check-config lists"
                    " every one)", name, config_setting_source_line(s));
            return -1;
        }
    }
    return 0;
}

/* A service's part: the groups its rows cover are checked and taken off the pending list;
 * when this file is the daemon's, whatever is still pending is unknown. */
static int check_rows_tree(const config_t *cf, const char *path, const gfdx_cfg_setting *rows, size_t nrows,
                           char *err, size_t errlen)
{
    const config_setting_t *root = config_root_setting(cf);
    for (int i = 0; i < config_setting_length(root); i++) {
        config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(s);
        if (!config_setting_is_group(s) || !group_covered(rows, nrows, name))
            continue;
        if (check_group(s, name, rows, nrows, err, errlen))
            return -1;
        for (size_t p = 0; p < pending.n; p++)
            if (!strcmp(pending.groups[p], name))
                pending_remove(p--);
    }
    return strcmp(pending.path, path) ? 0 : gfdx_config_check_complete(err, errlen);
}

int gfdx_config_check_complete(char *err, size_t errlen)
{
    if (!pending.n)
        return 0;
    gfdx_errf(err, errlen, "unknown setting %s: a group of no setting of this daemon (--check-config lists every one)",
            pending.groups[0]);
    pending.n = 0;
    return -1;
}

int gfdx_config_load_rows(const char *path, const gfdx_cfg_setting *rows, size_t nrows, void *out,
                          char *err, size_t errlen)
{
    config_t cf;
    if (read_file(&cf, path, err, errlen))
        return -1;
    int rc = load_all_rows(&cf, rows, nrows, out, err, errlen);
    if (rc == 0)
        rc = check_rows_tree(&cf, path, rows, nrows, err, errlen);
    config_destroy(&cf);
    return rc;
}

/* kafka = ( ("key", "value"), ... ): each element a list or array of exactly two strings. */
static int load_kafka_pairs(const config_t *cf, gfdx_kvlist *kv, char *err, size_t errlen)
{
    config_setting_t *s = config_lookup(cf, "kafka");
    if (!s)
        return 0;
    for (int i = 0; i < config_setting_length(s); i++) {
        config_setting_t *pair = config_setting_get_elem(s, i);
        const char *k = pair ? config_setting_get_string_elem(pair, 0) : NULL;
        const char *v = pair ? config_setting_get_string_elem(pair, 1) : NULL;
        if (!k || !v || config_setting_length(pair) != 2) {
            gfdx_errf(err, errlen, "kafka[%d]: expected a pair of strings (\"key\", \"value\")", i);
            return -1;
        }
        gfdx_kv *grown = realloc(kv->items, (kv->count + 1) * sizeof *grown);
        if (!grown)
            return -1;
        kv->items = grown;
        kv->items[kv->count].key = strdup(k);
        kv->items[kv->count].value = strdup(v);
        kv->count++;
        if (!kv->items[kv->count - 1].key || !kv->items[kv->count - 1].value)
            return -1;
    }
    return 0;
}

int gfdx_config_load_daemon(const char *path, gfdx_daemon_config *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    config_t cf;
    if (read_file(&cf, path, err, errlen))
        return -1;
    int rc = load_all_rows(&cf, gfdx_daemon_settings, gfdx_daemon_settings_count, out, err, errlen);
    if (rc == 0)
        rc = load_kafka_pairs(&cf, &out->kafka, err, errlen);
    if (rc == 0)
        rc = check_daemon_tree(&cf, path, err, errlen);
    config_destroy(&cf);
    if (rc || gfdx_config_check_conninfo(out->pg_conninfo, err, errlen))
        return -1;
    if (!out->group_id) {
        char g[128];
        snprintf(g, sizeof g, "gfdx-%s", out->service);
        if (!(out->group_id = strdup(g)))
            return -1;
    }
    return 0;
}

void gfdx_config_release(const gfdx_cfg_setting *rows, size_t nrows, void *out)
{
    for (size_t i = 0; i < nrows; i++) {
        const gfdx_cfg_setting *row = &rows[i];
        if (row->type == GFDX_CFG_STRING) {
            char **f = FIELD(out, row, char *);
            free(*f);
            *f = NULL;
        } else if (row->type == GFDX_CFG_STRLIST) {
            gfdx_strlist *l = FIELD(out, row, gfdx_strlist);
            for (size_t j = 0; j < l->count; j++)
                free(l->items[j]);
            free(l->items);
            l->items = NULL;
            l->count = 0;
        }
    }
}

void gfdx_config_release_daemon(gfdx_daemon_config *cfg)
{
    if (!cfg)
        return;
    gfdx_config_release(gfdx_daemon_settings, gfdx_daemon_settings_count, cfg);
    for (size_t i = 0; i < cfg->kafka.count; i++) {
        free(cfg->kafka.items[i].key);
        free(cfg->kafka.items[i].value);
    }
    free(cfg->kafka.items);
    cfg->kafka.items = NULL;
    cfg->kafka.count = 0;
}

/* ---- secrets ---- */

/* The libpq keywords whose values are secret: every option PQconndefaults marks with
 * dispchar "*" (password, sslpassword in libpq 15). Falls back to those two when libpq
 * cannot say (out of memory). */
static bool pq_keyword_is_secret(const char *kw, size_t len)
{
    PQconninfoOption *defs = PQconndefaults();
    bool secret = false;
    for (PQconninfoOption *o = defs; o && o->keyword && !secret; o++)
        secret = o->dispchar && o->dispchar[0] == '*' && strlen(o->keyword) == len && !strncmp(o->keyword, kw, len);
    if (!defs)
        secret = (len == 8 && !strncmp(kw, "password", 8)) || (len == 11 && !strncmp(kw, "sslpassword", 11));
    PQconninfoFree(defs);
    return secret;
}

void gfdx_config_mask_conninfo(const char *conninfo, char *out, size_t outlen)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
    if (!opts) {
        snprintf(out, outlen, "(unparsable conninfo)");
        PQfreemem(perr);
        return;
    }
    size_t o = 0;
    out[0] = '\0';
    for (PQconninfoOption *opt = opts; opt->keyword; opt++) {
        if (!opt->val || o >= outlen)
            continue;
        const char *v = opt->dispchar && opt->dispchar[0] == '*' ? "****" : opt->val;
        o += (size_t)snprintf(out + o, outlen - o, "%s%s=%s", o ? " " : "", opt->keyword, v);
    }
    PQconninfoFree(opts);
}

/* Replaces s[from, to) by "****" in the growable string *s. 0, or -1 out of memory. */
static int mask_span(char **s, size_t from, size_t to)
{
    size_t len = strlen(*s), n = len - (to - from) + 4 + 1;
    char *m = malloc(n);
    if (!m)
        return -1;
    snprintf(m, n, "%.*s****%s", (int)from, *s, *s + to);
    free(*s);
    *s = m;
    return 0;
}

/* Masks the password of every URI userinfo ("scheme://user:PASSWORD@host"), however
 * malformed the rest: the userinfo ends at the last '@' of the token. */
static int mask_uri_userinfo(char **s)
{
    for (size_t at = 0; (*s)[at];) {
        char *sep = strstr(*s + at, "://");
        if (!sep)
            break;
        size_t a = (size_t)(sep - *s) + 3, end = a + strcspn(*s + a, " \t\r\n\"'");
        size_t last_at = 0, colon = 0;
        for (size_t i = a; i < end; i++)
            if ((*s)[i] == '@')
                last_at = i;
        for (size_t i = a; last_at && i < last_at && !colon; i++)
            if ((*s)[i] == ':')
                colon = i;
        if (colon && mask_span(s, colon + 1, last_at))
            return -1;
        at = colon ? colon + 1 + 4 : a;
    }
    return 0;
}

/* Masks the value of every "keyword=value" / "keyword = 'value'" whose keyword is a secret
 * libpq option, as written in a key=value conninfo or a URI query. */
static int mask_secret_keywords(char **s)
{
    for (size_t i = 0; (*s)[i]; i++) {
        size_t k = i;
        while (((*s)[k] >= 'a' && (*s)[k] <= 'z') || (*s)[k] == '_')
            k++;
        size_t v = k + strspn(*s + k, " \t");
        if (k == i || (*s)[v] != '=' || (i > 0 && strchr(" \t?&\"'(", (*s)[i - 1]) == NULL) ||
            !pq_keyword_is_secret(*s + i, k - i)) {
            i = k > i ? k - 1 : i;
            continue;
        }
        v += 1 + strspn(*s + v + 1, " \t");
        size_t e = v;
        if ((*s)[v] == '\'')
            for (e = v + 1; (*s)[e] && (*s)[e] != '\''; e += (*s)[e] == '\\' && (*s)[e + 1] ? 2 : 1)
                ;
        else
            e = v + strcspn(*s + v, " \t\r\n&\"");
        if ((*s)[e] == '\'')
            e++;
        if (e > v && mask_span(s, v, e))
            return -1;
        i = v + 3;
    }
    return 0;
}

/* Masks every occurrence of each secret value conninfo parses to (at least 4 bytes: shorter
 * ones would mask ordinary words of the message and reveal little). */
static int mask_parsed_values(char **s, const char *conninfo)
{
    PQconninfoOption *opts = conninfo ? PQconninfoParse(conninfo, NULL) : NULL;
    int rc = 0;
    for (PQconninfoOption *o = opts; o && o->keyword && rc == 0; o++) {
        if (!o->val || !o->dispchar || o->dispchar[0] != '*' || strlen(o->val) < 4)
            continue;
        for (char *hit; rc == 0 && (hit = strstr(*s, o->val));)
            rc = mask_span(s, (size_t)(hit - *s), (size_t)(hit - *s) + strlen(o->val));
    }
    PQconninfoFree(opts);
    return rc;
}

void gfdx_config_redact(const char *text, const char *conninfo, char *out, size_t outlen)
{
    char *s = strdup(text ? text : "");
    if (!s || mask_parsed_values(&s, conninfo) || mask_uri_userinfo(&s) || mask_secret_keywords(&s))
        snprintf(out, outlen, "(message withheld: out of memory while masking secrets)");
    else
        snprintf(out, outlen, "%s", s);
    free(s);
}

int gfdx_config_check_conninfo(const char *conninfo, char *err, size_t errlen)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo ? conninfo : "", &perr);
    if (opts) {
        PQconninfoFree(opts);
        return 0;
    }
    char why[1024];
    if (perr)
        perr[strcspn(perr, "\n")] = '\0';
    gfdx_config_redact(perr ? perr : "out of memory", conninfo, why, sizeof why);
    PQfreemem(perr);
    gfdx_errf(err, errlen, "postgres.conninfo: not a libpq connection string: %s", why);
    return -1;
}

/* librdkafka's properties flagged _RK_SENSITIVE (rdkafka_conf.c, 2.x), plus
 * sasl.oauthbearer.client.secret (OIDC client secret, flagged in later versions). */
static const char *const kafka_secret_properties[] = {
    "sasl.username",  "sasl.password", "sasl.oauthbearer.config", "sasl.oauthbearer.client.secret",
    "ssl.key.location", "ssl.key.password", "ssl.key.pem", "ssl_key", "ssl.ca.pem", "ssl.keystore.password",
};

bool gfdx_config_key_is_secret(const char *key)
{
    for (size_t i = 0; i < sizeof kafka_secret_properties / sizeof kafka_secret_properties[0]; i++)
        if (!strcmp(key, kafka_secret_properties[i]))
            return true;
    /* a property of a later librdkafka: anything that names a password or secret */
    return strstr(key, "password") || strstr(key, "secret");
}

static void print_row(FILE *out, const gfdx_cfg_setting *row, const void *cfg)
{
    fprintf(out, "%s = ", row->path);
    if (row->type == GFDX_CFG_STRING) {
        const char *v = *FIELD(cfg, row, char *const);
        char masked[1024];
        if (v && row->secret && strstr(row->path, "conninfo")) {
            gfdx_config_mask_conninfo(v, masked, sizeof masked);
            v = masked;
        } else if (v && row->secret) {
            v = "****";
        }
        fprintf(out, "\"%s\"", v ? v : "");
    } else if (row->type == GFDX_CFG_INT) {
        fprintf(out, "%d", *FIELD(cfg, row, const int));
    } else if (row->type == GFDX_CFG_BOOL) {
        fprintf(out, "%s", *FIELD(cfg, row, const bool) ? "true" : "false");
    } else {
        const gfdx_strlist *l = FIELD(cfg, row, const gfdx_strlist);
        fputc('[', out);
        for (size_t i = 0; i < l->count; i++)
            fprintf(out, "%s\"%s\"", i ? ", " : "", l->items[i]);
        fputc(']', out);
    }
    fprintf(out, ";%s  # %s\n", row->reloadable ? " (reloadable)" : "", row->doc);
}

void gfdx_config_print_rows(FILE *out, const gfdx_cfg_setting *rows, size_t nrows, const void *cfg)
{
    for (size_t i = 0; i < nrows; i++)
        print_row(out, &rows[i], cfg);
}

void gfdx_config_print_daemon(FILE *out, const gfdx_daemon_config *cfg)
{
    fprintf(out, "# (reloadable): SIGHUP re-reads that file; any other change needs a restart\n");
    gfdx_config_print_rows(out, gfdx_daemon_settings, gfdx_daemon_settings_count, cfg);
    fprintf(out, "kafka = (\n");
    for (size_t i = 0; i < cfg->kafka.count; i++) {
        const gfdx_kv *kv = &cfg->kafka.items[i];
        fprintf(out, "  (\"%s\", \"%s\")%s\n", kv->key, gfdx_config_key_is_secret(kv->key) ? "****" : kv->value,
                i + 1 < cfg->kafka.count ? "," : "");
    }
    fprintf(out, ");\n");
}

int gfdx_config_kafka_apply(const gfdx_kvlist *kafka, rd_kafka_conf_t *conf, char *err, size_t errlen)
{
    char errstr[512];
    for (size_t i = 0; i < kafka->count; i++) {
        const gfdx_kv *kv = &kafka->items[i];
        if (rd_kafka_conf_set(conf, kv->key, kv->value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            gfdx_errf(err, errlen, "kafka property \"%s\": %s", kv->key, errstr);
            return -1;
        }
    }
    return 0;
}
