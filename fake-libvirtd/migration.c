/* migration.c: the source side of a peer-to-peer migration (see migration.h). */
#include "migration.h"
#include "typed_params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvirt_client.h"
#include "xdr_codec.h"

const char *fl_migrate_param_string(const vw_typed_param *params, unsigned nparams,
                                    const char *field)
{
    const vw_typed_param *p = fl_tparams_find(params, nparams, field);
    return p && p->value.type == VW_TYPED_PARAM_STRING ? p->value.vw_typed_param_value_u.s : NULL;
}

/* The destination's error, passed on as libvirt passes a remote error on. */
static void from_client_error(vw_virerror *err, const vw_virerror *ce, const char *what,
                              const char *uri)
{
    if (ce->remote && ce->message) {
        vw_virerror_copy(err, ce);
        return;
    }
    vw_virerror_report(err, VW_ERR_OPERATION_FAILED, VW_FROM_DOMAIN, "operation failed",
                       "migration to '%s': %s: %s", uri, what,
                       ce->message ? ce->message : "unknown error");
}

int fl_migrate_p2p(const char *dconnuri, const char *xml, const vw_typed_param *params,
                   unsigned nparams, unsigned flags, vw_virerror *err)
{
    if (nparams >= VW_REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX) {
        vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_DOMAIN, "invalid argument",
                           "too many migration parameters (%u)", nparams);
        return -1;
    }
    /* the client's parameters, without any destination_xml of its own, plus ours */
    vw_typed_param *p = calloc(nparams + 1, sizeof(*p));
    if (!p) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_DOMAIN, "internal error",
                           "out of memory");
        return -1;
    }
    unsigned n = 0;
    for (unsigned i = 0; i < nparams; i++) {
        if (params[i].field && strcmp(params[i].field, "destination_xml") != 0)
            p[n++] = params[i];
    }
    p[n].field = (char *)"destination_xml";
    p[n].value.type = VW_TYPED_PARAM_STRING;
    p[n].value.vw_typed_param_value_u.s = (char *)xml;
    n++;

    vw_conn_options opts;
    vw_conn_options_init(&opts);
    opts.connect_timeout_ms = FL_MIGRATE_CONNECT_MS;
    opts.call_timeout_ms = FL_MIGRATE_CALL_MS;
    opts.keepalive_interval = 0;
    vw_virerror ce;
    memset(&ce, 0, sizeof(ce));
    int rc = -1;
    vw_conn *conn = vw_conn_open(dconnuri, &opts, &ce);
    if (!conn) {
        from_client_error(err, &ce, "cannot connect to the destination", dconnuri);
        vw_virerror_clear(&ce);
        free(p);
        return -1;
    }

    vw_domain_migrate_prepare3_params_args pa;
    memset(&pa, 0, sizeof(pa));
    pa.params.params_len = n;
    pa.params.params_val = p;
    pa.flags = flags;
    vw_domain_migrate_prepare3_params_ret pr;
    memset(&pr, 0, sizeof(pr));
    if (vw_call(conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3_PARAMS,
                (xdrproc_t)xdr_vw_domain_migrate_prepare3_params_args, &pa,
                (xdrproc_t)xdr_vw_domain_migrate_prepare3_params_ret, &pr, &ce) < 0) {
        from_client_error(err, &ce, "prepare failed", dconnuri);
        goto out;
    }
    vw_xdr_free((xdrproc_t)xdr_vw_domain_migrate_prepare3_params_ret, &pr);

    vw_domain_migrate_finish3_params_args fa;
    memset(&fa, 0, sizeof(fa));
    fa.params.params_len = n;
    fa.params.params_val = p;
    fa.flags = flags;
    fa.cancelled = 0;
    vw_domain_migrate_finish3_params_ret fr;
    memset(&fr, 0, sizeof(fr));
    if (vw_call(conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_MIGRATE_FINISH3_PARAMS,
                (xdrproc_t)xdr_vw_domain_migrate_finish3_params_args, &fa,
                (xdrproc_t)xdr_vw_domain_migrate_finish3_params_ret, &fr, &ce) < 0) {
        from_client_error(err, &ce, "finish failed", dconnuri);
        goto out;
    }
    vw_xdr_free((xdrproc_t)xdr_vw_domain_migrate_finish3_params_ret, &fr);
    rc = 0;
out:
    vw_virerror_clear(&ce);
    vw_virerror close_err;
    memset(&close_err, 0, sizeof(close_err));
    vw_conn_close(conn, &close_err);   /* the migration's outcome does not depend on it */
    vw_virerror_clear(&close_err);
    free(p);
    return rc;
}
