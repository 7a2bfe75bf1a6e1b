/* test_client_handoff.c: the client's leader/follower read path (client/lv_read.c) against an
 * in-test fake libvirtd (client_peer.h): many threads whose replies come back shuffled, the
 * leader timing out while followers wait, the connection dying while the read role changes
 * hands, and an event arriving while a call reads the socket (delivered on the event thread,
 * and a callback that blocks holds up no call). */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libvirt_client.h"
#include "client_peer.h"
#include "vwtest.h"

/* Starts the peer with SCRIPT and connects to it (keepalive every 5 s); NULL (a failed check)
 * when either fails, with *peer_out set to the peer to finish, or NULL. */
static vw_conn *open_peer(client_peer_script script, int call_timeout_ms, client_peer **peer_out)
{
    client_peer *peer = client_peer_start(script, NULL);
    *peer_out = peer;
    CHECK(peer != NULL);
    if (!peer)
        return NULL;
    vw_conn *conn = client_peer_connect(peer, call_timeout_ms, 5, 5, 0);
    CHECK(conn != NULL);
    return conn;
}

/* ---- many threads, replies shuffled --------------------------------------------------------- */

#define SHUFFLE_THREADS 8
#define SHUFFLE_CALLS 150
#define SHUFFLE_BATCH 64

struct pending_lookup {
    vw_packet_header hdr;
    char name[32];
};

/* Collects every call that is there (the first one waited for), then answers the batch in
 * reverse order: every reply but the last reaches a thread that is not the one reading. */
static void script_shuffle(client_peer *peer, void *opaque)
{
    (void)opaque;
    if (client_peer_handshake(peer, false) < 0)
        return;
    struct pending_lookup batch[SHUFFLE_BATCH];
    int answered = 0;
    while (answered < SHUFFLE_THREADS * SHUFFLE_CALLS) {
        int n = 0;
        while (n < SHUFFLE_BATCH) {
            uint8_t *payload = NULL;
            size_t len = 0;
            int rc = client_peer_read(peer, &batch[n].hdr, &payload, &len, n == 0 ? 20000 : 5);
            if (rc != 1) {
                if (n == 0) {
                    peer->failures++;
                    return;
                }
                break;
            }
            vw_domain_lookup_by_name_args args;
            batch[n].name[0] = '\0';
            if (batch[n].hdr.proc == VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME &&
                vw_xdr_decode(payload, len, (xdrproc_t)xdr_vw_domain_lookup_by_name_args, &args,
                              sizeof(args), VW_DECODE_STRICT, NULL) == 0) {
                snprintf(batch[n].name, sizeof(batch[n].name), "%s", args.name);
                vw_xdr_free((xdrproc_t)xdr_vw_domain_lookup_by_name_args, &args);
            } else {
                peer->failures++;
            }
            free(payload);
            n++;
        }
        for (int i = n - 1; i >= 0; i--) {
            vw_domain_lookup_by_name_ret ret;
            memset(&ret, 0, sizeof(ret));
            ret.dom.name = batch[i].name;
            ret.dom.id = (int)batch[i].hdr.serial;   /* the thread checks its own serial came back */
            client_peer_reply(peer, &batch[i].hdr, (xdrproc_t)xdr_vw_domain_lookup_by_name_ret,
                              &ret);
        }
        answered += n;
    }
    client_peer_serve_close(peer);
}

struct shuffle_job {
    vw_conn *conn;
    int index;
    int ok, bad;
};

static void *shuffle_thread(void *opaque)
{
    struct shuffle_job *job = opaque;
    for (int i = 0; i < SHUFFLE_CALLS; i++) {
        char name[32];
        snprintf(name, sizeof(name), "t%d-call%d", job->index, i);
        vw_client_domain dom = { 0 };
        vw_virerror err = { 0 };
        if (vw_domain_lookup_by_name(job->conn, name, &dom, &err) == 0 && dom.name &&
            strcmp(dom.name, name) == 0)
            job->ok++;
        else
            job->bad++;
        vw_client_domain_clear(&dom);
        vw_virerror_clear(&err);
    }
    return NULL;
}

static void test_many_threads_shuffled(void)
{
    client_peer *peer = NULL;
    vw_conn *conn = open_peer(script_shuffle, 30000, &peer);
    if (!peer)
        return;
    if (conn) {
        pthread_t threads[SHUFFLE_THREADS];
        struct shuffle_job jobs[SHUFFLE_THREADS];
        for (int i = 0; i < SHUFFLE_THREADS; i++) {
            jobs[i] = (struct shuffle_job){ .conn = conn, .index = i };
            pthread_create(&threads[i], NULL, shuffle_thread, &jobs[i]);
        }
        for (int i = 0; i < SHUFFLE_THREADS; i++) {
            pthread_join(threads[i], NULL);
            CHECK_EQ_INT(jobs[i].ok, SHUFFLE_CALLS);
            CHECK_EQ_INT(jobs[i].bad, 0);
        }
        vw_conn_stats st;
        vw_conn_get_stats(conn, &st);
        CHECK_EQ_INT(st.replies_unknown_serial, 0);
        CHECK(vw_conn_is_alive(conn));
        vw_conn_close(conn, NULL);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

/* ---- the leader times out while a follower waits --------------------------------------------- */

/* A (GET_LIB_VERSION, 300 ms) goes first and reads the socket; B (GET_HOSTNAME, 10 s) follows.
 * A's reply never comes in time: A gives up and B must take over the reading to get its own
 * reply; A's reply, late, is dropped and the connection stays usable. */
static void script_leader_timeout(client_peer *peer, void *opaque)
{
    (void)opaque;
    vw_packet_header a, b, c;
    if (client_peer_handshake(peer, false) < 0)
        return;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION,
                                &a, NULL, NULL) < 0 ||
        client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_HOSTNAME, &b,
                                NULL, NULL) < 0)
        return;
    client_peer_sleep_ms(900);                                 /* A's 300 ms pass */
    vw_connect_get_hostname_ret host = { .hostname = "follower-host" };
    client_peer_reply(peer, &b, (xdrproc_t)xdr_vw_connect_get_hostname_ret, &host);
    vw_connect_get_lib_version_ret late = { .lib_ver = 1 };
    client_peer_reply(peer, &a, (xdrproc_t)xdr_vw_connect_get_lib_version_ret, &late);
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION,
                                &c, NULL, NULL) == 0) {
        vw_connect_get_lib_version_ret ret = { .lib_ver = 9001 };
        client_peer_reply(peer, &c, (xdrproc_t)xdr_vw_connect_get_lib_version_ret, &ret);
    }
    client_peer_serve_close(peer);
}

struct one_call {
    vw_conn *conn;
    int rc, code;
    char text[160];
    uint64_t version;
    pthread_t thread;
};

static void *version_thread(void *opaque)
{
    struct one_call *call = opaque;
    vw_virerror err = { 0 };
    call->rc = vw_connect_get_lib_version(call->conn, &call->version, &err);
    call->code = err.code;
    snprintf(call->text, sizeof(call->text), "%s", err.message ? err.message : "");
    vw_virerror_clear(&err);
    return NULL;
}

static void *hostname_thread(void *opaque)
{
    struct one_call *call = opaque;
    vw_virerror err = { 0 };
    char *host = NULL;
    call->rc = vw_connect_get_hostname(call->conn, &host, &err);
    call->code = err.code;
    snprintf(call->text, sizeof(call->text), "%s", host ? host : err.message ? err.message : "");
    free(host);
    vw_virerror_clear(&err);
    return NULL;
}

static void test_leader_timeout_follower_takes_over(void)
{
    client_peer *peer = NULL;
    vw_conn *conn = open_peer(script_leader_timeout, 10000, &peer);
    if (!peer)
        return;
    if (conn) {
        struct one_call a = { .conn = conn }, b = { .conn = conn };
        vw_conn_set_call_timeout(conn, 300);       /* read by A when it starts */
        pthread_create(&a.thread, NULL, version_thread, &a);
        client_peer_sleep_ms(100);                             /* A's CALL goes first and A reads */
        vw_conn_set_call_timeout(conn, 10000);
        pthread_create(&b.thread, NULL, hostname_thread, &b);
        pthread_join(a.thread, NULL);
        pthread_join(b.thread, NULL);
        CHECK_EQ_INT(a.rc, -1);
        CHECK_EQ_INT(a.code, VW_ERR_OPERATION_TIMEOUT);
        CHECK_EQ_INT(b.rc, 0);
        CHECK_EQ_STR(b.text, "follower-host");
        uint64_t v = 0;
        vw_virerror err = { 0 };
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, &err), 0);   /* late reply dropped */
        CHECK_EQ_INT(v, 9001);
        vw_virerror_clear(&err);
        vw_conn_stats st;
        vw_conn_get_stats(conn, &st);
        CHECK_EQ_INT(st.replies_unknown_serial, 1);
        CHECK(vw_conn_is_alive(conn));
        vw_conn_close(conn, NULL);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

/* ---- the connection dies while the read role changes hands ------------------------------------ */

#define DYING_CALLS 4

/* Answers the first call, writes half of the second reply and closes, all at once: whoever reads
 * gets one whole reply and then the end of the stream, while the others wait for the role. */
static void script_die_mid_handoff(client_peer *peer, void *opaque)
{
    (void)opaque;
    vw_packet_header hdrs[DYING_CALLS];
    if (client_peer_handshake(peer, false) < 0)
        return;
    for (int i = 0; i < DYING_CALLS; i++)
        if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM,
                                    VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION, &hdrs[i], NULL,
                                    NULL) < 0)
            return;
    vw_buf out;
    vw_buf_init(&out);
    vw_connect_get_lib_version_ret ret = { .lib_ver = 7007 };
    for (int i = 0; i < 2; i++) {
        vw_packet_header h = hdrs[i];
        h.type = VW_NET_REPLY;
        h.status = VW_NET_OK;
        vw_error perr;
        if (vw_packet_encode(&out, &h, 0, (xdrproc_t)xdr_vw_connect_get_lib_version_ret, &ret,
                             &perr) < 0)
            peer->failures++;
    }
    size_t first_len = out.len / 2;                /* two equal replies: the first one whole */
    client_peer_send_raw(peer, out.data, first_len + first_len / 2);
    vw_buf_free(&out);
    client_peer_close_client(peer);
}

struct close_seen {
    pthread_mutex_t lock;
    int calls;
};

static void on_close(vw_conn *conn, const vw_virerror *reason, void *opaque)
{
    (void)conn;
    (void)reason;
    struct close_seen *seen = opaque;
    pthread_mutex_lock(&seen->lock);
    seen->calls++;
    pthread_mutex_unlock(&seen->lock);
}

static void test_death_mid_handoff(void)
{
    client_peer *peer = NULL;
    vw_conn *conn = open_peer(script_die_mid_handoff, 20000, &peer);
    if (!peer)
        return;
    if (conn) {
        struct close_seen seen = { PTHREAD_MUTEX_INITIALIZER, 0 };
        vw_conn_set_close_callback(conn, on_close, &seen);
        struct one_call calls[DYING_CALLS];
        for (int i = 0; i < DYING_CALLS; i++) {
            memset(&calls[i], 0, sizeof(calls[i]));
            calls[i].conn = conn;
            pthread_create(&calls[i].thread, NULL, version_thread, &calls[i]);
        }
        int ok = 0, closed = 0;
        for (int i = 0; i < DYING_CALLS; i++) {
            pthread_join(calls[i].thread, NULL);
            if (calls[i].rc == 0 && calls[i].version == 7007)
                ok++;
            else if (calls[i].rc == -1 && strstr(calls[i].text, "closed the connection"))
                closed++;
            else
                fprintf(stderr, "call %d: rc %d code %d: %s\n", i, calls[i].rc, calls[i].code,
                        calls[i].text);
        }
        CHECK_EQ_INT(ok, 1);
        CHECK_EQ_INT(closed, DYING_CALLS - 1);
        CHECK(!vw_conn_is_alive(conn));
        vw_virerror err = { 0 };
        CHECK_EQ_INT(vw_conn_get_death_reason(conn, &err), 0);
        CHECK(err.message && strstr(err.message, "in the middle of a packet"));
        vw_virerror_clear(&err);
        for (int i = 0; i < 100; i++) {            /* the close callback runs on the event thread */
            pthread_mutex_lock(&seen.lock);
            int n = seen.calls;
            pthread_mutex_unlock(&seen.lock);
            if (n)
                break;
            client_peer_sleep_ms(50);
        }
        CHECK_EQ_INT(vw_conn_close(conn, NULL), 0);
        CHECK_EQ_INT(seen.calls, 1);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

/* ---- an event while a call reads the socket ---------------------------------------------------- */

#define CALLS_WHILE_BLOCKED 20

/* Registers a lifecycle callback; then, between the CALL of GET_LIB_VERSION and its reply, sends
 * an event, so the thread reading for its reply is the one that receives the event. Then answers
 * more calls while the callback is still blocked. */
static void script_event_while_leading(client_peer *peer, void *opaque)
{
    (void)opaque;
    vw_packet_header hdr;
    if (client_peer_handshake(peer, false) < 0)
        return;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM,
                                VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, &hdr,
                                NULL, NULL) < 0)
        return;
    vw_connect_domain_event_callback_register_any_ret reg = { .callbackID = 3 };
    client_peer_reply(peer, &hdr,
                      (xdrproc_t)xdr_vw_connect_domain_event_callback_register_any_ret, &reg);
    for (int i = 0; i <= CALLS_WHILE_BLOCKED; i++) {
        if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM,
                                    VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION, &hdr, NULL, NULL) < 0)
            return;
        if (i == 0) {
            vw_domain_event_callback_lifecycle_msg ev;
            memset(&ev, 0, sizeof(ev));
            ev.callbackID = 3;
            ev.msg.dom.name = "lead-dom";
            ev.msg.dom.id = 8;
            ev.msg.event = 5;
            ev.msg.detail = 0;
            client_peer_send(peer, VW_REMOTE_PROGRAM,
                             VW_REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE, VW_NET_MESSAGE, 0,
                             VW_NET_OK, (xdrproc_t)xdr_vw_domain_event_callback_lifecycle_msg,
                             &ev);
            client_peer_sleep_ms(50);                          /* the event and the reply in two reads */
        }
        vw_connect_get_lib_version_ret ret = { .lib_ver = 100 + (uint64_t)i };
        client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_connect_get_lib_version_ret, &ret);
    }
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM,
                                VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, &hdr,
                                NULL, NULL) == 0)
        client_peer_reply(peer, &hdr, NULL, NULL);
    client_peer_serve_close(peer);
}

struct blocked_cb {
    sem_t entered, release;
    pthread_t caller;
    int calls, on_caller_thread, event;
};

static void on_lifecycle_block(vw_conn *conn, const vw_client_domain *dom, int event, int detail,
                               void *opaque)
{
    (void)conn;
    (void)dom;
    (void)detail;
    struct blocked_cb *cb = opaque;
    cb->calls++;
    cb->event = event;
    cb->on_caller_thread = pthread_equal(pthread_self(), cb->caller);
    sem_post(&cb->entered);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 20;
    sem_timedwait(&cb->release, &ts);              /* a slow callback: held until released */
}

static void test_event_while_call_leads(void)
{
    client_peer *peer = NULL;
    vw_conn *conn = open_peer(script_event_while_leading, 10000, &peer);
    if (!peer)
        return;
    if (conn) {
        struct blocked_cb cb;
        memset(&cb, 0, sizeof(cb));
        sem_init(&cb.entered, 0, 0);
        sem_init(&cb.release, 0, 0);
        cb.caller = pthread_self();
        int id = -1;
        vw_virerror err = { 0 };
        CHECK_EQ_INT(vw_domain_event_lifecycle_register(conn, NULL, on_lifecycle_block, &cb, &id,
                                                        &err), 0);
        uint64_t v = 0;
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, &err), 0);   /* the event came first */
        CHECK_EQ_INT(v, 100);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 10;
        CHECK_EQ_INT(sem_timedwait(&cb.entered, &ts), 0);
        int ok = 0;
        for (int i = 1; i <= CALLS_WHILE_BLOCKED; i++)     /* the callback is still blocked */
            ok += vw_connect_get_lib_version(conn, &v, &err) == 0 && v == 100 + (uint64_t)i;
        CHECK_EQ_INT(ok, CALLS_WHILE_BLOCKED);
        sem_post(&cb.release);
        CHECK_EQ_INT(vw_domain_event_lifecycle_deregister(conn, id, &err), 0);
        vw_virerror_clear(&err);
        CHECK_EQ_INT(cb.calls, 1);
        CHECK_EQ_INT(cb.event, 5);
        CHECK_EQ_INT(cb.on_caller_thread, 0);
        vw_conn_stats st;
        vw_conn_get_stats(conn, &st);
        CHECK_EQ_INT(st.events_delivered, 1);
        CHECK_EQ_INT(st.events_dropped, 0);
        vw_conn_close(conn, NULL);
        sem_destroy(&cb.entered);
        sem_destroy(&cb.release);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

int main(void)
{
    RUN(test_many_threads_shuffled);
    RUN(test_leader_timeout_follower_takes_over);
    RUN(test_death_mid_handoff);
    RUN(test_event_while_call_leads);
    return vwtest_summary("client_handoff");
}
