/* html.c: the HTML form of a report: one self-contained page (inline CSS, inline SVG, no
 * script, no external font, image or link), meant to be opened from a file or mailed.
 *
 * Layout: a banner (title, period, facts), KPI cards, the charts in a two-column grid,
 * then every table. Charts draw the table cells they name, so the numbers in the charts,
 * in the tables and in the CSV are the same numbers. Cells carry data-key attributes and
 * tables id="t-<table id>" so a browser test can read them back. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "output.h"

#define CHART_W 600.0
#define PALETTE_N 5
static const char *const palette[PALETTE_N] = {"#1f6f8b", "#e39b2d", "#3a9d5d", "#8c6bb1", "#d1495b"};

static void esc(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
}

static const char css[] =
    ":root{--ink:#1d2733;--muted:#5b6b7c;--line:#dde3ea;--bg:#f4f6f9;--card:#fff;--accent:#1f6f8b;--red:#b0282f}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 \"Noto Sans CJK SC\",\"Source Han Sans SC\","
    "\"WenQuanYi Micro Hei\",\"PingFang SC\",\"Microsoft YaHei\",\"Helvetica Neue\",Arial,sans-serif}"
    "header.banner{background:linear-gradient(120deg,#8f1d21 0%,#b0282f 55%,#c8553d 100%);color:#fff;padding:28px 40px 22px}"
    ".kicker{font-size:13px;letter-spacing:.12em;opacity:.85}"
    "h1{margin:6px 0 2px;font-size:28px;font-weight:700;letter-spacing:.02em}"
    ".period{font-size:18px;opacity:.95}"
    "dl.facts{display:flex;flex-wrap:wrap;gap:6px 28px;margin:14px 0 0;font-size:12.5px}"
    "dl.facts div{display:flex;gap:6px}dl.facts dt{opacity:.75}dl.facts dd{margin:0;font-weight:600}"
    "main{padding:22px 40px 40px;max-width:1400px;margin:0 auto}"
    ".kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:12px;margin-bottom:22px}"
    ".kpi{background:var(--card);border-radius:10px;padding:12px 14px;box-shadow:0 1px 3px rgba(20,40,60,.12);"
    "border-top:4px solid var(--accent)}"
    ".kpi .v{font-size:24px;font-weight:700;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".kpi .l{color:var(--muted);font-size:13px;white-space:nowrap}.kpi .k{display:block;color:#8a97a5;font-size:11px}"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(540px,1fr));gap:18px;margin-bottom:26px}"
    "figure{margin:0;background:var(--card);border-radius:10px;padding:16px 18px 10px;"
    "box-shadow:0 1px 3px rgba(20,40,60,.12)}"
    "figcaption{font-weight:700;font-size:15px;margin-bottom:6px}figcaption small{font-weight:400;color:var(--muted)}"
    "svg{width:100%;height:auto;display:block}svg text{font-family:inherit;fill:var(--ink)}"
    ".na{color:var(--muted);padding:30px 0;text-align:center;font-style:italic}"
    "section.tbl{background:var(--card);border-radius:10px;padding:16px 18px;margin-bottom:18px;"
    "box-shadow:0 1px 3px rgba(20,40,60,.12);overflow-x:auto}"
    "h2{font-size:16px;margin:0 0 10px}"
    "table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}"
    "th{background:#eef2f6;text-align:left;padding:6px 6px;border-bottom:2px solid var(--line);vertical-align:bottom;"
    "font-size:12.5px;line-height:1.3}"
    "th .k{display:block;font-weight:400;font-size:11px;color:var(--muted)}"
    "td{padding:5px 6px;border-bottom:1px solid var(--line);white-space:nowrap}"
    "td.n,th.n{text-align:right}tbody tr:nth-child(even){background:#f9fbfc}"
    "td:empty::after{content:\"\\2013\";color:#aab4bf}"
    "tr.total td{font-weight:700;border-top:2px solid var(--ink);background:#fdf6e9}"
    "p.note{color:var(--muted);font-size:12px;margin:8px 0 0}"
    "footer{color:var(--muted);font-size:12px;text-align:center;padding:0 0 30px}"
    "@media print{body{background:#fff}header.banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "figure,section.tbl,.kpi{box-shadow:none;border:1px solid var(--line);break-inside:avoid}}"
    "@page{size:A4 landscape;margin:12mm}";

/* ---------------------------------------------------------------- numbers */

static const cli_column dec_col = {"v", NULL, CLI_COL_DEC};

/* A value as the tables show it (thousands separators, decimals as given). */
static const char *shown(const char *cell, char *buf, size_t len) { return cli_cell_display(&dec_col, cell, buf, len); }

/* Axis maximum and step: 1, 2 or 5 times a power of ten, about 5 steps. */
static void nice_axis(double max, double *top, double *step)
{
    if (max <= 0) {
        *top = 5;
        *step = 1;
        return;
    }
    double raw = max / 5, mag = pow(10, floor(log10(raw))), norm = raw / mag;
    *step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
    if (*step < 1 && max >= 1)
        *step = 1;
    *top = ceil(max / *step) * *step;
}

static void tick_label(double v, double step, char *buf, size_t len)
{
    char plain[64];
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step));
    snprintf(plain, sizeof plain, "%.*f", decimals, v);
    shown(plain, buf, len);
}

/* ---------------------------------------------------------------- charts */

static const char *col_label(const cli_table *t, const char *key)
{
    int c = cli_table_col_index(t, key);
    const cli_column *col = c < 0 ? NULL : cli_table_column(t, (size_t)c);
    return !col ? key : col->label ? col->label : col->key;
}

static size_t nseries(const cli_chart *ch)
{
    size_t n = 0;
    while (n < CLI_CHART_MAX_SERIES && ch->series[n])
        n++;
    return n;
}

static void legend(FILE *out, const cli_table *t, const cli_chart *ch, double y)
{
    double x = 130;
    for (size_t s = 0; s < nseries(ch); s++) {
        const char *label = col_label(t, ch->series[s]);
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" rx=\"2\" fill=\"%s\"/>", x, y - 10,
                palette[s % PALETTE_N]);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">", x + 17, y);
        esc(out, label);
        fputs("</text>", out);
        x += 30 + 7.5 * (double)cli_text_width(label);
    }
}

static double bars_max(const cli_table *t, const cli_chart *ch)
{
    double max = 0, v;
    for (size_t r = 0; r < cli_table_nrows(t); r++)
        for (size_t s = 0; s < nseries(ch); s++)
            if (cli_cell_number(cli_table_cell(t, r, ch->series[s]), &v) && v > max)
                max = v;
    return max;
}

static void bars_axis(FILE *out, double top, double step, double x0, double x1, double y0, double y1)
{
    char buf[64];
    for (double v = 0; v <= top + step / 2; v += step) {
        double x = x0 + (x1 - x0) * v / top;
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e8ee\"/>", x, y0, x, y1);
        tick_label(v, step, buf, sizeof buf);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6b7c\">%s</text>",
                x, y1 + 15, buf);
    }
}

/* One bar with its value at the end; data-* let a test read the number back. */
static void bar(FILE *out, const cli_chart *ch, size_t s, const char *cell, double x0, double w, double y, double h)
{
    char buf[64];
    shown(cell, buf, sizeof buf);
    fprintf(out, "<g class=\"bar\" data-series=\"%s\" data-value=\"", ch->series[s]);
    esc(out, cell);
    fprintf(out, "\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"2\" fill=\"%s\"><title>", x0, y,
            w > 0 ? w : 0, h, palette[s % PALETTE_N]);
    fprintf(out, "%s%s%s</title></rect>", buf, ch->unit ? " " : "", ch->unit ? ch->unit : "");
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%s</text></g>", x0 + (w > 0 ? w : 0) + 4, y + h - 2.5,
            buf);
}

static void chart_bars(FILE *out, const cli_table *t, const cli_chart *ch)
{
    size_t rows = cli_table_nrows(t), ns = nseries(ch);
    double bh = 13, group = (double)ns * bh + 14, x0 = 130, x1 = CHART_W - 70, y0 = 36;
    double height = y0 + (double)rows * group + 26, top, step;
    nice_axis(bars_max(t, ch), &top, &step);
    fprintf(out, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" data-chart=\"%s\">", CHART_W, height, ch->id);
    legend(out, t, ch, 16);
    bars_axis(out, top, step, x0, x1, y0 - 4, height - 24);
    for (size_t r = 0; r < rows; r++) {
        double gy = y0 + (double)r * group;
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12.5\" text-anchor=\"end\">", x0 - 8,
                gy + (double)ns * bh / 2 + 4);
        esc(out, cli_table_cell(t, r, ch->label_key));
        fputs("</text>", out);
        for (size_t s = 0; s < ns; s++) {
            const char *cell = cli_table_cell(t, r, ch->series[s]);
            double v = 0;
            cli_cell_number(cell, &v);
            bar(out, ch, s, cell ? cell : "", x0, (x1 - x0) * v / top, gy + (double)s * bh, bh - 2);
        }
    }
    fputs("</svg>", out);
}

/* The funnel: one centred band per stage, width proportional to the first stage. */
static void chart_funnel(FILE *out, const cli_table *t, const cli_chart *ch)
{
    size_t ns = nseries(ch);
    double first = 0, v, band = 40, gap = 12, mid = CHART_W / 2 + 40, maxw = CHART_W - 260;
    int c0 = cli_table_col_index(t, ch->series[0]);
    if (c0 >= 0)
        cli_cell_number(cli_table_total_at(t, (size_t)c0), &first);
    fprintf(out, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" data-chart=\"%s\">", CHART_W,
            (double)ns * (band + gap) + 6, ch->id);
    double prev_w = -1;
    for (size_t s = 0; s < ns; s++) {
        int c = cli_table_col_index(t, ch->series[s]);
        const char *cell = c < 0 ? NULL : cli_table_total_at(t, (size_t)c);
        v = 0;
        cli_cell_number(cell, &v);
        double w = first > 0 ? maxw * v / first : 0, y = (double)s * (band + gap) + 3;
        if (w < 2)
            w = 2;
        if (prev_w > 0)
            fprintf(out, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"#1f6f8b\" opacity=\".12\"/>",
                    mid - prev_w / 2, y - gap, mid + prev_w / 2, y - gap, mid + w / 2, y, mid - w / 2, y);
        char buf[64], pct[32] = "";
        if (first > 0)
            snprintf(pct, sizeof pct, " (%.0f%%)", 100.0 * v / first);
        fprintf(out, "<g class=\"stage\" data-series=\"%s\" data-value=\"", ch->series[s]);
        esc(out, cell);
        fprintf(out, "\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"4\" fill=\"%s\" "
                     "opacity=\"%.2f\"/>",
                mid - w / 2, y, w, band, palette[0], 1.0 - 0.11 * (double)s);
        fprintf(out, "<text x=\"8\" y=\"%.1f\" font-size=\"13\">", y + band / 2 + 4.5);
        esc(out, col_label(t, ch->series[s]));
        fprintf(out, "</text><text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" font-weight=\"700\">%s</text>"
                     "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#5b6b7c\">%s</text></g>",
                mid + w / 2 + 8, y + band / 2 + 1, shown(cell, buf, sizeof buf), mid + w / 2 + 8, y + band / 2 + 15,
                pct);
        prev_w = w;
    }
    fputs("</svg>", out);
}

static void kpis(FILE *out, const cli_table *t, const cli_chart *ch)
{
    fprintf(out, "<section class=\"kpis\" data-chart=\"%s\">", ch->id);
    for (size_t s = 0; s < nseries(ch); s++) {
        int c = cli_table_col_index(t, ch->series[s]);
        const char *cell = c < 0 ? NULL : cli_table_total_at(t, (size_t)c);
        if (!cell || !*cell)
            continue;
        const cli_column *col = cli_table_column(t, (size_t)c);
        char buf[64];
        fprintf(out, "<div class=\"kpi\" style=\"border-top-color:%s\" data-series=\"%s\"><div class=\"v\">%s</div>"
                     "<div class=\"l\">",
                palette[s % PALETTE_N], ch->series[s], cli_cell_display(col, cell, buf, sizeof buf));
        esc(out, col->label ? col->label : col->key);
        fprintf(out, "<span class=\"k\">%s</span></div></div>", col->key);
    }
    fputs("</section>", out);
}

static void figure(FILE *out, const cli_report *r, const cli_chart *ch)
{
    const cli_table *t = cli_report_find_table(r, ch->table_id);
    fprintf(out, "<figure id=\"%s\"><figcaption>", ch->id);
    esc(out, ch->title);
    if (ch->unit) {
        fputs(" <small>(", out);
        esc(out, ch->unit);
        fputs(")</small>", out);
    }
    fputs("</figcaption>", out);
    if (!t || cli_table_unavailable(t)) {
        fputs("<div class=\"na\">", out);
        esc(out, t ? cli_table_unavailable(t) : "(no data)");
        fputs("</div>", out);
    } else if (ch->kind == CLI_CHART_BARS && cli_table_nrows(t) == 0) {
        fputs("<div class=\"na\">(no data for this period)</div>", out);
    } else if (ch->kind == CLI_CHART_BARS) {
        chart_bars(out, t, ch);
    } else {
        chart_funnel(out, t, ch);
    }
    fputs("</figure>", out);
}

/* ---------------------------------------------------------------- tables */

static void row(FILE *out, const cli_table *t, size_t r, bool total)
{
    char buf[256];
    fputs(total ? "<tr class=\"total\">" : "<tr>", out);
    for (size_t c = 0; c < cli_table_ncols(t); c++) {
        const cli_column *col = cli_table_column(t, c);
        const char *cell = total ? cli_table_total_at(t, c) : cli_table_at(t, r, c);
        fprintf(out, "<td data-key=\"%s\"%s>", col->key, col->kind == CLI_COL_TEXT ? "" : " class=\"n\"");
        esc(out, cli_cell_display(col, cell, buf, sizeof buf));
        fputs("</td>", out);
    }
    fputs("</tr>", out);
}

static void table(FILE *out, const cli_table *t)
{
    fprintf(out, "<section class=\"tbl\"><h2>");
    esc(out, cli_table_title(t));
    fputs("</h2>", out);
    if (cli_table_unavailable(t)) {
        fputs("<div class=\"na\">", out);
        esc(out, cli_table_unavailable(t));
        fputs("</div></section>", out);
        return;
    }
    fprintf(out, "<table id=\"t-%s\" data-table=\"%s\"><thead><tr>", cli_table_id(t), cli_table_id(t));
    for (size_t c = 0; c < cli_table_ncols(t); c++) {
        const cli_column *col = cli_table_column(t, c);
        fprintf(out, "<th%s>", col->kind == CLI_COL_TEXT ? "" : " class=\"n\"");
        esc(out, col->label ? col->label : col->key);
        fprintf(out, "<span class=\"k\">%s</span></th>", col->key);
    }
    fputs("</tr></thead><tbody>", out);
    for (size_t r = 0; r < cli_table_nrows(t); r++)
        row(out, t, r, false);
    if (cli_table_total_at(t, 0))
        row(out, t, 0, true);
    fputs("</tbody></table>", out);
    if (!cli_table_nrows(t))
        fputs("<div class=\"na\">(none)</div>", out);
    if (cli_table_footnote(t)) {
        fputs("<p class=\"note\">", out);
        esc(out, cli_table_footnote(t));
        fputs("</p>", out);
    }
    fputs("</section>", out);
}

/* ---------------------------------------------------------------- page */

static void banner(FILE *out, const cli_report *r)
{
    fputs("<header class=\"banner\"><div class=\"kicker\">绿色金融数据交换 · gfdx green-finance data exchange</div><h1>",
          out);
    esc(out, cli_report_title(r));
    fputs("</h1>", out);
    if (cli_report_period(r)) {
        fputs("<div class=\"period\">", out);
        esc(out, cli_report_period(r));
        fputs("</div>", out);
    }
    fputs("<dl class=\"facts\">", out);
    for (size_t i = 0; i < cli_report_nfacts(r); i++) {
        const char *key, *label, *value;
        cli_report_fact_at(r, i, &key, &label, &value);
        fprintf(out, "<div data-fact=\"%s\"><dt>", key);
        esc(out, label);
        fputs("</dt><dd>", out);
        esc(out, value);
        fputs("</dd></div>", out);
    }
    fputs("</dl></header>", out);
}

int cli_html_write(const cli_report *r, FILE *out, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>",
          out);
    esc(out, cli_report_title(r));
    if (cli_report_period(r)) {
        fputs(" ", out);
        esc(out, cli_report_period(r));
    }
    fprintf(out, "</title><style>%s</style></head>\n<body>", css);
    banner(out, r);
    fputs("<main>", out);
    for (size_t i = 0; i < cli_report_ncharts(r); i++) {
        const cli_chart *ch = cli_report_chart(r, i);
        const cli_table *t = cli_report_find_table(r, ch->table_id);
        if (ch->kind == CLI_CHART_KPI && t && !cli_table_unavailable(t))
            kpis(out, t, ch);
    }
    size_t nfig = 0;
    for (size_t i = 0; i < cli_report_ncharts(r); i++) {
        const cli_chart *ch = cli_report_chart(r, i);
        if (ch->kind == CLI_CHART_KPI)
            continue;
        if (nfig++ == 0)
            fputs("<section class=\"charts\">", out);
        figure(out, r, ch);
    }
    if (nfig)
        fputs("</section>", out);
    for (size_t i = 0; i < cli_report_ntables(r); i++)
        table(out, cli_report_table(r, i));
    fprintf(out, "</main><footer>gfdx %s · 本报告为自包含 HTML 文件，无外部资源</footer></body></html>\n", GFDX_VERSION);
    return 0;
}
