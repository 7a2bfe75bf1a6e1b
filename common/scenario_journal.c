/* scenario_journal.c: the call journal: recording calls and the admin query (see scenario.h, scenario_priv.h and docs/scenario-format.md). */
#include "scenario_priv.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vw_util.h"

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
    vw_scn_journal_entry_free(old);
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

void vw_scn_journal_add(vw_scenario *s, const vw_call *call, journal_entry **out)
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
                vw_scn_seterr(err, errlen, "%s: expected a string", nk);
                return NULL;
            }
            if (s->ops.resolve(s->ops.opaque, json_object_get(filter, "program"), v, &p, &n, why,
                               sizeof(why)) < 0) {
                vw_scn_seterr(err, errlen, "%s", why);
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
            vw_scn_seterr(err, errlen, "%s: expected an object", s->ops.args_key);
            return NULL;
        }
        if (vw_scn_get_opt_count(filter, "conn", "$", &conn, 1, err, errlen) < 0 ||
            vw_scn_get_opt_count(filter, "limit", "$", &limit, 1, err, errlen) < 0)
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

