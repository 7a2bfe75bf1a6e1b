/* test_client_hostile.c: the client library against peers and callers that push its limits: a
 * flood of large events while the callback is busy (the event queue is bounded in bytes, not only
 * in count), two threads deregistering the same callback at once, vw_conn_close while output
 * is still queued behind a server that reads slowly (CONNECT_CLOSE must still go out and its reply
 * be read), and a unix socket whose accept queue is full (a clear timeout, not a connection that
 * only looks open). */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "libvirt_client.h"
#include "client_peer.h"
#include "vwtest.h"

static void sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int wait_sem(sem_t *sem, int seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += seconds;
    return sem_timedwait(sem, &ts);
}

static void reply_register(client_peer *peer, int id)
{
    vw_packet_header hdr;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM,
                                VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, &hdr,
                                NULL, NULL) < 0)
        return;
    vw_connect_domain_event_callback_register_any_ret reg = { .callbackID = id };
    client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_connect_domain_event_callback_register_any_ret,
                      &reg);
}

static void send_lifecycle(client_peer *peer, int id, char *name)
{
    vw_domain_event_callback_lifecycle_msg ev;
    memset(&ev, 0, sizeof(ev));
    ev.callbackID = id;
    ev.msg.dom.name = name;
    ev.msg.event = 2;
    client_peer_send(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
                     VW_NET_MESSAGE, 0, VW_NET_OK,
                     (xdrproc_t)xdr_vw_domain_event_callback_lifecycle_msg, &ev);
}

/* ---- an event flood is bounded in bytes ---------------------------------------------------------- */

#define FLOOD_EVENTS 48
#define FLOOD_NAME_LEN (1u << 20)   /* 1 MiB domain names: 48 MiB in all */

static void script_flood(client_peer *peer, void *opaque)
{
    (void)opaque;
    vw_packet_header hdr;
    if (client_peer_handshake(peer, false) < 0)
        return;
    reply_register(peer, 5);
    send_lifecycle(peer, 5, "first");              /* the callback blocks on this one */
    char *big = malloc(FLOOD_NAME_LEN + 1);
    if (!big) {
        peer->failures++;
        return;
    }
    memset(big, 'x', FLOOD_NAME_LEN);
    big[FLOOD_NAME_LEN] = '\0';
    for (int i = 0; i < FLOOD_EVENTS; i++)
        send_lifecycle(peer, 5, big);
    free(big);
    /* the reply comes after every event, so the client has handled them all when it returns */
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION,
                                &hdr, NULL, NULL) == 0) {
        vw_connect_get_lib_version_ret ret = { .lib_ver = 1 };
        client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_connect_get_lib_version_ret, &ret);
    }
    client_peer_serve_close(peer);
}

struct flood_cb {
    sem_t entered, release;
    int calls;
};

static void on_flood_event(vw_conn *conn, const vw_client_domain *dom, int event, int detail,
                           void *opaque)
{
    (void)conn;
    (void)dom;
    (void)event;
    (void)detail;
    struct flood_cb *cb = opaque;
    if (__atomic_fetch_add(&cb->calls, 1, __ATOMIC_SEQ_CST) == 0) {
        sem_post(&cb->entered);
        wait_sem(&cb->release, 20);
    }
}

static void test_event_flood_bounded(void)
{
    client_peer *peer = client_peer_start(script_flood, NULL);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 20000, 0, 5, 0);
    CHECK(conn != NULL);
    if (conn) {
        struct flood_cb cb;
        memset(&cb, 0, sizeof(cb));
        sem_init(&cb.entered, 0, 0);
        sem_init(&cb.release, 0, 0);
        int id = -1;
        vw_virerror err = { 0 };
        CHECK_EQ_INT(vw_domain_event_lifecycle_register(conn, NULL, on_flood_event, &cb, &id, &err),
                     0);
        CHECK_EQ_INT(wait_sem(&cb.entered, 10), 0);
        uint64_t v = 0;
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, &err), 0);
        vw_virerror_clear(&err);
        vw_conn_stats st;
        vw_conn_get_stats(conn, &st);
        /* 48 MiB of events behind a busy callback: the queue keeps at most its byte limit */
        CHECK(st.events_dropped > 0);
        CHECK(st.events_dropped < FLOOD_EVENTS);   /* but it does keep some */
        sem_post(&cb.release);
        for (int i = 0; i < 200; i++) {
            vw_conn_get_stats(conn, &st);
            if (st.events_delivered + st.events_dropped >= FLOOD_EVENTS + 1)
                break;
            sleep_ms(50);
        }
        CHECK_EQ_INT(st.events_delivered + st.events_dropped, FLOOD_EVENTS + 1);
        CHECK_EQ_INT(st.events_delivered, __atomic_load_n(&cb.calls, __ATOMIC_SEQ_CST));
        vw_conn_close(conn, NULL);
        sem_destroy(&cb.entered);
        sem_destroy(&cb.release);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

/* ---- two threads deregister the same callback ------------------------------------------------------ */

struct dereg_sync {
    sem_t first_arrived, answer_first;
};

static void script_double_deregister(client_peer *peer, void *opaque)
{
    struct dereg_sync *sync = opaque;
    vw_packet_header first;
    if (client_peer_handshake(peer, false) < 0)
        return;
    reply_register(peer, 5);
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM,
                                VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, &first,
                                NULL, NULL) < 0)
        return;
    sem_post(&sync->first_arrived);
    if (wait_sem(&sync->answer_first, 20) != 0) {
        peer->failures++;
        return;
    }
    client_peer_reply(peer, &first, NULL, NULL);
    /* A correct client sends only CONNECT_CLOSE now; a broken one also a second DEREGISTER for
     * the same id (answered too, so that the test fails on its checks, not on a hang). */
    for (;;) {
        vw_packet_header hdr;
        uint8_t *data = NULL;
        int r = client_peer_read(peer, &hdr, &data, NULL, 10000);
        free(data);
        if (r != 1)
            return;
        if (hdr.type == VW_NET_CALL)
            client_peer_reply(peer, &hdr, NULL, NULL);
    }
}

static void on_nothing(vw_conn *conn, const vw_client_domain *dom, int event, int detail,
                       void *opaque)
{
    (void)conn;
    (void)dom;
    (void)event;
    (void)detail;
    (void)opaque;
}

struct dereg_job {
    vw_conn *conn;
    int id, rc;
};

static void *dereg_thread(void *opaque)
{
    struct dereg_job *job = opaque;
    job->rc = vw_domain_event_lifecycle_deregister(job->conn, job->id, NULL);
    return NULL;
}

static void test_double_deregister(void)
{
    struct dereg_sync sync;
    sem_init(&sync.first_arrived, 0, 0);
    sem_init(&sync.answer_first, 0, 0);
    client_peer *peer = client_peer_start(script_double_deregister, &sync);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 3000, 0, 5, 0);
    CHECK(conn != NULL);
    if (conn) {
        int id = -1;
        vw_virerror err = { 0 };
        CHECK_EQ_INT(vw_domain_event_lifecycle_register(conn, NULL, on_nothing, NULL, &id, &err), 0);
        struct dereg_job job = { conn, id, 1 };
        pthread_t t;
        pthread_create(&t, NULL, dereg_thread, &job);
        CHECK_EQ_INT(wait_sem(&sync.first_arrived, 10), 0);
        /* the first deregister is in flight: the second one must not touch the same record */
        CHECK_EQ_INT(vw_domain_event_lifecycle_deregister(conn, id, &err), -1);
        CHECK_EQ_INT(err.code, VW_ERR_INVALID_ARG);
        vw_virerror_clear(&err);
        sem_post(&sync.answer_first);
        pthread_join(t, NULL);
        CHECK_EQ_INT(job.rc, 0);
        CHECK_EQ_INT(vw_conn_close(conn, NULL), 0);
    } else {
        sem_post(&sync.answer_first);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
    sem_destroy(&sync.first_arrived);
    sem_destroy(&sync.answer_first);
}

/* ---- close while output is still queued ------------------------------------------------------------ */

#define BIG_PAYLOAD (2u << 20)   /* far more than a unix socket buffers */

static void script_slow_reader_close(client_peer *peer, void *opaque)
{
    sem_t *closing = opaque;
    vw_packet_header hdr;
    size_t len = 0;
    if (client_peer_handshake(peer, false) < 0)
        return;
    if (wait_sem(closing, 20) != 0) {
        peer->failures++;
        return;
    }
    sleep_ms(300);                 /* vw_conn_close has queued CONNECT_CLOSE behind the big call */
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, 999, &hdr, NULL, &len) < 0)
        return;
    if (len != BIG_PAYLOAD)
        peer->failures++;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_CLOSE, &hdr, NULL,
                                NULL) == 0)
        client_peer_reply(peer, &hdr, NULL, NULL);
    client_peer_drain_until_eof(peer);
}

static void test_close_behind_queued_output(void)
{
    sem_t closing;
    sem_init(&closing, 0, 0);
    client_peer *peer = client_peer_start(script_slow_reader_close, &closing);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 10000, 0, 5, 0);
    CHECK(conn != NULL);
    if (conn) {
        unsigned char *big = calloc(1, BIG_PAYLOAD);
        void *reply = NULL;
        size_t reply_len = 0;
        vw_virerror err = { 0 };
        vw_conn_set_call_timeout(conn, 500);
        CHECK_EQ_INT(vw_call_raw(conn, VW_REMOTE_PROGRAM, 999, big, BIG_PAYLOAD, &reply,
                                 &reply_len, &err), -1);
        CHECK_EQ_INT(err.code, VW_ERR_OPERATION_TIMEOUT);
        vw_virerror_clear(&err);
        free(big);
        vw_conn_set_call_timeout(conn, 10000);
        sem_post(&closing);
        /* the rest of the big call and CONNECT_CLOSE still go out; the reply is read */
        CHECK_EQ_INT(vw_conn_close(conn, &err), 0);
        if (err.message)
            fprintf(stderr, "vw_conn_close: %s\n", err.message);
        vw_virerror_clear(&err);
    } else {
        sem_post(&closing);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
    sem_destroy(&closing);
}

/* ---- a unix socket whose accept queue is full ---------------------------------------------------- */

static void test_unix_backlog_full(void)
{
    char dir[] = "/tmp/vw-backlog-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[80], uri[160];
    snprintf(path, sizeof(path), "%s/sock", dir);
    snprintf(uri, sizeof(uri), "test+unix:///default?socket=%s", path);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(lfd >= 0);
    CHECK_EQ_INT(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    CHECK_EQ_INT(listen(lfd, 0), 0);       /* nobody ever accepts */
    int filler = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    CHECK(filler >= 0);
    CHECK_EQ_INT(connect(filler, (struct sockaddr *)&addr, sizeof(addr)), 0);   /* queue now full */

    vw_conn_options opts;
    vw_conn_options_init(&opts);
    opts.connect_timeout_ms = 300;
    vw_virerror err = { 0 };
    vw_conn *conn = vw_conn_open(uri, &opts, &err);
    CHECK(conn == NULL);
    CHECK_EQ_INT(err.code, VW_ERR_NO_CONNECT);
    CHECK(err.message && strstr(err.message, path) && strstr(err.message, "timed out"));
    if (err.message)
        fprintf(stderr, "(expected) %s\n", err.message);
    vw_virerror_clear(&err);
    if (conn)
        vw_conn_close(conn, NULL);
    close(filler);
    close(lfd);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    RUN(test_event_flood_bounded);
    RUN(test_double_deregister);
    RUN(test_close_behind_queued_output);
    RUN(test_unix_backlog_full);
    return vwtest_summary("client_hostile");
}
