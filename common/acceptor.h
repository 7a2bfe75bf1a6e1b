/* acceptor.h: a listening socket on the event loop that keeps the loop calm when the process runs
 * out of descriptors, and that a server can hold (its client limits, one client at a time).
 *
 * The loop is level-triggered: a socket with a pending connection that cannot be accepted
 * (EMFILE) would wake it again at once, forever, at 100% CPU. So on "out of descriptors" the
 * socket is unwatched and watched again after VW_ACCEPT_RETRY_MS, with one line on stderr per
 * episode (from the first failure to the next accept that works), not one per wake-up.
 * libvirtd does the same (virnetserverservice.c suspends the service, retries after 5 s); we
 * retry sooner because a test harness should recover quickly.
 *
 * The acceptor is embedded in the server's listener; it does not own or close the socket.
 */
#ifndef VW_ACCEPTOR_H
#define VW_ACCEPTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "evloop.h"

#define VW_ACCEPT_RETRY_MS 100

typedef struct vw_acceptor {
    vw_evloop *loop;
    int fd;
    vw_file_proc *on_ready;       /* called (with data) when a connection is pending */
    void *data;
    char name[160];               /* "fake-libvirtd: unix:/path" for the log line */
    bool held;                    /* the server asked for no accepts (vw_acceptor_hold) */
    bool starved;                 /* out of descriptors since the last accept that worked */
    bool watched;
    long long retry_timer;        /* -1 when none */
    unsigned long long episodes;  /* out-of-descriptor episodes so far */
} vw_acceptor;

/* Starts watching fd. name (e.g. "fake-libvirtd: unix:/tmp/x.sock") prefixes the log line.
 * Returns 0, or -1 with errno set (the loop could not watch fd). */
int vw_acceptor_init(vw_acceptor *a, vw_evloop *loop, int fd, vw_file_proc *on_ready, void *data,
                     const char *name);
/* Accepts one connection: its fd (non-blocking, close-on-exec); -2 when none can be taken now
 * (nothing pending, held, or out of descriptors: then the socket rests, see above); -1 on
 * another error with the reason in err. */
int vw_acceptor_accept(vw_acceptor *a, char *err, size_t errlen);
/* on: stop accepting (connections wait in the backlog); off: accept again. */
void vw_acceptor_hold(vw_acceptor *a, bool on);
/* Stops watching and drops the retry timer (the socket stays open). */
void vw_acceptor_fini(vw_acceptor *a);

#endif
