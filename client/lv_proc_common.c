/* lv_proc_common.c: what the client's typed procedure wrappers share (see lv_proc_common.h):
 * the public object helpers (clearing and freeing vw_client_* values), the conversions between
 * proto/'s rpcgen types and the public types, and call shorthands (one vw_call each). */
#include "lv_proc_common.h"

#include <stdlib.h>
#include <string.h>

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

int lv_nomem(vw_virerror *err)
{
    vw_virerror_set(err, VW_ERR_NO_MEMORY, VW_FROM_RPC, "out of memory");
    return -1;
}

int lv_invalid(vw_virerror *err, const char *what)
{
    vw_virerror_set(err, VW_ERR_INVALID_ARG, VW_FROM_RPC, "%s", what);
    return -1;
}

int lv_dom_from_wire(vw_client_domain *out, const vw_nonnull_domain *in)
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
void lv_dom_to_wire(vw_nonnull_domain *out, const vw_client_domain *dom)
{
    out->name = dom->name ? dom->name : (char *)"";
    memcpy(out->uuid, dom->uuid, VW_UUID_BUFLEN);
    out->id = dom->id;
}

void lv_net_to_wire(vw_nonnull_network *out, const vw_client_network *net)
{
    out->name = net->name ? net->name : (char *)"";
    memcpy(out->uuid, net->uuid, VW_UUID_BUFLEN);
}

void lv_pool_to_wire(vw_nonnull_storage_pool *out, const vw_client_storage_pool *pool)
{
    out->name = pool->name ? pool->name : (char *)"";
    memcpy(out->uuid, pool->uuid, VW_UUID_BUFLEN);
}

int lv_name_uuid_from_wire(char **name, unsigned char uuid[VW_UUID_BUFLEN], const char *wname,
                           const char *wuuid)
{
    *name = strdup(wname ? wname : "");
    if (!*name)
        return -1;
    memcpy(uuid, wuuid, VW_UUID_BUFLEN);
    return 0;
}

/* ---- call shorthands ------------------------------------------------------------------------------ */

int lv_remote_call(vw_conn *conn, int proc, xdrproc_t args_proc, void *args, xdrproc_t ret_proc,
                   void *ret, vw_virerror *err)
{
    if (!conn)
        return lv_invalid(err, "no connection (NULL vw_conn)");
    return vw_call(conn, VW_REMOTE_PROGRAM, proc, args_proc, args, ret_proc, ret, err);
}

/* A call whose reply is one string moved into *out. */
int lv_call_string(vw_conn *conn, int proc, xdrproc_t args_proc, void *args, char **out,
                   vw_virerror *err)
{
    vw_string_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, proc, args_proc, args, (xdrproc_t)xdr_vw_string_ret, &ret, err) < 0)
        return -1;
    *out = ret.str;                /* take the string; nothing else to free */
    if (!*out && !(*out = strdup("")))
        return lv_nomem(err);
    return 0;
}

int lv_call_int(vw_conn *conn, int proc, xdrproc_t args_proc, void *args, int *out,
                vw_virerror *err)
{
    vw_int_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, proc, args_proc, args, (xdrproc_t)xdr_vw_int_ret, &ret, err) < 0)
        return -1;
    *out = ret.value;
    return 0;
}

int lv_call_domain_ret(vw_conn *conn, int proc, xdrproc_t args_proc, void *args,
                       vw_client_domain *dom, vw_virerror *err)
{
    vw_domain_ret ret;
    memset(&ret, 0, sizeof(ret));
    if (lv_remote_call(conn, proc, args_proc, args, (xdrproc_t)xdr_vw_domain_ret, &ret, err) < 0)
        return -1;
    int rc = 0;
    if (dom && lv_dom_from_wire(dom, &ret.dom) < 0)
        rc = lv_nomem(err);
    xdr_free((xdrproc_t)xdr_vw_domain_ret, (char *)&ret);
    return rc;
}

/* A call that takes only a domain and returns nothing. */
int lv_call_domain_void(vw_conn *conn, int proc, const vw_client_domain *dom,
                        vw_virerror *err)
{
    CHECK_ARGS(dom, "no domain given");
    vw_domain_args args;
    lv_dom_to_wire(&args.dom, dom);
    return lv_remote_call(conn, proc, (xdrproc_t)xdr_vw_domain_args, &args, NULL, NULL, err);
}

int lv_call_domain_flags_void(vw_conn *conn, int proc, const vw_client_domain *dom,
                              unsigned int flags, vw_virerror *err)
{
    CHECK_ARGS(dom, "no domain given");
    vw_domain_flags_args args;
    lv_dom_to_wire(&args.dom, dom);
    args.flags = flags;
    return lv_remote_call(conn, proc, (xdrproc_t)xdr_vw_domain_flags_args, &args, NULL, NULL, err);
}

int lv_call_domain_int(vw_conn *conn, int proc, const vw_client_domain *dom, int *out,
                       vw_virerror *err)
{
    CHECK_ARGS(dom && out, "no domain or result pointer given");
    vw_domain_args args;
    lv_dom_to_wire(&args.dom, dom);
    return lv_call_int(conn, proc, (xdrproc_t)xdr_vw_domain_args, &args, out, err);
}
