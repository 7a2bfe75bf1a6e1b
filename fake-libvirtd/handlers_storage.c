/* handlers_storage.c: storage pools and volumes as libvirt 9.0's test driver serves them
 * (testStorageDriver): pool life cycle, the old count/list calls, source discovery, volumes and
 * storage pool events. The model is model_storage.c; lookups, info, autostart reads, is-active
 * and list-all of pools stay in dispatch.c's shared network/pool handlers. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "model_storage.h"
#include "object_events.h"
#include "xml_tree.h"

#define R VW_REMOTE_PROGRAM
#define POOL_EVENT_ID_LIFECYCLE 0
#define POOL_EVENT_ID_REFRESH 1
#define POOL_EVENT_ID_LAST 2

static void reply_pool(fl_conn *c, const vw_packet_header *hdr, const fl_object *p)
{
    vw_storage_pool_ret r;
    r.pool.name = p->name;
    memcpy(r.pool.uuid, p->uuid, 16);
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_storage_pool_ret, &r);
}

static void reply_vol(fl_conn *c, const vw_packet_header *hdr, const fl_object *p,
                      const fl_volume *v)
{
    vw_storage_vol_ret r = {{p->name, v->name, v->key}};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_storage_vol_ret, &r);
}

/* ---- events --------------------------------------------------------------------------------- */

typedef struct {
    const fl_object *pool;
    int event;   /* -1: a refresh */
} pool_event;

static void send_pool_event(fl_conn *to, int callback_id, void *opaque)
{
    const pool_event *ev = opaque;
    vw_nonnull_storage_pool ref = {ev->pool->name, {0}};
    memcpy(ref.uuid, ev->pool->uuid, 16);
    if (ev->event < 0) {
        vw_storage_pool_event_refresh_msg m = {callback_id, ref};
        fl_conn_send_message(to, R, VW_REMOTE_PROC_STORAGE_POOL_EVENT_REFRESH,
                             (xdrproc_t)xdr_vw_storage_pool_event_refresh_msg, &m);
    } else {
        vw_storage_pool_event_lifecycle_msg m = {callback_id, ref, ev->event, 0};
        fl_conn_send_message(to, R, VW_REMOTE_PROC_STORAGE_POOL_EVENT_LIFECYCLE,
                             (xdrproc_t)xdr_vw_storage_pool_event_lifecycle_msg, &m);
    }
}

/* A lifecycle event (detail 0, as every one of the test driver's), or a refresh (event -1). */
static void pool_emit(fl_conn *c, const fl_object *pool, int event)
{
    pool_event ev = {pool, event};
    fl_objev_emit(c, FL_CB_STORAGE_POOL, event < 0 ? POOL_EVENT_ID_REFRESH : POOL_EVENT_ID_LIFECYCLE,
                  pool->uuid, NULL, send_pool_event, &ev);
}

static void h_pool_event_register(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_storage_pool_event_register_any_args *a = args;
    fl_callback *cb = fl_conn_new_object_callback(c, hdr, FL_CB_STORAGE_POOL, a->eventID,
                                                  POOL_EVENT_ID_LAST, "storage pool");
    if (!cb)
        return;
    if (a->pool) {
        cb->has_dom = true;
        memcpy(cb->dom_uuid, a->pool->uuid, 16);
    }
    vw_connect_storage_pool_event_register_any_ret r = {cb->callback_id};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_storage_pool_event_register_any_ret, &r);
}

static void h_pool_event_deregister(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_conn_deregister_object(
        c, hdr, FL_CB_STORAGE_POOL,
        ((vw_connect_storage_pool_event_deregister_any_args *)args)->callbackID, "storage pool");
}

/* ---- counts and names ----------------------------------------------------------------------- */

static int count_pools(fl_model *m, bool active)
{
    int n = 0;
    for (const fl_object *p = m->pools; p; p = p->next)
        n += p->active == active;
    return n;
}

static void h_num_of_pools(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    fl_reply_int(c, hdr, count_pools(c->model, true));
}

static void h_num_of_defined_pools(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    fl_reply_int(c, hdr, count_pools(c->model, false));
}

static bool maxnames_ok(fl_conn *c, const vw_packet_header *hdr, int maxnames, const char *what)
{
    if (maxnames >= 0 && maxnames <= VW_REMOTE_STORAGE_POOL_LIST_MAX)
        return true;
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_RPC, VW_FROM_RPC, "", "maxnames > %s", what);
    fl_conn_reply_error(c, hdr, &e);
    return false;
}

static void list_pools(fl_conn *c, const vw_packet_header *hdr, int maxnames, bool active)
{
    if (!maxnames_ok(c, hdr, maxnames, "REMOTE_STORAGE_POOL_LIST_MAX"))
        return;
    int n = count_pools(c->model, active);
    char **names = n ? calloc((size_t)n, sizeof(char *)) : NULL;
    vw_storage_names_ret r = {{0, names}};
    for (fl_object *p = c->model->pools; names && p; p = p->next) {
        if (p->active == active && (int)r.names.names_len < maxnames)
            names[r.names.names_len++] = p->name;
    }
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_storage_names_ret, &r);
    free(names);
}

static void h_list_pools(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    list_pools(c, hdr, ((vw_storage_maxnames_args *)args)->maxnames, true);
}

static void h_list_defined_pools(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    list_pools(c, hdr, ((vw_storage_maxnames_args *)args)->maxnames, false);
}

/* ---- source discovery ----------------------------------------------------------------------- */

static const char logical_sources[] =
    "<sources>\n"
    "  <source>\n    <device path='/dev/sda20'/>\n    <name>testvg1</name>\n"
    "    <format type='lvm2'/>\n  </source>\n"
    "  <source>\n    <device path='/dev/sda21'/>\n    <name>testvg2</name>\n"
    "    <format type='lvm2'/>\n  </source>\n"
    "</sources>\n";

/* The source specification parsed (virStoragePoolDefParseSourceString): 0 (*root NULL
 * without a spec) or -1 with e. */
static int parse_spec(const char *spec, bool known_type, xml_node **root, vw_virerror *e)
{
    *root = NULL;
    if (!spec)
        return 0;
    if (!(*root = fl_storage_xml_parse(spec, "storage_source_specification", e)))
        return -1;
    if (strcmp((*root)->name, "source") != 0)
        vw_virerror_report(e, VW_ERR_XML_ERROR, 5 /* VIR_FROM_XML */, "XML error",
                           "expecting root element of 'source', not '%s'", (*root)->name);
    else if (!known_type)   /* virStoragePoolTypeFromString's -1 */
        vw_virerror_report(e, VW_ERR_INTERNAL_ERROR, VW_FROM_STORAGE, "internal error",
                           "missing backend for pool type -1");
    else
        return 0;
    xml_tree_free(*root);
    *root = NULL;
    return -1;
}

/* The netfs answer for the spec's first host, or NULL with e. */
static char *netfs_sources(const xml_node *root, vw_virerror *e)
{
    const xml_node *host = root ? xml_tree_child(root, "host") : NULL;
    const char *name = host ? xml_tree_attr(host, "name") : NULL;
    char *out = NULL;
    if (!name) {
        /* libvirt 9.0 crashes on a spec without a host: answered as for no spec */
        vw_virerror_report(e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "hostname must be specified for netfs sources");
    } else {
        xml_buf b = {0};
        xml_buf_append(&b, "<sources>\n  <source>\n    <host name='");
        xml_buf_escape(&b, name);
        xml_buf_append(&b, "'/>\n    <dir path='/testshare'/>\n    <format type='nfs'/>\n"
                           "  </source>\n</sources>\n");
        if (!(out = xml_buf_finish(&b)))
            vw_virerror_report(e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                               "out of memory");
    }
    return out;
}

static void h_find_pool_sources(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_find_storage_pool_sources_args *a = args;
    const char *spec = a->srcSpec ? *a->srcSpec : NULL;
    vw_virerror e = {0};
    char *out = NULL;
    xml_node *root = NULL;
    if (fl_check_flags(a->flags, 0, "testConnectFindStoragePoolSources", &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
    } else if (strcmp(a->type, "dir") == 0) {
        /* virStoragePoolTypeFromString gives 0 for dir, which the test driver takes for "unknown" */
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "unknown storage pool type %s", a->type);
        fl_conn_reply_error(c, hdr, &e);
    } else if (parse_spec(spec, fl_pool_type_known(a->type), &root, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
    } else if (strcmp(a->type, "logical") == 0) {
        fl_reply_string(c, hdr, logical_sources);
    } else if (strcmp(a->type, "netfs") == 0) {
        if ((out = netfs_sources(root, &e)))
            fl_reply_string(c, hdr, out);
        else
            fl_conn_reply_error(c, hdr, &e);
        free(out);
    } else {
        vw_virerror_report(&e, VW_ERR_NO_SUPPORT, VW_FROM_TEST,
                           "this function is not supported by the connection driver",
                           "pool type '%s' does not support source discovery", a->type);
        fl_conn_reply_error(c, hdr, &e);
    }
    xml_tree_free(root);
}

/* ---- pool life cycle ------------------------------------------------------------------------ */

/* The pool a handle names (by name, as the test driver), with the activity it needs (1 active,
 * -1 inactive, 0 either); NULL after replying the error. */
static fl_object *get_pool(fl_conn *c, const vw_packet_header *hdr, const char *name, int need)
{
    vw_virerror e = {0};
    fl_object *p = fl_pool_find(c->model, name, need, &e);
    if (!p)
        fl_conn_reply_error(c, hdr, &e);
    return p;
}

static void define_or_create(fl_conn *c, const vw_packet_header *hdr, void *args, bool create)
{
    vw_storage_xml_flags_args *a = args;
    vw_virerror e = {0};
    fl_object *p = NULL;
    /* VIR_STORAGE_POOL_DEFINE_VALIDATE (1) is accepted by define; create takes no flag */
    if (fl_check_flags(a->flags, create ? 0 : 1,
                       create ? "testStoragePoolCreateXML" : "testStoragePoolDefineXML", &e) == 0)
        p = fl_pool_define(c->model, a->xml, create, &e);
    if (!p) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    reply_pool(c, hdr, p);
    pool_emit(c, p, create ? FL_POOL_EVENT_STARTED : FL_POOL_EVENT_DEFINED);
}

static void h_pool_define_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    define_or_create(c, hdr, args, false);
}

static void h_pool_create_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    define_or_create(c, hdr, args, true);
}

/* A call of a remote_nonnull_storage_pool and flags: the flag check, then the pool. */
static fl_object *pool_call(fl_conn *c, const vw_packet_header *hdr, void *args,
                            const char *func, int need)
{
    vw_storage_pool_flags_args *a = args;
    vw_virerror e = {0};
    if (fl_check_flags(a->flags, 0, func, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return NULL;
    }
    return get_pool(c, hdr, a->pool.name, need);
}

/* The calls of a pool and flags that only check the pool's state and emit an event: the test
 * driver's function, the activity needed, the event (-1 refresh), and for start the new state. */
static void pool_event_call(fl_conn *c, const vw_packet_header *hdr, void *args,
                            const char *func, int need, int event)
{
    fl_object *p = pool_call(c, hdr, args, func, need);
    if (!p)
        return;
    if (event == FL_POOL_EVENT_STARTED)
        p->active = true;
    fl_reply_void(c, hdr);
    pool_emit(c, p, event);
}

static void h_pool_create(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    pool_event_call(c, hdr, args, "testStoragePoolCreate", -1, FL_POOL_EVENT_STARTED);
}

static void h_pool_build(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    pool_event_call(c, hdr, args, "testStoragePoolBuild", -1, FL_POOL_EVENT_CREATED);
}

static void h_pool_delete(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    pool_event_call(c, hdr, args, "testStoragePoolDelete", -1, FL_POOL_EVENT_DELETED);
}

static void h_pool_refresh(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    pool_event_call(c, hdr, args, "testStoragePoolRefresh", 1, -1);
}

static void h_pool_destroy(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *p = get_pool(c, hdr, ((vw_storage_pool_args *)args)->pool.name, 1);
    if (!p)
        return;
    p->active = false;
    fl_reply_void(c, hdr);
    pool_emit(c, p, FL_POOL_EVENT_STOPPED);
    if (!p->persistent)
        fl_pool_remove(c->model, p);
}

static void h_pool_undefine(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *p = get_pool(c, hdr, ((vw_storage_pool_args *)args)->pool.name, -1);
    if (!p)
        return;
    fl_reply_void(c, hdr);
    pool_emit(c, p, FL_POOL_EVENT_UNDEFINED);
    fl_pool_remove(c->model, p);
}

static void h_pool_set_autostart(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_storage_pool_set_autostart_args *a = args;
    fl_object *p = get_pool(c, hdr, a->pool.name, 0);
    if (!p)
        return;
    if (!p->persistent) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "pool has no config file");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    p->autostart = a->autostart != 0;
    fl_reply_void(c, hdr);
}

static void h_pool_get_xml_desc(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *p = pool_call(c, hdr, args, "testStoragePoolGetXMLDesc", 0);
    if (p)
        fl_reply_string(c, hdr, p->xml);
}

static void h_pool_lookup_by_volume(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_storage_pool_lookup_by_volume_args *a = args;
    fl_object *p = get_pool(c, hdr, a->vol.pool, 0);
    if (p)
        reply_pool(c, hdr, p);
}

/* ---- a pool's volumes ----------------------------------------------------------------------- */

static void h_pool_num_of_volumes(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *p = get_pool(c, hdr, ((vw_storage_pool_args *)args)->pool.name, 1);
    if (p)
        fl_reply_int(c, hdr, (int)fl_vol_count(p));
}

static void h_pool_list_volumes(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_storage_pool_list_volumes_args *a = args;
    if (!maxnames_ok(c, hdr, a->maxnames, "REMOTE_STORAGE_VOL_LIST_MAX"))
        return;
    fl_object *p = get_pool(c, hdr, a->pool.name, 1);
    if (!p)
        return;
    size_t n = fl_vol_count(p);
    char **names = n ? calloc(n, sizeof(char *)) : NULL;
    vw_storage_pool_list_volumes_ret r = {{0, names}};
    for (fl_volume *v = names ? p->pool_ext->vols : NULL; v; v = v->next) {
        if ((int)r.names.names_len < a->maxnames)
            names[r.names.names_len++] = v->name;
    }
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_storage_pool_list_volumes_ret, &r);
    free(names);
}

static void h_pool_list_all_volumes(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_storage_pool_list_all_volumes_args *a = args;
    vw_virerror e = {0};
    fl_object *p = NULL;
    if (fl_check_flags(a->flags, 0, "testStoragePoolListAllVolumes", &e) == 0 &&
        (p = fl_object_lookup_uuid(c->model, FL_OBJ_POOL, (unsigned char *)a->pool.uuid, &e)) &&
        !p->active) {
        vw_virerror_report(&e, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid", "storage pool is not active");
        p = NULL;
    }
    if (!p) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    size_t n = fl_vol_count(p);
    vw_nonnull_storage_vol *vols = n && a->need_results ? calloc(n, sizeof(*vols)) : NULL;
    vw_storage_pool_list_all_volumes_ret r = {{0, vols}, (u_int)n};
    for (fl_volume *v = vols ? p->pool_ext->vols : NULL; v; v = v->next) {
        vw_nonnull_storage_vol ref = {p->name, v->name, v->key};
        vols[r.vols.vols_len++] = ref;
    }
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_storage_pool_list_all_volumes_ret, &r);
    free(vols);
}

/* ---- volumes -------------------------------------------------------------------------------- */

/* The volume a handle names in its (active) pool; NULL after replying the error. */
static fl_volume *get_vol(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_storage_vol *ref,
                          fl_object **pool)
{
    vw_virerror e = {0};
    fl_volume *v = NULL;
    if ((*pool = fl_pool_find(c->model, ref->pool, 1, &e)))
        v = fl_vol_find(*pool, ref->name, &e);
    if (!v)
        fl_conn_reply_error(c, hdr, &e);
    return v;
}

static void vol_create(fl_conn *c, const vw_packet_header *hdr, const char *pool_name,
                       const char *xml, const char *clone, unsigned flags, const char *func)
{
    vw_virerror e = {0};
    fl_object *p = NULL;
    fl_volume *v = NULL;
    if (fl_check_flags(flags, 0, func, &e) == 0 && (p = fl_pool_find(c->model, pool_name, 1, &e)))
        v = fl_vol_create(p, xml, clone, &e);
    if (v)
        reply_vol(c, hdr, p, v);
    else
        fl_conn_reply_error(c, hdr, &e);
}

static void h_vol_create_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_storage_vol_create_xml_args *a = args;
    vol_create(c, hdr, a->pool.name, a->xml, NULL, a->flags, "testStorageVolCreateXML");
}

static void h_vol_create_xml_from(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_storage_vol_create_xml_from_args *a = args;
    vol_create(c, hdr, a->pool.name, a->xml, a->clonevol.name, a->flags,
               "testStorageVolCreateXMLFrom");
}

static void h_vol_delete(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_storage_vol_flags_args *a = args;
    vw_virerror e = {0};
    fl_object *p = NULL;
    if (fl_check_flags(a->flags, 0, "testStorageVolDelete", &e) == 0 &&
        (p = fl_pool_find(c->model, a->vol.pool, 1, &e)) && fl_vol_delete(p, a->vol.name, &e) == 0)
        fl_reply_void(c, hdr);
    else
        fl_conn_reply_error(c, hdr, &e);
}

static void h_vol_lookup_by_name(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_storage_vol_lookup_by_name_args *a = args;
    fl_object *p = get_pool(c, hdr, a->pool.name, 1);
    vw_virerror e = {0};
    fl_volume *v = p ? fl_vol_find(p, a->name, &e) : NULL;
    if (v)
        reply_vol(c, hdr, p, v);
    else if (p)
        fl_conn_reply_error(c, hdr, &e);
}

static void lookup_key(fl_conn *c, const vw_packet_header *hdr, const char *key, bool by_path)
{
    vw_virerror e = {0};
    fl_object *p = NULL;
    fl_volume *v = fl_vol_find_key(c->model, key, by_path, &p, &e);
    if (v)
        reply_vol(c, hdr, p, v);
    else
        fl_conn_reply_error(c, hdr, &e);
}

static void h_vol_lookup_by_key(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    lookup_key(c, hdr, ((vw_storage_vol_lookup_by_key_args *)args)->key, false);
}

static void h_vol_lookup_by_path(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    lookup_key(c, hdr, ((vw_storage_vol_lookup_by_path_args *)args)->path, true);
}

static void h_vol_get_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *p;
    fl_volume *v = get_vol(c, hdr, &((vw_storage_vol_args *)args)->vol, &p);
    if (!v)
        return;
    vw_storage_vol_get_info_ret r = {(char)v->info_type, v->capacity, v->allocation};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_storage_vol_get_info_ret, &r);
}

static void h_vol_get_xml_desc(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_storage_vol_flags_args *a = args;
    vw_virerror e = {0};
    fl_object *p;
    if (fl_check_flags(a->flags, 0, "testStorageVolGetXMLDesc", &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_volume *v = get_vol(c, hdr, &a->vol, &p);
    if (!v)
        return;
    char *xml = fl_vol_xml(p, v);
    if (xml) {
        fl_reply_string(c, hdr, xml);
    } else {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, hdr, &e);
    }
    free(xml);
}

static void h_vol_get_path(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    fl_object *p;
    fl_volume *v = get_vol(c, hdr, &((vw_storage_vol_args *)args)->vol, &p);
    if (v)
        fl_reply_string(c, hdr, v->path);
}

static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS, h_num_of_pools, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_STORAGE_POOLS, h_list_pools, false},
    {R, VW_REMOTE_PROC_CONNECT_NUM_OF_DEFINED_STORAGE_POOLS, h_num_of_defined_pools, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_DEFINED_STORAGE_POOLS, h_list_defined_pools, false},
    {R, VW_REMOTE_PROC_CONNECT_FIND_STORAGE_POOL_SOURCES, h_find_pool_sources, false},
    {R, VW_REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, h_pool_event_register, false},
    {R, VW_REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY, h_pool_event_deregister, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_DEFINE_XML, h_pool_define_xml, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_CREATE_XML, h_pool_create_xml, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_CREATE, h_pool_create, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_BUILD, h_pool_build, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_DELETE, h_pool_delete, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_REFRESH, h_pool_refresh, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_DESTROY, h_pool_destroy, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_UNDEFINE, h_pool_undefine, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART, h_pool_set_autostart, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_GET_XML_DESC, h_pool_get_xml_desc, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME, h_pool_lookup_by_volume, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES, h_pool_num_of_volumes, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_LIST_VOLUMES, h_pool_list_volumes, false},
    {R, VW_REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES, h_pool_list_all_volumes, false},
    {R, VW_REMOTE_PROC_STORAGE_VOL_CREATE_XML, h_vol_create_xml, false},
    {R, VW_REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM, h_vol_create_xml_from, false},
    {R, VW_REMOTE_PROC_STORAGE_VOL_DELETE, h_vol_delete, false},
    {R, VW_REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME, h_vol_lookup_by_name, false},
    {R, VW_REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY, h_vol_lookup_by_key, false},
    {R, VW_REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH, h_vol_lookup_by_path, false},
    {R, VW_REMOTE_PROC_STORAGE_VOL_GET_INFO, h_vol_get_info, false},
    {R, VW_REMOTE_PROC_STORAGE_VOL_GET_XML_DESC, h_vol_get_xml_desc, false},
    {R, VW_REMOTE_PROC_STORAGE_VOL_GET_PATH, h_vol_get_path, false},
};

const fl_handler_family fl_handlers_storage = FL_HANDLER_FAMILY(rows);
