/* qmp_server.h: fake-qemu's QMP monitor: the listening socket and the one active client.
 *
 * Owns: accepting (one client at a time: while a client is attached the listening socket is not
 * watched, so a second client waits in the backlog without a greeting, as with QEMU's chardev),
 * input framing (proto/qmp_json streamer), descriptors passed with SCM_RIGHTS (to the VM model),
 * output buffering and the memory budget, fault injection, events (timestamped; dropped while
 * the client is not negotiated), the backend and stub hooks, and the `quit` sequence (return,
 * close, then the loop stops). What a request means (the checks of qmp_dispatch() with QEMU's
 * error texts, negotiation, the schema, the model's answer, the greeting and the messages as
 * QEMU writes them) is qmp_dispatch.h's.
 */
#ifndef FQ_QMP_SERVER_H
#define FQ_QMP_SERVER_H

#include <stddef.h>
#include <jansson.h>

#include "evloop.h"
#include "mode_hooks.h"
#include "qapi_schema.h"
#include "vm_model.h"

typedef struct qmp_server qmp_server;

/* The output queued for the client (and its held input) may cost at most this much: a client
 * that does not read while more is queued (events, a stub's answer) is closed, with one line on
 * stderr. Input is bounded by QEMU's own limits (proto/qmp_json.h) and IN_MAX_PENDING. */
#define FQ_MEMORY_BUDGET (64u << 20)

/* Takes ownership of listen_fd (a non-blocking listening socket). unix_path (may be NULL) is
 * removed when the server is freed. */
qmp_server *qmp_server_new(vw_evloop *loop, int listen_fd, const char *unix_path);

/* The schema and the query-commands reply, JSON text as QEMU writes it (both borrowed); set
 * before the loop runs. */
void qmp_server_set_schema(qmp_server *srv, const qapi_schema *schema, const char *commands,
                           size_t commands_len);

/* Self-check: validate every reply of the VM model against the command's ret-type and every
 * event against its arg-type; mismatches are reported on stderr and counted. */
void qmp_server_set_self_check(qmp_server *srv, int on);
unsigned qmp_server_self_check_failures(const qmp_server *srv);

/* Replaces FQ_MEMORY_BUDGET (--memory-budget-mib). */
void qmp_server_set_memory_budget(qmp_server *srv, size_t bytes);

/* The VM model answering commands; set before the loop runs. */
void qmp_server_set_vm(qmp_server *srv, fq_vm *vm);

/* fq_vm_hooks.event: sends an event to the negotiated client, or drops it. */
void qmp_server_event(void *srv, const char *name, json_t *data);

/* For in-process drivers (fuzz/targets/fuzz_fake_qemu.c): a server with no listening socket;
 * its one client comes from qmp_server_adopt_fd. The caller runs the loop (vw_evloop_process). */
qmp_server *qmp_server_new_detached(vw_evloop *loop);
/* Makes fd (a connected stream socket; made non-blocking; the server closes it) the active
 * client and sends the greeting. Returns 0, or -1 (fd closed) when a client is already active. */
int qmp_server_adopt_fd(qmp_server *srv, int fd);

/* ---- backends: answers that do not come from the VM model (fake-qemu --record, --replay) ----
 * A backend is a mode through the hooks both fakes share (common/mode_hooks.h; conn is the
 * qmp_conn). With one set, the server still accepts (one client at a time), reads the client's
 * bytes and writes to it through its own input and output paths, but the greeting and every
 * answer come from the backend: open() sends the greeting, input() (when set) gets the client's
 * raw bytes as read, otherwise message() gets each framed JSON value (decoded, borrowed) or
 * parse error (error). input() returns how many bytes it took; fewer stops reading until
 * qmp_conn_resume(). drained() runs when the output queue has been written out; closed() when
 * the connection is gone (client EOF or error, qmp_conn_close done, server freed): c is invalid
 * after it. */
typedef struct conn qmp_conn;

/* Fault rules (common/faults.h, docs/faults.md; takes the reference, NULL = none). A connected
 * client keeps the rules it started with; the next client gets these. For --faults, the
 * scenario's "faults" member and the admin socket's set_faults. */
struct vw_faults;
void qmp_server_set_faults(qmp_server *srv, struct vw_faults *faults);

/* b is borrowed and must outlive the server; set before the loop runs. */
void qmp_server_set_backend(qmp_server *srv, const vw_mode_hooks *b);
/* Queues bytes for the client and writes what the socket takes. Returns the bytes still
 * queued, or -1 when the connection was closed meanwhile (closed() has run). Inside open(),
 * message() or input() the bytes are only queued (written when the callback returns) and 0 is
 * returned. */
long qmp_conn_send(qmp_conn *c, const void *data, size_t len);
/* Closes the connection once its output is written. */
void qmp_conn_close(qmp_conn *c);
/* Feeds input held back by input() again. */
void qmp_conn_resume(qmp_conn *c);

/* ---- scenario stubs (fake-qemu/stubs.c) ----
 * fn is offered every framed request (msg borrowed) before the VM model or a replay backend
 * (record mode frames the raw bytes itself and asks qmp_server_intercept); it returns 1 when it
 * took the request.
 * A stub answers with qmp_conn_send, holds further input with qmp_conn_hold while a delayed
 * answer waits, and hands a request on with qmp_server_pass_request. */
typedef int qmp_stub_fn(void *opaque, qmp_conn *c, const json_t *msg);
void qmp_server_set_stubs(qmp_server *srv, qmp_stub_fn *fn, void *opaque);
/* A number per accepted connection (1, 2, ...); the live connection with that number or NULL. */
unsigned long long qmp_conn_id(const qmp_conn *c);
qmp_conn *qmp_server_conn_by_id(qmp_server *srv, unsigned long long id);
int qmp_conn_negotiated(const qmp_conn *c);
/* True when the schema has the command (false without a schema): the journal counts the
 * others under one key. */
int qmp_server_knows_command(const qmp_server *srv, const char *name);
/* on: feed no more input (also stops the current feed after this message); off: write the
 * queued output and resume reading (c may be closed and freed by this when it was closing or
 * the peer is gone). */
void qmp_conn_hold(qmp_conn *c, int on);
/* The path a request takes without stubs: the backend's message(), or the model. */
void qmp_server_pass_request(qmp_conn *c, const json_t *msg);
/* For a backend with input() (--record), which frames the raw bytes itself: offers one framed
 * request (msg NULL and error set for input that did not parse) to the c2s fault hooks, then to
 * the stubs, as every request is in the other modes. 1 = taken (answered, held for a delayed
 * answer, or dropped by a fault): the backend must not pass it on itself; 0 = pass it on. */
int qmp_server_intercept(qmp_conn *c, const json_t *msg, const char *error);
/* True when no more input should be taken now: closing, or held by a stub's delayed answer
 * (input() returns what it used so far; qmp_conn_hold(c, 0) feeds the rest again). */
int qmp_conn_input_stopped(const qmp_conn *c);

/* Closes every connection and the listening socket. */
void qmp_server_free(qmp_server *srv);

#endif
