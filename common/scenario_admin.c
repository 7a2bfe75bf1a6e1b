/* scenario_admin.c: the admin operations on a scenario (see scenario.h, scenario_priv.h and docs/scenario-format.md). */
#include "scenario_priv.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    vw_error e;
    if (s->file && vw_scenario_load_file(s, s->file, &e) < 0) {
        vw_error_format(&e, err, errlen);   /* the admin reply's one line */
        return -1;
    }
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
