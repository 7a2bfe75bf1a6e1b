/* record.c: `vwtrace record-libvirt` and `vwtrace record-qmp`: a small transparent recording
 * proxy. It listens, and for every client that connects opens one connection to the upstream
 * (a real libvirtd or a real QEMU QMP socket), copies bytes both ways unchanged, and writes
 * what it copied into a trace: libvirt bytes framed into whole packets by the packet reader,
 * QMP bytes split into JSON values by the QMP streamer. Framing only decides how the bytes are
 * cut into records; forwarding never waits for a whole message and never changes a byte.
 * What is read is recorded before it is written on (common/trace_file.h: one commit, one
 * write, for all the records of a read, before pump_write), so a killed proxy's trace holds
 * everything either side received.
 *
 * One thread, poll(2), non-blocking sockets, bounded buffers (a side is not read while the
 * bytes for its peer exceed BUF_HIGH). A half-close is passed on (EOF from the client becomes
 * shutdown(SHUT_WR) towards the server once everything before it was written, and the other
 * way). SIGTERM / SIGINT: write "close" records for the connections still open, finish the
 * trace, exit 0. File descriptors (SCM_RIGHTS) are not carried. */
#include "vwtrace.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netaddr.h"
#include "packet.h"
#include "qmp_json.h"
#include "trace_file.h"

#define READ_CHUNK      65536
#define BUF_HIGH        (4u << 20)      /* stop reading a side while its peer has this queued */
#define CONNECT_TIMEOUT_MS 5000
#define POLL_TIMEOUT_MS 500

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Cuts one direction's byte stream into trace records. */
struct framer {
    vw_trace_protocol protocol;
    vw_trace_dir dir;
    bool unframed;              /* libvirt: a bad length word was seen, the rest is raw data */
    vw_packet_reader reader;    /* libvirt */
    vw_qmp_streamer *qmp;       /* qmp */
    bool qmp_done;              /* set by the streamer callback */
    vw_buf pending;             /* bytes of the message being collected */
};

struct pending_out {
    vw_buf buf;
    size_t sent;                /* bytes of buf already written */
};

struct proxy_conn {
    uint32_t id;
    int cfd, sfd;
    bool c_eof, s_eof;          /* read side reached EOF */
    bool c_shut, s_shut;        /* we shut down writing towards this fd */
    const char *first_eof;      /* "client" / "server" */
    bool dead;
    struct pending_out to_client, to_server;
    struct framer c2s, s2c;
};

struct proxy {
    vw_trace_protocol protocol;
    vw_trace_file *file;        /* under w: records reach it at each commit */
    vw_trace_writer *w;
    int lfd;
    uint32_t next_id;
    struct proxy_conn **conns;
    size_t nconns, capconns;
    bool trace_failed;
    bool quiet;
};

static void trace_failed(struct proxy *p, const vw_trace_error *e)
{
    if (!p->trace_failed) {
        fprintf(stderr, "vwtrace: %s (the proxy keeps forwarding; the trace is incomplete)\n",
                e->text);
        p->trace_failed = true;
    }
}

static void qmp_cb(void *opaque, json_t *msg, const char *error)
{
    struct framer *f = opaque;
    (void)error;
    json_decref(msg);
    f->qmp_done = true;
    vw_qmp_streamer_pause(f->qmp);
}

static int framer_init(struct framer *f, vw_trace_protocol protocol, vw_trace_dir dir)
{
    memset(f, 0, sizeof(*f));
    f->protocol = protocol;
    f->dir = dir;
    vw_buf_init(&f->pending);
    if (protocol == VW_TRACE_LIBVIRT) {
        vw_packet_reader_init(&f->reader, VW_DECODE_LENIENT);
        return 0;
    }
    f->qmp = vw_qmp_streamer_new(NULL, qmp_cb, f);
    return f->qmp ? 0 : -1;
}

static void framer_free(struct framer *f)
{
    if (f->protocol == VW_TRACE_LIBVIRT)
        vw_packet_reader_free(&f->reader);
    else
        vw_qmp_streamer_free(f->qmp);
    vw_buf_free(&f->pending);
}

static void emit(struct proxy *p, struct proxy_conn *c, struct framer *f, bool message,
                 const uint8_t *data, size_t n)
{
    vw_trace_error e;
    uint64_t t = vw_trace_writer_elapsed_us(p->w);
    int rc = message ? vw_trace_write_message(p->w, c->id, f->dir, t, data, n, &e)
                     : vw_trace_write_data(p->w, c->id, f->dir, t, data, n, &e);
    if (rc < 0)
        trace_failed(p, &e);
}

static void framer_feed_libvirt(struct proxy *p, struct proxy_conn *c, struct framer *f,
                                const uint8_t *data, size_t n)
{
    vw_proto_error pe;
    while (n > 0 && !f->unframed) {
        size_t used = 0;
        int rc = vw_packet_reader_feed(&f->reader, data, n, &used, &pe);
        if (rc < 0) {
            fprintf(stderr, "vwtrace: connection %u %s: %s; the rest of this direction is "
                    "recorded as unframed data\n", c->id, vw_trace_dir_name(f->dir), pe.text);
            f->unframed = true;
            break;
        }
        if (used == 0 && rc == 0)
            break;      /* cannot happen by contract; never loop forever */
        if (vw_buf_append(&f->pending, data, used, &pe) < 0) {
            f->unframed = true;
            break;
        }
        data += used;
        n -= used;
        if (rc == 1) {
            vw_packet pkt;
            emit(p, c, f, true, f->pending.data, f->pending.len);
            vw_buf_reset(&f->pending);
            (void)vw_packet_reader_take(&f->reader, &pkt, NULL, NULL, &pe);
        }
    }
    if (f->unframed) {
        if (f->pending.len) {
            emit(p, c, f, false, f->pending.data, f->pending.len);
            vw_buf_reset(&f->pending);
        }
        if (n)
            emit(p, c, f, false, data, n);
    }
}

static void framer_feed_qmp(struct proxy *p, struct proxy_conn *c, struct framer *f,
                            const uint8_t *data, size_t n)
{
    vw_proto_error pe;
    size_t off = 0;
    while (off < n) {
        f->qmp_done = false;
        size_t used = vw_qmp_streamer_feed(f->qmp, (const char *)data + off, n - off);
        if (used == 0 && !f->qmp_done)
            used = n - off;     /* cannot happen by contract; never loop forever */
        if (vw_buf_append(&f->pending, data + off, used, &pe) < 0)
            return;
        off += used;
        if (f->qmp_done) {
            /* The line end after a message belongs to it. */
            size_t ws = off;
            while (ws < n && (data[ws] == '\r' || data[ws] == '\n' || data[ws] == ' ' ||
                              data[ws] == '\t'))
                ws++;
            if (ws > off && vw_buf_append(&f->pending, data + off, ws - off, &pe) < 0)
                return;
            off = ws;
            emit(p, c, f, true, f->pending.data, f->pending.len);
            vw_buf_reset(&f->pending);
        } else if (f->pending.len >= VW_TRACE_RAW_MAX) {
            emit(p, c, f, false, f->pending.data, f->pending.len);
            vw_buf_reset(&f->pending);
        }
    }
}

/* Whatever is left unframed at the end of a connection. */
static void framer_finish(struct proxy *p, struct proxy_conn *c, struct framer *f)
{
    if (f->pending.len) {
        emit(p, c, f, false, f->pending.data, f->pending.len);
        vw_buf_reset(&f->pending);
    }
}

static void framer_feed(struct proxy *p, struct proxy_conn *c, struct framer *f,
                        const uint8_t *data, size_t n)
{
    if (f->protocol == VW_TRACE_LIBVIRT)
        framer_feed_libvirt(p, c, f, data, n);
    else
        framer_feed_qmp(p, c, f, data, n);
}

static void conn_free(struct proxy_conn *c)
{
    if (c->cfd >= 0)
        close(c->cfd);
    if (c->sfd >= 0)
        close(c->sfd);
    vw_buf_free(&c->to_client.buf);
    vw_buf_free(&c->to_server.buf);
    framer_free(&c->c2s);
    framer_free(&c->s2c);
    free(c);
}

static void conn_end(struct proxy *p, struct proxy_conn *c, const char *by)
{
    vw_trace_error e;
    framer_finish(p, c, &c->c2s);
    framer_finish(p, c, &c->s2c);
    if (vw_trace_write_close(p->w, c->id, vw_trace_writer_elapsed_us(p->w), by, &e) < 0)
        trace_failed(p, &e);
    vw_trace_file_commit(p->file);
    c->dead = true;
}

static void accept_clients(struct proxy *p, const vw_netaddr *upstream)
{
    for (;;) {
        char err[512];
        int cfd = vw_netaddr_accept(p->lfd, err, sizeof(err));
        if (cfd == -2)
            return;
        if (cfd < 0) {
            fprintf(stderr, "vwtrace: %s\n", err);
            return;
        }
        int sfd = vw_netaddr_connect(upstream, CONNECT_TIMEOUT_MS, err, sizeof(err));
        if (sfd < 0) {
            fprintf(stderr, "vwtrace: a client connected but the upstream is unreachable: %s; "
                    "closing the client\n", err);
            close(cfd);
            continue;
        }
        if (vw_netaddr_set_nonblock(sfd, 1, err, sizeof(err)) < 0) {
            fprintf(stderr, "vwtrace: %s\n", err);
            close(cfd);
            close(sfd);
            continue;
        }
        if (p->nconns == p->capconns) {
            size_t cap = p->capconns ? p->capconns * 2 : 16;
            struct proxy_conn **nc = realloc(p->conns, cap * sizeof(*nc));
            if (!nc) {
                fprintf(stderr, "vwtrace: out of memory, dropping a client\n");
                close(cfd);
                close(sfd);
                return;
            }
            p->conns = nc;
            p->capconns = cap;
        }
        struct proxy_conn *c = calloc(1, sizeof(*c));
        if (!c) {
            fprintf(stderr, "vwtrace: out of memory, dropping a client\n");
            close(cfd);
            close(sfd);
            return;
        }
        c->id = ++p->next_id;
        c->cfd = cfd;
        c->sfd = sfd;
        if (framer_init(&c->c2s, p->protocol, VW_TRACE_C2S) < 0 ||
            framer_init(&c->s2c, p->protocol, VW_TRACE_S2C) < 0) {
            fprintf(stderr, "vwtrace: out of memory, dropping a client\n");
            conn_free(c);
            return;
        }
        p->conns[p->nconns++] = c;
        vw_trace_error e;
        if (vw_trace_write_open(p->w, c->id, vw_trace_writer_elapsed_us(p->w), "client", &e) < 0)
            trace_failed(p, &e);
        vw_trace_file_commit(p->file);
    }
}

/* Reads what fd has; records it and queues it for the other side. */
static void pump_read(struct proxy *p, struct proxy_conn *c, bool from_client)
{
    uint8_t buf[READ_CHUNK];
    int fd = from_client ? c->cfd : c->sfd;
    struct pending_out *out = from_client ? &c->to_server : &c->to_client;
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        if (!p->quiet)
            fprintf(stderr, "vwtrace: connection %u: read from the %s: %s\n", c->id,
                    from_client ? "client" : "server", strerror(errno));
        conn_end(p, c, "error");
        return;
    }
    if (n == 0) {
        if (from_client)
            c->c_eof = true;
        else
            c->s_eof = true;
        if (!c->first_eof)
            c->first_eof = from_client ? "client" : "server";
        return;
    }
    framer_feed(p, c, from_client ? &c->c2s : &c->s2c, buf, (size_t)n);
    vw_proto_error pe;
    if (vw_buf_append(&out->buf, buf, (size_t)n, &pe) < 0) {
        fprintf(stderr, "vwtrace: connection %u: %s\n", c->id, pe.text);
        conn_end(p, c, "error");
    }
}

static void pump_write(struct proxy *p, struct proxy_conn *c, bool to_client)
{
    int fd = to_client ? c->cfd : c->sfd;
    struct pending_out *out = to_client ? &c->to_client : &c->to_server;
    vw_trace_file_commit(p->file);      /* the records of these bytes first */
    while (out->sent < out->buf.len) {
        ssize_t n = send(fd, out->buf.data + out->sent, out->buf.len - out->sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno == EINTR)
                continue;
            if (!p->quiet)
                fprintf(stderr, "vwtrace: connection %u: write to the %s: %s\n", c->id,
                        to_client ? "client" : "server", strerror(errno));
            conn_end(p, c, "error");
            return;
        }
        out->sent += (size_t)n;
    }
    vw_buf_reset(&out->buf);
    out->sent = 0;
}

/* Passes EOFs on once their side's bytes are written, ends finished connections. */
static void settle(struct proxy *p, struct proxy_conn *c)
{
    if (c->dead)
        return;
    if (c->c_eof && !c->s_shut && c->to_server.buf.len == 0) {
        shutdown(c->sfd, SHUT_WR);
        c->s_shut = true;
    }
    if (c->s_eof && !c->c_shut && c->to_client.buf.len == 0) {
        shutdown(c->cfd, SHUT_WR);
        c->c_shut = true;
    }
    if (c->c_shut && c->s_shut)
        conn_end(p, c, c->first_eof);
}

static int run_loop(struct proxy *p, const vw_netaddr *upstream)
{
    struct pollfd *pfds = NULL;
    size_t cap = 0;
    while (!stop_requested) {
        size_t need = 1 + 2 * p->nconns;
        if (need > cap) {
            struct pollfd *np = realloc(pfds, need * sizeof(*np));
            if (!np) {
                fprintf(stderr, "vwtrace: out of memory\n");
                free(pfds);
                return -1;
            }
            pfds = np;
            cap = need;
        }
        pfds[0].fd = p->lfd;
        pfds[0].events = POLLIN;
        pfds[0].revents = 0;
        for (size_t i = 0; i < p->nconns; i++) {
            struct proxy_conn *c = p->conns[i];
            struct pollfd *pc = &pfds[1 + 2 * i], *ps = &pfds[2 + 2 * i];
            pc->fd = c->cfd;
            ps->fd = c->sfd;
            pc->events = ps->events = 0;
            pc->revents = ps->revents = 0;
            if (!c->c_eof && c->to_server.buf.len < BUF_HIGH)
                pc->events |= POLLIN;
            if (c->to_client.buf.len > c->to_client.sent)
                pc->events |= POLLOUT;
            if (!c->s_eof && c->to_client.buf.len < BUF_HIGH)
                ps->events |= POLLIN;
            if (c->to_server.buf.len > c->to_server.sent)
                ps->events |= POLLOUT;
            /* A side with nothing to wait for is left out: a hung-up socket would otherwise
             * report POLLHUP on every round and spin the loop. */
            if (!pc->events)
                pc->fd = -1;
            if (!ps->events)
                ps->fd = -1;
        }
        int n = poll(pfds, need, POLL_TIMEOUT_MS);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "vwtrace: poll: %s\n", strerror(errno));
            free(pfds);
            return -1;
        }
        size_t nconns = p->nconns;      /* accept below may add; their pollfds come next round */
        for (size_t i = 0; i < nconns; i++) {
            struct proxy_conn *c = p->conns[i];
            short rc = pfds[1 + 2 * i].revents, rs = pfds[2 + 2 * i].revents;
            /* Read before write so a reply read now goes out in the same round when it can. */
            if (!c->dead && (rc & (POLLIN | POLLHUP | POLLERR)) && !c->c_eof)
                pump_read(p, c, true);
            if (!c->dead && (rs & (POLLIN | POLLHUP | POLLERR)) && !c->s_eof)
                pump_read(p, c, false);
            if (!c->dead && (rc & (POLLOUT | POLLERR)) && c->to_client.buf.len)
                pump_write(p, c, true);
            if (!c->dead && (rs & (POLLOUT | POLLERR)) && c->to_server.buf.len)
                pump_write(p, c, false);
            settle(p, c);
        }
        if (pfds[0].revents & POLLIN)
            accept_clients(p, upstream);
        /* Drop finished connections, keeping the order of the rest. */
        size_t k = 0;
        for (size_t i = 0; i < p->nconns; i++) {
            if (p->conns[i]->dead)
                conn_free(p->conns[i]);
            else
                p->conns[k++] = p->conns[i];
        }
        p->nconns = k;
    }
    free(pfds);
    return 0;
}

static void record_usage(FILE *out, const char *cmd)
{
    fprintf(out,
            "usage: vwtrace %s --listen ADDR --upstream ADDR -o TRACE [--sync] [--quiet]\n"
            "\n"
            "A transparent recording proxy: clients connect to --listen, every connection is\n"
            "forwarded byte for byte to --upstream (a %s), and everything both\n"
            "ways is written to TRACE (docs/trace-format.md), one line per message, each\n"
            "record before the bytes are passed on: a killed proxy's trace holds all that\n"
            "either side received (at most its last line cut: read it with --allow-truncated).\n"
            "ADDR is unix:PATH or tcp:HOST:PORT. Prints \"ready\" on stdout once it accepts;\n"
            "SIGTERM or SIGINT closes the trace and exits 0.\n"
            "\n"
            "  -l, --listen ADDR     where clients connect\n"
            "  -u, --upstream ADDR   the real server\n"
            "  -o, --output TRACE    the trace file to write (truncated)\n"
            "  -s, --sync            also fdatasync the trace before passing bytes on (survives\n"
            "                        a power loss; costs one disk flush per forwarded read)\n"
            "  -q, --quiet           no message when a peer resets a connection\n"
            "  -h, --help            this text\n",
            cmd, strcmp(cmd, "record-qmp") == 0 ? "QEMU QMP socket" : "libvirtd socket");
}

int vwtrace_record_main(int argc, char **argv, vw_trace_protocol protocol)
{
    static const struct option opts[] = {
        { "listen", required_argument, NULL, 'l' },
        { "upstream", required_argument, NULL, 'u' },
        { "output", required_argument, NULL, 'o' },
        { "quiet", no_argument, NULL, 'q' },
        { "sync", no_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *cmd = argv[0];
    const char *listen_spec = NULL, *upstream_spec = NULL, *output = NULL;
    bool quiet = false, sync = false;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "+l:u:o:qsh", opts, NULL)) != -1) {
        switch (o) {
        case 'l': listen_spec = optarg; break;
        case 'u': upstream_spec = optarg; break;
        case 'o': output = optarg; break;
        case 'q': quiet = true; break;
        case 's': sync = true; break;
        case 'h': record_usage(stdout, cmd); return VWTRACE_EXIT_OK;
        default: record_usage(stderr, cmd); return VWTRACE_EXIT_ERROR;
        }
    }
    if (optind != argc || !listen_spec || !upstream_spec || !output) {
        fprintf(stderr, "vwtrace %s: --listen, --upstream and -o are required, and nothing else\n",
                cmd);
        record_usage(stderr, cmd);
        return VWTRACE_EXIT_ERROR;
    }
    vw_netaddr laddr, uaddr;
    char err[512];
    if (vw_netaddr_parse(listen_spec, &laddr, err, sizeof(err)) < 0 ||
        vw_netaddr_parse(upstream_spec, &uaddr, err, sizeof(err)) < 0) {
        fprintf(stderr, "vwtrace %s: %s\n", cmd, err);
        return VWTRACE_EXIT_ERROR;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct proxy p;
    memset(&p, 0, sizeof(p));
    p.protocol = protocol;
    p.quiet = quiet;
    char tool[64], who[64];
    snprintf(tool, sizeof(tool), "vwtrace %s %s", cmd, VW_VERSION);
    snprintf(who, sizeof(who), "vwtrace %s", cmd);
    p.file = vw_trace_file_start(output, who, sync, protocol, tool, upstream_spec, &p.w, err,
                                 sizeof(err));
    if (!p.file) {
        fprintf(stderr, "vwtrace %s: %s\n", cmd, err);
        return VWTRACE_EXIT_ERROR;
    }
    p.lfd = vw_netaddr_listen(&laddr, 64, err, sizeof(err));
    if (p.lfd < 0) {
        fprintf(stderr, "vwtrace %s: %s\n", cmd, err);
        vw_trace_file_finish(p.file, p.w, err, sizeof(err));
        return VWTRACE_EXIT_ERROR;
    }
    printf("ready\n");
    fflush(stdout);

    int rc = run_loop(&p, &uaddr);

    for (size_t i = 0; i < p.nconns; i++) {
        struct proxy_conn *c = p.conns[i];
        if (!c->dead)
            conn_end(&p, c, "end");
        conn_free(c);
    }
    free(p.conns);
    close(p.lfd);
    if (laddr.kind == VW_NETADDR_UNIX)
        unlink(laddr.path);
    if (vw_trace_file_finish(p.file, p.w, err, sizeof(err)) < 0) {
        fprintf(stderr, "vwtrace %s: %s\n", cmd, err);
        return VWTRACE_EXIT_ERROR;
    }
    if (rc < 0 || p.trace_failed)
        return VWTRACE_EXIT_ERROR;
    return VWTRACE_EXIT_OK;
}
