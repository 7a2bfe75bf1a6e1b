/* streams.h: download streams (libvirtd to client) as libvirtd runs them for a call such as
 * DOMAIN_SCREENSHOT: after the call's REPLY, the data in STREAM packets (status CONTINUE, the
 * call's procedure and serial), an empty STREAM CONTINUE for the end, and, when the client then
 * finishes or aborts the stream (a STREAM packet with status OK or ERROR), an empty STREAM OK.
 * A connection keeps its open streams in a small table; STREAM packets of no open stream are
 * ignored, as libvirtd does.
 */
#ifndef FL_STREAMS_H
#define FL_STREAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "server.h"

/* Queues data (len bytes) and the end of the stream for the call hdr (whose REPLY is already
 * queued) and opens the stream on c. 0, or -1 when out of memory (the connection closes). */
int fl_stream_send_download(fl_conn *c, const vw_packet_header *call, const void *data,
                            size_t len);

/* A STREAM packet from the client: answered when it finishes or aborts an open stream. */
void fl_stream_client_packet(fl_conn *c, const vw_packet *pkt);

#endif
