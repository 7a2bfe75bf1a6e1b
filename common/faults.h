/* faults.h: fault injection for the fakes (fake-libvirtd, fake-qemu), protocol-neutral part.
 *
 * Owns: the fault rules (read from JSON, docs/faults.md), the per-connection decision "which
 * faults hit this message" (direction, probability, match, after-N-messages, times), the seeded
 * PRNG (splitmix64 per connection: the same --seed and the same traffic give the same faults),
 * and the per-connection output queue that holds delayed, sliced, truncated messages and close /
 * reset actions and releases them in order from evloop timers (never blocking the loop).
 *
 * The protocol parts (which bytes are a serial, a length word, a QMP id) live next to each
 * server: fake-libvirtd/fl_faults.c and fake-qemu/fq_faults.c. They classify a message, call
 * vw_fault_decide(), rewrite the message for the protocol faults, and hand the result to
 * vw_fault_conn_emit(). The server gives a deliver callback that writes released bytes and
 * performs a close or a reset (it runs from a timer, never inside the emit call).
 */
#ifndef VW_FAULTS_H
#define VW_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "evloop.h"
#include "vw_error.h"

typedef enum {
    VW_FAULT_LATENCY,            /* delay the message: latency_ms + uniform(-jitter, +jitter) */
    VW_FAULT_BANDWIDTH,          /* delay the message by its size / rate */
    VW_FAULT_SLICE,              /* write it in pieces of size +- variation, delay between */
    VW_FAULT_TRUNCATE,           /* write only its first bytes, then close */
    VW_FAULT_RESET,              /* instead of the message: TCP reset (SO_LINGER 0, close) */
    VW_FAULT_BLACKHOLE,          /* instead of the message: silence, input ignored, socket open */
    VW_FAULT_CORRUPT,            /* flip bits (framing kept: not the length word, not CRLF) */
    VW_FAULT_BAD_LENGTH,         /* libvirt: replace the length word */
    VW_FAULT_WRONG_SERIAL,       /* reply with another serial (QMP: another id) */
    VW_FAULT_DUPLICATE,          /* reply sent twice */
    VW_FAULT_UNSOLICITED,        /* a copy of the reply with a serial/id nobody asked for first */
    VW_FAULT_KEEPALIVE_SILENCE,  /* libvirt: no PING, no PONG on this connection from now on */
    VW_FAULT_NO_GREETING,        /* QMP: the greeting is not sent */
    VW_FAULT_NEGOTIATION_EVENT,  /* QMP: events between the greeting and the capabilities reply */
    VW_FAULT_REPLY_WITHOUT_ID,   /* QMP: the reply's id is removed */
    VW_FAULT_DISCONNECT,         /* a command is read, then the connection closes unanswered */
    VW_FAULT_NTYPES
} vw_fault_type;

#define VW_FAULT_S2C 1u   /* server to client ("downstream") */
#define VW_FAULT_C2S 2u   /* client to server ("upstream") */

#define VW_FAULT_PROTO_LIBVIRT 1
#define VW_FAULT_PROTO_QMP     2

/* What a message is, for the rules that only make sense for some kinds. */
typedef enum {
    VW_FAULT_MSG_OTHER,
    VW_FAULT_MSG_CALL,          /* c2s: a call / command */
    VW_FAULT_MSG_REPLY,         /* s2c: the answer to a call */
    VW_FAULT_MSG_EVENT,         /* s2c: an event / MESSAGE */
    VW_FAULT_MSG_KEEPALIVE,     /* libvirt keepalive PING/PONG: never counted nor drawn for */
    VW_FAULT_MSG_GREETING       /* QMP greeting */
} vw_fault_msg_kind;

typedef struct vw_faults vw_faults;
typedef struct vw_fault_conn vw_fault_conn;

/* The combined effect of the rules that fired for one message. */
typedef struct {
    uint32_t fired;               /* bit (1u << vw_fault_type) per fault that fired */
    long long delay_ms;           /* latency + jitter + bandwidth */
    size_t slice_size, slice_variation;
    long long slice_delay_ms;
    long long truncate_keep;      /* bytes kept; -1 = half the message */
    unsigned corrupt_bits;
    uint64_t rate;                /* bandwidth: bytes per second (0 = none) */
    uint32_t bad_length;          /* the length word to write */
    char event[64];               /* negotiation_event: the event name */
} vw_fault_action;

/* The delay a message of len bytes gets from a (latency, jitter, bandwidth). */
long long vw_fault_delay_for(const vw_fault_action *a, size_t len);

/* What the output queue asks the server to do (deliver callback). */
#define VW_FAULT_OUT_DATA  0      /* write data/len now */
#define VW_FAULT_OUT_CLOSE 1      /* close once what is written is out */
#define VW_FAULT_OUT_RESET 2      /* SO_LINGER 0 and close: the peer gets a reset */

/* Runs from a timer. May close the connection (and so free fc through vw_fault_conn_free). */
typedef void vw_fault_deliver_fn(void *opaque, int what, const void *data, size_t len);

/* Parses rules: an array of rule objects, or an object whose "faults" member is that array
 * (so a scenario file or `{"faults": [...]}` both work). seed feeds every connection's PRNG.
 * Returns NULL with "faults[N].member: reason" in err. */
vw_faults *vw_faults_from_json(const json_t *config, uint64_t seed, char *err, size_t errlen);
/* Reads and parses FILE and refuses rules proto (VW_FAULT_PROTO_*) cannot apply. NULL with err
 * filled: source "--faults FILE", the line/column for bad JSON, "faults[N].member: reason" as
 * the text for a bad rule. */
vw_faults *vw_faults_load_file(const char *path, uint64_t seed, int proto, vw_error *err);
/* Refuses rules the protocol cannot apply (e.g. no_greeting for libvirt). 0 or -1 with err. */
int vw_faults_check_protocol(const vw_faults *f, int proto, char *err, size_t errlen);
/* Reference counting: each connection keeps the rules it started with. */
vw_faults *vw_faults_ref(vw_faults *f);
void vw_faults_unref(vw_faults *f);
size_t vw_faults_count(const vw_faults *f);

/* Per-connection state. The n-th connection created from f gets a PRNG seeded from (seed, n). */
vw_fault_conn *vw_fault_conn_new(vw_faults *f, vw_evloop *loop, vw_fault_deliver_fn *deliver,
                                 void *opaque);
/* Frees it (pending output is dropped). Safe from inside the deliver callback. */
void vw_fault_conn_free(vw_fault_conn *fc);

/* Decides which rules hit a message going in direction dir (VW_FAULT_S2C / VW_FAULT_C2S).
 * name is what "match" compares with (procedure name, QMP command or event), may be NULL.
 * Returns the fired bits (also in a->fired); 0 = untouched. Counts the message. */
uint32_t vw_fault_decide(vw_fault_conn *fc, unsigned dir, vw_fault_msg_kind kind,
                         const char *name, vw_fault_action *a);

/* True when output is held (the caller must then emit every message, faulted or not, so the
 * order is kept), or a c2s latency hold is in force. */
bool vw_fault_conn_busy(const vw_fault_conn *fc);
/* True while messages wait in the output queue (a close must wait for them). */
bool vw_fault_conn_queued(const vw_fault_conn *fc);
/* Sends one (already rewritten) message through the queue with the generic effects of a:
 * delay, corrupt (bits outside the first protect_head and last protect_tail bytes), truncate,
 * slice, reset, blackhole. Nothing is delivered before this returns. */
void vw_fault_conn_emit(vw_fault_conn *fc, const void *data, size_t len, const vw_fault_action *a,
                        size_t protect_head, size_t protect_tail);
/* Queues a close / reset after what is queued (VW_FAULT_OUT_CLOSE / VW_FAULT_OUT_RESET). */
void vw_fault_conn_control(vw_fault_conn *fc, int what);
/* Holds every later message until now + ms (c2s latency / bandwidth). */
void vw_fault_conn_hold(vw_fault_conn *fc, long long ms);
/* Blackhole: from now on output is dropped and input should be ignored. */
void vw_fault_conn_set_blackhole(vw_fault_conn *fc);
bool vw_fault_conn_blackholed(const vw_fault_conn *fc);
/* Keepalive silence (libvirt): set when the fault fired. */
void vw_fault_conn_set_silent(vw_fault_conn *fc);
bool vw_fault_conn_silent(const vw_fault_conn *fc);
/* The connection-level effects of the rules that fired on a client message (len bytes, for a
 * bandwidth hold), the same for every protocol: the hold (the answer, and all after it, leaves
 * that much later), then reset, blackhole or close (truncate, disconnect). Returns 1 when the
 * message goes no further (the connection is ending or a black hole), else 0. */
int vw_fault_conn_input(vw_fault_conn *fc, uint32_t fired, const vw_fault_action *a,
                        size_t len);
/* Next PRNG value of the connection (for protocol rewrites: unsolicited serials). */
uint64_t vw_fault_conn_random(vw_fault_conn *fc);

/* The fault's name in the JSON ("latency", ...), or NULL. */
const char *vw_fault_type_name(vw_fault_type t);

#endif
