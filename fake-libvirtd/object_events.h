/* object_events.h: events of the objects other than domains (networks, storage pools, node
 * devices). Registrations live with the connection's other event callbacks
 * (fl_conn_new_object_callback / fl_conn_deregister_object, handlers.h: server-wide callback
 * ids, libvirtd's errors, dropped with their connection); this module sends one event to every
 * matching registration on the connections that share c's model.
 */
#ifndef FL_OBJECT_EVENTS_H
#define FL_OBJECT_EVENTS_H

#include "server.h"
#include "replies.h"

/* Builds and queues the message for one registration. */
typedef void fl_objev_send_fn(fl_conn *conn, int callback_id, void *opaque);

/* Calls send for each registration of kind object (FL_CB_NETWORK, ...) and event_id whose
 * filter is absent or names this object: by uuid, or for node devices (uuid NULL) by name. */
void fl_objev_emit(fl_conn *c, int object, int event_id, const unsigned char *uuid,
                   const char *name, fl_objev_send_fn *send, void *opaque);

#endif
