/* vcpu_family.c: the scheduler parameters and the vCPU family — vCPU information, pinning
 * (vCPUs and the emulator) and counts — as libvirt 9.0's test driver answers them (behind
 * libvirtd's own argument checks and the public API's checks libvirtd runs before the driver).
 */
#include <string.h>
#include <sys/time.h>

#include "cputune.h"
#include "domain_checks.h"
#include "handlers.h"
#include "model.h"
#include "typed_params.h"

/* VIR_DOMAIN_AFFECT_* and VIR_DOMAIN_VCPU_MAXIMUM */
enum { LIVE = 1, CONFIG = 2, VCPU_MAXIMUM = 4 };

static unsigned current_vcpus(const domain_def *def)
{
    return def->vcpus_current ? def->vcpus_current : def->vcpus;
}

/* ---- scheduler parameters ----------------------------------------------------------------- */

/* testDomainGetSchedulerParametersFlags: one parameter, weight 50, whatever the domain. */
static void get_sched(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                      int nparams, unsigned flags, const char *api)
{
    vw_virerror e = {0};
    if (fl_rpc_limit(c, hdr, nparams > VW_REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX,
                     "nparams too large") ||
        fl_null_arg(c, hdr, nparams == 0, "params", api) ||
        fl_not_positive(c, hdr, nparams, "*nparams", api) ||
        fl_live_and_config(c, hdr, flags, api))
        return;
    if (fl_check_flags(flags, 0, "testDomainGetSchedulerParametersFlags", &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (!fl_get_dom(c, hdr, dom))
        return;
    fl_tparams p = {0};
    fl_tparams_uint(&p, "weight", 50);
    fl_reply_tparams(c, hdr, &p, (xdrproc_t)xdr_vw_domain_get_scheduler_parameters_ret);
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
    vw_virerror e = {0};
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
    vw_virerror e = {0};
    if (fl_rpc_limit(c, hdr, a->maxinfo > VW_REMOTE_VCPUINFO_MAX,
                     "maxinfo > REMOTE_VCPUINFO_MAX") ||
        fl_rpc_limit(c, hdr, a->maplen < 0 || (a->maplen > 0 && a->maxinfo > 0 &&
                     (long long)a->maxinfo * a->maplen > VW_REMOTE_CPUMAPS_MAX),
                     "maxinfo * maplen > REMOTE_CPUMAPS_MAX") ||
        fl_null_arg(c, hdr, a->maxinfo == 0, "info", "virDomainGetVcpus") ||
        fl_not_positive(c, hdr, a->maxinfo, "maxinfo", "virDomainGetVcpus"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    if (!fl_domain_is_active(d)) {
        vw_virerror_report(&e, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid",
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
        fl_set_oom(&e);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    unsigned long long now_us = (unsigned long long)tv.tv_sec * 1000000ULL + (unsigned)tv.tv_usec;
    unsigned hostcpus = fl_host_cpus(c->model);
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
    vw_virerror e = {0};
    if (fl_null_arg(c, hdr, maplen == 0, "cpumap", api))
        return;
    fl_domain *d = fl_flagged_dom(c, hdr, dom, flags, 0, "testDomainPinVcpuFlags");
    if (!d)
        return;
    domain_def *def = NULL;
    if (!fl_domain_is_active(d))
        vw_virerror_report(&e, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid",
                           "cannot pin vcpus on an inactive domain");
    else if (vcpu >= current_vcpus(d->def))
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "requested vcpu '%d' is not present in the domain", (int)vcpu);
    else if ((def = fl_live_def_for_change(d, &e)) &&
             fl_cputune_pin_vcpu(&def->cputune, vcpu, map, maplen) < 0) {
        def = NULL;
        fl_set_oom(&e);
    }
    fl_reply_done(c, hdr, def != NULL, &e);
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
    if (!fl_live_and_config(c, hdr, a->flags, "virDomainPinVcpuFlags"))
        pin_vcpu(c, hdr, &a->dom, a->vcpu, (const unsigned char *)a->cpumap.cpumap_val,
                 a->cpumap.cpumap_len, a->flags, "virDomainPinVcpuFlags");
}

/* testDomainGetVcpuPinInfo (no flag check of its own): one map per vCPU up to the maximum. */
static void h_get_vcpu_pin_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_vcpu_pin_info_args *a = args;
    const char *api = "virDomainGetVcpuPinInfo";
    vw_virerror e = {0};
    if (fl_rpc_limit(c, hdr, a->ncpumaps > VW_REMOTE_VCPUINFO_MAX,
                     "ncpumaps > REMOTE_VCPUINFO_MAX") ||
        fl_rpc_limit(c, hdr, a->ncpumaps > 0 && a->maplen > 0 &&
                     (long long)a->ncpumaps * a->maplen > VW_REMOTE_CPUMAPS_MAX,
                     "maxinfo * maplen > REMOTE_CPUMAPS_MAX") ||
        fl_not_positive(c, hdr, a->ncpumaps, "ncpumaps", api) ||
        fl_null_arg(c, hdr, a->maplen == 0, "cpumaps", api) ||
        fl_not_positive(c, hdr, a->maplen, "maplen", api) ||
        fl_live_and_config(c, hdr, a->flags, api))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    const domain_def *def = fl_one_def(d, a->flags, &e);
    size_t size = (size_t)a->ncpumaps * (size_t)a->maplen;
    unsigned char *maps = def ? calloc(size, 1) : NULL;
    if (!maps) {
        if (def)
            fl_set_oom(&e);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    unsigned n = def->vcpus < (unsigned)a->ncpumaps ? def->vcpus : (unsigned)a->ncpumaps;
    for (unsigned i = 0; i < n; i++)
        fl_cpumask_to_buf(fl_cputune_vcpu(def->cputune, i), fl_host_cpus(c->model),
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
    vw_virerror e = {0};
    if (fl_null_arg(c, hdr, len == 0, "cpumap", api) || fl_live_and_config(c, hdr, a->flags, api))
        return;
    fl_domain *d = fl_flagged_dom(c, hdr, &a->dom, a->flags, LIVE | CONFIG,
                                  "testDomainPinEmulator");
    if (!d)
        return;
    domain_def *def = fl_one_def_for_change(d, a->flags, &e);
    if (def && fl_cpumask_is_clear(map, len)) {
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "Empty cpu list for pinning");
        def = NULL;
    }
    if (def && ((!def->cputune && !(def->cputune = calloc(1, sizeof(*def->cputune)))) ||
                fl_cpumask_set(&def->cputune->emulatorpin, map, len) < 0)) {
        fl_set_oom(&e);
        def = NULL;
    }
    fl_reply_done(c, hdr, def != NULL, &e);
}

/* testDomainGetEmulatorPinInfo: the emulator pin, else all host CPUs. */
static void h_get_emulator_pin_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_emulator_pin_info_args *a = args;
    const char *api = "virDomainGetEmulatorPinInfo";
    vw_virerror e = {0};
    if (fl_rpc_limit(c, hdr, a->maplen > VW_REMOTE_CPUMAPS_MAX, "maplen > REMOTE_CPUMAPS_MAX") ||
        fl_null_arg(c, hdr, a->maplen == 0, "cpumap", api) ||
        fl_not_positive(c, hdr, a->maplen, "maplen", api) ||
        fl_live_and_config(c, hdr, a->flags, api))
        return;
    fl_domain *d = fl_flagged_dom(c, hdr, &a->dom, a->flags, LIVE | CONFIG,
                                  "testDomainGetEmulatorPinInfo");
    if (!d)
        return;
    const domain_def *def = fl_one_def(d, a->flags, &e);
    unsigned char *map = def ? calloc((size_t)a->maplen, 1) : NULL;
    if (!map) {
        if (def)
            fl_set_oom(&e);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_cpumask_to_buf(def->cputune ? &def->cputune->emulatorpin : NULL, fl_host_cpus(c->model), map,
                      (unsigned)a->maplen);
    vw_domain_get_emulator_pin_info_ret r = {{(u_int)a->maplen, (char *)map}, 1};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_emulator_pin_info_ret, &r);
    free(map);
}

/* testDomainGetVcpusFlags: the current or maximum count of the definition flags name. */
static void h_get_vcpus_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_vcpus_flags_args *a = args;
    vw_virerror e = {0};
    if (fl_live_and_config(c, hdr, a->flags, "virDomainGetVcpusFlags"))
        return;
    fl_domain *d = fl_flagged_dom(c, hdr, &a->dom, a->flags, LIVE | CONFIG | VCPU_MAXIMUM,
                                  "testDomainGetVcpusFlags");
    if (!d)
        return;
    const domain_def *def = fl_one_def(d, a->flags, &e);
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
                       unsigned flags, vw_virerror *err)
{
    const domain_def *over = live && live->vcpus < n ? live
                           : config && !(flags & VCPU_MAXIMUM) && config->vcpus < n ? config
                           : NULL;
    if (!over)
        return 0;
    vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                       "requested cpu amount exceeds maximum (%d > %d)", (int)n, (int)over->vcpus);
    return -1;
}

/* testDomainSetVcpusFlags */
static int set_vcpus(fl_domain *d, unsigned n, unsigned flags, vw_virerror *err)
{
    bool live, config;
    if (fl_modification_impact(d, flags, &live, &config, err) < 0)
        return -1;
    domain_def *pdef = config ? fl_domain_persistent_def(d, err) : NULL;
    if (config && !pdef)
        return -1;
    domain_def *ldef = live ? fl_live_def_for_change(d, err) : NULL;
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
static int set_vcpus_checks(unsigned n, unsigned flags, const char *api, vw_virerror *err)
{
    if ((flags & VCPU_MAXIMUM) && !(flags & CONFIG)) {
        vw_virerror_report_invalid_arg(err, VW_FROM_DOMAIN, api, "flags",
                                       "Flag 'VIR_DOMAIN_AFFECT_CONFIG' is required by flag "
                                       "'VIR_DOMAIN_VCPU_MAXIMUM'");
        return -1;
    }
    if (n == 0) {
        vw_virerror_report_invalid_arg(err, VW_FROM_DOMAIN, api, "nvcpus",
                                       "nvcpus in %s must not be zero", api);
        return -1;
    }
    if (fl_check_flags(flags, LIVE | CONFIG | VCPU_MAXIMUM, "testDomainSetVcpusFlags", err) < 0)
        return -1;
    if (n > 32) { /* testConnectGetMaxVcpus */
        vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "requested cpu amount exceeds maximum supported amount (%d > %d)", (int)n,
                           32);
        return -1;
    }
    return 0;
}

static void set_vcpus_call(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                           unsigned n, unsigned flags, const char *api)
{
    vw_virerror e = {0};
    if (set_vcpus_checks(n, flags, api, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, dom);
    if (!d)
        return;
    fl_reply_done(c, hdr, set_vcpus(d, n, flags, &e) == 0, &e);
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

#define R VW_REMOTE_PROGRAM
static const fl_handler rows[] = {
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

const fl_handler_family fl_handlers_vcpu = FL_HANDLER_FAMILY(rows);
