/* lv_transport.c: unix and TCP sockets with connect timeouts. */
#include "lv_transport.h"
#include "lv_error.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

long long vw_transport_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connects fd to addr, waiting at most timeout_ms; returns 0 or an errno value. */
static int connect_with_timeout(int fd, const struct sockaddr *addr, socklen_t len, int timeout_ms)
{
    long long deadline = vw_transport_now_ms() + timeout_ms;
    int rc;
    /* EAGAIN: a unix socket whose accept queue is full. Nothing is in progress then (polling would
     * report a writable, unconnected socket), so try again until the deadline. */
    while ((rc = connect(fd, addr, len)) < 0 && errno == EAGAIN) {
        if (vw_transport_now_ms() >= deadline)
            return ETIMEDOUT;
        poll(NULL, 0, 10);
    }
    if (rc == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EINTR)
        return errno;
    for (;;) {
        long long left = deadline - vw_transport_now_ms();
        if (left <= 0)
            return ETIMEDOUT;
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return ETIMEDOUT;
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
            return errno;
        return soerr;
    }
}

int vw_transport_connect_unix(const char *path, int timeout_ms, vw_client_error *err)
{
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    if (!path || !path[0] || strlen(path) >= sizeof(addr.sun_path)) {
        vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                            "unix socket path '%s' is empty or longer than %zu bytes",
                            path ? path : "", sizeof(addr.sun_path) - 1);
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        vw_client_error_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "socket(AF_UNIX): %s",
                            strerror(errno));
        return -1;
    }
    int e = connect_with_timeout(fd, (struct sockaddr *)&addr, sizeof(addr), timeout_ms);
    if (e) {
        close(fd);
        vw_client_error_set(err, VW_ERR_NO_CONNECT, VW_FROM_RPC,
                            "Failed to connect socket to '%s': %s%s", path, strerror(e),
                            e == ENOENT ? " (is libvirtd running? check the socket= path)" : "");
        return -1;
    }
    return fd;
}

int vw_transport_connect_tcp(const char *host, int port, int timeout_ms, vw_client_error *err)
{
    char service[16];
    snprintf(service, sizeof(service), "%d", port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0) {
        vw_client_error_set(err, VW_ERR_NO_CONNECT, VW_FROM_RPC,
                            "Cannot resolve host '%s' port %d: %s", host, port, gai_strerror(gai));
        return -1;
    }
    int last = 0;
    long long deadline = vw_transport_now_ms() + timeout_ms;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        long long left = deadline - vw_transport_now_ms();
        if (left <= 0) {
            last = ETIMEDOUT;
            break;
        }
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        last = connect_with_timeout(fd, ai->ai_addr, ai->ai_addrlen, (int)left);
        if (last == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            freeaddrinfo(res);
            return fd;
        }
        close(fd);
    }
    freeaddrinfo(res);
    vw_client_error_set(err, VW_ERR_NO_CONNECT, VW_FROM_RPC,
                        "unable to connect to server at '%s:%d': %s", host, port,
                        strerror(last ? last : ECONNREFUSED));
    return -1;
}
