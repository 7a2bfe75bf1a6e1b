/* packet.c: libvirt RPC framing: length word, header, limits, whole-packet parse/encode and
 * the incremental reader. See packet.h. */
#include "packet.h"
#include "virerror.h"
#include "vw_util.h"

#include <stdlib.h>
#include <string.h>

/* ---- names ---- */

static const char *const type_names[] = {
    "CALL", "REPLY", "MESSAGE", "STREAM", "CALL_WITH_FDS", "REPLY_WITH_FDS", "STREAM_HOLE",
};

static const char *const status_names[] = { "OK", "ERROR", "CONTINUE" };

const char *vw_packet_type_name(int32_t type)
{
    if (type < 0 || type >= (int32_t)(sizeof(type_names) / sizeof(type_names[0])))
        return NULL;
    return type_names[type];
}

const char *vw_packet_status_name(int32_t status)
{
    if (status < 0 || status >= (int32_t)(sizeof(status_names) / sizeof(status_names[0])))
        return NULL;
    return status_names[status];
}

bool vw_packet_type_has_fds(int32_t type)
{
    return type == VW_NET_CALL_WITH_FDS || type == VW_NET_REPLY_WITH_FDS;
}

/* ---- length word ---- */

int vw_packet_check_length(uint32_t len, vw_error *err)
{
    if (len < VW_PACKET_MIN)
        return vw_error_at(err, 0,
                                  "packet length %u is below the minimum %u (4-byte length word "
                                  "+ 24-byte header)", len, VW_PACKET_MIN);
    if (len - VW_PACKET_LEN_SIZE > VW_PACKET_BODY_MAX)
        return vw_error_at(err, 0,
                                  "packet length %u exceeds the maximum %u (32 MiB message + "
                                  "4-byte length word)", len, VW_PACKET_MAX);
    return 0;
}

int vw_packet_decode_length(const uint8_t *buf, size_t n, uint32_t *len, vw_error *err)
{
    if (n < VW_PACKET_LEN_SIZE)
        return vw_error_at(err, n, "length word needs 4 bytes, only %zu available", n);
    uint32_t v = vw_get_be32(buf);
    if (vw_packet_check_length(v, err) < 0)
        return -1;
    *len = v;
    return 0;
}

/* ---- header ---- */

void vw_packet_encode_header(const vw_packet_header *hdr, uint8_t out[VW_PACKET_HEADER_SIZE])
{
    vw_put_be32(out + 0, hdr->prog);
    vw_put_be32(out + 4, hdr->vers);
    vw_put_be32(out + 8, (uint32_t)hdr->proc);
    vw_put_be32(out + 12, (uint32_t)hdr->type);
    vw_put_be32(out + 16, hdr->serial);
    vw_put_be32(out + 20, (uint32_t)hdr->status);
}

int vw_packet_decode_header(const uint8_t *buf, size_t n, vw_decode_mode mode,
                            vw_packet_header *hdr, vw_error *err)
{
    if (n < VW_PACKET_HEADER_SIZE)
        return vw_error_at(err, n, "header needs 24 bytes, only %zu available", n);
    vw_packet_header h;
    h.prog = vw_get_be32(buf + 0);
    h.vers = vw_get_be32(buf + 4);
    h.proc = (int32_t)vw_get_be32(buf + 8);
    h.type = (int32_t)vw_get_be32(buf + 12);
    h.serial = vw_get_be32(buf + 16);
    h.status = (int32_t)vw_get_be32(buf + 20);

    if (mode == VW_DECODE_STRICT) {
        if (!vw_packet_type_name(h.type))
            return vw_error_at(err, 12,
                                      "message type %d is not one of CALL 0 .. STREAM_HOLE 6",
                                      h.type);
        if (!vw_packet_status_name(h.status))
            return vw_error_at(err, 20,
                                      "message status %d is not one of OK 0, ERROR 1, CONTINUE 2",
                                      h.status);
        if ((h.type == VW_NET_CALL || h.type == VW_NET_CALL_WITH_FDS ||
             h.type == VW_NET_MESSAGE) && h.status != VW_NET_OK)
            return vw_error_at(err, 20, "a %s message must have status OK, not %s",
                                      vw_packet_type_name(h.type),
                                      vw_packet_status_name(h.status));
        if ((h.type == VW_NET_REPLY || h.type == VW_NET_REPLY_WITH_FDS) &&
            h.status == VW_NET_CONTINUE)
            return vw_error_at(err, 20, "a %s message cannot have status CONTINUE",
                                      vw_packet_type_name(h.type));
    }
    *hdr = h;
    return 0;
}

/* ---- whole packets ---- */

static size_t payload_offset(int32_t type)
{
    return VW_PACKET_MIN + (vw_packet_type_has_fds(type) ? 4u : 0u);
}

int vw_packet_parse(const uint8_t *buf, size_t n, vw_decode_mode mode, vw_packet *pkt,
                    vw_error *err)
{
    uint32_t len;
    if (vw_packet_decode_length(buf, n, &len, err) < 0)
        return -1;
    if (len != n)
        return vw_error_at(err, 0,
                                  "packet length word says %u bytes but %zu bytes were given",
                                  len, n);
    vw_packet p;
    memset(&p, 0, sizeof(p));
    p.len = len;
    if (vw_packet_decode_header(buf + VW_PACKET_LEN_SIZE, n - VW_PACKET_LEN_SIZE, mode, &p.hdr,
                                err) < 0) {
        if (err)
            err->offset += VW_PACKET_LEN_SIZE;
        return -1;
    }
    p.has_fds = vw_packet_type_has_fds(p.hdr.type);
    if (p.has_fds) {
        if (n < VW_PACKET_MIN + 4)
            return vw_error_at(err, VW_PACKET_MIN,
                                      "%s packet of %zu bytes has no room for its 4-byte fd count",
                                      vw_packet_type_name(p.hdr.type), n);
        p.num_fds = vw_get_be32(buf + VW_PACKET_MIN);
        if (p.num_fds > VW_PACKET_NUM_FDS_MAX)
            return vw_error_at(err, VW_PACKET_MIN,
                                      "fd count %u exceeds the maximum %u", p.num_fds,
                                      VW_PACKET_NUM_FDS_MAX);
    }
    size_t off = payload_offset(p.hdr.type);
    p.payload = buf + off;
    p.payload_len = n - off;
    *pkt = p;
    return 0;
}

int vw_packet_begin(vw_buf *out, const vw_packet_header *hdr, uint32_t num_fds, size_t *start,
                    vw_error *err)
{
    bool fds = vw_packet_type_has_fds(hdr->type);
    if (fds && num_fds > VW_PACKET_NUM_FDS_MAX)
        return vw_error_at(err, VW_PACKET_MIN, "fd count %u exceeds the maximum %u",
                                  num_fds, VW_PACKET_NUM_FDS_MAX);
    size_t need = VW_PACKET_MIN + (fds ? 4u : 0u);
    if (vw_buf_reserve(out, need, err) < 0)
        return -1;
    uint8_t *p = out->data + out->len;
    vw_put_be32(p, 0);
    vw_packet_encode_header(hdr, p + VW_PACKET_LEN_SIZE);
    if (fds)
        vw_put_be32(p + VW_PACKET_MIN, num_fds);
    *start = out->len;
    out->len += need;
    return 0;
}

int vw_packet_finish(vw_buf *out, size_t start, vw_error *err)
{
    size_t total = out->len - start;
    if (total > VW_PACKET_MAX) {
        out->len = start;
        return vw_error_at(err, 0, "packet of %zu bytes exceeds the maximum %u", total,
                                  VW_PACKET_MAX);
    }
    vw_put_be32(out->data + start, (uint32_t)total);
    return 0;
}

int vw_packet_encode(vw_buf *out, const vw_packet_header *hdr, uint32_t num_fds,
                     xdrproc_t proc, const void *obj, vw_error *err)
{
    size_t start;
    if (vw_packet_begin(out, hdr, num_fds, &start, err) < 0)
        return -1;
    if (vw_xdr_encode(out, proc, obj, err) < 0) {
        out->len = start;
        return -1;
    }
    return vw_packet_finish(out, start, err);
}

int vw_packet_encode_raw(vw_buf *out, const vw_packet_header *hdr, uint32_t num_fds,
                         const void *payload, size_t payload_len, vw_error *err)
{
    if (payload_len > VW_PACKET_PAYLOAD_MAX)
        return vw_error_at(err, 0, "payload of %zu bytes exceeds the maximum %u",
                                  payload_len, VW_PACKET_PAYLOAD_MAX);
    size_t start;
    if (vw_packet_begin(out, hdr, num_fds, &start, err) < 0)
        return -1;
    if (vw_buf_append(out, payload, payload_len, err) < 0) {
        out->len = start;
        return -1;
    }
    return vw_packet_finish(out, start, err);
}

/* ---- typed payload helpers ---- */

int vw_packet_decode_payload(const vw_packet *pkt, xdrproc_t proc, void *obj, size_t obj_size,
                             vw_decode_mode mode, vw_error *err)
{
    if (vw_xdr_decode(pkt->payload, pkt->payload_len, proc, obj, obj_size, mode, err) < 0) {
        if (err)
            err->offset += payload_offset(pkt->hdr.type);
        return -1;
    }
    return 0;
}

int vw_packet_decode_error(const vw_packet *pkt, vw_remote_error *rerr, vw_decode_mode mode,
                           vw_error *err)
{
    return vw_packet_decode_payload(pkt, (xdrproc_t)xdr_vw_remote_error, rerr, sizeof(*rerr),
                                    mode, err);
}

vw_packet_header vw_packet_reply_header(const vw_packet_header *call, int32_t status)
{
    vw_packet_header h = *call;
    h.type = call->type == VW_NET_CALL_WITH_FDS ? VW_NET_REPLY_WITH_FDS : VW_NET_REPLY;
    h.status = status;
    return h;
}

int vw_packet_encode_error(vw_buf *out, const vw_packet_header *hdr, int code, int domain,
                           const char *message, vw_error *err)
{
    vw_virerror ve = { .code = code, .domain = domain, .level = VW_ERR_LEVEL_ERROR,
                       .message = (char *)message };
    vw_remote_error re;
    vw_virerror_to_wire(&ve, &re);   /* borrows message, never frees it */
    return vw_packet_encode(out, hdr, 0, (xdrproc_t)xdr_vw_remote_error, &re, err);
}

int vw_packet_encode_stream_hole(vw_buf *out, const vw_packet_header *hdr, int64_t length,
                                 uint32_t flags, vw_error *err)
{
    vw_net_stream_hole hole = { .length = length, .flags = flags };
    return vw_packet_encode(out, hdr, 0, (xdrproc_t)xdr_vw_net_stream_hole, &hole, err);
}

int vw_packet_decode_stream_hole(const vw_packet *pkt, vw_decode_mode mode, int64_t *length,
                                 uint32_t *flags, vw_error *err)
{
    vw_net_stream_hole hole;
    if (vw_packet_decode_payload(pkt, (xdrproc_t)xdr_vw_net_stream_hole, &hole, sizeof(hole),
                                 mode, err) < 0)
        return -1;
    *length = hole.length;
    *flags = hole.flags;
    return 0;
}

int vw_packet_encode_keepalive(vw_buf *out, int32_t proc, vw_error *err)
{
    vw_packet_header hdr = {
        .prog = VW_KEEPALIVE_PROGRAM,
        .vers = VW_KEEPALIVE_PROTOCOL_VERSION,
        .proc = proc,
        .type = VW_NET_MESSAGE,
        .serial = 0,
        .status = VW_NET_OK,
    };
    return vw_packet_encode_raw(out, &hdr, 0, NULL, 0, err);
}

/* ---- incremental reader ---- */

/* Keep at most this much buffer between packets; bigger buffers are released once used. */
#define READER_KEEP_CAP (1u << 20)

void vw_packet_reader_init(vw_packet_reader *r, vw_decode_mode mode)
{
    memset(r, 0, sizeof(*r));
    r->mode = mode;
}

void vw_packet_reader_free(vw_packet_reader *r)
{
    free(r->buf);
    vw_decode_mode mode = r->mode;
    memset(r, 0, sizeof(*r));
    r->mode = mode;
}

void vw_packet_reader_trim(vw_packet_reader *r)
{
    if (r->have == 0 && !r->complete && r->cap > READER_KEEP_CAP) {
        free(r->buf);
        r->buf = NULL;
        r->cap = 0;
    }
}

size_t vw_packet_reader_wanted(const vw_packet_reader *r)
{
    if (r->failed || r->complete)
        return 0;
    if (r->have < VW_PACKET_LEN_SIZE)
        return VW_PACKET_LEN_SIZE - r->have;
    return r->len - r->have;
}

int vw_packet_reader_feed(vw_packet_reader *r, const uint8_t *data, size_t n, size_t *used,
                          vw_error *err)
{
    size_t consumed = 0;
    *used = 0;
    if (r->failed)
        return vw_error_at(err, r->stream_offset,
                                  "the byte stream is out of sync after a bad length word");
    while (!r->complete && consumed < n) {
        if (r->have < VW_PACKET_LEN_SIZE) {
            size_t take = VW_PACKET_LEN_SIZE - r->have;
            if (take > n - consumed)
                take = n - consumed;
            memcpy(r->lenbuf + r->have, data + consumed, take);
            r->have += take;
            consumed += take;
            if (r->have < VW_PACKET_LEN_SIZE)
                break;
            uint32_t len = vw_get_be32(r->lenbuf);
            /* The limit check comes before the buffer is sized for this packet. */
            if (vw_packet_check_length(len, err) < 0) {
                r->failed = true;
                if (err)
                    err->offset = r->stream_offset;
                *used = consumed;
                return -1;
            }
            if (r->max_len && len > r->max_len) {   /* the user's limit, before malloc too */
                r->failed = r->over_max_len = true;
                *used = consumed;
                return vw_error_at(err, r->stream_offset,
                                          "a packet of %u bytes is over the limit of %u bytes "
                                          "this reader may take now", len, r->max_len);
            }
            if (r->cap < len || (r->cap > READER_KEEP_CAP && len <= READER_KEEP_CAP)) {
                uint8_t *p = malloc(len);
                if (!p) {
                    r->failed = true;
                    *used = consumed;
                    return vw_error_at(err, r->stream_offset,
                                              "out of memory for a packet of %u bytes", len);
                }
                free(r->buf);
                r->buf = p;
                r->cap = len;
            }
            r->len = len;
            memcpy(r->buf, r->lenbuf, VW_PACKET_LEN_SIZE);
        } else {
            size_t take = r->len - r->have;
            if (take > n - consumed)
                take = n - consumed;
            memcpy(r->buf + r->have, data + consumed, take);
            r->have += take;
            consumed += take;
        }
        if (r->have >= VW_PACKET_LEN_SIZE && r->have == r->len)
            r->complete = true;
    }
    *used = consumed;
    return r->complete ? 1 : 0;
}

int vw_packet_reader_take(vw_packet_reader *r, vw_packet *pkt, const uint8_t **raw,
                          size_t *raw_len, vw_error *err)
{
    if (!r->complete)
        return 0;
    r->complete = false;
    r->have = 0;
    r->stream_offset += r->len;
    if (raw)
        *raw = r->buf;
    if (raw_len)
        *raw_len = r->len;
    if (vw_packet_parse(r->buf, r->len, r->mode, pkt, err) < 0)
        return -1;
    return 1;
}
