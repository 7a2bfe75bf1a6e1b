/* object_events.c: sending non-domain object events (see object_events.h). */
#include "object_events.h"

#include "events.h"

#include <string.h>

static bool filter_matches(const fl_callback *cb, const unsigned char *uuid, const char *name)
{
    if (!cb->has_dom)
        return true;
    return uuid ? memcmp(cb->dom_uuid, uuid, 16) == 0 : strcmp(cb->dev_name, name) == 0;
}

void fl_objev_emit(fl_conn *c, int object, int event_id, const unsigned char *uuid,
                   const char *name, fl_objev_send_fn *send, void *opaque)
{
    for (fl_conn *o = fl_server_conns(c->srv); o; o = o->next) {
        if (o->model != c->model || o->closing)
            continue;
        for (int i = 0; i < o->ncallbacks; i++) {
            const fl_callback *cb = &o->callbacks[i];
            if (cb->object == object && cb->event_id == event_id &&
                filter_matches(cb, uuid, name))
                send(o, cb->callback_id, opaque);
        }
    }
}
