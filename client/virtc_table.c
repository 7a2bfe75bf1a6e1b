/* virtc_table.c: virsh-style text tables for virtc (see virtc_table.h). Control characters in
 * cells are shown as \xNN so that a name from the server cannot break the layout. */
#include "virtc_table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define VIRTC_TABLE_MAX_COLUMNS 16

struct virtc_table {
    size_t ncols;
    size_t nrows;            /* including the header row */
    size_t cap;
    char **cells;            /* nrows * ncols, row-major */
};

/* A printable copy of s: control characters become \xNN. */
static char *cell_copy(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len * 4 + 1);
    if (!out)
        return NULL;
    char *p = out;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            *p++ = '\\';
            *p++ = 'x';
            *p++ = hex[*c >> 4];
            *p++ = hex[*c & 15];
        } else {
            *p++ = (char)*c;
        }
    }
    *p = '\0';
    return out;
}

/* Display width of a UTF-8 string: counts code points (no wide characters in our tables). */
static size_t cell_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if ((*c & 0xc0) != 0x80)
            w++;
    return w;
}

static int add_row_va(virtc_table *t, const char *first, va_list ap)
{
    const char *cells[VIRTC_TABLE_MAX_COLUMNS];
    size_t n = 0;
    for (const char *s = first; s; s = va_arg(ap, const char *)) {
        if (n == VIRTC_TABLE_MAX_COLUMNS)
            return -1;
        cells[n++] = s;
    }
    if (n == 0 || (t->ncols && n != t->ncols))
        return -1;
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 8;
        char **grown = realloc(t->cells, cap * n * sizeof(*grown));
        if (!grown)
            return -1;
        t->cells = grown;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows * n;
    for (size_t i = 0; i < n; i++) {
        row[i] = cell_copy(cells[i]);
        if (!row[i]) {
            while (i > 0)
                free(row[--i]);
            return -1;
        }
    }
    t->ncols = n;
    t->nrows++;
    return 0;
}

virtc_table *virtc_table_new(const char *first, ...)
{
    virtc_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    va_list ap;
    va_start(ap, first);
    int rc = add_row_va(t, first, ap);
    va_end(ap);
    if (rc < 0) {
        virtc_table_free(t);
        return NULL;
    }
    return t;
}

int virtc_table_add_row(virtc_table *t, const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    int rc = add_row_va(t, first, ap);
    va_end(ap);
    return rc;
}

static void print_row(const virtc_table *t, size_t r, const size_t *widths, FILE *out)
{
    char *const *row = t->cells + r * t->ncols;
    for (size_t c = 0; c < t->ncols; c++) {
        fprintf(out, " %s", row[c]);
        if (c + 1 < t->ncols)
            fprintf(out, "%*s", (int)(widths[c] - cell_width(row[c]) + 2), "");
    }
    fputc('\n', out);
}

void virtc_table_print(const virtc_table *t, FILE *out)
{
    size_t widths[VIRTC_TABLE_MAX_COLUMNS] = {0};
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t w = cell_width(t->cells[r * t->ncols + c]);
            if (w > widths[c])
                widths[c] = w;
        }
    print_row(t, 0, widths, out);
    for (size_t c = 0; c < t->ncols; c++)
        for (size_t i = 0; i < widths[c] + 3; i++)
            fputc('-', out);
    fputc('\n', out);
    for (size_t r = 1; r < t->nrows; r++)
        print_row(t, r, widths, out);
}

void virtc_table_free(virtc_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}
