/* test_out_queue.c: common/out_queue (partial writes, the queue emptied, compaction, memory
 * given back, a failed send). */
#include <stdlib.h>
#include <string.h>

#include "out_queue.h"
#include "vwtest.h"

typedef struct {
    size_t take;                  /* bytes one send takes */
    int fail;                     /* the next send fails */
    char got[256];
    size_t got_len;
} sink;

static long sink_send(void *ctx, const void *data, size_t len)
{
    sink *s = ctx;
    if (s->fail)
        return -1;
    size_t n = len < s->take ? len : s->take;
    if (s->got_len + n <= sizeof(s->got)) {
        memcpy(s->got + s->got_len, data, n);
        s->got_len += n;
    }
    s->take -= n;
    return (long)n;
}

static void test_partial_and_whole(void)
{
    vw_out_queue q = {0};
    vw_error e;
    sink s = { .take = 3 };
    CHECK_EQ_INT(vw_out_queue_append(&q, "hello", 5, &e), 0);
    CHECK_EQ_INT(vw_out_queue_append(&q, " you", 4, &e), 0);
    CHECK_EQ_INT((int)vw_out_queue_pending(&q), 9);
    CHECK_EQ_INT(vw_out_queue_write(&q, sink_send, &s), 0);   /* 3 taken, then nothing */
    CHECK_EQ_INT((int)vw_out_queue_pending(&q), 6);
    s.take = 100;
    CHECK_EQ_INT(vw_out_queue_write(&q, sink_send, &s), 1);
    CHECK_EQ_INT((int)vw_out_queue_pending(&q), 0);
    CHECK_EQ_MEM(s.got, "hello you", 9);
    CHECK_EQ_INT(vw_out_queue_write(&q, sink_send, &s), 1);   /* empty: nothing to do */
    s.fail = 1;
    CHECK_EQ_INT(vw_out_queue_append(&q, "x", 1, &e), 0);
    CHECK_EQ_INT(vw_out_queue_write(&q, sink_send, &s), -1);
    CHECK_EQ_INT((int)vw_out_queue_pending(&q), 1);          /* left as it was */
    vw_out_queue_free(&q);
    CHECK_EQ_INT((int)vw_out_queue_pending(&q), 0);
}

static void test_compaction_and_give_back(void)
{
    vw_out_queue q = {0};
    vw_error e;
    size_t big = 2u << 20;
    char *block = calloc(1, big);
    CHECK(block != NULL);
    CHECK_EQ_INT(vw_out_queue_append(&q, block, big, &e), 0);
    sink s = { .take = big / 2 + 100 };
    CHECK_EQ_INT(vw_out_queue_write(&q, sink_send, &s), 0);
    CHECK(q.off == 0);                                        /* written half dropped */
    CHECK_EQ_INT((int)vw_out_queue_pending(&q), (int)(big / 2 - 100));
    s.take = big;
    CHECK_EQ_INT(vw_out_queue_write(&q, sink_send, &s), 1);
    CHECK(q.buf.cap == 0);                                    /* memory given back */
    free(block);
}

int main(void)
{
    RUN(test_partial_and_whole);
    RUN(test_compaction_and_give_back);
    return vwtest_summary("out_queue");
}
