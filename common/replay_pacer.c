/* replay_pacer.c: the timing of a replay's server messages (see replay_pacer.h). */
#include "replay_pacer.h"

#include <stdlib.h>

void vw_replay_pacer_init(vw_replay_pacer *p, const vw_replay_engine *e, vw_evloop *loop,
                          const vw_replay_pacer_ops *ops, void *ctx)
{
    *p = (vw_replay_pacer){ .engine = e, .loop = loop, .ops = ops, .ctx = ctx, .timer = -1 };
}

static void stop_timer(vw_replay_pacer *p)
{
    if (p->timer >= 0)
        vw_evloop_del_timer(p->loop, p->timer);
    p->timer = -1;
}

void vw_replay_pacer_clear(vw_replay_pacer *p)
{
    stop_timer(p);
    if (p->pumping) {
        p->cleared = true;      /* pump frees the queue once the send returns */
        return;
    }
    vw_buf_free(&p->runs);
    p->head = 0;
}

static size_t queued(const vw_replay_pacer *p)
{
    return p->runs.len / sizeof(vw_replay_pacer_run);
}

int vw_replay_pacer_release(vw_replay_pacer *p, size_t start, size_t end, uint64_t base_us,
                            long tag)
{
    if (p->head == queued(p)) {     /* all sent: start over */
        vw_buf_reset(&p->runs);
        p->head = 0;
    }
    vw_replay_pacer_run r = { start, end, base_us, vw_evloop_now_ms(), tag };
    vw_error pe;
    return vw_buf_append(&p->runs, &r, sizeof(r), &pe);
}

static long long tick(vw_evloop *loop, long long id, void *data);

/* Sends the queued messages that are due (all of them when all is true); arms the timer for
 * the first one that is not. */
static void pump(vw_replay_pacer *p, bool all)
{
    if (p->pumping)
        return;                 /* a send that released or flushed: the outer pump goes on */
    long long now = vw_evloop_now_ms();
    p->pumping = true;
    for (; p->head < queued(p); p->head++) {
        vw_replay_pacer_run *r = (vw_replay_pacer_run *)p->runs.data + p->head;
        long long elapsed = now - r->start_ms;
        for (; r->pos < r->end; r->pos++) {
            uint64_t t_us;
            if (!p->ops->message(p->ctx, r->pos, &t_us))
                continue;
            long long due = vw_replay_engine_delay_ms(p->engine, t_us, r->base_us);
            if (!all && due > elapsed) {
                if (p->timer < 0)
                    p->timer = vw_evloop_add_timer(p->loop, due - elapsed, tick, p, NULL);
                if (p->timer >= 0) {
                    p->pumping = false;
                    return;     /* no timer (out of memory): send it now */
                }
            }
            p->ops->send(p->ctx, r->pos, r->tag);
            if (p->cleared) {   /* the send ended the connection */
                p->pumping = p->cleared = false;
                vw_replay_pacer_clear(p);
                return;
            }
            r = (vw_replay_pacer_run *)p->runs.data + p->head;   /* a release may move it */
        }
    }
    p->pumping = false;
}

static long long tick(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    vw_replay_pacer *p = data;
    p->timer = -1;
    pump(p, false);
    return VW_EV_NOMORE;
}

void vw_replay_pacer_pump(vw_replay_pacer *p)
{
    pump(p, false);
}

void vw_replay_pacer_flush(vw_replay_pacer *p)
{
    stop_timer(p);
    pump(p, true);
}
