/* bench_clients.c: see bench_clients.h. */
#include "bench_clients.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 256

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_parse_args(const char *prog, const char *secs, const char *clients, double *seconds,
                     int *nclients)
{
    char *end;
    *seconds = strtod(secs, &end);
    if (*end || !(*seconds > 0) || *seconds > 3600) {
        fprintf(stderr, "%s: SECONDS must be a number between 0 and 3600, not '%s'\n", prog, secs);
        return -1;
    }
    *nclients = 1;
    if (clients) {
        long n = strtol(clients, &end, 10);
        if (*end || n < 1 || n > MAX_CLIENTS) {
            fprintf(stderr, "%s: CLIENTS must be 1..%d, not '%s'\n", prog, MAX_CLIENTS, clients);
            return -1;
        }
        *nclients = (int)n;
    }
    return 0;
}

struct result {
    unsigned long long calls;
    double seconds;
    int ok;
};

int bench_write_full(int fd, const void *buf, size_t len)
{
    size_t put = 0;
    while (put < len) {
        ssize_t n = write(fd, (const char *)buf + put, len - put);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        put += (size_t)n;
    }
    return 0;
}

int bench_read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* One client process: open, say ready, wait for the start signal (EOF on go), call. */
static void client_main(const bench_peer *peer, const char *target, double seconds, int ready,
                        int go, int out)
{
    struct result r = { 0, 0, 0 };
    void *h = peer->open(target);
    char c = h ? 'r' : 'x';
    if (write(ready, &c, 1) != 1 || !h)
        _exit(1);
    while (read(go, &c, 1) < 0 && errno == EINTR)
        ;
    double start = bench_now(), end = start + seconds, t = start;
    while (t < end) {
        for (int i = 0; i < 50; i++) {
            if (peer->call(h) < 0)
                goto done;
        }
        r.calls += 50;
        t = bench_now();
    }
    r.ok = 1;
done:
    r.seconds = bench_now() - start;
    peer->close(h);
    if (write(out, &r, sizeof r) != (ssize_t)sizeof r)
        _exit(1);
    _exit(r.ok ? 0 : 1);
}

int bench_clients_run(const bench_peer *peer, const char *target, double seconds, int clients)
{
    int ready[2], go[2], out[2];
    if (pipe(ready) < 0 || pipe(go) < 0 || pipe(out) < 0) {
        perror("bench: pipe");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    pid_t pids[MAX_CLIENTS];
    int started = 0, failed = 0;
    for (; started < clients; started++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("bench: fork");
            failed = 1;
            break;
        }
        if (pid == 0) {
            close(ready[0]);
            close(go[1]);
            close(out[0]);
            client_main(peer, target, seconds, ready[1], go[0], out[1]);
        }
        pids[started] = pid;
    }
    close(ready[1]);
    close(go[0]);
    close(out[1]);
    for (int i = 0; i < started && !failed; i++) {
        char c;
        if (bench_read_full(ready[0], &c, 1) < 0 || c != 'r')
            failed = 1;
    }
    close(go[1]);                 /* the start signal: every client reads EOF */
    unsigned long long calls = 0;
    double rate = 0, longest = 0;
    for (int i = 0; i < started && !failed; i++) {
        struct result r;
        if (bench_read_full(out[0], &r, sizeof r) < 0 || !r.ok) {
            failed = 1;
            break;
        }
        calls += r.calls;
        rate += r.calls / r.seconds;
        if (r.seconds > longest)
            longest = r.seconds;
    }
    for (int i = 0; i < started; i++) {
        if (failed)
            kill(pids[i], SIGTERM);
        waitpid(pids[i], NULL, 0);
    }
    close(ready[0]);
    close(out[0]);
    if (failed) {
        fprintf(stderr, "%s: a client against %s failed (see above)\n", peer->name, target);
        return 1;
    }
    printf("%s %d clients: %llu in %.2f s = %.0f rt/s\n", peer->name, clients, calls, longest, rate);
    fflush(stdout);
    return 0;
}
