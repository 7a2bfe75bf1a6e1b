/* test_scenario.c: common/scenario: subset matching, stub parsing errors (JSON paths),
 * priorities, counters, scenario states, the journal and the admin operations, with a tiny
 * protocol of our own (names are strings, answers are kept as given). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "vwtest.h"

static int resolve(void *opaque, const json_t *program_in, const json_t *name_in,
                   char **program_out, char **name_out, char *err, size_t errlen)
{
    (void)opaque;
    *program_out = NULL;
    *name_out = NULL;
    if (program_in) {
        snprintf(err, errlen, "program: none here");
        return -1;
    }
    if (name_in && (!json_is_string(name_in) || strcmp(json_string_value(name_in), "bad") == 0)) {
        snprintf(err, errlen, "command: unknown");
        return -1;
    }
    if (name_in)
        *name_out = strdup(json_string_value(name_in));
    return 0;
}

static void *compile_answer(void *opaque, const char *program, const char *name,
                            const json_t *answer, const char *path, char *err, size_t errlen)
{
    (void)opaque;
    (void)program;
    (void)name;
    const char *text = json_string_value(json_object_get(answer, "say"));
    if (!text) {
        snprintf(err, errlen, "%s: need say", path);
        return NULL;
    }
    return strdup(text);
}

static vw_scenario *make(void)
{
    vw_scenario_ops ops = {.protocol = "qmp", .name_key = "command", .args_key = "arguments",
                           .resolve = resolve, .compile_answer = compile_answer,
                           .free_answer = free};
    return vw_scenario_new(&ops, 42);
}

static int load(vw_scenario *s, const char *text, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (!doc) {
        snprintf(err, errlen, "test JSON: %s", jerr.text);
        return -1;
    }
    vw_error e;
    int rc = vw_scenario_load_json(s, doc, "t", &e);
    if (rc < 0)
        vw_error_format(&e, err, errlen);
    json_decref(doc);
    return rc;
}

/* The answer to a call of name with args (JSON text), or "" when no stub answers. */
static const char *ask(vw_scenario *s, const char *name, const char *args)
{
    json_t *a = json_loads(args, 0, NULL);
    vw_call call = {.name = name, .number = -1, .args = a, .conn_id = 1};
    vw_stub_hit hit;
    int r = vw_scenario_match(s, &call, &hit);
    json_decref(a);
    return r ? (const char *)hit.answer : "";
}

static bool subset(const char *pattern, const char *value)
{
    json_t *p = json_loads(pattern, 0, NULL), *v = json_loads(value, 0, NULL);
    bool r = vw_json_subset_match(p, v);
    json_decref(p);
    json_decref(v);
    return r;
}

static void test_subset_match(void)
{
    CHECK(subset("{}", "{\"a\":1}"));
    CHECK(subset("{\"a\":1}", "{\"a\":1,\"b\":2}"));
    CHECK(!subset("{\"a\":2}", "{\"a\":1}"));
    CHECK(!subset("{\"c\":1}", "{\"a\":1}"));
    CHECK(subset("{\"d\":{\"name\":\"x\"}}", "{\"d\":{\"name\":\"x\",\"id\":3}}"));
    CHECK(subset("{\"l\":[1,{\"k\":2}]}", "{\"l\":[1,{\"k\":2,\"z\":0}]}"));
    CHECK(!subset("{\"l\":[1]}", "{\"l\":[1,2]}"));
    CHECK(subset("{\"x\":{\"$contains\":\"<name>web\"}}", "{\"x\":\"<d><name>web1</name>\"}"));
    CHECK(!subset("{\"x\":{\"$contains\":\"db\"}}", "{\"x\":\"web\"}"));
    CHECK(subset("{\"x\":{\"$regex\":\"^web-[0-9]+$\"}}", "{\"x\":\"web-12\"}"));
    CHECK(!subset("{\"x\":{\"$regex\":\"^web-[0-9]+$\"}}", "{\"x\":\"web-a\"}"));
    CHECK(subset("{\"x\":{\"$exists\":false}}", "{\"y\":1}"));
    CHECK(!subset("{\"x\":{\"$exists\":false}}", "{\"x\":1}"));
    CHECK(subset("{\"x\":{\"$any\":true}}", "{\"x\":null}"));
    CHECK(subset("{\"n\":1}", "{\"n\":1.0}"));
}

static void test_parse_errors(void)
{
    static const struct { const char *text, *want; } cases[] = {
        {"[]", "t: $: a scenario must be a JSON object"},
        {"{\"stub\":[]}", "t: $: unknown member 'stub'"},
        {"{\"protocol\":\"libvirt\"}", "t: $.protocol: this server speaks \"qmp\""},
        {"{\"stubs\":[{}]}", "t: $.stubs[0]: missing member 'match'"},
        {"{\"stubs\":[{\"match\":{\"command\":\"bad\"},\"answer\":{\"say\":\"x\"}}]}",
         "t: $.stubs[0].match: command: unknown"},
        {"{\"stubs\":[{\"match\":{\"args\":{}},\"answer\":{\"say\":\"x\"}}]}",
         "t: $.stubs[0].match: unknown member 'args' (expected one of: command, arguments)"},
        {"{\"stubs\":[{\"match\":{},\"answer\":{}}]}", "t: $.stubs[0].answer: need say"},
        {"{\"stubs\":[{\"match\":{},\"answer\":{\"say\":\"x\"}},{\"match\":{},\"answer\":{\"say\":"
         "\"y\"},\"times\":0}]}", "t: $.stubs[1].times: expected an integer from 1"},
        {"{\"stubs\":[{\"id\":\"a\",\"match\":{},\"answer\":{\"say\":\"x\"}},{\"id\":\"a\","
         "\"match\":{},\"answer\":{\"say\":\"y\"}}]}", "t: $.stubs[1].id: a stub with id 'a'"},
        {"{\"stubs\":[{\"match\":{},\"answer\":{\"say\":\"x\"},\"new_state\":\"s\"}]}",
         "t: $.stubs[0]: requires_state/new_state need a 'scenario' name"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        vw_scenario *s = make();
        char err[1024] = "";
        CHECK_EQ_INT(load(s, cases[i].text, err, sizeof(err)), -1);
        if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
            fprintf(stderr, "case %zu: got \"%s\"\n", i, err);
        CHECK(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0);
        CHECK_EQ_INT(vw_scenario_stub_count(s), 0);   /* all or nothing */
        vw_scenario_free(s);
    }
}

static void test_priority_counters_states(void)
{
    vw_scenario *s = make();
    char err[1024];
    CHECK_EQ_INT(load(s, "{\"stubs\":["
        "{\"match\":{\"command\":\"q\"},\"answer\":{\"say\":\"low\"},\"priority\":9},"
        "{\"match\":{\"command\":\"q\"},\"answer\":{\"say\":\"twice\"},\"priority\":1,\"times\":2},"
        "{\"match\":{\"command\":\"f\"},\"answer\":{\"say\":\"third\"},\"on_call\":3},"
        "{\"match\":{\"command\":\"s\"},\"answer\":{\"say\":\"A\"},\"scenario\":\"m\","
        "\"requires_state\":\"Started\",\"new_state\":\"B\"},"
        "{\"match\":{\"command\":\"s\"},\"answer\":{\"say\":\"B\"},\"scenario\":\"m\","
        "\"requires_state\":\"B\"},"
        "{\"match\":{\"command\":\"a\",\"arguments\":{\"x\":1}},\"answer\":{\"say\":\"x1\"}}"
        "]}", err, sizeof(err)), 0);
    CHECK_EQ_STR(ask(s, "q", "{}"), "twice");
    CHECK_EQ_STR(ask(s, "q", "{}"), "twice");
    CHECK_EQ_STR(ask(s, "q", "{}"), "low");
    CHECK_EQ_STR(ask(s, "f", "{}"), "");
    CHECK_EQ_STR(ask(s, "f", "{}"), "");
    CHECK_EQ_STR(ask(s, "f", "{}"), "third");
    CHECK_EQ_STR(ask(s, "f", "{}"), "");
    CHECK_EQ_STR(ask(s, "s", "{}"), "A");
    CHECK_EQ_STR(vw_scenario_state(s, "m"), "B");
    CHECK_EQ_STR(ask(s, "s", "{}"), "B");
    CHECK_EQ_STR(ask(s, "s", "{}"), "B");
    CHECK_EQ_STR(ask(s, "a", "{\"x\":1,\"y\":2}"), "x1");
    CHECK_EQ_STR(ask(s, "a", "{\"x\":2}"), "");
    vw_scenario_reset_states(s);
    CHECK_EQ_STR(vw_scenario_state(s, "m"), "Started");
    CHECK_EQ_STR(ask(s, "s", "{}"), "A");
    CHECK_EQ_STR(ask(s, "f", "{}"), "");       /* counters start again after a reset */

    json_t *filter = json_pack("{s:s}", "command", "q");
    json_t *j = vw_scenario_journal(s, filter, err, sizeof(err));
    CHECK(j != NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "matched")), 3);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "counts"), "f")), 5);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "total")), 14);
    json_decref(j);
    json_decref(filter);
    vw_scenario_free(s);
}

static void test_admin_ops(void)
{
    vw_scenario *s = make();
    json_t *req = json_loads("{\"op\":\"add_stubs\",\"stubs\":[{\"id\":\"k\",\"match\":"
                             "{\"command\":\"q\"},\"answer\":{\"say\":\"hi\"}}]}", 0, NULL);
    json_t *r = vw_scenario_admin(s, "add_stubs", req);
    CHECK(json_is_true(json_object_get(r, "ok")));
    CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(r, "ids"), 0)), "k");
    json_decref(r);
    r = vw_scenario_admin(s, "add_stubs", req);   /* the same id again: refused */
    CHECK(json_is_false(json_object_get(r, "ok")));
    json_decref(r);
    json_decref(req);
    CHECK_EQ_STR(ask(s, "q", "{}"), "hi");
    req = json_loads("{\"ids\":[\"k\",\"zz\"]}", 0, NULL);
    r = vw_scenario_admin(s, "remove_stubs", req);
    CHECK(json_is_false(json_object_get(r, "ok")));
    CHECK_EQ_INT(json_array_size(json_object_get(r, "removed")), 1);
    json_decref(r);
    json_decref(req);
    CHECK_EQ_STR(ask(s, "q", "{}"), "");
    CHECK(vw_scenario_admin(s, "no-such-op", NULL) == NULL);
    vw_scenario_free(s);
}

static int faults_hook(void *opaque, const json_t *faults, char *err, size_t errlen)
{
    (void)opaque;
    if (json_array_size(faults) > 0) {
        snprintf(err, errlen, "no rules here");
        return -1;
    }
    return 0;
}

/* The error text of an admin reply (NULL when it is ok). */
static const char *reply_error_text(json_t *r, char *buf, size_t buflen)
{
    const char *e = json_string_value(json_object_get(r, "error"));
    snprintf(buf, buflen, "%s", e ? e : "");
    json_decref(r);
    return e ? buf : NULL;
}

/* What both servers' stub modules share: the file kept for reset, the common answer members,
 * set_faults. */
static void test_open_reset_and_shared_checks(void)
{
    char path[] = "/tmp/vw-test-scenario-XXXXXX", err[512], buf[512];
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *text = "{\"protocol\": \"qmp\", \"stubs\": [{\"match\": {\"command\": \"q\"}, "
                       "\"answer\": {\"say\": \"from the file\"}}]}";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    vw_scenario_ops ops = {.protocol = "qmp", .name_key = "command", .args_key = "arguments",
                           .resolve = resolve, .compile_answer = compile_answer,
                           .free_answer = free};
    vw_error e;
    vw_scenario *s = vw_scenario_open(&ops, 42, path, &e);
    CHECK(s != NULL);
    if (s) {
        CHECK_EQ_STR(ask(s, "q", "{}"), "from the file");
        vw_scenario_clear_stubs(s);
        CHECK_EQ_STR(ask(s, "q", "{}"), "");
        CHECK_EQ_INT(vw_scenario_reset(s, err, sizeof(err)), 0);   /* the file again */
        CHECK_EQ_STR(ask(s, "q", "{}"), "from the file");
        vw_scenario_free(s);
    }
    unlink(path);
    CHECK(vw_scenario_open(&ops, 42, path, &e) == NULL);
    CHECK(strstr(e.source, path) != NULL && e.line == 0);   /* cannot be opened: no line */
    CHECK(strstr(vw_error_format(&e, err, sizeof(err)), path) != NULL);

    static const char *const allowed[] = {"close", "delay_ms", "events", NULL};
    static const char *const bools[] = {"close", NULL};
    static const struct {
        const char *answer, *error;
    } answers[] = {
        {"{\"close\": true, \"delay_ms\": 25, \"events\": []}", NULL},
        {"{\"close\": 1}", "$.a.close: expected true or false"},
        {"{\"events\": {}}", "$.a.events: expected an array (at most 1000 events)"},
        {"{\"delay_ms\": 3600001}", "$.a.delay_ms: expected milliseconds from 0 to 3600000"},
        {"{\"delay_ms\": -1}", "$.a.delay_ms: expected milliseconds from 0 to 3600000"},
        {"{\"say\": 1}", "$.a: unknown member 'say' (expected one of: close, delay_ms, events)"},
    };
    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        json_t *ans = json_loads(answers[i].answer, 0, NULL);
        long delay = -1;
        int rc = vw_scenario_check_answer(ans, "$.a", allowed, bools, &delay, err,
                                          sizeof(err));
        json_decref(ans);
        CHECK_EQ_INT(rc, answers[i].error ? -1 : 0);
        if (answers[i].error)
            CHECK_EQ_STR(err, answers[i].error);
        else
            CHECK_EQ_INT(delay, 25);
    }

    json_t *none = json_object(), *empty = json_pack("{s:[]}", "faults"),
           *one = json_pack("{s:[i]}", "faults", 1);
    CHECK_EQ_STR(reply_error_text(vw_scenario_admin_set_faults(none, faults_hook, NULL), buf,
                                  sizeof(buf)),
                 "set_faults: missing member 'faults' (an array of fault rules, docs/faults.md; "
                 "[] removes them)");
    CHECK_EQ_STR(reply_error_text(vw_scenario_admin_set_faults(empty, NULL, NULL), buf,
                                  sizeof(buf)),
                 "set_faults: fault injection is not built into this server");
    CHECK_EQ_STR(reply_error_text(vw_scenario_admin_set_faults(one, faults_hook, NULL), buf,
                                  sizeof(buf)),
                 "set_faults: no rules here");
    CHECK(reply_error_text(vw_scenario_admin_set_faults(empty, faults_hook, NULL), buf,
                           sizeof(buf)) == NULL);
    json_decref(none);
    json_decref(empty);
    json_decref(one);
}

/* The journal is bounded by construction: big arguments are cut (and say so), the oldest
 * entries go when the byte budget is spent, unknown names share one key in the counts. */
static void test_journal_bounded(void)
{
    vw_scenario *s = make();
    char err[256];
    size_t big = 4u << 20;
    char *text = malloc(big + 1);
    uint8_t *raw = malloc(big);
    CHECK(text && raw);
    memset(text, 'x', big);
    text[big] = '\0';
    memset(raw, 'r', big);
    json_t *args = json_pack("{s:s,s:i}", "xml", text, "flags", 0);
    vw_stub_hit hit;
    unsigned calls = 2 * VW_SCENARIO_JOURNAL_BYTES_MAX / VW_SCENARIO_JOURNAL_ARGS_MAX;
    for (unsigned i = 0; i < calls; i++) {
        vw_call call = {.name = "big", .number = -1, .args = args, .raw = raw, .raw_len = big,
                        .conn_id = 1};
        vw_scenario_match(s, &call, &hit);
    }
    for (int i = 0; i < 1000; i++) {
        char name[32];
        snprintf(name, sizeof(name), "PROC_%d", 100000 + i);
        vw_call call = {.name = name, .number = 100000 + i, .conn_id = 1, .unknown = true};
        vw_scenario_match(s, &call, &hit);
    }
    json_t *j = vw_scenario_journal(s, NULL, err, sizeof(err));
    CHECK(j != NULL);
    json_int_t kept = json_integer_value(json_object_get(j, "kept"));
    json_int_t dropped = json_integer_value(json_object_get(j, "dropped"));
    CHECK_EQ_INT(kept + dropped, calls + 1000);
    CHECK(dropped > 0);
    CHECK(json_integer_value(json_object_get(j, "bytes")) <= VW_SCENARIO_JOURNAL_BYTES_MAX);
    json_t *counts = json_object_get(j, "counts");
    CHECK_EQ_INT(json_object_size(counts), 2);    /* "big" and the unknown key */
    CHECK_EQ_INT(json_integer_value(json_object_get(counts, VW_SCENARIO_UNKNOWN_KEY)), 1000);
    CHECK_EQ_INT(json_integer_value(json_object_get(counts, "big")), calls);
    json_t *entries = json_object_get(j, "entries");
    json_t *first = json_array_get(entries, 0);
    CHECK(json_is_true(json_object_get(first, "truncated")));
    CHECK_EQ_INT(json_integer_value(json_object_get(first, "size")), big);
    size_t xml_len = json_string_length(json_object_get(json_object_get(first, "args"), "xml"));
    CHECK(xml_len > 0 && xml_len <= VW_SCENARIO_JOURNAL_ARGS_MAX);
    CHECK(strlen(json_string_value(json_object_get(first, "args_b64"))) <=
          4 * VW_SCENARIO_JOURNAL_ARGS_MAX / 3 + 4);
    json_t *last = json_array_get(entries, json_array_size(entries) - 1);
    CHECK_EQ_STR(json_string_value(json_object_get(last, "name")), "PROC_100999");
    CHECK(json_object_get(last, "truncated") == NULL);   /* small calls are kept whole */
    json_decref(j);
    vw_scenario_reset_journal(s);
    j = vw_scenario_journal(s, NULL, err, sizeof(err));
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "dropped")), 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "bytes")), 0);
    json_decref(j);
    json_decref(args);
    free(text);
    free(raw);
    vw_scenario_free(s);
}

int main(void)
{
    RUN(test_subset_match);
    RUN(test_parse_errors);
    RUN(test_priority_counters_states);
    RUN(test_admin_ops);
    RUN(test_open_reset_and_shared_checks);
    RUN(test_journal_bounded);
    return vwtest_summary("scenario");
}
