/* test_client_badinput.c: the client library against a peer that misbehaves after a good
 * handshake: length words 0, 27, 2^31 and 64 MiB, a truncated packet then close, a close in the
 * middle of a reply, unknown serials, unknown programs, replies for the wrong procedure, bad
 * statuses and undecodable payloads. Each must give a clear error (or a counted drop), never a
 * crash, hang, leak, or an allocation of the bogus size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvirt_client.h"
#include "client_peer.h"
#include "vwtest.h"

enum action {
    SEND_LENGTH,            /* arg: the length word, then 24 bytes of header-ish junk */
    SEND_TRUNCATED_CLOSE,   /* length 100, then 30 bytes, then close */
    SEND_HALF_REPLY_CLOSE,  /* the first 20 bytes of a good reply, then close */
    SEND_UNKNOWN_SERIAL,    /* a reply with serial 999, then the good reply */
    SEND_UNKNOWN_PROGRAM,   /* a packet of program 0x12345678 with the call's serial, then good */
    SEND_WRONG_PROC,        /* a reply with the call's serial but another procedure */
    SEND_STATUS_CONTINUE,   /* a reply with status CONTINUE */
    SEND_BAD_PAYLOAD,       /* an OK reply whose payload is 2 bytes (needs 8) */
    SEND_BAD_ERROR,         /* an ERROR reply whose payload is not a remote_error */
    SEND_STREAM_PACKET,     /* a STREAM packet with the call's serial, then the good reply */
    SEND_TRAILING_BYTES,    /* a good reply with 4 extra bytes after the payload */
};

struct bad_case {
    enum action action;
    uint32_t arg;
};

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A whole packet: length word + header + payload. */
static size_t build(uint8_t *out, uint32_t prog, int proc, int type, uint32_t serial, int status,
                    const uint8_t *payload, size_t len)
{
    put32(out, (uint32_t)(28 + len));
    put32(out + 4, prog);
    put32(out + 8, 1);
    put32(out + 12, (uint32_t)proc);
    put32(out + 16, (uint32_t)type);
    put32(out + 20, serial);
    put32(out + 24, (uint32_t)status);
    if (len)
        memcpy(out + 28, payload, len);
    return 28 + len;
}

static void script_bad(client_peer *peer, void *opaque)
{
    const struct bad_case *c = opaque;
    vw_packet_header call;
    if (client_peer_handshake(peer, false) < 0)
        return;
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION, &call,
                         NULL, NULL) < 0)
        return;
    const uint8_t version[8] = { 0, 0, 0, 0, 0, 0x89, 0x54, 0x40 };   /* 9000000 */
    uint8_t pkt[128], good[64];
    size_t good_len = build(good, VW_REMOTE_PROGRAM, call.proc, VW_NET_REPLY, call.serial,
                            VW_NET_OK, version, 8);
    size_t n;
    switch (c->action) {
    case SEND_LENGTH:
        memset(pkt, 0x41, sizeof(pkt));
        put32(pkt, c->arg);
        client_peer_send_raw(peer, pkt, 28);
        client_peer_drain_until_eof(peer);
        return;
    case SEND_TRUNCATED_CLOSE:
        memset(pkt, 0, sizeof(pkt));
        build(pkt, VW_REMOTE_PROGRAM, call.proc, VW_NET_REPLY, call.serial, VW_NET_OK, pkt, 0);
        put32(pkt, 100);
        client_peer_send_raw(peer, pkt, 30);
        client_peer_close_client(peer);
        return;
    case SEND_HALF_REPLY_CLOSE:
        client_peer_send_raw(peer, good, 20);
        client_peer_close_client(peer);
        return;
    case SEND_UNKNOWN_SERIAL:
        n = build(pkt, VW_REMOTE_PROGRAM, call.proc, VW_NET_REPLY, 999, VW_NET_OK, version, 8);
        client_peer_send_raw(peer, pkt, n);
        client_peer_drain_until_eof(peer);
        return;
    case SEND_UNKNOWN_PROGRAM:
        n = build(pkt, 0x12345678, call.proc, VW_NET_REPLY, call.serial, VW_NET_OK, version, 8);
        client_peer_send_raw(peer, pkt, n);
        client_peer_send_raw(peer, good, good_len);
        break;
    case SEND_WRONG_PROC:
        n = build(pkt, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_VERSION, VW_NET_REPLY,
                  call.serial, VW_NET_OK, version, 8);
        client_peer_send_raw(peer, pkt, n);
        break;
    case SEND_STATUS_CONTINUE:
        n = build(pkt, VW_REMOTE_PROGRAM, call.proc, VW_NET_REPLY, call.serial, VW_NET_CONTINUE,
                  version, 8);
        client_peer_send_raw(peer, pkt, n);
        break;
    case SEND_BAD_PAYLOAD:
        n = build(pkt, VW_REMOTE_PROGRAM, call.proc, VW_NET_REPLY, call.serial, VW_NET_OK,
                  version, 2);
        client_peer_send_raw(peer, pkt, n);
        break;
    case SEND_BAD_ERROR:
        n = build(pkt, VW_REMOTE_PROGRAM, call.proc, VW_NET_REPLY, call.serial, VW_NET_ERROR,
                  version, 6);
        client_peer_send_raw(peer, pkt, n);
        break;
    case SEND_TRAILING_BYTES: {
        uint8_t longer[12];
        memcpy(longer, version, 8);
        memset(longer + 8, 0, 4);
        n = build(pkt, VW_REMOTE_PROGRAM, call.proc, VW_NET_REPLY, call.serial, VW_NET_OK,
                  longer, 12);
        client_peer_send_raw(peer, pkt, n);
        break;
    }
    case SEND_STREAM_PACKET:
        n = build(pkt, VW_REMOTE_PROGRAM, call.proc, VW_NET_STREAM, call.serial, VW_NET_CONTINUE,
                  version, 5);
        client_peer_send_raw(peer, pkt, n);
        client_peer_send_raw(peer, good, good_len);
        break;
    }
    /* the connection must still work */
    if (client_peer_expect_call(peer, VW_REMOTE_PROGRAM, VW_REMOTE_PROC_CONNECT_GET_LIB_VERSION, &call,
                         NULL, NULL) == 0) {
        good_len = build(good, VW_REMOTE_PROGRAM, call.proc, VW_NET_REPLY, call.serial, VW_NET_OK,
                         version, 8);
        client_peer_send_raw(peer, good, good_len);
    }
    client_peer_serve_close(peer);
}

/* The peer breaks the stream: the call fails with VW_ERR_RPC naming the problem, the connection
 * is dead, later calls fail at once with NO_CONNECT. */
static void expect_fatal(enum action action, uint32_t arg, const char *fragment)
{
    struct bad_case c = { action, arg };
    client_peer *peer = client_peer_start(script_bad, &c);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 20000, 5, 5, 0);
    CHECK(conn != NULL);
    if (conn) {
        uint64_t v = 0;
        vw_virerror err = { 0 };
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, &err), -1);
        CHECK_EQ_INT(err.code, VW_ERR_RPC);
        CHECK_EQ_INT(err.domain, VW_FROM_RPC);
        CHECK(!err.remote);
        if (!err.message || !strstr(err.message, fragment)) {
            fprintf(stderr, "message '%s' lacks '%s'\n", err.message ? err.message : "(null)",
                    fragment);
            CHECK(0);
        }
        vw_virerror_clear(&err);
        CHECK(!vw_conn_is_alive(conn));
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, &err), -1);
        CHECK_EQ_INT(err.code, VW_ERR_NO_CONNECT);
        vw_virerror_clear(&err);
        vw_conn_close(conn, NULL);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

/* The peer sends something odd that only spoils (or does not touch) this call: the connection
 * stays usable. rc is the first call's expected result. */
static void expect_survives_flags(enum action action, unsigned int flags, int rc,
                                  const char *fragment, uint64_t unknown_serial,
                                  uint64_t unknown_program, uint64_t other)
{
    struct bad_case c = { action, 0 };
    client_peer *peer = client_peer_start(script_bad, &c);
    CHECK(peer != NULL);
    if (!peer)
        return;
    vw_conn *conn = client_peer_connect(peer, 20000, 5, 5, flags);
    CHECK(conn != NULL);
    if (conn) {
        uint64_t v = 0;
        vw_virerror err = { 0 };
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, &err), rc);
        if (rc == 0) {
            CHECK_EQ_INT(v, 9000000);
        } else {
            CHECK_EQ_INT(err.code, VW_ERR_RPC);
            if (!err.message || !strstr(err.message, fragment)) {
                fprintf(stderr, "message '%s' lacks '%s'\n",
                        err.message ? err.message : "(null)", fragment);
                CHECK(0);
            }
        }
        vw_virerror_clear(&err);
        CHECK(vw_conn_is_alive(conn));
        v = 0;
        CHECK_EQ_INT(vw_connect_get_lib_version(conn, &v, &err), 0);
        CHECK_EQ_INT(v, 9000000);
        vw_conn_stats st;
        vw_conn_get_stats(conn, &st);
        CHECK_EQ_INT(st.replies_unknown_serial, unknown_serial);
        CHECK_EQ_INT(st.packets_unknown_program, unknown_program);
        CHECK_EQ_INT(st.packets_dropped_other, other);
        vw_conn_close(conn, NULL);
    }
    CHECK_EQ_INT(client_peer_finish(peer), 0);
}

static void expect_survives(enum action action, int rc, const char *fragment,
                            uint64_t unknown_serial, uint64_t unknown_program, uint64_t other)
{
    expect_survives_flags(action, 0, rc, fragment, unknown_serial, unknown_program, other);
}

static void test_length_zero(void) { expect_fatal(SEND_LENGTH, 0, "packet length 0"); }
static void test_length_27(void) { expect_fatal(SEND_LENGTH, 27, "packet length 27"); }
static void test_length_2g(void) { expect_fatal(SEND_LENGTH, 0x80000000u, "2147483648"); }
static void test_length_64m(void) { expect_fatal(SEND_LENGTH, 64u << 20, "67108864"); }
static void test_truncated_then_close(void)
{
    expect_fatal(SEND_TRUNCATED_CLOSE, 0, "in the middle of a packet (30 of 100 bytes");
}
static void test_close_mid_reply(void)
{
    expect_fatal(SEND_HALF_REPLY_CLOSE, 0, "in the middle of a packet (20 of 36 bytes");
}
/* libvirt's client closes the connection on a reply nobody waits for; so do we (a late reply to
 * a call that timed out is dropped instead: test_client_conn.c). */
static void test_unknown_serial(void)
{
    expect_fatal(SEND_UNKNOWN_SERIAL, 0, "no call waiting for reply with prog 536903814 vers 1 "
                                         "serial 999");
}
static void test_unknown_program(void) { expect_survives(SEND_UNKNOWN_PROGRAM, 0, "", 0, 1, 0); }
static void test_stream_packet_dropped(void)
{
    expect_survives(SEND_STREAM_PACKET, 0, "", 0, 0, 1);
}
static void test_wrong_procedure(void)
{
    expect_survives(SEND_WRONG_PROC, -1, "but that serial was a call of CONNECT_GET_LIB_VERSION",
                    0, 0, 0);
}
static void test_status_continue(void)
{
    expect_survives(SEND_STATUS_CONTINUE, -1, "status 2", 0, 0, 0);
}
static void test_bad_payload(void)
{
    expect_survives(SEND_BAD_PAYLOAD, -1, "cannot decode the 2-byte reply", 0, 0, 0);
}
static void test_bad_error_payload(void)
{
    expect_survives(SEND_BAD_ERROR, -1, "not a valid remote_error", 0, 0, 0);
}

/* trailing bytes: libvirt (lenient) ignores them, VW_CONN_STRICT refuses the reply */
static void test_trailing_bytes_lenient(void)
{
    expect_survives(SEND_TRAILING_BYTES, 0, "", 0, 0, 0);
}
static void test_trailing_bytes_strict(void)
{
    expect_survives_flags(SEND_TRAILING_BYTES, VW_CONN_STRICT, -1, "trailing", 0, 0, 0);
}

int main(void)
{
    RUN(test_length_zero);
    RUN(test_length_27);
    RUN(test_length_2g);
    RUN(test_length_64m);
    RUN(test_truncated_then_close);
    RUN(test_close_mid_reply);
    RUN(test_unknown_serial);
    RUN(test_unknown_program);
    RUN(test_stream_packet_dropped);
    RUN(test_wrong_procedure);
    RUN(test_status_continue);
    RUN(test_bad_payload);
    RUN(test_bad_error_payload);
    RUN(test_trailing_bytes_lenient);
    RUN(test_trailing_bytes_strict);
    return vwtest_summary("client_badinput");
}
