/* fuzz_trace.c: fuzz target for the trace reader and writer (trace.h), its base64 codec and the
 * pcap export (pcap.h).
 *
 * Input: a trace file (JSON Lines), read through vw_trace_reader_open_stream on an fmemopen'd
 * copy of the input.
 *
 * Checks, beyond "no crash, no leak, no undefined behaviour, no allocation over 64 MiB":
 *   1. Records are well-formed: known kind, message bytes within VW_TRACE_RAW_MAX and readable to
 *      the end; a libvirt MESSAGE is one whole packet (its length word equals its byte count).
 *   2. A failed read reports a line and a text, and the reader stays failed.
 *   3. base64: encode then decode gives the input back; when the input decodes as strict base64,
 *      encoding the result gives the input text back exactly.
 *   4. Every record read goes back out through the trace writer (open_memstream) and, for libvirt
 *      traces, through the pcap writer (what `vwtrace pcap` does); reading the written trace gives
 *      the same records (kind, conn, dir, time, bytes, peer, by) in the same order.
 *   5. The same records also go to a second trace writer and pcap writer on a full disk (a stream
 *      that takes 64 + size % 1024 bytes, then fails every write with ENOSPC; unbuffered for odd
 *      sizes, so the writers' own fwrite fails, buffered for even ones, so their flush and close
 *      fail), with the calls a recorder gets wrong on purpose
 *      (unframed bytes as a message, a bad direction, a second open of a connection, a message
 *      on a connection never opened): every refusal has a reason, nothing crashes or leaks.
 *   6. The trace read and written again with one allocation failing (alloc_fail.h): a failure with
 *      a reason, or the same records (see check_oom).
 *   7. Read again with vw_trace_reader_allow_truncated: exactly one thing changes, a failure the
 *      reader calls a cut last line becomes the end of the file with that line reported as
 *      dropped; the records before it and every other outcome stay the same
 *      (check_allow_truncated).
 * Once per process (LLVMFuzzerInitialize): the by-path opens, on /dev/null, /dev/full and on a
 * path in a directory that does not exist. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_fail.h"
#include "pcap.h"
#include "trace.h"

#define FUZZ_CHECK(cond, ...)                                                  \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_trace: check failed: %s: ", #cond);          \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* Records read per input at most (a 1 MiB input holds fewer than this many lines anyway). */
#define MAX_RECORDS 100000

static volatile uint8_t sink;

/* A full disk: takes `room` bytes, then every write fails with ENOSPC. */
struct full_disk {
    size_t room;
};

static ssize_t full_disk_write(void *cookie, const char *buf, size_t size)
{
    struct full_disk *d = cookie;
    (void)buf;
    if (d->room == 0) {
        errno = ENOSPC;
        return -1;
    }
    size_t n = size < d->room ? size : d->room;
    d->room -= n;
    return (ssize_t)n;
}

static FILE *full_disk_open(struct full_disk *d, size_t room, bool buffered)
{
    d->room = room;
    cookie_io_functions_t io = { .write = full_disk_write };
    FILE *f = fopencookie(d, "w", io);
    if (f && !buffered)
        setvbuf(f, NULL, _IONBF, 0);
    return f;
}

static void check_base64(const uint8_t *data, size_t size)
{
    char *text = vw_base64_encode(data, size);
    FUZZ_CHECK(text, "vw_base64_encode returned NULL");
    uint8_t *back = NULL;
    size_t back_len = 0, bad = 0;
    const char *why = NULL;
    FUZZ_CHECK(vw_base64_decode(text, strlen(text), size, &back, &back_len, &bad, &why) == 0,
               "own encoding does not decode: %s at %zu", why ? why : "?", bad);
    FUZZ_CHECK(back_len == size && (size == 0 || memcmp(back, data, size) == 0), "base64 round trip differs");
    free(back);
    free(text);

    back = NULL;
    if (vw_base64_decode((const char *)data, size, size, &back, &back_len, &bad, &why) == 0) {
        FUZZ_CHECK(back_len <= size, "decoded %zu bytes from %zu characters", back_len, size);
        char *again = vw_base64_encode(back, back_len);
        FUZZ_CHECK(again && strlen(again) == size && memcmp(again, data, size) == 0,
                   "strict base64 does not re-encode to its own text");
        free(again);
        free(back);
    } else {
        FUZZ_CHECK(why && why[0], "base64 decode failed without a reason");
        FUZZ_CHECK(bad <= size, "bad position %zu past the text (%zu)", bad, size);
    }
}

static void open_by_path(void)
{
    static const char *const paths[] = { "/dev/null", "/dev/full", "/nonexistent-vw-fuzz-dir/trace" };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        vw_error err;
        memset(&err, 0, sizeof(err));
        vw_trace_writer *w = vw_trace_writer_open(paths[i], VW_TRACE_QMP, "fuzz_trace", "unix:/x", &err);
        FUZZ_CHECK(w || err.text[0], "writer open of %s failed without a reason", paths[i]);
        if (w) {
            vw_trace_writer_set_header(w, "source", json_string("fuzz"), &err);
            if (vw_trace_writer_flush(w, &err) < 0)
                FUZZ_CHECK(err.text[0], "flush to %s failed without a reason", paths[i]);
            err.text[0] = '\0';
            if (vw_trace_writer_close(w, &err) < 0)
                FUZZ_CHECK(err.text[0], "close of %s failed without a reason", paths[i]);
        }
        vw_trace_reader *r = vw_trace_reader_open(paths[i], &err);
        FUZZ_CHECK(!r && err.text[0], "reading %s: no error for an empty or missing file", paths[i]);
        char perr[256] = "";
        vw_pcap *p = vw_pcap_open(paths[i], VW_PCAP_LIBVIRT_PORT, perr, sizeof(perr));
        FUZZ_CHECK(p || perr[0], "pcap open of %s failed without a reason", paths[i]);
        if (p) {
            perr[0] = '\0';
            if (vw_pcap_close(p, perr, sizeof(perr)) < 0)
                FUZZ_CHECK(perr[0], "pcap close of %s failed without a reason", paths[i]);
            else
                FUZZ_CHECK(strcmp(paths[i], "/dev/full") != 0, "pcap close on /dev/full succeeded");
        }
    }
}

/* Once per process: the writer and pcap calls a recorder can get wrong that no trace read back can
 * produce (so the records loop never makes them): unknown protocol / kind / direction names, a
 * header member set after the header went out, a record over VW_TRACE_RAW_MAX, libvirt messages
 * whose length word is wrong or unreadable, an empty QMP message, NULL error arguments, and the
 * pcap writer on a connection never opened, after its close, with more than 16 connections and a
 * message longer than one TCP segment. */
static void writer_edges(void)
{
    vw_error err;
    char *text = NULL, *ptext = NULL;
    size_t len = 0, plen = 0;
    FUZZ_CHECK(strcmp(vw_trace_kind_name((vw_trace_kind)99), "?") == 0, "unknown kind has a name");
    FUZZ_CHECK(strcmp(vw_trace_protocol_name((vw_trace_protocol)99), "?") == 0, "unknown protocol");
    FUZZ_CHECK(vw_trace_writer_open_stream(stdout, (vw_trace_protocol)99, "x", NULL, &err) == NULL,
               "unknown protocol accepted");
    FILE *out = open_memstream(&text, &len);
    FILE *pout = open_memstream(&ptext, &plen);
    FUZZ_CHECK(out && pout, "open_memstream");
    vw_trace_writer *w = vw_trace_writer_open_stream(out, VW_TRACE_LIBVIRT, "fuzz_trace", NULL, &err);
    FUZZ_CHECK(w, "writer: %s", err.text);
    FUZZ_CHECK(vw_trace_write_open(w, 1, 0, NULL, NULL) == 0, "open with NULL err");
    FUZZ_CHECK(vw_trace_writer_set_header(w, "late", json_true(), &err) < 0, "late header accepted");
    static const uint8_t ping[28] = { 0, 0, 0, 28, 0x6b, 0x65, 0x65, 0x70, 0, 0, 0, 1, 0, 0, 0, 1 };
    uint8_t bad[28];
    memcpy(bad, ping, sizeof(bad));
    bad[3] = 29;
    FUZZ_CHECK(vw_trace_write_message(w, 1, VW_TRACE_C2S, 1, bad, sizeof(bad), &err) < 0, "bad length word");
    bad[3] = 3;
    FUZZ_CHECK(vw_trace_write_message(w, 1, VW_TRACE_C2S, 1, bad, sizeof(bad), NULL) < 0, "tiny length word");
    FUZZ_CHECK(vw_trace_write_message(w, 1, VW_TRACE_C2S, 1, ping, 10, &err) < 0, "short message");
    FUZZ_CHECK(vw_trace_write_message(w, 1, VW_TRACE_C2S, 1, ping, sizeof(ping), &err) == 0, "%s", err.text);
    /* the size check comes before the bytes are touched: ping stands in for a huge buffer */
    FUZZ_CHECK(vw_trace_write_data(w, 1, VW_TRACE_C2S, 1, ping, (size_t)VW_TRACE_RAW_MAX + 1, &err) < 0,
               "oversized record accepted");
    FUZZ_CHECK(vw_trace_write_close(w, 1, 2, NULL, &err) == 0, "%s", err.text);
    FUZZ_CHECK(vw_trace_writer_close(w, &err) == 0, "%s", err.text);
    fclose(out);
    free(text);
    text = NULL;
    out = open_memstream(&text, &len);
    FUZZ_CHECK(out, "open_memstream");
    w = vw_trace_writer_open_stream(out, VW_TRACE_QMP, NULL, NULL, &err);
    FUZZ_CHECK(w, "writer: %s", err.text);
    FUZZ_CHECK(vw_trace_writer_close(w, NULL) == 0, "close with NULL err");
    w = vw_trace_writer_open_stream(out, VW_TRACE_QMP, NULL, NULL, &err);
    FUZZ_CHECK(w, "writer: %s", err.text);
    vw_trace_write_open(w, 1, 0, "p", &err);
    FUZZ_CHECK(vw_trace_write_message(w, 1, VW_TRACE_S2C, 1, "", 0, &err) < 0, "empty QMP message");
    FUZZ_CHECK(vw_trace_writer_close(w, &err) == 0, "%s", err.text);
    fclose(out);
    free(text);

    /* a reader that fails with NULL error arguments, and stays failed */
    static const char bad_trace[] = "{\"format\":\"virt-wire-trace\",\"version\":1,\"protocol\":\"qmp\"}\n"
                                    "{\"rec\":\"open\"}\n";
    FILE *in = fmemopen((void *)bad_trace, sizeof(bad_trace) - 1, "r");
    FUZZ_CHECK(in, "fmemopen");
    vw_trace_reader *r = vw_trace_reader_open_stream(in, NULL);
    FUZZ_CHECK(r, "reader on a good header");
    vw_trace_record rec;
    FUZZ_CHECK(vw_trace_read(r, &rec, NULL) == -1 && vw_trace_read(r, &rec, NULL) == -1, "bad record read");
    vw_trace_reader_free(r);
    vw_trace_reader_free(NULL);
    fclose(in);

    char perr[256];
    vw_pcap *p = vw_pcap_open_stream(pout, VW_PCAP_LIBVIRT_PORT, perr, sizeof(perr));
    FUZZ_CHECK(p, "pcap: %s", perr);
    FUZZ_CHECK(vw_pcap_message(p, 5, true, 1, ping, sizeof(ping), perr, sizeof(perr)) == 0,
               "message on a connection never opened: %s", perr);
    FUZZ_CHECK(vw_pcap_connection_close(p, 5, 2, perr, sizeof(perr)) == 0, "%s", perr);
    FUZZ_CHECK(vw_pcap_connection_close(p, 5, 2, perr, sizeof(perr)) == 0, "second close: %s", perr);
    FUZZ_CHECK(vw_pcap_message(p, 5, false, 3, ping, sizeof(ping), perr, sizeof(perr)) == 0,
               "message after close: %s", perr);
    vw_pcap_connection_close(p, 77, 4, NULL, 0);
    for (uint32_t c = 100; c < 120; c++)
        FUZZ_CHECK(vw_pcap_connection_open(p, c, c, perr, sizeof(perr)) == 0, "%s", perr);
    uint8_t *big = calloc(1, 2 * VW_PCAP_SEGMENT_MAX + 10);
    FUZZ_CHECK(big, "calloc");
    FUZZ_CHECK(vw_pcap_message(p, 119, true, 200, big, 2 * VW_PCAP_SEGMENT_MAX + 10, perr,
                               sizeof(perr)) == 0, "big message: %s", perr);
    free(big);
    FUZZ_CHECK(vw_pcap_close(p, perr, sizeof(perr)) == 0, "%s", perr);
    FUZZ_CHECK(vw_pcap_close(NULL, NULL, 0) == 0, "closing NULL pcap");
    fclose(pout);
    free(ptext);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    open_by_path();
    writer_edges();
    return 0;
}

/* The records once more, onto a full disk, with misuses mixed in. */
static void write_to_full_disk(vw_trace_writer *w, vw_pcap *p, const vw_trace_record *rec)
{
    vw_error err;
    char perr[256];
    memset(&err, 0, sizeof(err));
    if (rec->kind == VW_TRACE_MESSAGE || rec->kind == VW_TRACE_DATA) {
        if (vw_trace_write_message(w, rec->conn, rec->dir, rec->t_us, rec->raw, rec->raw_len, &err) < 0)
            FUZZ_CHECK(err.text[0], "write_message refused without a reason");
        err.text[0] = '\0';
        if (vw_trace_write_data(w, rec->conn, rec->dir, rec->t_us, rec->raw, rec->raw_len, &err) < 0)
            FUZZ_CHECK(err.text[0], "write_data refused without a reason");
        err.text[0] = '\0';
        FUZZ_CHECK(vw_trace_write_data(w, rec->conn, (vw_trace_dir)7, rec->t_us, rec->raw, rec->raw_len,
                                       &err) < 0 && err.text[0], "a bad direction was accepted");
        vw_pcap_message(p, rec->conn + 1000, rec->dir == VW_TRACE_S2C, rec->t_us, rec->raw,
                        rec->raw_len, perr, sizeof(perr));
    } else if (rec->kind == VW_TRACE_OPEN) {
        vw_trace_write_open(w, rec->conn, rec->t_us, rec->peer, &err);
        vw_pcap_connection_open(p, rec->conn, rec->t_us, perr, sizeof(perr));
        vw_pcap_connection_open(p, rec->conn, rec->t_us, perr, sizeof(perr));   /* twice */
    } else {
        vw_trace_write_close(w, rec->conn, rec->t_us, rec->by, &err);
        vw_pcap_connection_close(p, rec->conn, rec->t_us, perr, sizeof(perr));
        vw_pcap_connection_close(p, rec->conn + 2000, rec->t_us, perr, sizeof(perr));
    }
    (void)vw_trace_writer_elapsed_us(w);
    (void)vw_pcap_frames(p);
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Writes rec to the pcap writer p (what `vwtrace pcap` does with it). 0, or -1 with perr. */
static int pcap_record(vw_pcap *p, const vw_trace_record *rec, char *perr, size_t perrlen)
{
    switch (rec->kind) {
    case VW_TRACE_OPEN:
        return vw_pcap_connection_open(p, rec->conn, rec->t_us, perr, perrlen);
    case VW_TRACE_CLOSE:
        return vw_pcap_connection_close(p, rec->conn, rec->t_us, perr, perrlen);
    default:
        return vw_pcap_message(p, rec->conn, rec->dir == VW_TRACE_C2S, rec->t_us, rec->raw,
                               rec->raw_len, perr, perrlen);
    }
}

/* Writes rec with w (and p when not NULL, ignoring what p says). Returns 0, or -1 when the
 * writer refused it. */
static int write_back(vw_trace_writer *w, vw_pcap *p, const vw_trace_record *rec)
{
    vw_error err;
    memset(&err, 0, sizeof(err));
    int rc = -1;
    switch (rec->kind) {
    case VW_TRACE_OPEN:
        rc = vw_trace_write_open(w, rec->conn, rec->t_us, rec->peer, &err);
        break;
    case VW_TRACE_MESSAGE:
    case VW_TRACE_DATA:
        rc = rec->kind == VW_TRACE_MESSAGE
                 ? vw_trace_write_message(w, rec->conn, rec->dir, rec->t_us, rec->raw, rec->raw_len, &err)
                 : vw_trace_write_data(w, rec->conn, rec->dir, rec->t_us, rec->raw, rec->raw_len, &err);
        break;
    case VW_TRACE_CLOSE:
        rc = vw_trace_write_close(w, rec->conn, rec->t_us, rec->by, &err);
        break;
    }
    if (p) {
        char perr[256];
        (void)pcap_record(p, rec, perr, sizeof(perr));
    }
    if (rc < 0)
        FUZZ_CHECK(err.text[0] != '\0', "the writer refused a record without a reason");
    return rc;
}

/* Reads data again and compares the first n records with those of the written trace. */
static void compare_round_trip(const uint8_t *data, size_t size, const char *text, size_t text_len,
                               int n)
{
    FILE *a = fmemopen((void *)data, size, "r");
    FILE *b = fmemopen((void *)text, text_len, "r");
    FUZZ_CHECK(a && b, "fmemopen failed");
    vw_error err;
    memset(&err, 0, sizeof(err));
    vw_trace_reader *ra = vw_trace_reader_open_stream(a, &err);
    vw_trace_reader *rb = vw_trace_reader_open_stream(b, &err);
    FUZZ_CHECK(ra && rb, "the written trace does not open: %s (line %lu)", err.text, err.line);
    FUZZ_CHECK(vw_trace_reader_protocol(ra) == vw_trace_reader_protocol(rb), "protocol differs");
    for (int i = 0; i < n; i++) {
        vw_trace_record x, y;
        FUZZ_CHECK(vw_trace_read(ra, &x, &err) == 1, "re-read of the input failed");
        int rc = vw_trace_read(rb, &y, &err);
        FUZZ_CHECK(rc == 1, "record %d of the written trace: %d, %s (line %lu)", i, rc, err.text,
                   err.line);
        FUZZ_CHECK(x.kind == y.kind && x.conn == y.conn && x.t_us == y.t_us, "record %d differs", i);
        if (x.kind == VW_TRACE_MESSAGE || x.kind == VW_TRACE_DATA)
            FUZZ_CHECK(x.dir == y.dir && x.raw_len == y.raw_len &&
                       (x.raw_len == 0 || memcmp(x.raw, y.raw, x.raw_len) == 0),
                       "record %d: bytes differ", i);
        if (x.kind == VW_TRACE_OPEN)
            FUZZ_CHECK(same_str(x.peer, y.peer), "record %d: peer differs", i);
        if (x.kind == VW_TRACE_CLOSE)
            FUZZ_CHECK(same_str(x.by, y.by), "record %d: by differs", i);
    }
    vw_trace_record z;
    FUZZ_CHECK(vw_trace_read(rb, &z, &err) == 0, "the written trace has more records");
    vw_trace_reader_free(ra);
    vw_trace_reader_free(rb);
    fclose(a);
    fclose(b);
}

/* What copy_trace did. */
struct copy_result {
    bool opened;                  /* the input's header read */
    vw_trace_protocol protocol;
    int records;                  /* records read */
    bool failed;                  /* some call failed (each one checked to give a reason) */
    char *text;                   /* the trace written (malloc'd by open_memstream) */
    size_t text_len;
};

/* Reads the input as a trace and writes every record back out through a trace writer and a pcap
 * writer (libvirt traces), stopping at the first failure. Used for the allocation-failure run. */
static void copy_trace(const uint8_t *data, size_t size, struct copy_result *res)
{
    memset(res, 0, sizeof(*res));
    FILE *in = fmemopen((void *)data, size, "r");
    FILE *out = open_memstream(&res->text, &res->text_len);
    FILE *pout = NULL;
    char *pcap_bytes = NULL;
    size_t pcap_len = 0;
    FUZZ_CHECK(in && out, "fmemopen/open_memstream failed");
    vw_error err;
    memset(&err, 0, sizeof(err));
    char perr[256] = "";
    vw_trace_writer *w = NULL;
    vw_pcap *p = NULL;
    vw_trace_reader *r = vw_trace_reader_open_stream(in, &err);
    if (!r) {
        FUZZ_CHECK(err.text[0], "open failed without an error text");
        res->failed = true;
        goto done;
    }
    res->opened = true;
    res->protocol = vw_trace_reader_protocol(r);
    /* jansson may fail while the writer builds and dumps records, not while the reader parses
     * (alloc_fail.h: jansson's lexer asserts when an allocation fails) */
    vw_fuzz_alloc_jansson(true);
    w = vw_trace_writer_open_stream(out, res->protocol, "fuzz_trace", NULL, &err);
    vw_fuzz_alloc_jansson(false);
    if (!w) {
        FUZZ_CHECK(err.text[0], "writer open failed without an error text");
        res->failed = true;
        goto done;
    }
    if (res->protocol == VW_TRACE_LIBVIRT) {
        pout = open_memstream(&pcap_bytes, &pcap_len);
        FUZZ_CHECK(pout, "open_memstream failed");
        p = vw_pcap_open_stream(pout, VW_PCAP_LIBVIRT_PORT, perr, sizeof(perr));
        if (!p) {
            FUZZ_CHECK(perr[0], "pcap open failed without an error text");
            res->failed = true;
            goto done;
        }
    }
    for (int i = 0; i < MAX_RECORDS; i++) {
        vw_trace_record rec;
        int rc = vw_trace_read(r, &rec, &err);
        if (rc == 0)
            break;
        if (rc < 0) {
            FUZZ_CHECK(err.text[0] && err.line > 0, "read failed without line or text");
            res->failed = true;
            break;
        }
        res->records++;
        vw_fuzz_alloc_jansson(true);
        rc = write_back(w, NULL, &rec);
        vw_fuzz_alloc_jansson(false);
        if (rc < 0) {
            res->failed = true;
            break;
        }
        perr[0] = '\0';
        if (p && pcap_record(p, &rec, perr, sizeof(perr)) < 0) {
            FUZZ_CHECK(perr[0], "a pcap write failed without a reason");
            res->failed = true;
            break;
        }
    }
done:
    vw_fuzz_alloc_jansson(true);
    int wrc = w ? vw_trace_writer_close(w, &err) : 0;
    vw_fuzz_alloc_jansson(false);
    if (wrc < 0) {
        FUZZ_CHECK(err.text[0], "writer close failed without a reason");
        res->failed = true;
    }
    perr[0] = '\0';
    if (p && vw_pcap_close(p, perr, sizeof(perr)) < 0) {
        FUZZ_CHECK(perr[0], "pcap close failed without a reason");
        res->failed = true;
    }
    vw_trace_reader_free(r);
    fclose(in);
    fclose(out);
    if (pout)
        fclose(pout);
    free(pcap_bytes);
}

/* The trace read and written again with one allocation failing (alloc_fail.h; which one is
 * chosen from the input): the call that meets it fails with a reason, or, when every call
 * succeeded (only a human-readable decoration was lost), the records written are the records read;
 * nothing crashes or leaks. QMP traces are left out: the writer parses their messages with
 * proto/qmp_json.c, which aborts when memory runs out. */
static void check_oom(const uint8_t *data, size_t size)
{
    struct copy_result res;
    vw_fuzz_alloc_count_begin();
    copy_trace(data, size, &res);
    size_t allocs = vw_fuzz_alloc_count_end();
    free(res.text);
    if (!res.opened || res.protocol != VW_TRACE_LIBVIRT || allocs == 0)
        return;
    vw_fuzz_alloc_fail_begin(vw_fuzz_alloc_pick(data, size, 0, allocs));
    copy_trace(data, size, &res);
    FUZZ_CHECK(vw_fuzz_alloc_fail_end(), "the trace copy allocated less the second time");
    if (!res.failed)
        compare_round_trip(data, size, res.text, res.text_len, res.records);
    free(res.text);
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* The main read's outcome (vw_trace_read's last result, records read, its error) against a
 * read of the same input with vw_trace_reader_allow_truncated. */
static void check_allow_truncated(const uint8_t *data, size_t size, int plain, int n_plain,
                                  const vw_error *e_plain)
{
    FILE *in = fmemopen((void *)data, size, "r");
    FUZZ_CHECK(in, "fmemopen failed");
    vw_error e;
    memset(&e, 0, sizeof(e));
    vw_trace_reader *r = vw_trace_reader_open_stream(in, &e);
    FUZZ_CHECK(r, "the header was read once, not twice: %s", e.text);
    vw_trace_reader_allow_truncated(r, true);
    vw_trace_record rec;
    int n = 0, rc = 1;
    while (n < MAX_RECORDS && (rc = vw_trace_read(r, &rec, &e)) == 1)
        n++;
    const vw_error *d = vw_trace_reader_dropped(r);
    unsigned long dropped = d ? d->line : 0;
    FUZZ_CHECK(!d || (rc == 0 && d->line > 0 && d->text[0]), "bad dropped report");
    FUZZ_CHECK(n == n_plain, "%d records without the option, %d with it", n_plain, n);
    if (plain == -1 && ends_with(e_plain->text, ": --allow-truncated drops it")) {
        FUZZ_CHECK(rc == 0 && dropped == e_plain->line, "the cut line %lu was not dropped "
                   "(%d, dropped %lu)", e_plain->line, rc, dropped);
    } else {
        FUZZ_CHECK(rc == plain && dropped == 0, "the option changed the outcome: %d -> %d "
                   "(dropped %lu)", plain, rc, dropped);
        FUZZ_CHECK(plain != -1 || (e.line == e_plain->line && strcmp(e.text, e_plain->text) == 0),
                   "the option changed the error: %s / %s", e_plain->text, e.text);
    }
    vw_trace_reader_free(r);
    fclose(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_base64(data, size);
    if (size == 0)
        return 0;
    FILE *in = fmemopen((void *)data, size, "r");
    if (!in)
        return 0;
    vw_error err;
    memset(&err, 0, sizeof(err));
    vw_trace_reader *r = vw_trace_reader_open_stream(in, &err);
    if (!r) {
        FUZZ_CHECK(err.text[0] != '\0', "open failed without an error text");
        fclose(in);
        return 0;
    }
    vw_trace_protocol protocol = vw_trace_reader_protocol(r);
    FUZZ_CHECK(protocol == VW_TRACE_LIBVIRT || protocol == VW_TRACE_QMP, "protocol %d", (int)protocol);
    FUZZ_CHECK(vw_trace_reader_header(r) != NULL, "no header object");

    char *text = NULL, *pcap_bytes = NULL;
    size_t text_len = 0, pcap_len = 0;
    FILE *out = open_memstream(&text, &text_len);
    FILE *pout = protocol == VW_TRACE_LIBVIRT ? open_memstream(&pcap_bytes, &pcap_len) : NULL;
    FUZZ_CHECK(out && (pout || protocol != VW_TRACE_LIBVIRT), "open_memstream failed");
    vw_trace_writer *w = vw_trace_writer_open_stream(out, protocol, "fuzz_trace", NULL, &err);
    FUZZ_CHECK(w, "writer: %s", err.text);
    char perr[256];
    vw_pcap *p = pout ? vw_pcap_open_stream(pout, VW_PCAP_LIBVIRT_PORT, perr, sizeof(perr)) : NULL;
    FUZZ_CHECK(p || !pout, "pcap: %s", perr);
    int written = 0, rc = 1, records = 0;
    bool writing = true;

    /* the full disk */
    struct full_disk disk, pdisk;
    size_t room = 64 + size % 1024;
    FILE *sout = full_disk_open(&disk, room, size % 2 == 0);
    FILE *spout = full_disk_open(&pdisk, room, size % 2 == 0);
    FUZZ_CHECK(sout && spout, "fopencookie failed");
    vw_trace_writer *sw = vw_trace_writer_open_stream(sout, protocol, "fuzz_trace", "unix:/full", &err);
    FUZZ_CHECK(sw, "writer: %s", err.text);
    vw_trace_writer_set_header(sw, "source", json_string("fuzz_trace"), &err);
    vw_pcap *sp = vw_pcap_open_stream(spout, 5900, perr, sizeof(perr));
    FUZZ_CHECK(sp || perr[0], "pcap open failed without a reason");

    for (; records < MAX_RECORDS; records++) {
        vw_trace_record rec;
        rc = vw_trace_read(r, &rec, &err);
        FUZZ_CHECK(rc >= -1 && rc <= 1, "vw_trace_read returned %d", rc);
        if (rc == 0)
            break;
        if (rc < 0) {
            FUZZ_CHECK(err.text[0] != '\0' && err.line > 0, "read failed without line (%lu) or text",
                       err.line);
            vw_error again;
            memset(&again, 0, sizeof(again));
            FUZZ_CHECK(vw_trace_read(r, &rec, &again) == -1, "reader recovered after a failure");
            break;
        }
        FUZZ_CHECK(rec.kind >= VW_TRACE_OPEN && rec.kind <= VW_TRACE_CLOSE, "kind %d", (int)rec.kind);
        FUZZ_CHECK(vw_trace_kind_name(rec.kind) != NULL, "kind without a name");
        if (rec.kind == VW_TRACE_MESSAGE || rec.kind == VW_TRACE_DATA) {
            FUZZ_CHECK(rec.dir == VW_TRACE_C2S || rec.dir == VW_TRACE_S2C, "dir %d", (int)rec.dir);
            FUZZ_CHECK(rec.raw_len <= VW_TRACE_RAW_MAX, "raw_len %zu", rec.raw_len);
            FUZZ_CHECK(rec.raw || rec.raw_len == 0, "raw NULL with %zu bytes", rec.raw_len);
            for (size_t k = 0; k < rec.raw_len; k++)
                sink ^= rec.raw[k];
            if (rec.kind == VW_TRACE_MESSAGE && protocol == VW_TRACE_LIBVIRT) {
                FUZZ_CHECK(rec.raw_len >= 4, "libvirt message of %zu bytes", rec.raw_len);
                uint32_t len = (uint32_t)rec.raw[0] << 24 | (uint32_t)rec.raw[1] << 16 |
                               (uint32_t)rec.raw[2] << 8 | rec.raw[3];
                FUZZ_CHECK(len == rec.raw_len, "length word %u, %zu bytes", len, rec.raw_len);
            }
        }
        /* the round trip covers the records up to the first one the writer refuses */
        if (writing && write_back(w, p, &rec) == 0)
            written++;
        else
            writing = false;
        if (sp)
            write_to_full_disk(sw, sp, &rec);
    }
    vw_error read_err = err;      /* the main read's end, for check_allow_truncated */
    vw_error serr;
    memset(&serr, 0, sizeof(serr));
    if (vw_trace_writer_flush(sw, &serr) < 0)
        FUZZ_CHECK(serr.text[0], "a failed flush without a reason");
    serr.text[0] = '\0';
    if (vw_trace_writer_close(sw, &serr) < 0)
        FUZZ_CHECK(serr.text[0], "a failed write without a reason");
    FUZZ_CHECK(vw_trace_writer_close(NULL, &serr) == 0, "closing NULL failed");
    if (sp && vw_pcap_close(sp, perr, sizeof(perr)) < 0)
        FUZZ_CHECK(perr[0], "a failed pcap write without a reason");
    fclose(sout);
    fclose(spout);
    vw_trace_reader_free(r);
    fclose(in);
    FUZZ_CHECK(vw_trace_writer_close(w, &err) == 0, "writer close: %s", err.text);
    fclose(out);
    if (p) {
        vw_pcap_close(p, perr, sizeof(perr));
        fclose(pout);
        FUZZ_CHECK(pcap_len >= 24, "pcap of %zu bytes has no file header", pcap_len);
    }
    compare_round_trip(data, size, text, text_len, written);
    free(text);
    free(pcap_bytes);
    check_oom(data, size);
    check_allow_truncated(data, size, rc, records, &read_err);
    return 0;
}
