/* stub_codec.c: the scenario stubs' generic XDR <-> JSON walker (see stub_codec.h): a call's
 * arguments decoded into JSON for matching, a stub's "ret" encoded into the procedure's XDR
 * reply, both driven by the procedure table's field descriptions. */
#include "stub_codec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procs.h"
#include "scenario.h"
#include "vw_util.h"

/* The description of (prog, proc)'s arguments or return value in *out; NULL if it has none. */
const fl_stub_spec *fl_stub_find_spec(uint32_t prog, int32_t proc, bool ret, fl_stub_spec *out)
{
    const vw_proc_info *info = vw_procs_lookup(prog, proc);
    const char *spec = !info ? NULL : ret ? info->ret_spec : info->args_spec;
    if (!spec)
        return NULL;
    out->spec = spec;
    out->partial = !ret && info->args_spec_partial;
    return out;
}

/* One field of a spec (fields are a type letter and a name, separated by spaces): the type in
 * *type, the name in name. Returns where the next field starts. */
static const char *spec_field(const char *p, char *type, char name[64])
{
    *type = *p++;
    size_t n = 0;
    while (*p && *p != ' ' && n + 1 < 64)
        name[n++] = *p++;
    name[n] = '\0';
    while (*p == ' ')
        p++;
    return p;
}

/* ---- XDR -> JSON ----------------------------------------------------------------------------- */

/* The walker reads with libtirpc's primitives from a memory stream over the payload. */
typedef struct {
    XDR xdrs;
    size_t len;
} xdr_in;

static int rd_u32(xdr_in *in, uint32_t *v)
{
    u_int x;
    if (!xdr_u_int(&in->xdrs, &x))
        return -1;
    *v = x;
    return 0;
}

static int rd_u64(xdr_in *in, uint64_t *v)
{
    return xdr_uint64_t(&in->xdrs, v) ? 0 : -1;
}

/* A JSON string of bytes that may not be UTF-8: invalid bytes become '?'. */
static json_t *json_bytes_string(const uint8_t *s, size_t n)
{
    json_t *j = json_stringn((const char *)s, n);
    if (j)
        return j;
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < n; i++)
        copy[i] = (s[i] < 0x80 && s[i] != 0) ? (char)s[i] : '?';
    copy[n] = '\0';
    j = json_stringn(copy, n);
    free(copy);
    return j;
}

/* The length word is checked against the limit and the bytes left before xdr_bytes (a string
 * and an opaque<> have the same wire form, and this keeps embedded NULs) allocates. */
static json_t *rd_string(xdr_in *in)
{
    u_int start = xdr_getpos(&in->xdrs);
    uint32_t n;
    if (rd_u32(in, &n) < 0 || n > VW_REMOTE_STRING_MAX || in->len - xdr_getpos(&in->xdrs) < n)
        return NULL;
    if (!xdr_setpos(&in->xdrs, start))
        return NULL;
    char *bytes = NULL;
    u_int got = 0;
    if (!xdr_bytes(&in->xdrs, &bytes, &got, VW_REMOTE_STRING_MAX)) {
        free(bytes);
        return NULL;
    }
    json_t *j = got ? json_bytes_string((const uint8_t *)bytes, got) : json_string("");
    free(bytes);
    return j;
}

static json_t *rd_uuid(xdr_in *in)
{
    char uuid[VW_UUID_BUFLEN], text[37];
    if (!xdr_vw_uuid(&in->xdrs, uuid))
        return NULL;
    vw_uuid_format((const unsigned char *)uuid, text);
    return json_string(text);
}

static json_t *rd_int(xdr_in *in, bool is_signed)
{
    uint32_t v;
    if (rd_u32(in, &v) < 0)
        return NULL;
    return json_integer(is_signed ? (json_int_t)(int32_t)v : (json_int_t)v);
}

static json_t *rd_field(xdr_in *in, char type);

/* An object of named sub-fields, e.g. "sname Uuuid iid". */
static json_t *rd_struct(xdr_in *in, const char *const *fields, const char *types)
{
    json_t *o = json_object();
    for (size_t i = 0; types[i]; i++) {
        json_t *v = rd_field(in, types[i]);
        if (!v) {
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, fields[i], v);
    }
    return o;
}

static json_t *rd_field(xdr_in *in, char type)
{
    static const char *const dom_f[] = {"name", "uuid", "id"};
    static const char *const net_f[] = {"name", "uuid"};
    static const char *const vol_f[] = {"pool", "name", "key"};
    static const char *const moment_f[] = {"name", "dom"};   /* snapshot, checkpoint */
    uint32_t present;
    uint64_t v64;
    switch (type) {
    case 's': return rd_string(in);
    case 'S':
        if (rd_u32(in, &present) < 0 || present > 1)
            return NULL;
        return present ? rd_string(in) : json_null();
    case 'U': return rd_uuid(in);
    case 'i': return rd_int(in, true);
    case 'u': return rd_int(in, false);
    case 'h':
        if (rd_u64(in, &v64) < 0)
            return NULL;
        return json_integer((json_int_t)(int64_t)v64);
    case 'H':
        if (rd_u64(in, &v64) < 0)
            return NULL;
        /* above INT64_MAX jansson cannot hold it: a real number is the best we can do */
        return v64 > INT64_MAX ? json_real((double)v64) : json_integer((json_int_t)v64);
    case 'D': return rd_struct(in, dom_f, "sUi");
    case 'd':
        if (rd_u32(in, &present) < 0 || present > 1)
            return NULL;
        return present ? rd_struct(in, dom_f, "sUi") : json_null();
    case 'N':
    case 'P': return rd_struct(in, net_f, "sU");
    case 'V': return rd_struct(in, vol_f, "sss");
    case 'M': return rd_struct(in, moment_f, "sD");
    default: return NULL;
    }
}

json_t *fl_stubs_decode_args(uint32_t prog, int32_t proc, const uint8_t *data, size_t len)
{
    fl_stub_spec found;
    const fl_stub_spec *sp = fl_stub_find_spec(prog, proc, false, &found);
    if (!sp)
        return NULL;
    xdr_in in = {.len = len};
    xdrmem_create(&in.xdrs, (char *)data, (u_int)len, XDR_DECODE);
    json_t *o = json_object();
    const char *p = sp->spec;
    while (*p) {
        char type, name[64];
        p = spec_field(p, &type, name);
        json_t *v = rd_field(&in, type);
        if (!v) {
            xdr_destroy(&in.xdrs);
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, name, v);
    }
    xdr_destroy(&in.xdrs);
    if (sp->partial)
        json_object_set_new(o, "...", json_true());
    return o;
}

/* ---- JSON -> XDR (a stub's "ret") ------------------------------------------------------------ */

/* Writing goes through libtirpc as well (vw_xdr_encode appends to the buffer). */
static int wr_u32(vw_buf *b, uint32_t v)
{
    vw_error e;
    u_int x = v;
    return vw_xdr_encode(b, (xdrproc_t)xdr_u_int, &x, &e);
}

static int wr_u64(vw_buf *b, uint64_t v)
{
    vw_error e;
    return vw_xdr_encode(b, (xdrproc_t)xdr_uint64_t, &v, &e);
}

static int wr_string(vw_buf *b, const char *s)
{
    vw_error e;
    char *str = (char *)s;
    return vw_xdr_encode(b, (xdrproc_t)xdr_vw_nonnull_string, &str, &e);
}

static int wr_field(vw_buf *b, char type, const json_t *v, const char *path, char *err,
                    size_t errlen);

static int wr_struct(vw_buf *b, const json_t *v, const char *const *fields, const char *types,
                     const char *path, char *err, size_t errlen)
{
    if (v && !json_is_object(v)) {
        snprintf(err, errlen, "%s: expected an object with %s%s%s", path, fields[0],
                 types[1] ? ", " : "", types[1] ? fields[1] : "");
        return -1;
    }
    for (size_t i = 0; types[i]; i++) {
        char sub[512];
        vw_json_path(sub, sizeof(sub), path, fields[i], 0);
        const json_t *fv = v ? json_object_get(v, fields[i]) : NULL;
        /* an absent domain id is -1 (inactive), as libvirt sends for defined domains */
        if (!fv && types[i] == 'i' && strcmp(fields[i], "id") == 0) {
            if (wr_u32(b, (uint32_t)-1) < 0)
                return -1;
            continue;
        }
        if (wr_field(b, types[i], fv, sub, err, errlen) < 0)
            return -1;
    }
    return 0;
}

static int wr_field(vw_buf *b, char type, const json_t *v, const char *path, char *err,
                    size_t errlen)
{
    static const char *const dom_f[] = {"name", "uuid", "id"};
    static const char *const net_f[] = {"name", "uuid"};
    static const char *const vol_f[] = {"pool", "name", "key"};
    static const char *const moment_f[] = {"name", "dom"};   /* snapshot, checkpoint */
    vw_error e;
    switch (type) {
    case 's':
    case 'S':
        if (type == 'S') {
            if (!v || json_is_null(v))
                return wr_u32(b, 0);
            if (wr_u32(b, 1) < 0)
                return -1;
        }
        if (v && !json_is_string(v)) {
            snprintf(err, errlen, "%s: expected a string", path);
            return -1;
        }
        if (wr_string(b, v ? json_string_value(v) : "") < 0) {
            snprintf(err, errlen, "%s: a string of at most %u bytes", path,
                     (unsigned)VW_REMOTE_STRING_MAX);
            return -1;
        }
        return 0;
    case 'U': {
        unsigned char uuid[16] = {0};
        if (v && (!json_is_string(v) || vw_uuid_parse(json_string_value(v), uuid) < 0)) {
            snprintf(err, errlen, "%s: expected a UUID string", path);
            return -1;
        }
        return vw_xdr_encode(b, (xdrproc_t)xdr_vw_uuid, uuid, &e);
    }
    case 'i':
    case 'u':
    case 'h':
    case 'H': {
        if (v && !json_is_integer(v) && !json_is_true(v) && !json_is_false(v)) {
            snprintf(err, errlen, "%s: expected an integer", path);
            return -1;
        }
        uint64_t x = !v ? 0 : json_is_integer(v) ? (uint64_t)json_integer_value(v)
                                                 : json_is_true(v) ? 1 : 0;
        if (type == 'h' || type == 'H')
            return wr_u64(b, x);
        return wr_u32(b, (uint32_t)x);
    }
    case 'D': return wr_struct(b, v, dom_f, "sUi", path, err, errlen);
    case 'd':
        if (!v || json_is_null(v))
            return wr_u32(b, 0);
        return wr_u32(b, 1) < 0 ? -1 : wr_struct(b, v, dom_f, "sUi", path, err, errlen);
    case 'N':
    case 'P': return wr_struct(b, v, net_f, "sU", path, err, errlen);
    case 'V': return wr_struct(b, v, vol_f, "sss", path, err, errlen);
    case 'M': return wr_struct(b, v, moment_f, "sD", path, err, errlen);
    default:
        snprintf(err, errlen, "%s: cannot encode this field type", path);
        return -1;
    }
}

/* Encodes a "ret" object for (prog, proc) with its return row. */
int fl_stub_encode_ret(uint32_t prog, int32_t proc, const json_t *ret, const char *path,
                       vw_buf *out, char *err, size_t errlen)
{
    fl_stub_spec found;
    const fl_stub_spec *sp = fl_stub_find_spec(prog, proc, true, &found);
    if (!sp) {
        snprintf(err, errlen, "%s: no JSON form for the return value of this procedure; give "
                 "\"payload_b64\" or \"payload_hex\" instead", path);
        return -1;
    }
    const char *p = sp->spec;
    while (*p) {
        char type, name[64], sub[512];
        p = spec_field(p, &type, name);
        vw_json_path(sub, sizeof(sub), path, name, 0);
        if (wr_field(out, type, json_object_get(ret, name), sub, err, errlen) < 0)
            return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)ret, key, v) {
        char pat[80];
        snprintf(pat, sizeof(pat), "%s", key);
        bool known = false;
        for (const char *q = sp->spec; *q;) {
            q++;
            size_t n = strcspn(q, " ");
            if (n == strlen(key) && strncmp(q, key, n) == 0)
                known = true;
            q += n;
            while (*q == ' ')
                q++;
        }
        if (!known) {
            char names[512];
            snprintf(err, errlen, "%s: unknown member '%s' (this procedure returns: %s)", path,
                     pat, fl_stub_spec_names(sp->spec, names, sizeof(names)));
            return -1;
        }
    }
    return 0;
}

/* "Ddom uflags" -> "dom, flags" */
const char *fl_stub_spec_names(const char *spec, char *buf, size_t buflen)
{
    size_t o = 0;
    buf[0] = '\0';
    for (const char *q = spec; *q && o + 1 < buflen;) {
        q++;
        size_t n = strcspn(q, " ");
        o += (size_t)snprintf(buf + o, buflen - o, "%s%.*s", o ? ", " : "", (int)n, q);
        q += n;
        while (*q == ' ')
            q++;
    }
    return buf;
}
