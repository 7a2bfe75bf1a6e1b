/* out_queue.h: the output queue of one non-blocking connection: bytes appended whole, written
 * as far as the socket takes them, the rest kept for the next writable event. Used by
 * fake-libvirtd's transport (server.c) and vwtrace's recording proxy (trace/record.c).
 *
 * Owns: the queued bytes and how far they are written; giving memory back after a large burst
 * (a queue that emptied above 1 MiB is freed) and dropping what a reader that never catches up
 * fully has taken (compacted past 64 KiB written, when that is more than half). The socket and
 * what to do once the queue is empty (close, shut down a direction) are the caller's. */
#ifndef VW_OUT_QUEUE_H
#define VW_OUT_QUEUE_H

#include <stddef.h>

#include "xdr_codec.h"

typedef struct vw_out_queue {
    vw_buf buf;                   /* queued bytes; buf.data[off..len) still to be written */
    size_t off;
} vw_out_queue;

/* One write of the caller's socket: bytes taken, 0 when it takes nothing now, -1 when the
 * connection is over (as vw_netaddr_send). */
typedef long vw_out_send_fn(void *ctx, const void *data, size_t len);

/* Bytes queued and not written yet. */
static inline size_t vw_out_queue_pending(const vw_out_queue *q)
{
    return q->buf.len - q->off;
}

int vw_out_queue_append(vw_out_queue *q, const void *data, size_t n, vw_error *err);
/* Writes what send takes. Returns 1 when the queue is empty now, 0 when bytes wait, -1 when
 * send failed (the queue is left as it was). */
int vw_out_queue_write(vw_out_queue *q, vw_out_send_fn *send, void *ctx);
void vw_out_queue_free(vw_out_queue *q);

#endif
