/* migrate_family.c: handlers of migration with the *3_PARAMS protocol (QEMU-driver connections
 * only: libvirt's test driver does not migrate; the peer is another daemon, migration.h). */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

#include "migration.h"
#include "qemu_link.h"

/* ---- migration (not on test:// URIs: libvirt's test driver does not migrate) -------------- */

/* virDomainMigrateFlags */
#define FL_MIGRATE_PEER2PEER (1u << 1)
#define FL_MIGRATE_PERSIST_DEST (1u << 3)
#define FL_MIGRATE_UNDEFINE_SOURCE (1u << 4)
#define FL_MIGRATE_PAUSED (1u << 5)
#define FL_MIGRATE_OFFLINE (1u << 10)

static void h_migrate_perform3_params(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_migrate_perform3_params_args *a = args;
    vw_virerror e = {0};
    if (fl_session_is_test(c)) {
        fl_reply_no_support(c, hdr);
        return;
    }
    fl_domain *d = fl_get_dom(c, hdr, &a->dom);
    if (!d)
        return;
    if (!(a->flags & FL_MIGRATE_PEER2PEER) || !a->dconnuri || !*a->dconnuri) {
        vw_virerror_report(&e, 74 /* VIR_ERR_ARGUMENT_UNSUPPORTED */, VW_FROM_DOMAIN,
                           "argument unsupported",
                           "fake-libvirtd migrates peer-to-peer only: set VIR_MIGRATE_PEER2PEER and "
                           "give the destination's libvirt URI");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (a->flags & FL_MIGRATE_OFFLINE) {
        vw_virerror_report(&e, 74, VW_FROM_DOMAIN, "argument unsupported",
                           "offline migration is not supported by fake-libvirtd");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (!fl_domain_is_active(d)) {
        vw_virerror_report(&e, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                           "Requested operation is not valid", "domain is not running");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    char *xml = domain_def_format(d->def, -1, true, false);
    if (!xml) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_DOMAIN, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    /* bounded-time synchronous exchange with the destination (migration.h); d stays valid
     * because nothing else runs on this loop meanwhile */
    int rc = fl_migrate_p2p(*a->dconnuri, xml, a->params.params_val, a->params.params_len,
                            a->flags, &e);
    free(xml);
    if (rc == 0 && fl_conn_qemu(c))
        fl_qemu_release(fl_conn_qemu(c), c->model, d); /* the source QEMU ends after a migration */
    if (rc < 0 ||
        fl_domain_migrate_out(c->model, d, (a->flags & FL_MIGRATE_UNDEFINE_SOURCE) != 0, &e) < 0) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_domain_migrate_perform3_params_ret r = {.cookie_out = {0, NULL}};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_migrate_perform3_params_ret, &r);
}

static void h_migrate_prepare3_params(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_migrate_prepare3_params_args *a = args;
    vw_virerror e = {0};
    if (fl_session_is_test(c)) {
        fl_reply_no_support(c, hdr);
        return;
    }
    const vw_typed_param *p = a->params.params_val;
    unsigned n = a->params.params_len;
    const char *xml = fl_migrate_param_string(p, n, "destination_xml");
    const char *dname = fl_migrate_param_string(p, n, "destination_name");
    if (!xml) {
        vw_virerror_report(&e, VW_ERR_INVALID_ARG, VW_FROM_DOMAIN, "invalid argument",
                           "no domain XML passed (typed parameter destination_xml)");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (dname) {
        vw_virerror_report(&e, 74 /* VIR_ERR_ARGUMENT_UNSUPPORTED */, VW_FROM_DOMAIN,
                           "argument unsupported",
                           "fake-libvirtd cannot rename a migrating domain (destination_name '%s')",
                           dname);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    domain_def *def = domain_def_parse(xml, &e);
    if (!def) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (def->has_uuid) {
        fl_domain *old = fl_domain_lookup_uuid(c->model, def->uuid, NULL);
        if (old && fl_domain_is_active(old)) {
            vw_virerror_report(&e, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                               "Requested operation is not valid", "domain '%s' is already active",
                               old->def->name);
            domain_def_free(def);
            fl_conn_reply_error(c, hdr, &e);
            return;
        }
    }
    domain_def_free(def);
    char *copy = strdup(xml);
    if (!copy) {
        vw_virerror_report(&e, VW_ERR_INTERNAL_ERROR, VW_FROM_DOMAIN, "internal error",
                           "out of memory");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_session_set_migration(c, copy);
    vw_domain_migrate_prepare3_params_ret r = {.cookie_out = {0, NULL}, .uri_out = NULL};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_migrate_prepare3_params_ret, &r);
}

static void h_migrate_finish3_params(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_domain_migrate_finish3_params_args *a = args;
    vw_virerror e = {0};
    if (fl_session_is_test(c)) {
        fl_reply_no_support(c, hdr);
        return;
    }
    char *xml = fl_session_take_migration(c);
    if (!xml) {
        vw_virerror_report(&e, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                           "Requested operation is not valid",
                           "no incoming migration was prepared on this connection "
                           "(DOMAIN_MIGRATE_PREPARE3_PARAMS first)");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (a->cancelled) {
        free(xml);
        vw_virerror_report(&e, VW_ERR_OPERATION_FAILED, VW_FROM_DOMAIN, "operation failed",
                           "incoming migration cancelled by the source");
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    fl_domain *d = fl_domain_migrate_in(c->model, xml, (a->flags & FL_MIGRATE_PERSIST_DEST) != 0,
                                        (a->flags & FL_MIGRATE_PAUSED) != 0, &e);
    free(xml);
    if (!d || (fl_conn_qemu(c) && fl_qemu_domain_migrated_in(fl_conn_qemu(c), c->model, d, &e) < 0)) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    vw_domain_migrate_finish3_params_ret r;
    memset(&r, 0, sizeof(r));
    fl_make_dom(&r.dom, d);
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_domain_migrate_finish3_params_ret, &r);
}


#define R VW_REMOTE_PROGRAM
#define Q VW_QEMU_PROGRAM

static const fl_handler rows[] = {
    {R, VW_REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3_PARAMS, h_migrate_prepare3_params, false},
    {R, VW_REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS, h_migrate_perform3_params, false},
    {R, VW_REMOTE_PROC_DOMAIN_MIGRATE_FINISH3_PARAMS, h_migrate_finish3_params, false},
};

const fl_handler_family fl_handlers_migrate = FL_HANDLER_FAMILY(rows);
