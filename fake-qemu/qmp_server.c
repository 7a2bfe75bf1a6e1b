/* qmp_server.c: the QMP monitor of fake-qemu, see qmp_server.h. */
#include "qmp_server.h"
#include "acceptor.h"
#include "netaddr.h"
#include "qmp_dispatch.h"
#include "qmp_json.h"
#include "fq_faults.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define READ_CHUNK       65536
#define OUT_HIGH_WATER   (1u << 20)     /* stop parsing input while this much output waits */
#define IN_MAX_PENDING   (8u << 20)     /* unparsed input held while paused */

typedef struct conn {
    qmp_server *srv;
    int fd;
    vw_qmp_streamer *streamer;
    char *out;
    size_t out_len, out_off, out_cap;
    char *in;                 /* input read but not yet fed (while paused) */
    size_t in_len, in_cap;
    qmp_session sess;         /* negotiation (qmp_dispatch.c) */
    int closing;              /* quit: close once the output is flushed */
    int reading;              /* READABLE registered */
    int feeding;              /* inside vw_qmp_streamer_feed: never free c here */
    int held;                 /* a stub's delayed answer is pending: no input is fed */
    int overflowed;           /* output went over the memory budget: closed at conn_write */
    unsigned long long id;    /* connection number, for stubs' timers (qmp_conn_id) */
    fq_fault_conn *fault;     /* fault injection (fq_faults.c); NULL = none */
} conn;

struct qmp_server {
    vw_evloop *loop;
    int listen_fd;
    vw_acceptor acc;              /* rests when out of descriptors (acceptor.h) */
    char *unix_path;
    qmp_dispatcher disp;          /* schema, command list, VM model, self-check */
    conn *active;
    int listening;
    const vw_mode_hooks *backend;   /* --record / --replay: answers come from it (may be NULL) */
    qmp_stub_fn *stub_fn;         /* scenario stubs (stubs.c), offered every request first */
    void *stub_opaque;
    unsigned long long next_conn_id;
    vw_faults *faults;            /* --faults / set_faults (fq_faults.c); NULL = none */
    size_t memory_budget;         /* FQ_MEMORY_BUDGET or --memory-budget-mib */
};

static void conn_close(qmp_server *srv, conn *c);
static void conn_flush(qmp_server *srv, conn *c);
static void conn_resume_input(qmp_server *srv, conn *c);

/* ---- output ----------------------------------------------------------------------------------- */

/* A client that does not read while its queued output would exceed the budget is closed (at the
 * next conn_write, where that is safe): the budget is checked before the buffer grows. */
static int over_budget(conn *c, size_t len)
{
    size_t budget = c->srv->memory_budget ? c->srv->memory_budget : FQ_MEMORY_BUDGET;
    if (c->overflowed)
        return 1;
    if (c->out_len - c->out_off + c->in_cap + len <= budget)
        return 0;
    fprintf(stderr, "fake-qemu: the client does not read and its output would exceed the memory "
            "budget (%zu bytes); closing it\n", budget);
    c->overflowed = 1;
    c->closing = 1;
    return 1;
}

/* The output buffer a connection keeps between replies; a bigger one is freed when drained. */
#define OUT_KEEP_MAX (64u << 10)

static int out_append_raw(conn *c, const char *data, size_t len)
{
    if (over_budget(c, len))
        return 0;   /* dropped: the connection is closed at the next conn_write */
    if (c->out_off > 0 && c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    if (c->out_len + len > c->out_cap) {
        if (c->out_off > 0) {
            memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
            c->out_len -= c->out_off;
            c->out_off = 0;
        }
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + len)
            cap *= 2;
        char *n = realloc(c->out, cap);
        if (!n)
            return -1;
        c->out = n;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    return 0;
}

/* ---- faults (fq_faults.c, docs/faults.md): every byte for the client passes out_append ---- */

static int fault_append(void *opaque, const char *data, size_t len)
{
    return out_append_raw(opaque, data, len);
}

/* Runs from the fault layer's timer: released bytes, a close, a reset (SO_LINGER 0). */
static void fault_deliver(void *opaque, int what, const void *data, size_t len)
{
    conn *c = opaque;
    if (what == VW_FAULT_OUT_DATA) {
        if (out_append_raw(c, data, len) == 0)
            conn_flush(c->srv, c);
    } else if (what == VW_FAULT_OUT_RESET) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        conn_close(c->srv, c);
    } else {
        c->closing = 1;
        conn_flush(c->srv, c);
    }
}

static int out_append(conn *c, const char *data, size_t len)
{
    if (c->fault)
        return fq_faults_output(c->fault, data, len);
    return out_append_raw(c, data, len);
}

static int out_sink(void *opaque, const char *data, size_t len)
{
    return out_append(opaque, data, len);
}

/* Where qmp_dispatch.c writes the messages for c. */
static qmp_out conn_out(conn *c)
{
    return (qmp_out){ out_sink, c };
}

static void on_writable(vw_evloop *loop, int fd, void *cd, int mask);

/* ---- events ----------------------------------------------------------------------------------- */

void qmp_server_event(void *opaque, const char *name, json_t *data)
{
    qmp_server *srv = opaque;
    conn *c = srv->active;
    qmp_dispatch_check_event(&srv->disp, name, data);
    if (!c || !c->sess.negotiated || c->closing) {   /* QEMU drops events before negotiation */
        json_decref(data);
        return;
    }
    struct timeval tv;
    json_t *ts;
    if (gettimeofday(&tv, NULL) == 0)
        ts = json_pack("{s:I,s:I}", "seconds", (json_int_t)tv.tv_sec, "microseconds",
                       (json_int_t)tv.tv_usec);
    else
        ts = json_pack("{s:i,s:i}", "seconds", -1, "microseconds", -1);
    json_t *ev = json_object();
    json_object_set_new(ev, "timestamp", ts);
    json_object_set_new(ev, "event", json_string(name));
    if (data)
        json_object_set_new(ev, "data", data);
    qmp_out out = conn_out(c);
    qmp_send_json(&out, ev);
    if (!c->feeding)
        conn_flush(srv, c);   /* events from timers go out at once */
}

/* ---- request handling (qmp_dispatch.c) ---------------------------------------------------- */

static void handle_request(qmp_server *srv, conn *c, const json_t *req)
{
    qmp_out out = conn_out(c);
    if (qmp_dispatch_request(&srv->disp, &c->sess, req, &out))
        c->closing = 1;   /* quit: the return, then the close */
}

static void greet(qmp_server *srv, conn *c)
{
    qmp_out out = conn_out(c);
    qmp_send_greeting(&srv->disp, &out);
}

static void send_parse_error(conn *c, const char *error)
{
    qmp_out out = conn_out(c);
    qmp_send_error(&out, NULL, "GenericError", error);
}

/* One framed request to the backend (--record, --replay): the value, or QEMU's parse error. */
static void backend_message(qmp_server *srv, conn *c, const json_t *msg, const char *error)
{
    vw_mode_msg m = { NULL, 0, msg, error };
    srv->backend->message(srv->backend->opaque, c, &m);
}

static void on_message(void *opaque, json_t *msg, const char *error)
{
    conn *c = opaque;
    qmp_server *srv = c->srv;
    if (c->closing) {
        json_decref(msg);
        vw_qmp_streamer_pause(c->streamer);
        return;
    }
    if (c->fault && fq_faults_input(c->fault, error ? NULL : msg))
        ;   /* a fault took the request: disconnect, reset, blackhole (docs/faults.md) */
    else if (!error && srv->stub_fn && srv->stub_fn(srv->stub_opaque, c, msg))
        ;   /* a scenario stub answered (or holds the input for a delayed answer) */
    else if (srv->backend && srv->backend->message)
        backend_message(srv, c, error ? NULL : msg, error);
    else if (error)
        send_parse_error(c, error);
    else
        handle_request(srv, c, msg);
    json_decref(msg);
    if (c->closing || c->held || c->out_len - c->out_off > OUT_HIGH_WATER)
        vw_qmp_streamer_pause(c->streamer);
}

/* ---- connections ------------------------------------------------------------------------------ */

/* read(), also taking the descriptors a client passes with SCM_RIGHTS (libvirtd's getfd
 * before a save); the VM model keeps them for getfd, else they are closed. */
static ssize_t read_with_fds(qmp_server *srv, int fd, char *buf, size_t len)
{
    char control[CMSG_SPACE(sizeof(int) * 8)];
    struct iovec iov = { buf, len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                          .msg_controllen = sizeof(control) };
    ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == ENOTSOCK)
        return read(fd, buf, len);
    for (struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm;
         cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < nfd; i++) {
            int passed;
            memcpy(&passed, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            if (srv->disp.vm)
                fq_vm_take_fd(srv->disp.vm, passed);
            else
                close(passed);
        }
    }
    return n;
}

static void on_readable(vw_evloop *loop, int fd, void *cd, int mask);
static void on_listen(vw_evloop *loop, int fd, void *cd, int mask);

/* One client at a time: the listening socket is held while a client is attached. */
static void set_listening(qmp_server *srv, int on)
{
    if (srv->listen_fd < 0)   /* detached (adopt_fd only) */
        return;
    vw_acceptor_hold(&srv->acc, !on);
    srv->listening = on;
}

static void set_reading(qmp_server *srv, conn *c, int on)
{
    if (on && !c->reading) {
        if (vw_evloop_add_file(srv->loop, c->fd, VW_EV_READABLE, on_readable, c) == 0)
            c->reading = 1;
    } else if (!on && c->reading) {
        vw_evloop_del_file(srv->loop, c->fd, VW_EV_READABLE);
        c->reading = 0;
    }
}

static void conn_close(qmp_server *srv, conn *c)
{
    vw_evloop_del_file(srv->loop, c->fd, VW_EV_READABLE | VW_EV_WRITABLE);
    close(c->fd);
    vw_qmp_streamer_free(c->streamer);
    fq_faults_conn_free(c->fault);
    free(c->out);
    free(c->in);
    int quit = c->closing && srv->disp.vm && fq_vm_quit_requested(srv->disp.vm);
    if (srv->backend && srv->backend->closed)
        srv->backend->closed(srv->backend->opaque, c);
    if (srv->active == c)
        srv->active = NULL;
    free(c);
    if (quit) {
        /* quit: SHUTDOWN, the return, the close; then QEMU exits with status 0. */
        vw_evloop_stop(srv->loop);
        return;
    }
    set_listening(srv, 1);   /* the next waiting client gets its greeting */
}

/* Writes what it can. Returns 0 when everything is out, 1 when the socket is full (WRITABLE is
 * then watched), -1 when the connection was closed (write error, or a `quit` reply is out). */
static int conn_write(qmp_server *srv, conn *c)
{
    if (c->overflowed && !c->feeding) {
        conn_close(srv, c);
        return -1;
    }
    while (c->out_off < c->out_len) {
        long n = vw_netaddr_send(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        if (n == 0) {
            vw_evloop_add_file(srv->loop, c->fd, VW_EV_WRITABLE, on_writable, c);
            return 1;
        }
        if (c->feeding) {      /* closed by the caller once the feed returns */
            c->closing = 1;
            c->out_off = c->out_len = 0;
            return 1;
        }
        conn_close(srv, c);   /* the peer is gone */
        return -1;
    }
    c->out_off = c->out_len = 0;
    if (c->out_cap > OUT_KEEP_MAX) {   /* a large reply (query-qmp-schema) is not kept for life */
        free(c->out);
        c->out = NULL;
        c->out_cap = 0;
    }
    vw_evloop_del_file(srv->loop, c->fd, VW_EV_WRITABLE);
    if (c->closing && !c->feeding && !fq_faults_pending(c->fault)) {   /* delayed output first */
        conn_close(srv, c);
        return -1;
    }
    if (srv->backend && srv->backend->drained)
        srv->backend->drained(srv->backend->opaque, c);
    return 0;
}

static void conn_flush(qmp_server *srv, conn *c)
{
    (void)conn_write(srv, c);
}

/* Feeds held input to the streamer (it pauses when output backs up or on quit) and writes the
 * output, until the input is used up or the socket is full. */
static void conn_resume_input(qmp_server *srv, conn *c)
{
    for (;;) {
        int held = 0;
        if (c->in_len > 0 && !c->closing && !c->held) {
            c->feeding = 1;
            size_t used = srv->backend && srv->backend->input
                ? srv->backend->input(srv->backend->opaque, c, (const uint8_t *)c->in, c->in_len)
                : vw_qmp_streamer_feed(c->streamer, c->in, c->in_len);
            held = srv->backend && srv->backend->input && used < c->in_len;
            c->feeding = 0;
            if (used < c->in_len)
                memmove(c->in, c->in + used, c->in_len - used);
            c->in_len -= used;
        }
        if (c->closing)
            c->in_len = 0;
        int rc = conn_write(srv, c);
        if (rc < 0)
            return;                 /* c is gone */
        if (rc > 0 || c->in_len == 0 || held || c->held)
            break;
    }
    /* Read more only when nothing is held back. */
    set_reading(srv, c, c->in_len == 0 && !c->closing);
}

static void on_writable(vw_evloop *loop, int fd, void *cd, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    conn *c = cd;
    if (conn_write(c->srv, c) == 0)
        conn_resume_input(c->srv, c);
}

static void on_readable(vw_evloop *loop, int fd, void *cd, int mask)
{
    (void)loop;
    (void)mask;
    conn *c = cd;
    qmp_server *srv = c->srv;
    if (c->in_cap - c->in_len < READ_CHUNK) {
        if (c->in_len + READ_CHUNK > IN_MAX_PENDING + READ_CHUNK) {
            set_reading(srv, c, 0);   /* cannot happen: reading stops while input is held */
            return;
        }
        size_t cap = c->in_len + READ_CHUNK;
        char *n = realloc(c->in, cap);
        if (!n) {
            conn_close(srv, c);
            return;
        }
        c->in = n;
        c->in_cap = cap;
    }
    ssize_t n = read_with_fds(srv, fd, c->in + c->in_len, READ_CHUNK);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {   /* EOF or error: QEMU discards the partial input and the queued output */
        conn_close(srv, c);
        return;
    }
    c->in_len += (size_t)n;
    conn_resume_input(srv, c);
}

static void on_listen(vw_evloop *loop, int fd, void *cd, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    qmp_server *srv = cd;
    if (srv->active) {
        set_listening(srv, 0);
        return;
    }
    char err[256];
    int cfd = vw_acceptor_accept(&srv->acc, err, sizeof(err));
    if (cfd == -2)
        return;
    if (cfd < 0) {
        fprintf(stderr, "fake-qemu: %s\n", err);
        return;
    }
    conn *c = calloc(1, sizeof(*c));
    if (c)
        c->streamer = vw_qmp_streamer_new(NULL, on_message, c);
    if (!c || !c->streamer) {
        fprintf(stderr, "fake-qemu: out of memory accepting a client\n");
        free(c);
        close(cfd);
        return;
    }
    c->fd = cfd;
    c->srv = srv;
    c->id = ++srv->next_conn_id;
    srv->active = c;
    if (srv->faults)
        c->fault = fq_faults_conn_new(srv->faults, srv->loop, fault_append, fault_deliver, c);
    set_listening(srv, 0);   /* one client at a time: others wait in the backlog */
    set_reading(srv, c, 1);
    if (srv->backend) {
        c->feeding = 1;      /* what open() sends is only queued: c cannot vanish inside it */
        int ok = srv->backend->open(srv->backend->opaque, c);
        c->feeding = 0;
        if (ok < 0) {
            conn_close(srv, c);
            return;
        }
    } else {
        greet(srv, c);
    }
    conn_flush(srv, c);
}

/* ---- server ----------------------------------------------------------------------------------- */

qmp_server *qmp_server_new(vw_evloop *loop, int listen_fd, const char *unix_path)
{
    qmp_server *srv = calloc(1, sizeof(*srv));
    if (!srv)
        return NULL;
    srv->loop = loop;
    srv->listen_fd = listen_fd;
    srv->unix_path = unix_path ? strdup(unix_path) : NULL;
    char name[160];
    snprintf(name, sizeof(name), "fake-qemu: %s", unix_path ? unix_path : "QMP socket");
    if (vw_acceptor_init(&srv->acc, loop, listen_fd, on_listen, srv, name) < 0) {
        fprintf(stderr, "fake-qemu: cannot watch the listening socket: %s\n", strerror(errno));
        free(srv->unix_path);
        free(srv);
        return NULL;
    }
    srv->listening = 1;
    return srv;
}

void qmp_server_set_schema(qmp_server *srv, const qapi_schema *schema, const char *commands,
                           size_t commands_len)
{
    srv->disp.schema = schema;
    srv->disp.commands = commands;
    srv->disp.commands_len = commands_len;
}

int qmp_server_knows_command(const qmp_server *srv, const char *name)
{
    return srv->disp.schema && qapi_schema_command(srv->disp.schema, name) != NULL;
}

void qmp_server_set_memory_budget(qmp_server *srv, size_t bytes)
{
    srv->memory_budget = bytes;
}

void qmp_server_set_self_check(qmp_server *srv, int on)
{
    srv->disp.self_check = on;
}

unsigned qmp_server_self_check_failures(const qmp_server *srv)
{
    return srv->disp.self_check_failures;
}

void qmp_server_set_vm(qmp_server *srv, fq_vm *vm)
{
    srv->disp.vm = vm;
}

void qmp_server_set_faults(qmp_server *srv, vw_faults *faults)
{
    /* the connected client keeps the rules it started with; the next one gets these */
    vw_faults_unref(srv->faults);
    srv->faults = faults;
}

void qmp_server_set_backend(qmp_server *srv, const vw_mode_hooks *b)
{
    srv->backend = b;
}

long qmp_conn_send(qmp_conn *c, const void *data, size_t len)
{
    if (out_append(c, data, len) < 0)
        fprintf(stderr, "fake-qemu: out of memory queueing output\n");
    if (c->feeding)
        return 0;   /* written when the feed returns */
    if (conn_write(c->srv, c) < 0)
        return -1;
    return (long)(c->out_len - c->out_off);
}

void qmp_conn_close(qmp_conn *c)
{
    c->closing = 1;
    if (!c->feeding)
        (void)conn_write(c->srv, c);
}

void qmp_conn_resume(qmp_conn *c)
{
    if (!c->feeding && !c->closing)
        conn_resume_input(c->srv, c);
}

void qmp_server_free(qmp_server *srv)
{
    if (!srv)
        return;
    if (srv->active) {
        conn *c = srv->active;
        srv->disp.vm = NULL;   /* no quit handling while tearing down */
        c->closing = 0;
        if (srv->backend && srv->backend->closed)
            srv->backend->closed(srv->backend->opaque, c);
        vw_evloop_del_file(srv->loop, c->fd, VW_EV_READABLE | VW_EV_WRITABLE);
        close(c->fd);
        vw_qmp_streamer_free(c->streamer);
        fq_faults_conn_free(c->fault);
        free(c->out);
        free(c->in);
        free(c);
        srv->active = NULL;
    }
    if (srv->listen_fd >= 0) {
        vw_acceptor_fini(&srv->acc);
        close(srv->listen_fd);
    }
    if (srv->unix_path)
        unlink(srv->unix_path);
    free(srv->unix_path);
    vw_faults_unref(srv->faults);
    free(srv);
}

/* ---- in-process drivers (fuzz targets) ------------------------------------------------------ */

qmp_server *qmp_server_new_detached(vw_evloop *loop)
{
    qmp_server *srv = calloc(1, sizeof(*srv));
    if (!srv)
        return NULL;
    srv->loop = loop;
    srv->listen_fd = -1;
    return srv;
}

int qmp_server_adopt_fd(qmp_server *srv, int fd)
{
    int fl = fcntl(fd, F_GETFL);
    conn *c = NULL;
    if (!srv->active && fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 &&
        (c = calloc(1, sizeof(*c))) != NULL)
        c->streamer = vw_qmp_streamer_new(NULL, on_message, c);
    if (!c || !c->streamer) {
        free(c);
        close(fd);
        return -1;
    }
    c->fd = fd;
    c->srv = srv;
    c->id = ++srv->next_conn_id;
    srv->active = c;
    if (srv->faults)
        c->fault = fq_faults_conn_new(srv->faults, srv->loop, fault_append, fault_deliver, c);
    set_reading(srv, c, 1);
    if (srv->backend) {      /* as on_listen */
        c->feeding = 1;
        int ok = srv->backend->open(srv->backend->opaque, c);
        c->feeding = 0;
        if (ok < 0) {
            conn_close(srv, c);
            return 0;        /* adopted, and already closed as the backend wanted */
        }
    } else {
        greet(srv, c);
    }
    conn_flush(srv, c);
    return 0;
}

/* ---- scenario stubs (stubs.c) --------------------------------------------------------------- */

void qmp_server_set_stubs(qmp_server *srv, qmp_stub_fn *fn, void *opaque)
{
    srv->stub_fn = fn;
    srv->stub_opaque = opaque;
}

unsigned long long qmp_conn_id(const qmp_conn *c)
{
    return c->id;
}

qmp_conn *qmp_server_conn_by_id(qmp_server *srv, unsigned long long id)
{
    return srv->active && srv->active->id == id ? srv->active : NULL;
}

int qmp_conn_negotiated(const qmp_conn *c)
{
    return c->sess.negotiated;
}

void qmp_conn_hold(qmp_conn *c, int on)
{
    c->held = on;
    if (on && c->feeding)
        vw_qmp_streamer_pause(c->streamer);
    if (!on && !c->feeding) {
        if (c->closing)
            (void)conn_write(c->srv, c);    /* writes the output, then closes */
        else
            conn_resume_input(c->srv, c);
    }
}

int qmp_server_intercept(qmp_conn *c, const json_t *msg, const char *error)
{
    qmp_server *srv = c->srv;
    if (c->fault && fq_faults_input(c->fault, error ? NULL : msg))
        return 1;   /* as in on_message: faults first, then stubs */
    if (!error && srv->stub_fn && srv->stub_fn(srv->stub_opaque, c, msg))
        return 1;
    return 0;
}

int qmp_conn_input_stopped(const qmp_conn *c)
{
    return c->closing || c->held;
}

void qmp_server_pass_request(qmp_conn *c, const json_t *msg)
{
    qmp_server *srv = c->srv;
    if (srv->backend && srv->backend->message)
        backend_message(srv, c, msg, NULL);
    else
        handle_request(srv, c, msg);
}
