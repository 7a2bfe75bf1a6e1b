/* events.c: event registrations and lifecycle event delivery (see events.h). */
#include "events.h"

#include <stdlib.h>
#include <string.h>

/* A lifecycle event waiting to be delivered after the current call's reply. */
typedef struct fl_pending_event {
    const fl_model *model;
    char *name;
    unsigned char uuid[16];
    int id;
    int event, detail;
    struct fl_pending_event *next;
} fl_pending_event;

struct fl_events {
    fl_pending_event *pending, **pending_tail;
    int next_callback_id;
};

fl_events *fl_events_new(void)
{
    fl_events *ev = calloc(1, sizeof(*ev));
    if (!ev)
        return NULL;
    ev->pending_tail = &ev->pending;
    ev->next_callback_id = 1;
    return ev;
}

static void pending_free(fl_pending_event *e)
{
    free(e->name);
    free(e);
}

void fl_events_free(fl_events *ev)
{
    if (!ev)
        return;
    while (ev->pending) {
        fl_pending_event *e = ev->pending;
        ev->pending = e->next;
        pending_free(e);
    }
    free(ev);
}

void fl_events_queue_lifecycle(fl_events *ev, fl_model *model, const char *name,
                               const unsigned char uuid[16], int id, int event, int detail)
{
    fl_pending_event *e = calloc(1, sizeof(*e));
    if (!e)
        return;
    e->name = strdup(name);
    if (!e->name) {
        free(e);
        return;
    }
    e->model = model;
    memcpy(e->uuid, uuid, 16);
    e->id = id;
    e->event = event;
    e->detail = detail;
    *ev->pending_tail = e;
    ev->pending_tail = &e->next;
}

void fl_events_model_hook(fl_model *model, const fl_domain *dom, int event, int detail,
                          void *opaque)
{
    fl_events_queue_lifecycle(opaque, model, dom->def->name, dom->def->uuid, dom->id, event,
                              detail);
}

void fl_events_drop_model(fl_events *ev, const fl_model *model)
{
    fl_pending_event **pp = &ev->pending;
    while (*pp) {
        if ((*pp)->model == model) {
            fl_pending_event *e = *pp;
            *pp = e->next;
            pending_free(e);
        } else {
            pp = &(*pp)->next;
        }
    }
    ev->pending_tail = &ev->pending;
    while (*ev->pending_tail)
        ev->pending_tail = &(*ev->pending_tail)->next;
}

void fl_events_replace_model(fl_events *ev, const fl_model *old, fl_model *fresh)
{
    for (fl_pending_event *e = ev->pending; e; e = e->next)
        if (e->model == old)
            e->model = fresh;
}

static void deliver_event(fl_server *srv, const fl_pending_event *e)
{
    for (fl_conn *c = fl_server_conns(srv); c; c = c->next) {
        if (c->model != e->model || c->closing)
            continue;
        for (int i = 0; i < c->ncallbacks; i++) {
            const fl_callback *cb = &c->callbacks[i];
            if (cb->qemu_monitor || cb->object != FL_CB_DOMAIN ||
                cb->event_id != 0 /* LIFECYCLE */)
                continue;
            if (cb->has_dom && memcmp(cb->dom_uuid, e->uuid, 16) != 0)
                continue;
            vw_domain_event_lifecycle_msg msg;
            memset(&msg, 0, sizeof(msg));
            msg.dom.name = e->name;
            memcpy(msg.dom.uuid, e->uuid, 16);
            msg.dom.id = e->id;
            msg.event = e->event;
            msg.detail = e->detail;
            if (cb->legacy) {
                fl_conn_send_message(c, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE,
                                     (xdrproc_t)xdr_vw_domain_event_lifecycle_msg, &msg);
            } else {
                vw_domain_event_callback_lifecycle_msg cmsg;
                cmsg.callbackID = cb->callback_id;
                cmsg.msg = msg;
                fl_conn_send_message(c, VW_REMOTE_PROGRAM,
                                     VW_REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
                                     (xdrproc_t)xdr_vw_domain_event_callback_lifecycle_msg, &cmsg);
            }
        }
    }
}

void fl_events_flush(fl_server *srv)
{
    fl_events *ev = fl_server_events(srv);
    if (!ev)
        return;
    while (ev->pending) {
        fl_pending_event *e = ev->pending;
        ev->pending = e->next;
        if (!ev->pending)
            ev->pending_tail = &ev->pending;
        deliver_event(srv, e);
        pending_free(e);
    }
}

/* ---- registrations -------------------------------------------------------------------------- */

fl_callback *fl_conn_new_callback(fl_conn *c, const vw_packet_header *hdr)
{
    vw_virerror e = {0};
    if (c->ncallbacks >= FL_MAX_CALLBACKS) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "too many event registrations on this connection (limit %d)",
                           FL_MAX_CALLBACKS);
        fl_conn_reply_error(c, hdr, &e);
        return NULL;
    }
    if (c->ncallbacks == c->callbacks_cap) {
        int cap = c->callbacks_cap ? c->callbacks_cap * 2 : 8;
        fl_callback *grown = realloc(c->callbacks, (size_t)cap * sizeof(*grown));
        if (!grown) {
            vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                               "out of memory");
            fl_conn_reply_error(c, hdr, &e);
            return NULL;
        }
        c->callbacks = grown;
        c->callbacks_cap = cap;
    }
    fl_callback *cb = &c->callbacks[c->ncallbacks++];
    memset(cb, 0, sizeof(*cb));
    cb->callback_id = fl_server_events(c->srv)->next_callback_id++;
    return cb;
}

fl_callback *fl_conn_new_object_callback(fl_conn *c, const vw_packet_header *hdr, int object,
                                         int event_id, int id_last, const char *noun)
{
    if (event_id < 0 || event_id >= id_last) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "unsupported %s event ID %d", noun, event_id);
        fl_conn_reply_error(c, hdr, &e);
        return NULL;
    }
    fl_callback *cb = fl_conn_new_callback(c, hdr);
    if (cb) {
        cb->object = object;
        cb->event_id = event_id;
    }
    return cb;
}

void fl_conn_deregister_object(fl_conn *c, const vw_packet_header *hdr, int object,
                               int callback_id, const char *noun)
{
    for (int i = 0; i < c->ncallbacks; i++) {
        if (c->callbacks[i].object == object && c->callbacks[i].callback_id == callback_id) {
            fl_conn_remove_callback(c, i);
            fl_conn_reply(c, hdr, NULL, NULL);
            return;
        }
    }
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                       "%s event callback %d not registered", noun, callback_id);
    fl_conn_reply_error(c, hdr, &e);
}

void fl_conn_remove_callback(fl_conn *c, int index)
{
    memmove(&c->callbacks[index], &c->callbacks[index + 1],
            (size_t)(c->ncallbacks - index - 1) * sizeof(c->callbacks[0]));
    c->ncallbacks--;
}

void fl_conn_clear_callbacks(fl_conn *c)
{
    free(c->callbacks);
    c->callbacks = NULL;
    c->ncallbacks = c->callbacks_cap = 0;
}
