/* fl_faults.c: fake-libvirtd's fault hooks (see fl_faults.h, docs/faults.md). */
#include "fl_faults.h"

#include <stdlib.h>
#include <string.h>

#include "procs.h"
#include "vw_util.h"

struct fl_fault_conn {
    vw_fault_conn *fc;
    uint8_t *in_copy;             /* the corrupted copy of the last call read */
};

fl_fault_conn *fl_faults_conn_open(vw_faults *f, vw_evloop *loop, vw_fault_deliver_fn *deliver,
                                   void *opaque)
{
    struct fl_fault_conn *ff = calloc(1, sizeof(*ff));
    if (!ff)
        return NULL;
    ff->fc = vw_fault_conn_new(f, loop, deliver, opaque);
    if (!ff->fc) {
        free(ff);
        return NULL;
    }
    return ff;
}

void fl_faults_conn_close(fl_fault_conn *ff)
{
    if (!ff)
        return;
    vw_fault_conn_free(ff->fc);
    free(ff->in_copy);
    free(ff);
}

bool fl_faults_keepalive_silent(const fl_fault_conn *ff)
{
    return ff && vw_fault_conn_silent(ff->fc);
}

bool fl_faults_pending(const fl_fault_conn *ff)
{
    return ff && vw_fault_conn_queued(ff->fc);
}

/* The kind and procedure name of a packet (raw bytes; anything may come from a replay). */
static vw_fault_msg_kind classify(const uint8_t *p, size_t len, char *name, size_t namelen)
{
    name[0] = '\0';
    if (len < VW_PACKET_MIN)
        return VW_FAULT_MSG_OTHER;
    uint32_t prog = vw_get_be32(p + 4);
    int32_t proc = (int32_t)vw_get_be32(p + 12);
    int32_t type = (int32_t)vw_get_be32(p + 16);
    char buf[24];
    const char *n = vw_procs_name(prog, proc, buf, sizeof(buf));
    snprintf(name, namelen, "%s", n ? n : "");
    if (prog == VW_KEEPALIVE_PROGRAM)
        return VW_FAULT_MSG_KEEPALIVE;
    switch (type) {
    case VW_NET_CALL:
    case VW_NET_CALL_WITH_FDS:
        return VW_FAULT_MSG_CALL;
    case VW_NET_REPLY:
    case VW_NET_REPLY_WITH_FDS:
        return VW_FAULT_MSG_REPLY;
    case VW_NET_MESSAGE:
        return VW_FAULT_MSG_EVENT;
    default:
        return VW_FAULT_MSG_OTHER;
    }
}

int fl_faults_output(fl_fault_conn *ff, const void *data, size_t len)
{
    if (!ff)
        return 0;
    vw_fault_conn *fc = ff->fc;
    if (vw_fault_conn_blackholed(fc))
        return 1;
    char name[64];
    vw_fault_msg_kind kind = classify(data, len, name, sizeof(name));
    if (kind == VW_FAULT_MSG_KEEPALIVE && vw_fault_conn_silent(fc))
        return 1;                 /* keepalive silence: no PING, no PONG */
    vw_fault_action a;
    uint32_t fired = vw_fault_decide(fc, VW_FAULT_S2C, kind, name, &a);
    if (fired & (1u << VW_FAULT_KEEPALIVE_SILENCE))
        vw_fault_conn_set_silent(fc);
    if (!fired && !vw_fault_conn_busy(fc))
        return 0;
    /* libvirt rewrites: the result is one to three packets, emitted as one piece */
    size_t n = len, total = len;
    bool dup = (fired & (1u << VW_FAULT_DUPLICATE)) && len >= VW_PACKET_MIN;
    bool unsol = (fired & (1u << VW_FAULT_UNSOLICITED)) && len >= VW_PACKET_MIN;
    total += (dup ? len : 0) + (unsol ? len : 0);
    uint8_t *out = malloc(total ? total : 1);
    if (!out)
        return 1;                 /* out of memory: lost, like a packet on a bad network */
    size_t off = 0;
    if (unsol) {
        /* first a copy answering a serial this client never used */
        memcpy(out, data, len);
        vw_put_be32(out + 20, 0x7F000000u | (uint32_t)(vw_fault_conn_random(fc) & 0xFFFFFF));
        off += len;
    }
    memcpy(out + off, data, n);
    if ((fired & (1u << VW_FAULT_WRONG_SERIAL)) && len >= VW_PACKET_MIN)
        vw_put_be32(out + off + 20, vw_get_be32(out + off + 20) ^ 0x40000000u);
    if ((fired & (1u << VW_FAULT_BAD_LENGTH)) && len >= VW_PACKET_LEN_SIZE)
        vw_put_be32(out + off, a.bad_length);
    off += n;
    if (dup) {
        memcpy(out + off, out + off - n, n);
        off += n;
    }
    /* corruption keeps the length word, so the client still frames the stream */
    vw_fault_conn_emit(fc, out, off, &a, (fired & (1u << VW_FAULT_BAD_LENGTH)) ? 0 : 4, 0);
    free(out);
    return 1;
}

int fl_faults_input(fl_fault_conn *ff, vw_packet *pkt, const uint8_t **raw, size_t *raw_len)
{
    if (!ff)
        return 0;
    vw_fault_conn *fc = ff->fc;
    if (vw_fault_conn_blackholed(fc))
        return 1;
    char name[64];
    vw_fault_msg_kind kind = VW_FAULT_MSG_OTHER;
    if (pkt->hdr.prog == VW_KEEPALIVE_PROGRAM)
        kind = VW_FAULT_MSG_KEEPALIVE;
    else if (pkt->hdr.type == VW_NET_CALL || pkt->hdr.type == VW_NET_CALL_WITH_FDS)
        kind = VW_FAULT_MSG_CALL;
    char buf[24];
    const char *pn = vw_procs_name(pkt->hdr.prog, pkt->hdr.proc, buf, sizeof(buf));
    snprintf(name, sizeof(name), "%s", pn ? pn : "");
    if (kind == VW_FAULT_MSG_KEEPALIVE && vw_fault_conn_silent(fc))
        return 1;                 /* a PING nobody answers */
    vw_fault_action a;
    uint32_t fired = vw_fault_decide(fc, VW_FAULT_C2S, kind, name, &a);
    if (!fired)
        return 0;
    if (fired & (1u << VW_FAULT_KEEPALIVE_SILENCE))
        vw_fault_conn_set_silent(fc);
    if (vw_fault_conn_input(fc, fired, &a, pkt->len))
        return 1;
    if ((fired & (1u << VW_FAULT_CORRUPT)) && raw && *raw && *raw_len > VW_PACKET_MIN &&
        pkt->payload_len > 0) {
        uint8_t *copy = malloc(*raw_len);
        if (!copy)
            return 0;
        memcpy(copy, *raw, *raw_len);
        size_t start = (size_t)(pkt->payload - *raw);
        if (start >= *raw_len) {
            free(copy);
            return 0;
        }
        size_t span = *raw_len - start;
        for (unsigned i = 0; i < a.corrupt_bits; i++) {
            uint64_t r = vw_fault_conn_random(fc);
            copy[start + (size_t)(r % span)] ^= (uint8_t)(1u << ((r >> 32) % 8));
        }
        free(ff->in_copy);
        ff->in_copy = copy;
        pkt->payload = copy + start;
        *raw = copy;
    }
    return 0;
}
