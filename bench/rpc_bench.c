/* rpc_bench.c: round trips per second of a synchronous call loop.
 *
 *   rpc_bench pingpong SECONDS [block|poll]
 *                                   raw unix-socket ping-pong of 28-byte packets between two processes:
 *                                   the ceiling any server on this machine can reach. block (default):
 *                                   each side waits in read(2); poll: each side waits in poll(2), then
 *                                   reads, as an event loop (fake-libvirtd) and our client do. Which
 *                                   is faster depends on the machine: docs/benchmarks.md, "Per-call
 *                                   cost"
 *   rpc_bench client URI SECONDS [CLIENTS]
 *                                   CONNECT_GET_LIB_VERSION through our client library, one call at a
 *                                   time per connection, against whatever daemon URI names (real or
 *                                   fake), from CLIENTS processes at once (default 1; bench_clients.c)
 *
 * Prints one line: "<mode> ... = <rate> rt/s". */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_clients.h"
#include "libvirt_client.h"

/* One 28-byte packet from fd; with use_poll, poll(2) waits for it first. */
static int read_packet(int fd, unsigned char *pkt, size_t len, int use_poll)
{
    if (use_poll) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int n;
        while ((n = poll(&p, 1, 30000)) < 0 && errno == EINTR)
            ;
        if (n != 1)
            return -1;
    }
    return bench_read_full(fd, pkt, len);
}

static int bench_pingpong(double seconds, int use_poll)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        perror("rpc_bench: socketpair");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("rpc_bench: fork");
        return 1;
    }
    unsigned char pkt[28] = { 0, 0, 0, 28, 0x20, 0x00, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0, 157 };
    if (pid == 0) {
        close(sv[0]);
        while (read_packet(sv[1], pkt, sizeof pkt, use_poll) == 0 &&
               bench_write_full(sv[1], pkt, sizeof pkt) == 0)
            ;
        _exit(0);
    }
    close(sv[1]);
    unsigned long long count = 0;
    double start = bench_now(), end = start + seconds, t = start;
    while (t < end) {
        for (int i = 0; i < 1000; i++) {
            if (bench_write_full(sv[0], pkt, sizeof pkt) < 0 ||
                read_packet(sv[0], pkt, sizeof pkt, use_poll) < 0) {
                fprintf(stderr, "rpc_bench: ping-pong peer went away\n");
                return 1;
            }
        }
        count += 1000;
        t = bench_now();
    }
    close(sv[0]);
    waitpid(pid, NULL, 0);
    printf("pingpong%s %llu in %.2f s = %.0f rt/s\n", use_poll ? "-poll" : "", count, t - start,
           count / (t - start));
    return 0;
}

static void *ours_open(const char *uri)
{
    vw_virerror err = { 0 };
    vw_conn *conn = vw_conn_open(uri, NULL, &err);
    if (!conn) {
        fprintf(stderr, "rpc_bench: cannot open %s: %s\n", uri, vw_virerror_message(&err));
        vw_virerror_clear(&err);
    }
    return conn;
}

static int ours_call(void *h)
{
    vw_virerror err = { 0 };
    uint64_t version;
    if (vw_connect_get_lib_version(h, &version, &err) < 0) {
        fprintf(stderr, "rpc_bench: call failed: %s\n", vw_virerror_message(&err));
        vw_virerror_clear(&err);
        return -1;
    }
    return 0;
}

static void ours_close(void *h)
{
    vw_conn_close(h, NULL);
}

static const bench_peer our_client = { "client", ours_open, ours_call, ours_close };

static void usage(FILE *out)
{
    fprintf(out, "usage: rpc_bench pingpong SECONDS [block|poll]\n"
                 "       rpc_bench client URI SECONDS [CLIENTS]\n");
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if ((argc == 3 || argc == 4) && !strcmp(argv[1], "pingpong")) {
        double seconds;
        int ignored;
        if (bench_parse_args("rpc_bench", argv[2], NULL, &seconds, &ignored) < 0)
            return 2;
        if (argc == 4 && strcmp(argv[3], "block") && strcmp(argv[3], "poll")) {
            fprintf(stderr, "rpc_bench: the ping-pong waits in read (block) or in poll (poll), "
                            "not '%s'\n", argv[3]);
            return 2;
        }
        return bench_pingpong(seconds, argc == 4 && !strcmp(argv[3], "poll"));
    }
    if ((argc == 4 || argc == 5) && !strcmp(argv[1], "client")) {
        double seconds;
        int clients;
        if (bench_parse_args("rpc_bench", argv[3], argc == 5 ? argv[4] : NULL, &seconds, &clients) < 0)
            return 2;
        return bench_clients_run(&our_client, argv[2], seconds, clients);
    }
    usage(stderr);
    return 2;
}
