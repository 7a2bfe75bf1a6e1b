/* keepalive.h: libvirt's keepalive protocol on fake-libvirtd's connections (PROGRAM_KEEPALIVE):
 * the PONG to a client's PING, and, once a client asked for it (CONNECT_SUPPORTS_FEATURE
 * PROGRAM_KEEPALIVE), a PING every FL_KEEPALIVE_INTERVAL_MS of client silence, closing the
 * connection after FL_KEEPALIVE_COUNT unanswered ones, as libvirtd does.
 *
 * Sits above the transport (server.h): the transport hands it keepalive packets through the
 * parts daemon.c installs, notes when a client last sent bytes (fl_conn.last_rx_ms) and deletes
 * the timer when a connection closes; the PINGs and PONGs go out through the connection's
 * output path (fl_conn_queue_bytes), so the fault hooks see them (a "keepalive silence" fault
 * stops the PINGs). */
#ifndef FL_KEEPALIVE_H
#define FL_KEEPALIVE_H

#include "server.h"

/* A keepalive packet from c (fl_server_parts.keepalive): a PING gets its PONG; a PONG and
 * unknown keepalive procedures need no answer. */
void fl_keepalive_packet(fl_conn *c, const vw_packet *pkt);
/* Starts server-side keepalive for c (once; later calls do nothing). */
void fl_keepalive_start(fl_conn *c);

#endif
