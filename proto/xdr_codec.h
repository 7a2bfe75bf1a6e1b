/* xdr_codec.h: XDR payload encode/decode helpers over rpcgen's xdrproc_t routines.
 *
 * Owns: the growable byte buffer (vw_buf), the error record every proto/ function reports
 * into (vw_error, vw_error.h), the two decode modes, and
 * encoding a C struct into bytes / decoding bytes into a C struct with length limits.
 *
 *   vw_buf out; vw_buf_init(&out);
 *   vw_domain_lookup_by_name_args a = { .name = "demo" };
 *   if (vw_xdr_encode(&out, (xdrproc_t)xdr_vw_domain_lookup_by_name_args, &a, &err) < 0) ...
 *
 *   vw_domain_lookup_by_name_ret r;               // any contents: it is zeroed first
 *   if (vw_xdr_decode(bytes, n, (xdrproc_t)xdr_vw_domain_lookup_by_name_ret, &r,
 *                     sizeof(r), VW_DECODE_STRICT, &err) < 0)
 *       fprintf(stderr, "byte %zu: %s\n", err.offset, err.text);
 *   ... use r ...
 *   vw_xdr_free((xdrproc_t)xdr_vw_domain_lookup_by_name_ret, &r);
 *
 * Every function returns 0 on success and -1 on failure with *err filled (err may be NULL).
 */
#ifndef VW_XDR_CODEC_H
#define VW_XDR_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <rpc/rpc.h>

#include "vw_error.h"

/* Where and why something could not be encoded or decoded: a vw_error (vw_error.h) whose offset
 * counts bytes from the start of the input the failing function was given (for whole packets:
 * from the first byte of the length word); source, line and column stay empty. text is a
 * sentence a person can act on, e.g. "packet length 27 is below the minimum 28". */

/* LENIENT accepts what libvirt (libtirpc) accepts: any non-zero bool is true, enum values
 * are not range-checked, padding bytes are not checked, trailing payload bytes are ignored.
 * STRICT rejects non-canonical bools, header enums out of range, non-zero padding and
 * trailing bytes (payloads: decode, re-encode, and require identical bytes). */
typedef enum vw_decode_mode {
    VW_DECODE_LENIENT = 0,
    VW_DECODE_STRICT = 1
} vw_decode_mode;

/* A growable byte buffer. Zero-initialised (or vw_buf_init) is an empty buffer. */
typedef struct vw_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} vw_buf;

void vw_buf_init(vw_buf *buf);
void vw_buf_free(vw_buf *buf);                  /* releases memory, leaves an empty buffer */
void vw_buf_reset(vw_buf *buf);                 /* len = 0, keeps memory */
int vw_buf_reserve(vw_buf *buf, size_t extra, vw_error *err);   /* room for extra more */
int vw_buf_append(vw_buf *buf, const void *data, size_t n, vw_error *err);

/* The empty payload as an xdrproc_t (encodes and decodes nothing). Use it instead of
 * libtirpc's xdr_void, whose cast to xdrproc_t trips -Wcast-function-type. */
bool_t vw_xdr_void(XDR *xdrs, void *obj);
#define VW_XDR_VOID ((xdrproc_t)vw_xdr_void)

/* Fill *err (if not NULL) with offset and a printf-style text (no source, line or column).
 * Always returns -1. */
int vw_error_at(vw_error *err, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Append the XDR encoding of obj to out. proc NULL or VW_XDR_VOID appends nothing.
 * Non-optional strings (vw_nonnull_string, char *) must not be NULL: libtirpc refuses them,
 * but under ASan its xdr_string interceptor crashes on NULL before libtirpc sees it.
 * Fails if the encoding would exceed VW_NET_MESSAGE_PAYLOAD_MAX bytes or a field breaks
 * its .x maximum. */
int vw_xdr_encode(vw_buf *out, xdrproc_t proc, const void *obj, vw_error *err);

/* Number of bytes obj encodes to (xdr_sizeof); 0 on failure. */
size_t vw_xdr_size(xdrproc_t proc, const void *obj);

/* Decode data[0..n) into obj (obj_size bytes, zeroed first). On failure obj holds nothing
 * that needs freeing. On success free it with vw_xdr_free. proc NULL or VW_XDR_VOID expects
 * an empty payload (STRICT) or ignores it (LENIENT). */
int vw_xdr_decode(const uint8_t *data, size_t n, xdrproc_t proc, void *obj, size_t obj_size,
                  vw_decode_mode mode, vw_error *err);

/* Free what vw_xdr_decode allocated inside obj (xdr_free); obj itself is not freed. */
void vw_xdr_free(xdrproc_t proc, void *obj);

#endif
