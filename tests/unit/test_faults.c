/* test_faults.c: unit tests of common/faults: rule parsing and its errors, seeded decisions,
 * and the delayed output queue (order, slicing, truncation, close, free from the callback). */
#include "faults.h"
#include "vwtest.h"

#include <stdlib.h>
#include <string.h>

static vw_faults *parse(const char *text, uint64_t seed, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
    CHECK(j != NULL);
    vw_faults *f = j ? vw_faults_from_json(j, seed, err, errlen) : NULL;
    json_decref(j);
    return f;
}

static void expect_error(const char *text, const char *want)
{
    char err[512] = "";
    vw_faults *f = parse(text, 0, err, sizeof(err));
    CHECK(f == NULL);
    if (!strstr(err, want)) {
        fprintf(stderr, "for %s: got \"%s\", want \"%s\"\n", text, err, want);
        CHECK(strstr(err, want) != NULL);
    }
    vw_faults_unref(f);
}

static void test_parse_errors(void)
{
    expect_error("3", "faults: expected an array of rules");
    expect_error("{\"x\": []}", "an object with a \"faults\" array");
    expect_error("[1]", "faults[0]: expected an object");
    expect_error("[{}]", "faults[0].type: missing");
    expect_error("[{\"type\": \"reset\"}, {\"type\": \"boom\"}]",
                 "faults[1].type: unknown fault \"boom\" (known: latency, ");
    expect_error("[{\"type\": \"reset\", \"probability\": -0.1}]",
                 "faults[0].probability: expected a number in 0..1");
    expect_error("[{\"type\": \"reset\", \"direction\": \"up\"}]", "faults[0].direction");
    expect_error("[{\"type\": \"no_greeting\", \"direction\": \"c2s\"}]",
                 "no_greeting applies only in direction s2c");
    expect_error("[{\"type\": \"latency\"}]", "latency needs latency_ms");
    expect_error("[{\"type\": \"bandwidth\"}]", "bandwidth needs rate");
    expect_error("[{\"type\": \"reset\", \"match\": \"\"}]", "faults[0].match");
    expect_error("[{\"type\": \"reset\", \"after\": -1}]", "faults[0].after: expected an integer");
    expect_error("[{\"type\": \"reset\", \"match\": \"X\", \"bogus\": 1}]",
                 "unknown member \"bogus\"");

    char err[256];
    vw_faults *f = parse("{\"faults\": [{\"type\": \"no_greeting\"}]}", 0, err, sizeof(err));
    CHECK(f != NULL);
    CHECK_EQ_INT(vw_faults_count(f), 1);
    CHECK(vw_faults_check_protocol(f, VW_FAULT_PROTO_QMP, err, sizeof(err)) == 0);
    CHECK(vw_faults_check_protocol(f, VW_FAULT_PROTO_LIBVIRT, err, sizeof(err)) < 0);
    CHECK(strstr(err, "QMP-only") != NULL);
    vw_faults_unref(f);
}

/* 200 decisions of a probability-0.5 rule as a string of 0/1. */
static void pattern(vw_faults *f, vw_evloop *loop, char *out, size_t n)
{
    vw_fault_conn *fc = vw_fault_conn_new(f, loop, NULL, NULL);
    for (size_t i = 0; i + 1 < n; i++) {
        vw_fault_action a;
        out[i] = vw_fault_decide(fc, VW_FAULT_S2C, VW_FAULT_MSG_REPLY, "X", &a) ? '1' : '0';
    }
    out[n - 1] = '\0';
    vw_fault_conn_free(fc);
}

static void test_seeded_decisions(void)
{
    char err[256];
    const char *rules = "[{\"type\": \"duplicate\", \"probability\": 0.5, \"match\": \"X\"}]";
    vw_evloop *loop = vw_evloop_create(64, err, sizeof(err));
    vw_faults *a = parse(rules, 42, err, sizeof(err));
    vw_faults *b = parse(rules, 42, err, sizeof(err));
    vw_faults *c = parse(rules, 43, err, sizeof(err));
    char pa[201], pb[201], pc[201], pa2[201];
    pattern(a, loop, pa, sizeof(pa));
    pattern(b, loop, pb, sizeof(pb));
    pattern(c, loop, pc, sizeof(pc));
    pattern(a, loop, pa2, sizeof(pa2));    /* the second connection: its own stream */
    CHECK_EQ_STR(pa, pb);
    CHECK(strcmp(pa, pc) != 0);
    CHECK(strcmp(pa, pa2) != 0);
    size_t ones = 0;
    for (size_t i = 0; pa[i]; i++)
        ones += pa[i] == '1';
    CHECK(ones > 60 && ones < 140);

    /* keepalive never counts; match, after, times, kinds */
    vw_faults *f = parse("[{\"type\": \"wrong_serial\", \"after\": 1, \"times\": 2}]", 0, err,
                         sizeof(err));
    vw_fault_conn *fc = vw_fault_conn_new(f, loop, NULL, NULL);
    vw_fault_action act;
    CHECK(vw_fault_decide(fc, VW_FAULT_S2C, VW_FAULT_MSG_KEEPALIVE, NULL, &act) == 0);
    CHECK(vw_fault_decide(fc, VW_FAULT_S2C, VW_FAULT_MSG_REPLY, NULL, &act) == 0);  /* after */
    CHECK(vw_fault_decide(fc, VW_FAULT_S2C, VW_FAULT_MSG_EVENT, NULL, &act) == 0);  /* kind */
    CHECK(vw_fault_decide(fc, VW_FAULT_C2S, VW_FAULT_MSG_CALL, NULL, &act) == 0);   /* dir */
    CHECK(vw_fault_decide(fc, VW_FAULT_S2C, VW_FAULT_MSG_REPLY, NULL, &act) != 0);
    CHECK(vw_fault_decide(fc, VW_FAULT_S2C, VW_FAULT_MSG_REPLY, NULL, &act) != 0);
    CHECK(vw_fault_decide(fc, VW_FAULT_S2C, VW_FAULT_MSG_REPLY, NULL, &act) == 0);  /* times */
    vw_fault_conn_free(fc);
    vw_faults_unref(f);

    vw_faults_unref(a);
    vw_faults_unref(b);
    vw_faults_unref(c);
    vw_evloop_free(loop);
}

typedef struct {
    char out[256];
    size_t len;
    int closes, resets;
    int pieces;
    vw_fault_conn **free_on_close;     /* free the fault state from inside the callback */
} sink;

static void deliver(void *opaque, int what, const void *data, size_t len)
{
    sink *s = opaque;
    if (what == VW_FAULT_OUT_DATA) {
        CHECK(s->len + len <= sizeof(s->out));
        memcpy(s->out + s->len, data, len);
        s->len += len;
        s->pieces++;
    } else if (what == VW_FAULT_OUT_CLOSE) {
        s->closes++;
        if (s->free_on_close) {
            vw_fault_conn_free(*s->free_on_close);
            *s->free_on_close = NULL;
        }
    } else {
        s->resets++;
    }
}

static void run_until_idle(vw_evloop *loop, vw_fault_conn *const *fc)
{
    for (int i = 0; i < 200 && *fc && vw_fault_conn_queued(*fc); i++)
        vw_evloop_process(loop, 50);
}

static void test_queue(void)
{
    char err[256];
    vw_evloop *loop = vw_evloop_create(64, err, sizeof(err));
    vw_faults *f = parse("[]", 0, err, sizeof(err));
    sink s;
    memset(&s, 0, sizeof(s));
    vw_fault_conn *fc = vw_fault_conn_new(f, loop, deliver, &s);
    vw_fault_action a;
    memset(&a, 0, sizeof(a));
    a.truncate_keep = -1;

    /* a delayed message, then an undelayed one: the order is kept */
    vw_fault_action slow = a;
    slow.fired = 1u << VW_FAULT_LATENCY;
    slow.delay_ms = 30;
    long long t0 = vw_evloop_now_ms();
    vw_fault_conn_emit(fc, "first,", 6, &slow, 0, 0);
    CHECK(vw_fault_conn_busy(fc));
    CHECK_EQ_INT(s.len, 0);                      /* nothing inside emit */
    vw_fault_conn_emit(fc, "second,", 7, &a, 0, 0);
    run_until_idle(loop, &fc);
    CHECK(vw_evloop_now_ms() - t0 >= 30);
    CHECK_EQ_INT(s.len, 13);
    CHECK_EQ_MEM(s.out, "first,second,", 13);

    /* slicing: 2-byte pieces */
    vw_fault_action sl = a;
    sl.fired = 1u << VW_FAULT_SLICE;
    sl.slice_size = 2;
    s.len = 0;
    s.pieces = 0;
    vw_fault_conn_emit(fc, "abcdefg", 7, &sl, 0, 0);
    run_until_idle(loop, &fc);
    CHECK_EQ_INT(s.pieces, 4);
    CHECK_EQ_MEM(s.out, "abcdefg", 7);

    /* corruption spares the protected head and tail */
    vw_fault_action co = a;
    co.fired = 1u << VW_FAULT_CORRUPT;
    co.corrupt_bits = 16;
    s.len = 0;
    vw_fault_conn_emit(fc, "HHHHxxxxxxxxTT", 14, &co, 4, 2);
    run_until_idle(loop, &fc);
    CHECK_EQ_INT(s.len, 14);
    CHECK_EQ_MEM(s.out, "HHHH", 4);
    CHECK_EQ_MEM(s.out + 12, "TT", 2);
    CHECK(memcmp(s.out + 4, "xxxxxxxx", 8) != 0);

    /* truncation: half, then a close; what follows is never delivered, and the state may be
     * freed from inside the close callback */
    vw_fault_action tr = a;
    tr.fired = 1u << VW_FAULT_TRUNCATE;
    s.len = 0;
    s.free_on_close = &fc;
    vw_fault_conn_emit(fc, "12345678", 8, &tr, 0, 0);
    vw_fault_conn_emit(fc, "after", 5, &a, 0, 0);
    for (int i = 0; i < 20 && fc; i++)
        vw_evloop_process(loop, 50);
    CHECK(fc == NULL);
    CHECK_EQ_INT(s.closes, 1);
    CHECK_EQ_INT(s.len, 4);
    CHECK_EQ_MEM(s.out, "1234", 4);

    /* reset and blackhole */
    sink r;
    memset(&r, 0, sizeof(r));
    fc = vw_fault_conn_new(f, loop, deliver, &r);
    vw_fault_action bh = a;
    bh.fired = 1u << VW_FAULT_BLACKHOLE;
    vw_fault_conn_emit(fc, "gone", 4, &bh, 0, 0);
    vw_fault_conn_emit(fc, "also", 4, &a, 0, 0);
    run_until_idle(loop, &fc);
    CHECK(vw_fault_conn_blackholed(fc));
    CHECK_EQ_INT(r.len, 0);
    vw_fault_conn_free(fc);
    memset(&r, 0, sizeof(r));
    fc = vw_fault_conn_new(f, loop, deliver, &r);
    vw_fault_conn_control(fc, VW_FAULT_OUT_RESET);
    run_until_idle(loop, &fc);
    CHECK_EQ_INT(r.resets, 1);
    /* freed with output still held: no leak, no timer left behind */
    vw_fault_conn_emit(fc, "held", 4, &slow, 0, 0);
    vw_fault_conn_free(fc);
    vw_evloop_process(loop, 0);

    vw_faults_unref(f);
    vw_evloop_free(loop);
}

int main(void)
{
    RUN(test_parse_errors);
    RUN(test_seeded_decisions);
    RUN(test_queue);
    return vwtest_summary("faults");
}
