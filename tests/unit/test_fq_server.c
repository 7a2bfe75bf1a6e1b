/* test_fq_server.c: fake-qemu's QMP server in-process, driven as fuzz/targets/fuzz_fake_qemu.c
 * drives it (qmp_server_new_detached + qmp_server_adopt_fd on one end of a socketpair; no socket
 * file, no process): the recorded QEMU 7.2 schema, a fresh VM model, self-check on (every reply
 * and event the fake sends is validated against the recorded schema of the real QEMU).
 *
 * Covered: the greeting, commands refused before qmp_capabilities, negotiation, ids echoed
 * verbatim, unknown commands, arguments checked against the schema (missing, unexpected, wrong
 * type), the model's run state and its events in QEMU's order (STOP / RESUME before the
 * return), query-commands answered from the schema, broken JSON, and `quit`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "evloop.h"
#include "../../fake-qemu/qapi_schema.h"
#include "../../fake-qemu/qmp_server.h"
#include "../../fake-qemu/schema_data.h"
#include "../../fake-qemu/vm_model.h"
#include "vwtest.h"

#define ROUNDS 500        /* loop rounds of at most 10 ms each before a read gives up (5 s) */

typedef struct {
    vw_evloop *loop;
    qapi_schema *schema;
    qmp_server *srv;
    fq_vm *vm;
    int fd;                /* our end */
    char buf[1 << 16];
    size_t len;
    int eof;
} fq_peer;

static int peer_start(fq_peer *p, int prelaunch)
{
    char err[512] = "";
    memset(p, 0, sizeof(*p));
    p->fd = -1;
    const fq_schema_data *data = fq_schema_data_find(7, 2);
    if (!data) {
        fprintf(stderr, "no recorded 7.2 schema\n");
        return -1;
    }
    vw_error serr;
    p->schema = qapi_schema_load(data->schema, data->schema_len, "schema", &serr);
    if (!p->schema)
        vw_error_format(&serr, err, sizeof(err));
    p->loop = vw_evloop_create(64, err, sizeof(err));
    if (!p->schema || !p->loop) {
        fprintf(stderr, "set-up: %s\n", err);
        return -1;
    }
    static fq_vm_config cfg = { .major = 7, .minor = 2, .micro = 0, .package = "v7.2.0",
                                .machine = "none" };
    cfg.prelaunch = prelaunch;
    p->srv = qmp_server_new_detached(p->loop);
    fq_vm_hooks hooks = { qmp_server_event };
    p->vm = p->srv ? fq_vm_new(&cfg, p->loop, &hooks, p->srv) : NULL;
    int sv[2];
    if (!p->vm || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    qmp_server_set_vm(p->srv, p->vm);
    qmp_server_set_schema(p->srv, p->schema, data->commands, data->commands_len);
    qmp_server_set_self_check(p->srv, 1);
    if (qmp_server_adopt_fd(p->srv, sv[1]) < 0)
        return -1;
    p->fd = sv[0];
    return 0;
}

/* Frees everything; returns the number of self-check failures (replies or events that do not
 * match the recorded schema). */
static unsigned peer_finish(fq_peer *p)
{
    unsigned failures = p->srv ? qmp_server_self_check_failures(p->srv) : 1;
    if (p->fd >= 0)
        close(p->fd);
    fq_vm_free(p->vm);          /* first: it may still send an event through srv */
    qmp_server_free(p->srv);
    vw_evloop_free(p->loop);
    qapi_schema_free(p->schema);
    return failures;
}

static void peer_send(fq_peer *p, const char *text)
{
    size_t n = strlen(text), off = 0;
    while (off < n) {
        ssize_t w = send(p->fd, text + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0)
            off += (size_t)w;
        else if (w < 0 && errno != EAGAIN && errno != EINTR)
            return;
        vw_evloop_process(p->loop, 0);
    }
}

/* The next message the server sent (parsed), stepping the server's loop while waiting; NULL on
 * EOF or after ROUNDS rounds. Each message must end in CRLF, as QEMU's do. */
static json_t *peer_recv(fq_peer *p)
{
    for (int round = 0; round < ROUNDS; round++) {
        char *nl = memchr(p->buf, '\n', p->len);
        if (nl) {
            size_t line = (size_t)(nl - p->buf) + 1;
            CHECK(line >= 2 && p->buf[line - 2] == '\r');
            json_error_t jerr;
            json_t *v = json_loadb(p->buf, line, JSON_DISABLE_EOF_CHECK, &jerr);
            memmove(p->buf, p->buf + line, p->len - line);
            p->len -= line;
            CHECK(v != NULL);
            return v;
        }
        if (p->eof)
            return NULL;
        ssize_t n = recv(p->fd, p->buf + p->len, sizeof(p->buf) - p->len, MSG_DONTWAIT);
        if (n > 0) {
            p->len += (size_t)n;
            continue;
        }
        if (n == 0) {
            p->eof = 1;
            continue;
        }
        vw_evloop_process(p->loop, 10);
    }
    return NULL;
}

static const char *str_at(const json_t *v, const char *a, const char *b)
{
    const json_t *x = json_object_get(v, a);
    if (b)
        x = json_object_get(x, b);
    return json_string_value(x);
}

/* Sends text, returns the reply: events before it are appended to events (names) when given. */
static json_t *peer_call(fq_peer *p, const char *text, char *events, size_t events_len)
{
    peer_send(p, text);
    for (;;) {
        json_t *m = peer_recv(p);
        if (!m || !json_object_get(m, "event"))
            return m;
        if (events) {
            size_t used = strlen(events);
            snprintf(events + used, events_len - used, "%s%s", used ? "," : "",
                     str_at(m, "event", NULL));
        }
        json_decref(m);
    }
}

/* Starts the server and connects (the set-up failing is a failed check, everything freed). */
static int start(fq_peer *p, int prelaunch)
{
    if (peer_start(p, prelaunch) == 0)
        return 0;
    CHECK(!"set-up");
    peer_finish(p);
    return -1;
}

static int connect_and_negotiate(fq_peer *p, int prelaunch)
{
    if (start(p, prelaunch) < 0)
        return -1;
    json_t *greeting = peer_recv(p);
    CHECK(greeting && json_object_get(json_object_get(greeting, "QMP"), "version"));
    json_decref(greeting);
    json_t *r = peer_call(p, "{\"execute\": \"qmp_capabilities\"}\r\n", NULL, 0);
    CHECK(r && json_is_object(json_object_get(r, "return")));
    json_decref(r);
    return 0;
}

static void test_greeting_and_negotiation(void)
{
    fq_peer p;
    if (start(&p, 0) < 0)
        return;
    json_t *g = peer_recv(&p);
    const json_t *qmp = json_object_get(g, "QMP");
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(json_object_get(qmp,
                 "version"), "qemu"), "major")), 7);
    CHECK(json_is_array(json_object_get(qmp, "capabilities")));
    json_decref(g);

    /* before negotiation only qmp_capabilities is allowed */
    json_t *r = peer_call(&p, "{\"execute\": \"query-status\", \"id\": 1}\r\n", NULL, 0);
    CHECK_EQ_STR(str_at(r, "error", "class"), "CommandNotFound");
    CHECK(strstr(str_at(r, "error", "desc"), "qmp_capabilities") != NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "id")), 1);
    json_decref(r);

    r = peer_call(&p, "{\"execute\": \"qmp_capabilities\", \"id\": {\"any\": [1, null]}}\r\n",
                  NULL, 0);
    json_t *want_id = json_pack("{s:[i,n]}", "any", 1);
    CHECK(json_equal(json_object_get(r, "id"), want_id));    /* ids come back verbatim */
    CHECK(json_object_size(json_object_get(r, "return")) == 0);
    json_decref(want_id);
    json_decref(r);

    /* a second negotiation is refused: the connection is already in command mode */
    r = peer_call(&p, "{\"execute\": \"qmp_capabilities\"}\r\n", NULL, 0);
    CHECK_EQ_STR(str_at(r, "error", "class"), "CommandNotFound");
    json_decref(r);
    CHECK_EQ_INT(peer_finish(&p), 0);
}

static void test_commands_checked_against_the_schema(void)
{
    fq_peer p;
    if (connect_and_negotiate(&p, 0) < 0)
        return;
    json_t *r = peer_call(&p, "{\"execute\": \"no-such-command\"}\r\n", NULL, 0);
    CHECK_EQ_STR(str_at(r, "error", "class"), "CommandNotFound");
    CHECK_EQ_STR(str_at(r, "error", "desc"), "The command no-such-command has not been found");
    json_decref(r);

    r = peer_call(&p, "{\"execute\": \"stop\", \"arguments\": {\"bogus\": 1}}\r\n", NULL, 0);
    CHECK_EQ_STR(str_at(r, "error", "class"), "GenericError");
    CHECK_EQ_STR(str_at(r, "error", "desc"), "Parameter 'bogus' is unexpected");
    json_decref(r);

    r = peer_call(&p, "{\"execute\": \"human-monitor-command\", \"arguments\": {}}\r\n", NULL, 0);
    CHECK_EQ_STR(str_at(r, "error", "class"), "GenericError");
    CHECK(strstr(str_at(r, "error", "desc"), "command-line") != NULL);
    json_decref(r);

    r = peer_call(&p, "{\"execute\": \"human-monitor-command\", "
                      "\"arguments\": {\"command-line\": 5}}\r\n", NULL, 0);
    CHECK_EQ_STR(str_at(r, "error", "class"), "GenericError");
    json_decref(r);

    /* a member of the request itself that QMP does not know */
    r = peer_call(&p, "{\"execute\": \"query-status\", \"extra\": 1}\r\n", NULL, 0);
    CHECK_EQ_STR(str_at(r, "error", "desc"), "QMP input member 'extra' is unexpected");
    json_decref(r);

    /* query-commands lists what the recorded schema has */
    r = peer_call(&p, "{\"execute\": \"query-commands\"}\r\n", NULL, 0);
    const json_t *list = json_object_get(r, "return");
    CHECK(json_array_size(list) > 100);
    int has_stop = 0;
    size_t i;
    const json_t *c;
    json_array_foreach(list, i, c)
        has_stop |= str_at(c, "name", NULL) && strcmp(str_at(c, "name", NULL), "stop") == 0;
    CHECK(has_stop);
    json_decref(r);
    CHECK_EQ_INT(peer_finish(&p), 0);
}

static const char *status_of(fq_peer *p)
{
    static char status[32];
    json_t *r = peer_call(p, "{\"execute\": \"query-status\"}\r\n", NULL, 0);
    snprintf(status, sizeof(status), "%s", str_at(r, "return", "status") ?
             str_at(r, "return", "status") : "(none)");
    CHECK(json_is_boolean(json_object_get(json_object_get(r, "return"), "running")));
    json_decref(r);
    return status;
}

static void test_model_run_state_and_events(void)
{
    fq_peer p;
    if (connect_and_negotiate(&p, 0) < 0)
        return;
    CHECK_EQ_STR(status_of(&p), "running");
    char events[256] = "";
    json_t *r = peer_call(&p, "{\"execute\": \"stop\", \"id\": \"s\"}\r\n", events, sizeof(events));
    CHECK(json_object_get(r, "return") != NULL);
    CHECK_EQ_STR(events, "STOP");              /* QEMU 7.2 sends STOP before the return */
    json_decref(r);
    CHECK_EQ_STR(status_of(&p), "paused");

    events[0] = '\0';
    r = peer_call(&p, "{\"execute\": \"cont\"}\r\n", events, sizeof(events));
    CHECK(json_object_get(r, "return") != NULL);
    CHECK_EQ_STR(events, "RESUME");
    json_decref(r);
    CHECK_EQ_STR(status_of(&p), "running");
    CHECK_EQ_INT(peer_finish(&p), 0);
}

static void test_prelaunch_and_quit(void)
{
    fq_peer p;
    if (connect_and_negotiate(&p, 1) < 0)
        return;
    CHECK_EQ_STR(status_of(&p), "prelaunch");
    json_t *r = peer_call(&p, "{\"execute\": \"quit\"}\r\n", NULL, 0);
    CHECK(json_object_get(r, "return") != NULL);
    json_decref(r);
    CHECK(fq_vm_quit_requested(p.vm));
    /* after the return, the connection is closed */
    json_t *more = peer_recv(&p);
    CHECK(more == NULL && p.eof);
    json_decref(more);
    CHECK_EQ_INT(peer_finish(&p), 0);
}

static void test_broken_json_is_an_error_not_a_close(void)
{
    fq_peer p;
    if (connect_and_negotiate(&p, 0) < 0)
        return;
    json_t *r = peer_call(&p, "{\"execute\": }\r\n", NULL, 0);
    CHECK_EQ_STR(str_at(r, "error", "class"), "GenericError");
    json_decref(r);
    r = peer_call(&p, "[1, 2]\r\n", NULL, 0);
    CHECK_EQ_STR(str_at(r, "error", "class"), "GenericError");
    json_decref(r);
    CHECK_EQ_STR(status_of(&p), "running");   /* the connection still serves commands */
    CHECK_EQ_INT(peer_finish(&p), 0);
}

int main(void)
{
    RUN(test_greeting_and_negotiation);
    RUN(test_commands_checked_against_the_schema);
    RUN(test_model_run_state_and_events);
    RUN(test_prelaunch_and_quit);
    RUN(test_broken_json_is_an_error_not_a_close);
    return vwtest_summary("fq_server");
}
