/* domain_family.c: handlers of domains: listing, lookup, the life cycle (define, create, destroy,
 * shutdown, undefine), the basic getters and setters (info, state, XML, memory, autostart). */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

#include "model_snap.h"
#include "qemu_link.h"

/* ---- domains -------------------------------------------------------------------------------- */

/* The test driver's virCheckFlags, which comes before the domain lookup: false after replying
 * "unsupported flags (0x..) in function func" when flags has a bit outside supported. Only on
 * test:// connections (the QEMU driver a qemu:/// connection reaches accepts more). */
static bool test_flags_ok(fl_conn *c, const vw_packet_header *hdr, unsigned flags,
                          unsigned supported, const char *func)
{
    return !fl_session_is_test(c) || fl_flags_ok(c, hdr, flags, supported, func);
}

static void h_list_all_domains(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_list_all_domains_args *a = args;
    /* VIR_CONNECT_LIST_DOMAINS_FILTERS_ALL */
    if (!test_flags_ok(c, hdr, a->flags, 0xffff, "testConnectListAllDomains"))
        return;
    size_t n = 0;
    fl_domain **list = fl_domain_list(c->model, a->flags, &n);
    vw_connect_list_all_domains_ret r;
    memset(&r, 0, sizeof(r));
    vw_nonnull_domain *doms = NULL;
    if (n > 0 && !list) {
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (n > VW_REMOTE_DOMAIN_LIST_MAX) {
        /* libvirtd's generated remoteDispatchConnectListAllDomains, after the driver's list */
        free(list);
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_RPC, "internal error",
                           "Too many domains '%zu' for limit '%d'", n, VW_REMOTE_DOMAIN_LIST_MAX);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (a->need_results && n > 0) {
        doms = calloc(n, sizeof(*doms));
        if (!doms) {
            free(list);
            vw_virerror e = {0};
            vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                               "out of memory");
            fl_conn_reply_error(c, hdr, &e);
            return;
        }
        for (size_t i = 0; i < n; i++)
            fl_make_dom(&doms[i], list[i]);
        r.domains.domains_len = (u_int)n;
        r.domains.domains_val = doms;
    }
    r.ret = (u_int)n;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_all_domains_ret, &r);
    free(doms);
    free(list);
}

/* The reply of a DOMAIN_LOOKUP_BY_*: the domain found, or the lookup's error. */
static void reply_lookup(fl_conn *c, const vw_packet_header *hdr, fl_domain *d,
                         vw_virerror *e)
{
    if (d)
        fl_reply_dom(c, hdr, d);
    else
        fl_conn_reply_error(c, hdr, e);
}

static void h_lookup_by_name(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_lookup_by_name_args *a = args;
    vw_virerror e = {0};
    reply_lookup(c, hdr, fl_domain_lookup_name(c->model, a->name, &e), &e);
}

static void h_lookup_by_uuid(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_lookup_by_uuid_args *a = args;
    vw_virerror e = {0};
    reply_lookup(c, hdr, fl_domain_lookup_uuid(c->model, (const unsigned char *)a->uuid, &e), &e);
}

static void h_lookup_by_id(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_lookup_by_id_args *a = args;
    vw_virerror e = {0};
    reply_lookup(c, hdr, fl_domain_lookup_id(c->model, a->id, &e), &e);
}

static void h_get_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    vw_domain_get_info_ret r;
    r.state = (u_char)d->state;
    r.maxMem = d->def->memory_kib;
    r.memory = d->def->current_kib;
    r.nrVirtCpu = (u_short)(d->def->vcpus_current ? d->def->vcpus_current : d->def->vcpus);
    r.cpuTime = fl_domain_cpu_time(d);
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_info_ret, &r);
}

static void h_get_state(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (!test_flags_ok(c, hdr, a->flags, 0, "testDomainGetState"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    vw_domain_get_state_ret r = {.state = d->state, .reason = d->reason};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_state_ret, &r);
}

static void h_get_xml_desc(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_get_xml_desc_args *a = args;
    vw_virerror e = {0};
    if (c->readonly && (a->flags & 1 /* VIR_DOMAIN_XML_SECURE */)) {
        vw_virerror_report(&e, VW_ERR_OPERATION_DENIED, VW_FROM_DOMAIN, "operation forbidden",
                           "virDomainGetXMLDesc with secure flag");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    /* VIR_DOMAIN_XML_COMMON_FLAGS: SECURE 1, INACTIVE 2, MIGRATABLE 8 */
    if (fl_check_flags(a->flags, 1 | 2 | 8, "testDomainGetXMLDesc", &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    char *xml = fl_domain_xml(d, a->flags);
    if (!xml) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_domain_get_xml_desc_ret r = {.xml = xml};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_xml_desc_ret, &r);
    free(xml);
}

static void h_get_os_type(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    if (!fl_get_dom(c, hdr, &a->dom))
        return;
    fl_reply_string(c, hdr, "linux"); /* what the test driver answers for every domain */
}

static void h_get_max_memory(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    vw_uhyper_ret r = {.value = d->def->memory_kib};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_uhyper_ret, &r);
}

static void h_get_max_vcpus_dom(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        fl_reply_int(c, hdr, (int)d->def->vcpus);
}

static void h_get_autostart(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        fl_reply_int(c, hdr, d->autostart);
}

static void h_is_active(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        fl_reply_int(c, hdr, fl_domain_is_active(d));
}

static void h_is_persistent(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (d)
        fl_reply_int(c, hdr, d->persistent);
}

static void h_is_updated(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    if (fl_get_dom(c, hdr, &a->dom))
        fl_reply_int(c, hdr, 0); /* the model has no pending config changes */
}

static void h_get_security_label(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    /* the test driver labels running domains only; an inactive one gets an empty label */
    char empty[1] = "";
    bool active = fl_domain_is_active(d);
    vw_domain_get_security_label_ret r;
    r.label.label_len = active ? (u_int)strlen(c->model->sec_label) + 1 : 1;
    r.label.label_val = active ? c->model->sec_label : empty;
    r.enforcing = active ? 1 : 0;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_security_label_ret, &r);
}

static void h_get_security_label_list(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_args *a = args;
    if (!fl_get_dom(c, hdr, &a->dom))
        return;
    /* libvirtd with the test driver answers an empty list and ret -1 */
    vw_domain_get_security_label_list_ret r;
    memset(&r, 0, sizeof(r));
    r.ret = -1;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_security_label_list_ret, &r);
}

static void h_define_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_define_xml_args *a = args;
    vw_virerror e = {0};
    fl_domain *d = fl_domain_define(c->model, a->xml, &e);
    if (!d) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_dom(c, hdr, d);
}

static void h_define_xml_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_define_xml_flags_args *a = args;
    if (!test_flags_ok(c, hdr, a->flags, 1 /* VALIDATE */, "testDomainDefineXMLFlags"))
        return;
    vw_domain_define_xml_args plain = {.xml = a->xml};
    h_define_xml(c, hdr, &plain);
}

static void h_create_xml(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_create_xml_args *a = args;
    vw_virerror e = {0};
    if (!test_flags_ok(c, hdr, a->flags, 16 /* VALIDATE */, "testDomainCreateXML"))
        return;
    if (fl_conn_qemu(c))
        fl_qemu_hold_events(fl_conn_qemu(c), c->model);
    fl_domain *d = fl_domain_create_xml(c->model, a->xml_desc, a->flags, &e);
    if ((fl_conn_qemu(c) && fl_qemu_domain_started(fl_conn_qemu(c), c->model, d, &e) < 0) || !d) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_dom(c, hdr, d);
}

typedef int dom_op(fl_model *m, fl_domain *d, vw_virerror *err);
typedef int qemu_op(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err);

/* op on the model, or qop through QMP when the connection's domains have a QEMU. */
static void run_dom_op_qemu(fl_conn *c, const vw_packet_header *hdr,
                            const vw_nonnull_domain *dom, dom_op *op, qemu_op *qop)
{
    vw_virerror e = {0};
    fl_domain *d = fl_get_dom(c, hdr, dom);
    if (!d)
        return;
    fl_qemu *q = qop ? fl_conn_qemu(c) : NULL;
    if ((q ? qop(q, c->model, d, &e) : op(c->model, d, &e)) < 0)
        fl_conn_reply_error(c, hdr, &e);
    else
        fl_reply_void(c, hdr);
}

static void run_dom_op(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                       dom_op *op)
{
    run_dom_op_qemu(c, hdr, dom, op, NULL);
}

static int start_qemu(fl_qemu *q, fl_model *m, fl_domain *d, vw_virerror *err)
{
    fl_qemu_hold_events(q, m);
    return fl_qemu_domain_started(q, m, fl_domain_start(m, d, err) < 0 ? NULL : d, err);
}

static void h_create(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    run_dom_op_qemu(c, hdr, &((vw_domain_args *)args)->dom, fl_domain_start, start_qemu);
}

static void h_create_with_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    vw_virerror e = {0};
    if (!test_flags_ok(c, hdr, a->flags, 0, "testDomainCreateWithFlags"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    if (fl_conn_qemu(c))
        fl_qemu_hold_events(fl_conn_qemu(c), c->model);
    int rc = fl_domain_start(c->model, d, &e);
    if (rc == 0 && (a->flags & 1 /* VIR_DOMAIN_START_PAUSED */))
        rc = fl_domain_suspend(c->model, d, &e);
    if (fl_conn_qemu(c) && fl_qemu_domain_started(fl_conn_qemu(c), c->model, rc < 0 ? NULL : d, &e) < 0)
        rc = -1;
    if (rc < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_dom(c, hdr, d);
}

static void h_destroy(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    run_dom_op_qemu(c, hdr, &((vw_domain_args *)args)->dom, fl_domain_destroy, fl_qemu_destroy);
}

static void h_destroy_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (test_flags_ok(c, hdr, a->flags, 1 /* GRACEFUL */, "testDomainDestroyFlags"))
        h_destroy(c, hdr, args);
}

static void h_shutdown(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    run_dom_op_qemu(c, hdr, &((vw_domain_args *)args)->dom, fl_domain_shutdown,
                    fl_qemu_shutdown);
}

static void h_shutdown_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (test_flags_ok(c, hdr, a->flags, 0, "testDomainShutdownFlags"))
        h_shutdown(c, hdr, args);
}

static void h_reboot(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    /* virDomainRebootFlagValues: DEFAULT 0 .. PARAVIRT 16 */
    if (!test_flags_ok(c, hdr, ((vw_domain_flags_args *)args)->flags, 0x1f, "testDomainReboot"))
        return;
    run_dom_op_qemu(c, hdr, &((vw_domain_args *)args)->dom, fl_domain_reboot, fl_qemu_reboot);
}

static void h_suspend(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    run_dom_op_qemu(c, hdr, &((vw_domain_args *)args)->dom, fl_domain_suspend, fl_qemu_suspend);
}

static void h_resume(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    run_dom_op_qemu(c, hdr, &((vw_domain_args *)args)->dom, fl_domain_resume, fl_qemu_resume);
}

/* Undefine in the test driver's order of refusals (checked against libvirt 9.0): a managed
 * save image first (unless VIR_DOMAIN_UNDEFINE_MANAGED_SAVE, fl_domain_undefine's refusal),
 * then an inactive domain with snapshots (unless VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA); the
 * image is dropped only when both pass. */
static void undefine(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                     unsigned flags)
{
    fl_domain *d = fl_get_dom(c, hdr, dom);
    if (!d)
        return;
    vw_virerror e = {0};
    if (d->managed_save && !(flags & 1 /* VIR_DOMAIN_UNDEFINE_MANAGED_SAVE */)) {
        run_dom_op(c, hdr, dom, fl_domain_undefine);
        return;
    }
    if (fl_snapshot_check_undefine(d, flags, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (flags & 1 /* VIR_DOMAIN_UNDEFINE_MANAGED_SAVE */)
        d->managed_save = false;
    run_dom_op(c, hdr, dom, fl_domain_undefine);
}

static void h_undefine(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    undefine(c, hdr, &((vw_domain_args *)args)->dom, 0);
}

static void h_undefine_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    /* MANAGED_SAVE 1, SNAPSHOTS_METADATA 2: no NVRAM, no CHECKPOINTS_METADATA */
    if (!test_flags_ok(c, hdr, a->flags, 1 | 2, "testDomainUndefineFlags"))
        return;
    undefine(c, hdr, &a->dom, a->flags);
}

static void h_migrate_set_max_speed(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_migrate_set_max_speed_args *a = args;
    if (fl_session_is_test(c)) {
        fl_reply_no_support(c, hdr);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    d->max_speed = a->bandwidth;
    fl_reply_void(c, hdr);
}

static void h_migrate_get_max_speed(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (fl_session_is_test(c)) {
        fl_reply_no_support(c, hdr);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    vw_domain_migrate_get_max_speed_ret r = {.bandwidth = d->max_speed};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_migrate_get_max_speed_ret, &r);
}


static void h_set_autostart(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_autostart_args *a = args;
    vw_virerror e = {0};
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    if (fl_domain_set_autostart(c->model, d, a->autostart != 0, &e) < 0)
        fl_conn_reply_error(c, hdr, &e);
    else
        fl_reply_void(c, hdr);
}

static void set_memory(fl_conn *c, const vw_packet_header *hdr, const vw_nonnull_domain *dom,
                       unsigned long long kib, unsigned flags)
{
    vw_virerror e = {0};
    fl_domain *d = fl_get_dom(c, hdr, dom);
    if (!d)
        return;
    if (fl_domain_set_memory(c->model, d, kib, flags, &e) < 0)
        fl_conn_reply_error(c, hdr, &e);
    else
        fl_reply_void(c, hdr);
}

static void h_set_memory(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_memory_args *a = args;
    set_memory(c, hdr, &a->dom, a->memory, 1 /* VIR_DOMAIN_AFFECT_LIVE */);
}

static void h_set_max_memory(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_max_memory_args *a = args;
    set_memory(c, hdr, &a->dom, a->memory, 4 /* VIR_DOMAIN_MEM_MAXIMUM */);
}

static void h_set_memory_flags(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_set_memory_flags_args *a = args;
    if (!test_flags_ok(c, hdr, a->flags, 1 | 2 | 4, "testDomainSetMemoryFlags"))
        return;
    set_memory(c, hdr, &a->dom, a->memory, a->flags);
}

static void h_get_scheduler_type(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    /* testDomainGetSchedulerType: "fair" with one parameter, without looking the domain up
     * (a vanished domain gets the same answer) */
    vw_domain_get_scheduler_type_ret r = {.type = (char *)"fair", .nparams = 1};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_scheduler_type_ret, &r);
}

static void h_num_of_domains(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    size_t n = 0;
    free(fl_domain_list(c->model, FL_LIST_ACTIVE, &n));
    fl_reply_int(c, hdr, (int)n);
}

static void h_num_of_defined_domains(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    size_t n = 0;
    free(fl_domain_list(c->model, FL_LIST_INACTIVE, &n));
    fl_reply_int(c, hdr, (int)n);
}

static void h_list_domains(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_list_domains_args *a = args;
    vw_virerror e = {0};
    if (a->maxids < 0 || a->maxids > VW_REMOTE_DOMAIN_LIST_MAX) {
        vw_virerror_report(&e, VW_ERR_RPC, VW_FROM_RPC, "", a->maxids < 0 ? "maxids must be "
                           "non-negative" : "maxids > REMOTE_DOMAIN_LIST_MAX");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    size_t n = 0;
    fl_domain **list = fl_domain_list(c->model, FL_LIST_ACTIVE, &n);
    int *ids = n ? calloc(n, sizeof(int)) : NULL;
    vw_connect_list_domains_ret r = {{0, ids}};
    for (size_t i = 0; ids && i < n && (int)i < a->maxids; i++)
        ids[r.ids.ids_len++] = list[i]->id;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_domains_ret, &r);
    free(ids);
    free(list);
}

static void h_list_defined_domains(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_connect_list_defined_domains_args *a = args;
    vw_virerror e = {0};
    if (a->maxnames < 0 || a->maxnames > VW_REMOTE_DOMAIN_LIST_MAX) {
        vw_virerror_report(&e, VW_ERR_RPC, VW_FROM_RPC, "", a->maxnames < 0 ? "maxnames must be "
                           "non-negative" : "maxnames > REMOTE_DOMAIN_LIST_MAX");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    size_t n = 0;
    fl_domain **list = fl_domain_list(c->model, FL_LIST_INACTIVE, &n);
    char **names = n ? calloc(n, sizeof(char *)) : NULL;
    vw_connect_list_defined_domains_ret r = {{0, names}};
    for (size_t i = 0; names && i < n && (int)i < a->maxnames; i++)
        names[r.names.names_len++] = list[i]->def->name;
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_connect_list_defined_domains_ret, &r);
    free(names);
    free(list);
}

static void h_node_get_free_memory(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    vw_uhyper_ret r = {.value = c->model->free_memory};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_uhyper_ret, &r);
}

static void h_domain_get_hostname(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    vw_virerror e = {0};
    if (!test_flags_ok(c, hdr, a->flags, 0, "testDomainGetHostname"))
        return;
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    if (!fl_domain_is_active(d)) {
        vw_virerror_report(&e, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                           "Requested operation is not valid", "domain is not running");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_reply_string(c, hdr, "testhost"); /* the test driver's guest host name */
}

static void h_domain_get_control_info(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_flags_args *a = args;
    if (!test_flags_ok(c, hdr, a->flags, 0, "testDomainGetControlInfo"))
        return;
    if (!fl_get_dom(c, hdr, &a->dom))
        return;
    vw_domain_get_control_info_ret r = {0, 0, 0}; /* VIR_DOMAIN_CONTROL_OK */
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_get_control_info_ret, &r);
}


#define R VW_REMOTE_PROGRAM
#define Q VW_QEMU_PROGRAM

static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_DOMAIN_CREATE, h_create, false},
    {R, VW_REMOTE_PROC_DOMAIN_CREATE_XML, h_create_xml, false},
    {R, VW_REMOTE_PROC_DOMAIN_DEFINE_XML, h_define_xml, false},
    {R, VW_REMOTE_PROC_DOMAIN_DESTROY, h_destroy, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_XML_DESC, h_get_xml_desc, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_AUTOSTART, h_get_autostart, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_INFO, h_get_info, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_MAX_MEMORY, h_get_max_memory, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_MAX_VCPUS, h_get_max_vcpus_dom, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_OS_TYPE, h_get_os_type, false},
    {R, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_ID, h_lookup_by_id, false},
    {R, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, h_lookup_by_name, false},
    {R, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID, h_lookup_by_uuid, false},
    {R, VW_REMOTE_PROC_DOMAIN_REBOOT, h_reboot, false},
    {R, VW_REMOTE_PROC_DOMAIN_RESUME, h_resume, false},
    {R, VW_REMOTE_PROC_DOMAIN_SHUTDOWN, h_shutdown, false},
    {R, VW_REMOTE_PROC_DOMAIN_SUSPEND, h_suspend, false},
    {R, VW_REMOTE_PROC_DOMAIN_UNDEFINE, h_undefine, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL, h_get_security_label, false},
    {R, VW_REMOTE_PROC_DOMAIN_IS_ACTIVE, h_is_active, false},
    {R, VW_REMOTE_PROC_DOMAIN_IS_PERSISTENT, h_is_persistent, false},
    {R, VW_REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS, h_create_with_flags, false},
    /* The *_WITH_FILES calls: libvirtd hands the fds a CALL_WITH_FDS message carried (none for
     * a plain CALL) to the driver, and the test driver starts the domain as without them
     * (its flag errors name testDomainCreateXML / testDomainCreateWithFlags). */
    {R, VW_REMOTE_PROC_DOMAIN_CREATE_XML_WITH_FILES, h_create_xml, false},
    {R, VW_REMOTE_PROC_DOMAIN_CREATE_WITH_FILES, h_create_with_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_SPEED, h_migrate_set_max_speed, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_STATE, h_get_state, false},
    {R, VW_REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, h_undefine_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_DESTROY_FLAGS, h_destroy_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_SPEED, h_migrate_get_max_speed, false},
    {R, VW_REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS, h_shutdown_flags, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, h_list_all_domains, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL_LIST, h_get_security_label_list, false},
    {R, VW_REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, h_define_xml_flags, false},
    {R, VW_REMOTE_PROC_DOMAIN_IS_UPDATED, h_is_updated, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_MAX_MEMORY, h_set_max_memory, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_MEMORY, h_set_memory, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_SCHEDULER_TYPE, h_get_scheduler_type, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS, h_set_memory_flags, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS, h_list_defined_domains, false},
    {R, VW_REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS, h_num_of_defined_domains, false},
    {R, VW_REMOTE_PROC_DOMAIN_SET_AUTOSTART, h_set_autostart, false},
    {R, VW_REMOTE_PROC_CONNECT_LIST_DOMAINS, h_list_domains, false},
    {R, VW_REMOTE_PROC_CONNECT_NUM_OF_DOMAINS, h_num_of_domains, false},
    {R, VW_REMOTE_PROC_NODE_GET_FREE_MEMORY, h_node_get_free_memory, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_CONTROL_INFO, h_domain_get_control_info, false},
    {R, VW_REMOTE_PROC_DOMAIN_GET_HOSTNAME, h_domain_get_hostname, false},
};

const fl_handler_family fl_handlers_domain = FL_HANDLER_FAMILY(rows);
