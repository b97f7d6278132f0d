/* output.c: the report model and its table, CSV and JSON forms (HTML is html.c). */
#define _GNU_SOURCE /* vasprintf */
#include "output.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cli_table {
    char *id, *title, *unavailable, *footnote;
    const cli_column *cols;
    size_t ncols, nrows, cap;
    char **cells; /* nrows * ncols, row-major, never NULL inside */
    char **total; /* ncols cells, or NULL */
};

typedef struct {
    char *key, *label, *value;
} fact;

struct cli_report {
    char *kind, *title, *period;
    fact *facts;
    size_t nfacts;
    cli_table **tables;
    size_t ntables;
    const cli_chart **charts;
    size_t ncharts;
};

int cli_format_parse(const char *name, cli_format *out)
{
    static const char *const names[] = {"table", "csv", "json", "html", "xlsx"};
    for (int i = 0; i < 5; i++)
        if (name && !strcmp(name, names[i])) {
            *out = (cli_format)i;
            return 0;
        }
    return -1;
}

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

/* ---------------------------------------------------------------- tables */

cli_table *cli_table_new(const char *id, const char *title, const cli_column *cols, size_t ncols)
{
    cli_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->id = dup_or_empty(id);
    t->title = dup_or_empty(title);
    t->cols = cols;
    t->ncols = ncols;
    if (!t->id || !t->title) {
        cli_table_free(t);
        return NULL;
    }
    return t;
}

static void free_cells(char **cells, size_t n)
{
    for (size_t i = 0; cells && i < n; i++)
        free(cells[i]);
    free(cells);
}

void cli_table_free(cli_table *t)
{
    if (!t)
        return;
    free_cells(t->cells, t->nrows * t->ncols);
    free_cells(t->total, t->total ? t->ncols : 0);
    free(t->id);
    free(t->title);
    free(t->unavailable);
    free(t->footnote);
    free(t);
}

/* Copies ncols cells into dst; on failure frees what it copied. */
static int copy_cells(char **dst, const char *const *cells, size_t ncols)
{
    for (size_t i = 0; i < ncols; i++) {
        dst[i] = dup_or_empty(cells[i]);
        if (!dst[i]) {
            while (i--)
                free(dst[i]);
            return -1;
        }
    }
    return 0;
}

int cli_table_add(cli_table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **grown = realloc(t->cells, cap * t->ncols * sizeof *grown);
        if (!grown)
            return -1;
        t->cells = grown;
        t->cap = cap;
    }
    if (copy_cells(t->cells + t->nrows * t->ncols, cells, t->ncols))
        return -1;
    t->nrows++;
    return 0;
}

int cli_table_add_total(cli_table *t, const char *const *cells)
{
    char **total = calloc(t->ncols, sizeof *total);
    if (!total || copy_cells(total, cells, t->ncols)) {
        free(total);
        return -1;
    }
    free_cells(t->total, t->total ? t->ncols : 0);
    t->total = total;
    return 0;
}

void cli_table_set_unavailable(cli_table *t, const char *note)
{
    free(t->unavailable);
    t->unavailable = dup_or_empty(note);
}

void cli_table_set_footnote(cli_table *t, const char *text)
{
    free(t->footnote);
    t->footnote = text ? strdup(text) : NULL;
}

size_t cli_table_nrows(const cli_table *t) { return t->nrows; }
size_t cli_table_ncols(const cli_table *t) { return t->ncols; }
const char *cli_table_id(const cli_table *t) { return t->id; }
const char *cli_table_title(const cli_table *t) { return t->title; }
const char *cli_table_unavailable(const cli_table *t) { return t->unavailable; }
const char *cli_table_footnote(const cli_table *t) { return t->footnote; }
const cli_column *cli_table_column(const cli_table *t, size_t i) { return &t->cols[i]; }
const char *cli_table_at(const cli_table *t, size_t row, size_t col) { return t->cells[row * t->ncols + col]; }
const char *cli_table_total_at(const cli_table *t, size_t col) { return t->total ? t->total[col] : NULL; }

int cli_table_col_index(const cli_table *t, const char *key)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i].key, key))
            return (int)i;
    return -1;
}

const char *cli_table_cell(const cli_table *t, size_t row, const char *key)
{
    int c = cli_table_col_index(t, key);
    return c < 0 || row >= t->nrows ? NULL : cli_table_at(t, row, (size_t)c);
}

/* ---------------------------------------------------------------- reports */

cli_report *cli_report_new(const char *kind, const char *title, const char *period)
{
    cli_report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->kind = dup_or_empty(kind);
    r->title = dup_or_empty(title);
    r->period = period ? strdup(period) : NULL;
    if (!r->kind || !r->title || (period && !r->period)) {
        cli_report_free(r);
        return NULL;
    }
    return r;
}

void cli_report_free(cli_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nfacts; i++) {
        free(r->facts[i].key);
        free(r->facts[i].label);
        free(r->facts[i].value);
    }
    for (size_t i = 0; i < r->ntables; i++)
        cli_table_free(r->tables[i]);
    free(r->facts);
    free(r->tables);
    free(r->charts);
    free(r->kind);
    free(r->title);
    free(r->period);
    free(r);
}

int cli_report_fact(cli_report *r, const char *key, const char *label, const char *value)
{
    fact *grown = realloc(r->facts, (r->nfacts + 1) * sizeof *grown);
    if (!grown)
        return -1;
    r->facts = grown;
    fact f = {dup_or_empty(key), dup_or_empty(label ? label : key), dup_or_empty(value)};
    if (!f.key || !f.label || !f.value) {
        free(f.key);
        free(f.label);
        free(f.value);
        return -1;
    }
    r->facts[r->nfacts++] = f;
    return 0;
}

int cli_report_add_table(cli_report *r, cli_table *t)
{
    cli_table **grown = realloc(r->tables, (r->ntables + 1) * sizeof *grown);
    if (!grown) {
        cli_table_free(t);
        return -1;
    }
    r->tables = grown;
    r->tables[r->ntables++] = t;
    return 0;
}

int cli_report_add_chart(cli_report *r, const cli_chart *c)
{
    const cli_chart **grown = realloc(r->charts, (r->ncharts + 1) * sizeof *grown);
    if (!grown)
        return -1;
    r->charts = grown;
    r->charts[r->ncharts++] = c;
    return 0;
}

size_t cli_report_ntables(const cli_report *r) { return r->ntables; }
const cli_table *cli_report_table(const cli_report *r, size_t i) { return r->tables[i]; }
size_t cli_report_ncharts(const cli_report *r) { return r->ncharts; }
const cli_chart *cli_report_chart(const cli_report *r, size_t i) { return r->charts[i]; }
size_t cli_report_nfacts(const cli_report *r) { return r->nfacts; }
const char *cli_report_title(const cli_report *r) { return r->title; }
const char *cli_report_period(const cli_report *r) { return r->period; }

void cli_report_fact_at(const cli_report *r, size_t i, const char **key, const char **label, const char **value)
{
    *key = r->facts[i].key;
    *label = r->facts[i].label;
    *value = r->facts[i].value;
}

const cli_table *cli_report_find_table(const cli_report *r, const char *id)
{
    for (size_t i = 0; i < r->ntables; i++)
        if (!strcmp(r->tables[i]->id, id))
            return r->tables[i];
    return NULL;
}

/* ---------------------------------------------------------------- cells */

bool cli_cell_number(const char *cell, double *out)
{
    if (!cell || !*cell)
        return false;
    char *end;
    errno = 0;
    double v = strtod(cell, &end);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* Copies a plain number ("-12345.50") with thousands separators in its integer part. */
static void group_digits(const char *num, char *buf, size_t len)
{
    size_t o = 0;
    const char *p = num;
    if (*p == '-' && o + 1 < len)
        buf[o++] = *p++;
    size_t digits = strspn(p, "0123456789");
    for (size_t i = 0; i < digits && o + 2 < len; i++) {
        if (i > 0 && (digits - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = p[i];
    }
    for (p += digits; *p && o + 1 < len; p++)
        buf[o++] = *p;
    buf[o] = '\0';
}

const char *cli_cell_display(const cli_column *c, const char *cell, char *buf, size_t len)
{
    double ignored;
    if (c->kind == CLI_COL_TEXT || !cli_cell_number(cell, &ignored))
        snprintf(buf, len, "%s", cell ? cell : "");
    else
        group_digits(cell, buf, len);
    return buf;
}

/* East Asian Wide (W) and Fullwidth (F) ranges (Unicode 15 EastAsianWidth.txt, merged). */
static bool is_wide(uint32_t c)
{
    static const uint32_t wide[][2] = {
        {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},   {0x23F0, 0x23F0},
        {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x267F, 0x267F},
        {0x2693, 0x2693},   {0x26A1, 0x26A1},   {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},
        {0x26CE, 0x26CE},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
        {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},   {0x2728, 0x2728},
        {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
        {0x27B0, 0x27B0},   {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},
        {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
        {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
        {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4}, {0x17000, 0x18CD5}, {0x1B000, 0x1B2FB},
        {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251},
        {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
        {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
    };
    size_t lo = 0, hi = sizeof wide / sizeof wide[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < wide[mid][0])
            hi = mid;
        else if (c > wide[mid][1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

static bool is_zero_width(uint32_t c)
{
    return (c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || (c >= 0xFE00 && c <= 0xFE0F) ||
           c == 0x20E3 || (c >= 0x1AB0 && c <= 0x1AFF) || (c >= 0x20D0 && c <= 0x20FF);
}

/* Decodes one UTF-8 sequence at s; invalid bytes count as one code point U+FFFD. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    int n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0) {
        *cp = 0xFFFD;
        return 1;
    }
    uint32_t c = n == 1 ? s[0] : s[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c;
    return (size_t)n;
}

/* ---------------------------------------------------------------- terminal escaping */

/* Decodes one well-formed UTF-8 sequence (no overlong form, no surrogate, at most
 * U+10FFFF). Its length, or 0 when s does not start one. */
static size_t utf8_strict(const unsigned char *s, uint32_t *cp)
{
    static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0)
        return 0;
    uint32_t c = n == 1 ? s[0] : s[0] & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < least[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* Bidi marks, embeddings, overrides and isolates, and the line/paragraph separators. */
static bool is_bidi_control(uint32_t c)
{
    return c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
           c == 0x061C || c == 0x2028 || c == 0x2029;
}

/* The escape for the sequence at s (n bytes, code point c; n == 0: a stray byte) into esc,
 * or "" when it is shown as it is. */
static const char *escape_of(const unsigned char *s, size_t n, uint32_t c, bool keep_newlines, char *esc, size_t len)
{
    if (n == 0)
        snprintf(esc, len, "\\x%02x", s[0]);
    else if ((c < 0x20 && !(keep_newlines && c == '\n')) || c == 0x7F)
        snprintf(esc, len, "\\x%02x", (unsigned)c);
    else if ((c >= 0x80 && c <= 0x9F) || is_bidi_control(c))
        snprintf(esc, len, "\\u%04x", (unsigned)c);
    else
        esc[0] = '\0';
    return esc;
}

const char *cli_term_text(const char *s, bool keep_newlines, char *buf, size_t len)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    if (!len)
        return buf;
    while (*p) {
        uint32_t c = 0;
        size_t n = utf8_strict(p, &c);
        char esc[16];
        const char *piece = escape_of(p, n, c, keep_newlines, esc, sizeof esc);
        size_t plen = *piece ? strlen(piece) : n;
        if (o + plen >= len)
            break;
        memcpy(buf + o, *piece ? piece : (const char *)p, plen);
        o += plen;
        p += n ? n : 1;
    }
    buf[o] = '\0';
    return buf;
}

void cli_term_puts(const char *s, FILE *out)
{
    size_t len = strlen(s ? s : "") * 6 + 1; /* at worst every byte becomes \xNN (4) or \uNNNN per 2 */
    char small[1024], *buf = len <= sizeof small ? small : malloc(len);
    if (!buf)
        return;
    fputs(cli_term_text(s, true, buf, len), out);
    if (buf != small)
        free(buf);
}

void cli_term_vprintf(FILE *out, const char *fmt, va_list ap)
{
    char *text = NULL;
    if (vasprintf(&text, fmt, ap) < 0)
        return;
    cli_term_puts(text, out);
    free(text);
}

void cli_term_printf(FILE *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_term_vprintf(out, fmt, ap);
    va_end(ap);
}

/* A cell a spreadsheet would evaluate: = + - @ tab CR first (OWASP CSV injection). */
static bool csv_is_formula(const char *cell)
{
    return cell && *cell && strchr("=+-@\t\r", cell[0]);
}

size_t cli_text_width(const char *utf8)
{
    size_t w = 0;
    const unsigned char *s = (const unsigned char *)utf8;
    while (s && *s) {
        uint32_t c;
        s += utf8_next(s, &c);
        w += is_zero_width(c) ? 0 : is_wide(c) ? 2 : 1;
    }
    return w;
}

/* ---------------------------------------------------------------- table form */

static void pad(FILE *out, size_t n)
{
    while (n--)
        fputc(' ', out);
}

static void put_cell(FILE *out, const char *text, size_t width, bool right, bool last)
{
    size_t w = cli_text_width(text);
    size_t gap = width > w ? width - w : 0;
    if (right)
        pad(out, gap);
    fputs(text, out);
    if (!right)
        pad(out, gap);
    fputs(last ? "\n" : "  ", out);
}

static const char *text_cell(const cli_column *c, const char *cell, char *buf, size_t len);

static size_t cell_width(const cli_column *c, const char *cell)
{
    char buf[1024];
    return cli_text_width(text_cell(c, cell, buf, sizeof buf));
}

/* Widths of every column into w[]: label, key, cells and total. */
static void column_widths(const cli_table *t, size_t *w)
{
    for (size_t c = 0; c < t->ncols; c++) {
        const cli_column *col = &t->cols[c];
        size_t lw = cli_text_width(col->label ? col->label : col->key), kw = cli_text_width(col->key);
        w[c] = lw > kw ? lw : kw;
        for (size_t r = 0; r <= t->nrows; r++) {
            const char *cell = r < t->nrows ? cli_table_at(t, r, c) : cli_table_total_at(t, c);
            size_t cw = cell ? cell_width(col, cell) : 0;
            if (cw > w[c])
                w[c] = cw;
        }
    }
}

static void rule(FILE *out, const size_t *w, size_t ncols)
{
    size_t total = 0;
    for (size_t c = 0; c < ncols; c++)
        total += w[c] + (c + 1 < ncols ? 2 : 0);
    while (total--)
        fputc('-', out);
    fputc('\n', out);
}

/* A cell for the terminal: as displayed, escaped, and "-" for an empty number. */
static const char *text_cell(const cli_column *c, const char *cell, char *buf, size_t len)
{
    char shown[256];
    if (c->kind != CLI_COL_TEXT && !*cell)
        return "-";
    return cli_term_text(cli_cell_display(c, cell, shown, sizeof shown), false, buf, len);
}

static void table_row(FILE *out, const cli_table *t, const size_t *w, char *const *cells)
{
    char buf[1024];
    for (size_t c = 0; c < t->ncols; c++)
        put_cell(out, text_cell(&t->cols[c], cells[c], buf, sizeof buf), w[c], t->cols[c].kind != CLI_COL_TEXT,
                 c + 1 == t->ncols);
}

static int write_table_text(const cli_table *t, FILE *out)
{
    cli_term_printf(out, "%s\n", t->title);
    if (t->unavailable) {
        cli_term_printf(out, "  %s\n", t->unavailable);
        return 0;
    }
    size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof *w);
    if (!w)
        return -1;
    column_widths(t, w);
    bool labels = false;
    for (size_t c = 0; c < t->ncols; c++) {
        labels |= t->cols[c].label && strcmp(t->cols[c].label, t->cols[c].key);
    }
    for (size_t c = 0; labels && c < t->ncols; c++)
        put_cell(out, t->cols[c].label ? t->cols[c].label : t->cols[c].key, w[c], t->cols[c].kind != CLI_COL_TEXT,
                 c + 1 == t->ncols);
    for (size_t c = 0; c < t->ncols; c++)
        put_cell(out, t->cols[c].key, w[c], t->cols[c].kind != CLI_COL_TEXT, c + 1 == t->ncols);
    rule(out, w, t->ncols);
    for (size_t r = 0; r < t->nrows; r++)
        table_row(out, t, w, t->cells + r * t->ncols);
    if (!t->nrows)
        fprintf(out, "(none)\n");
    if (t->total) {
        rule(out, w, t->ncols);
        table_row(out, t, w, t->total);
    }
    free(w);
    return 0;
}

static int write_text(const cli_report *r, FILE *out)
{
    cli_term_printf(out, "%s%s%s\n", r->title, r->period ? "  " : "", r->period ? r->period : "");
    for (size_t i = 0; i < r->nfacts; i++)
        cli_term_printf(out, "%s: %s\n", r->facts[i].label, r->facts[i].value);
    for (size_t i = 0; i < r->ntables; i++) {
        fputc('\n', out);
        if (write_table_text(r->tables[i], out))
            return -1;
        if (r->tables[i]->footnote)
            cli_term_printf(out, "%s\n", r->tables[i]->footnote);
    }
    return 0;
}

/* ---------------------------------------------------------------- CSV (RFC 4180) */

/* One field; a formula-like cell (csv_is_formula) that is not a plain number gets a
 * leading single quote, so a spreadsheet shows it as text. */
static void csv_field(FILE *out, const char *s, bool last)
{
    double ignored;
    bool neutral = csv_is_formula(s) && (s[0] == '\t' || s[0] == '\r' || !cli_cell_number(s, &ignored));
    if (neutral || strpbrk(s, ",\"\r\n")) {
        fputc('"', out);
        if (neutral)
            fputc('\'', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else {
        fputs(s, out);
    }
    fputs(last ? "\r\n" : ",", out);
}

static void write_csv(const cli_table *t, bool zh_headers, FILE *out)
{
    for (size_t c = 0; c < t->ncols; c++)
        csv_field(out, zh_headers && t->cols[c].label ? t->cols[c].label : t->cols[c].key, c + 1 == t->ncols);
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++)
            csv_field(out, cli_table_at(t, r, c), c + 1 == t->ncols);
    for (size_t c = 0; t->total && c < t->ncols; c++)
        csv_field(out, t->total[c], c + 1 == t->ncols);
}

/* ---------------------------------------------------------------- JSON */

static json_t *json_cell(const cli_column *c, const char *cell)
{
    double v;
    if (c->kind == CLI_COL_TEXT)
        return json_string(cell);
    if (!cli_cell_number(cell, &v))
        return json_null();
    if (c->kind == CLI_COL_INT)
        return json_integer(strtoll(cell, NULL, 10));
    return json_real(v);
}

static json_t *json_row(const cli_table *t, char *const *cells)
{
    json_t *o = json_object();
    for (size_t c = 0; o && c < t->ncols; c++)
        json_object_set_new(o, t->cols[c].key, json_cell(&t->cols[c], cells[c]));
    return o;
}

static json_t *json_table(const cli_table *t)
{
    json_t *cols = json_array(), *rows = json_array();
    for (size_t c = 0; c < t->ncols; c++)
        json_array_append_new(cols, json_pack("{s:s, s:s, s:s}", "key", t->cols[c].key, "label",
                                              t->cols[c].label ? t->cols[c].label : t->cols[c].key, "kind",
                                              t->cols[c].kind == CLI_COL_TEXT ? "text"
                                              : t->cols[c].kind == CLI_COL_INT ? "integer" : "decimal"));
    for (size_t r = 0; r < t->nrows; r++)
        json_array_append_new(rows, json_row(t, t->cells + r * t->ncols));
    json_t *o = json_pack("{s:s, s:b, s:o, s:o, s:o}", "title", t->title, "deployed", t->unavailable == NULL,
                          "columns", cols, "rows", rows, "total", t->total ? json_row(t, t->total) : json_null());
    if (o && t->unavailable)
        json_object_set_new(o, "note", json_string(t->unavailable));
    if (o && t->footnote)
        json_object_set_new(o, "footnote", json_string(t->footnote));
    return o;
}

static int write_json(const cli_report *r, FILE *out)
{
    json_t *facts = json_object(), *tables = json_object();
    for (size_t i = 0; i < r->nfacts; i++)
        json_object_set_new(facts, r->facts[i].key, json_string(r->facts[i].value));
    for (size_t i = 0; i < r->ntables; i++)
        json_object_set_new(tables, r->tables[i]->id, json_table(r->tables[i]));
    json_t *o = json_pack("{s:s, s:s, s:s?, s:o, s:o}", "report", r->kind, "title", r->title, "period", r->period,
                          "facts", facts, "tables", tables);
    if (!o)
        return -1;
    int rc = json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    fputc('\n', out);
    json_decref(o);
    return rc;
}

/* ---------------------------------------------------------------- dispatch */

int cli_report_write(const cli_report *r, const cli_write_opts *o, FILE *out, char *err, size_t errlen)
{
    int rc = 0;
    cli_format f = o->format;
    const char *csv_table = o->csv_table;
    if (errlen)
        err[0] = '\0';
    if (f == CLI_FMT_CSV) {
        const cli_table *t = csv_table ? cli_report_find_table(r, csv_table) : r->ntables ? r->tables[0] : NULL;
        if (!t) {
            snprintf(err, errlen, "no table \"%s\" in this report", csv_table ? csv_table : "");
            return -1;
        }
        write_csv(t, o->zh_headers, out);
    } else if (f == CLI_FMT_JSON) {
        rc = write_json(r, out);
    } else if (f == CLI_FMT_HTML) {
        rc = cli_html_write(r, out, err, errlen);
    } else if (f == CLI_FMT_XLSX) {
        rc = cli_xlsx_write(r, out, err, errlen);
    } else {
        rc = write_text(r, out);
    }
    if (rc == 0 && (fflush(out) || ferror(out))) {
        snprintf(err, errlen, "write error: %s", strerror(errno));
        return -1;
    }
    if (rc && !*err)
        snprintf(err, errlen, "out of memory while rendering the report");
    return rc ? -1 : 0;
}
