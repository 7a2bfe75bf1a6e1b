/* bench_clients.h: N client processes calling one operation in a loop, started together.
 *
 * Each bench program (rpc_bench, libvirt_bench, qmp_bench) describes its peer as a bench_peer
 * and lets bench_clients_run fork the clients, so that every peer is measured the same way:
 * every client opens its own connection before the clock starts, all start on one signal, each
 * calls for SECONDS, and the rates of all clients are added up. */
#ifndef BENCH_CLIENTS_H
#define BENCH_CLIENTS_H

#include <stddef.h>

typedef struct bench_peer {
    const char *name;                      /* first word of the result line */
    void *(*open)(const char *target);     /* NULL after printing why to stderr */
    int (*call)(void *handle);             /* one round trip: 0, or -1 after printing why */
    void (*close)(void *handle);
} bench_peer;

/* Runs `clients` processes against target for `seconds` each and prints one line:
 * "<name> <clients> clients: <calls> in <seconds> s = <rate> rt/s".
 * Returns the exit status for main (0, or 1 when any client failed). */
int bench_clients_run(const bench_peer *peer, const char *target, double seconds, int clients);

/* read/write exactly len bytes (EINTR retried): 0, or -1 on error or end of file. */
int bench_read_full(int fd, void *buf, size_t len);
int bench_write_full(int fd, const void *buf, size_t len);

/* Monotonic seconds. */
double bench_now(void);

/* "SECONDS [CLIENTS]" from argv: 0, or -1 after printing what is wrong. */
int bench_parse_args(const char *prog, const char *secs, const char *clients, double *seconds,
                     int *nclients);

#endif
