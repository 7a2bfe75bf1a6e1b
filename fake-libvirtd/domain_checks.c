/* domain_checks.c: the argument checks, definition choice and reply helpers the domain
 * statistics and tuning families share (see domain_checks.h), as libvirt 9.0's libvirtd, public
 * API and test driver make them.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "domain_checks.h"

/* VIR_DOMAIN_AFFECT_* */
enum { LIVE = 1, CONFIG = 2 };

/* libvirtd's own limit checks (daemon/remote.c): an internal error from the RPC layer with the
 * check as its text. */
bool fl_rpc_limit(fl_conn *c, const vw_packet_header *hdr, bool over, const char *what)
{
    if (!over)
        return false;
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error", "%s", what);
    fl_conn_reply_error(c, hdr, &e);
    return true;
}

/* virCheckPositiveArgGoto in the public API function api. */
bool fl_not_positive(fl_conn *c, const vw_packet_header *hdr, int v, const char *arg,
                     const char *api)
{
    if (v > 0)
        return false;
    vw_virerror e = {0};
    vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, api, arg,
                                   "%s in %s must be greater than zero",
                                   arg, api);
    fl_conn_reply_error(c, hdr, &e);
    return true;
}

/* virCheckNonNullArgGoto in the public API function api: libvirtd hands it no buffer (NULL)
 * when the call asks for none (a zero count or length). */
bool fl_null_arg(fl_conn *c, const vw_packet_header *hdr, bool null, const char *arg,
                 const char *api)
{
    if (!null)
        return false;
    vw_virerror e = {0};
    vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, api, arg, "%s in %s must not be NULL", arg,
                                   api);
    fl_conn_reply_error(c, hdr, &e);
    return true;
}

/* VIR_EXCLUSIVE_FLAGS_GOTO(VIR_DOMAIN_AFFECT_LIVE, VIR_DOMAIN_AFFECT_CONFIG) of the API. */
bool fl_live_and_config(fl_conn *c, const vw_packet_header *hdr, unsigned flags,
                        const char *api)
{
    if ((flags & (LIVE | CONFIG)) != (LIVE | CONFIG))
        return false;
    vw_virerror e = {0};
    vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, api, "flags",
                                   "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' "
                                   "are mutually exclusive");
    fl_conn_reply_error(c, hdr, &e);
    return true;
}

/* Out of memory while building a reply. */
void fl_set_oom(vw_virerror *e)
{
    vw_virerror_report(e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error", "out of memory");
}

/* An empty reply when ok, else the error in e. */
void fl_reply_done(fl_conn *c, const vw_packet_header *hdr, bool ok, vw_virerror *e)
{
    if (ok)
        fl_reply_void(c, hdr);
    else
        fl_conn_reply_error(c, hdr, e);
}

/* The replies that are a typed-parameter list alone share one C layout. */
_Static_assert(sizeof(vw_domain_get_scheduler_parameters_ret) ==
               sizeof(vw_domain_get_perf_events_ret), "parameter-list replies share a layout");

/* Replies p as such a list (proc: the procedure's _ret), or out of memory; frees p. */
void fl_reply_tparams(fl_conn *c, const vw_packet_header *hdr, fl_tparams *p, xdrproc_t proc)
{
    vw_virerror e = {0};
    if (p->failed) {
        fl_set_oom(&e);
        fl_conn_reply_error(c, hdr, &e);
    } else {
        vw_domain_get_perf_events_ret r = {{p->count, p->items}};
        fl_conn_reply(c, hdr, proc, &r);
    }
    fl_tparams_free(p);
}

/* The domain of a call whose flags pass the driver function's virCheckFlags, or NULL after
 * replying the refusal or libvirt's "Domain not found". */
fl_domain *fl_flagged_dom(fl_conn *c, const vw_packet_header *hdr,
                          const vw_nonnull_domain *dom, unsigned flags, unsigned supported,
                          const char *func)
{
    return fl_flags_ok(c, hdr, flags, supported, func) ? fl_get_dom(c, hdr, dom) : NULL;
}

unsigned fl_host_cpus(const fl_model *m)
{
    /* VIR_NODEINFO_MAXCPUS */
    return m->node.nodes * m->node.sockets * m->node.cores * m->node.threads;
}

/* virDomainObjUpdateModificationImpact: which definitions flags name (*live, *config), with
 * libvirt's errors for a live change of an inactive domain or a config change of a transient
 * one. 0 or -1. */
int fl_modification_impact(const fl_domain *d, unsigned flags, bool *live, bool *config,
                           vw_virerror *err)
{
    bool active = fl_domain_is_active(d);
    if (!(flags & (LIVE | CONFIG)))
        flags |= active ? LIVE : CONFIG;
    if ((flags & LIVE) && !active) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                           "Requested operation is not valid", "domain is not running");
        return -1;
    }
    if ((flags & CONFIG) && !d->persistent) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                           "Requested operation is not valid",
                           "transient domains do not have any persistent config");
        return -1;
    }
    *live = (flags & LIVE) != 0;
    *config = (flags & CONFIG) != 0;
    return 0;
}

/* The live definition, about to change: a persistent domain's config is split off first so
 * that the change stays out of it. NULL with err filled when that copy fails. */
domain_def *fl_live_def_for_change(fl_domain *d, vw_virerror *err)
{
    if (d->persistent && !fl_domain_persistent_def(d, err))
        return NULL;
    return d->def;
}

/* virDomainObjGetOneDef for reading: the definition flags name. */
const domain_def *fl_one_def(fl_domain *d, unsigned flags, vw_virerror *err)
{
    bool live, config;
    if (fl_modification_impact(d, flags, &live, &config, err) < 0)
        return NULL;
    if (live || !fl_domain_is_active(d))
        return d->def;
    return d->next_def ? d->next_def : d->def;
}

domain_def *fl_one_def_for_change(fl_domain *d, unsigned flags, vw_virerror *err)
{
    bool live, config;
    if (fl_modification_impact(d, flags, &live, &config, err) < 0)
        return NULL;
    return live ? fl_live_def_for_change(d, err) : fl_domain_persistent_def(d, err);
}

domain_def *fl_exclusive_def_for_change(fl_domain *d, unsigned flags, vw_virerror *err)
{
    if ((flags & (LIVE | CONFIG)) == (LIVE | CONFIG)) {
        vw_virerror_report_invalid_arg(err, VW_FROM_DOMAIN, "virDomainObjGetOneDefState", "flags",
                                       "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' "
                                       "are mutually exclusive");
        return NULL;
    }
    return fl_one_def_for_change(d, flags, err);
}

/* The n-th <kind> device's child element's attribute (e.g. disk, target, dev), or NULL. */
const char *fl_device_attr(const domain_def *def, const char *kind, unsigned n,
                           const char *child, const char *attr)
{
    for (const xml_node *x = def->devices ? def->devices->children : NULL; x; x = x->next) {
        if (strcmp(x->name, kind) != 0)
            continue;
        if (n-- == 0) {
            const char *v = xml_tree_attr(xml_tree_child(x, child), attr);
            return v ? v : "";
        }
    }
    return NULL;
}

/* virDomainDiskIndexByName: a disk by target name, or by source file for a path. */
bool fl_has_disk(const domain_def *def, const char *path)
{
    bool by_source = path[0] == '/';
    const char *v;
    for (unsigned i = 0; (v = fl_device_attr(def, "disk", i, by_source ? "source" : "target",
                                             by_source ? "file" : "dev")); i++)
        if (!strcmp(v, path))
            return true;
    return false;
}

/* virDomainNetFind: an interface by MAC address, else by its target name. */
bool fl_has_interface(const domain_def *def, const char *device, vw_virerror *err)
{
    unsigned m[6];
    char tail;
    bool by_mac = sscanf(device, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4],
                         &m[5], &tail) == 6;
    const char *v;
    for (unsigned i = 0; (v = fl_device_attr(def, "interface", i, by_mac ? "mac" : "target",
                                             by_mac ? "address" : "dev")); i++)
        if (by_mac ? !strcasecmp(v, device) : !strcmp(v, device))
            return true;
    vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_DOMAIN, "invalid argument",
                       "'%s' is not a known interface", device);
    return false;
}
