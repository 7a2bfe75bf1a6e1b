/* events.h: fake-libvirtd's event registrations and their delivery.
 *
 * Owns: a connection's registrations (fl_callback: domain, network, node device, storage pool
 * and QEMU monitor events; server-wide callback ids; libvirtd's errors for too many, unknown or
 * repeated registrations), and the lifecycle events the models raise: queued while a call runs
 * (fl_events_model_hook) and delivered after its reply (fl_events_flush) to every connection of
 * that model registered for them. object_events.c sends the events of the other objects.
 */
#ifndef FL_EVENTS_H
#define FL_EVENTS_H

#include <stdbool.h>

#include "model.h"
#include "replies.h"
#include "server.h"

#define FL_MAX_CALLBACKS 256      /* event registrations per connection */

enum { FL_CB_DOMAIN = 0, FL_CB_NETWORK = 1, FL_CB_NODE_DEVICE = 2, FL_CB_STORAGE_POOL = 3 };

/* One event registration of a connection. */
typedef struct fl_callback {
    int callback_id;              /* server-wide id (callback API) */
    int event_id;                 /* VIR_DOMAIN_EVENT_ID_*, or the object's VIR_*_EVENT_ID_* */
    int object;                   /* FL_CB_DOMAIN, or FL_CB_NETWORK / FL_CB_NODE_DEVICE /
                                   * FL_CB_STORAGE_POOL (sent by object_events.c) */
    char dev_name[256];           /* FL_CB_NODE_DEVICE with has_dom: the device's name */
    bool legacy;                  /* registered with CONNECT_DOMAIN_EVENT_REGISTER_ANY */
    bool has_dom;
    unsigned char dom_uuid[16];
    bool qemu_monitor;            /* QEMU monitor event registration */
    char qemu_event[128];         /* its event name filter ("" = every event) */
    unsigned qemu_flags;          /* VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_REGEX/NOCASE */
} fl_callback;

typedef struct fl_events fl_events;

fl_events *fl_events_new(void);
void fl_events_free(fl_events *ev);

/* The models' fl_event_hook (opaque: the fl_events): queues a lifecycle event. */
void fl_events_model_hook(fl_model *model, const fl_domain *dom, int event, int detail,
                          void *opaque);
/* Queues a lifecycle event for every connection of model registered for it (a stub's events). */
void fl_events_queue_lifecycle(fl_events *ev, fl_model *model, const char *name,
                               const unsigned char uuid[16], int id, int event, int detail);
/* Delivers the queued lifecycle events to srv's connections (after each call, and after work
 * done outside a call). */
void fl_events_flush(fl_server *srv);
/* A model went away (drop its events) or was rebuilt (its events go to the new one). */
void fl_events_drop_model(fl_events *ev, const fl_model *model);
void fl_events_replace_model(fl_events *ev, const fl_model *old, fl_model *fresh);

/* ---- registrations (their handlers: events_family.c, the object families, qemu_family.c) ---- */

/* A new, zeroed event registration of c with the next callback id, or NULL after replying the
 * error (too many registrations, out of memory). */
fl_callback *fl_conn_new_callback(fl_conn *c, const vw_packet_header *hdr);
void fl_conn_remove_callback(fl_conn *c, int index);
/* A registration for object's (FL_CB_NETWORK, ...) events: refuses event_id outside
 * 0..id_last-1 ("unsupported network event ID 5", noun "network"). NULL after replying. */
fl_callback *fl_conn_new_object_callback(fl_conn *c, const vw_packet_header *hdr, int object,
                                         int event_id, int id_last, const char *noun);
/* Removes the registration callback_id of object and replies OK, or libvirtd's "network event
 * callback 3 not registered". */
void fl_conn_deregister_object(fl_conn *c, const vw_packet_header *hdr, int object,
                               int callback_id, const char *noun);
/* Drops every registration of c (CONNECT_CLOSE, or the connection is gone). */
void fl_conn_clear_callbacks(fl_conn *c);

#endif
