/* test_feedback_config: gfdx-feedback's own settings (the configure hook): defaults, the
 * shipped deploy/feedback.cfg, values read from a file, every validation error, printing,
 * and that a failed load keeps the previous settings. */
#include "check.h"
#include "feedback/feedback.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[] = "/tmp/test_feedback_config.XXXXXX";

static void write_cfg(const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

static int configure(feedback_ctx *ctx, const char *text, char *err, size_t errlen)
{
    write_cfg(text);
    err[0] = '\0';
    return feedback_configure(ctx, path, NULL, err, errlen);
}

static void test_defaults(void)
{
    feedback_ctx ctx = {0};
    char err[512];
    CHECK(configure(&ctx, "service: { name = \"feedback\"; };\n", err, sizeof err) == 0);
    CHECK(ctx.settings.approved_margin_pct == 10);
    CHECK(ctx.settings.green_groups.count == 7);
    CHECK(ctx.settings.green_groups.count == 7 && !strcmp(ctx.settings.green_groups.items[0], "1") &&
          !strcmp(ctx.settings.green_groups.items[6], "7"));
    CHECK_STR_EQ(ctx.settings.coordination_prefix, "gfdx.coordination.");
    CHECK_STR_EQ(ctx.settings.status_topic, "gfdx.matching-status");
    feedback_ctx_release(&ctx);
    feedback_ctx_release(&ctx); /* twice is harmless */
    feedback_ctx_release(NULL);
}

static void test_shipped_file(void)
{
    feedback_ctx ctx = {0};
    char err[512] = "";
    CHECK_MSG(feedback_configure(&ctx, GFDX_SOURCE_DIR "/deploy/feedback.cfg", NULL, err, sizeof err) == 0, "%s", err);
    CHECK(ctx.settings.approved_margin_pct == 10 && ctx.settings.green_groups.count == 7);
    feedback_ctx_release(&ctx);
}

static void test_values_and_print(void)
{
    feedback_ctx ctx = {0};
    char err[512];
    CHECK(configure(&ctx,
                    "feedback: { approved_margin_percent = 25; green_eligible_groups = [\"1\", \"4\"];"
                    " coordination_prefix = \"x.coord.\"; };\n",
                    err, sizeof err) == 0);
    CHECK(ctx.settings.approved_margin_pct == 25);
    CHECK(ctx.settings.green_groups.count == 2 && !strcmp(ctx.settings.green_groups.items[1], "4"));
    CHECK_STR_EQ(ctx.settings.coordination_prefix, "x.coord.");
    CHECK_STR_EQ(ctx.settings.status_topic, "gfdx.matching-status");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    CHECK(out && feedback_configure(&ctx, path, out, err, sizeof err) == 0);
    if (out)
        fclose(out);
    CHECK(buf && strstr(buf, "feedback.approved_margin_percent = 25"));
    CHECK(buf && strstr(buf, "feedback.green_eligible_groups = [\"1\", \"4\"]"));
    free(buf);
    feedback_ctx_release(&ctx);
}

static void test_errors_keep_previous(void)
{
    feedback_ctx ctx = {0};
    char err[512];
    CHECK(configure(&ctx, "feedback: { approved_margin_percent = 30; };\n", err, sizeof err) == 0);
    CHECK(configure(&ctx, "feedback: { approved_margin_percent = 1001; };\n", err, sizeof err) == -1);
    CHECK(strstr(err, "feedback.approved_margin_percent") != NULL);
    CHECK(configure(&ctx, "feedback: { approved_margin_percent = -1; };\n", err, sizeof err) == -1);
    CHECK(configure(&ctx, "feedback: { approved_margin_percent = \"ten\"; };\n", err, sizeof err) == -1);
    CHECK(configure(&ctx, "feedback: { green_eligible_groups = [\"1\", \"1.3\"]; };\n", err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "green_eligible_groups[1]") && strstr(err, "\"1.3\""), "%s", err);
    CHECK(configure(&ctx, "feedback: { green_eligible_groups = []; };\n", err, sizeof err) == -1);
    CHECK(strstr(err, "at least one") != NULL);
    CHECK(configure(&ctx, "feedback: { green_eligible_groups = [\"\"]; };\n", err, sizeof err) == -1);
    CHECK(configure(&ctx, "feedback: { green_eligible_groups = \"1\"; };\n", err, sizeof err) == -1);
    CHECK(configure(&ctx, "feedback: { approved_margin_percent = ; };\n", err, sizeof err) == -1);
    CHECK(ctx.settings.approved_margin_pct == 30 && ctx.settings.green_groups.count == 7); /* kept */
    err[0] = '\0';
    CHECK(feedback_configure(&ctx, "/nonexistent/feedback.cfg", NULL, err, sizeof err) == -1 && err[0]);
    feedback_ctx_release(&ctx);
}

int main(void)
{
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return 2;
    }
    close(fd);
    test_defaults();
    test_shipped_file();
    test_values_and_print();
    test_errors_keep_previous();
    unlink(path);
    return CHECK_DONE();
}
