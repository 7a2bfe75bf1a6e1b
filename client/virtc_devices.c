/* virtc_devices.c: virtc's host interface and node device commands: iface-list, iface-dumpxml,
 * nodedev-list, nodedev-dumpxml, with virsh's output and messages, built on the generated typed
 * functions (vw_client_procs.h). */
#include "virtc_cmd.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IFACE_LIST_INACTIVE 1u         /* VIR_CONNECT_LIST_INTERFACES_INACTIVE */
#define IFACE_LIST_ACTIVE 2u           /* VIR_CONNECT_LIST_INTERFACES_ACTIVE */
#define IFACE_XML_INACTIVE 1u          /* VIR_INTERFACE_XML_INACTIVE */
#define NODEDEV_LIST_INACTIVE (1u << 30)   /* VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE */
#define NODEDEV_LIST_ACTIVE (1u << 31)     /* VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE */

static int iface_order(const void *pa, const void *pb)
{
    return strcasecmp(((const vw_nonnull_interface *)pa)->name,
                      ((const vw_nonnull_interface *)pb)->name);
}

static int cmd_iface_list(ctx *c, const parsed_args *a)
{
    vw_virerror err = {0};
    vw_connect_list_all_interfaces_args la = {.need_results = 1, .flags = IFACE_LIST_ACTIVE};
    if (virtc_arg_set(c->cmd, a, "inactive"))
        la.flags = IFACE_LIST_INACTIVE;
    if (virtc_arg_set(c->cmd, a, "all"))
        la.flags = IFACE_LIST_ACTIVE | IFACE_LIST_INACTIVE;
    vw_connect_list_all_interfaces_ret lr;
    if (vw_remote_connect_list_all_interfaces(c->conn, &la, &lr, &err) < 0) {
        vw_remote_connect_list_all_interfaces_free(&lr);
        virtc_error("Failed to list interfaces");
        return virtc_report(&err);
    }
    vw_nonnull_interface *ifaces = lr.ifaces.ifaces_val;
    if (lr.ifaces.ifaces_len)   /* qsort wants a non-NULL array even when empty */
        qsort(ifaces, lr.ifaces.ifaces_len, sizeof(*ifaces), iface_order);
    virtc_table *t = virtc_table_new("Name", "State", "MAC Address", NULL);
    int rc = t ? EXIT_OK : EXIT_LIBVIRT;
    for (unsigned int i = 0; t && i < lr.ifaces.ifaces_len; i++) {
        vw_interface_is_active_args ia = {.iface = ifaces[i]};
        vw_interface_is_active_ret ir = {0};
        /* as virsh: an error reads as the API's -1, a true value */
        if (vw_remote_interface_is_active(c->conn, &ia, &ir, &err) < 0) {
            vw_virerror_clear(&err);
            ir.active = -1;
        }
        if (virtc_table_add_row(t, ifaces[i].name, ir.active ? "active" : "inactive",
                                ifaces[i].mac, NULL) < 0)
            rc = EXIT_LIBVIRT;
    }
    rc = virtc_table_finish(t, rc);
    vw_remote_connect_list_all_interfaces_free(&lr);
    return rc;
}

/* Six groups of one or two hex digits separated by ':' (virMacAddrParse's form). */
static bool looks_like_mac(const char *text)
{
    for (int group = 0; group < 6; group++) {
        int digits = 0;
        while (digits < 2 && isxdigit((unsigned char)*text)) {
            text++;
            digits++;
        }
        if (digits == 0 || *text != (group == 5 ? '\0' : ':'))
            return false;
        if (group < 5)
            text++;
    }
    return true;
}

static int cmd_iface_dumpxml(ctx *c, const parsed_args *a)
{
    const char *key = virtc_arg_value(c->cmd, a, "interface");
    vw_virerror err = {0};
    vw_interface_lookup_by_name_ret nr;
    int found;
    /* as virsh: a MAC address is looked up as one, anything else as a name */
    if (looks_like_mac(key)) {
        vw_interface_lookup_by_mac_string_args ma = {.mac = (char *)key};
        found = vw_remote_interface_lookup_by_mac_string(c->conn, &ma, &nr, &err);
    } else {
        vw_interface_lookup_by_name_args na = {.name = (char *)key};
        found = vw_remote_interface_lookup_by_name(c->conn, &na, &nr, &err);
    }
    if (found < 0) {
        virtc_error("failed to get interface '%s'", key);
        return virtc_report(&err);
    }
    int rc = EXIT_OK;
    vw_interface_get_xml_desc_args xa = {
        .iface = nr.iface, .flags = virtc_arg_set(c->cmd, a, "inactive") ? IFACE_XML_INACTIVE : 0};
    vw_interface_get_xml_desc_ret xr;
    if (vw_remote_interface_get_xml_desc(c->conn, &xa, &xr, &err) < 0)
        rc = virtc_report(&err);
    else
        virtc_print_xml(xr.xml);
    vw_remote_interface_get_xml_desc_free(&xr);
    vw_remote_interface_lookup_by_name_free(&nr);
    return rc;
}

static int nodedev_order(const void *pa, const void *pb)
{
    return strcasecmp(((const vw_nonnull_node_device *)pa)->name,
                      ((const vw_nonnull_node_device *)pb)->name);
}

static int cmd_nodedev_list(ctx *c, const parsed_args *a)
{
    vw_virerror err = {0};
    /* virsh 9.0's flags: active devices unless --inactive or --all says otherwise */
    vw_connect_list_all_node_devices_args la = {.need_results = 1, .flags = NODEDEV_LIST_ACTIVE};
    if (virtc_arg_set(c->cmd, a, "inactive"))
        la.flags = NODEDEV_LIST_INACTIVE;
    if (virtc_arg_set(c->cmd, a, "all"))
        la.flags = NODEDEV_LIST_ACTIVE | NODEDEV_LIST_INACTIVE;
    vw_connect_list_all_node_devices_ret lr;
    if (vw_remote_connect_list_all_node_devices(c->conn, &la, &lr, &err) < 0) {
        vw_remote_connect_list_all_node_devices_free(&lr);
        virtc_error("Failed to list node devices");
        return virtc_report(&err);
    }
    vw_nonnull_node_device *devs = lr.devices.devices_val;
    if (lr.devices.devices_len)   /* qsort wants a non-NULL array even when empty */
        qsort(devs, lr.devices.devices_len, sizeof(*devs), nodedev_order);
    for (unsigned int i = 0; i < lr.devices.devices_len; i++)
        printf("%s\n", devs[i].name);
    vw_remote_connect_list_all_node_devices_free(&lr);
    return EXIT_OK;
}

static int cmd_nodedev_dumpxml(ctx *c, const parsed_args *a)
{
    const char *name = virtc_arg_value(c->cmd, a, "device");
    vw_virerror err = {0};
    vw_node_device_lookup_by_name_args na = {.name = (char *)name};
    vw_node_device_lookup_by_name_ret nr;
    if (vw_remote_node_device_lookup_by_name(c->conn, &na, &nr, &err) < 0) {
        virtc_error("Could not find matching device '%s'", name);
        return virtc_report(&err);
    }
    int rc = EXIT_OK;
    vw_node_device_get_xml_desc_args xa = {.name = nr.dev.name};
    vw_node_device_get_xml_desc_ret xr;
    if (vw_remote_node_device_get_xml_desc(c->conn, &xa, &xr, &err) < 0)
        rc = virtc_report(&err);
    else
        virtc_print_xml(xr.xml);
    vw_remote_node_device_get_xml_desc_free(&xr);
    vw_remote_node_device_lookup_by_name_free(&nr);
    return rc;
}

static const arg_spec args_iface_list[] = {
    {"all", ARG_BOOL, false, "active and inactive"},
    {"inactive", ARG_BOOL, false, "inactive only"}, {0}};
static const arg_spec args_iface[] = {
    {"interface", ARG_POSITIONAL, true, "interface name or MAC address"},
    {"inactive", ARG_BOOL, false, "the inactive configuration"}, {0}};
static const arg_spec args_nodedev[] = {
    {"device", ARG_POSITIONAL, true, "node device name"}, {0}};

const command virtc_device_commands[] = {
    {"iface-list", args_iface_list, cmd_iface_list, "host interfaces: [--all] [--inactive]"},
    {"iface-dumpxml", args_iface, cmd_iface_dumpxml, "INTERFACE [--inactive]: its XML"},
    {"nodedev-list", args_iface_list, cmd_nodedev_list, "node devices: [--all] [--inactive]"},
    {"nodedev-dumpxml", args_nodedev, cmd_nodedev_dumpxml, "DEVICE: a node device's XML"},
    {NULL, NULL, NULL, NULL}};
