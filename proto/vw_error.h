/* vw_error.h: the one error record of every parser, loader and decoder (jansson-style: where,
 * then why), and the one way it is printed.
 *
 * Owns: vw_error, filling it (by hand or from jansson's json_error_t) and formatting it as
 *   SOURCE:LINE:COL: text
 * where each of SOURCE, LINE and COL is left out when unknown (empty source, line 0, column 0):
 * "--scenario s.json:3:7: ...", "t.trace:12: ...", "packet byte 40: ..." (offset only is the
 * decoders' case: they print the offset themselves, it is not part of the position).
 * Libvirt's own errors (code, domain, message, str1..3) are not this record: see virerror.h.
 *
 *   vw_error e;
 *   json_t *doc = vw_load_json_file(path, max, &jerr);
 *   if (!doc) { vw_error_from_json(&e, path, &jerr); vw_error_format(&e, msg, sizeof(msg)); }
 */
#ifndef VW_ERROR_H
#define VW_ERROR_H

#include <stddef.h>

#include <jansson.h>

typedef struct vw_error {
    char source[256];        /* file name or what was read; "" when not tied to one */
    unsigned long line;      /* 1-based; 0 when not tied to a line (e.g. the file cannot be opened) */
    unsigned long column;    /* 1-based; 0 when unknown */
    size_t offset;           /* bytes from the start of the input the failing function was given */
    char text[512];          /* a sentence a person can act on, without the position */
} vw_error;

/* Fills *err (if not NULL): source (NULL = ""), line, column, offset and a printf-style text.
 * Always returns -1, so a failing function can end with `return vw_error_set(...)`. */
int vw_error_set(vw_error *err, const char *source, unsigned long line, unsigned long column,
                 size_t offset, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Fills *err from jansson's record of a failed json_load*: line -1 (the file could not be read,
 * vw_load_json_file's convention) becomes line 0. Always returns -1. */
int vw_error_from_json(vw_error *err, const char *source, const json_error_t *jerr);

/* Sets the source when the record has none yet (a decoder or reader that did not know the file
 * name fills the rest; its caller names the file). */
void vw_error_set_source(vw_error *err, const char *source);

/* "SOURCE:LINE:COL: text" (the unknown parts left out; "text" alone when all are unknown) into
 * buf, always NUL-terminated. Returns buf. */
const char *vw_error_format(const vw_error *err, char *buf, size_t len);

#endif
