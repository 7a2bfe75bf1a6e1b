/* test_fq_model.c: fake-qemu's schema checks (qapi_schema.c) and VM model (vm_model.c), called
 * directly, with no server and no socket.
 *
 * The schemas are the ones recorded from real QEMU releases (fake-qemu/schemas/, through
 * schema_data.c): the checks must accept what QEMU accepts and refuse what it refuses with its
 * wording, and every answer and event the model produces must be valid against the recorded
 * schema of the release it models (the same check --self-check makes at run time). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "evloop.h"
#include "qmp_json.h"
#include "../../fake-qemu/qapi_schema.h"
#include "../../fake-qemu/schema_data.h"
#include "../../fake-qemu/vm_model.h"
#include "vwtest.h"

static qapi_schema *load(int major, int minor)
{
    char err[512] = "";
    const fq_schema_data *data = fq_schema_data_find(major, minor);
    if (!data) {
        fprintf(stderr, "no recorded schema for %d.%d\n", major, minor);
        return NULL;
    }
    vw_error serr;
    qapi_schema *s = qapi_schema_load(data->schema, data->schema_len, "schema", &serr);
    if (!s)
        fprintf(stderr, "schema %d.%d: %s\n", major, minor,
                vw_error_format(&serr, err, sizeof(err)));
    return s;
}

static int check_args(qapi_schema *s, const char *command, const char *args_json, char *err,
                      size_t errlen)
{
    json_error_t jerr;
    json_t *args = json_loads(args_json, 0, &jerr);
    err[0] = '\0';
    int rc = qapi_schema_check_args(s, command, args, err, errlen);
    json_decref(args);
    return rc;
}

static void test_schema_argument_checks(void)
{
    qapi_schema *s = load(7, 2);
    CHECK(s != NULL);
    if (!s)
        return;
    char err[512];
    CHECK_EQ_INT(check_args(s, "human-monitor-command", "{\"command-line\": \"info status\"}",
                            err, sizeof(err)), 0);
    CHECK_EQ_INT(check_args(s, "human-monitor-command", "{}", err, sizeof(err)), -1);
    CHECK_EQ_STR(err, "Parameter 'command-line' is missing");
    CHECK_EQ_INT(check_args(s, "stop", "{\"x\": 1}", err, sizeof(err)), -1);
    CHECK_EQ_STR(err, "Parameter 'x' is unexpected");
    CHECK_EQ_INT(check_args(s, "human-monitor-command", "{\"command-line\": 1}", err,
                            sizeof(err)), -1);
    CHECK(strstr(err, "command-line") != NULL);
    /* optional members may be left out; cpu-index is an int */
    CHECK_EQ_INT(check_args(s, "human-monitor-command",
                            "{\"command-line\": \"info cpus\", \"cpu-index\": 0}", err,
                            sizeof(err)), 0);
    CHECK_EQ_INT(check_args(s, "human-monitor-command",
                            "{\"command-line\": \"info cpus\", \"cpu-index\": \"0\"}", err,
                            sizeof(err)), -1);
    CHECK(qapi_schema_command(s, "query-status") != NULL);
    CHECK(qapi_schema_command(s, "no-such-command") == NULL);
    CHECK(qapi_schema_command_allows_oob(s, "migrate-recover") == 1);
    CHECK(qapi_schema_command_allows_oob(s, "query-status") == 0);
    /* built-in types */
    json_t *v = json_string("x");
    CHECK_EQ_INT(qapi_schema_check_value(s, "str", v, "v", err, sizeof(err)), 0);
    CHECK_EQ_INT(qapi_schema_check_value(s, "int", v, "v", err, sizeof(err)), -1);
    json_decref(v);
    qapi_schema_free(s);
}

static void test_every_recorded_schema_loads(void)
{
    static const int versions[][2] = { { 5, 2 }, { 7, 2 }, { 10, 0 }, { 11, 1 } };
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        qapi_schema *s = load(versions[i][0], versions[i][1]);
        CHECK(s != NULL);
        if (s) {
            CHECK(qapi_schema_count(s) > 500);
            CHECK(qapi_schema_command(s, "qmp_capabilities") != NULL);
        }
        qapi_schema_free(s);
    }
    CHECK(fq_schema_data_find(4, 2) == NULL);     /* older than the oldest recording */
}

/* query-qmp-schema is answered with the recorded text as it is, never parsed: so that text must
 * be what our QEMU-style writer makes of it, and every entry must be found by its name. */
static void test_recorded_schema_text_is_served_as_is(void)
{
    static const int versions[][2] = { { 5, 2 }, { 7, 2 }, { 10, 0 }, { 11, 1 } };
    for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
        qapi_schema *s = load(versions[v][0], versions[v][1]);
        if (!s) {
            CHECK(s != NULL);
            continue;
        }
        size_t len, i;
        const char *text = qapi_schema_text(s, &len);
        json_t *list = json_loadb(text, len, 0, NULL);
        char *again = list ? vw_qmp_dumps(list, VW_QMP_DUMP_QDICT_ORDER) : NULL;
        CHECK(again && strlen(again) == len && memcmp(again, text, len) == 0);
        CHECK_EQ_INT((int)json_array_size(list), (int)qapi_schema_count(s));
        const json_t *ent;
        int found = 0;
        json_array_foreach(list, i, ent) {
            const char *name = json_string_value(json_object_get(ent, "name"));
            const json_t *got = NULL;
            if (strcmp(json_string_value(json_object_get(ent, "meta-type")), "command") == 0)
                got = qapi_schema_command(s, name);
            found += got ? json_equal(got, ent) : 1;
        }
        CHECK_EQ_INT(found, (int)json_array_size(list));
        CHECK(qapi_schema_command(s, "no-such-command") == NULL);
        CHECK(qapi_schema_command(s, "SHUTDOWN") == NULL);   /* an event, not a command */
        free(again);
        json_decref(list);
        qapi_schema_free(s);
    }
}

/* A broken schema text is refused with a message, not read past its end. */
static void test_broken_schema_text_refused(void)
{
    static const char *const bad[] = {
        "", "{}", "[", "[{\"name\": \"a\"}]", "[{\"name\": \"a\", \"meta-type\": \"command\"",
        "[{\"name\": \"a\", \"meta-type\": \"command\", \"x\": [1, {]}", "[1]",
        "[{\"name\" \"a\"}]", "[{\"name\": }]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vw_error e;
        qapi_schema *s = qapi_schema_load(bad[i], strlen(bad[i]), "bad", &e);
        CHECK(s == NULL);
        qapi_schema_free(s);
    }
    const char *good = "[{\"name\": \"q\", \"meta-type\": \"command\", \"arg-type\": \"0\"}]\n";
    vw_error e;
    qapi_schema *s = qapi_schema_load(good, strlen(good), "good", &e);
    CHECK(s != NULL && qapi_schema_command(s, "q") != NULL && qapi_schema_count(s) == 1);
    qapi_schema_free(s);
}

typedef struct {
    qapi_schema *schema;
    char names[512];
    int invalid;
} event_log;

typedef struct {
    event_log log;
    vw_evloop *loop;
    fq_vm *vm;
} model;

static void on_event(void *opaque, const char *name, json_t *data);

/* A 7.2 "pc" VM whose events are checked against the recorded schema; m->vm NULL on failure. */
static void model_start(model *m, int prelaunch)
{
    static fq_vm_config cfg = { .major = 7, .minor = 2, .micro = 0, .package = "v7.2.0",
                                .machine = "pc" };
    char err[512] = "";
    memset(m, 0, sizeof(*m));
    cfg.prelaunch = prelaunch;
    m->log.schema = load(7, 2);
    m->loop = vw_evloop_create(16, err, sizeof(err));
    fq_vm_hooks hooks = { on_event };
    m->vm = m->log.schema && m->loop ? fq_vm_new(&cfg, m->loop, &hooks, &m->log) : NULL;
    CHECK(m->vm != NULL);
}

/* Frees everything; checks every event matched the schema. */
static void model_finish(model *m)
{
    fq_vm_free(m->vm);
    vw_evloop_free(m->loop);
    qapi_schema_free(m->log.schema);
    CHECK_EQ_INT(m->log.invalid, 0);
}

static void on_event(void *opaque, const char *name, json_t *data)
{
    event_log *log = opaque;
    char err[512];
    size_t used = strlen(log->names);
    snprintf(log->names + used, sizeof(log->names) - used, "%s%s", used ? "," : "", name);
    if (qapi_schema_check_event(log->schema, name, data, err, sizeof(err)) != 0) {
        fprintf(stderr, "event %s does not match the schema: %s\n", name, err);
        log->invalid++;
    }
    json_decref(data);
}

static int run(fq_vm *vm, const char *command, const char *args_json, json_t **ret,
               char *desc, size_t desclen)
{
    json_error_t jerr;
    json_t *args = args_json ? json_loads(args_json, 0, &jerr) : NULL;
    const char *cls = NULL;
    *ret = NULL;
    desc[0] = '\0';
    int rc = fq_vm_execute(vm, command, args, ret, &cls, desc, desclen);
    json_decref(args);
    return rc;
}

/* Every query command the model answers without arguments: the answer is valid against the
 * real QEMU's recorded return type. */
static void test_model_answers_match_the_schema(void)
{
    char err[512] = "";
    model m;
    model_start(&m, 0);
    if (!m.vm) {
        model_finish(&m);
        return;
    }
    fq_vm *vm = m.vm;
    size_t i, textlen;
    const char *text = qapi_schema_text(m.log.schema, &textlen);
    json_t *list = json_loadb(text, textlen, 0, NULL);
    CHECK(list != NULL);
    const json_t *info;
    int answered = 0;
    json_array_foreach(list, i, info) {
        const char *meta = json_string_value(json_object_get(info, "meta-type"));
        const char *name = json_string_value(json_object_get(info, "name"));
        if (!meta || strcmp(meta, "command") != 0 || strncmp(name, "query-", 6) != 0)
            continue;
        if (strcmp(name, "query-qmp-schema") == 0 || strcmp(name, "query-commands") == 0)
            continue;   /* answered by the QMP layer */
        json_t *ret;
        char desc[512];
        if (run(vm, name, NULL, &ret, desc, sizeof(desc)) != FQ_VM_OK)
            continue;   /* not modelled, or needs arguments */
        answered++;
        if (getenv("VW_TEST_VERBOSE"))
            fprintf(stderr, "answered %s\n", name);
        if (qapi_schema_check_return(m.log.schema, name, ret, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: the model's answer does not match the schema: %s\n", name, err);
            CHECK(!"answer matches the schema");
        }
        json_decref(ret);
    }
    if (getenv("VW_TEST_VERBOSE"))
        fprintf(stderr, "%d query commands answered\n", answered);
    CHECK(answered >= 5);
    json_decref(list);

    json_t *ret;
    char desc[512];
    CHECK_EQ_INT(run(vm, "no-such-command", NULL, &ret, desc, sizeof(desc)), FQ_VM_UNKNOWN);
    model_finish(&m);
}

static const char *status(fq_vm *vm)
{
    static char buf[32];
    json_t *ret;
    char desc[256];
    buf[0] = '\0';
    if (run(vm, "query-status", NULL, &ret, desc, sizeof(desc)) == FQ_VM_OK)
        snprintf(buf, sizeof(buf), "%s", json_string_value(json_object_get(ret, "status")));
    json_decref(ret);
    return buf;
}

static void test_model_state_machine_and_events(void)
{
    model m;
    model_start(&m, 1);
    if (!m.vm) {
        model_finish(&m);
        return;
    }
    fq_vm *vm = m.vm;
    event_log *log = &m.log;
    json_t *ret;
    char desc[512];
    CHECK_EQ_STR(status(vm), "prelaunch");
    CHECK_EQ_INT(run(vm, "cont", NULL, &ret, desc, sizeof(desc)), FQ_VM_OK);
    json_decref(ret);
    CHECK_EQ_STR(status(vm), "running");
    CHECK_EQ_STR(log->names, "RESUME");
    log->names[0] = '\0';
    CHECK_EQ_INT(run(vm, "stop", NULL, &ret, desc, sizeof(desc)), FQ_VM_OK);
    json_decref(ret);
    CHECK_EQ_STR(status(vm), "paused");
    CHECK_EQ_STR(log->names, "STOP");

    /* devices: an unknown model is refused with QEMU's wording, a known one is added once */
    CHECK_EQ_INT(run(vm, "device_add", "{\"driver\": \"no-such-device\", \"id\": \"x\"}", &ret,
                     desc, sizeof(desc)), FQ_VM_ERROR);
    CHECK_EQ_STR(desc, "'no-such-device' is not a valid device model name");
    CHECK_EQ_INT(run(vm, "device_add", "{\"driver\": \"usb-kbd\", \"id\": \"k1\"}", &ret, desc,
                     sizeof(desc)), FQ_VM_OK);
    json_decref(ret);
    CHECK_EQ_INT(run(vm, "device_add", "{\"driver\": \"usb-kbd\", \"id\": \"k1\"}", &ret, desc,
                     sizeof(desc)), FQ_VM_ERROR);
    CHECK(strstr(desc, "k1") != NULL);

    log->names[0] = '\0';
    fq_vm_host_signal(vm);
    CHECK_EQ_STR(log->names, "SHUTDOWN");
    CHECK(!fq_vm_quit_requested(vm));
    CHECK_EQ_INT(run(vm, "quit", NULL, &ret, desc, sizeof(desc)), FQ_VM_OK);
    json_decref(ret);
    CHECK(fq_vm_quit_requested(vm));
    model_finish(&m);
}

int main(void)
{
    RUN(test_schema_argument_checks);
    RUN(test_every_recorded_schema_loads);
    RUN(test_recorded_schema_text_is_served_as_is);
    RUN(test_broken_schema_text_refused);
    RUN(test_model_answers_match_the_schema);
    RUN(test_model_state_machine_and_events);
    return vwtest_summary("fq_model");
}
