/* net_family.c: the handlers of networks' life cycle and events, the old network count and
 * list calls and the host's CPU model names (libvirt 9.0's test driver: testNetworkDriver and
 * testConnectGetCPUModelNames). The transitions are model_net.c's. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "object_events.h"
#include "model_net.h"
#include "vw_remote_protocol.h"
#include "vw_procedures.h"

#define R VW_REMOTE_PROGRAM

/* VIR_NETWORK_EVENT_ID_LAST in libvirt 9.0: LIFECYCLE is the only network event. */
#define NET_EVENT_ID_LAST 1

/* ---- helpers --------------------------------------------------------------------------------- */

static fl_object *get_net(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_network *net)
{
    vw_virerror e = {0};
    fl_object *o = fl_object_lookup_uuid(c->model, FL_OBJ_NETWORK,
                                         (const unsigned char *)net->uuid, &e);
    if (!o)
        fl_conn_reply_error(c, hdr, &e);
    return o;
}

static void reply_net(fl_conn *c, const vw_packet_header *hdr, const fl_object *o)
{
    vw_network_ret r;
    r.net.name = o->name;
    memcpy(r.net.uuid, o->uuid, 16);
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_network_ret, &r);
}

typedef struct {
    const char *name;
    const unsigned char *uuid;
    int event;
} net_event_args;

static void send_net_event(fl_conn *to, int callback_id, void *opaque)
{
    const net_event_args *ev = opaque;
    vw_network_event_lifecycle_msg msg = {.callbackID = callback_id, .event = ev->event,
                                          .detail = 0};
    msg.net.name = (char *)ev->name;
    memcpy(msg.net.uuid, ev->uuid, 16);
    fl_conn_send_message(to, R, VW_REMOTE_PROC_NETWORK_EVENT_LIFECYCLE,
                         (xdrproc_t)xdr_vw_network_event_lifecycle_msg, &msg);
}

/* Sends NETWORK_EVENT_LIFECYCLE to every registration for it on the connections of c's model
 * (after the call's reply, which the handler queued first). */
static void net_event(fl_conn *c, const char *name, const unsigned char uuid[16], int event)
{
    net_event_args ev = {name, uuid, event};
    fl_objev_emit(c, FL_CB_NETWORK, 0, uuid, NULL, send_net_event, &ev);
}

/* ---- old count and list calls ---------------------------------------------------------------- */

static void num_of(fl_conn *c, const vw_packet_header *hdr, unsigned flags)
{
    size_t n = 0;
    free(fl_object_list(c->model, FL_OBJ_NETWORK, flags, &n));
    fl_reply_int(c, hdr, (int)n);
}

static void h_num_of_networks(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    num_of(c, hdr, 2 /* ACTIVE */);
}

static void h_num_of_defined_networks(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    num_of(c, hdr, 1 /* INACTIVE */);
}

static void list_names(fl_conn *c, const vw_packet_header *hdr, int maxnames, unsigned flags)
{
    if (maxnames < 0 || maxnames > VW_REMOTE_NETWORK_LIST_MAX) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_RPC, VW_FROM_RPC, "", "maxnames > REMOTE_NETWORK_LIST_MAX");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    size_t n = 0;
    fl_object **list = fl_object_list(c->model, FL_OBJ_NETWORK, flags, &n);
    char **names = n ? calloc(n, sizeof(char *)) : NULL;
    vw_connect_list_networks_ret r = {{0, names}};
    for (size_t i = 0; names && i < n && (int)i < maxnames; i++)
        names[r.names.names_len++] = list[i]->name;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_networks_ret, &r);
    free(names);
    free(list);
}

static void h_list_networks(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    list_names(c, hdr, ((vw_connect_list_networks_args *)args)->maxnames, 2 /* ACTIVE */);
}

static void h_list_defined_networks(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    list_names(c, hdr, ((vw_connect_list_networks_args *)args)->maxnames, 1 /* INACTIVE */);
}

/* ---- life cycle ------------------------------------------------------------------------------ */

/* DEFINE_XML and CREATE_XML, and their _FLAGS forms (VIR_NETWORK_DEFINE/CREATE_VALIDATE 1
 * accepted): the new network and its Defined / Started event. */
static void define_or_create(fl_conn *c, const vw_packet_header *hdr, const char *xml,
                             bool create)
{
    vw_virerror e = {0};
    fl_object *o = create ? fl_net_create_xml(c->model, xml, &e)
                          : fl_net_define(c->model, xml, &e);
    if (!o) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    reply_net(c, hdr, o);
    net_event(c, o->name, o->uuid, create ? FL_NET_EVENT_STARTED : FL_NET_EVENT_DEFINED);
}

static void h_network_define_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    define_or_create(c, hdr, ((vw_network_define_xml_args *)args)->xml, false);
}

static void h_network_create_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    define_or_create(c, hdr, ((vw_network_create_xml_args *)args)->xml, true);
}

static void h_network_define_xml_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_network_define_xml_flags_args *a = args;
    if (fl_flags_ok(c, hdr, a->flags, 1, "testNetworkDefineXMLFlags"))
        define_or_create(c, hdr, a->xml, false);
}

static void h_network_create_xml_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_network_create_xml_flags_args *a = args;
    if (fl_flags_ok(c, hdr, a->flags, 1, "testNetworkCreateXMLFlags"))
        define_or_create(c, hdr, a->xml, true);
}

static void h_network_create(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_virerror e = {0};
    fl_object *o = get_net(c, hdr, &((vw_network_args *)args)->net);
    if (!o)
        return;
    if (fl_net_start(c->model, o, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_void(c, hdr);
    net_event(c, o->name, o->uuid, FL_NET_EVENT_STARTED);
}

/* Destroy and undefine may free the network: the event names a copy. */
static void h_network_destroy(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_nonnull_network *ref = &((vw_network_args *)args)->net;
    fl_object *o = get_net(c, hdr, ref);
    if (!o)
        return;
    char *name = strdup(o->name);
    fl_net_destroy(c->model, o);
    fl_reply_void(c, hdr);
    if (name)
        net_event(c, name, (const unsigned char *)ref->uuid, FL_NET_EVENT_STOPPED);
    free(name);
}

static void h_network_undefine(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_virerror e = {0};
    vw_nonnull_network *ref = &((vw_network_args *)args)->net;
    fl_object *o = get_net(c, hdr, ref);
    if (!o)
        return;
    char *name = strdup(o->name);
    if (fl_net_undefine(c->model, o, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
    } else {
        fl_reply_void(c, hdr);
        if (name)
            net_event(c, name, (const unsigned char *)ref->uuid, FL_NET_EVENT_UNDEFINED);
    }
    free(name);
}

static void h_network_set_autostart(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_network_set_autostart_args *a = args;
    fl_object *o = get_net(c, hdr, &a->net);
    if (!o)
        return;
    o->autostart = a->autostart != 0;
    fl_reply_void(c, hdr);
}

static void h_network_get_xml_desc(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_network_get_xml_desc_args *a = args;
    vw_virerror e = {0};
    fl_object *o = get_net(c, hdr, &a->net);
    if (!o)
        return;
    if (fl_check_flags(a->flags, 0, "testNetworkGetXMLDesc", &e) < 0)
        fl_conn_reply_error(c, hdr, &e);
    else
        fl_reply_string(c, hdr, o->xml);
}

static void h_network_get_bridge_name(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *o = get_net(c, hdr, &((vw_network_args *)args)->net);
    if (!o)
        return;
    if (*o->bridge) {
        fl_reply_string(c, hdr, o->bridge);
        return;
    }
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                       "network '%s' does not have a bridge name.", o->name);
    fl_conn_reply_error(c, hdr, &e);
}

/* ---- events ---------------------------------------------------------------------------------- */

static void h_network_event_register(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_network_event_register_any_args *a = args;
    fl_callback *cb = fl_conn_new_object_callback(c, hdr, FL_CB_NETWORK, a->eventID,
                                                  NET_EVENT_ID_LAST, "network");
    if (!cb)
        return;
    if (a->net) {
        cb->has_dom = true;
        memcpy(cb->dom_uuid, a->net->uuid, 16);
    }
    fl_reply_int(c, hdr, cb->callback_id);   /* remote_connect_network_event_register_any_ret */
}

static void h_network_event_deregister(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_conn_deregister_object(c, hdr, FL_CB_NETWORK,
                              ((vw_connect_network_event_deregister_any_args *)args)->callbackID,
                              "network");
}

/* ---- host CPU -------------------------------------------------------------------------------- */

static void h_get_cpu_model_names(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_get_cpu_model_names_args *a = args;
    vw_virerror e = {0};
    const char *const *models;
    size_t n;
    if (fl_check_flags(a->flags, 0, "testConnectGetCPUModelNames", &e) < 0 ||
        fl_cpu_model_names(a->arch, &models, &n, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_connect_get_cpu_model_names_ret r = {{0, NULL}, (int)n};
    if (a->need_results) {
        r.models.models_len = (u_int)n;
        r.models.models_val = (char **)models;
    }
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_get_cpu_model_names_ret, &r);
}

static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_CONNECT_NUM_OF_NETWORKS, h_num_of_networks, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_NETWORKS, h_list_networks, false},
    {R, VW_REMOTE_PROC_CONNECT_NUM_OF_DEFINED_NETWORKS, h_num_of_defined_networks, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_DEFINED_NETWORKS, h_list_defined_networks, false},
    {R, VW_REMOTE_PROC_NETWORK_DEFINE_XML, h_network_define_xml, false},
    {R, VW_REMOTE_PROC_NETWORK_CREATE_XML, h_network_create_xml, false},
    {R, VW_REMOTE_PROC_NETWORK_DEFINE_XML_FLAGS, h_network_define_xml_flags, false},
    {R, VW_REMOTE_PROC_NETWORK_CREATE_XML_FLAGS, h_network_create_xml_flags, false},
    {R, VW_REMOTE_PROC_NETWORK_CREATE, h_network_create, false},
    {R, VW_REMOTE_PROC_NETWORK_DESTROY, h_network_destroy, false},
    {R, VW_REMOTE_PROC_NETWORK_UNDEFINE, h_network_undefine, false},
    {R, VW_REMOTE_PROC_NETWORK_SET_AUTOSTART, h_network_set_autostart, false},
    {R, VW_REMOTE_PROC_NETWORK_GET_XML_DESC, h_network_get_xml_desc, false},
    {R, VW_REMOTE_PROC_NETWORK_GET_BRIDGE_NAME, h_network_get_bridge_name, false},
    {R, VW_REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY, h_network_event_register, false},
    {R, VW_REMOTE_PROC_CONNECT_NETWORK_EVENT_DEREGISTER_ANY, h_network_event_deregister, false},
    {R, VW_REMOTE_PROC_CONNECT_GET_CPU_MODEL_NAMES, h_get_cpu_model_names, false},
};

const fl_handler_family fl_handlers_net = FL_HANDLER_FAMILY(rows);
