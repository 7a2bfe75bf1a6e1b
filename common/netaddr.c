/* netaddr.c: address parsing and socket helpers, see netaddr.h. */
#include "netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int vw_netaddr_parse(const char *spec, vw_netaddr *addr, char *err, size_t errlen)
{
    memset(addr, 0, sizeof(*addr));
    if (!spec) {
        snprintf(err, errlen, "no address given (expected unix:PATH or tcp:HOST:PORT)");
        return -1;
    }
    if (strncmp(spec, "unix:", 5) == 0) {
        const char *path = spec + 5;
        if (*path == '\0') {
            snprintf(err, errlen, "address '%s': empty socket path", spec);
            return -1;
        }
        if (strlen(path) >= sizeof(addr->path)) {
            snprintf(err, errlen, "address '%s': socket path longer than %zu bytes",
                     spec, sizeof(addr->path) - 1);
            return -1;
        }
        addr->kind = VW_NETADDR_UNIX;
        strcpy(addr->path, path);
        return 0;
    }
    if (strncmp(spec, "tcp:", 4) == 0) {
        const char *hp = spec + 4;
        const char *host_end, *colon;
        const char *host = hp;
        if (*hp == '[') {
            host = hp + 1;
            host_end = strchr(host, ']');
            if (!host_end || host_end[1] != ':') {
                snprintf(err, errlen, "address '%s': expected tcp:[IPV6]:PORT", spec);
                return -1;
            }
            colon = host_end + 1;
        } else {
            colon = strrchr(hp, ':');
            if (!colon) {
                snprintf(err, errlen, "address '%s': missing port (expected tcp:HOST:PORT)", spec);
                return -1;
            }
            host_end = colon;
        }
        size_t hlen = (size_t)(host_end - host);
        if (hlen == 0) {
            snprintf(err, errlen, "address '%s': empty host (expected tcp:HOST:PORT)", spec);
            return -1;
        }
        if (hlen >= sizeof(addr->host)) {
            snprintf(err, errlen, "address '%s': host name too long", spec);
            return -1;
        }
        const char *ps = colon + 1;
        char *end = NULL;
        errno = 0;
        long port = strtol(ps, &end, 10);
        if (*ps == '\0' || *end != '\0' || errno != 0 || port < 0 || port > 65535) {
            snprintf(err, errlen, "address '%s': port '%s' is not a number from 0 to 65535",
                     spec, ps);
            return -1;
        }
        addr->kind = VW_NETADDR_TCP;
        memcpy(addr->host, host, hlen);
        addr->host[hlen] = '\0';
        addr->port = (int)port;
        return 0;
    }
    snprintf(err, errlen, "address '%s': unknown kind (expected unix:PATH or tcp:HOST:PORT)", spec);
    return -1;
}

char *vw_netaddr_format(const vw_netaddr *addr, char *buf, size_t buflen)
{
    if (addr->kind == VW_NETADDR_UNIX)
        snprintf(buf, buflen, "unix:%s", addr->path);
    else if (strchr(addr->host, ':'))
        snprintf(buf, buflen, "tcp:[%s]:%d", addr->host, addr->port);
    else
        snprintf(buf, buflen, "tcp:%s:%d", addr->host, addr->port);
    return buf;
}

int vw_netaddr_set_nonblock(int fd, int nonblock, char *err, size_t errlen)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) {
        snprintf(err, errlen, "fcntl(F_GETFL): %s", strerror(errno));
        return -1;
    }
    flags = nonblock ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (fcntl(fd, F_SETFL, flags) < 0) {
        snprintf(err, errlen, "fcntl(F_SETFL): %s", strerror(errno));
        return -1;
    }
    return 0;
}

static void fill_sun(const vw_netaddr *addr, struct sockaddr_un *sun)
{
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, addr->path, strlen(addr->path) + 1);
}

/* Is someone accepting on this unix socket path? 1 yes, 0 no. */
static int unix_socket_is_live(const vw_netaddr *addr)
{
    struct sockaddr_un sun;
    fill_sun(addr, &sun);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return 0;
    int live = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 || errno == EAGAIN;
    close(fd);
    return live;
}

static int listen_unix(const vw_netaddr *addr, int backlog, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(addr->path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "unix:%s exists and is not a socket; refusing to replace it",
                     addr->path);
            return -1;
        }
        if (unix_socket_is_live(addr)) {
            snprintf(err, errlen, "unix:%s is in use by another server", addr->path);
            return -1;
        }
        if (unlink(addr->path) < 0) {
            snprintf(err, errlen, "unix:%s: cannot remove stale socket: %s", addr->path,
                     strerror(errno));
            return -1;
        }
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "unix:%s: socket: %s", addr->path, strerror(errno));
        return -1;
    }
    struct sockaddr_un sun;
    fill_sun(addr, &sun);
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        snprintf(err, errlen, "unix:%s: bind: %s", addr->path, strerror(errno));
        close(fd);
        return -1;
    }
    if (listen(fd, backlog) < 0) {
        snprintf(err, errlen, "unix:%s: listen: %s", addr->path, strerror(errno));
        close(fd);
        unlink(addr->path);
        return -1;
    }
    return fd;
}

static struct addrinfo *resolve_tcp(const vw_netaddr *addr, int passive, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    char port[16];
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    snprintf(port, sizeof(port), "%d", addr->port);
    int rc = getaddrinfo(addr->host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "tcp:%s:%d: cannot resolve host: %s", addr->host, addr->port,
                 gai_strerror(rc));
        return NULL;
    }
    return res;
}

static int listen_tcp(const vw_netaddr *addr, int backlog, char *err, size_t errlen)
{
    struct addrinfo *res = resolve_tcp(addr, 1, err, errlen);
    if (!res)
        return -1;
    int fd = -1;
    int saved = 0;
    const char *what = "socket";
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            what = "socket";
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            saved = errno;
            what = "bind";
        } else if (listen(fd, backlog) < 0) {
            saved = errno;
            what = "listen";
        } else {
            break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        snprintf(err, errlen, "tcp:%s:%d: %s: %s", addr->host, addr->port, what, strerror(saved));
    return fd;
}

int vw_netaddr_listen(const vw_netaddr *addr, int backlog, char *err, size_t errlen)
{
    if (backlog <= 0)
        backlog = 16;
    if (addr->kind == VW_NETADDR_UNIX)
        return listen_unix(addr, backlog, err, errlen);
    if (addr->kind == VW_NETADDR_TCP)
        return listen_tcp(addr, backlog, err, errlen);
    snprintf(err, errlen, "listen: address has no kind (parse it with vw_netaddr_parse)");
    return -1;
}

int vw_netaddr_accept(int listen_fd, char *err, size_t errlen)
{
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0)
            return fd;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED)
            return -2;
        snprintf(err, errlen, "accept: %s", strerror(errno));
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            return VW_NETADDR_NO_FDS;
        return -1;
    }
}

/* Non-blocking connect, then poll for completion up to timeout_ms. */
static int connect_with_timeout(int fd, const struct sockaddr *sa, socklen_t salen, int timeout_ms,
                                const char *name, char *err, size_t errlen)
{
    char e2[64];
    if (vw_netaddr_set_nonblock(fd, 1, e2, sizeof(e2)) < 0) {
        snprintf(err, errlen, "%s: %s", name, e2);
        return -1;
    }
    if (connect(fd, sa, salen) < 0) {
        if (errno != EINPROGRESS && errno != EAGAIN) {
            snprintf(err, errlen, "%s: connect: %s", name, strerror(errno));
            return -1;
        }
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        int rc;
        do {
            rc = poll(&pfd, 1, timeout_ms);
        } while (rc < 0 && errno == EINTR);
        if (rc == 0) {
            snprintf(err, errlen, "%s: connect timed out after %d ms", name, timeout_ms);
            return -1;
        }
        if (rc < 0) {
            snprintf(err, errlen, "%s: poll: %s", name, strerror(errno));
            return -1;
        }
        int soerr = 0;
        socklen_t len = sizeof(soerr);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
        if (soerr != 0) {
            snprintf(err, errlen, "%s: connect: %s", name, strerror(soerr));
            return -1;
        }
    }
    if (vw_netaddr_set_nonblock(fd, 0, e2, sizeof(e2)) < 0) {
        snprintf(err, errlen, "%s: %s", name, e2);
        return -1;
    }
    return 0;
}

int vw_netaddr_connect(const vw_netaddr *addr, int timeout_ms, char *err, size_t errlen)
{
    char name[400];
    vw_netaddr_format(addr, name, sizeof(name));
    if (timeout_ms <= 0)
        timeout_ms = 1;
    if (addr->kind == VW_NETADDR_UNIX) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            snprintf(err, errlen, "%s: socket: %s", name, strerror(errno));
            return -1;
        }
        struct sockaddr_un sun;
        fill_sun(addr, &sun);
        if (connect_with_timeout(fd, (struct sockaddr *)&sun, sizeof(sun), timeout_ms, name,
                                 err, errlen) < 0) {
            close(fd);
            return -1;
        }
        return fd;
    }
    if (addr->kind != VW_NETADDR_TCP) {
        snprintf(err, errlen, "connect: address has no kind (parse it with vw_netaddr_parse)");
        return -1;
    }
    struct addrinfo *res = resolve_tcp(addr, 0, err, errlen);
    if (!res)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            snprintf(err, errlen, "%s: socket: %s", name, strerror(errno));
            continue;
        }
        if (connect_with_timeout(fd, ai->ai_addr, ai->ai_addrlen, timeout_ms, name, err,
                                 errlen) == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

int vw_netaddr_local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -1;
}

/* One recv (out false) or send, as vw_netaddr_recv / vw_netaddr_send answer. */
static long sock_io(int fd, void *buf, size_t len, bool out)
{
    for (;;) {
        ssize_t n = out ? send(fd, buf, len, MSG_NOSIGNAL) : recv(fd, buf, len, 0);
        if (n > 0)
            return (long)n;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;
    }
}

long vw_netaddr_recv(int fd, void *buf, size_t len)
{
    return sock_io(fd, buf, len, false);
}

long vw_netaddr_send(int fd, const void *buf, size_t len)
{
    return sock_io(fd, (void *)buf, len, true);
}

static int sockaddr_is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return 1;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return 0;
}

int vw_netaddr_is_loopback(const vw_netaddr *addr)
{
    if (addr->kind == VW_NETADDR_UNIX)
        return 1;
    if (addr->kind != VW_NETADDR_TCP)
        return 0;
    char err[64];
    struct addrinfo *res = resolve_tcp(addr, 1, err, sizeof(err));
    if (!res)
        return 0;
    int all = 1;
    for (struct addrinfo *ai = res; ai && all; ai = ai->ai_next)
        all = sockaddr_is_loopback(ai->ai_addr);
    freeaddrinfo(res);
    return all;
}
