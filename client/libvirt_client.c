/* libvirt_client.c: one libvirt RPC connection: the handshake, serials and the table of waiting
 * calls, the I/O thread (reads packets, wakes callers, answers and sends keepalives), the event
 * thread (runs user callbacks), call timeouts, and closing. Typed procedure wrappers live in
 * lv_procs.c; framing and XDR types come from proto/ (packet.h and the rpcgen headers). */
#include "libvirt_client.h"
#include "lv_error.h"
#include "lv_procs.h"
#include "lv_sasl.h"
#include "lv_tls.h"
#include "lv_transport.h"
#include "lv_uri.h"
#include "packet.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Events wait for the event thread in a queue bounded in count and in payload bytes, so a peer
 * that floods events while a callback is busy cannot grow memory without limit; one event is
 * always accepted into an empty queue, whatever its size. */
#define EVENT_QUEUE_MAX 10000
#define EVENT_QUEUE_MAX_BYTES (16u << 20)
#define VIR_CONNECT_RO 1
#define VIR_DRV_FEATURE_PROGRAM_KEEPALIVE 10
#define AUTH_NONE 0
#define AUTH_SASL 1
#define AUTH_POLKIT 2

struct waiter {
    uint32_t serial;
    uint32_t prog;
    int proc;
    bool done;
    bool failed;                   /* local failure: err holds it */
    int status;                    /* reply status when !failed */
    unsigned char *payload;        /* reply payload, owned */
    size_t payload_len;
    vw_client_error err;
    pthread_cond_t cond;
    struct out_packet *out;        /* its CALL while still queued for writing */
    struct waiter *next;
};

struct out_packet {
    unsigned char *data;
    size_t len, off;               /* off: bytes already written */
    struct waiter *owner;          /* the call waiting for this packet's reply, or NULL */
    int keepalive_proc;            /* PING / PONG, 0 for calls */
    struct out_packet *next;
};

enum { ITEM_EVENT, ITEM_CLOSED };

struct event_item {
    int kind;
    uint32_t prog;
    int proc;
    unsigned char *payload;
    size_t payload_len;
    struct event_item *next;
};

enum { REG_LIFECYCLE, REG_QEMU_MONITOR };

struct registration {
    int kind;
    int callback_id;
    vw_domain_lifecycle_cb lifecycle_cb;
    vw_qemu_monitor_event_cb qemu_cb;
    void *opaque;
    struct registration *next;
};

#define VW_CLOSE_GRACE_MS 1000   /* CONNECT_CLOSE wait after an unanswered timeout */
#define VW_ABANDONED_SERIALS 64   /* timed-out serials remembered for their late replies */

struct vw_conn {
    int fd;
    vw_tls *tls;                   /* qemu+tls://: every byte goes through it (lv_tls.h) */
    int helper_pid;                /* qemu+ssh://: the ssh process (ended and reaped at free) */
    int wake[2];                   /* wakes the I/O thread: output queued, keepalive on, closing */
    vw_conn_options opts;
    char *open_name;
    bool debug;

    pthread_mutex_t lock;          /* everything below, and writing to fd */
    pthread_t io_thread, event_thread;
    bool io_started, event_started;

    uint32_t next_serial;
    struct waiter *waiters;
    /* Serials of calls that timed out: their late replies are dropped, while a reply for any
     * other serial nobody waits for is a protocol error, as libvirt's client treats it. */
    uint32_t abandoned[VW_ABANDONED_SERIALS];
    unsigned abandoned_count, abandoned_next;
    bool timeout_unanswered;       /* a call timed out and nothing arrived since */
    bool dead;
    vw_client_error death;
    bool closing;                  /* vw_conn_close began: the peer's EOF is no news (no close cb) */
    bool io_stop;                  /* conn_free: the I/O thread must exit */
    int call_timeout_ms;

    struct out_packet *out_head, *out_tail;
    bool ping_queued, pong_queued;

    bool keepalive_enabled;
    long long last_rx_ms, last_ping_ms;
    int pings_unanswered;

    vw_conn_stats stats;

    pthread_cond_t event_cond;
    struct event_item *ev_head, *ev_tail;
    size_t ev_count;
    size_t ev_bytes;               /* payload bytes of the queued events */
    bool event_stop;
    int registering;               /* register calls in flight: events wait for them */
    struct registration *regs;
    struct registration *dispatching;
    vw_conn_close_cb close_cb;
    void *close_opaque;
};

/* ---- small helpers ----------------------------------------------------------------------------- */

static void conn_log(vw_conn *conn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conn_log(vw_conn *conn, const char *fmt, ...)
{
    if (!conn->opts.log && !conn->debug)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (conn->opts.log)
        conn->opts.log(conn->opts.log_opaque, line);
    else
        fprintf(stderr, "virtwire client: %s\n", line);
}

/* "CONNECT_OPEN" or "PROC_<n>"; buf needs 32 bytes. */
static const char *proc_name(uint32_t prog, int proc, char *buf)
{
    return vw_procs_name(prog, proc, buf, 32);
}

static vw_decode_mode conn_mode(const vw_conn *conn)
{
    return (conn->opts.flags & VW_CONN_STRICT) ? VW_DECODE_STRICT : VW_DECODE_LENIENT;
}

static void deadline_to_timespec(long long deadline_ms, struct timespec *ts)
{
    ts->tv_sec = deadline_ms / 1000;
    ts->tv_nsec = (deadline_ms % 1000) * 1000000L;
}

static void init_monotonic_cond(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
}

void vw_conn_options_init(vw_conn_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->connect_timeout_ms = 10000;
    opts->call_timeout_ms = 30000;
    opts->keepalive_interval = 5;
    opts->keepalive_count = 5;
}

/* ---- death and waiters --------------------------------------------------------------------------- */

static void queue_item_locked(vw_conn *conn, struct event_item *item)
{
    item->next = NULL;
    if (conn->ev_tail)
        conn->ev_tail->next = item;
    else
        conn->ev_head = item;
    conn->ev_tail = item;
    conn->ev_count++;
    conn->ev_bytes += item->payload_len;
    pthread_cond_broadcast(&conn->event_cond);
}

/* Marks the connection dead with REASON (consumed) and fails every pending call at once.
 * Caller holds conn->lock. */
static void die_locked(vw_conn *conn, vw_client_error *reason)
{
    if (conn->dead) {
        vw_client_error_clear(reason);
        return;
    }
    conn->dead = true;
    vw_client_error_move(&conn->death, reason);
    while (conn->out_head) {       /* nothing more goes out on a dead connection */
        struct out_packet *p = conn->out_head;
        conn->out_head = p->next;
        if (p->owner)
            p->owner->out = NULL;
        free(p->data);
        free(p);
    }
    conn->out_tail = NULL;
    conn_log(conn, "connection dead: %s", vw_client_error_message(&conn->death));
    for (struct waiter *w = conn->waiters; w; w = w->next) {
        if (w->done)
            continue;
        w->failed = true;
        vw_client_error_copy(&w->err, &conn->death);
        w->done = true;
        pthread_cond_signal(&w->cond);
    }
    if (!conn->closing) {
        struct event_item *item = calloc(1, sizeof(*item));
        if (item) {
            item->kind = ITEM_CLOSED;
            queue_item_locked(conn, item);
        }
    }
}

static void die(vw_conn *conn, vw_client_error *reason)
{
    pthread_mutex_lock(&conn->lock);
    die_locked(conn, reason);
    pthread_mutex_unlock(&conn->lock);
}

static void remove_waiter_locked(vw_conn *conn, struct waiter *w)
{
    for (struct waiter **pp = &conn->waiters; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            return;
        }
    }
}

/* ---- sending --------------------------------------------------------------------------------- */

/* Outgoing packets wait in conn->out_head.. and are written by whoever holds conn->lock with
 * non-blocking sends: the caller right after queueing, else the I/O thread when the socket becomes
 * writable. Nobody ever blocks on a write, so a server that stops reading cannot wedge the reader
 * (or the keepalive), and a caller's wait is bounded by its call timeout alone. */

static void wake_io_thread(vw_conn *conn)
{
    ssize_t ignored = write(conn->wake[1], "w", 1);    /* non-blocking; a full pipe is awake */
    (void)ignored;
}

static void free_out_packet(struct out_packet *p)
{
    if (p->owner)
        p->owner->out = NULL;
    free(p->data);
    free(p);
}

/* One send or recv on the connection's socket, through TLS when it has a session. */
static ssize_t conn_send(vw_conn *conn, const void *buf, size_t len)
{
    if (conn->tls)
        return vw_tls_send(conn->tls, buf, len);
    return send(conn->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static ssize_t conn_recv(vw_conn *conn, void *buf, size_t len)
{
    return conn->tls ? vw_tls_recv(conn->tls, buf, len) : recv(conn->fd, buf, len, 0);
}

/* Writes queued packets until the socket would block. Caller holds conn->lock. */
static void flush_locked(vw_conn *conn)
{
    while (conn->out_head && !conn->dead) {
        struct out_packet *p = conn->out_head;
        ssize_t n = conn_send(conn, p->data + p->off, p->len - p->off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            int e = n < 0 ? errno : EPIPE;
            vw_client_error err = { 0 };
            vw_client_error_set(&err, VW_ERR_RPC, VW_FROM_RPC, "cannot write to the server: %s%s",
                                strerror(e), (e == EPIPE || e == ECONNRESET)
                                                 ? " (the server closed the connection)" : "");
            die_locked(conn, &err);
            return;
        }
        p->off += (size_t)n;
        if (p->off < p->len)
            continue;
        conn->out_head = p->next;
        if (!conn->out_head)
            conn->out_tail = NULL;
        if (p->keepalive_proc == VW_KEEPALIVE_PROC_PONG)
            conn->pong_queued = false;
        if (p->keepalive_proc == VW_KEEPALIVE_PROC_PING)
            conn->ping_queued = false;
        conn->stats.packets_sent++;
        free_out_packet(p);
    }
}

/* Queues DATA (taken) and writes what the socket accepts now. Caller holds conn->lock. */
static struct out_packet *queue_packet_locked(vw_conn *conn, unsigned char *data, size_t len,
                                              struct waiter *owner, int keepalive_proc)
{
    struct out_packet *p = calloc(1, sizeof(*p));
    if (!p) {
        free(data);
        return NULL;
    }
    p->data = data;
    p->len = len;
    p->owner = owner;
    p->keepalive_proc = keepalive_proc;
    if (owner)
        owner->out = p;
    if (conn->out_tail)
        conn->out_tail->next = p;
    else
        conn->out_head = p;
    conn->out_tail = p;
    flush_locked(conn);
    if (conn->out_head)
        wake_io_thread(conn);      /* the rest goes when the socket is writable */
    return p;
}

/* A call given up (timeout): its packet leaves the queue if no byte of it was written yet;
 * a partly written one is finished so the stream stays in sync. Caller holds conn->lock. */
static void unqueue_locked(vw_conn *conn, struct waiter *w)
{
    struct out_packet *p = w->out;
    if (!p)
        return;
    w->out = NULL;
    p->owner = NULL;
    if (p->off > 0)
        return;
    struct out_packet *prev = NULL;
    for (struct out_packet *q = conn->out_head; q; prev = q, q = q->next) {
        if (q != p)
            continue;
        if (prev)
            prev->next = q->next;
        else
            conn->out_head = q->next;
        if (conn->out_tail == q)
            conn->out_tail = prev;
        free_out_packet(q);
        return;
    }
}

/* A keepalive PING or PONG, unless one is already waiting to go out. Caller holds conn->lock. */
static void queue_keepalive_locked(vw_conn *conn, int proc)
{
    bool *queued = proc == VW_KEEPALIVE_PROC_PING ? &conn->ping_queued : &conn->pong_queued;
    if (*queued || conn->dead)
        return;
    vw_buf buf;
    vw_buf_init(&buf);
    if (vw_packet_encode_keepalive(&buf, proc, NULL) < 0) {
        vw_buf_free(&buf);
        return;
    }
    *queued = true;                /* flush_locked clears it once the packet is out */
    if (!queue_packet_locked(conn, buf.data, buf.len, NULL, proc))
        *queued = false;
    else if (proc == VW_KEEPALIVE_PROC_PING)
        conn->stats.pings_sent++;
}

/* The core of every call: sends a CALL and waits for the reply with the same serial. The payload is
 * (args_proc, args) or the raw bytes. On success *status is the reply status and *reply /
 * *reply_len the reply payload (owned by the caller). On failure returns -1 with *err. */
static int call_and_wait(vw_conn *conn, uint32_t prog, int proc, xdrproc_t args_proc,
                         const void *args, const void *raw, size_t raw_len, int timeout_ms,
                         int *status, unsigned char **reply, size_t *reply_len,
                         vw_client_error *err)
{
    char nb[32];
    struct waiter w;
    memset(&w, 0, sizeof(w));
    w.prog = prog;
    w.proc = proc;

    pthread_mutex_lock(&conn->lock);
    if (conn->dead) {
        vw_client_error_set(err, VW_ERR_NO_CONNECT, VW_FROM_RPC, "not connected: %s",
                            vw_client_error_message(&conn->death));
        pthread_mutex_unlock(&conn->lock);
        return -1;
    }
    if (timeout_ms <= 0)
        timeout_ms = conn->call_timeout_ms;
    w.serial = conn->next_serial++;
    pthread_mutex_unlock(&conn->lock);

    vw_packet_header hdr = {
        .prog = prog, .vers = 1, .proc = proc, .type = VW_NET_CALL, .serial = w.serial,
        .status = VW_NET_OK,
    };
    vw_buf buf;
    vw_buf_init(&buf);
    vw_proto_error perr;
    memset(&perr, 0, sizeof(perr));
    int rc = args_proc ? vw_packet_encode(&buf, &hdr, 0, args_proc, args, &perr)
                       : vw_packet_encode_raw(&buf, &hdr, 0, raw, raw_len, &perr);
    if (rc < 0) {
        vw_client_error_set(err, VW_ERR_RPC, VW_FROM_RPC, "cannot encode the call of %s: %s",
                            proc_name(prog, proc, nb), perr.text);
        vw_buf_free(&buf);
        return -1;
    }

    init_monotonic_cond(&w.cond);
    long long deadline = vw_now_ms() + timeout_ms;
    pthread_mutex_lock(&conn->lock);
    if (conn->dead) {
        vw_client_error_set(err, VW_ERR_NO_CONNECT, VW_FROM_RPC, "not connected: %s",
                            vw_client_error_message(&conn->death));
        pthread_mutex_unlock(&conn->lock);
        pthread_cond_destroy(&w.cond);
        vw_buf_free(&buf);
        return -1;
    }
    w.next = conn->waiters;
    conn->waiters = &w;
    if (!queue_packet_locked(conn, buf.data, buf.len, &w, 0)) {
        remove_waiter_locked(conn, &w);
        pthread_mutex_unlock(&conn->lock);
        pthread_cond_destroy(&w.cond);
        vw_client_error_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
        return -1;
    }
    struct timespec ts;
    deadline_to_timespec(deadline, &ts);
    while (!w.done) {
        if (pthread_cond_timedwait(&w.cond, &conn->lock, &ts) == ETIMEDOUT && !w.done)
            break;
    }
    remove_waiter_locked(conn, &w);
    unqueue_locked(conn, &w);
    pthread_mutex_unlock(&conn->lock);
    pthread_cond_destroy(&w.cond);

    if (!w.done) {
        pthread_mutex_lock(&conn->lock);
        conn->abandoned[conn->abandoned_next] = w.serial;
        conn->abandoned_next = (conn->abandoned_next + 1) % VW_ABANDONED_SERIALS;
        if (conn->abandoned_count < VW_ABANDONED_SERIALS)
            conn->abandoned_count++;
        conn->timeout_unanswered = true;
        pthread_mutex_unlock(&conn->lock);
        vw_client_error_set(err, VW_ERR_OPERATION_TIMEOUT, VW_FROM_RPC,
                            "timed out after %d ms waiting for the reply to %s (program 0x%x, "
                            "serial %u)", timeout_ms, proc_name(prog, proc, nb), prog, w.serial);
        return -1;
    }
    if (w.failed) {
        if (err)
            vw_client_error_move(err, &w.err);
        vw_client_error_clear(&w.err);
        free(w.payload);
        return -1;
    }
    *status = w.status;
    *reply = w.payload;
    *reply_len = w.payload_len;
    return 0;
}

/* A wire string pointer as the public struct keeps it: absent and empty both become NULL. */
static char *wire_string(vw_net_string s)
{
    return (s && *s && **s) ? *s : NULL;
}

/* Copies a decoded remote_error into the public struct. */
static void error_from_wire(vw_client_error *out, const vw_remote_error *in)
{
    vw_client_error borrowed = {
        .code = in->code, .domain = in->domain, .level = in->level,
        .message = wire_string(in->message), .str1 = wire_string(in->str1),
        .str2 = wire_string(in->str2), .str3 = wire_string(in->str3),
        .int1 = in->int1, .int2 = in->int2, .remote = true,
    };
    vw_client_error_copy(out, &borrowed);
}

/* Turns a reply (status + payload) into 0 / -1 with the server's error decoded in full. Takes
 * ownership of payload unless it returns 0 with keep != NULL (then *keep gets it). */
static int finish_reply(vw_conn *conn, uint32_t prog, int proc, int status,
                        unsigned char *payload, size_t len, unsigned char **keep,
                        vw_client_error *err)
{
    char nb[32];
    if (status == VW_NET_OK) {
        if (keep)
            *keep = payload;
        else
            free(payload);
        return 0;
    }
    if (status == VW_NET_ERROR) {
        vw_remote_error rerr;
        vw_proto_error perr;
        memset(&perr, 0, sizeof(perr));
        if (vw_xdr_decode(payload, len, (xdrproc_t)xdr_vw_remote_error, &rerr, sizeof(rerr),
                          conn_mode(conn), &perr) < 0) {
            vw_client_error_set(err, VW_ERR_RPC, VW_FROM_RPC,
                                "protocol error: the error reply to %s (%zu bytes) is not a valid "
                                "remote_error: %s", proc_name(prog, proc, nb), len, perr.text);
        } else {
            if (err)
                error_from_wire(err, &rerr);
            vw_xdr_free((xdrproc_t)xdr_vw_remote_error, &rerr);
        }
        free(payload);
        return -1;
    }
    vw_client_error_set(err, VW_ERR_RPC, VW_FROM_RPC,
                        "protocol error: reply to %s has status %d (expected OK or ERROR)",
                        proc_name(prog, proc, nb), status);
    free(payload);
    return -1;
}

static int call_encoded(vw_conn *conn, uint32_t prog, int proc, xdrproc_t args_proc, void *args,
                        xdrproc_t ret_proc, void *ret, int timeout_ms, vw_client_error *err)
{
    int status = 0;
    unsigned char *reply = NULL;
    size_t reply_len = 0;
    if (call_and_wait(conn, prog, proc, args_proc, args, NULL, 0, timeout_ms, &status, &reply,
                      &reply_len, err) < 0)
        return -1;
    if (finish_reply(conn, prog, proc, status, reply, reply_len, &reply, err) < 0)
        return -1;
    int rc = 0;
    if (ret_proc) {
        const vw_proc_info *info = vw_procs_lookup(prog, proc);
        size_t size = (info && info->ret_proc == ret_proc) ? info->ret_size : 0;
        vw_proto_error perr;
        memset(&perr, 0, sizeof(perr));
        if (vw_xdr_decode(reply, reply_len, ret_proc, ret, size, conn_mode(conn), &perr) < 0) {
            char nb[32];
            vw_client_error_set(err, VW_ERR_RPC, VW_FROM_RPC,
                                "protocol error: cannot decode the %zu-byte reply of %s: %s",
                                reply_len, proc_name(prog, proc, nb), perr.text);
            rc = -1;
        }
    }
    free(reply);
    return rc;
}

int vw_call(vw_conn *conn, uint32_t prog, int proc, xdrproc_t args_proc, void *args,
            xdrproc_t ret_proc, void *ret, vw_client_error *err)
{
    if (!conn) {
        vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC, "vw_call: no connection");
        return -1;
    }
    return call_encoded(conn, prog, proc, args_proc, args, ret_proc, ret, 0, err);
}

int vw_call_raw(vw_conn *conn, uint32_t prog, int proc, const void *payload, size_t payload_len,
                void **reply, size_t *reply_len, vw_client_error *err)
{
    if (!conn || !reply || !reply_len) {
        vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                            "vw_call_raw: missing connection or reply pointers");
        return -1;
    }
    if (!payload && payload_len) {
        vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                            "vw_call_raw: payload is NULL but payload_len is %zu", payload_len);
        return -1;
    }
    *reply = NULL;
    *reply_len = 0;
    int status = 0;
    unsigned char *data = NULL;
    size_t len = 0;
    if (call_and_wait(conn, prog, proc, NULL, NULL, payload, payload_len, 0, &status, &data, &len,
                      err) < 0)
        return -1;
    if (finish_reply(conn, prog, proc, status, data, len, &data, err) < 0)
        return -1;
    *reply = data;
    *reply_len = len;
    return 0;
}

/* ---- the I/O thread -------------------------------------------------------------------------- */

static void count(vw_conn *conn, uint64_t *counter)
{
    pthread_mutex_lock(&conn->lock);
    (*counter)++;
    pthread_mutex_unlock(&conn->lock);
}

static void handle_reply(vw_conn *conn, const vw_packet_header *h, unsigned char *payload,
                         size_t len)
{
    char nb[32], nb2[32];
    pthread_mutex_lock(&conn->lock);
    struct waiter *w = conn->waiters;
    while (w && (w->serial != h->serial || w->done))
        w = w->next;
    if (!w) {
        conn->stats.replies_unknown_serial++;
        bool late = false;
        for (unsigned i = 0; i < conn->abandoned_count && !late; i++)
            late = conn->abandoned[i] == h->serial;
        if (late) {
            pthread_mutex_unlock(&conn->lock);
            conn_log(conn, "dropping the late reply with serial %u (%s): its call timed out",
                     h->serial, proc_name(h->prog, h->proc, nb));
            free(payload);
            return;
        }
        /* libvirt's client (virNetClientCallDispatchReply) closes the connection here */
        vw_client_error reason = { 0 };
        vw_client_error_set(&reason, VW_ERR_RPC, VW_FROM_RPC,
                            "no call waiting for reply with prog %u vers %u serial %u (%s): "
                            "the server broke the protocol, connection closed", h->prog, h->vers,
                            h->serial, proc_name(h->prog, h->proc, nb));
        die_locked(conn, &reason);
        pthread_mutex_unlock(&conn->lock);
        free(payload);
        return;
    }
    if (w->prog != h->prog || w->proc != h->proc) {
        w->failed = true;
        vw_client_error_set(&w->err, VW_ERR_RPC, VW_FROM_RPC,
                            "protocol error: the reply with serial %u is for %s (program 0x%x), "
                            "but that serial was a call of %s", h->serial,
                            proc_name(h->prog, h->proc, nb), h->prog,
                            proc_name(w->prog, w->proc, nb2));
        free(payload);
    } else {
        w->status = h->status;
        w->payload = payload;
        w->payload_len = len;
    }
    w->done = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&conn->lock);
}

static void handle_event(vw_conn *conn, const vw_packet_header *h, unsigned char *payload,
                         size_t len)
{
    char nb[32];
    bool wanted = lv_procs_is_delivered_event(h->prog, h->proc);
    pthread_mutex_lock(&conn->lock);
    bool full = conn->ev_count >= EVENT_QUEUE_MAX ||
                (conn->ev_bytes > 0 && conn->ev_bytes + len > EVENT_QUEUE_MAX_BYTES);
    if (!wanted || full) {
        conn->stats.events_dropped++;
        pthread_mutex_unlock(&conn->lock);
        conn_log(conn, "dropping event %s: %s", proc_name(h->prog, h->proc, nb),
                 wanted ? "event queue full (a callback is slow)" : "no handler for this event");
        free(payload);
        return;
    }
    struct event_item *item = calloc(1, sizeof(*item));
    if (!item) {
        conn->stats.events_dropped++;
        pthread_mutex_unlock(&conn->lock);
        free(payload);
        return;
    }
    item->kind = ITEM_EVENT;
    item->prog = h->prog;
    item->proc = h->proc;
    item->payload = payload;
    item->payload_len = len;
    queue_item_locked(conn, item);
    pthread_mutex_unlock(&conn->lock);
}

static void handle_keepalive(vw_conn *conn, const vw_packet_header *h)
{
    if (h->proc == VW_KEEPALIVE_PROC_PING && h->type == VW_NET_MESSAGE) {
        pthread_mutex_lock(&conn->lock);
        conn->stats.pings_received++;
        queue_keepalive_locked(conn, VW_KEEPALIVE_PROC_PONG);
        pthread_mutex_unlock(&conn->lock);
        return;
    }
    if (h->proc == VW_KEEPALIVE_PROC_PONG) {
        count(conn, &conn->stats.pongs_received);
        return;
    }
    count(conn, &conn->stats.packets_dropped_other);
    conn_log(conn, "ignoring keepalive procedure %d", h->proc);
}

/* Dispatches one parsed packet (its payload points into the reader's buffer). */
static void handle_packet(vw_conn *conn, const vw_packet *pkt)
{
    char nb[32];
    const vw_packet_header *h = &pkt->hdr;
    pthread_mutex_lock(&conn->lock);
    conn->stats.packets_received++;
    conn->last_rx_ms = vw_now_ms();
    conn->pings_unanswered = 0;
    conn->timeout_unanswered = false;
    pthread_mutex_unlock(&conn->lock);

    if (h->prog == VW_KEEPALIVE_PROGRAM) {
        handle_keepalive(conn, h);
        return;
    }
    if (h->prog != VW_REMOTE_PROGRAM && h->prog != VW_QEMU_PROGRAM) {
        count(conn, &conn->stats.packets_unknown_program);
        conn_log(conn, "dropping a packet of unknown program 0x%08x (procedure %d, serial %u)",
                 h->prog, h->proc, h->serial);
        return;
    }
    if (h->type != VW_NET_REPLY && h->type != VW_NET_MESSAGE) {
        count(conn, &conn->stats.packets_dropped_other);
        conn_log(conn, "dropping a packet of type %d (%s, serial %u): not supported by this "
                 "client", h->type, proc_name(h->prog, h->proc, nb), h->serial);
        return;
    }
    unsigned char *payload = NULL;
    if (pkt->payload_len) {
        payload = malloc(pkt->payload_len);
        if (!payload) {
            vw_client_error err = { 0 };
            vw_client_error_set(&err, VW_ERR_NO_MEMORY, VW_FROM_RPC,
                                "out of memory for a %zu-byte payload", pkt->payload_len);
            die(conn, &err);
            return;
        }
        memcpy(payload, pkt->payload, pkt->payload_len);
    }
    if (h->type == VW_NET_REPLY)
        handle_reply(conn, h, payload, pkt->payload_len);
    else
        handle_event(conn, h, payload, pkt->payload_len);
}

/* Keepalive timer: returns the poll timeout in ms (-1: none), sends a PING or declares the peer
 * dead when due. Returns -2 when the connection died. */
static int keepalive_tick(vw_conn *conn)
{
    pthread_mutex_lock(&conn->lock);
    if (!conn->keepalive_enabled || conn->dead) {
        pthread_mutex_unlock(&conn->lock);
        return -1;
    }
    long long interval = (long long)conn->opts.keepalive_interval * 1000;
    long long now = vw_now_ms();
    long long since = conn->pings_unanswered ? conn->last_ping_ms : conn->last_rx_ms;
    long long due = since + interval;
    if (now < due) {
        pthread_mutex_unlock(&conn->lock);
        long long wait = due - now;
        return wait > 60000 ? 60000 : (int)wait;
    }
    if (conn->pings_unanswered >= conn->opts.keepalive_count) {
        vw_client_error err = { 0 };
        vw_client_error_set(&err, VW_ERR_RPC, VW_FROM_RPC,
                            "connection closed due to keepalive timeout: no answer to %d pings "
                            "sent every %d s", conn->pings_unanswered,
                            conn->opts.keepalive_interval);
        die_locked(conn, &err);
        pthread_mutex_unlock(&conn->lock);
        return -2;
    }
    conn->pings_unanswered++;
    conn->last_ping_ms = now;
    queue_keepalive_locked(conn, VW_KEEPALIVE_PROC_PING);
    bool dead = conn->dead;
    pthread_mutex_unlock(&conn->lock);
    if (dead)
        return -2;
    return interval > 60000 ? 60000 : (int)interval;
}

static bool conn_is_dead(vw_conn *conn)
{
    pthread_mutex_lock(&conn->lock);
    bool dead = conn->dead;
    pthread_mutex_unlock(&conn->lock);
    return dead;
}

/* Reads what the socket has and dispatches every whole packet. Returns -1 when the connection
 * died (peer closed, bad length word, read error). */
static int read_packets(vw_conn *conn, vw_packet_reader *reader, unsigned char *chunk,
                        size_t chunk_size)
{
    for (;;) {
        ssize_t got = conn_recv(conn, chunk, chunk_size);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (got <= 0) {
            vw_client_error err = { 0 };
            if (got < 0)
                vw_client_error_set(&err, VW_ERR_RPC, VW_FROM_RPC,
                                    "cannot read from the server: %s", strerror(errno));
            else if (reader->have == 0)
                vw_client_error_set(&err, VW_ERR_RPC, VW_FROM_RPC,
                                    "the server closed the connection");
            else
                vw_client_error_set(&err, VW_ERR_RPC, VW_FROM_RPC,
                                    "the server closed the connection in the middle of a "
                                    "packet (%zu of %u bytes received)", reader->have,
                                    reader->have >= 4 ? reader->len : 4u);
            die(conn, &err);
            return -1;
        }
        size_t off = 0;
        while (off < (size_t)got) {
            size_t used = 0;
            vw_proto_error perr;
            memset(&perr, 0, sizeof(perr));
            int rc = vw_packet_reader_feed(reader, chunk + off, (size_t)got - off, &used, &perr);
            off += used;
            if (rc < 0) {
                vw_client_error err = { 0 };
                vw_client_error_set(&err, VW_ERR_RPC, VW_FROM_RPC,
                                    "protocol error from the server: %s", perr.text);
                die(conn, &err);
                return -1;
            }
            if (rc == 0)
                continue;
            vw_packet pkt;
            rc = vw_packet_reader_take(reader, &pkt, NULL, NULL, &perr);
            if (rc < 0) {
                count(conn, &conn->stats.packets_dropped_other);
                conn_log(conn, "dropping a packet with a malformed header: %s", perr.text);
                continue;
            }
            if (rc == 1)
                handle_packet(conn, &pkt);
            if (conn_is_dead(conn))
                return -1;
        }
    }
}

static void *io_thread_main(void *opaque)
{
    vw_conn *conn = opaque;
    vw_packet_reader reader;
    vw_packet_reader_init(&reader, conn_mode(conn));
    size_t chunk_size = 65536;
    unsigned char *chunk = malloc(chunk_size);
    if (!chunk) {
        vw_client_error err = { 0 };
        vw_client_error_set(&err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
        die(conn, &err);
    }
    while (chunk) {
        int timeout = keepalive_tick(conn);
        if (timeout == -2)
            break;
        pthread_mutex_lock(&conn->lock);
        bool want_write = conn->out_head != NULL;
        pthread_mutex_unlock(&conn->lock);
        struct pollfd fds[2] = {
            { .fd = conn->fd, .events = POLLIN | (want_write ? POLLOUT : 0) },
            { .fd = conn->wake[0], .events = POLLIN },
        };
        int n = poll(fds, 2, timeout);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            vw_client_error err = { 0 };
            vw_client_error_set(&err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "poll: %s",
                                strerror(errno));
            die(conn, &err);
            break;
        }
        if (fds[1].revents) {
            char drain[16];
            while (read(conn->wake[0], drain, sizeof(drain)) > 0)
                ;
            pthread_mutex_lock(&conn->lock);
            bool stop = conn->io_stop;
            pthread_mutex_unlock(&conn->lock);
            if (stop)
                break;             /* conn_free */
        }
        if (fds[0].revents & POLLOUT) {
            pthread_mutex_lock(&conn->lock);
            flush_locked(conn);
            bool dead = conn->dead;
            pthread_mutex_unlock(&conn->lock);
            if (dead)
                break;
        }
        if ((fds[0].revents & ~POLLOUT) && read_packets(conn, &reader, chunk, chunk_size) < 0)
            break;
    }
    free(chunk);
    vw_packet_reader_free(&reader);
    return NULL;
}

/* ---- the event thread ------------------------------------------------------------------------- */

static struct registration *find_registration_locked(vw_conn *conn, int kind, int callback_id)
{
    for (struct registration *r = conn->regs; r; r = r->next)
        if (r->kind == kind && r->callback_id == callback_id)
            return r;
    return NULL;
}

static void dispatch_event(vw_conn *conn, struct event_item *item)
{
    char nb[32];
    lv_procs_event ev;
    if (lv_procs_decode_event(item->prog, item->proc, item->payload, item->payload_len,
                              conn_mode(conn), &ev) < 0) {
        pthread_mutex_lock(&conn->lock);
        conn->stats.events_dropped++;
        pthread_mutex_unlock(&conn->lock);
        conn_log(conn, "dropping event %s: payload (%zu bytes) does not decode",
                 proc_name(item->prog, item->proc, nb), item->payload_len);
        return;
    }
    int kind = ev.kind == LV_PROCS_EVENT_LIFECYCLE ? REG_LIFECYCLE : REG_QEMU_MONITOR;
    pthread_mutex_lock(&conn->lock);
    struct registration *r = find_registration_locked(conn, kind, ev.callback_id);
    long long give_up = vw_now_ms() + conn->call_timeout_ms;
    while (!r && conn->registering > 0 && !conn->event_stop) {
        /* a register call may still be between its reply and storing the callback */
        struct timespec ts;
        deadline_to_timespec(give_up, &ts);
        if (pthread_cond_timedwait(&conn->event_cond, &conn->lock, &ts) == ETIMEDOUT)
            break;
        r = find_registration_locked(conn, kind, ev.callback_id);
    }
    if (!r) {
        conn->stats.events_dropped++;
        pthread_mutex_unlock(&conn->lock);
        conn_log(conn, "dropping event %s for callback id %d: not registered",
                 proc_name(item->prog, item->proc, nb), ev.callback_id);
        lv_procs_event_clear(&ev);
        return;
    }
    conn->dispatching = r;
    vw_domain_lifecycle_cb lcb = r->lifecycle_cb;
    vw_qemu_monitor_event_cb qcb = r->qemu_cb;
    void *opaque = r->opaque;
    conn->stats.events_delivered++;
    pthread_mutex_unlock(&conn->lock);

    if (kind == REG_LIFECYCLE && lcb) {
        lcb(conn, &ev.dom, ev.event, ev.detail, opaque);
    } else if (qcb) {
        vw_client_qemu_monitor_event qev = {
            .dom = &ev.dom, .event = ev.qemu_event, .seconds = ev.seconds, .micros = ev.micros,
            .details = ev.details,
        };
        qcb(conn, &qev, opaque);
    }

    pthread_mutex_lock(&conn->lock);
    conn->dispatching = NULL;
    pthread_cond_broadcast(&conn->event_cond);
    pthread_mutex_unlock(&conn->lock);
    lv_procs_event_clear(&ev);
}

static void *event_thread_main(void *opaque)
{
    vw_conn *conn = opaque;
    pthread_mutex_lock(&conn->lock);
    for (;;) {
        while (!conn->ev_head && !conn->event_stop)
            pthread_cond_wait(&conn->event_cond, &conn->lock);
        if (conn->event_stop)
            break;
        struct event_item *item = conn->ev_head;
        conn->ev_head = item->next;
        if (!conn->ev_head)
            conn->ev_tail = NULL;
        conn->ev_count--;
        conn->ev_bytes -= item->payload_len;
        if (item->kind == ITEM_CLOSED) {
            vw_conn_close_cb cb = conn->close_cb;
            void *cb_opaque = conn->close_opaque;
            vw_client_error reason = { 0 };
            vw_client_error_copy(&reason, &conn->death);
            pthread_mutex_unlock(&conn->lock);
            if (cb)
                cb(conn, &reason, cb_opaque);
            vw_client_error_clear(&reason);
        } else {
            pthread_mutex_unlock(&conn->lock);
            dispatch_event(conn, item);
        }
        free(item->payload);
        free(item);
        pthread_mutex_lock(&conn->lock);
    }
    pthread_mutex_unlock(&conn->lock);
    return NULL;
}

/* ---- registrations (used by the event wrappers) -------------------------------------------------- */

/* Runs the register call with the event thread told to wait for it (an event may arrive between the
 * reply and the moment the callback is stored), then stores the callback. */
static int register_callback(vw_conn *conn, int kind, const vw_client_domain *dom,
                             const char *event, unsigned int flags, vw_domain_lifecycle_cb lcb,
                             vw_qemu_monitor_event_cb qcb, void *opaque, int *callback_id,
                             vw_client_error *err)
{
    struct registration *r = calloc(1, sizeof(*r));
    if (!r) {
        vw_client_error_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
        return -1;
    }
    r->kind = kind;
    r->lifecycle_cb = lcb;
    r->qemu_cb = qcb;
    r->opaque = opaque;
    pthread_mutex_lock(&conn->lock);
    conn->registering++;
    pthread_mutex_unlock(&conn->lock);

    int id = -1;
    int rc = kind == REG_LIFECYCLE
                 ? lv_procs_lifecycle_register(conn, dom, &id, err)
                 : lv_procs_qemu_monitor_register(conn, dom, event, flags, &id, err);

    pthread_mutex_lock(&conn->lock);
    conn->registering--;
    if (rc == 0) {
        r->callback_id = id;
        r->next = conn->regs;
        conn->regs = r;
        r = NULL;
    }
    pthread_cond_broadcast(&conn->event_cond);
    pthread_mutex_unlock(&conn->lock);
    free(r);
    if (rc == 0 && callback_id)
        *callback_id = id;
    return rc;
}

/* The registration leaves the list before the server call, under the lock: from then on no event
 * is delivered to it, and a second deregister of the same id (another thread) finds nothing
 * instead of freeing it twice. */
static int deregister_callback(vw_conn *conn, int kind, int callback_id, vw_client_error *err)
{
    pthread_mutex_lock(&conn->lock);
    struct registration *r = find_registration_locked(conn, kind, callback_id);
    for (struct registration **pp = &conn->regs; r && *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    }
    pthread_mutex_unlock(&conn->lock);
    if (!r) {
        vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                            "no %s callback with id %d is registered on this connection",
                            kind == REG_LIFECYCLE ? "lifecycle event" : "QEMU monitor event",
                            callback_id);
        return -1;
    }
    int rc = kind == REG_LIFECYCLE ? lv_procs_lifecycle_deregister(conn, callback_id, err)
                                   : lv_procs_qemu_monitor_deregister(conn, callback_id, err);
    /* removed locally even if the server call failed: no more deliveries either way */
    pthread_mutex_lock(&conn->lock);
    bool on_event_thread = conn->event_started && pthread_equal(pthread_self(), conn->event_thread);
    while (!on_event_thread && conn->dispatching == r)
        pthread_cond_wait(&conn->event_cond, &conn->lock);
    pthread_mutex_unlock(&conn->lock);
    free(r);
    return rc;
}

int vw_domain_event_lifecycle_register(vw_conn *conn, const vw_client_domain *dom,
                                       vw_domain_lifecycle_cb cb, void *opaque, int *callback_id,
                                       vw_client_error *err)
{
    if (!conn || !cb) {
        vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                            "lifecycle register: connection and callback are required");
        return -1;
    }
    return register_callback(conn, REG_LIFECYCLE, dom, NULL, 0, cb, NULL, opaque, callback_id,
                             err);
}

int vw_domain_event_lifecycle_deregister(vw_conn *conn, int callback_id, vw_client_error *err)
{
    if (!conn) {
        vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC, "no connection");
        return -1;
    }
    return deregister_callback(conn, REG_LIFECYCLE, callback_id, err);
}

int vw_qemu_monitor_event_register(vw_conn *conn, const vw_client_domain *dom, const char *event,
                                   unsigned int flags, vw_qemu_monitor_event_cb cb, void *opaque,
                                   int *callback_id, vw_client_error *err)
{
    if (!conn || !cb) {
        vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                            "QEMU monitor event register: connection and callback are required");
        return -1;
    }
    return register_callback(conn, REG_QEMU_MONITOR, dom, event, flags, NULL, cb, opaque,
                             callback_id, err);
}

int vw_qemu_monitor_event_deregister(vw_conn *conn, int callback_id, vw_client_error *err)
{
    if (!conn) {
        vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC, "no connection");
        return -1;
    }
    return deregister_callback(conn, REG_QEMU_MONITOR, callback_id, err);
}

/* ---- open and close ---------------------------------------------------------------------------- */

static void conn_free(vw_conn *conn)
{
    if (conn->io_started) {
        pthread_mutex_lock(&conn->lock);
        conn->closing = true;
        conn->io_stop = true;
        pthread_mutex_unlock(&conn->lock);
        ssize_t ignored = write(conn->wake[1], "x", 1);
        (void)ignored;
        pthread_join(conn->io_thread, NULL);
    }
    pthread_mutex_lock(&conn->lock);
    conn->closing = true;
    if (!conn->dead) {
        vw_client_error e = { 0 };
        vw_client_error_set(&e, VW_ERR_NO_CONNECT, VW_FROM_RPC, "the connection was closed");
        die_locked(conn, &e);
    }
    conn->event_stop = true;
    pthread_cond_broadcast(&conn->event_cond);
    pthread_mutex_unlock(&conn->lock);
    if (conn->event_started)
        pthread_join(conn->event_thread, NULL);

    while (conn->ev_head) {
        struct event_item *item = conn->ev_head;
        conn->ev_head = item->next;
        free(item->payload);
        free(item);
    }
    while (conn->out_head) {
        struct out_packet *p = conn->out_head;
        conn->out_head = p->next;
        free(p->data);
        free(p);
    }
    while (conn->regs) {
        struct registration *r = conn->regs;
        conn->regs = r->next;
        free(r);
    }
    vw_tls_free(conn->tls);
    if (conn->fd >= 0)
        close(conn->fd);
    vw_transport_reap(conn->helper_pid);
    if (conn->wake[0] >= 0)
        close(conn->wake[0]);
    if (conn->wake[1] >= 0)
        close(conn->wake[1]);
    vw_client_error_clear(&conn->death);
    pthread_mutex_destroy(&conn->lock);
    pthread_cond_destroy(&conn->event_cond);
    free(conn->open_name);
    free(conn);
}

/* Builds a connection object around a connected fd (and its TLS session, or NULL) and starts
 * its threads. Takes fd and tls. */
static vw_conn *conn_new(int fd, vw_tls *tls, const vw_conn_options *opts, vw_client_error *err)
{
    vw_conn *conn = calloc(1, sizeof(*conn));
    if (!conn) {
        vw_tls_free(tls);
        close(fd);
        vw_client_error_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
        return NULL;
    }
    conn->fd = fd;
    conn->tls = tls;
    conn->wake[0] = conn->wake[1] = -1;
    if (opts)
        conn->opts = *opts;
    else
        vw_conn_options_init(&conn->opts);
    if (conn->opts.call_timeout_ms <= 0)
        conn->opts.call_timeout_ms = 30000;
    if (conn->opts.connect_timeout_ms <= 0)
        conn->opts.connect_timeout_ms = 10000;
    if (conn->opts.keepalive_count < 0)
        conn->opts.keepalive_count = 0;
    conn->call_timeout_ms = conn->opts.call_timeout_ms;
    const char *dbg = getenv("VW_CLIENT_DEBUG");
    conn->debug = dbg && dbg[0] && strcmp(dbg, "0") != 0;
    pthread_mutex_init(&conn->lock, NULL);
    init_monotonic_cond(&conn->event_cond);
    conn->last_rx_ms = vw_now_ms();
    if (pipe2(conn->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        vw_client_error_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "pipe: %s", strerror(errno));
        conn->wake[0] = conn->wake[1] = -1;
        conn_free(conn);
        return NULL;
    }
    if (pthread_create(&conn->event_thread, NULL, event_thread_main, conn) != 0) {
        vw_client_error_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "cannot start a thread");
        conn_free(conn);
        return NULL;
    }
    conn->event_started = true;
    if (pthread_create(&conn->io_thread, NULL, io_thread_main, conn) != 0) {
        vw_client_error_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "cannot start a thread");
        conn_free(conn);
        return NULL;
    }
    conn->io_started = true;
    return conn;
}

/* AUTH_LIST, then SASL or polkit if that is what the server wants. host: the URI's host
 * (NULL: a unix socket); secure: TLS or a unix socket. */
static int handshake_auth(vw_conn *conn, const char *host, bool secure, vw_client_error *err)
{
    int types[32];
    size_t ntypes = 0;
    vw_client_error e = { 0 };
    if (lv_procs_auth_list(conn, conn->opts.connect_timeout_ms, types, 32, &ntypes, &e) < 0) {
        if (e.remote && e.code == VW_ERR_NO_SUPPORT) {    /* old server: no auth */
            vw_client_error_clear(&e);
            return 0;
        }
        if (err)
            vw_client_error_move(err, &e);
        vw_client_error_clear(&e);
        return -1;
    }
    if (ntypes == 0)
        return 0;
    bool polkit = false, sasl = false;
    for (size_t i = 0; i < ntypes; i++) {
        if (types[i] == AUTH_NONE)
            return 0;
        polkit |= types[i] == AUTH_POLKIT;
        sasl |= types[i] == AUTH_SASL;
    }
    if (sasl)
        return lv_sasl_authenticate(conn, &conn->opts, host ? host : "localhost", secure,
                                    conn->opts.connect_timeout_ms, err);
    if (polkit) {
        if (lv_procs_auth_polkit(conn, conn->opts.call_timeout_ms, &e) < 0) {
            vw_client_error_set(err, VW_ERR_AUTH_FAILED, VW_FROM_RPC,
                                "polkit authentication failed: %s", vw_client_error_message(&e));
            vw_client_error_clear(&e);
            return -1;
        }
        return 0;
    }
    vw_client_error_set(err, VW_ERR_AUTH_UNAVAILABLE, VW_FROM_RPC,
                        "the server requires an unknown type of authentication, which this "
                        "client does not implement; configure the daemon with "
                        "auth_unix_rw=\"none\" (unix) or auth_tcp=\"none\" (tcp)");
    return -1;
}

static vw_conn *conn_open_stream(int fd, vw_tls *tls, const char *host, bool secure,
                                 const char *open_name, const vw_conn_options *opts,
                                 vw_client_error *err);

vw_conn *vw_conn_open(const char *uri_text, const vw_conn_options *opts, vw_client_error *err)
{
    vw_conn_options defaults;
    if (!opts) {
        vw_conn_options_init(&defaults);
        opts = &defaults;
    }
    vw_uri uri;
    if (vw_uri_parse(uri_text, opts->flags, &uri, err) < 0)
        return NULL;
    int connect_timeout = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000;
    long long deadline = vw_now_ms() + connect_timeout;
    int pid = 0;
    int fd = uri.transport == VW_TRANSPORT_SSH ? vw_transport_connect_ssh(&uri, &pid, err)
             : uri.transport != VW_TRANSPORT_UNIX
                 ? vw_transport_connect_tcp(uri.host, uri.port, connect_timeout, err)
                 : vw_transport_connect_unix(uri.socket_path, connect_timeout, err);
    vw_tls *tls = NULL;
    if (fd >= 0 && uri.transport == VW_TRANSPORT_TLS) {
        /* the handshake shares the connect timeout */
        long long left = deadline - vw_now_ms();
        tls = vw_tls_client_open(fd, uri.host, uri.pkipath, uri.no_verify,
                                 left > 0 ? (int)left : 1, err);
        if (!tls) {
            close(fd);
            fd = -1;
        }
    }
    const char *host = uri.transport == VW_TRANSPORT_UNIX ? NULL : uri.host;
    bool secure = uri.transport != VW_TRANSPORT_TCP;
    vw_conn *conn = fd < 0 ? NULL : conn_open_stream(fd, tls, host, secure, uri.open_name, opts,
                                                     err);
    if (conn)
        conn->helper_pid = pid;   /* set after the handshake: vw_conn_close reaps it */
    else
        vw_transport_reap(pid);
    vw_uri_clear(&uri);
    return conn;
}

vw_conn *vw_conn_open_fd(int fd, const char *open_name, const vw_conn_options *opts,
                         vw_client_error *err)
{
    return conn_open_stream(fd, NULL, NULL, true, open_name, opts, err);
}

static vw_conn *conn_open_stream(int fd, vw_tls *tls, const char *host, bool secure,
                                 const char *open_name, const vw_conn_options *opts,
                                 vw_client_error *err)
{
    vw_conn_options defaults;
    if (!opts) {
        vw_conn_options_init(&defaults);
        opts = &defaults;
    }
    int fl = fcntl(fd, F_GETFL);   /* the I/O thread expects a non-blocking socket */
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        vw_client_error_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "fcntl: %s", strerror(errno));
        vw_tls_free(tls);
        close(fd);
        return NULL;
    }
    vw_conn *conn = conn_new(fd, tls, opts, err);
    if (!conn)
        return NULL;
    conn->open_name = strdup(open_name);
    if (!conn->open_name) {
        vw_client_error_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
        goto fail;
    }

    if (handshake_auth(conn, host, secure, err) < 0)
        goto fail;

    int supported = 0;
    vw_client_error e = { 0 };
    if (lv_procs_supports_feature(conn, VIR_DRV_FEATURE_PROGRAM_KEEPALIVE,
                                  conn->opts.connect_timeout_ms, &supported, &e) < 0) {
        if (!e.remote) {
            if (err)
                vw_client_error_move(err, &e);
            vw_client_error_clear(&e);
            goto fail;
        }
        conn_log(conn, "server does not answer PROGRAM_KEEPALIVE (%s); keepalive off",
                 vw_client_error_message(&e));
        vw_client_error_clear(&e);
        supported = 0;
    }

    int open_timeout = conn->opts.call_timeout_ms > conn->opts.connect_timeout_ms
                           ? conn->opts.call_timeout_ms : conn->opts.connect_timeout_ms;
    if (lv_procs_connect_open(conn, conn->open_name,
                              (conn->opts.flags & VW_CONN_READ_ONLY) ? VIR_CONNECT_RO : 0,
                              open_timeout, err) < 0)
        goto fail;

    if (supported && conn->opts.keepalive_interval > 0) {
        pthread_mutex_lock(&conn->lock);
        conn->keepalive_enabled = true;
        conn->last_rx_ms = vw_now_ms();
        pthread_mutex_unlock(&conn->lock);
        ssize_t ignored = write(conn->wake[1], "k", 1);   /* the I/O thread re-reads its timer */
        (void)ignored;
    }
    return conn;

fail:
    conn_free(conn);
    return NULL;
}

int vw_conn_close(vw_conn *conn, vw_client_error *err)
{
    if (!conn)
        return 0;
    if (conn->event_started && pthread_equal(pthread_self(), conn->event_thread)) {
        vw_client_error_set(err, VW_ERR_OPERATION_INVALID, VW_FROM_RPC,
                            "vw_conn_close called from an event callback: close the connection "
                            "from another thread once the callback returned");
        return -1;
    }
    int rc = 0;
    pthread_mutex_lock(&conn->lock);
    bool alive = !conn->dead;
    pthread_mutex_unlock(&conn->lock);
    pthread_mutex_lock(&conn->lock);
    bool unresponsive = conn->timeout_unanswered;
    pthread_mutex_unlock(&conn->lock);
    if (alive && conn->open_name) {
        pthread_mutex_lock(&conn->lock);
        conn->closing = true;      /* the server's EOF after CONNECT_CLOSE is no news */
        pthread_mutex_unlock(&conn->lock);
        int timeout = conn->call_timeout_ms < 5000 ? conn->call_timeout_ms : 5000;
        /* a server that let a call time out and sent nothing since gets a short grace for
         * CONNECT_CLOSE, not a second full timeout */
        if (unresponsive && timeout > VW_CLOSE_GRACE_MS)
            timeout = VW_CLOSE_GRACE_MS;
        rc = lv_procs_connect_close(conn, timeout, err);
    }
    conn_free(conn);
    return rc;
}

bool vw_conn_is_alive(vw_conn *conn)
{
    if (!conn)
        return false;
    pthread_mutex_lock(&conn->lock);
    bool alive = !conn->dead;
    pthread_mutex_unlock(&conn->lock);
    return alive;
}

int vw_conn_get_death_reason(vw_conn *conn, vw_client_error *err)
{
    if (!conn)
        return -1;
    pthread_mutex_lock(&conn->lock);
    int rc = -1;
    if (conn->dead) {
        if (err)
            vw_client_error_copy(err, &conn->death);
        rc = 0;
    }
    pthread_mutex_unlock(&conn->lock);
    return rc;
}

void vw_conn_set_call_timeout(vw_conn *conn, int timeout_ms)
{
    if (!conn || timeout_ms <= 0)
        return;
    pthread_mutex_lock(&conn->lock);
    conn->call_timeout_ms = timeout_ms;
    pthread_mutex_unlock(&conn->lock);
}

const char *vw_conn_open_name(vw_conn *conn)
{
    return conn ? conn->open_name : NULL;
}

bool vw_conn_keepalive_enabled(vw_conn *conn)
{
    if (!conn)
        return false;
    pthread_mutex_lock(&conn->lock);
    bool on = conn->keepalive_enabled;
    pthread_mutex_unlock(&conn->lock);
    return on;
}

void vw_conn_get_stats(vw_conn *conn, vw_conn_stats *stats)
{
    memset(stats, 0, sizeof(*stats));
    if (!conn)
        return;
    pthread_mutex_lock(&conn->lock);
    *stats = conn->stats;
    pthread_mutex_unlock(&conn->lock);
}

void vw_conn_set_close_callback(vw_conn *conn, vw_conn_close_cb cb, void *opaque)
{
    if (!conn)
        return;
    pthread_mutex_lock(&conn->lock);
    conn->close_cb = cb;
    conn->close_opaque = opaque;
    pthread_mutex_unlock(&conn->lock);
}

/* ---- internal entry points for lv_procs.c -------------------------------------------------------- */

int lv_conn_call_timeout(vw_conn *conn, uint32_t prog, int proc, xdrproc_t args_proc, void *args,
                         xdrproc_t ret_proc, void *ret, int timeout_ms, vw_client_error *err)
{
    return call_encoded(conn, prog, proc, args_proc, args, ret_proc, ret, timeout_ms, err);
}
