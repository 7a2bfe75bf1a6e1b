/* replay_script.h: fake-libvirtd --replay's recorded connections as scripts (replay.c serves
 * them; the engine, common/replay_engine.h, loads them through fl_replay_script_record).
 *
 * Owns: what one trace record becomes. A client CALL is a call (its key, common/replay_match.h:
 * program, version, procedure and argument bytes, never the serial); a server REPLY belongs to
 * the latest call with its serial and procedure that has none yet; every other server message
 * (events, keepalive PINGs, stream packets, unframed data) falls in a segment: a run of them
 * with no reply and no client call or stream packet between, anchored to the latest call
 * recorded before it, after the latest reply before it, and waiting for a client stream packet
 * when one is the last client message before it. Recorded PONGs are marked skipped. Calls point
 * at the first segment anchored to them and the first after their reply, so serving checks
 * segments in O(1) amortised.
 */
#ifndef FL_REPLAY_SCRIPT_H
#define FL_REPLAY_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay_engine.h"
#include "trace.h"
#include "xdr_codec.h"

#define RP_REPLY_SEARCH 4096      /* how far back a reply looks for its call */

/* One recorded client call. */
typedef struct {
    uint32_t prog, vers;
    int32_t proc;
    uint32_t serial;              /* as recorded */
    const uint8_t *args;          /* points into raw */
    size_t args_len;
    uint8_t *raw;
    unsigned long line;
    long reply;                   /* index into outs, -1 when no reply was recorded */
    long seg_anchored;            /* first segment anchored to this call, -1 */
    long seg_after_reply;         /* first segment whose reply before it is this call's, -1 */
    uint64_t t_us;                /* when it was recorded */
    uint32_t live_serial;         /* the live call it answered */
} rp_call;

/* One recorded server message (or unframed server bytes). */
typedef struct {
    uint8_t *raw;
    size_t len;
    uint64_t t_us;                /* when it was recorded */
    int32_t type;                 /* -1 for unframed data or an unparsable header */
    uint32_t serial;
    bool is_reply;                /* the reply of some call */
    long call;                    /* is_reply: the call it answers */
    bool skip;                    /* a keepalive PONG: not replayed */
} rp_out;

/* A run of non-reply server messages outs[start .. end) with no reply and no client call or
 * stream packet between; released as a whole (see the top of the file). */
typedef struct {
    size_t start, end;
    long anchor;                  /* the latest call recorded before it, -1 */
    long prev_reply;              /* out index of the latest reply before it, -1 */
    bool needs_stream;            /* a client stream packet is the last client message before */
    uint64_t base_us;             /* delays count from this recorded time */
    /* serving */
    bool stream_seen;             /* the live stream packet in that place arrived */
    bool released;                /* handed to the pacer (common/replay_pacer.h) */
} rp_seg;

/* A client stream packet (STREAM, STREAM_HOLE): what the server sent after it (e.g. the STREAM
 * OK confirming a finish) waits for the live client's stream packet. */
typedef struct {
    long seg;                     /* the segment right after it, -1 (a reply, a call or another
                                   * client stream packet came first) */
} rp_anchor;

/* A recorded connection; base (id, the calls' keys and which are used, bound) is the
 * engine's (common/replay_engine.h). */
typedef struct rp_rconn {
    vw_replay_rconn base;
    rp_call *calls;
    size_t ncalls, capcalls;
    rp_out *outs;
    size_t nouts, capouts;
    rp_anchor *anchors;
    size_t nanchors, capanchors;
    rp_seg *segs;
    size_t nsegs, capsegs;
    /* loading: the latest call, the latest reply, and what ended the segment before */
    long load_call, load_reply;
    enum { RP_CUT_NONE, RP_CUT_START, RP_CUT_CALL, RP_CUT_REPLY, RP_CUT_STREAM } load_cut;
    uint64_t load_cut_us;
    bool closed;                  /* a close record was read (load time) */
    bool started;                 /* loading: its first record was seen */
} rp_rconn;

/* vw_replay_proto operations: one record of a recorded connection (0, or -1 when out of
 * memory), and freeing what a recorded connection holds. */
int fl_replay_script_record(void *ctx, vw_replay_rconn *base, const vw_trace_record *rec);
void fl_replay_script_clear(void *ctx, vw_replay_rconn *base);

/* A call's matching key into key: program, version, procedure, then the argument bytes.
 * Returns 0, or -1 when out of memory. */
int fl_replay_call_key(vw_buf *key, uint32_t prog, uint32_t vers, int32_t proc,
                       const uint8_t *args, size_t n);

#endif
