/* domstats_family.c: the domain statistics family — all-domain statistics, block, interface,
 * memory and CPU statistics, block information and disk errors — as libvirt 9.0's test driver
 * answers them (behind libvirtd's own argument checks and the public API's checks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "domain_checks.h"
#include "handlers.h"
#include "model.h"
#include "typed_params.h"

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
        fl_domain *d = fl_domain_lookup_uuid(m, (const unsigned char *)doms[i].uuid, NULL);
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
        vw_virerror e = {0};
        fl_set_oom(&e);
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
    vw_virerror e = {0};
    if (fl_check_flags(a->flags, STATS_FILTERS | STATS_NOWAIT | STATS_BACKING | STATS_ENFORCE,
                       "testConnectGetAllDomainStats", &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if ((a->flags & STATS_ENFORCE) && unsupported) {
        vw_virerror_report(&e, 74 /* VIR_ERR_ARGUMENT_UNSUPPORTED */, VW_FROM_TEST,
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
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                       "Requested operation is not valid",
                       "domain is not running");
    fl_conn_reply_error(c, hdr, &e);
    return true;
}

static unsigned device_count(const domain_def *def, const char *kind)
{
    unsigned n = 0;
    while (fl_device_attr(def, kind, n, "target", "dev"))
        n++;
    return n;
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
    vw_virerror e = {0};
    if (!a->path[0]) {
        vw_virerror_report(&e, 84 /* VIR_ERR_OPERATION_UNSUPPORTED */, VW_FROM_TEST,
                           "Operation not supported", "summary statistics are not supported yet");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d || not_running(c, hdr, d))
        return;
    if (!fl_has_disk(d->def, a->path)) {
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "invalid path: %s",
                           a->path);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    long long t = (long long)real_time_us();
    vw_domain_block_stats_ret r = {t / 10, t / 20, t / 30, t / 40, t / (1000LL * 1000LL * 2)};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_block_stats_ret, &r);
}

/* testDomainInterfaceStats */
static void h_interface_stats(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_interface_stats_args *a = args;
    vw_virerror e = {0};
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d || not_running(c, hdr, d))
        return;
    if (!fl_has_interface(d->def, a->device, &e)) {
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
    vw_virerror e = {0};
    if (fl_rpc_limit(c, hdr, a->maxerrors > VW_REMOTE_DOMAIN_DISK_ERRORS_MAX,
                     "maxerrors too large"))
        return;
    fl_domain *d = fl_flagged_dom(c, hdr, &a->dom, a->flags, 0, "testDomainGetDiskErrors");
    if (!d || not_running(c, hdr, d))
        return;
    unsigned ndisks = device_count(d->def, "disk");
    unsigned n = a->maxerrors ? (ndisks < a->maxerrors ? ndisks : a->maxerrors) : 0;
    vw_domain_disk_error *errs = calloc(n ? n : 1, sizeof(*errs));
    if (!errs) {
        fl_set_oom(&e);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        errs[i].disk = (char *)fl_device_attr(d->def, "disk", i, "target", "dev");
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
    if (fl_rpc_limit(c, hdr, a->maxStats > VW_REMOTE_DOMAIN_MEMORY_STATS_MAX,
                     "maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX"))
        return;
    fl_domain *d = fl_flagged_dom(c, hdr, &a->dom, a->flags, 0, "testDomainMemoryStats");
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
    vw_virerror e = {0};
    if (!a->path[0]) {
        vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, "virDomainGetBlockInfo", "disk",
                                       "string disk in virDomainGetBlockInfo must not be empty");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = fl_flagged_dom(c, hdr, &a->dom, a->flags, 0, "testDomainGetBlockInfo");
    if (!d)
        return;
    bool by_source = a->path[0] == '/';
    const xml_node *disk = NULL;
    for (unsigned i = 0; !disk && device_node(d->def, "disk", i); i++) {
        const char *v = fl_device_attr(d->def, "disk", i, by_source ? "source" : "target",
                                       by_source ? "file" : "dev");
        if (!strcmp(v, a->path))
            disk = device_node(d->def, "disk", i);
    }
    const xml_node *src = disk ? xml_tree_child(disk, "source") : NULL;
    if (!disk)
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "invalid path %s not assigned to domain", a->path);
    else if (!src || !(xml_tree_attr(src, "file") || xml_tree_attr(src, "dev") ||
                       xml_tree_attr(src, "dir") || xml_tree_attr(src, "name")))
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
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
                     fl_tparams *p, vw_virerror *err)
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
        vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
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
    vw_virerror e = {0};
    if (fl_rpc_limit(c, hdr, a->nparams > VW_REMOTE_DOMAIN_GET_CPU_STATS_MAX,
                     "nparams too large") ||
        fl_rpc_limit(c, hdr, a->ncpus > VW_REMOTE_DOMAIN_GET_CPU_STATS_NCPUS_MAX,
                     "ncpus too large"))
        return;
    const char *api = "virDomainGetCPUStats";
    if (a->start_cpu == -1 && a->ncpus != 1) {
        vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, api, "start_cpu",
                                       "ncpus must be 1 when start_cpu is -1");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (a->start_cpu < -1) {
        vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, api, "start_cpu",
                                       "start_cpu in %s must be zero or greater", api);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    /* the public API adds VIR_TYPED_PARAM_STRING_OKAY (4) */
    fl_domain *d = fl_flagged_dom(c, hdr, &a->dom, a->flags | 4, 4, "testDomainGetCPUStats");
    if (!d || not_running(c, hdr, d))
        return;
    fl_tparams p = {0};
    int n = cpu_stats(c->model, a->nparams, a->start_cpu, a->ncpus, &p, &e);
    if (n >= 0 && p.failed) {
        n = -1;
        fl_set_oom(&e);
    }
    if (n < 0) {
        fl_conn_reply_error(c, hdr, &e);
    } else {
        vw_domain_get_cpu_stats_ret r = {{p.count, p.items}, n};
        fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_cpu_stats_ret, &r);
    }
    fl_tparams_free(&p);
}

#define R VW_REMOTE_PROGRAM
static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_DOMAIN_MEMORY_STATS, h_memory_stats, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_BLOCK_INFO, h_get_block_info, false},
    {R, VW_REMOTE_PROC_DOMAIN_BLOCK_STATS, h_block_stats, false},
    {R, VW_REMOTE_PROC_DOMAIN_INTERFACE_STATS, h_interface_stats, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_DISK_ERRORS, h_get_disk_errors, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_CPU_STATS, h_get_cpu_stats, false},
    {R, VW_REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS, h_get_all_domain_stats, false},
};
#undef R

const fl_handler_family fl_handlers_domstats = FL_HANDLER_FAMILY(rows);
