/* handlers_snap.c: the domain snapshot and checkpoint procedures (model in model_snap.c). */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "model_snap.h"

#define R VW_REMOTE_PROGRAM

static void reply_oom(fl_conn *c, const vw_packet_header *hdr)
{
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error", "out of memory");
    fl_conn_reply_error(c, hdr, &e);
}

/* A flag check's verdict: replies and returns false when refused. */
static bool checked(fl_conn *c, const vw_packet_header *hdr, int rc, vw_virerror *e)
{
    if (rc == 0)
        return true;
    fl_conn_reply_error(c, hdr, e);
    return false;
}

/* virDomain{Snapshot,Checkpoint}GetXMLDesc refuse VIR_..._XML_SECURE (1) on a read-only
 * connection before anything else. */
static bool secure_ok(fl_conn *c, const vw_packet_header *hdr, unsigned flags, const char *api,
                      int domain)
{
    if (!c->readonly || !(flags & 1))
        return true;
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_OPERATION_DENIED, domain, "operation forbidden",
                       "%s with secure flag", api);
    fl_conn_reply_error(c, hdr, &e);
    return false;
}

/* The domain and snapshot a call names, or NULL after replying the error. */
static fl_moment *get_snap(fl_conn *c, const vw_packet_header *hdr,
                             const vw_nonnull_domain_snapshot *s, fl_domain **dom)
{
    fl_domain *d = fl_get_dom(c, hdr, &s->dom);
    if (!d)
        return NULL;
    vw_virerror e = {0};
    fl_moment *p = fl_snapshot_lookup(d, s->name, &e);
    if (!p) {
        fl_conn_reply_error(c, hdr, &e);
        return NULL;
    }
    if (dom)
        *dom = d;
    return p;
}

static void reply_snap(fl_conn *c, const vw_packet_header *hdr, const fl_domain *d,
                       const char *name)
{
    vw_domain_snapshot_ret r;
    r.snap.name = (char *)name;
    fl_make_dom(&r.snap.dom, d);
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_snapshot_ret, &r);
}

#define LIST_FLAGS (FL_SNAP_LIST_ROOTS | FL_SNAP_LIST_TOPOLOGICAL | FL_SNAP_FILTERS_ALL)

/* ---- counts and lists ------------------------------------------------------------------------- */

static void reply_count(fl_conn *c, const vw_packet_header *hdr, fl_domain *d,
                        const fl_moment *from, unsigned flags)
{
    size_t n = 0;
    fl_moment **list = fl_snapshot_list(d, from, flags, &n);
    free(list);
    if (n == (size_t)-1)
        reply_oom(c, hdr);
    else
        fl_reply_int(c, hdr, (int)n);
}

static void h_snapshot_num(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, LIST_FLAGS, "testDomainSnapshotNum"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        reply_count(c, hdr, d, NULL, a->flags);
}

static void h_snapshot_num_children(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_flags_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, LIST_FLAGS, "testDomainSnapshotNumChildren"))
        return;
    fl_domain *d;
    fl_moment *p = get_snap(c, hdr, &a->snap, &d);
    if (p)
        reply_count(c, hdr, d, p, a->flags);
}

static void reply_names(fl_conn *c, const vw_packet_header *hdr, fl_domain *d,
                        const fl_moment *from, int maxnames, unsigned flags)
{
    size_t n = 0;
    fl_moment **list = fl_snapshot_list(d, from, flags, &n);
    if (n == (size_t)-1) {
        reply_oom(c, hdr);
        return;
    }
    if (maxnames >= 0 && n > (size_t)maxnames)
        n = (size_t)maxnames;
    char **names = n ? calloc(n, sizeof(*names)) : NULL;
    if (n && !names) {
        free(list);
        reply_oom(c, hdr);
        return;
    }
    for (size_t i = 0; i < n; i++)
        names[i] = list[i]->name;
    vw_domain_snapshot_list_names_ret r = {.names = {.names_len = (u_int)n, .names_val = names}};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_snapshot_list_names_ret, &r);
    free(names);
    free(list);
}

/* remoteDispatchDomainSnapshotList*Names' limit, checked before the driver is called */
static bool maxnames_ok(fl_conn *c, const vw_packet_header *hdr, int maxnames)
{
    if (maxnames <= VW_REMOTE_DOMAIN_SNAPSHOT_LIST_MAX)
        return true;
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_RPC, VW_FROM_RPC, "",
                       "maxnames > REMOTE_DOMAIN_SNAPSHOT_LIST_MAX");
    fl_conn_reply_error(c, hdr, &e);
    return false;
}

static void h_snapshot_list_names(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_list_names_args *a = args;
    if (!maxnames_ok(c, hdr, a->maxnames) ||
        !fl_flags_ok(c, hdr, a->flags, LIST_FLAGS, "testDomainSnapshotListNames"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        reply_names(c, hdr, d, NULL, a->maxnames, a->flags);
}

static void h_snapshot_list_children_names(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_list_children_names_args *a = args;
    if (!maxnames_ok(c, hdr, a->maxnames) ||
        !fl_flags_ok(c, hdr, a->flags, LIST_FLAGS, "testDomainSnapshotListChildrenNames"))
        return;
    fl_domain *d;
    fl_moment *p = get_snap(c, hdr, &a->snap, &d);
    if (p)
        reply_names(c, hdr, d, p, a->maxnames, a->flags);
}

static void reply_all(fl_conn *c, const vw_packet_header *hdr, fl_domain *d,
                      const fl_moment *from, int need_results, unsigned flags)
{
    size_t n = 0;
    fl_moment **list = fl_snapshot_list(d, from, flags, &n);
    if (n == (size_t)-1) {
        reply_oom(c, hdr);
        return;
    }
    vw_domain_list_all_snapshots_ret r;
    memset(&r, 0, sizeof(r));
    r.ret = (int)n;
    vw_nonnull_domain_snapshot *snaps = NULL;
    if (need_results && n > 0) {
        if (!(snaps = calloc(n, sizeof(*snaps)))) {
            free(list);
            reply_oom(c, hdr);
            return;
        }
        for (size_t i = 0; i < n; i++) {
            snaps[i].name = list[i]->name;
            fl_make_dom(&snaps[i].dom, d);
        }
        r.snapshots.snapshots_len = (u_int)n;
        r.snapshots.snapshots_val = snaps;
    }
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_list_all_snapshots_ret, &r);
    free(snaps);
    free(list);
}

static void h_list_all_snapshots(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_list_all_snapshots_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, LIST_FLAGS, "testDomainListAllSnapshots"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        reply_all(c, hdr, d, NULL, a->need_results, a->flags);
}

static void h_snapshot_list_all_children(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_list_all_children_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, LIST_FLAGS, "testDomainSnapshotListAllChildren"))
        return;
    fl_domain *d;
    fl_moment *p = get_snap(c, hdr, &a->snapshot, &d);
    if (p)
        reply_all(c, hdr, d, p, a->need_results, a->flags);
}

/* ---- one snapshot ----------------------------------------------------------------------------- */

static void h_snapshot_create_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_create_xml_args *a = args;
    vw_virerror e = {0};
    if (!checked(c, hdr, fl_snapshot_create_check_flags(a->flags, &e), &e))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    fl_moment *p = fl_snapshot_create(c->model, d, a->xml_desc, a->flags, &e);
    if (!p)
        fl_conn_reply_error(c, hdr, &e);
    else
        reply_snap(c, hdr, d, p->name);
}

static void h_snapshot_get_xml_desc(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_flags_args *a = args;
    if (!secure_ok(c, hdr, a->flags, "virDomainSnapshotGetXMLDesc", 35 /* DOMAIN_SNAPSHOT */) ||
        !fl_flags_ok(c, hdr, a->flags, 1 /* XML_SECURE */, "testDomainSnapshotGetXMLDesc"))
        return;
    fl_domain *d;
    fl_moment *p = get_snap(c, hdr, &a->snap, &d);
    if (!p)
        return;
    char *xml = fl_snapshot_xml(p);
    if (!xml) {
        reply_oom(c, hdr);
        return;
    }
    fl_reply_string(c, hdr, xml);
    free(xml);
}

static void h_snapshot_lookup_by_name(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_lookup_by_name_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainSnapshotLookupByName"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    vw_virerror e = {0};
    fl_moment *p = fl_snapshot_lookup(d, a->name, &e);
    if (!p)
        fl_conn_reply_error(c, hdr, &e);
    else
        reply_snap(c, hdr, d, p->name);
}

static void h_has_current_snapshot(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainHasCurrentSnapshot"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        fl_reply_int(c, hdr, fl_snapshot_current(d) != NULL);
}

static void h_snapshot_current(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainSnapshotCurrent"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    vw_virerror e = {0};
    if (!fl_snapshot_current(d)) {
        vw_virerror_report(&e, 72 /* VIR_ERR_NO_DOMAIN_SNAPSHOT */, VW_FROM_TEST,
                           "Domain snapshot not found", "the domain does not have a current snapshot");
        fl_conn_reply_error(c, hdr, &e);
    } else
        reply_snap(c, hdr, d, fl_snapshot_current(d)->name);
}

static void h_snapshot_get_parent(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_flags_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainSnapshotGetParent"))
        return;
    fl_domain *d;
    fl_moment *p = get_snap(c, hdr, &a->snap, &d);
    if (!p)
        return;
    vw_virerror e = {0};
    if (!p->parent) {
        fl_moment_no_parent(false, p, &e);
        fl_conn_reply_error(c, hdr, &e);
    } else {
        reply_snap(c, hdr, d, p->parent);
    }
}

static void h_snapshot_is_current(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_flags_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainSnapshotIsCurrent"))
        return;
    fl_domain *d;
    fl_moment *p = get_snap(c, hdr, &a->snap, &d);
    if (p)
        fl_reply_int(c, hdr, p == fl_snapshot_current(d));
}

static void h_snapshot_has_metadata(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_flags_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainSnapshotHasMetadata"))
        return;
    if (get_snap(c, hdr, &a->snap, NULL))
        fl_reply_int(c, hdr, 1);
}

static void h_revert_to_snapshot(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_flags_args *a = args;
    vw_virerror e = {0};
    if (!checked(c, hdr, fl_snapshot_revert_check_flags(a->flags, &e), &e))
        return;
    fl_domain *d;
    fl_moment *p = get_snap(c, hdr, &a->snap, &d);
    if (!p)
        return;
    if (fl_snapshot_revert(c->model, d, p, a->flags, &e) < 0)
        fl_conn_reply_error(c, hdr, &e);
    else
        fl_reply_void(c, hdr);
}

static void h_snapshot_delete(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_flags_args *a = args;
    vw_virerror e = {0};
    if (!checked(c, hdr, fl_snapshot_delete_check_flags(a->flags, &e), &e))
        return;
    fl_domain *d;
    fl_moment *p = get_snap(c, hdr, &a->snap, &d);
    if (!p)
        return;
    fl_snapshot_delete(d, p, a->flags);
    fl_reply_void(c, hdr);
}

/* ---- checkpoints ------------------------------------------------------------------------------ */

#define CHECKPOINT_LIST_FLAGS 15  /* ROOTS, TOPOLOGICAL, LEAVES, NO_LEAVES */

static fl_moment *get_checkpoint(fl_conn *c, const vw_packet_header *hdr,
                                 const vw_nonnull_domain_checkpoint *k, fl_domain **dom)
{
    fl_domain *d = fl_get_dom(c, hdr, &k->dom);
    if (!d)
        return NULL;
    vw_virerror e = {0};
    fl_moment *p = fl_checkpoint_lookup(d, k->name, &e);
    if (!p) {
        fl_conn_reply_error(c, hdr, &e);
        return NULL;
    }
    *dom = d;
    return p;
}

static void make_checkpoint(vw_nonnull_domain_checkpoint *out, const fl_domain *d,
                            const char *name)
{
    out->name = (char *)name;
    fl_make_dom(&out->dom, d);
}

static void reply_checkpoint(fl_conn *c, const vw_packet_header *hdr, const fl_domain *d,
                             const char *name)
{
    vw_domain_checkpoint_ret r;
    make_checkpoint(&r.checkpoint, d, name);
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_checkpoint_ret, &r);
}

static void reply_all_checkpoints(fl_conn *c, const vw_packet_header *hdr, fl_domain *d,
                                  const fl_moment *from, int need_results, unsigned flags)
{
    size_t n = 0;
    fl_moment **list = fl_checkpoint_list(d, from, flags, &n);
    if (n == (size_t)-1) {
        reply_oom(c, hdr);
        return;
    }
    vw_domain_list_all_checkpoints_ret r;
    memset(&r, 0, sizeof(r));
    r.ret = (int)n;
    vw_nonnull_domain_checkpoint *items = NULL;
    if (need_results && n > 0) {
        if (!(items = calloc(n, sizeof(*items)))) {
            free(list);
            reply_oom(c, hdr);
            return;
        }
        for (size_t i = 0; i < n; i++)
            make_checkpoint(&items[i], d, list[i]->name);
        r.checkpoints.checkpoints_len = (u_int)n;
        r.checkpoints.checkpoints_val = items;
    }
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_list_all_checkpoints_ret, &r);
    free(items);
    free(list);
}

static void h_checkpoint_create_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_create_xml_args *a = args;
    vw_virerror e = {0};
    if (!checked(c, hdr, fl_checkpoint_create_check_flags(a->flags, &e), &e))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    fl_moment *p = fl_checkpoint_create(d, a->xml_desc, a->flags, &e);
    if (!p)
        fl_conn_reply_error(c, hdr, &e);
    else
        reply_checkpoint(c, hdr, d, p->name);
}

static void h_checkpoint_get_xml_desc(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_checkpoint_flags_args *a = args;
    enum { SECURE = 1, NO_DOMAIN = 2, SIZE = 4 };
    if (!secure_ok(c, hdr, a->flags, "virDomainCheckpointGetXMLDesc", 69 /* CHECKPOINT */) ||
        !fl_flags_ok(c, hdr, a->flags, SECURE | NO_DOMAIN | SIZE, "testDomainCheckpointGetXMLDesc"))
        return;
    fl_domain *d;
    fl_moment *p = get_checkpoint(c, hdr, &a->checkpoint, &d);
    if (!p)
        return;
    if ((a->flags & SIZE) && !fl_domain_is_active(d)) {   /* virDomainObjCheckActive */
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                           "Requested operation is not valid", "domain is not running");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    char *xml = fl_checkpoint_xml(p, !(a->flags & NO_DOMAIN));
    if (!xml) {
        reply_oom(c, hdr);
        return;
    }
    fl_reply_string(c, hdr, xml);
    free(xml);
}

static void h_list_all_checkpoints(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_list_all_checkpoints_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, CHECKPOINT_LIST_FLAGS, "testDomainListAllCheckpoints"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        reply_all_checkpoints(c, hdr, d, NULL, a->need_results, a->flags);
}

static void h_checkpoint_list_all_children(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_checkpoint_list_all_children_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, CHECKPOINT_LIST_FLAGS, "testDomainCheckpointListAllChildren"))
        return;
    fl_domain *d;
    fl_moment *p = get_checkpoint(c, hdr, &a->checkpoint, &d);
    if (p)
        reply_all_checkpoints(c, hdr, d, p, a->need_results, a->flags);
}

static void h_checkpoint_lookup_by_name(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_snapshot_lookup_by_name_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainCheckpointLookupByName"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    vw_virerror e = {0};
    fl_moment *p = fl_checkpoint_lookup(d, a->name, &e);
    if (!p)
        fl_conn_reply_error(c, hdr, &e);
    else
        reply_checkpoint(c, hdr, d, p->name);
}

static void h_checkpoint_get_parent(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_checkpoint_flags_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, 0, "testDomainCheckpointGetParent"))
        return;
    fl_domain *d;
    fl_moment *p = get_checkpoint(c, hdr, &a->checkpoint, &d);
    if (!p)
        return;
    vw_virerror e = {0};
    if (!p->parent) {
        fl_moment_no_parent(true, p, &e);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_domain_checkpoint_get_parent_ret r;
    make_checkpoint(&r.parent, d, p->parent);
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_checkpoint_get_parent_ret, &r);
}

static void h_checkpoint_delete(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_checkpoint_flags_args *a = args;
    vw_virerror e = {0};
    if (!checked(c, hdr, fl_checkpoint_delete_check_flags(a->flags, &e), &e))
        return;
    fl_domain *d;
    fl_moment *p = get_checkpoint(c, hdr, &a->checkpoint, &d);
    if (!p)
        return;
    fl_checkpoint_delete(d, p, a->flags);
    fl_reply_void(c, hdr);
}

static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, h_snapshot_create_xml, false},
    {R, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC, h_snapshot_get_xml_desc, false},
    {R, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_NUM, h_snapshot_num, false},
    {R, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES, h_snapshot_list_names, false},
    {R, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME, h_snapshot_lookup_by_name, false},
    {R, VW_REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT, h_has_current_snapshot, false},
    {R, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT, h_snapshot_current, false},
    {R, VW_REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, h_revert_to_snapshot, false},
    {R, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE, h_snapshot_delete, false},
    {R, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT, h_snapshot_get_parent, false},
    {R, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_NUM_CHILDREN, h_snapshot_num_children, false},
    {R, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES, h_snapshot_list_children_names, false},
    {R, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT, h_snapshot_is_current, false},
    {R, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_HAS_METADATA, h_snapshot_has_metadata, false},
    {R, VW_REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS, h_list_all_snapshots, false},
    {R, VW_REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN, h_snapshot_list_all_children, false},
    {R, VW_REMOTE_PROC_DOMAIN_CHECKPOINT_CREATE_XML, h_checkpoint_create_xml, false},
    {R, VW_REMOTE_PROC_DOMAIN_CHECKPOINT_GET_XML_DESC, h_checkpoint_get_xml_desc, false},
    {R, VW_REMOTE_PROC_DOMAIN_LIST_ALL_CHECKPOINTS, h_list_all_checkpoints, false},
    {R, VW_REMOTE_PROC_DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN, h_checkpoint_list_all_children, false},
    {R, VW_REMOTE_PROC_DOMAIN_CHECKPOINT_LOOKUP_BY_NAME, h_checkpoint_lookup_by_name, false},
    {R, VW_REMOTE_PROC_DOMAIN_CHECKPOINT_GET_PARENT, h_checkpoint_get_parent, false},
    {R, VW_REMOTE_PROC_DOMAIN_CHECKPOINT_DELETE, h_checkpoint_delete, false},
};

const fl_handler_family fl_handlers_moments = FL_HANDLER_FAMILY(rows);
