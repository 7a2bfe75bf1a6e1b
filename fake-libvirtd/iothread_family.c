/* iothread_family.c: a domain's IOThreads as libvirt 9.0's test driver keeps them — info, add,
 * delete, pin and polling parameters — on the one definition the flags name (LIVE and CONFIG
 * together are refused), with the public API's and the driver's checks and error texts
 * (observed on test:///default and libvirtd 9.0). Beside the definitions the test driver keeps
 * its own list of the IOThreads the API added (fl_domain.iothreads), which the polling
 * parameters and the iothread stats group use. An IOThread without a pin runs on every CPU
 * of the real host (virHostCPUGetCount), as the test driver reports.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "cputune.h"
#include "handlers.h"
#include "model.h"
#include "typed_params.h"

enum { LIVE = 1, CONFIG = 2 };

/* The one definition of a call whose flags the driver function func accepts (supported), or
 * NULL after replying the refusal. */
static domain_def *call_def(fl_conn *c, const vw_packet_header *hdr,
                            const vw_nonnull_domain *dom, unsigned flags, unsigned supported,
                            const char *func, fl_domain **d)
{
    vw_virerror e = {0};
    if (!fl_flags_ok(c, hdr, flags, supported, func) || !(*d = fl_get_dom(c, hdr, dom)))
        return NULL;
    domain_def *def = fl_exclusive_def_for_change(*d, flags, &e);
    if (!def)
        fl_conn_reply_error(c, hdr, &e);
    return def;
}

static void invalid_id(fl_conn *c, const vw_packet_header *hdr, int from, const char *fmt,
                       unsigned id)
{
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_INVALID_ARG, from, "invalid argument", fmt, id);
    fl_conn_reply_error(c, hdr, &e);
}

static void reply_oom(fl_conn *c, const vw_packet_header *hdr)
{
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error", "out of memory");
    fl_conn_reply_error(c, hdr, &e);
}

/* The domain's own entry for IOThread id (model.h), or NULL. */
static struct fl_iothread_poll *poll_entry(fl_domain *d, unsigned id)
{
    for (unsigned i = 0; i < d->niothreads; i++)
        if (d->iothreads[i].id == id)
            return &d->iothreads[i];
    return NULL;
}

/* testDomainGetIOThreadInfo */
static void h_get_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_iothread_info_args *a = args;
    fl_domain *d;
    domain_def *def = call_def(c, hdr, &a->dom, a->flags, LIVE | CONFIG,
                               "testDomainGetIOThreadInfo", &d);
    if (!def)
        return;
    unsigned hostcpus = (unsigned)get_nprocs_conf(), maplen = (hostcpus + 7) / 8;
    unsigned n = def->niothreads;
    vw_domain_iothread_info *info = calloc(n ? n : 1, sizeof(*info));
    unsigned char *maps = calloc(n ? n : 1, VW_REMOTE_CPUMAP_MAX);
    if (!info || !maps) {
        free(info);
        free(maps);
        reply_oom(c, hdr);
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        const fl_cpumask *pin = fl_cputune_iothread(def->cputune, def->iothreads[i]);
        unsigned len = pin ? pin->nbytes : maplen;
        if (len > VW_REMOTE_CPUMAP_MAX)
            len = VW_REMOTE_CPUMAP_MAX;
        unsigned char *map = maps + (size_t)i * VW_REMOTE_CPUMAP_MAX;
        fl_cpumask_to_buf(pin, hostcpus, map, len);
        info[i].iothread_id = def->iothreads[i];
        info[i].cpumap.cpumap_len = len;
        info[i].cpumap.cpumap_val = (char *)map;
    }
    vw_domain_get_iothread_info_ret r = {{n, info}, n};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_iothread_info_ret, &r);
    free(info);
    free(maps);
}

/* testDomainPinIOThread */
static void h_pin(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_pin_iothread_args *a = args;
    unsigned len = a->cpumap.cpumap_len;
    if (fl_null_arg(c, hdr, len == 0, "cpumap", "virDomainPinIOThread"))
        return;
    fl_domain *d;
    domain_def *def = call_def(c, hdr, &a->dom, a->flags, LIVE | CONFIG, "testDomainPinIOThread",
                               &d);
    if (!def)
        return;
    if (!domain_def_has_iothread(def, a->iothreads_id)) {
        invalid_id(c, hdr, VW_FROM_TEST, "iothreadid %u not found", a->iothreads_id);
    } else if (fl_cpumask_is_clear((const unsigned char *)a->cpumap.cpumap_val, len)) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "Empty iothread cpumap list for pinning");
        fl_conn_reply_error(c, hdr, &e);
    } else if (fl_cputune_pin_iothread(&def->cputune, a->iothreads_id,
                                       (const unsigned char *)a->cpumap.cpumap_val, len) < 0) {
        reply_oom(c, hdr);
    } else {
        fl_reply_void(c, hdr);
    }
}

/* testDomainAddIOThread */
static void h_add(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_add_iothread_args *a = args;
    if (!fl_flags_ok(c, hdr, a->flags, LIVE | CONFIG, "testDomainAddIOThread"))
        return;
    if (a->iothread_id == 0) {
        invalid_id(c, hdr, VW_FROM_TEST, "invalid value of %u for iothread_id", 0);
        return;
    }
    fl_domain *d;
    domain_def *def = call_def(c, hdr, &a->dom, a->flags, LIVE | CONFIG, "testDomainAddIOThread",
                               &d);
    if (!def)
        return;
    if (domain_def_has_iothread(def, a->iothread_id)) {
        invalid_id(c, hdr, VW_FROM_DOMAIN, "an IOThread is already using iothread_id '%u'",
                   a->iothread_id);
        return;
    }
    struct fl_iothread_poll *v = realloc(d->iothreads, (d->niothreads + 1) * sizeof(*v));
    if (v)
        d->iothreads = v;
    if (!v || domain_def_add_iothread(def, a->iothread_id) < 0) {
        reply_oom(c, hdr);
        return;
    }
    v[d->niothreads++] = (struct fl_iothread_poll){a->iothread_id, 32768, 0, 0};
    fl_reply_void(c, hdr);
}

/* testDomainDelIOThread: the IOThread and its pin */
static void h_del(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_del_iothread_args *a = args;
    if (a->iothread_id == 0) {
        vw_virerror e = {0};
        vw_virerror_report_invalid_arg(&e, VW_FROM_DOMAIN, "virDomainDelIOThread", "iothread_id",
                                       "iothread_id in virDomainDelIOThread must not be zero");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d;
    domain_def *def = call_def(c, hdr, &a->dom, a->flags, LIVE | CONFIG, "testDomainDelIOThread",
                               &d);
    if (!def)
        return;
    if (!domain_def_del_iothread(def, a->iothread_id)) {
        invalid_id(c, hdr, VW_FROM_DOMAIN, "cannot find IOThread '%u' in iothreadids list",
                   a->iothread_id);
        return;
    }
    struct fl_iothread_poll *t = poll_entry(d, a->iothread_id);
    if (t) {
        unsigned i = (unsigned)(t - d->iothreads);
        memmove(t, t + 1, (d->niothreads - i - 1) * sizeof(*t));
        d->niothreads--;
    }
    fl_cputune_unpin_iothread(def->cputune, a->iothread_id);
    fl_reply_void(c, hdr);
}

/* testDomainSetIOThreadParams: the polling parameters of a live IOThread */
static void h_set_params(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    static const fl_tparam_spec fields[] = {{"poll_max_ns", VW_TYPED_PARAM_ULLONG},
                                            {"poll_grow", VW_TYPED_PARAM_UINT},
                                            {"poll_shrink", VW_TYPED_PARAM_UINT}};
    vw_domain_set_iothread_params_args *a = args;
    const vw_typed_param *p = a->params.params_val;
    unsigned n = a->params.params_len;
    vw_virerror e = {0};
    if (fl_null_arg(c, hdr, n == 0, "params", "virDomainSetIOThreadParams") ||
        !fl_flags_ok(c, hdr, a->flags, LIVE, "testDomainSetIOThreadParams"))
        return;
    if (a->iothread_id == 0) {
        invalid_id(c, hdr, VW_FROM_TEST, "invalid value of %u for iothread_id", 0);
        return;
    }
    fl_domain *d;
    domain_def *def = call_def(c, hdr, &a->dom, a->flags, LIVE, "testDomainSetIOThreadParams",
                               &d);
    if (!def)
        return;
    if (!domain_def_has_iothread(def, a->iothread_id)) {
        invalid_id(c, hdr, VW_FROM_TEST, "cannot find IOThread '%u' in iothreadids",
                   a->iothread_id);
        return;
    }
    if (fl_tparams_validate(p, n, fields, 3, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    /* one the definition has but the API did not add: libvirt 9.0 fails without a message */
    struct fl_iothread_poll *t = poll_entry(d, a->iothread_id);
    if (!t) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_NONE, NULL,
                           "An error occurred, but the cause is unknown");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    const vw_typed_param *v;
    if ((v = fl_tparams_find(p, n, "poll_max_ns")))
        t->poll_max_ns = v->value.vw_typed_param_value_u.ul;
    if ((v = fl_tparams_find(p, n, "poll_grow")))
        t->poll_grow = v->value.vw_typed_param_value_u.ui;
    if ((v = fl_tparams_find(p, n, "poll_shrink")))
        t->poll_shrink = v->value.vw_typed_param_value_u.ui;
    fl_reply_void(c, hdr);
}

#define R VW_REMOTE_PROGRAM
static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_DOMAIN_GET_IOTHREAD_INFO, h_get_info, false},
    {R, VW_REMOTE_PROC_DOMAIN_PIN_IOTHREAD, h_pin, false},
    {R, VW_REMOTE_PROC_DOMAIN_ADD_IOTHREAD, h_add, false},
    {R, VW_REMOTE_PROC_DOMAIN_DEL_IOTHREAD, h_del, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_IOTHREAD_PARAMS, h_set_params, false},
};
#undef R

const fl_handler_family fl_handlers_iothread = FL_HANDLER_FAMILY(rows);
