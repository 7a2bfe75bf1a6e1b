/* listeners.h: fake-libvirtd's listening sockets: --listen, --listen-ro (unix only, mode 0666)
 * and --listen-tls (tcp only) parsed and bound, each on an acceptor (common/acceptor.h) that
 * rests when out of descriptors and that the server holds at its client limits. Every accepted
 * socket goes to one callback with the listener it came from; unix socket files are removed
 * when the listeners close.
 */
#ifndef FL_LISTENERS_H
#define FL_LISTENERS_H

#include <stdbool.h>
#include <stddef.h>

#include "acceptor.h"
#include "evloop.h"
#include "netaddr.h"

#define FL_MAX_LISTENERS 16       /* per kind (--listen, --listen-ro, --listen-tls) */

typedef struct fl_listener fl_listener;

/* A client was accepted on l: fd is the caller's. */
typedef void fl_listener_accept_fn(void *opaque, const fl_listener *l, int fd);

struct fl_listener {
    int fd;
    bool readonly;
    bool tls;                     /* --listen-tls: clients start with the TLS handshake */
    int auth;                     /* VW_REMOTE_AUTH_*: what AUTH_LIST answers its clients */
    vw_netaddr addr;
    vw_acceptor acc;              /* rests when out of descriptors, held at the client limits */
    struct fl_listeners *set;
};

typedef struct fl_listeners {
    fl_listener items[3 * FL_MAX_LISTENERS];
    int count;
    vw_evloop *loop;
    int verbose;
    fl_listener_accept_fn *accept;
    void *opaque;
} fl_listeners;

void fl_listeners_init(fl_listeners *ls, vw_evloop *loop, int verbose,
                       fl_listener_accept_fn *accept, void *opaque);
/* Binds spec (unix:PATH or tcp:HOST:PORT) and watches it; auth is what AUTH_LIST answers its
 * clients. Returns 0, or -1 with a message naming the option in err. */
int fl_listeners_add(fl_listeners *ls, const char *spec, bool readonly, bool tls, int auth,
                     char *err, size_t errlen);
/* Stops (hold) or resumes taking clients on every listener. */
void fl_listeners_hold(fl_listeners *ls, bool hold);
/* Closes every socket and removes the unix socket files. */
void fl_listeners_close(fl_listeners *ls);

#endif
