/* test_evloop.c: unit tests of common/evloop (file events, timers) and common/netaddr. */
#include "acceptor.h"
#include "evloop.h"
#include "netaddr.h"
#include "vwtest.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    int reads;
    int writes;
    char buf[64];
    size_t len;
} io_state;

static void on_read(vw_evloop *loop, int fd, void *cd, int mask)
{
    (void)loop;
    io_state *st = cd;
    CHECK(mask == VW_EV_READABLE);
    ssize_t n = read(fd, st->buf + st->len, sizeof(st->buf) - st->len);
    if (n > 0)
        st->len += (size_t)n;
    st->reads++;
}

static void on_write_once(vw_evloop *loop, int fd, void *cd, int mask)
{
    io_state *st = cd;
    CHECK(mask == VW_EV_WRITABLE);
    CHECK(write(fd, "hello", 5) == 5);
    st->writes++;
    vw_evloop_del_file(loop, fd, VW_EV_WRITABLE);
}

static void test_file_events(void)
{
    char err[256];
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    vw_evloop *loop = vw_evloop_create(4, err, sizeof(err));
    CHECK(loop != NULL);
    io_state rd = { 0 }, wr = { 0 };
    CHECK(vw_evloop_add_file(loop, sv[0], VW_EV_READABLE, on_read, &rd) == 0);
    CHECK(vw_evloop_add_file(loop, sv[1], VW_EV_WRITABLE, on_write_once, &wr) == 0);
    CHECK_EQ_INT(vw_evloop_get_file_mask(loop, sv[1]), VW_EV_WRITABLE);
    for (int i = 0; i < 10 && rd.len < 5; i++)
        CHECK(vw_evloop_process(loop, 1000) >= 0);
    CHECK_EQ_INT(wr.writes, 1);
    CHECK_EQ_INT(vw_evloop_get_file_mask(loop, sv[1]), VW_EV_NONE);
    CHECK_EQ_INT(rd.len, 5);
    CHECK_EQ_MEM(rd.buf, "hello", 5);
    /* Nothing ready, zero timeout: nothing runs. */
    CHECK_EQ_INT(vw_evloop_process(loop, 0), 0);
    /* EOF reaches the reader. */
    close(sv[1]);
    int before = rd.reads;
    CHECK(vw_evloop_process(loop, 1000) >= 1);
    CHECK(rd.reads > before);
    vw_evloop_del_file(loop, sv[0], VW_EV_READABLE | VW_EV_WRITABLE);
    close(sv[0]);
    vw_evloop_free(loop);
}

static void test_bad_arguments(void)
{
    char err[256];
    io_state st = { 0 };
    vw_evloop *loop = vw_evloop_create(0, err, sizeof(err));
    CHECK(loop != NULL);
    CHECK(vw_evloop_add_file(loop, -1, VW_EV_READABLE, on_read, &st) == -1);
    CHECK(vw_evloop_add_file(loop, 0, 0, on_read, &st) == -1);
    CHECK(vw_evloop_add_file(loop, 0, 8, on_read, &st) == -1);
    CHECK(vw_evloop_del_timer(loop, 12345) == -1);
    vw_evloop_del_file(loop, 999999, VW_EV_READABLE);   /* ignored */
    CHECK_EQ_INT(vw_evloop_get_file_mask(loop, 999999), VW_EV_NONE);
    vw_evloop_free(loop);
}

static void test_high_fd_grows_table(void)
{
    char err[256];
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    int high = dup2(sv[0], 200);
    CHECK(high == 200);
    vw_evloop *loop = vw_evloop_create(16, err, sizeof(err));
    io_state st = { 0 };
    CHECK(vw_evloop_add_file(loop, high, VW_EV_READABLE, on_read, &st) == 0);
    CHECK(write(sv[1], "x", 1) == 1);
    CHECK(vw_evloop_process(loop, 1000) == 1);
    CHECK_EQ_INT(st.len, 1);
    vw_evloop_del_file(loop, high, VW_EV_READABLE);
    vw_evloop_free(loop);
    close(high);
    close(sv[0]);
    close(sv[1]);
}

typedef struct {
    int fired;
    int finalized;
    int repeat;
    long long other;   /* a timer id to delete from inside the callback */
} timer_state;

static long long on_timer(vw_evloop *loop, long long id, void *cd)
{
    (void)id;
    timer_state *ts = cd;
    ts->fired++;
    if (ts->other >= 0) {
        CHECK(vw_evloop_del_timer(loop, ts->other) == 0);
        ts->other = -1;
    }
    if (ts->fired < ts->repeat)
        return 1;
    return VW_EV_NOMORE;
}

static void on_finalize(vw_evloop *loop, void *cd)
{
    (void)loop;
    ((timer_state *)cd)->finalized++;
}

static long long stop_timer(vw_evloop *loop, long long id, void *cd)
{
    (void)id;
    (*(int *)cd)++;
    vw_evloop_stop(loop);
    return VW_EV_NOMORE;
}

static void test_timers(void)
{
    char err[256];
    vw_evloop *loop = vw_evloop_create(16, err, sizeof(err));
    timer_state once = { .repeat = 1, .other = -1 };
    timer_state thrice = { .repeat = 3, .other = -1 };
    timer_state victim = { .repeat = 1, .other = -1 };
    long long victim_id = vw_evloop_add_timer(loop, 10000, on_timer, &victim, on_finalize);
    timer_state killer = { .repeat = 1, .other = victim_id };
    CHECK(victim_id >= 0);
    CHECK(vw_evloop_add_timer(loop, 0, on_timer, &once, on_finalize) >= 0);
    CHECK(vw_evloop_add_timer(loop, 1, on_timer, &thrice, on_finalize) >= 0);
    CHECK(vw_evloop_add_timer(loop, 2, on_timer, &killer, NULL) >= 0);
    int stops = 0;
    CHECK(vw_evloop_add_timer(loop, 30, stop_timer, &stops, NULL) >= 0);
    CHECK(vw_evloop_run(loop) == 0);
    CHECK_EQ_INT(stops, 1);
    CHECK_EQ_INT(once.fired, 1);
    CHECK_EQ_INT(once.finalized, 1);
    CHECK_EQ_INT(thrice.fired, 3);
    CHECK_EQ_INT(thrice.finalized, 1);
    CHECK_EQ_INT(killer.fired, 1);
    CHECK_EQ_INT(victim.fired, 0);
    CHECK_EQ_INT(victim.finalized, 1);
    /* A timer still pending at free time is finalized by vw_evloop_free. */
    timer_state pending = { .repeat = 1, .other = -1 };
    CHECK(vw_evloop_add_timer(loop, 100000, on_timer, &pending, on_finalize) >= 0);
    vw_evloop_free(loop);
    CHECK_EQ_INT(pending.fired, 0);
    CHECK_EQ_INT(pending.finalized, 1);
}

static long long self_delete(vw_evloop *loop, long long id, void *cd)
{
    (*(int *)cd)++;
    CHECK(vw_evloop_del_timer(loop, id) == 0);
    return 0;   /* ignored: the timer is already deleted */
}

static void test_timer_deletes_itself(void)
{
    char err[256];
    vw_evloop *loop = vw_evloop_create(16, err, sizeof(err));
    int count = 0;
    CHECK(vw_evloop_add_timer(loop, 0, self_delete, &count, NULL) >= 0);
    for (int i = 0; i < 5; i++)
        vw_evloop_process(loop, 0);
    CHECK_EQ_INT(count, 1);
    vw_evloop_free(loop);
}

typedef struct {
    int fd_other;
    int *runs;
} cross_state;

static void on_read_delete_other(vw_evloop *loop, int fd, void *cd, int mask)
{
    (void)fd;
    (void)mask;
    cross_state *st = cd;
    (*st->runs)++;
    vw_evloop_del_file(loop, st->fd_other, VW_EV_READABLE);
}

/* Both fds are ready in the same epoll batch; whichever callback runs first unregisters the
 * other, which then must not run. */
static void test_delete_other_fd_in_same_batch(void)
{
    char err[256];
    int a[2], b[2], runs = 0;
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
    vw_evloop *loop = vw_evloop_create(16, err, sizeof(err));
    cross_state sa = { b[0], &runs }, sb = { a[0], &runs };
    CHECK(vw_evloop_add_file(loop, a[0], VW_EV_READABLE, on_read_delete_other, &sa) == 0);
    CHECK(vw_evloop_add_file(loop, b[0], VW_EV_READABLE, on_read_delete_other, &sb) == 0);
    CHECK(write(a[1], "x", 1) == 1);
    CHECK(write(b[1], "y", 1) == 1);
    CHECK_EQ_INT(vw_evloop_process(loop, 1000), 1);
    CHECK_EQ_INT(runs, 1);
    CHECK_EQ_INT(vw_evloop_get_file_mask(loop, a[0]) + vw_evloop_get_file_mask(loop, b[0]),
                 VW_EV_READABLE);
    vw_evloop_free(loop);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
}

static void test_netaddr_parse(void)
{
    char err[256];
    vw_netaddr a;
    CHECK(vw_netaddr_parse("unix:/tmp/x.sock", &a, err, sizeof(err)) == 0);
    CHECK_EQ_INT(a.kind, VW_NETADDR_UNIX);
    CHECK_EQ_STR(a.path, "/tmp/x.sock");
    CHECK(vw_netaddr_parse("tcp:127.0.0.1:4444", &a, err, sizeof(err)) == 0);
    CHECK_EQ_INT(a.kind, VW_NETADDR_TCP);
    CHECK_EQ_STR(a.host, "127.0.0.1");
    CHECK_EQ_INT(a.port, 4444);
    CHECK(vw_netaddr_parse("tcp:[::1]:80", &a, err, sizeof(err)) == 0);
    CHECK_EQ_STR(a.host, "::1");
    CHECK_EQ_INT(a.port, 80);
    char buf[128];
    CHECK_EQ_STR(vw_netaddr_format(&a, buf, sizeof(buf)), "tcp:[::1]:80");
    CHECK(vw_netaddr_parse("unix:", &a, err, sizeof(err)) == -1);
    CHECK(strstr(err, "empty socket path") != NULL);
    CHECK(vw_netaddr_parse("tcp:host", &a, err, sizeof(err)) == -1);
    CHECK(strstr(err, "missing port") != NULL);
    CHECK(vw_netaddr_parse("tcp:host:99999", &a, err, sizeof(err)) == -1);
    CHECK(vw_netaddr_parse("tcp:host:12x", &a, err, sizeof(err)) == -1);
    CHECK(vw_netaddr_parse("tcp::12", &a, err, sizeof(err)) == -1);
    CHECK(vw_netaddr_parse("udp:x", &a, err, sizeof(err)) == -1);
    CHECK(strstr(err, "unknown kind") != NULL);
    char longpath[300];
    memset(longpath, 'a', sizeof(longpath));
    memcpy(longpath, "unix:", 5);
    longpath[sizeof(longpath) - 1] = '\0';
    CHECK(vw_netaddr_parse(longpath, &a, err, sizeof(err)) == -1);
}

static void test_netaddr_unix_listen(void)
{
    char err[256], dir[] = "/tmp/vw-evloop-XXXXXX", path[200], spec[220];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/s", dir);
    snprintf(spec, sizeof(spec), "unix:%s", path);
    vw_netaddr a;
    CHECK(vw_netaddr_parse(spec, &a, err, sizeof(err)) == 0);
    int lfd = vw_netaddr_listen(&a, 4, err, sizeof(err));
    CHECK(lfd >= 0);
    /* A live socket is not clobbered. */
    CHECK(vw_netaddr_listen(&a, 4, err, sizeof(err)) == -1);
    CHECK(strstr(err, "in use") != NULL);
    /* The liveness probe left one connection behind; after it, nothing is pending. */
    int probe = vw_netaddr_accept(lfd, err, sizeof(err));
    CHECK(probe >= 0);
    close(probe);
    CHECK_EQ_INT(vw_netaddr_accept(lfd, err, sizeof(err)), -2);
    int cfd = vw_netaddr_connect(&a, 1000, err, sizeof(err));
    CHECK(cfd >= 0);
    int afd = vw_netaddr_accept(lfd, err, sizeof(err));
    CHECK(afd >= 0);
    CHECK(write(cfd, "ab", 2) == 2);
    close(afd);
    close(cfd);
    close(lfd);
    /* The socket file is now stale: it gets replaced. */
    lfd = vw_netaddr_listen(&a, 4, err, sizeof(err));
    CHECK(lfd >= 0);
    close(lfd);
    unlink(path);
    /* A regular file is refused. */
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    CHECK(vw_netaddr_listen(&a, 4, err, sizeof(err)) == -1);
    CHECK(strstr(err, "not a socket") != NULL);
    unlink(path);
    /* Nobody listening: connect fails with a message. */
    CHECK(vw_netaddr_connect(&a, 500, err, sizeof(err)) == -1);
    CHECK(strstr(err, "connect") != NULL);
    rmdir(dir);
}

static void test_netaddr_tcp_listen(void)
{
    char err[256];
    vw_netaddr a;
    CHECK(vw_netaddr_parse("tcp:127.0.0.1:0", &a, err, sizeof(err)) == 0);
    int lfd = vw_netaddr_listen(&a, 4, err, sizeof(err));
    CHECK(lfd >= 0);
    int port = vw_netaddr_local_port(lfd);
    CHECK(port > 0);
    a.port = port;
    int cfd = vw_netaddr_connect(&a, 1000, err, sizeof(err));
    CHECK(cfd >= 0);
    close(cfd);
    close(lfd);
}

/* ---- acceptor: out of descriptors, hold ---- */

typedef struct {
    vw_acceptor acc;
    int wakeups;
    int accepted;
} accept_ctx;

static void on_ready(vw_evloop *loop, int fd, void *data, int mask)
{
    (void)loop;
    (void)fd;
    (void)mask;
    accept_ctx *ctx = data;
    char err[256];
    ctx->wakeups++;
    int cfd = vw_acceptor_accept(&ctx->acc, err, sizeof(err));
    if (cfd >= 0)
        ctx->accepted = cfd;
}

/* Loop rounds for about ms milliseconds of monotonic time. */
static void spin_for(vw_evloop *loop, long long ms)
{
    long long end = vw_evloop_now_ms() + ms;
    while (vw_evloop_now_ms() < end)
        vw_evloop_process(loop, 20);
}

static void test_acceptor_rests_when_out_of_descriptors(void)
{
    char err[256], dir[] = "/tmp/vw-acceptor-XXXXXX", spec[220];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(spec, sizeof(spec), "unix:%s/s", dir);
    vw_netaddr a;
    CHECK(vw_netaddr_parse(spec, &a, err, sizeof(err)) == 0);
    int lfd = vw_netaddr_listen(&a, 4, err, sizeof(err));
    vw_evloop *loop = vw_evloop_create(64, err, sizeof(err));
    accept_ctx ctx = {.accepted = -1};
    CHECK(lfd >= 0 && loop != NULL);
    CHECK(vw_acceptor_init(&ctx.acc, loop, lfd, on_ready, &ctx, "test") == 0);
    int cfd = vw_netaddr_connect(&a, 1000, err, sizeof(err));
    CHECK(cfd >= 0);
    /* no descriptor left for accept: the next free number is the limit */
    struct rlimit old, low;
    CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0);
    int next = dup(0);
    close(next);
    low.rlim_cur = (rlim_t)next;
    low.rlim_max = old.rlim_max;
    CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
    spin_for(loop, 300);
    /* a level-triggered loop woke thousands of times here; resting, once per 100 ms */
    CHECK(ctx.wakeups >= 1 && ctx.wakeups < 20);
    CHECK_EQ_INT(ctx.acc.episodes, 1);
    CHECK_EQ_INT(ctx.accepted, -1);
    CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
    for (int i = 0; i < 50 && ctx.accepted < 0; i++)
        vw_evloop_process(loop, 50);
    CHECK(ctx.accepted >= 0);
    CHECK(!ctx.acc.starved);
    close(ctx.accepted);
    close(cfd);
    /* held: a pending client is not even looked at until the hold ends */
    vw_acceptor_hold(&ctx.acc, true);
    ctx.accepted = -1;
    int before = ctx.wakeups;
    cfd = vw_netaddr_connect(&a, 1000, err, sizeof(err));
    for (int i = 0; i < 3; i++)
        vw_evloop_process(loop, 20);
    CHECK_EQ_INT(ctx.wakeups, before);
    vw_acceptor_hold(&ctx.acc, false);
    for (int i = 0; i < 50 && ctx.accepted < 0; i++)
        vw_evloop_process(loop, 50);
    CHECK(ctx.accepted >= 0);
    close(ctx.accepted);
    close(cfd);
    vw_acceptor_fini(&ctx.acc);
    vw_evloop_free(loop);
    close(lfd);
    unlink(a.path);
    rmdir(dir);
}

int main(void)
{
    RUN(test_file_events);
    RUN(test_bad_arguments);
    RUN(test_high_fd_grows_table);
    RUN(test_timers);
    RUN(test_timer_deletes_itself);
    RUN(test_delete_other_fd_in_same_batch);
    RUN(test_netaddr_parse);
    RUN(test_netaddr_unix_listen);
    RUN(test_netaddr_tcp_listen);
    RUN(test_acceptor_rests_when_out_of_descriptors);
    return vwtest_summary("evloop");
}
