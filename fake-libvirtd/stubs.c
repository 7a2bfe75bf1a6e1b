/* stubs.c: fake-libvirtd's scenario stubs (see stubs.h and docs/scenario-format.md). */
#include "stubs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "events.h"
#include "session.h"
#include "procs.h"
#include "trace.h"

/* ---- argument and return descriptions --------------------------------------------------------
 * Every procedure direction's fields come from the procedure table (proto/procs.h: args_spec,
 * ret_spec), which proto/gen_procs.py derives from the .x structs: a type letter and the field
 * name per field, read and written below by one walker. A "partial" argument description stops
 * before the first field the letters cannot describe (arrays, typed parameters): those fields
 * are not decoded. */
typedef struct {
    const char *spec;
    bool partial;
} arg_spec;

static const char *spec_names(const char *spec, char *buf, size_t buflen);

/* The description of (prog, proc)'s arguments or return value in *out; NULL if it has none. */
static const arg_spec *find_spec(uint32_t prog, int32_t proc, bool ret, arg_spec *out)
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
    arg_spec found;
    const arg_spec *sp = find_spec(prog, proc, false, &found);
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
    vw_proto_error e;
    u_int x = v;
    return vw_xdr_encode(b, (xdrproc_t)xdr_u_int, &x, &e);
}

static int wr_u64(vw_buf *b, uint64_t v)
{
    vw_proto_error e;
    return vw_xdr_encode(b, (xdrproc_t)xdr_uint64_t, &v, &e);
}

static int wr_string(vw_buf *b, const char *s)
{
    vw_proto_error e;
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
    vw_proto_error e;
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
static int encode_ret(uint32_t prog, int32_t proc, const json_t *ret, const char *path,
                      vw_buf *out, char *err, size_t errlen)
{
    arg_spec found;
    const arg_spec *sp = find_spec(prog, proc, true, &found);
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
                     pat, spec_names(sp->spec, names, sizeof(names)));
            return -1;
        }
    }
    return 0;
}

/* "Ddom uflags" -> "dom, flags" */
static const char *spec_names(const char *spec, char *buf, size_t buflen)
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

/* ---- answers --------------------------------------------------------------------------------- */

typedef struct {
    char *dom_name;
    bool has_uuid, has_id;
    unsigned char uuid[16];
    int id;
    int event, detail;
} lv_event;

typedef struct {
    int refs;
    bool has_reply;
    uint8_t *reply;
    size_t reply_len;
    bool has_error;
    int code, domain, level, int1, int2;
    char *message, *str1, *str2, *str3;
    lv_event *events;
    size_t nevents;
    long delay_ms;
    uint8_t *raw;
    size_t raw_len;
    bool close, fallthrough;
} lv_answer;

struct fl_stubs {
    fl_server *srv;
    vw_scenario *scn;
    fl_stubs_faults_fn *faults_fn;
    void *faults_opaque;
};

/* A delayed answer waiting on its timer. */
typedef struct {
    fl_stubs *st;
    uint64_t conn_id;
    uint8_t *raw;                 /* the whole call packet */
    size_t raw_len;
    lv_answer *ans;
    bool deferred;                /* counted by fl_conn_call_deferred until it is answered */
} lv_pending;

static void answer_unref(void *p)
{
    lv_answer *a = p;
    if (!a || --a->refs > 0)
        return;
    free(a->reply);
    free(a->message);
    free(a->str1);
    free(a->str2);
    free(a->str3);
    for (size_t i = 0; i < a->nevents; i++)
        free(a->events[i].dom_name);
    free(a->events);
    free(a->raw);
    free(a);
}

static const char *const lifecycle_names[] = {"Defined", "Undefined", "Started", "Suspended",
                                               "Resumed", "Stopped", "Shutdown", "PMSuspended",
                                               "Crashed"};

static int bytes_member(const json_t *obj, const char *b64key, const char *hexkey,
                        const char *path, uint8_t **out, size_t *len, bool *found, char *err,
                        size_t errlen)
{
    json_t *b = json_object_get(obj, b64key), *h = json_object_get(obj, hexkey);
    *found = b || h;
    if (b && h) {
        snprintf(err, errlen, "%s: give %s or %s, not both", path, b64key, hexkey);
        return -1;
    }
    if (b) {
        size_t bad = 0;
        const char *why = "expected a string";
        if (!json_is_string(b) || vw_base64_decode(json_string_value(b), json_string_length(b),
                                                   VW_PACKET_MAX, out, len, &bad, &why) < 0) {
            snprintf(err, errlen, "%s.%s: not base64 (character %zu: %s)", path, b64key, bad, why);
            return -1;
        }
    }
    if (h && (!json_is_string(h) || !(*out = vw_hex_decode(json_string_value(h), len)))) {
        snprintf(err, errlen, "%s.%s: expected a string of hex byte pairs", path, hexkey);
        return -1;
    }
    return 0;
}

static int opt_int(const json_t *obj, const char *key, int *out, const char *path, char *err,
                   size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
        json_integer_value(v) > INT32_MAX) {
        snprintf(err, errlen, "%s.%s: expected an integer", path, key);
        return -1;
    }
    *out = (int)json_integer_value(v);
    return 0;
}

static int opt_str(const json_t *obj, const char *key, char **out, const char *path, char *err,
                   size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_string(v)) {
        snprintf(err, errlen, "%s.%s: expected a string", path, key);
        return -1;
    }
    *out = strdup(json_string_value(v));
    return *out ? 0 : -1;
}

static int parse_event(lv_event *ev, const json_t *def, const char *path, char *err,
                       size_t errlen)
{
    static const char *const top[] = {"lifecycle", NULL};
    static const char *const fields[] = {"domain", "uuid", "id", "event", "detail", NULL};
    if (!json_is_object(def) || vw_json_check_members(def, top, path, err, errlen) < 0 ||
        !json_object_get(def, "lifecycle")) {
        if (!err[0] || json_is_object(def))
            snprintf(err, errlen, "%s: expected {\"lifecycle\": {\"domain\": NAME, \"event\": "
                     "\"Stopped\", \"detail\": 0}}", path);
        return -1;
    }
    const json_t *lc = json_object_get(def, "lifecycle");
    char sub[512];
    vw_json_path(sub, sizeof(sub), path, "lifecycle", 0);
    if (!json_is_object(lc) || vw_json_check_members(lc, fields, sub, err, errlen) < 0) {
        if (!json_is_object(lc))
            snprintf(err, errlen, "%s: expected an object", sub);
        return -1;
    }
    const char *name = json_string_value(json_object_get(lc, "domain"));
    if (!name) {
        snprintf(err, errlen, "%s.domain: expected the domain's name (a string)", sub);
        return -1;
    }
    ev->dom_name = strdup(name);
    json_t *uuid = json_object_get(lc, "uuid");
    if (uuid) {
        if (!json_is_string(uuid) || vw_uuid_parse(json_string_value(uuid), ev->uuid) < 0) {
            snprintf(err, errlen, "%s.uuid: expected a UUID string", sub);
            return -1;
        }
        ev->has_uuid = true;
    }
    if (json_object_get(lc, "id")) {
        ev->has_id = true;
        if (opt_int(lc, "id", &ev->id, sub, err, errlen) < 0)
            return -1;
    }
    json_t *e = json_object_get(lc, "event");
    if (json_is_string(e)) {
        ev->event = -1;
        for (int i = 0; i < (int)(sizeof(lifecycle_names) / sizeof(lifecycle_names[0])); i++)
            if (strcasecmp(json_string_value(e), lifecycle_names[i]) == 0)
                ev->event = i;
        if (ev->event < 0) {
            snprintf(err, errlen, "%s.event: unknown lifecycle event '%s' (Defined, Undefined, "
                     "Started, Suspended, Resumed, Stopped, Shutdown, PMSuspended, Crashed, or a "
                     "number)", sub, json_string_value(e));
            return -1;
        }
    } else if (json_is_integer(e)) {
        ev->event = (int)json_integer_value(e);
    } else {
        snprintf(err, errlen, "%s.event: expected a lifecycle event name or number", sub);
        return -1;
    }
    return opt_int(lc, "detail", &ev->detail, sub, err, errlen);
}

static void *compile_answer(void *opaque, const char *program, const char *name,
                            const json_t *ans, const char *path, char *err, size_t errlen)
{
    (void)opaque;
    static const char *const allowed[] = {"reply", "error", "events", "delay_ms", "raw_b64",
                                          "raw_hex", "close", "fallthrough", NULL};
    static const char *const reply_keys[] = {"payload_b64", "payload_hex", "ret", NULL};
    static const char *const error_keys[] = {"code", "domain", "message", "level", "str1", "str2",
                                             "str3", "int1", "int2", NULL};
    static const char *const bools[] = {"close", "fallthrough", NULL};
    char sub[512];
    long delay_ms;
    err[0] = '\0';
    if (vw_scenario_check_answer(ans, path, allowed, bools, &delay_ms, err, errlen) < 0)
        return NULL;
    lv_answer *a = calloc(1, sizeof(*a));
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->refs = 1;
    a->delay_ms = delay_ms;
    const json_t *reply = json_object_get(ans, "reply");
    const json_t *error = json_object_get(ans, "error");
    a->fallthrough = json_is_true(json_object_get(ans, "fallthrough"));
    a->close = json_is_true(json_object_get(ans, "close"));
    if ((reply != NULL) + (error != NULL) + a->fallthrough > 1) {
        snprintf(err, errlen, "%s: give one of reply, error, fallthrough", path);
        goto fail;
    }
    if (reply) {
        vw_json_path(sub, sizeof(sub), path, "reply", 0);
        if (vw_json_check_object(reply, reply_keys, sub, "an object ({} = empty payload)", err,
                                 errlen) < 0)
            goto fail;
        bool found;
        if (bytes_member(reply, "payload_b64", "payload_hex", sub, &a->reply, &a->reply_len,
                         &found, err, errlen) < 0)
            goto fail;
        const json_t *ret = json_object_get(reply, "ret");
        if (ret && found) {
            snprintf(err, errlen, "%s: give ret or a payload, not both", sub);
            goto fail;
        }
        if (ret) {
            char rpath[600];
            vw_json_path(rpath, sizeof(rpath), sub, "ret", 0);
            if (!json_is_object(ret)) {
                snprintf(err, errlen, "%s: expected an object", rpath);
                goto fail;
            }
            const vw_proc_info *pi = name ? vw_procs_lookup_name(
                                                program ? vw_program_from_name(program) : 0, name)
                                          : NULL;
            if (!pi) {
                snprintf(err, errlen, "%s: a JSON \"ret\" needs the stub to match one known "
                         "procedure (match.procedure)", rpath);
                goto fail;
            }
            vw_buf b;
            vw_buf_init(&b);
            if (encode_ret(pi->prog, pi->proc, ret, rpath, &b, err, errlen) < 0) {
                vw_buf_free(&b);
                goto fail;
            }
            a->reply = malloc(b.len ? b.len : 1);
            if (a->reply && b.len)
                memcpy(a->reply, b.data, b.len);
            a->reply_len = b.len;
            vw_buf_free(&b);
        }
        if (!a->reply && !(a->reply = malloc(1)))    /* {}: an empty payload */
            goto fail;
        a->has_reply = true;
    }
    if (error) {
        vw_json_path(sub, sizeof(sub), path, "error", 0);
        if (vw_json_check_object(error, error_keys, sub, "an object {code, domain, message, ...}",
                                 err, errlen) < 0)
            goto fail;
        a->code = 1;        /* VIR_ERR_INTERNAL_ERROR */
        a->domain = 0;
        a->level = 2;       /* VIR_ERR_ERROR */
        a->int1 = a->int2 = -1;
        if (opt_int(error, "code", &a->code, sub, err, errlen) < 0 ||
            opt_int(error, "domain", &a->domain, sub, err, errlen) < 0 ||
            opt_int(error, "level", &a->level, sub, err, errlen) < 0 ||
            opt_int(error, "int1", &a->int1, sub, err, errlen) < 0 ||
            opt_int(error, "int2", &a->int2, sub, err, errlen) < 0 ||
            opt_str(error, "message", &a->message, sub, err, errlen) < 0 ||
            opt_str(error, "str1", &a->str1, sub, err, errlen) < 0 ||
            opt_str(error, "str2", &a->str2, sub, err, errlen) < 0 ||
            opt_str(error, "str3", &a->str3, sub, err, errlen) < 0)
            goto fail;
        a->has_error = true;
    }
    const json_t *events = json_object_get(ans, "events");
    if (events) {
        vw_json_path(sub, sizeof(sub), path, "events", 0);
        a->events = calloc(json_array_size(events) + 1, sizeof(*a->events));
        if (!a->events)
            goto fail;
        for (size_t i = 0; i < json_array_size(events); i++) {
            char epath[600];
            vw_json_path(epath, sizeof(epath), sub, NULL, (long)i);
            a->nevents++;
            if (parse_event(&a->events[i], json_array_get(events, i), epath, err, errlen) < 0)
                goto fail;
        }
    }
    bool found_raw;
    if (bytes_member(ans, "raw_b64", "raw_hex", path, &a->raw, &a->raw_len, &found_raw, err,
                     errlen) < 0)
        goto fail;
    if (!a->has_reply && !a->has_error && !a->fallthrough && !found_raw && !a->close) {
        snprintf(err, errlen, "%s: say what to answer: reply, error, raw_b64/raw_hex, close or "
                 "fallthrough (events and delay_ms go with one of them)", path);
        goto fail;
    }
    return a;
fail:
    if (!err[0])
        snprintf(err, errlen, "%s: out of memory", path);
    answer_unref(a);
    return NULL;
}

/* ---- names ----------------------------------------------------------------------------------- */

static int resolve(void *opaque, const json_t *program_in, const json_t *name_in,
                   char **program_out, char **name_out, char *err, size_t errlen)
{
    (void)opaque;
    uint32_t prog = 0;
    *program_out = *name_out = NULL;
    if (program_in) {
        if (json_is_integer(program_in))
            prog = (uint32_t)json_integer_value(program_in);
        else if (json_is_string(program_in))
            prog = vw_program_from_name(json_string_value(program_in));
        if (!prog) {
            snprintf(err, errlen, "program: unknown program (REMOTE, QEMU, KEEPALIVE, or a "
                     "number)");
            return -1;
        }
    }
    if (name_in && !json_is_integer(name_in) && !json_is_string(name_in)) {
        snprintf(err, errlen, "procedure: expected a name (a string) or a number");
        return -1;
    }
    if (name_in && json_is_integer(name_in)) {
        char buf[32];
        if (!prog)
            prog = VW_REMOTE_PROGRAM;
        *name_out = strdup(vw_procs_name(prog, (int32_t)json_integer_value(name_in), buf,
                                         sizeof(buf)));
    } else if (name_in) {
        char up[128];
        const char *s = json_string_value(name_in);
        size_t n = 0;
        for (; s[n] && n + 1 < sizeof(up); n++)
            up[n] = (char)toupper((unsigned char)s[n]);
        up[n] = '\0';
        const char *name = up;
        if (strncmp(name, "REMOTE_PROC_", 12) == 0)
            name += 12;
        else if (strncmp(name, "QEMU_PROC_", 10) == 0)
            name += 10;
        const vw_proc_info *pi = vw_procs_lookup_name(prog, name);
        if (!pi && strncmp(name, "PROC_", 5) == 0 && name[5]) {
            char *end;
            long num = strtol(name + 5, &end, 10);
            if (!*end) {
                char buf[32];
                if (!prog)
                    prog = VW_REMOTE_PROGRAM;
                *name_out = strdup(vw_procs_name(prog, (int32_t)num, buf, sizeof(buf)));
            }
        }
        if (!pi && !*name_out) {
            snprintf(err, errlen, "procedure: unknown procedure '%s' (names as in "
                     "proto/procedures.list, "
                     "e.g. DOMAIN_LOOKUP_BY_NAME; or give its number)", s);
            return -1;
        }
        if (pi) {
            prog = pi->prog;
            *name_out = strdup(pi->name);
        }
    }
    if (prog) {
        const char *pn = vw_program_name(prog);
        char buf[16];
        snprintf(buf, sizeof(buf), "0x%08x", prog);
        *program_out = strdup(pn ? pn : buf);
    }
    return 0;
}

/* ---- carrying out an answer ------------------------------------------------------------------ */

static void queue_error(fl_conn *c, const vw_packet_header *call, const lv_answer *a)
{
    vw_packet_header hdr = vw_packet_reply_header(call, VW_NET_ERROR);
    vw_remote_error re;
    memset(&re, 0, sizeof(re));
    char *message = a->message ? a->message : "stubbed error";
    char *str1 = a->str1, *str2 = a->str2, *str3 = a->str3;
    re.code = a->code;
    re.domain = a->domain;
    re.message = &message;
    re.level = a->level;
    re.str1 = str1 ? &str1 : NULL;
    re.str2 = str2 ? &str2 : NULL;
    re.str3 = str3 ? &str3 : NULL;
    re.int1 = a->int1;
    re.int2 = a->int2;
    vw_proto_error perr;
    vw_packet_encode(&c->out, &hdr, 0, (xdrproc_t)xdr_vw_remote_error, &re, &perr);
}

static void queue_events(fl_server *srv, fl_conn *c, const lv_answer *a)
{
    for (size_t i = 0; i < a->nevents; i++) {
        const lv_event *ev = &a->events[i];
        unsigned char uuid[16] = {0};
        int id = -1;
        fl_error ferr;
        fl_domain *dom = c->model ? fl_domain_lookup_name(c->model, ev->dom_name, &ferr) : NULL;
        if (dom) {
            memcpy(uuid, dom->def->uuid, 16);
            id = dom->id;
        }
        if (ev->has_uuid)
            memcpy(uuid, ev->uuid, 16);
        if (ev->has_id)
            id = ev->id;
        fl_events_queue_lifecycle(fl_server_events(srv), c->model, ev->dom_name, uuid, id, ev->event, ev->detail);
    }
}

/* Returns -1 when c was closed (only possible with flush). */
static int carry_out(fl_stubs *st, fl_conn *c, const vw_packet *pkt, const uint8_t *raw,
                     size_t raw_len, const lv_answer *a, bool flush)
{
    if (a->fallthrough) {
        fl_server_pass_call(c, pkt, raw, raw_len);
    } else if (a->has_error) {
        queue_error(c, &pkt->hdr, a);
    } else if (a->has_reply) {
        vw_packet_header hdr = vw_packet_reply_header(&pkt->hdr, VW_NET_OK);
        vw_proto_error perr;
        vw_packet_encode_raw(&c->out, &hdr, 0, a->reply, a->reply_len, &perr);
    }
    if (a->nevents)
        queue_events(st->srv, c, a);
    if (a->raw_len) {
        vw_proto_error perr;
        vw_buf_append(&c->out, a->raw, a->raw_len, &perr);
    }
    if (a->close)
        c->closing = true;
    if (flush) {
        fl_events_flush(st->srv);
        return fl_conn_flush(c);
    }
    return 0;
}

static long long pending_fire(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    lv_pending *p = data;
    fl_conn *c = fl_server_find_conn(p->st->srv, p->conn_id);
    vw_packet pkt;
    vw_proto_error perr;
    if (c && !c->closing &&
        vw_packet_parse(p->raw, p->raw_len, VW_DECODE_LENIENT, &pkt, &perr) == 0)
        carry_out(p->st, c, &pkt, p->raw, p->raw_len, p->ans, true);
    if (p->deferred) {   /* answered: max_client_requests has room again */
        p->deferred = false;
        fl_server_call_answered(p->st->srv, p->conn_id);
    }
    return VW_EV_NOMORE;
}

static void pending_free(vw_evloop *loop, void *data)
{
    (void)loop;
    lv_pending *p = data;
    if (p->deferred)   /* dropped without an answer (the server is going away) */
        fl_server_call_answered(p->st->srv, p->conn_id);
    answer_unref(p->ans);
    free(p->raw);
    free(p);
}

int fl_stubs_handle(fl_stubs *st, fl_conn *c, const vw_packet *pkt, const uint8_t *raw,
                    size_t raw_len)
{
    char namebuf[32], progbuf[16];
    const char *prog = vw_program_name(pkt->hdr.prog);
    if (!prog) {
        snprintf(progbuf, sizeof(progbuf), "0x%08x", pkt->hdr.prog);
        prog = progbuf;
    }
    json_t *args = fl_stubs_decode_args(pkt->hdr.prog, pkt->hdr.proc, pkt->payload,
                                        pkt->payload_len);
    vw_call call = {
        .program = prog,
        .name = vw_procs_name(pkt->hdr.prog, pkt->hdr.proc, namebuf, sizeof(namebuf)),
        .number = pkt->hdr.proc,
        .args = args,
        .raw = pkt->payload ? pkt->payload : (const uint8_t *)"",
        .raw_len = pkt->payload_len,
        .conn_id = c->id,
        .unknown = vw_procs_lookup(pkt->hdr.prog, pkt->hdr.proc) == NULL,
    };
    vw_stub_hit hit;
    int matched = vw_scenario_match(st->scn, &call, &hit);
    json_decref(args);
    if (!matched)
        return 0;
    lv_answer *a = hit.answer;
    if (fl_server_verbose(st->srv))
        fprintf(stderr, "fake-libvirtd: connection %llu: %s answered by stub %s\n",
                (unsigned long long)c->id, call.name, hit.stub_id);
    if (a->delay_ms <= 0) {
        carry_out(st, c, pkt, raw, raw_len, a, false);
        return 1;
    }
    lv_pending *p = calloc(1, sizeof(*p));
    if (!p)
        return 1;
    p->st = st;
    p->conn_id = c->id;
    p->raw = malloc(raw_len ? raw_len : 1);
    if (!p->raw) {
        free(p);
        return 1;
    }
    memcpy(p->raw, raw, raw_len);
    p->raw_len = raw_len;
    p->ans = a;
    a->refs++;
    if (vw_evloop_add_timer(fl_server_loop(st->srv), a->delay_ms, pending_fire, p,
                            pending_free) < 0) {
        pending_free(NULL, p);
        return 1;
    }
    p->deferred = true;
    fl_conn_call_deferred(c);
    return 1;
}

/* ---- object and admin ------------------------------------------------------------------------ */

fl_stubs *fl_stubs_new(fl_server *srv, const char *scenario_file, uint64_t seed, char *err,
                       size_t errlen)
{
    fl_stubs *st = calloc(1, sizeof(*st));
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    st->srv = srv;
    vw_scenario_ops ops = {
        .protocol = "libvirt",
        .name_key = "procedure",
        .args_key = "args",
        .has_program = true,
        .resolve = resolve,
        .compile_answer = compile_answer,
        .free_answer = answer_unref,
        .opaque = st,
    };
    /* the file's "faults" section is kept for the fault-injection module: main.c hands
     * fl_stubs_faults() to fl_server_set_faults */
    st->scn = vw_scenario_open(&ops, seed, scenario_file, err, errlen);
    if (!st->scn) {
        free(st);
        return NULL;
    }
    return st;
}

void fl_stubs_free(fl_stubs *st)
{
    if (!st)
        return;
    vw_scenario_free(st->scn);
    free(st);
}

const json_t *fl_stubs_faults(const fl_stubs *st)
{
    return vw_scenario_faults(st->scn);
}

void fl_stubs_set_faults_hook(fl_stubs *st, fl_stubs_faults_fn *fn, void *opaque)
{
    st->faults_fn = fn;
    st->faults_opaque = opaque;
}

json_t *fl_stubs_admin(void *opaque, const char *op, const json_t *req)
{
    fl_stubs *st = opaque;
    char err[1024];
    if (strcmp(op, "reset") == 0) {
        /* stubs back to the scenario file's, states to Started, journal empty, model rebuilt */
        if (vw_scenario_reset(st->scn, err, sizeof(err)) < 0)
            return vw_admin_error("reset: reloading the scenario: %s", err);
        int rc = fl_session_reset_models(st->srv, err, sizeof(err));
        if (rc < 0)
            return vw_admin_error("reset: %s", err);
        if (rc == 1)
            return json_pack("{s:b,s:s}", "ok", 1, "note", "the qemu:// model was kept: "
                             "--qemu-dir runs QEMU processes for its domains");
        return vw_admin_ok();
    }
    if (strcmp(op, "set_faults") == 0)
        return vw_scenario_admin_set_faults(req, st->faults_fn, st->faults_opaque);
    if (strcmp(op, "decode") == 0) {
        /* a help for writing stubs: what the decoder makes of a procedure's argument bytes */
        char *p = NULL, *n = NULL;
        if (resolve(st, json_object_get(req, "program"), json_object_get(req, "procedure"), &p,
                    &n, err, sizeof(err)) < 0 || !n) {
            free(p);
            free(n);
            return vw_admin_error("decode: %s", n ? err : "give 'procedure' and 'args_b64'");
        }
        const vw_proc_info *pi = vw_procs_lookup_name(vw_program_from_name(p), n);
        free(p);
        free(n);
        const char *b64 = json_string_value(json_object_get(req, "args_b64"));
        uint8_t *bytes = NULL;
        size_t len = 0, bad;
        const char *why;
        if (!pi || !b64 || vw_base64_decode(b64, strlen(b64), VW_PACKET_MAX, &bytes, &len, &bad,
                                            &why) < 0)
            return vw_admin_error("decode: give a known 'procedure' and base64 'args_b64'");
        json_t *args = fl_stubs_decode_args(pi->prog, pi->proc, bytes, len);
        free(bytes);
        char names[512];
        arg_spec found;
        const arg_spec *sp = find_spec(pi->prog, pi->proc, false, &found);
        return json_pack("{s:b,s:o,s:s}", "ok", 1, "args", args ? args : json_null(), "fields",
                         sp ? spec_names(sp->spec, names, sizeof(names)) : "");
    }
    json_t *r = vw_scenario_admin(st->scn, op, req);
    return r;
}
