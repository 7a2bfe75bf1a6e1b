/* fuzz_qmp.c: fuzz target for the QMP JSON streamer, one-shot parser and serializer (qmp_json.h).
 *
 * Input: byte 0 chooses how the rest is fed, bytes 1.. are the QMP byte stream.
 *   bits 0-5: chunk size minus one (1..64 bytes per vw_qmp_streamer_feed call)
 *   bit 6:    the callback pauses the streamer after every message (the caller re-feeds the rest)
 *   bit 7:    tight limits (nesting 8, 512 token bytes, 64 tokens) instead of QEMU's, so the limit
 *             paths are reached with small inputs
 *
 * Checks, beyond "no crash, no leak, no undefined behaviour":
 *   1. Framing does not depend on how the bytes are split: the stream fed in one call and fed in
 *      chunks (with or without pausing) yields the same messages and errors in the same order.
 *   2. Round trip: every message serialized with vw_qmp_dumps (both member orders) parses back with
 *      vw_qmp_loads to an equal value, and (insertion order) serializing that again gives the same
 *      text.
 *   3. The one-shot parser agrees with the streamer: one message and no error -> loads returns an
 *      equal value; any streamer error -> loads fails.
 *   4. Output is one line of printable ASCII (QEMU escapes everything else). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "qmp_json.h"

#define FUZZ_CHECK(cond, ...)                                                  \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_qmp: check failed: %s: ", #cond);            \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* Most events recorded per run; beyond this, the comparison covers the first ones only (a 1 MiB
 * input of "[" alone gives a million errors; keep the memory of one run small). */
#define MAX_EVENTS 4096

typedef struct event {
    json_t *msg;     /* owned; NULL for an error */
    char *error;     /* owned copy; NULL for a message */
} event;

typedef struct recorder {
    vw_qmp_streamer *streamer;
    bool pause_each;
    size_t count;    /* events seen, including those beyond MAX_EVENTS */
    event events[MAX_EVENTS];
} recorder;

static void on_message(void *opaque, json_t *msg, const char *error)
{
    recorder *r = opaque;
    FUZZ_CHECK((msg == NULL) != (error == NULL), "msg=%p error=%p", (void *)msg, (const void *)error);
    if (r->count < MAX_EVENTS) {
        r->events[r->count].msg = msg;
        r->events[r->count].error = error ? strdup(error) : NULL;
        FUZZ_CHECK(!error || r->events[r->count].error, "out of memory");
    } else {
        json_decref(msg);
    }
    r->count++;
    if (r->pause_each)
        vw_qmp_streamer_pause(r->streamer);
}

/* Two recorders reused by every run (static: a fresh 64 KiB block per run would cost more than
 * the parsing under ASan). */
static recorder recorders[2];

static void recorder_clear(recorder *r)
{
    size_t n = r->count < MAX_EVENTS ? r->count : MAX_EVENTS;
    for (size_t i = 0; i < n; i++) {
        json_decref(r->events[i].msg);
        free(r->events[i].error);
        r->events[i].msg = NULL;
        r->events[i].error = NULL;
    }
    vw_qmp_streamer_free(r->streamer);
    r->streamer = NULL;
    r->count = 0;
}

/* Feeds data in chunks of chunk bytes (0: all at once), honouring pauses, then flushes. */
static recorder *run_streamer(recorder *r, const vw_qmp_limits *lim, const char *data, size_t len,
                              size_t chunk, bool pause_each)
{
    r->count = 0;
    r->pause_each = pause_each;
    r->streamer = vw_qmp_streamer_new(lim, on_message, r);
    FUZZ_CHECK(r->streamer, "vw_qmp_streamer_new returned NULL");

    size_t off = 0;
    while (off < len) {
        size_t n = chunk && len - off > chunk ? chunk : len - off;
        size_t before = r->count;
        size_t used = vw_qmp_streamer_feed(r->streamer, data + off, n);
        FUZZ_CHECK(used <= n, "feed consumed %zu of %zu bytes", used, n);
        if (!pause_each)
            FUZZ_CHECK(used == n, "feed stopped at %zu of %zu without a pause", used, n);
        if (used < n)
            FUZZ_CHECK(r->count > before, "feed stopped at %zu of %zu without delivering anything", used, n);
        FUZZ_CHECK(used > 0 || r->count > before, "no progress at offset %zu", off);
        off += used;
    }
    vw_qmp_streamer_flush(r->streamer);
    FUZZ_CHECK(vw_qmp_streamer_pending(r->streamer) == 0, "%zu bytes pending after flush",
               vw_qmp_streamer_pending(r->streamer));
    return r;
}

/* True when v holds something vw_qmp_dumps prints but that does not read back as the same value:
 * a raw number whose text the parser would not turn into that raw number again (QEMU prints inf
 * bare; an input object that merely looks like a raw number, e.g. {KEY: "123"}, prints as 123
 * which reads back as an integer: the documented limitation of the representation). */
static bool has_unreadable_output(const json_t *v)
{
    if (json_is_object(v)) {
        const char *raw = vw_qmp_raw_number_text(v);
        if (raw) {
            char err[64];
            json_t *back = vw_qmp_loads(raw, strlen(raw), err, sizeof(err));
            const char *again = back ? vw_qmp_raw_number_text(back) : NULL;
            bool same = again && strcmp(again, raw) == 0;
            json_decref(back);
            return !same;
        }
        if (json_object_get(v, VW_QMP_RAW_NUMBER_KEY))
            return true;
        const char *key;
        json_t *member;
        json_object_foreach((json_t *)v, key, member)
            if (has_unreadable_output(member))
                return true;
        return false;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            if (has_unreadable_output(json_array_get(v, i)))
                return true;
        return false;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        return d != d || d > 1.7976931348623157e308 || d < -1.7976931348623157e308;
    }
    return false;
}

/* json_equal, but object keys may hold NUL bytes ("\u0000" is kept; jansson's json_equal looks
 * keys up as C strings), and with mixed_numbers an integer and a real of the same value are equal
 * (QEMU prints the double 1500.0 as "1500", which reads back as an integer). */
static bool same_value(const json_t *a, const json_t *b, bool mixed_numbers)
{
    if (mixed_numbers && json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b))
            return json_integer_value(a) == json_integer_value(b);
        return json_number_value(a) == json_number_value(b);
    }
    if (json_is_object(a) && json_is_object(b)) {
        if (json_object_size(a) != json_object_size(b))
            return false;
        const char *key;
        size_t keylen;
        json_t *member;
        json_object_keylen_foreach((json_t *)a, key, keylen, member) {
            const json_t *other = json_object_getn(b, key, keylen);
            if (!other || !same_value(member, other, mixed_numbers))
                return false;
        }
        return true;
    }
    if (json_is_array(a) && json_is_array(b)) {
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same_value(json_array_get(a, i), json_array_get(b, i), mixed_numbers))
                return false;
        return true;
    }
    return json_equal((json_t *)a, (json_t *)b);
}

static void check_round_trip(const json_t *msg, int flags)
{
    char *text = vw_qmp_dumps(msg, flags);
    FUZZ_CHECK(text, "vw_qmp_dumps returned NULL");
    for (const char *p = text; *p; p++)
        FUZZ_CHECK(*p >= 0x20 && *p < 0x7f, "byte 0x%02x in output '%s'", (unsigned char)*p, text);

    if (!has_unreadable_output(msg)) {
        char err[256] = "";
        json_t *back = vw_qmp_loads(text, strlen(text), err, sizeof(err));
        FUZZ_CHECK(back, "output '%s' does not parse back: %s", text, err);
        FUZZ_CHECK(same_value(msg, back, true), "output '%s' parses back to a different value", text);
        /* Same text again in insertion order. Not in QDict order: there, members that share a
         * hash bucket come out newest first, so the order depends on insertion order (as in QEMU). */
        /* (And only when types survived: the double -0.0 prints "-0", which reads back as the
         * integer 0 and then prints "0".) */
        if (!(flags & VW_QMP_DUMP_QDICT_ORDER) && same_value(msg, back, false)) {
            char *again = vw_qmp_dumps(back, flags);
            FUZZ_CHECK(again && strcmp(again, text) == 0, "second serialization differs: '%s' vs '%s'",
                       text, again ? again : "(null)");
            free(again);
        }
        json_decref(back);
    }
    free(text);
}

static void check_same_events(const recorder *a, const recorder *b, const char *what)
{
    FUZZ_CHECK(a->count == b->count, "%s: %zu events fed whole, %zu fed in chunks", what, a->count, b->count);
    size_t n = a->count < MAX_EVENTS ? a->count : MAX_EVENTS;
    for (size_t i = 0; i < n; i++) {
        const event *x = &a->events[i], *y = &b->events[i];
        if (x->error || y->error) {
            FUZZ_CHECK(x->error && y->error && strcmp(x->error, y->error) == 0,
                       "%s: event %zu: '%s' vs '%s'", what, i, x->error ? x->error : "(message)",
                       y->error ? y->error : "(message)");
        } else {
            FUZZ_CHECK(same_value(x->msg, y->msg, false), "%s: event %zu: messages differ", what, i);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    size_t chunk = (size_t)(mode & 0x3f) + 1;
    bool pause_each = mode & 0x40;

    vw_qmp_limits lim;
    vw_qmp_limits_default(&lim);
    if (mode & 0x80) {
        lim.max_nesting = 8;
        lim.max_token_bytes = 512;
        lim.max_token_count = 64;
    }

    recorder *whole = run_streamer(&recorders[0], &lim, text, len, 0, false);
    recorder *chunked = run_streamer(&recorders[1], &lim, text, len, chunk, pause_each);
    check_same_events(whole, chunked, pause_each ? "chunked+paused" : "chunked");

    size_t n = whole->count < MAX_EVENTS ? whole->count : MAX_EVENTS;
    size_t errors = 0;
    for (size_t i = 0; i < n; i++) {
        if (whole->events[i].msg) {
            check_round_trip(whole->events[i].msg, 0);
            check_round_trip(whole->events[i].msg, VW_QMP_DUMP_QDICT_ORDER);
        } else {
            errors++;
            FUZZ_CHECK(whole->events[i].error[0] != '\0', "empty error text");
        }
    }

    /* The one-shot parser uses QEMU's default limits. */
    if (!(mode & 0x80)) {
        char err[256] = "";
        json_t *one = vw_qmp_loads(text, len, err, sizeof(err));
        if (whole->count == 1 && errors == 0) {
            FUZZ_CHECK(one, "streamer found one message, vw_qmp_loads failed: %s", err);
            FUZZ_CHECK(same_value(one, whole->events[0].msg, false), "vw_qmp_loads and the streamer disagree");
        } else if (errors > 0 || whole->count > 1) {
            FUZZ_CHECK(!one, "streamer found %zu events (%zu errors), vw_qmp_loads accepted the input",
                       whole->count, errors);
        }
        if (!one)
            FUZZ_CHECK(err[0] != '\0', "vw_qmp_loads failed without an error text");
        json_decref(one);
    }

    recorder_clear(whole);
    recorder_clear(chunked);
    return 0;
}
