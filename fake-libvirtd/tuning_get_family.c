/* tuning_get_family.c: the tuning getters — memory, NUMA, blkio, interface, block I/O tune
 * parameters and perf events — and the memory parameters' setter, as libvirt 9.0's test driver
 * answers them (behind libvirtd's own argument checks and the public API's checks).
 */
#include <stdlib.h>
#include <string.h>

#include "domain_checks.h"
#include "handlers.h"
#include "model.h"
#include "tuning.h"
#include "typed_params.h"

/* VIR_DOMAIN_AFFECT_* */
enum { LIVE = 1, CONFIG = 2 };

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
        vw_virerror e = {0};
        fl_set_oom(&e);
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
    vw_virerror e = {0};
    if (fl_rpc_limit(c, hdr, nparams > k->max, "nparams too large") ||
        fl_rpc_limit(c, hdr, nparams < 0, "nparams must be non-negative") ||
        fl_live_and_config(c, hdr, flags, k->api))
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
    if (d && !fl_one_def(d, flags, &e)) {
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
    vw_virerror e = {0};
    fl_domain *d = tuning_start(c, hdr, k, &a->dom, a->nparams, a->flags);
    if (!d)
        return;
    const domain_def *def = fl_one_def(d, a->flags, &e);
    if (def)
        tuning_reply(c, hdr, k, def, NULL, a->nparams, a->flags);
    else
        fl_conn_reply_error(c, hdr, &e);
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
    vw_virerror e = {0};
    fl_domain *d = tuning_start(c, hdr, &IFACE, &a->dom, a->nparams, a->flags);
    if (!d)
        return;
    const domain_def *def = fl_one_def(d, a->flags, &e);
    if (!fl_has_interface(def, a->device, &e))
        fl_conn_reply_error(c, hdr, &e);
    else
        tuning_reply(c, hdr, &IFACE, def, a->device, a->nparams, a->flags);
}

/* testDomainGetBlockIoTune: a disk's limits, none set. */
static void h_get_block_io_tune(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_block_io_tune_args *a = args;
    vw_virerror e = {0};
    /* the public API wants a disk unless the call only asks for the count */
    bool wants_disk = a->nparams > 0 && a->nparams <= IOTUNE.max;
    if (wants_disk && fl_null_arg(c, hdr, !a->disk, "disk", IOTUNE.api))
        return;
    fl_domain *d = tuning_start(c, hdr, &IOTUNE, &a->dom, a->nparams, a->flags);
    if (!d)
        return;
    const domain_def *def = fl_one_def(d, a->flags, &e);
    if (!fl_has_disk(def, *a->disk)) {
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
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
    vw_virerror e = {0};
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
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "memory hard_limit tunable value must be lower than or equal to "
                           "swap_hard_limit");
        def = NULL;
    }
    for (unsigned i = 0; def && i < 3; i++)
        if (given[i])
            def->memtune[i] = given[i]->value.vw_typed_param_value_u.ul;
    fl_reply_done(c, hdr, def != NULL, &e);
}

/* testDomainGetPerfEvents: every event, enabled or not. */
static void h_get_perf_events(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_perf_events_args *a = args;
    vw_virerror e = {0};
    if (fl_live_and_config(c, hdr, a->flags, "virDomainGetPerfEvents"))
        return;
    fl_domain *d = fl_flagged_dom(c, hdr, &a->dom, a->flags | 4, LIVE | CONFIG | 4,
                                  "testDomainGetPerfEvents");
    if (!d)
        return;
    const domain_def *def = fl_one_def(d, a->flags, &e);
    if (!def) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_tparams p = {0};
    fl_tuning_perf(&p, def, NULL);
    fl_reply_tparams(c, hdr, &p, (xdrproc_t)xdr_vw_domain_get_perf_events_ret);
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
};
#undef R

const fl_handler_family fl_handlers_tuning_get = FL_HANDLER_FAMILY(rows);
