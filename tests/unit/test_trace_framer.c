/* test_trace_framer.c: proto/trace_framer.c, the one framer under every recorder: libvirt
 * packets whatever the feed cut points, the unframed fallback after a bad length word, QMP
 * values with their whitespace and parse errors, a spilled tail at the end, stopping a feed
 * after a frame. Every test also checks that the frames concatenate to the stream fed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_framer.h"
#include "vwtest.h"

#define MAX_FRAMES 16

typedef struct seen {
    int n;
    vw_frame_kind kind[MAX_FRAMES];
    size_t len[MAX_FRAMES];
    bool has_json[MAX_FRAMES];
    char error[MAX_FRAMES][128];
    uint8_t all[4096];          /* every frame's bytes, concatenated */
    size_t all_len;
    int stop_after;             /* return 1 after this many frames (0: never) */
} seen;

static int on_frame(void *opaque, const vw_frame *fr)
{
    seen *s = opaque;
    if (s->n < MAX_FRAMES) {
        s->kind[s->n] = fr->kind;
        s->len[s->n] = fr->len;
        s->has_json[s->n] = fr->json != NULL;
        snprintf(s->error[s->n], sizeof(s->error[0]), "%s", fr->error ? fr->error : "");
    }
    s->n++;
    if (fr->len && s->all_len + fr->len <= sizeof(s->all)) {
        memcpy(s->all + s->all_len, fr->data, fr->len);
        s->all_len += fr->len;
    }
    return s->stop_after && s->n == s->stop_after;
}

/* A 28-byte libvirt packet (header only) with serial s. */
static void packet(uint8_t *p, uint8_t s)
{
    static const uint8_t hdr[28] = { 0, 0, 0, 28, 0x20, 0, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0, 66 };
    memcpy(p, hdr, sizeof(hdr));
    p[23] = s;
}

static void test_libvirt_any_cut(void)
{
    uint8_t stream[56];
    packet(stream, 1);
    packet(stream + 28, 2);
    for (size_t chunk = 1; chunk <= sizeof(stream); chunk++) {
        seen s = { 0 };
        vw_trace_framer *f = vw_trace_framer_new(VW_TRACE_LIBVIRT, on_frame, &s);
        for (size_t off = 0; off < sizeof(stream); off += chunk) {
            size_t n = sizeof(stream) - off < chunk ? sizeof(stream) - off : chunk;
            CHECK_EQ_INT(vw_trace_framer_feed(f, stream + off, n), n);
        }
        CHECK_EQ_INT(s.n, 2);
        CHECK_EQ_INT(s.kind[0], VW_FRAME_MESSAGE);
        CHECK_EQ_INT(s.len[1], 28);
        CHECK_EQ_INT(vw_trace_framer_pending(f), 0);
        CHECK_EQ_INT(s.all_len, sizeof(stream));
        CHECK_EQ_MEM(s.all, stream, sizeof(stream));
        vw_trace_framer_free(f);
    }
}

static void test_libvirt_bad_length_word(void)
{
    uint8_t stream[28 + 10];
    packet(stream, 1);
    memcpy(stream + 28, "\xff\xff\xff\xff" "abcdef", 10);  /* a length word over the limit */
    seen s = { 0 };
    vw_trace_framer *f = vw_trace_framer_new(VW_TRACE_LIBVIRT, on_frame, &s);
    CHECK_EQ_INT(vw_trace_framer_feed(f, stream, 30), 30);      /* half the length word */
    CHECK_EQ_INT(vw_trace_framer_pending(f), 2);
    CHECK_EQ_INT(vw_trace_framer_feed(f, stream + 30, 8), 8);
    CHECK_EQ_INT(vw_trace_framer_feed(f, (const uint8_t *)"zz", 2), 2);
    CHECK_EQ_INT(s.n, 5);
    CHECK_EQ_INT(s.kind[0], VW_FRAME_MESSAGE);
    CHECK_EQ_INT(s.kind[1], VW_FRAME_LOST_SYNC);
    CHECK(strstr(s.error[1], "length") != NULL);
    CHECK_EQ_INT(s.kind[2], VW_FRAME_DATA);                     /* the 2 bytes held */
    CHECK_EQ_INT(s.len[2], 2);
    CHECK_EQ_INT(s.kind[3], VW_FRAME_DATA);                     /* the rest of that feed */
    CHECK_EQ_INT(s.len[3], 8);
    CHECK_EQ_INT(s.kind[4], VW_FRAME_DATA);                     /* and everything after */
    CHECK_EQ_INT(s.all_len, 40);
    CHECK_EQ_MEM(s.all, stream, sizeof(stream));
    vw_trace_framer_free(f);
}

static void test_libvirt_stop_and_finish(void)
{
    uint8_t stream[28 * 2 + 5];
    packet(stream, 1);
    packet(stream + 28, 2);
    memcpy(stream + 56, "\0\0\0\x1c\x20", 5);                   /* the start of a third */
    seen s = { .stop_after = 1 };
    vw_trace_framer *f = vw_trace_framer_new(VW_TRACE_LIBVIRT, on_frame, &s);
    CHECK_EQ_INT(vw_trace_framer_feed(f, stream, sizeof(stream)), 28);
    CHECK_EQ_INT(vw_trace_framer_feed(f, stream + 28, sizeof(stream) - 28), sizeof(stream) - 28);
    CHECK_EQ_INT(s.n, 2);
    vw_trace_framer_finish(f);
    CHECK_EQ_INT(s.n, 3);
    CHECK_EQ_INT(s.kind[2], VW_FRAME_DATA);
    CHECK_EQ_INT(s.len[2], 5);
    CHECK_EQ_MEM(s.all, stream, sizeof(stream));
    vw_trace_framer_free(f);
}

static void test_qmp_values(void)
{
    static const char in[] = "{\"execute\": \"a\"}\r\n{'execute':'b', 'id': 2}\n} {\"exec";
    seen s = { 0 };
    vw_trace_framer *f = vw_trace_framer_new(VW_TRACE_QMP, on_frame, &s);
    size_t n = strlen(in);
    CHECK_EQ_INT(vw_trace_framer_feed(f, (const uint8_t *)in, n), n);
    CHECK_EQ_INT(s.n, 3);
    CHECK_EQ_INT(s.kind[0], VW_FRAME_MESSAGE);
    CHECK_EQ_INT(s.len[0], 18);                 /* the value and its \r\n */
    CHECK(s.has_json[0]);
    CHECK(s.has_json[1]);
    CHECK_EQ_INT(s.kind[2], VW_FRAME_MESSAGE);  /* a stray '}': QEMU's parse error */
    CHECK(!s.has_json[2]);
    CHECK(strstr(s.error[2], "JSON parse error") != NULL);
    CHECK(vw_trace_framer_pending(f) > 0);
    vw_trace_framer_finish(f);
    CHECK_EQ_INT(s.n, 4);
    CHECK_EQ_INT(s.kind[3], VW_FRAME_DATA);
    CHECK_EQ_INT(s.all_len, n);
    CHECK_EQ_MEM(s.all, in, n);
    vw_trace_framer_free(f);
}

static void test_qmp_whitespace_in_a_later_feed(void)
{
    seen s = { .stop_after = 1 };
    vw_trace_framer *f = vw_trace_framer_new(VW_TRACE_QMP, on_frame, &s);
    CHECK_EQ_INT(vw_trace_framer_feed(f, (const uint8_t *)"{}\r\n{}", 6), 4);
    s.stop_after = 0;
    CHECK_EQ_INT(vw_trace_framer_feed(f, (const uint8_t *)"{}", 2), 2);
    CHECK_EQ_INT(vw_trace_framer_feed(f, (const uint8_t *)"\n", 1), 1);
    CHECK_EQ_INT(s.n, 2);
    CHECK_EQ_INT(s.len[0], 4);
    CHECK_EQ_INT(s.len[1], 2);
    CHECK_EQ_INT(vw_trace_framer_pending(f), 1);    /* the "\n" waits for the next value */
    vw_trace_framer_free(f);
}

int main(void)
{
    RUN(test_libvirt_any_cut);
    RUN(test_libvirt_bad_length_word);
    RUN(test_libvirt_stop_and_finish);
    RUN(test_qmp_values);
    RUN(test_qmp_whitespace_in_a_later_feed);
    return vwtest_summary("trace_framer");
}
