/* record.c: `vwtrace record-libvirt` and `vwtrace record-qmp`: a small transparent recording
 * proxy, the adapter between plain client sockets and the one recording proxy engine
 * (common/record_proxy.h, which owns the upstream sockets, the framing, backpressure and the
 * trace with its durability rule), on the event loop (common/evloop.h).
 *
 * Owns: the listening socket (common/acceptor.h), the client sockets, and passing half-closes
 * on: EOF from the client becomes shutdown(SHUT_WR) towards the upstream once everything
 * before it was written (the engine does that), EOF from the upstream becomes shutdown(SHUT_WR)
 * towards the client once its queue is written; a connection ends when both are passed on.
 * Client bytes are forwarded as they are read (framing only decides where records end); a client
 * is not read while the engine holds it. SIGTERM / SIGINT (a signalfd on the loop): "close"
 * records for the connections still open, the trace finished, exit 0. File descriptors
 * (SCM_RIGHTS) are not carried. */
#include "vwtrace.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acceptor.h"
#include "evloop.h"
#include "netaddr.h"
#include "out_queue.h"
#include "record_proxy.h"
#include "xdr_codec.h"

#define READ_CHUNK  65536
#define CLIENT_HIGH (4u << 20)  /* the upstream is not read while a client has this queued */

struct proxy;

typedef struct client {
    struct proxy *p;
    struct client *next;
    uint32_t id;
    int fd;
    vw_rec_conn *rc;
    vw_out_queue out;           /* upstream bytes not yet written to the client */
    bool eof;                   /* the client half-closed */
    bool finishing;             /* the upstream is done: shut our side once out is written */
    bool shut;                  /* ... done */
    bool held;                  /* the engine holds the client's input */
} client;

struct proxy {
    vw_evloop *loop;
    vw_acceptor acceptor;
    vw_recorder *engine;
    client *clients;
    uint32_t next_id;
    bool quiet;
};

static void client_close(client *cl, const char *by);

/* Reads while the client is neither held nor at its EOF; writes while out has bytes. */
static void client_interest(client *cl);

static void client_readable(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)mask;
    client *cl = data;
    uint8_t buf[READ_CHUNK];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n < 0) {
        if (!cl->p->quiet)
            fprintf(stderr, "vwtrace: connection %u: read from the client: %s\n", cl->id,
                    strerror(errno));
        client_close(cl, "error");
        return;
    }
    if (n == 0) {
        cl->eof = true;
        if (cl->shut) {         /* the upstream's end was passed on already: both are done */
            client_close(cl, NULL);
            return;
        }
        client_interest(cl);
        vw_rec_conn_client_eof(cl->rc);     /* last: it may close cl (finish, write error) */
        return;
    }
    (void)vw_rec_conn_client_bytes(cl->rc, buf, (size_t)n);
}

static long send_cb(void *ctx, const void *data, size_t len)
{
    return vw_netaddr_send(((client *)ctx)->fd, data, len);
}

/* Writes out; -1 when the client was closed (a write failed). */
static int client_write(client *cl)
{
    int r = vw_out_queue_write(&cl->out, send_cb, cl);
    if (r < 0) {
        if (!cl->p->quiet)
            fprintf(stderr, "vwtrace: connection %u: write to the client: %s\n", cl->id,
                    strerror(errno));
        client_close(cl, "error");
        return -1;
    }
    if (r == 1 && cl->finishing && !cl->shut) {
        shutdown(cl->fd, SHUT_WR);
        cl->shut = true;
        if (cl->eof || vw_rec_conn_failed(cl->rc)) {
            client_close(cl, NULL);
            return -1;
        }
    }
    client_interest(cl);
    return 0;
}

static void client_writable(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    client *cl = data;
    if (client_write(cl) == 0 && vw_out_queue_pending(&cl->out) < CLIENT_HIGH)
        vw_rec_conn_client_drained(cl->rc);
}

static void client_interest(client *cl)
{
    vw_evloop *loop = cl->p->loop;
    if (!cl->eof && !cl->held)
        vw_evloop_add_file(loop, cl->fd, VW_EV_READABLE, client_readable, cl);
    else
        vw_evloop_del_file(loop, cl->fd, VW_EV_READABLE);
    if (vw_out_queue_pending(&cl->out))
        vw_evloop_add_file(loop, cl->fd, VW_EV_WRITABLE, client_writable, cl);
    else
        vw_evloop_del_file(loop, cl->fd, VW_EV_WRITABLE);
}

static void client_close(client *cl, const char *by)
{
    struct proxy *p = cl->p;
    for (client **pp = &p->clients; *pp; pp = &(*pp)->next) {
        if (*pp == cl) {
            *pp = cl->next;
            break;
        }
    }
    vw_evloop_del_file(p->loop, cl->fd, VW_EV_READABLE | VW_EV_WRITABLE);
    close(cl->fd);
    vw_out_queue_free(&cl->out);
    vw_rec_conn *rc = cl->rc;
    free(cl);
    vw_rec_conn_client_closed(rc, by);
}

/* ---- the way back to the client (vw_rec_client_ops) ----------------------------------------- */

static long ops_send(void *data, const uint8_t *bytes, size_t n)
{
    client *cl = data;
    vw_error pe;
    if (vw_out_queue_append(&cl->out, bytes, n, &pe) < 0) {
        fprintf(stderr, "vwtrace: connection %u: %s\n", cl->id, pe.text);
        client_close(cl, "error");
        return -1;
    }
    if (client_write(cl) < 0)
        return -1;
    return (long)vw_out_queue_pending(&cl->out);
}

static void ops_hold(void *data, bool on)
{
    client *cl = data;
    cl->held = on;
    client_interest(cl);
}

static void ops_finish(void *data)
{
    client *cl = data;
    cl->finishing = true;
    (void)client_write(cl);     /* shuts our side at once when nothing waits */
}

static const vw_rec_client_ops client_ops = {
    .send = ops_send,
    .hold = ops_hold,
    .finish = ops_finish,
    .client_high = CLIENT_HIGH,
};

/* ---- accepting and stopping ----------------------------------------------------------------- */

static void accept_clients(vw_evloop *loop, int lfd, void *data, int mask)
{
    (void)lfd;
    (void)mask;
    struct proxy *p = data;
    char err[512];
    int fd;
    while ((fd = vw_acceptor_accept(&p->acceptor, err, sizeof(err))) != -2) {
        if (fd < 0) {
            fprintf(stderr, "vwtrace: %s\n", err);
            return;
        }
        client *cl = calloc(1, sizeof(*cl));
        if (!cl) {
            fprintf(stderr, "vwtrace: out of memory, dropping a client\n");
            close(fd);
            return;
        }
        cl->p = p;
        cl->fd = fd;
        cl->id = p->next_id + 1;
        cl->rc = vw_rec_conn_open(p->engine, loop, cl->id, &client_ops, cl, err, sizeof(err));
        if (!cl->rc) {
            fprintf(stderr, "vwtrace: a client connected but the upstream is unreachable: %s; "
                    "closing the client\n", err);
            close(fd);
            free(cl);
            continue;
        }
        p->next_id++;
        cl->next = p->clients;
        p->clients = cl;
        client_interest(cl);
    }
}

static void on_stop_signal(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)data;
    (void)mask;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
        ;
    vw_evloop_stop(loop);
}

/* Runs the proxy on lfd until SIGTERM/SIGINT; every client is closed when it returns. */
static int run_proxy(struct proxy *p, int lfd, const char *listen_spec)
{
    char err[512], name[512];
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    p->loop = vw_evloop_create(64, err, sizeof(err));
    snprintf(name, sizeof(name), "vwtrace: %s", listen_spec);
    if (sfd < 0 || !p->loop ||
        vw_evloop_add_file(p->loop, sfd, VW_EV_READABLE, on_stop_signal, NULL) < 0 ||
        vw_acceptor_init(&p->acceptor, p->loop, lfd, accept_clients, p, name) < 0) {
        fprintf(stderr, "vwtrace: cannot set up the event loop: %s\n",
                p->loop ? strerror(errno) : err);
        if (sfd >= 0)
            close(sfd);
        vw_evloop_free(p->loop);
        return -1;
    }
    printf("ready\n");
    fflush(stdout);
    int rc = vw_evloop_run(p->loop);
    vw_recorder_stopping(p->engine);
    while (p->clients)
        client_close(p->clients, NULL);
    vw_acceptor_fini(&p->acceptor);
    vw_evloop_free(p->loop);
    close(sfd);
    return rc;
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
    vw_netaddr laddr;
    char err[512];
    if (vw_netaddr_parse(listen_spec, &laddr, err, sizeof(err)) < 0) {
        fprintf(stderr, "vwtrace %s: %s\n", cmd, err);
        return VWTRACE_EXIT_ERROR;
    }
    signal(SIGPIPE, SIG_IGN);
    struct proxy p;
    memset(&p, 0, sizeof(p));
    p.quiet = quiet;
    char tool[64], who[64];
    snprintf(tool, sizeof(tool), "vwtrace %s %s", cmd, VW_VERSION);
    snprintf(who, sizeof(who), "vwtrace %s", cmd);
    vw_record_options ro = {
        .protocol = protocol, .trace_path = output, .upstream = upstream_spec, .tool = tool,
        .who = who, .probe = false, .sync = sync, .log_io_errors = !quiet,
    };
    vw_record_failure why;
    p.engine = vw_recorder_new(&ro, &why, err, sizeof(err));
    if (!p.engine) {
        fprintf(stderr, "vwtrace %s: %s\n", cmd, err);
        return VWTRACE_EXIT_ERROR;
    }
    int lfd = vw_netaddr_listen(&laddr, 64, err, sizeof(err));
    if (lfd < 0) {
        fprintf(stderr, "vwtrace %s: %s\n", cmd, err);
        vw_recorder_free(p.engine);
        return VWTRACE_EXIT_ERROR;
    }
    int rc = run_proxy(&p, lfd, listen_spec);
    close(lfd);
    if (laddr.kind == VW_NETADDR_UNIX)
        unlink(laddr.path);
    if (vw_recorder_free(p.engine) < 0 || rc < 0)
        return VWTRACE_EXIT_ERROR;
    return VWTRACE_EXIT_OK;
}
