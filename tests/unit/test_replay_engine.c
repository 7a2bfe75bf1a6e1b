/* test_replay_engine.c: common/replay_engine.c and replay_pacer.c in-process, with a toy
 * protocol (a client message's bytes are its key, server messages are kept in order): loading
 * into the protocol's recorded connections, the protocol's message for a trace of the other
 * protocol, the hand-out of recorded connections (next, given back, switched by opening calls),
 * strict and unordered matching by the options, the delay cap, the report (never used, never
 * served, the file), and the pacer's order: released runs in release order, skipped messages,
 * a flush before a reply, delayed messages sent by the event loop's timer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evloop.h"
#include "replay_engine.h"
#include "replay_pacer.h"
#include "vwtest.h"

typedef struct {
    vw_replay_rconn base;         /* the engine's part first */
    int nout;
    uint64_t out_t[8];
    char out[8][16];
    int closed;
} toy_rconn;

static int toy_record(void *ctx, vw_replay_rconn *base, const vw_trace_record *rec)
{
    (void)ctx;
    toy_rconn *rc = (toy_rconn *)base;
    if (rec->kind == VW_TRACE_CLOSE) {
        rc->closed = 1;
        return 0;
    }
    if (rec->dir == VW_TRACE_C2S)
        return vw_replay_match_add(base->match, rec->raw, rec->raw_len);
    if (rc->nout < 8) {
        snprintf(rc->out[rc->nout], sizeof(rc->out[0]), "%.*s", (int)rec->raw_len,
                 (const char *)rec->raw);
        rc->out_t[rc->nout++] = rec->t_us;
    }
    return 0;
}

static json_t *toy_call_json(void *ctx, const vw_replay_rconn *rc, size_t i)
{
    (void)ctx;
    (void)rc;
    return json_pack("{s:I}", "call", (json_int_t)i);
}

static int wrong_calls;

static void toy_wrong(void *ctx, const char *path, vw_trace_protocol found, vw_error *err)
{
    (void)ctx;
    wrong_calls++;
    vw_error_set(err, NULL, 0, 0, 0, "toy: %s is %s", path, vw_trace_protocol_name(found));
}

static const vw_replay_proto toy = {
    .who = "toy: --replay", .protocol = "qmp", .trace_protocol = VW_TRACE_QMP,
    .rconn_size = sizeof(toy_rconn), .record = toy_record, .call_json = toy_call_json,
    .wrong_protocol = toy_wrong, .load_error_prefix = "--replay ", .report_who = "toy",
};

static char trace_path[64], report_path[64];

/* conn 7: a b c (s2c after a: x at +1 ms, y at +10 s); conn 3: a b d; conn 5: z */
static void write_trace(void)
{
    snprintf(trace_path, sizeof(trace_path), "/tmp/vw-test-reng-%d.trace", (int)getpid());
    vw_error te;
    vw_trace_writer *w = vw_trace_writer_open(trace_path, VW_TRACE_QMP, "test", NULL, &te);
    CHECK(w != NULL);
    const char *c7[] = { "\"a\"", "\"b\"", "\"c\"" }, *c3[] = { "\"a\"", "\"b\"", "\"d\"" };
    vw_trace_write_open(w, 7, 0, NULL, &te);
    vw_trace_write_open(w, 3, 0, NULL, &te);
    vw_trace_write_open(w, 5, 0, NULL, &te);
    vw_trace_write_message(w, 7, VW_TRACE_C2S, 1000, c7[0], 3, &te);
    vw_trace_write_message(w, 7, VW_TRACE_S2C, 2000, "\"x\"", 3, &te);
    vw_trace_write_message(w, 7, VW_TRACE_S2C, 10001000, "\"y\"", 3, &te);
    for (int i = 1; i < 3; i++)
        vw_trace_write_message(w, 7, VW_TRACE_C2S, 20000000 + i, c7[i], 3, &te);
    for (int i = 0; i < 3; i++)
        vw_trace_write_message(w, 3, VW_TRACE_C2S, 30000000 + i, c3[i], 3, &te);
    vw_trace_write_message(w, 5, VW_TRACE_C2S, 40000000, "\"z\"", 3, &te);
    vw_trace_write_close(w, 5, 40000001, "server", &te);
    CHECK_EQ_INT(vw_trace_writer_close(w, &te), 0);
}

static vw_replay_engine *engine(vw_replay_match_mode match, const char *report)
{
    vw_replay_options o = { .trace_path = trace_path, .match = match, .report_path = report,
                            .delay_max_ms = 50 };
    char err[1024];
    vw_error why;
    vw_replay_engine *e = vw_replay_engine_new(&o, &toy, NULL, &why);
    if (!e)
        fprintf(stderr, "vw_replay_engine_new: %s\n", vw_error_format(&why, err, sizeof(err)));
    return e;
}

static void test_load(void)
{
    vw_replay_engine *e = engine(VW_REPLAY_STRICT, NULL);
    CHECK(e != NULL);
    CHECK_EQ_INT(vw_replay_engine_count(e), 3);
    toy_rconn *c7 = (toy_rconn *)vw_replay_engine_rconn(e, 0);
    CHECK_EQ_INT(c7->base.id, 7);
    CHECK_EQ_INT(vw_replay_match_count(c7->base.match), 3);
    CHECK_EQ_INT(c7->nout, 2);
    CHECK(strcmp(c7->out[1], "\"y\"") == 0);
    CHECK(((toy_rconn *)vw_replay_engine_rconn(e, 2))->closed);
    CHECK(vw_replay_engine_rconn(e, 3) == NULL);
    vw_replay_engine_free(e);

    /* a libvirt-only protocol refuses the QMP trace with its own message */
    vw_replay_proto lv = toy;
    lv.trace_protocol = VW_TRACE_LIBVIRT;
    vw_replay_options o = { .trace_path = trace_path };
    vw_error why;
    CHECK(vw_replay_engine_new(&o, &lv, NULL, &why) == NULL);
    CHECK_EQ_INT(wrong_calls, 1);
    CHECK(strstr(why.text, "is qmp") != NULL);
    o.trace_path = "/nonexistent/vw.trace";
    CHECK(vw_replay_engine_new(&o, &toy, NULL, &why) == NULL);
    CHECK(strcmp(why.source, "--replay /nonexistent/vw.trace") == 0 && why.line == 0);
}

static void test_handout_and_match(void)
{
    vw_replay_engine *e = engine(VW_REPLAY_STRICT, NULL);
    vw_replay_rconn *a = vw_replay_engine_take(e);
    CHECK(a && a->id == 7 && a->bound);
    CHECK_EQ_INT(vw_replay_engine_find(e, a, "\"b\"", 3), -1);     /* strict: a comes first */
    CHECK_EQ_INT(vw_replay_engine_find(e, a, "\"a\"", 3), 0);
    vw_replay_match_use(a->match, 0);
    CHECK_EQ_INT(vw_replay_engine_find(e, a, "\"b\"", 3), 1);
    vw_replay_match_use(a->match, 1);
    /* pick match: "d" after a b is recorded connection 3's third call */
    vw_replay_rconn *b = vw_replay_engine_switch(e, a, 2, "\"d\"", 3);
    CHECK(b && b->id == 3 && b->bound);
    CHECK(vw_replay_match_used(b->match, 1) && !vw_replay_match_used(b->match, 2));
    CHECK(vw_replay_engine_switch(e, a, 2, "\"q\"", 3) == NULL);
    vw_replay_engine_give_back(e, a);
    CHECK(!a->bound && !vw_replay_match_used(a->match, 0));
    /* the next free one after 7 (3 is bound now) */
    vw_replay_rconn *c = vw_replay_engine_take(e);
    CHECK(c && c->id == 5);
    CHECK(vw_replay_engine_take(e) == NULL);
    CHECK_EQ_INT(vw_replay_engine_served(e), 2);
    CHECK_EQ_INT(vw_replay_engine_find(e, NULL, "\"a\"", 3), -1);
    vw_replay_engine_free(e);

    e = engine(VW_REPLAY_UNORDERED, NULL);
    a = vw_replay_engine_take(e);
    CHECK_EQ_INT(vw_replay_engine_find(e, a, "\"c\"", 3), 2);
    CHECK(strcmp(vw_replay_engine_match_name(e), "unordered") == 0);
    CHECK(!vw_replay_engine_closes_unmatched(e));
    CHECK_EQ_INT(vw_replay_engine_delay_ms(e, 2000, 1000), 1);
    CHECK_EQ_INT(vw_replay_engine_delay_ms(e, 10001000, 1000), 50);    /* capped */
    CHECK_EQ_INT(vw_replay_engine_delay_ms(e, 1000, 2000), 0);
    vw_replay_engine_free(e);
}

static void test_names(void)
{
    CHECK_EQ_INT(vw_replay_match_from_name("unordered"), VW_REPLAY_UNORDERED);
    CHECK_EQ_INT(vw_replay_unmatched_from_name("close"), VW_REPLAY_UNMATCHED_CLOSE);
    CHECK_EQ_INT(vw_replay_pick_from_name("next"), VW_REPLAY_PICK_NEXT);
    CHECK_EQ_INT(vw_replay_pick_from_name("nope"), -1);
    CHECK_EQ_INT(vw_replay_pick_from_name(NULL), -1);
}

static void test_report(void)
{
    snprintf(report_path, sizeof(report_path), "/tmp/vw-test-reng-%d.json", (int)getpid());
    vw_replay_engine *e = engine(VW_REPLAY_STRICT, report_path);
    vw_replay_rconn *a = vw_replay_engine_take(e);
    size_t conn = vw_replay_report_conn(vw_replay_engine_report(e), 1, a->id);
    vw_replay_engine_matched(e, conn, a, 0);
    CHECK(vw_replay_match_used(a->match, 0));
    CHECK(!vw_replay_engine_unmatched(e, conn, json_pack("{s:s}", "call", "q")));  /* error */
    vw_replay_counts n = vw_replay_engine_conn_done(e, conn, a);
    CHECK_EQ_INT(n.matched, 1);
    CHECK_EQ_INT(n.unmatched, 1);
    CHECK_EQ_INT(n.never_used, 2);
    vw_replay_summary s = vw_replay_engine_summary(e);
    CHECK_EQ_INT(s.never_served, 2);
    CHECK_EQ_INT(s.never_served_calls, 4);
    CHECK_EQ_INT(vw_replay_engine_write_report(e), 0);
    json_error_t je;
    json_t *r = json_load_file(report_path, 0, &je);
    CHECK(r != NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "never_served_calls")), 4);
    json_t *c0 = json_array_get(json_object_get(r, "connections"), 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(
                     json_array_get(json_object_get(c0, "never_used_calls"), 1), "call")), 2);
    json_decref(r);
    vw_replay_engine_free(e);
    unlink(report_path);

    /* --replay-unmatched close */
    vw_replay_options o = { .trace_path = trace_path, .unmatched = VW_REPLAY_UNMATCHED_CLOSE };
    vw_error why;
    e = vw_replay_engine_new(&o, &toy, NULL, &why);
    conn = vw_replay_report_conn(vw_replay_engine_report(e), 1, -1);
    CHECK(vw_replay_engine_unmatched(e, conn, json_pack("{s:s}", "call", "q")));
    vw_replay_engine_free(e);
}

/* ---- the pacer ------------------------------------------------------------------------------ */

typedef struct {
    toy_rconn *rc;
    char sent[64];
    int skip;                     /* this message is not replayed (-1: none) */
    vw_replay_pacer *clear_in_send;   /* cleared from inside the send (the client left) */
} pace_ctx;

static bool pace_message(void *ctx, size_t i, uint64_t *t_us)
{
    pace_ctx *p = ctx;
    *t_us = p->rc->out_t[i];
    return (int)i != p->skip;
}

static void pace_send(void *ctx, size_t i, long tag)
{
    pace_ctx *p = ctx;
    char one[24];
    snprintf(one, sizeof(one), "%s%ld,", p->rc->out[i], tag);
    strncat(p->sent, one, sizeof(p->sent) - strlen(p->sent) - 1);
    if (p->clear_in_send)
        vw_replay_pacer_clear(p->clear_in_send);
}

static const vw_replay_pacer_ops pace_ops = { pace_message, pace_send };

static void test_pacer(void)
{
    char lerr[128];
    vw_evloop *loop = vw_evloop_create(16, lerr, sizeof(lerr));
    vw_replay_options o = { .trace_path = trace_path, .delay_max_ms = 1000000 };
    vw_error why;
    vw_replay_engine *e = vw_replay_engine_new(&o, &toy, NULL, &why);
    pace_ctx pc = { (toy_rconn *)vw_replay_engine_rconn(e, 0), "", -1, NULL };
    vw_replay_pacer p;
    vw_replay_pacer_init(&p, e, loop, &pace_ops, &pc);
    /* x at +1 ms, y at +10 s after the call at 1000 µs: x comes by the timer, y waits */
    CHECK_EQ_INT(vw_replay_pacer_release(&p, 0, 2, 1000, 7), 0);
    vw_replay_pacer_pump(&p);
    for (int i = 0; i < 500 && !pc.sent[0]; i++)
        vw_evloop_process(loop, 10);
    CHECK(strcmp(pc.sent, "\"x\"7,") == 0);
    vw_replay_pacer_flush(&p);                  /* a reply is due: everything goes first */
    CHECK(strcmp(pc.sent, "\"x\"7,\"y\"7,") == 0);
    /* runs go in release order; a skipped message is not sent */
    pc.sent[0] = '\0';
    pc.skip = 0;
    CHECK_EQ_INT(vw_replay_pacer_release(&p, 1, 2, 10001000, 1), 0);
    CHECK_EQ_INT(vw_replay_pacer_release(&p, 0, 2, 10001000, 2), 0);
    vw_replay_pacer_pump(&p);
    CHECK(strcmp(pc.sent, "\"y\"1,\"y\"2,") == 0);
    /* cleared with a message pending: nothing more is sent, the timer is gone */
    pc.sent[0] = '\0';
    pc.skip = -1;
    CHECK_EQ_INT(vw_replay_pacer_release(&p, 1, 2, 1000, 3), 0);
    vw_replay_pacer_pump(&p);
    vw_replay_pacer_clear(&p);
    vw_evloop_process(loop, 0);
    CHECK(strcmp(pc.sent, "") == 0);
    /* cleared from inside a send (fake-qemu: the write ended the connection): the pump stops
     * after that message, the queue is gone, and the pacer serves the next client */
    pc.clear_in_send = &p;
    CHECK_EQ_INT(vw_replay_pacer_release(&p, 0, 2, 20000000, 4), 0);   /* both due now */
    vw_replay_pacer_pump(&p);
    CHECK(strcmp(pc.sent, "\"x\"4,") == 0);
    pc.clear_in_send = NULL;
    pc.sent[0] = '\0';
    vw_replay_pacer_flush(&p);
    CHECK(strcmp(pc.sent, "") == 0);
    CHECK_EQ_INT(vw_replay_pacer_release(&p, 1, 2, 20000000, 5), 0);
    vw_replay_pacer_pump(&p);
    CHECK(strcmp(pc.sent, "\"y\"5,") == 0);
    vw_replay_pacer_clear(&p);
    vw_replay_engine_free(e);
    vw_evloop_free(loop);
}

int main(void)
{
    write_trace();
    RUN(test_load);
    RUN(test_handout_and_match);
    RUN(test_names);
    RUN(test_report);
    RUN(test_pacer);
    unlink(trace_path);
    return vwtest_summary("replay_engine");
}
