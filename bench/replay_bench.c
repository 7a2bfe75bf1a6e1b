/* replay_bench.c: messages per second of a libvirt RPC call loop over a raw unix socket, for
 * comparing fake-libvirtd's replay mode with its model mode, its record mode and the socket
 * itself (bench/replay_modes.py runs them side by side).
 *
 *   replay_bench pingpong CALLS            the ceiling: one process echoes a 28-byte call as a
 *                                          36-byte reply over a socketpair, CALLS round trips
 *   replay_bench client SOCKET CALLS [WINDOW]
 *                                          AUTH_LIST + CONNECT_OPEN test:///default, then CALLS
 *                                          CONNECT_GET_LIB_VERSION calls, WINDOW in flight at
 *                                          once (default 1); every reply is checked (REPLY, OK,
 *                                          the serial of a call in flight)
 *
 * Prints one line: "<mode> <messages> messages in <seconds> s = <rate> msg/s", where messages
 * counts calls and replies (2 per round trip), so 50,000 calls are a 100,000-message run. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_clients.h"

#define REMOTE_PROGRAM 0x20008086u
#define PROC_CONNECT_OPEN 1
#define PROC_AUTH_LIST 66
#define PROC_GET_LIB_VERSION 157
#define MAX_REPLY (1u << 20)

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A CALL with payload into buf (room for 28 + plen). Returns its length. */
static size_t build_call(uint8_t *buf, int32_t proc, uint32_t serial, const uint8_t *payload,
                         size_t plen)
{
    put32(buf, (uint32_t)(28 + plen));
    put32(buf + 4, REMOTE_PROGRAM);
    put32(buf + 8, 1);
    put32(buf + 12, (uint32_t)proc);
    put32(buf + 16, 0);             /* CALL */
    put32(buf + 20, serial);
    put32(buf + 24, 0);             /* OK */
    if (plen)
        memcpy(buf + 28, payload, plen);
    return 28 + plen;
}

/* Reads one packet; checks it is an OK REPLY. Returns its serial via *serial, 0 or -1. */
static int read_reply(int fd, uint8_t *buf, uint32_t *serial, const char *what)
{
    if (bench_read_full(fd, buf, 4) < 0) {
        fprintf(stderr, "replay_bench: %s: the server closed the connection\n", what);
        return -1;
    }
    uint32_t len = get32(buf);
    if (len < 28 || len > MAX_REPLY) {
        fprintf(stderr, "replay_bench: %s: bad packet length %u\n", what, len);
        return -1;
    }
    if (bench_read_full(fd, buf + 4, len - 4) < 0) {
        fprintf(stderr, "replay_bench: %s: the server closed the connection\n", what);
        return -1;
    }
    uint32_t type = get32(buf + 16), status = get32(buf + 24);
    if (type != 1 || status != 0) {
        fprintf(stderr, "replay_bench: %s: expected an OK REPLY, got type %u status %u\n", what,
                type, status);
        return -1;
    }
    *serial = get32(buf + 20);
    return 0;
}

static int bench_pingpong(unsigned long calls)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        perror("replay_bench: socketpair");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("replay_bench: fork");
        return 1;
    }
    uint8_t call[28], reply[36];
    build_call(call, PROC_GET_LIB_VERSION, 0, NULL, 0);
    if (pid == 0) {
        close(sv[0]);
        memcpy(reply, call, 28);
        put32(reply, 36);
        put32(reply + 16, 1);
        memset(reply + 28, 0, 8);
        while (bench_read_full(sv[1], call, sizeof(call)) == 0) {
            memcpy(reply + 20, call + 20, 4);
            if (bench_write_full(sv[1], reply, sizeof(reply)) < 0)
                break;
        }
        _exit(0);
    }
    close(sv[1]);
    double start = bench_now();
    for (unsigned long i = 0; i < calls; i++) {
        put32(call + 20, (uint32_t)i);
        if (bench_write_full(sv[0], call, sizeof(call)) < 0 || bench_read_full(sv[0], reply, 4) < 0 ||
            bench_read_full(sv[0], reply + 4, 32) < 0) {
            fprintf(stderr, "replay_bench: ping-pong peer went away\n");
            return 1;
        }
    }
    double t = bench_now() - start;
    close(sv[0]);
    waitpid(pid, NULL, 0);
    printf("pingpong %lu messages in %.3f s = %.0f msg/s\n", 2 * calls, t, 2 * calls / t);
    return 0;
}

static int bench_client(const char *path, unsigned long calls, unsigned window)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "replay_bench: socket path too long: %s\n", path);
        return 1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "replay_bench: cannot connect to %s: %s\n", path, strerror(errno));
        return 1;
    }
    uint8_t *buf = malloc(MAX_REPLY);
    uint8_t *out = malloc(28 * (size_t)(window ? window : 1) + 64);
    if (!buf || !out) {
        fprintf(stderr, "replay_bench: out of memory\n");
        return 1;
    }
    uint32_t serial = 0, got;
    /* the handshake every libvirt client does */
    static const uint8_t open_args[] = { 0, 0, 0, 1, 0, 0, 0, 15, 't', 'e', 's', 't', ':', '/',
                                         '/', '/', 'd', 'e', 'f', 'a', 'u', 'l', 't', 0, 0, 0,
                                         0, 0 };
    size_t n = build_call(out, PROC_AUTH_LIST, serial++, NULL, 0);
    if (bench_write_full(fd, out, n) < 0 || read_reply(fd, buf, &got, "AUTH_LIST") < 0)
        return 1;
    n = build_call(out, PROC_CONNECT_OPEN, serial++, open_args, sizeof(open_args));
    if (bench_write_full(fd, out, n) < 0 || read_reply(fd, buf, &got, "CONNECT_OPEN") < 0)
        return 1;
    unsigned long sent = 0, received = 0;
    uint32_t first = serial;
    double start = bench_now();
    while (received < calls) {
        /* top the window up, in one write */
        size_t len = 0;
        while (sent < calls && sent - received < window) {
            len += build_call(out + len, PROC_GET_LIB_VERSION, first + (uint32_t)sent, NULL, 0);
            sent++;
        }
        if (len && bench_write_full(fd, out, len) < 0) {
            fprintf(stderr, "replay_bench: the server closed the connection\n");
            return 1;
        }
        if (read_reply(fd, buf, &got, "CONNECT_GET_LIB_VERSION") < 0)
            return 1;
        if (got != first + (uint32_t)received) {
            fprintf(stderr, "replay_bench: reply serial %u, expected %u\n", got,
                    first + (uint32_t)received);
            return 1;
        }
        received++;
    }
    double t = bench_now() - start;
    close(fd);
    free(buf);
    free(out);
    printf("client %lu messages in %.3f s = %.0f msg/s\n", 2 * calls, t, 2 * calls / t);
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: replay_bench pingpong CALLS\n"
                 "       replay_bench client SOCKET CALLS [WINDOW]\n");
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "pingpong"))
        return bench_pingpong(strtoul(argv[2], NULL, 10));
    if ((argc == 4 || argc == 5) && !strcmp(argv[1], "client")) {
        unsigned long window = argc == 5 ? strtoul(argv[4], NULL, 10) : 1;
        if (window < 1 || window > 4096) {
            fprintf(stderr, "replay_bench: WINDOW must be 1..4096\n");
            return 2;
        }
        return bench_client(argv[2], strtoul(argv[3], NULL, 10), (unsigned)window);
    }
    usage(stderr);
    return 2;
}
