/* output.h: what the CLI's read commands print. A report is a title, a period, a few
 * "key: value" facts (generated at, time zone, ...), one or more tables and, for the HTML
 * form, charts drawn from those tables. The same report renders as
 *
 *   table  aligned columns for a terminal; East Asian wide characters (汉字, full-width
 *          forms) count as 2 columns, combining marks as 0; numbers right-aligned with
 *          thousands separators; two header lines: the label (中文) and the key;
 *   csv    RFC 4180 (CRLF line ends, fields with , " CR LF quoted, "" for "), one table:
 *          the report's first one unless another is chosen; header = the column keys;
 *          numbers without separators; a cell a spreadsheet would run as a formula (first
 *          character = + - @, tab or CR, and not a plain number) gets a leading single
 *          quote (OWASP CSV injection);
 *   json   one object: report, title, period, facts, tables {id: {title, deployed,
 *          columns, rows[{key: value}], total}}; numbers as JSON numbers;
 *   html   one self-contained page (html.c): inline CSS and inline SVG charts, no script,
 *          nothing fetched; the tables under the charts carry the CSV's numbers;
 *   xlsx   a workbook in the agencies' layout (xlsx.c, libxlsxwriter): one sheet per table,
 *          the Chinese headings with their units, numeric cells, the total row in bold,
 *          frozen heading rows.
 * CSV's header is the column keys, or with zh_headers the labels a person reads (Chinese).
 *
 * Cells are text. A column's kind says how the text is to be read: TEXT as is, INT an
 * integer, DEC a decimal ("1234.50"): right-aligned, JSON numbers, chart values. An
 * empty cell of a numeric column is null in JSON.
 *
 * Ownership: a report owns its tables; every string given to a table or a report is copied
 * except column definitions and chart definitions, which must outlive the report (they are
 * static tables in practice). Every _free accepts NULL. */
#ifndef GFDX_CLI_OUTPUT_H
#define GFDX_CLI_OUTPUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum { CLI_FMT_TABLE, CLI_FMT_CSV, CLI_FMT_JSON, CLI_FMT_HTML, CLI_FMT_XLSX } cli_format;

/* "table" | "csv" | "json" | "html" | "xlsx" -> *out. 0, or -1 for anything else. */
int cli_format_parse(const char *name, cli_format *out);

typedef enum { CLI_COL_TEXT, CLI_COL_INT, CLI_COL_DEC } cli_col_kind;

typedef struct {
    const char *key;   /* ASCII id: CSV header, JSON key */
    const char *label; /* what a person reads (may be Chinese); NULL = key */
    cli_col_kind kind;
} cli_column;

typedef enum {
    CLI_CHART_KPI,    /* one card per series: the value in the table's total row */
    CLI_CHART_BARS,   /* one group of horizontal bars per row (total row excluded) */
    CLI_CHART_FUNNEL  /* one stage per series, from the total row, % of the first stage */
} cli_chart_kind;

#define CLI_CHART_MAX_SERIES 8

typedef struct {
    cli_chart_kind kind;
    const char *id;        /* HTML id of the figure */
    const char *title;
    const char *unit;      /* shown after values, e.g. "万元" or "项"; may be NULL */
    const char *table_id;  /* the table whose cells are drawn */
    const char *label_key; /* BARS: the column naming each group */
    const char *series[CLI_CHART_MAX_SERIES]; /* column keys; NULL-terminated */
} cli_chart;

typedef struct cli_table cli_table;
typedef struct cli_report cli_report;

/* A table of cols[0..ncols). id is an HTML/JSON-safe name ("provinces"). NULL when out of
 * memory. */
cli_table *cli_table_new(const char *id, const char *title, const cli_column *cols, size_t ncols);
void cli_table_free(cli_table *t);

/* Appends a row of ncols cells (copied; NULL = empty). 0, or -1 when out of memory. */
int cli_table_add(cli_table *t, const char *const *cells) __attribute__((warn_unused_result));

/* Appends the total row (rendered apart, excluded from bar charts). Same contract. */
int cli_table_add_total(cli_table *t, const char *const *cells) __attribute__((warn_unused_result));

/* Marks the table as not available (e.g. the service owning its data is not deployed):
 * it renders as its title and the note, with no rows. note is copied. */
void cli_table_set_unavailable(cli_table *t, const char *note);

/* An optional line printed under the table (copied), e.g. what a column counts. */
void cli_table_set_footnote(cli_table *t, const char *text);

size_t cli_table_nrows(const cli_table *t);                 /* total row excluded */
const char *cli_table_cell(const cli_table *t, size_t row, const char *key); /* NULL if none */

/* kind: "quarter", "dead-letters", ... ; period may be NULL. NULL when out of memory. */
cli_report *cli_report_new(const char *kind, const char *title, const char *period);
void cli_report_free(cli_report *r);

/* Adds a fact shown in the header ("generated_at", "生成时间", "2026-04-01 09:00:00"). */
int cli_report_fact(cli_report *r, const char *key, const char *label, const char *value)
    __attribute__((warn_unused_result));

/* Takes ownership of t in every case (freed on failure). */
int cli_report_add_table(cli_report *r, cli_table *t) __attribute__((warn_unused_result));

/* Adds a chart (the definition is borrowed). Charts only appear in HTML. */
int cli_report_add_chart(cli_report *r, const cli_chart *c) __attribute__((warn_unused_result));

/* How a report is written. */
typedef struct {
    cli_format format;
    const char *csv_table; /* CSV: the table to write (NULL = the first) */
    bool zh_headers;       /* CSV: the header row is the columns' labels, not their keys */
} cli_write_opts;

/* Writes the report. 0, or -1 with err (unknown table, write error). */
int cli_report_write(const cli_report *r, const cli_write_opts *o, FILE *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* ---- for the renderers (output.c, html.c) ---- */

size_t cli_report_ntables(const cli_report *r);
const cli_table *cli_report_table(const cli_report *r, size_t i);
const cli_table *cli_report_find_table(const cli_report *r, const char *id);
size_t cli_report_ncharts(const cli_report *r);
const cli_chart *cli_report_chart(const cli_report *r, size_t i);
size_t cli_report_nfacts(const cli_report *r);
void cli_report_fact_at(const cli_report *r, size_t i, const char **key, const char **label, const char **value);
const char *cli_report_title(const cli_report *r);
const char *cli_report_period(const cli_report *r);

const char *cli_table_id(const cli_table *t);
const char *cli_table_title(const cli_table *t);
const char *cli_table_unavailable(const cli_table *t); /* the note, or NULL when available */
const char *cli_table_footnote(const cli_table *t);   /* NULL when none */
size_t cli_table_ncols(const cli_table *t);
const cli_column *cli_table_column(const cli_table *t, size_t i);
int cli_table_col_index(const cli_table *t, const char *key); /* -1 if none */
const char *cli_table_at(const cli_table *t, size_t row, size_t col); /* "" for NULL cells */
const char *cli_table_total_at(const cli_table *t, size_t col);        /* NULL when no total */

/* The number a cell of an INT or DEC column holds; false when empty or not a number. */
bool cli_cell_number(const char *cell, double *out);

/* A cell as a person reads it: INT and DEC with thousands separators ("12,345.50"),
 * TEXT unchanged. Writes into buf (truncated to fit) and returns buf. */
const char *cli_cell_display(const cli_column *c, const char *cell, char *buf, size_t len);

/* ---- what reaches an operator's terminal ----
 *
 * Text that came from outside (Kafka keys, names, reasons) may hold escape sequences that
 * set a terminal's title, clear its screen or reorder what it shows. Every table and text
 * form goes through these: each C0 control, DEL and C1 control is shown as \xNN (\x1b),
 * each bidi mark, embedding, override or isolate (U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069) as \uNNNN (\u202e), a byte that is not UTF-8 as \xNN; a backslash stays
 * as it is. keep_newlines keeps '\n' (multi-line text such as a record's JSON). */

/* Writes the escaped form of s into buf (truncated to fit, never inside an escape) and
 * returns buf. */
const char *cli_term_text(const char *s, bool keep_newlines, char *buf, size_t len);

/* fputs of the escaped s (newlines kept). */
void cli_term_puts(const char *s, FILE *out);

/* printf to a terminal: the formatted text is written escaped, newlines kept (so a format's
 * own "\n" ends lines; a value's control characters are shown, not obeyed). */
void cli_term_printf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_term_vprintf(FILE *out, const char *fmt, va_list ap);

/* Terminal columns taken by a UTF-8 string (East Asian wide = 2, combining = 0). */
size_t cli_text_width(const char *utf8);

/* Renders the HTML form (html.c). 0, or -1 with err. */
int cli_html_write(const cli_report *r, FILE *out, char *err, size_t errlen);

/* Renders the XLSX form (xlsx.c). 0, or -1 with err. */
int cli_xlsx_write(const cli_report *r, FILE *out, char *err, size_t errlen);

#endif
