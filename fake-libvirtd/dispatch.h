/* dispatch.h: fake-libvirtd's call handling: the RPC-level checks libvirtd makes (program,
 * status, unknown procedure, connection not open, read-only access) and one handler per
 * procedure that decodes the arguments, asks the model and queues the reply.
 */
#ifndef FL_DISPATCH_H
#define FL_DISPATCH_H

#include "server.h"

/* Handles one CALL packet of connection c; the reply (or error) is queued on c. */
void fl_dispatch_call(fl_conn *c, const vw_packet *pkt);

/* The public API name libvirt reports for a procedure name: "DOMAIN_DEFINE_XML" ->
 * "virDomainDefineXML". Writes into buf and returns it. */
const char *fl_dispatch_api_name(const char *proc_name, char *buf, size_t buflen);

#endif
