/* replay_engine.c: the one replay engine of both fakes (see replay_engine.h). */
#include "replay_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_load.h"

struct vw_replay_engine {
    vw_replay_options opt;
    const vw_replay_proto *proto;
    void *ctx;
    vw_replay_rconn **rconns;     /* each proto->rconn_size bytes */
    size_t n, cap;
    size_t next;                  /* hand-out: no recorded connection before it is free */
    size_t served;
    vw_replay_report *report;
};

/* ---- names ---------------------------------------------------------------------------------- */

static int name_index(const char *name, const char *zero, const char *one)
{
    if (name && strcmp(name, zero) == 0)
        return 0;
    if (name && strcmp(name, one) == 0)
        return 1;
    return -1;
}

int vw_replay_match_from_name(const char *name)
{
    return name_index(name, "strict", "unordered");
}

int vw_replay_unmatched_from_name(const char *name)
{
    return name_index(name, "error", "close");
}

int vw_replay_pick_from_name(const char *name)
{
    return name_index(name, "next", "match");
}

const char *vw_replay_engine_match_name(const vw_replay_engine *e)
{
    return e->opt.match == VW_REPLAY_UNORDERED ? "unordered" : "strict";
}

bool vw_replay_engine_closes_unmatched(const vw_replay_engine *e)
{
    return e->opt.unmatched == VW_REPLAY_UNMATCHED_CLOSE;
}

/* ---- loading -------------------------------------------------------------------------------- */

/* vw_replay_loader: a recorded connection opened. */
static int load_open(void *opaque, uint32_t conn)
{
    vw_replay_engine *e = opaque;
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        vw_replay_rconn **nv = realloc(e->rconns, cap * sizeof(*nv));
        if (!nv)
            return -1;
        e->rconns = nv;
        e->cap = cap;
    }
    vw_replay_rconn *rc = calloc(1, e->proto->rconn_size);
    if (!rc)
        return -1;
    rc->id = conn;
    rc->match = vw_replay_match_new();
    e->rconns[e->n++] = rc;     /* freed with the engine even when match is NULL */
    return rc->match ? 0 : -1;
}

/* vw_replay_loader: one record of the index-th recorded connection. */
static int load_record(void *opaque, size_t index, const vw_trace_record *rec)
{
    vw_replay_engine *e = opaque;
    return e->proto->record(e->ctx, e->rconns[index], rec);
}

static int load(vw_replay_engine *e, vw_error *err)
{
    const char *path = e->opt.trace_path;
    const char *pre = e->proto->load_error_prefix ? e->proto->load_error_prefix : "";
    vw_replay_loader loader = { load_open, load_record, e };
    vw_trace_protocol found;
    char source[sizeof(err->source)];
    vw_replay_load_result r = vw_replay_load(path, e->proto->trace_protocol,
                                             e->opt.allow_truncated, e->proto->who, &loader,
                                             &found, err);
    if (r == VW_REPLAY_WRONG_PROTOCOL) {
        e->proto->wrong_protocol(e->ctx, path, found, err);
        return -1;
    }
    if (r != VW_REPLAY_LOADED) {
        /* the loader names the file; the option goes in front of it ("--replay t.trace:4:") */
        snprintf(source, sizeof(source), "%s%s", pre, err->source[0] ? err->source : path);
        snprintf(err->source, sizeof(err->source), "%s", source);
        return -1;
    }
    for (size_t i = 0; i < e->n; i++) {
        vw_replay_rconn *rc = e->rconns[i];
        if (vw_replay_match_seal(rc->match) < 0 ||
            (e->proto->sealed && e->proto->sealed(e->ctx, rc) < 0)) {
            snprintf(source, sizeof(source), "%s%s", pre, path);
            return vw_error_set(err, source, 0, 0, 0, "out of memory loading the trace");
        }
    }
    return 0;
}

/* Tells the report which recorded connections nobody was served from. */
static vw_replay_summary note_never_served(vw_replay_engine *e)
{
    vw_replay_summary s = { { 0, 0, 0 }, 0, 0 };
    vw_replay_report_clear_never_served(e->report);
    for (size_t i = 0; i < e->n; i++) {
        if (e->rconns[i]->bound)
            continue;
        size_t calls = vw_replay_match_count(e->rconns[i]->match);
        s.never_served++;
        s.never_served_calls += calls;
        vw_replay_report_never_served(e->report, e->rconns[i]->id, calls);
    }
    return s;
}

vw_replay_engine *vw_replay_engine_new(const vw_replay_options *opt, const vw_replay_proto *proto,
                                       void *ctx, vw_error *err)
{
    vw_replay_engine *e = calloc(1, sizeof(*e));
    if (!e) {
        vw_error_set(err, NULL, 0, 0, 0, "out of memory");
        return NULL;
    }
    e->opt = *opt;
    e->proto = proto;
    e->ctx = ctx;
    if (load(e, err) < 0) {
        vw_replay_engine_free(e);
        return NULL;
    }
    /* the report file is written now: a path that cannot be written fails now, not at exit */
    vw_replay_report_setup setup = {
        .path = opt->report_path, .trace = opt->trace_path, .protocol = proto->protocol,
        .match = vw_replay_engine_match_name(e),
        .on_unmatched = opt->unmatched == VW_REPLAY_UNMATCHED_CLOSE ? "close" : "error",
        .pick = opt->pick == VW_REPLAY_PICK_MATCH ? "match" : "next",
        .recorded_connections = e->n,
    };
    char why[sizeof(err->text)];
    e->report = vw_replay_report_new(&setup, why, sizeof(why));
    if (!e->report) {
        vw_error_set(err, NULL, 0, 0, 0, "%s", why);
        vw_replay_engine_free(e);
        return NULL;
    }
    note_never_served(e);
    return e;
}

void vw_replay_engine_free(vw_replay_engine *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++) {
        if (e->proto->rconn_clear)
            e->proto->rconn_clear(e->ctx, e->rconns[i]);
        vw_replay_match_free(e->rconns[i]->match);
        free(e->rconns[i]);
    }
    free(e->rconns);
    vw_replay_report_free(e->report);
    free(e);
}

/* ---- accessors ------------------------------------------------------------------------------ */

const vw_replay_options *vw_replay_engine_options(const vw_replay_engine *e)
{
    return &e->opt;
}

vw_replay_report *vw_replay_engine_report(vw_replay_engine *e)
{
    return e->report;
}

size_t vw_replay_engine_count(const vw_replay_engine *e)
{
    return e->n;
}

vw_replay_rconn *vw_replay_engine_rconn(vw_replay_engine *e, size_t i)
{
    return i < e->n ? e->rconns[i] : NULL;
}

size_t vw_replay_engine_served(const vw_replay_engine *e)
{
    return e->served;
}

/* ---- hand-out ------------------------------------------------------------------------------- */

vw_replay_rconn *vw_replay_engine_take(vw_replay_engine *e)
{
    while (e->next < e->n && e->rconns[e->next]->bound)
        e->next++;
    if (e->next >= e->n)
        return NULL;
    vw_replay_rconn *rc = e->rconns[e->next++];
    rc->bound = true;
    e->served++;
    return rc;
}

void vw_replay_engine_give_back(vw_replay_engine *e, vw_replay_rconn *rc)
{
    (void)e;
    vw_replay_match_reset(rc->match);
    rc->bound = false;
}

vw_replay_rconn *vw_replay_engine_switch(vw_replay_engine *e, const vw_replay_rconn *cur,
                                         size_t k, const void *key, size_t len)
{
    for (size_t i = 0; i < e->n; i++) {
        vw_replay_rconn *cand = e->rconns[i];
        if (cand->bound || vw_replay_match_count(cand->match) <= k)
            continue;
        bool same = true;
        for (size_t j = 0; j < k && same; j++)
            same = vw_replay_match_same(cand->match, j, cur->match, j);
        if (!same || !vw_replay_match_is(cand->match, k, key, len))
            continue;
        for (size_t j = 0; j < k; j++)
            vw_replay_match_use(cand->match, j);
        cand->bound = true;
        return cand;
    }
    return NULL;
}

/* ---- matching and timing -------------------------------------------------------------------- */

long vw_replay_engine_find(const vw_replay_engine *e, vw_replay_rconn *rc, const void *key,
                           size_t len)
{
    if (!rc)
        return -1;
    return vw_replay_match_find(rc->match, e->opt.match == VW_REPLAY_UNORDERED, key, len);
}

long long vw_replay_engine_delay_ms(const vw_replay_engine *e, uint64_t t_us, uint64_t base_us)
{
    long long due = t_us > base_us ? (long long)((t_us - base_us) / 1000) : 0;
    return due > e->opt.delay_max_ms ? e->opt.delay_max_ms : due;
}

void vw_replay_engine_matched(vw_replay_engine *e, size_t conn, vw_replay_rconn *rc, size_t i)
{
    vw_replay_match_use(rc->match, i);
    vw_replay_report_matched(e->report, conn);
}

bool vw_replay_engine_unmatched(vw_replay_engine *e, size_t conn, json_t *call)
{
    vw_replay_report_unmatched(e->report, conn, call);
    return vw_replay_engine_closes_unmatched(e);
}

/* ---- the report ----------------------------------------------------------------------------- */

vw_replay_counts vw_replay_engine_conn_done(vw_replay_engine *e, size_t conn,
                                            const vw_replay_rconn *rc)
{
    size_t n = rc ? vw_replay_match_count(rc->match) : 0;
    for (size_t i = 0; i < n; i++)
        if (!vw_replay_match_used(rc->match, i))
            vw_replay_report_never_used(e->report, conn, e->proto->call_json(e->ctx, rc, i));
    vw_replay_counts c = vw_replay_report_counts(e->report, conn);
    note_never_served(e);
    (void)vw_replay_engine_write_report(e);
    return c;
}

vw_replay_summary vw_replay_engine_summary(vw_replay_engine *e)
{
    vw_replay_summary s = note_never_served(e);
    s.totals = vw_replay_report_counts(e->report, (size_t)-1);
    return s;
}

int vw_replay_engine_write_report(vw_replay_engine *e)
{
    return vw_replay_report_write(e->report, e->proto->report_who);
}
