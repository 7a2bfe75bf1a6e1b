/* qmp_dispatch.h: one QMP request handled as QEMU 7.2's monitor handles it (qmp_dispatch()):
 * the request checks with QEMU's error texts, negotiation mode (qmp_capabilities), the command
 * lookup in the schema, argument validation (qapi_schema), the answer of the VM model, and the
 * messages written as QEMU writes them (QDict member order, the id echoed verbatim, CRLF).
 *
 * Knows nothing of sockets: every message goes to a qmp_out; the connection (qmp_server.c)
 * decides where the bytes go. */
#ifndef FQ_QMP_DISPATCH_H
#define FQ_QMP_DISPATCH_H

#include <stddef.h>
#include <jansson.h>

#include "qapi_schema.h"
#include "vm_model.h"

/* Where messages go: append() queues bytes for the client (0, or -1 out of memory). */
typedef struct qmp_out {
    int (*append)(void *opaque, const char *data, size_t len);
    void *opaque;
} qmp_out;

/* What answers requests; one per server, shared by its connections. */
typedef struct qmp_dispatcher {
    const qapi_schema *schema;
    const char *commands;         /* query-commands' return value as JSON text (borrowed) */
    size_t commands_len;
    fq_vm *vm;                    /* NULL: every schema command is "not implemented" */
    int self_check;               /* validate our own replies and events against the schema */
    unsigned self_check_failures;
} qmp_dispatcher;

/* One connection's protocol state. */
typedef struct qmp_session {
    int negotiated;               /* qmp_capabilities done */
    int oob;                      /* ... with the "oob" capability */
} qmp_session;

/* Serializes msg (consumed; NULL is ignored) like QEMU, with CRLF. */
void qmp_send_json(const qmp_out *out, json_t *msg);
/* {"error": {"class", "desc"}, "id"} (id borrowed, may be NULL; desc need not be UTF-8). */
void qmp_send_error(const qmp_out *out, const json_t *id, const char *cls, const char *desc);

/* The greeting: {"QMP": {"version", "capabilities": ["oob"]}}. */
void qmp_send_greeting(const qmp_dispatcher *d, const qmp_out *out);

/* --self-check of an event: a mismatch is reported on stderr and counted. */
void qmp_dispatch_check_event(qmp_dispatcher *d, const char *name, const json_t *data);

/* Handles one framed request (req borrowed) and writes its answer. Returns 1 when the VM model
 * asked to quit (the connection closes once the answer is out), else 0. */
int qmp_dispatch_request(qmp_dispatcher *d, qmp_session *s, const json_t *req,
                         const qmp_out *out);

#endif
