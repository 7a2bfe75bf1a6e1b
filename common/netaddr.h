/* netaddr.h: socket addresses written as `unix:PATH` or `tcp:HOST:PORT`, and the socket helpers
 * the servers and clients need: listen, non-blocking accept, connect with a timeout.
 *
 * Modelled on Redis anet.c: plain functions, every error written into the caller's buffer as a
 * sentence a person can act on (it names the address and the failing call).
 * All sockets returned are close-on-exec; listening and accepted sockets are non-blocking.
 */
#ifndef VW_NETADDR_H
#define VW_NETADDR_H

#include <stddef.h>

#define VW_NETADDR_UNIX 1
#define VW_NETADDR_TCP  2

typedef struct {
    int kind;              /* VW_NETADDR_UNIX or VW_NETADDR_TCP */
    char path[108];        /* unix: socket path (sun_path size) */
    char host[256];        /* tcp: host name or address; IPv6 may be written [::1] */
    int port;              /* tcp: 0..65535 (0 = any free port when listening) */
} vw_netaddr;

/* Parses "unix:PATH" or "tcp:HOST:PORT" ("tcp:[::1]:4444" for IPv6).
 * Returns 0, or -1 with the reason in err. */
int vw_netaddr_parse(const char *spec, vw_netaddr *addr, char *err, size_t errlen);

/* Formats addr back as "unix:PATH" / "tcp:HOST:PORT" into buf. Returns buf. */
char *vw_netaddr_format(const vw_netaddr *addr, char *buf, size_t buflen);

/* Creates a listening, non-blocking socket. For unix sockets a stale socket file (nobody
 * accepting on it) is removed first; a live socket or a file that is not a socket is refused.
 * Returns the fd, or -1 with the reason in err. */
int vw_netaddr_listen(const vw_netaddr *addr, int backlog, char *err, size_t errlen);

/* Accepts one connection on a listening socket; the new fd is non-blocking.
 * Returns the fd; -2 when no connection is pending (EAGAIN); VW_NETADDR_NO_FDS (with the reason
 * in err) when the process or the system is out of descriptors or socket memory (EMFILE,
 * ENFILE, ENOBUFS, ENOMEM: the connection stays pending, so the caller should stop watching the
 * socket for a while, common/acceptor.h); -1 on another error with the reason in err. */
#define VW_NETADDR_NO_FDS (-3)
int vw_netaddr_accept(int listen_fd, char *err, size_t errlen);

/* Connects with a timeout (milliseconds, > 0). The returned fd is blocking.
 * Returns the fd, or -1 with the reason in err. */
int vw_netaddr_connect(const vw_netaddr *addr, int timeout_ms, char *err, size_t errlen);

/* 1 when a server listening on addr can be reached from this host only: a unix socket, or a tcp
 * host every one of whose addresses is loopback (127.0.0.0/8, ::1, ::ffff:127.x). 0 otherwise,
 * including a wildcard (0.0.0.0, ::) and a host that does not resolve. */
int vw_netaddr_is_loopback(const vw_netaddr *addr);

/* The local TCP port of a bound socket (for listening on port 0), or -1. */
int vw_netaddr_local_port(int fd);

/* Sets or clears O_NONBLOCK. Returns 0, or -1 with the reason in err. */
int vw_netaddr_set_nonblock(int fd, int nonblock, char *err, size_t errlen);

/* One recv / send on a non-blocking socket, EINTR retried: the byte count (> 0), 0 when there
 * is nothing to read / no room to write now (EAGAIN), -1 when the connection is over (the peer
 * closed it, or an error). The send never raises SIGPIPE. */
long vw_netaddr_recv(int fd, void *buf, size_t len);   /* len > 0 */
long vw_netaddr_send(int fd, const void *buf, size_t len);

#endif
