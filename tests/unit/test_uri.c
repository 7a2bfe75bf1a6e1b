/* test_uri.c: libvirt URI parsing of the client library (lv_uri.h): transports, socket paths,
 * the name sent in CONNECT_OPEN, and clear errors for bad URIs. */
#include <stdlib.h>
#include <string.h>

#include "lv_uri.h"
#include "vwtest.h"

static void test_unix_with_socket(void)
{
    vw_uri u;
    vw_virerror err = { 0 };
    CHECK_EQ_INT(vw_uri_parse("test+unix:///default?socket=/tmp/x/libvirt-sock", 0, &u, &err), 0);
    CHECK_EQ_STR(u.driver, "test");
    CHECK_EQ_INT(u.transport, VW_TRANSPORT_UNIX);
    CHECK_EQ_STR(u.socket_path, "/tmp/x/libvirt-sock");
    CHECK_EQ_STR(u.open_name, "test:///default");
    CHECK(u.host == NULL);
    vw_uri_clear(&u);

    CHECK_EQ_INT(vw_uri_parse("qemu+unix:///system?socket=/a%20b/s", 0, &u, &err), 0);
    CHECK_EQ_STR(u.socket_path, "/a b/s");
    CHECK_EQ_STR(u.open_name, "qemu:///system");
    vw_uri_clear(&u);
}

static void test_tcp(void)
{
    vw_uri u;
    vw_virerror err = { 0 };
    CHECK_EQ_INT(vw_uri_parse("qemu+tcp://10.1.2.3:16510/system", 0, &u, &err), 0);
    CHECK_EQ_INT(u.transport, VW_TRANSPORT_TCP);
    CHECK_EQ_STR(u.host, "10.1.2.3");
    CHECK_EQ_INT(u.port, 16510);
    CHECK_EQ_STR(u.open_name, "qemu:///system");
    CHECK(u.socket_path == NULL);
    vw_uri_clear(&u);

    CHECK_EQ_INT(vw_uri_parse("test+tcp://127.0.0.1:5555/default", 0, &u, &err), 0);
    CHECK_EQ_STR(u.host, "127.0.0.1");
    CHECK_EQ_INT(u.port, 5555);
    CHECK_EQ_STR(u.open_name, "test:///default");
    vw_uri_clear(&u);

    CHECK_EQ_INT(vw_uri_parse("qemu+tcp://user@example.org/system", 0, &u, &err), 0);
    CHECK_EQ_STR(u.host, "example.org");
    CHECK_EQ_INT(u.port, 16509);
    vw_uri_clear(&u);

    CHECK_EQ_INT(vw_uri_parse("qemu+tcp://[::1]:1234/system", 0, &u, &err), 0);
    CHECK_EQ_STR(u.host, "::1");
    CHECK_EQ_INT(u.port, 1234);
    vw_uri_clear(&u);
}

static void test_defaults_and_names(void)
{
    vw_uri u;
    vw_virerror err = { 0 };
    CHECK_EQ_INT(vw_uri_parse("qemu:///system", 0, &u, &err), 0);
    CHECK_EQ_INT(u.transport, VW_TRANSPORT_UNIX);
    CHECK_EQ_STR(u.socket_path, "/run/libvirt/libvirt-sock");
    CHECK_EQ_STR(u.open_name, "qemu:///system");
    vw_uri_clear(&u);

    CHECK_EQ_INT(vw_uri_parse("qemu:///system", VW_CONN_READ_ONLY, &u, &err), 0);
    CHECK_EQ_STR(u.socket_path, "/run/libvirt/libvirt-sock-ro");
    vw_uri_clear(&u);

    setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
    CHECK_EQ_INT(vw_uri_parse("qemu:///session", 0, &u, &err), 0);
    CHECK_EQ_STR(u.socket_path, "/run/user/4242/libvirt/libvirt-sock");
    CHECK_EQ_STR(u.open_name, "qemu:///session");
    vw_uri_clear(&u);

    /* parameters the remote driver does not consume are forwarded, in order */
    CHECK_EQ_INT(vw_uri_parse("qemu+unix:///system?foo=bar&socket=/s&mode=legacy&x=1", 0, &u,
                              &err), 0);
    CHECK_EQ_STR(u.open_name, "qemu:///system?foo=bar&x=1");
    CHECK_EQ_STR(u.socket_path, "/s");
    vw_uri_clear(&u);
    /* libvirt's list (remote_driver.c doRemoteOpen): no_sanity is consumed, tls is not */
    CHECK_EQ_INT(vw_uri_parse("qemu+tcp://h:1/system?no_sanity=1&tls=x&proxy=auto&authfile=/a", 0,
                              &u, &err), 0);
    CHECK_EQ_STR(u.open_name, "qemu:///system?tls=x");
    vw_uri_clear(&u);

    /* name= replaces the open name; the remote driver probes with "" */
    CHECK_EQ_INT(vw_uri_parse("qemu+unix:///system?name=test:///default&socket=/s", 0, &u, &err),
                 0);
    CHECK_EQ_STR(u.open_name, "test:///default");
    vw_uri_clear(&u);
    CHECK_EQ_INT(vw_uri_parse("remote+unix:///?socket=/s", 0, &u, &err), 0);
    CHECK_EQ_STR(u.open_name, "");
    vw_uri_clear(&u);
    CHECK_EQ_INT(err.code, 0);
}

static void expect_error(const char *uri, int code, const char *fragment)
{
    vw_uri u;
    vw_virerror err = { 0 };
    CHECK_EQ_INT(vw_uri_parse(uri, 0, &u, &err), -1);
    CHECK_EQ_INT(err.code, code);
    CHECK(err.message != NULL);
    if (err.message && !strstr(err.message, fragment)) {
        fprintf(stderr, "URI '%s': message '%s' lacks '%s'\n", uri, err.message, fragment);
        CHECK(0);
    }
    CHECK(u.driver == NULL && u.open_name == NULL);
    vw_virerror_clear(&err);
}

static void test_tls(void)
{
    vw_uri u;
    vw_virerror err = { 0 };
    CHECK_EQ_INT(vw_uri_parse("qemu+tls://h.example/system?pkipath=/p%20k&no_verify=1&x=1", 0, &u,
                              &err), 0);
    CHECK_EQ_INT(u.transport, VW_TRANSPORT_TLS);
    CHECK_EQ_STR(u.host, "h.example");
    CHECK_EQ_INT(u.port, 16514);
    CHECK_EQ_STR(u.pkipath, "/p k");
    CHECK(u.no_verify);
    CHECK_EQ_STR(u.open_name, "qemu:///system?x=1");
    vw_uri_clear(&u);
    /* a host without a transport is TLS, as in libvirt; the port stays when given */
    CHECK_EQ_INT(vw_uri_parse("qemu://10.0.0.1:1234/system?no_verify=0", 0, &u, &err), 0);
    CHECK_EQ_INT(u.transport, VW_TRANSPORT_TLS);
    CHECK_EQ_INT(u.port, 1234);
    CHECK(!u.no_verify && u.pkipath == NULL);
    vw_uri_clear(&u);
    vw_virerror_clear(&err);
}

static void test_ssh(void)
{
    vw_uri u;
    vw_virerror err = { 0 };
    CHECK_EQ_INT(vw_uri_parse("qemu+ssh://fred@h:2222/system?netcat=ncat&proxy=netcat&no_tty=1&"
                              "keyfile=/k&x=y", 0, &u, &err), 0);
    CHECK_EQ_INT(u.transport, VW_TRANSPORT_SSH);
    CHECK_EQ_STR(u.host, "h");
    CHECK_EQ_STR(u.user, "fred");
    CHECK(u.port_given && u.port == 2222 && u.no_tty);
    CHECK_EQ_STR(u.netcat, "ncat");
    CHECK_EQ_STR(u.proxy, "netcat");
    CHECK_EQ_STR(u.keyfile, "/k");
    CHECK_EQ_STR(u.socket_path, "/run/libvirt/libvirt-sock");   /* the remote daemon's */
    CHECK_EQ_STR(u.open_name, "qemu:///system?x=y");
    vw_uri_clear(&u);
    CHECK_EQ_INT(vw_uri_parse("qemu+ssh://h/system?socket=/s", 0, &u, &err), 0);
    CHECK(!u.port_given && u.user == NULL);
    CHECK_EQ_STR(u.socket_path, "/s");
    vw_uri_clear(&u);
    vw_virerror_clear(&err);
}

static void test_bad_uris(void)
{
    expect_error("", VW_ERR_INVALID_ARG, "empty");
    expect_error(NULL, VW_ERR_INVALID_ARG, "empty");
    expect_error("qemu", VW_ERR_INVALID_ARG, "scheme://");
    expect_error("+unix:///x", VW_ERR_INVALID_ARG, "scheme");
    expect_error("qemu+:///x", VW_ERR_INVALID_ARG, "DRIVER+TRANSPORT");
    expect_error("qemu+ext:///system", VW_ERR_NO_SUPPORT, "'ext'");
    expect_error("qemu+tcp://h:99999/system", VW_ERR_INVALID_ARG, "99999");
    expect_error("qemu+tcp://h:abc/system", VW_ERR_INVALID_ARG, "abc");
    expect_error("qemu+tcp://h:/system", VW_ERR_INVALID_ARG, "port");
    expect_error("qemu+tcp://[::1/system", VW_ERR_INVALID_ARG, "IPv6");
    expect_error("qemu+unix://host/system", VW_ERR_INVALID_ARG, "host");
    expect_error("qemu+unix:///system?socket=", VW_ERR_INVALID_ARG, "empty socket");
    expect_error("qemu+unix:///system?socket=%zz", VW_ERR_INVALID_ARG, "percent");
    expect_error("qemu+unix:///system?socket=%2", VW_ERR_INVALID_ARG, "percent");
    expect_error("qemu:///sys tem", VW_ERR_INVALID_ARG, "offset 11");
}

int main(void)
{
    RUN(test_unix_with_socket);
    RUN(test_tcp);
    RUN(test_tls);
    RUN(test_ssh);
    RUN(test_defaults_and_names);
    RUN(test_bad_uris);
    return vwtest_summary("uri");
}
