/* lv_call.c: calls and their replies: the outgoing queue (non-blocking writes by whoever holds
 * the lock), serials and the waiters of a connection, call timeouts, the death of a connection,
 * and turning a reply into a result or the server's error. Who reads the replies: lv_read.c. */
#include "libvirt_client_priv.h"
#include "lv_procs.h"
#include "lv_transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- death and waiters --------------------------------------------------------------------------- */

/* Marks the connection dead with REASON (consumed) and fails every pending call at once.
 * Caller holds conn->lock. */
void lv_conn_die_locked(vw_conn *conn, vw_virerror *reason)
{
    if (conn->dead) {
        vw_virerror_clear(reason);
        return;
    }
    conn->dead = true;
    vw_virerror_move(&conn->death, reason);
    for (struct out_packet *p = conn->out_head; p; p = p->next)
        if (p->owner)               /* nothing more goes out on a dead connection */
            p->owner->out = NULL;
    lv_conn_free_out_queue(conn);
    /* a thread polling the socket for its reply wakes up to the end of the stream (recv
     * returns 0) instead of sleeping to its deadline */
    shutdown(conn->fd, SHUT_RD);
    lv_conn_log(conn, "connection dead: %s", vw_virerror_message(&conn->death));
    for (struct waiter *w = conn->waiters; w; w = w->next) {
        if (w->done)
            continue;
        w->failed = true;
        vw_virerror_copy(&w->err, &conn->death);
        w->done = true;
        pthread_cond_signal(&w->cond);
    }
    if (!conn->closing) {
        struct event_item *item = calloc(1, sizeof(*item));
        if (item) {
            item->kind = ITEM_CLOSED;
            lv_events_queue_locked(conn, item);
        }
    }
}

void lv_conn_free_out_queue(vw_conn *conn)
{
    while (conn->out_head) {
        struct out_packet *p = conn->out_head;
        conn->out_head = p->next;
        free(p->data);
        free(p);
    }
    conn->out_tail = NULL;
}

void lv_conn_die(vw_conn *conn, vw_virerror *reason)
{
    pthread_mutex_lock(&conn->lock);
    lv_conn_die_locked(conn, reason);
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

void lv_conn_wake_io_thread(vw_conn *conn)
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

void lv_conn_flush_locked(vw_conn *conn)
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
            vw_virerror err = { 0 };
            vw_virerror_set(&err, VW_ERR_RPC, VW_FROM_RPC, "cannot write to the server: %s%s",
                            strerror(e), (e == EPIPE || e == ECONNRESET)
                                                 ? " (the server closed the connection)" : "");
            lv_conn_die_locked(conn, &err);
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
    lv_conn_flush_locked(conn);
    if (conn->out_head)
        lv_conn_wake_io_thread(conn);      /* the rest goes when the socket is writable */
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
void lv_conn_queue_keepalive_locked(vw_conn *conn, int proc)
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
                         vw_virerror *err)
{
    char nb[32];
    struct waiter w;
    memset(&w, 0, sizeof(w));
    w.prog = prog;
    w.proc = proc;

    pthread_mutex_lock(&conn->lock);
    if (conn->dead) {
        vw_virerror_set(err, VW_ERR_NO_CONNECT, VW_FROM_RPC, "not connected: %s",
                        vw_virerror_message(&conn->death));
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
    vw_error perr;
    memset(&perr, 0, sizeof(perr));
    int rc = args_proc ? vw_packet_encode(&buf, &hdr, 0, args_proc, args, &perr)
                       : vw_packet_encode_raw(&buf, &hdr, 0, raw, raw_len, &perr);
    if (rc < 0) {
        vw_virerror_set(err, VW_ERR_RPC, VW_FROM_RPC, "cannot encode the call of %s: %s",
                        lv_conn_proc_name(prog, proc, nb), perr.text);
        vw_buf_free(&buf);
        return -1;
    }

    lv_conn_init_monotonic_cond(&w.cond);
    long long deadline = vw_now_ms() + timeout_ms;
    pthread_mutex_lock(&conn->lock);
    if (conn->dead) {
        vw_virerror_set(err, VW_ERR_NO_CONNECT, VW_FROM_RPC, "not connected: %s",
                        vw_virerror_message(&conn->death));
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
        vw_virerror_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
        return -1;
    }
    /* Leader/follower (lv_read.c): with nobody reading, this thread reads the socket itself
     * until its reply is in; else it sleeps until the reader hands it its reply or the read
     * role. Every wait ends at the deadline. */
    struct timespec ts;
    lv_conn_deadline_to_timespec(deadline, &ts);
    while (!w.done) {
        if (!conn->reading) {
            lv_read_lead_locked(conn, &w, deadline);
            if (!w.done && vw_now_ms() >= deadline)
                break;
            continue;
        }
        if (pthread_cond_timedwait(&w.cond, &conn->lock, &ts) == ETIMEDOUT && !w.done)
            break;
    }
    remove_waiter_locked(conn, &w);
    unqueue_locked(conn, &w);
    if (!conn->reading)
        lv_read_pass_role_locked(conn);
    if (!w.done) {
        /* remembered under the same lock that took the waiter away: its late reply is dropped,
         * not taken for a reply nobody asked for */
        conn->abandoned[conn->abandoned_next] = w.serial;
        conn->abandoned_next = (conn->abandoned_next + 1) % VW_ABANDONED_SERIALS;
        if (conn->abandoned_count < VW_ABANDONED_SERIALS)
            conn->abandoned_count++;
        conn->timeout_unanswered = true;
    }
    pthread_mutex_unlock(&conn->lock);
    pthread_cond_destroy(&w.cond);

    if (!w.done) {
        vw_virerror_set(err, VW_ERR_OPERATION_TIMEOUT, VW_FROM_RPC,
                        "timed out after %d ms waiting for the reply to %s (program 0x%x, "
                        "serial %u)", timeout_ms, lv_conn_proc_name(prog, proc, nb), prog,
                        w.serial);
        return -1;
    }
    if (w.failed) {
        if (err)
            vw_virerror_move(err, &w.err);
        vw_virerror_clear(&w.err);
        free(w.payload);
        return -1;
    }
    *status = w.status;
    *reply = w.payload;
    *reply_len = w.payload_len;
    return 0;
}

/* Turns a reply (status + payload) into 0 / -1 with the server's error decoded in full. Takes
 * ownership of payload unless it returns 0 with keep != NULL (then *keep gets it). */
static int finish_reply(vw_conn *conn, uint32_t prog, int proc, int status,
                        unsigned char *payload, size_t len, unsigned char **keep,
                        vw_virerror *err)
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
        vw_error perr;
        memset(&perr, 0, sizeof(perr));
        if (vw_xdr_decode(payload, len, (xdrproc_t)xdr_vw_remote_error, &rerr, sizeof(rerr),
                          lv_conn_mode(conn), &perr) < 0) {
            vw_virerror_set(err, VW_ERR_RPC, VW_FROM_RPC,
                            "protocol error: the error reply to %s (%zu bytes) is not a valid "
                            "remote_error: %s", lv_conn_proc_name(prog, proc, nb), len, perr.text);
        } else {
            if (err)
                vw_virerror_from_wire(err, &rerr);
            vw_xdr_free((xdrproc_t)xdr_vw_remote_error, &rerr);
        }
        free(payload);
        return -1;
    }
    vw_virerror_set(err, VW_ERR_RPC, VW_FROM_RPC,
                    "protocol error: reply to %s has status %d (expected OK or ERROR)",
                    lv_conn_proc_name(prog, proc, nb), status);
    free(payload);
    return -1;
}

static int call_encoded(vw_conn *conn, uint32_t prog, int proc, xdrproc_t args_proc, void *args,
                        xdrproc_t ret_proc, void *ret, int timeout_ms, vw_virerror *err)
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
        vw_error perr;
        memset(&perr, 0, sizeof(perr));
        if (vw_xdr_decode(reply, reply_len, ret_proc, ret, size, lv_conn_mode(conn), &perr) < 0) {
            char nb[32];
            vw_virerror_set(err, VW_ERR_RPC, VW_FROM_RPC,
                            "protocol error: cannot decode the %zu-byte reply of %s: %s",
                            reply_len, lv_conn_proc_name(prog, proc, nb), perr.text);
            rc = -1;
        }
    }
    free(reply);
    return rc;
}

int vw_call(vw_conn *conn, uint32_t prog, int proc, xdrproc_t args_proc, void *args,
            xdrproc_t ret_proc, void *ret, vw_virerror *err)
{
    if (!conn) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC, "vw_call: no connection");
        return -1;
    }
    return call_encoded(conn, prog, proc, args_proc, args, ret_proc, ret, 0, err);
}

int vw_call_raw(vw_conn *conn, uint32_t prog, int proc, const void *payload, size_t payload_len,
                void **reply, size_t *reply_len, vw_virerror *err)
{
    if (!conn || !reply || !reply_len) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                        "vw_call_raw: missing connection or reply pointers");
        return -1;
    }
    if (!payload && payload_len) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
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


/* ---- internal entry points for lv_procs.c -------------------------------------------------------- */

int lv_conn_call_timeout(vw_conn *conn, uint32_t prog, int proc, xdrproc_t args_proc, void *args,
                         xdrproc_t ret_proc, void *ret, int timeout_ms, vw_virerror *err)
{
    return call_encoded(conn, prog, proc, args_proc, args, ret_proc, ret, timeout_ms, err);
}
