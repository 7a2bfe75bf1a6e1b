/* admin.c: the admin socket (see admin.h and docs/admin-protocol.md). */
#include "admin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acceptor.h"
#include "netaddr.h"

typedef struct admin_conn {
    vw_admin *admin;
    int fd;
    char *in;
    size_t in_len, in_cap;
    char *out;
    size_t out_len, out_off, out_cap;
    int closing;                  /* close once the output is written */
    struct admin_conn *next;
} admin_conn;

struct vw_admin {
    vw_evloop *loop;
    int fd;
    vw_netaddr addr;
    vw_acceptor acc;              /* rests when out of descriptors (acceptor.h) */
    vw_admin_handler *handler;
    void *opaque;
    admin_conn *conns;
    int nconns;
};

static void conn_readable(vw_evloop *loop, int fd, void *data, int mask);
static void conn_writable(vw_evloop *loop, int fd, void *data, int mask);

static void conn_free(admin_conn *c)
{
    vw_admin *a = c->admin;
    vw_evloop_del_file(a->loop, c->fd, VW_EV_READABLE | VW_EV_WRITABLE);
    close(c->fd);
    for (admin_conn **pp = &a->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    a->nconns--;
    free(c->in);
    free(c->out);
    free(c);
}

/* Writes what the socket takes. Returns -1 when c was freed. */
static int conn_flush(admin_conn *c)
{
    while (c->out_off < c->out_len) {
        long n = vw_netaddr_send(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0) {
            conn_free(c);
            return -1;
        }
        if (n == 0) {
            vw_evloop_add_file(c->admin->loop, c->fd, VW_EV_WRITABLE, conn_writable, c);
            return 0;
        }
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    vw_evloop_del_file(c->admin->loop, c->fd, VW_EV_WRITABLE);
    if (c->closing) {
        conn_free(c);
        return -1;
    }
    return 0;
}

static void queue_reply(admin_conn *c, json_t *reply)
{
    char *text = json_dumps(reply, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(reply);
    if (!text) {
        text = strdup("{\"ok\":false,\"error\":\"out of memory\"}");
        if (!text)
            return;
    }
    size_t len = strlen(text);
    if (c->out_len + len + 1 > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + len + 1)
            cap *= 2;
        char *n = realloc(c->out, cap);
        if (!n) {
            free(text);
            return;
        }
        c->out = n;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, text, len);
    c->out[c->out_len + len] = '\n';
    c->out_len += len + 1;
    free(text);
}

static json_t *error_reply(const char *msg)
{
    return json_pack("{s:b,s:s}", "ok", 0, "error", msg);
}

static void handle_line(admin_conn *c, const char *line, size_t len)
{
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
        len--;
    size_t start = 0;
    while (start < len && (line[start] == ' ' || line[start] == '\t'))
        start++;
    if (start == len)
        return;                                   /* blank lines are ignored */
    json_error_t jerr;
    json_t *req = json_loadb(line + start, len - start, JSON_REJECT_DUPLICATES, &jerr);
    if (!req) {
        char msg[300];
        snprintf(msg, sizeof(msg), "bad JSON at column %d: %s", jerr.column, jerr.text);
        queue_reply(c, error_reply(msg));
        return;
    }
    const char *op = json_string_value(json_object_get(req, "op"));
    json_t *reply;
    if (!json_is_object(req)) {
        reply = error_reply("a request must be a JSON object with a string member \"op\"");
    } else if (!op) {
        reply = error_reply(json_object_get(req, "op")
                                ? "member \"op\" must be a string"
                                : "missing member \"op\" (a string: ping, add_stubs, "
                                  "remove_stubs, list_stubs, journal, reset, set_faults, ...)");
    } else {
        reply = c->admin->handler(c->admin->opaque, op, req);
        if (!reply) {
            char msg[300];
            snprintf(msg, sizeof(msg), "unknown op \"%.100s\" (see docs/admin-protocol.md)", op);
            reply = error_reply(msg);
        }
    }
    /* an "id" member is echoed so clients can pipeline */
    json_t *id = json_object_get(req, "id");
    if (id && json_is_object(reply))
        json_object_set(reply, "id", id);
    json_decref(req);
    queue_reply(c, reply);
}

static void conn_readable(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)mask;
    admin_conn *c = data;
    for (int rounds = 0; rounds < 16; rounds++) {
        if (c->in_cap - c->in_len < 4096) {
            size_t cap = c->in_cap ? c->in_cap * 2 : 8192;
            char *n = realloc(c->in, cap);
            if (!n) {
                conn_free(c);
                return;
            }
            c->in = n;
            c->in_cap = cap;
        }
        long n = vw_netaddr_recv(fd, c->in + c->in_len, c->in_cap - c->in_len);
        if (n < 0) {
            /* EOF or an error: the replies to the lines already read still go out (a client may
             * send its request and shut down its side, as `socat` does), then the connection
             * closes; a peer that is gone makes the flush fail and free it. */
            c->closing = 1;
            vw_evloop_del_file(c->admin->loop, c->fd, VW_EV_READABLE);
            break;
        }
        if (n == 0)
            break;
        size_t scan = c->in_len;
        c->in_len += (size_t)n;
        size_t start = 0;
        for (size_t i = scan; i < c->in_len; i++) {
            if (c->in[i] != '\n')
                continue;
            handle_line(c, c->in + start, i - start);
            start = i + 1;
        }
        if (start) {
            memmove(c->in, c->in + start, c->in_len - start);
            c->in_len -= start;
        }
        if (c->in_len > VW_ADMIN_LINE_MAX) {
            queue_reply(c, error_reply("request line longer than 4 MiB: closing the connection"));
            c->closing = 1;
            c->in_len = 0;
            vw_evloop_del_file(c->admin->loop, c->fd, VW_EV_READABLE);
            break;
        }
    }
    conn_flush(c);
}

static void conn_writable(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    conn_flush(data);
}

static void on_accept(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    vw_admin *a = data;
    for (int i = 0; i < 16; i++) {
        char err[256];
        int cfd = vw_acceptor_accept(&a->acc, err, sizeof(err));
        if (cfd < 0)
            return;
        admin_conn *c = calloc(1, sizeof(*c));
        if (!c || a->nconns >= VW_ADMIN_MAX_CLIENTS ||
            vw_evloop_add_file(a->loop, cfd, VW_EV_READABLE, conn_readable, c) < 0) {
            free(c);
            close(cfd);
            continue;
        }
        c->admin = a;
        c->fd = cfd;
        c->next = a->conns;
        a->conns = c;
        a->nconns++;
    }
}

vw_admin *vw_admin_new(vw_evloop *loop, const char *spec, vw_admin_handler *handler,
                       void *opaque, char *err, size_t errlen)
{
    vw_admin *a = calloc(1, sizeof(*a));
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char why[512];
    if (vw_netaddr_parse(spec, &a->addr, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "--admin %s: %s", spec, why);
        free(a);
        return NULL;
    }
    if (a->addr.kind != VW_NETADDR_UNIX) {
        snprintf(err, errlen, "--admin %s: the admin socket must be unix:PATH", spec);
        free(a);
        return NULL;
    }
    a->fd = vw_netaddr_listen(&a->addr, 16, why, sizeof(why));
    if (a->fd < 0) {
        snprintf(err, errlen, "--admin %s: %s", spec, why);
        free(a);
        return NULL;
    }
    chmod(a->addr.path, 0600);
    a->loop = loop;
    a->handler = handler;
    a->opaque = opaque;
    char name[160];
    snprintf(name, sizeof(name), "admin socket %s", spec);
    if (vw_acceptor_init(&a->acc, loop, a->fd, on_accept, a, name) < 0) {
        snprintf(err, errlen, "--admin %s: cannot watch the socket: %s", spec, strerror(errno));
        close(a->fd);
        unlink(a->addr.path);
        free(a);
        return NULL;
    }
    return a;
}

void vw_admin_free(vw_admin *a)
{
    if (!a)
        return;
    while (a->conns)
        conn_free(a->conns);
    vw_acceptor_fini(&a->acc);
    close(a->fd);
    unlink(a->addr.path);
    free(a);
}
