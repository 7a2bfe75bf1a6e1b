/* fl_auth.c: AUTH_LIST, the SASL procedures and the authentication gate (see fl_auth.h).
 * Every SASL failure is answered as libvirtd answers it: VIR_ERR_AUTH_FAILED, "authentication
 * failed", with the reason on stderr (libvirtd logs it); the client may start again. */
#include "fl_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_sasl.h"

bool fl_auth_call_refused(const fl_conn *c, unsigned prog, int proc)
{
    if (c->auth == VW_REMOTE_AUTH_NONE || c->authenticated)
        return false;
    if (prog != VW_REMOTE_PROGRAM)
        return true;
    /* what libvirtd serves before authentication: the authentication procedures */
    return proc != VW_REMOTE_PROC_AUTH_LIST && proc != VW_REMOTE_PROC_AUTH_SASL_INIT &&
           proc != VW_REMOTE_PROC_AUTH_SASL_START && proc != VW_REMOTE_PROC_AUTH_SASL_STEP &&
           proc != 70 /* AUTH_POLKIT */;
}

void fl_auth_list(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    vw_auth_type types[1] = {c->auth == VW_REMOTE_AUTH_SASL ? VW_REMOTE_AUTH_SASL
                                                            : VW_REMOTE_AUTH_NONE};
    vw_auth_list_ret r = {.types = {.types_len = 1, .types_val = types}};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_auth_list_ret, &r);
}

/* The one answer to every refused step; the session ends (the client may INIT again). */
static void auth_failed(fl_conn *c, const vw_packet_header *hdr, const char *why)
{
    fprintf(stderr, "fake-libvirtd: connection %llu: %s\n", (unsigned long long)c->id, why);
    fl_sasl_session_free(c->sasl);
    c->sasl = NULL;
    vw_virerror e = {0};
    vw_virerror_report(&e, VW_ERR_AUTH_FAILED, VW_FROM_RPC, "authentication failed",
                       "authentication failed");
    fl_conn_reply_error(c, hdr, &e);
}

void fl_auth_sasl_init(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    (void)args;
    char why[512];
    const char *list = NULL;
    if (c->auth != VW_REMOTE_AUTH_SASL || c->sasl || c->authenticated) {
        auth_failed(c, hdr, "client tried invalid SASL init request");
        return;
    }
    if (!(c->sasl = fl_sasl_session_new(!c->tcp || c->tls, c->fd, why, sizeof(why))) ||
        fl_sasl_mechlist(c->sasl, &list, why, sizeof(why)) < 0) {
        auth_failed(c, hdr, why);
        return;
    }
    if (!list[0]) {   /* libvirtd: listing no mechanism is a failure */
        auth_failed(c, hdr, "cannot list SASL mechanisms -4 (SASL(-4): no mechanism available)");
        return;
    }
    vw_auth_sasl_init_ret r = {.mechlist = (char *)list};
    fl_conn_reply(c, hdr, (xdrproc_t)xdr_vw_auth_sasl_init_ret, &r);
}

/* START and STEP: one exchange step, then the answer with libvirt's nil convention. */
static void sasl_exchange(fl_conn *c, const vw_packet_header *hdr, const char *mech, int nil,
                          const char *data, unsigned len, xdrproc_t ret_proc)
{
    char why[512];
    if (c->auth != VW_REMOTE_AUTH_SASL || !c->sasl || c->authenticated) {
        auth_failed(c, hdr, "client tried invalid SASL start request");
        return;
    }
    const char *out = NULL;
    unsigned outlen = 0;
    int r = fl_sasl_step(c->sasl, mech, nil ? NULL : data, len, &out, &outlen, why, sizeof(why));
    if (r < 0) {
        auth_failed(c, hdr, why);
        return;
    }
    if (outlen > VW_REMOTE_AUTH_SASL_DATA_MAX) {
        auth_failed(c, hdr, "sasl reply data too long");
        return;
    }
    /* start_ret and step_ret have the same layout */
    vw_auth_sasl_step_ret ret = {.complete = r == 1, .nil = out ? 0 : 1,
                                 .data = {.data_len = outlen, .data_val = (char *)out}};
    fl_conn_reply(c, hdr, ret_proc, &ret);
    if (r == 1 && fl_sasl_has_layer(c->sasl)) {
        /* libvirtd starts the layer once this (clear) reply is out: server.c does */
        c->sasl_layer = FL_SASL_LAYER_AFTER_REPLY;
    } else if (r == 1) {
        fl_sasl_session_free(c->sasl);
        c->sasl = NULL;
    }
    if (r == 1)
        fl_conn_authenticated(c);
}

void fl_auth_sasl_start(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_auth_sasl_start_args *a = args;
    sasl_exchange(c, hdr, a->mech, a->nil, a->data.data_val, a->data.data_len,
                  (xdrproc_t)xdr_vw_auth_sasl_start_ret);
}

void fl_auth_sasl_step(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_auth_sasl_step_args *a = args;
    sasl_exchange(c, hdr, NULL, a->nil, a->data.data_val, a->data.data_len,
                  (xdrproc_t)xdr_vw_auth_sasl_step_ret);
}
