/* trace.c: the virt-wire trace file: writer, checking reader, base64. See trace.h and
 * docs/trace-format.md. */
#include "trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "packet.h"
#include "procs.h"
#include "qmp_json.h"

static int trace_error(vw_error *err, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int trace_error(vw_error *err, unsigned long line, const char *fmt, ...)
{
    if (err) {
        char text[sizeof(err->text)];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        vw_error_set(err, NULL, line, 0, 0, "%s", text);
    }
    return -1;
}

const char *vw_trace_protocol_name(vw_trace_protocol p)
{
    return p == VW_TRACE_LIBVIRT ? "libvirt" : p == VW_TRACE_QMP ? "qmp" : "?";
}

const char *vw_trace_dir_name(vw_trace_dir d)
{
    return d == VW_TRACE_C2S ? "c2s" : "s2c";
}

const char *vw_trace_kind_name(vw_trace_kind k)
{
    switch (k) {
    case VW_TRACE_OPEN: return "open";
    case VW_TRACE_MESSAGE: return "msg";
    case VW_TRACE_DATA: return "data";
    case VW_TRACE_CLOSE: return "close";
    }
    return "?";
}

/* ---- writer ------------------------------------------------------------------------------ */

struct vw_trace_writer {
    FILE *out;
    bool owns_out;
    bool failed;
    bool header_written;
    vw_error first_error;
    vw_trace_protocol protocol;
    json_t *header;
    uint64_t start_ns;           /* vw_now_ns() when the header was written */
};


uint64_t vw_trace_writer_elapsed_us(const vw_trace_writer *w)
{
    return (vw_now_ns() - w->start_ns) / 1000;
}

/* Adds a member every reader needs to o and returns o; when o is NULL or the member cannot be
 * added (out of memory), drops both and returns NULL, so the caller fails instead of writing an
 * incomplete record. Decorations for people (the decoded header, the QMP JSON) are added with
 * plain json_object_set_new: losing one of those loses nothing a reader needs. */
static json_t *set_required(json_t *o, const char *key, json_t *value)
{
    if (!o || !value || json_object_set_new(o, key, value) < 0) {
        if (!o || !value)
            json_decref(value);
        json_decref(o);
        return NULL;
    }
    return o;
}

static int writer_fail(vw_trace_writer *w, vw_error *err, const char *what)
{
    if (!w->failed) {
        w->failed = true;
        trace_error(&w->first_error, 0, "cannot write the trace (%s): %s", what, strerror(errno));
    }
    if (err)
        *err = w->first_error;
    return -1;
}

/* A record's text, built by json_dump_callback; failed sticks once an append failed. */
struct dump_buf {
    char *data;
    size_t len, cap;
    bool failed;
};

static int dump_append(const char *buf, size_t size, void *opaque)
{
    struct dump_buf *d = opaque;
    if (d->failed)
        return -1;
    if (size > d->cap - d->len) {
        size_t ncap = d->cap ? d->cap : 256;
        while (ncap - d->len < size) {
            if (ncap > SIZE_MAX / 2) {
                d->failed = true;
                return -1;
            }
            ncap *= 2;
        }
        char *n = realloc(d->data, ncap);
        if (!n) {
            d->failed = true;
            return -1;
        }
        d->data = n;
        d->cap = ncap;
    }
    memcpy(d->data + d->len, buf, size);
    d->len += size;
    return 0;
}

/* Writes obj as one compact line and flushes; takes over obj. */
static int write_line(vw_trace_writer *w, json_t *obj, vw_error *err)
{
    if (w->failed) {
        json_decref(obj);
        if (err)
            *err = w->first_error;
        return -1;
    }
    if (!obj) {
        errno = ENOMEM;
        return writer_fail(w, err, "building a record");
    }
    /* Not json_dumps: jansson 2.14 ignores a failure while it writes an object's key (dump.c
     * does not check dump_string's result for keys) and returns a line with the key missing.
     * dump_append remembers any failure, so such a line is never written. */
    struct dump_buf d = { NULL, 0, 0, false };
    int rc = json_dump_callback(obj, dump_append, &d, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(obj);
    if (rc < 0 || d.failed) {
        free(d.data);
        errno = ENOMEM;
        return writer_fail(w, err, "serialising a record");
    }
    bool ok = fwrite(d.data, 1, d.len, w->out) == d.len && fputc('\n', w->out) != EOF &&
              fflush(w->out) == 0;
    free(d.data);
    if (!ok)
        return writer_fail(w, err, "write");
    return 0;
}

static int write_header_once(vw_trace_writer *w, vw_error *err)
{
    if (w->header_written)
        return 0;
    w->header_written = true;
    json_t *h = w->header;
    w->header = NULL;
    return write_line(w, h, err);
}

static vw_trace_writer *writer_new(FILE *out, bool owns, vw_trace_protocol protocol,
                                   const char *tool, const char *upstream, vw_error *err)
{
    if (protocol != VW_TRACE_LIBVIRT && protocol != VW_TRACE_QMP) {
        trace_error(err, 0, "unknown trace protocol %d", (int)protocol);
        return NULL;
    }
    vw_trace_writer *w = calloc(1, sizeof(*w));
    if (!w) {
        trace_error(err, 0, "out of memory");
        return NULL;
    }
    w->out = out;
    w->owns_out = owns;
    w->protocol = protocol;
    w->start_ns = vw_now_ns();
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *h = json_object();
    h = set_required(h, "format", json_string(VW_TRACE_FORMAT));
    h = set_required(h, "version", json_integer(VW_TRACE_VERSION));
    h = set_required(h, "protocol", json_string(vw_trace_protocol_name(protocol)));
    h = set_required(h, "created", json_string(created));
    h = set_required(h, "time_unit", json_string("us"));
    if (tool)
        h = set_required(h, "tool", json_string(tool));
    if (upstream)
        h = set_required(h, "upstream", json_string(upstream));
    if (!h) {
        free(w);
        trace_error(err, 0, "out of memory");
        return NULL;
    }
    w->header = h;
    return w;
}

vw_trace_writer *vw_trace_writer_open_stream(FILE *out, vw_trace_protocol protocol,
                                             const char *tool, const char *upstream,
                                             vw_error *err)
{
    return writer_new(out, false, protocol, tool, upstream, err);
}

vw_trace_writer *vw_trace_writer_open(const char *path, vw_trace_protocol protocol,
                                      const char *tool, const char *upstream,
                                      vw_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        trace_error(err, 0, "cannot create trace file %s: %s", path, strerror(errno));
        return NULL;
    }
    vw_trace_writer *w = writer_new(f, true, protocol, tool, upstream, err);
    if (!w) {
        fclose(f);
        return NULL;
    }
    return w;
}

int vw_trace_writer_flush(vw_trace_writer *w, vw_error *err)
{
    if (write_header_once(w, err) < 0)
        return -1;
    if (fflush(w->out) != 0)
        return writer_fail(w, err, "flush");
    return 0;
}

int vw_trace_writer_set_header(vw_trace_writer *w, const char *key, json_t *value,
                               vw_error *err)
{
    if (w->header_written || !w->header) {
        json_decref(value);
        return trace_error(err, 0, "header member \"%s\" set after the header was written "
                           "(set it before the first record or vw_trace_writer_flush)", key);
    }
    if (json_object_set_new(w->header, key, value) < 0)
        return trace_error(err, 0, "cannot set header member \"%s\"", key);
    return 0;
}

static json_t *record_base(const char *kind, uint32_t conn, uint64_t t_us)
{
    json_t *o = json_object();
    o = set_required(o, "rec", json_string(kind));
    o = set_required(o, "conn", json_integer(conn));
    return set_required(o, "t_us", json_integer((json_int_t)t_us));
}

int vw_trace_write_open(vw_trace_writer *w, uint32_t conn, uint64_t t_us, const char *peer,
                        vw_error *err)
{
    if (write_header_once(w, err) < 0)
        return -1;
    json_t *o = record_base("open", conn, t_us);
    if (peer)
        o = set_required(o, "peer", json_string(peer));
    return write_line(w, o, err);
}

int vw_trace_write_close(vw_trace_writer *w, uint32_t conn, uint64_t t_us, const char *by,
                         vw_error *err)
{
    if (write_header_once(w, err) < 0)
        return -1;
    json_t *o = record_base("close", conn, t_us);
    if (by)
        o = set_required(o, "by", json_string(by));
    return write_line(w, o, err);
}

/* The decoded header (and error) of a libvirt packet, for people. */
static void add_libvirt_decoded(json_t *o, const uint8_t *raw, size_t len)
{
    vw_packet_header h;
    vw_error pe;
    if (vw_packet_decode_header(raw + VW_PACKET_LEN_SIZE, len - VW_PACKET_LEN_SIZE,
                                VW_DECODE_LENIENT, &h, &pe) < 0) {
        json_object_set_new(o, "decode_error", json_string(pe.text));
        return;
    }
    json_t *hdr = json_object();
    if (!hdr)
        return;
    const char *prog = vw_program_name(h.prog);
    char buf[32];
    if (prog) {
        json_object_set_new(hdr, "prog", json_string(prog));
    } else {
        snprintf(buf, sizeof(buf), "0x%08x", h.prog);
        json_object_set_new(hdr, "prog", json_string(buf));
    }
    json_object_set_new(hdr, "vers", json_integer(h.vers));
    json_object_set_new(hdr, "proc", json_string(vw_procs_name(h.prog, h.proc, buf, sizeof(buf))));
    json_object_set_new(hdr, "proc_num", json_integer(h.proc));
    const char *t = vw_packet_type_name(h.type);
    json_object_set_new(hdr, "type", t ? json_string(t) : json_integer(h.type));
    json_object_set_new(hdr, "serial", json_integer(h.serial));
    const char *s = vw_packet_status_name(h.status);
    json_object_set_new(hdr, "status", s ? json_string(s) : json_integer(h.status));
    json_object_set_new(hdr, "len", json_integer((json_int_t)len));
    json_object_set_new(o, "hdr", hdr);

    bool error_payload = h.status == VW_NET_ERROR &&
        (h.type == VW_NET_REPLY || h.type == VW_NET_REPLY_WITH_FDS ||
         (h.type == VW_NET_STREAM && len > VW_PACKET_MIN));
    if (!error_payload)
        return;
    vw_packet pkt;
    if (vw_packet_parse(raw, len, VW_DECODE_LENIENT, &pkt, &pe) < 0)
        return;
    vw_remote_error rerr;
    if (vw_packet_decode_error(&pkt, &rerr, VW_DECODE_LENIENT, &pe) < 0) {
        json_object_set_new(o, "decode_error", json_string(pe.text));
        return;
    }
    json_t *e = json_object();
    if (e) {
        json_object_set_new(e, "code", json_integer(rerr.code));
        json_object_set_new(e, "domain", json_integer(rerr.domain));
        if (rerr.message && *rerr.message)
            json_object_set_new(e, "message", json_string(*rerr.message));
        json_object_set_new(o, "error", e);
    }
    vw_xdr_free((xdrproc_t)xdr_vw_remote_error, &rerr);
}

static void add_qmp_decoded(json_t *o, const uint8_t *raw, size_t len)
{
    char why[256];
    json_t *v = vw_qmp_loads((const char *)raw, len, why, sizeof(why));
    if (v) {
        json_object_set_new(o, "json", v);
    } else {
        /* QEMU's desc may carry bytes that are not UTF-8 (a stray byte): keep it printable. */
        for (char *p = why; *p; p++)
            if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
                *p = '?';
        json_object_set_new(o, "json_error", json_string(why));
    }
}

static int write_bytes(vw_trace_writer *w, const char *kind, uint32_t conn, vw_trace_dir dir,
                       uint64_t t_us, const void *raw, size_t raw_len, bool decode,
                       vw_error *err)
{
    if (raw_len > VW_TRACE_RAW_MAX)
        return trace_error(err, 0, "a %zu-byte %s record exceeds the limit of %u bytes",
                           raw_len, kind, VW_TRACE_RAW_MAX);
    if (dir != VW_TRACE_C2S && dir != VW_TRACE_S2C)
        return trace_error(err, 0, "bad direction %d", (int)dir);
    if (write_header_once(w, err) < 0)
        return -1;
    char *b64 = vw_base64_encode(raw, raw_len);
    if (!b64) {
        errno = ENOMEM;
        return writer_fail(w, err, "base64");
    }
    json_t *o = record_base(kind, conn, t_us);
    if (!o) {
        free(b64);
        errno = ENOMEM;
        return writer_fail(w, err, "building a record");
    }
    o = set_required(o, "dir", json_string(vw_trace_dir_name(dir)));
    o = set_required(o, "raw", json_string(b64));
    free(b64);
    if (o && decode) {
        if (w->protocol == VW_TRACE_LIBVIRT)
            add_libvirt_decoded(o, raw, raw_len);
        else
            add_qmp_decoded(o, raw, raw_len);
    }
    return write_line(w, o, err);
}

int vw_trace_write_message(vw_trace_writer *w, uint32_t conn, vw_trace_dir dir, uint64_t t_us,
                           const void *raw, size_t raw_len, vw_error *err)
{
    if (w->protocol == VW_TRACE_LIBVIRT) {
        uint32_t len;
        vw_error pe;
        if (raw_len < VW_PACKET_MIN)
            return trace_error(err, 0, "a libvirt message needs at least %u bytes, got %zu",
                               VW_PACKET_MIN, raw_len);
        if (vw_packet_decode_length(raw, raw_len, &len, &pe) < 0)
            return trace_error(err, 0, "%s", pe.text);
        if (len != raw_len)
            return trace_error(err, 0, "libvirt message is %zu bytes but its length word says %u",
                               raw_len, len);
    } else if (raw_len == 0) {
        return trace_error(err, 0, "an empty QMP message");
    }
    return write_bytes(w, "msg", conn, dir, t_us, raw, raw_len, true, err);
}

int vw_trace_write_data(vw_trace_writer *w, uint32_t conn, vw_trace_dir dir, uint64_t t_us,
                        const void *raw, size_t raw_len, vw_error *err)
{
    return write_bytes(w, "data", conn, dir, t_us, raw, raw_len, false, err);
}

int vw_trace_writer_close(vw_trace_writer *w, vw_error *err)
{
    if (!w)
        return 0;
    int rc = 0;
    if (!w->header_written && write_header_once(w, err) < 0)
        rc = -1;
    if (w->failed) {
        if (err)
            *err = w->first_error;
        rc = -1;
    }
    if (fflush(w->out) != 0 && rc == 0)
        rc = trace_error(err, 0, "cannot write the trace: %s", strerror(errno));
    if (w->owns_out && fclose(w->out) != 0 && rc == 0)
        rc = trace_error(err, 0, "cannot close the trace: %s", strerror(errno));
    json_decref(w->header);
    free(w);
    return rc;
}

/* ---- reader ------------------------------------------------------------------------------ */

enum conn_state { CONN_OPEN = 1, CONN_CLOSED = 2 };

struct conn_entry {
    uint32_t id;
    int state;
};

struct vw_trace_reader {
    FILE *in;
    bool owns_in;
    bool failed;
    bool eof;
    bool allow_truncated;       /* a cut last line ends the file (vw_trace_reader_dropped) */
    bool terminated;            /* the line read last ended with '\n' */
    vw_error dropped;     /* the cut last line that was dropped; line 0: none */
    vw_error fail_error;
    vw_trace_protocol protocol;
    json_t *header;
    unsigned long line;
    char *linebuf;
    size_t linecap;
    json_t *current;            /* the record's JSON (peer/by point into it) */
    uint8_t *raw;               /* the record's decoded bytes */
    struct conn_entry *conns;
    size_t nconns, capconns;
};

/* Reads one line (without '\n') into r->linebuf. 1 with a line, 0 at EOF, -1 on error. */
static int read_line(vw_trace_reader *r, size_t *len, vw_error *err)
{
    size_t n = 0;
    int c;
    bool any = false;
    while ((c = getc_unlocked(r->in)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (n + 1 >= r->linecap) {
            if (r->linecap >= VW_TRACE_LINE_MAX)
                return trace_error(err, r->line + 1, "line longer than %u bytes", VW_TRACE_LINE_MAX);
            size_t cap = r->linecap ? r->linecap * 2 : 4096;
            if (cap > VW_TRACE_LINE_MAX)
                cap = VW_TRACE_LINE_MAX;
            char *nb = realloc(r->linebuf, cap);
            if (!nb)
                return trace_error(err, r->line + 1, "out of memory reading the line");
            r->linebuf = nb;
            r->linecap = cap;
        }
        r->linebuf[n++] = (char)c;
    }
    r->terminated = c == '\n';
    if (ferror(r->in))
        return trace_error(err, r->line + 1, "read error: %s", strerror(errno));
    if (!any)
        return 0;
    if (!r->linebuf) {
        r->linebuf = malloc(1);
        if (!r->linebuf)
            return trace_error(err, r->line + 1, "out of memory");
        r->linecap = 1;
    }
    r->linebuf[n] = '\0';
    r->line++;
    *len = n;
    return 1;
}

/* je: the JSON error when the line is not JSON at all (je->text empty otherwise). */
static json_t *parse_object(vw_trace_reader *r, size_t len, json_error_t *je,
                            vw_error *err)
{
    je->text[0] = '\0';
    json_t *v = json_loadb(r->linebuf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, je);
    if (!v) {
        trace_error(err, r->line, "bad JSON at column %d: %s", je->column, je->text);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        trace_error(err, r->line, "expected a JSON object, found another JSON value");
        return NULL;
    }
    return v;
}

static const char *get_string(json_t *o, const char *key, bool required, unsigned long line,
                              vw_error *err, bool *bad)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        if (required) {
            *bad = true;
            trace_error(err, line, "missing key \"%s\"", key);
        }
        return NULL;
    }
    if (!json_is_string(v)) {
        *bad = true;
        trace_error(err, line, "key \"%s\" must be a string", key);
        return NULL;
    }
    return json_string_value(v);
}

static int get_uint(json_t *o, const char *key, uint64_t max, unsigned long line,
                    uint64_t *out, vw_error *err)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return trace_error(err, line, "missing key \"%s\"", key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) > max)
        return trace_error(err, line, "key \"%s\" must be an integer from 0 to %llu", key,
                           (unsigned long long)max);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int reader_fail(vw_trace_reader *r, vw_error *err)
{
    r->failed = true;
    if (err)
        r->fail_error = *err;
    return -1;
}

static int read_header(vw_trace_reader *r, vw_error *err)
{
    size_t len;
    int rc = read_line(r, &len, err);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return trace_error(err, 1, "empty file: expected the header line "
                           "{\"format\":\"" VW_TRACE_FORMAT "\",\"version\":1,...}");
    json_error_t je;
    json_t *h = parse_object(r, len, &je, err);
    if (!h)
        return -1;
    bool bad = false;
    const char *format = get_string(h, "format", true, r->line, err, &bad);
    if (bad)
        goto fail;
    if (strcmp(format, VW_TRACE_FORMAT) != 0) {
        trace_error(err, r->line, "\"format\" is \"%s\", expected \"" VW_TRACE_FORMAT
                    "\": not a virt-wire trace", format);
        goto fail;
    }
    json_t *ver = json_object_get(h, "version");
    if (!ver) {
        trace_error(err, r->line, "missing key \"version\"");
        goto fail;
    }
    if (!json_is_integer(ver)) {
        trace_error(err, r->line, "key \"version\" must be an integer");
        goto fail;
    }
    if (json_integer_value(ver) != VW_TRACE_VERSION) {
        trace_error(err, r->line, "unknown version %lld: this reader knows version %d",
                    (long long)json_integer_value(ver), VW_TRACE_VERSION);
        goto fail;
    }
    const char *proto = get_string(h, "protocol", true, r->line, err, &bad);
    if (bad)
        goto fail;
    if (strcmp(proto, "libvirt") == 0) {
        r->protocol = VW_TRACE_LIBVIRT;
    } else if (strcmp(proto, "qmp") == 0) {
        r->protocol = VW_TRACE_QMP;
    } else {
        trace_error(err, r->line, "unknown protocol \"%s\": expected \"libvirt\" or \"qmp\"", proto);
        goto fail;
    }
    r->header = h;
    return 0;
fail:
    json_decref(h);
    return -1;
}

static vw_trace_reader *reader_new(FILE *in, bool owns, vw_error *err)
{
    vw_trace_reader *r = calloc(1, sizeof(*r));
    if (!r) {
        trace_error(err, 0, "out of memory");
        if (owns)
            fclose(in);
        return NULL;
    }
    r->in = in;
    r->owns_in = owns;
    if (read_header(r, err) < 0) {
        vw_trace_reader_free(r);
        return NULL;
    }
    return r;
}

vw_trace_reader *vw_trace_reader_open(const char *path, vw_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        trace_error(err, 0, "cannot open trace file %s: %s", path, strerror(errno));
        return NULL;
    }
    return reader_new(f, true, err);
}

vw_trace_reader *vw_trace_reader_open_stream(FILE *in, vw_error *err)
{
    return reader_new(in, false, err);
}

vw_trace_protocol vw_trace_reader_protocol(const vw_trace_reader *r)
{
    return r->protocol;
}

const json_t *vw_trace_reader_header(const vw_trace_reader *r)
{
    return r->header;
}

static struct conn_entry *find_conn(vw_trace_reader *r, uint32_t id)
{
    /* Recent connections are the likely ones: search from the end. */
    for (size_t i = r->nconns; i > 0; i--)
        if (r->conns[i - 1].id == id)
            return &r->conns[i - 1];
    return NULL;
}

static int check_record(vw_trace_reader *r, json_t *o, vw_trace_record *rec, vw_error *err)
{
    unsigned long line = r->line;
    bool bad = false;
    const char *kind = get_string(o, "rec", true, line, err, &bad);
    if (bad)
        return -1;
    if (strcmp(kind, "open") == 0)
        rec->kind = VW_TRACE_OPEN;
    else if (strcmp(kind, "msg") == 0)
        rec->kind = VW_TRACE_MESSAGE;
    else if (strcmp(kind, "data") == 0)
        rec->kind = VW_TRACE_DATA;
    else if (strcmp(kind, "close") == 0)
        rec->kind = VW_TRACE_CLOSE;
    else
        return trace_error(err, line, "unknown record kind \"%s\": expected open, msg, data or close",
                           kind);
    uint64_t v;
    if (get_uint(o, "conn", UINT32_MAX, line, &v, err) < 0)
        return -1;
    rec->conn = (uint32_t)v;
    if (get_uint(o, "t_us", (uint64_t)INT64_MAX, line, &v, err) < 0)
        return -1;
    rec->t_us = v;

    struct conn_entry *c = find_conn(r, rec->conn);
    if (rec->kind == VW_TRACE_OPEN) {
        rec->peer = get_string(o, "peer", false, line, err, &bad);
        if (bad)
            return -1;
        if (c)
            return trace_error(err, line, "connection %u is opened a second time", rec->conn);
        if (r->nconns == r->capconns) {
            size_t cap = r->capconns ? r->capconns * 2 : 16;
            struct conn_entry *nc = realloc(r->conns, cap * sizeof(*nc));
            if (!nc)
                return trace_error(err, line, "out of memory");
            r->conns = nc;
            r->capconns = cap;
        }
        r->conns[r->nconns].id = rec->conn;
        r->conns[r->nconns].state = CONN_OPEN;
        r->nconns++;
        return 0;
    }
    if (!c)
        return trace_error(err, line, "connection %u is used before its \"open\" record",
                           rec->conn);
    if (c->state == CONN_CLOSED)
        return trace_error(err, line, "connection %u is used after its \"close\" record",
                           rec->conn);
    if (rec->kind == VW_TRACE_CLOSE) {
        rec->by = get_string(o, "by", false, line, err, &bad);
        if (bad)
            return -1;
        c->state = CONN_CLOSED;
        return 0;
    }

    const char *dir = get_string(o, "dir", true, line, err, &bad);
    if (bad)
        return -1;
    if (strcmp(dir, "c2s") == 0)
        rec->dir = VW_TRACE_C2S;
    else if (strcmp(dir, "s2c") == 0)
        rec->dir = VW_TRACE_S2C;
    else
        return trace_error(err, line, "\"dir\" is \"%s\": expected \"c2s\" or \"s2c\"", dir);
    json_t *rawv = json_object_get(o, "raw");
    if (!rawv)
        return trace_error(err, line, "missing key \"raw\"");
    if (!json_is_string(rawv))
        return trace_error(err, line, "key \"raw\" must be a base64 string");
    size_t bad_pos;
    const char *why;
    size_t n;
    if (vw_base64_decode(json_string_value(rawv), json_string_length(rawv), VW_TRACE_RAW_MAX,
                         &r->raw, &n, &bad_pos, &why) < 0)
        return trace_error(err, line, "bad base64 in \"raw\" at character %zu: %s", bad_pos, why);
    rec->raw = r->raw;
    rec->raw_len = n;
    if (rec->kind == VW_TRACE_DATA)
        return 0;
    if (r->protocol == VW_TRACE_LIBVIRT) {
        if (n < VW_PACKET_MIN)
            return trace_error(err, line, "raw libvirt message is %zu bytes, less than the "
                               "minimum %u (length word + header)", n, VW_PACKET_MIN);
        uint32_t len;
        vw_error pe;
        if (vw_packet_decode_length(r->raw, n, &len, &pe) < 0)
            return trace_error(err, line, "raw libvirt message: %s", pe.text);
        if (len != n)
            return trace_error(err, line, "raw libvirt message is %zu bytes but its length word "
                               "says %u", n, len);
    } else if (n == 0) {
        return trace_error(err, line, "empty QMP message in \"raw\"");
    }
    return 0;
}

/* A line a writer was cut off in: its JSON ends early (any JSON error when the line has no
 * '\n' at all), and nothing but blank lines follows it. Reads the rest of the file. */
static bool cut_last_line(vw_trace_reader *r, const json_error_t *je)
{
    if (r->terminated && json_error_code(je) != json_error_premature_end_of_input)
        return false;
    int c;
    while ((c = getc_unlocked(r->in)) != EOF)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return false;
    return !ferror(r->in);
}

/* --allow-truncated: the cut last line ends the file; err (its JSON error) becomes the note. */
static int drop_cut_line(vw_trace_reader *r, const vw_error *err)
{
    trace_error(&r->dropped, r->line, "the last line is cut (%s); dropped it "
                "(--allow-truncated)", err->text);
    r->eof = true;
    return 0;
}

int vw_trace_read(vw_trace_reader *r, vw_trace_record *rec, vw_error *err)
{
    if (r->failed) {
        if (err)
            *err = r->fail_error;
        return -1;
    }
    json_decref(r->current);
    r->current = NULL;
    free(r->raw);
    r->raw = NULL;
    memset(rec, 0, sizeof(*rec));
    if (r->eof)
        return 0;
    for (;;) {
        size_t len;
        int rc = read_line(r, &len, err);
        if (rc < 0)
            return reader_fail(r, err);
        if (rc == 0)
            return 0;
        /* A blank line (e.g. a trailing one added by an editor) carries nothing. */
        bool blank = true;
        for (size_t i = 0; i < len && blank; i++)
            if (r->linebuf[i] != ' ' && r->linebuf[i] != '\t' && r->linebuf[i] != '\r')
                blank = false;
        if (blank)
            continue;
        json_error_t je;
        json_t *o = parse_object(r, len, &je, err);
        if (!o && je.text[0] && cut_last_line(r, &je)) {
            if (r->allow_truncated)
                return drop_cut_line(r, err);
            size_t used = strlen(err->text);
            snprintf(err->text + used, sizeof(err->text) - used, "; the last line is cut (a "
                     "writer stopped in the middle of it): --allow-truncated drops it");
        }
        if (!o)
            return reader_fail(r, err);
        r->current = o;
        rec->line = r->line;
        if (check_record(r, o, rec, err) < 0) {
            json_decref(r->current);
            r->current = NULL;
            free(r->raw);
            r->raw = NULL;
            memset(rec, 0, sizeof(*rec));
            return reader_fail(r, err);
        }
        return 1;
    }
}

void vw_trace_reader_allow_truncated(vw_trace_reader *r, bool on)
{
    r->allow_truncated = on;
}

const vw_error *vw_trace_reader_dropped(const vw_trace_reader *r)
{
    return r->dropped.line ? &r->dropped : NULL;
}

void vw_trace_reader_free(vw_trace_reader *r)
{
    if (!r)
        return;
    if (r->owns_in && r->in)
        fclose(r->in);
    json_decref(r->header);
    json_decref(r->current);
    free(r->raw);
    free(r->linebuf);
    free(r->conns);
    free(r);
}
