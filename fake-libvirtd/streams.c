/* streams.c: download streams, see streams.h. */
#include "streams.h"

#include <string.h>

/* libvirtd's chunk: VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX */
#define STREAM_CHUNK 262120u

static int queue_stream_packet(fl_conn *c, int32_t proc, uint32_t serial, int32_t status,
                               const void *data, size_t len)
{
    vw_packet_header hdr = {.prog = VW_REMOTE_PROGRAM, .vers = 1, .proc = proc,
                            .type = VW_NET_STREAM, .serial = serial, .status = status};
    vw_buf b = {0};
    vw_error perr;
    int rc = vw_packet_encode_raw(&b, &hdr, 0, data, len, &perr) < 0 ? -1
             : fl_conn_queue_bytes(c, b.data, b.len);
    vw_buf_free(&b);
    return rc;
}

int fl_stream_send_download(fl_conn *c, const vw_packet_header *call, const void *data,
                            size_t len)
{
    const unsigned char *p = data;
    for (size_t off = 0; off < len; off += STREAM_CHUNK) {
        size_t n = len - off < STREAM_CHUNK ? len - off : STREAM_CHUNK;
        if (queue_stream_packet(c, call->proc, call->serial, VW_NET_CONTINUE, p + off, n) < 0)
            return -1;
    }
    if (queue_stream_packet(c, call->proc, call->serial, VW_NET_CONTINUE, NULL, 0) < 0)
        return -1;
    if (c->nstreams < FL_CONN_STREAMS) {
        c->streams[c->nstreams].proc = call->proc;
        c->streams[c->nstreams].serial = call->serial;
        c->nstreams++;
    }
    return 0;
}

void fl_stream_client_packet(fl_conn *c, const vw_packet *pkt)
{
    if (pkt->hdr.status != VW_NET_OK && pkt->hdr.status != VW_NET_ERROR)
        return;    /* data for a download stream: libvirtd drops it */
    for (int i = 0; i < c->nstreams; i++) {
        if (c->streams[i].proc != pkt->hdr.proc || c->streams[i].serial != pkt->hdr.serial)
            continue;
        memmove(&c->streams[i], &c->streams[i + 1],
                (size_t)(c->nstreams - i - 1) * sizeof(c->streams[0]));
        c->nstreams--;
        queue_stream_packet(c, pkt->hdr.proc, pkt->hdr.serial, VW_NET_OK, NULL, 0);
        return;
    }
}
