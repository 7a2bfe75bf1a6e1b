/* fuzz_packet.c: fuzz target for libvirt RPC framing and header decoding (packet.h), strict and
 * lenient: the length word, the 24-byte header, fd counts, stream holes, remote_error payloads and
 * the incremental packet reader.
 *
 * Input: a byte stream as a peer would send it (one or more packets, possibly truncated).
 *
 * Checks, beyond "no crash, no leak, no undefined behaviour":
 *   1. Whole-packet parse: STRICT accepting implies LENIENT accepting with the same result; an
 *      accepted packet has len == input size, a payload inside the input of the right size, at most
 *      32 fds; re-encoding header + fd count + payload gives the input bytes back exactly.
 *   2. Header: decode then vw_packet_encode_header gives the same 24 bytes; names exist for
 *      in-range types and statuses.
 *   3. Stream holes and remote_error payloads: STRICT implies LENIENT; STRICT-accepted ones
 *      re-encode to the same bytes; everything accepted re-encodes to something STRICT accepts.
 *   4. Incremental reader: the stream fed whole and fed one byte at a time gives the same packets
 *      (same raw bytes, same stream offsets) and the same errors; each packet's raw bytes are the
 *      matching slice of the input; the reader never asks for 0 bytes while it needs more.
 *      (Only up to the first length word that claims far more than the input holds: see
 *      cheap_prefix.)
 *   5. The reader again with one of its buffer allocations failing (alloc_fail.h, which one
 *      chosen from the input): the feed fails with a reason, no packet more than with memory. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_fail.h"
#include "packet.h"

#define FUZZ_CHECK(cond, ...)                                                  \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_packet: check failed: %s: ", #cond);         \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
            abort();                                                           \
        }                                                                      \
    } while (0)

static const vw_decode_mode modes[2] = { VW_DECODE_LENIENT, VW_DECODE_STRICT };

static void check_error_text(const vw_error *err, const char *what)
{
    FUZZ_CHECK(err->text[0] != '\0', "%s failed without an error text", what);
    FUZZ_CHECK(memchr(err->text, '\0', sizeof(err->text)) != NULL, "%s: error text not terminated", what);
}

static bool same_header(const vw_packet_header *a, const vw_packet_header *b)
{
    return a->prog == b->prog && a->vers == b->vers && a->proc == b->proc && a->type == b->type &&
           a->serial == b->serial && a->status == b->status;
}

static void check_header(const uint8_t *data, size_t size)
{
    if (size < VW_PACKET_LEN_SIZE + VW_PACKET_HEADER_SIZE)
        return;
    vw_packet_header hdr[2];
    int rc[2];
    for (int m = 0; m < 2; m++) {
        vw_error err = { 0 };
        rc[m] = vw_packet_decode_header(data + VW_PACKET_LEN_SIZE, size - VW_PACKET_LEN_SIZE,
                                        modes[m], &hdr[m], &err);
        FUZZ_CHECK(rc[m] == 0 || rc[m] == -1, "decode_header returned %d", rc[m]);
        if (rc[m] < 0) {
            check_error_text(&err, "vw_packet_decode_header");
            FUZZ_CHECK(err.offset < VW_PACKET_HEADER_SIZE, "header error offset %zu", err.offset);
            continue;
        }
        uint8_t back[VW_PACKET_HEADER_SIZE];
        vw_packet_encode_header(&hdr[m], back);
        FUZZ_CHECK(memcmp(back, data + VW_PACKET_LEN_SIZE, sizeof(back)) == 0,
                   "header does not re-encode to its own bytes (mode %d)", m);
    }
    if (rc[1] == 0) {
        FUZZ_CHECK(rc[0] == 0, "STRICT accepts a header LENIENT refuses");
        FUZZ_CHECK(same_header(&hdr[0], &hdr[1]), "STRICT and LENIENT decode different headers");
        FUZZ_CHECK(vw_packet_type_name(hdr[1].type) != NULL, "STRICT accepted type %d without a name", hdr[1].type);
        FUZZ_CHECK(vw_packet_status_name(hdr[1].status) != NULL, "STRICT accepted status %d without a name",
                   hdr[1].status);
    }
}

/* Decodes a remote_error payload in both modes and checks the round trip. */
static void check_remote_error(const vw_packet *pkt)
{
    vw_remote_error rerr[2];
    int rc[2];
    for (int m = 0; m < 2; m++) {
        vw_error err = { 0 };
        rc[m] = vw_packet_decode_error(pkt, &rerr[m], modes[m], &err);
        if (rc[m] < 0)
            check_error_text(&err, "vw_packet_decode_error");
    }
    FUZZ_CHECK(rc[1] != 0 || rc[0] == 0, "STRICT accepts a remote_error LENIENT refuses");
    for (int m = 0; m < 2; m++) {
        if (rc[m] != 0)
            continue;
        vw_buf out;
        vw_buf_init(&out);
        vw_error err = { 0 };
        int erc = vw_xdr_encode(&out, (xdrproc_t)xdr_vw_remote_error, &rerr[m], &err);
        FUZZ_CHECK(erc == 0, "decoded remote_error does not encode: %s", err.text);
        if (modes[m] == VW_DECODE_STRICT)
            FUZZ_CHECK(out.len == pkt->payload_len && memcmp(out.data, pkt->payload, out.len) == 0,
                       "STRICT remote_error re-encodes to %zu different bytes (payload %zu)", out.len,
                       pkt->payload_len);
        vw_remote_error again;
        erc = vw_xdr_decode(out.data, out.len, (xdrproc_t)xdr_vw_remote_error, &again, sizeof(again),
                            VW_DECODE_STRICT, &err);
        FUZZ_CHECK(erc == 0, "re-encoded remote_error is not STRICT-valid: %s", err.text);
        vw_xdr_free((xdrproc_t)xdr_vw_remote_error, &again);
        vw_buf_free(&out);
        vw_xdr_free((xdrproc_t)xdr_vw_remote_error, &rerr[m]);
    }
}

static void check_stream_hole(const vw_packet *pkt)
{
    int64_t length[2];
    uint32_t flags[2];
    int rc[2];
    for (int m = 0; m < 2; m++) {
        vw_error err = { 0 };
        rc[m] = vw_packet_decode_stream_hole(pkt, modes[m], &length[m], &flags[m], &err);
        if (rc[m] < 0)
            check_error_text(&err, "vw_packet_decode_stream_hole");
    }
    if (rc[1] == 0) {
        FUZZ_CHECK(rc[0] == 0, "STRICT accepts a stream hole LENIENT refuses");
        FUZZ_CHECK(length[0] == length[1] && flags[0] == flags[1], "stream hole modes disagree");
        FUZZ_CHECK(pkt->payload_len == VW_PACKET_STREAM_HOLE_SIZE, "STRICT hole payload of %zu bytes",
                   pkt->payload_len);
        vw_buf out;
        vw_buf_init(&out);
        vw_error err = { 0 };
        if (vw_packet_encode_stream_hole(&out, &pkt->hdr, length[1], flags[1], &err) == 0) {
            FUZZ_CHECK(out.len == pkt->len && memcmp(out.data + (out.len - VW_PACKET_STREAM_HOLE_SIZE),
                                                     pkt->payload, VW_PACKET_STREAM_HOLE_SIZE) == 0,
                       "stream hole does not re-encode to its own bytes");
        } else {
            check_error_text(&err, "vw_packet_encode_stream_hole");
        }
        vw_buf_free(&out);
    }
}

/* The encoders a server answers with, driven by values from an accepted packet. */
static void check_encoders(const vw_packet *p)
{
    vw_packet_header rh = vw_packet_reply_header(&p->hdr, VW_NET_ERROR);
    FUZZ_CHECK(rh.prog == p->hdr.prog && rh.vers == p->hdr.vers && rh.proc == p->hdr.proc &&
               rh.serial == p->hdr.serial && rh.status == VW_NET_ERROR, "reply header changed the call's fields");
    FUZZ_CHECK(rh.type == (p->hdr.type == VW_NET_CALL_WITH_FDS ? VW_NET_REPLY_WITH_FDS : VW_NET_REPLY),
               "reply type %d for call type %d", rh.type, p->hdr.type);

    /* an error reply whose message is the payload's text (up to the first NUL, at most 4 KiB) */
    char msg[4097];
    size_t n = p->payload_len < sizeof(msg) - 1 ? p->payload_len : sizeof(msg) - 1;
    memcpy(msg, p->payload, n);
    msg[n] = '\0';
    vw_buf out;
    vw_buf_init(&out);
    vw_error err = { 0 };
    int code = (int)p->hdr.serial, domain = p->hdr.proc;
    FUZZ_CHECK(vw_packet_encode_error(&out, &rh, code, domain, msg, &err) == 0, "encode_error: %s", err.text);
    vw_packet back;
    FUZZ_CHECK(vw_packet_parse(out.data, out.len, VW_DECODE_LENIENT, &back, &err) == 0,
               "encoded error reply does not parse: %s", err.text);
    vw_remote_error rerr;
    FUZZ_CHECK(vw_packet_decode_error(&back, &rerr, VW_DECODE_STRICT, &err) == 0,
               "encoded remote_error is not STRICT-valid: %s", err.text);
    FUZZ_CHECK(rerr.code == code && rerr.domain == domain && rerr.message && strcmp(*rerr.message, msg) == 0,
               "remote_error fields changed in a round trip");
    vw_xdr_free((xdrproc_t)xdr_vw_remote_error, &rerr);

    /* an fd count over the maximum is refused and leaves the buffer as it was */
    if (vw_packet_type_has_fds(p->hdr.type)) {
        size_t before = out.len;
        FUZZ_CHECK(vw_packet_encode_raw(&out, &p->hdr, VW_PACKET_NUM_FDS_MAX + 1, NULL, 0, &err) < 0,
                   "encoded %u fds", VW_PACKET_NUM_FDS_MAX + 1);
        FUZZ_CHECK(out.len == before, "failed encode left %zu bytes", out.len - before);
    }
    vw_buf_reset(&out);
    FUZZ_CHECK(vw_packet_encode_keepalive(&out, p->hdr.proc, &err) == 0 && out.len == VW_PACKET_MIN,
               "keepalive encode");
    vw_buf_free(&out);
}

static void check_whole_packet(const uint8_t *data, size_t size)
{
    vw_packet pkt[2];
    int rc[2];
    for (int m = 0; m < 2; m++) {
        vw_error err = { 0 };
        rc[m] = vw_packet_parse(data, size, modes[m], &pkt[m], &err);
        FUZZ_CHECK(rc[m] == 0 || rc[m] == -1, "vw_packet_parse returned %d", rc[m]);
        if (rc[m] < 0) {
            check_error_text(&err, "vw_packet_parse");
            continue;
        }
        const vw_packet *p = &pkt[m];
        FUZZ_CHECK(p->len == size, "len %u for an input of %zu bytes", p->len, size);
        FUZZ_CHECK(size >= VW_PACKET_MIN && size <= VW_PACKET_MAX, "accepted size %zu", size);
        FUZZ_CHECK(p->has_fds == vw_packet_type_has_fds(p->hdr.type), "has_fds inconsistent");
        size_t fixed = VW_PACKET_MIN + (p->has_fds ? 4u : 0u);
        FUZZ_CHECK(size >= fixed, "packet of %zu bytes accepted with fds", size);
        FUZZ_CHECK(p->payload == data + fixed && p->payload_len == size - fixed,
                   "payload at offset %td length %zu, expected %zu/%zu", p->payload - data,
                   p->payload_len, fixed, size - fixed);
        if (p->has_fds)
            FUZZ_CHECK(p->num_fds <= VW_PACKET_NUM_FDS_MAX, "accepted %u fds", p->num_fds);

        vw_buf out;
        vw_buf_init(&out);
        int erc = vw_packet_encode_raw(&out, &p->hdr, p->num_fds, p->payload, p->payload_len, &err);
        FUZZ_CHECK(erc == 0, "accepted packet does not re-encode: %s", err.text);
        FUZZ_CHECK(out.len == size && memcmp(out.data, data, size) == 0,
                   "packet re-encodes to different bytes (%zu vs %zu)", out.len, size);
        vw_buf_free(&out);
    }
    if (rc[1] == 0) {
        FUZZ_CHECK(rc[0] == 0, "STRICT accepts a packet LENIENT refuses");
        FUZZ_CHECK(same_header(&pkt[0].hdr, &pkt[1].hdr) && pkt[0].num_fds == pkt[1].num_fds,
                   "STRICT and LENIENT parse differently");
    }
    if (rc[0] != 0)
        return;
    check_encoders(&pkt[0]);
    if (pkt[0].hdr.status == VW_NET_ERROR)
        check_remote_error(&pkt[0]);
    if (pkt[0].hdr.type == VW_NET_STREAM_HOLE)
        check_stream_hole(&pkt[0]);
}

/* Packets the reader delivered, recorded for comparing two feeding patterns. */
#define MAX_TAKEN 256

typedef struct reader_log {
    size_t taken;                 /* packets taken (including those not recorded) */
    size_t raw_off[MAX_TAKEN];    /* where each packet's raw bytes start in the input */
    size_t raw_len[MAX_TAKEN];
    int take_rc[MAX_TAKEN];
    int feed_failed;              /* 1 after a bad length word */
    size_t fail_offset;
    size_t max_cap;               /* largest buffer the reader held */
} reader_log;

static void run_reader(const uint8_t *data, size_t size, vw_decode_mode mode, size_t chunk,
                       reader_log *log)
{
    vw_packet_reader r;
    vw_packet_reader_init(&r, mode);
    memset(log, 0, sizeof(*log));
    size_t off = 0;
    while (off < size) {
        size_t wanted = vw_packet_reader_wanted(&r);
        FUZZ_CHECK(wanted > 0, "reader wants 0 bytes at offset %zu", off);
        size_t n = size - off;
        if (chunk && n > chunk)
            n = chunk;
        size_t used = 0;
        vw_error err = { 0 };
        int rc = vw_packet_reader_feed(&r, data + off, n, &used, &err);
        FUZZ_CHECK(rc >= -1 && rc <= 1, "reader_feed returned %d", rc);
        FUZZ_CHECK(used <= n, "reader used %zu of %zu", used, n);
        if (rc < 0) {
            check_error_text(&err, "vw_packet_reader_feed");
            log->feed_failed = 1;
            log->fail_offset = err.offset;
            break;
        }
        FUZZ_CHECK(rc == 1 || used == n, "reader kept %zu of %zu bytes without a packet", n - used, n);
        off += used;
        if (r.cap > log->max_cap)
            log->max_cap = r.cap;
        if (rc == 1) {
            vw_packet pkt;
            const uint8_t *raw = NULL;
            size_t raw_len = 0;
            int trc = vw_packet_reader_take(&r, &pkt, &raw, &raw_len, &err);
            FUZZ_CHECK(trc == 1 || trc == -1, "reader_take returned %d after a complete packet", trc);
            FUZZ_CHECK(raw && raw_len >= VW_PACKET_MIN && raw_len <= off, "raw packet of %zu bytes", raw_len);
            FUZZ_CHECK(memcmp(raw, data + off - raw_len, raw_len) == 0, "raw packet differs from the input");
            if (trc == 1) {
                FUZZ_CHECK(pkt.len == raw_len, "packet len %u, raw %zu", pkt.len, raw_len);
                FUZZ_CHECK(pkt.payload >= raw && pkt.payload + pkt.payload_len == raw + raw_len,
                           "payload outside the raw packet");
            } else {
                check_error_text(&err, "vw_packet_reader_take");
            }
            if (log->taken < MAX_TAKEN) {
                log->raw_off[log->taken] = off - raw_len;
                log->raw_len[log->taken] = raw_len;
                log->take_rc[log->taken] = trc;
            }
            log->taken++;
            vw_packet none;
            FUZZ_CHECK(vw_packet_reader_take(&r, &none, NULL, NULL, &err) == 0, "second take gave a packet");
        } else if (used == 0) {
            FUZZ_CHECK(0, "reader made no progress at offset %zu", off);
        }
    }
    vw_packet_reader_free(&r);
}

/* The reader sizes its buffer from the length word as soon as it has one (up to 32 MiB, as libvirt
 * does). Under ASan every such allocation costs milliseconds and would dominate the run time, so the
 * reader sees the stream only up to the first length word that claims more than READER_BIG bytes
 * beyond the end of the input. The big-allocation path itself runs once per process, in
 * LLVMFuzzerInitialize (a lone length word of the maximum). */
#define READER_BIG (64u * 1024u)

static size_t cheap_prefix(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (size - off >= VW_PACKET_LEN_SIZE) {
        uint32_t len = (uint32_t)data[off] << 24 | (uint32_t)data[off + 1] << 16 |
                       (uint32_t)data[off + 2] << 8 | data[off + 3];
        if (vw_packet_check_length(len, NULL) < 0)
            return size;                  /* refused before any allocation: cheap */
        if (len > size - off + READER_BIG)
            return off;
        if (len > size - off)
            return size;
        off += len;
    }
    return size;
}

static void check_reader(const uint8_t *data, size_t size)
{
    static reader_log whole, bytewise, oom;
    size = cheap_prefix(data, size);
    for (int m = 0; m < 2; m++) {
        vw_fuzz_alloc_count_begin();
        run_reader(data, size, modes[m], 0, &whole);
        size_t allocs = vw_fuzz_alloc_count_end();
        if (allocs > 0) {
            /* the same stream with one of the reader's buffer allocations failing: the feed
             * fails there with a reason, after the packets before it */
            vw_fuzz_alloc_fail_begin(vw_fuzz_alloc_pick(data, size, (uint32_t)m, allocs));
            run_reader(data, size, modes[m], 0, &oom);
            FUZZ_CHECK(vw_fuzz_alloc_fail_end(), "the reader allocated less the second time");
            FUZZ_CHECK(oom.feed_failed, "the reader went on after an allocation failed");
            FUZZ_CHECK(oom.taken <= whole.taken, "more packets with less memory");
        }
        run_reader(data, size, modes[m], 1, &bytewise);
        FUZZ_CHECK(whole.taken == bytewise.taken, "%zu packets fed whole, %zu fed bytewise", whole.taken,
                   bytewise.taken);
        FUZZ_CHECK(whole.feed_failed == bytewise.feed_failed, "length error depends on feeding");
        if (whole.feed_failed)
            FUZZ_CHECK(whole.fail_offset == bytewise.fail_offset, "length error offset %zu vs %zu",
                       whole.fail_offset, bytewise.fail_offset);
        size_t n = whole.taken < MAX_TAKEN ? whole.taken : MAX_TAKEN;
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(whole.raw_off[i] == bytewise.raw_off[i] && whole.raw_len[i] == bytewise.raw_len[i] &&
                       whole.take_rc[i] == bytewise.take_rc[i], "packet %zu differs between feedings", i);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Once per process: library calls the byte-stream checks never make, with known answers. Too few
 * bytes for a length word or a header; a raw payload over VW_PACKET_PAYLOAD_MAX (refused before
 * the bytes are read) and a payload XDR cannot encode (a name over its .x maximum) leave the buffer as
 * it was; the incremental reader asked what it wants after a failure and with a packet waiting,
 * fed after a failure, and given a packet over its keep-capacity (1 MiB) and then a small one. */
static void packet_edges(void)
{
    uint8_t zero[64] = { 0 };
    uint32_t len;
    vw_error err;
    vw_packet_header h;
    FUZZ_CHECK(vw_packet_decode_length(zero, 3, &len, &err) < 0, "3-byte length word accepted");
    FUZZ_CHECK(vw_packet_decode_header(zero, 23, VW_DECODE_LENIENT, &h, &err) < 0,
               "23-byte header accepted");
    vw_buf out;
    vw_buf_init(&out);
    vw_packet_header call = { VW_REMOTE_PROGRAM, VW_REMOTE_PROTOCOL_VERSION, 1, VW_NET_CALL, 0, VW_NET_OK };
    FUZZ_CHECK(vw_packet_encode_raw(&out, &call, 0, zero, (size_t)VW_PACKET_PAYLOAD_MAX + 1, &err) < 0 &&
               out.len == 0, "oversized raw payload accepted");
    /* (a NULL nonnull string is the caller's bug: libtirpc / ASan's xdr_string crash on it) */
    vw_nonnull_domain dom;
    memset(&dom, 0, sizeof(dom));
    dom.name = malloc((size_t)VW_REMOTE_STRING_MAX + 2);
    FUZZ_CHECK(dom.name, "out of memory");
    memset(dom.name, 'a', (size_t)VW_REMOTE_STRING_MAX + 1);
    dom.name[VW_REMOTE_STRING_MAX + 1] = '\0';
    FUZZ_CHECK(vw_packet_encode(&out, &call, 0, (xdrproc_t)xdr_vw_nonnull_domain, &dom, &err) < 0 &&
               out.len == 0, "a name over VW_REMOTE_STRING_MAX encoded");
    free(dom.name);
    vw_xdr_free((xdrproc_t)xdr_vw_nonnull_domain, NULL);
    vw_buf_free(&out);

    vw_packet_reader r;
    size_t used;
    static const uint8_t badlen[4] = { 0xff, 0xff, 0xff, 0xff };
    vw_packet_reader_init(&r, VW_DECODE_LENIENT);
    FUZZ_CHECK(vw_packet_reader_feed(&r, badlen, sizeof(badlen), &used, &err) < 0, "bad length taken");
    FUZZ_CHECK(vw_packet_reader_wanted(&r) == 0, "a failed reader wants bytes");
    FUZZ_CHECK(vw_packet_reader_feed(&r, badlen, sizeof(badlen), &used, &err) < 0 && used == 0,
               "a failed reader took bytes");
    vw_packet_reader_free(&r);

    size_t big = (1u << 20) + 64;
    uint8_t *pkt = calloc(1, big);
    FUZZ_CHECK(pkt, "out of memory");
    vw_packet_encode_header(&call, pkt + VW_PACKET_LEN_SIZE);
    pkt[0] = (uint8_t)(big >> 24);
    pkt[1] = (uint8_t)(big >> 16);
    pkt[2] = (uint8_t)(big >> 8);
    pkt[3] = (uint8_t)big;
    vw_packet_reader_init(&r, VW_DECODE_LENIENT);
    FUZZ_CHECK(vw_packet_reader_feed(&r, pkt, big, &used, &err) == 1 && used == big, "big packet");
    FUZZ_CHECK(vw_packet_reader_wanted(&r) == 0, "a reader with a packet waiting wants bytes");
    vw_packet p;
    const uint8_t *raw;
    size_t raw_len;
    FUZZ_CHECK(vw_packet_reader_take(&r, &p, &raw, &raw_len, &err) == 1 && raw_len == big, "take big");
    pkt[0] = 0;
    pkt[1] = 0;
    pkt[2] = 0;
    pkt[3] = VW_PACKET_MIN;
    FUZZ_CHECK(vw_packet_reader_feed(&r, pkt, VW_PACKET_MIN, &used, &err) == 1, "small after big");
    FUZZ_CHECK(vw_packet_reader_take(&r, &p, NULL, NULL, &err) == 1, "take small");
    vw_packet_reader_free(&r);
    free(pkt);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    packet_edges();
    /* a lone length word of the maximum: the reader takes it and waits for 32 MiB */
    uint8_t maxlen[4];
    uint32_t len = VW_PACKET_MAX;
    maxlen[0] = (uint8_t)(len >> 24);
    maxlen[1] = (uint8_t)(len >> 16);
    maxlen[2] = (uint8_t)(len >> 8);
    maxlen[3] = (uint8_t)len;
    reader_log *log = calloc(1, sizeof(*log));
    FUZZ_CHECK(log, "out of memory");
    run_reader(maxlen, sizeof(maxlen), VW_DECODE_STRICT, 0, log);
    FUZZ_CHECK(log->taken == 0 && !log->feed_failed, "a valid maximum length word was refused");
    free(log);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= VW_PACKET_LEN_SIZE) {
        uint32_t len = 0;
        vw_error err = { 0 };
        if (vw_packet_decode_length(data, size, &len, &err) == 0) {
            FUZZ_CHECK(len >= VW_PACKET_MIN && len <= VW_PACKET_MAX, "accepted length %u", len);
            FUZZ_CHECK(vw_packet_check_length(len, NULL) == 0, "check_length disagrees with decode_length");
        } else {
            check_error_text(&err, "vw_packet_decode_length");
        }
    }
    check_header(data, size);
    check_whole_packet(data, size);
    check_reader(data, size);
    return 0;
}
