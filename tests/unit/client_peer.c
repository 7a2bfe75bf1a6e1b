/* client_peer.c: the fake libvirtd of the client unit tests (see client_peer.h). */
#include "client_peer.h"
#include "vw_util.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

struct peer_private {
    client_peer pub;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
};

static void fail(client_peer *peer, const char *what)
{
    fprintf(stderr, "peer: %s\n", what);
    peer->failures++;
}

static void *peer_main(void *opaque)
{
    struct peer_private *pp = opaque;
    client_peer *peer = &pp->pub;
    struct pollfd p = { .fd = peer->listen_fd, .events = POLLIN };
    if (poll(&p, 1, 10000) == 1) {
        peer->fd = accept4(peer->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (peer->fd < 0)
            fail(peer, "accept failed");
    } else {
        fail(peer, "no client connected within 10 s");
    }
    if (peer->fd >= 0 && peer->script)
        peer->script(peer, peer->opaque);
    if (peer->fd >= 0) {
        close(peer->fd);
        peer->fd = -1;
    }
    pthread_mutex_lock(&pp->lock);
    pp->done = true;
    pthread_cond_broadcast(&pp->cond);
    pthread_mutex_unlock(&pp->lock);
    return NULL;
}

static int listen_unix(client_peer *peer)
{
    snprintf(peer->dir, sizeof(peer->dir), "/tmp/vw-client-test-XXXXXX");
    if (!mkdtemp(peer->dir)) {
        perror("mkdtemp");
        peer->dir[0] = '\0';
        return -1;
    }
    snprintf(peer->path, sizeof(peer->path), "%s/sock", peer->dir);
    snprintf(peer->uri, sizeof(peer->uri), "test+unix:///default?socket=%s", peer->path);
    peer->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, peer->path, strlen(peer->path) + 1);   /* < 80 bytes: fits */
    if (peer->listen_fd < 0 || bind(peer->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(peer->listen_fd, 4) < 0) {
        perror("peer unix socket");
        return -1;
    }
    return 0;
}

static int listen_tcp(client_peer *peer)
{
    peer->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (peer->listen_fd < 0 || bind(peer->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(peer->listen_fd, 4) < 0 ||
        getsockname(peer->listen_fd, (struct sockaddr *)&addr, &len) < 0) {
        perror("peer tcp socket");
        return -1;
    }
    snprintf(peer->uri, sizeof(peer->uri), "test+tcp://127.0.0.1:%u/default",
             (unsigned)ntohs(addr.sin_port));
    return 0;
}

static void cleanup_listener(client_peer *peer)
{
    if (peer->listen_fd >= 0)
        close(peer->listen_fd);
    if (peer->path[0])
        unlink(peer->path);
    if (peer->dir[0])
        rmdir(peer->dir);
}

static client_peer *start(client_peer_script script, void *opaque, bool tcp)
{
    struct peer_private *pp = calloc(1, sizeof(*pp));
    if (!pp)
        return NULL;
    client_peer *peer = &pp->pub;
    peer->fd = -1;
    peer->listen_fd = -1;
    peer->script = script;
    peer->opaque = opaque;
    if ((tcp ? listen_tcp(peer) : listen_unix(peer)) < 0) {
        cleanup_listener(peer);
        free(pp);
        return NULL;
    }
    pthread_mutex_init(&pp->lock, NULL);
    pthread_cond_init(&pp->cond, NULL);
    if (pthread_create(&pp->thread, NULL, peer_main, pp) != 0) {
        cleanup_listener(peer);
        pthread_mutex_destroy(&pp->lock);
        pthread_cond_destroy(&pp->cond);
        free(pp);
        return NULL;
    }
    return peer;
}

client_peer *client_peer_start(client_peer_script script, void *opaque)
{
    return start(script, opaque, false);
}

client_peer *client_peer_start_tcp(client_peer_script script, void *opaque)
{
    return start(script, opaque, true);
}

int client_peer_finish(client_peer *peer)
{
    struct peer_private *pp = (struct peer_private *)peer;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 30;
    pthread_mutex_lock(&pp->lock);
    while (!pp->done) {
        if (pthread_cond_timedwait(&pp->cond, &pp->lock, &ts) == ETIMEDOUT)
            break;
    }
    bool done = pp->done;
    pthread_mutex_unlock(&pp->lock);
    if (!done) {
        /* the script is stuck: unblock its reads by shutting the sockets, then join */
        fprintf(stderr, "peer: script did not finish within 30 s\n");
        peer->failures++;
        if (peer->fd >= 0)
            shutdown(peer->fd, SHUT_RDWR);
    }
    pthread_join(pp->thread, NULL);
    int failures = peer->failures;
    cleanup_listener(peer);
    free(peer->received);
    pthread_mutex_destroy(&pp->lock);
    pthread_cond_destroy(&pp->cond);
    free(pp);
    return failures;
}

/* Reads exactly n bytes; 1 ok, 0 EOF before any byte, -1 timeout/error/EOF inside. */
static int read_exact(client_peer *peer, uint8_t *buf, size_t n, int timeout_ms)
{
    size_t have = 0;
    while (have < n) {
        struct pollfd p = { .fd = peer->fd, .events = POLLIN };
        int r = poll(&p, 1, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        ssize_t got = read(peer->fd, buf + have, n - have);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return (got == 0 && have == 0) ? 0 : -1;
        uint8_t *grown = realloc(peer->received, peer->received_len + (size_t)got);
        if (grown) {
            memcpy(grown + peer->received_len, buf + have, (size_t)got);
            peer->received = grown;
            peer->received_len += (size_t)got;
        }
        have += (size_t)got;
    }
    return 1;
}

int client_peer_read(client_peer *peer, vw_packet_header *hdr, uint8_t **payload, size_t *len,
              int timeout_ms)
{
    uint8_t lenbuf[4];
    int r = read_exact(peer, lenbuf, 4, timeout_ms);
    if (r <= 0)
        return r;
    uint32_t total = 0;
    vw_error perr;
    if (vw_packet_decode_length(lenbuf, 4, &total, &perr) < 0) {
        fail(peer, perr.text);
        return -1;
    }
    uint8_t *pkt = malloc(total);
    if (!pkt)
        return -1;
    memcpy(pkt, lenbuf, 4);
    if (read_exact(peer, pkt + 4, total - 4, timeout_ms) != 1) {
        free(pkt);
        fail(peer, "client packet truncated");
        return -1;
    }
    vw_packet parsed;
    if (vw_packet_parse(pkt, total, VW_DECODE_STRICT, &parsed, &perr) < 0) {
        free(pkt);
        fail(peer, perr.text);
        return -1;
    }
    *hdr = parsed.hdr;
    if (hdr->type == VW_NET_CALL)
        peer->last_serial = hdr->serial;
    if (len)
        *len = parsed.payload_len;
    if (payload) {
        *payload = malloc(parsed.payload_len ? parsed.payload_len : 1);
        if (*payload)
            memcpy(*payload, parsed.payload, parsed.payload_len);
    }
    free(pkt);
    return 1;
}

int client_peer_expect_call(client_peer *peer, uint32_t prog, int proc, vw_packet_header *hdr,
                     uint8_t **payload, size_t *len)
{
    uint8_t *data = NULL;
    size_t n = 0;
    if (client_peer_read(peer, hdr, &data, &n, 10000) != 1) {
        char msg[96];
        snprintf(msg, sizeof(msg), "expected a call of procedure %d, got none", proc);
        fail(peer, msg);
        return -1;
    }
    if (hdr->prog != prog || hdr->proc != proc || hdr->type != VW_NET_CALL) {
        char msg[128];
        snprintf(msg, sizeof(msg), "expected CALL 0x%x/%d, got type %d 0x%x/%d", prog, proc,
                 hdr->type, hdr->prog, hdr->proc);
        fail(peer, msg);
        free(data);
        return -1;
    }
    if (payload)
        *payload = data;
    else
        free(data);
    if (len)
        *len = n;
    return 0;
}

int client_peer_send(client_peer *peer, uint32_t prog, int proc, int type, uint32_t serial, int status,
              xdrproc_t proc_fn, const void *obj)
{
    vw_packet_header hdr = {
        .prog = prog, .vers = 1, .proc = proc, .type = type, .serial = serial, .status = status,
    };
    vw_buf buf;
    vw_buf_init(&buf);
    vw_error perr;
    int rc = vw_packet_encode(&buf, &hdr, 0, proc_fn, obj, &perr);
    if (rc == 0)
        rc = client_peer_send_raw(peer, buf.data, buf.len);
    else
        fail(peer, perr.text);
    vw_buf_free(&buf);
    return rc;
}

int client_peer_send_raw(client_peer *peer, const void *bytes, size_t len)
{
    return vw_write_all(peer->fd, bytes, len);
}

int client_peer_reply(client_peer *peer, const vw_packet_header *call, xdrproc_t proc, const void *obj)
{
    return client_peer_send(peer, call->prog, call->proc, VW_NET_REPLY, call->serial, VW_NET_OK, proc,
                     obj);
}

int client_peer_reply_error(client_peer *peer, const vw_packet_header *call, const vw_remote_error *rerr)
{
    return client_peer_send(peer, call->prog, call->proc, VW_NET_REPLY, call->serial, VW_NET_ERROR,
                     (xdrproc_t)xdr_vw_remote_error, rerr);
}

vw_conn *client_peer_connect(client_peer *peer, int call_timeout_ms, int ka_interval, int ka_count,
                             unsigned int flags)
{
    vw_conn_options opts;
    vw_conn_options_init(&opts);
    opts.call_timeout_ms = call_timeout_ms;
    opts.keepalive_interval = ka_interval;
    opts.keepalive_count = ka_count;
    opts.flags = flags;
    vw_virerror err = { 0 };
    vw_conn *conn = vw_conn_open(peer->uri, &opts, &err);
    if (!conn)
        fprintf(stderr, "vw_conn_open: %s\n", vw_virerror_message(&err));
    vw_virerror_clear(&err);
    return conn;
}

int client_peer_handshake(client_peer *peer, bool keepalive)
{
    vw_packet_header hdr;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_AUTH_LIST, &hdr, NULL, NULL) < 0)
        return -1;
    vw_auth_type none = VW_REMOTE_AUTH_NONE;
    vw_auth_list_ret auth = { .types = { .types_len = 1, .types_val = &none } };
    if (client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_auth_list_ret, &auth) < 0)
        return -1;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, &hdr,
                         NULL, NULL) < 0)
        return -1;
    vw_connect_supports_feature_ret sup = { .supported = keepalive ? 1 : 0 };
    if (client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_connect_supports_feature_ret, &sup) < 0)
        return -1;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_OPEN, &hdr, NULL,
                         NULL) < 0)
        return -1;
    return client_peer_reply(peer, &hdr, NULL, NULL);
}

void client_peer_serve_close(client_peer *peer)
{
    vw_packet_header hdr;
    for (;;) {
        uint8_t *data = NULL;
        int r = client_peer_read(peer, &hdr, &data, NULL, 10000);
        free(data);
        if (r != 1)
            return;
        if (hdr.type == VW_NET_CALL && hdr.prog == VW_REMOTE_PROGRAM &&
            hdr.proc == VW_REMOTE_PROC_CONNECT_CLOSE)
            client_peer_reply(peer, &hdr, NULL, NULL);
    }
}

void client_peer_drain_until_eof(client_peer *peer)
{
    uint8_t buf[4096];
    for (;;) {
        struct pollfd p = { .fd = peer->fd, .events = POLLIN };
        if (poll(&p, 1, 10000) <= 0)
            return;
        ssize_t n = read(peer->fd, buf, sizeof(buf));
        if (n <= 0 && !(n < 0 && errno == EINTR))
            return;
    }
}

void client_peer_close_client(client_peer *peer)
{
    if (peer->fd >= 0) {
        close(peer->fd);
        peer->fd = -1;
    }
}

void client_peer_sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}
