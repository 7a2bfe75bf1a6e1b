/* fl_faults.h: fake-libvirtd's fault hooks: libvirt framing on top of common/faults.
 *
 * Owns: classifying each packet (reply, event, keepalive; procedure name for "match"), the
 * libvirt rewrites (bad length word, wrong serial, duplicated reply, unsolicited reply with a
 * serial nobody asked for, keepalive silence, corrupted call payloads) and the two hooks the
 * server calls: fl_faults_output for every whole packet to the client (model, replay and record
 * traffic all pass through fl_conn_queue_bytes) and fl_faults_input for every packet read.
 */
#ifndef FL_FAULTS_H
#define FL_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "faults.h"
#include "packet.h"

/* One connection's fault state (the connection keeps it: fl_conn.fault). */
typedef struct fl_fault_conn fl_fault_conn;

/* A connection's fault state (a PRNG stream of its own). deliver (with opaque, the connection)
 * writes released bytes or closes / resets it (server.c). NULL when out of memory (the
 * connection then runs without faults). */
fl_fault_conn *fl_faults_conn_open(vw_faults *f, vw_evloop *loop, vw_fault_deliver_fn *deliver,
                                   void *opaque);
/* Frees the fault state (pending delayed output is dropped); NULL is fine. */
void fl_faults_conn_close(fl_fault_conn *ff);
/* s2c, one whole packet: 1 when the fault layer took it (held, rewritten or dropped: it reaches
 * the socket later through deliver, or never), 0 when the caller queues it as usual. */
int fl_faults_output(fl_fault_conn *ff, const void *data, size_t len);
/* c2s, one whole packet as read: 1 = drop it (blackhole, keepalive silence, disconnect, reset);
 * 0 = handle it, possibly a corrupted copy (*pkt and *raw then point into c's fault state,
 * valid until the next call). */
int fl_faults_input(fl_fault_conn *ff, vw_packet *pkt, const uint8_t **raw, size_t *raw_len);
/* True when keepalive silence fired on c: the server sends no PING. */
bool fl_faults_keepalive_silent(const fl_fault_conn *ff);
/* True when output is held by the fault layer (closing must wait for it). */
bool fl_faults_pending(const fl_fault_conn *ff);

#endif
