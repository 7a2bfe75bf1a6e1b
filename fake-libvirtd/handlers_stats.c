/* handlers_stats.c: the domain statistics and tuning family — scheduler parameters, vCPU
 * information, pinning and counts — as libvirt 9.0's test driver answers them (behind
 * libvirtd's own argument checks and the public API's checks libvirtd runs before the driver).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "cputune.h"
#include "handlers.h"
#include "model.h"
#include "tuning.h"
#include "typed_params.h"

/* VIR_DOMAIN_AFFECT_* and VIR_DOMAIN_VCPU_MAXIMUM */
enum { LIVE = 1, CONFIG = 2, VCPU_MAXIMUM = 4 };

/* libvirtd's own limit checks (daemon/remote.c): an internal error from the RPC layer with the
 * check as its text. */
static bool rpc_limit(fl_conn *c, const vw_packet_header *hdr, bool over, const char *what)
{
    if (!over)
        return false;
    fl_error e;
    fl_error_set(&e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error", "%s", what);
    fl_conn_reply_error(c, hdr, &e);
    return true;
}

/* virCheckPositiveArgGoto in the public API function api. */
static bool not_positive(fl_conn *c, const vw_packet_header *hdr, int v, const char *arg,
                         const char *api)
{
    if (v > 0)
        return false;
    fl_error e;
    fl_error_set_invalid_arg(&e, FL_FROM_DOMAIN, api, arg, "%s in %s must be greater than zero",
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
    fl_error e;
    fl_error_set_invalid_arg(&e, FL_FROM_DOMAIN, api, arg, "%s in %s must not be NULL", arg, api);
    fl_conn_reply_error(c, hdr, &e);
    return true;
}

/* VIR_EXCLUSIVE_FLAGS_GOTO(VIR_DOMAIN_AFFECT_LIVE, VIR_DOMAIN_AFFECT_CONFIG) of the API. */
static bool live_and_config(fl_conn *c, const vw_packet_header *hdr, unsigned flags,
                            const char *api)
{
    if ((flags & (LIVE | CONFIG)) != (LIVE | CONFIG))
        return false;
    fl_error e;
    fl_error_set_invalid_arg(&e, FL_FROM_DOMAIN, api, "flags",
                             "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' "
                             "are mutually exclusive");
    fl_conn_reply_error(c, hdr, &e);
    return true;
}

/* Out of memory while building a reply. */
static void set_oom(fl_error *e)
{
    fl_error_set(e, FL_ERR_INTERNAL_ERROR, FL_FROM_RPC, "internal error", "out of memory");
}

/* An empty reply when ok, else the error in e. */
static void reply_done(fl_conn *c, const vw_packet_header *hdr, bool ok, const fl_error *e)
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
static void reply_tparams(fl_conn *c, const vw_packet_header *hdr, fl_tparams *p, xdrproc_t proc)
{
    fl_error e;
    if (p->failed) {
        set_oom(&e);
        fl_conn_reply_error(c, hdr, &e);
    } else {
        vw_domain_get_perf_events_ret r = {{p->count, p->items}};
        fl_conn_reply(c, hdr, proc, &r);
    }
    fl_tparams_free(p);
}

/* The domain of a call whose flags pass the driver function's virCheckFlags, or NULL after
 * replying the refusal or libvirt's "Domain not found". */
static fl_domain *flagged_dom(fl_conn *c, const vw_packet_header *hdr,
                              const vw_nonnull_domain *dom, unsigned flags, unsigned supported,
                              const char *func)
{
    return fl_flags_ok(c, hdr, flags, supported, func) ? fl_get_dom(c, hdr, dom) : NULL;
}

static unsigned host_cpus(const fl_model *m)
{
    /* VIR_NODEINFO_MAXCPUS */
    return m->node.nodes * m->node.sockets * m->node.cores * m->node.threads;
}

/* virDomainObjUpdateModificationImpact: which definitions flags name (*live, *config), with
 * libvirt's errors for a live change of an inactive domain or a config change of a transient
 * one. 0 or -1. */
static int modification_impact(const fl_domain *d, unsigned flags, bool *live, bool *config,
                               fl_error *err)
{
    bool active = fl_domain_is_active(d);
    if (!(flags & (LIVE | CONFIG)))
        flags |= active ? LIVE : CONFIG;
    if ((flags & LIVE) && !active) {
        fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_DOMAIN,
                     "Requested operation is not valid", "domain is not running");
        return -1;
    }
    if ((flags & CONFIG) && !d->persistent) {
        fl_error_set(err, FL_ERR_OPERATION_INVALID, FL_FROM_DOMAIN,
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
static domain_def *live_def_for_change(fl_domain *d, fl_error *err)
{
    if (d->persistent && !fl_domain_persistent_def(d, err))
        return NULL;
    return d->def;
}

/* virDomainObjGetOneDef for reading: the definition flags name. */
static const domain_def *one_def(fl_domain *d, unsigned flags, fl_error *err)
{
    bool live, config;
    if (modification_impact(d, flags, &live, &config, err) < 0)
        return NULL;
    if (live || !fl_domain_is_active(d))
        return d->def;
    return d->next_def ? d->next_def : d->def;
}

domain_def *fl_one_def_for_change(fl_domain *d, unsigned flags, fl_error *err)
{
    bool live, config;
    if (modification_impact(d, flags, &live, &config, err) < 0)
        return NULL;
    return live ? live_def_for_change(d, err) : fl_domain_persistent_def(d, err);
}

domain_def *fl_exclusive_def_for_change(fl_domain *d, unsigned flags, fl_error *err)
{
    if ((flags & (LIVE | CONFIG)) == (LIVE | CONFIG)) {
        fl_error_set_invalid_arg(err, FL_FROM_DOMAIN, "virDomainObjGetOneDefState", "flags",
                                 "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' "
                                 "are mutually exclusive");
        return NULL;
    }
    return fl_one_def_for_change(d, flags, err);
}

static unsigned current_vcpus(const domain_def *def)
{
    return def->vcpus_current ? def->vcpus_current : def->vcpus;
}

/* ---- scheduler parameters ----------------------------------------------------------------- */

/* testDomainGetSchedulerParametersFlags: one parameter, weight 50, whatever the domain. */
static void get_sched(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                      int nparams, unsigned flags, const char *api)
{
    fl_error e;
    if (rpc_limit(c, hdr, nparams > VW_REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX,
                  "nparams too large") ||
        fl_null_arg(c, hdr, nparams == 0, "params", api) ||
        not_positive(c, hdr, nparams, "*nparams", api) ||
        live_and_config(c, hdr, flags, api))
        return;
    if (fl_check_flags(flags, 0, "testDomainGetSchedulerParametersFlags", &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (!fl_get_dom(c, hdr, dom))
        return;
    fl_tparams p = {0};
    fl_tparams_uint(&p, "weight", 50);
    reply_tparams(c, hdr, &p, (xdrproc_t)xdr_vw_domain_get_scheduler_parameters_ret);
}

static void h_get_sched(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_scheduler_parameters_args *a = args;
    get_sched(c, hdr, &a->dom, a->nparams, 0, "virDomainGetSchedulerParameters");
}

static void h_get_sched_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_scheduler_parameters_flags_args *a = args;
    /* the public API adds VIR_TYPED_PARAM_STRING_OKAY (4), which the test driver refuses */
    get_sched(c, hdr, &a->dom, a->nparams, a->flags | 4, "virDomainGetSchedulerParametersFlags");
}

static const fl_tparam_spec sched_fields[] = {{"weight", VW_TYPED_PARAM_UINT}};

/* testDomainSetSchedulerParametersFlags: checks the list and the domain, changes nothing. */
static void set_sched(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                      const vw_typed_param *p, unsigned n, unsigned flags, const char *api)
{
    fl_error e;
    if (fl_null_arg(c, hdr, n == 0, "params", api))
        return;
    if (fl_check_flags(flags, 0, "testDomainSetSchedulerParametersFlags", &e) < 0 ||
        fl_tparams_validate(p, n, sched_fields, 1, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (fl_get_dom(c, hdr, dom))
        fl_reply_void(c, hdr);
}

static void h_set_sched(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_scheduler_parameters_args *a = args;
    set_sched(c, hdr, &a->dom, a->params.params_val, a->params.params_len, 0,
              "virDomainSetSchedulerParameters");
}

static void h_set_sched_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_scheduler_parameters_flags_args *a = args;
    set_sched(c, hdr, &a->dom, a->params.params_val, a->params.params_len, a->flags,
              "virDomainSetSchedulerParametersFlags");
}

/* ---- vCPUs and pinning -------------------------------------------------------------------- */

/* testDomainGetVcpus: the online vCPUs (at most maxinfo), running on the last CPU of their
 * pin, with a CPU time made of the wall clock (g_get_real_time() / 10). */
static void h_get_vcpus(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_vcpus_args *a = args;
    fl_error e;
    if (rpc_limit(c, hdr, a->maxinfo > VW_REMOTE_VCPUINFO_MAX, "maxinfo > REMOTE_VCPUINFO_MAX") ||
        rpc_limit(c, hdr, a->maplen < 0 || (a->maplen > 0 && a->maxinfo > 0 &&
                  (long long)a->maxinfo * a->maplen > VW_REMOTE_CPUMAPS_MAX),
                  "maxinfo * maplen > REMOTE_CPUMAPS_MAX") ||
        fl_null_arg(c, hdr, a->maxinfo == 0, "info", "virDomainGetVcpus") ||
        not_positive(c, hdr, a->maxinfo, "maxinfo", "virDomainGetVcpus"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    if (!fl_domain_is_active(d)) {
        fl_error_set(&e, FL_ERR_OPERATION_INVALID, FL_FROM_TEST, "Requested operation is not valid",
                     "cannot list vcpus for an inactive domain");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    unsigned n = current_vcpus(d->def);
    if ((unsigned)a->maxinfo < n)
        n = (unsigned)a->maxinfo;
    size_t maplen = (size_t)a->maplen;
    vw_vcpu_info *info = calloc(n ? n : 1, sizeof(*info));
    unsigned char *maps = calloc((size_t)a->maxinfo * maplen + 1, 1);
    if (!info || !maps) {
        free(info);
        free(maps);
        set_oom(&e);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    unsigned long long now_us = (unsigned long long)tv.tv_sec * 1000000ULL + (unsigned)tv.tv_usec;
    unsigned hostcpus = host_cpus(c->model);
    for (unsigned i = 0; i < n; i++) {
        const fl_cpumask *pin = fl_cputune_vcpu(d->def->cputune, i);
        fl_cpumask_to_buf(pin, hostcpus, maps + i * maplen, (unsigned)maplen);
        info[i].number = i;
        info[i].state = 1; /* VIR_VCPU_RUNNING */
        info[i].cpu = fl_cpumask_last(pin, hostcpus);
        info[i].cpu_time = now_us / 10;
    }
    vw_domain_get_vcpus_ret r = {{n, info}, {(u_int)((size_t)a->maxinfo * maplen), (char *)maps}};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_vcpus_ret, &r);
    free(info);
    free(maps);
}

/* testDomainPinVcpuFlags: an online vCPU of a running domain, flags 0 only. */
static void pin_vcpu(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                     unsigned vcpu, const unsigned char *map, unsigned maplen, unsigned flags,
                     const char *api)
{
    fl_error e;
    if (fl_null_arg(c, hdr, maplen == 0, "cpumap", api))
        return;
    fl_domain *d = flagged_dom(c, hdr, dom, flags, 0, "testDomainPinVcpuFlags");
    if (!d)
        return;
    domain_def *def = NULL;
    if (!fl_domain_is_active(d))
        fl_error_set(&e, FL_ERR_OPERATION_INVALID, FL_FROM_TEST, "Requested operation is not valid",
                     "cannot pin vcpus on an inactive domain");
    else if (vcpu >= current_vcpus(d->def))
        fl_error_set(&e, FL_ERR_INVALID_ARG, FL_FROM_TEST, "invalid argument",
                     "requested vcpu '%d' is not present in the domain", (int)vcpu);
    else if ((def = live_def_for_change(d, &e)) &&
             fl_cputune_pin_vcpu(&def->cputune, vcpu, map, maplen) < 0) {
        def = NULL;
        set_oom(&e);
    }
    reply_done(c, hdr, def != NULL, &e);
}

static void h_pin_vcpu(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_pin_vcpu_args *a = args;
    pin_vcpu(c, hdr, &a->dom, a->vcpu, (const unsigned char *)a->cpumap.cpumap_val,
             a->cpumap.cpumap_len, 0, "virDomainPinVcpu");
}

static void h_pin_vcpu_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_pin_vcpu_flags_args *a = args;
    if (!live_and_config(c, hdr, a->flags, "virDomainPinVcpuFlags"))
        pin_vcpu(c, hdr, &a->dom, a->vcpu, (const unsigned char *)a->cpumap.cpumap_val,
                 a->cpumap.cpumap_len, a->flags, "virDomainPinVcpuFlags");
}

/* testDomainGetVcpuPinInfo (no flag check of its own): one map per vCPU up to the maximum. */
static void h_get_vcpu_pin_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_vcpu_pin_info_args *a = args;
    const char *api = "virDomainGetVcpuPinInfo";
    fl_error e;
    if (rpc_limit(c, hdr, a->ncpumaps > VW_REMOTE_VCPUINFO_MAX, "ncpumaps > REMOTE_VCPUINFO_MAX") ||
        rpc_limit(c, hdr, a->ncpumaps > 0 && a->maplen > 0 &&
                  (long long)a->ncpumaps * a->maplen > VW_REMOTE_CPUMAPS_MAX,
                  "maxinfo * maplen > REMOTE_CPUMAPS_MAX") ||
        not_positive(c, hdr, a->ncpumaps, "ncpumaps", api) ||
        fl_null_arg(c, hdr, a->maplen == 0, "cpumaps", api) ||
        not_positive(c, hdr, a->maplen, "maplen", api) || live_and_config(c, hdr, a->flags, api))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    const domain_def *def = one_def(d, a->flags, &e);
    size_t size = (size_t)a->ncpumaps * (size_t)a->maplen;
    unsigned char *maps = def ? calloc(size, 1) : NULL;
    if (!maps) {
        if (def)
            set_oom(&e);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    unsigned n = def->vcpus < (unsigned)a->ncpumaps ? def->vcpus : (unsigned)a->ncpumaps;
    for (unsigned i = 0; i < n; i++)
        fl_cpumask_to_buf(fl_cputune_vcpu(def->cputune, i), host_cpus(c->model),
                          maps + i * (size_t)a->maplen, (unsigned)a->maplen);
    vw_domain_get_vcpu_pin_info_ret r = {{(u_int)size, (char *)maps}, (int)n};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_vcpu_pin_info_ret, &r);
    free(maps);
}

/* testDomainPinEmulator */
static void h_pin_emulator(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_pin_emulator_args *a = args;
    const char *api = "virDomainPinEmulator";
    const unsigned char *map = (const unsigned char *)a->cpumap.cpumap_val;
    unsigned len = a->cpumap.cpumap_len;
    fl_error e;
    if (fl_null_arg(c, hdr, len == 0, "cpumap", api) || live_and_config(c, hdr, a->flags, api))
        return;
    fl_domain *d = flagged_dom(c, hdr, &a->dom, a->flags, LIVE | CONFIG, "testDomainPinEmulator");
    if (!d)
        return;
    domain_def *def = fl_one_def_for_change(d, a->flags, &e);
    if (def && fl_cpumask_is_clear(map, len)) {
        fl_error_set(&e, FL_ERR_INVALID_ARG, FL_FROM_TEST, "invalid argument",
                     "Empty cpu list for pinning");
        def = NULL;
    }
    if (def && ((!def->cputune && !(def->cputune = calloc(1, sizeof(*def->cputune)))) ||
                fl_cpumask_set(&def->cputune->emulatorpin, map, len) < 0)) {
        set_oom(&e);
        def = NULL;
    }
    reply_done(c, hdr, def != NULL, &e);
}

/* testDomainGetEmulatorPinInfo: the emulator pin, else all host CPUs. */
static void h_get_emulator_pin_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_emulator_pin_info_args *a = args;
    const char *api = "virDomainGetEmulatorPinInfo";
    fl_error e;
    if (rpc_limit(c, hdr, a->maplen > VW_REMOTE_CPUMAPS_MAX, "maplen > REMOTE_CPUMAPS_MAX") ||
        fl_null_arg(c, hdr, a->maplen == 0, "cpumap", api) ||
        not_positive(c, hdr, a->maplen, "maplen", api) || live_and_config(c, hdr, a->flags, api))
        return;
    fl_domain *d = flagged_dom(c, hdr, &a->dom, a->flags, LIVE | CONFIG,
                               "testDomainGetEmulatorPinInfo");
    if (!d)
        return;
    const domain_def *def = one_def(d, a->flags, &e);
    unsigned char *map = def ? calloc((size_t)a->maplen, 1) : NULL;
    if (!map) {
        if (def)
            set_oom(&e);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_cpumask_to_buf(def->cputune ? &def->cputune->emulatorpin : NULL, host_cpus(c->model), map,
                      (unsigned)a->maplen);
    vw_domain_get_emulator_pin_info_ret r = {{(u_int)a->maplen, (char *)map}, 1};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_emulator_pin_info_ret, &r);
    free(map);
}

/* testDomainGetVcpusFlags: the current or maximum count of the definition flags name. */
static void h_get_vcpus_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_vcpus_flags_args *a = args;
    fl_error e;
    if (live_and_config(c, hdr, a->flags, "virDomainGetVcpusFlags"))
        return;
    fl_domain *d = flagged_dom(c, hdr, &a->dom, a->flags, LIVE | CONFIG | VCPU_MAXIMUM,
                               "testDomainGetVcpusFlags");
    if (!d)
        return;
    const domain_def *def = one_def(d, a->flags, &e);
    if (!def)
        fl_conn_reply_error(c, hdr, &e);
    else
        fl_reply_int(c, hdr, (int)(a->flags & VCPU_MAXIMUM ? def->vcpus : current_vcpus(def)));
}

/* virDomainDefSetVcpus: n online vCPUs (n within the maximum). */
static void set_current(domain_def *def, unsigned n)
{
    def->vcpus_current = n == def->vcpus ? 0 : n;
}

/* virDomainDefSetVcpusMax: new vCPUs come offline, removed ones take their pins along. */
static void set_maximum(domain_def *def, unsigned n)
{
    unsigned cur = current_vcpus(def);
    def->vcpus = n;
    set_current(def, cur < n ? cur : n);
    fl_cputune_truncate(def->cputune, n);
}

/* The checks of testDomainSetVcpusFlags once the definitions are known. 0 or -1. */
static int check_vcpus(const domain_def *live, const domain_def *config, unsigned n,
                       unsigned flags, fl_error *err)
{
    const domain_def *over = live && live->vcpus < n ? live
                           : config && !(flags & VCPU_MAXIMUM) && config->vcpus < n ? config
                           : NULL;
    if (!over)
        return 0;
    fl_error_set(err, FL_ERR_INVALID_ARG, FL_FROM_TEST, "invalid argument",
                 "requested cpu amount exceeds maximum (%d > %d)", (int)n, (int)over->vcpus);
    return -1;
}

/* testDomainSetVcpusFlags */
static int set_vcpus(fl_domain *d, unsigned n, unsigned flags, fl_error *err)
{
    bool live, config;
    if (modification_impact(d, flags, &live, &config, err) < 0)
        return -1;
    domain_def *pdef = config ? fl_domain_persistent_def(d, err) : NULL;
    if (config && !pdef)
        return -1;
    domain_def *ldef = live ? live_def_for_change(d, err) : NULL;
    if (live && !ldef)
        return -1;
    if (check_vcpus(ldef, pdef, n, flags, err) < 0)
        return -1;
    if (ldef)
        set_current(ldef, n);
    if (pdef && (flags & VCPU_MAXIMUM))
        set_maximum(pdef, n);
    else if (pdef)
        set_current(pdef, n);
    return 0;
}

/* The public API's checks, then testDomainSetVcpusFlags' own before it looks the domain up.
 * 0, or -1 with err filled. */
static int set_vcpus_checks(unsigned n, unsigned flags, const char *api, fl_error *err)
{
    if ((flags & VCPU_MAXIMUM) && !(flags & CONFIG)) {
        fl_error_set_invalid_arg(err, FL_FROM_DOMAIN, api, "flags",
                                 "Flag 'VIR_DOMAIN_AFFECT_CONFIG' is required by flag "
                                 "'VIR_DOMAIN_VCPU_MAXIMUM'");
        return -1;
    }
    if (n == 0) {
        fl_error_set_invalid_arg(err, FL_FROM_DOMAIN, api, "nvcpus",
                                 "nvcpus in %s must not be zero", api);
        return -1;
    }
    if (fl_check_flags(flags, LIVE | CONFIG | VCPU_MAXIMUM, "testDomainSetVcpusFlags", err) < 0)
        return -1;
    if (n > 32) { /* testConnectGetMaxVcpus */
        fl_error_set(err, FL_ERR_INVALID_ARG, FL_FROM_TEST, "invalid argument",
                     "requested cpu amount exceeds maximum supported amount (%d > %d)", (int)n,
                     32);
        return -1;
    }
    return 0;
}

static void set_vcpus_call(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                           unsigned n, unsigned flags, const char *api)
{
    fl_error e;
    if (set_vcpus_checks(n, flags, api, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, dom);
    if (!d)
        return;
    reply_done(c, hdr, set_vcpus(d, n, flags, &e) == 0, &e);
}

static void h_set_vcpus(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_vcpus_args *a = args;
    set_vcpus_call(c, hdr, &a->dom, a->nvcpus, LIVE, "virDomainSetVcpus");
}

static void h_set_vcpus_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_vcpus_flags_args *a = args;
    set_vcpus_call(c, hdr, &a->dom, a->nvcpus, a->flags, "virDomainSetVcpusFlags");
}

/* ---- all-domain statistics ---------------------------------------------------------------- */

/* virDomainStatsTypes the test driver fills: the state group, and the iothread group. */
enum { STATS_STATE = 1, STATS_IOTHREAD = 128 };
/* VIR_CONNECT_LIST_DOMAINS_* filters and VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT / BACKING /
 * ENFORCE_STATS */
enum { STATS_FILTERS = 0xff, STATS_NOWAIT = 1u << 29, STATS_BACKING = 1u << 30,
       STATS_ENFORCE = 1u << 31 };

/* The domains a call names (those of doms that exist, in their order, or all), filtered. A
 * malloc'd array, *n set; NULL with *n 0 when there is none or memory runs out. */
static fl_domain **stats_domains(fl_model *m, const vw_nonnull_domain *doms, unsigned ndoms,
                                 unsigned filters, size_t *n)
{
    if (!ndoms)
        return fl_domain_list(m, filters, n);
    fl_domain **out = calloc(ndoms, sizeof(*out));
    *n = 0;
    for (unsigned i = 0; out && i < ndoms; i++) {
        fl_error e;
        fl_domain *d = fl_domain_lookup_uuid(m, (const unsigned char *)doms[i].uuid, &e);
        if (d && fl_domain_matches(d, filters))
            out[(*n)++] = d;
    }
    return out;
}

/* The parameters of one domain's record. */
static void stats_record(const fl_domain *d, unsigned stats, fl_tparams *p)
{
    if (!stats || (stats & STATS_STATE)) {
        fl_tparams_int(p, "state.state", d->state);
        fl_tparams_int(p, "state.reason", d->reason);
    }
    /* the test driver's own list of IOThreads (model.h), for running domains */
    if ((!stats || (stats & STATS_IOTHREAD)) && d->niothreads && fl_domain_is_active(d)) {
        fl_tparams_uint(p, "iothread.count", d->niothreads);
        for (unsigned i = 0; i < d->niothreads; i++) {
            const struct fl_iothread_poll *t = &d->iothreads[i];
            char name[64];
            snprintf(name, sizeof(name), "iothread.%u.poll-max-ns", t->id);
            fl_tparams_ullong(p, name, t->poll_max_ns);
            snprintf(name, sizeof(name), "iothread.%u.poll-grow", t->id);
            fl_tparams_uint(p, name, t->poll_grow);
            snprintf(name, sizeof(name), "iothread.%u.poll-shrink", t->id);
            fl_tparams_uint(p, name, t->poll_shrink);
        }
    }
}

static void reply_stats(fl_conn *c, const vw_packet_header *hdr, fl_domain **doms, size_t n,
                        unsigned stats)
{
    vw_domain_stats_record *recs = calloc(n ? n : 1, sizeof(*recs));
    fl_tparams *p = calloc(n ? n : 1, sizeof(*p));
    bool failed = !recs || !p;
    for (size_t i = 0; !failed && i < n; i++) {
        stats_record(doms[i], stats, &p[i]);
        fl_make_dom(&recs[i].dom, doms[i]);
        recs[i].params.params_val = p[i].items;
        recs[i].params.params_len = p[i].count;
        failed = p[i].failed;
    }
    if (failed) {
        fl_error e;
        set_oom(&e);
        fl_conn_reply_error(c, hdr, &e);
    } else {
        vw_connect_get_all_domain_stats_ret r = {{(u_int)n, recs}};
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_get_all_domain_stats_ret, &r);
    }
    for (size_t i = 0; p && i < n; i++)
        fl_tparams_free(&p[i]);
    free(p);
    free(recs);
}

/* testConnectGetAllDomainStats, for virConnectGetAllDomainStats (no domains) and
 * virDomainListGetStats (domains that no longer exist are left out). */
static void h_get_all_domain_stats(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_get_all_domain_stats_args *a = args;
    unsigned unsupported = a->stats & ~(unsigned)(STATS_STATE | STATS_IOTHREAD);
    fl_error e;
    if (fl_check_flags(a->flags, STATS_FILTERS | STATS_NOWAIT | STATS_BACKING | STATS_ENFORCE,
                       "testConnectGetAllDomainStats", &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if ((a->flags & STATS_ENFORCE) && unsupported) {
        fl_error_set(&e, 74 /* VIR_ERR_ARGUMENT_UNSUPPORTED */, FL_FROM_TEST,
                     "argument unsupported",
                     "Stats types bits 0x%x are not supported by this daemon", unsupported);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    size_t n = 0;
    fl_domain **doms = stats_domains(c->model, a->doms.doms_val, a->doms.doms_len,
                                     a->flags & STATS_FILTERS, &n);
    reply_stats(c, hdr, doms, n, a->stats);
    free(doms);
}

/* ---- device statistics --------------------------------------------------------------------- */

/* virDomainObjCheckActive's refusal. */
static bool not_running(fl_conn *c, const vw_packet_header *hdr, const fl_domain *d)
{
    if (fl_domain_is_active(d))
        return false;
    fl_error e;
    fl_error_set(&e, FL_ERR_OPERATION_INVALID, FL_FROM_DOMAIN, "Requested operation is not valid",
                 "domain is not running");
    fl_conn_reply_error(c, hdr, &e);
    return true;
}

/* The n-th <kind> device's child element's attribute (e.g. disk, target, dev), or NULL. */
static const char *device_attr(const domain_def *def, const char *kind, unsigned n,
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

static unsigned device_count(const domain_def *def, const char *kind)
{
    unsigned n = 0;
    while (device_attr(def, kind, n, "target", "dev"))
        n++;
    return n;
}

/* virDomainDiskIndexByName: a disk by target name, or by source file for a path. */
static bool has_disk(const domain_def *def, const char *path)
{
    bool by_source = path[0] == '/';
    const char *v;
    for (unsigned i = 0; (v = device_attr(def, "disk", i, by_source ? "source" : "target",
                                          by_source ? "file" : "dev")); i++)
        if (!strcmp(v, path))
            return true;
    return false;
}

static unsigned long long real_time_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (unsigned long long)tv.tv_sec * 1000000ULL + (unsigned long long)tv.tv_usec;
}

/* testDomainBlockStats: numbers made of the wall clock, for a disk of a running domain. */
static void h_block_stats(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_block_stats_args *a = args;
    fl_error e;
    if (!a->path[0]) {
        fl_error_set(&e, 84 /* VIR_ERR_OPERATION_UNSUPPORTED */, FL_FROM_TEST,
                     "Operation not supported", "summary statistics are not supported yet");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d || not_running(c, hdr, d))
        return;
    if (!has_disk(d->def, a->path)) {
        fl_error_set(&e, FL_ERR_INVALID_ARG, FL_FROM_TEST, "invalid argument", "invalid path: %s",
                     a->path);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    long long t = (long long)real_time_us();
    vw_domain_block_stats_ret r = {t / 10, t / 20, t / 30, t / 40, t / (1000LL * 1000LL * 2)};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_block_stats_ret, &r);
}

/* virDomainNetFind: an interface by MAC address, else by its target name. */
static bool has_interface(const domain_def *def, const char *device, fl_error *err)
{
    unsigned m[6];
    char tail;
    bool by_mac = sscanf(device, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4],
                         &m[5], &tail) == 6;
    const char *v;
    for (unsigned i = 0; (v = device_attr(def, "interface", i, by_mac ? "mac" : "target",
                                          by_mac ? "address" : "dev")); i++)
        if (by_mac ? !strcasecmp(v, device) : !strcmp(v, device))
            return true;
    fl_error_set(err, FL_ERR_INVALID_ARG, FL_FROM_DOMAIN, "invalid argument",
                 "'%s' is not a known interface", device);
    return false;
}

/* testDomainInterfaceStats */
static void h_interface_stats(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_interface_stats_args *a = args;
    fl_error e;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d || not_running(c, hdr, d))
        return;
    if (!has_interface(d->def, a->device, &e)) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    long long t = (long long)real_time_us(), M = 1000LL * 1000LL;
    vw_domain_interface_stats_ret r = {t / 10, t / 100, t / M, t / (M * 2),
                                       t / 20, t / 110, t / (M * 3), t / (M * 4)};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_interface_stats_ret, &r);
}

/* testDomainGetDiskErrors: each disk with an error, alternating unspecified / no space. */
static void h_get_disk_errors(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_disk_errors_args *a = args;
    fl_error e;
    if (rpc_limit(c, hdr, a->maxerrors > VW_REMOTE_DOMAIN_DISK_ERRORS_MAX, "maxerrors too large"))
        return;
    fl_domain *d = flagged_dom(c, hdr, &a->dom, a->flags, 0, "testDomainGetDiskErrors");
    if (!d || not_running(c, hdr, d))
        return;
    unsigned ndisks = device_count(d->def, "disk");
    unsigned n = a->maxerrors ? (ndisks < a->maxerrors ? ndisks : a->maxerrors) : 0;
    vw_domain_disk_error *errs = calloc(n ? n : 1, sizeof(*errs));
    if (!errs) {
        set_oom(&e);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        errs[i].disk = (char *)device_attr(d->def, "disk", i, "target", "dev");
        errs[i].error = (int)(i % 2) + 1;
    }
    vw_domain_get_disk_errors_ret r = {{n, errs}, a->maxerrors ? (int)n : (int)ndisks};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_disk_errors_ret, &r);
    free(errs);
}

/* The n-th <kind> device element, or NULL. */
static const xml_node *device_node(const domain_def *def, const char *kind, unsigned n)
{
    for (const xml_node *x = def->devices ? def->devices->children : NULL; x; x = x->next)
        if (!strcmp(x->name, kind) && n-- == 0)
            return x;
    return NULL;
}

/* testDomainMemoryStats: made of the balloon size, for a domain with a balloon device. */
static void h_memory_stats(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_memory_stats_args *a = args;
    if (rpc_limit(c, hdr, a->maxStats > VW_REMOTE_DOMAIN_MEMORY_STATS_MAX,
                  "maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX"))
        return;
    fl_domain *d = flagged_dom(c, hdr, &a->dom, a->flags, 0, "testDomainMemoryStats");
    if (!d || not_running(c, hdr, d))
        return;
    const char *model = xml_tree_attr(device_node(d->def, "memballoon", 0), "model");
    unsigned long long cur = d->def->current_kib;
    /* virDomainMemoryStatTags in the test driver's order */
    vw_domain_memory_stat all[] = {
        {6, cur}, {0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, cur / 2}, {5, cur}, {8, cur / 2},
        {9, 627319920}, {10, cur / 8}, {11, 0}, {12, 0}, {7, cur / 2},
    };
    unsigned n = model && strcmp(model, "none") != 0 ? sizeof(all) / sizeof(all[0]) : 0;
    if (n > a->maxStats)
        n = a->maxStats;
    vw_domain_memory_stats_ret r = {{n, all}};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_memory_stats_ret, &r);
}

/* testDomainGetBlockInfo: a 1 TiB disk, for any disk with a source, running or not. */
static void h_get_block_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_block_info_args *a = args;
    fl_error e;
    if (!a->path[0]) {
        fl_error_set_invalid_arg(&e, FL_FROM_DOMAIN, "virDomainGetBlockInfo", "disk",
                                 "string disk in virDomainGetBlockInfo must not be empty");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = flagged_dom(c, hdr, &a->dom, a->flags, 0, "testDomainGetBlockInfo");
    if (!d)
        return;
    bool by_source = a->path[0] == '/';
    const xml_node *disk = NULL;
    for (unsigned i = 0; !disk && device_node(d->def, "disk", i); i++) {
        const char *v = device_attr(d->def, "disk", i, by_source ? "source" : "target",
                                    by_source ? "file" : "dev");
        if (!strcmp(v, a->path))
            disk = device_node(d->def, "disk", i);
    }
    const xml_node *src = disk ? xml_tree_child(disk, "source") : NULL;
    if (!disk)
        fl_error_set(&e, FL_ERR_INVALID_ARG, FL_FROM_TEST, "invalid argument",
                     "invalid path %s not assigned to domain", a->path);
    else if (!src || !(xml_tree_attr(src, "file") || xml_tree_attr(src, "dev") ||
                       xml_tree_attr(src, "dir") || xml_tree_attr(src, "name")))
        fl_error_set(&e, FL_ERR_INVALID_ARG, FL_FROM_TEST, "invalid argument",
                     "disk '%s' does not currently have a source assigned", a->path);
    else {
        vw_domain_get_block_info_ret r = {1099511627776ULL, 1099506450432ULL, 1099511627776ULL};
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_block_info_ret, &r);
        return;
    }
    fl_conn_reply_error(c, hdr, &e);
}

/* testDomainGetDomainTotalCpuStats / testDomainGetPercpuStats: fixed totals, and per CPU (one
 * per host core) a share of the total plus the CPU's number. Returns the count libvirt returns,
 * or -1 with err filled. */
#define TOTAL_CPUTIME 48772617035ULL
static int cpu_stats(const fl_model *m, unsigned nparams, int start, unsigned ncpus,
                     fl_tparams *p, fl_error *err)
{
    if (start == -1) {
        static const char *const names[] = {"cpu_time", "user_time", "system_time"};
        static const unsigned long long values[] = {TOTAL_CPUTIME, 5540000000ULL, 6460000000ULL};
        if (!nparams)
            return 3;
        for (unsigned i = 0; i < nparams && i < 3; i++)
            fl_tparams_ullong(p, names[i], values[i]);
        return nparams < 3 ? (int)nparams : 3;
    }
    int total = (int)m->node.cores;
    if (!nparams && ncpus)
        return 2;
    if (!ncpus)
        return total;
    if (start >= total) {
        fl_error_set(err, FL_ERR_INVALID_ARG, FL_FROM_TEST, "invalid argument",
                     "start_cpu %d larger than maximum of %d", start, total - 1);
        return -1;
    }
    unsigned long long share = TOTAL_CPUTIME / (unsigned)total;
    int end = start + (int)ncpus < total ? start + (int)ncpus : total;
    for (int i = start; i < end; i++) {
        fl_tparams_ullong(p, "cpu_time", share + (unsigned)i);
        if (nparams > 1)
            fl_tparams_ullong(p, "vcpu_time", share + (unsigned)i - 1234567890ULL);
    }
    return nparams > 1 ? 2 : 1;
}

/* testDomainGetCPUStats, behind libvirtd's limits (the unset entries of the sparse array it
 * gets back are left out of the reply). */
static void h_get_cpu_stats(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_cpu_stats_args *a = args;
    fl_error e;
    if (rpc_limit(c, hdr, a->nparams > VW_REMOTE_DOMAIN_GET_CPU_STATS_MAX,
                  "nparams too large") ||
        rpc_limit(c, hdr, a->ncpus > VW_REMOTE_DOMAIN_GET_CPU_STATS_NCPUS_MAX,
                  "ncpus too large"))
        return;
    const char *api = "virDomainGetCPUStats";
    if (a->start_cpu == -1 && a->ncpus != 1) {
        fl_error_set_invalid_arg(&e, FL_FROM_DOMAIN, api, "start_cpu",
                                 "ncpus must be 1 when start_cpu is -1");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (a->start_cpu < -1) {
        fl_error_set_invalid_arg(&e, FL_FROM_DOMAIN, api, "start_cpu",
                                 "start_cpu in %s must be zero or greater", api);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    /* the public API adds VIR_TYPED_PARAM_STRING_OKAY (4) */
    fl_domain *d = flagged_dom(c, hdr, &a->dom, a->flags | 4, 4, "testDomainGetCPUStats");
    if (!d || not_running(c, hdr, d))
        return;
    fl_tparams p = {0};
    int n = cpu_stats(c->model, a->nparams, a->start_cpu, a->ncpus, &p, &e);
    if (n >= 0 && p.failed) {
        n = -1;
        set_oom(&e);
    }
    if (n < 0) {
        fl_conn_reply_error(c, hdr, &e);
    } else {
        vw_domain_get_cpu_stats_ret r = {{p.count, p.items}, n};
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_cpu_stats_ret, &r);
    }
    fl_tparams_free(&p);
}

/* ---- tuning parameters (read side) -------------------------------------------------------- */

/* <memtune> is in the definition itself; the others are read by tuning.c. */

static const char *const memtune_fields[3] = {"hard_limit", "soft_limit", "swap_hard_limit"};
static const fl_tparam_spec memtune_specs[3] = {{"hard_limit", VW_TYPED_PARAM_ULLONG},
                                                {"soft_limit", VW_TYPED_PARAM_ULLONG},
                                                {"swap_hard_limit", VW_TYPED_PARAM_ULLONG}};

static void fill_memory(fl_tparams *p, const domain_def *def, const char *dev)
{
    (void)dev;
    for (unsigned i = 0; i < 3; i++)
        fl_tparams_ullong(p, memtune_fields[i], def->memtune[i]);
}

typedef struct {
    const char *api, *driver_fn;
    int count;                  /* what a query (nparams 0) answers */
    int max;                    /* libvirtd's REMOTE_..._MAX */
    /* the full list; dev: the interface or disk of the per-device kinds */
    void (*fill)(fl_tparams *p, const domain_def *def, const char *dev);
    xdrproc_t xdr_ret;          /* the procedure's _ret (all alike: params, nparams) */
} tuning_kind;

/* The replies of the tuning getters differ only in their list's limit: one C layout serves. */
_Static_assert(sizeof(vw_domain_get_memory_parameters_ret) ==
               sizeof(vw_domain_get_block_io_tune_ret), "tuning replies share a layout");

/* The first n of a full list, less the strings unless the caller takes them
 * (VIR_TYPED_PARAM_STRING_OKAY in its own flags, as libvirtd serializes). */
static void tuning_reply(fl_conn *c, const vw_packet_header *hdr, const tuning_kind *k,
                         const domain_def *def, const char *dev, int n, unsigned flags)
{
    fl_tparams all = {0};
    k->fill(&all, def, dev);
    unsigned kept = 0;
    for (unsigned i = 0; i < all.count && i < (unsigned)n; i++) {
        if (all.items[i].value.type == VW_TYPED_PARAM_STRING && !(flags & 4)) {
            xdr_free((xdrproc_t)xdr_vw_typed_param, (char *)&all.items[i]);
            continue;
        }
        all.items[kept++] = all.items[i];
    }
    for (unsigned i = (unsigned)n < all.count ? (unsigned)n : all.count; i < all.count; i++)
        xdr_free((xdrproc_t)xdr_vw_typed_param, (char *)&all.items[i]);
    all.count = kept;
    if (all.failed) {
        fl_error e;
        set_oom(&e);
        fl_conn_reply_error(c, hdr, &e);
    } else {
        /* libvirtd fills nparams only for a query of the count */
        vw_domain_get_memory_parameters_ret r = {{all.count, all.items}, 0};
        fl_conn_reply(c, hdr, k->xdr_ret, &r);
    }
    fl_tparams_free(&all);
}

/* The checks common to the tuning getters; the domain, or NULL after an answer (a query for
 * the count is answered here). */
static fl_domain *tuning_start(fl_conn *c, const vw_packet_header *hdr, const tuning_kind *k,
                               const vw_nonnull_domain *dom, int nparams, unsigned flags)
{
    fl_error e;
    if (rpc_limit(c, hdr, nparams > k->max, "nparams too large") ||
        rpc_limit(c, hdr, nparams < 0, "nparams must be non-negative") ||
        live_and_config(c, hdr, flags, k->api))
        return NULL;
    /* the public API adds VIR_TYPED_PARAM_STRING_OKAY (4) for the driver */
    if (fl_check_flags(flags | 4, LIVE | CONFIG | 4, k->driver_fn, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return NULL;
    }
    if (nparams == 0) {
        vw_domain_get_memory_parameters_ret r = {{0, NULL}, k->count};
        fl_conn_reply(c, hdr, k->xdr_ret, &r);
        return NULL;
    }
    fl_domain *d = fl_get_dom(c, hdr, dom);
    if (d && !one_def(d, flags, &e)) {
        fl_conn_reply_error(c, hdr, &e);
        return NULL;
    }
    return d;
}

static const tuning_kind MEMORY = {"virDomainGetMemoryParameters",
                                   "testDomainGetMemoryParameters", 3,
                                   VW_REMOTE_DOMAIN_MEMORY_PARAMETERS_MAX, fill_memory,
                                   (xdrproc_t)xdr_vw_domain_get_memory_parameters_ret};
static const tuning_kind NUMA = {"virDomainGetNumaParameters", "testDomainGetNumaParameters", 2,
                                 VW_REMOTE_DOMAIN_NUMA_PARAMETERS_MAX, fl_tuning_numa,
                                 (xdrproc_t)xdr_vw_domain_get_numa_parameters_ret};
static const tuning_kind BLKIO = {"virDomainGetBlkioParameters", "testDomainGetBlkioParameters",
                                  6, VW_REMOTE_DOMAIN_BLKIO_PARAMETERS_MAX, fl_tuning_blkio,
                                  (xdrproc_t)xdr_vw_domain_get_blkio_parameters_ret};
static const tuning_kind IFACE = {"virDomainGetInterfaceParameters",
                                  "testDomainGetInterfaceParameters", 7,
                                  VW_REMOTE_DOMAIN_INTERFACE_PARAMETERS_MAX, fl_tuning_iface,
                                  (xdrproc_t)xdr_vw_domain_get_interface_parameters_ret};
static const tuning_kind IOTUNE = {"virDomainGetBlockIoTune", "testDomainGetBlockIoTune", 20,
                                   VW_REMOTE_DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX, fl_tuning_iotune,
                                   (xdrproc_t)xdr_vw_domain_get_block_io_tune_ret};

static void get_tuning(fl_conn *c, const vw_packet_header *hdr, void *args, const tuning_kind *k)
{
    vw_domain_get_tuning_args *a = args;
    fl_error e;
    fl_domain *d = tuning_start(c, hdr, k, &a->dom, a->nparams, a->flags);
    if (d)
        tuning_reply(c, hdr, k, one_def(d, a->flags, &e), NULL, a->nparams, a->flags);
}

static void h_get_memory_parameters(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    get_tuning(c, hdr, args, &MEMORY);
}

static void h_get_numa_parameters(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    get_tuning(c, hdr, args, &NUMA);
}

static void h_get_blkio_parameters(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    get_tuning(c, hdr, args, &BLKIO);
}

/* testDomainGetInterfaceParameters: an interface's bandwidth, none set. */
static void h_get_interface_parameters(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_interface_parameters_args *a = args;
    fl_error e;
    fl_domain *d = tuning_start(c, hdr, &IFACE, &a->dom, a->nparams, a->flags);
    if (!d)
        return;
    const domain_def *def = one_def(d, a->flags, &e);
    if (!has_interface(def, a->device, &e))
        fl_conn_reply_error(c, hdr, &e);
    else
        tuning_reply(c, hdr, &IFACE, def, a->device, a->nparams, a->flags);
}

/* testDomainGetBlockIoTune: a disk's limits, none set. */
static void h_get_block_io_tune(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_block_io_tune_args *a = args;
    fl_error e;
    /* the public API wants a disk unless the call only asks for the count */
    bool wants_disk = a->nparams > 0 && a->nparams <= IOTUNE.max;
    if (wants_disk && fl_null_arg(c, hdr, !a->disk, "disk", IOTUNE.api))
        return;
    fl_domain *d = tuning_start(c, hdr, &IOTUNE, &a->dom, a->nparams, a->flags);
    if (!d)
        return;
    const domain_def *def = one_def(d, a->flags, &e);
    if (!has_disk(def, *a->disk)) {
        fl_error_set(&e, FL_ERR_INVALID_ARG, FL_FROM_TEST, "invalid argument",
                     "disk '%s' was not found in the domain config", *a->disk);
        fl_conn_reply_error(c, hdr, &e);
    } else {
        tuning_reply(c, hdr, &IOTUNE, def, *a->disk, a->nparams, a->flags);
    }
}

/* testDomainSetMemoryParameters: the limits given, on the definition flags name; the hard
 * limit may not exceed the swap hard limit (the live definition's, for those not given). */
static void h_set_memory_parameters(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_memory_parameters_args *a = args;
    const vw_typed_param *p = a->params.params_val;
    unsigned n = a->params.params_len;
    fl_error e;
    if (fl_null_arg(c, hdr, n == 0, "params", "virDomainSetMemoryParameters"))
        return;
    if (fl_check_flags(a->flags, LIVE | CONFIG, "testDomainSetMemoryParameters", &e) < 0 ||
        fl_tparams_validate(p, n, memtune_specs, 3, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    const vw_typed_param *given[3];
    for (unsigned i = 0; i < 3; i++)
        given[i] = fl_tparams_find(p, n, memtune_fields[i]);
    unsigned long long hard = given[0] ? given[0]->value.vw_typed_param_value_u.ul
                                       : d->def->memtune[0];
    unsigned long long swap = given[2] ? given[2]->value.vw_typed_param_value_u.ul
                                       : d->def->memtune[2];
    domain_def *def = fl_one_def_for_change(d, a->flags, &e);
    if (def && (given[0] || given[2]) && hard > swap) {
        fl_error_set(&e, FL_ERR_INVALID_ARG, FL_FROM_TEST, "invalid argument",
                     "memory hard_limit tunable value must be lower than or equal to "
                     "swap_hard_limit");
        def = NULL;
    }
    for (unsigned i = 0; def && i < 3; i++)
        if (given[i])
            def->memtune[i] = given[i]->value.vw_typed_param_value_u.ul;
    reply_done(c, hdr, def != NULL, &e);
}

/* testDomainGetPerfEvents: every event, enabled or not. */
static void h_get_perf_events(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_perf_events_args *a = args;
    fl_error e;
    if (live_and_config(c, hdr, a->flags, "virDomainGetPerfEvents"))
        return;
    fl_domain *d = flagged_dom(c, hdr, &a->dom, a->flags | 4, LIVE | CONFIG | 4,
                               "testDomainGetPerfEvents");
    if (!d)
        return;
    const domain_def *def = one_def(d, a->flags, &e);
    if (!def) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_tparams p = {0};
    fl_tuning_perf(&p, def, NULL);
    reply_tparams(c, hdr, &p, (xdrproc_t)xdr_vw_domain_get_perf_events_ret);
}

#define R VW_REMOTE_PROGRAM
static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS, h_set_memory_parameters, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS, h_get_memory_parameters, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_NUMA_PARAMETERS, h_get_numa_parameters, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_BLKIO_PARAMETERS, h_get_blkio_parameters, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_INTERFACE_PARAMETERS, h_get_interface_parameters, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_BLOCK_IO_TUNE, h_get_block_io_tune, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_PERF_EVENTS, h_get_perf_events, false},
    {R, VW_REMOTE_PROC_DOMAIN_MEMORY_STATS, h_memory_stats, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_BLOCK_INFO, h_get_block_info, false},
    {R, VW_REMOTE_PROC_DOMAIN_BLOCK_STATS, h_block_stats, false},
    {R, VW_REMOTE_PROC_DOMAIN_INTERFACE_STATS, h_interface_stats, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_DISK_ERRORS, h_get_disk_errors, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_CPU_STATS, h_get_cpu_stats, false},
    {R, VW_REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS, h_get_all_domain_stats, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS, h_get_sched, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS, h_get_sched_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS, h_set_sched, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS, h_set_sched_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_VCPUS, h_get_vcpus, false},
    {R, VW_REMOTE_PROC_DOMAIN_PIN_VCPU, h_pin_vcpu, false},
    {R, VW_REMOTE_PROC_DOMAIN_PIN_VCPU_FLAGS, h_pin_vcpu_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_VCPU_PIN_INFO, h_get_vcpu_pin_info, false},
    {R, VW_REMOTE_PROC_DOMAIN_PIN_EMULATOR, h_pin_emulator, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_EMULATOR_PIN_INFO, h_get_emulator_pin_info, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS, h_get_vcpus_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_VCPUS, h_set_vcpus, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS, h_set_vcpus_flags, false},
};
#undef R

const fl_handler_family fl_handlers_stats = FL_HANDLER_FAMILY(rows);
