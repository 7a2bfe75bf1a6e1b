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
#include "server.h"

/* Gives c its fault state (a PRNG stream of its own). deliver writes released bytes or closes /
 * resets c (server.c). Returns 0, or -1 when out of memory (c then runs without faults). */
int fl_faults_conn_open(fl_conn *c, vw_faults *f, vw_evloop *loop, vw_fault_deliver_fn *deliver);
/* Frees c's fault state (pending delayed output is dropped). */
void fl_faults_conn_close(fl_conn *c);
/* s2c, one whole packet: 1 when the fault layer took it (held, rewritten or dropped: it reaches
 * the socket later through deliver, or never), 0 when the caller queues it as usual. */
int fl_faults_output(fl_conn *c, const void *data, size_t len);
/* c2s, one whole packet as read: 1 = drop it (blackhole, keepalive silence, disconnect, reset);
 * 0 = handle it, possibly a corrupted copy (*pkt and *raw then point into c's fault state,
 * valid until the next call). */
int fl_faults_input(fl_conn *c, vw_packet *pkt, const uint8_t **raw, size_t *raw_len);
/* True when keepalive silence fired on c: the server sends no PING. */
bool fl_faults_keepalive_silent(const fl_conn *c);
/* True when output is held by the fault layer (closing must wait for it). */
bool fl_faults_pending(const fl_conn *c);

#endif
