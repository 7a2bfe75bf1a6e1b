/* vw_error.c: the one error record and its one printed form (vw_error.h). */
#include "vw_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int vw_error_set(vw_error *err, const char *source, unsigned long line, unsigned long column,
                 size_t offset, const char *fmt, ...)
{
    if (!err)
        return -1;
    snprintf(err->source, sizeof(err->source), "%s", source ? source : "");
    err->line = line;
    err->column = column;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    va_end(ap);
    return -1;
}

int vw_error_from_json(vw_error *err, const char *source, const json_error_t *jerr)
{
    unsigned long line = jerr->line > 0 ? (unsigned long)jerr->line : 0;
    unsigned long column = jerr->line > 0 && jerr->column > 0 ? (unsigned long)jerr->column : 0;
    return vw_error_set(err, source, line, column, jerr->position, "%s", jerr->text);
}

void vw_error_set_source(vw_error *err, const char *source)
{
    if (err && !err->source[0] && source)
        snprintf(err->source, sizeof(err->source), "%s", source);
}

const char *vw_error_format(const vw_error *err, char *buf, size_t len)
{
    if (!buf || !len)
        return buf;
    size_t used = 0;
    buf[0] = '\0';
    if (err->source[0])
        used += (size_t)snprintf(buf, len, "%s:", err->source);
    if (err->line && used < len)
        used += (size_t)snprintf(buf + used, len - used, "%lu:", err->line);
    if (err->line && err->column && used < len)
        used += (size_t)snprintf(buf + used, len - used, "%lu:", err->column);
    if (used < len)
        snprintf(buf + used, len - used, "%s%s", used ? " " : "", err->text);
    return buf;
}
