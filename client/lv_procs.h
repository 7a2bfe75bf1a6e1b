/* lv_procs.h: the typed side of the client, private to the library: the handshake calls
 * (AUTH_LIST, AUTH_POLKIT, SUPPORTS_FEATURE, CONNECT_OPEN, CONNECT_CLOSE), event registration
 * calls, decoding event messages into plain C, and conversions between the rpcgen types of
 * proto/ and the public vw_client_* types. The public wrappers (vw_connect_*, vw_domain_*, ...)
 * are declared in libvirt_client.h and defined in lv_procs.c (handshake, connection-level),
 * lv_proc_domain.c, lv_proc_objects.c and lv_proc_events.c, on lv_proc_common.c's shorthands. */
#ifndef VW_LV_PROCS_H
#define VW_LV_PROCS_H

#include "libvirt_client.h"
#include "procs.h"

/* Defined in libvirt_client.c: vw_call with an explicit timeout (<= 0: the connection's). */
int lv_conn_call_timeout(vw_conn *conn, uint32_t prog, int proc, xdrproc_t args_proc, void *args,
                         xdrproc_t ret_proc, void *ret, int timeout_ms, vw_virerror *err);

/* Handshake steps. */
int lv_procs_auth_list(vw_conn *conn, int timeout_ms, int *types, size_t max, size_t *count,
                       vw_virerror *err);
int lv_procs_auth_polkit(vw_conn *conn, int timeout_ms, vw_virerror *err);
int lv_procs_supports_feature(vw_conn *conn, int feature, int timeout_ms, int *supported,
                              vw_virerror *err);
int lv_procs_connect_open(vw_conn *conn, const char *name, unsigned int flags, int timeout_ms,
                          vw_virerror *err);
int lv_procs_connect_close(vw_conn *conn, int timeout_ms, vw_virerror *err);

/* Event registration calls; *callback_id gets the server's id. */
int lv_procs_lifecycle_register(vw_conn *conn, const vw_client_domain *dom, int *callback_id,
                                vw_virerror *err);
int lv_procs_lifecycle_deregister(vw_conn *conn, int callback_id, vw_virerror *err);
int lv_procs_qemu_monitor_register(vw_conn *conn, const vw_client_domain *dom, const char *event,
                                   unsigned int flags, int *callback_id, vw_virerror *err);
int lv_procs_qemu_monitor_deregister(vw_conn *conn, int callback_id, vw_virerror *err);

/* Event messages the library delivers to callbacks. */
bool lv_procs_is_delivered_event(uint32_t prog, int proc);

enum { LV_PROCS_EVENT_LIFECYCLE = 1, LV_PROCS_EVENT_QEMU_MONITOR = 2 };

typedef struct lv_procs_event {
    int kind;                      /* LV_PROCS_EVENT_* */
    int callback_id;
    vw_client_domain dom;
    int event, detail;             /* lifecycle */
    char *qemu_event;              /* QEMU monitor */
    int64_t seconds;
    unsigned int micros;
    char *details;
} lv_procs_event;

/* Decodes an event payload; -1 if it is not a delivered event or does not decode. */
int lv_procs_decode_event(uint32_t prog, int proc, const unsigned char *payload, size_t len,
                          vw_decode_mode mode, lv_procs_event *ev);
void lv_procs_event_clear(lv_procs_event *ev);

#endif
