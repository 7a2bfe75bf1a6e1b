/* record_proxy.c: the recording proxy engine (see record_proxy.h).
 *
 * Per connection: client -> upstream, the adapter's bytes are framed (or come framed), recorded
 * and appended to to_up; a zero-delay timer (forward_tick) commits the records of the round and
 * writes to_up, so everything the client sent in one loop round costs one commit. Upstream ->
 * client, one read is framed and recorded, committed, and only then handed to the client.
 * Backpressure: the client is held while more than VW_RECORD_UP_HIGH bytes wait upstream (until
 * they are below VW_RECORD_UP_LOW); the upstream is not read while the client has more than
 * ops->client_high bytes waiting.
 *
 * Lifetime: every entry point holds rc (busy); vw_rec_conn_client_closed only marks it dead
 * while held, and the outermost leave frees it, so adapters may close their client from inside
 * send, flush or finish. */
#include "record_proxy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netaddr.h"
#include "trace_file.h"
#include "xdr_codec.h"

#define CONNECT_TIMEOUT_MS 5000
#define READ_CHUNK 65536
#define RESUME_MS 5                     /* re-check a client's queue this often while paused */
#define UP_MAX (64u << 20)              /* more than this waiting upstream closes the client */

struct vw_recorder {
    vw_netaddr upstream;
    char upstream_text[400];
    char who[128];
    bool log_io_errors;
    vw_trace_protocol protocol;
    vw_trace_file *file;                /* batches the writer's records (trace_file.h) */
    vw_trace_writer *w;
    vw_rec_conn *conns;
    bool stopping;
    bool trace_failed;
};

struct vw_rec_conn {
    vw_recorder *r;
    vw_evloop *loop;
    vw_rec_conn *next;
    uint32_t id;
    const vw_rec_client_ops *ops;
    void *client;                       /* NULL once the adapter said it is gone */
    int ufd;                            /* -1 once closed */
    vw_trace_framer *c2s, *s2c;
    vw_buf to_up;                       /* client bytes waiting for the upstream */
    size_t to_up_off;
    long long forward_timer, resume_timer;  /* -1 when none */
    bool up_reading, up_paused, up_eof, up_shut;
    bool client_eof, client_held, ended;
    const char *first_eof;              /* "client" or "server": who closed first */
    const char *by;                     /* "error" once a read or write failed */
    bool s2c_queued;                    /* whole_messages: this read queued something */
    long s2c_waiting;                   /* what send last reported (-1: the client failed) */
    int busy;                           /* engine calls on the stack */
    bool dead;                          /* free at the outermost leave */
    bool intercepting, passed_on;
    const vw_frame *current;            /* the frame intercept is looking at */
    vw_buf taken;                       /* the last message intercept took, for pass_on */
};

static void up_readable(vw_evloop *loop, int fd, void *data, int mask);
static void up_writable(vw_evloop *loop, int fd, void *data, int mask);
static void flush_up(vw_rec_conn *rc);

/* ---- trace ---------------------------------------------------------------------------------- */

static void trace_failed(vw_recorder *r, const vw_error *e)
{
    if (!r->trace_failed) {
        fprintf(stderr, "%s: %s (still forwarding; the trace is incomplete)\n", r->who, e->text);
        r->trace_failed = true;
    }
}

static void record(vw_rec_conn *rc, vw_trace_dir dir, vw_frame_kind kind, const uint8_t *data,
                   size_t n)
{
    vw_recorder *r = rc->r;
    vw_error e;
    uint64_t t = vw_trace_writer_elapsed_us(r->w);
    int ok = kind == VW_FRAME_MESSAGE ? vw_trace_write_message(r->w, rc->id, dir, t, data, n, &e)
                                      : vw_trace_write_data(r->w, rc->id, dir, t, data, n, &e);
    if (ok < 0)
        trace_failed(r, &e);
}

static void write_close(vw_rec_conn *rc, const char *by)
{
    vw_recorder *r = rc->r;
    if (rc->ended)
        return;
    rc->ended = true;
    vw_trace_framer_finish(rc->c2s);
    vw_trace_framer_finish(rc->s2c);
    vw_error e;
    if (vw_trace_write_close(r->w, rc->id, vw_trace_writer_elapsed_us(r->w), by, &e) < 0)
        trace_failed(r, &e);
    vw_trace_file_commit(r->file);
}

/* ---- life cycle of a connection ------------------------------------------------------------- */

static void conn_free(vw_rec_conn *rc)
{
    vw_recorder *r = rc->r;
    for (vw_rec_conn **pp = &r->conns; *pp; pp = &(*pp)->next) {
        if (*pp == rc) {
            *pp = rc->next;
            break;
        }
    }
    if (rc->forward_timer >= 0)
        vw_evloop_del_timer(rc->loop, rc->forward_timer);
    if (rc->resume_timer >= 0)
        vw_evloop_del_timer(rc->loop, rc->resume_timer);
    if (rc->ufd >= 0) {
        vw_evloop_del_file(rc->loop, rc->ufd, VW_EV_READABLE | VW_EV_WRITABLE);
        close(rc->ufd);
    }
    vw_trace_framer_free(rc->c2s);
    vw_trace_framer_free(rc->s2c);
    vw_buf_free(&rc->to_up);
    vw_buf_free(&rc->taken);
    free(rc);
}

static void enter(vw_rec_conn *rc)
{
    rc->busy++;
}

/* Returns false when rc was freed. */
static bool leave(vw_rec_conn *rc)
{
    if (--rc->busy > 0 || !rc->dead)
        return true;
    conn_free(rc);
    return false;
}

static size_t up_waiting(const vw_rec_conn *rc)
{
    return rc->to_up.len - rc->to_up_off;
}

static void watch_upstream(vw_rec_conn *rc, bool on)
{
    vw_evloop *loop = rc->loop;
    if (rc->ufd < 0)
        return;
    if (on && !rc->up_reading) {
        if (vw_evloop_add_file(loop, rc->ufd, VW_EV_READABLE, up_readable, rc) == 0)
            rc->up_reading = true;
    } else if (!on && rc->up_reading) {
        vw_evloop_del_file(loop, rc->ufd, VW_EV_READABLE);
        rc->up_reading = false;
    }
}

/* The upstream side failed or ended: no more reading it; the client is finished with. */
static void end_upstream(vw_rec_conn *rc, const char *by)
{
    if (!rc->first_eof && !rc->by)
        rc->by = by;
    watch_upstream(rc, false);
    rc->up_paused = false;
    if (rc->client)
        rc->ops->finish(rc->client);
    else
        rc->dead = true;
}

/* A read or write of the upstream failed: nothing more goes either way. */
static void upstream_failed(vw_rec_conn *rc, const char *what)
{
    vw_recorder *r = rc->r;
    if (r->log_io_errors)
        fprintf(stderr, "%s: connection %u: %s the upstream %s: %s; closing the client\n",
                r->who, rc->id, what, r->upstream_text, strerror(errno));
    vw_buf_reset(&rc->to_up);
    rc->to_up_off = 0;
    rc->by = "error";
    rc->first_eof = NULL;
    end_upstream(rc, "error");
}

/* ---- client -> upstream --------------------------------------------------------------------- */

/* Lets the client be read again once the upstream caught up, or holds it. */
static void up_progress(vw_rec_conn *rc)
{
    if (!rc->client)
        return;
    size_t waiting = up_waiting(rc);
    if (!rc->client_held && waiting > VW_RECORD_UP_HIGH && !rc->by) {
        rc->client_held = true;
        rc->ops->hold(rc->client, true);
    } else if (rc->client_held && (waiting < VW_RECORD_UP_LOW || rc->by)) {
        rc->client_held = false;
        rc->ops->hold(rc->client, false);   /* may feed client bytes at once: last */
    }
}

static long long forward_tick(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    vw_rec_conn *rc = data;
    rc->forward_timer = -1;
    enter(rc);
    flush_up(rc);
    up_progress(rc);
    leave(rc);
    return VW_EV_NOMORE;
}

/* to_up goes out after this loop round (up_writable does it while the upstream is full). */
static void schedule_forward(vw_rec_conn *rc)
{
    vw_evloop *loop = rc->loop;
    if (rc->ufd < 0 || rc->forward_timer >= 0 || up_waiting(rc) == 0 ||
        (vw_evloop_get_file_mask(loop, rc->ufd) & VW_EV_WRITABLE))
        return;
    rc->forward_timer = vw_evloop_add_timer(loop, 0, forward_tick, rc, NULL);
    if (rc->forward_timer < 0)
        flush_up(rc);           /* no memory for a timer: forward what there is now */
}

static void queue_up(vw_rec_conn *rc, const uint8_t *data, size_t n)
{
    vw_error pe;
    if (rc->by || rc->ufd < 0 || n == 0)
        return;
    if (up_waiting(rc) + n > UP_MAX || vw_buf_append(&rc->to_up, data, n, &pe) < 0) {
        fprintf(stderr, "%s: connection %u: more than %u bytes wait for the upstream; closing "
                "the client\n", rc->r->who, rc->id, UP_MAX);
        vw_buf_reset(&rc->to_up);
        rc->to_up_off = 0;
        rc->by = "error";
        if (rc->client)
            rc->ops->finish(rc->client);
    }
}

/* Writes what the upstream takes, after the records of those bytes. */
static void flush_up(vw_rec_conn *rc)
{
    vw_evloop *loop = rc->loop;
    if (rc->ufd < 0)
        return;
    if (rc->to_up_off > 65536 && rc->to_up_off > rc->to_up.len / 2) {
        memmove(rc->to_up.data, rc->to_up.data + rc->to_up_off, up_waiting(rc));
        rc->to_up.len -= rc->to_up_off;
        rc->to_up_off = 0;
    }
    if (up_waiting(rc))
        vw_trace_file_commit(rc->r->file);      /* the records before the bytes */
    while (up_waiting(rc)) {
        long n = vw_netaddr_send(rc->ufd, rc->to_up.data + rc->to_up_off, up_waiting(rc));
        if (n > 0) {
            rc->to_up_off += (size_t)n;
            continue;
        }
        if (n == 0) {
            vw_evloop_add_file(loop, rc->ufd, VW_EV_WRITABLE, up_writable, rc);
            return;
        }
        vw_evloop_del_file(loop, rc->ufd, VW_EV_WRITABLE);
        upstream_failed(rc, "writing to");
        return;
    }
    vw_buf_reset(&rc->to_up);
    rc->to_up_off = 0;
    if (rc->to_up.cap > VW_RECORD_UP_HIGH)
        vw_buf_free(&rc->to_up);                /* give back memory after a burst */
    vw_evloop_del_file(loop, rc->ufd, VW_EV_WRITABLE);
    if (rc->client_eof && !rc->up_shut) {
        shutdown(rc->ufd, SHUT_WR);             /* the client's half-close, passed on */
        rc->up_shut = true;
    }
    if (!rc->client)
        rc->dead = true;                        /* the client left; its last bytes are out */
}

static void up_writable(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    vw_rec_conn *rc = data;
    enter(rc);
    flush_up(rc);
    up_progress(rc);
    leave(rc);
}

/* The framer's c2s frames. Without intercept the caller queues the raw bytes itself. */
static int on_c2s_frame(void *opaque, const vw_frame *fr)
{
    vw_rec_conn *rc = opaque;
    const vw_rec_client_ops *ops = rc->ops;
    if (fr->kind == VW_FRAME_LOST_SYNC) {
        fprintf(stderr, "%s: connection %u: the client sent %s; the rest of what it sends is "
                "carried and recorded as unframed data\n", rc->r->who, rc->id, fr->error);
        return 0;
    }
    if (fr->kind == VW_FRAME_MESSAGE && ops->intercept && rc->client) {
        rc->intercepting = true;
        rc->passed_on = false;
        rc->current = fr;
        int taken = ops->intercept(rc->client, fr);
        rc->intercepting = false;
        rc->current = NULL;
        if (taken) {
            vw_error pe;
            vw_buf_reset(&rc->taken);
            if (!rc->passed_on && vw_buf_append(&rc->taken, fr->data, fr->len, &pe) < 0)
                vw_buf_free(&rc->taken);
            return 1;
        }
    }
    record(rc, VW_TRACE_C2S, fr->kind, fr->data, fr->len);
    if (!ops->intercept)
        return 0;
    queue_up(rc, fr->data, fr->len);
    return 1;       /* one message at a time: the adapter may stop the input after it */
}

size_t vw_rec_conn_client_bytes(vw_rec_conn *rc, const uint8_t *data, size_t n)
{
    const vw_rec_client_ops *ops = rc->ops;
    size_t off = 0;
    enter(rc);
    while (off < n && rc->client && !rc->by && rc->ufd >= 0) {
        if (ops->input_stopped && ops->input_stopped(rc->client))
            break;      /* closing, or a delayed answer holds the input */
        if (ops->intercept && rc->client_held)
            break;      /* fed again when the upstream caught up (ops->hold off) */
        size_t used = vw_trace_framer_feed(rc->c2s, data + off, n - off);
        if (!ops->intercept)
            queue_up(rc, data + off, used);
        off += used;
        up_progress(rc);
    }
    bool all = !rc->client || rc->by || rc->ufd < 0;
    schedule_forward(rc);
    leave(rc);
    return all ? n : off;
}

void vw_rec_conn_client_message(vw_rec_conn *rc, const uint8_t *data, size_t n)
{
    if (!rc->client || rc->by)
        return;
    enter(rc);
    record(rc, VW_TRACE_C2S, VW_FRAME_MESSAGE, data, n);
    queue_up(rc, data, n);
    schedule_forward(rc);
    up_progress(rc);
    leave(rc);
}

void vw_rec_conn_pass_on(vw_rec_conn *rc)
{
    enter(rc);
    if (rc->intercepting && !rc->passed_on) {
        rc->passed_on = true;   /* vw_rec_conn_client_bytes forwards it after intercept */
        record(rc, VW_TRACE_C2S, VW_FRAME_MESSAGE, rc->current->data, rc->current->len);
        queue_up(rc, rc->current->data, rc->current->len);
    } else if (rc->taken.len) {
        record(rc, VW_TRACE_C2S, VW_FRAME_MESSAGE, rc->taken.data, rc->taken.len);
        queue_up(rc, rc->taken.data, rc->taken.len);
        vw_buf_reset(&rc->taken);
        schedule_forward(rc);
    }
    leave(rc);
}

void vw_rec_conn_client_eof(vw_rec_conn *rc)
{
    enter(rc);
    rc->client_eof = true;
    if (!rc->first_eof && !rc->by)
        rc->first_eof = "client";
    vw_trace_framer_finish(rc->c2s);
    flush_up(rc);               /* shuts the upstream's write side once to_up is out */
    leave(rc);
}

/* ---- upstream -> client --------------------------------------------------------------------- */

static int on_s2c_frame(void *opaque, const vw_frame *fr)
{
    vw_rec_conn *rc = opaque;
    if (fr->kind == VW_FRAME_LOST_SYNC) {
        fprintf(stderr, "%s: connection %u: the upstream sent %s; the rest of what it sends is "
                "carried and recorded as unframed data\n", rc->r->who, rc->id, fr->error);
        return 0;
    }
    record(rc, VW_TRACE_S2C, fr->kind, fr->data, fr->len);
    if (rc->ops->whole_messages && rc->client && rc->s2c_waiting >= 0) {
        rc->s2c_waiting = rc->ops->send(rc->client, fr->data, fr->len);
        rc->s2c_queued = true;
    }
    return 0;
}

static long long resume_tick(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    vw_rec_conn *rc = data;
    if (rc->client && rc->up_paused && rc->ops->waiting(rc->client) >= (long)rc->ops->client_high)
        return RESUME_MS;
    rc->resume_timer = -1;
    vw_rec_conn_client_drained(rc);
    return VW_EV_NOMORE;
}

/* The client has more than it takes waiting: the upstream is not read for now. */
static void pause_upstream(vw_rec_conn *rc)
{
    if (rc->up_paused)
        return;
    watch_upstream(rc, false);
    rc->up_paused = true;
    if (rc->ops->waiting && rc->resume_timer < 0)
        rc->resume_timer = vw_evloop_add_timer(rc->loop, RESUME_MS, resume_tick, rc, NULL);
}

void vw_rec_conn_client_drained(vw_rec_conn *rc)
{
    if (!rc->up_paused || rc->up_eof || rc->by || !rc->client)
        return;
    rc->up_paused = false;
    watch_upstream(rc, true);
}

/* The upstream closed its side: the client gets the rest, then the close. */
static void upstream_eof(vw_rec_conn *rc)
{
    rc->up_eof = true;
    if (!rc->first_eof && !rc->by)
        rc->first_eof = "server";
    rc->s2c_queued = false;
    vw_trace_framer_finish(rc->s2c);
    vw_trace_file_commit(rc->r->file);          /* before the client gets those bytes */
    if (rc->s2c_queued && rc->client && rc->ops->flush)
        (void)rc->ops->flush(rc->client);
    end_upstream(rc, "server");
}

/* One read's bytes, recorded and committed, go to the client. */
static void to_client(vw_rec_conn *rc, const uint8_t *buf, size_t n)
{
    const vw_rec_client_ops *ops = rc->ops;
    rc->s2c_queued = false;
    rc->s2c_waiting = 0;
    (void)vw_trace_framer_feed(rc->s2c, buf, n);
    vw_trace_file_commit(rc->r->file);          /* every record of this read, then the bytes */
    if (!rc->client)
        return;
    if (!ops->whole_messages)
        rc->s2c_waiting = ops->send(rc->client, buf, n);
    else if (rc->s2c_queued && rc->s2c_waiting >= 0 && ops->flush(rc->client) < 0)
        return;                                 /* the client is gone */
    if (rc->client && ops->waiting)
        rc->s2c_waiting = ops->waiting(rc->client);
    if (rc->client && rc->s2c_waiting > (long)ops->client_high)
        pause_upstream(rc);
}

static void up_readable(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)mask;
    vw_rec_conn *rc = data;
    uint8_t buf[READ_CHUNK];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    enter(rc);
    if (n < 0)
        upstream_failed(rc, "reading from");
    else if (n == 0)
        upstream_eof(rc);
    else
        to_client(rc, buf, (size_t)n);
    leave(rc);
}

/* ---- the adapter's calls -------------------------------------------------------------------- */

vw_rec_conn *vw_rec_conn_open(vw_recorder *r, vw_evloop *loop, uint32_t id,
                              const vw_rec_client_ops *ops, void *client, char *err,
                              size_t errlen)
{
    int ufd = vw_netaddr_connect(&r->upstream, CONNECT_TIMEOUT_MS, err, errlen);
    if (ufd < 0)
        return NULL;
    if (vw_netaddr_set_nonblock(ufd, 1, err, errlen) < 0) {
        close(ufd);
        return NULL;
    }
    vw_rec_conn *rc = calloc(1, sizeof(*rc));
    if (!rc) {
        snprintf(err, errlen, "out of memory");
        close(ufd);
        return NULL;
    }
    rc->r = r;
    rc->loop = loop;
    rc->id = id;
    rc->ops = ops;
    rc->client = client;
    rc->ufd = ufd;
    rc->forward_timer = rc->resume_timer = -1;
    rc->c2s = vw_trace_framer_new(r->protocol, on_c2s_frame, rc);
    rc->s2c = vw_trace_framer_new(r->protocol, on_s2c_frame, rc);
    rc->next = r->conns;
    r->conns = rc;
    if (!rc->c2s || !rc->s2c) {
        snprintf(err, errlen, "out of memory");
        conn_free(rc);
        return NULL;
    }
    vw_error e;
    if (vw_trace_write_open(r->w, id, vw_trace_writer_elapsed_us(r->w), "client", &e) < 0)
        trace_failed(r, &e);
    vw_trace_file_commit(r->file);
    watch_upstream(rc, true);
    if (!rc->up_reading) {
        snprintf(err, errlen, "cannot watch the upstream socket: %s", strerror(errno));
        rc->ended = true;
        conn_free(rc);
        return NULL;
    }
    return rc;
}

bool vw_rec_conn_failed(const vw_rec_conn *rc)
{
    return rc->by != NULL;
}

void vw_rec_conn_client_closed(vw_rec_conn *rc, const char *by)
{
    vw_recorder *r = rc->r;
    enter(rc);
    if (rc->client_held)
        rc->client_held = false;    /* nobody to release any more */
    const char *who = by ? by : rc->by ? rc->by : rc->first_eof ? rc->first_eof
                    : r->stopping ? "end" : "client";
    /* the client's unfinished message: the upstream gets it as it would directly */
    if (!r->stopping)
        vw_trace_framer_finish(rc->c2s);
    rc->client = NULL;
    write_close(rc, who);
    watch_upstream(rc, false);
    if (rc->ufd >= 0 && up_waiting(rc) && !r->stopping && !rc->by) {
        if (rc->forward_timer >= 0) {
            vw_evloop_del_timer(rc->loop, rc->forward_timer);
            rc->forward_timer = -1;
        }
        flush_up(rc);           /* sets dead once the last bytes are out */
    } else {
        rc->dead = true;
    }
    leave(rc);
}

/* ---- the recorder --------------------------------------------------------------------------- */

vw_recorder *vw_recorder_new(const vw_record_options *o, vw_record_failure *why, char *err,
                             size_t errlen)
{
    vw_recorder *r = calloc(1, sizeof(*r));
    if (!r) {
        *why = VW_RECORD_BAD_TRACE;
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->log_io_errors = o->log_io_errors;
    r->protocol = o->protocol;
    snprintf(r->who, sizeof(r->who), "%s", o->who);
    snprintf(r->upstream_text, sizeof(r->upstream_text), "%s", o->upstream);
    *why = VW_RECORD_BAD_UPSTREAM;
    if (vw_netaddr_parse(o->upstream, &r->upstream, err, errlen) < 0)
        goto fail;
    if (o->probe) {
        /* a recorder whose upstream is not there would only fail every client later */
        *why = VW_RECORD_UNREACHABLE;
        int fd = vw_netaddr_connect(&r->upstream, CONNECT_TIMEOUT_MS, err, errlen);
        if (fd < 0)
            goto fail;
        close(fd);
    }
    *why = VW_RECORD_BAD_TRACE;
    r->file = vw_trace_file_start(o->trace_path, o->who, o->sync, o->protocol, o->tool,
                                  o->upstream, &r->w, err, errlen);
    if (!r->file)
        goto fail;
    return r;
fail:
    free(r);
    return NULL;
}

void vw_recorder_stopping(vw_recorder *r)
{
    if (r)
        r->stopping = true;
}

const char *vw_recorder_upstream(const vw_recorder *r)
{
    return r->upstream_text;
}

int vw_recorder_free(vw_recorder *r)
{
    if (!r)
        return 0;
    while (r->conns) {
        write_close(r->conns, "end");
        conn_free(r->conns);
    }
    char why[512];
    int rc = vw_trace_file_finish(r->file, r->w, why, sizeof(why));
    if (rc < 0 && !r->trace_failed)
        fprintf(stderr, "%s: %s\n", r->who, why);
    if (r->trace_failed)
        rc = -1;
    free(r);
    return rc;
}
