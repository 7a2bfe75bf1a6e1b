/* fuzz_trace.c: fuzz target for the trace reader (trace.h) and its base64 decoder.
 *
 * Input: a trace file (JSON Lines), read through vw_trace_reader_open_stream on an fmemopen'd
 * copy of the input.
 *
 * Checks, beyond "no crash, no leak, no undefined behaviour, no allocation over 64 MiB":
 *   1. Records are well-formed: known kind, message bytes within VW_TRACE_RAW_MAX and readable to
 *      the end; a libvirt MESSAGE is one whole packet (its length word equals its byte count).
 *   2. A failed read reports a line and a text, and the reader stays failed.
 *   3. base64: encode then decode gives the input back; when the input decodes as strict base64,
 *      encoding the result gives the input text back exactly. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_base64(data, size);
    if (size == 0)
        return 0;
    FILE *in = fmemopen((void *)data, size, "r");
    if (!in)
        return 0;
    vw_trace_error err;
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
    for (int i = 0; i < MAX_RECORDS; i++) {
        vw_trace_record rec;
        int rc = vw_trace_read(r, &rec, &err);
        FUZZ_CHECK(rc >= -1 && rc <= 1, "vw_trace_read returned %d", rc);
        if (rc == 0)
            break;
        if (rc < 0) {
            FUZZ_CHECK(err.text[0] != '\0' && err.line > 0, "read failed without line (%lu) or text",
                       err.line);
            vw_trace_error again;
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
    }
    vw_trace_reader_free(r);
    fclose(in);
    return 0;
}
