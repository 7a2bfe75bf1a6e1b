/* virtc_net.c: virtc's network commands beyond net-list (virtc.c): net-define, net-start,
 * net-destroy, net-undefine, net-dumpxml, each with virsh's output and messages, built on the
 * generated typed functions (vw_client_procs.h). */
#include "virtc_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NETWORK_XML_INACTIVE 1u   /* VIR_NETWORK_XML_INACTIVE */

/* The network NAME (or UUID) as the wire refers to it; virsh's message when it is not there. */
static int lookup_network(ctx *c, const char *key, vw_network_lookup_by_name_ret *net)
{
    vw_virerror err = {0};
    vw_network_lookup_by_uuid_args ua;
    if (virtc_key_is_uuid(key, (unsigned char *)ua.uuid)) {
        if (vw_remote_network_lookup_by_uuid(c->conn, &ua, net, &err) == 0)
            return EXIT_OK;
        vw_virerror_clear(&err);
    }
    vw_network_lookup_by_name_args na = {.name = (char *)key};
    if (vw_remote_network_lookup_by_name(c->conn, &na, net, &err) == 0)
        return EXIT_OK;
    virtc_error("failed to get network '%s'", key);
    return virtc_report(&err);
}

static int cmd_net_define(ctx *c, const parsed_args *a)
{
    const char *file = virtc_arg_value(c->cmd, a, "file");
    char *xml = virtc_read_xml_file(file);
    if (!xml)
        return EXIT_LIBVIRT;
    vw_virerror err = {0};
    vw_network_define_xml_args da = {.xml = xml};
    vw_network_define_xml_ret dr;
    int rc = vw_remote_network_define_xml(c->conn, &da, &dr, &err);
    free(xml);
    if (rc < 0) {
        virtc_error("Failed to define network from %s", file);
        return virtc_report(&err);
    }
    printf("Network %s defined from %s\n", dr.net.name, file);
    vw_remote_network_define_xml_free(&dr);
    return EXIT_OK;
}

enum net_op { NET_START, NET_DESTROY, NET_UNDEFINE };

static int run_net_op(ctx *c, const parsed_args *a, enum net_op op)
{
    static const char *const failed[] = {"Failed to start network %s",
                                         "Failed to destroy network %s",
                                         "Failed to undefine network %s"};
    static const char *const done[] = {"Network %s started\n", "Network %s destroyed\n",
                                       "Network %s has been undefined\n"};
    vw_network_lookup_by_name_ret net;
    int rc = lookup_network(c, virtc_arg_value(c->cmd, a, "network"), &net);
    if (rc)
        return rc;
    vw_virerror err = {0};
    vw_network_args na = {.net = net.net};
    int r = op == NET_START ? vw_remote_network_create(c->conn, &na, &err)
          : op == NET_DESTROY ? vw_remote_network_destroy(c->conn, &na, &err)
          : vw_remote_network_undefine(c->conn, &na, &err);
    if (r < 0) {
        virtc_error(failed[op], net.net.name);
        rc = virtc_report(&err);
    } else {
        printf(done[op], net.net.name);
    }
    vw_remote_network_lookup_by_name_free(&net);
    return rc;
}

static int cmd_net_start(ctx *c, const parsed_args *a) { return run_net_op(c, a, NET_START); }
static int cmd_net_destroy(ctx *c, const parsed_args *a) { return run_net_op(c, a, NET_DESTROY); }
static int cmd_net_undefine(ctx *c, const parsed_args *a) { return run_net_op(c, a, NET_UNDEFINE); }

static int cmd_net_dumpxml(ctx *c, const parsed_args *a)
{
    vw_network_lookup_by_name_ret net;
    int rc = lookup_network(c, virtc_arg_value(c->cmd, a, "network"), &net);
    if (rc)
        return rc;
    vw_virerror err = {0};
    vw_network_get_xml_desc_args xa = {
        .net = net.net,
        .flags = virtc_arg_set(c->cmd, a, "inactive") ? NETWORK_XML_INACTIVE : 0};
    vw_network_get_xml_desc_ret xr;
    if (vw_remote_network_get_xml_desc(c->conn, &xa, &xr, &err) < 0)
        rc = virtc_report(&err);
    else
        virtc_print_xml(xr.str);
    vw_remote_network_get_xml_desc_free(&xr);
    vw_remote_network_lookup_by_name_free(&net);
    return rc;
}

static const arg_spec args_net[] = {
    {"network", ARG_POSITIONAL, true, "network name or uuid"}, {0}};
static const arg_spec args_net_file[] = {
    {"file", ARG_POSITIONAL, true, "network XML file"}, {0}};
static const arg_spec args_net_dumpxml[] = {
    {"network", ARG_POSITIONAL, true, "network name or uuid"},
    {"inactive", ARG_BOOL, false, "the inactive configuration"}, {0}};

const command virtc_net_commands[] = {
    {"net-define", args_net_file, cmd_net_define, "FILE: define a persistent network from XML"},
    {"net-start", args_net, cmd_net_start, "NETWORK: start a defined network"},
    {"net-destroy", args_net, cmd_net_destroy, "NETWORK: stop a network"},
    {"net-undefine", args_net, cmd_net_undefine, "NETWORK: remove a network's definition"},
    {"net-dumpxml", args_net_dumpxml, cmd_net_dumpxml, "NETWORK [--inactive]: a network's XML"},
    {NULL, NULL, NULL, NULL}};
