/* domain_checks.h: the checks and reply helpers the domain statistics, vCPU and tuning families
 * share (domain_checks.c); fl_null_arg and the definition choice for a change are in handlers.h
 * for every family. Each check replies its error itself and returns true (or NULL) when the call
 * is refused.
 */
#ifndef FL_DOMAIN_CHECKS_H
#define FL_DOMAIN_CHECKS_H

#include <stdbool.h>

#include "handlers.h"
#include "model.h"
#include "typed_params.h"

/* libvirtd's own limit checks (daemon/remote.c): true after replying an internal error from the
 * RPC layer with what as its text, when over. */
bool fl_rpc_limit(fl_conn *c, const vw_packet_header *hdr, bool over, const char *what);
/* virCheckPositiveArgGoto in the public API function api. */
bool fl_not_positive(fl_conn *c, const vw_packet_header *hdr, int v, const char *arg,
                     const char *api);
/* VIR_EXCLUSIVE_FLAGS_GOTO(VIR_DOMAIN_AFFECT_LIVE, VIR_DOMAIN_AFFECT_CONFIG) of the API. */
bool fl_live_and_config(fl_conn *c, const vw_packet_header *hdr, unsigned flags,
                        const char *api);
/* Out of memory while building a reply. */
void fl_set_oom(vw_virerror *e);
/* An empty reply when ok, else the error in e. */
void fl_reply_done(fl_conn *c, const vw_packet_header *hdr, bool ok, vw_virerror *e);
/* Replies p as a typed-parameter list alone (proc: the procedure's _ret), or out of memory;
 * frees p. */
void fl_reply_tparams(fl_conn *c, const vw_packet_header *hdr, fl_tparams *p, xdrproc_t proc);
/* The domain of a call whose flags pass the driver function's virCheckFlags, or NULL after
 * replying the refusal or libvirt's "Domain not found". */
fl_domain *fl_flagged_dom(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                          unsigned flags, unsigned supported, const char *func);
/* The host's CPU count (VIR_NODEINFO_MAXCPUS of the model's node). */
unsigned fl_host_cpus(const fl_model *m);
/* virDomainObjUpdateModificationImpact: which definitions flags name (*live, *config), with
 * libvirt's errors for a live change of an inactive domain or a config change of a transient
 * one. 0 or -1. */
int fl_modification_impact(const fl_domain *d, unsigned flags, bool *live, bool *config,
                           vw_virerror *err);
/* The live definition, about to change (a persistent domain's config split off first); NULL
 * with err filled when that copy fails. */
domain_def *fl_live_def_for_change(fl_domain *d, vw_virerror *err);
/* virDomainObjGetOneDef for reading: the definition flags name. */
const domain_def *fl_one_def(fl_domain *d, unsigned flags, vw_virerror *err);

/* The n-th <kind> device's child element's attribute (e.g. disk, target, dev), "" when the
 * element or attribute is missing, NULL when there is no such device. */
const char *fl_device_attr(const domain_def *def, const char *kind, unsigned n, const char *child,
                           const char *attr);
/* virDomainDiskIndexByName: a disk by target name, or by source file for a path. */
bool fl_has_disk(const domain_def *def, const char *path);
/* virDomainNetFind: an interface by MAC address, else by its target name; false with err
 * filled when there is none. */
bool fl_has_interface(const domain_def *def, const char *device, vw_virerror *err);

#endif
