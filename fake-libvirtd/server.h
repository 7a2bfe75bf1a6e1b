/* server.h: fake-libvirtd's server: listening sockets, client connections on the shared event
 * loop (common/evloop), framing in and out (proto/packet.h), keepalive, event delivery, and the
 * hypervisor models connections open (one shared test:///default model that resets when its last
 * connection closes, one model for every other URI that lives as long as the daemon).
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
#include "model.h"
#include "packet.h"

#define FL_MAX_LISTENERS 16
#define FL_CONN_OUT_HIGH (8u * 1024 * 1024)   /* stop reading from a client above this */
#define FL_CONN_OUT_MAX (64u * 1024 * 1024)   /* drop a client whose events exceed this */
#define FL_KEEPALIVE_INTERVAL_MS 5000
#define FL_KEEPALIVE_COUNT 5
#define FL_MAX_CALLBACKS 256      /* event registrations per connection */

typedef struct fl_server fl_server;

/* One event registration of a connection. */
typedef struct {
    int callback_id;              /* server-wide id (callback API) */
    int event_id;                 /* VIR_DOMAIN_EVENT_ID_* */
    bool legacy;                  /* registered with CONNECT_DOMAIN_EVENT_REGISTER_ANY */
    bool has_dom;
    unsigned char dom_uuid[16];
    bool qemu_monitor;            /* QEMU monitor event registration */
} fl_callback;

typedef struct fl_conn {
    fl_server *srv;
    int fd;
    uint64_t id;
    bool readonly;                /* accepted on a --listen-ro socket, or opened read-only */
    bool tcp;                     /* accepted on a TCP socket (not secure) */
    bool closing;                 /* close once the output queue is written */
    bool reads_paused;
    bool overflowed;              /* events exceeded FL_CONN_OUT_MAX: close it */
    vw_packet_reader reader;
    vw_buf out;                   /* queued bytes */
    size_t out_off;               /* bytes of out already written */

    bool opened;                  /* CONNECT_OPEN succeeded */
    bool test_driver;             /* opened a test:// URI: uses the shared test model */
    char *uri;                    /* the name given to CONNECT_OPEN (canonical) */
    char hv_type[16];             /* "TEST", "QEMU", ... */
    fl_model *model;

    bool keepalive;               /* client asked for PROGRAM_KEEPALIVE */
    long long last_rx_ms;
    int pings_unanswered;
    long long ka_timer;           /* -1 when none */

    char *migrate_xml;            /* destination side: the domain a MIGRATE_PREPARE3_PARAMS
                                   * announced, started by MIGRATE_FINISH3_PARAMS */

    fl_callback *callbacks;       /* grows on demand, at most FL_MAX_CALLBACKS */
    int ncallbacks, callbacks_cap;

    struct fl_conn *next;
} fl_conn;

typedef struct {
    const char *listen[FL_MAX_LISTENERS];    /* unix:PATH / tcp:HOST:PORT */
    int nlisten;
    const char *listen_ro[FL_MAX_LISTENERS];
    int nlisten_ro;
    const char *state_file;                  /* NULL = built-in default */
    int verbose;
} fl_server_config;

/* Creates the server: loads the state (to check it), creates the loop and binds every socket.
 * Returns NULL with a message in err. */
fl_server *fl_server_new(const fl_server_config *cfg, char *err, size_t errlen);
/* Runs until SIGTERM/SIGINT (or fl_server_stop). Returns 0. */
int fl_server_run(fl_server *srv);
void fl_server_stop(fl_server *srv);
/* Closes every connection and socket (removes unix socket files), frees everything. */
void fl_server_free(fl_server *srv);

/* ---- for dispatch.c ---- */

/* Queues a REPLY for the call hdr with ret encoded by proc (xdr_void / NULL = empty). */
void fl_conn_reply(fl_conn *c, const vw_packet_header *call, xdrproc_t proc, const void *ret);
/* Queues an ERROR reply for the call hdr. */
void fl_conn_reply_error(fl_conn *c, const vw_packet_header *call, const fl_error *err);
/* Queues a MESSAGE (event) for prog/proc with msg encoded by proc. */
void fl_conn_send_message(fl_conn *c, uint32_t prog, int32_t proc, xdrproc_t xproc,
                          const void *msg);

/* Opens the model for uri (test:// -> shared test model). Returns 0 or -1 with err. */
int fl_server_open_model(fl_server *srv, fl_conn *c, const char *uri, fl_error *err);
/* Releases the connection's model (CONNECT_CLOSE or disconnect). */
void fl_server_close_model(fl_server *srv, fl_conn *c);
/* Starts server-side keepalive for c. */
void fl_server_start_keepalive(fl_server *srv, fl_conn *c);
/* True when --verbose was given (dispatch.c logs every call then). */
int fl_server_verbose(const fl_server *srv);
/* Next server-wide event callback id. */
int fl_server_next_callback_id(fl_server *srv);

#endif
