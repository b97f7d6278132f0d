/* Secrets in configuration (issue 8, item 14): every libpq option whose dispchar is "*"
 * is masked, in key=value and URI form; a conninfo libpq cannot parse is refused at load
 * with an error that does not hold its password; libpq's error texts are redacted before
 * anything logs them; every sensitive librdkafka property is masked by --check-config. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

#define SECRET "Zq9-s3cret-value"

static const char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/gfdx_test_secrets_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        return NULL;
    close(fd);
    return path;
}

static char *print_to_string(const gfdx_daemon_config *cfg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    gfdx_config_print_daemon(f, cfg);
    fclose(f);
    return buf;
}

/* Each secret libpq option, in key=value form, in a URI query, and the URI's userinfo. */
static void masks_every_secret_option(void)
{
    PQconninfoOption *defs = PQconndefaults();
    int secrets = 0;
    for (PQconninfoOption *o = defs; o && o->keyword; o++) {
        if (!o->dispchar || o->dispchar[0] != '*')
            continue;
        secrets++;
        char conninfo[256], uri[256], out[1024], want[64];
        snprintf(conninfo, sizeof conninfo, "host=/tmp dbname=gfdx %s=%s user=gfdx", o->keyword, SECRET);
        snprintf(uri, sizeof uri, "postgresql://gfdx@localhost/gfdx?%s=%s&sslmode=disable", o->keyword, SECRET);
        snprintf(want, sizeof want, "%s=****", o->keyword);
        gfdx_config_mask_conninfo(conninfo, out, sizeof out);
        CHECK_MSG(!strstr(out, SECRET) && strstr(out, want), "%s (key=value): %s", o->keyword, out);
        CHECK_MSG(strstr(out, "dbname=gfdx") != NULL, "the rest is shown: %s", out);
        gfdx_config_mask_conninfo(uri, out, sizeof out);
        CHECK_MSG(!strstr(out, SECRET) && strstr(out, want), "%s (URI): %s", o->keyword, out);
    }
    PQconninfoFree(defs);
    CHECK_MSG(secrets >= 2, "libpq lists %d secret options (password, sslpassword at least)", secrets);
    char out[1024];
    gfdx_config_mask_conninfo("postgresql://gfdx:" SECRET "@localhost:5432/gfdx", out, sizeof out);
    CHECK_MSG(!strstr(out, SECRET) && strstr(out, "password=****"), "URI userinfo: %s", out);
}

static void kafka_secrets(void)
{
    static const char *const secret[] = {"sasl.password", "sasl.username", "sasl.oauthbearer.config",
                                         "sasl.oauthbearer.client.secret", "ssl.key.password", "ssl.key.pem",
                                         "ssl.keystore.password", "ssl.ca.pem", "ssl.key.location"};
    static const char *const plain[] = {"bootstrap.servers", "security.protocol", "sasl.mechanisms",
                                        "ssl.certificate.pem", "ssl.ca.location", "session.timeout.ms"};
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
        CHECK_MSG(gfdx_config_key_is_secret(secret[i]), "%s is not masked", secret[i]);
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        CHECK_MSG(!gfdx_config_key_is_secret(plain[i]), "%s is masked", plain[i]);
}

/* --check-config prints neither sslpassword nor any sensitive kafka property. */
static void check_config_prints_no_secret(void)
{
    char err[512];
    gfdx_daemon_config cfg;
    const char *path = write_tmp(
        "service: { name = \"intake\"; participant = \"miit\"; };\n"
        "postgres: { conninfo = \"host=/tmp dbname=gfdx sslpassword=" SECRET "1 password=" SECRET "2\"; };\n"
        "topics: { consume = [\"gfdx.needs\"]; };\n"
        "kafka = ( (\"bootstrap.servers\", \"127.0.0.1:9092\"),\n"
        "  (\"sasl.oauthbearer.config\", \"principal=admin " SECRET "3\"),\n"
        "  (\"ssl.key.password\", \"" SECRET "4\"), (\"ssl.keystore.password\", \"" SECRET "5\"),\n"
        "  (\"sasl.username\", \"" SECRET "6\"), (\"ssl.key.pem\", \"" SECRET "7\") );\n");
    CHECK_MSG(gfdx_config_load_daemon(path, &cfg, err, sizeof err) == 0, "%s", err);
    char *printed = print_to_string(&cfg);
    CHECK_MSG(printed && !strstr(printed, SECRET), "a secret is printed:\n%s", printed ? printed : "");
    CHECK(printed && strstr(printed, "127.0.0.1:9092"));
    free(printed);
    gfdx_config_release_daemon(&cfg);
    unlink(path);
}

/* A conninfo libpq cannot parse is an error at load, naming the setting, not the password. */
static void malformed_conninfo_refused(void)
{
    static const char *const malformed[] = {
        "postgresql://gfdx:" SECRET "@[::1/gfdx",              /* unterminated IPv6 host */
        "postgresql://gfdx:" SECRET "@localhost/gfdx?foo=1",   /* unknown URI parameter */
        "host=/tmp password='" SECRET,                         /* unterminated quote */
        "host=/tmp sslpassword=" SECRET " nosuchkeyword=1",    /* unknown keyword */
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        char text[512], err[1024] = "";
        snprintf(text, sizeof text,
                 "service: { name = \"intake\"; participant = \"miit\"; };\n"
                 "postgres: { conninfo = \"%s\"; };\ntopics: { consume = [\"gfdx.needs\"]; };\n",
                 malformed[i]);
        const char *path = write_tmp(text);
        gfdx_daemon_config cfg;
        CHECK_MSG(gfdx_config_load_daemon(path, &cfg, err, sizeof err) == -1, "accepted: %s", malformed[i]);
        CHECK_MSG(strstr(err, "postgres.conninfo") != NULL, "does not name the setting: %s", err);
        CHECK_MSG(!strstr(err, SECRET), "the password is in the error: %s", err);
        gfdx_config_release_daemon(&cfg);
        unlink(path);
    }
}

/* libpq's own texts quote the conninfo: redacted whatever their form. */
static void redacts_libpq_texts(void)
{
    char out[1024];
    gfdx_config_redact("invalid URI \"postgresql://u:" SECRET "@h:54x2/db\"", NULL, out, sizeof out);
    CHECK_MSG(!strstr(out, SECRET) && strstr(out, "postgresql://u:****@h:54x2/db"), "%s", out);
    gfdx_config_redact("bad: password = '" SECRET "' host=x", NULL, out, sizeof out);
    CHECK_MSG(!strstr(out, SECRET) && strstr(out, "host=x"), "%s", out);
    gfdx_config_redact("bad: postgresql://h/db?sslpassword=" SECRET "&x=1", NULL, out, sizeof out);
    CHECK_MSG(!strstr(out, SECRET) && strstr(out, "&x=1"), "%s", out);
    /* a value echoed alone is masked when conninfo parses to it */
    gfdx_config_redact("FATAL: role \"" SECRET "\" ...", "host=/tmp password=" SECRET, out, sizeof out);
    CHECK_MSG(!strstr(out, SECRET), "%s", out);
    gfdx_config_redact("connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: No such file or directory",
                       "host=/tmp password=" SECRET, out, sizeof out);
    CHECK_STR_EQ(out, "connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: No such file or directory");
    char err[512];
    CHECK(gfdx_config_check_conninfo("host=/tmp dbname=gfdx", err, sizeof err) == 0);
    CHECK(gfdx_config_check_conninfo("postgresql://u:p@localhost:5432/db?sslmode=disable", err, sizeof err) == 0);
}

int main(void)
{
    masks_every_secret_option();
    kafka_secrets();
    check_config_prints_no_secret();
    malformed_conninfo_refused();
    redacts_libpq_texts();
    return CHECK_DONE();
}
