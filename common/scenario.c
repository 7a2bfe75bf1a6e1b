/* scenario.c: scenario files, stub matching, scenario states and the call journal (see
 * scenario.h and docs/scenario-format.md). */
#include "scenario.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

#define STARTED "Started"

typedef struct stub {
    char *id;
    long priority;
    unsigned long order;          /* insertion order: earlier wins among equal priorities */
    char *program, *name;         /* canonical, NULL = any */
    json_t *args;                 /* subset pattern, NULL = any */
    uint8_t *raw;                 /* args_b64 (exact) or args_hex_prefix (prefix) */
    size_t raw_len;
    bool raw_prefix, has_raw;
    long conn;                    /* only this connection id (0 = any) */
    char *scenario, *requires_state, *new_state;
    long times;                   /* answer at most this many calls (0 = unlimited) */
    long on_call;                 /* start answering at the Nth matching call (0 = first) */
    double probability;           /* 1 = always */
    unsigned long hits;           /* calls that matched (pattern + state) */
    unsigned long answered;
    json_t *def;                  /* the definition as given (with its id), for list_stubs */
    void *answer;
} stub;

typedef struct state_entry {
    char *scenario, *state;
} state_entry;

typedef struct journal_entry {
    unsigned long long seq;
    long long time_ms;
    uint64_t conn;
    char *program, *name;
    int number;
    json_t *args;
    char *args_b64;
    char *stub_id;
    bool truncated;               /* args, args_b64 or the name were cut */
    size_t args_size;             /* the arguments' size as received */
    size_t bytes;                 /* what the entry costs (journal_entry_cost) */
} journal_entry;

struct vw_scenario {
    vw_scenario_ops ops;
    stub **stubs;
    size_t nstubs, cap;
    unsigned long next_order, next_auto_id;
    state_entry *states;
    size_t nstates;
    json_t *faults;
    uint64_t rng;
    journal_entry *journal;       /* ring of VW_SCENARIO_JOURNAL_MAX */
    size_t jstart, jlen;
    unsigned long long jseq;
    size_t jbytes;                /* sum of the kept entries' bytes */
    unsigned long long jdropped;  /* entries dropped for the count or byte limit since reset */
    json_t *counts;               /* name -> count, every call ever received */
    char *file;                   /* the scenario file vw_scenario_open loaded, or NULL */
};

/* ---- small helpers --------------------------------------------------------------------------- */

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void vw_json_path(char *out, size_t outlen, const char *base, const char *key, long index)
{
    if (key)
        snprintf(out, outlen, "%s.%s", base, key);
    else
        snprintf(out, outlen, "%s[%ld]", base, index);
}

int vw_json_check_members(const json_t *obj, const char *const *allowed, const char *path,
                          char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(allowed[i], key) == 0)
                ok = true;
        if (!ok) {
            char list[512] = "";
            size_t off = 0;
            for (size_t i = 0; allowed[i] && off < sizeof(list); i++)
                off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
                                        allowed[i]);
            seterr(err, errlen, "%s: unknown member '%s' (expected one of: %s)", path, key, list);
            return -1;
        }
    }
    return 0;
}

int vw_scenario_check_answer(const json_t *ans, const char *path, const char *const *allowed,
                             const char *const *bools, long *delay_ms, char *err, size_t errlen)
{
    if (vw_json_check_members(ans, allowed, path, err, errlen) < 0)
        return -1;
    for (size_t i = 0; bools[i]; i++) {
        json_t *v = json_object_get(ans, bools[i]);
        if (v && !json_is_boolean(v)) {
            seterr(err, errlen, "%s.%s: expected true or false", path, bools[i]);
            return -1;
        }
    }
    const json_t *events = json_object_get(ans, "events");
    if (events && (!json_is_array(events) || json_array_size(events) > 1000)) {
        seterr(err, errlen, "%s.events: expected an array (at most 1000 events)", path);
        return -1;
    }
    const json_t *delay = json_object_get(ans, "delay_ms");
    if (delay && (!json_is_integer(delay) || json_integer_value(delay) < 0 ||
                  json_integer_value(delay) > 3600000)) {
        seterr(err, errlen, "%s.delay_ms: expected milliseconds from 0 to 3600000", path);
        return -1;
    }
    *delay_ms = delay ? (long)json_integer_value(delay) : 0;
    return 0;
}

int vw_json_check_object(const json_t *obj, const char *const *allowed, const char *path,
                         const char *expected, char *err, size_t errlen)
{
    if (!json_is_object(obj)) {
        seterr(err, errlen, "%s: expected %s", path, expected);
        return -1;
    }
    return vw_json_check_members(obj, allowed, path, err, errlen);
}

/* ---- subset matching ------------------------------------------------------------------------- */

static bool operator_match(const char *op, const json_t *arg, const json_t *value, bool *known)
{
    *known = true;
    if (strcmp(op, "$any") == 0)
        return value != NULL;
    if (strcmp(op, "$exists") == 0)
        return json_is_true(arg) ? value != NULL : value == NULL;
    if (strcmp(op, "$contains") == 0) {
        const char *needle = json_string_value(arg);
        const char *hay = json_string_value(value);
        return needle && hay && strstr(hay, needle) != NULL;
    }
    if (strcmp(op, "$regex") == 0) {
        const char *re = json_string_value(arg);
        const char *str = json_string_value(value);
        if (!re || !str)
            return false;
        regex_t rx;
        if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
            return false;
        bool ok = regexec(&rx, str, 0, NULL, 0) == 0;
        regfree(&rx);
        return ok;
    }
    *known = false;
    return false;
}

static bool subset_match(const json_t *pattern, const json_t *value, int depth)
{
    if (depth > 64)
        return false;
    if (json_is_object(pattern) && json_object_size(pattern) == 1) {
        const char *key = json_object_iter_key(json_object_iter((json_t *)pattern));
        if (key[0] == '$') {
            bool known;
            bool r = operator_match(key, json_object_get(pattern, key), value, &known);
            if (known)
                return r;
        }
    }
    if (!value)
        return false;
    if (json_is_object(pattern)) {
        if (!json_is_object(value))
            return false;
        const char *key;
        json_t *pv;
        json_object_foreach((json_t *)pattern, key, pv) {
            json_t *vv = json_object_get(value, key);
            /* {"$exists": false} must see the absent member */
            if (!vv && !(json_is_object(pv) && json_object_get(pv, "$exists")))
                return false;
            if (!subset_match(pv, vv, depth + 1))
                return false;
        }
        return true;
    }
    if (json_is_array(pattern)) {
        if (!json_is_array(value) || json_array_size(value) != json_array_size(pattern))
            return false;
        for (size_t i = 0; i < json_array_size(pattern); i++)
            if (!subset_match(json_array_get(pattern, i), json_array_get(value, i), depth + 1))
                return false;
        return true;
    }
    if (json_is_number(pattern) && json_is_number(value)) {
        if (json_is_integer(pattern) && json_is_integer(value))
            return json_integer_value(pattern) == json_integer_value(value);
        return json_number_value(pattern) == json_number_value(value);
    }
    return json_equal((json_t *)pattern, (json_t *)value);
}

bool vw_json_subset_match(const json_t *pattern, const json_t *value)
{
    return subset_match(pattern, value, 0);
}

/* ---- scenario object ------------------------------------------------------------------------- */

vw_scenario *vw_scenario_new(const vw_scenario_ops *ops, uint64_t seed)
{
    vw_scenario *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->ops = *ops;
    s->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
    s->counts = json_object();
    s->journal = calloc(VW_SCENARIO_JOURNAL_MAX, sizeof(*s->journal));
    if (!s->counts || !s->journal) {
        json_decref(s->counts);
        free(s->journal);
        free(s);
        return NULL;
    }
    return s;
}

static void stub_free(const vw_scenario *s, stub *st)
{
    if (!st)
        return;
    free(st->id);
    free(st->program);
    free(st->name);
    json_decref(st->args);
    free(st->raw);
    free(st->scenario);
    free(st->requires_state);
    free(st->new_state);
    json_decref(st->def);
    if (st->answer && s->ops.free_answer)
        s->ops.free_answer(st->answer);
    free(st);
}

static void journal_entry_free(journal_entry *e)
{
    free(e->program);
    free(e->name);
    json_decref(e->args);
    free(e->args_b64);
    free(e->stub_id);
    memset(e, 0, sizeof(*e));
}

void vw_scenario_reset_journal(vw_scenario *s)
{
    for (size_t i = 0; i < s->jlen; i++)
        journal_entry_free(&s->journal[(s->jstart + i) % VW_SCENARIO_JOURNAL_MAX]);
    s->jstart = s->jlen = 0;
    s->jbytes = 0;
    s->jdropped = 0;
    json_object_clear(s->counts);
}

void vw_scenario_clear_stubs(vw_scenario *s)
{
    for (size_t i = 0; i < s->nstubs; i++)
        stub_free(s, s->stubs[i]);
    s->nstubs = 0;
}

void vw_scenario_reset_states(vw_scenario *s)
{
    for (size_t i = 0; i < s->nstates; i++) {
        free(s->states[i].scenario);
        free(s->states[i].state);
    }
    free(s->states);
    s->states = NULL;
    s->nstates = 0;
    /* counters start again too: "fail the 3rd call" counts from the reset */
    for (size_t i = 0; i < s->nstubs; i++)
        s->stubs[i]->hits = s->stubs[i]->answered = 0;
}

void vw_scenario_free(vw_scenario *s)
{
    if (!s)
        return;
    vw_scenario_clear_stubs(s);
    free(s->stubs);
    vw_scenario_reset_states(s);
    vw_scenario_reset_journal(s);
    free(s->journal);
    json_decref(s->counts);
    json_decref(s->faults);
    free(s->file);
    free(s);
}

vw_scenario *vw_scenario_open(const vw_scenario_ops *ops, uint64_t seed, const char *file,
                              char *err, size_t errlen)
{
    vw_scenario *s = vw_scenario_new(ops, seed);
    if (!s || (file && !(s->file = strdup(file)))) {
        vw_scenario_free(s);
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    if (file && vw_scenario_load_file(s, file, err, errlen) < 0) {
        vw_scenario_free(s);
        return NULL;
    }
    return s;
}

size_t vw_scenario_stub_count(const vw_scenario *s)
{
    return s->nstubs;
}

const json_t *vw_scenario_faults(const vw_scenario *s)
{
    return s->faults;
}

double vw_scenario_random(vw_scenario *s)
{
    /* xorshift64*: small, seeded, the same sequence on every machine */
    uint64_t x = s->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s->rng = x;
    return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

/* ---- states ---------------------------------------------------------------------------------- */

const char *vw_scenario_state(const vw_scenario *s, const char *scenario)
{
    for (size_t i = 0; i < s->nstates; i++)
        if (strcmp(s->states[i].scenario, scenario) == 0)
            return s->states[i].state;
    return STARTED;
}

int vw_scenario_set_state(vw_scenario *s, const char *scenario, const char *state)
{
    char *dup = strdup(state);
    if (!dup)
        return -1;
    for (size_t i = 0; i < s->nstates; i++) {
        if (strcmp(s->states[i].scenario, scenario) == 0) {
            free(s->states[i].state);
            s->states[i].state = dup;
            return 0;
        }
    }
    state_entry *n = realloc(s->states, (s->nstates + 1) * sizeof(*n));
    char *name = strdup(scenario);
    if (!n || !name) {
        if (n)
            s->states = n;
        free(dup);
        free(name);
        return -1;
    }
    s->states = n;
    s->states[s->nstates].scenario = name;
    s->states[s->nstates].state = dup;
    s->nstates++;
    return 0;
}

/* ---- parsing stubs --------------------------------------------------------------------------- */

static int get_opt_string(const json_t *obj, const char *key, const char *path, char **out,
                          char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_string(v) || json_string_length(v) == 0) {
        seterr(err, errlen, "%s.%s: expected a non-empty string", path, key);
        return -1;
    }
    *out = strdup(json_string_value(v));
    return *out ? 0 : -1;
}

static int get_opt_count(const json_t *obj, const char *key, const char *path, long *out,
                         long min, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > 1000000000) {
        seterr(err, errlen, "%s.%s: expected an integer from %ld to 1000000000", path, key, min);
        return -1;
    }
    *out = (long)json_integer_value(v);
    return 0;
}

static bool id_taken(const vw_scenario *s, stub **extra, size_t nextra, const char *id)
{
    for (size_t i = 0; i < s->nstubs; i++)
        if (strcmp(s->stubs[i]->id, id) == 0)
            return true;
    for (size_t i = 0; i < nextra; i++)
        if (strcmp(extra[i]->id, id) == 0)
            return true;
    return false;
}

static int parse_match(vw_scenario *s, stub *st, const json_t *m, const char *path, char *err,
                       size_t errlen)
{
    const char *allowed_lv[] = {"program", s->ops.name_key, s->ops.args_key, "args_b64",
                                "args_hex_prefix", "conn", NULL};
    const char *allowed_q[] = {s->ops.name_key, s->ops.args_key, NULL};
    if (!json_is_object(m)) {
        seterr(err, errlen, "%s: expected an object", path);
        return -1;
    }
    if (vw_json_check_members(m, s->ops.has_program ? allowed_lv : allowed_q, path, err,
                              errlen) < 0)
        return -1;
    json_t *prog = json_object_get(m, "program");
    json_t *name = json_object_get(m, s->ops.name_key);
    if (name && !json_is_string(name) && !json_is_integer(name)) {
        seterr(err, errlen, "%s.%s: expected a string%s", path, s->ops.name_key,
               s->ops.has_program ? " or a procedure number" : "");
        return -1;
    }
    if (name || prog) {
        char why[512];
        if (s->ops.resolve(s->ops.opaque, prog, name, &st->program, &st->name, why,
                           sizeof(why)) < 0) {
            seterr(err, errlen, "%s: %s", path, why);
            return -1;
        }
    }
    json_t *args = json_object_get(m, s->ops.args_key);
    if (args) {
        if (!json_is_object(args)) {
            seterr(err, errlen, "%s.%s: expected an object (a subset of the decoded arguments)",
                   path, s->ops.args_key);
            return -1;
        }
        st->args = json_incref(args);
    }
    json_t *b64 = json_object_get(m, "args_b64");
    json_t *hex = json_object_get(m, "args_hex_prefix");
    if (b64 && hex) {
        seterr(err, errlen, "%s: give args_b64 or args_hex_prefix, not both", path);
        return -1;
    }
    if (b64) {
        const char *why = "expected a string";
        size_t bad = 0;
        if (!json_is_string(b64) ||
            vw_base64_decode(json_string_value(b64), json_string_length(b64), 1u << 24, &st->raw,
                             &st->raw_len, &bad, &why) < 0) {
            seterr(err, errlen, "%s.args_b64: not base64 (character %zu: %s)", path, bad, why);
            return -1;
        }
        st->has_raw = true;
    }
    if (hex) {
        if (!json_is_string(hex) || !(st->raw = vw_hex_decode(json_string_value(hex),
                                                              &st->raw_len))) {
            seterr(err, errlen, "%s.args_hex_prefix: expected a string of hex byte pairs", path);
            return -1;
        }
        st->has_raw = true;
        st->raw_prefix = true;
    }
    if (get_opt_count(m, "conn", path, &st->conn, 1, err, errlen) < 0)
        return -1;
    return 0;
}

static stub *parse_stub(vw_scenario *s, const json_t *def, const char *path, stub **batch,
                        size_t nbatch, char *err, size_t errlen)
{
    static const char *const allowed[] = {"id", "priority", "match", "answer", "scenario",
                                          "requires_state", "new_state", "times", "on_call",
                                          "probability", "comment", NULL};
    char sub[512];
    if (!json_is_object(def)) {
        seterr(err, errlen, "%s: a stub must be an object", path);
        return NULL;
    }
    if (vw_json_check_members(def, allowed, path, err, errlen) < 0)
        return NULL;
    stub *st = calloc(1, sizeof(*st));
    if (!st) {
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    st->priority = VW_SCENARIO_DEFAULT_PRIORITY;
    st->probability = 1.0;
    if (get_opt_string(def, "id", path, &st->id, err, errlen) < 0)
        goto fail;
    if (st->id && id_taken(s, batch, nbatch, st->id)) {
        seterr(err, errlen, "%s.id: a stub with id '%s' exists already", path, st->id);
        goto fail;
    }
    if (!st->id) {
        char idbuf[32];
        do
            snprintf(idbuf, sizeof(idbuf), "stub-%lu", ++s->next_auto_id);
        while (id_taken(s, batch, nbatch, idbuf));
        st->id = strdup(idbuf);
    }
    json_t *prio = json_object_get(def, "priority");
    if (prio) {
        if (!json_is_integer(prio) || json_integer_value(prio) < -1000000 ||
            json_integer_value(prio) > 1000000) {
            seterr(err, errlen, "%s.priority: expected an integer (lower wins; default %d)", path,
                   VW_SCENARIO_DEFAULT_PRIORITY);
            goto fail;
        }
        st->priority = (long)json_integer_value(prio);
    }
    json_t *m = json_object_get(def, "match");
    if (!m) {
        seterr(err, errlen, "%s: missing member 'match' (use {} to match every call)", path);
        goto fail;
    }
    vw_json_path(sub, sizeof(sub), path, "match", 0);
    if (parse_match(s, st, m, sub, err, errlen) < 0)
        goto fail;
    if (get_opt_string(def, "scenario", path, &st->scenario, err, errlen) < 0 ||
        get_opt_string(def, "requires_state", path, &st->requires_state, err, errlen) < 0 ||
        get_opt_string(def, "new_state", path, &st->new_state, err, errlen) < 0)
        goto fail;
    if ((st->requires_state || st->new_state) && !st->scenario) {
        seterr(err, errlen, "%s: requires_state/new_state need a 'scenario' name", path);
        goto fail;
    }
    if (get_opt_count(def, "times", path, &st->times, 1, err, errlen) < 0 ||
        get_opt_count(def, "on_call", path, &st->on_call, 1, err, errlen) < 0)
        goto fail;
    if (st->on_call && !st->times)
        st->times = 1;    /* "on_call": 3 alone = only the 3rd call */
    json_t *p = json_object_get(def, "probability");
    if (p) {
        if (!json_is_number(p) || json_number_value(p) < 0 || json_number_value(p) > 1) {
            seterr(err, errlen, "%s.probability: expected a number from 0 to 1", path);
            goto fail;
        }
        st->probability = json_number_value(p);
    }
    json_t *ans = json_object_get(def, "answer");
    if (!ans) {
        seterr(err, errlen, "%s: missing member 'answer'", path);
        goto fail;
    }
    vw_json_path(sub, sizeof(sub), path, "answer", 0);
    if (!json_is_object(ans)) {
        seterr(err, errlen, "%s: expected an object", sub);
        goto fail;
    }
    st->answer = s->ops.compile_answer(s->ops.opaque, st->program, st->name, ans, sub, err,
                                       errlen);
    if (!st->answer)
        goto fail;
    st->def = json_deep_copy(def);
    if (!st->def || !st->id)
        goto fail;
    json_object_set_new(st->def, "id", json_string(st->id));
    return st;
fail:
    stub_free(s, st);
    return NULL;
}

int vw_scenario_add_stubs(vw_scenario *s, const json_t *stubs, const char *path, json_t **ids,
                          char *err, size_t errlen)
{
    if (ids)
        *ids = NULL;
    if (!json_is_array(stubs)) {
        seterr(err, errlen, "%s: expected an array of stubs", path);
        return -1;
    }
    size_t n = json_array_size(stubs);
    if (n > VW_SCENARIO_MAX_STUBS || s->nstubs + n > VW_SCENARIO_MAX_STUBS) {
        seterr(err, errlen, "%s: at most %d stubs in all (%zu there, %zu given)", path,
               VW_SCENARIO_MAX_STUBS, s->nstubs, n);
        return -1;
    }
    stub **batch = calloc(n ? n : 1, sizeof(*batch));
    if (!batch) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    char sub[512];
    size_t got = 0;
    for (size_t i = 0; i < n; i++) {
        vw_json_path(sub, sizeof(sub), path, NULL, (long)i);
        batch[i] = parse_stub(s, json_array_get(stubs, i), sub, batch, got, err, errlen);
        if (!batch[i])
            goto fail;
        got++;
    }
    if (s->nstubs + n > s->cap) {
        size_t cap = s->cap ? s->cap : 16;
        while (cap < s->nstubs + n)
            cap *= 2;
        stub **ns = realloc(s->stubs, cap * sizeof(*ns));
        if (!ns) {
            seterr(err, errlen, "out of memory");
            goto fail;
        }
        s->stubs = ns;
        s->cap = cap;
    }
    if (ids)
        *ids = json_array();
    for (size_t i = 0; i < n; i++) {
        batch[i]->order = s->next_order++;
        s->stubs[s->nstubs++] = batch[i];
        if (ids && *ids)
            json_array_append_new(*ids, json_string(batch[i]->id));
    }
    free(batch);
    return 0;
fail:
    for (size_t i = 0; i < got; i++)
        stub_free(s, batch[i]);
    free(batch);
    return -1;
}

int vw_scenario_remove_stub(vw_scenario *s, const char *id)
{
    for (size_t i = 0; i < s->nstubs; i++) {
        if (strcmp(s->stubs[i]->id, id) == 0) {
            stub_free(s, s->stubs[i]);
            memmove(&s->stubs[i], &s->stubs[i + 1], (s->nstubs - i - 1) * sizeof(*s->stubs));
            s->nstubs--;
            return 0;
        }
    }
    return -1;
}

json_t *vw_scenario_list_stubs(const vw_scenario *s)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < s->nstubs; i++) {
        json_t *d = json_deep_copy(s->stubs[i]->def);
        if (!d)
            continue;
        json_object_set_new(d, "hits", json_integer((json_int_t)s->stubs[i]->hits));
        json_object_set_new(d, "answered", json_integer((json_int_t)s->stubs[i]->answered));
        json_array_append_new(arr, d);
    }
    return arr;
}

int vw_scenario_load_json(vw_scenario *s, const json_t *doc, const char *origin, char *err,
                          size_t errlen)
{
    static const char *const allowed[] = {"format", "version", "protocol", "stubs", "faults",
                                          "states", "comment", NULL};
    char why[1024];
    if (!json_is_object(doc)) {
        seterr(err, errlen, "%s: $: a scenario must be a JSON object", origin);
        return -1;
    }
    if (vw_json_check_members(doc, allowed, "$", why, sizeof(why)) < 0)
        goto bad;
    json_t *fmt = json_object_get(doc, "format");
    if (fmt && (!json_is_string(fmt) ||
                strcmp(json_string_value(fmt), "virt-wire-scenario") != 0)) {
        snprintf(why, sizeof(why), "$.format: expected \"virt-wire-scenario\"");
        goto bad;
    }
    json_t *ver = json_object_get(doc, "version");
    if (ver && (!json_is_integer(ver) || json_integer_value(ver) != 1)) {
        snprintf(why, sizeof(why), "$.version: this reader knows version 1");
        goto bad;
    }
    json_t *proto = json_object_get(doc, "protocol");
    if (proto && (!json_is_string(proto) ||
                  strcmp(json_string_value(proto), s->ops.protocol) != 0)) {
        snprintf(why, sizeof(why), "$.protocol: this server speaks \"%s\"", s->ops.protocol);
        goto bad;
    }
    json_t *states = json_object_get(doc, "states");
    if (states) {
        const char *k;
        json_t *v;
        if (!json_is_object(states)) {
            snprintf(why, sizeof(why), "$.states: expected an object {scenario: state}");
            goto bad;
        }
        json_object_foreach(states, k, v) {
            if (!json_is_string(v)) {
                snprintf(why, sizeof(why), "$.states.%s: expected a string", k);
                goto bad;
            }
        }
    }
    json_t *stubs = json_object_get(doc, "stubs");
    if (stubs && vw_scenario_add_stubs(s, stubs, "$.stubs", NULL, why, sizeof(why)) < 0)
        goto bad;
    if (states) {
        const char *k;
        json_t *v;
        json_object_foreach(states, k, v)
            vw_scenario_set_state(s, k, json_string_value(v));
    }
    json_t *faults = json_object_get(doc, "faults");
    if (faults) {
        /* The "faults" section belongs to the fault-injection module (common/faults, issue #5):
         * it is kept here as given and handed over by the server (vw_scenario_faults). */
        json_decref(s->faults);
        s->faults = json_incref(faults);
    }
    return 0;
bad:
    seterr(err, errlen, "%s: %s", origin, why);
    return -1;
}

int vw_scenario_load_file(vw_scenario *s, const char *path, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *doc = vw_load_json_file(path, VW_SCENARIO_FILE_MAX, &jerr);
    if (!doc && jerr.line < 0) {
        seterr(err, errlen, "--scenario %s: %s", path, jerr.text);
        return -1;
    }
    if (!doc) {
        seterr(err, errlen, "--scenario %s: line %d column %d: %s", path, jerr.line, jerr.column,
               jerr.text);
        return -1;
    }
    char origin[1200];
    snprintf(origin, sizeof(origin), "--scenario %s", path);
    int rc = vw_scenario_load_json(s, doc, origin, err, errlen);
    json_decref(doc);
    return rc;
}

/* ---- matching -------------------------------------------------------------------------------- */

static bool stub_pattern_matches(const stub *st, const vw_call *call)
{
    if (st->program && (!call->program || strcmp(st->program, call->program) != 0))
        return false;
    if (st->name && (!call->name || strcmp(st->name, call->name) != 0))
        return false;
    if (st->conn && (uint64_t)st->conn != call->conn_id)
        return false;
    if (st->has_raw) {
        if (!call->raw)
            return false;
        if (st->raw_prefix ? call->raw_len < st->raw_len : call->raw_len != st->raw_len)
            return false;
        if (st->raw_len && memcmp(st->raw, call->raw, st->raw_len) != 0)
            return false;
    }
    if (st->args && (!call->args || !vw_json_subset_match(st->args, call->args)))
        return false;
    return true;
}

/* What one decoded value costs in the journal besides its string bytes: jansson's node and the
 * allocator's overhead, roughly. An estimate that errs on the high side. */
#define JOURNAL_NODE_COST 96

/* A UTF-8 string cut to at most max bytes without splitting a character. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* A copy of v that costs at most *budget (string bytes plus JOURNAL_NODE_COST a value and a
 * member): longer strings are cut, members and elements past the budget are left out, and *cut
 * says so. Returns NULL when not even the value itself fits. Bounded before it allocates, so a
 * 4 MiB argument costs the journal no more than the budget. */
static json_t *bounded_copy(const json_t *v, size_t *budget, bool *cut)
{
    if (*budget < JOURNAL_NODE_COST) {
        *cut = true;
        return NULL;
    }
    *budget -= JOURNAL_NODE_COST;
    if (json_is_string(v)) {
        size_t len = json_string_length(v);
        size_t keep = utf8_cut(json_string_value(v), len, *budget);
        *cut |= keep < len;
        *budget -= keep;
        return json_stringn_nocheck(json_string_value(v), keep);
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < json_array_size(v); i++) {
            json_t *c = bounded_copy(json_array_get(v, i), budget, cut);
            if (!c)
                break;
            json_array_append_new(a, c);
        }
        return a;
    }
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val) {
            size_t klen = strlen(key);
            if (!o || klen > *budget) {
                *cut = true;
                break;
            }
            *budget -= klen;
            json_t *c = bounded_copy(val, budget, cut);
            if (!c)
                break;
            json_object_set_new(o, key, c);
        }
        return o;
    }
    return json_deep_copy(v);   /* numbers, booleans, null */
}

/* The size of the arguments as received: the raw bytes (libvirt), or the compact JSON (QMP). */
static size_t call_args_size(const vw_call *call)
{
    if (call->raw)
        return call->raw_len;
    return call->args ? json_dumpb(call->args, NULL, 0, JSON_COMPACT) : 0;
}

static char *bounded_strdup(const char *s, size_t max, bool *cut)
{
    size_t len = strlen(s);
    size_t keep = utf8_cut(s, len, max);
    *cut |= keep < len;
    return strndup(s, keep);
}

/* Fills e from call with every part bounded (VW_SCENARIO_JOURNAL_*), and its cost in e->bytes. */
static void journal_entry_fill(journal_entry *e, const vw_call *call)
{
    bool cut = false;
    e->time_ms = vw_wall_ms();
    e->conn = call->conn_id;
    e->program = call->program
        ? bounded_strdup(call->program, VW_SCENARIO_JOURNAL_NAME_MAX, &cut) : NULL;
    e->name = bounded_strdup(call->name ? call->name : "?", VW_SCENARIO_JOURNAL_NAME_MAX, &cut);
    e->number = call->number;
    size_t budget = VW_SCENARIO_JOURNAL_ARGS_MAX;
    e->args = call->args ? bounded_copy(call->args, &budget, &cut) : NULL;
    e->args_size = call_args_size(call);
    size_t b64_len = 0;
    if (call->raw) {
        size_t keep = call->raw_len;
        if (keep > VW_SCENARIO_JOURNAL_ARGS_MAX) {
            keep = VW_SCENARIO_JOURNAL_ARGS_MAX;
            cut = true;
        }
        e->args_b64 = vw_base64_encode(call->raw, keep);
        b64_len = e->args_b64 ? strlen(e->args_b64) : 0;
    }
    e->truncated = cut;
    e->bytes = sizeof(*e) + JOURNAL_NODE_COST + (e->program ? strlen(e->program) : 0) +
               (e->name ? strlen(e->name) : 0) + (VW_SCENARIO_JOURNAL_ARGS_MAX - budget) +
               b64_len;
}

/* Drops the oldest entry. */
static void journal_drop_oldest(vw_scenario *s)
{
    journal_entry *old = &s->journal[s->jstart];
    s->jbytes -= old->bytes;
    journal_entry_free(old);
    s->jstart = (s->jstart + 1) % VW_SCENARIO_JOURNAL_MAX;
    s->jlen--;
    s->jdropped++;
}

/* Counts the call: by name, or under VW_SCENARIO_UNKNOWN_KEY, so the keys stay few. */
static void journal_count(vw_scenario *s, const journal_entry *e, const vw_call *call)
{
    const char *key = call->unknown ? VW_SCENARIO_UNKNOWN_KEY : e->name;
    if (!key)
        key = "?";
    json_t *cnt = json_object_get(s->counts, key);
    json_object_set_new(s->counts, key, json_integer(cnt ? json_integer_value(cnt) + 1 : 1));
}

static void journal_add(vw_scenario *s, const vw_call *call, journal_entry **out)
{
    journal_entry fresh;
    memset(&fresh, 0, sizeof(fresh));
    journal_entry_fill(&fresh, call);
    fresh.seq = ++s->jseq;
    /* oldest first, until both the count and the byte budget leave room */
    while (s->jlen > 0 && (s->jlen == VW_SCENARIO_JOURNAL_MAX ||
                           s->jbytes + fresh.bytes > VW_SCENARIO_JOURNAL_BYTES_MAX))
        journal_drop_oldest(s);
    journal_entry *e = &s->journal[(s->jstart + s->jlen) % VW_SCENARIO_JOURNAL_MAX];
    *e = fresh;
    s->jlen++;
    s->jbytes += e->bytes;
    journal_count(s, e, call);
    *out = e;
}

int vw_scenario_match(vw_scenario *s, const vw_call *call, vw_stub_hit *hit)
{
    journal_entry *je = NULL;
    journal_add(s, call, &je);
    stub *best = NULL;
    for (size_t i = 0; i < s->nstubs; i++) {
        stub *st = s->stubs[i];
        if (!stub_pattern_matches(st, call))
            continue;
        if (st->requires_state &&
            strcmp(vw_scenario_state(s, st->scenario), st->requires_state) != 0)
            continue;
        st->hits++;
        if (st->on_call && st->hits < (unsigned long)st->on_call)
            continue;
        if (st->times && st->answered >= (unsigned long)st->times)
            continue;
        if (best && (best->priority < st->priority ||
                     (best->priority == st->priority && best->order < st->order)))
            continue;
        best = st;
    }
    if (best && best->probability < 1.0 && vw_scenario_random(s) >= best->probability)
        best = NULL;
    if (!best)
        return 0;
    best->answered++;
    if (best->new_state)
        vw_scenario_set_state(s, best->scenario, best->new_state);
    if (je) {
        je->stub_id = strdup(best->id);
        if (je->stub_id) {   /* ids are short, but they are part of the entry's cost */
            je->bytes += strlen(je->stub_id);
            s->jbytes += strlen(je->stub_id);
        }
    }
    hit->stub_id = best->id;
    hit->answer = best->answer;
    return 1;
}

/* ---- journal --------------------------------------------------------------------------------- */

static json_t *journal_entry_json(const journal_entry *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
    json_object_set_new(o, "time_ms", json_integer(e->time_ms));
    json_object_set_new(o, "conn", json_integer((json_int_t)e->conn));
    if (e->program)
        json_object_set_new(o, "program", json_string(e->program));
    json_object_set_new(o, "name", json_string(e->name));
    if (e->number >= 0)
        json_object_set_new(o, "number", json_integer(e->number));
    json_object_set_new(o, "args", e->args ? json_incref(e->args) : json_null());
    if (e->args_b64)
        json_object_set_new(o, "args_b64", json_string(e->args_b64));
    json_object_set_new(o, "stub", e->stub_id ? json_string(e->stub_id) : json_null());
    if (e->truncated) {   /* only then, so that entries of ordinary calls stay as they were */
        json_object_set_new(o, "truncated", json_true());
        json_object_set_new(o, "size", json_integer((json_int_t)e->args_size));
    }
    return o;
}

json_t *vw_scenario_journal(const vw_scenario *s, const json_t *filter, char *err, size_t errlen)
{
    const char *name = NULL, *program = NULL;
    const json_t *args = NULL;
    long conn = 0, limit = 0;
    char namebuf[256], progbuf[64];
    if (filter) {
        const char *nk = s->ops.name_key;
        json_t *v = json_object_get(filter, nk);
        if (v) {
            char *p = NULL, *n = NULL;
            char why[512];
            if (!json_is_string(v) && !json_is_integer(v)) {
                seterr(err, errlen, "%s: expected a string", nk);
                return NULL;
            }
            if (s->ops.resolve(s->ops.opaque, json_object_get(filter, "program"), v, &p, &n, why,
                               sizeof(why)) < 0) {
                seterr(err, errlen, "%s", why);
                return NULL;
            }
            snprintf(namebuf, sizeof(namebuf), "%s", n ? n : "");
            snprintf(progbuf, sizeof(progbuf), "%s", p ? p : "");
            name = n ? namebuf : NULL;
            program = p ? progbuf : NULL;
            free(p);
            free(n);
        }
        args = json_object_get(filter, s->ops.args_key);
        if (args && !json_is_object(args)) {
            seterr(err, errlen, "%s: expected an object", s->ops.args_key);
            return NULL;
        }
        if (get_opt_count(filter, "conn", "$", &conn, 1, err, errlen) < 0 ||
            get_opt_count(filter, "limit", "$", &limit, 1, err, errlen) < 0)
            return NULL;
    }
    json_t *entries = json_array();
    size_t matched = 0;
    const journal_entry *last = NULL;
    for (size_t i = 0; i < s->jlen; i++) {
        const journal_entry *e = &s->journal[(s->jstart + i) % VW_SCENARIO_JOURNAL_MAX];
        if (name && strcmp(e->name, name) != 0)
            continue;
        if (program && (!e->program || strcmp(e->program, program) != 0))
            continue;
        if (conn && e->conn != (uint64_t)conn)
            continue;
        if (args && (!e->args || !vw_json_subset_match(args, e->args)))
            continue;
        matched++;
        last = e;
        json_array_append_new(entries, journal_entry_json(e));
    }
    if (limit && json_array_size(entries) > (size_t)limit) {
        json_t *tail = json_array();
        for (size_t i = json_array_size(entries) - (size_t)limit; i < json_array_size(entries); i++)
            json_array_append(tail, json_array_get(entries, i));
        json_decref(entries);
        entries = tail;
    }
    json_t *out = json_object();
    json_object_set_new(out, "total", json_integer((json_int_t)s->jseq));
    json_object_set_new(out, "kept", json_integer((json_int_t)s->jlen));
    json_object_set_new(out, "dropped", json_integer((json_int_t)s->jdropped));
    json_object_set_new(out, "bytes", json_integer((json_int_t)s->jbytes));
    json_object_set_new(out, "matched", json_integer((json_int_t)matched));
    json_object_set_new(out, "counts", json_deep_copy(s->counts));
    json_object_set_new(out, "entries", entries);
    json_object_set_new(out, "last_args",
                        last && last->args ? json_incref(last->args) : json_null());
    return out;
}

/* ---- admin operations ------------------------------------------------------------------------ */

json_t *vw_admin_ok(void)
{
    return json_pack("{s:b}", "ok", 1);
}

json_t *vw_admin_error(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return json_pack("{s:b,s:s}", "ok", 0, "error", buf);
}

int vw_scenario_reset(vw_scenario *s, char *err, size_t errlen)
{
    vw_scenario_clear_stubs(s);
    vw_scenario_reset_states(s);
    vw_scenario_reset_journal(s);
    if (s->file && vw_scenario_load_file(s, s->file, err, errlen) < 0)
        return -1;
    return 0;
}

json_t *vw_scenario_admin_set_faults(const json_t *req, vw_scenario_faults_fn *fn, void *opaque)
{
    char err[1024];
    const json_t *faults = json_object_get(req, "faults");
    if (!faults)
        return vw_admin_error("set_faults: missing member 'faults' (an array of fault rules, "
                              "docs/faults.md; [] removes them)");
    if (!fn)
        return vw_admin_error("set_faults: fault injection is not built into this server");
    if (fn(opaque, faults, err, sizeof(err)) < 0)
        return vw_admin_error("set_faults: %s", err);
    return vw_admin_ok();
}

json_t *vw_scenario_admin(vw_scenario *s, const char *op, const json_t *req)
{
    char err[1024];
    if (strcmp(op, "ping") == 0) {
        json_t *r = vw_admin_ok();
        json_object_set_new(r, "pong", json_true());
        json_object_set_new(r, "protocol", json_string(s->ops.protocol));
        return r;
    }
    if (strcmp(op, "add_stubs") == 0) {
        json_t *stubs = json_object_get(req, "stubs");
        json_t *ids = NULL;
        if (!stubs)
            return vw_admin_error("add_stubs: missing member 'stubs' (an array of stubs)");
        if (vw_scenario_add_stubs(s, stubs, "$.stubs", &ids, err, sizeof(err)) < 0)
            return vw_admin_error("add_stubs: %s", err);
        json_t *r = vw_admin_ok();
        json_object_set_new(r, "ids", ids ? ids : json_array());
        return r;
    }
    if (strcmp(op, "remove_stubs") == 0) {
        json_t *ids = json_object_get(req, "ids");
        json_t *one = json_object_get(req, "id");
        if (one && !ids) {
            if (!json_is_string(one))
                return vw_admin_error("remove_stubs: 'id' must be a string");
            if (vw_scenario_remove_stub(s, json_string_value(one)) < 0)
                return vw_admin_error("remove_stubs: no stub with id '%s'", json_string_value(one));
            json_t *r = vw_admin_ok();
            json_object_set_new(r, "removed", json_pack("[s]", json_string_value(one)));
            return r;
        }
        if (!json_is_array(ids))
            return vw_admin_error("remove_stubs: give 'ids' (an array of stub ids) or 'id'");
        size_t i;
        json_t *v;
        json_array_foreach(ids, i, v) {
            if (!json_is_string(v))
                return vw_admin_error("remove_stubs: ids[%zu] is not a string", i);
        }
        json_t *removed = json_array(), *missing = json_array();
        json_array_foreach(ids, i, v) {
            if (vw_scenario_remove_stub(s, json_string_value(v)) == 0)
                json_array_append(removed, v);
            else
                json_array_append(missing, v);
        }
        json_t *r = json_array_size(missing) ? vw_admin_error("remove_stubs: unknown stub ids")
                                             : vw_admin_ok();
        json_object_set_new(r, "removed", removed);
        json_object_set_new(r, "missing", missing);
        return r;
    }
    if (strcmp(op, "list_stubs") == 0) {
        json_t *r = vw_admin_ok();
        json_object_set_new(r, "stubs", vw_scenario_list_stubs(s));
        return r;
    }
    if (strcmp(op, "clear_stubs") == 0) {
        vw_scenario_clear_stubs(s);
        return vw_admin_ok();
    }
    if (strcmp(op, "journal") == 0) {
        json_t *j = vw_scenario_journal(s, req, err, sizeof(err));
        if (!j)
            return vw_admin_error("journal: %s", err);
        json_object_set_new(j, "ok", json_true());
        return j;
    }
    if (strcmp(op, "reset_journal") == 0) {
        vw_scenario_reset_journal(s);
        return vw_admin_ok();
    }
    if (strcmp(op, "get_state") == 0) {
        json_t *r = vw_admin_ok();
        json_t *states = json_object();
        for (size_t i = 0; i < s->nstates; i++)
            json_object_set_new(states, s->states[i].scenario, json_string(s->states[i].state));
        /* scenarios named by stubs but never moved are in "Started" */
        for (size_t i = 0; i < s->nstubs; i++)
            if (s->stubs[i]->scenario && !json_object_get(states, s->stubs[i]->scenario))
                json_object_set_new(states, s->stubs[i]->scenario, json_string(STARTED));
        json_object_set_new(r, "states", states);
        return r;
    }
    if (strcmp(op, "set_state") == 0) {
        const char *sc = json_string_value(json_object_get(req, "scenario"));
        const char *st = json_string_value(json_object_get(req, "state"));
        if (!sc || !st)
            return vw_admin_error("set_state: give 'scenario' and 'state' (strings)");
        if (vw_scenario_set_state(s, sc, st) < 0)
            return vw_admin_error("set_state: out of memory");
        return vw_admin_ok();
    }
    if (strcmp(op, "reset_states") == 0) {
        json_t *one = json_object_get(req, "scenario");
        if (one) {          /* one scenario only (the gap of WireMock issue #847) */
            if (!json_is_string(one))
                return vw_admin_error("reset_states: 'scenario' must be a string");
            if (vw_scenario_set_state(s, json_string_value(one), STARTED) < 0)
                return vw_admin_error("reset_states: out of memory");
            return vw_admin_ok();
        }
        vw_scenario_reset_states(s);
        return vw_admin_ok();
    }
    return NULL;
}
