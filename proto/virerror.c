/* virerror.c: libvirt's one error type: filling it the ways libvirt does, copying and releasing
 * it, and its conversion to and from the wire's remote_error, written once (virerror.h). */
#include "virerror.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vw_net_protocol.h"

/* libvirt's VIR_ERROR_MAX_LENGTH: the longest detail virReportError formats */
#define DETAIL_MAX 1024

void vw_virerror_clear(vw_virerror *err)
{
    if (!err)
        return;
    free(err->message);
    free(err->str1);
    free(err->str2);
    free(err->str3);
    memset(err, 0, sizeof(*err));
}

const char *vw_virerror_message(const vw_virerror *err)
{
    if (!err)
        return "no error information";
    if (err->message && err->message[0])
        return err->message;
    if (err->code == VW_ERR_OK)
        return "no error";
    if (err->code == VW_ERR_NO_DOMAIN)
        return "Domain not found";
    if (err->code == VW_ERR_RPC)
        return "RPC error without a message";
    return "error without a message (see code and domain)";
}

/* A copy of a + b (b may be NULL), or NULL when out of memory. */
static char *join(const char *a, const char *b)
{
    char *s = NULL;
    return asprintf(&s, "%s%s", a, b ? b : "") < 0 ? NULL : s;
}

/* Releases err and sets its numbers (the strings are the caller's to fill). */
static void reset(vw_virerror *err, int code, int domain, int ints)
{
    vw_virerror_clear(err);
    err->code = code;
    err->domain = domain;
    err->level = VW_ERR_LEVEL_ERROR;
    err->int1 = ints;
    err->int2 = ints;
}

/* After the strings were set: an error that lost a string to memory exhaustion becomes
 * NO_MEMORY without strings (vw_virerror_message names the code). */
static void check_alloc(vw_virerror *err, bool ok)
{
    if (ok)
        return;
    reset(err, VW_ERR_NO_MEMORY, err->domain, 0);
}

/* libvirt leaves an empty extra string out (str1..3 "" -> NULL). */
static void drop_empty(char **s)
{
    if (*s && !**s) {
        free(*s);
        *s = NULL;
    }
}

void vw_virerror_set(vw_virerror *err, int code, int domain, const char *fmt, ...)
{
    if (!err)
        return;
    reset(err, code, domain, 0);
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&err->message, fmt, ap) < 0)
        err->message = NULL;
    va_end(ap);
}

/* The one filler of libvirt's shapes: virReportInvalidArg's when func is set, else
 * virReportError's with prefix (vw_virerror_report). */
static void vreport(vw_virerror *err, int code, int domain, const char *prefix, const char *func,
                    const char *arg, const char *fmt, va_list ap)
{
    if (!err)
        return;
    char detail[DETAIL_MAX];
    vsnprintf(detail, sizeof(detail), fmt, ap);
    reset(err, code, domain, func ? 0 : -1);
    bool with_str2 = true;
    if (func) {
        err->message = join(detail, NULL);
        err->str1 = join(func, NULL);
        err->str2 = join(arg, NULL);
    } else if (prefix && !*prefix) {
        /* RPC-level errors: the message is the detail, str1 is "%s" */
        err->message = join(detail, NULL);
        err->str1 = join("%s", NULL);
        err->str2 = join(detail, NULL);
    } else if (prefix) {
        char *head = join(prefix, ": ");
        err->message = head ? join(head, detail) : NULL;
        err->str1 = head ? join(head, "%s") : NULL;
        err->str2 = join(detail, NULL);
        free(head);
    } else {
        err->message = join(detail, NULL);
        err->str1 = join(detail, NULL);
        with_str2 = false;
    }
    check_alloc(err, err->message && err->str1 && (err->str2 || !with_str2));
    drop_empty(&err->str1);
    drop_empty(&err->str2);
}

void vw_virerror_report(vw_virerror *err, int code, int domain, const char *prefix,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(err, code, domain, prefix, NULL, NULL, fmt, ap);
    va_end(ap);
}

void vw_virerror_report_invalid_arg(vw_virerror *err, int domain, const char *func,
                                    const char *arg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(err, VW_ERR_INVALID_ARG, domain, NULL, func, arg, fmt, ap);
    va_end(ap);
}

/* *dst = a copy of src (NULL stays NULL); false when out of memory. */
static bool copy_string(char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return !src || *dst;
}

/* dst (released) gets src's numbers and copies of the strings; -1 when out of memory. */
static int copy_fields(vw_virerror *dst, int code, int domain, int level, const char *strs[4],
                       int int1, int int2, bool remote)
{
    reset(dst, code, domain, int1);
    dst->level = level;
    dst->int2 = int2;
    dst->remote = remote;
    bool ok = copy_string(&dst->message, strs[0]) & copy_string(&dst->str1, strs[1]) &
              copy_string(&dst->str2, strs[2]) & copy_string(&dst->str3, strs[3]);
    if (ok)
        return 0;
    vw_virerror_set(dst, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory copying an error");
    return -1;
}

int vw_virerror_copy(vw_virerror *dst, const vw_virerror *src)
{
    const char *strs[4] = { src->message, src->str1, src->str2, src->str3 };
    return copy_fields(dst, src->code, src->domain, src->level, strs, src->int1, src->int2,
                       src->remote);
}

void vw_virerror_move(vw_virerror *dst, vw_virerror *src)
{
    vw_virerror_clear(dst);
    *dst = *src;
    memset(src, 0, sizeof(*src));
}

/* XDR's optional strings are char **: point at the struct's own field (NULL = absent). */
static char **optional(char *const *field)
{
    return *field ? (char **)field : NULL;
}

void vw_virerror_to_wire(const vw_virerror *in, struct vw_remote_error *out)
{
    memset(out, 0, sizeof(*out));
    out->code = in->code;
    out->domain = in->domain;
    out->level = in->level;
    out->message = optional(&in->message);
    out->str1 = optional(&in->str1);
    out->str2 = optional(&in->str2);
    out->str3 = optional(&in->str3);
    out->int1 = in->int1;
    out->int2 = in->int2;
}

static const char *wire_string(vw_net_string s)
{
    return (s && *s && **s) ? *s : NULL;
}

int vw_virerror_from_wire(vw_virerror *out, const struct vw_remote_error *in)
{
    const char *strs[4] = { wire_string(in->message), wire_string(in->str1),
                            wire_string(in->str2), wire_string(in->str3) };
    return copy_fields(out, in->code, in->domain, in->level, strs, in->int1, in->int2, true);
}
