/* fl_peer.c: see fl_peer.h. */
#include "fl_peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void fl_peer_step(fl_peer *p, int timeout_ms)
{
    fl_server_run_until_idle(p->srv, timeout_ms);
    if (p->also)
        p->also(p->also_arg);
}

int fl_peer_connect(fl_peer *p, fl_server *srv, bool readonly)
{
    memset(p, 0, sizeof(*p));
    p->srv = srv;
    p->fd = -1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    if (fl_server_adopt_fd(srv, sv[1], readonly) < 0) {
        close(sv[0]);
        return -1;
    }
    p->fd = sv[0];
    return 0;
}

void fl_peer_close(fl_peer *p)
{
    if (p->fd >= 0) {
        close(p->fd);
        p->fd = -1;
        /* let the server see the hang-up and free the connection */
        for (int i = 0; i < 10; i++)
            fl_peer_step(p, 0);
    }
    free(p->buf);
    p->buf = NULL;
    p->len = p->cap = 0;
}

static int send_all(fl_peer *p, const uint8_t *data, size_t n)
{
    size_t off = 0;
    for (int round = 0; off < n && round < FL_PEER_ROUNDS; round++) {
        ssize_t w = send(p->fd, data + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return -1;
        fl_peer_step(p, 0);
    }
    return off == n ? 0 : -1;
}

int fl_peer_send(fl_peer *p, uint32_t prog, int32_t proc, int32_t type, uint32_t serial,
                 xdrproc_t codec, const void *args)
{
    vw_packet_header hdr = { .prog = prog, .vers = 1, .proc = proc, .type = type,
                             .serial = serial, .status = VW_NET_OK };
    vw_buf out;
    vw_buf_init(&out);
    vw_error err;
    int rc = vw_packet_encode(&out, &hdr, 0, codec ? codec : VW_XDR_VOID, args, &err);
    if (rc == 0)
        rc = send_all(p, out.data, out.len);
    vw_buf_free(&out);
    return rc;
}

/* Reads what is there without waiting; 1 when bytes came, 0 when none, -1 on EOF. */
static int fill(fl_peer *p)
{
    if (p->cap - p->len < 65536) {
        size_t cap = p->cap ? p->cap * 2 : 131072;
        uint8_t *b = realloc(p->buf, cap);
        if (!b)
            return -1;
        p->buf = b;
        p->cap = cap;
    }
    ssize_t n = recv(p->fd, p->buf + p->len, p->cap - p->len, MSG_DONTWAIT);
    if (n > 0) {
        p->len += (size_t)n;
        return 1;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        return -1;
    return 0;
}

int fl_peer_recv(fl_peer *p, fl_peer_packet *out)
{
    memset(out, 0, sizeof(*out));
    for (int round = 0; round < FL_PEER_ROUNDS; round++) {
        if (p->len >= 4) {
            uint32_t len = (uint32_t)p->buf[0] << 24 | (uint32_t)p->buf[1] << 16 |
                           (uint32_t)p->buf[2] << 8 | p->buf[3];
            if (len < 28 || len > 33554436u)
                return 0;                       /* not a packet: treat as the end */
            if (p->len >= len) {
                vw_packet pkt;
                vw_error err;
                if (vw_packet_parse(p->buf, len, VW_DECODE_LENIENT, &pkt, &err) < 0)
                    return 0;
                out->hdr = pkt.hdr;
                out->payload_len = pkt.payload_len;
                out->payload = malloc(pkt.payload_len ? pkt.payload_len : 1);
                if (out->payload && pkt.payload_len)
                    memcpy(out->payload, pkt.payload, pkt.payload_len);
                memmove(p->buf, p->buf + len, p->len - len);
                p->len -= len;
                return out->payload != NULL;
            }
        }
        if (p->eof)
            return 0;
        int got = fill(p);
        if (got < 0)
            p->eof = true;
        else if (got == 0)
            fl_peer_step(p, 10);
    }
    return 0;
}

int fl_peer_call(fl_peer *p, int32_t proc, uint32_t serial, xdrproc_t codec, const void *args,
                 fl_peer_packet *reply)
{
    if (fl_peer_send(p, VW_REMOTE_PROGRAM, proc, VW_NET_CALL, serial, codec, args) < 0)
        return 0;
    while (fl_peer_recv(p, reply)) {
        if (reply->hdr.type == VW_NET_REPLY && reply->hdr.serial == serial)
            return 1;
        fl_peer_packet_free(reply);
    }
    return 0;
}

int fl_peer_decode(const fl_peer_packet *reply, xdrproc_t codec, void *obj, size_t obj_size)
{
    vw_error err;
    return vw_xdr_decode(reply->payload, reply->payload_len, codec, obj, obj_size,
                         VW_DECODE_STRICT, &err);
}

const char *fl_peer_error(const fl_peer_packet *reply, int *code, int *domain)
{
    static char msg[1024];
    vw_remote_error e;
    msg[0] = '\0';
    *code = *domain = -1;
    if (reply->hdr.status != VW_NET_ERROR ||
        fl_peer_decode(reply, (xdrproc_t)xdr_vw_remote_error, &e, sizeof(e)) < 0)
        return msg;
    *code = e.code;
    *domain = e.domain;
    if (e.message)
        snprintf(msg, sizeof(msg), "%s", *e.message);
    vw_xdr_free((xdrproc_t)xdr_vw_remote_error, &e);
    return msg;
}

void fl_peer_packet_free(fl_peer_packet *pkt)
{
    free(pkt->payload);
    pkt->payload = NULL;
}

int fl_peer_open(fl_peer *p, const char *uri)
{
    fl_peer_packet r;
    if (!fl_peer_call(p, VW_REMOTE_PROC_AUTH_LIST, 0, VW_XDR_VOID, NULL, &r))
        return -1;
    int ok = r.hdr.status == VW_NET_OK;
    fl_peer_packet_free(&r);
    char *name = (char *)uri;
    vw_connect_open_args open = { .name = &name, .flags = 0 };
    if (!ok || !fl_peer_call(p, VW_REMOTE_PROC_CONNECT_OPEN, 1,
                             (xdrproc_t)xdr_vw_connect_open_args, &open, &r))
        return -1;
    ok = r.hdr.status == VW_NET_OK;
    fl_peer_packet_free(&r);
    return ok ? 0 : -1;
}
