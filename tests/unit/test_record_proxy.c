/* test_record_proxy.c: common/record_proxy.c in-process, with a unix socket this test listens
 * on as the upstream and a fake adapter as the client: the durability rule (every record is in
 * the file when the peer can first read the bytes it describes), framing in both directions,
 * intercept and pass_on, backpressure towards the client, and the close records. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "evloop.h"
#include "netaddr.h"
#include "record_proxy.h"
#include "trace.h"
#include "vwtest.h"

typedef struct fake_client {
    uint8_t got[4096];          /* what the engine sent the client */
    size_t got_len;
    int sends;
    int s2c_records_at_send;    /* s2c records in the file when the last send came */
    const char *trace;
    bool finished, held;
    int taken;                  /* messages intercept took */
} fake_client;

static char trace_path[64], sock_path[64];

/* Counts the records in the trace file now (as a reader of the file sees them). */
static int count_records(const char *path, const char *dir, vw_trace_kind kind, const char **by)
{
    vw_error err;
    vw_trace_reader *r = vw_trace_reader_open(path, &err);
    if (!r)
        return -1;
    vw_trace_record rec;
    int n = 0;
    static char last_by[16];
    while (vw_trace_read(r, &rec, &err) == 1) {
        if (rec.kind != kind)
            continue;
        if (dir && strcmp(vw_trace_dir_name(rec.dir), dir) != 0)
            continue;
        n++;
        if (rec.by)
            snprintf(last_by, sizeof(last_by), "%s", rec.by);
    }
    if (by)
        *by = last_by;
    vw_trace_reader_free(r);
    return n;
}

static long fc_send(void *client, const uint8_t *data, size_t n)
{
    fake_client *fc = client;
    fc->s2c_records_at_send = count_records(fc->trace, "s2c", VW_TRACE_MESSAGE, NULL);
    if (fc->got_len + n <= sizeof(fc->got)) {
        memcpy(fc->got + fc->got_len, data, n);
        fc->got_len += n;
    }
    fc->sends++;
    return fc->held ? 1 << 30 : 0;      /* "held": pretend the client's queue is full */
}

static void fc_hold(void *client, bool on)
{
    ((fake_client *)client)->held = on;
}

static void fc_finish(void *client)
{
    ((fake_client *)client)->finished = true;
}

static int fc_intercept(void *client, const vw_frame *fr)
{
    fake_client *fc = client;
    const json_t *ex = fr->json ? json_object_get(fr->json, "execute") : NULL;
    if (ex && strcmp(json_string_value(ex), "stubbed") == 0) {
        fc->taken++;
        return 1;
    }
    return 0;
}

static const vw_rec_client_ops raw_ops = {
    .send = fc_send, .hold = fc_hold, .finish = fc_finish, .client_high = 1 << 20,
};
static const vw_rec_client_ops qmp_ops = {
    .send = fc_send, .hold = fc_hold, .finish = fc_finish, .intercept = fc_intercept,
    .client_high = 1 << 20,
};

static int listen_upstream(void)
{
    snprintf(sock_path, sizeof(sock_path), "/tmp/vw-test-recp-%d.sock", (int)getpid());
    snprintf(trace_path, sizeof(trace_path), "/tmp/vw-test-recp-%d.trace", (int)getpid());
    unlink(sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0)
        return -1;
    return fd;
}

static vw_recorder *new_recorder(vw_trace_protocol protocol)
{
    char spec[128], err[256];
    snprintf(spec, sizeof(spec), "unix:%s", sock_path);
    vw_record_options o = { .protocol = protocol, .trace_path = trace_path, .upstream = spec,
                            .tool = "test", .who = "test" };
    vw_record_failure why;
    vw_recorder *r = vw_recorder_new(&o, &why, err, sizeof(err));
    if (!r)
        fprintf(stderr, "vw_recorder_new: %s\n", err);
    return r;
}

/* Runs the loop until the upstream socket has want bytes (read into buf). */
static size_t upstream_read(vw_evloop *loop, int ufd, uint8_t *buf, size_t want)
{
    size_t have = 0;
    for (int i = 0; i < 200 && have < want; i++) {
        vw_evloop_process(loop, 10);
        long n = vw_netaddr_recv(ufd, buf + have, want - have);
        if (n > 0)
            have += (size_t)n;
    }
    return have;
}

static void packet(uint8_t *p, uint8_t serial)
{
    static const uint8_t hdr[28] = { 0, 0, 0, 28, 0x20, 0, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0, 66 };
    memcpy(p, hdr, sizeof(hdr));
    p[23] = serial;
}

/* One proxied connection: the upstream's listening and accepted sockets, the loop, the
 * recorder and the engine's connection for fc. */
typedef struct fixture {
    int lfd, ufd;
    vw_evloop *loop;
    vw_recorder *r;
    vw_rec_conn *rc;
} fixture;

static bool setup(fixture *fx, vw_trace_protocol protocol, const vw_rec_client_ops *ops,
                  fake_client *fc)
{
    char err[256];
    fx->lfd = listen_upstream();
    fx->loop = vw_evloop_create(64, err, sizeof(err));
    fx->r = new_recorder(protocol);
    fc->trace = trace_path;
    fx->rc = fx->r ? vw_rec_conn_open(fx->r, fx->loop, 1, ops, fc, err, sizeof(err)) : NULL;
    CHECK(fx->lfd >= 0 && fx->loop && fx->r && fx->rc);
    if (!fx->rc)
        return false;
    fx->ufd = accept(fx->lfd, NULL, NULL);
    vw_netaddr_set_nonblock(fx->ufd, 1, err, sizeof(err));
    return true;
}

static void teardown(fixture *fx)
{
    CHECK_EQ_INT(vw_recorder_free(fx->r), 0);
    vw_evloop_free(fx->loop);
    if (fx->ufd >= 0)
        close(fx->ufd);
    close(fx->lfd);
    unlink(sock_path);
    unlink(trace_path);
}

static void test_libvirt_record_before_forward(void)
{
    fake_client fc = { 0 };
    fixture fx;
    if (!setup(&fx, VW_TRACE_LIBVIRT, &raw_ops, &fc))
        return;
    vw_evloop *loop = fx.loop;
    vw_rec_conn *rc = fx.rc;
    int ufd = fx.ufd;
    uint8_t two[56], got[56];
    packet(two, 1);
    packet(two + 28, 2);
    CHECK_EQ_INT(vw_rec_conn_client_bytes(rc, two, 30), 30);   /* one and a bit */
    CHECK_EQ_INT(vw_rec_conn_client_bytes(rc, two + 30, 26), 26);
    CHECK_EQ_INT(upstream_read(loop, ufd, got, 56), 56);
    CHECK_EQ_MEM(got, two, 56);
    /* the upstream has them: so the file has their records */
    CHECK_EQ_INT(count_records(trace_path, "c2s", VW_TRACE_MESSAGE, NULL), 2);
    /* the reply: recorded before the client is handed it */
    CHECK_EQ_INT(send(ufd, two, 28, 0), 28);
    for (int i = 0; i < 200 && fc.sends == 0; i++)
        vw_evloop_process(loop, 10);
    CHECK_EQ_INT(fc.sends, 1);
    CHECK_EQ_INT(fc.s2c_records_at_send, 1);
    CHECK_EQ_MEM(fc.got, two, 28);
    /* the upstream closes: the client is finished with, the close says "server" */
    close(ufd);
    fx.ufd = -1;
    for (int i = 0; i < 200 && !fc.finished; i++)
        vw_evloop_process(loop, 10);
    CHECK(fc.finished);
    vw_rec_conn_client_closed(rc, NULL);
    const char *by = NULL;
    CHECK_EQ_INT(count_records(trace_path, NULL, VW_TRACE_CLOSE, &by), 1);
    CHECK_EQ_STR(by, "server");
    teardown(&fx);
}

static void test_qmp_intercept_and_pass_on(void)
{
    fake_client fc = { 0 };
    fixture fx;
    if (!setup(&fx, VW_TRACE_QMP, &qmp_ops, &fc))
        return;
    vw_evloop *loop = fx.loop;
    vw_recorder *r = fx.r;
    vw_rec_conn *rc = fx.rc;
    int ufd = fx.ufd;
    static const char in[] = "{\"execute\":\"stubbed\"}\r\n{\"execute\":\"real\"}\r\n";
    size_t n = strlen(in);
    CHECK_EQ_INT(vw_rec_conn_client_bytes(rc, (const uint8_t *)in, n), n);
    CHECK_EQ_INT(fc.taken, 1);
    uint8_t got[128];
    size_t real = n - 23;
    CHECK_EQ_INT(upstream_read(loop, ufd, got, real), real);
    CHECK_EQ_MEM(got, in + 23, real);
    CHECK_EQ_INT(count_records(trace_path, "c2s", VW_TRACE_MESSAGE, NULL), 1);
    vw_rec_conn_pass_on(rc);        /* the stub lets the command through after all */
    CHECK_EQ_INT(upstream_read(loop, ufd, got, 23), 23);
    CHECK_EQ_MEM(got, in, 23);
    CHECK_EQ_INT(count_records(trace_path, "c2s", VW_TRACE_MESSAGE, NULL), 2);
    /* a slow client: the upstream is not read while the client's queue is full */
    fc.held = true;
    CHECK_EQ_INT(send(ufd, "{\"a\": 1}\r\n", 10, 0), 10);
    for (int i = 0; i < 50 && fc.sends < 1; i++)
        vw_evloop_process(loop, 10);
    CHECK_EQ_INT(send(ufd, "{\"b\": 2}\r\n", 10, 0), 10);
    for (int i = 0; i < 10; i++)
        vw_evloop_process(loop, 10);
    CHECK_EQ_INT(fc.sends, 1);                  /* paused */
    fc.held = false;
    vw_rec_conn_client_drained(rc);
    for (int i = 0; i < 50 && fc.sends < 2; i++)
        vw_evloop_process(loop, 10);
    CHECK_EQ_INT(fc.sends, 2);
    CHECK_EQ_INT(fc.got_len, 20);
    vw_recorder_stopping(r);
    vw_rec_conn_client_closed(rc, NULL);
    const char *by = NULL;
    CHECK_EQ_INT(count_records(trace_path, NULL, VW_TRACE_CLOSE, &by), 1);
    CHECK_EQ_STR(by, "end");
    teardown(&fx);
}

static void test_unreachable(void)
{
    snprintf(sock_path, sizeof(sock_path), "/tmp/vw-test-recp-none-%d.sock", (int)getpid());
    snprintf(trace_path, sizeof(trace_path), "/tmp/vw-test-recp-%d.trace", (int)getpid());
    char spec[128], err[256];
    snprintf(spec, sizeof(spec), "unix:%s", sock_path);
    vw_record_options o = { .protocol = VW_TRACE_QMP, .trace_path = trace_path, .upstream = spec,
                            .tool = "test", .who = "test", .probe = true };
    vw_record_failure why;
    CHECK(vw_recorder_new(&o, &why, err, sizeof(err)) == NULL);
    CHECK_EQ_INT(why, VW_RECORD_UNREACHABLE);
    o.upstream = "nowhere";
    CHECK(vw_recorder_new(&o, &why, err, sizeof(err)) == NULL);
    CHECK_EQ_INT(why, VW_RECORD_BAD_UPSTREAM);
}

int main(void)
{
    RUN(test_libvirt_record_before_forward);
    RUN(test_qmp_intercept_and_pass_on);
    RUN(test_unreachable);
    return vwtest_summary("record_proxy");
}
