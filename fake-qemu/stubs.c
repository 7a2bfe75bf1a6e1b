/* stubs.c: fake-qemu's scenario stubs (see stubs.h and docs/scenario-format.md). */
#include "stubs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmp_json.h"
#include "scenario.h"
#include "stub_answer.h"
#include "trace.h"

typedef struct {
    vw_stub_answer base;          /* delay, raw bytes, close, fallthrough (common/stub_answer.h) */
    json_t *ret;                  /* "return" value, or NULL */
    char *err_class, *err_desc;   /* "error", or NULL */
    json_t *events;               /* [{"event": NAME, "data": {...}}] or NULL */
    bool events_first;
} q_answer;

struct fq_stubs {
    vw_evloop *loop;
    qmp_server *srv;
    vw_scenario *scn;
    fq_stubs_hook_fn *reset_fn, *faults_fn;
    void *reset_opaque, *faults_opaque;
};

typedef struct {
    fq_stubs *st;
    unsigned long long conn_id;
    json_t *msg;
    q_answer *ans;
} q_pending;

static void answer_unref(void *p)
{
    q_answer *a = p;
    if (!a || !vw_stub_answer_unref(&a->base))
        return;
    json_decref(a->ret);
    free(a->err_class);
    free(a->err_desc);
    json_decref(a->events);
    free(a);
}

static int resolve(void *opaque, const json_t *program_in, const json_t *name_in,
                   char **program_out, char **name_out, char *err, size_t errlen)
{
    (void)opaque;
    *program_out = *name_out = NULL;
    if (program_in) {
        snprintf(err, errlen, "program: QMP has no programs");
        return -1;
    }
    if (name_in && !json_is_string(name_in)) {
        snprintf(err, errlen, "command: expected a command name (a string)");
        return -1;
    }
    if (name_in && !(*name_out = strdup(json_string_value(name_in)))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static const char *const answer_members[] = {"return", "error", "events", "events_first",
                                             "delay_ms", "raw", "raw_b64", "close", "fallthrough",
                                             NULL};
static const char *const answer_bools[] = {"close", "fallthrough", "events_first", NULL};
static const vw_stub_answer_form answer_form = {
    .allowed = answer_members, .bools = answer_bools, .reply_key = "return",
    .raw = {{"raw", VW_BYTES_TEXT}, {"raw_b64", VW_BYTES_B64}}, .raw_max = 1u << 26,
    .say_what = "return, error, raw/raw_b64, close or fallthrough",
};

static void *compile_answer(void *opaque, const char *program, const char *name,
                            const json_t *ans, const char *path, char *err, size_t errlen)
{
    (void)opaque;
    (void)program;
    (void)name;
    static const char *const error_keys[] = {"class", "desc", NULL};
    static const char *const event_keys[] = {"event", "data", NULL};
    char sub[512];
    q_answer *a = vw_stub_answer_new(sizeof(*a), ans, path, &answer_form, err, errlen);
    if (!a)
        return NULL;
    const json_t *ret = json_object_get(ans, "return");
    const json_t *error = json_object_get(ans, "error");
    a->events_first = json_is_true(json_object_get(ans, "events_first"));
    if (ret)
        a->ret = json_deep_copy(ret);
    if (error) {
        vw_json_path(sub, sizeof(sub), path, "error", 0);
        if (vw_json_check_object(error, error_keys, sub,
                                 "{\"class\": \"GenericError\", \"desc\": TEXT}", err, errlen) < 0)
            goto fail;
        const json_t *cls = json_object_get(error, "class"), *desc = json_object_get(error, "desc");
        if ((cls && !json_is_string(cls)) || !json_is_string(desc)) {
            snprintf(err, errlen, "%s: \"desc\" (a string) is required, \"class\" is a string "
                     "(default GenericError)", sub);
            goto fail;
        }
        a->err_class = strdup(cls ? json_string_value(cls) : "GenericError");
        a->err_desc = strdup(json_string_value(desc));
    }
    const json_t *events = json_object_get(ans, "events");
    if (events) {
        vw_json_path(sub, sizeof(sub), path, "events", 0);
        size_t i;
        json_t *ev;
        json_array_foreach(events, i, ev) {
            char epath[600];
            vw_json_path(epath, sizeof(epath), sub, NULL, (long)i);
            if (vw_json_check_object(ev, event_keys, epath, "{\"event\": NAME, \"data\": {...}}",
                                     err, errlen) < 0)
                goto fail;
            if (!json_is_string(json_object_get(ev, "event")) ||
                (json_object_get(ev, "data") && !json_is_object(json_object_get(ev, "data")))) {
                snprintf(err, errlen, "%s: \"event\" must be a string and \"data\" an object",
                         epath);
                goto fail;
            }
        }
        a->events = json_deep_copy(events);
    }
    return vw_stub_answer_end(&a->base, ans, path, &answer_form, answer_unref, err, errlen);
fail:
    return vw_stub_answer_drop(&a->base, path, answer_unref, err, errlen);
}

/* ---- carrying out an answer ------------------------------------------------------------------ */

static void send_msg(qmp_conn *c, json_t *msg)
{
    char *text = vw_qmp_dumps(msg, VW_QMP_DUMP_QDICT_ORDER);
    json_decref(msg);
    if (!text)
        return;
    size_t n = strlen(text);
    char *line = malloc(n + 2);
    if (line) {
        memcpy(line, text, n);
        memcpy(line + n, "\r\n", 2);
        qmp_conn_send(c, line, n + 2);
    }
    free(line);
    free(text);
}

static void send_events(fq_stubs *st, const q_answer *a)
{
    size_t i;
    json_t *ev;
    json_array_foreach(a->events, i, ev) {
        json_t *data = json_object_get(ev, "data");
        /* qmp_server_event stamps the time and drops it before negotiation, as QEMU does */
        qmp_server_event(st->srv, json_string_value(json_object_get(ev, "event")),
                         data ? json_deep_copy(data) : NULL);
    }
}

/* Carries out a. Returns -1 when the connection went away meanwhile. */
static int carry_out(fq_stubs *st, unsigned long long conn_id, const json_t *msg,
                     const q_answer *a)
{
    qmp_conn *c = qmp_server_conn_by_id(st->srv, conn_id);
    if (!c)
        return -1;
    const json_t *id = json_object_get(msg, "id");
    if (a->events && a->events_first)
        send_events(st, a);
    if (!(c = qmp_server_conn_by_id(st->srv, conn_id)))
        return -1;
    if (a->base.fallthrough) {
        qmp_server_pass_request(c, msg);
    } else if (a->ret) {
        json_t *rsp = json_pack("{s:O}", "return", a->ret);
        if (id)
            json_object_set(rsp, "id", (json_t *)id);
        send_msg(c, rsp);
    } else if (a->err_class) {
        json_t *rsp = json_pack("{s:{s:s,s:s}}", "error", "class", a->err_class, "desc",
                                a->err_desc);
        if (id)
            json_object_set(rsp, "id", (json_t *)id);
        send_msg(c, rsp);
    }
    if (!(c = qmp_server_conn_by_id(st->srv, conn_id)))
        return -1;
    if (a->events && !a->events_first)
        send_events(st, a);
    if (!(c = qmp_server_conn_by_id(st->srv, conn_id)))
        return -1;
    if (a->base.raw_len)
        qmp_conn_send(c, a->base.raw, a->base.raw_len);
    if (!(c = qmp_server_conn_by_id(st->srv, conn_id)))
        return -1;
    if (a->base.close)
        qmp_conn_close(c);
    return 0;
}

static long long pending_fire(vw_evloop *loop, long long id, void *data)
{
    (void)loop;
    (void)id;
    q_pending *p = data;
    if (carry_out(p->st, p->conn_id, p->msg, p->ans) == 0) {
        qmp_conn *c = qmp_server_conn_by_id(p->st->srv, p->conn_id);
        if (c)
            qmp_conn_hold(c, 0);   /* the next command may run now */
    }
    return VW_EV_NOMORE;
}

static void pending_free(vw_evloop *loop, void *data)
{
    (void)loop;
    q_pending *p = data;
    answer_unref(p->ans);
    json_decref(p->msg);
    free(p);
}

static int on_request(void *opaque, qmp_conn *c, const json_t *msg)
{
    fq_stubs *st = opaque;
    if (!json_is_object(msg))
        return 0;
    const char *cmd = json_string_value(json_object_get(msg, "execute"));
    if (!cmd)
        cmd = json_string_value(json_object_get(msg, "exec-oob"));
    if (!cmd)
        return 0;     /* malformed requests get the server's own error */
    json_t *args = json_object_get(msg, "arguments");
    json_t *empty = NULL;
    if (!args)
        args = empty = json_object();
    vw_call call = {.program = NULL, .name = cmd, .number = -1, .args = args,
                    .conn_id = qmp_conn_id(c),
                    .unknown = !qmp_server_knows_command(st->srv, cmd)};
    vw_stub_hit hit;
    int matched = vw_scenario_match(st->scn, &call, &hit);
    json_decref(empty);
    if (!matched)
        return 0;
    q_answer *a = hit.answer;
    if (a->base.delay_ms <= 0) {
        carry_out(st, qmp_conn_id(c), msg, a);
        return 1;
    }
    q_pending *p = calloc(1, sizeof(*p));
    if (!p)
        return 1;
    p->st = st;
    p->conn_id = qmp_conn_id(c);
    p->msg = json_deep_copy(msg);
    p->ans = a;
    a->base.refs++;
    if (!p->msg || vw_evloop_add_timer(st->loop, a->base.delay_ms, pending_fire, p, pending_free) < 0) {
        pending_free(NULL, p);
        return 1;
    }
    qmp_conn_hold(c, 1);
    return 1;
}

/* ---- object and admin ------------------------------------------------------------------------ */

fq_stubs *fq_stubs_new(vw_evloop *loop, qmp_server *srv, const char *scenario_file,
                       uint64_t seed, vw_error *err)
{
    fq_stubs *st = calloc(1, sizeof(*st));
    if (!st) {
        vw_error_set(err, NULL, 0, 0, 0, "out of memory");
        return NULL;
    }
    st->loop = loop;
    st->srv = srv;
    vw_scenario_ops ops = {
        .protocol = "qmp",
        .name_key = "command",
        .args_key = "arguments",
        .has_program = false,
        .resolve = resolve,
        .compile_answer = compile_answer,
        .free_answer = answer_unref,
        .opaque = st,
    };
    st->scn = vw_scenario_open(&ops, seed, scenario_file, err);
    if (!st->scn) {
        free(st);
        return NULL;
    }
    qmp_server_set_stubs(srv, on_request, st);
    return st;
}

void fq_stubs_free(fq_stubs *st)
{
    if (!st)
        return;
    if (st->srv)
        qmp_server_set_stubs(st->srv, NULL, NULL);
    vw_scenario_free(st->scn);
    free(st);
}

const json_t *fq_stubs_faults(const fq_stubs *st)
{
    return vw_scenario_faults(st->scn);
}

void fq_stubs_set_reset_hook(fq_stubs *st, fq_stubs_hook_fn *fn, void *opaque)
{
    st->reset_fn = fn;
    st->reset_opaque = opaque;
}

void fq_stubs_set_faults_hook(fq_stubs *st, fq_stubs_hook_fn *fn, void *opaque)
{
    st->faults_fn = fn;
    st->faults_opaque = opaque;
}

json_t *fq_stubs_admin(void *opaque, const char *op, const json_t *req)
{
    fq_stubs *st = opaque;
    char err[1024];
    if (strcmp(op, "reset") == 0) {
        if (vw_scenario_reset(st->scn, err, sizeof(err)) < 0)
            return vw_admin_error("reset: reloading the scenario: %s", err);
        if (st->reset_fn && st->reset_fn(st->reset_opaque, NULL, err, sizeof(err)) < 0)
            return vw_admin_error("reset: %s", err);
        return vw_admin_ok();
    }
    if (strcmp(op, "set_faults") == 0)
        return vw_scenario_admin_set_faults(req, st->faults_fn, st->faults_opaque);
    return vw_scenario_admin(st->scn, op, req);
}
