/* qmp_bench.c: QMP round trips per second, through our QMP client or over a raw socket.
 *
 *   qmp_bench client unix:PATH SECONDS   query-status through vw_qmp_client_execute
 *   qmp_bench raw unix:PATH SECONDS      the same command written and its reply line read over a
 *                                        plain unix socket: what the peer costs without our client
 *
 * Both negotiate capabilities first. One connection (a QMP monitor serves one client). Works
 * against fake-qemu and qemu-system-x86_64 alike.
 * Prints one line: "qmp-client|qmp-raw 1 clients: <calls> in <seconds> s = <rate> rt/s". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench_clients.h"
#include "qmp_client.h"

#define TIMEOUT_MS 10000

static void *client_open(const char *address)
{
    vw_qmp_error err = { 0 };
    vw_qmp_client *c = vw_qmp_client_connect(address, TIMEOUT_MS, &err);
    if (c && vw_qmp_client_negotiate(c, 0, TIMEOUT_MS, &err) == 0)
        return c;
    fprintf(stderr, "qmp_bench: %s: %s\n", address, err.desc);
    vw_qmp_client_close(c);
    return NULL;
}

static int client_call(void *h)
{
    vw_qmp_error err = { 0 };
    if (vw_qmp_client_execute(h, "query-status", NULL, NULL, 0, TIMEOUT_MS, NULL, &err) < 0) {
        fprintf(stderr, "qmp_bench: query-status: %s\n", err.desc);
        return -1;
    }
    return 0;
}

static void client_close(void *h)
{
    vw_qmp_client_close(h);
}

/* The raw side: a socket and a buffer for reply lines. */
struct raw {
    int fd;
    size_t len;
    char buf[65536];
};

/* Reads the next line that is not an event; 0 with it in r->buf (NUL-terminated), or -1. */
static int raw_line(struct raw *r)
{
    for (;;) {
        char *nl = memchr(r->buf, '\n', r->len);
        if (nl) {
            size_t n = (size_t)(nl - r->buf) + 1;
            int event = strstr(r->buf, "\"event\"") && strstr(r->buf, "\"event\"") < nl;
            if (!event) {
                *nl = 0;
                int ok = !strstr(r->buf, "\"error\"");
                memmove(r->buf, r->buf + n, r->len - n);
                r->len -= n;
                return ok ? 0 : -1;
            }
            memmove(r->buf, r->buf + n, r->len - n);
            r->len -= n;
            continue;
        }
        if (r->len == sizeof r->buf - 1)
            return -1;
        ssize_t got = read(r->fd, r->buf + r->len, sizeof r->buf - 1 - r->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        r->len += (size_t)got;
        r->buf[r->len] = 0;
    }
}

static int raw_send(struct raw *r, const char *cmd)
{
    return bench_write_full(r->fd, cmd, strlen(cmd));
}

static void raw_close(void *h)
{
    struct raw *r = h;
    close(r->fd);
    free(r);
}

static void *raw_open(const char *address)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strncmp(address, "unix:", 5) || strlen(address + 5) >= sizeof sa.sun_path) {
        fprintf(stderr, "qmp_bench: raw mode takes unix:PATH, not '%s'\n", address);
        return NULL;
    }
    strcpy(sa.sun_path, address + 5);
    struct raw *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (r->fd < 0 || connect(r->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        fprintf(stderr, "qmp_bench: connect %s: %s\n", address, strerror(errno));
        raw_close(r);
        return NULL;
    }
    /* the greeting, then the capabilities negotiation */
    if (raw_line(r) < 0 || raw_send(r, "{\"execute\":\"qmp_capabilities\"}\n") < 0 || raw_line(r) < 0) {
        fprintf(stderr, "qmp_bench: %s: no greeting or capabilities refused\n", address);
        raw_close(r);
        return NULL;
    }
    return r;
}

static int raw_call(void *h)
{
    struct raw *r = h;
    if (raw_send(r, "{\"execute\":\"query-status\"}\n") < 0 || raw_line(r) < 0) {
        fprintf(stderr, "qmp_bench: raw query-status failed or the peer went away\n");
        return -1;
    }
    return 0;
}

static const bench_peer qmp_client = { "qmp-client", client_open, client_call, client_close };
static const bench_peer qmp_raw = { "qmp-raw", raw_open, raw_call, raw_close };

int main(int argc, char **argv)
{
    const char *use = "usage: qmp_bench client|raw unix:PATH SECONDS\n";
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(use, stdout);
        return 0;
    }
    double seconds;
    int clients;
    if (argc != 4 || (strcmp(argv[1], "client") && strcmp(argv[1], "raw"))) {
        fputs(use, stderr);
        return 2;
    }
    if (bench_parse_args("qmp_bench", argv[3], NULL, &seconds, &clients) < 0)
        return 2;
    return bench_clients_run(strcmp(argv[1], "raw") ? &qmp_client : &qmp_raw, argv[2], seconds, 1);
}
