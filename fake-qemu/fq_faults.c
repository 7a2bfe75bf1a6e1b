/* fq_faults.c: fake-qemu's fault hooks (see fq_faults.h, docs/faults.md). */
#include "fq_faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "qmp_json.h"

#define LINE_MAX_HELD (16u << 20)   /* a "line" longer than this is passed on unjudged */

struct fq_fault_conn {
    vw_fault_conn *fc;
    fq_fault_append_fn *append;
    void *opaque;
    char *line;                   /* output bytes not yet ended by '\n' */
    size_t line_len, line_cap;
    char command[128];            /* the last request's command: what replies match */
};

fq_fault_conn *fq_faults_conn_new(vw_faults *f, vw_evloop *loop, fq_fault_append_fn *append,
                                  vw_fault_deliver_fn *deliver, void *opaque)
{
    fq_fault_conn *fq = calloc(1, sizeof(*fq));
    if (!fq)
        return NULL;
    fq->fc = vw_fault_conn_new(f, loop, deliver, opaque);
    if (!fq->fc) {
        free(fq);
        return NULL;
    }
    fq->append = append;
    fq->opaque = opaque;
    return fq;
}

void fq_faults_conn_free(fq_fault_conn *fq)
{
    if (!fq)
        return;
    vw_fault_conn_free(fq->fc);
    free(fq->line);
    free(fq);
}

bool fq_faults_pending(const fq_fault_conn *fq)
{
    return fq && vw_fault_conn_queued(fq->fc);
}

/* Appends a message (one JSON value, CRLF added) to b. */
static int add_json(char **b, size_t *len, const json_t *v)
{
    char *text = vw_qmp_dumps(v, VW_QMP_DUMP_QDICT_ORDER);
    if (!text)
        return -1;
    size_t n = strlen(text);
    char *nb = realloc(*b, *len + n + 2);
    if (!nb) {
        free(text);
        return -1;
    }
    memcpy(nb + *len, text, n);
    memcpy(nb + *len + n, "\r\n", 2);
    *b = nb;
    *len += n + 2;
    free(text);
    return 0;
}

static int add_raw(char **b, size_t *len, const char *data, size_t n)
{
    char *nb = realloc(*b, *len + n + 1);
    if (!nb)
        return -1;
    memcpy(nb + *len, data, n);
    *b = nb;
    *len += n;
    return 0;
}

/* A copy of reply with its id replaced by a string nobody used (tag-N). */
static json_t *with_id(const json_t *reply, const char *tag, uint64_t r)
{
    json_t *copy = json_deep_copy(reply);
    if (!copy)
        return NULL;
    char id[64];
    snprintf(id, sizeof(id), "vw-fault-%s-%llu", tag, (unsigned long long)(r % 1000000));
    json_object_set_new(copy, "id", json_string(id));
    return copy;
}

static int judge_line(fq_fault_conn *fq, const char *line, size_t len)
{
    vw_fault_conn *fc = fq->fc;
    if (vw_fault_conn_blackholed(fc))
        return 0;
    json_t *v = json_loadb(line, len, JSON_DECODE_ANY, NULL);
    vw_fault_msg_kind kind = VW_FAULT_MSG_OTHER;
    const char *name = NULL;
    if (json_is_object(v)) {
        if (json_object_get(v, "QMP")) {
            kind = VW_FAULT_MSG_GREETING;
            name = "greeting";
        } else if (json_is_string(json_object_get(v, "event"))) {
            kind = VW_FAULT_MSG_EVENT;
            name = json_string_value(json_object_get(v, "event"));
        } else if (json_object_get(v, "return") || json_object_get(v, "error")) {
            kind = VW_FAULT_MSG_REPLY;
            name = fq->command[0] ? fq->command : NULL;
        }
    }
    vw_fault_action a;
    uint32_t fired = vw_fault_decide(fc, VW_FAULT_S2C, kind, name, &a);
    if (!fired && !vw_fault_conn_busy(fc)) {
        json_decref(v);
        return fq->append(fq->opaque, line, len);
    }
    char *out = NULL;
    size_t out_len = 0;
    int rc = 0;
    bool is_reply = kind == VW_FAULT_MSG_REPLY;
    if (kind == VW_FAULT_MSG_GREETING && (fired & (1u << VW_FAULT_NO_GREETING))) {
        json_decref(v);
        return 0;                 /* the client waits for a greeting that never comes */
    }
    if (is_reply && (fired & (1u << VW_FAULT_UNSOLICITED))) {
        json_t *u = with_id(v, "unsolicited", vw_fault_conn_random(fc));
        rc |= !u || add_json(&out, &out_len, u) < 0;
        json_decref(u);
    }
    /* the message itself, rewritten when its id changes */
    char *msg = NULL;
    size_t msg_len = 0;
    if (is_reply && (fired & ((1u << VW_FAULT_REPLY_WITHOUT_ID) |
                              (1u << VW_FAULT_WRONG_SERIAL)))) {
        json_t *m = (fired & (1u << VW_FAULT_WRONG_SERIAL))
                        ? with_id(v, "wrong-id", vw_fault_conn_random(fc)) : json_deep_copy(v);
        if (m && (fired & (1u << VW_FAULT_REPLY_WITHOUT_ID)))
            json_object_del(m, "id");
        rc |= !m || add_json(&msg, &msg_len, m) < 0;
        json_decref(m);
    } else {
        rc |= add_raw(&msg, &msg_len, line, len) < 0;
    }
    if (!rc)
        rc |= add_raw(&out, &out_len, msg, msg_len) < 0;
    if (!rc && is_reply && (fired & (1u << VW_FAULT_DUPLICATE)))
        rc |= add_raw(&out, &out_len, msg, msg_len) < 0;   /* the same reply a second time */
    free(msg);
    if (kind == VW_FAULT_MSG_GREETING && (fired & (1u << VW_FAULT_NEGOTIATION_EVENT)) && !rc) {
        /* an event before negotiation, which QEMU itself never sends */
        struct timeval tv;
        gettimeofday(&tv, NULL);
        json_t *ev = json_pack("{s:{s:I,s:I},s:s}", "timestamp", "seconds",
                               (json_int_t)tv.tv_sec, "microseconds", (json_int_t)tv.tv_usec,
                               "event", a.event);
        rc |= !ev || add_json(&out, &out_len, ev) < 0;
        json_decref(ev);
    }
    json_decref(v);
    if (!rc) {
        size_t tail = out_len >= 2 && out[out_len - 2] == '\r' ? 2 : 1;
        vw_fault_conn_emit(fc, out, out_len, &a, 0, out_len > tail ? tail : 0);
    }
    free(out);
    return rc ? -1 : 0;
}

int fq_faults_output(fq_fault_conn *fq, const char *data, size_t len)
{
    int rc = 0;
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) + 1 : len;
        if (fq->line_len == 0 && nl) {
            rc |= judge_line(fq, data, take);           /* a whole line: no copy */
        } else {
            if (fq->line_len + take > fq->line_cap) {
                size_t cap = fq->line_cap ? fq->line_cap : 4096;
                while (cap < fq->line_len + take)
                    cap *= 2;
                char *nb = realloc(fq->line, cap);
                if (!nb)
                    return -1;
                fq->line = nb;
                fq->line_cap = cap;
            }
            memcpy(fq->line + fq->line_len, data, take);
            fq->line_len += take;
            if (nl || fq->line_len > LINE_MAX_HELD) {
                rc |= judge_line(fq, fq->line, fq->line_len);
                fq->line_len = 0;
            }
        }
        data += take;
        len -= take;
    }
    return rc ? -1 : 0;
}

int fq_faults_input(fq_fault_conn *fq, const json_t *msg)
{
    vw_fault_conn *fc = fq->fc;
    if (vw_fault_conn_blackholed(fc))
        return 1;
    const char *cmd = NULL;
    if (json_is_object(msg)) {
        cmd = json_string_value(json_object_get(msg, "execute"));
        if (!cmd)
            cmd = json_string_value(json_object_get(msg, "exec-oob"));
    }
    snprintf(fq->command, sizeof(fq->command), "%s", cmd ? cmd : "");
    vw_fault_action a;
    uint32_t fired = vw_fault_decide(fc, VW_FAULT_C2S, VW_FAULT_MSG_CALL, cmd, &a);
    if (!fired)
        return 0;
    return vw_fault_conn_input(fc, fired, &a, 0);
}

