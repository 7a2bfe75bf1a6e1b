/* replay.c: fake-qemu --replay, see replay.h. */
#include "replay.h"
#include "qmp_json.h"
#include "replay_engine.h"
#include "replay_id.h"
#include "replay_pacer.h"
#include "trace.h"
#include "xdr_codec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHOW_MAX        300      /* characters of a command shown in a message */
#define UNUSED_LIST_MAX 20       /* never-used commands listed on stderr at exit */

/* One server message (or unframed server bytes) to send verbatim. */
typedef struct chunk {
    uint8_t *raw;
    size_t len;
    uint64_t t_us;               /* when it was recorded */
} chunk;

typedef struct chunks {
    chunk *v;
    size_t n, cap;
} chunks;

/* A recorded command and what the server sent for it: events before the reply, the reply, the
 * events after it up to the next command's reply. */
typedef struct exchange {
    unsigned long line;          /* the command's line in the trace */
    uint64_t t_us;               /* when it was recorded */
    json_t *key;                 /* the command without id, arguments {} when absent (NULL when
                                  * the bytes did not parse) */
    char *parse_error;           /* QEMU's parse error for bytes that do not parse */
    json_t *id;                  /* the recorded id, NULL when none */
    chunks out;                  /* in recorded order */
    long reply;                  /* index in out of the reply, -1 while none */
} exchange;

/* A recorded connection; base (id, the commands' keys and which are used, bound) is the
 * engine's (common/replay_engine.h). */
typedef struct rconn {
    vw_replay_rconn base;
    chunks greeting;             /* server messages before the first command's reply block */
    exchange *ex;
    size_t nex, capex;
    size_t first_pending;        /* loading: earliest exchange that may still lack its reply */
    int closed_by_server;
    int seen_s2c;                /* loading: a server message was seen */
    /* serving */
    size_t report;               /* its live connection in the report */
} rconn;

struct fq_replay {
    fq_replay_options opt;
    vw_replay_engine *eng;       /* recorded connections, hand-out, matching, report */
    unsigned refused;            /* clients beyond the recorded connections */
    qmp_conn *live;              /* the client being served */
    rconn *live_rc;
    unsigned live_no;            /* 1, 2, ... in accept order */
    vw_replay_report *report;    /* the engine's */
    vw_mode_hooks hooks;
    vw_replay_pacer pacer;       /* the messages after a reply, at their recorded delays */
    const exchange *paced;       /* whose messages the pacer holds */
};

/* ---- loading ---------------------------------------------------------------------------------- */

static int chunks_add(chunks *cs, const uint8_t *raw, size_t len, uint64_t t_us)
{
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 4;
        chunk *nv = realloc(cs->v, cap * sizeof(*nv));
        if (!nv)
            return -1;
        cs->v = nv;
        cs->cap = cap;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    memcpy(copy, raw, len);
    cs->v[cs->n].raw = copy;
    cs->v[cs->n].len = len;
    cs->v[cs->n].t_us = t_us;
    cs->n++;
    return 0;
}

static void chunks_free(chunks *cs)
{
    for (size_t i = 0; i < cs->n; i++)
        free(cs->v[i].raw);
    free(cs->v);
}

/* What is compared: the command without its id, arguments {} when absent (QEMU treats both the
 * same). A value that is not a command object is compared whole (without id). */
static json_t *match_key(const json_t *msg)
{
    if (!vw_qmp_is_object(msg))
        return json_incref((json_t *)msg);
    json_t *k = json_copy((json_t *)msg);
    if (!k)
        return NULL;
    json_object_del(k, "id");
    if ((json_object_get(k, "execute") || json_object_get(k, "exec-oob")) &&
        !json_object_get(k, "arguments"))
        json_object_set_new(k, "arguments", json_object());
    return k;
}

/* The matching key (common/replay_match.h): "J" and the command without id written
 * canonically (members sorted), or "E" and QEMU's parse error for input that did not parse. */
static int qmp_key(const json_t *key, const char *error, vw_buf *out)
{
    vw_error pe;
    vw_buf_reset(out);
    if (!key)
        return vw_buf_append(out, "E", 1, &pe) < 0 ||
               vw_buf_append(out, error, strlen(error), &pe) < 0 ? -1 : 0;
    char *text = json_dumps(key, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    int rc = text && vw_buf_append(out, "J", 1, &pe) == 0 &&
             vw_buf_append(out, text, strlen(text), &pe) == 0 ? 0 : -1;
    free(text);
    return rc;
}

static const char *key_name(const json_t *key)
{
    const char *n = json_string_value(json_object_get(key, "execute"));
    return n ? n : json_string_value(json_object_get(key, "exec-oob"));
}

static json_t *parse_raw(const uint8_t *raw, size_t len, char *perr, size_t perrlen)
{
    return vw_qmp_loads((const char *)raw, len, perr, perrlen);
}

static int add_command(rconn *rc, const vw_trace_record *rec)
{
    if (rc->nex == rc->capex) {
        size_t cap = rc->capex ? rc->capex * 2 : 8;
        exchange *nv = realloc(rc->ex, cap * sizeof(*nv));
        if (!nv)
            return -1;
        rc->ex = nv;
        rc->capex = cap;
    }
    exchange *e = &rc->ex[rc->nex];
    memset(e, 0, sizeof(*e));
    e->line = rec->line;
    e->t_us = rec->t_us;
    e->reply = -1;
    char perr[256];
    json_t *msg = parse_raw(rec->raw, rec->raw_len, perr, sizeof(perr));
    if (msg) {
        e->key = match_key(msg);
        json_t *id = vw_qmp_is_object(msg) ? json_object_get(msg, "id") : NULL;
        e->id = id ? json_incref(id) : NULL;
        json_decref(msg);
        if (!e->key)
            return -1;
    } else {
        e->parse_error = strdup(perr);
        if (!e->parse_error)
            return -1;
    }
    vw_buf k;
    vw_buf_init(&k);
    int r = -1;
    if (qmp_key(e->key, e->parse_error, &k) == 0)
        r = vw_replay_match_add(rc->base.match, k.data, k.len);
    vw_buf_free(&k);
    if (r == 0)
        rc->nex++;
    return r;
}

static int add_server_message(rconn *rc, const vw_trace_record *rec, int framed)
{
    json_t *msg = NULL;
    if (framed) {
        char perr[256];
        msg = parse_raw(rec->raw, rec->raw_len, perr, sizeof(perr));
    }
    /* The greeting is the server's first message even when the client wrote before it came. */
    if (!rc->seen_s2c && vw_qmp_is_object(msg) && json_object_get(msg, "QMP")) {
        rc->seen_s2c = 1;
        json_decref(msg);
        return chunks_add(&rc->greeting, rec->raw, rec->raw_len, rec->t_us);
    }
    rc->seen_s2c = 1;
    int is_reply = vw_qmp_is_object(msg) &&
                   (json_object_get(msg, "return") || json_object_get(msg, "error"));
    int rcode = 0;
    if (is_reply) {
        const json_t *id = json_object_get(msg, "id");
        exchange *target = NULL;
        while (rc->first_pending < rc->nex && rc->ex[rc->first_pending].reply >= 0)
            rc->first_pending++;
        for (size_t i = rc->first_pending; i < rc->nex && !target; i++) {
            exchange *e = &rc->ex[i];
            if (e->reply < 0 && ((!id && !e->id) || (id && e->id && json_equal(id, e->id))))
                target = e;
        }
        if (!target && rc->first_pending < rc->nex)
            target = &rc->ex[rc->first_pending];   /* a reply whose id no command had */
        if (target) {
            rcode = chunks_add(&target->out, rec->raw, rec->raw_len, rec->t_us);
            if (rcode == 0)
                target->reply = (long)target->out.n - 1;
            json_decref(msg);
            return rcode;
        }
    }
    /* An event (or anything else): before the reply of the earliest command still waiting for
     * one, else after the last reply, else with the greeting. */
    while (rc->first_pending < rc->nex && rc->ex[rc->first_pending].reply >= 0)
        rc->first_pending++;
    chunks *dst;
    if (rc->first_pending < rc->nex)
        dst = &rc->ex[rc->first_pending].out;
    else if (rc->nex > 0)
        dst = &rc->ex[rc->nex - 1].out;
    else
        dst = &rc->greeting;
    rcode = chunks_add(dst, rec->raw, rec->raw_len, rec->t_us);
    json_decref(msg);
    return rcode;
}

/* vw_replay_proto: frees what a recorded connection holds. */
static void rconn_clear(void *ctx, vw_replay_rconn *base)
{
    (void)ctx;
    rconn *rc = (rconn *)base;
    chunks_free(&rc->greeting);
    for (size_t i = 0; i < rc->nex; i++) {
        json_decref(rc->ex[i].key);
        json_decref(rc->ex[i].id);
        free(rc->ex[i].parse_error);
        chunks_free(&rc->ex[i].out);
    }
    free(rc->ex);
}

/* vw_replay_proto: one record of a recorded connection. */
static int load_record(void *ctx, vw_replay_rconn *base, const vw_trace_record *rec)
{
    (void)ctx;
    rconn *c = (rconn *)base;
    if (rec->kind == VW_TRACE_CLOSE) {
        /* "error": e.g. QEMU exiting after quit resets the socket */
        c->closed_by_server = rec->by && (strcmp(rec->by, "server") == 0 ||
                                          strcmp(rec->by, "error") == 0);
        return 0;
    }
    if (rec->dir == VW_TRACE_C2S)       /* unframed client bytes (a tail) are not commands */
        return rec->kind == VW_TRACE_MESSAGE ? add_command(c, rec) : 0;
    return add_server_message(c, rec, rec->kind == VW_TRACE_MESSAGE);
}

/* vw_replay_proto: the message for a libvirt trace. */
static void wrong_protocol(void *ctx, const char *path, vw_trace_protocol found, vw_error *err)
{
    (void)ctx;
    vw_error_set(err, path, 1, 0, 0, "this is a %s trace; fake-qemu replays QMP traces (protocol "
                 "\"qmp\"): replay a libvirt trace with fake-libvirtd --replay",
                 vw_trace_protocol_name(found));
}

static json_t *command_json(void *ctx, const vw_replay_rconn *base, size_t i);

static const vw_replay_proto qmp_proto = {
    .who = "fake-qemu: --replay", .protocol = "qmp", .trace_protocol = VW_TRACE_QMP,
    .rconn_size = sizeof(rconn), .record = load_record, .rconn_clear = rconn_clear,
    .call_json = command_json, .wrong_protocol = wrong_protocol,
    .report_who = "fake-qemu: replay",
};

fq_replay *fq_replay_load(const fq_replay_options *o, vw_error *err)
{
    fq_replay *p = calloc(1, sizeof(*p));
    if (!p) {
        vw_error_set(err, NULL, 0, 0, 0, "out of memory");
        return NULL;
    }
    p->opt = *o;
    p->eng = vw_replay_engine_new(o, &qmp_proto, p, err);
    if (!p->eng) {
        free(p);
        return NULL;
    }
    p->report = vw_replay_engine_report(p->eng);
    return p;
}

/* ---- serving ---------------------------------------------------------------------------------- */

/* A command for messages: 'name' {arguments}, or the whole value; capped. */
static void show_key(const json_t *key, const char *parse_error, char *buf, size_t buflen)
{
    if (!key) {
        /* QEMU's parse errors quote raw input bytes: shown escaped, so logs stay text */
        char esc[SHOW_MAX + 1];
        size_t o = 0;
        for (const char *q = parse_error ? parse_error : "?"; *q && o + 5 < sizeof(esc); q++) {
            unsigned char b = (unsigned char)*q;
            if (b >= 0x20 && b < 0x7f)
                esc[o++] = (char)b;
            else
                o += (size_t)snprintf(esc + o, sizeof(esc) - o, "\\x%02X", b);
        }
        esc[o] = '\0';
        snprintf(buf, buflen, "(input QEMU could not parse: %s)", esc);
        return;
    }
    const char *name = vw_qmp_is_object(key) ? key_name(key) : NULL;
    char *text = vw_qmp_dumps(name ? json_object_get(key, "arguments") : key, 0);
    if (name)
        snprintf(buf, buflen, "'%.100s' %.*s%s", name, SHOW_MAX, text ? text : "?",
                 text && strlen(text) > SHOW_MAX ? "..." : "");
    else
        snprintf(buf, buflen, "%.*s%s", SHOW_MAX, text ? text : "?",
                 text && strlen(text) > SHOW_MAX ? "..." : "");
    free(text);
}

static bool used(const rconn *rc, const exchange *e)
{
    return vw_replay_match_used(rc->base.match, (size_t)(e - rc->ex));
}

static int ex_matches(const rconn *rc, const exchange *e, const json_t *key, const char *error)
{
    if (used(rc, e))
        return 0;
    if (!key)
        return e->parse_error && error && strcmp(e->parse_error, error) == 0;
    return e->key && json_equal(e->key, (json_t *)key);
}

/* How the live command differs from a recorded one, as a phrase. */
static void describe_diff(const exchange *e, const json_t *key, const char *error, char *buf,
                          size_t buflen)
{
    if (!key || !e->key) {
        snprintf(buf, buflen, "%s", !key ? "the live input does not parse"
                                         : "the recorded input did not parse");
        return;
    }
    const char *rn = vw_qmp_is_object(e->key) ? key_name(e->key) : NULL;
    const char *ln = vw_qmp_is_object(key) ? key_name(key) : NULL;
    (void)error;
    if (!rn || !ln) {
        snprintf(buf, buflen, "the messages differ as a whole");
        return;
    }
    if (strcmp(rn, ln) != 0) {
        snprintf(buf, buflen, "the command name differs");
        return;
    }
    const json_t *ra = json_object_get(e->key, "arguments");
    const json_t *la = json_object_get(key, "arguments");
    if (!vw_qmp_is_object(ra) || !vw_qmp_is_object(la)) {
        snprintf(buf, buflen, "the arguments differ");
        return;
    }
    const char *k;
    json_t *rv;
    json_object_foreach((json_t *)ra, k, rv) {
        json_t *lv = json_object_get(la, k);
        char *rt = vw_qmp_dumps(rv, 0);
        char *lt = lv ? vw_qmp_dumps(lv, 0) : NULL;
        int stop = 1;
        if (!lv)
            snprintf(buf, buflen, "argument '%.100s' is missing (recorded %.100s)", k,
                     rt ? rt : "?");
        else if (!json_equal(lv, rv))
            snprintf(buf, buflen, "argument '%.100s' is %.100s, recorded %.100s", k,
                     lt ? lt : "?", rt ? rt : "?");
        else
            stop = 0;
        free(rt);
        free(lt);
        if (stop)
            return;
    }
    json_t *lv;
    json_object_foreach((json_t *)la, k, lv) {
        if (!json_object_get(ra, k)) {
            snprintf(buf, buflen, "argument '%.100s' was not recorded", k);
            return;
        }
    }
    /* Same key: only possible for a member other than execute/arguments/id. */
    snprintf(buf, buflen, "a member other than the arguments differs");
}

static int all_used(rconn *rc)
{
    return vw_replay_match_next(rc->base.match) >= rc->nex;
}

static void unmatched(fq_replay *p, qmp_conn *c, const json_t *key, const char *error,
                      const json_t *live_id)
{
    rconn *rc = p->live_rc;
    char shown[SHOW_MAX + 200];
    show_key(key, error, shown, sizeof(shown));
    /* The nearest recorded command: strict, the next one; unordered, the first unused one with
     * the same name, else the first unused one. */
    const exchange *near = NULL;
    if (p->opt.match != VW_REPLAY_UNORDERED) {
        size_t next = vw_replay_match_next(rc->base.match);
        if (next < rc->nex)
            near = &rc->ex[next];
    } else {
        const char *ln = key && vw_qmp_is_object(key) ? key_name(key) : NULL;
        for (int pass = 0; pass < 2 && !near; pass++) {   /* unused first, then used ones */
            for (size_t i = 0; i < rc->nex && ln && !near; i++) {
                const exchange *e = &rc->ex[i];
                const char *rn = e->key && vw_qmp_is_object(e->key) ? key_name(e->key) : NULL;
                if ((int)used(rc, e) == pass && rn && strcmp(rn, ln) == 0)
                    near = e;
            }
        }
        for (size_t i = 0; i < rc->nex && !near; i++)
            if (!used(rc, &rc->ex[i]))
                near = &rc->ex[i];
    }
    char nshown[SHOW_MAX + 200], diff[400];
    if (near) {
        show_key(near->key, near->parse_error, nshown, sizeof(nshown));
        describe_diff(near, key, error, diff, sizeof(diff));
        const char *later = "";
        if (p->opt.match != VW_REPLAY_UNORDERED) {
            for (size_t i = vw_replay_match_next(rc->base.match) + 1; i < rc->nex; i++) {
                if (ex_matches(rc, &rc->ex[i], key, error)) {
                    later = " (a later recorded command matches: try --replay-match unordered)";
                    break;
                }
            }
        }
        fprintf(stderr, "fake-qemu: replay: connection %u (recorded connection %u): no recorded "
                "command matches %s; nearest recorded command: line %lu %s%s: %s%s\n", p->live_no,
                rc->base.id, shown, near->line, nshown, used(rc, near) ? " (already used)" : "", diff,
                later);
    } else {
        fprintf(stderr, "fake-qemu: replay: connection %u (recorded connection %u): no recorded "
                "command matches %s; every recorded command of this connection is used\n",
                p->live_no, rc->base.id, shown);
    }
    json_t *ent = json_object();
    if (key)
        json_object_set(ent, "command", (json_t *)key);
    else
        json_object_set_new(ent, "parse_error", json_string_nocheck(error));
    if (near)
        json_object_set_new(ent, "nearest_line", json_integer((json_int_t)near->line));
    if (vw_replay_engine_unmatched(p->eng, rc->report, ent)) {
        fprintf(stderr, "fake-qemu: replay: closing connection %u (--replay-unmatched close)\n",
                p->live_no);
        qmp_conn_close(c);
        return;
    }
    vw_replay_pacer_flush(&p->pacer);   /* the error reply does not overtake them */
    if (c != p->live)
        return;
    char desc[SHOW_MAX + 300];
    snprintf(desc, sizeof(desc), "fake-qemu replay: no recorded command matches %s", shown);
    json_t *err = json_object();   /* desc may quote input bytes that are not UTF-8 */
    json_object_set_new(err, "class", json_string("GenericError"));
    json_object_set_new(err, "desc", json_string_nocheck(desc));
    json_t *rsp = json_object();
    json_object_set_new(rsp, "error", err);
    if (live_id)
        json_object_set(rsp, "id", (json_t *)live_id);
    char *text = vw_qmp_dumps(rsp, VW_QMP_DUMP_QDICT_ORDER);
    json_decref(rsp);
    if (text) {
        vw_buf ob;
        vw_buf_init(&ob);
        fq_replay_out_add(&ob, text, strlen(text));
        fq_replay_out_add(&ob, "\r\n", 2);
        qmp_conn_send(c, ob.data, ob.len);
        vw_buf_free(&ob);
        free(text);
    }
}

static void answer(fq_replay *p, qmp_conn *c, const exchange *hit, const json_t *live_id);

static void rp_message(void *opaque, void *conn, const vw_mode_msg *m)
{
    qmp_conn *c = conn;
    const json_t *msg = m->decoded;
    const char *error = m->error;
    fq_replay *p = opaque;
    rconn *rc = p->live_rc;
    if (c != p->live || !rc)
        return;
    json_t *key = msg ? match_key(msg) : NULL;
    const json_t *live_id = vw_qmp_is_object(msg) ? json_object_get(msg, "id") : NULL;
    exchange *hit = NULL;
    vw_buf k;
    vw_buf_init(&k);
    if ((key || error) && qmp_key(key, error, &k) == 0) {
        long i = vw_replay_engine_find(p->eng, &rc->base, k.data, k.len);
        hit = i >= 0 ? &rc->ex[i] : NULL;
    }
    vw_buf_free(&k);
    if (!hit) {
        unmatched(p, c, key, error, live_id);
        json_decref(key);
        return;
    }
    json_decref(key);
    vw_replay_engine_matched(p->eng, rc->report, &rc->base, (size_t)(hit - rc->ex));
    answer(p, c, hit, live_id);
}

/* vw_replay_pacer_ops: message i of the exchange the pacer holds. */
static bool pace_message(void *ctx, size_t i, uint64_t *t_us)
{
    fq_replay *p = ctx;
    *t_us = p->paced->out.v[i].t_us;
    return true;
}

static void pace_send(void *ctx, size_t i, long tag)
{
    (void)tag;
    fq_replay *p = ctx;
    if (p->live)
        qmp_conn_send(p->live, p->paced->out.v[i].raw, p->paced->out.v[i].len);
}

static const vw_replay_pacer_ops pace_ops = { pace_message, pace_send };

/* The matched command's recorded messages: what came before the reply, and the reply, at once
 * (after whatever the previous command left waiting); what came after the reply keeps its
 * recorded delay after it (--replay-delay-max caps it), through the pacer. Without a reply,
 * all of them keep their delay after the command. */
static void answer(fq_replay *p, qmp_conn *c, const exchange *hit, const json_t *live_id)
{
    rconn *rc = p->live_rc;
    vw_replay_pacer_flush(&p->pacer);
    if (c != p->live)
        return;                 /* a flushed message's write ended the connection */
    size_t now_end = hit->reply >= 0 ? (size_t)hit->reply + 1 : 0;
    vw_buf ob;                  /* one send: c may be gone after it (outside a feed) */
    vw_buf_init(&ob);
    for (size_t i = 0; i < now_end; i++) {
        if ((long)i == hit->reply)
            fq_replay_put_reply(&ob, hit->out.v[i].raw, hit->out.v[i].len, hit->id, live_id);
        else
            fq_replay_out_add(&ob, hit->out.v[i].raw, hit->out.v[i].len);
    }
    long q = ob.len ? qmp_conn_send(c, ob.data, ob.len) : 0;
    vw_buf_free(&ob);
    if (q < 0)
        return;
    if (now_end < hit->out.n) {
        uint64_t base = hit->reply >= 0 ? hit->out.v[hit->reply].t_us : hit->t_us;
        p->paced = hit;
        if (vw_replay_pacer_release(&p->pacer, now_end, hit->out.n, base, 0) < 0)
            fprintf(stderr, "fake-qemu: replay: connection %u: out of memory; recorded server "
                    "messages dropped\n", p->live_no);
    }
    if (rc->closed_by_server && all_used(rc)) {
        vw_replay_pacer_flush(&p->pacer);
        if (c == p->live)
            qmp_conn_close(c);  /* e.g. after quit: the recorded QEMU closed here */
        return;
    }
    vw_replay_pacer_pump(&p->pacer);
}

static int rp_open(void *opaque, void *conn)
{
    qmp_conn *c = conn;
    fq_replay *p = opaque;
    rconn *rc = (rconn *)vw_replay_engine_take(p->eng);
    if (!rc) {
        p->refused++;
        (void)vw_replay_report_conn(p->report, 0, -1);
        fprintf(stderr, "fake-qemu: replay: a client connected but all %zu recorded connections "
                "of %s are used; closing it\n", vw_replay_engine_count(p->eng),
                p->opt.trace_path);
        return -1;
    }
    p->live = c;
    p->live_rc = rc;
    p->live_no++;
    rc->report = vw_replay_report_conn(p->report, p->live_no, rc->base.id);
    for (size_t i = 0; i < rc->greeting.n; i++)   /* only queued: written after open() */
        qmp_conn_send(c, rc->greeting.v[i].raw, rc->greeting.v[i].len);
    if (rc->closed_by_server && rc->nex == 0)
        qmp_conn_close(c);
    return 0;
}

/* vw_replay_proto: recorded command i for the report: its line and the command (or QEMU's
 * parse error). */
static json_t *command_json(void *ctx, const vw_replay_rconn *base, size_t i)
{
    (void)ctx;
    const exchange *e = &((const rconn *)base)->ex[i];
    json_t *ent = json_pack("{s:I}", "line", (json_int_t)e->line);
    if (e->key)
        json_object_set(ent, "command", e->key);
    else
        json_object_set_new(ent, "parse_error", json_string_nocheck(e->parse_error));
    return ent;
}

static void rp_closed(void *opaque, void *conn)
{
    qmp_conn *c = conn;
    fq_replay *p = opaque;
    if (c != p->live || !p->live_rc)
        return;
    rconn *rc = p->live_rc;
    vw_replay_pacer_clear(&p->pacer);   /* what still waited is dropped, as the client left */
    vw_replay_counts n = vw_replay_engine_conn_done(p->eng, rc->report, &rc->base);
    fprintf(stderr, "fake-qemu: replay: connection %u (recorded connection %u) ended: %lu matched, "
            "%lu unmatched, %lu recorded commands never used\n", p->live_no, rc->base.id,
            n.matched, n.unmatched, n.never_used);
    p->live = NULL;
    p->live_rc = NULL;
}

const vw_mode_hooks *fq_replay_backend(fq_replay *p, vw_evloop *loop)
{
    vw_replay_pacer_init(&p->pacer, p->eng, loop, &pace_ops, p);
    p->hooks = (vw_mode_hooks){ .open = rp_open, .message = rp_message, .closed = rp_closed,
                                .opaque = p };
    return &p->hooks;
}

/* ---- report ----------------------------------------------------------------------------------- */

int fq_replay_finish(fq_replay *p)
{
    if (!p)
        return 0;
    vw_replay_summary s = vw_replay_engine_summary(p->eng);
    unsigned long n = s.totals.never_used + s.never_served_calls;
    size_t nconns = vw_replay_engine_count(p->eng);
    fprintf(stderr, "fake-qemu: replay: %zu of %zu recorded connections served (%u clients "
            "refused): %lu matched, %lu unmatched, %lu recorded commands never used\n",
            vw_replay_engine_served(p->eng), nconns, p->refused, s.totals.matched,
            s.totals.unmatched, n);
    unsigned long listed = 0;
    for (size_t i = 0; i < nconns; i++) {
        rconn *rc = (rconn *)vw_replay_engine_rconn(p->eng, i);
        for (size_t j = 0; j < rc->nex && listed < UNUSED_LIST_MAX; j++) {
            const exchange *e = &rc->ex[j];
            if (used(rc, e))
                continue;
            char shown[SHOW_MAX + 200];
            show_key(e->key, e->parse_error, shown, sizeof(shown));
            fprintf(stderr, "fake-qemu: replay:   never used: %s:%lu (recorded connection %u) "
                    "%s\n", p->opt.trace_path, e->line, rc->base.id, shown);
            listed++;
        }
    }
    if (listed < n)
        fprintf(stderr, "fake-qemu: replay:   ... and %lu more never used\n", n - listed);
    return vw_replay_engine_write_report(p->eng);
}

void fq_replay_free(fq_replay *p)
{
    if (!p)
        return;
    if (p->pacer.ops)           /* fq_replay_backend initialised it */
        vw_replay_pacer_clear(&p->pacer);
    vw_replay_engine_free(p->eng);
    free(p);
}
