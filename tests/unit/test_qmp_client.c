/* test_qmp_client.c: the QMP client (client/qmp_client.c) against an in-test peer.
 *
 * Each test starts a peer thread on one end of a socketpair (or on a listening unix socket) that
 * plays a scripted QMP server: it writes bytes and reads commands (framed with our own
 * streamer). The client under test runs on the main thread. Messages are shaped as QEMU 7.2.22
 * sends them (greeting, CRLF, member order, events before the return). */
#include "qmp_client.h"
#include "qmp_json.h"
#include "netaddr.h"
#include "vwtest.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, " \
                 "\"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, \"capabilities\": [\"oob\"]}}\r\n"
#define T_MS 5000

/* ---- the scripted peer -------------------------------------------------------------------- */

struct peer;
typedef void peer_script(struct peer *p);

struct peer {
    int fd;
    int listen_fd;             /* when >= 0: accept one connection first */
    peer_script *script;
    pthread_t thread;
    vw_qmp_streamer *st;
    json_t *cmds;              /* framed commands not yet taken */
    int ok;                    /* the script's own checks */
    void *data;
};

static void peer_cb(void *opaque, json_t *msg, const char *error)
{
    struct peer *p = opaque;
    if (error) {
        json_array_append_new(p->cmds, json_pack("{s:s}", "parse-error", error));
    } else {
        json_array_append_new(p->cmds, msg);
    }
}

static void peer_send(struct peer *p, const char *s)
{
    size_t len = strlen(s), off = 0;
    while (off < len) {
        ssize_t n = send(p->fd, s + off, len - off, MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            return;
        }
        off += (size_t)n;
    }
}

static void peer_sendf(struct peer *p, const char *fmt, const json_t *id)
{
    char *ids = vw_qmp_dumps(id, 0);
    char buf[4096];
    snprintf(buf, sizeof(buf), fmt, ids);
    free(ids);
    peer_send(p, buf);
}

/* Reads until one command is framed; NULL on EOF or after 5 s. */
static json_t *peer_recv(struct peer *p)
{
    while (json_array_size(p->cmds) == 0) {
        struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
        if (poll(&pfd, 1, T_MS) <= 0) {
            return NULL;
        }
        char buf[4096];
        ssize_t n = recv(p->fd, buf, sizeof(buf), 0);
        if (n <= 0) {
            return NULL;
        }
        vw_qmp_streamer_feed(p->st, buf, (size_t)n);
    }
    json_t *m = json_incref(json_array_get(p->cmds, 0));
    json_array_remove(p->cmds, 0);
    return m;
}

/* Reads one command, checks its name, returns its id (new reference) */
static json_t *peer_expect(struct peer *p, const char *name)
{
    json_t *m = peer_recv(p);
    const char *got = json_string_value(json_object_get(m, "execute"));
    if (!got) {
        got = json_string_value(json_object_get(m, "exec-oob"));
    }
    if (!got || strcmp(got, name) != 0) {
        fprintf(stderr, "peer: expected command %s\n", name);
        p->ok = 0;
    }
    json_t *id = json_incref(json_object_get(m, "id"));
    json_decref(m);
    return id ? id : json_null();
}

static void peer_negotiate(struct peer *p)
{
    peer_send(p, GREETING);
    json_t *id = peer_expect(p, "qmp_capabilities");
    peer_sendf(p, "{\"return\": {}, \"id\": %s}\r\n", id);
    json_decref(id);
}

static void *peer_main(void *arg)
{
    struct peer *p = arg;
    if (p->listen_fd >= 0) {
        struct pollfd pfd = { .fd = p->listen_fd, .events = POLLIN };
        char err[256];
        if (poll(&pfd, 1, T_MS) != 1 || (p->fd = vw_netaddr_accept(p->listen_fd, err,
                                                                     sizeof(err))) < 0) {
            p->ok = 0;
            return NULL;
        }
        vw_netaddr_set_nonblock(p->fd, 0, err, sizeof(err));
    }
    p->script(p);
    return NULL;
}

/* Starts a peer on a socketpair; returns the client's end. */
static int peer_start(struct peer *p, peer_script *script)
{
    int sv[2];
    memset(p, 0, sizeof(*p));
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        return -1;
    }
    p->fd = sv[1];
    p->listen_fd = -1;
    p->script = script;
    p->ok = 1;
    p->cmds = json_array();
    p->st = vw_qmp_streamer_new(NULL, peer_cb, p);
    pthread_create(&p->thread, NULL, peer_main, p);
    return sv[0];
}

static void peer_finish(struct peer *p)
{
    pthread_join(p->thread, NULL);
    if (p->fd >= 0) {
        close(p->fd);
    }
    if (p->listen_fd >= 0) {
        close(p->listen_fd);
    }
    vw_qmp_streamer_free(p->st);
    json_decref(p->cmds);
    CHECK(p->ok);
}

static vw_qmp_client *open_client(struct peer *p, peer_script *script, vw_qmp_error *err)
{
    int fd = peer_start(p, script);
    return vw_qmp_client_open_fd(fd, "test-peer", T_MS, err);
}

/* ---- greeting and negotiation ---------------------------------------------------------------- */

static void script_greeting_bytewise(struct peer *p)
{
    const char *g = GREETING;
    for (size_t i = 0; g[i]; i++) {
        char one[2] = { g[i], 0 };
        peer_send(p, one);
    }
    json_t *m = peer_recv(p);
    /* asked for oob, and the greeting offers it */
    json_t *en = json_object_get(json_object_get(m, "arguments"), "enable");
    if (!json_is_array(en) || json_array_size(en) != 1 ||
        strcmp(json_string_value(json_array_get(en, 0)), "oob") != 0 ||
        strcmp(json_string_value(json_object_get(m, "execute")), "qmp_capabilities") != 0) {
        p->ok = 0;
    }
    peer_sendf(p, "{\"return\": {}, \"id\": %s}\r\n", json_object_get(m, "id"));
    json_decref(m);
    /* an in-band command, then an OOB one that overtakes it; the in-band one then fails
     * with an id-less error, which must go to it and not to the OOB command */
    json_t *inband = peer_recv(p);
    json_t *oob = peer_recv(p);
    if (!json_is_string(json_object_get(inband, "execute")) ||
        !json_is_string(json_object_get(oob, "exec-oob")) || json_object_get(oob, "execute")) {
        p->ok = 0;
    }
    peer_sendf(p, "{\"return\": {}, \"id\": %s}\r\n", json_object_get(oob, "id"));
    peer_send(p, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n");
    json_decref(inband);
    json_decref(oob);
}

static void test_greeting_and_negotiation(void)
{
    struct peer p;
    vw_qmp_error err;
    vw_qmp_client *c = open_client(&p, script_greeting_bytewise, &err);
    CHECK(c != NULL);
    if (c) {
        int major = 0, minor = 0, micro = 0;
        const char *package = NULL;
        CHECK_EQ_INT(vw_qmp_client_version(c, &major, &minor, &micro, &package), 0);
        CHECK_EQ_INT(major, 7);
        CHECK_EQ_INT(minor, 2);
        CHECK_EQ_INT(micro, 22);
        CHECK_EQ_STR(package, "Debian 1:7.2+dfsg-7+deb12u18+b3");
        CHECK_EQ_INT(vw_qmp_client_offers(c, "oob"), 1);
        CHECK_EQ_INT(vw_qmp_client_offers(c, "nope"), 0);
        CHECK_EQ_INT(vw_qmp_client_oob_enabled(c), 0);
        CHECK_EQ_INT(vw_qmp_client_negotiate(c, 1, T_MS, &err), 0);
        CHECK_EQ_INT(vw_qmp_client_oob_enabled(c), 1);
        json_t *ib = NULL, *ob = NULL, *reply = NULL;
        CHECK_EQ_INT(vw_qmp_client_send(c, "blockdev-add", NULL, NULL, 0, T_MS, &ib, &err), 0);
        CHECK_EQ_INT(vw_qmp_client_send(c, "migrate-pause", NULL, NULL, VW_QMP_EXEC_OOB, T_MS,
                                        &ob, &err), 0);
        CHECK_EQ_INT(vw_qmp_client_wait_reply(c, ob, T_MS, &reply, &err), 0);
        CHECK(json_object_get(reply, "return") != NULL);
        json_decref(reply);
        CHECK_EQ_INT(vw_qmp_client_wait_reply(c, ib, T_MS, &reply, &err), 0);
        CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(reply, "error"), "desc")),
                     "JSON parse error, expecting value");
        json_decref(reply);
        json_decref(ib);
        json_decref(ob);
    }
    vw_qmp_client_close(c);
    peer_finish(&p);
}

static void script_no_oob(struct peer *p)
{
    peer_send(p, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
                 "\"package\": \"v7.2.0\"}, \"capabilities\": []}}\r\n");
    json_t *m = peer_recv(p);
    if (json_object_get(m, "arguments")) {      /* must not ask for what is not offered */
        p->ok = 0;
    }
    peer_sendf(p, "{\"return\": {}, \"id\": %s}\r\n", json_object_get(m, "id"));
    json_decref(m);
}

static void test_negotiation_without_oob_offer(void)
{
    struct peer p;
    vw_qmp_error err;
    vw_qmp_client *c = open_client(&p, script_no_oob, &err);
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ_INT(vw_qmp_client_negotiate(c, 1, T_MS, &err), 0);
        CHECK_EQ_INT(vw_qmp_client_oob_enabled(c), 0);
        /* exec-oob without oob is refused locally with a reason */
        CHECK_EQ_INT(vw_qmp_client_execute(c, "migrate-pause", NULL, NULL, VW_QMP_EXEC_OOB, T_MS,
                                           NULL, &err), -1);
        CHECK_EQ_INT(err.code, VW_QMP_ERR_INVALID);
        CHECK(strstr(err.desc, "does not offer") != NULL);
    }
    vw_qmp_client_close(c);
    peer_finish(&p);
}

static void script_not_qmp(struct peer *p)
{
    peer_send(p, "{\"hello\": 1}\r\n");
    json_decref(peer_recv(p));   /* wait for the client to hang up */
}

static void script_bad_json(struct peer *p)
{
    peer_send(p, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n{\"return\": nul}\r\n");
    json_decref(peer_recv(p));
}

static void script_silent(struct peer *p)
{
    json_decref(peer_recv(p));   /* no greeting at all (like QEMU when another client is attached) */
}

static void test_greeting_problems(void)
{
    struct peer p;
    vw_qmp_error err;
    vw_qmp_client *c = open_client(&p, script_not_qmp, &err);
    CHECK(c == NULL);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_PROTOCOL);
    CHECK(strstr(err.desc, "greeting") != NULL);
    peer_finish(&p);

    c = open_client(&p, script_bad_json, &err);
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ_INT(vw_qmp_client_execute(c, "qmp_capabilities", NULL, NULL, 0, T_MS, NULL,
                                           &err), -1);
        CHECK_EQ_INT(err.code, VW_QMP_ERR_PROTOCOL);
        CHECK(strstr(err.desc, "invalid keyword 'nul'") != NULL);
    }
    vw_qmp_client_close(c);
    peer_finish(&p);

    int fd = peer_start(&p, script_silent);
    c = vw_qmp_client_open_fd(fd, "silent-peer", 200, &err);
    CHECK(c == NULL);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_TIMEOUT);
    CHECK(strstr(err.desc, "no QMP greeting") != NULL);
    peer_finish(&p);
}

/* ---- ids, events, errors ------------------------------------------------------------------- */

struct seen_events {
    char names[8][32];
    long long seconds[8], micro[8];
    int n;
};

static void record_event(void *opaque, const vw_qmp_event *ev)
{
    struct seen_events *s = opaque;
    if (s->n < 8) {
        snprintf(s->names[s->n], sizeof(s->names[0]), "%s", ev->name);
        s->seconds[s->n] = ev->seconds;
        s->micro[s->n] = ev->microseconds;
        s->n++;
    }
}

static void script_pipelined(struct peer *p)
{
    peer_negotiate(p);
    json_t *a = peer_expect(p, "query-status");
    json_t *b = peer_expect(p, "query-name");
    json_t *c = peer_expect(p, "device_del");
    /* out of order, an unknown id, events in between, c's error first */
    peer_send(p, "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 5}, \"event\": \"STOP\"}\r\n");
    peer_sendf(p, "{\"id\": %s, \"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'nosuch' not found\"}}\r\n", c);
    peer_send(p, "{\"return\": {}, \"id\": \"nobody-asked\"}\r\n");
    peer_sendf(p, "{\"return\": {\"name\": \"vm1\"}, \"id\": %s}\r\n", b);
    peer_send(p, "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": -1, \"microseconds\": -1}}");
    peer_sendf(p, "{\"return\": {\"status\": \"paused\", \"singlestep\": false, \"running\": false}, \"id\": %s}", a);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    /* caller's ids come back verbatim, uint64 included */
    json_t *u = peer_expect(p, "query-kvm");
    peer_sendf(p, "{\"return\": {\"enabled\": false, \"present\": true}, \"id\": %s}\r\n", u);
    json_decref(u);
    u = peer_expect(p, "query-kvm");
    peer_sendf(p, "{\"return\": {}, \"id\": %s}\r\n", u);
    json_decref(u);
}

/* open_client, then qmp_capabilities, with the events recorded in ev (unless NULL); NULL, with
 * the peer finished, when the client did not open */
static vw_qmp_client *open_negotiated(struct peer *p, peer_script *script, struct seen_events *ev,
                                      vw_qmp_error *err)
{
    vw_qmp_client *c = open_client(p, script, err);
    CHECK(c != NULL);
    if (!c) {
        peer_finish(p);
        return NULL;
    }
    if (ev)
        vw_qmp_client_set_event_handler(c, record_event, ev);
    CHECK_EQ_INT(vw_qmp_client_negotiate(c, 0, T_MS, err), 0);
    return c;
}

static void test_ids_events_errors(void)
{
    struct peer p;
    vw_qmp_error err;
    struct seen_events ev = { 0 };
    vw_qmp_client *c = open_negotiated(&p, script_pipelined, &ev, &err);
    if (!c)
        return;
    json_t *ida = NULL, *idb = NULL, *idc = NULL, *reply = NULL;
    json_t *dargs = json_pack("{s:s}", "id", "nosuch");
    CHECK_EQ_INT(vw_qmp_client_send(c, "query-status", NULL, NULL, 0, T_MS, &ida, &err), 0);
    CHECK_EQ_INT(vw_qmp_client_send(c, "query-name", NULL, NULL, 0, T_MS, &idb, &err), 0);
    CHECK_EQ_INT(vw_qmp_client_send(c, "device_del", dargs, NULL, 0, T_MS, &idc, &err), 0);
    CHECK(!json_equal(ida, idb) && !json_equal(idb, idc));
    /* wait for the first sent, which arrives last */
    CHECK_EQ_INT(vw_qmp_client_wait_reply(c, ida, T_MS, &reply, &err), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(reply, "return"), "status")),
                 "paused");
    json_decref(reply);
    CHECK_EQ_INT(ev.n, 2);
    CHECK_EQ_STR(ev.names[0], "STOP");
    CHECK_EQ_INT(ev.seconds[0], 1700000000);
    CHECK_EQ_INT(ev.micro[0], 5);
    CHECK_EQ_STR(ev.names[1], "RESUME");
    CHECK_EQ_INT(ev.seconds[1], -1);
    /* the others were kept */
    CHECK_EQ_INT(vw_qmp_client_wait_reply(c, idb, T_MS, &reply, &err), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(reply, "return"), "name")), "vm1");
    json_decref(reply);
    CHECK_EQ_INT(vw_qmp_client_wait_reply(c, idc, T_MS, &reply, &err), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(reply, "error"), "class")),
                 "DeviceNotFound");
    json_decref(reply);
    /* waiting for an id that is not in flight is a usage error */
    CHECK_EQ_INT(vw_qmp_client_wait_reply(c, idc, T_MS, &reply, &err), -1);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_INVALID);

    json_t *uid = vw_qmp_uint64(12345678901234567890ull), *ret = NULL;
    CHECK_EQ_INT(vw_qmp_client_execute(c, "query-kvm", NULL, uid, 0, T_MS, &ret, &err), 0);
    CHECK(json_is_true(json_object_get(ret, "present")));
    json_decref(ret);
    json_t *oid = json_pack("{s:[i,i]}", "nested", 1, 2);
    CHECK_EQ_INT(vw_qmp_client_execute(c, "query-kvm", NULL, oid, 0, T_MS, &ret, &err), 0);
    CHECK(json_is_object(ret) && json_object_size(ret) == 0);
    json_decref(ret);
    json_decref(uid);
    json_decref(oid);
    json_decref(dargs);
    json_decref(ida);
    json_decref(idb);
    json_decref(idc);
    vw_qmp_client_close(c);
    peer_finish(&p);
}

static void script_errors(struct peer *p)
{
    peer_negotiate(p);
    json_t *id = peer_expect(p, "device_del");
    peer_sendf(p, "{\"id\": %s, \"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'nosuch' not found\"}}\r\n", id);
    json_decref(id);
    /* a parse error has no id: it answers the oldest command */
    id = peer_expect(p, "query-status");
    json_decref(id);
    peer_send(p, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, expecting value\"}}\r\n");
    /* raw garbage from the client: QEMU answers without id, nobody waits, it is kept */
    json_t *m = peer_recv(p);
    if (!json_object_get(m, "parse-error")) {
        p->ok = 0;
    }
    json_decref(m);
    peer_send(p, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0001'\"}}\r\n");
    id = peer_expect(p, "query-name");
    peer_sendf(p, "{\"return\": {}, \"id\": %s}\r\n", id);
    json_decref(id);
}

static void test_error_replies(void)
{
    struct peer p;
    vw_qmp_error err;
    vw_qmp_client *c = open_negotiated(&p, script_errors, NULL, &err);
    if (!c)
        return;
    json_t *args = json_pack("{s:s}", "id", "nosuch"), *ret = NULL;
    CHECK_EQ_INT(vw_qmp_client_execute(c, "device_del", args, NULL, 0, T_MS, &ret, &err), -1);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_COMMAND);
    CHECK_EQ_STR(err.cls, "DeviceNotFound");
    CHECK_EQ_STR(err.desc, "Device 'nosuch' not found");
    CHECK(ret == NULL);
    json_decref(args);
    CHECK_EQ_INT(vw_qmp_client_execute(c, "query-status", NULL, NULL, 0, T_MS, &ret, &err), -1);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_COMMAND);
    CHECK_EQ_STR(err.cls, "GenericError");
    CHECK_EQ_STR(err.desc, "JSON parse error, expecting value");
    CHECK_EQ_INT(vw_qmp_client_send_raw(c, "\x01", 1, T_MS, &err), 0);
    json_t *reply = NULL;
    CHECK_EQ_INT(vw_qmp_client_wait_reply(c, NULL, T_MS, &reply, &err), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(reply, "error"), "desc")),
                 "JSON parse error, stray '\x01'");
    json_decref(reply);
    CHECK_EQ_INT(vw_qmp_client_execute(c, "query-name", NULL, NULL, 0, T_MS, &ret, &err), 0);
    json_decref(ret);
    /* the same id twice in flight is refused */
    json_t *id = json_string("dup");
    CHECK_EQ_INT(vw_qmp_client_send(c, "query-name", NULL, id, 0, T_MS, NULL, &err), 0);
    CHECK_EQ_INT(vw_qmp_client_send(c, "query-name", NULL, id, 0, T_MS, NULL, &err), -1);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_INVALID);
    CHECK(strstr(err.desc, "\"dup\"") != NULL);
    json_decref(id);
    /* arguments must be an object */
    json_t *arr = json_array();
    CHECK_EQ_INT(vw_qmp_client_execute(c, "x", arr, NULL, 0, T_MS, NULL, &err), -1);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_INVALID);
    json_decref(arr);
    vw_qmp_client_close(c);
    peer_finish(&p);
}

/* ---- the peer going away, big replies, timeouts ----------------------------------------------- */

static void script_close_mid_reply(struct peer *p)
{
    peer_negotiate(p);
    json_t *id = peer_expect(p, "stop");
    json_decref(id);
    peer_send(p, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}\r\n{\"return\": ");
    shutdown(p->fd, SHUT_RDWR);
}

static void test_peer_closes_mid_command(void)
{
    struct peer p;
    vw_qmp_error err;
    struct seen_events ev = { 0 };
    vw_qmp_client *c = open_negotiated(&p, script_close_mid_reply, &ev, &err);
    if (!c)
        return;
    CHECK_EQ_INT(vw_qmp_client_execute(c, "stop", NULL, NULL, 0, T_MS, NULL, &err), -1);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_CLOSED);
    CHECK(strstr(err.desc, "closed the connection in the middle of a message") != NULL);
    CHECK(strstr(err.desc, "'stop'") != NULL);
    CHECK_EQ_INT(ev.n, 1);       /* the complete event before it was still delivered */
    /* later calls fail at once with the same reason, never hang */
    CHECK_EQ_INT(vw_qmp_client_execute(c, "cont", NULL, NULL, 0, T_MS, NULL, &err), -1);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_CLOSED);
    CHECK_EQ_INT(vw_qmp_client_wait_events(c, 0, &err), -1);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_CLOSED);
    vw_qmp_client_close(c);
    peer_finish(&p);
}

static void script_quit(struct peer *p)
{
    peer_negotiate(p);
    json_t *id = peer_expect(p, "quit");
    /* QEMU 7.2: SHUTDOWN, the return, then the socket closes */
    char buf[512];
    char *ids = vw_qmp_dumps(id, 0);
    snprintf(buf, sizeof(buf), "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": "
             "\"SHUTDOWN\", \"data\": {\"guest\": false, \"reason\": \"host-qmp-quit\"}}\r\n"
             "{\"return\": {}, \"id\": %s}\r\n", ids);
    free(ids);
    json_decref(id);
    peer_send(p, buf);
    shutdown(p->fd, SHUT_RDWR);
}

static void test_quit_then_close(void)
{
    struct peer p;
    vw_qmp_error err;
    struct seen_events ev = { 0 };
    vw_qmp_client *c = open_negotiated(&p, script_quit, &ev, &err);
    if (!c)
        return;
    /* the reply arrives in the same read as the close: success */
    CHECK_EQ_INT(vw_qmp_client_execute(c, "quit", NULL, NULL, 0, T_MS, NULL, &err), 0);
    CHECK_EQ_INT(ev.n, 1);
    CHECK_EQ_STR(ev.names[0], "SHUTDOWN");
    CHECK_EQ_INT(vw_qmp_client_wait_events(c, T_MS, &err), -1);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_CLOSED);
    vw_qmp_client_close(c);
    peer_finish(&p);
}

static void script_big_reply(struct peer *p)
{
    peer_negotiate(p);
    json_t *id = peer_expect(p, "query-qmp-schema");
    /* ~1 MB reply in one go, like (but 5 times) the 7.2 schema reply */
    size_t n = 20000;
    size_t cap = n * 64 + 256, off = 0;
    char *buf = malloc(cap);
    off += (size_t)snprintf(buf + off, cap - off, "{\"return\": [");
    for (size_t i = 0; i < n; i++) {
        off += (size_t)snprintf(buf + off, cap - off,
                                "%s{\"name\": \"%zu\", \"meta-type\": \"builtin\", \"x\": 1}",
                                i ? ", " : "", i);
    }
    char *ids = vw_qmp_dumps(id, 0);
    snprintf(buf + off, cap - off, "], \"id\": %s}\r\n", ids);
    free(ids);
    json_decref(id);
    peer_send(p, buf);
    free(buf);
}

static void test_big_reply(void)
{
    struct peer p;
    vw_qmp_error err;
    vw_qmp_client *c = open_negotiated(&p, script_big_reply, NULL, &err);
    if (!c)
        return;
    json_t *ret = NULL;
    CHECK_EQ_INT(vw_qmp_client_execute(c, "query-qmp-schema", NULL, NULL, 0, T_MS, &ret, &err), 0);
    CHECK_EQ_INT(json_array_size(ret), 20000);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(ret, 19999), "name")), "19999");
    json_decref(ret);
    vw_qmp_client_close(c);
    peer_finish(&p);
}

static void script_slow(struct peer *p)
{
    peer_negotiate(p);
    json_t *late = peer_expect(p, "query-status");
    /* no answer until the next command arrives; then the late reply, then the next one */
    json_t *next = peer_expect(p, "query-name");
    peer_sendf(p, "{\"return\": {\"status\": \"late\"}, \"id\": %s}\r\n", late);
    peer_sendf(p, "{\"return\": {\"name\": \"fresh\"}, \"id\": %s}\r\n", next);
    json_decref(late);
    json_decref(next);
}

static void test_timeout_then_late_reply(void)
{
    struct peer p;
    vw_qmp_error err;
    vw_qmp_client *c = open_negotiated(&p, script_slow, NULL, &err);
    if (!c)
        return;
    json_t *ret = NULL;
    CHECK_EQ_INT(vw_qmp_client_execute(c, "query-status", NULL, NULL, 0, 150, &ret, &err), -1);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_TIMEOUT);
    CHECK(strstr(err.desc, "'query-status'") != NULL);
    /* the late reply is recognised and dropped; the next command gets its own */
    CHECK_EQ_INT(vw_qmp_client_execute(c, "query-name", NULL, NULL, 0, T_MS, &ret, &err), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(ret, "name")), "fresh");
    json_decref(ret);
    vw_qmp_client_close(c);
    peer_finish(&p);
}

static void script_events_only(struct peer *p)
{
    peer_negotiate(p);
    peer_send(p, "{\"timestamp\": {\"seconds\": 3, \"microseconds\": 4}, \"event\": \"POWERDOWN\"}\r\n");
    peer_send(p, "{\"timestamp\": {\"seconds\": 5, \"microseconds\": 6}, \"event\": \"DEVICE_DELETED\", "
                 "\"data\": {\"path\": \"/machine/peripheral/kbd0\", \"device\": \"kbd0\"}}\r\n");
    json_decref(peer_recv(p));   /* until the client hangs up */
}

static void test_wait_events(void)
{
    struct peer p;
    vw_qmp_error err;
    struct seen_events ev = { 0 };
    vw_qmp_client *c = open_negotiated(&p, script_events_only, &ev, &err);
    if (!c)
        return;
    for (int i = 0; i < 50 && ev.n < 2; i++) {
        CHECK_EQ_INT(vw_qmp_client_wait_events(c, 100, &err), 0);
    }
    CHECK_EQ_INT(ev.n, 2);
    CHECK_EQ_STR(ev.names[1], "DEVICE_DELETED");
    CHECK_EQ_INT(ev.seconds[1], 5);
    CHECK(vw_qmp_client_fd(c) >= 0);
    vw_qmp_client_close(c);
    peer_finish(&p);
}

static void script_flood(struct peer *p)
{
    peer_negotiate(p);
    json_t *id = peer_expect(p, "query-status");
    json_decref(id);
    /* events keep coming, the reply never does, until the client hangs up */
    for (int i = 0; i < 20000; i++) {
        ssize_t n = send(p->fd, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, "
                                "\"event\": \"RTC_CHANGE\", \"data\": {\"offset\": 0}}\r\n", 96,
                         MSG_NOSIGNAL);
        if (n <= 0) {
            break;
        }
    }
}

static void test_timeout_despite_event_flood(void)
{
    struct peer p;
    vw_qmp_error err;
    struct seen_events ev = { 0 };
    vw_qmp_client *c = open_negotiated(&p, script_flood, &ev, &err);
    if (!c)
        return;
    CHECK_EQ_INT(vw_qmp_client_execute(c, "query-status", NULL, NULL, 0, 200, NULL, &err), -1);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_TIMEOUT);
    CHECK(ev.n > 0);
    CHECK_EQ_STR(ev.names[0], "RTC_CHANGE");
    vw_qmp_client_close(c);
    peer_finish(&p);
}

/* ---- connecting by address ------------------------------------------------------------------- */

static void test_connect_addresses(void)
{
    vw_qmp_error err;
    vw_qmp_client *c = vw_qmp_client_connect("unix:/nonexistent/qmp.sock", 500, &err);
    CHECK(c == NULL);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_CONNECT);
    CHECK(strstr(err.desc, "/nonexistent/qmp.sock") != NULL);
    c = vw_qmp_client_connect("bogus:thing", 500, &err);
    CHECK(c == NULL);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_CONNECT);
    c = vw_qmp_client_connect("unix:/x", 0, &err);
    CHECK(c == NULL);
    CHECK_EQ_INT(err.code, VW_QMP_ERR_INVALID);

    /* a real listening unix socket and a TCP one */
    const char *specs[2];
    char path[128], tcp[64];
    snprintf(path, sizeof(path), "unix:/tmp/vw-qmp-client-test-%d.sock", (int)getpid());
    specs[0] = path;
    specs[1] = "tcp:127.0.0.1:0";
    for (int k = 0; k < 2; k++) {
        vw_netaddr addr;
        char e[256];
        CHECK_EQ_INT(vw_netaddr_parse(specs[k], &addr, e, sizeof(e)), 0);
        int lfd = vw_netaddr_listen(&addr, 4, e, sizeof(e));
        CHECK(lfd >= 0);
        if (lfd < 0) {
            continue;
        }
        const char *target = specs[k];
        if (k == 1) {
            snprintf(tcp, sizeof(tcp), "tcp:127.0.0.1:%d", vw_netaddr_local_port(lfd));
            target = tcp;
        }
        struct peer p;
        memset(&p, 0, sizeof(p));
        p.fd = -1;
        p.listen_fd = lfd;
        p.script = script_no_oob;
        p.ok = 1;
        p.cmds = json_array();
        p.st = vw_qmp_streamer_new(NULL, peer_cb, &p);
        pthread_create(&p.thread, NULL, peer_main, &p);
        c = vw_qmp_client_connect(target, T_MS, &err);
        CHECK(c != NULL);
        if (c) {
            int micro = -1;
            CHECK_EQ_INT(vw_qmp_client_version(c, NULL, NULL, &micro, NULL), 0);
            CHECK_EQ_INT(micro, 0);
            CHECK_EQ_INT(vw_qmp_client_negotiate(c, 0, T_MS, &err), 0);
        }
        vw_qmp_client_close(c);
        peer_finish(&p);
        if (k == 0) {
            unlink(path + 5);
        }
    }
}

int main(void)
{
    RUN(test_greeting_and_negotiation);
    RUN(test_negotiation_without_oob_offer);
    RUN(test_greeting_problems);
    RUN(test_ids_events_errors);
    RUN(test_error_replies);
    RUN(test_peer_closes_mid_command);
    RUN(test_quit_then_close);
    RUN(test_big_reply);
    RUN(test_timeout_then_late_reply);
    RUN(test_wait_events);
    RUN(test_timeout_despite_event_flood);
    RUN(test_connect_addresses);
    return vwtest_summary("qmp_client");
}
