/* test_fl_dispatch.c: fake-libvirtd's server, dispatch and stubs in-process (tests/unit/fl_peer.h:
 * a detached server as fuzz/targets/fuzz_fake_libvirtd.c and fuzz_scenario.c drive it; no
 * socket file, no process).
 *
 * Dispatch: the handshake, calls answered from the built-in state (libvirt's test driver's
 * default: one running domain "test"), a call before CONNECT_OPEN, an unknown procedure,
 * read-only connections refused a write, keepalive PING answered with PONG, serials kept.
 * Stubs (a scenario loaded as --scenario loads it): an error stub for one argument, on_call,
 * fallthrough to the model for other arguments, and the journal as the admin socket reports it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "fl_peer.h"
#include "../../fake-libvirtd/stubs.h"
#include "vwtest.h"

static fl_server *new_server(void)
{
    char err[512] = "";
    fl_server *srv = fl_server_new_detached(NULL, 0, err, sizeof(err));
    if (!srv)
        fprintf(stderr, "fl_server_new_detached: %s\n", err);
    return srv;
}

/* A new server and a client connection that opened test:///default; NULL (a failed check)
 * when that cannot be set up. */
static fl_server *open_session(fl_peer *p)
{
    fl_server *srv = new_server();
    if (!srv || fl_peer_connect(p, srv, false) < 0) {
        CHECK(!"set-up");
        if (srv)
            fl_server_free(srv);
        return NULL;
    }
    CHECK_EQ_INT(fl_peer_open(p, "test:///default"), 0);
    return srv;
}

static char *get_string(fl_peer *p, int32_t proc, uint32_t serial, xdrproc_t codec,
                        const void *args, xdrproc_t ret_codec)
{
    fl_peer_packet r;
    char *out = NULL;
    if (!fl_peer_call(p, proc, serial, codec, args, &r))
        return NULL;
    vw_connect_get_type_ret ret;   /* every one-string return has this layout */
    if (r.hdr.status == VW_NET_OK && fl_peer_decode(&r, ret_codec, &ret, sizeof(ret)) == 0) {
        out = strdup(ret.type);
        vw_xdr_free(ret_codec, &ret);
    }
    fl_peer_packet_free(&r);
    return out;
}

static void test_handshake_and_model_calls(void)
{
    fl_peer p;
    fl_server *srv = open_session(&p);
    if (!srv)
        return;
    char *type = get_string(&p, VW_REMOTE_PROC_CONNECT_GET_TYPE, 2, VW_XDR_VOID, NULL,
                            (xdrproc_t)xdr_vw_connect_get_type_ret);
    CHECK_EQ_STR(type, "TEST");
    free(type);

    vw_domain_lookup_by_name_args lookup = { .name = (char *)"test" };
    fl_peer_packet r;
    CHECK(fl_peer_call(&p, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, 3,
                       (xdrproc_t)xdr_vw_domain_lookup_by_name_args, &lookup, &r));
    CHECK_EQ_INT(r.hdr.status, VW_NET_OK);
    CHECK_EQ_INT(r.hdr.serial, 3);
    vw_domain_lookup_by_name_ret dom;
    CHECK_EQ_INT(fl_peer_decode(&r, (xdrproc_t)xdr_vw_domain_lookup_by_name_ret, &dom,
                                sizeof(dom)), 0);
    CHECK_EQ_STR(dom.dom.name, "test");
    vw_domain_get_xml_desc_args xml_args = { .dom = dom.dom, .flags = 0 };
    fl_peer_packet_free(&r);
    CHECK(fl_peer_call(&p, VW_REMOTE_PROC_DOMAIN_GET_XML_DESC, 4,
                       (xdrproc_t)xdr_vw_domain_get_xml_desc_args, &xml_args, &r));
    vw_domain_get_xml_desc_ret xml;
    CHECK_EQ_INT(fl_peer_decode(&r, (xdrproc_t)xdr_vw_domain_get_xml_desc_ret, &xml,
                                sizeof(xml)), 0);
    CHECK(xml.xml && strstr(xml.xml, "<name>test</name>") != NULL);
    vw_xdr_free((xdrproc_t)xdr_vw_domain_get_xml_desc_ret, &xml);
    vw_xdr_free((xdrproc_t)xdr_vw_domain_lookup_by_name_ret, &dom);
    fl_peer_packet_free(&r);

    /* a domain that does not exist: what libvirtd 9.0's test driver answers (VIR_ERR_NO_DOMAIN
     * 42, VIR_FROM_TEST 12, no name in the message) */
    lookup.name = (char *)"no-such-domain";
    CHECK(fl_peer_call(&p, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, 5,
                       (xdrproc_t)xdr_vw_domain_lookup_by_name_args, &lookup, &r));
    int code, domain;
    const char *msg = fl_peer_error(&r, &code, &domain);
    CHECK_EQ_INT(code, 42);
    CHECK_EQ_INT(domain, 12);
    CHECK_EQ_STR(msg, "Domain not found");
    fl_peer_packet_free(&r);

    /* an unknown procedure gets an error reply with its serial, and the connection goes on */
    CHECK(fl_peer_call(&p, 999999, 6, VW_XDR_VOID, NULL, &r));
    CHECK_EQ_INT(r.hdr.status, VW_NET_ERROR);
    CHECK(strstr(fl_peer_error(&r, &code, &domain), "999999") != NULL);
    fl_peer_packet_free(&r);
    type = get_string(&p, VW_REMOTE_PROC_CONNECT_GET_TYPE, 7, VW_XDR_VOID, NULL,
                      (xdrproc_t)xdr_vw_connect_get_type_ret);
    CHECK_EQ_STR(type, "TEST");
    free(type);
    fl_peer_close(&p);
    fl_server_free(srv);
}

static void test_calls_before_open_and_read_only(void)
{
    fl_server *srv = new_server();
    fl_peer p, ro;
    CHECK(srv && fl_peer_connect(&p, srv, false) == 0 && fl_peer_connect(&ro, srv, true) == 0);
    if (!srv)
        return;
    fl_peer_packet r;
    int code, domain;
    CHECK(fl_peer_call(&p, VW_REMOTE_PROC_CONNECT_GET_TYPE, 1, VW_XDR_VOID, NULL, &r));
    CHECK_EQ_INT(r.hdr.status, VW_NET_ERROR);
    CHECK(fl_peer_error(&r, &code, &domain)[0] != '\0');
    fl_peer_packet_free(&r);

    CHECK_EQ_INT(fl_peer_open(&ro, "test:///default"), 0);
    vw_domain_define_xml_args def = {
        .xml = (char *)"<domain type='test'><name>ro-refused</name><memory>1024</memory>"
                       "<os><type>hvm</type></os></domain>" };
    CHECK(fl_peer_call(&ro, VW_REMOTE_PROC_DOMAIN_DEFINE_XML, 2,
                       (xdrproc_t)xdr_vw_domain_define_xml_args, &def, &r));
    CHECK_EQ_INT(r.hdr.status, VW_NET_ERROR);
    CHECK(strstr(fl_peer_error(&r, &code, &domain), "read only") != NULL);
    fl_peer_packet_free(&r);
    /* reading still works on the read-only connection */
    char *type = get_string(&ro, VW_REMOTE_PROC_CONNECT_GET_TYPE, 3, VW_XDR_VOID, NULL,
                            (xdrproc_t)xdr_vw_connect_get_type_ret);
    CHECK_EQ_STR(type, "TEST");
    free(type);
    fl_peer_close(&ro);
    fl_peer_close(&p);
    fl_server_free(srv);
}

static void test_keepalive_ping_gets_pong(void)
{
    fl_peer p;
    fl_server *srv = open_session(&p);
    if (!srv)
        return;
    CHECK_EQ_INT(fl_peer_send(&p, VW_KEEPALIVE_PROGRAM, 1 /* PING */, VW_NET_MESSAGE, 0,
                              VW_XDR_VOID, NULL), 0);
    fl_peer_packet r;
    int pong = 0;
    while (!pong && fl_peer_recv(&p, &r)) {
        pong = r.hdr.prog == VW_KEEPALIVE_PROGRAM && r.hdr.proc == 2 /* PONG */ &&
               r.hdr.type == VW_NET_MESSAGE;
        fl_peer_packet_free(&r);
    }
    CHECK(pong);
    fl_peer_close(&p);
    fl_server_free(srv);
}

static const char SCENARIO[] =
    "{\"protocol\": \"libvirt\", \"stubs\": ["
    " {\"id\": \"ghost\", \"match\": {\"procedure\": \"DOMAIN_LOOKUP_BY_NAME\","
    "   \"args\": {\"name\": \"ghost\"}},"
    "  \"answer\": {\"error\": {\"code\": 42, \"domain\": 12, \"message\": \"stubbed: no ghost\"}}},"
    " {\"match\": {\"procedure\": \"CONNECT_GET_HOSTNAME\"}, \"on_call\": 2,"
    "  \"answer\": {\"error\": {\"code\": 1, \"domain\": 0, \"message\": \"second call fails\"}}}"
    "]}";

/* A scenario file on a memfd, loaded as --scenario loads a file. */
static fl_stubs *load_scenario(fl_server *srv, const char *text)
{
    char err[1024] = "", path[64];
    int fd = memfd_create("scenario", MFD_CLOEXEC);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    vw_error e;
    fl_stubs *st = fl_stubs_new(srv, path, 1, &e);
    close(fd);
    if (!st)
        fprintf(stderr, "scenario: %s\n", vw_error_format(&e, err, sizeof(err)));
    return st;
}

static void test_stubs_answer_before_the_model(void)
{
    fl_server *srv = new_server();
    fl_stubs *st = srv ? load_scenario(srv, SCENARIO) : NULL;
    CHECK(st != NULL);
    if (!st) {
        if (srv)
            fl_server_free(srv);
        return;
    }
    fl_server_set_stubs(srv, st);
    fl_peer p;
    CHECK_EQ_INT(fl_peer_connect(&p, srv, false), 0);
    CHECK_EQ_INT(fl_peer_open(&p, "test:///default"), 0);

    fl_peer_packet r;
    int code, domain;
    vw_domain_lookup_by_name_args lookup = { .name = (char *)"ghost" };
    CHECK(fl_peer_call(&p, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, 2,
                       (xdrproc_t)xdr_vw_domain_lookup_by_name_args, &lookup, &r));
    CHECK_EQ_STR(fl_peer_error(&r, &code, &domain), "stubbed: no ghost");
    CHECK_EQ_INT(code, 42);
    CHECK_EQ_INT(domain, 12);
    CHECK_EQ_INT(r.hdr.serial, 2);
    fl_peer_packet_free(&r);
    lookup.name = (char *)"test";              /* other arguments: the model answers */
    CHECK(fl_peer_call(&p, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, 3,
                       (xdrproc_t)xdr_vw_domain_lookup_by_name_args, &lookup, &r));
    CHECK_EQ_INT(r.hdr.status, VW_NET_OK);
    fl_peer_packet_free(&r);

    char *host = get_string(&p, VW_REMOTE_PROC_CONNECT_GET_HOSTNAME, 4, VW_XDR_VOID, NULL,
                            (xdrproc_t)xdr_vw_connect_get_hostname_ret);
    CHECK(host != NULL);                      /* first call: the model */
    free(host);
    CHECK(fl_peer_call(&p, VW_REMOTE_PROC_CONNECT_GET_HOSTNAME, 5, VW_XDR_VOID, NULL, &r));
    CHECK_EQ_STR(fl_peer_error(&r, &code, &domain), "second call fails");
    fl_peer_packet_free(&r);
    host = get_string(&p, VW_REMOTE_PROC_CONNECT_GET_HOSTNAME, 6, VW_XDR_VOID, NULL,
                      (xdrproc_t)xdr_vw_connect_get_hostname_ret);
    CHECK(host != NULL);                      /* third: the model again */
    free(host);

    /* the journal, as the admin socket's "journal" reports it */
    json_t *req = json_pack("{s:s}", "procedure", "DOMAIN_LOOKUP_BY_NAME");
    json_t *journal = fl_stubs_admin(st, "journal", req);
    CHECK(json_is_true(json_object_get(journal, "ok")));
    const json_t *entries = json_object_get(journal, "entries");
    CHECK_EQ_INT(json_array_size(entries), 2);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(entries, 0), "stub")), "ghost");
    CHECK(json_is_null(json_object_get(json_array_get(entries, 1), "stub")));
    json_decref(journal);
    json_decref(req);
    fl_peer_close(&p);
    fl_server_free(srv);
    fl_stubs_free(st);
}

static void test_bad_scenario_is_refused_with_a_message(void)
{
    fl_server *srv = new_server();
    if (!srv) {
        CHECK(!"server");
        return;
    }
    char err[1024] = "", path[64];
    int fd = memfd_create("scenario", MFD_CLOEXEC);
    const char *bad = "{\"protocol\": \"qmp\", \"stubs\": []}";
    CHECK(fd >= 0 && write(fd, bad, strlen(bad)) == (ssize_t)strlen(bad));
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    vw_error e;
    fl_stubs *st = fl_stubs_new(srv, path, 1, &e);
    close(fd);
    CHECK(st == NULL);
    CHECK(strncmp(e.source, "--scenario /proc/self/fd/", 25) == 0);
    CHECK(e.line == 0);   /* a valid JSON document: the JSON path says where */
    vw_error_format(&e, err, sizeof(err));
    CHECK(strstr(err, "$.protocol") != NULL && strstr(err, "libvirt") != NULL);
    fl_stubs_free(st);
    fl_server_free(srv);
}

int main(void)
{
    RUN(test_handshake_and_model_calls);
    RUN(test_calls_before_open_and_read_only);
    RUN(test_keepalive_ping_gets_pong);
    RUN(test_stubs_answer_before_the_model);
    RUN(test_bad_scenario_is_refused_with_a_message);
    return vwtest_summary("fl_dispatch");
}
