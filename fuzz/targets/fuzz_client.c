/* fuzz_client.c: the client library (client/libvirt_client) fed a server byte stream while it
 * makes calls: the handshake (AUTH_LIST, SUPPORTS_FEATURE, CONNECT_OPEN through
 * vw_conn_open_fd), then the read-only calls of fuzz_client_calls.h, then vw_conn_close.
 *
 * Input: the bytes a server sends on one connection, as `make fuzz-corpus` records them from the
 * real libvirtd answering exactly this call sequence (fuzz/corpus/client_seed.c through
 * `vwtrace record-libvirt`). A peer thread plays the server on a socketpair: it waits for each
 * CALL of the client, then sends the input's packets (framed by their length words, so a bad
 * length sends the rest of the input as one piece) up to and including a REPLY (REMOTE or QEMU
 * program) that carries that call's serial; packets that answer nothing (events, keepalive PINGs, streams, replies
 * with unknown serials, garbage) are sent on without waiting. At the end of the input it shuts
 * down its side (the client sees the server close mid-call) and drains until the client closes.
 *
 * Serials are the client's (0, 1, 2, ... in call order), so a stream recorded for this sequence
 * replays deterministically and mutations reach every routing path: unsolicited replies, unknown
 * serials, duplicate replies, errors, events for registered and unregistered callbacks, close at
 * any byte. A new connection (two library threads) per input; LSan checks nothing leaks. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_client_calls.h"
#include "fuzz_stream.h"
#include "libvirt_client.h"
#include "vw_util.h"

/* How long the peer waits for the client's next packet after answering its call. Only inputs
 * whose answer the client does not take as one (it then waits for its call timeout, below) pay
 * it: everything else moves on as soon as the client's next CALL arrives. */
#define PEER_WAIT_MS 200
#define CALL_TIMEOUT_MS 400

typedef struct {
    int fd;
    const uint8_t *data;
    size_t size;
} peer_args;

/* Reads one packet of the client (trusted framing). Returns 1 with its type and serial, 0 on
 * timeout, -1 on EOF or error. */
static int read_client_packet(int fd, int timeout_ms, uint32_t *type, uint32_t *serial)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int r = poll(&pfd, 1, timeout_ms);
    if (r <= 0)
        return r < 0 && errno != EINTR ? -1 : 0;
    uint8_t hdr[28];
    if (recv(fd, hdr, sizeof(hdr), MSG_WAITALL) != (ssize_t)sizeof(hdr))
        return -1;
    uint32_t len = vw_get_be32(hdr);
    if (len < sizeof(hdr))
        return -1;
    for (size_t left = len - sizeof(hdr); left > 0;) {
        uint8_t skip[4096];
        ssize_t n = recv(fd, skip, left < sizeof(skip) ? left : sizeof(skip), 0);
        if (n <= 0)
            return -1;
        left -= (size_t)n;
    }
    *type = vw_get_be32(hdr + 16);
    *serial = vw_get_be32(hdr + 20);
    return 1;
}

static void *peer_main(void *arg)
{
    peer_args *a = arg;
    size_t off = 0;
    uint32_t type, serial;
    /* wait for a CALL, answer it from the input, repeat */
    while (off < a->size) {
        int r;
        do
            r = read_client_packet(a->fd, PEER_WAIT_MS, &type, &serial);
        while (r == 1 && type != 0 /* CALL */);
        if (r < 0)
            break;
        bool waiting = r == 1;
        while (off < a->size) {
            size_t n = a->size - off;
            bool answers = false;
            if (n >= 24) {
                uint32_t len = vw_get_be32(a->data + off);
                if (len >= 4 && len < n)
                    n = len;
                /* what the client's I/O thread takes as the answer: a REPLY of a program it
                 * speaks with the serial of the waiting call (anything else it drops) */
                uint32_t prog = vw_get_be32(a->data + off + 4), t = vw_get_be32(a->data + off + 16);
                answers = waiting && (prog == 0x20008086u || prog == 0x20008087u) && t == 1 &&
                          vw_get_be32(a->data + off + 20) == serial;
            }
            if (vw_write_all(a->fd, a->data + off, n) < 0) {
                off = a->size;
                break;
            }
            off += n;
            if (answers)
                break;
        }
    }
    shutdown(a->fd, SHUT_WR);
    for (;;) {   /* until the client closes */
        uint8_t sink[4096];
        ssize_t n = recv(a->fd, sink, sizeof(sink), 0);
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        perror("fuzz_client: socketpair");
        abort();
    }
    peer_args args = { .fd = sv[0], .data = data, .size = fuzz_stream_rpc_cut(data, size) };
    pthread_t peer;
    if (pthread_create(&peer, NULL, peer_main, &args) != 0) {
        fprintf(stderr, "fuzz_client: cannot start the peer thread\n");
        abort();
    }
    vw_conn_options opts;
    vw_conn_options_init(&opts);
    opts.connect_timeout_ms = CALL_TIMEOUT_MS;
    opts.call_timeout_ms = CALL_TIMEOUT_MS;
    opts.keepalive_interval = 0;
    opts.log = NULL;
    vw_virerror err = { 0 };
    vw_conn *conn = vw_conn_open_fd(sv[1], "test:///default", &opts, &err);
    vw_virerror_clear(&err);
    unsigned events = 0;
    if (conn) {
        fuzz_client_calls(conn, &events);
        vw_conn_stats st;
        vw_conn_get_stats(conn, &st);
        vw_conn_close(conn, &err);
        vw_virerror_clear(&err);
    }
    pthread_join(peer, NULL);
    close(sv[0]);
    return 0;
}
