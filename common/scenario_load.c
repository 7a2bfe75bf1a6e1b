/* scenario_load.c: parsing stub definitions and scenario files (see scenario.h, scenario_priv.h and docs/scenario-format.md). */
#include "scenario_priv.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vw_util.h"

/* ---- parsing stubs --------------------------------------------------------------------------- */

static int get_opt_string(const json_t *obj, const char *key, const char *path, char **out,
                          char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_string(v) || json_string_length(v) == 0) {
        vw_scn_seterr(err, errlen, "%s.%s: expected a non-empty string", path, key);
        return -1;
    }
    *out = strdup(json_string_value(v));
    return *out ? 0 : -1;
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
        vw_scn_seterr(err, errlen, "%s: expected an object", path);
        return -1;
    }
    if (vw_json_check_members(m, s->ops.has_program ? allowed_lv : allowed_q, path, err,
                              errlen) < 0)
        return -1;
    json_t *prog = json_object_get(m, "program");
    json_t *name = json_object_get(m, s->ops.name_key);
    if (name && !json_is_string(name) && !json_is_integer(name)) {
        vw_scn_seterr(err, errlen, "%s.%s: expected a string%s", path, s->ops.name_key,
               s->ops.has_program ? " or a procedure number" : "");
        return -1;
    }
    if (name || prog) {
        char why[512];
        if (s->ops.resolve(s->ops.opaque, prog, name, &st->program, &st->name, why,
                           sizeof(why)) < 0) {
            vw_scn_seterr(err, errlen, "%s: %s", path, why);
            return -1;
        }
    }
    json_t *args = json_object_get(m, s->ops.args_key);
    if (args) {
        if (!json_is_object(args)) {
            vw_scn_seterr(err, errlen, "%s.%s: expected an object (a subset of the decoded arguments)",
                   path, s->ops.args_key);
            return -1;
        }
        st->args = json_incref(args);
    }
    json_t *b64 = json_object_get(m, "args_b64");
    json_t *hex = json_object_get(m, "args_hex_prefix");
    if (b64 && hex) {
        vw_scn_seterr(err, errlen, "%s: give args_b64 or args_hex_prefix, not both", path);
        return -1;
    }
    if (b64) {
        const char *why = "expected a string";
        size_t bad = 0;
        if (!json_is_string(b64) ||
            vw_base64_decode(json_string_value(b64), json_string_length(b64), 1u << 24, &st->raw,
                             &st->raw_len, &bad, &why) < 0) {
            vw_scn_seterr(err, errlen, "%s.args_b64: not base64 (character %zu: %s)", path, bad, why);
            return -1;
        }
        st->has_raw = true;
    }
    if (hex) {
        if (!json_is_string(hex) || !(st->raw = vw_hex_decode(json_string_value(hex),
                                                              &st->raw_len))) {
            vw_scn_seterr(err, errlen, "%s.args_hex_prefix: expected a string of hex byte pairs", path);
            return -1;
        }
        st->has_raw = true;
        st->raw_prefix = true;
    }
    if (vw_scn_get_opt_count(m, "conn", path, &st->conn, 1, err, errlen) < 0)
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
        vw_scn_seterr(err, errlen, "%s: a stub must be an object", path);
        return NULL;
    }
    if (vw_json_check_members(def, allowed, path, err, errlen) < 0)
        return NULL;
    stub *st = calloc(1, sizeof(*st));
    if (!st) {
        vw_scn_seterr(err, errlen, "out of memory");
        return NULL;
    }
    st->priority = VW_SCENARIO_DEFAULT_PRIORITY;
    st->probability = 1.0;
    if (get_opt_string(def, "id", path, &st->id, err, errlen) < 0)
        goto fail;
    if (st->id && id_taken(s, batch, nbatch, st->id)) {
        vw_scn_seterr(err, errlen, "%s.id: a stub with id '%s' exists already", path, st->id);
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
            vw_scn_seterr(err, errlen, "%s.priority: expected an integer (lower wins; default %d)", path,
                   VW_SCENARIO_DEFAULT_PRIORITY);
            goto fail;
        }
        st->priority = (long)json_integer_value(prio);
    }
    json_t *m = json_object_get(def, "match");
    if (!m) {
        vw_scn_seterr(err, errlen, "%s: missing member 'match' (use {} to match every call)", path);
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
        vw_scn_seterr(err, errlen, "%s: requires_state/new_state need a 'scenario' name", path);
        goto fail;
    }
    if (vw_scn_get_opt_count(def, "times", path, &st->times, 1, err, errlen) < 0 ||
        vw_scn_get_opt_count(def, "on_call", path, &st->on_call, 1, err, errlen) < 0)
        goto fail;
    if (st->on_call && !st->times)
        st->times = 1;    /* "on_call": 3 alone = only the 3rd call */
    json_t *p = json_object_get(def, "probability");
    if (p) {
        if (!json_is_number(p) || json_number_value(p) < 0 || json_number_value(p) > 1) {
            vw_scn_seterr(err, errlen, "%s.probability: expected a number from 0 to 1", path);
            goto fail;
        }
        st->probability = json_number_value(p);
    }
    json_t *ans = json_object_get(def, "answer");
    if (!ans) {
        vw_scn_seterr(err, errlen, "%s: missing member 'answer'", path);
        goto fail;
    }
    vw_json_path(sub, sizeof(sub), path, "answer", 0);
    if (!json_is_object(ans)) {
        vw_scn_seterr(err, errlen, "%s: expected an object", sub);
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
    vw_scn_stub_free(s, st);
    return NULL;
}

int vw_scenario_add_stubs(vw_scenario *s, const json_t *stubs, const char *path, json_t **ids,
                          char *err, size_t errlen)
{
    if (ids)
        *ids = NULL;
    if (!json_is_array(stubs)) {
        vw_scn_seterr(err, errlen, "%s: expected an array of stubs", path);
        return -1;
    }
    size_t n = json_array_size(stubs);
    if (n > VW_SCENARIO_MAX_STUBS || s->nstubs + n > VW_SCENARIO_MAX_STUBS) {
        vw_scn_seterr(err, errlen, "%s: at most %d stubs in all (%zu there, %zu given)", path,
               VW_SCENARIO_MAX_STUBS, s->nstubs, n);
        return -1;
    }
    stub **batch = calloc(n ? n : 1, sizeof(*batch));
    if (!batch) {
        vw_scn_seterr(err, errlen, "out of memory");
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
            vw_scn_seterr(err, errlen, "out of memory");
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
        vw_scn_stub_free(s, batch[i]);
    free(batch);
    return -1;
}

int vw_scenario_remove_stub(vw_scenario *s, const char *id)
{
    for (size_t i = 0; i < s->nstubs; i++) {
        if (strcmp(s->stubs[i]->id, id) == 0) {
            vw_scn_stub_free(s, s->stubs[i]);
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

int vw_scenario_load_json(vw_scenario *s, const json_t *doc, const char *origin, vw_error *err)
{
    static const char *const allowed[] = {"format", "version", "protocol", "stubs", "faults",
                                          "states", "comment", NULL};
    char why[1024];
    if (!json_is_object(doc)) {
        return vw_error_set(err, origin, 0, 0, 0, "$: a scenario must be a JSON object");
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
    return vw_error_set(err, origin, 0, 0, 0, "%s", why);
}

int vw_scenario_load_file(vw_scenario *s, const char *path, vw_error *err)
{
    json_t *doc = vw_load_option_json("--scenario", path, VW_SCENARIO_FILE_MAX, err);
    if (!doc)
        return -1;
    char origin[sizeof(err->source)];
    snprintf(origin, sizeof(origin), "--scenario %s", path);
    int rc = vw_scenario_load_json(s, doc, origin, err);
    json_decref(doc);
    return rc;
}

