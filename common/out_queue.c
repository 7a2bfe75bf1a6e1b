/* out_queue.c: a connection's output queue (see out_queue.h). */
#include "out_queue.h"

#include <string.h>

#define GIVE_BACK_ABOVE (1024u * 1024)   /* an emptied queue larger than this is freed */
#define COMPACT_AFTER   65536u           /* written bytes dropped from the front past this */

int vw_out_queue_append(vw_out_queue *q, const void *data, size_t n, vw_error *err)
{
    return vw_buf_append(&q->buf, data, n, err);
}

int vw_out_queue_write(vw_out_queue *q, vw_out_send_fn *send, void *ctx)
{
    while (q->off < q->buf.len) {
        long n = send(ctx, q->buf.data + q->off, q->buf.len - q->off);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        q->off += (size_t)n;
    }
    if (q->off == q->buf.len) {
        vw_buf_reset(&q->buf);
        q->off = 0;
        if (q->buf.cap > GIVE_BACK_ABOVE)   /* give back memory after a large burst */
            vw_buf_free(&q->buf);
        return 1;
    }
    if (q->off > COMPACT_AFTER && q->off > q->buf.len / 2) {
        /* a reader that never catches up fully: drop what was written */
        memmove(q->buf.data, q->buf.data + q->off, q->buf.len - q->off);
        q->buf.len -= q->off;
        q->off = 0;
    }
    return 0;
}

void vw_out_queue_free(vw_out_queue *q)
{
    vw_buf_free(&q->buf);
    q->off = 0;
}
