/* scenario.c: the scenario object, scenario states and matching a call against the stubs (see
 * scenario.h and docs/scenario-format.md; the other scenario_*.c files are listed in
 * scenario_priv.h). */
#include "scenario_priv.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void vw_scn_stub_free(const vw_scenario *s, stub *st)
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

void vw_scn_journal_entry_free(journal_entry *e)
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
        vw_scn_journal_entry_free(&s->journal[(s->jstart + i) % VW_SCENARIO_JOURNAL_MAX]);
    s->jstart = s->jlen = 0;
    s->jbytes = 0;
    s->jdropped = 0;
    json_object_clear(s->counts);
}

void vw_scenario_clear_stubs(vw_scenario *s)
{
    for (size_t i = 0; i < s->nstubs; i++)
        vw_scn_stub_free(s, s->stubs[i]);
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
                              vw_error *err)
{
    vw_scenario *s = vw_scenario_new(ops, seed);
    if (!s || (file && !(s->file = strdup(file)))) {
        vw_scenario_free(s);
        vw_error_set(err, NULL, 0, 0, 0, "out of memory");
        return NULL;
    }
    if (file && vw_scenario_load_file(s, file, err) < 0) {
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

int vw_scenario_match(vw_scenario *s, const vw_call *call, vw_stub_hit *hit)
{
    journal_entry *je = NULL;
    vw_scn_journal_add(s, call, &je);
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

