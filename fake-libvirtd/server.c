/* server.c: the transport: sockets, connections, framing, the output queue (common/out_queue),
 * client limits, TLS and the fault hooks (see server.h; keepalive.c answers and sends the
 * keepalive packets). */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fl_faults.h"
#include "fl_sasl.h"
#include "listeners.h"
#include "netaddr.h"

struct fl_server {
    vw_evloop *loop;
    fl_listeners listeners;
    int signal_fd;
    fl_conn *conns;
    uint64_t next_conn_id;
    fl_budget budget;             /* client limits and the memory budget (client_limits.h) */
    int verbose;
    bool stop_requested;
    fl_server_parts parts;        /* the model mode, sessions, events (daemon.c sets them) */
    const vw_mode_hooks *mode;    /* record / replay; NULL = model */
    fl_call_filter_fn *filter;    /* scenario stubs (stubs.c); NULL = none */
    void *filter_opaque;
    vw_faults *faults;            /* --faults / set_faults (fl_faults.c); NULL = none */
    vw_buf fault_scratch;         /* a packet encoded for the fault hook */
    fl_tls_ctx *tls;              /* --listen-tls credentials; NULL = no TLS listener */
    int auth[3];                  /* auth type of unix rw, tcp and tls listeners */
};

static void conn_readable(vw_evloop *loop, int fd, void *data, int mask);
static void conn_writable(vw_evloop *loop, int fd, void *data, int mask);
static long long tls_drain(vw_evloop *loop, long long id, void *data);

/* One read or write of c's socket, through its TLS session when it has one; as
 * vw_netaddr_recv / vw_netaddr_send: bytes, 0 nothing now, -1 the connection is over. */
static long conn_recv(fl_conn *c, void *buf, size_t len)
{
    if (c->sasl_layer == FL_SASL_LAYER_ON)
        return fl_sasl_recv(c->sasl, c->fd, buf, len);
    return c->tls ? fl_tls_recv(c->tls, buf, len) : vw_netaddr_recv(c->fd, buf, len);
}

static long conn_send(fl_conn *c, const void *buf, size_t len)
{
    if (c->sasl_layer == FL_SASL_LAYER_ON)
        return fl_sasl_send(c->sasl, c->fd, buf, len);
    return c->tls ? fl_tls_send(c->tls, buf, len) : vw_netaddr_send(c->fd, buf, len);
}

/* Bytes a TLS session or SASL layer holds decoded: the socket will not say they are there. */
static bool conn_holds_input(fl_conn *c)
{
    if (c->sasl_layer == FL_SASL_LAYER_ON)
        return fl_sasl_pending(c->sasl);
    return c->tls && fl_tls_pending(c->tls);
}

int fl_server_verbose(const fl_server *srv)
{
    return srv->verbose;
}

struct fl_qemu *fl_server_qemu(fl_server *srv)
{
    return srv->parts.qemu;
}

struct fl_models *fl_server_models(fl_server *srv)
{
    return srv->parts.models;
}

struct fl_events *fl_server_events(fl_server *srv)
{
    return srv->parts.events;
}

fl_conn *fl_server_conns(fl_server *srv)
{
    return srv->conns;
}

void fl_server_set_parts(fl_server *srv, const fl_server_parts *parts)
{
    srv->parts = *parts;
}

void fl_server_set_call_filter(fl_server *srv, fl_call_filter_fn *fn, void *opaque)
{
    srv->filter = fn;
    srv->filter_opaque = opaque;
}

/* ---- limits (docs/fake-libvirtd.md, "Limits") ------------------------------------------------ */

/* What c holds in memory: its reader's buffer, bytes read and not fed yet, its output queue. */
static size_t conn_held(const fl_conn *c)
{
    return c->reader.cap + c->stash_len + c->out.buf.cap;
}

/* Brings the server's total up to date with c (after anything that changed c's buffers). */
static void account(fl_conn *c)
{
    fl_budget_account(&c->srv->budget, &c->accounted, conn_held(c));
}

static uint32_t admit_limit(const fl_conn *c)
{
    return fl_budget_admit(&c->srv->budget, c->accounted, c->out.buf.cap + c->stash_len);
}

static bool over_budget(const fl_server *srv)
{
    return fl_budget_over(&srv->budget);
}

/* libvirtd stops reading a client with max_client_requests calls unanswered. */
static bool calls_full(const fl_conn *c)
{
    return c->calls_pending >= c->srv->budget.lim.max_client_requests;
}

static void check_client_limits(fl_server *srv)
{
    int hold = fl_budget_check_clients(&srv->budget);
    if (hold >= 0)
        fl_listeners_hold(&srv->listeners, hold == 1);
}

void fl_conn_not_anonymous(fl_conn *c)
{
    if (c->past_open)
        return;
    c->past_open = true;
    c->srv->budget.nanon--;
    check_client_limits(c->srv);
}

/* libvirtd counts a client as anonymous until it has authenticated; with auth "none" (the only
 * one here) it never does. We count a client until its authentication step or its open: an
 * answered AUTH_LIST (whose answer is "none"), or a CONNECT_OPEN (model: one that succeeded,
 * which the session says itself through fl_conn_not_anonymous; a stub or a mode that answers
 * the open itself is taken at its word). So max_anonymous_clients bounds the clients that
 * connect and say nothing, as it does in a daemon with authentication. */
static void note_open(fl_conn *c, const vw_packet *pkt, bool model)
{
    if (c->past_open || pkt->hdr.prog != VW_REMOTE_PROGRAM)
        return;
    bool auth = pkt->hdr.proc == VW_REMOTE_PROC_AUTH_LIST && c->auth == VW_REMOTE_AUTH_NONE;
    bool open = !model && pkt->hdr.proc == VW_REMOTE_PROC_CONNECT_OPEN;
    if (auth || open)
        fl_conn_not_anonymous(c);
}

void fl_conn_authenticated(fl_conn *c)
{
    c->authenticated = true;
    fl_conn_not_anonymous(c);
}

/* ---- output --------------------------------------------------------------------------------- */

static long long resume_stash(vw_evloop *loop, long long id, void *data);

/* May c's input be taken now? Not while its output backs up, while its replies would grow the
 * output of a server over its memory budget, or with max_client_requests calls unanswered. */
static bool may_take_input(const fl_conn *c)
{
    size_t pending = vw_out_queue_pending(&c->out);
    return pending < FL_CONN_OUT_HIGH && !c->closing && !c->mode_holds_reads &&
           !calls_full(c) && !(pending > 0 && over_budget(c->srv));
}

static void update_interest(fl_conn *c)
{
    fl_server *srv = c->srv;
    size_t pending = vw_out_queue_pending(&c->out);
    if (c->tls_handshaking)
        return;   /* tls_step sets the interest while the handshake goes on */
    account(c);
    if (pending > 0)
        vw_evloop_add_file(srv->loop, c->fd, VW_EV_WRITABLE, conn_writable, c);
    else
        vw_evloop_del_file(srv->loop, c->fd, VW_EV_WRITABLE);
    bool may_take = may_take_input(c);
    if (may_take && c->stash_len && c->resume_timer < 0)   /* bytes read earlier go first */
        c->resume_timer = vw_evloop_add_timer(srv->loop, 0, resume_stash, c, NULL);
    bool want_read = may_take && c->stash_len == 0;
    if (want_read && c->reads_paused) {
        vw_evloop_add_file(srv->loop, c->fd, VW_EV_READABLE, conn_readable, c);
        c->reads_paused = false;
    } else if (!want_read && !c->reads_paused) {
        vw_evloop_del_file(srv->loop, c->fd, VW_EV_READABLE);
        c->reads_paused = true;
    }
    if (want_read && c->tls_timer < 0 && conn_holds_input(c))
        c->tls_timer = vw_evloop_add_timer(srv->loop, 0, tls_drain, c, NULL);
}

static long send_cb(void *ctx, const void *data, size_t len)
{
    return conn_send(ctx, data, len);
}

/* Writes what the socket takes. Returns -1 if the connection was closed. */
static int flush_output(fl_conn *c)
{
    int r = vw_out_queue_write(&c->out, send_cb, c);
    if (r < 0) {
        fl_conn_close(c);
        return -1;
    }
    if (r == 1) {
        if (c->sasl_layer == FL_SASL_LAYER_AFTER_REPLY)
            c->sasl_layer = FL_SASL_LAYER_ON;   /* the clear reply that ended SASL is out */
        if (c->closing && !fl_faults_pending(c->fault)) {   /* delayed output goes first */
            fl_conn_close(c);
            return -1;
        }
    }
    update_interest(c);
    return 0;
}

int fl_conn_queue_packet(fl_conn *c, const vw_packet_header *hdr, xdrproc_t proc, const void *obj,
                         vw_error *perr)
{
    size_t queued = vw_out_queue_pending(&c->out);
    if (hdr->type == VW_NET_MESSAGE &&
        (queued > FL_CONN_OUT_MAX || (queued > FL_CONN_OUT_HIGH && over_budget(c->srv)))) {
        /* events pile up for a client that does not read: it is dropped (flush_all), at its
         * own limit, or sooner when all clients together are over the memory budget */
        c->overflowed = true;
        return 0;
    }
    /* with faults, every packet goes through fl_conn_queue_bytes (the fault hook); without,
     * it is encoded in place, which is the same bytes without a copy */
    vw_buf *dst = c->fault ? &c->srv->fault_scratch : &c->out.buf;
    if (c->fault)
        vw_buf_reset(dst);
    if (vw_packet_encode(dst, hdr, 0, proc, obj, perr) < 0)
        return -1;
    if (c->fault)
        fl_conn_queue_bytes(c, dst->data, dst->len);
    return 0;
}

int fl_conn_queue_bytes(fl_conn *c, const void *data, size_t n)
{
    vw_error perr;
    if (c->fault && fl_faults_output(c->fault, data, n))
        return 0;   /* held, rewritten or dropped by a fault; released through fault_deliver */
    if (vw_out_queue_append(&c->out, data, n, &perr) < 0) {
        c->closing = true;
        return -1;
    }
    return 0;
}

void fl_conn_finish(fl_conn *c)
{
    /* flush_all (after this loop round) or conn_readable's flush closes it */
    c->closing = true;
}

vw_evloop *fl_server_loop(fl_server *srv)
{
    return srv->loop;
}

void fl_conn_hold_reads(fl_conn *c, bool on)
{
    c->mode_holds_reads = on;
    update_interest(c);
}

/* ---- connections ---------------------------------------------------------------------------- */

void fl_conn_close(fl_conn *c)
{
    fl_server *srv = c->srv;
    if (c->fd < 0)
        return;
    if (srv->mode)
        srv->mode->closed(srv->mode->opaque, c);
    fl_faults_conn_close(c->fault);
    c->fault = NULL;
    if (srv->parts.conn_gone)
        srv->parts.conn_gone(c);
    vw_evloop_del_file(srv->loop, c->fd, VW_EV_READABLE | VW_EV_WRITABLE);
    if (c->ka_timer >= 0) {
        vw_evloop_del_timer(srv->loop, c->ka_timer);
        c->ka_timer = -1;
    }
    if (c->resume_timer >= 0)
        vw_evloop_del_timer(srv->loop, c->resume_timer);
    if (c->tls_timer >= 0)
        vw_evloop_del_timer(srv->loop, c->tls_timer);
    fl_tls_session_free(c->tls);
    fl_sasl_session_free(c->sasl);
    close(c->fd);
    c->fd = -1;
    for (fl_conn **pp = &srv->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    srv->budget.nconns--;
    if (!c->past_open)
        srv->budget.nanon--;
    srv->budget.held_bytes -= c->accounted;
    free(c->stash);
    check_client_limits(srv);
    vw_packet_reader_free(&c->reader);
    vw_out_queue_free(&c->out);
    free(c);
}

/* The fault layer's output (common/faults.h), from its timer: released bytes, a close, a reset. */
static void fault_deliver(void *opaque, int what, const void *data, size_t len)
{
    fl_conn *c = opaque;
    vw_error perr;
    if (what == VW_FAULT_OUT_DATA) {
        if (vw_out_queue_append(&c->out, data, len, &perr) == 0)
            flush_output(c);
    } else if (what == VW_FAULT_OUT_RESET) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};   /* close sends RST */
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        fl_conn_close(c);
    } else {
        c->closing = true;   /* once what was written is out */
        flush_output(c);
    }
}

void fl_server_set_faults(fl_server *srv, vw_faults *faults)
{
    /* connections keep the rules they started with; new ones get these */
    vw_faults_unref(srv->faults);
    srv->faults = faults;
}

static void handle_packet(fl_conn *c, const vw_packet *pkt)
{
    if (pkt->hdr.prog == VW_KEEPALIVE_PROGRAM) {
        if (c->srv->parts.keepalive)
            c->srv->parts.keepalive(c, pkt);   /* keepalive.c */
        return;
    }
    if (pkt->hdr.type == VW_NET_STREAM) {
        if (c->srv->parts.stream)
            c->srv->parts.stream(c, pkt);   /* ignored unless it ends an open stream */
        return;
    }
    if (pkt->hdr.type != VW_NET_CALL && pkt->hdr.type != VW_NET_CALL_WITH_FDS) {
        /* libvirtd ignores stray MESSAGE packets */
        return;
    }
    if (c->srv->parts.call)
        c->srv->parts.call(c, pkt);
}

/* After a packet was handed on: what the call raised (events) goes out. */
static void settle(fl_server *srv)
{
    if (srv->parts.settle)
        srv->parts.settle(srv);
}

/* Takes the packet the reader has ready and hands it on: faults, stubs, the mode, or the
 * model (dispatch.c). */
/* One client packet to the mode (record, replay): raw as received, pkt NULL when malformed. */
static void mode_message(fl_server *srv, fl_conn *c, const vw_packet *pkt, const uint8_t *raw,
                         size_t raw_len)
{
    vw_mode_msg m = { raw, raw_len, pkt, NULL };
    srv->mode->message(srv->mode->opaque, c, &m);
}

static void conn_take_packet(fl_conn *c)
{
    fl_server *srv = c->srv;
    vw_packet pkt;
    vw_error perr;
    const uint8_t *raw = NULL;
    size_t raw_len = 0;
    int t = vw_packet_reader_take(&c->reader, &pkt, &raw, &raw_len, &perr);
    if (t == 1 && c->fault && fl_faults_input(c->fault, &pkt, &raw, &raw_len))
        return;   /* taken by a fault (docs/faults.md) */
    if (t == 1 && srv->filter && pkt.hdr.prog != VW_KEEPALIVE_PROGRAM &&
        (pkt.hdr.type == VW_NET_CALL || pkt.hdr.type == VW_NET_CALL_WITH_FDS) &&
        srv->filter(srv->filter_opaque, c, &pkt, raw, raw_len)) {
        /* scenario stubs come first, in every mode (fake-libvirtd/stubs.c) */
        note_open(c, &pkt, false);
        settle(srv);
        return;
    }
    if (t != 0 && srv->mode) {
        /* record / replay: every packet, even one with a malformed header */
        mode_message(srv, c, t == 1 ? &pkt : NULL, raw, raw_len);
        if (t == 1)
            note_open(c, &pkt, false);
        return;
    }
    if (t < 0) {
        if (srv->verbose)
            fprintf(stderr, "fake-libvirtd: connection %llu: dropped a packet: %s\n",
                    (unsigned long long)c->id, perr.text);
        return;
    }
    if (t == 1) {
        handle_packet(c, &pkt);
        note_open(c, &pkt, true);
        settle(srv);
    }
}

/* A feed failed: a bad length word (logged with --verbose), or a packet over the memory budget
 * (one line on stderr per episode, flush_all starts the next). */
static void report_feed_error(fl_conn *c, const vw_error *perr)
{
    fl_server *srv = c->srv;
    if (c->reader.over_max_len && !srv->budget.budget_logged) {
        srv->budget.budget_logged = true;
        fprintf(stderr, "fake-libvirtd: connection %llu: %s: the queued input and output of all "
                "clients would exceed the memory budget (%zu bytes); closing such clients\n",
                (unsigned long long)c->id, perr->text, srv->budget.lim.memory_budget);
    } else if (srv->verbose) {
        fprintf(stderr, "fake-libvirtd: connection %llu: %s; closing it\n",
                (unsigned long long)c->id, perr->text);
    }
}

/* Feeds n bytes to c's reader and handles each whole packet; stops early when c may take no more
 * calls now (max_client_requests). Returns the bytes used, or -1 when c was closed (freed). */
static long conn_feed(fl_conn *c, const uint8_t *data, size_t n)
{
    size_t off = 0;
    while (off < n && !c->closing && !calls_full(c)) {
        size_t used = 0;
        vw_error perr;
        c->reader.max_len = admit_limit(c);   /* checked before the reader allocates */
        int r = vw_packet_reader_feed(&c->reader, data + off, n - off, &used, &perr);
        off += used;
        if (r < 0) {
            report_feed_error(c, &perr);
            fl_conn_close(c);
            return -1;
        }
        if (r == 0)
            break;
        conn_take_packet(c);
        vw_packet_reader_trim(&c->reader);
    }
    return (long)off;
}

/* Keeps bytes read past the call that filled max_client_requests: libvirtd would not have read
 * them yet, so they wait until a call is answered (resume_stash). */
static int stash_rest(fl_conn *c, const uint8_t *data, size_t n)
{
    uint8_t *p = malloc(n);
    if (!p)
        return -1;
    memcpy(p, data, n);
    c->stash = p;
    c->stash_len = n;
    c->stash_off = 0;
    return 0;
}

static long long resume_stash(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    fl_conn *c = data;
    c->resume_timer = -1;
    if (!may_take_input(c))
        return VW_EV_NOMORE;   /* update_interest schedules this again when it may */
    long used = conn_feed(c, c->stash + c->stash_off, c->stash_len - c->stash_off);
    if (used < 0)
        return VW_EV_NOMORE;   /* c is gone */
    c->stash_off += (size_t)used;
    if (c->stash_off == c->stash_len) {
        free(c->stash);
        c->stash = NULL;
        c->stash_len = c->stash_off = 0;
    }
    flush_output(c);
    return VW_EV_NOMORE;
}

/* ---- TLS (fl_tls.h) -------------------------------------------------------------------------- */

/* The handshake is done: libvirtd checks the client certificate, then sends one byte 1 in the
 * session to say the client may go on; a refused client is closed without it. */
static void tls_confirm(fl_conn *c)
{
    char why[1024];
    vw_error perr;
    c->tls_handshaking = false;
    if (fl_tls_check_peer(c->tls, why, sizeof(why)) < 0) {
        fprintf(stderr, "fake-libvirtd: connection %llu: %s\n", (unsigned long long)c->id, why);
        fl_conn_close(c);
        return;
    }
    if (vw_out_queue_append(&c->out, "\1", 1, &perr) < 0) {
        fl_conn_close(c);
        return;
    }
    flush_output(c);
}

/* One step of the handshake, from the loop: it waits for the direction GnuTLS asks for. */
static void tls_step(fl_conn *c)
{
    char why[512];
    bool want_write = false;
    int r = fl_tls_handshake(c->tls, &want_write, why, sizeof(why));
    if (r < 0) {
        if (c->srv->verbose)
            fprintf(stderr, "fake-libvirtd: connection %llu: %s\n", (unsigned long long)c->id,
                    why);
        fl_conn_close(c);
        return;
    }
    if (r == 1) {
        vw_evloop_del_file(c->srv->loop, c->fd, VW_EV_WRITABLE);
        tls_confirm(c);
        return;
    }
    if (want_write)
        vw_evloop_add_file(c->srv->loop, c->fd, VW_EV_WRITABLE, conn_writable, c);
    else
        vw_evloop_del_file(c->srv->loop, c->fd, VW_EV_WRITABLE);
}

static long long tls_drain(vw_evloop *loop, long long id, void *data)
{
    (void)id;
    fl_conn *c = data;
    c->tls_timer = -1;
    if (!c->reads_paused)
        conn_readable(loop, c->fd, c, VW_EV_READABLE);
    return VW_EV_NOMORE;
}

static void conn_readable(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)mask;
    (void)fd;
    fl_conn *c = data;
    uint8_t buf[65536];
    if (c->tls_handshaking) {
        tls_step(c);
        return;
    }
    int rounds = 0;
    /* read a bounded amount per wake-up so that one busy client cannot starve the others */
    while (rounds++ < 16 && c->stash_len == 0 && may_take_input(c)) {
        long n = conn_recv(c, buf, sizeof(buf));
        if (n < 0) {
            fl_conn_close(c);
            return;
        }
        if (n == 0)
            break;
        c->last_rx_ms = vw_evloop_now_ms();
        c->pings_unanswered = 0;
        long used = conn_feed(c, buf, (size_t)n);
        if (used < 0)
            return;   /* closed */
        if (used < n && !c->closing) {
            if (stash_rest(c, buf + used, (size_t)(n - used)) < 0) {
                fl_conn_close(c);
                return;
            }
            break;
        }
        if ((size_t)n < sizeof(buf))
            break;
    }
    flush_output(c);
}

static void conn_writable(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    fl_conn *c = data;
    if (c->tls_handshaking)
        tls_step(c);
    else
        flush_output(c);
}

/* Flushes every connection that has queued output (events go to other connections). */
static void flush_all(fl_server *srv)
{
    fl_conn *c = srv->conns;
    while (c) {
        fl_conn *next = c->next;
        if (c->overflowed) {
            if (srv->verbose)
                fprintf(stderr, "fake-libvirtd: connection %llu closed: more than %u bytes of "
                        "events wait for it\n", (unsigned long long)c->id, FL_CONN_OUT_MAX);
            fl_conn_close(c);
        } else if (vw_out_queue_pending(&c->out) || c->closing) {
            flush_output(c);
        } else if (c->reads_paused) {
            update_interest(c);   /* the budget may have room again: reads go on */
        }
        c = next;
    }
    if (srv->budget.held_bytes < srv->budget.lim.memory_budget / 2)
        srv->budget.budget_logged = false;   /* the episode is over: the next one is logged */
}

/* A new client connection on fd (non-blocking), served from now on. Returns 0 (also when the
 * mode refused it: closed at once), or -1 when it could not be set up (fd closed). */
static int conn_new(fl_server *srv, int fd, bool readonly, bool tcp, bool tls, int auth)
{
    fl_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd);
        return -1;
    }
    c->srv = srv;
    c->fd = fd;
    c->id = ++srv->next_conn_id;
    c->readonly = readonly;
    c->tcp = tcp;
    c->ka_timer = -1;
    c->resume_timer = -1;
    c->tls_timer = -1;
    c->auth = auth;
    c->last_rx_ms = vw_evloop_now_ms();
    if (tls && !(c->tls = fl_tls_session_new(srv->tls, fd))) {
        close(fd);
        free(c);
        return -1;
    }
    c->tls_handshaking = c->tls != NULL;
    vw_packet_reader_init(&c->reader, VW_DECODE_LENIENT);
    if (vw_evloop_add_file(srv->loop, fd, VW_EV_READABLE, conn_readable, c) < 0) {
        vw_packet_reader_free(&c->reader);
        fl_tls_session_free(c->tls);
        close(fd);
        free(c);
        return -1;
    }
    c->next = srv->conns;
    srv->conns = c;
    srv->budget.nconns++;
    srv->budget.nanon++;
    if (srv->faults)
        c->fault = fl_faults_conn_open(srv->faults, srv->loop, fault_deliver, c);
    if (srv->mode && srv->mode->open(srv->mode->opaque, c) < 0)
        fl_conn_close(c);
    return 0;
}

/* fl_listener_accept_fn */
static void on_client(void *opaque, const fl_listener *l, int fd)
{
    fl_server *srv = opaque;
    conn_new(srv, fd, l->readonly, l->addr.kind == VW_NETADDR_TCP, l->tls, l->auth);
    check_client_limits(srv);   /* may hold the listeners: their accept loop then ends */
}

static void on_signal(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)mask;
    fl_server *srv = data;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
    }
    srv->stop_requested = true;
}

/* ---- setup ---------------------------------------------------------------------------------- */

/* Binds --listen, --listen-ro and --listen-tls; a read-only socket never asks to authenticate. */
static int add_listeners(fl_server *srv, const fl_server_config *cfg, char *err, size_t errlen)
{
    for (int i = 0; i < cfg->nlisten; i++) {
        vw_netaddr a;
        char why[256];
        bool tcp = vw_netaddr_parse(cfg->listen[i], &a, why, sizeof(why)) == 0 &&
                   a.kind == VW_NETADDR_TCP;
        if (fl_listeners_add(&srv->listeners, cfg->listen[i], false, false,
                             srv->auth[tcp ? 1 : 0], err, errlen) < 0)
            return -1;
    }
    for (int i = 0; i < cfg->nlisten_ro; i++) {
        if (fl_listeners_add(&srv->listeners, cfg->listen_ro[i], true, false,
                             VW_REMOTE_AUTH_NONE, err, errlen) < 0)
            return -1;
    }
    for (int i = 0; i < cfg->nlisten_tls; i++) {
        if (fl_listeners_add(&srv->listeners, cfg->listen_tls[i], false, true, srv->auth[2], err,
                             errlen) < 0)
            return -1;
    }
    return 0;
}

fl_server *fl_server_transport_new(const fl_server_config *cfg, char *err, size_t errlen)
{
    fl_server *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    srv->signal_fd = -1;
    srv->verbose = cfg->verbose;
    srv->mode = cfg->mode;
    fl_budget_init(&srv->budget, &cfg->limits);
    srv->auth[0] = cfg->auth_unix_rw;
    srv->auth[1] = cfg->auth_tcp;
    srv->auth[2] = cfg->auth_tls;
    if (cfg->nlisten_tls && !(srv->tls = fl_tls_ctx_new(cfg->tls ? cfg->tls : &(fl_tls_config){0},
                                                         err, errlen)))
        goto fail;
    if (cfg->nlisten + cfg->nlisten_ro + cfg->nlisten_tls == 0) {
        snprintf(err, errlen, "no socket to listen on: give --listen unix:PATH or tcp:HOST:PORT");
        goto fail;
    }
    /* room for many clients: raise the soft descriptor limit to the hard one */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    srv->loop = vw_evloop_create(1024, err, errlen);
    if (!srv->loop)
        goto fail;
    fl_listeners_init(&srv->listeners, srv->loop, srv->verbose, on_client, srv);
    if (add_listeners(srv, cfg, err, errlen) < 0)
        goto fail;
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
        (srv->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        snprintf(err, errlen, "cannot set up signal handling: %s", strerror(errno));
        goto fail;
    }
    signal(SIGPIPE, SIG_IGN);
    vw_evloop_add_file(srv->loop, srv->signal_fd, VW_EV_READABLE, on_signal, srv);
    return srv;
fail:
    fl_server_transport_free(srv);
    return NULL;
}

int fl_server_run(fl_server *srv)
{
    /* vw_evloop_process rounds, flushing output queued for other connections (events) after
     * each round, until a signal or fl_server_stop */
    while (!srv->stop_requested) {
        if (vw_evloop_process(srv->loop, 1000) < 0)
            return -1;
        flush_all(srv);
    }
    return 0;
}

void fl_server_stop(fl_server *srv)
{
    srv->stop_requested = true;
}

void fl_server_transport_free(fl_server *srv)
{
    if (!srv)
        return;
    while (srv->conns)
        fl_conn_close(srv->conns);
    fl_listeners_close(&srv->listeners);
    if (srv->signal_fd >= 0) {
        if (srv->loop)
            vw_evloop_del_file(srv->loop, srv->signal_fd, VW_EV_READABLE);
        close(srv->signal_fd);
    }
    if (srv->loop)
        vw_evloop_free(srv->loop);
    vw_faults_unref(srv->faults);
    vw_buf_free(&srv->fault_scratch);
    fl_tls_ctx_free(srv->tls);
    free(srv);
}

/* ---- in-process drivers (fuzz targets) ------------------------------------------------------ */

fl_server *fl_server_transport_new_detached(int verbose, char *err, size_t errlen)
{
    fl_server *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    srv->signal_fd = -1;
    srv->verbose = verbose;
    fl_budget_init(&srv->budget, &(fl_limits){.max_anonymous_clients = -1});
    srv->loop = vw_evloop_create(1024, err, errlen);
    if (!srv->loop) {
        free(srv);
        return NULL;
    }
    signal(SIGPIPE, SIG_IGN);
    return srv;
}

int fl_server_adopt_fd(fl_server *srv, int fd, bool readonly)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        close(fd);
        return -1;
    }
    return conn_new(srv, fd, readonly, false, false, VW_REMOTE_AUTH_NONE);
}

int fl_server_run_until_idle(fl_server *srv, int timeout_ms)
{
    while (srv->conns) {
        int n = vw_evloop_process(srv->loop, timeout_ms);
        flush_all(srv);
        if (n <= 0)
            break;
    }
    return srv->budget.nconns;
}

/* ---- for scenario stubs (stubs.c) ------------------------------------------------------------ */

void fl_server_pass_call(fl_conn *c, const vw_packet *pkt, const uint8_t *raw, size_t raw_len)
{
    fl_server *srv = c->srv;
    if (srv->mode)
        mode_message(srv, c, pkt, raw, raw_len);
    else
        handle_packet(c, pkt);
}

void fl_conn_call_deferred(fl_conn *c)
{
    c->calls_pending++;   /* conn_feed stops at max_client_requests */
}

void fl_server_call_answered(fl_server *srv, uint64_t conn_id)
{
    fl_conn *c = fl_server_find_conn(srv, conn_id);
    if (!c || c->calls_pending == 0)
        return;
    c->calls_pending--;
    update_interest(c);   /* reads (and the stash) go on below the limit */
}

fl_conn *fl_server_find_conn(fl_server *srv, uint64_t id)
{
    for (fl_conn *c = srv->conns; c; c = c->next)
        if (c->id == id)
            return c;
    return NULL;
}

int fl_conn_flush(fl_conn *c)
{
    return flush_output(c);
}
