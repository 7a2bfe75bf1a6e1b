/* lv_proc_objects.c: the client's typed network and storage pool procedures, declared in
 * libvirt_client.h. Every wrapper is one vw_call; the shared conversions and shorthands are
 * lv_proc_common.c. */
#include "lv_procs.h"
#include "lv_proc_common.h"

#include <stdlib.h>
#include <string.h>

/* ---- networks ------------------------------------------------------------------------------------- */

int vw_network_lookup_by_name(vw_conn *conn, const char *name, vw_client_network *net,
                              vw_virerror *err)
{
    CHECK_ARGS(name && net, "no network name or result pointer given");
    vw_network_lookup_by_name_args args = { .name = (char *)name };
    vw_network_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_NETWORK_LOOKUP_BY_NAME,
                       (xdrproc_t)xdr_vw_network_lookup_by_name_args, &args,
                       (xdrproc_t)xdr_vw_network_ret, &ret, err) < 0)
        return -1;
    int rc = lv_name_uuid_from_wire(&net->name, net->uuid, ret.net.name, ret.net.uuid) < 0
                 ? lv_nomem(err) : 0;
    xdr_free((xdrproc_t)xdr_vw_network_ret, (char *)&ret);
    return rc;
}

int vw_network_get_xml_desc(vw_conn *conn, const vw_client_network *net, unsigned int flags,
                            char **xml, vw_virerror *err)
{
    CHECK_ARGS(net && xml, "no network or result pointer given");
    vw_network_get_xml_desc_args args;
    lv_net_to_wire(&args.net, net);
    args.flags = flags;
    return lv_call_string(conn, VW_REMOTE_PROC_NETWORK_GET_XML_DESC,
                          (xdrproc_t)xdr_vw_network_get_xml_desc_args, &args, xml, err);
}

static int call_network_int(vw_conn *conn, int proc, const vw_client_network *net, int *out,
                            vw_virerror *err)
{
    CHECK_ARGS(net && out, "no network or result pointer given");
    vw_network_args args;
    lv_net_to_wire(&args.net, net);
    return lv_call_int(conn, proc, (xdrproc_t)xdr_vw_network_args, &args, out, err);
}

int vw_network_is_active(vw_conn *conn, const vw_client_network *net, int *active,
                         vw_virerror *err)
{
    return call_network_int(conn, VW_REMOTE_PROC_NETWORK_IS_ACTIVE, net, active, err);
}

int vw_network_is_persistent(vw_conn *conn, const vw_client_network *net, int *persistent,
                             vw_virerror *err)
{
    return call_network_int(conn, VW_REMOTE_PROC_NETWORK_IS_PERSISTENT, net, persistent, err);
}

int vw_network_get_autostart(vw_conn *conn, const vw_client_network *net, int *autostart,
                             vw_virerror *err)
{
    return call_network_int(conn, VW_REMOTE_PROC_NETWORK_GET_AUTOSTART, net, autostart, err);
}

/* ---- storage pools -------------------------------------------------------------------------------- */

int vw_storage_pool_lookup_by_name(vw_conn *conn, const char *name, vw_client_storage_pool *pool,
                                   vw_virerror *err)
{
    CHECK_ARGS(name && pool, "no pool name or result pointer given");
    vw_storage_pool_lookup_by_name_args args = { .name = (char *)name };
    vw_storage_pool_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME,
                       (xdrproc_t)xdr_vw_storage_pool_lookup_by_name_args, &args,
                       (xdrproc_t)xdr_vw_storage_pool_ret, &ret, err) < 0)
        return -1;
    int rc = lv_name_uuid_from_wire(&pool->name, pool->uuid, ret.pool.name, ret.pool.uuid) < 0
                 ? lv_nomem(err) : 0;
    xdr_free((xdrproc_t)xdr_vw_storage_pool_ret, (char *)&ret);
    return rc;
}

int vw_storage_pool_get_xml_desc(vw_conn *conn, const vw_client_storage_pool *pool,
                                 unsigned int flags, char **xml, vw_virerror *err)
{
    CHECK_ARGS(pool && xml, "no pool or result pointer given");
    vw_storage_pool_get_xml_desc_args args;
    lv_pool_to_wire(&args.pool, pool);
    args.flags = flags;
    return lv_call_string(conn, VW_REMOTE_PROC_STORAGE_POOL_GET_XML_DESC,
                          (xdrproc_t)xdr_vw_storage_pool_get_xml_desc_args, &args, xml, err);
}

int vw_storage_pool_get_info(vw_conn *conn, const vw_client_storage_pool *pool,
                             vw_client_storage_pool_info *info, vw_virerror *err)
{
    CHECK_ARGS(pool && info, "no pool or result pointer given");
    vw_storage_pool_args args;
    lv_pool_to_wire(&args.pool, pool);
    vw_storage_pool_get_info_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, VW_REMOTE_PROC_STORAGE_POOL_GET_INFO, (xdrproc_t)xdr_vw_storage_pool_args,
                       &args, (xdrproc_t)xdr_vw_storage_pool_get_info_ret, &ret, err) < 0)
        return -1;
    info->state = ret.state;
    info->capacity = ret.capacity;
    info->allocation = ret.allocation;
    info->available = ret.available;
    return 0;
}

static int call_pool_int(vw_conn *conn, int proc, const vw_client_storage_pool *pool, int *out,
                         vw_virerror *err)
{
    CHECK_ARGS(pool && out, "no pool or result pointer given");
    vw_storage_pool_args args;
    lv_pool_to_wire(&args.pool, pool);
    return lv_call_int(conn, proc, (xdrproc_t)xdr_vw_storage_pool_args, &args, out, err);
}

int vw_storage_pool_is_active(vw_conn *conn, const vw_client_storage_pool *pool, int *active,
                              vw_virerror *err)
{
    return call_pool_int(conn, VW_REMOTE_PROC_STORAGE_POOL_IS_ACTIVE, pool, active, err);
}

int vw_storage_pool_is_persistent(vw_conn *conn, const vw_client_storage_pool *pool,
                                  int *persistent, vw_virerror *err)
{
    return call_pool_int(conn, VW_REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT, pool, persistent, err);
}

int vw_storage_pool_get_autostart(vw_conn *conn, const vw_client_storage_pool *pool, int *autostart,
                                  vw_virerror *err)
{
    return call_pool_int(conn, VW_REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART, pool, autostart, err);
}
