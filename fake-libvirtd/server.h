/* server.h: fake-libvirtd's transport: listening sockets, client connections on the shared
 * event loop (common/evloop), framing in and out (proto/packet.h), the output queue, keepalive,
 * the client limits, TLS / SASL layers and the fault hooks. It hands each packet on (scenario
 * stubs, then record / replay, or the model: dispatch.c) through hooks daemon.c installs, and
 * knows nothing of sessions, models or events beyond the pointers it carries for them.
 *
 * One thread. A connection reads until it has whole packets, hands each to dispatch.c, queues the
 * reply and writes what the socket takes; a slow reader never blocks anyone else (its reads pause
 * while more than FL_CONN_OUT_HIGH bytes wait to be written).
 */
#ifndef FL_SERVER_H
#define FL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evloop.h"
#include "fl_tls.h"
#include "client_limits.h"
#include "listeners.h"
#include "mode_hooks.h"
#include "out_queue.h"
#include "model.h"
#include "packet.h"

#define FL_CONN_OUT_HIGH (8u * 1024 * 1024)   /* stop reading from a client above this */
#define FL_CONN_OUT_MAX (64u * 1024 * 1024)   /* drop a client whose events exceed this */
#define FL_KEEPALIVE_INTERVAL_MS 5000
#define FL_KEEPALIVE_COUNT 5
#define FL_CONN_STREAMS 16        /* open download streams per connection (streams.h) */


typedef struct fl_server fl_server;

struct fl_callback;        /* events.h */
struct fl_session;         /* session.h */
struct fl_fault_conn;      /* fl_faults.h */
typedef struct fl_session fl_session;

enum { FL_SASL_LAYER_NONE, FL_SASL_LAYER_AFTER_REPLY, FL_SASL_LAYER_ON };

typedef struct fl_conn {
    fl_server *srv;
    int fd;
    uint64_t id;
    bool readonly;                /* accepted on a --listen-ro socket, or opened read-only */
    bool tcp;                     /* accepted on a TCP socket (not secure) */
    struct fl_tls_session *tls;   /* accepted on a --listen-tls socket (fl_tls.h); NULL: plain */
    bool tls_handshaking;         /* TLS handshake or certificate check not done yet */
    long long tls_timer;          /* reads bytes TLS or the SASL layer holds decoded; -1: none */
    int auth;                     /* VW_REMOTE_AUTH_NONE / _SASL: the listener's auth type */
    bool authenticated;           /* SASL completed (fl_auth.c) */
    struct fl_sasl_session *sasl; /* the SASL exchange going on, or its security layer */
    int sasl_layer;               /* FL_SASL_LAYER_*: whether sasl wraps the bytes */
    bool closing;                 /* close once the output queue is written */
    bool reads_paused;
    bool mode_holds_reads;        /* the mode asked for no reads (record: upstream is slow) */
    bool overflowed;              /* events exceeded FL_CONN_OUT_MAX: close it */
    bool past_open;               /* past AUTH_LIST or CONNECT_OPEN: no longer anonymous */
    int calls_pending;            /* calls read and not answered yet (a stub's delay) */
    uint8_t *stash;               /* bytes read but not fed while calls_pending is at the limit */
    size_t stash_len, stash_off;
    long long resume_timer;       /* feeds the stash once calls may be taken again; -1: none */
    size_t accounted;             /* this connection's part of the server's held bytes */
    vw_packet_reader reader;
    vw_out_queue out;             /* queued bytes (common/out_queue.h) */

    /* the RPC session (session.h, owned by dispatch): handlers read model and readonly (above)
     * directly, the rest through session.h; registrations are events.h's */
    fl_session *session;
    fl_model *model;              /* the model CONNECT_OPEN opened, NULL before */

    bool keepalive;               /* client asked for PROGRAM_KEEPALIVE (keepalive.h) */
    long long last_rx_ms;         /* when the client last sent bytes */
    int pings_unanswered;         /* keepalive.c's PINGs since then */
    long long ka_timer;           /* keepalive.c's timer; -1 when none */

    struct fl_callback *callbacks;   /* events.h: grows on demand, at most FL_MAX_CALLBACKS */
    int ncallbacks, callbacks_cap;

    struct {                      /* download streams waiting for the client's finish */
        int32_t proc;
        uint32_t serial;
    } streams[FL_CONN_STREAMS];
    int nstreams;

    void *mode_data;              /* record / replay mode: that module's per-connection state */
    struct fl_fault_conn *fault;  /* fault injection state (fl_faults.c); NULL = no faults */

    struct fl_conn *next;
} fl_conn;

/* A mode other than the model (record.c, replay.c), through the hooks both fakes share
 * (common/mode_hooks.h; conn is the fl_conn): it gets every client packet instead of dispatch.c
 * (message: raw as received, decoded the vw_packet or NULL when its header is malformed) and
 * answers through fl_conn_queue_bytes, so the connection's read and write path (framing,
 * faults) stays the one every mode shares. closed() runs when the connection is being freed
 * (client gone, error, fl_conn_finish, server shutdown); input and drained are not used. */

typedef struct {
    const char *listen[FL_MAX_LISTENERS];    /* unix:PATH / tcp:HOST:PORT */
    int nlisten;
    const char *listen_ro[FL_MAX_LISTENERS];
    int nlisten_ro;
    const char *listen_tls[FL_MAX_LISTENERS];   /* tcp:HOST:PORT served with TLS */
    int nlisten_tls;
    const fl_tls_config *tls;                /* credentials and checks for listen_tls */
    int auth_unix_rw, auth_tcp, auth_tls;    /* VW_REMOTE_AUTH_NONE or _SASL per kind */
    const char *state_file;                  /* NULL = built-in default */
    const char *qemu_dir;                    /* --qemu-dir: QEMU per running domain (qemu_link.h) */
    const char *fake_qemu;                   /* --fake-qemu PATH, NULL = next to our executable */
    const char *qemu_version;                /* --qemu-version, passed to fake-qemu */
    int verbose;
    fl_limits limits;                        /* zero = libvirtd's defaults */
    const vw_mode_hooks *mode;               /* NULL = model mode (dispatch.c) */
} fl_server_config;

/* What the transport hands packets and connections to (daemon.c fills it). */
typedef struct {
    void (*call)(fl_conn *c, const vw_packet *pkt);   /* model mode: one CALL (dispatch.c) */
    void (*stream)(fl_conn *c, const vw_packet *pkt); /* model mode: one STREAM (streams.c) */
    void (*keepalive)(fl_conn *c, const vw_packet *pkt); /* model mode: one KEEPALIVE packet */
    void (*settle)(fl_server *srv);                    /* after each packet: deliver events */
    void (*conn_gone)(fl_conn *c);                     /* c is being freed: end its session */
    struct fl_models *models;                          /* carried for the upper layers */
    struct fl_events *events;
    struct fl_qemu *qemu;                              /* --qemu-dir (qemu_link.h); NULL */
} fl_server_parts;

/* Offered every CALL before the mode (model dispatch, record, replay) sees it (stubs.c):
 * returns 1 when it took the call. */
typedef int fl_call_filter_fn(void *opaque, fl_conn *c, const vw_packet *pkt,
                              const uint8_t *raw, size_t raw_len);

/* The transport alone: creates the loop and binds every socket (daemon.h's fl_server_new puts
 * the rest on top). Returns NULL with a message in err. */
fl_server *fl_server_transport_new(const fl_server_config *cfg, char *err, size_t errlen);
/* No listening socket and no signal handling: connections come from fl_server_adopt_fd. */
fl_server *fl_server_transport_new_detached(int verbose, char *err, size_t errlen);
/* Closes every connection (conn_gone runs for each) and socket (removes unix socket files). */
void fl_server_transport_free(fl_server *srv);
void fl_server_set_parts(fl_server *srv, const fl_server_parts *parts);
void fl_server_set_call_filter(fl_server *srv, fl_call_filter_fn *fn, void *opaque);
struct fl_models *fl_server_models(fl_server *srv);
struct fl_events *fl_server_events(fl_server *srv);
/* The QEMU processes of --qemu-dir (qemu_link.h), NULL without it. */
struct fl_qemu *fl_server_qemu(fl_server *srv);

/* Runs until SIGTERM/SIGINT (or fl_server_stop). Returns 0. */
int fl_server_run(fl_server *srv);
void fl_server_stop(fl_server *srv);

/* ---- for in-process drivers (fuzz/targets/fuzz_fake_libvirtd.c) ---- */

/* Serves fd (a connected stream socket; made non-blocking; the server closes it) as a client
 * connection, read-only as if accepted on --listen-ro when readonly. Returns 0, or -1 (fd closed). */
int fl_server_adopt_fd(fl_server *srv, int fd, bool readonly);
/* Runs loop rounds until one waits timeout_ms (0: poll) without anything to do, or no
 * connection is left. Returns the number of open connections. */
int fl_server_run_until_idle(fl_server *srv, int timeout_ms);

/* ---- for the record and replay modes ---- */

/* Queues bytes for the client as they are (the same output path as replies). Returns 0, or -1
 * when out of memory (the connection is then closed after what is queued). */
int fl_conn_queue_bytes(fl_conn *c, const void *data, size_t n);
/* Closes c once its queued output is written (safe inside a mode callback). */
void fl_conn_finish(fl_conn *c);
/* Closes c now, with whatever is queued (keepalive.c's timeout); c is freed. */
void fl_conn_close(fl_conn *c);
/* The server's event loop (for a mode's own sockets and timers). */
vw_evloop *fl_server_loop(fl_server *srv);
/* on: stop reading from c (after the packets of the current read); off: read again. For a
 * mode whose own peer is slow (record.c's upstream), like the pause for a full output queue. */
void fl_conn_hold_reads(fl_conn *c, bool on);

/* ---- faults (fl_faults.c, docs/faults.md) ---- */

/* Replaces the fault rules (takes the reference; NULL = none). Connections keep the rules they
 * started with; connections accepted afterwards get these. For --faults, the scenario file's
 * "faults" member and the admin socket's set_faults. */
struct vw_faults;
void fl_server_set_faults(fl_server *srv, struct vw_faults *faults);

/* ---- for scenario stubs (stubs.c) ---- */

/* A call of c is answered later (a stub's delay): it counts against max_client_requests until
 * fl_server_call_answered says it was answered or dropped. */
void fl_conn_call_deferred(fl_conn *c);
void fl_server_call_answered(fl_server *srv, uint64_t conn_id);
/* Hands a call on to the mode, as if no stub had taken it (a stub's "fallthrough"). */
void fl_server_pass_call(fl_conn *c, const vw_packet *pkt, const uint8_t *raw, size_t raw_len);
/* The live connection with that id, or NULL (it closed). */
fl_conn *fl_server_find_conn(fl_server *srv, uint64_t id);
/* Writes c's queued output now. Returns -1 when c was closed (and freed). */
int fl_conn_flush(fl_conn *c);

/* ---- for dispatch.c ---- */

/* c has authenticated (fl_auth.c): no longer anonymous, every call is served. */
void fl_conn_authenticated(fl_conn *c);
/* c is past its open (session.c): max_anonymous_clients counts it no more. */
void fl_conn_not_anonymous(fl_conn *c);

/* Encodes one packet onto c's output (replies.h builds them): 0 when queued (or dropped: an
 * event for a client whose output is over its limit, which is then closed), -1 with perr when
 * it cannot be encoded (too large). */
int fl_conn_queue_packet(fl_conn *c, const vw_packet_header *hdr, xdrproc_t proc, const void *obj,
                         vw_error *perr);

/* True when --verbose was given (dispatch.c logs every call then). */
int fl_server_verbose(const fl_server *srv);
/* The first open connection (then ->next), for qemu_link.c's monitor events. */
fl_conn *fl_server_conns(fl_server *srv);

#endif
