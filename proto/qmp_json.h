/* qmp_json.h: QMP's JSON on the wire, as QEMU 7.2 reads and writes it.
 *
 * Owns: the streaming framer/parser for QMP input (a re-implementation of the behaviour of
 * QEMU 7.2's qobject/json-lexer.c + json-streamer.c + json-parser.c, checked against a real
 * qemu-system-x86_64 7.2.22), and the serializer that writes JSON the way QEMU's qobject/qjson.c
 * does. Values are jansson json_t. Used by the QMP client (replies, events, greeting) and by
 * fake-qemu (commands, parse errors).
 *
 * Input side (vw_qmp_streamer):
 *   - Bytes are fed in arbitrary chunks; messages are framed by counting braces/brackets, not by
 *     newlines. Every complete top-level JSON value (an object, but also `null`, `3`, `"x"`, ...)
 *     or every error is handed to the callback, in input order, exactly once.
 *   - An error is reported with QEMU's own desc string, e.g. "JSON parse error, expecting value",
 *     "JSON parse error, stray '%s'" (%s = the raw bytes of the bad token, may be invalid UTF-8),
 *     "JSON parse error, invalid keyword 'nul'", "JSON parse error, duplicate key",
 *     "JSON nesting depth limit exceeded", "JSON token size limit exceeded",
 *     "JSON token count limit exceeded". After an error the streamer resets its counters and
 *     drops the tokens collected so far; the lexer skips to the next structural character or
 *     control character. So one bad message can yield several errors (QEMU 7.2 does the same:
 *     "[" x 1025 then "]" x 1025 gives 1026 errors).
 *   - Scalars at top level (numbers, keywords) end only when the next byte arrives, as in QEMU.
 *   - QEMU extensions: 'single-quoted' strings, the \' escape, "\u0000" (kept as a NUL byte:
 *     use json_string_length()), integers beyond int64 (see "raw numbers" below); duplicate keys
 *     are rejected.
 *
 * Output side (vw_qmp_dumps): one line, ASCII only, non-ASCII and control characters as
 * uppercase \uXXXX (surrogate pairs above U+FFFF), invalid UTF-8 bytes as \uFFFD, separators
 * ", " and ": ", doubles printed with "%.17g" (1.5e3 -> 1500). The caller appends "\r\n".
 *
 * Raw numbers: jansson's integers are int64 and its reals are finite doubles, but QEMU keeps
 * integers up to UINT64_MAX exactly (and turns 1e999 into inf). Such a number is represented as
 * a one-member object {VW_QMP_RAW_NUMBER_KEY: "<text as QEMU prints it>"}; vw_qmp_dumps prints
 * the text bare, json_equal() compares it correctly, and the helpers below build/read it.
 * An input object that really has exactly this one member is indistinguishable (documented
 * limitation; the key is chosen so that no QMP schema name can collide with it).
 *
 * Threads: a streamer is not thread-safe; different streamers are independent.
 */
#ifndef VW_QMP_JSON_H
#define VW_QMP_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* QEMU 7.2's limits (qobject/json-streamer.c). */
#define VW_QMP_MAX_NESTING      1024u              /* 1024 levels pass, 1025 fail */
#define VW_QMP_MAX_TOKEN_BYTES  (64ull << 20)      /* total bytes of all tokens of one message */
#define VW_QMP_MAX_TOKEN_COUNT  (2ull << 20)       /* tokens in one message */

#define VW_QMP_RAW_NUMBER_KEY   "__vw_qmp_raw_number__"

typedef struct vw_qmp_limits {
    size_t max_nesting;          /* error when open braces + brackets exceed this */
    unsigned long long max_token_bytes; /* error when the message's token bytes + 1 exceed this */
    unsigned long long max_token_count; /* error when the message's tokens + 1 exceed this */
} vw_qmp_limits;

/* Fills lim with QEMU's defaults (the VW_QMP_MAX_* values above). */
void vw_qmp_limits_default(vw_qmp_limits *lim);

/* Called once per complete top-level value or error, in input order.
 * Exactly one of msg / error is non-NULL.
 * msg:   a new reference the callee owns (json_decref it).
 * error: QEMU's desc, valid only during the call; may contain bytes that are not UTF-8
 *        (stray '\xFF'): put it in a json_t with json_string_nocheck(); vw_qmp_dumps copes.
 * The callback may call vw_qmp_streamer_pause(), but must not feed, reset or free the streamer. */
typedef void vw_qmp_message_fn(void *opaque, json_t *msg, const char *error);

typedef struct vw_qmp_streamer vw_qmp_streamer;

/* lim may be NULL for QEMU's defaults. Returns NULL only when out of memory. */
vw_qmp_streamer *vw_qmp_streamer_new(const vw_qmp_limits *lim, vw_qmp_message_fn *fn,
                                     void *opaque);

/* Feeds len bytes. Returns the number of bytes consumed: len, unless the callback called
 * vw_qmp_streamer_pause(), in which case feeding stops right after the byte that completed that
 * message and the caller feeds the rest (buf + returned) later. */
size_t vw_qmp_streamer_feed(vw_qmp_streamer *s, const char *buf, size_t len);

/* From inside the callback: make the current vw_qmp_streamer_feed() return after this message. */
void vw_qmp_streamer_pause(vw_qmp_streamer *s);

/* End of input (QEMU's json_message_parser_flush): completes a pending top-level scalar
 * ("123" with nothing after it) and reports an unfinished message as
 * "JSON parse error, premature EOI" (nothing is reported when no tokens are pending).
 * QEMU 7.2's QMP monitor does not flush on disconnect (it discards), so fake servers should
 * call vw_qmp_streamer_reset() instead; a client may flush to report a truncated reply. */
void vw_qmp_streamer_flush(vw_qmp_streamer *s);

/* Discards partial input and returns to the initial state (a new connection). */
void vw_qmp_streamer_reset(vw_qmp_streamer *s);

/* Bytes of an unfinished message currently held (tokens + the partial token); 0 when idle. */
size_t vw_qmp_streamer_pending(const vw_qmp_streamer *s);

void vw_qmp_streamer_free(vw_qmp_streamer *s);

/* One-shot parse of exactly one value (like QEMU's qobject_from_json): returns a new reference,
 * or NULL with QEMU's desc (or "expected one JSON value, found N" / "no JSON value") in err. */
json_t *vw_qmp_loads(const char *buf, size_t len, char *err, size_t errlen);

/* Serializes like QEMU: see above. flags: 0 keeps jansson's member order (insertion order);
 * VW_QMP_DUMP_QDICT_ORDER prints object members in the order QEMU's QDict iterates them
 * (hash-bucket order), which is what real QEMU puts on the wire, e.g. {"return": {}, "id": 1}
 * but {"id": 1, "error": {...}}. Returns a malloc'd NUL-terminated string without CRLF, or NULL
 * when out of memory or v is NULL. */
#define VW_QMP_DUMP_QDICT_ORDER 0x1
char *vw_qmp_dumps(const json_t *v, int flags);

/* Raw numbers (see above). */
json_t *vw_qmp_uint64(uint64_t v);               /* json_integer when it fits int64 */
/* 0 and *out set when v is an integer >= 0 or a raw uint64; -1 otherwise. */
int vw_qmp_get_uint64(const json_t *v, uint64_t *out);
/* The text of a raw number ("12345678901234567890", "inf"), or NULL when v is not one. */
const char *vw_qmp_raw_number_text(const json_t *v);
/* 1 when v is a JSON object that is not a raw number, else 0. Use this, not json_is_object(),
 * to decide whether a message is an object: a top-level 12345678901234567890 is a raw number,
 * and QEMU answers it "QMP input must be a JSON object". */
int vw_qmp_is_object(const json_t *v);

#endif
