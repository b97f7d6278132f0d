/* gfdx schema: print an Avro schema's Parsing Canonical Form or CRC-64-AVRO fingerprint.
 *
 *   gfdx schema canonical FILE     canonical form + newline
 *   gfdx schema fingerprint FILE   0x + 16 lower-case hex digits + newline
 *
 * FILE "-" reads standard input. Exit 0 ok, 1 unreadable or invalid schema (message on
 * stderr), 2 usage error. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro_canon.h"
#include "cli.h"

static void schema_usage(FILE *out)
{
    fprintf(out,
            "usage: gfdx schema canonical FILE\n"
            "       gfdx schema fingerprint FILE\n"
            "\n"
            "Prints the Avro Parsing Canonical Form of the schema in FILE, or its\n"
            "CRC-64-AVRO fingerprint (the one single-object messages carry) as 0x + 16 hex\n"
            "digits. FILE may be '-' for standard input.\n"
            "\n"
            "exit status: 0 ok, 1 unreadable or invalid schema, 2 usage error\n");
}

/* Whole file (or stdin for "-") as a NUL-terminated string; caller frees. NULL on error. */
static char *slurp(const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            char *b = realloc(buf, cap + 65536);
            if (!b)
                break;
            buf = b;
            cap += 65536;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    int failed = ferror(f) || !buf || cap - len < 1;
    if (f != stdin)
        fclose(f);
    if (failed) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

int cli_schema(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        schema_usage(stdout);
        return 0;
    }
    if (argc != 3 || (strcmp(argv[1], "canonical") && strcmp(argv[1], "fingerprint"))) {
        schema_usage(stderr);
        return 2;
    }
    errno = 0;
    char *text = slurp(argv[2]);
    if (!text) {
        fprintf(stderr, "gfdx schema: %s: cannot read: %s\n", argv[2],
                errno ? strerror(errno) : "read error");
        return 1;
    }
    char err[512] = "";
    char *canon = gfdx_avro_canonical(text, err, sizeof err);
    free(text);
    if (!canon) {
        fprintf(stderr, "gfdx schema: %s: %s\n", argv[2], err);
        return 1;
    }
    if (!strcmp(argv[1], "canonical"))
        printf("%s\n", canon);
    else
        printf("0x%016" PRIx64 "\n", gfdx_avro_fingerprint(canon));
    free(canon);
    return fflush(stdout) == 0 ? 0 : 1;
}
