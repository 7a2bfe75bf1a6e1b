/* nodedev_family.c: the handlers of node devices (libvirt 9.0's testNodeDeviceDriver): counts
 * and lists by capability, LIST_ALL, lookup, XML, parent, capabilities, and the vHBA create and
 * destroy. The devices are model_nodedev.c's. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "object_events.h"
#include "model_nodedev.h"
#include "vw_remote_protocol.h"
#include "vw_procedures.h"

#define R VW_REMOTE_PROGRAM

/* Every VIR_CONNECT_LIST_NODE_DEVICES_CAP_* of libvirt 9.0 (SYSTEM .. VPD). */
#define LIST_ALL_CAPS 0x3fffffu

/* The model's node devices once flags pass the test driver's check in func (func NULL: none),
 * or NULL after replying the error. */
static fl_nodedev_state *checked(fl_conn *c, const vw_packet_header *hdr, unsigned flags,
                                 unsigned supported, const char *func)
{
    if (func && !fl_flags_ok(c, hdr, flags, supported, func))
        return NULL;
    fl_nodedev_state *s = fl_nodedevs(c->model);
    if (!s) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, hdr, &e);
    }
    return s;
}

static fl_nodedev *get_dev(fl_conn *c, const vw_packet_header *hdr, const char *name)
{
    fl_nodedev_state *s = checked(c, hdr, 0, 0, NULL);
    vw_virerror e = {0};
    fl_nodedev *d = s ? fl_nodedev_lookup(s, name, &e) : NULL;
    if (s && !d)
        fl_conn_reply_error(c, hdr, &e);
    return d;
}

/* The cap bits of an optional capability name: 0 = every device, ~0 none known. */
static unsigned cap_filter(char **cap)
{
    if (!cap)
        return 0;
    unsigned bit = fl_nodedev_cap_bit(*cap);
    return bit ? bit : 1u << 31;   /* an unknown name matches no device */
}

static void h_num_of_devices(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_node_num_of_devices_args *a = args;
    fl_nodedev_state *s = checked(c, hdr, a->flags, 0, "testNodeNumOfDevices");
    size_t n = 0;
    if (s) {
        free(fl_nodedev_list(s, cap_filter(a->cap), &n));
        fl_reply_int(c, hdr, (int)n);
    }
}

static void h_list_devices(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_node_list_devices_args *a = args;
    vw_virerror e = {0};
    if (a->maxnames < 0 || a->maxnames > VW_REMOTE_NODE_DEVICE_LIST_MAX) {
        vw_virerror_report(&e, VW_ERR_RPC, VW_FROM_RPC, "",
                           "maxnames > REMOTE_NODE_DEVICE_LIST_MAX");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_nodedev_state *s = checked(c, hdr, a->flags, 0, "testNodeListDevices");
    if (!s)
        return;
    size_t n = 0;
    fl_nodedev **list = fl_nodedev_list(s, cap_filter(a->cap), &n);
    char **names = n ? calloc(n, sizeof(char *)) : NULL;
    vw_node_list_devices_ret r = {{0, names}};
    for (size_t i = 0; names && i < n && (int)i < a->maxnames; i++)
        names[r.names.names_len++] = list[i]->name;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_node_list_devices_ret, &r);
    free(names);
    free(list);
}

static void h_list_all_devices(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_list_all_node_devices_args *a = args;
    fl_nodedev_state *s = checked(c, hdr, a->flags, LIST_ALL_CAPS, "testConnectListAllNodeDevices");
    if (!s)
        return;
    size_t n = 0;
    fl_nodedev **list = fl_nodedev_list(s, a->flags, &n);
    if (n > VW_REMOTE_NODE_DEVICE_LIST_MAX) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_RPC, VW_FROM_RPC, "",
                           "Too many node devices '%zu' for limit '%d'", n,
                           VW_REMOTE_NODE_DEVICE_LIST_MAX);
        fl_conn_reply_error(c, hdr, &e);
        free(list);
        return;
    }
    vw_nonnull_node_device *refs = a->need_results && n ? calloc(n, sizeof(*refs)) : NULL;
    vw_connect_list_all_node_devices_ret r = {{0, refs}, (u_int)n};
    for (size_t i = 0; refs && i < n; i++)
        refs[r.devices.devices_len++].name = list[i]->name;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_all_node_devices_ret, &r);
    free(refs);
    free(list);
}

static void reply_dev(fl_conn *c, const vw_packet_header *hdr, const fl_nodedev *d)
{
    vw_node_device_ret r = {{d->name}};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_node_device_ret, &r);
}

static void h_lookup_by_name(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_nodedev *d = get_dev(c, hdr, ((vw_node_device_name_args *)args)->name);
    if (d)
        reply_dev(c, hdr, d);
}

static void h_get_xml_desc(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_node_device_get_xml_desc_args *a = args;
    vw_virerror e = {0};
    fl_nodedev *d = get_dev(c, hdr, a->name);
    if (!d)
        return;
    if (fl_check_flags(a->flags, 0, "testNodeDeviceGetXMLDesc", &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    char *xml = fl_nodedev_xml(d);
    if (!xml) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_string(c, hdr, xml);
    free(xml);
}

static void h_get_parent(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_nodedev *d = get_dev(c, hdr, ((vw_node_device_name_args *)args)->name);
    if (!d)
        return;
    vw_node_device_get_parent_ret r = {*d->parent ? &d->parent : NULL};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_node_device_get_parent_ret, &r);
}

static void h_num_of_caps(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    if (get_dev(c, hdr, ((vw_node_device_name_args *)args)->name))
        fl_reply_int(c, hdr, 1);   /* the test driver counts only the top capability */
}

static void h_list_caps(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_node_device_list_caps_args *a = args;
    if (a->maxnames < 0 || a->maxnames > VW_REMOTE_NODE_DEVICE_CAPS_LIST_MAX) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_RPC, VW_FROM_RPC, "",
                           "maxnames > REMOTE_NODE_DEVICE_CAPS_LIST_MAX");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_nodedev *d = get_dev(c, hdr, a->name);
    if (!d)
        return;
    char *cap = (char *)fl_nodedev_cap(d);
    vw_node_device_list_caps_ret r = {{a->maxnames > 0 ? 1 : 0, &cap}};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_node_device_list_caps_ret, &r);
}

/* ---- events ---------------------------------------------------------------------------------- */

/* VIR_NODE_DEVICE_EVENT_ID_LAST in libvirt 9.0 (LIFECYCLE 0, UPDATE 1). */
#define DEV_EVENT_ID_LAST 2
enum { EVENT_CREATED = 0, EVENT_DELETED = 1 };

typedef struct {
    const char *name;
    int event;
} dev_event_args;

static void send_dev_event(fl_conn *to, int callback_id, void *opaque)
{
    const dev_event_args *ev = opaque;
    vw_node_device_event_lifecycle_msg msg = {.callbackID = callback_id,
                                              .dev = {(char *)ev->name}, .event = ev->event};
    fl_conn_send_message(to, R, VW_REMOTE_PROC_NODE_DEVICE_EVENT_LIFECYCLE,
                         (xdrproc_t)xdr_vw_node_device_event_lifecycle_msg, &msg);
}

/* Sends NODE_DEVICE_EVENT_LIFECYCLE to the registrations for it on c's model's connections. */
static void dev_event(fl_conn *c, const char *name, int event)
{
    dev_event_args ev = {name, event};
    fl_objev_emit(c, FL_CB_NODE_DEVICE, 0, NULL, name, send_dev_event, &ev);
}

static void h_event_register(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_node_device_event_register_any_args *a = args;
    if (a->dev && strlen(a->dev->name) >= sizeof(((fl_callback *)0)->dev_name)) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "node device name too long for fake-libvirtd's event filter");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_callback *cb = fl_conn_new_object_callback(c, hdr, FL_CB_NODE_DEVICE, a->eventID,
                                                  DEV_EVENT_ID_LAST, "node device");
    if (!cb)
        return;
    if (a->dev) {
        cb->has_dom = true;
        strcpy(cb->dev_name, a->dev->name);
    }
    fl_reply_int(c, hdr, cb->callback_id);
}

static void h_event_deregister(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_conn_deregister_object(
        c, hdr, FL_CB_NODE_DEVICE,
        ((vw_connect_node_device_event_deregister_any_args *)args)->callbackID, "node device");
}

/* ---- create and destroy ---------------------------------------------------------------------- */

static void h_create_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_node_device_create_xml_args *a = args;
    vw_virerror e = {0};
    fl_nodedev_state *s = checked(c, hdr, a->flags, 0, "testNodeDeviceCreateXML");
    if (!s)
        return;
    fl_nodedev *d = fl_nodedev_create_xml(s, a->xml_desc, &e);
    if (!d) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    reply_dev(c, hdr, d);
    dev_event(c, d->name, EVENT_CREATED);
}

static void h_destroy(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_nodedev *d = get_dev(c, hdr, ((vw_node_device_name_args *)args)->name);
    if (!d)
        return;
    char *name = strdup(d->name);
    int removed = fl_nodedev_destroy(fl_nodedevs(c->model), d);
    fl_reply_void(c, hdr);
    if (removed && name)
        dev_event(c, name, EVENT_DELETED);
    free(name);
}

static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_NODE_NUM_OF_DEVICES, h_num_of_devices, false},
    {R, VW_REMOTE_PROC_NODE_LIST_DEVICES, h_list_devices, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_ALL_NODE_DEVICES, h_list_all_devices, false},
    {R, VW_REMOTE_PROC_NODE_DEVICE_LOOKUP_BY_NAME, h_lookup_by_name, false},
    {R, VW_REMOTE_PROC_NODE_DEVICE_GET_XML_DESC, h_get_xml_desc, false},
    {R, VW_REMOTE_PROC_NODE_DEVICE_GET_PARENT, h_get_parent, false},
    {R, VW_REMOTE_PROC_NODE_DEVICE_NUM_OF_CAPS, h_num_of_caps, false},
    {R, VW_REMOTE_PROC_NODE_DEVICE_LIST_CAPS, h_list_caps, false},
    {R, VW_REMOTE_PROC_NODE_DEVICE_CREATE_XML, h_create_xml, false},
    {R, VW_REMOTE_PROC_NODE_DEVICE_DESTROY, h_destroy, false},
    {R, VW_REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY, h_event_register, false},
    {R, VW_REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY, h_event_deregister, false},
};

const fl_handler_family fl_handlers_nodedev = FL_HANDLER_FAMILY(rows);
