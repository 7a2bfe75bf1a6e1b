/* replay_report.c: the one replay report (see replay_report.h). Each connection's counts live
 * in C; the named calls in JSON arrays, capped; the document is built at each write. */
#include "replay_report.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct report_conn {
    unsigned long long client;
    long long recorded_conn;    /* < 0: none */
    vw_replay_counts n;
    json_t *unmatched_calls, *never_used_calls;
} report_conn;

struct vw_replay_report {
    vw_replay_report_setup setup;
    char *path, *trace;
    report_conn *conns;
    size_t nconns, cap;
    json_t *never_served;
    unsigned long never_served_calls;
};

vw_replay_report *vw_replay_report_new(const vw_replay_report_setup *setup, char *err,
                                       size_t errlen)
{
    vw_replay_report *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->setup = *setup;
    r->path = setup->path ? strdup(setup->path) : NULL;
    r->trace = strdup(setup->trace ? setup->trace : "");
    r->never_served = json_array();
    if ((setup->path && !r->path) || !r->trace || !r->never_served) {
        snprintf(err, errlen, "out of memory");
        vw_replay_report_free(r);
        return NULL;
    }
    if (r->path && vw_replay_report_write(r, NULL) < 0) {
        snprintf(err, errlen, "--replay-report %s: cannot create: %s", r->path, strerror(errno));
        vw_replay_report_free(r);
        return NULL;
    }
    return r;
}

void vw_replay_report_free(vw_replay_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nconns; i++) {
        json_decref(r->conns[i].unmatched_calls);
        json_decref(r->conns[i].never_used_calls);
    }
    free(r->conns);
    json_decref(r->never_served);
    free(r->path);
    free(r->trace);
    free(r);
}

size_t vw_replay_report_conn(vw_replay_report *r, unsigned long long client,
                             long long recorded_conn)
{
    if (r->nconns == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        report_conn *nc = realloc(r->conns, cap * sizeof(*nc));
        if (!nc)
            return (size_t)-1;
        r->conns = nc;
        r->cap = cap;
    }
    report_conn *c = &r->conns[r->nconns];
    memset(c, 0, sizeof(*c));
    c->client = client;
    c->recorded_conn = recorded_conn;
    c->unmatched_calls = json_array();
    c->never_used_calls = json_array();
    return r->nconns++;
}

static report_conn *conn_at(vw_replay_report *r, size_t conn)
{
    return conn < r->nconns ? &r->conns[conn] : NULL;
}

void vw_replay_report_set_recorded(vw_replay_report *r, size_t conn, long long recorded_conn)
{
    report_conn *c = conn_at(r, conn);
    if (c)
        c->recorded_conn = recorded_conn;
}

void vw_replay_report_matched(vw_replay_report *r, size_t conn)
{
    report_conn *c = conn_at(r, conn);
    if (c)
        c->n.matched++;
}

/* Counts call for conn (unmatched, or never used) and names it while the list has room. */
static void add_call(vw_replay_report *r, size_t conn, json_t *call, bool unmatched)
{
    report_conn *c = conn_at(r, conn);
    json_t *list = NULL;
    if (c) {
        list = unmatched ? c->unmatched_calls : c->never_used_calls;
        if (unmatched)
            c->n.unmatched++;
        else
            c->n.never_used++;
    }
    if (list && call && json_array_size(list) < VW_REPLAY_REPORT_LIST_MAX)
        json_array_append(list, call);
    json_decref(call);
}

void vw_replay_report_unmatched(vw_replay_report *r, size_t conn, json_t *call)
{
    add_call(r, conn, call, true);
}

void vw_replay_report_never_used(vw_replay_report *r, size_t conn, json_t *call)
{
    add_call(r, conn, call, false);
}

void vw_replay_report_clear_never_served(vw_replay_report *r)
{
    json_array_clear(r->never_served);
    r->never_served_calls = 0;
}

void vw_replay_report_never_served(vw_replay_report *r, unsigned long long recorded_conn,
                                   size_t calls)
{
    r->never_served_calls += calls;
    json_array_append_new(r->never_served, json_pack("{s:I,s:I}", "recorded_conn",
                                                     (json_int_t)recorded_conn, "calls",
                                                     (json_int_t)calls));
}

vw_replay_counts vw_replay_report_counts(const vw_replay_report *r, size_t conn)
{
    if (conn < r->nconns)
        return r->conns[conn].n;
    vw_replay_counts t = { 0, 0, 0 };
    for (size_t i = 0; i < r->nconns; i++) {
        t.matched += r->conns[i].n.matched;
        t.unmatched += r->conns[i].n.unmatched;
        t.never_used += r->conns[i].n.never_used;
    }
    return t;
}

static json_t *conn_json(const report_conn *c)
{
    return json_pack("{s:I,s:o,s:I,s:I,s:I,s:O,s:O}", "client", (json_int_t)c->client,
                     "recorded_conn", c->recorded_conn < 0 ? json_null()
                                                           : json_integer(c->recorded_conn),
                     "matched", (json_int_t)c->n.matched, "unmatched",
                     (json_int_t)c->n.unmatched, "never_used", (json_int_t)c->n.never_used,
                     "unmatched_calls", c->unmatched_calls, "never_used_calls",
                     c->never_used_calls);
}

static json_t *report_json(const vw_replay_report *r)
{
    const vw_replay_report_setup *s = &r->setup;
    json_t *conns = json_array();
    size_t served = 0;
    for (size_t i = 0; i < r->nconns; i++) {
        served += r->conns[i].recorded_conn >= 0;
        json_array_append_new(conns, conn_json(&r->conns[i]));
    }
    vw_replay_counts t = vw_replay_report_counts(r, (size_t)-1);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:O,s:I,s:o}",
                     "trace", r->trace, "protocol", s->protocol, "match", s->match,
                     "on_unmatched", s->on_unmatched, "pick", s->pick,
                     "matched", (json_int_t)t.matched, "unmatched", (json_int_t)t.unmatched,
                     "never_used", (json_int_t)t.never_used,
                     "recorded_connections", (json_int_t)s->recorded_connections,
                     "connections_served", (json_int_t)served,
                     "connections_beyond_trace", (json_int_t)(r->nconns - served),
                     "never_served", r->never_served,
                     "never_served_calls", (json_int_t)r->never_served_calls,
                     "connections", conns);
}

int vw_replay_report_write(vw_replay_report *r, const char *who)
{
    if (!r->path)
        return 0;
    size_t n = strlen(r->path) + 8;
    char *tmp = malloc(n);
    json_t *doc = report_json(r);
    int rc = -1;
    if (tmp && doc) {
        snprintf(tmp, n, "%s.tmp", r->path);
        rc = json_dump_file(doc, tmp, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
        if (rc == 0 && rename(tmp, r->path) != 0)
            rc = -1;
        if (rc != 0) {
            int e = errno;
            unlink(tmp);
            errno = e;
        }
    } else {
        errno = ENOMEM;
    }
    if (rc != 0 && who)
        fprintf(stderr, "%s: cannot write the report %s: %s\n", who, r->path, strerror(errno));
    json_decref(doc);
    free(tmp);
    return rc;
}
