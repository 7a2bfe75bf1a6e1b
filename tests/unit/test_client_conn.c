/* test_client_conn.c: the client library against an in-test fake libvirtd (client_peer.h): handshake
 * bytes, read-only and auth handling, serial matching with out-of-order replies from several
 * threads, keepalive (PING answered, PINGs sent, peer declared dead), call timeouts, full error
 * decoding, every pending call failing when the peer closes, events with API calls from the
 * callback, and the generic calls. */
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

static void sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void reply_lib_version(client_peer *peer, const vw_packet_header *hdr, uint64_t v)
{
    vw_connect_get_lib_version_ret ret = { .lib_ver = v };
    client_peer_reply(peer, hdr, (xdrproc_t)xdr_vw_connect_get_lib_version_ret, &ret);
}

/* ---- handshake ------------------------------------------------------------------------------ */

static void script_handshake(client_peer *peer, void *opaque)
{
    (void)opaque;
    vw_packet_header hdr;
    if (client_peer_handshake(peer, false) < 0)
        return;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION, &hdr,
                         NULL, NULL) == 0)
        reply_lib_version(peer, &hdr, 9000000);
    client_peer_serve_close(peer);
}

static void test_handshake_bytes(void)
{
    client_peer *peer = client_peer_start(script_handshake, NULL);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 10000, 5, 5, 0);
    CHECK(conn != NULL);
    uint64_t v = 0;
    vw_virerror err = { 0 };
    if (conn) {
        CHECK_EQ_STR(vw_conn_open_name(conn), "test:///default");
        CHECK(!vw_conn_keepalive_enabled(conn));
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, &err), 0);
        CHECK_EQ_INT(v, 9000000);
        CHECK_EQ_INT(vw_conn_close(conn, &err), 0);
    }
    static const unsigned char expected[] = {
        /* AUTH_LIST, serial 0 */
        0x00, 0x00, 0x00, 0x1c, 0x20, 0x00, 0x80, 0x86, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
        /* CONNECT_SUPPORTS_FEATURE(PROGRAM_KEEPALIVE = 10), serial 1 */
        0x00, 0x00, 0x00, 0x20, 0x20, 0x00, 0x80, 0x86, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
        /* CONNECT_OPEN("test:///default", flags 0), serial 2 */
        0x00, 0x00, 0x00, 0x38, 0x20, 0x00, 0x80, 0x86, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0f, 't', 'e', 's', 't', ':', '/', '/', '/',
        'd', 'e', 'f', 'a', 'u', 'l', 't', 0x00, 0x00, 0x00, 0x00, 0x00,
        /* CONNECT_GET_LIB_VERSION, serial 3 */
        0x00, 0x00, 0x00, 0x1c, 0x20, 0x00, 0x80, 0x86, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x9d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
        0x00, 0x00, 0x00, 0x00,
        /* CONNECT_CLOSE, serial 4 */
        0x00, 0x00, 0x00, 0x1c, 0x20, 0x00, 0x80, 0x86, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
        0x00, 0x00, 0x00, 0x00,
    };
    CHECK_EQ_INT(peer->received_len, sizeof(expected));
    if (peer->received_len == sizeof(expected))
        CHECK_EQ_MEM(peer->received, expected, sizeof(expected));
    CHECK_EQ_INT(client_peer_finish(peer), 0);
    vw_virerror_clear(&err);
}

struct open_seen {
    char name[64];
    unsigned int flags;
};

static void script_read_only(client_peer *peer, void *opaque)
{
    struct open_seen *seen = opaque;
    vw_packet_header hdr;
    uint8_t *payload = NULL;
    size_t len = 0;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_AUTH_LIST, &hdr, NULL, NULL) < 0)
        return;
    /* an old server without AUTH_LIST: the client must carry on */
    vw_remote_error rerr;
    memset(&rerr, 0, sizeof(rerr));
    char *msg = "unknown procedure: 66";
    rerr.code = 3;     /* VIR_ERR_NO_SUPPORT */
    rerr.domain = 7;
    rerr.level = 2;
    rerr.message = &msg;
    client_peer_reply_error(peer, &hdr, &rerr);
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, &hdr,
                         NULL, NULL) < 0)
        return;
    vw_connect_supports_feature_ret sup = { .supported = 0 };
    client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_connect_supports_feature_ret, &sup);
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_OPEN, &hdr, &payload,
                         &len) < 0)
        return;
    vw_connect_open_args args;
    if (vw_xdr_decode(payload, len, (xdrproc_t)xdr_vw_connect_open_args, &args, sizeof(args),
                      VW_DECODE_STRICT, NULL) == 0) {
        snprintf(seen->name, sizeof(seen->name), "%s", args.name ? *args.name : "(null)");
        seen->flags = args.flags;
        vw_xdr_free((xdrproc_t)xdr_vw_connect_open_args, &args);
    }
    free(payload);
    client_peer_reply(peer, &hdr, NULL, NULL);
    client_peer_serve_close(peer);
}

static void test_read_only_and_old_server(void)
{
    struct open_seen seen = { "", 99 };
    client_peer *peer = client_peer_start(script_read_only, &seen);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 10000, 5, 5, VW_CONN_READ_ONLY);
    CHECK(conn != NULL);
    vw_conn_close(conn, NULL);
    CHECK_EQ_INT(client_peer_finish(peer), 0);
    CHECK_EQ_STR(seen.name, "test:///default");
    CHECK_EQ_INT(seen.flags, 1);   /* VIR_CONNECT_RO */
}

static void script_sasl_only(client_peer *peer, void *opaque)
{
    (void)opaque;
    vw_packet_header hdr;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_AUTH_LIST, &hdr, NULL, NULL) < 0)
        return;
    vw_auth_type sasl = VW_REMOTE_AUTH_SASL;
    vw_auth_list_ret auth = { .types = { .types_len = 1, .types_val = &sasl } };
    client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_auth_list_ret, &auth);
    /* SASL: the mechanism list, empty (as libvirtd's over plain TCP without a layer) */
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_AUTH_SASL_INIT, &hdr,
                                NULL, NULL) < 0)
        return;
    vw_auth_sasl_init_ret init = { .mechlist = "" };
    client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_auth_sasl_init_ret, &init);
    client_peer_drain_until_eof(peer);
}

static void test_sasl_refused_clearly(void)
{
    client_peer *peer = client_peer_start(script_sasl_only, NULL);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_virerror err = { 0 };
    vw_conn *conn = vw_conn_open(peer->uri, NULL, &err);
    CHECK(conn == NULL);
    CHECK_EQ_INT(err.code, VW_ERR_AUTH_FAILED);
    CHECK(err.message && strstr(err.message, "offers no SASL mechanism"));
    vw_virerror_clear(&err);
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

static void test_tcp_transport(void)
{
    client_peer *peer = client_peer_start_tcp(script_handshake, NULL);
    CHECK(peer != NULL);
    if (!peer)
        return;
    CHECK(strncmp(peer->uri, "test+tcp://127.0.0.1:", 21) == 0);
    vw_conn *conn = client_peer_connect(peer, 10000, 5, 5, 0);
    CHECK(conn != NULL);
    if (conn) {
        CHECK_EQ_STR(vw_conn_open_name(conn), "test:///default");
        uint64_t v = 0;
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, NULL), 0);
        CHECK_EQ_INT(v, 9000000);
        CHECK_EQ_INT(vw_conn_close(conn, NULL), 0);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

/* polkit-only server: the client does AUTH_POLKIT, then goes on; CONNECT_OPEN then fails with
 * the server's error, which vw_conn_open reports as it came. */
static void script_polkit_then_open_error(client_peer *peer, void *opaque)
{
    (void)opaque;
    vw_packet_header hdr;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_AUTH_LIST, &hdr, NULL,
                                NULL) < 0)
        return;
    vw_auth_type polkit = VW_REMOTE_AUTH_POLKIT;
    vw_auth_list_ret auth = { .types = { .types_len = 1, .types_val = &polkit } };
    client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_auth_list_ret, &auth);
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, 70 /* AUTH_POLKIT */, &hdr, NULL,
                                NULL) < 0)
        return;
    vw_int_ret complete = { .value = 1 };
    client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_int_ret, &complete);
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
                                &hdr, NULL, NULL) < 0)
        return;
    vw_connect_supports_feature_ret sup = { .supported = 1 };
    client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_connect_supports_feature_ret, &sup);
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_OPEN, &hdr, NULL,
                                NULL) < 0)
        return;
    char *msg = "no connection driver available for test:///default";
    vw_remote_error rerr;
    memset(&rerr, 0, sizeof(rerr));
    rerr.code = 60;    /* arbitrary code and domain: they pass through as-is */
    rerr.domain = 45;
    rerr.level = 2;
    rerr.message = &msg;
    client_peer_reply_error(peer, &hdr, &rerr);
    client_peer_drain_until_eof(peer);
}

static void test_polkit_and_open_error(void)
{
    client_peer *peer = client_peer_start(script_polkit_then_open_error, NULL);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_virerror err = { 0 };
    vw_conn *conn = vw_conn_open(peer->uri, NULL, &err);
    CHECK(conn == NULL);
    CHECK(err.remote);
    CHECK_EQ_INT(err.code, 60);
    CHECK_EQ_INT(err.domain, 45);
    CHECK_EQ_STR(err.message, "no connection driver available for test:///default");
    vw_virerror_clear(&err);
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

static void test_connect_refused(void)
{
    vw_virerror err = { 0 };
    vw_conn *conn = vw_conn_open("test+unix:///default?socket=/nonexistent/vw/sock", NULL, &err);
    CHECK(conn == NULL);
    CHECK_EQ_INT(err.code, VW_ERR_NO_CONNECT);
    CHECK(err.message && strstr(err.message, "/nonexistent/vw/sock"));
    vw_virerror_clear(&err);
    conn = vw_conn_open("qemu+ext:///system", NULL, &err);
    CHECK(conn == NULL);
    CHECK_EQ_INT(err.code, VW_ERR_NO_SUPPORT);
    vw_virerror_clear(&err);
}

/* ---- serials, threads, out-of-order replies ----------------------------------------------------- */

#define NTHREADS 8

static void script_out_of_order(client_peer *peer, void *opaque)
{
    (void)opaque;
    if (client_peer_handshake(peer, false) < 0)
        return;
    vw_packet_header hdrs[NTHREADS];
    char names[NTHREADS][32];
    for (int i = 0; i < NTHREADS; i++) {
        uint8_t *payload = NULL;
        size_t len = 0;
        if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
                             &hdrs[i], &payload, &len) < 0)
            return;
        vw_domain_lookup_by_name_args args;
        names[i][0] = '\0';
        if (vw_xdr_decode(payload, len, (xdrproc_t)xdr_vw_domain_lookup_by_name_args, &args,
                          sizeof(args), VW_DECODE_STRICT, NULL) == 0) {
            snprintf(names[i], sizeof(names[i]), "%s", args.name);
            vw_xdr_free((xdrproc_t)xdr_vw_domain_lookup_by_name_args, &args);
        }
        free(payload);
        if (hdrs[i].serial < 3 || hdrs[i].serial >= 3 + NTHREADS)
            peer->failures++;
    }
    for (int i = NTHREADS - 1; i >= 0; i--) {      /* newest first */
        vw_domain_lookup_by_name_ret ret;
        memset(&ret, 0, sizeof(ret));
        ret.dom.name = names[i];
        ret.dom.uuid[0] = (char)names[i][4];
        ret.dom.id = 100 + (names[i][4] - '0');
        client_peer_reply(peer, &hdrs[i], (xdrproc_t)xdr_vw_domain_lookup_by_name_ret, &ret);
    }
    client_peer_serve_close(peer);
}

struct lookup_job {
    vw_conn *conn;
    int index;
    int ok;
};

static void *lookup_thread(void *opaque)
{
    struct lookup_job *job = opaque;
    char name[32];
    snprintf(name, sizeof(name), "dom-%d", job->index);
    vw_client_domain dom = { 0 };
    vw_virerror err = { 0 };
    if (vw_domain_lookup_by_name(job->conn, name, &dom, &err) == 0 && dom.name &&
        strcmp(dom.name, name) == 0 && dom.id == 100 + job->index &&
        dom.uuid[0] == (unsigned char)('0' + job->index))
        job->ok = 1;
    vw_client_domain_clear(&dom);
    vw_virerror_clear(&err);
    return NULL;
}

static void test_threads_out_of_order(void)
{
    client_peer *peer = client_peer_start(script_out_of_order, NULL);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 20000, 5, 5, 0);
    CHECK(conn != NULL);
    if (conn) {
        pthread_t threads[NTHREADS];
        struct lookup_job jobs[NTHREADS];
        for (int i = 0; i < NTHREADS; i++) {
            jobs[i] = (struct lookup_job){ .conn = conn, .index = i };
            pthread_create(&threads[i], NULL, lookup_thread, &jobs[i]);
        }
        for (int i = 0; i < NTHREADS; i++) {
            pthread_join(threads[i], NULL);
            CHECK_EQ_INT(jobs[i].ok, 1);
        }
        vw_conn_stats st;
        vw_conn_get_stats(conn, &st);
        CHECK_EQ_INT(st.replies_unknown_serial, 0);
        vw_conn_close(conn, NULL);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

/* ---- keepalive ---------------------------------------------------------------------------------- */

struct ka_seen {
    int pongs;
    int pings;
};

static void script_ping_answered(client_peer *peer, void *opaque)
{
    struct ka_seen *seen = opaque;
    if (client_peer_handshake(peer, false) < 0)
        return;
    client_peer_send(peer, VW_KEEPALIVE_PROGRAM, VW_KEEPALIVE_PROC_PING, VW_NET_MESSAGE, 0, VW_NET_OK,
              NULL, NULL);
    for (int i = 0; i < 2; i++) {                  /* PONG and the call, either order */
        vw_packet_header hdr;
        size_t len = 99;
        if (client_peer_read(peer, &hdr, NULL, &len, 10000) != 1) {
            peer->failures++;
            return;
        }
        if (hdr.prog == VW_KEEPALIVE_PROGRAM && hdr.proc == VW_KEEPALIVE_PROC_PONG &&
            hdr.type == VW_NET_MESSAGE && hdr.serial == 0 && hdr.status == VW_NET_OK && len == 0)
            seen->pongs++;
        else if (hdr.proc == VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION)
            reply_lib_version(peer, &hdr, 1);
        else
            peer->failures++;
    }
    client_peer_serve_close(peer);
}

static void test_keepalive_ping_answered(void)
{
    struct ka_seen seen = { 0, 0 };
    client_peer *peer = client_peer_start(script_ping_answered, &seen);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 10000, 5, 5, 0);
    CHECK(conn != NULL);
    if (conn) {
        uint64_t v = 0;
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, NULL), 0);
        vw_conn_stats st;
        vw_conn_get_stats(conn, &st);
        CHECK_EQ_INT(st.pings_received, 1);
        vw_conn_close(conn, NULL);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
    CHECK_EQ_INT(seen.pongs, 1);
}

static void script_pings_answered_by_peer(client_peer *peer, void *opaque)
{
    struct ka_seen *seen = opaque;
    if (client_peer_handshake(peer, true) < 0)
        return;
    for (;;) {
        vw_packet_header hdr;
        if (client_peer_read(peer, &hdr, NULL, NULL, 10000) != 1)
            return;
        if (hdr.prog == VW_KEEPALIVE_PROGRAM && hdr.proc == VW_KEEPALIVE_PROC_PING) {
            seen->pings++;
            client_peer_send(peer, VW_KEEPALIVE_PROGRAM, VW_KEEPALIVE_PROC_PONG, VW_NET_MESSAGE, 0,
                      VW_NET_OK, NULL, NULL);
        } else if (hdr.proc == VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION) {
            reply_lib_version(peer, &hdr, 2);
        } else if (hdr.proc == VW_REMOTE_PROC_CONNECT_CLOSE) {
            client_peer_reply(peer, &hdr, NULL, NULL);
            return;
        }
    }
}

static void test_keepalive_pings_sent(void)
{
    struct ka_seen seen = { 0, 0 };
    client_peer *peer = client_peer_start(script_pings_answered_by_peer, &seen);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 10000, 1, 2, 0);
    CHECK(conn != NULL);
    if (conn) {
        CHECK(vw_conn_keepalive_enabled(conn));
        vw_conn_stats st;
        for (int i = 0; i < 100; i++) {            /* wait (at most 10 s) for 3 answered pings */
            vw_conn_get_stats(conn, &st);
            if (st.pongs_received >= 3)
                break;
            sleep_ms(100);
        }
        CHECK(st.pongs_received >= 3);
        CHECK(vw_conn_is_alive(conn));
        uint64_t v = 0;
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, NULL), 0);
        CHECK_EQ_INT(v, 2);
        vw_conn_close(conn, NULL);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
    CHECK(seen.pings >= 3);
}

static void script_silent_peer(client_peer *peer, void *opaque)
{
    struct ka_seen *seen = opaque;
    if (client_peer_handshake(peer, true) < 0)
        return;
    for (;;) {                                     /* read everything, answer nothing */
        vw_packet_header hdr;
        if (client_peer_read(peer, &hdr, NULL, NULL, 20000) != 1)
            return;
        if (hdr.prog == VW_KEEPALIVE_PROGRAM && hdr.proc == VW_KEEPALIVE_PROC_PING)
            seen->pings++;
    }
}

static void test_keepalive_peer_dead(void)
{
    struct ka_seen seen = { 0, 0 };
    client_peer *peer = client_peer_start(script_silent_peer, &seen);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 60000, 1, 2, 0);
    CHECK(conn != NULL);
    if (conn) {
        uint64_t v = 0;
        vw_virerror err = { 0 };
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, &err), -1);
        CHECK_EQ_INT(err.code, VW_ERR_RPC);
        CHECK_EQ_INT(err.domain, VW_FROM_RPC);
        CHECK(err.message && strstr(err.message, "keepalive timeout"));
        CHECK(!vw_conn_is_alive(conn));
        vw_virerror_clear(&err);
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, &err), -1);
        CHECK_EQ_INT(err.code, VW_ERR_NO_CONNECT);
        CHECK(err.message && strstr(err.message, "keepalive timeout"));
        vw_virerror_clear(&err);
        CHECK_EQ_INT(vw_conn_get_death_reason(conn, &err), 0);
        CHECK(err.message && strstr(err.message, "keepalive"));
        vw_virerror_clear(&err);
        vw_conn_close(conn, NULL);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
    CHECK_EQ_INT(seen.pings, 2);
}

/* ---- timeouts ----------------------------------------------------------------------------------- */

static void script_late_reply(client_peer *peer, void *opaque)
{
    (void)opaque;
    vw_packet_header first, second;
    if (client_peer_handshake(peer, false) < 0)
        return;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION, &first,
                         NULL, NULL) < 0)
        return;
    /* no answer until the client gave up and sent its next call */
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_HOSTNAME, &second,
                         NULL, NULL) < 0)
        return;
    reply_lib_version(peer, &first, 3);
    vw_connect_get_hostname_ret ret = { .hostname = "late-host" };
    client_peer_reply(peer, &second, (xdrproc_t)xdr_vw_connect_get_hostname_ret, &ret);
    client_peer_serve_close(peer);
}

static void test_call_timeout_and_late_reply(void)
{
    client_peer *peer = client_peer_start(script_late_reply, NULL);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 10000, 5, 5, 0);
    CHECK(conn != NULL);
    if (conn) {
        vw_conn_set_call_timeout(conn, 300);
        uint64_t v = 0;
        vw_virerror err = { 0 };
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, &err), -1);
        CHECK_EQ_INT(err.code, VW_ERR_OPERATION_TIMEOUT);
        CHECK(err.message && strstr(err.message, "CONNECT_GET_LIB_VERSION"));
        vw_virerror_clear(&err);
        CHECK(vw_conn_is_alive(conn));
        vw_conn_set_call_timeout(conn, 10000);
        char *host = NULL;
        CHECK_EQ_INT(vw_connect_get_hostname(conn, &host, &err), 0);
        CHECK_EQ_STR(host, "late-host");
        free(host);
        vw_conn_stats st;
        vw_conn_get_stats(conn, &st);
        CHECK_EQ_INT(st.replies_unknown_serial, 1);
        vw_conn_close(conn, NULL);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

/* A server that stops reading: a big call times out instead of blocking, the part already
 * written is finished later so the stream stays in sync, and the next call works. */
#define BIG_PAYLOAD (8u << 20)

static void script_not_reading(client_peer *peer, void *opaque)
{
    sem_t *client_gave_up = opaque;
    vw_packet_header hdr;
    size_t len = 0;
    if (client_peer_handshake(peer, false) < 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 20;
    if (sem_timedwait(client_gave_up, &ts) != 0) {
        peer->failures++;
        return;
    }
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, 999, &hdr, NULL, &len) < 0)
        return;
    if (len != BIG_PAYLOAD)
        peer->failures++;
    char *msg = "unknown procedure: 999";
    vw_remote_error rerr;
    memset(&rerr, 0, sizeof(rerr));
    rerr.code = 39;
    rerr.domain = 7;
    rerr.level = 2;
    rerr.message = &msg;
    client_peer_reply_error(peer, &hdr, &rerr);   /* nobody waits any more: dropped */
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION,
                                &hdr, NULL, NULL) == 0)
        reply_lib_version(peer, &hdr, 5);
    client_peer_serve_close(peer);
}

static void test_server_not_reading(void)
{
    sem_t client_gave_up;
    sem_init(&client_gave_up, 0, 0);
    client_peer *peer = client_peer_start(script_not_reading, &client_gave_up);
    CHECK(peer != NULL);
    if (!peer) {
        sem_destroy(&client_gave_up);
        return;
    }
    vw_conn *conn = client_peer_connect(peer, 10000, 5, 5, 0);
    CHECK(conn != NULL);
    if (conn) {
        unsigned char *big = calloc(1, BIG_PAYLOAD);
        void *reply = NULL;
        size_t reply_len = 0;
        vw_virerror err = { 0 };
        vw_conn_set_call_timeout(conn, 1000);
        CHECK_EQ_INT(vw_call_raw(conn, VW_REMOTE_PROGRAM, 999, big, BIG_PAYLOAD, &reply,
                                 &reply_len, &err), -1);
        CHECK_EQ_INT(err.code, VW_ERR_OPERATION_TIMEOUT);
        vw_virerror_clear(&err);
        free(big);
        sem_post(&client_gave_up);
        vw_conn_set_call_timeout(conn, 20000);
        uint64_t v = 0;
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, &err), 0);
        CHECK_EQ_INT(v, 5);
        vw_conn_stats st;
        vw_conn_get_stats(conn, &st);
        CHECK_EQ_INT(st.replies_unknown_serial, 1);
        vw_virerror_clear(&err);
        vw_conn_close(conn, NULL);
    } else {
        sem_post(&client_gave_up);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
    sem_destroy(&client_gave_up);
}

/* ---- errors ------------------------------------------------------------------------------------- */

static void script_full_error(client_peer *peer, void *opaque)
{
    (void)opaque;
    vw_packet_header hdr;
    if (client_peer_handshake(peer, false) < 0)
        return;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, &hdr,
                         NULL, NULL) < 0)
        return;
    char *msg = "Domain not found: no domain with matching name 'ghost'";
    char *s1 = "one", *s2 = "two", *s3 = "three";
    vw_remote_error rerr;
    memset(&rerr, 0, sizeof(rerr));
    rerr.code = 42;
    rerr.domain = 12;
    rerr.message = &msg;
    rerr.level = 2;
    rerr.str1 = &s1;
    rerr.str2 = &s2;
    rerr.str3 = &s3;
    rerr.int1 = -7;
    rerr.int2 = 77;
    client_peer_reply_error(peer, &hdr, &rerr);
    client_peer_serve_close(peer);
}

static void test_error_decoded_in_full(void)
{
    client_peer *peer = client_peer_start(script_full_error, NULL);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 10000, 5, 5, 0);
    CHECK(conn != NULL);
    if (conn) {
        vw_client_domain dom = { 0 };
        vw_virerror err = { 0 };
        CHECK_EQ_INT(vw_domain_lookup_by_name(conn, "ghost", &dom, &err), -1);
        CHECK(dom.name == NULL);
        CHECK(err.remote);
        CHECK_EQ_INT(err.code, VW_ERR_NO_DOMAIN);
        CHECK_EQ_INT(err.domain, VW_FROM_TEST);
        CHECK_EQ_INT(err.level, VW_ERR_LEVEL_ERROR);
        CHECK_EQ_STR(err.message, "Domain not found: no domain with matching name 'ghost'");
        CHECK_EQ_STR(vw_virerror_message(&err), err.message);
        CHECK_EQ_STR(err.str1, "one");
        CHECK_EQ_STR(err.str2, "two");
        CHECK_EQ_STR(err.str3, "three");
        CHECK_EQ_INT(err.int1, -7);
        CHECK_EQ_INT(err.int2, 77);
        vw_virerror_clear(&err);
        CHECK(err.message == NULL && err.code == 0);
        CHECK(vw_conn_is_alive(conn));
        vw_conn_close(conn, NULL);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

/* ---- the peer goes away with calls pending ------------------------------------------------------ */

#define NPENDING 3

static void script_close_with_pending(client_peer *peer, void *opaque)
{
    (void)opaque;
    if (client_peer_handshake(peer, false) < 0)
        return;
    for (int i = 0; i < NPENDING; i++) {
        vw_packet_header hdr;
        if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION, &hdr,
                             NULL, NULL) < 0)
            return;
    }
    client_peer_close_client(peer);
}

struct pending_job {
    vw_conn *conn;
    int rc, code;
    char message[160];
};

static void *pending_thread(void *opaque)
{
    struct pending_job *job = opaque;
    uint64_t v = 0;
    vw_virerror err = { 0 };
    job->rc = vw_connect_get_lib_version(job->conn, &v, &err);
    job->code = err.code;
    snprintf(job->message, sizeof(job->message), "%s", err.message ? err.message : "");
    vw_virerror_clear(&err);
    return NULL;
}

struct close_seen {
    pthread_mutex_t lock;
    int calls;
    int code;
};

static void on_close(vw_conn *conn, const vw_virerror *reason, void *opaque)
{
    (void)conn;
    struct close_seen *seen = opaque;
    pthread_mutex_lock(&seen->lock);
    seen->calls++;
    seen->code = reason->code;
    pthread_mutex_unlock(&seen->lock);
}

static void test_peer_close_fails_all_pending(void)
{
    client_peer *peer = client_peer_start(script_close_with_pending, NULL);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 30000, 5, 5, 0);
    CHECK(conn != NULL);
    if (conn) {
        struct close_seen seen = { PTHREAD_MUTEX_INITIALIZER, 0, 0 };
        vw_conn_set_close_callback(conn, on_close, &seen);
        pthread_t threads[NPENDING];
        struct pending_job jobs[NPENDING];
        for (int i = 0; i < NPENDING; i++) {
            memset(&jobs[i], 0, sizeof(jobs[i]));
            jobs[i].conn = conn;
            pthread_create(&threads[i], NULL, pending_thread, &jobs[i]);
        }
        for (int i = 0; i < NPENDING; i++) {
            pthread_join(threads[i], NULL);
            CHECK_EQ_INT(jobs[i].rc, -1);
            CHECK(jobs[i].code == VW_ERR_RPC || jobs[i].code == VW_ERR_NO_CONNECT);
            CHECK(strstr(jobs[i].message, "closed the connection") != NULL);
        }
        CHECK(!vw_conn_is_alive(conn));
        for (int i = 0; i < 100; i++) {            /* the callback runs on the event thread */
            pthread_mutex_lock(&seen.lock);
            int calls = seen.calls;
            pthread_mutex_unlock(&seen.lock);
            if (calls)
                break;
            sleep_ms(100);
        }
        CHECK_EQ_INT(vw_conn_close(conn, NULL), 0);
        CHECK_EQ_INT(seen.calls, 1);
        CHECK_EQ_INT(seen.code, VW_ERR_RPC);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

/* ---- events ------------------------------------------------------------------------------------- */

static void script_events(client_peer *peer, void *opaque)
{
    (void)opaque;
    vw_packet_header hdr;
    uint8_t *payload = NULL;
    size_t len = 0;
    if (client_peer_handshake(peer, false) < 0)
        return;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM,
                         VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, &hdr, &payload,
                         &len) < 0)
        return;
    vw_connect_domain_event_callback_register_any_args args;
    if (vw_xdr_decode(payload, len,
                      (xdrproc_t)xdr_vw_connect_domain_event_callback_register_any_args, &args,
                      sizeof(args), VW_DECODE_STRICT, NULL) < 0 ||
        args.eventID != 0 || args.dom != NULL)
        peer->failures++;
    else
        vw_xdr_free((xdrproc_t)xdr_vw_connect_domain_event_callback_register_any_args, &args);
    free(payload);
    vw_connect_domain_event_callback_register_any_ret reg = { .callbackID = 5 };
    client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_connect_domain_event_callback_register_any_ret, &reg);

    vw_domain_event_callback_lifecycle_msg ev;
    memset(&ev, 0, sizeof(ev));
    ev.callbackID = 77;                            /* nobody registered this id: dropped */
    ev.msg.dom.name = "ev-dom";
    ev.msg.dom.id = 3;
    ev.msg.event = 2;
    ev.msg.detail = 1;
    client_peer_send(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
              VW_NET_MESSAGE, 0, VW_NET_OK,
              (xdrproc_t)xdr_vw_domain_event_callback_lifecycle_msg, &ev);
    ev.callbackID = 5;
    client_peer_send(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
              VW_NET_MESSAGE, 0, VW_NET_OK,
              (xdrproc_t)xdr_vw_domain_event_callback_lifecycle_msg, &ev);
    /* the callback calls the API again */
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION, &hdr,
                         NULL, NULL) < 0)
        return;
    reply_lib_version(peer, &hdr, 4004);

    if (client_peer_expect_call(peer, VW_QEMU_PROGRAM, VW_QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER,
                         &hdr, NULL, NULL) < 0)
        return;
    vw_qemu_connect_domain_monitor_event_register_ret qreg = { .callbackID = 9 };
    client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_qemu_connect_domain_monitor_event_register_ret,
               &qreg);
    char *details = "{\"reason\":\"x\"}";
    vw_qemu_domain_monitor_event_msg qev;
    memset(&qev, 0, sizeof(qev));
    qev.callbackID = 9;
    qev.dom.name = "ev-dom";
    qev.dom.id = 3;
    qev.event = "STOP";
    qev.seconds = 1234567890123LL;
    qev.micros = 42;
    qev.details = &details;
    client_peer_send(peer, VW_QEMU_PROGRAM, VW_QEMU_PROC_DOMAIN_MONITOR_EVENT, VW_NET_MESSAGE, 0,
              VW_NET_OK, (xdrproc_t)xdr_vw_qemu_domain_monitor_event_msg, &qev);

    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM,
                         VW_REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, &hdr, NULL,
                         NULL) == 0)
        client_peer_reply(peer, &hdr, NULL, NULL);
    if (client_peer_expect_call(peer, VW_QEMU_PROGRAM,
                         VW_QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER, &hdr, NULL,
                         NULL) == 0)
        client_peer_reply(peer, &hdr, NULL, NULL);
    client_peer_serve_close(peer);
}

struct event_seen {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int lifecycle_calls, event, detail, id;
    char name[32];
    uint64_t version_from_callback;
    int qemu_calls;
    char qemu_event[16];
    char details[64];
    long long seconds;
    unsigned int micros;
};

static void on_lifecycle(vw_conn *conn, const vw_client_domain *dom, int event, int detail,
                         void *opaque)
{
    struct event_seen *seen = opaque;
    uint64_t v = 0;
    vw_connect_get_lib_version(conn, &v, NULL);    /* calling the API from a callback is fine */
    pthread_mutex_lock(&seen->lock);
    seen->lifecycle_calls++;
    seen->event = event;
    seen->detail = detail;
    seen->id = dom->id;
    snprintf(seen->name, sizeof(seen->name), "%s", dom->name);
    seen->version_from_callback = v;
    pthread_cond_broadcast(&seen->cond);
    pthread_mutex_unlock(&seen->lock);
}

static void on_qemu_event(vw_conn *conn, const vw_client_qemu_monitor_event *ev, void *opaque)
{
    (void)conn;
    struct event_seen *seen = opaque;
    pthread_mutex_lock(&seen->lock);
    seen->qemu_calls++;
    snprintf(seen->qemu_event, sizeof(seen->qemu_event), "%s", ev->event);
    snprintf(seen->details, sizeof(seen->details), "%s", ev->details ? ev->details : "");
    seen->seconds = ev->seconds;
    seen->micros = ev->micros;
    pthread_cond_broadcast(&seen->cond);
    pthread_mutex_unlock(&seen->lock);
}

static void wait_for(struct event_seen *seen, int *counter)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    pthread_mutex_lock(&seen->lock);
    while (*counter == 0)
        if (pthread_cond_timedwait(&seen->cond, &seen->lock, &ts) != 0)
            break;
    pthread_mutex_unlock(&seen->lock);
}

static void test_events(void)
{
    client_peer *peer = client_peer_start(script_events, NULL);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 10000, 5, 5, 0);
    CHECK(conn != NULL);
    if (conn) {
        struct event_seen seen;
        memset(&seen, 0, sizeof(seen));
        pthread_mutex_init(&seen.lock, NULL);
        pthread_cond_init(&seen.cond, NULL);
        int id = -1, qid = -1;
        vw_virerror err = { 0 };
        CHECK_EQ_INT(vw_domain_event_lifecycle_register(conn, NULL, on_lifecycle, &seen, &id,
                                                        &err), 0);
        CHECK_EQ_INT(id, 5);
        wait_for(&seen, &seen.lifecycle_calls);
        CHECK_EQ_INT(seen.lifecycle_calls, 1);
        CHECK_EQ_INT(seen.event, 2);
        CHECK_EQ_INT(seen.detail, 1);
        CHECK_EQ_INT(seen.id, 3);
        CHECK_EQ_STR(seen.name, "ev-dom");
        CHECK_EQ_INT(seen.version_from_callback, 4004);

        CHECK_EQ_INT(vw_qemu_monitor_event_register(conn, NULL, NULL, 0, on_qemu_event, &seen,
                                                    &qid, &err), 0);
        CHECK_EQ_INT(qid, 9);
        wait_for(&seen, &seen.qemu_calls);
        CHECK_EQ_INT(seen.qemu_calls, 1);
        CHECK_EQ_STR(seen.qemu_event, "STOP");
        CHECK_EQ_STR(seen.details, "{\"reason\":\"x\"}");
        CHECK_EQ_INT(seen.seconds, 1234567890123LL);
        CHECK_EQ_INT(seen.micros, 42);

        CHECK_EQ_INT(vw_domain_event_lifecycle_deregister(conn, id, &err), 0);
        CHECK_EQ_INT(vw_qemu_monitor_event_deregister(conn, qid, &err), 0);
        CHECK_EQ_INT(vw_qemu_monitor_event_deregister(conn, qid, &err), -1);   /* gone */
        CHECK_EQ_INT(err.code, VW_ERR_INVALID_ARG);
        vw_virerror_clear(&err);
        vw_conn_stats st;
        vw_conn_get_stats(conn, &st);
        CHECK_EQ_INT(st.events_delivered, 2);
        CHECK_EQ_INT(st.events_dropped, 1);
        vw_conn_close(conn, NULL);
        pthread_mutex_destroy(&seen.lock);
        pthread_cond_destroy(&seen.cond);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

/* ---- generic calls ------------------------------------------------------------------------------ */

static void script_generic(client_peer *peer, void *opaque)
{
    (void)opaque;
    vw_packet_header hdr;
    if (client_peer_handshake(peer, false) < 0)
        return;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_HOSTNAME, &hdr, NULL,
                         NULL) == 0) {
        vw_connect_get_hostname_ret ret = { .hostname = "generic-host" };
        client_peer_reply(peer, &hdr, (xdrproc_t)xdr_vw_connect_get_hostname_ret, &ret);
    }
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, 999, &hdr, NULL, NULL) == 0) {
        char *msg = "unknown procedure: 999";
        vw_remote_error rerr;
        memset(&rerr, 0, sizeof(rerr));
        rerr.code = 39;
        rerr.domain = 7;
        rerr.level = 2;
        rerr.message = &msg;
        client_peer_reply_error(peer, &hdr, &rerr);
    }
    uint8_t *payload = NULL;
    size_t len = 0;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION, &hdr,
                         &payload, &len) == 0) {
        if (len != 0)
            peer->failures++;
        free(payload);
        reply_lib_version(peer, &hdr, 0x0102030405060708ULL);
    }
    client_peer_serve_close(peer);
}

static void test_generic_calls(void)
{
    client_peer *peer = client_peer_start(script_generic, NULL);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 10000, 5, 5, 0);
    CHECK(conn != NULL);
    if (conn) {
        vw_virerror err = { 0 };
        vw_connect_get_hostname_ret ret;
        memset(&ret, 0, sizeof(ret));
        CHECK_EQ_INT(vw_call(conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_HOSTNAME, NULL,
                             NULL, (xdrproc_t)xdr_vw_connect_get_hostname_ret, &ret, &err), 0);
        CHECK_EQ_STR(ret.hostname, "generic-host");
        xdr_free((xdrproc_t)xdr_vw_connect_get_hostname_ret, (char *)&ret);

        void *reply = NULL;
        size_t reply_len = 0;
        /* bytes promised but no buffer: refused before anything is sent */
        CHECK_EQ_INT(vw_call_raw(conn, VW_REMOTE_PROGRAM, 999, NULL, 8, &reply, &reply_len, &err),
                     -1);
        CHECK_EQ_INT(err.code, VW_ERR_INVALID_ARG);
        vw_virerror_clear(&err);
        CHECK_EQ_INT(vw_call_raw(conn, VW_REMOTE_PROGRAM, 999, NULL, 0, &reply, &reply_len, &err),
                     -1);
        CHECK_EQ_INT(err.code, VW_ERR_RPC);
        CHECK(err.remote);
        CHECK_EQ_STR(err.message, "unknown procedure: 999");
        vw_virerror_clear(&err);

        CHECK_EQ_INT(vw_call_raw(conn, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION,
                                 NULL, 0, &reply, &reply_len, &err), 0);
        static const unsigned char want[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
        CHECK_EQ_INT(reply_len, 8);
        if (reply_len == 8)
            CHECK_EQ_MEM(reply, want, 8);
        free(reply);
        vw_conn_close(conn, NULL);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

int main(void)
{
    RUN(test_handshake_bytes);
    RUN(test_read_only_and_old_server);
    RUN(test_sasl_refused_clearly);
    RUN(test_polkit_and_open_error);
    RUN(test_tcp_transport);
    RUN(test_connect_refused);
    RUN(test_threads_out_of_order);
    RUN(test_keepalive_ping_answered);
    RUN(test_keepalive_pings_sent);
    RUN(test_keepalive_peer_dead);
    RUN(test_call_timeout_and_late_reply);
    RUN(test_server_not_reading);
    RUN(test_error_decoded_in_full);
    RUN(test_peer_close_fails_all_pending);
    RUN(test_events);
    RUN(test_generic_calls);
    return vwtest_summary("client_conn");
}
