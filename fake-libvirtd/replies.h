/* replies.h: what fake-libvirtd sends its clients, as libvirtd encodes it: a REPLY with its
 * return value, an ERROR reply carrying a remote_error built from a vw_virerror, and an event
 * MESSAGE (serial 1, as libvirtd 9.0 sends them). Queued on the connection's output
 * (server.h), so faults and the output limits apply.
 */
#ifndef FL_REPLIES_H
#define FL_REPLIES_H

#include "virerror.h"
#include "server.h"

/* Queues a REPLY for the call hdr with ret encoded by proc (xdr_void / NULL = empty); a reply
 * too large to encode becomes an RPC error reply. */
void fl_conn_reply(fl_conn *c, const vw_packet_header *call, xdrproc_t proc, const void *ret);
/* Queues an ERROR reply for the call hdr carrying *err, then releases *err (an error is
 * reported once). */
void fl_conn_reply_error(fl_conn *c, const vw_packet_header *call, vw_virerror *err);
/* Queues a MESSAGE (event) for prog/proc with msg encoded by proc. */
void fl_conn_send_message(fl_conn *c, uint32_t prog, int32_t proc, xdrproc_t xproc,
                          const void *msg);

#endif
