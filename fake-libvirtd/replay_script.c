/* replay_script.c: fake-libvirtd --replay's recorded connections as scripts (see
 * replay_script.h). */
#include "replay_script.h"

#include <stdlib.h>
#include <string.h>

#include "packet.h"

/* A call's matching key (common/replay_match.h): program, version, procedure, then the
 * argument bytes; never the serial. */
int fl_replay_call_key(vw_buf *key, uint32_t prog, uint32_t vers, int32_t proc,
                       const uint8_t *args, size_t n)
{
    vw_error pe;
    uint32_t head[3] = { prog, vers, (uint32_t)proc };
    vw_buf_reset(key);
    if (vw_buf_append(key, head, sizeof(head), &pe) < 0 ||
        (n && vw_buf_append(key, args, n, &pe) < 0))
        return -1;
    return 0;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *na = realloc(*arr, ncap * elem);
    if (!na)
        return -1;
    *arr = na;
    *cap = ncap;
    return 0;
}

static int add_call(rp_rconn *rc, const vw_packet *pkt, uint8_t *raw, unsigned long line,
                    uint64_t t_us)
{
    if (grow((void **)&rc->calls, &rc->capcalls, rc->ncalls, sizeof(rp_call)) < 0)
        return -1;
    rp_call *k = &rc->calls[rc->ncalls++];
    memset(k, 0, sizeof(*k));
    k->prog = pkt->hdr.prog;
    k->vers = pkt->hdr.vers;
    k->proc = pkt->hdr.proc;
    k->serial = pkt->hdr.serial;
    k->raw = raw;
    k->args = raw + (pkt->payload - raw);
    k->args_len = pkt->payload_len;
    k->line = line;
    k->reply = -1;
    k->seg_anchored = -1;
    k->seg_after_reply = -1;
    k->t_us = t_us;
    rc->load_call = (long)(rc->ncalls - 1);
    rc->load_cut = RP_CUT_CALL;
    rc->load_cut_us = t_us;
    vw_buf key;
    vw_buf_init(&key);
    int rc_ = -1;
    if (fl_replay_call_key(&key, k->prog, k->vers, k->proc, k->args, k->args_len) == 0)
        rc_ = vw_replay_match_add(rc->base.match, key.data, key.len);
    vw_buf_free(&key);
    return rc_;
}

static int add_out(rp_rconn *rc, uint8_t *raw, size_t len, bool framed, uint64_t t_us)
{
    if (grow((void **)&rc->outs, &rc->capouts, rc->nouts, sizeof(rp_out)) < 0)
        return -1;
    rp_out *o = &rc->outs[rc->nouts];
    memset(o, 0, sizeof(*o));
    o->raw = raw;
    o->len = len;
    o->t_us = t_us;
    o->type = -1;
    vw_packet pkt;
    vw_error pe;
    if (framed && vw_packet_parse(raw, len, VW_DECODE_LENIENT, &pkt, &pe) == 0) {
        o->type = pkt.hdr.type;
        o->serial = pkt.hdr.serial;
        if (pkt.hdr.prog == VW_KEEPALIVE_PROGRAM && pkt.hdr.proc == VW_KEEPALIVE_PROC_PONG)
            o->skip = true;
        if (pkt.hdr.type == VW_NET_REPLY || pkt.hdr.type == VW_NET_REPLY_WITH_FDS) {
            /* the latest call with this serial that has no reply yet */
            size_t steps = 0;
            for (size_t i = rc->ncalls; i-- > 0 && steps++ < RP_REPLY_SEARCH;) {
                rp_call *k = &rc->calls[i];
                if (k->serial == pkt.hdr.serial && k->reply < 0 && k->prog == pkt.hdr.prog &&
                    k->proc == pkt.hdr.proc) {
                    k->reply = (long)rc->nouts;
                    o->is_reply = true;
                    o->call = (long)i;
                    break;
                }
            }
        }
    }
    if (o->is_reply) {
        rc->load_reply = (long)rc->nouts;
        rc->load_cut = RP_CUT_REPLY;
        rc->load_cut_us = t_us;
    } else if (rc->load_cut != RP_CUT_NONE) {
        /* the first message after a call, a reply, a client stream packet or the start */
        if (grow((void **)&rc->segs, &rc->capsegs, rc->nsegs, sizeof(rp_seg)) < 0)
            return -1;
        long si = (long)rc->nsegs++;
        rp_seg *sg = &rc->segs[si];
        memset(sg, 0, sizeof(*sg));
        sg->start = rc->nouts;
        sg->anchor = rc->load_call;
        sg->prev_reply = rc->load_reply;
        sg->needs_stream = rc->load_cut == RP_CUT_STREAM;
        /* after a client stream packet the first answer (e.g. the STREAM OK of a finish) goes
         * at once; otherwise the recorded delay counts from the call or reply before */
        sg->base_us = sg->needs_stream || rc->load_cut == RP_CUT_START ? t_us : rc->load_cut_us;
        if (sg->needs_stream && rc->nanchors > 0)
            rc->anchors[rc->nanchors - 1].seg = si;
        if (sg->anchor >= 0 && rc->calls[sg->anchor].seg_anchored < 0)
            rc->calls[sg->anchor].seg_anchored = si;
        if (sg->prev_reply >= 0) {
            rp_call *k = &rc->calls[rc->outs[sg->prev_reply].call];
            if (k->seg_after_reply < 0)
                k->seg_after_reply = si;
        }
        rc->load_cut = RP_CUT_NONE;
    }
    if (!o->is_reply && rc->nsegs > 0)
        rc->segs[rc->nsegs - 1].end = rc->nouts + 1;
    rc->nouts++;
    return 0;
}

void fl_replay_script_clear(void *ctx, vw_replay_rconn *base)
{
    (void)ctx;
    rp_rconn *rc = (rp_rconn *)base;
    for (size_t i = 0; i < rc->ncalls; i++)
        free(rc->calls[i].raw);
    for (size_t i = 0; i < rc->nouts; i++)
        free(rc->outs[i].raw);
    free(rc->calls);
    free(rc->outs);
    free(rc->anchors);
    free(rc->segs);
}

/* A client message: calls are matched; client stream packets release what followed them;
 * client data, PINGs and PONGs are neither. */
static int load_c2s(rp_rconn *c, const vw_trace_record *rec)
{
    vw_packet pkt;
    vw_error pe;
    if (rec->kind != VW_TRACE_MESSAGE ||
        vw_packet_parse(rec->raw, rec->raw_len, VW_DECODE_LENIENT, &pkt, &pe) < 0)
        return 0;
    if (pkt.hdr.type == VW_NET_STREAM || pkt.hdr.type == VW_NET_STREAM_HOLE) {
        if (grow((void **)&c->anchors, &c->capanchors, c->nanchors, sizeof(rp_anchor)) < 0)
            return -1;
        c->anchors[c->nanchors++].seg = -1;
        c->load_cut = RP_CUT_STREAM;
        c->load_cut_us = rec->t_us;
        return 0;
    }
    if (pkt.hdr.type != VW_NET_CALL && pkt.hdr.type != VW_NET_CALL_WITH_FDS)
        return 0;
    uint8_t *raw = malloc(rec->raw_len);
    if (!raw)
        return -1;
    memcpy(raw, rec->raw, rec->raw_len);
    vw_packet copy;
    vw_packet_parse(raw, rec->raw_len, VW_DECODE_LENIENT, &copy, &pe);
    if (add_call(c, &copy, raw, rec->line, rec->t_us) < 0) {
        free(raw);
        return -1;
    }
    return 0;
}

int fl_replay_script_record(void *ctx, vw_replay_rconn *base, const vw_trace_record *rec)
{
    (void)ctx;
    rp_rconn *c = (rp_rconn *)base;
    if (!c->started) {          /* the engine zeroed it */
        c->started = true;
        c->load_call = c->load_reply = -1;
        c->load_cut = RP_CUT_START;
    }
    if (rec->kind == VW_TRACE_CLOSE) {
        c->closed = true;
        return 0;
    }
    if (rec->dir == VW_TRACE_C2S)
        return load_c2s(c, rec);
    uint8_t *raw = malloc(rec->raw_len ? rec->raw_len : 1);
    if (!raw)
        return -1;
    memcpy(raw, rec->raw, rec->raw_len);
    if (add_out(c, raw, rec->raw_len, rec->kind == VW_TRACE_MESSAGE, rec->t_us) < 0) {
        free(raw);
        return -1;
    }
    return 0;
}
