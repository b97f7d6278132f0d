/* xlsx.c: the XLSX form of a report (output.h), written with libxlsxwriter, in the layout of
 * the agencies' own forms:
 *
 *   - one worksheet per table, named after the table's title (Excel's rules: at most 31
 *     characters, none of []:*?/\, unique in the workbook);
 *   - row 1 the report's title and the table's, row 2 the period and the report's facts,
 *     row 4 the column headings as a person reads them (the Chinese label, with its unit, e.g.
 *     "授信金额(万元)"), then the rows, then the total row in bold, then the table's footnote;
 *   - the heading rows are frozen, so they stay in view while scrolling;
 *   - numbers are numbers: INT and DEC cells are written as numeric cells (#,##0 and
 *     #,##0.00), so a spreadsheet sums them; an empty numeric cell stays blank;
 *   - a table that is not available shows its note in place of the rows.
 *
 * libxlsxwriter 1.1 writes to a named file only: the workbook goes to a private temporary
 * file (mkstemp, $TMPDIR or /tmp) that is then copied to `out` and removed, so the XLSX form
 * goes wherever the others go (standard output, or --out's atomic FILE.tmp + rename). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "output.h"

#define HEADER_ROW 3   /* 0-based: title, facts, blank, headings */
#define MAX_COL_WIDTH 60

typedef struct {
    lxw_format *title, *facts, *head, *text, *integer, *decimal, *total_text, *total_int, *total_dec, *note;
} xlsx_formats;

static lxw_format *number_format(lxw_workbook *wb, const char *num, bool bold)
{
    lxw_format *f = workbook_add_format(wb);
    format_set_num_format(f, num);
    if (bold)
        format_set_bold(f);
    format_set_border(f, LXW_BORDER_THIN);
    return f;
}

static void make_formats(lxw_workbook *wb, xlsx_formats *x)
{
    x->title = workbook_add_format(wb);
    format_set_bold(x->title);
    format_set_font_size(x->title, 14);
    x->facts = workbook_add_format(wb);
    format_set_font_color(x->facts, 0x595959);
    x->head = workbook_add_format(wb);
    format_set_bold(x->head);
    format_set_text_wrap(x->head);
    format_set_align(x->head, LXW_ALIGN_CENTER);
    format_set_align(x->head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_bg_color(x->head, 0xDDEBF7);
    format_set_border(x->head, LXW_BORDER_THIN);
    x->text = number_format(wb, "@", false);
    x->integer = number_format(wb, "#,##0", false);
    x->decimal = number_format(wb, "#,##0.00", false);
    x->total_text = number_format(wb, "@", true);
    x->total_int = number_format(wb, "#,##0", true);
    x->total_dec = number_format(wb, "#,##0.00", true);
    x->note = workbook_add_format(wb);
    format_set_italic(x->note);
}

/* Copies the first `max` characters (not bytes) of UTF-8 s into out. */
static void utf8_prefix(const char *s, size_t max, char *out, size_t outlen)
{
    size_t i = 0, chars = 0;
    while (s[i] && i + 4 < outlen) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max)
            break;
        out[i] = s[i];
        i++;
    }
    while (i > 0 && ((unsigned char)out[i - 1] & 0xC0) == 0xC0) /* never end inside a character */
        i--;
    out[i] = '\0';
}

/* A worksheet name for table t: its title (else id) with Excel's forbidden characters
 * replaced, at most 31 characters, made unique with "~N" among the first `index` sheets. */
static void sheet_name(lxw_workbook *wb, const cli_table *t, size_t index, char *out, size_t outlen)
{
    char clean[256];
    const char *title = cli_table_title(t) && *cli_table_title(t) ? cli_table_title(t) : cli_table_id(t);
    snprintf(clean, sizeof clean, "%s", title);
    for (char *p = clean; *p; p++)
        if (strchr("[]:*?/\\", *p) || (unsigned char)*p < 0x20)
            *p = '_';
    if (clean[0] == '\'')
        clean[0] = '_';
    utf8_prefix(clean, 31, out, outlen);
    for (int n = 2; workbook_get_worksheet_by_name(wb, out) && n < 1000; n++) {
        char suffix[8], base[256];
        snprintf(suffix, sizeof suffix, "~%d", n);
        utf8_prefix(clean, 31 - strlen(suffix), base, sizeof base);
        snprintf(out, outlen, "%s%s", base, suffix);
    }
    if (!*out)
        snprintf(out, outlen, "Sheet%zu", index + 1);
}

/* Row 2: the period and every fact as "label: value", joined. */
static void write_facts(lxw_worksheet *ws, const cli_report *r, const xlsx_formats *x)
{
    char line[2048] = "";
    size_t used = 0;
    if (cli_report_period(r))
        used += (size_t)snprintf(line, sizeof line, "期间 %s", cli_report_period(r));
    for (size_t i = 0; i < cli_report_nfacts(r) && used < sizeof line; i++) {
        const char *key, *label, *value;
        cli_report_fact_at(r, i, &key, &label, &value);
        used += (size_t)snprintf(line + used, sizeof line - used, "%s%s: %s", used ? " · " : "",
                                 label ? label : key, value ? value : "");
    }
    worksheet_write_string(ws, 1, 0, line, x->facts);
}

/* One cell: numbers of INT/DEC columns as numbers, the rest as text. */
static void write_cell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const cli_column *c, const char *cell,
                       bool total, const xlsx_formats *x)
{
    double v;
    if (c->kind != CLI_COL_TEXT && cli_cell_number(cell, &v)) {
        lxw_format *f = c->kind == CLI_COL_INT ? (total ? x->total_int : x->integer)
                                               : (total ? x->total_dec : x->decimal);
        worksheet_write_number(ws, row, col, v, f);
    } else if (cell && *cell) {
        worksheet_write_string(ws, row, col, cell, total ? x->total_text : x->text);
    } else {
        worksheet_write_blank(ws, row, col, total ? x->total_text : x->text);
    }
}

/* Column widths from the widest heading or cell (East Asian wide characters count 2). */
static void set_widths(lxw_worksheet *ws, const cli_table *t)
{
    for (size_t c = 0; c < cli_table_ncols(t); c++) {
        const cli_column *col = cli_table_column(t, c);
        size_t w = cli_text_width(col->label ? col->label : col->key);
        for (size_t r = 0; r < cli_table_nrows(t); r++) {
            size_t cw = cli_text_width(cli_table_at(t, r, c)) + (col->kind == CLI_COL_TEXT ? 0 : 3);
            w = cw > w ? cw : w;
        }
        w = w + 2 > MAX_COL_WIDTH ? MAX_COL_WIDTH : w + 2;
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, (double)w, NULL);
    }
}

static void write_rows(lxw_worksheet *ws, const cli_table *t, const xlsx_formats *x, lxw_row_t *row)
{
    size_t ncols = cli_table_ncols(t);
    for (size_t c = 0; c < ncols; c++) {
        const cli_column *col = cli_table_column(t, c);
        worksheet_write_string(ws, HEADER_ROW, (lxw_col_t)c, col->label ? col->label : col->key, x->head);
    }
    worksheet_freeze_panes(ws, HEADER_ROW + 1, 0);
    for (size_t r = 0; r < cli_table_nrows(t); r++, (*row)++)
        for (size_t c = 0; c < ncols; c++)
            write_cell(ws, *row, (lxw_col_t)c, cli_table_column(t, c), cli_table_at(t, r, c), false, x);
    if (cli_table_total_at(t, 0)) {
        for (size_t c = 0; c < ncols; c++)
            write_cell(ws, *row, (lxw_col_t)c, cli_table_column(t, c), cli_table_total_at(t, c), true, x);
        (*row)++;
    }
    set_widths(ws, t);
}

static int write_sheet(lxw_workbook *wb, const cli_report *r, const cli_table *t, size_t index,
                       const xlsx_formats *x)
{
    char name[160], title[512];
    sheet_name(wb, t, index, name, sizeof name);
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    if (!ws)
        return -1;
    snprintf(title, sizeof title, "%s — %s", cli_report_title(r) ? cli_report_title(r) : "",
             cli_table_title(t) ? cli_table_title(t) : cli_table_id(t));
    worksheet_write_string(ws, 0, 0, title, x->title);
    write_facts(ws, r, x);
    lxw_row_t row = HEADER_ROW + 1;
    if (cli_table_unavailable(t))
        worksheet_write_string(ws, HEADER_ROW, 0, cli_table_unavailable(t), x->note);
    else
        write_rows(ws, t, x, &row);
    if (cli_table_footnote(t))
        worksheet_write_string(ws, row + 1, 0, cli_table_footnote(t), x->note);
    return 0;
}

/* A report without tables: one sheet with its title and facts. */
static int write_facts_only(lxw_workbook *wb, const cli_report *r, const xlsx_formats *x)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    if (!ws)
        return -1;
    worksheet_write_string(ws, 0, 0, cli_report_title(r) ? cli_report_title(r) : "", x->title);
    write_facts(ws, r, x);
    return 0;
}

/* Copies the file at path to out. 0, or -1 with err. */
static int copy_to(const char *path, FILE *out, char *err, size_t errlen)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char buf[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (ferror(in) || rc)
        snprintf(err, errlen, "copying the workbook: %s", strerror(errno));
    rc = ferror(in) || rc ? -1 : 0;
    fclose(in);
    return rc;
}

static int write_workbook(const cli_report *r, const char *path, char *err, size_t errlen)
{
    lxw_workbook *wb = workbook_new(path);
    if (!wb) {
        snprintf(err, errlen, "cannot create the workbook");
        return -1;
    }
    xlsx_formats x;
    make_formats(wb, &x);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < cli_report_ntables(r); i++)
        rc = write_sheet(wb, r, cli_report_table(r, i), i, &x);
    if (rc == 0 && cli_report_ntables(r) == 0)
        rc = write_facts_only(wb, r, &x);
    lxw_error e = workbook_close(wb);
    if (rc == 0 && e != LXW_NO_ERROR) {
        snprintf(err, errlen, "writing the workbook: %s", lxw_strerror(e));
        rc = -1;
    } else if (rc) {
        snprintf(err, errlen, "cannot add a worksheet");
    }
    return rc;
}

int cli_xlsx_write(const cli_report *r, FILE *out, char *err, size_t errlen)
{
    const char *dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[4096];
    snprintf(path, sizeof path, "%s/gfdx-report-XXXXXX", dir);
    int fd = mkstemp(path); /* 0600: the report may be confidential */
    if (fd < 0) {
        snprintf(err, errlen, "temporary file in %s: %s", dir, strerror(errno));
        return -1;
    }
    close(fd);
    int rc = write_workbook(r, path, err, errlen);
    if (rc == 0)
        rc = copy_to(path, out, err, errlen);
    unlink(path);
    return rc;
}
