/* record.c: fake-qemu --record: the adapter between qmp_server's backend hooks and the one
 * recording proxy engine (common/record_proxy.h, which owns the upstream sockets, the framing
 * into JSON values, backpressure and the trace with its durability rule). See record.h.
 *
 * Client bytes come through the input hook as they were read; the engine frames them and
 * offers each whole value to intercept (qmp_server_intercept: the c2s faults, then the scenario
 * stubs) before forwarding it; a stub's fallthrough comes back through the message hook. Upstream
 * bytes go to the client through qmp_conn_send (the s2c faults), one read at a time; upstream
 * reads resume on the drained hook. */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>

#include "record_proxy.h"

#define CLIENT_HIGH (4u << 20)  /* upstream reads pause while the client has this queued */

typedef struct link {
    struct link *next;
    qmp_conn *client;
    vw_rec_conn *rc;
} link;

struct fq_record {
    vw_evloop *loop;
    vw_recorder *engine;
    uint32_t next_id;
    link *links;                /* the engine's connection of each client */
    vw_mode_hooks hooks;
};

static link **find(fq_record *r, qmp_conn *c)
{
    link **pp = &r->links;
    while (*pp && (*pp)->client != c)
        pp = &(*pp)->next;
    return pp;
}

static vw_rec_conn *conn_of(fq_record *r, qmp_conn *c)
{
    link *l = *find(r, c);
    return l ? l->rc : NULL;
}

/* ---- the way back to the client (vw_rec_client_ops) ----------------------------------------- */

static long client_send(void *client, const uint8_t *data, size_t n)
{
    return qmp_conn_send(client, data, n);
}

static void client_hold(void *client, bool on)
{
    if (!on)
        qmp_conn_resume(client);    /* input() stopped taking bytes while the upstream was slow */
}

static void client_finish(void *client)
{
    qmp_conn_close(client);
}

static int client_intercept(void *client, const vw_frame *frame)
{
    return qmp_server_intercept(client, frame->json, frame->error);
}

static bool client_input_stopped(void *client)
{
    return qmp_conn_input_stopped(client) != 0;
}

static const vw_rec_client_ops client_ops = {
    .send = client_send,
    .hold = client_hold,
    .finish = client_finish,
    .intercept = client_intercept,
    .input_stopped = client_input_stopped,
    .client_high = CLIENT_HIGH,
};

/* ---- qmp_server hooks ----------------------------------------------------------------------- */

static int rec_open(void *opaque, void *conn)
{
    qmp_conn *c = conn;
    fq_record *r = opaque;
    char err[512];
    link *l = calloc(1, sizeof(*l));
    if (!l) {
        fprintf(stderr, "fake-qemu: --record: out of memory; closing the client\n");
        return -1;
    }
    l->rc = vw_rec_conn_open(r->engine, r->loop, r->next_id + 1, &client_ops, c, err,
                             sizeof(err));
    if (!l->rc) {
        fprintf(stderr, "fake-qemu: --record: a client connected but the upstream is unreachable: "
                "%s; closing the client\n", err);
        free(l);
        return -1;
    }
    r->next_id++;
    l->client = c;
    l->next = r->links;
    r->links = l;
    return 0;
}

static size_t rec_input(void *opaque, void *conn, const uint8_t *buf, size_t len)
{
    vw_rec_conn *rc = conn_of(opaque, conn);
    if (!rc)
        return len;
    return vw_rec_conn_client_bytes(rc, buf, len);
}

/* A stub's "fallthrough": the command goes upstream after all, as the client sent it. */
static void rec_message(void *opaque, void *conn, const vw_mode_msg *msg)
{
    (void)msg;
    vw_rec_conn *rc = conn_of(opaque, conn);
    if (rc)
        vw_rec_conn_pass_on(rc);
}

static void rec_drained(void *opaque, void *conn)
{
    vw_rec_conn *rc = conn_of(opaque, conn);
    if (rc)
        vw_rec_conn_client_drained(rc);
}

static void rec_closed(void *opaque, void *conn)
{
    link **pp = find(opaque, conn);
    link *l = *pp;
    if (!l)
        return;
    *pp = l->next;
    vw_rec_conn_client_closed(l->rc, NULL);
    free(l);
}

/* ---- life cycle ----------------------------------------------------------------------------- */

fq_record *fq_record_new(vw_evloop *loop, const char *trace_path, const char *upstream,
                         const char *tool, bool sync, char *err, size_t errlen)
{
    fq_record *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->loop = loop;
    vw_record_options o = {
        .protocol = VW_TRACE_QMP, .trace_path = trace_path, .upstream = upstream, .tool = tool,
        .who = "fake-qemu: --record", .probe = true, .sync = sync, .log_io_errors = true,
    };
    vw_record_failure why;
    char reason[512];
    r->engine = vw_recorder_new(&o, &why, reason, sizeof(reason));
    if (!r->engine) {
        if (why == VW_RECORD_BAD_UPSTREAM)
            snprintf(err, errlen, "--upstream: %s", reason);
        else if (why == VW_RECORD_UNREACHABLE)
            snprintf(err, errlen, "--upstream: the real QEMU's QMP socket is unreachable: %s",
                     reason);
        else
            snprintf(err, errlen, "--record %s: %s", trace_path, reason);
        free(r);
        return NULL;
    }
    r->hooks = (vw_mode_hooks){ .open = rec_open, .input = rec_input, .message = rec_message,
                                .drained = rec_drained, .closed = rec_closed, .opaque = r };
    return r;
}

const vw_mode_hooks *fq_record_backend(fq_record *r)
{
    return &r->hooks;
}

void fq_record_stopping(fq_record *r)
{
    if (r)
        vw_recorder_stopping(r->engine);
}

int fq_record_free(fq_record *r)
{
    if (!r)
        return 0;
    while (r->links) {
        link *l = r->links;
        r->links = l->next;
        free(l);
    }
    int rc = vw_recorder_free(r->engine);
    free(r);
    return rc;
}
