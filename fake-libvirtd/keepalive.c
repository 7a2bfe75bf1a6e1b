/* keepalive.c: PING, PONG and the keepalive timeout (see keepalive.h). */
#include "keepalive.h"

#include <stdio.h>

#include "fl_faults.h"

/* A PING or PONG onto c's output; with faults it goes through the fault hook (keepalive
 * silence drops it), as every other packet. */
static void queue_keepalive(fl_conn *c, int32_t proc)
{
    vw_error perr;
    vw_buf b;
    vw_buf_init(&b);
    if (vw_packet_encode_keepalive(&b, proc, &perr) == 0)
        fl_conn_queue_bytes(c, b.data, b.len);
    vw_buf_free(&b);
}

void fl_keepalive_packet(fl_conn *c, const vw_packet *pkt)
{
    if (pkt->hdr.type == VW_NET_MESSAGE && pkt->hdr.proc == VW_KEEPALIVE_PROC_PING)
        queue_keepalive(c, VW_KEEPALIVE_PROC_PONG);
}

static long long keepalive_tick(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    fl_conn *c = data;
    long long now = vw_evloop_now_ms();
    long long idle = now - c->last_rx_ms;
    if (idle < FL_KEEPALIVE_INTERVAL_MS)
        return FL_KEEPALIVE_INTERVAL_MS - idle;
    if (c->pings_unanswered >= FL_KEEPALIVE_COUNT) {
        if (fl_server_verbose(c->srv))
            fprintf(stderr, "fake-libvirtd: connection %llu closed due to keepalive timeout\n",
                    (unsigned long long)c->id);
        c->ka_timer = -1;
        fl_conn_close(c);
        return VW_EV_NOMORE;
    }
    if (fl_faults_keepalive_silent(c->fault))
        return FL_KEEPALIVE_INTERVAL_MS;   /* fault: this server has stopped pinging */
    queue_keepalive(c, VW_KEEPALIVE_PROC_PING);
    c->pings_unanswered++;
    if (fl_conn_flush(c) < 0)
        return VW_EV_NOMORE; /* the close removed this timer already */
    return FL_KEEPALIVE_INTERVAL_MS;
}

void fl_keepalive_start(fl_conn *c)
{
    if (c->keepalive)
        return;
    c->keepalive = true;
    c->ka_timer = vw_evloop_add_timer(fl_server_loop(c->srv), FL_KEEPALIVE_INTERVAL_MS,
                                      keepalive_tick, c, NULL);
}
