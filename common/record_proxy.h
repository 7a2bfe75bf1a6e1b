/* record_proxy.h: the one recording proxy, on the event loop (common/evloop.h), under
 * fake-libvirtd --record, fake-qemu --record and vwtrace record-libvirt|record-qmp.
 *
 * Owns: the trace (common/trace_file.h), the upstream address and its probe at start-up, and per
 * client connection: the upstream socket, framing both directions into records
 * (proto/trace_framer.h), pumping bytes both ways with backpressure, and the open/msg/data/close
 * records. The durability rule (docs/trace-format.md): every record is committed before the
 * bytes it describes are forwarded. Client bytes of one loop round go upstream behind one commit
 * (a zero-delay timer); the records of one upstream read are committed once, then the read is
 * handed to the client.
 *
 * The client side is the caller's (an adapter): fake-libvirtd's connection, fake-qemu's QMP
 * connection, or vwtrace's own socket. The adapter hands in what the client sent (raw bytes, or
 * whole messages its own reader framed), and supplies the operations below for the way back.
 * Freeing is safe from inside any of the adapter's operations: a connection whose client is
 * gone is freed when the engine's outermost call returns.
 */
#ifndef VW_RECORD_PROXY_H
#define VW_RECORD_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evloop.h"
#include "trace.h"
#include "trace_framer.h"

#define VW_RECORD_UP_HIGH (4u << 20)    /* client reads pause while this much waits upstream */
#define VW_RECORD_UP_LOW  (1u << 20)    /* ... and resume below this */

typedef struct vw_recorder vw_recorder;
typedef struct vw_rec_conn vw_rec_conn;

typedef struct vw_record_options {
    vw_trace_protocol protocol;
    const char *trace_path;
    const char *upstream;       /* unix:PATH or tcp:HOST:PORT, as given */
    const char *tool;           /* the trace header's "tool" */
    const char *who;            /* prefixes every message: "fake-qemu: --record" */
    bool probe;                 /* connect to the upstream once now, to see it is there */
    bool sync;                  /* fdatasync every commit (--record-sync, --sync) */
    bool log_io_errors;         /* print a line when a read or write to the upstream fails */
} vw_record_options;

/* Why vw_recorder_new failed, so that each program can say it in its own words. */
typedef enum vw_record_failure {
    VW_RECORD_BAD_UPSTREAM,     /* the address does not parse */
    VW_RECORD_UNREACHABLE,      /* the probe connection failed */
    VW_RECORD_BAD_TRACE,        /* the trace file cannot be created */
} vw_record_failure;

/* The way back to the client, supplied by the adapter; client is its pointer. */
typedef struct vw_rec_client_ops {
    /* Queues upstream bytes for the client: a whole message (or unframed data) when
     * whole_messages is set, else one read as it came. Returns the bytes waiting for the
     * client, or -1 when the client is failing (the adapter closes it). With whole_messages it
     * must only queue: flush writes, after the records are committed. */
    long (*send)(void *client, const uint8_t *data, size_t n);
    /* Writes what send queued (whole_messages). Returns -1 when the client is gone. */
    int (*flush)(void *client);
    /* on: do not read the client (the upstream is slow); off: read it again. */
    void (*hold)(void *client, bool on);
    /* The upstream is finished with: close the client once what is queued for it is written
     * (or, for a proxy that passes half-closes on, shut down writing to it). */
    void (*finish)(void *client);
    /* Optional: one whole client message (vw_rec_conn_client_bytes) before it is forwarded;
     * returns 1 when the adapter took it (answered locally: neither forwarded nor recorded). */
    int (*intercept)(void *client, const vw_frame *frame);
    /* Optional: true while the client's input must not be taken (vw_rec_conn_client_bytes
     * returns what it used). */
    bool (*input_stopped)(void *client);
    /* Optional: the bytes waiting for the client now. Without it the adapter calls
     * vw_rec_conn_client_drained when its output queue runs low. */
    long (*waiting)(void *client);
    size_t client_high;         /* upstream reads pause while send reports more than this */
    bool whole_messages;        /* s2c: whole messages through send + flush (per-packet faults) */
} vw_rec_client_ops;

/* Parses the upstream, probes it (opts->probe) and creates the trace with its header written.
 * Returns NULL with *why set and the reason (without the option's name) in err. */
vw_recorder *vw_recorder_new(const vw_record_options *opts, vw_record_failure *why, char *err,
                             size_t errlen);
/* The program is stopping: connections closed from now on are recorded as closed by "end". */
void vw_recorder_stopping(vw_recorder *r);
/* Ends the connections still open (by "end"), finishes the trace, frees r. Call after the
 * adapters closed their clients. Returns 0, or -1 when the trace is incomplete (said once on
 * stderr). NULL is a no-op returning 0. */
int vw_recorder_free(vw_recorder *r);
/* The upstream as written in the trace header. */
const char *vw_recorder_upstream(const vw_recorder *r);

/* A client was accepted: connects to the upstream (5 s timeout), writes the open record and
 * starts reading the upstream on loop. id is the trace's connection id. Returns NULL with the
 * reason in err (the adapter closes its client). ops must outlive the connection. */
vw_rec_conn *vw_rec_conn_open(vw_recorder *r, vw_evloop *loop, uint32_t id,
                              const vw_rec_client_ops *ops, void *client, char *err,
                              size_t errlen);
/* True once a read or write of the upstream failed (the close record will say "error"). */
bool vw_rec_conn_failed(const vw_rec_conn *rc);
/* Raw bytes from the client: framed, each whole message offered to ops->intercept, recorded
 * and forwarded. Returns the bytes used: fewer than n when input_stopped says so or too much
 * waits upstream (ops->hold(client, false) says when to feed the rest). */
size_t vw_rec_conn_client_bytes(vw_rec_conn *rc, const uint8_t *data, size_t n);
/* One whole message the adapter's own reader framed: recorded and forwarded. */
void vw_rec_conn_client_message(vw_rec_conn *rc, const uint8_t *data, size_t n);
/* A message intercept took is forwarded after all, as the client sent it (a stub's
 * fallthrough): from inside intercept, or later for the last message taken. */
void vw_rec_conn_pass_on(vw_rec_conn *rc);
/* The client half-closed: the upstream's write side is shut once what waits for it is out. */
void vw_rec_conn_client_eof(vw_rec_conn *rc);
/* The client's output queue ran low: read the upstream again. */
void vw_rec_conn_client_drained(vw_rec_conn *rc);
/* The client is gone (the adapter must not use rc afterwards): writes the close record (by:
 * "error", or NULL for whoever ended it first: the client, the server, or "end" when
 * stopping), sends what the client sent last on, then frees the connection. */
void vw_rec_conn_client_closed(vw_rec_conn *rc, const char *by);

#endif
