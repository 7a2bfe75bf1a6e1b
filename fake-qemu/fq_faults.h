/* fq_faults.h: fake-qemu's fault hooks: QMP framing on top of common/faults.
 *
 * Owns: cutting the output into messages (one JSON value a line, CRLF), classifying each one
 * (greeting, reply, event; the command a reply answers for "match"), the QMP rewrites (no
 * greeting, events during negotiation, reply without id, wrong id, duplicated reply, unsolicited
 * reply with an id nobody used) and the c2s decisions on each request (disconnect mid-command,
 * reset, blackhole, latency). qmp_server.c calls fq_faults_output from its lowest output
 * function, so model, stub, replay and record traffic all pass through it.
 */
#ifndef FQ_FAULTS_H
#define FQ_FAULTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "faults.h"

typedef struct fq_fault_conn fq_fault_conn;

/* Appends bytes to the connection's output as they are (no flush). 0, or -1 out of memory. */
typedef int fq_fault_append_fn(void *opaque, const char *data, size_t len);

/* Fault state for one client. append is used for what passes untouched at once, deliver (from
 * a timer) for what the fault layer releases later, and for close / reset. NULL when out of
 * memory (the client then runs without faults). */
fq_fault_conn *fq_faults_conn_new(vw_faults *f, vw_evloop *loop, fq_fault_append_fn *append,
                                  vw_fault_deliver_fn *deliver, void *opaque);
void fq_faults_conn_free(fq_fault_conn *fq);
/* s2c: bytes for the client, in any pieces (whole lines are judged; a partial line waits for
 * its end). Returns 0, or -1 when out of memory. */
int fq_faults_output(fq_fault_conn *fq, const char *data, size_t len);
/* c2s: one request (msg NULL for input that did not parse). 1 = drop it (a fault took it:
 * disconnect, reset, blackhole), 0 = handle it. */
int fq_faults_input(fq_fault_conn *fq, const json_t *msg);
/* True while released output waits in the fault queue (a close must wait for it). */
bool fq_faults_pending(const fq_fault_conn *fq);

#endif
