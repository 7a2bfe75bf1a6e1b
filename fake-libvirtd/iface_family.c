/* iface_family.c: the handlers of host interfaces (libvirt 9.0's testInterfaceDriver): the old
 * count and list calls, LIST_ALL, lookups, XML, define/undefine, create/destroy, is-active and
 * the change transaction. The state is model_iface.c's. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "model_iface.h"
#include "vw_remote_protocol.h"
#include "vw_procedures.h"

#define R VW_REMOTE_PROGRAM

/* The model's interfaces once flags pass the test driver's check in func (func NULL: none),
 * or NULL after replying the error. */
static fl_iface_state *checked(fl_conn *c, const vw_packet_header *hdr, unsigned flags,
                               unsigned supported, const char *func)
{
    if (func && !fl_flags_ok(c, hdr, flags, supported, func))
        return NULL;
    fl_iface_state *s = fl_ifaces(c->model);
    if (!s) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, hdr, &e);
    }
    return s;
}

/* The interface a remote_nonnull_interface names (the test driver matches the name). */
static fl_iface *get_iface(fl_conn *c, const vw_packet_header *hdr,
                           const vw_nonnull_interface *ref)
{
    fl_iface_state *s = checked(c, hdr, 0, 0, NULL);
    vw_virerror e = {0};
    fl_iface *i = s ? fl_iface_lookup_name(s, ref->name, &e) : NULL;
    if (s && !i)
        fl_conn_reply_error(c, hdr, &e);
    return i;
}

static void reply_iface(fl_conn *c, const vw_packet_header *hdr, const fl_iface *i,
                        vw_virerror *e)
{
    if (!i) {
        fl_conn_reply_error(c, hdr, e);
        return;
    }
    vw_interface_ret r = {{i->name, i->mac}};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_interface_ret, &r);
}

/* Replies OK, or the error when rc < 0. */
static void reply_rc(fl_conn *c, const vw_packet_header *hdr, int rc, vw_virerror *e)
{
    if (rc < 0)
        fl_conn_reply_error(c, hdr, e);
    else
        fl_reply_void(c, hdr);
}

/* ---- counts and lists ------------------------------------------------------------------------ */

static void num_of(fl_conn *c, const vw_packet_header *hdr, unsigned flags)
{
    fl_iface_state *s = checked(c, hdr, 0, 0, NULL);
    size_t n = 0;
    if (s) {
        free(fl_iface_list(s, flags, &n));
        fl_reply_int(c, hdr, (int)n);
    }
}

static void h_num_of_interfaces(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    num_of(c, hdr, 2 /* ACTIVE */);
}

static void h_num_of_defined_interfaces(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    num_of(c, hdr, 1 /* INACTIVE */);
}

static void list_names(fl_conn *c, const vw_packet_header *hdr, int maxnames, unsigned flags)
{
    if (maxnames < 0 || maxnames > VW_REMOTE_INTERFACE_LIST_MAX) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_RPC, VW_FROM_RPC, "", "maxnames > REMOTE_INTERFACE_LIST_MAX");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_iface_state *s = checked(c, hdr, 0, 0, NULL);
    if (!s)
        return;
    size_t n = 0;
    fl_iface **list = fl_iface_list(s, flags, &n);
    char **names = n ? calloc(n, sizeof(char *)) : NULL;
    vw_connect_list_interfaces_ret r = {{0, names}};
    for (size_t i = 0; names && i < n && (int)i < maxnames; i++)
        names[r.names.names_len++] = list[i]->name;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_interfaces_ret, &r);
    free(names);
    free(list);
}

static void h_list_interfaces(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    list_names(c, hdr, ((vw_connect_list_interfaces_args *)args)->maxnames, 2 /* ACTIVE */);
}

static void h_list_defined_interfaces(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    list_names(c, hdr, ((vw_connect_list_interfaces_args *)args)->maxnames, 1 /* INACTIVE */);
}

static void h_list_all_interfaces(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_list_all_interfaces_args *a = args;
    fl_iface_state *s = checked(c, hdr, a->flags, 3, "testConnectListAllInterfaces");
    if (!s)
        return;
    size_t n = 0;
    fl_iface **list = fl_iface_list(s, a->flags, &n);
    if (n > VW_REMOTE_INTERFACE_LIST_MAX) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_RPC, VW_FROM_RPC, "",
                           "Too many interfaces '%zu' for limit '%d'",
                           n, VW_REMOTE_INTERFACE_LIST_MAX);
        fl_conn_reply_error(c, hdr, &e);
        free(list);
        return;
    }
    vw_nonnull_interface *refs = a->need_results && n ? calloc(n, sizeof(*refs)) : NULL;
    vw_connect_list_all_interfaces_ret r = {{0, refs}, (u_int)n};
    for (size_t i = 0; refs && i < n; i++) {
        refs[i].name = list[i]->name;
        refs[i].mac = list[i]->mac;
        r.ifaces.ifaces_len++;
    }
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_all_interfaces_ret, &r);
    free(refs);
    free(list);
}

/* ---- lookups and XML ------------------------------------------------------------------------- */

static void h_lookup_by_name(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_iface_state *s = checked(c, hdr, 0, 0, NULL);
    vw_virerror e = {0};
    if (s)
        reply_iface(c, hdr,
                    fl_iface_lookup_name(s, ((vw_interface_lookup_by_name_args *)args)->name, &e),
                    &e);
}

static void h_lookup_by_mac(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_iface_state *s = checked(c, hdr, 0, 0, NULL);
    vw_virerror e = {0};
    if (s)
        reply_iface(c, hdr,
                    fl_iface_lookup_mac(s, ((vw_interface_lookup_by_mac_string_args *)args)->mac,
                                        &e),
                    &e);
}

static void h_get_xml_desc(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_interface_flags_args *a = args;
    vw_virerror e = {0};
    fl_iface *i = get_iface(c, hdr, &a->iface);
    if (!i)
        return;
    if (fl_check_flags(a->flags, 0, "testInterfaceGetXMLDesc", &e) < 0)
        fl_conn_reply_error(c, hdr, &e);
    else
        fl_reply_string(c, hdr, i->xml);
}

static void h_is_active(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_iface *i = get_iface(c, hdr, &((vw_interface_undefine_args *)args)->iface);
    if (i)
        fl_reply_int(c, hdr, i->active);
}

/* ---- changes --------------------------------------------------------------------------------- */

static void h_define_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_interface_define_xml_args *a = args;
    vw_virerror e = {0};
    /* VIR_INTERFACE_DEFINE_VALIDATE (1) is accepted */
    fl_iface_state *s = checked(c, hdr, a->flags, 1, "testInterfaceDefineXML");
    if (s)
        reply_iface(c, hdr, fl_iface_define(s, a->xml, &e), &e);
}

static void h_undefine(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_iface *i = get_iface(c, hdr, &((vw_interface_undefine_args *)args)->iface);
    if (i) {
        fl_iface_undefine(fl_ifaces(c->model), i);
        fl_reply_void(c, hdr);
    }
}

/* CREATE / DESTROY: the interface's transition after the test driver's flag check in func. */
static void iface_step(fl_conn *c, const vw_packet_header *hdr, void *args, const char *func,
                       int (*step)(fl_iface *, vw_virerror *))
{
    vw_interface_flags_args *a = args;
    vw_virerror e = {0};
    fl_iface *i = get_iface(c, hdr, &a->iface);
    if (i && fl_flags_ok(c, hdr, a->flags, 0, func))
        reply_rc(c, hdr, step(i, &e), &e);
}

static void h_create(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    iface_step(c, hdr, args, "testInterfaceCreate", fl_iface_create);
}

static void h_destroy(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    iface_step(c, hdr, args, "testInterfaceDestroy", fl_iface_destroy);
}

/* A change transaction step after the test driver's flag check (func names it). */
static void change_step(fl_conn *c, const vw_packet_header *hdr, void *args, const char *func,
                        int (*step)(fl_iface_state *, vw_virerror *))
{
    vw_virerror e = {0};
    fl_iface_state *s = checked(c, hdr, ((vw_interface_change_args *)args)->flags, 0, func);
    if (s)
        reply_rc(c, hdr, step(s, &e), &e);
}

static void h_change_begin(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    change_step(c, hdr, args, "testInterfaceChangeBegin", fl_iface_change_begin);
}

static void h_change_commit(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    change_step(c, hdr, args, "testInterfaceChangeCommit", fl_iface_change_commit);
}

static void h_change_rollback(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    change_step(c, hdr, args, "testInterfaceChangeRollback", fl_iface_change_rollback);
}

static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_CONNECT_NUM_OF_INTERFACES, h_num_of_interfaces, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_INTERFACES, h_list_interfaces, false},
    {R, VW_REMOTE_PROC_CONNECT_NUM_OF_DEFINED_INTERFACES, h_num_of_defined_interfaces, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_DEFINED_INTERFACES, h_list_defined_interfaces, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_ALL_INTERFACES, h_list_all_interfaces, false},
    {R, VW_REMOTE_PROC_INTERFACE_LOOKUP_BY_NAME, h_lookup_by_name, false},
    {R, VW_REMOTE_PROC_INTERFACE_LOOKUP_BY_MAC_STRING, h_lookup_by_mac, false},
    {R, VW_REMOTE_PROC_INTERFACE_GET_XML_DESC, h_get_xml_desc, false},
    {R, VW_REMOTE_PROC_INTERFACE_IS_ACTIVE, h_is_active, false},
    {R, VW_REMOTE_PROC_INTERFACE_DEFINE_XML, h_define_xml, false},
    {R, VW_REMOTE_PROC_INTERFACE_UNDEFINE, h_undefine, false},
    {R, VW_REMOTE_PROC_INTERFACE_CREATE, h_create, false},
    {R, VW_REMOTE_PROC_INTERFACE_DESTROY, h_destroy, false},
    {R, VW_REMOTE_PROC_INTERFACE_CHANGE_BEGIN, h_change_begin, false},
    {R, VW_REMOTE_PROC_INTERFACE_CHANGE_COMMIT, h_change_commit, false},
    {R, VW_REMOTE_PROC_INTERFACE_CHANGE_ROLLBACK, h_change_rollback, false},
};

const fl_handler_family fl_handlers_iface = FL_HANDLER_FAMILY(rows);
