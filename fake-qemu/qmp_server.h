/* qmp_server.h: fake-qemu's QMP monitor: the listening socket, the one active client, and the
 * protocol QEMU 7.2's monitor speaks on it.
 *
 * Owns: accepting (one client at a time: while a client is attached the listening socket is not
 * watched, so a second client waits in the backlog without a greeting, as with QEMU's chardev),
 * the greeting, capabilities negotiation, input framing (proto/qmp_json streamer), the request
 * checks of qmp_dispatch() with QEMU's error texts and QDict member order, the command lookup in
 * the schema, argument validation (qapi_schema), the reply with the id echoed verbatim, events
 * (timestamped; dropped while the client is not negotiated), output buffering with CRLF, and the
 * `quit` sequence (return, close, then the loop stops).
 */
#ifndef FQ_QMP_SERVER_H
#define FQ_QMP_SERVER_H

#include <stddef.h>
#include <jansson.h>

#include "evloop.h"
#include "qapi_schema.h"
#include "vm_model.h"

typedef struct qmp_server qmp_server;

/* Takes ownership of listen_fd (a non-blocking listening socket). unix_path (may be NULL) is
 * removed when the server is freed. */
qmp_server *qmp_server_new(vw_evloop *loop, int listen_fd, const char *unix_path);

/* The schema and the query-commands reply (both borrowed); set before the loop runs. */
void qmp_server_set_schema(qmp_server *srv, const qapi_schema *schema, json_t *commands);

/* Self-check: validate every reply of the VM model against the command's ret-type and every
 * event against its arg-type; mismatches are reported on stderr and counted. */
void qmp_server_set_self_check(qmp_server *srv, int on);
unsigned qmp_server_self_check_failures(const qmp_server *srv);

/* The VM model answering commands; set before the loop runs. */
void qmp_server_set_vm(qmp_server *srv, fq_vm *vm);

/* fq_vm_hooks.event: sends an event to the negotiated client, or drops it. */
void qmp_server_event(void *srv, const char *name, json_t *data);

/* Closes every connection and the listening socket. */
void qmp_server_free(qmp_server *srv);

#endif
