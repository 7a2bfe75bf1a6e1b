/* libvirt_client.h: the public API of the libvirt RPC client library (libvirtwire).
 *
 * Owns: the connection object (vw_conn), its options, the error struct every call reports into,
 * the generic call (vw_call / vw_call_raw), the typed procedure wrappers, and event registration.
 * URI parsing lives in lv_uri.h, sockets in lv_transport.h; the wire format in packet.h and the
 * rpcgen-generated headers from proto/.
 *
 * Conventions, for every function below:
 *  - Functions returning int return 0 on success and -1 on failure; on failure *err (when err is not
 *    NULL) is filled and must be released with vw_virerror_clear(). On success *err is untouched.
 *  - Strings and arrays handed back to the caller are malloc'd; free them with free() or the matching
 *    *_free / *_clear function named next to the type.
 *  - Every call waits at most the connection's call timeout (default 30 s).
 *  - A vw_conn may be used from several threads at once; vw_conn_close must be called exactly once,
 *    after the other threads stopped using the connection, and never from an event callback.
 *  - Event callbacks run on the connection's own event thread, one at a time, never on a thread that
 *    reads the socket (a calling thread reads its own reply: docs/client-library.md, "Threading
 *    rules"); they may call any function of this API on the same connection except vw_conn_close.
 * See docs/client-library.md for an example program. */
#ifndef VW_LIBVIRT_CLIENT_H
#define VW_LIBVIRT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rpc/rpc.h>

#include "virerror.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---------------------------------------------------------------------------------- */

/* One error: vw_virerror (virerror.h, shared with fake-libvirtd): libvirt's code, domain, level,
 * message, str1..3 and int1..2, decoded in full from the server's remote_error (remote == true)
 * or made locally (domain VW_FROM_RPC). Codes, domains and levels are libvirt's virErrorNumber,
 * virErrorDomain and virErrorLevel as VW_ERR_* / VW_FROM_* / VW_ERR_LEVEL_*; the server's pass
 * through as-is. Strings are malloc'd or NULL: start with `vw_virerror err = {0};`, read
 * vw_virerror_message(&err) (never NULL), release with vw_virerror_clear(&err). */

/* The library's earlier names, kept for programs written against them: the same type and the
 * same two functions. */
typedef vw_virerror vw_client_error;
void vw_client_error_clear(vw_client_error *err);
const char *vw_client_error_message(const vw_client_error *err);

/* ---- connection ------------------------------------------------------------------------------ */

typedef struct vw_conn vw_conn;

#define VW_CONN_READ_ONLY 1u      /* CONNECT_OPEN with VIR_CONNECT_RO (and the -ro default socket) */
#define VW_CONN_STRICT    2u      /* decode the server's packets in strict mode (packet.h): reject
                                     non-canonical XDR instead of accepting it as libvirt does */

typedef struct vw_conn_options {
    unsigned int flags;            /* VW_CONN_READ_ONLY | VW_CONN_STRICT */
    int connect_timeout_ms;        /* socket connect + handshake step limit; default 10000 */
    int call_timeout_ms;           /* every call's limit; default 30000; must be > 0 */
    int keepalive_interval;        /* seconds of silence before a PING; default 5; <= 0: never ping */
    int keepalive_count;           /* unanswered PINGs before the peer is declared dead; default 5 */
    /* Diagnostics (dropped packets, keepalive, death): called from library threads with the
     * connection's lock held, one line per call, so it must not call this API. NULL: silent unless
     * env VW_CLIENT_DEBUG is set (then stderr). */
    void (*log)(void *opaque, const char *line);
    void *log_opaque;
    /* SASL credentials for a daemon with auth "sasl" (client/lv_sasl.h): fills user and password
     * (NUL-terminated, at most the given sizes) for host ("localhost" for unix sockets) and
     * returns 0, or -1 to fall back to env VIRTC_SASL_USER / VIRTC_SASL_PASS and libvirt's auth
     * file. NULL: those only. */
    int (*sasl_credentials)(void *opaque, const char *host, char *user, size_t user_size,
                            char *password, size_t password_size);
    void *sasl_opaque;
} vw_conn_options;

/* Fills *opts with the defaults above. */
void vw_conn_options_init(vw_conn_options *opts);

/* Parses URI, connects (unix or TCP), and does the handshake: AUTH_LIST, SUPPORTS_FEATURE(keepalive),
 * CONNECT_OPEN(name, flags). opts may be NULL (defaults). Returns NULL and fills *err on failure. */
vw_conn *vw_conn_open(const char *uri, const vw_conn_options *opts, vw_virerror *err);
/* The same handshake on fd, a stream socket already connected to a server (the connection owns
 * it from now on, closed on failure too); open_name is the name sent in CONNECT_OPEN, e.g.
 * "test:///default". For in-process peers and fuzz/targets/fuzz_client.c. */
vw_conn *vw_conn_open_fd(int fd, const char *open_name, const vw_conn_options *opts,
                         vw_virerror *err);
/* Sends CONNECT_CLOSE if the connection is alive, stops the threads, frees everything. Returns -1
 * (with *err) if CONNECT_CLOSE failed; conn is freed either way. conn may be NULL. Called from an
 * event callback it refuses (OPERATION_INVALID) and frees nothing. */
int vw_conn_close(vw_conn *conn, vw_virerror *err);

/* False once the peer closed, sent garbage, or stopped answering keepalives. */
bool vw_conn_is_alive(vw_conn *conn);
/* Why the connection died (copy into *err); -1 if it is still alive. */
int vw_conn_get_death_reason(vw_conn *conn, vw_virerror *err);
/* Changes the per-call timeout for later calls (ms, > 0). */
void vw_conn_set_call_timeout(vw_conn *conn, int timeout_ms);
/* The name sent in CONNECT_OPEN, e.g. "test:///default". */
const char *vw_conn_open_name(vw_conn *conn);
/* True if the server accepted PROGRAM_KEEPALIVE (then this client sends PINGs). */
bool vw_conn_keepalive_enabled(vw_conn *conn);

typedef struct vw_conn_stats {
    uint64_t packets_sent, packets_received;
    uint64_t replies_unknown_serial;   /* replies nobody waits for (late after timeout, bogus) */
    uint64_t packets_unknown_program;  /* dropped: program we do not speak */
    uint64_t packets_dropped_other;    /* dropped: streams, unknown events, bad types */
    uint64_t pings_received, pongs_received, pings_sent;
    uint64_t events_delivered;
    uint64_t events_dropped;           /* not registered, undecodable, or the queue for slow
                                          callbacks was full (10000 events or 16 MiB) */
} vw_conn_stats;
void vw_conn_get_stats(vw_conn *conn, vw_conn_stats *stats);

/* Called once, on the event thread, when the connection dies for any reason other than
 * vw_conn_close (peer closed, garbage, keepalive timeout), unless vw_conn_close ran first.
 * reason is only valid during the call. */
typedef void (*vw_conn_close_cb)(vw_conn *conn, const vw_virerror *reason, void *opaque);
void vw_conn_set_close_callback(vw_conn *conn, vw_conn_close_cb cb, void *opaque);

/* ---- generic calls --------------------------------------------------------------------------- */

/* Calls procedure PROC of program PROG (e.g. VW_REMOTE_PROGRAM / VW_REMOTE_PROC_* from the proto
 * headers). args is encoded with args_proc (NULL: no arguments); the OK reply is decoded with ret_proc
 * into *ret (NULL: the reply payload is ignored). Zero *ret before the call; free it afterwards with
 * xdr_free(ret_proc, ret) (or vw_xdr_free). A server error (status ERROR) is decoded in full into
 * *err. */
int vw_call(vw_conn *conn, uint32_t prog, int proc, xdrproc_t args_proc, void *args,
            xdrproc_t ret_proc, void *ret, vw_virerror *err);
/* The same with payloads as bytes: sends PAYLOAD (already XDR) and returns the reply payload of an OK
 * reply in *reply (malloc'd, may be NULL when *reply_len == 0). */
int vw_call_raw(vw_conn *conn, uint32_t prog, int proc, const void *payload, size_t payload_len,
                void **reply, size_t *reply_len, vw_virerror *err);

/* ---- objects --------------------------------------------------------------------------------- */

/* VW_UUID_BUFLEN, VW_UUID_STRING_BUFLEN, vw_uuid_format and vw_uuid_parse are vw_util.h's. */
#include "vw_util.h"

typedef struct vw_client_domain {
    char *name;
    unsigned char uuid[VW_UUID_BUFLEN];
    int id;                        /* -1 when inactive */
} vw_client_domain;
void vw_client_domain_clear(vw_client_domain *dom);
void vw_client_domain_list_free(vw_client_domain *doms, size_t count);

typedef struct vw_client_network {
    char *name;
    unsigned char uuid[VW_UUID_BUFLEN];
} vw_client_network;
void vw_client_network_clear(vw_client_network *net);
void vw_client_network_list_free(vw_client_network *nets, size_t count);

typedef struct vw_client_storage_pool {
    char *name;
    unsigned char uuid[VW_UUID_BUFLEN];
} vw_client_storage_pool;
void vw_client_storage_pool_clear(vw_client_storage_pool *pool);
void vw_client_storage_pool_list_free(vw_client_storage_pool *pools, size_t count);

typedef struct vw_client_node_info {
    char model[32];
    uint64_t memory;               /* KiB */
    unsigned int cpus, mhz, nodes, sockets, cores, threads;
} vw_client_node_info;

typedef struct vw_client_domain_info {
    unsigned char state;           /* virDomainState: 1 running, 3 paused, 5 shutoff, ... */
    uint64_t max_mem, memory;      /* KiB */
    unsigned int nr_virt_cpu;
    uint64_t cpu_time;             /* ns */
} vw_client_domain_info;

typedef struct vw_client_storage_pool_info {
    int state;                     /* virStoragePoolState: 0 inactive, 2 running, ... */
    uint64_t capacity, allocation, available;   /* bytes */
} vw_client_storage_pool_info;

/* ---- connection-level procedures ------------------------------------------------------------- */

int vw_connect_get_lib_version(vw_conn *conn, uint64_t *version, vw_virerror *err);
int vw_connect_get_version(vw_conn *conn, uint64_t *hv_version, vw_virerror *err);
int vw_connect_get_type(vw_conn *conn, char **type, vw_virerror *err);
int vw_connect_get_hostname(vw_conn *conn, char **hostname, vw_virerror *err);
int vw_connect_get_capabilities(vw_conn *conn, char **xml, vw_virerror *err);
int vw_node_get_info(vw_conn *conn, vw_client_node_info *info, vw_virerror *err);

/* flags: virConnectListAllDomainsFlags (1 ACTIVE, 2 INACTIVE, ...; 0 = all). */
int vw_connect_list_all_domains(vw_conn *conn, unsigned int flags, vw_client_domain **doms,
                                size_t *count, vw_virerror *err);
int vw_connect_list_all_networks(vw_conn *conn, unsigned int flags, vw_client_network **nets,
                                 size_t *count, vw_virerror *err);
int vw_connect_list_all_storage_pools(vw_conn *conn, unsigned int flags,
                                      vw_client_storage_pool **pools, size_t *count,
                                      vw_virerror *err);

/* ---- domains --------------------------------------------------------------------------------- */

int vw_domain_lookup_by_name(vw_conn *conn, const char *name, vw_client_domain *dom,
                             vw_virerror *err);
int vw_domain_lookup_by_uuid(vw_conn *conn, const unsigned char uuid[VW_UUID_BUFLEN],
                             vw_client_domain *dom, vw_virerror *err);
int vw_domain_lookup_by_id(vw_conn *conn, int id, vw_client_domain *dom, vw_virerror *err);

int vw_domain_get_info(vw_conn *conn, const vw_client_domain *dom, vw_client_domain_info *info,
                       vw_virerror *err);
int vw_domain_get_state(vw_conn *conn, const vw_client_domain *dom, unsigned int flags, int *state,
                        int *reason, vw_virerror *err);
int vw_domain_get_xml_desc(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                           char **xml, vw_virerror *err);
int vw_domain_get_os_type(vw_conn *conn, const vw_client_domain *dom, char **os_type,
                          vw_virerror *err);
int vw_domain_get_autostart(vw_conn *conn, const vw_client_domain *dom, int *autostart,
                            vw_virerror *err);
int vw_domain_is_active(vw_conn *conn, const vw_client_domain *dom, int *active,
                        vw_virerror *err);
int vw_domain_is_persistent(vw_conn *conn, const vw_client_domain *dom, int *persistent,
                            vw_virerror *err);
/* The domain's messages (taint notes, deprecation warnings; virDomainGetMessages): *messages is a
 * malloc'd array of *count malloc'd strings (NULL when there are none); free with
 * vw_string_list_free. flags: VIR_DOMAIN_MESSAGE_* (0 = all). */
int vw_domain_get_messages(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                           char ***messages, size_t *count, vw_virerror *err);
void vw_string_list_free(char **strings, size_t count);

/* Persistent define; flags 0 uses DOMAIN_DEFINE_XML, else DOMAIN_DEFINE_XML_FLAGS. */
int vw_domain_define_xml(vw_conn *conn, const char *xml, unsigned int flags, vw_client_domain *dom,
                         vw_virerror *err);
/* flags 0 uses DOMAIN_UNDEFINE, else DOMAIN_UNDEFINE_FLAGS (virDomainUndefineFlagsValues). */
int vw_domain_undefine(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                       vw_virerror *err);
/* Starts a defined domain: flags 0 uses DOMAIN_CREATE, else DOMAIN_CREATE_WITH_FLAGS. */
int vw_domain_create(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                     vw_virerror *err);
/* Transient domain from XML; *dom gets the new domain (may be NULL if not wanted). */
int vw_domain_create_xml(vw_conn *conn, const char *xml, unsigned int flags, vw_client_domain *dom,
                         vw_virerror *err);
int vw_domain_destroy(vw_conn *conn, const vw_client_domain *dom, vw_virerror *err);
int vw_domain_shutdown(vw_conn *conn, const vw_client_domain *dom, vw_virerror *err);
int vw_domain_reboot(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                     vw_virerror *err);
int vw_domain_suspend(vw_conn *conn, const vw_client_domain *dom, vw_virerror *err);
int vw_domain_resume(vw_conn *conn, const vw_client_domain *dom, vw_virerror *err);

/* QEMU program MONITOR_COMMAND: cmd is QMP JSON (or HMP with flags=1, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP);
 * *result gets the monitor's reply text. */
int vw_domain_qemu_monitor_command(vw_conn *conn, const vw_client_domain *dom, const char *cmd,
                                   unsigned int flags, char **result, vw_virerror *err);

/* ---- migration ------------------------------------------------------------------------------- */

/* virTypedParameterType (vw_remote_protocol.h #defines the same names and values) */
#ifndef VW_TYPED_PARAM_INT
enum {
    VW_TYPED_PARAM_INT = 1, VW_TYPED_PARAM_UINT = 2, VW_TYPED_PARAM_LLONG = 3,
    VW_TYPED_PARAM_ULLONG = 4, VW_TYPED_PARAM_DOUBLE = 5, VW_TYPED_PARAM_BOOLEAN = 6,
    VW_TYPED_PARAM_STRING = 7
};
#endif

typedef struct vw_client_typed_param {
    const char *field;             /* e.g. "migrate_uri", "destination_name", "bandwidth" */
    int type;                      /* VW_TYPED_PARAM_* */
    union {
        int i;
        unsigned int ui;
        long long l;
        unsigned long long ul;
        double d;
        int b;
        const char *s;
    } value;
} vw_client_typed_param;

/* virDomainMigrateFlags used most */
#define VW_MIGRATE_LIVE         (1u << 0)
#define VW_MIGRATE_PEER2PEER    (1u << 1)
#define VW_MIGRATE_TUNNELLED    (1u << 2)
#define VW_MIGRATE_PERSIST_DEST (1u << 3)
#define VW_MIGRATE_UNDEFINE_SOURCE (1u << 4)
#define VW_MIGRATE_PAUSED       (1u << 5)

/* DOMAIN_MIGRATE_PERFORM3_PARAMS as a peer-to-peer client sends it: dconnuri is the destination
 * libvirt URI (may be NULL for direct migration), params the typed parameters, no cookie. */
int vw_domain_migrate_perform3_params(vw_conn *conn, const vw_client_domain *dom,
                                      const char *dconnuri, const vw_client_typed_param *params,
                                      size_t nparams, unsigned int flags, vw_virerror *err);
/* bandwidth in MiB/s */
int vw_domain_migrate_set_max_speed(vw_conn *conn, const vw_client_domain *dom, uint64_t bandwidth,
                                    unsigned int flags, vw_virerror *err);
int vw_domain_migrate_get_max_speed(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                                    uint64_t *bandwidth, vw_virerror *err);

/* ---- networks and storage pools -------------------------------------------------------------- */

int vw_network_lookup_by_name(vw_conn *conn, const char *name, vw_client_network *net,
                              vw_virerror *err);
int vw_network_get_xml_desc(vw_conn *conn, const vw_client_network *net, unsigned int flags,
                            char **xml, vw_virerror *err);
int vw_network_is_active(vw_conn *conn, const vw_client_network *net, int *active,
                         vw_virerror *err);
int vw_network_is_persistent(vw_conn *conn, const vw_client_network *net, int *persistent,
                             vw_virerror *err);
int vw_network_get_autostart(vw_conn *conn, const vw_client_network *net, int *autostart,
                             vw_virerror *err);

int vw_storage_pool_lookup_by_name(vw_conn *conn, const char *name, vw_client_storage_pool *pool,
                                   vw_virerror *err);
int vw_storage_pool_get_xml_desc(vw_conn *conn, const vw_client_storage_pool *pool,
                                 unsigned int flags, char **xml, vw_virerror *err);
int vw_storage_pool_get_info(vw_conn *conn, const vw_client_storage_pool *pool,
                             vw_client_storage_pool_info *info, vw_virerror *err);
int vw_storage_pool_is_active(vw_conn *conn, const vw_client_storage_pool *pool, int *active,
                              vw_virerror *err);
int vw_storage_pool_is_persistent(vw_conn *conn, const vw_client_storage_pool *pool,
                                  int *persistent, vw_virerror *err);
int vw_storage_pool_get_autostart(vw_conn *conn, const vw_client_storage_pool *pool, int *autostart,
                                  vw_virerror *err);

/* ---- events ---------------------------------------------------------------------------------- */

/* Lifecycle event: event is virDomainEventType (0 DEFINED, 1 UNDEFINED, 2 STARTED, 3 SUSPENDED,
 * 4 RESUMED, 5 STOPPED, 6 SHUTDOWN, 7 PMSUSPENDED, 8 CRASHED), detail its per-event reason.
 * dom is valid only during the callback. */
typedef void (*vw_domain_lifecycle_cb)(vw_conn *conn, const vw_client_domain *dom, int event,
                                       int detail, void *opaque);
/* CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY(VIR_DOMAIN_EVENT_ID_LIFECYCLE); dom NULL = all domains.
 * *callback_id gets the server's callback id, used for deregistering. */
int vw_domain_event_lifecycle_register(vw_conn *conn, const vw_client_domain *dom,
                                       vw_domain_lifecycle_cb cb, void *opaque, int *callback_id,
                                       vw_virerror *err);
int vw_domain_event_lifecycle_deregister(vw_conn *conn, int callback_id, vw_virerror *err);

typedef struct vw_client_qemu_monitor_event {
    const vw_client_domain *dom;
    const char *event;             /* e.g. "STOP" */
    int64_t seconds;
    unsigned int micros;
    const char *details;           /* JSON text of "data", or NULL */
} vw_client_qemu_monitor_event;
typedef void (*vw_qemu_monitor_event_cb)(vw_conn *conn, const vw_client_qemu_monitor_event *ev,
                                         void *opaque);
/* QEMU program CONNECT_DOMAIN_MONITOR_EVENT_REGISTER; dom NULL = all, event NULL = all events;
 * flags virConnectDomainQemuMonitorEventRegisterFlags (1 REGEX, 2 NOCASE). */
int vw_qemu_monitor_event_register(vw_conn *conn, const vw_client_domain *dom, const char *event,
                                   unsigned int flags, vw_qemu_monitor_event_cb cb, void *opaque,
                                   int *callback_id, vw_virerror *err);
int vw_qemu_monitor_event_deregister(vw_conn *conn, int callback_id, vw_virerror *err);

#ifdef __cplusplus
}
#endif

#endif
