/* qmp_client.h: a QMP client (QEMU Machine Protocol) over a unix socket or TCP.
 *
 * Owns: connecting, the greeting, capabilities negotiation, commands with ids, matching replies
 * to commands, delivering events, and every timeout on the way. The JSON on the wire is read and
 * written by proto/qmp_json.h, so replies are framed exactly as QEMU frames them, uint64 values
 * survive (as raw numbers, see qmp_json.h) and replies of any size up to QEMU's own limits
 * (64 MiB of tokens, 2 Mi tokens, nesting 1024) are accepted.
 *
 * Threading rule: single-threaded, no internal threads. A vw_qmp_client must be used by one
 * thread at a time (callers that share one lock it themselves). Nothing is read from the socket
 * except inside a call below; events that arrive are delivered to the event handler from inside
 * that call (vw_qmp_client_execute, _wait_reply, _wait_events, _negotiate), in arrival order and
 * before the reply that follows them. The event handler must not call back into the client.
 * For an event loop, vw_qmp_client_fd() gives the socket to poll for POLLIN, then call
 * vw_qmp_client_wait_events(c, 0, ...).
 *
 * Every call that waits takes a timeout in milliseconds (> 0; or 0 to only use what is already
 * readable, for _wait_events) and fails with VW_QMP_ERR_TIMEOUT instead of hanging. The peer
 * closing the connection fails the waiting call with VW_QMP_ERR_CLOSED and a message that names
 * the command. Replies to ids nobody waits for are dropped, as the QMP spec asks; a reply without
 * an id (QEMU's parse errors) belongs to the oldest command still in flight, since QEMU answers
 * in-band commands strictly in order.
 */
#ifndef VW_QMP_CLIENT_H
#define VW_QMP_CLIENT_H

#include <jansson.h>

enum vw_qmp_errcode {
    VW_QMP_OK = 0,
    VW_QMP_ERR_CONNECT,    /* could not connect / bad address */
    VW_QMP_ERR_TIMEOUT,    /* a deadline passed */
    VW_QMP_ERR_CLOSED,     /* the peer closed the connection (or reset it) */
    VW_QMP_ERR_IO,         /* read/write failed */
    VW_QMP_ERR_PROTOCOL,   /* the peer sent something that is not QMP (bad JSON, no greeting) */
    VW_QMP_ERR_COMMAND,    /* the command failed: cls and desc are QEMU's error class and desc */
    VW_QMP_ERR_INVALID,    /* bad use of the API (bad arguments, id already in flight) */
};

/* Error report, filled by every call that can fail. */
typedef struct vw_qmp_error {
    enum vw_qmp_errcode code;
    char cls[64];          /* VW_QMP_ERR_COMMAND: "GenericError", "CommandNotFound", ... else "" */
    char desc[1024];       /* what went wrong, a sentence a person can act on (for
                            * VW_QMP_ERR_COMMAND: QEMU's desc, verbatim) */
} vw_qmp_error;

/* One event as QEMU sent it. All pointers are borrowed for the duration of the callback. */
typedef struct vw_qmp_event {
    const char *name;          /* "STOP", "SHUTDOWN", ... */
    json_t *data;              /* the "data" member, or NULL when absent */
    long long seconds;         /* timestamp (-1/-1 when QEMU could not read the clock or the */
    long long microseconds;    /*  message had no timestamp) */
    json_t *msg;               /* the whole message */
} vw_qmp_event;

typedef void vw_qmp_event_fn(void *opaque, const vw_qmp_event *ev);

typedef struct vw_qmp_client vw_qmp_client;

/* Connects to "unix:PATH" or "tcp:HOST:PORT" and reads the greeting, all within timeout_ms.
 * Returns the client, or NULL with err filled. */
vw_qmp_client *vw_qmp_client_connect(const char *address, int timeout_ms, vw_qmp_error *err);

/* Wraps an already connected stream socket and reads the greeting. The fd is owned by the
 * client from here on: closed by vw_qmp_client_close(), or right away when this fails. */
vw_qmp_client *vw_qmp_client_open_fd(int fd, const char *peer_name, int timeout_ms,
                                     vw_qmp_error *err);

/* Closes the socket and frees everything. NULL is fine. */
void vw_qmp_client_close(vw_qmp_client *c);

/* The greeting's "QMP" member ({"version": {...}, "capabilities": [...]}); borrowed. */
const json_t *vw_qmp_client_greeting(const vw_qmp_client *c);
/* The version from the greeting; any pointer may be NULL. package is borrowed. 0, or -1 when
 * the greeting has no well-formed version. */
int vw_qmp_client_version(const vw_qmp_client *c, int *major, int *minor, int *micro,
                          const char **package);
/* 1 when the greeting offers capability name ("oob"), else 0. */
int vw_qmp_client_offers(const vw_qmp_client *c, const char *name);

/* Sends qmp_capabilities (with "enable": ["oob"] when want_oob and the server offers it) and
 * waits for its reply. Returns 0, or -1 with err. */
int vw_qmp_client_negotiate(vw_qmp_client *c, int want_oob, int timeout_ms, vw_qmp_error *err);
/* 1 when OOB was enabled by vw_qmp_client_negotiate. */
int vw_qmp_client_oob_enabled(const vw_qmp_client *c);

/* Events go to fn (NULL: events are dropped). */
void vw_qmp_client_set_event_handler(vw_qmp_client *c, vw_qmp_event_fn *fn, void *opaque);

#define VW_QMP_EXEC_OOB 0x1      /* send as "exec-oob" (needs OOB enabled) */

/* Runs one command and waits for its reply.
 * args: NULL or an object (borrowed). id: NULL for a generated id, or any JSON value (borrowed;
 * it must not equal the id of another command in flight).
 * On success returns 0 and *ret gets a new reference to the "return" value (ret may be NULL).
 * On failure returns -1; a QMP error reply gives VW_QMP_ERR_COMMAND with class and desc. */
int vw_qmp_client_execute(vw_qmp_client *c, const char *command, const json_t *args,
                          const json_t *id, int flags, int timeout_ms, json_t **ret,
                          vw_qmp_error *err);

/* The two halves of execute, for pipelining and OOB: send without waiting (*id_out gets a new
 * reference to the id used, may be NULL), then wait for that id's reply (the whole reply
 * message: {"return": ...} or {"error": ...}, a new reference). Replies that arrive for other
 * commands in flight are kept until waited for. */
int vw_qmp_client_send(vw_qmp_client *c, const char *command, const json_t *args,
                       const json_t *id, int flags, int timeout_ms, json_t **id_out,
                       vw_qmp_error *err);
int vw_qmp_client_wait_reply(vw_qmp_client *c, const json_t *id, int timeout_ms,
                             json_t **reply, vw_qmp_error *err);

/* Sends raw bytes as they are (for tests of malformed input). Replies to them come back through
 * vw_qmp_client_wait_reply(c, NULL, ...) only if registered with an id; use with care. */
int vw_qmp_client_send_raw(vw_qmp_client *c, const char *buf, size_t len, int timeout_ms,
                           vw_qmp_error *err);

/* Reads and dispatches events for up to timeout_ms (0: only what is readable now).
 * Returns 0 when the time is up, -1 with err when the connection failed or closed. */
int vw_qmp_client_wait_events(vw_qmp_client *c, int timeout_ms, vw_qmp_error *err);

/* The socket, for poll(). */
int vw_qmp_client_fd(const vw_qmp_client *c);

/* Text of an error code ("timeout", "connection closed", ...). */
const char *vw_qmp_errcode_name(enum vw_qmp_errcode code);

#endif
