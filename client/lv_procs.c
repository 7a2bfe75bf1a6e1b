/* lv_procs.c: the client's handshake calls (AUTH_LIST, AUTH_POLKIT, SUPPORTS_FEATURE,
 * CONNECT_OPEN, CONNECT_CLOSE) and the typed connection-level procedures (versions, host
 * information, listings) declared in libvirt_client.h. Every wrapper is one vw_call; the
 * shared conversions and shorthands are lv_proc_common.c. */
#include "lv_procs.h"
#include "lv_proc_common.h"

#include <stdlib.h>
#include <string.h>

#define REMOTE_PROC_AUTH_POLKIT 70

/* ---- handshake ---------------------------------------------------------------------------------- */

int lv_procs_auth_list(vw_conn *conn, int timeout_ms, int *types, size_t max, size_t *count,
                       vw_virerror *err)
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

int lv_procs_auth_polkit(vw_conn *conn, int timeout_ms, vw_virerror *err)
{
    vw_int_ret ret;
    memset(&ret, 0, sizeof(ret));
    return lv_conn_call_timeout(conn, VW_REMOTE_PROGRAM, REMOTE_PROC_AUTH_POLKIT, NULL, NULL,
                                (xdrproc_t)xdr_vw_int_ret, &ret, timeout_ms, err);
}

int lv_procs_supports_feature(vw_conn *conn, int feature, int timeout_ms, int *supported,
                              vw_virerror *err)
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
                          vw_virerror *err)
{
    char *name_copy = (char *)name;
    vw_connect_open_args args = { .name = name ? &name_copy : NULL, .flags = flags };
    return lv_conn_call_timeout(conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_OPEN,
                                (xdrproc_t)xdr_vw_connect_open_args, &args, NULL, NULL, timeout_ms,
                                err);
}

int lv_procs_connect_close(vw_conn *conn, int timeout_ms, vw_virerror *err)
{
    return lv_conn_call_timeout(conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_CLOSE, NULL, NULL,
                                NULL, NULL, timeout_ms, err);
}

/* ---- connection-level procedures ------------------------------------------------------------------ */

int vw_connect_get_lib_version(vw_conn *conn, uint64_t *version, vw_virerror *err)
{
    CHECK_ARGS(version, "no result pointer given");
    vw_connect_get_lib_version_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION, NULL, NULL,
                       (xdrproc_t)xdr_vw_connect_get_lib_version_ret, &ret, err) < 0)
        return -1;
    *version = ret.lib_ver;
    return 0;
}

int vw_connect_get_version(vw_conn *conn, uint64_t *hv_version, vw_virerror *err)
{
    CHECK_ARGS(hv_version, "no result pointer given");
    vw_connect_get_version_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_CONNECT_GET_VERSION, NULL, NULL,
                       (xdrproc_t)xdr_vw_connect_get_version_ret, &ret, err) < 0)
        return -1;
    *hv_version = ret.hv_ver;
    return 0;
}

int vw_connect_get_type(vw_conn *conn, char **type, vw_virerror *err)
{
    CHECK_ARGS(type, "no result pointer given");
    return lv_call_string(conn, VW_REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL, type, err);
}

int vw_connect_get_hostname(vw_conn *conn, char **hostname, vw_virerror *err)
{
    CHECK_ARGS(hostname, "no result pointer given");
    return lv_call_string(conn, VW_REMOTE_PROC_CONNECT_GET_HOSTNAME, NULL, NULL, hostname, err);
}

int vw_connect_get_capabilities(vw_conn *conn, char **xml, vw_virerror *err)
{
    CHECK_ARGS(xml, "no result pointer given");
    return lv_call_string(conn, VW_REMOTE_PROC_CONNECT_GET_CAPABILITIES, NULL, NULL, xml, err);
}

int vw_node_get_info(vw_conn *conn, vw_client_node_info *info, vw_virerror *err)
{
    CHECK_ARGS(info, "no result pointer given");
    vw_node_get_info_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_NODE_GET_INFO, NULL, NULL,
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
                                size_t *count, vw_virerror *err)
{
    CHECK_ARGS(doms && count, "no result pointers given");
    vw_connect_list_all_domains_args args = { .need_results = 1, .flags = flags };
    vw_connect_list_all_domains_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
                       (xdrproc_t)xdr_vw_connect_list_all_domains_args, &args,
                       (xdrproc_t)xdr_vw_connect_list_all_domains_ret, &ret, err) < 0)
        return -1;
    size_t n = ret.domains.domains_len;
    vw_client_domain *list = calloc(n ? n : 1, sizeof(*list));
    int rc = 0;
    if (!list) {
        rc = lv_nomem(err);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (lv_dom_from_wire(&list[i], &ret.domains.domains_val[i]) < 0) {
                vw_client_domain_list_free(list, i);
                list = NULL;
                rc = lv_nomem(err);
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
                                 size_t *count, vw_virerror *err)
{
    CHECK_ARGS(nets && count, "no result pointers given");
    vw_connect_list_all_networks_args args = { .need_results = 1, .flags = flags };
    vw_connect_list_all_networks_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS,
                       (xdrproc_t)xdr_vw_connect_list_all_networks_args, &args,
                       (xdrproc_t)xdr_vw_connect_list_all_networks_ret, &ret, err) < 0)
        return -1;
    size_t n = ret.nets.nets_len;
    vw_client_network *list = calloc(n ? n : 1, sizeof(*list));
    int rc = 0;
    if (!list) {
        rc = lv_nomem(err);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (lv_name_uuid_from_wire(&list[i].name, list[i].uuid, ret.nets.nets_val[i].name,
                                       ret.nets.nets_val[i].uuid) < 0) {
                vw_client_network_list_free(list, i);
                list = NULL;
                rc = lv_nomem(err);
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
                                      vw_virerror *err)
{
    CHECK_ARGS(pools && count, "no result pointers given");
    vw_connect_list_all_storage_pools_args args = { .need_results = 1, .flags = flags };
    vw_connect_list_all_storage_pools_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS,
                       (xdrproc_t)xdr_vw_connect_list_all_storage_pools_args, &args,
                       (xdrproc_t)xdr_vw_connect_list_all_storage_pools_ret, &ret, err) < 0)
        return -1;
    size_t n = ret.pools.pools_len;
    vw_client_storage_pool *list = calloc(n ? n : 1, sizeof(*list));
    int rc = 0;
    if (!list) {
        rc = lv_nomem(err);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (lv_name_uuid_from_wire(&list[i].name, list[i].uuid, ret.pools.pools_val[i].name,
                                       ret.pools.pools_val[i].uuid) < 0) {
                vw_client_storage_pool_list_free(list, i);
                list = NULL;
                rc = lv_nomem(err);
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
