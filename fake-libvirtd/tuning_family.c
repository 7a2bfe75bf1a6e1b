/* tuning_family.c: the tuning setters other than scheduler and memory — blkio, NUMA,
 * interface bandwidth, block I/O tune and perf events, and the balloon's statistics period — as
 * libvirt 9.0's test driver does them:
 * the public API's argument check, the driver's flag check (LIVE and CONFIG), the parameter
 * list's names and types, the domain, the one definition the flags name (LIVE and CONFIG
 * together are refused), the device, then the change (tuning.c).
 */
#include <string.h>

#include "handlers.h"
#include "model.h"
#include "tuning.h"

enum { LIVE = 1, CONFIG = 2 };

typedef struct {
    const char *api, *driver_fn;
    const fl_tparam_spec *fields;
    const unsigned *nfields;
    fl_tuning_setter *set;
    /* the device kind and its error, for the per-device setters (NULL otherwise) */
    xml_node *(*find)(const domain_def *def, const char *dev);
    int from;                       /* the error's domain */
    const char *missing;            /* "... %s ..." */
} setter;

static void set_tuning(fl_conn *c, const vw_packet_header *hdr, const setter *k,
                       const vw_nonnull_domain *dom, const char *dev, const vw_typed_param *p,
                       unsigned n, unsigned flags)
{
    vw_virerror e = {0};
    if (fl_null_arg(c, hdr, n == 0, "params", k->api))
        return;
    if (!fl_flags_ok(c, hdr, flags, LIVE | CONFIG, k->driver_fn))
        return;
    if (fl_tparams_validate(p, n, k->fields, *k->nfields, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, dom);
    if (!d)
        return;
    domain_def *def = fl_exclusive_def_for_change(d, flags, &e);
    bool live = def && def == d->def && fl_domain_is_active(d);
    if (def && k->find && !k->find(def, dev))
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, k->from, "invalid argument", k->missing, dev);
    if (!def || (k->find && !k->find(def, dev)) || k->set(def, live, dev, p, n, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_void(c, hdr);
}

static const setter BLKIO = {"virDomainSetBlkioParameters", "testDomainSetBlkioParameters",
                             fl_blkio_fields, &fl_blkio_nfields, fl_tuning_set_blkio, NULL, 0, NULL};
static const setter NUMA = {"virDomainSetNumaParameters", "testDomainSetNumaParameters",
                            fl_numa_fields, &fl_numa_nfields, fl_tuning_set_numa, NULL, 0, NULL};
static const setter PERF = {"virDomainSetPerfEvents", "testDomainSetPerfEvents",
                            fl_perf_fields, &fl_perf_nfields, fl_tuning_set_perf, NULL, 0, NULL};
static const setter IFACE = {"virDomainSetInterfaceParameters",
                             "testDomainSetInterfaceParameters", fl_iface_fields,
                             &fl_iface_nfields, fl_tuning_set_iface, fl_tuning_find_iface, VW_FROM_DOMAIN,
                             "'%s' is not a known interface"};
static const setter IOTUNE = {"virDomainSetBlockIoTune", "testDomainSetBlockIoTune",
                              fl_iotune_fields, &fl_iotune_nfields, fl_tuning_set_iotune,
                              fl_tuning_find_disk,
                              VW_FROM_TEST, "missing persistent configuration for disk '%s'"};

/* The argument structs of the three setters without a device share one layout. */
_Static_assert(sizeof(vw_domain_set_blkio_parameters_args) ==
               sizeof(vw_domain_set_perf_events_args), "setter arguments share a layout");
_Static_assert(sizeof(vw_domain_set_blkio_parameters_args) ==
               sizeof(vw_domain_set_numa_parameters_args), "setter arguments share a layout");

static void set_plain(fl_conn *c, const vw_packet_header *hdr, void *args, const setter *k)
{
    vw_domain_set_blkio_parameters_args *a = args;
    set_tuning(c, hdr, k, &a->dom, NULL, a->params.params_val, a->params.params_len, a->flags);
}

static void h_set_blkio(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    set_plain(c, hdr, args, &BLKIO);
}

static void h_set_numa(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    set_plain(c, hdr, args, &NUMA);
}

static void h_set_perf(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    set_plain(c, hdr, args, &PERF);
}

static void h_set_interface(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_interface_parameters_args *a = args;
    set_tuning(c, hdr, &IFACE, &a->dom, a->device, a->params.params_val, a->params.params_len,
               a->flags);
}

static void h_set_block_io_tune(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_block_io_tune_args *a = args;
    set_tuning(c, hdr, &IOTUNE, &a->dom, a->disk, a->params.params_val, a->params.params_len,
               a->flags);
}

/* testDomainSetMemoryStatsPeriod: <memballoon><stats period='N'/> (none for 0). */
static void h_set_memory_stats_period(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_memory_stats_period_args *a = args;
    vw_virerror e = {0};
    if (a->period < 0) {
        vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, "virDomainSetMemoryStatsPeriod",
                                       "period",
                                       "period in virDomainSetMemoryStatsPeriod must be zero or "
                                       "greater");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (!fl_flags_ok(c, hdr, a->flags, LIVE | CONFIG, "testDomainSetMemoryStatsPeriod"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    domain_def *def = fl_exclusive_def_for_change(d, a->flags, &e);
    if (def && fl_tuning_set_stats_period(def, a->period, &e) == 0)
        fl_reply_void(c, hdr);
    else
        fl_conn_reply_error(c, hdr, &e);
}

#define R VW_REMOTE_PROGRAM
static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_DOMAIN_SET_BLKIO_PARAMETERS, h_set_blkio, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_NUMA_PARAMETERS, h_set_numa, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_PERF_EVENTS, h_set_perf, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_INTERFACE_PARAMETERS, h_set_interface, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE, h_set_block_io_tune, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_MEMORY_STATS_PERIOD, h_set_memory_stats_period, false},
};
#undef R

const fl_handler_family fl_handlers_tuning = FL_HANDLER_FAMILY(rows);
