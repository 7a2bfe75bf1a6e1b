/* qemu_family.c: handlers of the QEMU program: monitor commands (qemu_link.h) and monitor event
 * registrations. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

#include "qemu_link.h"

/* ---- QEMU program --------------------------------------------------------------------------- */

static void h_qemu_monitor_command(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_qemu_domain_monitor_command_args *a = args;
    if (fl_session_is_test(c)) {
        fl_reply_no_support(c, hdr);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    vw_virerror e = {0};
    if (!fl_domain_is_active(d)) {
        vw_virerror_report(&e, VW_ERR_OPERATION_INVALID, VW_FROM_QEMU,
                           "Requested operation is not valid", "domain is not running");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (fl_conn_qemu(c)) {
        /* --qemu-dir: the domain's QEMU answers (flag 1 = VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) */
        char *out = NULL;
        int rc = fl_qemu_monitor_command(fl_conn_qemu(c), d, a->cmd, (a->flags & 1) != 0, &out, &e);
        if (rc < 0) {
            fl_conn_reply_error(c, hdr, &e);
            return;
        }
        if (rc > 0) {
            vw_qemu_domain_monitor_command_ret r = {.result = out};
            fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_qemu_domain_monitor_command_ret, &r);
            free(out);
            return;
        }
    }
    /* without --qemu-dir: a built-in minimal monitor */
    char result[256];
    if (strstr(a->cmd, "\"query-status\"")) {
        snprintf(result, sizeof(result),
                 "{\"return\":{\"status\":\"%s\",\"singlestep\":false,\"running\":%s},"
                 "\"id\":\"libvirt-1\"}",
                 d->state == FL_STATE_PAUSED ? "paused" : "running",
                 d->state == FL_STATE_PAUSED ? "false" : "true");
    } else if (strstr(a->cmd, "\"query-version\"")) {
        snprintf(result, sizeof(result),
                 "{\"return\":{\"qemu\":{\"micro\":0,\"minor\":2,\"major\":7},\"package\":\"\"},"
                 "\"id\":\"libvirt-1\"}");
    } else {
        snprintf(result, sizeof(result),
                 "{\"id\":\"libvirt-1\",\"error\":{\"class\":\"CommandNotFound\","
                 "\"desc\":\"The command is not supported by fake-libvirtd's built-in monitor\"}}");
    }
    vw_qemu_domain_monitor_command_ret r = {.result = result};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_qemu_domain_monitor_command_ret, &r);
}

static void h_qemu_event_register(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_qemu_connect_domain_monitor_event_register_args *a = args;
    if (fl_session_is_test(c)) {
        fl_reply_no_support(c, hdr);
        return;
    }
    fl_callback *cb = fl_conn_new_callback(c, hdr);
    if (!cb)
        return;
    cb->qemu_monitor = true;
    if (a->dom) {
        cb->has_dom = true;
        memcpy(cb->dom_uuid, a->dom->uuid, 16);
    }
    if (a->event && *a->event)
        snprintf(cb->qemu_event, sizeof(cb->qemu_event), "%s", *a->event);
    cb->qemu_flags = a->flags;
    /* QMP events come from the domains' QEMUs with --qemu-dir (qemu_link.c); the built-in
     * monitor emits none */
    vw_qemu_connect_domain_monitor_event_register_ret r = {.callbackID = cb->callback_id};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_qemu_connect_domain_monitor_event_register_ret, &r);
}

static void h_qemu_event_deregister(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_qemu_connect_domain_monitor_event_deregister_args *a = args;
    for (int i = 0; i < c->ncallbacks; i++) {
        if (c->callbacks[i].qemu_monitor && c->callbacks[i].callback_id == a->callbackID) {
            fl_conn_remove_callback(c, i);
            fl_reply_void(c, hdr);
            return;
        }
    }
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                       "qemu monitor event callback %d not registered", a->callbackID);
    fl_conn_reply_error(c, hdr, &e);
}


#define R VW_REMOTE_PROGRAM
#define Q VW_QEMU_PROGRAM

static const fl_handler rows[] = {
    {Q, VW_QEMU_PROC_DOMAIN_MONITOR_COMMAND, h_qemu_monitor_command, false},
    {Q, VW_QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER, h_qemu_event_register, false},
    {Q, VW_QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER, h_qemu_event_deregister, false},
};

const fl_handler_family fl_handlers_qemu = FL_HANDLER_FAMILY(rows);
