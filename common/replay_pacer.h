/* replay_pacer.h: the timing of a replay's server messages (fake-libvirtd --replay, through
 * common/replay_engine.h's delay): runs of recorded server messages are released as a whole
 * when what they wait for has happened live, queued in release order, and each message goes
 * out at its recorded delay after what released it (capped by --replay-delay-max), by a timer
 * on the event loop. A reply is sent at once, after flushing the queue (vw_replay_pacer_flush),
 * so the recorded order holds.
 *
 * Owns: the queue of released runs, where each stands, when each was released, and the timer.
 * The messages themselves (their recorded time, whether one is skipped, sending it with its
 * serial rewritten) are the protocol's, named by index.
 */
#ifndef VW_REPLAY_PACER_H
#define VW_REPLAY_PACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evloop.h"
#include "xdr_codec.h"
#include "replay_engine.h"

typedef struct vw_replay_pacer_ops {
    /* when message i was recorded, in µs; false: it is not replayed (skipped) */
    bool (*message)(void *ctx, size_t i, uint64_t *t_us);
    /* sends message i of a run released with tag */
    void (*send)(void *ctx, size_t i, long tag);
} vw_replay_pacer_ops;

typedef struct vw_replay_pacer_run {
    size_t pos, end;
    uint64_t base_us;
    long long start_ms;
    long tag;
} vw_replay_pacer_run;

typedef struct vw_replay_pacer {
    const vw_replay_engine *engine;
    vw_evloop *loop;
    const vw_replay_pacer_ops *ops;
    void *ctx;
    vw_buf runs;                  /* vw_replay_pacer_run[]: queued from index head on */
    size_t head;
    long long timer;              /* -1 when none */
    bool pumping;                 /* inside a send: a clear waits until it returns */
    bool cleared;                 /* ... and one was asked for */
} vw_replay_pacer;

void vw_replay_pacer_init(vw_replay_pacer *p, const vw_replay_engine *e, vw_evloop *loop,
                          const vw_replay_pacer_ops *ops, void *ctx);
/* Stops the timer and frees the queue (messages not sent are dropped). Safe inside ops->send
 * (the connection closed while a message was written): the pump stops after that send. */
void vw_replay_pacer_clear(vw_replay_pacer *p);
/* Queues messages start..end-1, released now; their delays count from base_us. Returns 0, or
 * -1 when out of memory (nothing queued). */
int vw_replay_pacer_release(vw_replay_pacer *p, size_t start, size_t end, uint64_t base_us,
                            long tag);
/* Sends what is due and arms the timer for the rest. */
void vw_replay_pacer_pump(vw_replay_pacer *p);
/* Sends everything queued now (before a reply). */
void vw_replay_pacer_flush(vw_replay_pacer *p);

#endif
