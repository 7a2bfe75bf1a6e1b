/* replay.c: fake-libvirtd --replay: answering clients from a trace (see replay.h).
 *
 * Loading (replay_script.c) turns every recorded connection into a script: its calls (client CALL packets, in
 * order) and the server's messages (in order). A server REPLY belongs to the latest call with
 * its serial and is sent when that call is matched. Every other server message (events,
 * keepalive PINGs, stream packets, unframed data) is in a segment: a run of them with no reply
 * and no client CALL or stream packet between (in the recorded order of the connection). A
 * segment is anchored to the latest client call recorded before it and released when
 *   - that anchor call has been matched live (strict or unordered: the recorded call matched),
 *   - the reply recorded before the segment (if any) has been sent, and
 *   - if a client stream packet is the last client message before it, the live client has sent
 *     its stream packet in the same place (recorded client stream packets are taken in order).
 * So an event libvirtd sent between a call and its reply (7.0 sends DEFINED before the define
 * reply) goes out once the live client has sent that call, before its reply; one sent after a
 * reply follows that reply. Released segments are queued in release order
 * (common/replay_pacer.h) and keep their recorded delay after what released them (the anchor
 * call, the reply, or at once for the first message after a stream packet), capped by
 * --replay-delay-max; the queue is flushed before every reply, so the recorded order holds. Segments before the first call are sent when
 * a client connects. Recorded PONGs are dropped: live PINGs are answered live.
 *
 * Each segment is checked when its anchor call is matched and when its reply is sent (calls
 * point at the first segment of each kind; the segments of one call or one reply are
 * contiguous), so serving stays O(1) amortised per message.
 *
 * Which recorded connection a client gets, which recorded call answers a live one, the
 * unmatched policy, the delay cap and the report are common/replay_engine.h's (shared with
 * fake-qemu): the key is program, version, procedure and argument bytes; unordered matching finds
 * "the first unused recorded call with this key" in O(1) amortised. */
#include "replay.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "procs.h"
#include "trace.h"
#include "replay_pacer.h"
#include "replay_script.h"

typedef struct rp_live {
    fl_replay *rp;
    fl_conn *c;
    rp_rconn *rc;
    size_t next;                  /* strict: the next recorded call; also the low-water mark of
                                   * unused calls in order */
    size_t next_anchor;           /* the next recorded client stream packet */
    bool in_order;                /* every match so far was the next call in order */
    size_t report;                /* its connection in rp->report */
    vw_buf scratch;
    vw_buf key;                   /* the live call's matching key */
    vw_replay_pacer pacer;        /* released server messages, at their recorded delays */
} rp_live;

struct fl_replay {
    fl_replay_options opt;
    vw_replay_engine *eng;        /* recorded connections, hand-out, matching, report */
    vw_replay_report *report;     /* the engine's */
    vw_mode_hooks hooks;          /* the server's mode hooks, opaque = this */
    size_t nlive;                 /* live connections served so far */
};

/* ---- names ---------------------------------------------------------------------------------- */

/* "REMOTE_PROC_CONNECT_OPEN", "QEMU_PROC_...", "REMOTE_PROC_455" (unknown to our table),
 * "program 0x12345678 procedure 3". */
static const char *proc_name(uint32_t prog, int32_t proc, char *buf, size_t buflen)
{
    const char *pname = vw_program_name(prog);
    if (!pname) {
        snprintf(buf, buflen, "program 0x%08x procedure %d", prog, proc);
        return buf;
    }
    const vw_proc_info *info = vw_procs_lookup(prog, proc);
    if (info)
        snprintf(buf, buflen, "%s_PROC_%s", pname, info->name);
    else
        snprintf(buf, buflen, "%s_PROC_%d", pname, proc);
    return buf;
}

/* ---- keys ----------------------------------------------------------------------------------- */

static int packet_key(rp_live *lv, const vw_packet *pkt)
{
    return fl_replay_call_key(&lv->key, pkt->hdr.prog, pkt->hdr.vers, pkt->hdr.proc, pkt->payload,
                    pkt->payload_len);
}

/* vw_replay_proto: the message for a QMP trace. */
static void wrong_protocol(void *ctx, const char *path, vw_trace_protocol found, vw_error *err)
{
    char source[sizeof(err->source)];
    (void)ctx;
    snprintf(source, sizeof(source), "--replay %s", path);
    vw_error_set(err, source, 0, 0, 0, "this is a %s trace; fake-libvirtd replays libvirt RPC "
                 "traces only (replay QMP traces with fake-qemu --replay)",
                 vw_trace_protocol_name(found));
}
/* ---- serving -------------------------------------------------------------------------------- */

static void queue(rp_live *lv, const void *data, size_t n)
{
    if (fl_conn_queue_bytes(lv->c, data, n) < 0)
        fprintf(stderr, "fake-libvirtd: --replay: connection %llu: out of memory; closing it\n",
                (unsigned long long)lv->c->id);
}

static void put_serial(uint8_t *raw, uint32_t serial)
{
    vw_put_be32(raw + 20, serial);   /* the header's serial word */
}

/* Sends o (a reply gets serial live_serial; a stream packet the live serial of the call that
 * opened its stream, searched back from call index from, none when from is -1). */
static void emit_out(rp_live *lv, const rp_out *o, bool reply, uint32_t live_serial, long from)
{
    bool stream = o->type == VW_NET_STREAM || o->type == VW_NET_STREAM_HOLE;
    if (!reply && !stream) {
        queue(lv, o->raw, o->len);
        return;
    }
    if (stream) {
        live_serial = o->serial;
        size_t steps = 0;
        for (long i = from; i >= 0 && steps++ < RP_REPLY_SEARCH; i--) {
            const rp_call *k = &lv->rc->calls[i];
            if (k->serial == o->serial && vw_replay_match_used(lv->rc->base.match, (size_t)i)) {
                live_serial = k->live_serial;
                break;
            }
        }
    }
    vw_buf_reset(&lv->scratch);
    vw_error pe;
    if (vw_buf_append(&lv->scratch, o->raw, o->len, &pe) < 0)
        return;
    put_serial(lv->scratch.data, live_serial);
    queue(lv, lv->scratch.data, lv->scratch.len);
}

/* vw_replay_pacer_ops: server message i of the live connection's recorded one. */
static bool pace_message(void *ctx, size_t i, uint64_t *t_us)
{
    rp_live *lv = ctx;
    const rp_out *o = &lv->rc->outs[i];
    *t_us = o->t_us;
    return !o->skip;
}

static void pace_send(void *ctx, size_t i, long anchor)
{
    rp_live *lv = ctx;
    if (!lv->c->closing && lv->rc)
        emit_out(lv, &lv->rc->outs[i], false, 0, anchor);
}

static const vw_replay_pacer_ops pace_ops = { pace_message, pace_send };

/* Queues segment si if everything it waits for has happened live (see the top of the file). */
static void try_release(rp_live *lv, size_t si)
{
    rp_rconn *rc = lv->rc;
    rp_seg *sg = &rc->segs[si];
    if (sg->released)
        return;
    if (sg->anchor >= 0 && !vw_replay_match_used(rc->base.match, (size_t)sg->anchor))
        return;
    if (sg->prev_reply >= 0 &&
        !vw_replay_match_used(rc->base.match, (size_t)rc->outs[sg->prev_reply].call))
        return;
    if (sg->needs_stream && !sg->stream_seen)
        return;
    sg->released = true;
    if (vw_replay_pacer_release(&lv->pacer, sg->start, sg->end, sg->base_us, sg->anchor) < 0)
        fprintf(stderr, "fake-libvirtd: --replay: connection %llu: out of memory; recorded "
                "server messages dropped\n", (unsigned long long)lv->c->id);
}

static void answer(rp_live *lv, size_t i, uint32_t live_serial)
{
    rp_rconn *rc = lv->rc;
    rp_call *k = &rc->calls[i];
    vw_replay_engine_matched(lv->rp->eng, lv->report, &rc->base, i);
    k->live_serial = live_serial;
    /* what the server sent after this call and before its reply (an event the call caused,
     * sent before the reply), once the reply before each is sent */
    size_t s = k->seg_anchored >= 0 ? (size_t)k->seg_anchored : rc->nsegs;
    for (; s < rc->nsegs && rc->segs[s].anchor == (long)i &&
           (k->reply < 0 || rc->segs[s].start < (size_t)k->reply); s++)
        try_release(lv, s);
    if (k->reply >= 0) {
        vw_replay_pacer_flush(&lv->pacer);
        emit_out(lv, &rc->outs[k->reply], true, live_serial, (long)i);
        /* what followed: events, PINGs and stream packets keep their recorded delay (capped):
         * a client registering for events may not be ready for one in the same read as the
         * reply. First the rest anchored to this call, then what waited for this reply. */
        for (; s < rc->nsegs && rc->segs[s].anchor == (long)i; s++)
            try_release(lv, s);
        if (k->seg_after_reply >= 0)
            for (s = (size_t)k->seg_after_reply;
                 s < rc->nsegs && rc->segs[s].prev_reply == k->reply; s++)
                try_release(lv, s);
    }
    vw_replay_pacer_pump(&lv->pacer);
}

/* The live client sent a stream packet: what the server sent after the recorded one follows
 * (with a run of client packets and no server message between, after the last of them). */
static void stream_packet(rp_live *lv)
{
    rp_rconn *rc = lv->rc;
    if (!rc || lv->next_anchor >= rc->nanchors)
        return;
    const rp_anchor *a = &rc->anchors[lv->next_anchor++];
    if (a->seg < 0)
        return;
    rc->segs[a->seg].stream_seen = true;
    try_release(lv, (size_t)a->seg);
    vw_replay_pacer_pump(&lv->pacer);
}

/* The recorded call that answers the live call, or -1. */
static long find_call(rp_live *lv, const vw_packet *pkt)
{
    if (!lv->rc || packet_key(lv, pkt) < 0)
        return -1;
    return vw_replay_engine_find(lv->rp->eng, &lv->rc->base, lv->key.data, lv->key.len);
}

static void release_rconn(fl_replay *rp, rp_rconn *rc)
{
    vw_replay_engine_give_back(rp->eng, &rc->base);
    for (size_t i = 0; i < rc->nsegs; i++) {
        rc->segs[i].released = false;
        rc->segs[i].stream_seen = false;
    }
}

/* --replay-pick match: the live calls so far matched calls[0..next-1] of lv->rc in order but
 * the new one does not match: move to the first free recorded connection with the same opening
 * calls whose next call does (common/replay_engine.h). Returns true when it moved. */
static bool switch_rconn(rp_live *lv, const vw_packet *pkt)
{
    fl_replay *rp = lv->rp;
    rp_rconn *cur = lv->rc;
    size_t k = lv->next;
    if (packet_key(lv, pkt) < 0)
        return false;
    rp_rconn *cand = (rp_rconn *)vw_replay_engine_switch(rp->eng, &cur->base, k, lv->key.data,
                                                         lv->key.len);
    if (!cand)
        return false;
    for (size_t j = 0; j < k; j++)
        cand->calls[j].live_serial = cur->calls[j].live_serial;
    vw_replay_pacer_flush(&lv->pacer);
    release_rconn(rp, cur);
    /* what the candidate sent before and after its opening calls went out from cur */
    for (size_t j = 0; j < cand->nsegs && cand->segs[j].anchor < (long)k; j++)
        cand->segs[j].released = true;
    lv->rc = cand;
    vw_replay_report_set_recorded(rp->report, lv->report, cand->base.id);
    if (rp->opt.verbose)
        fprintf(stderr, "fake-libvirtd: --replay: connection %llu now served from recorded "
                "connection %u (its opening calls match)\n",
                (unsigned long long)lv->c->id, cand->base.id);
    return true;
}

/* Why the live call does not match recorded call k. */
static void describe_difference(const rp_call *k, const vw_packet *pkt, char *buf, size_t len)
{
    char a[96], b[96];
    if (k->prog != pkt->hdr.prog || k->proc != pkt->hdr.proc) {
        snprintf(buf, len, "the procedure differs (recorded %s, received %s)",
                 proc_name(k->prog, k->proc, a, sizeof(a)),
                 proc_name(pkt->hdr.prog, pkt->hdr.proc, b, sizeof(b)));
        return;
    }
    if (k->vers != pkt->hdr.vers) {
        snprintf(buf, len, "the program version differs (recorded %u, received %u)", k->vers,
                 pkt->hdr.vers);
        return;
    }
    size_t n = k->args_len < pkt->payload_len ? k->args_len : pkt->payload_len;
    size_t at = 0;
    while (at < n && k->args[at] == pkt->payload[at])
        at++;
    if (at < n)
        snprintf(buf, len, "the arguments differ at byte %zu (recorded 0x%02x, received 0x%02x; "
                 "recorded %zu bytes, received %zu)", at, k->args[at], pkt->payload[at],
                 k->args_len, pkt->payload_len);
    else
        snprintf(buf, len, "the arguments are equal for %zu bytes, then the %s ones end "
                 "(recorded %zu bytes, received %zu)", n,
                 k->args_len < pkt->payload_len ? "recorded" : "received", k->args_len,
                 pkt->payload_len);
}

/* The recorded call closest to the live one, for the log: strict: the expected one; unordered:
 * the first unused call of the same procedure, else the first unused call. -1 if none. */
static long nearest_call(rp_live *lv, const vw_packet *pkt)
{
    rp_rconn *rc = lv->rc;
    if (!rc)
        return -1;
    if (lv->rp->opt.match == FL_REPLAY_STRICT)
        return lv->next < rc->ncalls ? (long)lv->next : -1;
    long first_unused = -1;
    for (size_t i = lv->next; i < rc->ncalls; i++) {
        const rp_call *k = &rc->calls[i];
        if (vw_replay_match_used(rc->base.match, i))
            continue;
        if (first_unused < 0)
            first_unused = (long)i;
        if (k->prog == pkt->hdr.prog && k->proc == pkt->hdr.proc)
            return (long)i;
    }
    return first_unused;
}

static void unmatched(rp_live *lv, const vw_packet *pkt)
{
    fl_replay *rp = lv->rp;
    char name[96], why[512];
    proc_name(pkt->hdr.prog, pkt->hdr.proc, name, sizeof(name));
    bool close = vw_replay_engine_unmatched(rp->eng, lv->report,
                                            json_pack("{s:s,s:I}", "proc", name, "serial",
                                                      (json_int_t)pkt->hdr.serial));
    long near = nearest_call(lv, pkt);
    if (!lv->rc)
        snprintf(why, sizeof(why), "no recorded connection was left for this client (the trace "
                 "has %zu)", vw_replay_engine_count(rp->eng));
    else if (near < 0)
        snprintf(why, sizeof(why), "every recorded call of recorded connection %u is used",
                 lv->rc->base.id);
    else {
        const rp_call *k = &lv->rc->calls[near];
        char kname[96], diff[320];
        describe_difference(k, pkt, diff, sizeof(diff));
        snprintf(why, sizeof(why), "nearest recorded call: %s (serial %u, trace line %lu): %s",
                 proc_name(k->prog, k->proc, kname, sizeof(kname)), k->serial, k->line, diff);
    }
    fprintf(stderr, "fake-libvirtd: --replay: connection %llu: no recorded call matches %s "
                    "(serial %u, %s mode); %s%s\n",
            (unsigned long long)lv->c->id, name, pkt->hdr.serial,
            rp->opt.match == FL_REPLAY_STRICT ? "strict" : "unordered", why,
            close ? "; closing the connection (--replay-unmatched close)" : "");
    if (close) {
        fl_conn_finish(lv->c);
        return;
    }
    char msg[512];
    if (lv->rc)
        snprintf(msg, sizeof(msg), "fake-libvirtd replay: no recorded call matches %s (serial "
                 "%u) in recorded connection %u (%s matching)", name, pkt->hdr.serial,
                 lv->rc->base.id, rp->opt.match == FL_REPLAY_STRICT ? "strict" : "unordered");
    else
        snprintf(msg, sizeof(msg), "fake-libvirtd replay: no recorded call matches %s (serial "
                 "%u): the trace has no recorded connection left for this client", name,
                 pkt->hdr.serial);
    vw_packet_header hdr = vw_packet_reply_header(&pkt->hdr, VW_NET_ERROR);
    vw_error pe;
    vw_buf_reset(&lv->scratch);
    if (vw_packet_encode_error(&lv->scratch, &hdr, VW_ERR_RPC, VW_FROM_RPC, msg,
                               &pe) == 0)
        queue(lv, lv->scratch.data, lv->scratch.len);
}

static void handle_call(rp_live *lv, const vw_packet *pkt)
{
    fl_replay *rp = lv->rp;
    long i = find_call(lv, pkt);
    if (i < 0 && rp->opt.pick == FL_REPLAY_PICK_MATCH && lv->rc && lv->in_order &&
        switch_rconn(lv, pkt))
        i = find_call(lv, pkt);
    if (i < 0) {
        unmatched(lv, pkt);
        return;
    }
    if ((size_t)i != lv->next)
        lv->in_order = false;
    answer(lv, (size_t)i, pkt->hdr.serial);
    lv->next = vw_replay_match_next(lv->rc->base.match);
}

/* ---- server hooks --------------------------------------------------------------------------- */

static int rp_conn_open(void *opaque, void *conn)
{
    fl_replay *rp = opaque;
    fl_conn *c = conn;
    rp_live *lv = calloc(1, sizeof(*lv));
    if (!lv)
        return -1;
    lv->rp = rp;
    lv->c = c;
    lv->in_order = true;
    vw_buf_init(&lv->scratch);
    vw_buf_init(&lv->key);
    vw_replay_pacer_init(&lv->pacer, rp->eng, fl_server_loop(c->srv), &pace_ops, lv);
    lv->rc = (rp_rconn *)vw_replay_engine_take(rp->eng);
    lv->report = vw_replay_report_conn(rp->report, c->id, lv->rc ? (long long)lv->rc->base.id
                                                                 : -1);
    rp->nlive++;
    if (lv->rc) {
        if (rp->opt.verbose)
            fprintf(stderr, "fake-libvirtd: --replay: connection %llu served from recorded "
                    "connection %u\n", (unsigned long long)c->id, lv->rc->base.id);
        /* what the server sent before the first call */
        for (size_t j = 0; j < lv->rc->nsegs && lv->rc->segs[j].anchor < 0; j++)
            try_release(lv, j);
        vw_replay_pacer_flush(&lv->pacer);
    } else {
        fprintf(stderr, "fake-libvirtd: --replay: connection %llu: the trace has no recorded "
                "connection left (it has %zu); every call will be unmatched\n",
                (unsigned long long)c->id, vw_replay_engine_count(rp->eng));
    }
    c->mode_data = lv;
    return 0;
}

static void rp_conn_packet(void *opaque, void *conn, const vw_mode_msg *msg)
{
    fl_replay *rp = opaque;
    fl_conn *c = conn;
    rp_live *lv = c->mode_data;
    const vw_packet *pkt = msg->decoded;
    size_t raw_len = msg->len;
    if (!lv || c->closing)
        return;
    if (!pkt) {
        if (rp->opt.verbose)
            fprintf(stderr, "fake-libvirtd: --replay: connection %llu: ignored a %zu-byte packet "
                    "with a malformed header\n", (unsigned long long)c->id, raw_len);
        return;
    }
    if (pkt->hdr.prog == VW_KEEPALIVE_PROGRAM) {
        if (pkt->hdr.type == VW_NET_MESSAGE && pkt->hdr.proc == VW_KEEPALIVE_PROC_PING) {
            vw_error pe;
            vw_buf_reset(&lv->scratch);
            if (vw_packet_encode_keepalive(&lv->scratch, VW_KEEPALIVE_PROC_PONG, &pe) == 0)
                queue(lv, lv->scratch.data, lv->scratch.len);
        }
        return;
    }
    if (pkt->hdr.type == VW_NET_STREAM || pkt->hdr.type == VW_NET_STREAM_HOLE) {
        stream_packet(lv);
        return;
    }
    if (pkt->hdr.type != VW_NET_CALL && pkt->hdr.type != VW_NET_CALL_WITH_FDS)
        return;         /* stray messages: nothing to answer */
    handle_call(lv, pkt);
}

static void rp_conn_close(void *opaque, void *conn)
{
    fl_replay *rp = opaque;
    fl_conn *c = conn;
    rp_live *lv = c->mode_data;
    if (!lv)
        return;
    vw_replay_counts n = vw_replay_engine_conn_done(rp->eng, lv->report,
                                                    lv->rc ? &lv->rc->base : NULL);
    char rc_text[48];
    if (lv->rc)
        snprintf(rc_text, sizeof(rc_text), "recorded connection %u", lv->rc->base.id);
    else
        snprintf(rc_text, sizeof(rc_text), "no recorded connection");
    fprintf(stderr, "fake-libvirtd: --replay: connection %llu (%s) closed: %lu calls matched, "
                    "%lu unmatched, %lu recorded calls never used\n",
            (unsigned long long)c->id, rc_text, n.matched, n.unmatched, n.never_used);
    vw_replay_pacer_clear(&lv->pacer);
    vw_buf_free(&lv->scratch);
    vw_buf_free(&lv->key);
    free(lv);
    c->mode_data = NULL;
}

/* ---- setup and report ----------------------------------------------------------------------- */

/* vw_replay_proto: recorded call i for the report. */
static json_t *call_json(void *ctx, const vw_replay_rconn *base, size_t i)
{
    (void)ctx;
    const rp_call *k = &((const rp_rconn *)base)->calls[i];
    char name[96];
    return json_pack("{s:s,s:I,s:I}", "proc", proc_name(k->prog, k->proc, name, sizeof(name)),
                     "serial", (json_int_t)k->serial, "line", (json_int_t)k->line);
}

static const vw_replay_proto libvirt_proto = {
    .who = "fake-libvirtd: --replay", .protocol = "libvirt",
    .trace_protocol = VW_TRACE_LIBVIRT, .rconn_size = sizeof(rp_rconn),
    .record = fl_replay_script_record, .rconn_clear = fl_replay_script_clear, .call_json = call_json,
    .wrong_protocol = wrong_protocol, .load_error_prefix = "--replay ",
    .report_who = "fake-libvirtd: --replay-report",
};

fl_replay *fl_replay_new(const fl_replay_options *opt, vw_error *err)
{
    fl_replay *rp = calloc(1, sizeof(*rp));
    if (!rp) {
        vw_error_set(err, NULL, 0, 0, 0, "out of memory");
        return NULL;
    }
    rp->opt = *opt;
    rp->eng = vw_replay_engine_new(opt, &libvirt_proto, rp, err);
    if (!rp->eng) {
        free(rp);
        return NULL;
    }
    rp->report = vw_replay_engine_report(rp->eng);
    return rp;
}

void fl_replay_attach(fl_replay *rp, fl_server_config *cfg)
{
    rp->hooks = (vw_mode_hooks){ .open = rp_conn_open, .message = rp_conn_packet,
                                 .closed = rp_conn_close, .opaque = rp };
    cfg->mode = &rp->hooks;
}

int fl_replay_free(fl_replay *rp)
{
    if (!rp)
        return 0;
    vw_replay_summary s = vw_replay_engine_summary(rp->eng);
    fprintf(stderr, "fake-libvirtd: --replay report: %lu calls matched, %lu unmatched, %lu "
                    "recorded calls never used (in %zu served connections); %zu of %zu recorded "
                    "connections never served (%lu calls)\n",
            s.totals.matched, s.totals.unmatched, s.totals.never_used, rp->nlive,
            s.never_served, vw_replay_engine_count(rp->eng), s.never_served_calls);
    int rc = vw_replay_engine_write_report(rp->eng);
    vw_replay_engine_free(rp->eng);
    free(rp);
    return rc;
}
