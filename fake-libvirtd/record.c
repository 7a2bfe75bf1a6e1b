/* record.c: fake-libvirtd --record: the adapter between fake-libvirtd's connections and the one
 * recording proxy engine (common/record_proxy.h, which owns the upstream sockets, the framing,
 * backpressure and the trace with its durability rule). See record.h.
 *
 * Client -> upstream: server.c's reader hands over whole packets (conn_packet), which go to the
 * engine as messages. Upstream -> client: the engine hands over whole packets (so s2c faults
 * act per packet, as in the other modes), queued with fl_conn_queue_bytes and written with
 * fl_conn_flush once their records are committed. Client reads pause through
 * fl_conn_hold_reads while the upstream is slow; upstream reads pause while the client has
 * FL_CONN_OUT_HIGH bytes waiting. */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>

#include "record_proxy.h"
#include "vw_version.h"

struct fl_record {
    vw_recorder *engine;
    vw_mode_hooks hooks;        /* the server's mode hooks, opaque = this */
};

/* ---- the way back to the client (vw_rec_client_ops) ----------------------------------------- */

static long client_waiting(void *client)
{
    fl_conn *c = client;
    return (long)vw_out_queue_pending(&c->out);
}

static long client_send(void *client, const uint8_t *data, size_t n)
{
    if (fl_conn_queue_bytes(client, data, n) < 0)
        return -1;
    return client_waiting(client);
}

static int client_flush(void *client)
{
    fl_conn *c = client;
    if (c->closing)
        return 0;       /* the server writes it and closes after this round */
    return fl_conn_flush(c);
}

static void client_hold(void *client, bool on)
{
    fl_conn_hold_reads(client, on);
}

static void client_finish(void *client)
{
    fl_conn_finish(client);
}

static const vw_rec_client_ops client_ops = {
    .send = client_send,
    .flush = client_flush,
    .hold = client_hold,
    .finish = client_finish,
    .waiting = client_waiting,
    .client_high = FL_CONN_OUT_HIGH,
    .whole_messages = true,
};

/* ---- server hooks --------------------------------------------------------------------------- */

static int rec_conn_open(void *opaque, void *conn)
{
    fl_record *rec = opaque;
    fl_conn *c = conn;
    char err[512];
    vw_rec_conn *rc = vw_rec_conn_open(rec->engine, fl_server_loop(c->srv), (uint32_t)c->id,
                                       &client_ops, c, err, sizeof(err));
    if (!rc) {
        fprintf(stderr, "fake-libvirtd: --record: client %llu connected but the upstream %s is "
                        "unreachable (%s); closing the client\n",
                (unsigned long long)c->id, vw_recorder_upstream(rec->engine), err);
        return -1;
    }
    c->mode_data = rc;
    return 0;
}

static void rec_conn_packet(void *opaque, void *conn, const vw_mode_msg *msg)
{
    (void)opaque;
    fl_conn *c = conn;  /* carried as is, even with a header our decoder refuses */
    if (c->mode_data)
        vw_rec_conn_client_message(c->mode_data, msg->raw, msg->len);
}

static void rec_conn_close(void *opaque, void *conn)
{
    (void)opaque;
    fl_conn *c = conn;
    if (!c->mode_data)
        return;
    vw_rec_conn_client_closed(c->mode_data, NULL);
    c->mode_data = NULL;
}

/* ---- setup ---------------------------------------------------------------------------------- */

fl_record *fl_record_new(const char *trace_path, const char *upstream, int verbose, bool sync,
                         char *err, size_t errlen)
{
    fl_record *rec = calloc(1, sizeof(*rec));
    if (!rec) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    vw_record_options o = {
        .protocol = VW_TRACE_LIBVIRT, .trace_path = trace_path, .upstream = upstream,
        .tool = "fake-libvirtd --record " VW_VERSION, .who = "fake-libvirtd: --record",
        .probe = true, .sync = sync, .log_io_errors = verbose != 0,
    };
    vw_record_failure why;
    char reason[512];
    rec->engine = vw_recorder_new(&o, &why, reason, sizeof(reason));
    if (!rec->engine) {
        if (why == VW_RECORD_BAD_UPSTREAM)
            snprintf(err, errlen, "--upstream %s: %s", upstream, reason);
        else if (why == VW_RECORD_UNREACHABLE)
            snprintf(err, errlen, "--upstream %s: the real libvirtd is unreachable: %s",
                     upstream, reason);
        else
            snprintf(err, errlen, "--record %s: %s", trace_path, reason);
        free(rec);
        return NULL;
    }
    return rec;
}

void fl_record_attach(fl_record *rec, fl_server_config *cfg)
{
    rec->hooks = (vw_mode_hooks){ .open = rec_conn_open, .message = rec_conn_packet,
                                  .closed = rec_conn_close, .opaque = rec };
    cfg->mode = &rec->hooks;
}

void fl_record_shutdown(fl_record *rec)
{
    if (rec)
        vw_recorder_stopping(rec->engine);
}

int fl_record_free(fl_record *rec)
{
    if (!rec)
        return 0;
    int rc = vw_recorder_free(rec->engine);
    free(rec);
    return rc;
}
