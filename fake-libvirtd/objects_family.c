/* objects_family.c: handlers of the first network and storage pool calls (lookup, listing,
 * state): one handler per call shape serving both kinds. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procs.h"

/* ---- networks and pools --------------------------------------------------------------------- */

/* The handlers below serve the NETWORK_* and the STORAGE_POOL_* procedure of the same name: the
 * procedure tells which kind of object a call is about, and the arguments of both kinds start
 * alike (a remote_nonnull_network / _storage_pool, a name, or a uuid: read through a pointer to
 * that first member). */
static fl_object_kind call_kind(const vw_packet_header *hdr)
{
    const vw_proc_info *pi = vw_procs_lookup(hdr->prog, hdr->proc);
    return pi && strstr(pi->name, "NETWORK") ? FL_OBJ_NETWORK : FL_OBJ_POOL;
}

/* The object the call's leading remote_nonnull_network / _storage_pool names (the test driver
 * matches the uuid), or NULL after replying its not-found error. */
static fl_object *get_object(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object_kind kind = call_kind(hdr);
    const char *uuid = kind == FL_OBJ_NETWORK ? ((vw_nonnull_network *)args)->uuid
                                              : ((vw_nonnull_storage_pool *)args)->uuid;
    vw_virerror e = {0};
    fl_object *o = fl_object_lookup_uuid(c->model, kind, (const unsigned char *)uuid, &e);
    if (!o)
        fl_conn_reply_error(c, hdr, &e);
    return o;
}

/* Fills a remote_nonnull_network / _storage_pool (both are a name and a uuid). */
static void set_ref(char **name, char uuid[16], const fl_object *o)
{
    *name = o->name;
    memcpy(uuid, o->uuid, 16);
}

/* LOOKUP_BY_NAME (o from a name) or LOOKUP_BY_UUID: the object's name and uuid, or e. */
static void reply_lookup(fl_conn *c, const vw_packet_header *hdr, const fl_object *o,
                         vw_virerror *e)
{
    if (!o) {
        fl_conn_reply_error(c, hdr, e);
    } else if (call_kind(hdr) == FL_OBJ_NETWORK) {
        vw_network_ret r;
        set_ref(&r.net.name, r.net.uuid, o);
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_network_ret, &r);
    } else {
        vw_storage_pool_ret r;
        set_ref(&r.pool.name, r.pool.uuid, o);
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_storage_pool_ret, &r);
    }
}

static void h_object_lookup_by_name(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_virerror e = {0};
    const char *name = *(char **)args;
    reply_lookup(c, hdr, fl_object_lookup_name(c->model, call_kind(hdr), name, &e), &e);
}

static void h_object_lookup_by_uuid(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_virerror e = {0};
    const unsigned char *uuid = args;
    reply_lookup(c, hdr, fl_object_lookup_uuid(c->model, call_kind(hdr), uuid, &e), &e);
}

/* CONNECT_LIST_ALL_NETWORKS / _STORAGE_POOLS: the count, and the objects with need_results. */
static void h_object_list_all(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object_kind kind = call_kind(hdr);
    const vw_connect_list_all_networks_args *na = args;
    const vw_connect_list_all_storage_pools_args *pa = args;
    bool need_results = kind == FL_OBJ_NETWORK ? na->need_results : pa->need_results;
    size_t n = 0;
    fl_object **list = fl_object_list(c->model, kind,
                                      kind == FL_OBJ_NETWORK ? na->flags : pa->flags, &n);
    vw_nonnull_network *nets = NULL;
    vw_nonnull_storage_pool *pools = NULL;
    bool ok = n == 0 || list;
    if (ok && need_results && n > 0) {
        if (kind == FL_OBJ_NETWORK)
            ok = (nets = calloc(n, sizeof(*nets))) != NULL;
        else
            ok = (pools = calloc(n, sizeof(*pools))) != NULL;
    }
    for (size_t i = 0; ok && (nets || pools) && i < n; i++) {
        if (nets)
            set_ref(&nets[i].name, nets[i].uuid, list[i]);
        else
            set_ref(&pools[i].name, pools[i].uuid, list[i]);
    }
    if (!ok) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR,
                           kind == FL_OBJ_NETWORK ? VW_FROM_NETWORK : VW_FROM_STORAGE, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, hdr, &e);
    } else if (kind == FL_OBJ_NETWORK) {
        vw_connect_list_all_networks_ret r = {{nets ? (u_int)n : 0, nets}, (u_int)n};
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_all_networks_ret, &r);
    } else {
        vw_connect_list_all_storage_pools_ret r = {{pools ? (u_int)n : 0, pools}, (u_int)n};
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_all_storage_pools_ret, &r);
    }
    free(nets);
    free(pools);
    free(list);
}

static void h_object_get_autostart(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *o = get_object(c, hdr, args);
    if (o)
        fl_reply_int(c, hdr, o->autostart);
}

static void h_object_is_active(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *o = get_object(c, hdr, args);
    if (o)
        fl_reply_int(c, hdr, o->active);
}

static void h_object_is_persistent(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *o = get_object(c, hdr, args);
    if (o)
        fl_reply_int(c, hdr, o->persistent);
}

static void h_pool_get_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *p = get_object(c, hdr, args);
    if (!p)
        return;
    /* virStoragePoolState: 2 running, 0 inactive */
    vw_storage_pool_get_info_ret r = {.state = p->active ? 2 : 0, .capacity = p->capacity,
                                      .allocation = p->allocation, .available = p->available};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_storage_pool_get_info_ret, &r);
}


#define R VW_REMOTE_PROGRAM
#define Q VW_QEMU_PROGRAM

static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_NETWORK_GET_AUTOSTART, h_object_get_autostart, false},
    {R, VW_REMOTE_PROC_NETWORK_LOOKUP_BY_NAME, h_object_lookup_by_name, false},
    {R, VW_REMOTE_PROC_NETWORK_LOOKUP_BY_UUID, h_object_lookup_by_uuid, false},
    {R, VW_REMOTE_PROC_NETWORK_IS_ACTIVE, h_object_is_active, false},
    {R, VW_REMOTE_PROC_NETWORK_IS_PERSISTENT, h_object_is_persistent, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS, h_object_list_all, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME, h_object_lookup_by_name, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID, h_object_lookup_by_uuid, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_GET_INFO, h_pool_get_info, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART, h_object_get_autostart, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_IS_ACTIVE, h_object_is_active, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT, h_object_is_persistent, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS, h_object_list_all, false},
};

const fl_handler_family fl_handlers_objects = FL_HANDLER_FAMILY(rows);
