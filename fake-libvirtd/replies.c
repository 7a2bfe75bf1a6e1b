/* replies.c: replies, error replies and events for the clients (see replies.h). */
#include "replies.h"

#include <stdio.h>
#include <string.h>

void fl_conn_reply(fl_conn *c, const vw_packet_header *call, xdrproc_t proc, const void *ret)
{
    vw_packet_header hdr = *call;
    hdr.type = VW_NET_REPLY;
    hdr.status = VW_NET_OK;
    vw_error perr;
    if (fl_conn_queue_packet(c, &hdr, proc ? proc : VW_XDR_VOID, ret, &perr) < 0) {
        /* the reply could not be encoded (too large): tell the caller instead */
        vw_virerror e = {0};
        vw_virerror_report(&e, VW_ERR_RPC, VW_FROM_RPC, "", "%s", perr.text);
        fl_conn_reply_error(c, call, &e);
    }
}

/* A packet other than a successful reply could not be encoded: only --verbose says so. */
static void queue_or_log(fl_conn *c, const vw_packet_header *hdr, xdrproc_t proc,
                         const void *obj)
{
    vw_error perr;
    if (fl_conn_queue_packet(c, hdr, proc, obj, &perr) < 0 && fl_server_verbose(c->srv))
        fprintf(stderr, "fake-libvirtd: connection %llu: cannot encode a message: %s\n",
                (unsigned long long)c->id, perr.text);
}

void fl_conn_reply_error(fl_conn *c, const vw_packet_header *call, vw_virerror *err)
{
    vw_packet_header hdr = *call;
    hdr.type = VW_NET_REPLY;
    hdr.status = VW_NET_ERROR;
    err->level = VW_ERR_LEVEL_ERROR;   /* libvirtd's replies are errors, whatever the source */
    vw_remote_error re;
    vw_virerror_to_wire(err, &re);
    queue_or_log(c, &hdr, (xdrproc_t)xdr_vw_remote_error, &re);
    vw_virerror_clear(err);
}

void fl_conn_send_message(fl_conn *c, uint32_t prog, int32_t proc, xdrproc_t xproc,
                          const void *msg)
{
    /* libvirtd 9.0.0 sends its event messages with serial 1 (virnetprotocol.x says 0) */
    vw_packet_header hdr = {.prog = prog, .vers = 1, .proc = proc, .type = VW_NET_MESSAGE,
                            .serial = 1, .status = VW_NET_OK};
    queue_or_log(c, &hdr, xproc, msg);
}
