/* fl_error.c: libvirt's error shapes (see fl_error.h). */
#include "fl_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* dst = a + b, cut to size (no format-truncation games: plain copies). */
static void join(char *dst, size_t size, const char *a, const char *b)
{
    size_t n = 0;
    for (const char *p = a; *p && n + 1 < size; p++)
        dst[n++] = *p;
    for (const char *p = b; p && *p && n + 1 < size; p++)
        dst[n++] = *p;
    dst[n] = '\0';
}

void fl_error_set(fl_error *err, int code, int domain, const char *prefix, const char *fmt, ...)
{
    char detail[1024];
    char head[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    err->code = code;
    err->domain = domain;
    err->int1 = -1;
    err->int2 = -1;
    if (prefix && !*prefix) {
        /* RPC-level errors: the message is the detail, str1 is "%s" */
        join(err->str1, sizeof(err->str1), "%s", NULL);
        join(err->str2, sizeof(err->str2), detail, NULL);
        join(err->message, sizeof(err->message), detail, NULL);
    } else if (prefix) {
        join(head, sizeof(head), prefix, ": ");
        join(err->str1, sizeof(err->str1), head, "%s");
        join(err->str2, sizeof(err->str2), detail, NULL);
        join(err->message, sizeof(err->message), head, detail);
    } else {
        join(err->str1, sizeof(err->str1), detail, NULL);
        err->str2[0] = '\0';
        join(err->message, sizeof(err->message), detail, NULL);
    }
}

void fl_error_set_invalid_arg(fl_error *err, int domain, const char *func, const char *arg,
                              const char *fmt, ...)
{
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    err->code = FL_ERR_INVALID_ARG;
    err->domain = domain;
    err->int1 = 0;
    err->int2 = 0;
    join(err->message, sizeof(err->message), detail, NULL);
    join(err->str1, sizeof(err->str1), func, NULL);
    join(err->str2, sizeof(err->str2), arg, NULL);
}

int fl_check_flags(unsigned flags, unsigned supported, const char *func, fl_error *err)
{
    unsigned extra = flags & ~supported;
    if (!extra)
        return 0;
    fl_error_set_invalid_arg(err, FL_FROM_TEST, func, "flags",
                             "unsupported flags (0x%x) in function %s", extra, func);
    return -1;
}
