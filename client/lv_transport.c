/* lv_transport.c: unix and TCP sockets with connect timeouts. */
#include "lv_transport.h"
#include "lv_uri.h"
#include "vw_util.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Connects fd to addr, waiting at most timeout_ms; returns 0 or an errno value. */
static int connect_with_timeout(int fd, const struct sockaddr *addr, socklen_t len, int timeout_ms)
{
    long long deadline = vw_now_ms() + timeout_ms;
    int rc;
    /* EAGAIN: a unix socket whose accept queue is full. Nothing is in progress then (polling would
     * report a writable, unconnected socket), so try again until the deadline. */
    while ((rc = connect(fd, addr, len)) < 0 && errno == EAGAIN) {
        if (vw_now_ms() >= deadline)
            return ETIMEDOUT;
        poll(NULL, 0, 10);
    }
    if (rc == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EINTR)
        return errno;
    for (;;) {
        long long left = deadline - vw_now_ms();
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

int vw_transport_connect_unix(const char *path, int timeout_ms, vw_virerror *err)
{
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    if (!path || !path[0] || strlen(path) >= sizeof(addr.sun_path)) {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                        "unix socket path '%s' is empty or longer than %zu bytes",
                        path ? path : "", sizeof(addr.sun_path) - 1);
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "socket(AF_UNIX): %s",
                        strerror(errno));
        return -1;
    }
    int e = connect_with_timeout(fd, (struct sockaddr *)&addr, sizeof(addr), timeout_ms);
    if (e) {
        close(fd);
        vw_virerror_set(err, VW_ERR_NO_CONNECT, VW_FROM_RPC,
                        "Failed to connect socket to '%s': %s%s", path, strerror(e),
                        e == ENOENT ? " (is libvirtd running? check the socket= path)" : "");
        return -1;
    }
    return fd;
}

int vw_transport_connect_tcp(const char *host, int port, int timeout_ms, vw_virerror *err)
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
        vw_virerror_set(err, VW_ERR_NO_CONNECT, VW_FROM_RPC,
                        "Cannot resolve host '%s' port %d: %s", host, port, gai_strerror(gai));
        return -1;
    }
    int last = 0;
    long long deadline = vw_now_ms() + timeout_ms;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        long long left = deadline - vw_now_ms();
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
    vw_virerror_set(err, VW_ERR_NO_CONNECT, VW_FROM_RPC,
                    "unable to connect to server at '%s:%d': %s", host, port,
                    strerror(last ? last : ECONNREFUSED));
    return -1;
}

/* ---- SSH ------------------------------------------------------------------------------------- */

extern char **environ;

/* A shell word in single quotes (libvirt quotes the same way). NULL when out of memory. */
static char *shell_quote(const char *s)
{
    size_t n = 3;
    for (const char *p = s; *p; p++)
        n += *p == '\'' ? 4 : 1;
    char *q = malloc(n), *o = q;
    if (!q)
        return NULL;
    *o++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return q;
}

/* The remote command of libvirt's proxy modes, one string as libvirt passes it to ssh (the
 * remote shell runs it): netcat's is libvirt's text, 'NC' in quotes inside the outer quotes of
 * sh -c '...'. NULL with err. */
static char *ssh_remote_command(const vw_uri *uri, vw_virerror *err)
{
    const char *proxy = uri->proxy ? uri->proxy : "auto";
    const char *nc = uri->netcat ? uri->netcat : "nc";
    char *name = shell_quote(uri->open_name);
    char *netcat = NULL, *cmd = NULL;
    if (name && asprintf(&netcat, "sh -c 'if '%s' -q 2>&1 | grep \"requires an argument\" "
                         ">/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'%s' $ARG -U %s'", nc, nc,
                         uri->socket_path) < 0)
        netcat = NULL;
    if (!netcat) {
        vw_virerror_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
    } else if (strcmp(proxy, "netcat") == 0) {
        cmd = netcat;
        netcat = NULL;
    } else if (strcmp(proxy, "native") == 0) {
        if (asprintf(&cmd, "virt-ssh-helper %s", name) < 0)
            cmd = NULL;
    } else if (strcmp(proxy, "auto") == 0) {
        if (asprintf(&cmd, "if which virt-ssh-helper >/dev/null 2>&1; then "
                     "virt-ssh-helper %s; else %s; fi", name, netcat) < 0)
            cmd = NULL;
    } else {
        vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_REMOTE,
                        "proxy=%s: expected auto, netcat or native", proxy);
    }
    free(name);
    free(netcat);
    return cmd;
}

int vw_transport_connect_ssh(const vw_uri *uri, int *pid, vw_virerror *err)
{
    char *cmd = ssh_remote_command(uri, err);
    if (!cmd)
        return -1;
    const char *ssh = getenv("VW_SSH");
    char port[16];
    snprintf(port, sizeof(port), "%d", uri->port);
    const char *argv[24];
    int n = 0;
    argv[n++] = ssh && *ssh ? ssh : "ssh";
    if (uri->port_given) {
        argv[n++] = "-p";
        argv[n++] = port;
    }
    if (uri->user) {
        argv[n++] = "-l";
        argv[n++] = uri->user;
    }
    if (uri->keyfile) {
        argv[n++] = "-i";
        argv[n++] = uri->keyfile;
    }
    argv[n++] = "-T";
    argv[n++] = "-e";
    argv[n++] = "none";
    if (uri->no_tty) {
        argv[n++] = "-o";
        argv[n++] = "BatchMode=yes";
    }
    const char *tail[] = {"--", uri->host, cmd, NULL};
    for (int i = 0; tail[i]; i++)
        argv[n++] = tail[i];
    argv[n] = NULL;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC, "socketpair: %s",
                        strerror(errno));
        free(cmd);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
    pid_t child = -1;
    int rc = posix_spawnp(&child, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    free(cmd);
    if (rc != 0) {
        close(sv[0]);
        vw_virerror_set(err, VW_ERR_SYSTEM_ERROR, VW_FROM_RPC,
                        "Cannot run '%s' for the ssh transport: %s", argv[0], strerror(rc));
        return -1;
    }
    *pid = child;
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    return sv[0];
}

void vw_transport_reap(int pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
}
