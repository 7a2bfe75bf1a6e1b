/* lv_procs.c: typed procedure wrappers of the client library (declared in libvirt_client.h),
 * the handshake and event-registration calls, event message decoding, and the conversions between
 * proto/'s rpcgen types and the public vw_client_* types. Every wrapper is one vw_call. */
#include "lv_procs.h"
#include "lv_error.h"
#include "lv_uri.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIR_DOMAIN_EVENT_ID_LIFECYCLE 0
#define REMOTE_PROC_AUTH_POLKIT 70

/* ---- object helpers ------------------------------------------------------------------------------ */

void vw_client_domain_clear(vw_client_domain *dom)
{
    if (!dom)
        return;
    free(dom->name);
    memset(dom, 0, sizeof(*dom));
}

void vw_client_domain_list_free(vw_client_domain *doms, size_t count)
{
    for (size_t i = 0; doms && i < count; i++)
        free(doms[i].name);
    free(doms);
}

void vw_client_network_clear(vw_client_network *net)
{
    if (!net)
        return;
    free(net->name);
    memset(net, 0, sizeof(*net));
}

void vw_client_network_list_free(vw_client_network *nets, size_t count)
{
    for (size_t i = 0; nets && i < count; i++)
        free(nets[i].name);
    free(nets);
}

void vw_client_storage_pool_clear(vw_client_storage_pool *pool)
{
    if (!pool)
        return;
    free(pool->name);
    memset(pool, 0, sizeof(*pool));
}

void vw_client_storage_pool_list_free(vw_client_storage_pool *pools, size_t count)
{
    for (size_t i = 0; pools && i < count; i++)
        free(pools[i].name);
    free(pools);
}

static int nomem(vw_client_error *err)
{
    vw_client_error_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
    return -1;
}

static int invalid(vw_client_error *err, const char *what)
{
    vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC, "%s", what);
    return -1;
}

static int dom_from_wire(vw_client_domain *out, const vw_nonnull_domain *in)
{
    memset(out, 0, sizeof(*out));
    out->name = strdup(in->name ? in->name : "");
    if (!out->name)
        return -1;
    memcpy(out->uuid, in->uuid, VW_UUID_BUFLEN);
    out->id = in->id;
    return 0;
}

/* The wire form borrows dom's name (never freed through it). */
static void dom_to_wire(vw_nonnull_domain *out, const vw_client_domain *dom)
{
    out->name = dom->name ? dom->name : (char *)"";
    memcpy(out->uuid, dom->uuid, VW_UUID_BUFLEN);
    out->id = dom->id;
}

static void net_to_wire(vw_nonnull_network *out, const vw_client_network *net)
{
    out->name = net->name ? net->name : (char *)"";
    memcpy(out->uuid, net->uuid, VW_UUID_BUFLEN);
}

static void pool_to_wire(vw_nonnull_storage_pool *out, const vw_client_storage_pool *pool)
{
    out->name = pool->name ? pool->name : (char *)"";
    memcpy(out->uuid, pool->uuid, VW_UUID_BUFLEN);
}

static int name_uuid_from_wire(char **name, unsigned char uuid[VW_UUID_BUFLEN], const char *wname,
                               const char *wuuid)
{
    *name = strdup(wname ? wname : "");
    if (!*name)
        return -1;
    memcpy(uuid, wuuid, VW_UUID_BUFLEN);
    return 0;
}

/* ---- call shorthands ------------------------------------------------------------------------------ */

static int remote_call(vw_conn *conn, int proc, xdrproc_t args_proc, void *args, xdrproc_t ret_proc,
                       void *ret, vw_client_error *err)
{
    if (!conn)
        return invalid(err, "no connection (NULL vw_conn)");
    return vw_call(conn, VW_REMOTE_PROGRAM, proc, args_proc, args, ret_proc, ret, err);
}

#define CHECK_ARGS(cond, what) do { if (!(cond)) return invalid(err, what); } while (0)

/* A call whose reply is one string moved into *out. */
static int call_string(vw_conn *conn, int proc, xdrproc_t args_proc, void *args, char **out,
                       vw_client_error *err)
{
    vw_string_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, proc, args_proc, args, (xdrproc_t)xdr_vw_string_ret, &ret, err) < 0)
        return -1;
    *out = ret.str;                /* take the string; nothing else to free */
    if (!*out && !(*out = strdup("")))
        return nomem(err);
    return 0;
}

static int call_int(vw_conn *conn, int proc, xdrproc_t args_proc, void *args, int *out,
                    vw_client_error *err)
{
    vw_int_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, proc, args_proc, args, (xdrproc_t)xdr_vw_int_ret, &ret, err) < 0)
        return -1;
    *out = ret.value;
    return 0;
}

static int call_domain_ret(vw_conn *conn, int proc, xdrproc_t args_proc, void *args,
                           vw_client_domain *dom, vw_client_error *err)
{
    vw_domain_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, proc, args_proc, args, (xdrproc_t)xdr_vw_domain_ret, &ret, err) < 0)
        return -1;
    int rc = 0;
    if (dom && dom_from_wire(dom, &ret.dom) < 0)
        rc = nomem(err);
    xdr_free((xdrproc_t)xdr_vw_domain_ret, (char *)&ret);
    return rc;
}

/* A call that takes only a domain and returns nothing. */
static int call_domain_void(vw_conn *conn, int proc, const vw_client_domain *dom,
                            vw_client_error *err)
{
    CHECK_ARGS(dom, "no domain given");
    vw_domain_args args;
    dom_to_wire(&args.dom, dom);
    return remote_call(conn, proc, (xdrproc_t)xdr_vw_domain_args, &args, NULL, NULL, err);
}

static int call_domain_flags_void(vw_conn *conn, int proc, const vw_client_domain *dom,
                                  unsigned int flags, vw_client_error *err)
{
    CHECK_ARGS(dom, "no domain given");
    vw_domain_flags_args args;
    dom_to_wire(&args.dom, dom);
    args.flags = flags;
    return remote_call(conn, proc, (xdrproc_t)xdr_vw_domain_flags_args, &args, NULL, NULL, err);
}

static int call_domain_int(vw_conn *conn, int proc, const vw_client_domain *dom, int *out,
                           vw_client_error *err)
{
    CHECK_ARGS(dom && out, "no domain or result pointer given");
    vw_domain_args args;
    dom_to_wire(&args.dom, dom);
    return call_int(conn, proc, (xdrproc_t)xdr_vw_domain_args, &args, out, err);
}

/* ---- handshake ---------------------------------------------------------------------------------- */

int lv_procs_auth_list(vw_conn *conn, int timeout_ms, int *types, size_t max, size_t *count,
                       vw_client_error *err)
{
    vw_auth_list_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_conn_call_timeout(conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_AUTH_LIST, NULL, NULL,
                             (xdrproc_t)xdr_vw_auth_list_ret, &ret, timeout_ms, err) < 0)
        return -1;
    *count = 0;
    for (u_int i = 0; i < ret.types.types_len && *count < max; i++)
        types[(*count)++] = (int)ret.types.types_val[i];
    xdr_free((xdrproc_t)xdr_vw_auth_list_ret, (char *)&ret);
    return 0;
}

int lv_procs_auth_polkit(vw_conn *conn, int timeout_ms, vw_client_error *err)
{
    vw_int_ret ret;
    memset(&ret, 0, sizeof(ret));
    return lv_conn_call_timeout(conn, VW_REMOTE_PROGRAM, REMOTE_PROC_AUTH_POLKIT, NULL, NULL,
                                (xdrproc_t)xdr_vw_int_ret, &ret, timeout_ms, err);
}

int lv_procs_supports_feature(vw_conn *conn, int feature, int timeout_ms, int *supported,
                              vw_client_error *err)
{
    vw_connect_supports_feature_args args = { .feature = feature };
    vw_connect_supports_feature_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_conn_call_timeout(conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
                             (xdrproc_t)xdr_vw_connect_supports_feature_args, &args,
                             (xdrproc_t)xdr_vw_connect_supports_feature_ret, &ret, timeout_ms,
                             err) < 0)
        return -1;
    *supported = ret.supported;
    return 0;
}

int lv_procs_connect_open(vw_conn *conn, const char *name, unsigned int flags, int timeout_ms,
                          vw_client_error *err)
{
    char *name_copy = (char *)name;
    vw_connect_open_args args = { .name = name ? &name_copy : NULL, .flags = flags };
    return lv_conn_call_timeout(conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_OPEN,
                                (xdrproc_t)xdr_vw_connect_open_args, &args, NULL, NULL, timeout_ms,
                                err);
}

int lv_procs_connect_close(vw_conn *conn, int timeout_ms, vw_client_error *err)
{
    return lv_conn_call_timeout(conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_CLOSE, NULL, NULL,
                                NULL, NULL, timeout_ms, err);
}

/* ---- connection-level procedures ------------------------------------------------------------------ */

int vw_connect_get_lib_version(vw_conn *conn, uint64_t *version, vw_client_error *err)
{
    CHECK_ARGS(version, "no result pointer given");
    vw_connect_get_lib_version_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION, NULL, NULL,
                    (xdrproc_t)xdr_vw_connect_get_lib_version_ret, &ret, err) < 0)
        return -1;
    *version = ret.lib_ver;
    return 0;
}

int vw_connect_get_version(vw_conn *conn, uint64_t *hv_version, vw_client_error *err)
{
    CHECK_ARGS(hv_version, "no result pointer given");
    vw_connect_get_version_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_CONNECT_GET_VERSION, NULL, NULL,
                    (xdrproc_t)xdr_vw_connect_get_version_ret, &ret, err) < 0)
        return -1;
    *hv_version = ret.hv_ver;
    return 0;
}

int vw_connect_get_type(vw_conn *conn, char **type, vw_client_error *err)
{
    CHECK_ARGS(type, "no result pointer given");
    return call_string(conn, VW_REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL, type, err);
}

int vw_connect_get_hostname(vw_conn *conn, char **hostname, vw_client_error *err)
{
    CHECK_ARGS(hostname, "no result pointer given");
    return call_string(conn, VW_REMOTE_PROC_CONNECT_GET_HOSTNAME, NULL, NULL, hostname, err);
}

int vw_connect_get_capabilities(vw_conn *conn, char **xml, vw_client_error *err)
{
    CHECK_ARGS(xml, "no result pointer given");
    return call_string(conn, VW_REMOTE_PROC_CONNECT_GET_CAPABILITIES, NULL, NULL, xml, err);
}

int vw_node_get_info(vw_conn *conn, vw_client_node_info *info, vw_client_error *err)
{
    CHECK_ARGS(info, "no result pointer given");
    vw_node_get_info_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_NODE_GET_INFO, NULL, NULL,
                    (xdrproc_t)xdr_vw_node_get_info_ret, &ret, err) < 0)
        return -1;
    memset(info, 0, sizeof(*info));
    memcpy(info->model, ret.model, sizeof(info->model) - 1);   /* always NUL-terminated */
    info->memory = ret.memory;
    info->cpus = (unsigned int)ret.cpus;
    info->mhz = (unsigned int)ret.mhz;
    info->nodes = (unsigned int)ret.nodes;
    info->sockets = (unsigned int)ret.sockets;
    info->cores = (unsigned int)ret.cores;
    info->threads = (unsigned int)ret.threads;
    xdr_free((xdrproc_t)xdr_vw_node_get_info_ret, (char *)&ret);
    return 0;
}

int vw_connect_list_all_domains(vw_conn *conn, unsigned int flags, vw_client_domain **doms,
                                size_t *count, vw_client_error *err)
{
    CHECK_ARGS(doms && count, "no result pointers given");
    vw_connect_list_all_domains_args args = { .need_results = 1, .flags = flags };
    vw_connect_list_all_domains_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
                    (xdrproc_t)xdr_vw_connect_list_all_domains_args, &args,
                    (xdrproc_t)xdr_vw_connect_list_all_domains_ret, &ret, err) < 0)
        return -1;
    size_t n = ret.domains.domains_len;
    vw_client_domain *list = calloc(n ? n : 1, sizeof(*list));
    int rc = 0;
    if (!list) {
        rc = nomem(err);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (dom_from_wire(&list[i], &ret.domains.domains_val[i]) < 0) {
                vw_client_domain_list_free(list, i);
                list = NULL;
                rc = nomem(err);
                break;
            }
        }
    }
    xdr_free((xdrproc_t)xdr_vw_connect_list_all_domains_ret, (char *)&ret);
    if (rc < 0)
        return -1;
    *doms = list;
    *count = n;
    return 0;
}

int vw_connect_list_all_networks(vw_conn *conn, unsigned int flags, vw_client_network **nets,
                                 size_t *count, vw_client_error *err)
{
    CHECK_ARGS(nets && count, "no result pointers given");
    vw_connect_list_all_networks_args args = { .need_results = 1, .flags = flags };
    vw_connect_list_all_networks_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS,
                    (xdrproc_t)xdr_vw_connect_list_all_networks_args, &args,
                    (xdrproc_t)xdr_vw_connect_list_all_networks_ret, &ret, err) < 0)
        return -1;
    size_t n = ret.nets.nets_len;
    vw_client_network *list = calloc(n ? n : 1, sizeof(*list));
    int rc = 0;
    if (!list) {
        rc = nomem(err);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (name_uuid_from_wire(&list[i].name, list[i].uuid, ret.nets.nets_val[i].name,
                                    ret.nets.nets_val[i].uuid) < 0) {
                vw_client_network_list_free(list, i);
                list = NULL;
                rc = nomem(err);
                break;
            }
        }
    }
    xdr_free((xdrproc_t)xdr_vw_connect_list_all_networks_ret, (char *)&ret);
    if (rc < 0)
        return -1;
    *nets = list;
    *count = n;
    return 0;
}

int vw_connect_list_all_storage_pools(vw_conn *conn, unsigned int flags,
                                      vw_client_storage_pool **pools, size_t *count,
                                      vw_client_error *err)
{
    CHECK_ARGS(pools && count, "no result pointers given");
    vw_connect_list_all_storage_pools_args args = { .need_results = 1, .flags = flags };
    vw_connect_list_all_storage_pools_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS,
                    (xdrproc_t)xdr_vw_connect_list_all_storage_pools_args, &args,
                    (xdrproc_t)xdr_vw_connect_list_all_storage_pools_ret, &ret, err) < 0)
        return -1;
    size_t n = ret.pools.pools_len;
    vw_client_storage_pool *list = calloc(n ? n : 1, sizeof(*list));
    int rc = 0;
    if (!list) {
        rc = nomem(err);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (name_uuid_from_wire(&list[i].name, list[i].uuid, ret.pools.pools_val[i].name,
                                    ret.pools.pools_val[i].uuid) < 0) {
                vw_client_storage_pool_list_free(list, i);
                list = NULL;
                rc = nomem(err);
                break;
            }
        }
    }
    xdr_free((xdrproc_t)xdr_vw_connect_list_all_storage_pools_ret, (char *)&ret);
    if (rc < 0)
        return -1;
    *pools = list;
    *count = n;
    return 0;
}

/* ---- domains -------------------------------------------------------------------------------------- */

int vw_domain_lookup_by_name(vw_conn *conn, const char *name, vw_client_domain *dom,
                             vw_client_error *err)
{
    CHECK_ARGS(name && dom, "no domain name or result pointer given");
    vw_domain_lookup_by_name_args args = { .name = (char *)name };
    return call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
                           (xdrproc_t)xdr_vw_domain_lookup_by_name_args, &args, dom, err);
}

int vw_domain_lookup_by_uuid(vw_conn *conn, const unsigned char uuid[VW_UUID_BUFLEN],
                             vw_client_domain *dom, vw_client_error *err)
{
    CHECK_ARGS(uuid && dom, "no UUID or result pointer given");
    vw_domain_lookup_by_uuid_args args;
    memcpy(args.uuid, uuid, VW_UUID_BUFLEN);
    return call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID,
                           (xdrproc_t)xdr_vw_domain_lookup_by_uuid_args, &args, dom, err);
}

int vw_domain_lookup_by_id(vw_conn *conn, int id, vw_client_domain *dom, vw_client_error *err)
{
    CHECK_ARGS(dom, "no result pointer given");
    vw_domain_lookup_by_id_args args = { .id = id };
    return call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_ID,
                           (xdrproc_t)xdr_vw_domain_lookup_by_id_args, &args, dom, err);
}

int vw_domain_get_info(vw_conn *conn, const vw_client_domain *dom, vw_client_domain_info *info,
                       vw_client_error *err)
{
    CHECK_ARGS(dom && info, "no domain or result pointer given");
    vw_domain_args args;
    dom_to_wire(&args.dom, dom);
    vw_domain_get_info_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_DOMAIN_GET_INFO, (xdrproc_t)xdr_vw_domain_args, &args,
                    (xdrproc_t)xdr_vw_domain_get_info_ret, &ret, err) < 0)
        return -1;
    info->state = ret.state;
    info->max_mem = ret.maxMem;
    info->memory = ret.memory;
    info->nr_virt_cpu = ret.nrVirtCpu;
    info->cpu_time = ret.cpuTime;
    return 0;
}

int vw_domain_get_state(vw_conn *conn, const vw_client_domain *dom, unsigned int flags, int *state,
                        int *reason, vw_client_error *err)
{
    CHECK_ARGS(dom && state, "no domain or result pointer given");
    vw_domain_flags_args args;
    dom_to_wire(&args.dom, dom);
    args.flags = flags;
    vw_domain_get_state_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_DOMAIN_GET_STATE, (xdrproc_t)xdr_vw_domain_flags_args,
                    &args, (xdrproc_t)xdr_vw_domain_get_state_ret, &ret, err) < 0)
        return -1;
    *state = ret.state;
    if (reason)
        *reason = ret.reason;
    return 0;
}

int vw_domain_get_xml_desc(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                           char **xml, vw_client_error *err)
{
    CHECK_ARGS(dom && xml, "no domain or result pointer given");
    vw_domain_get_xml_desc_args args;
    dom_to_wire(&args.dom, dom);
    args.flags = flags;
    return call_string(conn, VW_REMOTE_PROC_DOMAIN_GET_XML_DESC,
                       (xdrproc_t)xdr_vw_domain_get_xml_desc_args, &args, xml, err);
}

int vw_domain_get_os_type(vw_conn *conn, const vw_client_domain *dom, char **os_type,
                          vw_client_error *err)
{
    CHECK_ARGS(dom && os_type, "no domain or result pointer given");
    vw_domain_args args;
    dom_to_wire(&args.dom, dom);
    return call_string(conn, VW_REMOTE_PROC_DOMAIN_GET_OS_TYPE, (xdrproc_t)xdr_vw_domain_args,
                       &args, os_type, err);
}

int vw_domain_get_autostart(vw_conn *conn, const vw_client_domain *dom, int *autostart,
                            vw_client_error *err)
{
    return call_domain_int(conn, VW_REMOTE_PROC_DOMAIN_GET_AUTOSTART, dom, autostart, err);
}

int vw_domain_get_messages(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                           char ***messages, size_t *count, vw_client_error *err)
{
    CHECK_ARGS(dom && messages && count, "no domain or result pointer given");
    vw_domain_get_messages_args args;
    dom_to_wire(&args.dom, dom);
    args.flags = flags;
    vw_domain_get_messages_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (vw_call(conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_GET_MESSAGES,
                (xdrproc_t)xdr_vw_domain_get_messages_args, &args,
                (xdrproc_t)xdr_vw_domain_get_messages_ret, &ret, err) < 0)
        return -1;
    /* Hand the decoded array over as it is: xdr_string allocated each element with malloc. */
    *messages = ret.msgs.msgs_len ? ret.msgs.msgs_val : NULL;
    *count = ret.msgs.msgs_len;
    if (!ret.msgs.msgs_len)
        free(ret.msgs.msgs_val);
    return 0;
}

void vw_string_list_free(char **strings, size_t count)
{
    for (size_t i = 0; strings && i < count; i++)
        free(strings[i]);
    free(strings);
}

int vw_domain_is_active(vw_conn *conn, const vw_client_domain *dom, int *active,
                        vw_client_error *err)
{
    return call_domain_int(conn, VW_REMOTE_PROC_DOMAIN_IS_ACTIVE, dom, active, err);
}

int vw_domain_is_persistent(vw_conn *conn, const vw_client_domain *dom, int *persistent,
                            vw_client_error *err)
{
    return call_domain_int(conn, VW_REMOTE_PROC_DOMAIN_IS_PERSISTENT, dom, persistent, err);
}

int vw_domain_define_xml(vw_conn *conn, const char *xml, unsigned int flags, vw_client_domain *dom,
                         vw_client_error *err)
{
    CHECK_ARGS(xml, "no domain XML given");
    if (flags == 0) {
        vw_domain_define_xml_args args = { .xml = (char *)xml };
        return call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_DEFINE_XML,
                               (xdrproc_t)xdr_vw_domain_define_xml_args, &args, dom, err);
    }
    vw_domain_define_xml_flags_args args = { .xml = (char *)xml, .flags = flags };
    return call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS,
                           (xdrproc_t)xdr_vw_domain_define_xml_flags_args, &args, dom, err);
}

int vw_domain_undefine(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                       vw_client_error *err)
{
    if (flags == 0)
        return call_domain_void(conn, VW_REMOTE_PROC_DOMAIN_UNDEFINE, dom, err);
    return call_domain_flags_void(conn, VW_REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, dom, flags, err);
}

int vw_domain_create(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                     vw_client_error *err)
{
    if (flags == 0)
        return call_domain_void(conn, VW_REMOTE_PROC_DOMAIN_CREATE, dom, err);
    CHECK_ARGS(dom, "no domain given");
    vw_domain_flags_args args;
    dom_to_wire(&args.dom, dom);
    args.flags = flags;
    return call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS,
                           (xdrproc_t)xdr_vw_domain_flags_args, &args, NULL, err);
}

int vw_domain_create_xml(vw_conn *conn, const char *xml, unsigned int flags, vw_client_domain *dom,
                         vw_client_error *err)
{
    CHECK_ARGS(xml, "no domain XML given");
    vw_domain_create_xml_args args = { .xml_desc = (char *)xml, .flags = flags };
    return call_domain_ret(conn, VW_REMOTE_PROC_DOMAIN_CREATE_XML,
                           (xdrproc_t)xdr_vw_domain_create_xml_args, &args, dom, err);
}

int vw_domain_destroy(vw_conn *conn, const vw_client_domain *dom, vw_client_error *err)
{
    return call_domain_void(conn, VW_REMOTE_PROC_DOMAIN_DESTROY, dom, err);
}

int vw_domain_shutdown(vw_conn *conn, const vw_client_domain *dom, vw_client_error *err)
{
    return call_domain_void(conn, VW_REMOTE_PROC_DOMAIN_SHUTDOWN, dom, err);
}

int vw_domain_reboot(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                     vw_client_error *err)
{
    return call_domain_flags_void(conn, VW_REMOTE_PROC_DOMAIN_REBOOT, dom, flags, err);
}

int vw_domain_suspend(vw_conn *conn, const vw_client_domain *dom, vw_client_error *err)
{
    return call_domain_void(conn, VW_REMOTE_PROC_DOMAIN_SUSPEND, dom, err);
}

int vw_domain_resume(vw_conn *conn, const vw_client_domain *dom, vw_client_error *err)
{
    return call_domain_void(conn, VW_REMOTE_PROC_DOMAIN_RESUME, dom, err);
}

int vw_domain_qemu_monitor_command(vw_conn *conn, const vw_client_domain *dom, const char *cmd,
                                   unsigned int flags, char **result, vw_client_error *err)
{
    CHECK_ARGS(conn && dom && cmd && result, "no connection, domain, command or result pointer");
    vw_qemu_domain_monitor_command_args args;
    dom_to_wire(&args.dom, dom);
    args.cmd = (char *)cmd;
    args.flags = flags;
    vw_qemu_domain_monitor_command_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (vw_call(conn, VW_QEMU_PROGRAM, VW_QEMU_PROC_DOMAIN_MONITOR_COMMAND,
                (xdrproc_t)xdr_vw_qemu_domain_monitor_command_args, &args,
                (xdrproc_t)xdr_vw_qemu_domain_monitor_command_ret, &ret, err) < 0)
        return -1;
    *result = ret.result;
    if (!*result && !(*result = strdup("")))
        return nomem(err);
    return 0;
}

/* ---- migration ------------------------------------------------------------------------------------ */

int vw_domain_migrate_perform3_params(vw_conn *conn, const vw_client_domain *dom,
                                      const char *dconnuri, const vw_client_typed_param *params,
                                      size_t nparams, unsigned int flags, vw_client_error *err)
{
    CHECK_ARGS(dom, "no domain given");
    CHECK_ARGS(nparams == 0 || params, "nparams > 0 but no params");
    if (nparams > VW_REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX) {
        vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                            "too many migration parameters: %zu (the protocol allows %d)",
                            nparams, VW_REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX);
        return -1;
    }
    vw_typed_param wire[VW_REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX];
    memset(wire, 0, sizeof(wire));
    for (size_t i = 0; i < nparams; i++) {
        const vw_client_typed_param *p = &params[i];
        if (!p->field || !p->field[0] || strlen(p->field) >= 80) {
            vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                                "migration parameter %zu has no field name or one of 80+ chars",
                                i);
            return -1;
        }
        wire[i].field = (char *)p->field;
        wire[i].value.type = p->type;
        switch (p->type) {
        case VW_TYPED_PARAM_INT: wire[i].value.vw_typed_param_value_u.i = p->value.i; break;
        case VW_TYPED_PARAM_UINT: wire[i].value.vw_typed_param_value_u.ui = p->value.ui; break;
        case VW_TYPED_PARAM_LLONG: wire[i].value.vw_typed_param_value_u.l = p->value.l; break;
        case VW_TYPED_PARAM_ULLONG: wire[i].value.vw_typed_param_value_u.ul = p->value.ul; break;
        case VW_TYPED_PARAM_DOUBLE: wire[i].value.vw_typed_param_value_u.d = p->value.d; break;
        case VW_TYPED_PARAM_BOOLEAN: wire[i].value.vw_typed_param_value_u.b = p->value.b; break;
        case VW_TYPED_PARAM_STRING:
            if (!p->value.s) {
                vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                                    "migration parameter '%s' is a string but NULL", p->field);
                return -1;
            }
            wire[i].value.vw_typed_param_value_u.s = (char *)p->value.s;
            break;
        default:
            vw_client_error_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC,
                                "migration parameter '%s' has unknown type %d (1..7)", p->field,
                                p->type);
            return -1;
        }
    }
    char *dconnuri_copy = (char *)dconnuri;
    vw_domain_migrate_perform3_params_args args;
    memset(&args, 0, sizeof(args));
    dom_to_wire(&args.dom, dom);
    args.dconnuri = dconnuri ? &dconnuri_copy : NULL;
    args.params.params_len = (u_int)nparams;
    args.params.params_val = wire;
    args.flags = flags;
    vw_domain_migrate_perform3_params_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS,
                    (xdrproc_t)xdr_vw_domain_migrate_perform3_params_args, &args,
                    (xdrproc_t)xdr_vw_domain_migrate_perform3_params_ret, &ret, err) < 0)
        return -1;
    xdr_free((xdrproc_t)xdr_vw_domain_migrate_perform3_params_ret, (char *)&ret);
    return 0;
}

int vw_domain_migrate_set_max_speed(vw_conn *conn, const vw_client_domain *dom, uint64_t bandwidth,
                                    unsigned int flags, vw_client_error *err)
{
    CHECK_ARGS(dom, "no domain given");
    vw_domain_migrate_set_max_speed_args args;
    dom_to_wire(&args.dom, dom);
    args.bandwidth = bandwidth;
    args.flags = flags;
    return remote_call(conn, VW_REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_SPEED,
                       (xdrproc_t)xdr_vw_domain_migrate_set_max_speed_args, &args, NULL, NULL,
                       err);
}

int vw_domain_migrate_get_max_speed(vw_conn *conn, const vw_client_domain *dom, unsigned int flags,
                                    uint64_t *bandwidth, vw_client_error *err)
{
    CHECK_ARGS(dom && bandwidth, "no domain or result pointer given");
    vw_domain_flags_args args;
    dom_to_wire(&args.dom, dom);
    args.flags = flags;
    vw_domain_migrate_get_max_speed_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_SPEED,
                    (xdrproc_t)xdr_vw_domain_flags_args, &args,
                    (xdrproc_t)xdr_vw_domain_migrate_get_max_speed_ret, &ret, err) < 0)
        return -1;
    *bandwidth = ret.bandwidth;
    return 0;
}

/* ---- networks ------------------------------------------------------------------------------------- */

int vw_network_lookup_by_name(vw_conn *conn, const char *name, vw_client_network *net,
                              vw_client_error *err)
{
    CHECK_ARGS(name && net, "no network name or result pointer given");
    vw_network_lookup_by_name_args args = { .name = (char *)name };
    vw_network_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_NETWORK_LOOKUP_BY_NAME,
                    (xdrproc_t)xdr_vw_network_lookup_by_name_args, &args,
                    (xdrproc_t)xdr_vw_network_ret, &ret, err) < 0)
        return -1;
    int rc = name_uuid_from_wire(&net->name, net->uuid, ret.net.name, ret.net.uuid) < 0
                 ? nomem(err) : 0;
    xdr_free((xdrproc_t)xdr_vw_network_ret, (char *)&ret);
    return rc;
}

int vw_network_get_xml_desc(vw_conn *conn, const vw_client_network *net, unsigned int flags,
                            char **xml, vw_client_error *err)
{
    CHECK_ARGS(net && xml, "no network or result pointer given");
    vw_network_get_xml_desc_args args;
    net_to_wire(&args.net, net);
    args.flags = flags;
    return call_string(conn, VW_REMOTE_PROC_NETWORK_GET_XML_DESC,
                       (xdrproc_t)xdr_vw_network_get_xml_desc_args, &args, xml, err);
}

static int call_network_int(vw_conn *conn, int proc, const vw_client_network *net, int *out,
                            vw_client_error *err)
{
    CHECK_ARGS(net && out, "no network or result pointer given");
    vw_network_args args;
    net_to_wire(&args.net, net);
    return call_int(conn, proc, (xdrproc_t)xdr_vw_network_args, &args, out, err);
}

int vw_network_is_active(vw_conn *conn, const vw_client_network *net, int *active,
                         vw_client_error *err)
{
    return call_network_int(conn, VW_REMOTE_PROC_NETWORK_IS_ACTIVE, net, active, err);
}

int vw_network_is_persistent(vw_conn *conn, const vw_client_network *net, int *persistent,
                             vw_client_error *err)
{
    return call_network_int(conn, VW_REMOTE_PROC_NETWORK_IS_PERSISTENT, net, persistent, err);
}

int vw_network_get_autostart(vw_conn *conn, const vw_client_network *net, int *autostart,
                             vw_client_error *err)
{
    return call_network_int(conn, VW_REMOTE_PROC_NETWORK_GET_AUTOSTART, net, autostart, err);
}

/* ---- storage pools -------------------------------------------------------------------------------- */

int vw_storage_pool_lookup_by_name(vw_conn *conn, const char *name, vw_client_storage_pool *pool,
                                   vw_client_error *err)
{
    CHECK_ARGS(name && pool, "no pool name or result pointer given");
    vw_storage_pool_lookup_by_name_args args = { .name = (char *)name };
    vw_storage_pool_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME,
                    (xdrproc_t)xdr_vw_storage_pool_lookup_by_name_args, &args,
                    (xdrproc_t)xdr_vw_storage_pool_ret, &ret, err) < 0)
        return -1;
    int rc = name_uuid_from_wire(&pool->name, pool->uuid, ret.pool.name, ret.pool.uuid) < 0
                 ? nomem(err) : 0;
    xdr_free((xdrproc_t)xdr_vw_storage_pool_ret, (char *)&ret);
    return rc;
}

int vw_storage_pool_get_xml_desc(vw_conn *conn, const vw_client_storage_pool *pool,
                                 unsigned int flags, char **xml, vw_client_error *err)
{
    CHECK_ARGS(pool && xml, "no pool or result pointer given");
    vw_storage_pool_get_xml_desc_args args;
    pool_to_wire(&args.pool, pool);
    args.flags = flags;
    return call_string(conn, VW_REMOTE_PROC_STORAGE_POOL_GET_XML_DESC,
                       (xdrproc_t)xdr_vw_storage_pool_get_xml_desc_args, &args, xml, err);
}

int vw_storage_pool_get_info(vw_conn *conn, const vw_client_storage_pool *pool,
                             vw_client_storage_pool_info *info, vw_client_error *err)
{
    CHECK_ARGS(pool && info, "no pool or result pointer given");
    vw_storage_pool_args args;
    pool_to_wire(&args.pool, pool);
    vw_storage_pool_get_info_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_STORAGE_POOL_GET_INFO, (xdrproc_t)xdr_vw_storage_pool_args,
                    &args, (xdrproc_t)xdr_vw_storage_pool_get_info_ret, &ret, err) < 0)
        return -1;
    info->state = ret.state;
    info->capacity = ret.capacity;
    info->allocation = ret.allocation;
    info->available = ret.available;
    return 0;
}

static int call_pool_int(vw_conn *conn, int proc, const vw_client_storage_pool *pool, int *out,
                         vw_client_error *err)
{
    CHECK_ARGS(pool && out, "no pool or result pointer given");
    vw_storage_pool_args args;
    pool_to_wire(&args.pool, pool);
    return call_int(conn, proc, (xdrproc_t)xdr_vw_storage_pool_args, &args, out, err);
}

int vw_storage_pool_is_active(vw_conn *conn, const vw_client_storage_pool *pool, int *active,
                              vw_client_error *err)
{
    return call_pool_int(conn, VW_REMOTE_PROC_STORAGE_POOL_IS_ACTIVE, pool, active, err);
}

int vw_storage_pool_is_persistent(vw_conn *conn, const vw_client_storage_pool *pool,
                                  int *persistent, vw_client_error *err)
{
    return call_pool_int(conn, VW_REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT, pool, persistent, err);
}

int vw_storage_pool_get_autostart(vw_conn *conn, const vw_client_storage_pool *pool, int *autostart,
                                  vw_client_error *err)
{
    return call_pool_int(conn, VW_REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART, pool, autostart, err);
}

/* ---- events --------------------------------------------------------------------------------------- */

int lv_procs_lifecycle_register(vw_conn *conn, const vw_client_domain *dom, int *callback_id,
                                vw_client_error *err)
{
    vw_nonnull_domain wire_dom;
    vw_connect_domain_event_callback_register_any_args args;
    args.eventID = VIR_DOMAIN_EVENT_ID_LIFECYCLE;
    args.dom = NULL;
    if (dom) {
        dom_to_wire(&wire_dom, dom);
        args.dom = &wire_dom;
    }
    vw_connect_domain_event_callback_register_any_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (remote_call(conn, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
                    (xdrproc_t)xdr_vw_connect_domain_event_callback_register_any_args, &args,
                    (xdrproc_t)xdr_vw_connect_domain_event_callback_register_any_ret, &ret,
                    err) < 0)
        return -1;
    *callback_id = ret.callbackID;
    return 0;
}

int lv_procs_lifecycle_deregister(vw_conn *conn, int callback_id, vw_client_error *err)
{
    vw_connect_domain_event_callback_deregister_any_args args = { .callbackID = callback_id };
    return remote_call(conn, VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
                       (xdrproc_t)xdr_vw_connect_domain_event_callback_deregister_any_args, &args,
                       NULL, NULL, err);
}

int lv_procs_qemu_monitor_register(vw_conn *conn, const vw_client_domain *dom, const char *event,
                                   unsigned int flags, int *callback_id, vw_client_error *err)
{
    vw_nonnull_domain wire_dom;
    char *event_copy = (char *)event;
    vw_qemu_connect_domain_monitor_event_register_args args;
    args.dom = NULL;
    if (dom) {
        dom_to_wire(&wire_dom, dom);
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

int lv_procs_qemu_monitor_deregister(vw_conn *conn, int callback_id, vw_client_error *err)
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
        int rc = dom_from_wire(&ev->dom, &msg.msg.dom);
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
        int rc = dom_from_wire(&ev->dom, &msg.dom);
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
