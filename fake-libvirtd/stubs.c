/* stubs.c: fake-libvirtd's scenario stubs (see stubs.h and docs/scenario-format.md): the
 * engine's object, carrying out a matched answer on a connection, and the admin operations.
 * Answers are compiled in stub_answers.c, arguments and replies encoded in stub_codec.c. */
#include "stubs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "procs.h"
#include "session.h"
#include "stub_answers.h"
#include "stub_codec.h"
#include "trace.h"
#include "vw_util.h"

struct fl_stubs {
    fl_server *srv;
    vw_scenario *scn;
    fl_stubs_faults_fn *faults_fn;
    void *faults_opaque;
};

/* A delayed answer waiting on its timer. */
typedef struct {
    fl_stubs *st;
    uint64_t conn_id;
    uint8_t *raw;                 /* the whole call packet */
    size_t raw_len;
    lv_answer *ans;
    bool deferred;                /* counted by fl_conn_call_deferred until it is answered */
} lv_pending;

/* ---- carrying out an answer ------------------------------------------------------------------ */

static void queue_error(fl_conn *c, const vw_packet_header *call, const lv_answer *a)
{
    vw_packet_header hdr = vw_packet_reply_header(call, VW_NET_ERROR);
    vw_virerror e = a->error;      /* borrowed strings, never released here */
    if (!e.message)
        e.message = (char *)"stubbed error";
    vw_remote_error re;
    vw_virerror_to_wire(&e, &re);
    vw_error perr;
    vw_packet_encode(&c->out.buf, &hdr, 0, (xdrproc_t)xdr_vw_remote_error, &re, &perr);
}

static void queue_events(fl_server *srv, fl_conn *c, const lv_answer *a)
{
    for (size_t i = 0; i < a->nevents; i++) {
        const lv_event *ev = &a->events[i];
        unsigned char uuid[16] = {0};
        int id = -1;
        fl_domain *dom = c->model ? fl_domain_lookup_name(c->model, ev->dom_name, NULL) : NULL;
        if (dom) {
            memcpy(uuid, dom->def->uuid, 16);
            id = dom->id;
        }
        if (ev->has_uuid)
            memcpy(uuid, ev->uuid, 16);
        if (ev->has_id)
            id = ev->id;
        fl_events_queue_lifecycle(fl_server_events(srv), c->model, ev->dom_name, uuid, id, ev->event, ev->detail);
    }
}

/* Returns -1 when c was closed (only possible with flush). */
static int carry_out(fl_stubs *st, fl_conn *c, const vw_packet *pkt, const uint8_t *raw,
                     size_t raw_len, const lv_answer *a, bool flush)
{
    if (a->base.fallthrough) {
        fl_server_pass_call(c, pkt, raw, raw_len);
    } else if (a->has_error) {
        queue_error(c, &pkt->hdr, a);
    } else if (a->has_reply) {
        vw_packet_header hdr = vw_packet_reply_header(&pkt->hdr, VW_NET_OK);
        vw_error perr;
        vw_packet_encode_raw(&c->out.buf, &hdr, 0, a->reply, a->reply_len, &perr);
    }
    if (a->nevents)
        queue_events(st->srv, c, a);
    if (a->base.raw_len) {
        vw_error perr;
        vw_buf_append(&c->out.buf, a->base.raw, a->base.raw_len, &perr);
    }
    if (a->base.close)
        c->closing = true;
    if (flush) {
        fl_events_flush(st->srv);
        return fl_conn_flush(c);
    }
    return 0;
}

static long long pending_fire(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    lv_pending *p = data;
    fl_conn *c = fl_server_find_conn(p->st->srv, p->conn_id);
    vw_packet pkt;
    vw_error perr;
    if (c && !c->closing &&
        vw_packet_parse(p->raw, p->raw_len, VW_DECODE_LENIENT, &pkt, &perr) == 0)
        carry_out(p->st, c, &pkt, p->raw, p->raw_len, p->ans, true);
    if (p->deferred) {   /* answered: max_client_requests has room again */
        p->deferred = false;
        fl_server_call_answered(p->st->srv, p->conn_id);
    }
    return VW_EV_NOMORE;
}

static void pending_free(vw_evloop *loop, void *data)
{
    (void)loop;
    lv_pending *p = data;
    if (p->deferred)   /* dropped without an answer (the server is going away) */
        fl_server_call_answered(p->st->srv, p->conn_id);
    fl_stub_answer_unref(p->ans);
    free(p->raw);
    free(p);
}

int fl_stubs_handle(fl_stubs *st, fl_conn *c, const vw_packet *pkt, const uint8_t *raw,
                    size_t raw_len)
{
    char namebuf[32], progbuf[16];
    const char *prog = vw_program_name(pkt->hdr.prog);
    if (!prog) {
        snprintf(progbuf, sizeof(progbuf), "0x%08x", pkt->hdr.prog);
        prog = progbuf;
    }
    json_t *args = fl_stubs_decode_args(pkt->hdr.prog, pkt->hdr.proc, pkt->payload,
                                        pkt->payload_len);
    vw_call call = {
        .program = prog,
        .name = vw_procs_name(pkt->hdr.prog, pkt->hdr.proc, namebuf, sizeof(namebuf)),
        .number = pkt->hdr.proc,
        .args = args,
        .raw = pkt->payload ? pkt->payload : (const uint8_t *)"",
        .raw_len = pkt->payload_len,
        .conn_id = c->id,
        .unknown = vw_procs_lookup(pkt->hdr.prog, pkt->hdr.proc) == NULL,
    };
    vw_stub_hit hit;
    int matched = vw_scenario_match(st->scn, &call, &hit);
    json_decref(args);
    if (!matched)
        return 0;
    lv_answer *a = hit.answer;
    if (fl_server_verbose(st->srv))
        fprintf(stderr, "fake-libvirtd: connection %llu: %s answered by stub %s\n",
                (unsigned long long)c->id, call.name, hit.stub_id);
    if (a->base.delay_ms <= 0) {
        carry_out(st, c, pkt, raw, raw_len, a, false);
        return 1;
    }
    lv_pending *p = calloc(1, sizeof(*p));
    if (!p)
        return 1;
    p->st = st;
    p->conn_id = c->id;
    p->raw = malloc(raw_len ? raw_len : 1);
    if (!p->raw) {
        free(p);
        return 1;
    }
    memcpy(p->raw, raw, raw_len);
    p->raw_len = raw_len;
    p->ans = a;
    a->base.refs++;
    if (vw_evloop_add_timer(fl_server_loop(st->srv), a->base.delay_ms, pending_fire, p,
                            pending_free) < 0) {
        pending_free(NULL, p);
        return 1;
    }
    p->deferred = true;
    fl_conn_call_deferred(c);
    return 1;
}

/* ---- object and admin ------------------------------------------------------------------------ */

fl_stubs *fl_stubs_new(fl_server *srv, const char *scenario_file, uint64_t seed, vw_error *err)
{
    fl_stubs *st = calloc(1, sizeof(*st));
    if (!st) {
        vw_error_set(err, NULL, 0, 0, 0, "out of memory");
        return NULL;
    }
    st->srv = srv;
    vw_scenario_ops ops = {
        .protocol = "libvirt",
        .name_key = "procedure",
        .args_key = "args",
        .has_program = true,
        .resolve = fl_stub_resolve,
        .compile_answer = fl_stub_compile_answer,
        .free_answer = fl_stub_answer_unref,
        .opaque = st,
    };
    /* the file's "faults" section is kept for the fault-injection module: main.c hands
     * fl_stubs_faults() to fl_server_set_faults */
    st->scn = vw_scenario_open(&ops, seed, scenario_file, err);
    if (!st->scn) {
        free(st);
        return NULL;
    }
    return st;
}

void fl_stubs_free(fl_stubs *st)
{
    if (!st)
        return;
    vw_scenario_free(st->scn);
    free(st);
}

const json_t *fl_stubs_faults(const fl_stubs *st)
{
    return vw_scenario_faults(st->scn);
}

void fl_stubs_set_faults_hook(fl_stubs *st, fl_stubs_faults_fn *fn, void *opaque)
{
    st->faults_fn = fn;
    st->faults_opaque = opaque;
}

json_t *fl_stubs_admin(void *opaque, const char *op, const json_t *req)
{
    fl_stubs *st = opaque;
    char err[1024];
    if (strcmp(op, "reset") == 0) {
        /* stubs back to the scenario file's, states to Started, journal empty, model rebuilt */
        if (vw_scenario_reset(st->scn, err, sizeof(err)) < 0)
            return vw_admin_error("reset: reloading the scenario: %s", err);
        int rc = fl_session_reset_models(st->srv, err, sizeof(err));
        if (rc < 0)
            return vw_admin_error("reset: %s", err);
        if (rc == 1)
            return json_pack("{s:b,s:s}", "ok", 1, "note", "the qemu:// model was kept: "
                             "--qemu-dir runs QEMU processes for its domains");
        return vw_admin_ok();
    }
    if (strcmp(op, "set_faults") == 0)
        return vw_scenario_admin_set_faults(req, st->faults_fn, st->faults_opaque);
    if (strcmp(op, "decode") == 0) {
        /* a help for writing stubs: what the decoder makes of a procedure's argument bytes */
        char *p = NULL, *n = NULL;
        if (fl_stub_resolve(st, json_object_get(req, "program"), json_object_get(req, "procedure"),
                            &p, &n, err, sizeof(err)) < 0 || !n) {
            free(p);
            free(n);
            return vw_admin_error("decode: %s", n ? err : "give 'procedure' and 'args_b64'");
        }
        const vw_proc_info *pi = vw_procs_lookup_name(vw_program_from_name(p), n);
        free(p);
        free(n);
        const char *b64 = json_string_value(json_object_get(req, "args_b64"));
        uint8_t *bytes = NULL;
        size_t len = 0, bad;
        const char *why;
        if (!pi || !b64 || vw_base64_decode(b64, strlen(b64), VW_PACKET_MAX, &bytes, &len, &bad,
                                            &why) < 0)
            return vw_admin_error("decode: give a known 'procedure' and base64 'args_b64'");
        json_t *args = fl_stubs_decode_args(pi->prog, pi->proc, bytes, len);
        free(bytes);
        char names[512];
        fl_stub_spec found;
        const fl_stub_spec *sp = fl_stub_find_spec(pi->prog, pi->proc, false, &found);
        return json_pack("{s:b,s:o,s:s}", "ok", 1, "args", args ? args : json_null(), "fields",
                         sp ? fl_stub_spec_names(sp->spec, names, sizeof(names)) : "");
    }
    json_t *r = vw_scenario_admin(st->scn, op, req);
    return r;
}
