/* events_family.c: handlers of domain event registrations (the legacy and the callback APIs); the
 * registry itself and the delivery are events.c's. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* VIR_DOMAIN_EVENT_ID_LAST in libvirt 9.0.0 */
#define FL_DOMAIN_EVENT_ID_LAST 27

/* ---- events --------------------------------------------------------------------------------- */

static bool callback_tracked(const fl_conn *c, int event_id, bool has_dom, const unsigned char *uuid)
{
    for (int i = 0; i < c->ncallbacks; i++) {
        const fl_callback *cb = &c->callbacks[i];
        if (cb->qemu_monitor || cb->object != FL_CB_DOMAIN || cb->event_id != event_id ||
            cb->has_dom != has_dom)
            continue;
        if (!has_dom || memcmp(cb->dom_uuid, uuid, 16) == 0)
            return true;
    }
    return false;
}

/* Adds a registration; replies with the error itself and returns NULL on failure. */
static fl_callback *add_callback(fl_conn *c, const vw_packet_header *hdr, int event_id,
                                 const vw_nonnull_domain *dom, bool legacy)
{
    vw_virerror e = {0};
    if (event_id < 0 || event_id >= FL_DOMAIN_EVENT_ID_LAST) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "unsupported event ID %d", event_id);
        fl_conn_reply_error(c, hdr, &e);
        return NULL;
    }
    if (callback_tracked(c, event_id, dom != NULL, dom ? (const unsigned char *)dom->uuid : NULL)) {
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_NONE, "invalid argument",
                           "event callback already tracked");
        fl_conn_reply_error(c, hdr, &e);
        return NULL;
    }
    fl_callback *cb = fl_conn_new_callback(c, hdr);
    if (!cb)
        return NULL;
    cb->event_id = event_id;
    cb->legacy = legacy;
    if (dom) {
        cb->has_dom = true;
        memcpy(cb->dom_uuid, dom->uuid, 16);
    }
    return cb;
}

static void h_event_callback_register(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_domain_event_callback_register_any_args *a = args;
    fl_callback *cb = add_callback(c, hdr, a->eventID, a->dom, false);
    if (!cb)
        return;
    vw_connect_domain_event_callback_register_any_ret r = {.callbackID = cb->callback_id};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_domain_event_callback_register_any_ret, &r);
}

static void h_event_callback_deregister(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_domain_event_callback_deregister_any_args *a = args;
    for (int i = 0; i < c->ncallbacks; i++) {
        if (!c->callbacks[i].qemu_monitor && c->callbacks[i].object == FL_CB_DOMAIN &&
            !c->callbacks[i].legacy &&
            c->callbacks[i].callback_id == a->callbackID) {
            fl_conn_remove_callback(c, i);
            fl_reply_void(c, hdr);
            return;
        }
    }
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                       "domain event callback %d not registered", a->callbackID);
    fl_conn_reply_error(c, hdr, &e);
}

static void h_event_register(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_domain_event_register_any_args *a = args;
    if (add_callback(c, hdr, a->eventID, NULL, true))
        fl_reply_void(c, hdr);
}

/* Removes the connection's lifecycle registration made without a domain (either legacy call);
 * false after replying libvirtd's "domain event N not registered". */
static bool remove_legacy(fl_conn *c, const vw_packet_header *hdr, int event_id)
{
    for (int i = 0; i < c->ncallbacks; i++) {
        if (!c->callbacks[i].qemu_monitor && c->callbacks[i].object == FL_CB_DOMAIN &&
            c->callbacks[i].event_id == event_id &&
            !c->callbacks[i].has_dom) {
            fl_conn_remove_callback(c, i);
            return true;
        }
    }
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                       "domain event %d not registered", event_id);
    fl_conn_reply_error(c, hdr, &e);
    return false;
}

static void h_event_deregister(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_domain_event_deregister_any_args *a = args;
    if (remove_legacy(c, hdr, a->eventID))
        fl_reply_void(c, hdr);
}

/* CONNECT_DOMAIN_EVENT_REGISTER / DEREGISTER, the first event API: libvirtd registers (or
 * drops) a lifecycle registration without a domain, the very one REGISTER_ANY with event 0
 * makes (each refuses what the other made: "event callback already tracked"), and its events
 * are DOMAIN_EVENT_LIFECYCLE messages. The reply's cb_registered is always 0. */
static void h_event_register_old(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    if (!add_callback(c, hdr, 0 /* VIR_DOMAIN_EVENT_ID_LIFECYCLE */, NULL, true))
        return;
    vw_connect_domain_event_register_ret r = {.cb_registered = 0};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_domain_event_register_ret, &r);
}

static void h_event_deregister_old(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    if (!remove_legacy(c, hdr, 0))
        return;
    vw_connect_domain_event_deregister_ret r = {.cb_registered = 0};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_domain_event_deregister_ret, &r);
}

#define R VW_REMOTE_PROGRAM
#define Q VW_QEMU_PROGRAM

static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER, h_event_register_old, false},
    {R, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER, h_event_deregister_old, false},
    {R, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY, h_event_register, false},
    {R, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY, h_event_deregister, false},
    {R, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, h_event_callback_register, false},
    {R, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, h_event_callback_deregister, false},
};

const fl_handler_family fl_handlers_events = FL_HANDLER_FAMILY(rows);
