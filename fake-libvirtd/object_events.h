/* object_events.h: event registrations for the objects other than domains (storage pools; meant
 * for networks, node devices and secrets alike): CONNECT_<OBJECT>_EVENT_REGISTER_ANY gives a
 * server-wide callback id, <OBJECT>_EVENT_* messages go to the connections sharing the model
 * whose registration matches the event id and, when it named one, the object's uuid.
 * Registrations of closed connections are dropped as they are met.
 */
#ifndef FL_OBJECT_EVENTS_H
#define FL_OBJECT_EVENTS_H

#include <stdbool.h>

#include "server.h"

typedef enum { FL_OBJEV_STORAGE_POOL, FL_OBJEV_NETWORK, FL_OBJEV_NODE_DEVICE, FL_OBJEV_SECRET }
    fl_objev_kind;

/* A new registration's callback id, or -1 (out of memory, or FL_MAX_CALLBACKS reached on this
 * connection: *limit set). uuid NULL = every object. */
int fl_objev_register(fl_conn *c, fl_objev_kind kind, int event_id, const unsigned char *uuid,
                      bool *limit);
/* 0, or -1 when c has no such registration of that kind. */
int fl_objev_deregister(fl_conn *c, fl_objev_kind kind, int callback_id);

/* Calls send(conn, callback_id, opaque) for every matching registration of a connection of
 * c's model (c's own included). */
typedef void fl_objev_send_fn(fl_conn *conn, int callback_id, void *opaque);
void fl_objev_emit(fl_conn *c, fl_objev_kind kind, int event_id, const unsigned char uuid[16],
                   fl_objev_send_fn *send, void *opaque);

#endif
