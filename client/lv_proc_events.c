/* lv_proc_events.c: the client's event registration calls (lifecycle, QEMU monitor events)
 * and the decoding of event messages into plain C (see lv_procs.h). */
#include "lv_procs.h"
#include "lv_proc_common.h"

#include <stdlib.h>
#include <string.h>

#define VIR_DOMAIN_EVENT_ID_LIFECYCLE 0

/* ---- events --------------------------------------------------------------------------------------- */

int lv_procs_lifecycle_register(vw_conn *conn, const vw_client_domain *dom, int *callback_id,
                                vw_virerror *err)
{
    vw_nonnull_domain wire_dom;
    vw_connect_domain_event_callback_register_any_args args;
    args.eventID = VIR_DOMAIN_EVENT_ID_LIFECYCLE;
    args.dom = NULL;
    if (dom) {
        lv_dom_to_wire(&wire_dom, dom);
        args.dom = &wire_dom;
    }
    vw_connect_domain_event_callback_register_any_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
                       (xdrproc_t)xdr_vw_connect_domain_event_callback_register_any_args, &args,
                       (xdrproc_t)xdr_vw_connect_domain_event_callback_register_any_ret, &ret,
                       err) < 0)
        return -1;
    *callback_id = ret.callbackID;
    return 0;
}

int lv_procs_lifecycle_deregister(vw_conn *conn, int callback_id, vw_virerror *err)
{
    vw_connect_domain_event_callback_deregister_any_args args = { .callbackID = callback_id };
    return lv_remote_call(conn, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
                          (xdrproc_t)xdr_vw_connect_domain_event_callback_deregister_any_args, &args,
                          NULL, NULL, err);
}

int lv_procs_qemu_monitor_register(vw_conn *conn, const vw_client_domain *dom, const char *event,
                                   unsigned int flags, int *callback_id, vw_virerror *err)
{
    vw_nonnull_domain wire_dom;
    char *event_copy = (char *)event;
    vw_qemu_connect_domain_monitor_event_register_args args;
    args.dom = NULL;
    if (dom) {
        lv_dom_to_wire(&wire_dom, dom);
        args.dom = &wire_dom;
    }
    args.event = event ? &event_copy : NULL;
    args.flags = flags;
    vw_qemu_connect_domain_monitor_event_register_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (vw_call(conn, VW_QEMU_PROGRAM, VW_QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER,
                (xdrproc_t)xdr_vw_qemu_connect_domain_monitor_event_register_args, &args,
                (xdrproc_t)xdr_vw_qemu_connect_domain_monitor_event_register_ret, &ret, err) < 0)
        return -1;
    *callback_id = ret.callbackID;
    return 0;
}

int lv_procs_qemu_monitor_deregister(vw_conn *conn, int callback_id, vw_virerror *err)
{
    vw_qemu_connect_domain_monitor_event_deregister_args args = { .callbackID = callback_id };
    return vw_call(conn, VW_QEMU_PROGRAM, VW_QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER,
                   (xdrproc_t)xdr_vw_qemu_connect_domain_monitor_event_deregister_args, &args,
                   NULL, NULL, err);
}

bool lv_procs_is_delivered_event(uint32_t prog, int proc)
{
    return (prog == VW_REMOTE_PROGRAM && proc == VW_REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE) ||
           (prog == VW_QEMU_PROGRAM && proc == VW_QEMU_PROC_DOMAIN_MONITOR_EVENT);
}

int lv_procs_decode_event(uint32_t prog, int proc, const unsigned char *payload, size_t len,
                          vw_decode_mode mode, lv_procs_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    if (prog == VW_REMOTE_PROGRAM && proc == VW_REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE) {
        vw_domain_event_callback_lifecycle_msg msg;
        if (vw_xdr_decode(payload, len, (xdrproc_t)xdr_vw_domain_event_callback_lifecycle_msg,
                          &msg, sizeof(msg), mode, NULL) < 0)
            return -1;
        int rc = lv_dom_from_wire(&ev->dom, &msg.msg.dom);
        ev->kind = LV_PROCS_EVENT_LIFECYCLE;
        ev->callback_id = msg.callbackID;
        ev->event = msg.msg.event;
        ev->detail = msg.msg.detail;
        vw_xdr_free((xdrproc_t)xdr_vw_domain_event_callback_lifecycle_msg, &msg);
        return rc;
    }
    if (prog == VW_QEMU_PROGRAM && proc == VW_QEMU_PROC_DOMAIN_MONITOR_EVENT) {
        vw_qemu_domain_monitor_event_msg msg;
        if (vw_xdr_decode(payload, len, (xdrproc_t)xdr_vw_qemu_domain_monitor_event_msg, &msg,
                          sizeof(msg), mode, NULL) < 0)
            return -1;
        int rc = lv_dom_from_wire(&ev->dom, &msg.dom);
        ev->kind = LV_PROCS_EVENT_QEMU_MONITOR;
        ev->callback_id = msg.callbackID;
        ev->qemu_event = strdup(msg.event ? msg.event : "");
        ev->seconds = msg.seconds;
        ev->micros = msg.micros;
        if (msg.details && *msg.details)
            ev->details = strdup(*msg.details);
        if (!ev->qemu_event || (msg.details && *msg.details && !ev->details))
            rc = -1;
        vw_xdr_free((xdrproc_t)xdr_vw_qemu_domain_monitor_event_msg, &msg);
        if (rc < 0)
            lv_procs_event_clear(ev);
        return rc;
    }
    return -1;
}

void lv_procs_event_clear(lv_procs_event *ev)
{
    vw_client_domain_clear(&ev->dom);
    free(ev->qemu_event);
    free(ev->details);
    memset(ev, 0, sizeof(*ev));
}
