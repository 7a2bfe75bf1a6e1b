/* server.c: sockets, connections, framing, keepalive and event delivery (see server.h). */
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

#include "acceptor.h"
#include "dispatch.h"
#include "fl_faults.h"
#include "fl_sasl.h"
#include "stubs.h"
#include "netaddr.h"
#include "qemu_link.h"
#include "state_file.h"
#include "vw_util.h"

typedef struct {
    struct fl_server *srv;
    int fd;
    bool readonly;
    bool tls;                     /* --listen-tls: clients start with the TLS handshake */
    int auth;                     /* VW_REMOTE_AUTH_*: what AUTH_LIST answers its clients */
    vw_netaddr addr;
    vw_acceptor acc;              /* rests when out of descriptors, held at the client limits */
} fl_listener;

/* A lifecycle event waiting to be delivered after the current call's reply. */
typedef struct fl_pending_event {
    fl_model *model;
    char *name;
    unsigned char uuid[16];
    int id;
    int event, detail;
    struct fl_pending_event *next;
} fl_pending_event;

struct fl_server {
    vw_evloop *loop;
    fl_listener listeners[3 * FL_MAX_LISTENERS];
    int nlisteners;
    int signal_fd;
    fl_conn *conns;
    uint64_t next_conn_id;
    int nconns;
    int nanon;                    /* connections not yet past AUTH_LIST / CONNECT_OPEN */
    fl_limits limits;             /* with the defaults filled in */
    bool accept_held;             /* the listeners are held at max_clients / max_anonymous */
    size_t held_bytes;            /* queued input and output of all connections (account) */
    bool budget_logged;           /* one stderr line per episode over the memory budget */
    char *state_text;             /* the --state file's content, NULL = built-in default */
    char *state_origin;
    fl_model *test_model;         /* shared by test:// connections */
    int test_refs;
    fl_model *other_model;        /* every other URI; lives as long as the daemon */
    int next_callback_id;
    fl_pending_event *pending, **pending_tail;
    int verbose;
    bool stop_requested;
    struct fl_qemu *qemu;         /* --qemu-dir (qemu_link.c); NULL = built-in monitor */
    const vw_mode_hooks *mode;    /* record / replay; NULL = model */
    struct fl_stubs *stubs;       /* scenario stubs (stubs.c); NULL = none */
    vw_faults *faults;            /* --faults / set_faults (fl_faults.c); NULL = none */
    vw_buf fault_scratch;         /* a packet encoded for the fault hook */
    fl_tls_ctx *tls;              /* --listen-tls credentials; NULL = no TLS listener */
    int auth[3];                  /* auth type of unix rw, tcp and tls listeners */
};

static void conn_readable(vw_evloop *loop, int fd, void *data, int mask);
static void conn_writable(vw_evloop *loop, int fd, void *data, int mask);
static void conn_close(fl_conn *c);
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

/* ---- models --------------------------------------------------------------------------------- */

static void event_hook(fl_model *model, const fl_domain *dom, int event, int detail, void *opaque)
{
    fl_server *srv = opaque;
    fl_pending_event *e = calloc(1, sizeof(*e));
    if (!e)
        return;
    e->name = strdup(dom->def->name);
    if (!e->name) {
        free(e);
        return;
    }
    e->model = model;
    memcpy(e->uuid, dom->def->uuid, 16);
    e->id = dom->id;
    e->event = event;
    e->detail = detail;
    *srv->pending_tail = e;
    srv->pending_tail = &e->next;
}

static fl_model *build_model(fl_server *srv, char *err, size_t errlen)
{
    fl_model *m;
    if (srv->state_text)
        m = fl_state_parse(srv->state_text, srv->state_origin, err, errlen);
    else if (!(m = fl_model_new_default()))
        snprintf(err, errlen, "out of memory while building the default state");
    if (m) {
        m->event_hook = event_hook;
        m->event_opaque = srv;
    }
    return m;
}

int fl_server_open_model(fl_server *srv, fl_conn *c, const char *uri, fl_error *err)
{
    char why[512];
    bool test = strncmp(uri, "test:", 5) == 0;
    fl_model **slot = test ? &srv->test_model : &srv->other_model;
    if (!*slot) {
        *slot = build_model(srv, why, sizeof(why));
        if (!*slot) {
            fl_error_set(err, FL_ERR_INTERNAL_ERROR, FL_FROM_TEST, "internal error", "%s", why);
            return -1;
        }
    }
    c->model = *slot;
    c->test_driver = test;
    if (test)
        srv->test_refs++;
    /* the hypervisor type is the URI scheme in capitals (test -> TEST, qemu -> QEMU) */
    size_t i = 0;
    for (; uri[i] && uri[i] != ':' && uri[i] != '+' && i + 1 < sizeof(c->hv_type); i++)
        c->hv_type[i] = (char)((uri[i] >= 'a' && uri[i] <= 'z') ? uri[i] - 32 : uri[i]);
    c->hv_type[i] = '\0';
    return 0;
}

void fl_server_close_model(fl_server *srv, fl_conn *c)
{
    if (!c->model)
        return;
    if (c->test_driver && --srv->test_refs == 0) {
        /* test:///default: the state goes away with the last connection */
        fl_pending_event **pp = &srv->pending;
        while (*pp) {
            if ((*pp)->model == srv->test_model) {
                fl_pending_event *e = *pp;
                *pp = e->next;
                free(e->name);
                free(e);
            } else {
                pp = &(*pp)->next;
            }
        }
        srv->pending_tail = &srv->pending;
        while (*srv->pending_tail)
            srv->pending_tail = &(*srv->pending_tail)->next;
        fl_model_free(srv->test_model);
        srv->test_model = NULL;
    }
    c->model = NULL;
    c->opened = false;
    c->ncallbacks = 0;
}

int fl_server_verbose(const fl_server *srv)
{
    return srv->verbose;
}

int fl_server_next_callback_id(fl_server *srv)
{
    return srv->next_callback_id++;
}

struct fl_qemu *fl_server_qemu(fl_server *srv)
{
    return srv->qemu;
}

fl_conn *fl_server_conns(fl_server *srv)
{
    return srv->conns;
}

static void flush_events(fl_server *srv);

void fl_server_flush_events(fl_server *srv)
{
    flush_events(srv);
}

static void deliver_event(fl_server *srv, const fl_pending_event *e)
{
    for (fl_conn *c = srv->conns; c; c = c->next) {
        if (c->model != e->model || c->closing)
            continue;
        for (int i = 0; i < c->ncallbacks; i++) {
            const fl_callback *cb = &c->callbacks[i];
            if (cb->qemu_monitor || cb->object != FL_CB_DOMAIN ||
                cb->event_id != 0 /* LIFECYCLE */)
                continue;
            if (cb->has_dom && memcmp(cb->dom_uuid, e->uuid, 16) != 0)
                continue;
            vw_domain_event_lifecycle_msg msg;
            memset(&msg, 0, sizeof(msg));
            msg.dom.name = e->name;
            memcpy(msg.dom.uuid, e->uuid, 16);
            msg.dom.id = e->id;
            msg.event = e->event;
            msg.detail = e->detail;
            if (cb->legacy) {
                fl_conn_send_message(c, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE,
                                     (xdrproc_t)xdr_vw_domain_event_lifecycle_msg, &msg);
            } else {
                vw_domain_event_callback_lifecycle_msg cmsg;
                cmsg.callbackID = cb->callback_id;
                cmsg.msg = msg;
                fl_conn_send_message(c, VW_REMOTE_PROGRAM,
                                     VW_REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
                                     (xdrproc_t)xdr_vw_domain_event_callback_lifecycle_msg, &cmsg);
            }
        }
    }
}

static void flush_events(fl_server *srv)
{
    while (srv->pending) {
        fl_pending_event *e = srv->pending;
        srv->pending = e->next;
        if (!srv->pending)
            srv->pending_tail = &srv->pending;
        deliver_event(srv, e);
        free(e->name);
        free(e);
    }
}

/* ---- limits (docs/fake-libvirtd.md, "Limits") ------------------------------------------------ */

static void limits_fill_defaults(fl_limits *l, const fl_limits *given)
{
    *l = *given;
    if (l->max_clients <= 0)
        l->max_clients = FL_MAX_CLIENTS;
    if (l->max_anonymous_clients < 0)
        l->max_anonymous_clients = FL_MAX_ANONYMOUS_CLIENTS;
    if (l->max_client_requests <= 0)
        l->max_client_requests = FL_MAX_CLIENT_REQUESTS;
    if (l->memory_budget == 0)
        l->memory_budget = FL_MEMORY_BUDGET;
}

/* What c holds in memory: its reader's buffer, bytes read and not fed yet, its output queue. */
static size_t conn_held(const fl_conn *c)
{
    return c->reader.cap + c->stash_len + c->out.cap;
}

/* Brings the server's total up to date with c (after anything that changed c's buffers). */
static void account(fl_conn *c)
{
    size_t now = conn_held(c);
    c->srv->held_bytes = c->srv->held_bytes - c->accounted + now;
    c->accounted = now;
}

/* The largest packet c may start now: what the budget leaves after every other connection and
 * c's own output, but never less than FL_SMALL_PACKET, so that a well-behaved client is served
 * even while others hold the whole budget with half-sent packets. */
static uint32_t admit_limit(const fl_conn *c)
{
    const fl_server *srv = c->srv;
    size_t used = srv->held_bytes - c->accounted + c->out.cap + c->stash_len;
    size_t room = srv->limits.memory_budget > used ? srv->limits.memory_budget - used : 0;
    if (room < FL_SMALL_PACKET)
        room = FL_SMALL_PACKET;
    return room > UINT32_MAX ? UINT32_MAX : (uint32_t)room;
}

static bool over_budget(const fl_server *srv)
{
    return srv->held_bytes > srv->limits.memory_budget;
}

/* libvirtd stops reading a client with max_client_requests calls unanswered. */
static bool calls_full(const fl_conn *c)
{
    return c->calls_pending >= c->srv->limits.max_client_requests;
}

/* libvirtd suspends its listening services while max_clients are connected or
 * max_anonymous_clients wait for authentication, and resumes them when one goes
 * (virnetserver.c); so do we, with one stderr line each time it starts. */
static void check_client_limits(fl_server *srv)
{
    const fl_limits *lim = &srv->limits;
    bool full = srv->nconns >= lim->max_clients;
    bool anon_full = lim->max_anonymous_clients > 0 && srv->nanon >= lim->max_anonymous_clients;
    bool hold = full || anon_full;
    if (hold == srv->accept_held)
        return;
    srv->accept_held = hold;
    for (int i = 0; i < srv->nlisteners; i++)
        vw_acceptor_hold(&srv->listeners[i].acc, hold);
    if (!hold)
        return;
    if (full)
        fprintf(stderr, "fake-libvirtd: %d clients connected (--max-clients %ld): not accepting "
                "new clients until one goes\n", srv->nconns, lim->max_clients);
    else
        fprintf(stderr, "fake-libvirtd: %d clients have not opened a connection yet "
                "(--max-anonymous-clients %ld): not accepting new clients until one opens or "
                "goes\n", srv->nanon, lim->max_anonymous_clients);
}

/* libvirtd counts a client as anonymous until it has authenticated; with auth "none" (the only
 * one here) it never does. We count a client until its authentication step or its open: an
 * answered AUTH_LIST (whose answer is "none"), or a CONNECT_OPEN (model: one that succeeded; a
 * stub or a mode that answers the open itself is taken at its word). So max_anonymous_clients
 * bounds the clients that connect and say nothing, as it does in a daemon with authentication. */
static void note_open(fl_conn *c, const vw_packet *pkt, bool model)
{
    if (c->past_open || pkt->hdr.prog != VW_REMOTE_PROGRAM)
        return;
    bool auth = pkt->hdr.proc == VW_REMOTE_PROC_AUTH_LIST && c->auth == VW_REMOTE_AUTH_NONE;
    bool open = model ? c->opened : pkt->hdr.proc == VW_REMOTE_PROC_CONNECT_OPEN;
    if (!auth && !open)
        return;
    c->past_open = true;
    c->srv->nanon--;
    check_client_limits(c->srv);
}

void fl_conn_authenticated(fl_conn *c)
{
    c->authenticated = true;
    if (c->past_open)
        return;
    c->past_open = true;
    c->srv->nanon--;
    check_client_limits(c->srv);
}

/* ---- output --------------------------------------------------------------------------------- */

static long long resume_stash(vw_evloop *loop, long long id, void *data);

/* May c's input be taken now? Not while its output backs up, while its replies would grow the
 * output of a server over its memory budget, or with max_client_requests calls unanswered. */
static bool may_take_input(const fl_conn *c)
{
    size_t pending = c->out.len - c->out_off;
    return pending < FL_CONN_OUT_HIGH && !c->closing && !c->mode_holds_reads &&
           !calls_full(c) && !(pending > 0 && over_budget(c->srv));
}

static void update_interest(fl_conn *c)
{
    fl_server *srv = c->srv;
    size_t pending = c->out.len - c->out_off;
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

/* Writes what the socket takes. Returns -1 if the connection was closed. */
static int flush_output(fl_conn *c)
{
    while (c->out_off < c->out.len) {
        long n = conn_send(c, c->out.data + c->out_off, c->out.len - c->out_off);
        if (n < 0) {
            conn_close(c);
            return -1;
        }
        if (n == 0)
            break;
        c->out_off += (size_t)n;
    }
    if (c->out_off == c->out.len) {
        vw_buf_reset(&c->out);
        c->out_off = 0;
        if (c->sasl_layer == FL_SASL_LAYER_AFTER_REPLY)
            c->sasl_layer = FL_SASL_LAYER_ON;   /* the clear reply that ended SASL is out */
        if (c->closing && !fl_faults_pending(c)) {   /* delayed output goes first */
            conn_close(c);
            return -1;
        }
        /* give back memory after a large reply */
        if (c->out.cap > 1024 * 1024)
            vw_buf_free(&c->out);
    } else if (c->out_off > 65536 && c->out_off > c->out.len / 2) {
        /* a reader that never catches up fully: drop what was written */
        memmove(c->out.data, c->out.data + c->out_off, c->out.len - c->out_off);
        c->out.len -= c->out_off;
        c->out_off = 0;
    }
    update_interest(c);
    return 0;
}

static void queue_packet(fl_conn *c, const vw_packet_header *hdr, xdrproc_t proc, const void *obj)
{
    vw_proto_error perr;
    size_t queued = c->out.len - c->out_off;
    if (hdr->type == VW_NET_MESSAGE &&
        (queued > FL_CONN_OUT_MAX || (queued > FL_CONN_OUT_HIGH && over_budget(c->srv)))) {
        /* events pile up for a client that does not read: it is dropped (flush_all), at its
         * own limit, or sooner when all clients together are over the memory budget */
        c->overflowed = true;
        return;
    }
    /* with faults, every packet goes through fl_conn_queue_bytes (the fault hook); without,
     * it is encoded in place, which is the same bytes without a copy */
    vw_buf *dst = c->fault ? &c->srv->fault_scratch : &c->out;
    if (c->fault)
        vw_buf_reset(dst);
    if (vw_packet_encode(dst, hdr, 0, proc, obj, &perr) == 0) {
        if (c->fault)
            fl_conn_queue_bytes(c, dst->data, dst->len);
    } else {
        /* the reply could not be encoded (too large): tell the caller instead */
        if (hdr->type == VW_NET_REPLY && hdr->status == VW_NET_OK) {
            fl_error e;
            fl_error_set(&e, FL_ERR_RPC, FL_FROM_RPC, "", "%s", perr.text);
            fl_conn_reply_error(c, hdr, &e);
        } else if (c->srv->verbose) {
            fprintf(stderr, "fake-libvirtd: connection %llu: cannot encode a message: %s\n",
                    (unsigned long long)c->id, perr.text);
        }
    }
}

void fl_conn_reply(fl_conn *c, const vw_packet_header *call, xdrproc_t proc, const void *ret)
{
    vw_packet_header hdr = *call;
    hdr.type = VW_NET_REPLY;
    hdr.status = VW_NET_OK;
    queue_packet(c, &hdr, proc ? proc : VW_XDR_VOID, ret);
}

void fl_conn_reply_error(fl_conn *c, const vw_packet_header *call, const fl_error *err)
{
    vw_packet_header hdr = *call;
    hdr.type = VW_NET_REPLY;
    hdr.status = VW_NET_ERROR;
    vw_remote_error re;
    memset(&re, 0, sizeof(re));
    char *message = (char *)err->message;
    char *str1 = (char *)err->str1;
    char *str2 = (char *)err->str2;
    re.code = err->code;
    re.domain = err->domain;
    re.message = &message;
    re.level = 2; /* VIR_ERR_ERROR */
    re.str1 = err->str1[0] ? &str1 : NULL;
    re.str2 = err->str2[0] ? &str2 : NULL;
    re.int1 = err->int1;
    re.int2 = err->int2;
    queue_packet(c, &hdr, (xdrproc_t)xdr_vw_remote_error, &re);
}

void fl_conn_send_message(fl_conn *c, uint32_t prog, int32_t proc, xdrproc_t xproc,
                          const void *msg)
{
    /* libvirtd 9.0.0 sends its event messages with serial 1 (virnetprotocol.x says 0) */
    vw_packet_header hdr = {.prog = prog, .vers = 1, .proc = proc, .type = VW_NET_MESSAGE,
                            .serial = 1, .status = VW_NET_OK};
    queue_packet(c, &hdr, xproc, msg);
}

int fl_conn_queue_bytes(fl_conn *c, const void *data, size_t n)
{
    vw_proto_error perr;
    if (c->fault && fl_faults_output(c, data, n))
        return 0;   /* held, rewritten or dropped by a fault; released through fault_deliver */
    if (vw_buf_append(&c->out, data, n, &perr) < 0) {
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

/* ---- keepalive ------------------------------------------------------------------------------ */

/* A PING or PONG; with faults it goes through the fault hook (keepalive silence drops it). */
static void queue_keepalive(fl_conn *c, int32_t proc)
{
    vw_proto_error perr;
    if (!c->fault) {
        vw_packet_encode_keepalive(&c->out, proc, &perr);
        return;
    }
    vw_buf *b = &c->srv->fault_scratch;
    vw_buf_reset(b);
    if (vw_packet_encode_keepalive(b, proc, &perr) == 0)
        fl_conn_queue_bytes(c, b->data, b->len);
}

static long long keepalive_tick(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    fl_conn *c = data;
    long long now = vw_evloop_now_ms();
    long long idle = now - c->last_rx_ms;
    if (idle < FL_KEEPALIVE_INTERVAL_MS)
        return FL_KEEPALIVE_INTERVAL_MS - idle;
    if (c->pings_unanswered >= FL_KEEPALIVE_COUNT) {
        if (c->srv->verbose)
            fprintf(stderr, "fake-libvirtd: connection %llu closed due to keepalive timeout\n",
                    (unsigned long long)c->id);
        c->ka_timer = -1;
        conn_close(c);
        return VW_EV_NOMORE;
    }
    if (fl_faults_keepalive_silent(c))
        return FL_KEEPALIVE_INTERVAL_MS;   /* fault: this server has stopped pinging */
    queue_keepalive(c, VW_KEEPALIVE_PROC_PING);
    c->pings_unanswered++;
    if (flush_output(c) < 0)
        return VW_EV_NOMORE; /* conn_close removed this timer already */
    return FL_KEEPALIVE_INTERVAL_MS;
}

void fl_server_start_keepalive(fl_server *srv, fl_conn *c)
{
    if (c->keepalive)
        return;
    c->keepalive = true;
    c->ka_timer = vw_evloop_add_timer(srv->loop, FL_KEEPALIVE_INTERVAL_MS, keepalive_tick, c, NULL);
}

/* ---- connections ---------------------------------------------------------------------------- */

static void conn_close(fl_conn *c)
{
    fl_server *srv = c->srv;
    if (c->fd < 0)
        return;
    if (srv->mode)
        srv->mode->closed(srv->mode->opaque, c);
    fl_faults_conn_close(c);
    fl_server_close_model(srv, c);
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
    srv->nconns--;
    if (!c->past_open)
        srv->nanon--;
    srv->held_bytes -= c->accounted;
    free(c->stash);
    check_client_limits(srv);
    vw_packet_reader_free(&c->reader);
    vw_buf_free(&c->out);
    free(c->callbacks);
    free(c->uri);
    free(c->migrate_xml);
    free(c);
}

/* The fault layer's output (common/faults.h), from its timer: released bytes, a close, a reset. */
static void fault_deliver(void *opaque, int what, const void *data, size_t len)
{
    fl_conn *c = opaque;
    vw_proto_error perr;
    if (what == VW_FAULT_OUT_DATA) {
        if (vw_buf_append(&c->out, data, len, &perr) == 0)
            flush_output(c);
    } else if (what == VW_FAULT_OUT_RESET) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};   /* close sends RST */
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        conn_close(c);
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
        if (pkt->hdr.type == VW_NET_MESSAGE && pkt->hdr.proc == VW_KEEPALIVE_PROC_PING)
            queue_keepalive(c, VW_KEEPALIVE_PROC_PONG);
        return; /* PONG and unknown keepalive procedures need no answer */
    }
    if (pkt->hdr.type != VW_NET_CALL && pkt->hdr.type != VW_NET_CALL_WITH_FDS) {
        /* libvirtd ignores stray MESSAGE / STREAM packets that belong to no stream */
        return;
    }
    fl_dispatch_call(c, pkt);
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
    vw_proto_error perr;
    const uint8_t *raw = NULL;
    size_t raw_len = 0;
    int t = vw_packet_reader_take(&c->reader, &pkt, &raw, &raw_len, &perr);
    if (t == 1 && c->fault && fl_faults_input(c, &pkt, &raw, &raw_len))
        return;   /* taken by a fault (docs/faults.md) */
    if (t == 1 && srv->stubs && pkt.hdr.prog != VW_KEEPALIVE_PROGRAM &&
        (pkt.hdr.type == VW_NET_CALL || pkt.hdr.type == VW_NET_CALL_WITH_FDS) &&
        fl_stubs_handle(srv->stubs, c, &pkt, raw, raw_len)) {
        /* scenario stubs come first, in every mode (fake-libvirtd/stubs.c) */
        note_open(c, &pkt, false);
        flush_events(srv);
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
        flush_events(srv);
    }
}

/* A feed failed: a bad length word (logged with --verbose), or a packet over the memory budget
 * (one line on stderr per episode, flush_all starts the next). */
static void report_feed_error(fl_conn *c, const vw_proto_error *perr)
{
    fl_server *srv = c->srv;
    if (c->reader.over_max_len && !srv->budget_logged) {
        srv->budget_logged = true;
        fprintf(stderr, "fake-libvirtd: connection %llu: %s: the queued input and output of all "
                "clients would exceed the memory budget (%zu bytes); closing such clients\n",
                (unsigned long long)c->id, perr->text, srv->limits.memory_budget);
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
        vw_proto_error perr;
        c->reader.max_len = admit_limit(c);   /* checked before the reader allocates */
        int r = vw_packet_reader_feed(&c->reader, data + off, n - off, &used, &perr);
        off += used;
        if (r < 0) {
            report_feed_error(c, &perr);
            conn_close(c);
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
    vw_proto_error perr;
    c->tls_handshaking = false;
    if (fl_tls_check_peer(c->tls, why, sizeof(why)) < 0) {
        fprintf(stderr, "fake-libvirtd: connection %llu: %s\n", (unsigned long long)c->id, why);
        conn_close(c);
        return;
    }
    if (vw_buf_append(&c->out, "\1", 1, &perr) < 0) {
        conn_close(c);
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
        conn_close(c);
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
            conn_close(c);
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
                conn_close(c);
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
            conn_close(c);
        } else if (c->out.len > c->out_off || c->closing) {
            flush_output(c);
        } else if (c->reads_paused) {
            update_interest(c);   /* the budget may have room again: reads go on */
        }
        c = next;
    }
    if (srv->held_bytes < srv->limits.memory_budget / 2)
        srv->budget_logged = false;   /* the episode is over: the next one is logged */
}

static void accept_clients(fl_server *srv, fl_listener *l)
{
    for (int i = 0; i < 64; i++) {
        char err[256];
        int fd = vw_acceptor_accept(&l->acc, err, sizeof(err));
        if (fd == -2)
            return;
        if (fd < 0) {
            if (srv->verbose)
                fprintf(stderr, "fake-libvirtd: %s\n", err);
            return;
        }
        fl_conn *c = calloc(1, sizeof(*c));
        if (!c) {
            close(fd);
            return;
        }
        c->srv = srv;
        c->fd = fd;
        c->id = ++srv->next_conn_id;
        c->readonly = l->readonly;
        c->tcp = l->addr.kind == VW_NETADDR_TCP;
        c->ka_timer = -1;
        c->resume_timer = -1;
        c->tls_timer = -1;
        if (l->tls && !(c->tls = fl_tls_session_new(srv->tls, fd))) {
            close(fd);
            free(c);
            continue;
        }
        c->tls_handshaking = c->tls != NULL;
        c->auth = l->auth;
        c->last_rx_ms = vw_evloop_now_ms();
        vw_packet_reader_init(&c->reader, VW_DECODE_LENIENT);
        if (vw_evloop_add_file(srv->loop, fd, VW_EV_READABLE, conn_readable, c) < 0) {
            vw_packet_reader_free(&c->reader);
            fl_tls_session_free(c->tls);
            close(fd);
            free(c);
            continue;
        }
        c->next = srv->conns;
        srv->conns = c;
        srv->nconns++;
        srv->nanon++;
        if (srv->faults)
            fl_faults_conn_open(c, srv->faults, srv->loop, fault_deliver);
        if (srv->mode && srv->mode->open(srv->mode->opaque, c) < 0)
            conn_close(c);
        check_client_limits(srv);   /* may hold this listener: the loop then ends */
    }
}

static void on_accept(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    fl_listener *l = data;
    accept_clients(l->srv, l);
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

static int add_listener(fl_server *srv, const char *spec, bool readonly, bool tls, char *err,
                        size_t errlen)
{
    fl_listener *l = &srv->listeners[srv->nlisteners];
    char why[512];
    const char *opt = tls ? "--listen-tls" : readonly ? "--listen-ro" : "--listen";
    if (vw_netaddr_parse(spec, &l->addr, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s %s: %s", opt, spec, why);
        return -1;
    }
    if (readonly && l->addr.kind != VW_NETADDR_UNIX) {
        snprintf(err, errlen, "--listen-ro %s: the read-only socket must be unix:PATH", spec);
        return -1;
    }
    if (tls && l->addr.kind != VW_NETADDR_TCP) {
        snprintf(err, errlen, "--listen-tls %s: TLS is served on tcp:HOST:PORT", spec);
        return -1;
    }
    l->tls = tls;
    l->auth = readonly ? VW_REMOTE_AUTH_NONE
                       : srv->auth[tls ? 2 : l->addr.kind == VW_NETADDR_TCP ? 1 : 0];
    l->fd = vw_netaddr_listen(&l->addr, 1024, why, sizeof(why));
    if (l->fd < 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    if (l->addr.kind == VW_NETADDR_UNIX &&
        chmod(l->addr.path, readonly ? 0666 : 0600) < 0) {
        snprintf(err, errlen, "cannot set the mode of socket %s: %s", l->addr.path,
                 strerror(errno));
        close(l->fd);
        unlink(l->addr.path);
        return -1;
    }
    l->readonly = readonly;
    l->srv = srv;
    char name[160];
    snprintf(name, sizeof(name), "fake-libvirtd: %s", spec);
    if (vw_acceptor_init(&l->acc, srv->loop, l->fd, on_accept, l, name) < 0) {
        snprintf(err, errlen, "cannot watch the socket %s: %s", spec, strerror(errno));
        close(l->fd);
        if (l->addr.kind == VW_NETADDR_UNIX)
            unlink(l->addr.path);
        return -1;
    }
    srv->nlisteners++;
    return 0;
}

static char *read_file(const char *path, char *err, size_t errlen)
{
    char why[256];
    char *text = vw_read_file(path, 64u << 20, NULL, why, sizeof(why));
    if (!text)
        snprintf(err, errlen, "--state %s: %s", path, why);
    return text;
}

fl_server *fl_server_new(const fl_server_config *cfg, char *err, size_t errlen)
{
    fl_server *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    srv->signal_fd = -1;
    srv->pending_tail = &srv->pending;
    srv->verbose = cfg->verbose;
    srv->next_callback_id = 1;
    srv->mode = cfg->mode;
    limits_fill_defaults(&srv->limits, &cfg->limits);
    if (cfg->state_file) {
        srv->state_text = read_file(cfg->state_file, err, errlen);
        srv->state_origin = strdup(cfg->state_file);
        if (!srv->state_text || !srv->state_origin)
            goto fail;
        /* check it now so that a bad file is reported at start-up */
        fl_model *m = fl_state_parse(srv->state_text, srv->state_origin, err, errlen);
        if (!m)
            goto fail;
        fl_model_free(m);
    }
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
    for (int i = 0; i < cfg->nlisten; i++) {
        if (add_listener(srv, cfg->listen[i], false, false, err, errlen) < 0)
            goto fail;
    }
    for (int i = 0; i < cfg->nlisten_ro; i++) {
        if (add_listener(srv, cfg->listen_ro[i], true, false, err, errlen) < 0)
            goto fail;
    }
    for (int i = 0; i < cfg->nlisten_tls; i++) {
        if (add_listener(srv, cfg->listen_tls[i], false, true, err, errlen) < 0)
            goto fail;
    }
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
    if (cfg->qemu_dir) {
        fl_qemu_config qc = {cfg->qemu_dir, cfg->fake_qemu, cfg->qemu_version, cfg->verbose};
        if (!(srv->qemu = fl_qemu_new(&qc, srv->loop, srv, err, errlen)))
            goto fail;
    }
    return srv;
fail:
    fl_server_free(srv);
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

void fl_server_free(fl_server *srv)
{
    if (!srv)
        return;
    fl_qemu_free(srv->qemu); /* SIGTERM to the fake-qemu processes we started, and reap them */
    srv->qemu = NULL;
    while (srv->conns)
        conn_close(srv->conns);
    for (int i = 0; i < srv->nlisteners; i++) {
        fl_listener *l = &srv->listeners[i];
        vw_acceptor_fini(&l->acc);
        close(l->fd);
        if (l->addr.kind == VW_NETADDR_UNIX)
            unlink(l->addr.path);
    }
    if (srv->signal_fd >= 0) {
        if (srv->loop)
            vw_evloop_del_file(srv->loop, srv->signal_fd, VW_EV_READABLE);
        close(srv->signal_fd);
    }
    while (srv->pending) {
        fl_pending_event *e = srv->pending;
        srv->pending = e->next;
        free(e->name);
        free(e);
    }
    fl_model_free(srv->test_model);
    fl_model_free(srv->other_model);
    if (srv->loop)
        vw_evloop_free(srv->loop);
    free(srv->state_text);
    free(srv->state_origin);
    vw_faults_unref(srv->faults);
    vw_buf_free(&srv->fault_scratch);
    fl_tls_ctx_free(srv->tls);
    free(srv);
}

/* ---- in-process drivers (fuzz targets) ------------------------------------------------------ */

fl_server *fl_server_new_detached(const char *state_file, int verbose, char *err, size_t errlen)
{
    fl_server *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    srv->signal_fd = -1;
    srv->pending_tail = &srv->pending;
    srv->verbose = verbose;
    srv->next_callback_id = 1;
    limits_fill_defaults(&srv->limits, &(fl_limits){.max_anonymous_clients = -1});
    if (state_file) {
        srv->state_text = read_file(state_file, err, errlen);
        srv->state_origin = strdup(state_file);
        if (!srv->state_text || !srv->state_origin)
            goto fail;
    }
    srv->loop = vw_evloop_create(1024, err, errlen);
    if (!srv->loop)
        goto fail;
    signal(SIGPIPE, SIG_IGN);
    return srv;
fail:
    fl_server_free(srv);
    return NULL;
}

int fl_server_adopt_fd(fl_server *srv, int fd, bool readonly)
{
    int fl = fcntl(fd, F_GETFL);
    fl_conn *c = fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 ? calloc(1, sizeof(*c)) : NULL;
    if (!c) {
        close(fd);
        return -1;
    }
    c->srv = srv;
    c->fd = fd;
    c->id = ++srv->next_conn_id;
    c->readonly = readonly;
    c->ka_timer = -1;
    c->resume_timer = -1;
    c->tls_timer = -1;
    c->last_rx_ms = vw_evloop_now_ms();
    vw_packet_reader_init(&c->reader, VW_DECODE_LENIENT);
    if (vw_evloop_add_file(srv->loop, fd, VW_EV_READABLE, conn_readable, c) < 0) {
        vw_packet_reader_free(&c->reader);
        close(fd);
        free(c);
        return -1;
    }
    c->next = srv->conns;
    srv->conns = c;
    srv->nconns++;
    srv->nanon++;
    if (srv->faults)
        fl_faults_conn_open(c, srv->faults, srv->loop, fault_deliver);
    if (srv->mode && srv->mode->open(srv->mode->opaque, c) < 0)
        conn_close(c);   /* as accept_clients: adopted, and closed as the mode wanted */
    return 0;
}

int fl_server_run_until_idle(fl_server *srv, int timeout_ms)
{
    while (srv->conns) {
        int n = vw_evloop_process(srv->loop, timeout_ms);
        flush_all(srv);
        if (n <= 0)
            break;
    }
    return srv->nconns;
}

/* ---- for scenario stubs (stubs.c) ------------------------------------------------------------ */

void fl_server_set_stubs(fl_server *srv, struct fl_stubs *stubs)
{
    srv->stubs = stubs;
}

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

void fl_server_queue_lifecycle(fl_server *srv, fl_model *model, const char *name,
                               const unsigned char uuid[16], int id, int event, int detail)
{
    fl_pending_event *e = calloc(1, sizeof(*e));
    if (!e)
        return;
    e->name = strdup(name);
    if (!e->name) {
        free(e);
        return;
    }
    e->model = model;
    memcpy(e->uuid, uuid, 16);
    e->id = id;
    e->event = event;
    e->detail = detail;
    *srv->pending_tail = e;
    srv->pending_tail = &e->next;
}

int fl_conn_flush(fl_conn *c)
{
    return flush_output(c);
}

/* Rebuilds a model in place of old: every connection that used old uses the new one. */
static int replace_model(fl_server *srv, fl_model **slot, char *err, size_t errlen)
{
    if (!*slot)
        return 0;
    fl_model *fresh = build_model(srv, err, errlen);
    if (!fresh)
        return -1;
    fl_model *old = *slot;
    for (fl_conn *c = srv->conns; c; c = c->next)
        if (c->model == old)
            c->model = fresh;
    for (fl_pending_event *e = srv->pending; e; e = e->next)
        if (e->model == old)
            e->model = fresh;
    fl_model_free(old);
    *slot = fresh;
    return 0;
}

int fl_server_reset_models(fl_server *srv, char *err, size_t errlen)
{
    if (replace_model(srv, &srv->test_model, err, errlen) < 0)
        return -1;
    /* --qemu-dir links QEMU processes to the domains of the qemu:// model: that one stays */
    if (fl_server_qemu(srv))
        return 1;
    if (replace_model(srv, &srv->other_model, err, errlen) < 0)
        return -1;
    return 0;
}
