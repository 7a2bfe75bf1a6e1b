/* record.c: fake-qemu --record, see record.h. Every value's record is committed to the file
 * (common/trace_file.h) before the value is forwarded: up_write commits before it writes
 * upstream, on_up_readable before it passes a read on to the client, so the values of one read
 * cost one write and a killed recorder's trace holds everything either side received. */
#include "record.h"
#include "netaddr.h"
#include "qmp_json.h"
#include "trace.h"
#include "trace_file.h"
#include "xdr_codec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CHUNK          65536
#define BUF_HIGH            (4u << 20)   /* stop reading a side while its peer has this queued */
#define CONNECT_TIMEOUT_MS  5000

/* Cuts one direction's byte stream into trace records: one JSON value (with the whitespace
 * after it) per record, decided by QEMU's own JSON streamer. */
typedef struct framer {
    vw_trace_dir dir;
    vw_qmp_streamer *qmp;
    int done;                 /* set by the streamer callback: a value (or error) ended */
    int spilled;              /* part of the value being collected went out as "data" */
    json_t *msg;              /* c2s: the value that ended (NULL for a parse error) */
    char *error;              /* c2s: the parse error that ended it, or NULL */
    vw_buf pending;           /* bytes of the value being collected */
} framer;

typedef struct rconn {
    fq_record *rec;
    struct rconn *next;
    uint32_t id;
    qmp_conn *client;         /* NULL once qmp_server closed the client side */
    int ufd;                  /* upstream socket, -1 once closed */
    int up_reading;           /* READABLE registered on ufd */
    int ended;                /* the close record is written */
    vw_buf to_up;             /* client bytes not yet written upstream */
    size_t to_up_off;
    framer c2s, s2c;
    int intercepting;         /* inside qmp_server_intercept for c2s.pending */
    int forwarded;            /* ... and a stub's fallthrough already passed it on */
    vw_buf taken;             /* the last command a stub took: a delayed fallthrough sends it */
} rconn;

struct fq_record {
    vw_evloop *loop;
    vw_netaddr upstream;
    char upstream_text[400];
    vw_trace_file *file;      /* batches the writer's records (common/trace_file.h) */
    vw_trace_writer *w;
    uint32_t next_id;
    rconn *conns;
    int stopping;
    int trace_failed;
    qmp_backend hooks;
};

static void trace_failed(fq_record *r, const vw_trace_error *e)
{
    if (!r->trace_failed) {
        fprintf(stderr, "fake-qemu: --record: %s (still forwarding; the trace is incomplete)\n",
                e->text);
        r->trace_failed = 1;
    }
}

/* ---- framing ---------------------------------------------------------------------------------- */

static void framer_cb(void *opaque, json_t *msg, const char *error)
{
    framer *f = opaque;
    if (f->dir == VW_TRACE_C2S && !f->spilled) {
        f->msg = error ? NULL : msg;        /* offered to faults and stubs (frame_c2s) */
        f->error = error ? strdup(error) : NULL;
        if (error && !f->error)
            f->error = strdup("parse error");
        if (error)
            json_decref(msg);
    } else {
        json_decref(msg);
    }
    f->done = 1;
    vw_qmp_streamer_pause(f->qmp);
}

static int framer_init(framer *f, vw_trace_dir dir)
{
    memset(f, 0, sizeof(*f));
    f->dir = dir;
    vw_buf_init(&f->pending);
    f->qmp = vw_qmp_streamer_new(NULL, framer_cb, f);
    return f->qmp ? 0 : -1;
}

static void framer_clear_value(framer *f)
{
    json_decref(f->msg);
    f->msg = NULL;
    free(f->error);
    f->error = NULL;
}

static void framer_free(framer *f)
{
    vw_qmp_streamer_free(f->qmp);
    f->qmp = NULL;
    framer_clear_value(f);
    vw_buf_free(&f->pending);
}

static void emit(rconn *rc, framer *f, int message, const uint8_t *data, size_t n)
{
    fq_record *r = rc->rec;
    vw_trace_error e;
    uint64_t t = vw_trace_writer_elapsed_us(r->w);
    int ok = message ? vw_trace_write_message(r->w, rc->id, f->dir, t, data, n, &e)
                     : vw_trace_write_data(r->w, rc->id, f->dir, t, data, n, &e);
    if (ok < 0)
        trace_failed(r, &e);
}

static int is_ws(uint8_t b)
{
    return b == '\r' || b == '\n' || b == ' ' || b == '\t';
}

static void framer_feed(rconn *rc, framer *f, const uint8_t *data, size_t n)
{
    vw_proto_error pe;
    size_t off = 0;
    /* Whitespace right after a finished value in the same read belongs to it; whitespace that
     * arrives in a later read starts the next record (concatenation stays exact either way). */
    while (off < n) {
        f->done = 0;
        size_t used = vw_qmp_streamer_feed(f->qmp, (const char *)data + off, n - off);
        if (used == 0 && !f->done)
            used = n - off;     /* cannot happen by contract; never loop forever */
        if (vw_buf_append(&f->pending, data + off, used, &pe) < 0)
            return;
        off += used;
        if (f->done) {
            size_t ws = off;
            while (ws < n && is_ws(data[ws]))
                ws++;
            if (ws > off && vw_buf_append(&f->pending, data + off, ws - off, &pe) < 0)
                return;
            off = ws;
            emit(rc, f, 1, f->pending.data, f->pending.len);
            vw_buf_reset(&f->pending);
        } else if (f->pending.len >= VW_TRACE_RAW_MAX) {
            emit(rc, f, 0, f->pending.data, f->pending.len);
            vw_buf_reset(&f->pending);
        }
    }
}

/* ---- connections ------------------------------------------------------------------------------ */

static rconn *find(fq_record *r, qmp_conn *c)
{
    for (rconn *rc = r->conns; rc; rc = rc->next)
        if (rc->client == c)
            return rc;
    return NULL;
}

/* Writes what is left unframed and the close record (once). */
static void conn_end(rconn *rc, const char *by)
{
    if (rc->ended)
        return;
    rc->ended = 1;
    framer *fs[2] = { &rc->c2s, &rc->s2c };
    for (int i = 0; i < 2; i++) {
        if (fs[i]->pending.len) {
            emit(rc, fs[i], 0, fs[i]->pending.data, fs[i]->pending.len);
            vw_buf_reset(&fs[i]->pending);
        }
    }
    vw_trace_error e;
    if (vw_trace_write_close(rc->rec->w, rc->id, vw_trace_writer_elapsed_us(rc->rec->w), by,
                             &e) < 0)
        trace_failed(rc->rec, &e);
    vw_trace_file_commit(rc->rec->file);
}

static void upstream_close(rconn *rc)
{
    if (rc->ufd < 0)
        return;
    vw_evloop_del_file(rc->rec->loop, rc->ufd, VW_EV_READABLE | VW_EV_WRITABLE);
    close(rc->ufd);
    rc->ufd = -1;
    rc->up_reading = 0;
}

static void rconn_free(rconn *rc)
{
    fq_record *r = rc->rec;
    for (rconn **pp = &r->conns; *pp; pp = &(*pp)->next) {
        if (*pp == rc) {
            *pp = rc->next;
            break;
        }
    }
    upstream_close(rc);
    framer_free(&rc->c2s);
    framer_free(&rc->s2c);
    vw_buf_free(&rc->to_up);
    vw_buf_free(&rc->taken);
    free(rc);
}

static void on_up_readable(vw_evloop *loop, int fd, void *cd, int mask);
static void on_up_writable(vw_evloop *loop, int fd, void *cd, int mask);

static void set_up_reading(rconn *rc, int on)
{
    if (rc->ufd < 0)
        return;
    if (on && !rc->up_reading) {
        if (vw_evloop_add_file(rc->rec->loop, rc->ufd, VW_EV_READABLE, on_up_readable, rc) == 0)
            rc->up_reading = 1;
    } else if (!on && rc->up_reading) {
        vw_evloop_del_file(rc->rec->loop, rc->ufd, VW_EV_READABLE);
        rc->up_reading = 0;
    }
}

/* Writes queued client bytes upstream. Returns 0 when all are out, 1 when the socket is full,
 * -1 when rc was freed (its client was already gone). */
static int up_write(rconn *rc)
{
    if (rc->to_up_off > 65536 && rc->to_up_off > rc->to_up.len / 2) {
        /* an upstream that never catches up fully: drop what was written */
        memmove(rc->to_up.data, rc->to_up.data + rc->to_up_off, rc->to_up.len - rc->to_up_off);
        rc->to_up.len -= rc->to_up_off;
        rc->to_up_off = 0;
    }
    if (rc->to_up_off < rc->to_up.len)
        vw_trace_file_commit(rc->rec->file);    /* the records before the bytes */
    while (rc->to_up_off < rc->to_up.len) {
        long n = vw_netaddr_send(rc->ufd, rc->to_up.data + rc->to_up_off,
                                 rc->to_up.len - rc->to_up_off);
        if (n > 0) {
            rc->to_up_off += (size_t)n;
            continue;
        }
        if (n == 0) {
            vw_evloop_add_file(rc->rec->loop, rc->ufd, VW_EV_WRITABLE, on_up_writable, rc);
            return 1;
        }
        fprintf(stderr, "fake-qemu: --record: connection %u: writing to the upstream %s: %s; "
                "closing the client\n", rc->id, rc->rec->upstream_text, strerror(errno));
        conn_end(rc, "error");
        vw_buf_reset(&rc->to_up);
        rc->to_up_off = 0;
        upstream_close(rc);
        if (!rc->client) {
            rconn_free(rc);
            return -1;
        }
        qmp_conn_close(rc->client);
        return 0;
    }
    vw_buf_reset(&rc->to_up);
    rc->to_up_off = 0;
    if (rc->to_up.cap > BUF_HIGH)
        vw_buf_free(&rc->to_up);        /* give back memory after a burst */
    if (rc->ufd >= 0)
        vw_evloop_del_file(rc->rec->loop, rc->ufd, VW_EV_WRITABLE);
    if (!rc->client) {          /* the client left; its last bytes are upstream now */
        rconn_free(rc);
        return -1;
    }
    return 0;
}

static void on_up_writable(vw_evloop *loop, int fd, void *cd, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    rconn *rc = cd;
    if (up_write(rc) == 0 && rc->client)
        qmp_conn_resume(rc->client);   /* input held back while the upstream was slow */
}

static void on_up_readable(vw_evloop *loop, int fd, void *cd, int mask)
{
    (void)loop;
    (void)mask;
    rconn *rc = cd;
    uint8_t buf[READ_CHUNK];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        if (n < 0)
            fprintf(stderr, "fake-qemu: --record: connection %u: reading from the upstream %s: "
                    "%s; closing the client\n", rc->id, rc->rec->upstream_text, strerror(errno));
        conn_end(rc, n < 0 ? "error" : "server");
        upstream_close(rc);
        if (rc->client)
            qmp_conn_close(rc->client);   /* after what is queued for it; closed() frees rc */
        else
            rconn_free(rc);
        return;
    }
    framer_feed(rc, &rc->s2c, buf, (size_t)n);
    vw_trace_file_commit(rc->rec->file);        /* the records before the bytes */
    if (!rc->client)
        return;
    long queued = qmp_conn_send(rc->client, buf, (size_t)n);
    if (queued < 0)
        return;                 /* the client is gone: closed() has dealt with rc */
    if ((unsigned long)queued > BUF_HIGH)
        set_up_reading(rc, 0);  /* drained() resumes */
}

/* ---- qmp_server hooks ------------------------------------------------------------------------- */

static int rec_open(void *opaque, qmp_conn *c)
{
    fq_record *r = opaque;
    char err[512];
    int ufd = vw_netaddr_connect(&r->upstream, CONNECT_TIMEOUT_MS, err, sizeof(err));
    if (ufd < 0) {
        fprintf(stderr, "fake-qemu: --record: a client connected but the upstream is unreachable: "
                "%s; closing the client\n", err);
        return -1;
    }
    if (vw_netaddr_set_nonblock(ufd, 1, err, sizeof(err)) < 0) {
        fprintf(stderr, "fake-qemu: --record: %s; closing the client\n", err);
        close(ufd);
        return -1;
    }
    rconn *rc = calloc(1, sizeof(*rc));
    if (!rc || framer_init(&rc->c2s, VW_TRACE_C2S) < 0 || framer_init(&rc->s2c, VW_TRACE_S2C) < 0) {
        fprintf(stderr, "fake-qemu: --record: out of memory; closing the client\n");
        if (rc) {
            framer_free(&rc->c2s);
            framer_free(&rc->s2c);
        }
        free(rc);
        close(ufd);
        return -1;
    }
    rc->rec = r;
    rc->client = c;
    rc->ufd = ufd;
    rc->id = ++r->next_id;
    rc->next = r->conns;
    r->conns = rc;
    vw_trace_error e;
    if (vw_trace_write_open(r->w, rc->id, vw_trace_writer_elapsed_us(r->w), "client", &e) < 0)
        trace_failed(r, &e);
    vw_trace_file_commit(r->file);
    set_up_reading(rc, 1);      /* the greeting comes from the upstream */
    return 0;
}

/* Queues client bytes for the upstream (recorded as a "msg" when message is set, else as
 * "data"); the caller writes them (up_write). Returns 0, or -1 when out of memory (the client
 * is then being closed). */
static int queue_up(rconn *rc, int message, const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    emit(rc, &rc->c2s, message, data, n);
    vw_proto_error pe;
    if (vw_buf_append(&rc->to_up, data, n, &pe) < 0) {
        fprintf(stderr, "fake-qemu: --record: connection %u: %s; closing the client\n", rc->id,
                pe.text);
        conn_end(rc, "error");
        upstream_close(rc);
        if (rc->client)
            qmp_conn_close(rc->client);
        return -1;
    }
    return 0;
}

/* One whole client value in rc->c2s (bytes in pending): offered to the c2s faults and the
 * scenario stubs like every request in the other modes; passed on byte for byte unless one of
 * them took it. A taken command is neither sent upstream nor recorded (as fake-libvirtd
 * --record does for stubbed calls). */
static void c2s_value(rconn *rc, qmp_conn *c)
{
    framer *f = &rc->c2s;
    if (f->spilled) {           /* its head already went upstream: the rest follows as is */
        f->spilled = 0;
        framer_clear_value(f);
        if (queue_up(rc, 0, f->pending.data, f->pending.len) == 0)
            vw_buf_reset(&f->pending);
        return;
    }
    const char *error = f->error ? f->error : f->msg ? NULL : "invalid QMP input";
    rc->intercepting = 1;
    rc->forwarded = 0;
    int taken = qmp_server_intercept(c, f->msg, error);
    rc->intercepting = 0;
    framer_clear_value(f);
    if (!taken) {
        (void)queue_up(rc, 1, f->pending.data, f->pending.len);
    } else if (!rc->forwarded) {
        /* kept for a stub answering later with "fallthrough" (rec_message) */
        vw_proto_error pe;
        vw_buf_reset(&rc->taken);
        if (vw_buf_append(&rc->taken, f->pending.data, f->pending.len, &pe) < 0)
            vw_buf_free(&rc->taken);
    }
    vw_buf_reset(&f->pending);
}

static size_t rec_input(void *opaque, qmp_conn *c, const char *buf, size_t len)
{
    fq_record *r = opaque;
    rconn *rc = find(r, c);
    if (!rc || rc->ufd < 0)
        return len;             /* the upstream is gone; the client is being closed */
    framer *f = &rc->c2s;
    const uint8_t *data = (const uint8_t *)buf;
    size_t off = 0;
    while (off < len && rc->ufd >= 0) {
        if (qmp_conn_input_stopped(c))
            break;              /* closing, or a stub's delayed answer holds the input */
        if (rc->to_up.len - rc->to_up_off > BUF_HIGH)
            break;              /* held until on_up_writable resumes */
        f->done = 0;
        size_t used = vw_qmp_streamer_feed(f->qmp, buf + off, len - off);
        if (used == 0 && !f->done)
            used = len - off;   /* cannot happen by contract; never loop forever */
        size_t end = off + used;
        if (f->done) {          /* whitespace right after a value in the same read goes with it */
            while (end < len && is_ws(data[end]))
                end++;
        }
        vw_proto_error pe;
        if (vw_buf_append(&f->pending, data + off, end - off, &pe) < 0) {
            framer_clear_value(f);
            fprintf(stderr, "fake-qemu: --record: connection %u: %s; closing the client\n",
                    rc->id, pe.text);
            conn_end(rc, "error");
            upstream_close(rc);
            qmp_conn_close(c);
            return len;
        }
        off = end;
        if (f->done) {
            c2s_value(rc, c);
        } else if (f->pending.len >= VW_TRACE_RAW_MAX) {
            /* a value longer than a trace record holds: it goes on unframed, unjudged */
            f->spilled = 1;
            if (queue_up(rc, 0, f->pending.data, f->pending.len) < 0)
                return len;
            vw_buf_reset(&f->pending);
        }
    }
    if (rc->ufd >= 0 && rc->to_up.len > rc->to_up_off)
        (void)up_write(rc);     /* rc->client is set: rc is not freed here */
    return rc->ufd >= 0 ? off : len;
}

/* A stub's "fallthrough": the command goes upstream after all, as the client sent it. */
static void rec_message(void *opaque, qmp_conn *c, const json_t *msg, const char *error)
{
    (void)error;
    rconn *rc = find(opaque, c);
    if (!rc || rc->ufd < 0)
        return;
    if (rc->intercepting && !rc->forwarded) {
        rc->forwarded = 1;      /* rec_input writes it after the intercept */
        (void)queue_up(rc, 1, rc->c2s.pending.data, rc->c2s.pending.len);
        return;
    }
    int q;
    if (rc->taken.len) {        /* delayed: the bytes kept when the stub took it */
        q = queue_up(rc, 1, rc->taken.data, rc->taken.len);
        vw_buf_reset(&rc->taken);
    } else {                    /* not ours to know (cannot happen): QEMU's own serialisation */
        char *text = vw_qmp_dumps(msg, VW_QMP_DUMP_QDICT_ORDER);
        if (!text)
            return;
        size_t n = strlen(text);
        char *line = malloc(n + 2);
        q = -1;
        if (line) {
            memcpy(line, text, n);
            memcpy(line + n, "\r\n", 2);
            q = queue_up(rc, 1, (const uint8_t *)line, n + 2);
        }
        free(line);
        free(text);
    }
    if (q == 0 && !rc->intercepting)
        (void)up_write(rc);     /* from a timer: rc->client is set, so rc stays */
}

static void rec_drained(void *opaque, qmp_conn *c)
{
    rconn *rc = find(opaque, c);
    if (rc && !rc->ended)
        set_up_reading(rc, 1);
}

static void rec_closed(void *opaque, qmp_conn *c)
{
    fq_record *r = opaque;
    rconn *rc = find(r, c);
    if (!rc)
        return;
    rc->client = NULL;
    if (rc->ufd >= 0 && rc->c2s.pending.len && !r->stopping) {
        /* the client's last, unfinished value: the upstream gets it as it would directly */
        if (queue_up(rc, 0, rc->c2s.pending.data, rc->c2s.pending.len) == 0)
            vw_buf_reset(&rc->c2s.pending);
    }
    conn_end(rc, r->stopping ? "end" : "client");
    set_up_reading(rc, 0);
    if (rc->ufd >= 0 && rc->to_up.len > rc->to_up_off && !r->stopping) {
        (void)up_write(rc);     /* frees rc once the client's last bytes are out */
        return;
    }
    rconn_free(rc);
}

/* ---- life cycle ------------------------------------------------------------------------------- */

fq_record *fq_record_new(vw_evloop *loop, const char *trace_path, const char *upstream,
                         const char *tool, bool sync, char *err, size_t errlen)
{
    fq_record *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->loop = loop;
    char why[512];
    if (vw_netaddr_parse(upstream, &r->upstream, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "--upstream: %s", why);
        free(r);
        return NULL;
    }
    vw_netaddr_format(&r->upstream, r->upstream_text, sizeof(r->upstream_text));
    int probe = vw_netaddr_connect(&r->upstream, CONNECT_TIMEOUT_MS, why, sizeof(why));
    if (probe < 0) {
        snprintf(err, errlen, "--upstream: the real QEMU's QMP socket is unreachable: %s", why);
        free(r);
        return NULL;
    }
    close(probe);
    r->file = vw_trace_file_start(trace_path, "fake-qemu: --record", sync, VW_TRACE_QMP, tool,
                                  r->upstream_text, &r->w, why, sizeof(why));
    if (!r->file) {
        snprintf(err, errlen, "--record %s: %s", trace_path, why);
        free(r);
        return NULL;
    }
    r->hooks.open = rec_open;
    r->hooks.input = rec_input;
    r->hooks.message = rec_message;
    r->hooks.drained = rec_drained;
    r->hooks.closed = rec_closed;
    r->hooks.opaque = r;
    return r;
}

const qmp_backend *fq_record_backend(fq_record *r)
{
    return &r->hooks;
}

void fq_record_stopping(fq_record *r)
{
    if (r)
        r->stopping = 1;
}

int fq_record_free(fq_record *r)
{
    if (!r)
        return 0;
    while (r->conns) {
        conn_end(r->conns, "end");
        rconn_free(r->conns);
    }
    char why[512];
    int rc = vw_trace_file_finish(r->file, r->w, why, sizeof(why));
    if (rc < 0 && !r->trace_failed)
        fprintf(stderr, "fake-qemu: --record: %s\n", why);
    if (r->trace_failed)
        rc = -1;
    free(r);
    return rc;
}
