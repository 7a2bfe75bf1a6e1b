/* rpc_bench.c: round trips per second of a synchronous call loop.
 *
 *   rpc_bench pingpong SECONDS      raw unix-socket ping-pong of 28-byte packets between two processes:
 *                                   the ceiling any server on this machine can reach
 *   rpc_bench client URI SECONDS    CONNECT_GET_LIB_VERSION through our client library, one call at a
 *                                   time, against whatever daemon URI names (real or fake)
 *
 * Prints one line: "<mode> <round trips> in <seconds> s = <rate> rt/s". */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vw_util.h"

#include "libvirt_client.h"

static double now_seconds(void)
{
    return (double)vw_now_ns() / 1e9;
}

static int read_full(int fd, unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

static int write_full(int fd, const unsigned char *buf, size_t len)
{
    size_t put = 0;
    while (put < len) {
        ssize_t n = write(fd, buf + put, len - put);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        put += (size_t)n;
    }
    return 0;
}

static int bench_pingpong(double seconds)
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
        while (read_full(sv[1], pkt, sizeof pkt) == 0 && write_full(sv[1], pkt, sizeof pkt) == 0)
            ;
        _exit(0);
    }
    close(sv[1]);
    unsigned long long count = 0;
    double start = now_seconds(), end = start + seconds, t = start;
    while (t < end) {
        for (int i = 0; i < 1000; i++) {
            if (write_full(sv[0], pkt, sizeof pkt) < 0 || read_full(sv[0], pkt, sizeof pkt) < 0) {
                fprintf(stderr, "rpc_bench: ping-pong peer went away\n");
                return 1;
            }
        }
        count += 1000;
        t = now_seconds();
    }
    close(sv[0]);
    waitpid(pid, NULL, 0);
    printf("pingpong %llu in %.2f s = %.0f rt/s\n", count, t - start, count / (t - start));
    return 0;
}

static int bench_client(const char *uri, double seconds)
{
    vw_client_error err = { 0 };
    vw_conn *conn = vw_conn_open(uri, NULL, &err);
    if (!conn) {
        fprintf(stderr, "rpc_bench: cannot open %s: %s\n", uri, vw_client_error_message(&err));
        vw_client_error_clear(&err);
        return 1;
    }
    unsigned long long count = 0;
    double start = now_seconds(), end = start + seconds, t = start;
    while (t < end) {
        for (int i = 0; i < 100; i++) {
            uint64_t version;
            if (vw_connect_get_lib_version(conn, &version, &err) < 0) {
                fprintf(stderr, "rpc_bench: call failed: %s\n", vw_client_error_message(&err));
                vw_client_error_clear(&err);
                vw_conn_close(conn, NULL);
                return 1;
            }
        }
        count += 100;
        t = now_seconds();
    }
    vw_conn_close(conn, NULL);
    printf("client %llu in %.2f s = %.0f rt/s\n", count, t - start, count / (t - start));
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: rpc_bench pingpong SECONDS\n"
                 "       rpc_bench client URI SECONDS\n");
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "pingpong"))
        return bench_pingpong(atof(argv[2]));
    if (argc == 4 && !strcmp(argv[1], "client"))
        return bench_client(argv[2], atof(argv[3]));
    usage(stderr);
    return 2;
}
