/* dispatch.h: fake-libvirtd's call handling: the RPC-level checks libvirtd makes (program,
 * status, unknown procedure, connection not open, read-only access), one handler per
 * implemented procedure (keyed by the generated VW_*_PROC_* constants) that asks the model and
 * queues the reply, and VIR_ERR_NO_SUPPORT for every other procedure libvirt defines.
 */
#ifndef FL_DISPATCH_H
#define FL_DISPATCH_H

#include "server.h"

/* Handles one CALL packet of connection c; the reply (or error) is queued on c. */
void fl_dispatch_call(fl_conn *c, const vw_packet *pkt);

/* Checks the handler table against the procedure table: every handler's procedure is a call
 * whose payloads our .x describes, and has one handler. -1 with a message in err otherwise. */
int fl_dispatch_check_handlers(char *err, size_t errlen);

#endif
