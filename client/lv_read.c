/* lv_read.c: the read path of a connection. The thread that waits for a reply reads the socket
 * itself while no other thread does (it holds the read role), hands replies for other serials
 * to their waiters and events to the event thread, and passes the role on to the next waiting
 * call when its own reply arrives. The I/O thread reads only while no call waits (events,
 * keepalive); it also runs the keepalive timer and writes what the socket did not take at once. */
#include "libvirt_client_priv.h"
#include "lv_procs.h"
#include "lv_transport.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static ssize_t conn_recv(vw_conn *conn, void *buf, size_t len)
{
    return conn->tls ? vw_tls_recv(conn->tls, buf, len) : recv(conn->fd, buf, len, 0);
}

/* ---- dispatching what was read --------------------------------------------------------------- */

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
            lv_conn_log(conn, "dropping the late reply with serial %u (%s): its call timed out",
                        h->serial, lv_conn_proc_name(h->prog, h->proc, nb));
            free(payload);
            return;
        }
        /* libvirt's client (virNetClientCallDispatchReply) closes the connection here */
        vw_virerror reason = { 0 };
        vw_virerror_set(&reason, VW_ERR_RPC, VW_FROM_RPC,
                        "no call waiting for reply with prog %u vers %u serial %u (%s): "
                        "the server broke the protocol, connection closed", h->prog, h->vers,
                        h->serial, lv_conn_proc_name(h->prog, h->proc, nb));
        lv_conn_die_locked(conn, &reason);
        pthread_mutex_unlock(&conn->lock);
        free(payload);
        return;
    }
    if (w->prog != h->prog || w->proc != h->proc) {
        w->failed = true;
        vw_virerror_set(&w->err, VW_ERR_RPC, VW_FROM_RPC,
                        "protocol error: the reply with serial %u is for %s (program 0x%x), "
                        "but that serial was a call of %s", h->serial,
                        lv_conn_proc_name(h->prog, h->proc, nb), h->prog,
                        lv_conn_proc_name(w->prog, w->proc, nb2));
        free(payload);
    } else {
        w->status = h->status;
        w->payload = payload;
        w->payload_len = len;
    }
    w->done = true;
    conn->replies_matched++;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&conn->lock);
}

static void handle_keepalive(vw_conn *conn, const vw_packet_header *h)
{
    if (h->proc == VW_KEEPALIVE_PROC_PING && h->type == VW_NET_MESSAGE) {
        pthread_mutex_lock(&conn->lock);
        conn->stats.pings_received++;
        lv_conn_queue_keepalive_locked(conn, VW_KEEPALIVE_PROC_PONG);
        pthread_mutex_unlock(&conn->lock);
        return;
    }
    if (h->proc == VW_KEEPALIVE_PROC_PONG) {
        count(conn, &conn->stats.pongs_received);
        return;
    }
    count(conn, &conn->stats.packets_dropped_other);
    lv_conn_log(conn, "ignoring keepalive procedure %d", h->proc);
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
        lv_conn_log(conn, "dropping a packet of unknown program 0x%08x (procedure %d, serial %u)",
                    h->prog, h->proc, h->serial);
        return;
    }
    if (h->type != VW_NET_REPLY && h->type != VW_NET_MESSAGE) {
        count(conn, &conn->stats.packets_dropped_other);
        lv_conn_log(conn, "dropping a packet of type %d (%s, serial %u): not supported by this "
                    "client", h->type, lv_conn_proc_name(h->prog, h->proc, nb), h->serial);
        return;
    }
    unsigned char *payload = NULL;
    if (pkt->payload_len) {
        payload = malloc(pkt->payload_len);
        if (!payload) {
            vw_virerror err = { 0 };
            vw_virerror_set(&err, VW_ERR_NO_MEMORY, VW_FROM_RPC,
                            "out of memory for a %zu-byte payload", pkt->payload_len);
            lv_conn_die(conn, &err);
            return;
        }
        memcpy(payload, pkt->payload, pkt->payload_len);
    }
    if (h->type == VW_NET_REPLY)
        handle_reply(conn, h, payload, pkt->payload_len);
    else
        lv_events_received(conn, h, payload, pkt->payload_len);
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
        vw_virerror err = { 0 };
        vw_virerror_set(&err, VW_ERR_RPC, VW_FROM_RPC,
                        "connection closed due to keepalive timeout: no answer to %d pings "
                        "sent every %d s", conn->pings_unanswered,
                        conn->opts.keepalive_interval);
        lv_conn_die_locked(conn, &err);
        pthread_mutex_unlock(&conn->lock);
        return -2;
    }
    conn->pings_unanswered++;
    conn->last_ping_ms = now;
    lv_conn_queue_keepalive_locked(conn, VW_KEEPALIVE_PROC_PING);
    bool dead = conn->dead;
    pthread_mutex_unlock(&conn->lock);
    if (dead)
        return -2;
    return interval > 60000 ? 60000 : (int)interval;
}

/* ---- reading ---------------------------------------------------------------------------------- */

static bool is_done(vw_conn *conn, const struct waiter *mine)
{
    pthread_mutex_lock(&conn->lock);
    bool done = mine && mine->done;
    pthread_mutex_unlock(&conn->lock);
    return done;
}

/* Reads what the socket has and dispatches every whole packet, until recv would block or, for a
 * leader (mine != NULL) on a plain socket, until its own reply is in: the rest of that chunk is
 * dispatched too, so no byte read waits for the next poll. Over TLS a leader reads on until recv
 * would block, as GnuTLS may hold bytes the socket's poll no longer shows. Called with the read
 * role held and conn->lock not held. Returns 1 when mine is done, 0 when the socket would block,
 * -1 when the connection died (peer closed, bad length word, read error). */
static int read_packets(vw_conn *conn, struct waiter *mine)
{
    vw_packet_reader *reader = &conn->reader;
    for (;;) {
        ssize_t got = conn_recv(conn, conn->chunk, conn->chunk_size);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return is_done(conn, mine) ? 1 : 0;
        if (got <= 0) {
            vw_virerror err = { 0 };
            if (got < 0)
                vw_virerror_set(&err, VW_ERR_RPC, VW_FROM_RPC,
                                "cannot read from the server: %s", strerror(errno));
            else if (reader->have == 0)
                vw_virerror_set(&err, VW_ERR_RPC, VW_FROM_RPC,
                                "the server closed the connection");
            else
                vw_virerror_set(&err, VW_ERR_RPC, VW_FROM_RPC,
                                "the server closed the connection in the middle of a "
                                "packet (%zu of %u bytes received)", reader->have,
                                reader->have >= 4 ? reader->len : 4u);
            lv_conn_die(conn, &err);
            return -1;
        }
        size_t off = 0;
        while (off < (size_t)got) {
            size_t used = 0;
            vw_error perr;
            memset(&perr, 0, sizeof(perr));
            int rc = vw_packet_reader_feed(reader, conn->chunk + off, (size_t)got - off, &used,
                                           &perr);
            off += used;
            if (rc < 0) {
                vw_virerror err = { 0 };
                vw_virerror_set(&err, VW_ERR_RPC, VW_FROM_RPC,
                                "protocol error from the server: %s", perr.text);
                lv_conn_die(conn, &err);
                return -1;
            }
            if (rc == 0)
                continue;
            vw_packet pkt;
            rc = vw_packet_reader_take(reader, &pkt, NULL, NULL, &perr);
            if (rc < 0) {
                count(conn, &conn->stats.packets_dropped_other);
                lv_conn_log(conn, "dropping a packet with a malformed header: %s", perr.text);
                continue;
            }
            if (rc == 1)
                handle_packet(conn, &pkt);
            pthread_mutex_lock(&conn->lock);
            bool dead = conn->dead;
            pthread_mutex_unlock(&conn->lock);
            if (dead)
                return -1;
        }
        if (mine && !conn->tls && is_done(conn, mine))
            return 1;
    }
}

/* poll(2); a signal counts as a timeout (0, no revents: the caller looks at its clock again), a
 * failure kills the connection (-1). */
static int poll_or_die(vw_conn *conn, struct pollfd *fds, nfds_t nfds, int timeout)
{
    int n = poll(fds, nfds, timeout);
    if (n < 0 && errno == EINTR) {
        for (nfds_t i = 0; i < nfds; i++)
            fds[i].revents = 0;
        return 0;
    }
    if (n < 0) {
        vw_virerror err = { 0 };
        vw_virerror_set(&err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "poll: %s", strerror(errno));
        lv_conn_die(conn, &err);
    }
    return n;
}

/* ---- the read role ----------------------------------------------------------------------------- */

static bool calls_waiting_locked(const vw_conn *conn)
{
    for (const struct waiter *w = conn->waiters; w; w = w->next)
        if (!w->done)
            return true;
    return false;
}

void lv_read_pass_role_locked(vw_conn *conn)
{
    for (struct waiter *w = conn->waiters; w; w = w->next) {
        if (!w->done) {
            pthread_cond_signal(&w->cond);     /* it finds conn->reading false and leads */
            return;
        }
    }
    if (conn->io_wants_wake) {       /* the last call ended: the socket is the I/O thread's */
        conn->io_wants_wake = false;
        lv_conn_wake_io_thread(conn);
    }
}

void lv_read_lead_locked(vw_conn *conn, struct waiter *w, long long deadline)
{
    conn->reading = true;
    pthread_mutex_unlock(&conn->lock);
    for (;;) {
        long long left = deadline - vw_now_ms();
        if (left <= 0)
            break;
        struct pollfd pfd = { .fd = conn->fd, .events = POLLIN };
        int n = poll_or_die(conn, &pfd, 1, left > 60000 ? 60000 : (int)left);
        if (n < 0)
            break;
        if (n == 0)
            continue;
        if (read_packets(conn, w) != 0)
            break;                             /* its reply is in, or the connection died */
    }
    pthread_mutex_lock(&conn->lock);
    conn->reading = false;
}

int lv_read_init(vw_conn *conn)
{
    vw_packet_reader_init(&conn->reader, lv_conn_mode(conn));
    conn->chunk_size = 65536;
    conn->chunk = malloc(conn->chunk_size);
    return conn->chunk ? 0 : -1;
}

void lv_read_free(vw_conn *conn)
{
    vw_packet_reader_free(&conn->reader);
    free(conn->chunk);
    conn->chunk = NULL;
}

/* ---- the I/O thread -------------------------------------------------------------------------- */

/* While calls follow each other, the I/O thread stays off the socket and looks back after a nap
 * instead of being woken after every call (which would put a thread hop back on every call).
 * The nap starts at IO_NAP_MS and doubles while calls keep completing, up to IO_NAP_MAX_MS: a
 * long stream of calls pays one wake-up of the I/O thread (a poll and two context switches on
 * one CPU) every IO_NAP_MAX_MS instead of every millisecond. So an event that arrives just after
 * a stream of calls ends waits at most IO_NAP_MAX_MS; during a call, its leader reads events at
 * once. */
#define IO_NAP_MS 1
#define IO_NAP_MAX_MS 8

/* The I/O thread: the keepalive timer, writing what the socket did not take at once, and
 * reading while no call waits (events, PINGs). When calls wait, the socket is theirs: the I/O
 * thread naps while calls keep completing, else sleeps until the last one wakes it. */
void *lv_read_io_thread_main(void *opaque)
{
    vw_conn *conn = opaque;
    uint64_t seen_replies = 0;
    int nap = IO_NAP_MS;
    for (;;) {
        int timeout = keepalive_tick(conn);
        if (timeout == -2)
            break;
        pthread_mutex_lock(&conn->lock);
        bool want_write = conn->out_head != NULL;
        bool idle = !conn->reading && !calls_waiting_locked(conn);
        conn->io_wants_wake = false;
        if (!idle && conn->replies_matched != seen_replies) {
            seen_replies = conn->replies_matched;
            if (timeout < 0 || timeout > nap)
                timeout = nap;
            nap = nap * 2 > IO_NAP_MAX_MS ? IO_NAP_MAX_MS : nap * 2;
        } else {
            nap = IO_NAP_MS;
            if (!idle)
                conn->io_wants_wake = true;
        }
        pthread_mutex_unlock(&conn->lock);
        struct pollfd fds[2] = {
            { .fd = (idle || want_write) ? conn->fd : -1,
              .events = (idle ? POLLIN : 0) | (want_write ? POLLOUT : 0) },
            { .fd = conn->wake[0], .events = POLLIN },
        };
        int n = poll_or_die(conn, fds, 2, timeout);
        if (n < 0)
            break;
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
            lv_conn_flush_locked(conn);
            bool dead = conn->dead;
            pthread_mutex_unlock(&conn->lock);
            if (dead)
                break;
        }
        if (!idle || !(fds[0].revents & ~POLLOUT))
            continue;
        pthread_mutex_lock(&conn->lock);
        if (conn->reading || calls_waiting_locked(conn)) {
            pthread_mutex_unlock(&conn->lock);
            continue;              /* a call came and leads: the bytes are its to read */
        }
        conn->reading = true;
        pthread_mutex_unlock(&conn->lock);
        int rc = read_packets(conn, NULL);
        pthread_mutex_lock(&conn->lock);
        conn->reading = false;
        lv_read_pass_role_locked(conn);
        pthread_mutex_unlock(&conn->lock);
        if (rc < 0)
            break;
    }
    return NULL;
}
