/* xdr_codec.c: XDR payload encode/decode over rpcgen routines, the growable buffer and the
 * proto/ error record. See xdr_codec.h. */
#include "xdr_codec.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vw_net_protocol.h"

int vw_error_at(vw_error *err, size_t offset, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        char text[sizeof(err->text)];
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        vw_error_set(err, NULL, 0, 0, offset, "%s", text);
    }
    return -1;
}

void vw_buf_init(vw_buf *buf)
{
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
}

void vw_buf_free(vw_buf *buf)
{
    free(buf->data);
    vw_buf_init(buf);
}

void vw_buf_reset(vw_buf *buf)
{
    buf->len = 0;
}

int vw_buf_reserve(vw_buf *buf, size_t extra, vw_error *err)
{
    if (extra <= buf->cap - buf->len)
        return 0;
    if (extra > SIZE_MAX / 2 - buf->len)
        return vw_error_at(err, buf->len, "buffer cannot grow by %zu bytes", extra);
    size_t want = buf->len + extra;
    size_t cap = buf->cap ? buf->cap : 256;
    while (cap < want)
        cap *= 2;
    uint8_t *p = realloc(buf->data, cap);
    if (!p)
        return vw_error_at(err, buf->len, "out of memory growing a buffer to %zu bytes", cap);
    buf->data = p;
    buf->cap = cap;
    return 0;
}

int vw_buf_append(vw_buf *buf, const void *data, size_t n, vw_error *err)
{
    if (n == 0)
        return 0;
    if (!data)
        return vw_error_at(err, buf->len, "%zu bytes to append but the data pointer is NULL",
                                  n);
    if (vw_buf_reserve(buf, n, err) < 0)
        return -1;
    memcpy(buf->data + buf->len, data, n);
    buf->len += n;
    return 0;
}

bool_t vw_xdr_void(XDR *xdrs, void *obj)
{
    (void)xdrs;
    (void)obj;
    return TRUE;
}

static bool is_void_proc(xdrproc_t proc)
{
    return proc == NULL || proc == VW_XDR_VOID;
}

size_t vw_xdr_size(xdrproc_t proc, const void *obj)
{
    if (is_void_proc(proc))
        return 0;
    /* xdr_sizeof runs the routine in encode mode, so .x maxima are enforced here too. */
    return (size_t)xdr_sizeof(proc, (void *)obj);
}

int vw_xdr_encode(vw_buf *out, xdrproc_t proc, const void *obj, vw_error *err)
{
    if (is_void_proc(proc))
        return 0;
    size_t n = vw_xdr_size(proc, obj);
    if (n == 0)
        return vw_error_at(err, 0,
                                  "cannot XDR-encode the payload: a string, array or opaque "
                                  "field is NULL or longer than its .x maximum");
    if (n > VW_NET_MESSAGE_PAYLOAD_MAX)
        return vw_error_at(err, 0,
                                  "encoded payload of %zu bytes exceeds the maximum %u", n,
                                  (unsigned)VW_NET_MESSAGE_PAYLOAD_MAX);
    if (vw_buf_reserve(out, n, err) < 0)
        return -1;

    XDR xdrs;
    xdrmem_create(&xdrs, (char *)(out->data + out->len), (u_int)n, XDR_ENCODE);
    bool ok = proc(&xdrs, (void *)obj, 0);
    u_int used = xdr_getpos(&xdrs);
    xdr_destroy(&xdrs);
    if (!ok || used != n)
        return vw_error_at(err, used,
                                  "XDR encoding failed after %u of %zu bytes", used, n);
    out->len += n;
    return 0;
}

void vw_xdr_free(xdrproc_t proc, void *obj)
{
    if (is_void_proc(proc) || !obj)
        return;
    xdr_free(proc, (char *)obj);
}

/* STRICT: the bytes must be exactly the canonical encoding of what they decoded to. */
static int check_canonical(const uint8_t *data, size_t n, xdrproc_t proc, void *obj,
                           vw_error *err)
{
    vw_buf again;
    vw_buf_init(&again);
    vw_error encerr;
    if (vw_xdr_encode(&again, proc, obj, &encerr) < 0) {
        vw_buf_free(&again);
        return vw_error_at(err, 0,
                                  "payload decoded but cannot be re-encoded (%s)", encerr.text);
    }
    size_t common = again.len < n ? again.len : n;
    for (size_t i = 0; i < common; i++) {
        if (again.data[i] != data[i]) {
            unsigned have = data[i], want = again.data[i];
            vw_buf_free(&again);
            return vw_error_at(err, i,
                                      "non-canonical XDR at payload byte %zu: 0x%02x where the "
                                      "canonical encoding has 0x%02x (a bool or optional-field "
                                      "flag other than 0/1, a char or short out of range, or "
                                      "non-zero padding)", i, have, want);
        }
    }
    size_t relen = again.len;
    vw_buf_free(&again);
    if (relen != n)
        return vw_error_at(err, common,
                                  "payload is %zu bytes but its canonical encoding is %zu bytes",
                                  n, relen);
    return 0;
}

int vw_xdr_decode(const uint8_t *data, size_t n, xdrproc_t proc, void *obj, size_t obj_size,
                  vw_decode_mode mode, vw_error *err)
{
    if (obj && obj_size)
        memset(obj, 0, obj_size);
    if (is_void_proc(proc)) {
        if (n != 0 && mode == VW_DECODE_STRICT)
            return vw_error_at(err, 0,
                                      "%zu unexpected payload bytes where the payload is empty", n);
        return 0;
    }
    if (n > VW_NET_MESSAGE_PAYLOAD_MAX)
        return vw_error_at(err, 0, "payload of %zu bytes exceeds the maximum %u", n,
                                  (unsigned)VW_NET_MESSAGE_PAYLOAD_MAX);

    XDR xdrs;
    /* libtirpc's xdrmem never writes in decode mode; the cast only drops const. */
    xdrmem_create(&xdrs, (char *)data, (u_int)n, XDR_DECODE);
    bool ok = proc(&xdrs, obj, 0);
    size_t used = xdr_getpos(&xdrs);
    xdr_destroy(&xdrs);
    if (!ok) {
        xdr_free(proc, (char *)obj);
        if (obj_size)
            memset(obj, 0, obj_size);
        if (used >= n)
            return vw_error_at(err, used,
                                      "payload is truncated: %zu bytes end inside a field", n);
        return vw_error_at(err, used,
                                  "payload does not decode at byte %zu of %zu: a length over its "
                                  ".x maximum or past the end, or a bad union discriminant",
                                  used, n);
    }
    if (mode == VW_DECODE_STRICT) {
        if (check_canonical(data, used, proc, obj, err) < 0) {
            xdr_free(proc, (char *)obj);
            if (obj_size)
                memset(obj, 0, obj_size);
            return -1;
        }
        if (used != n) {
            xdr_free(proc, (char *)obj);
            if (obj_size)
                memset(obj, 0, obj_size);
            return vw_error_at(err, used, "%zu trailing bytes after the payload end at byte %zu",
                                      n - used, used);
        }
    }
    return 0;
}
