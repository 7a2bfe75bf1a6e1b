/* replay_id.c: the id inside a recorded QMP reply (fake-qemu --replay, see replay_id.h).
 * The reply is sent as recorded, byte for byte, except the id member's value: re-serializing the
 * whole reply could reorder nested members (QEMU's hash order depends on insertion history). */
#include "replay_id.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmp_json.h"

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Skips one JSON value starting at i (strings in either quote, nesting counted). Returns the
 * index after it, or len when the text ends first. */
static size_t skip_value(const char *t, size_t len, size_t i)
{
    if (i >= len)
        return len;
    char q = t[i];
    if (q == '"' || q == '\'') {
        for (i++; i < len && t[i] != q; i++)
            if (t[i] == '\\')
                i++;
        return i < len ? i + 1 : len;
    }
    if (q == '{' || q == '[') {
        size_t depth = 0;
        while (i < len) {
            char x = t[i];
            if (x == '"' || x == '\'') {
                i = skip_value(t, len, i);      /* a string: one level of recursion */
                continue;
            }
            if (x == '{' || x == '[') {
                depth++;
            } else if (x == '}' || x == ']') {
                if (--depth == 0)
                    return i + 1;
            }
            i++;
        }
        return len;
    }
    while (i < len && t[i] != ',' && t[i] != '}' && t[i] != ']' && !is_space(t[i]))
        i++;
    return i;
}

/* Finds the top-level member "id" of the object text t: *ms..*me is the member (from its key's
 * quote to the end of its value), *vs..*ve its value. Returns 0, or -1 when there is none. */
static int find_id_member(const char *t, size_t len, size_t *ms, size_t *me, size_t *vs,
                          size_t *ve)
{
    size_t i = 0;
    while (i < len && is_space(t[i]))
        i++;
    if (i >= len || t[i] != '{')
        return -1;
    i++;
    for (;;) {
        while (i < len && (is_space(t[i]) || t[i] == ','))
            i++;
        if (i >= len || t[i] == '}')
            return -1;
        size_t key_start = i;
        size_t key_end = skip_value(t, len, i);
        i = key_end;
        while (i < len && (is_space(t[i]) || t[i] == ':'))
            i++;
        size_t v0 = i;
        size_t v1 = skip_value(t, len, i);
        if (v1 <= v0)
            return -1;
        if (key_end - key_start == 4 && (memcmp(t + key_start, "\"id\"", 4) == 0 ||
                                         memcmp(t + key_start, "'id'", 4) == 0)) {
            *ms = key_start;
            *me = v1;
            *vs = v0;
            *ve = v1;
            return 0;
        }
        i = v1;
    }
}

void fq_replay_out_add(vw_buf *ob, const void *data, size_t len)
{
    vw_error pe;
    if (len && vw_buf_append(ob, data, len, &pe) < 0)
        fprintf(stderr, "fake-qemu: replay: out of memory queueing an answer\n");
}

void fq_replay_put_reply(vw_buf *ob, const uint8_t *raw, size_t len, const json_t *rec_id,
                         const json_t *live_id)
{
    const char *t = (const char *)raw;
    if ((!rec_id && !live_id) || (rec_id && live_id && json_equal((json_t *)rec_id,
                                                                  (json_t *)live_id))) {
        fq_replay_out_add(ob, t, len);
        return;
    }
    char *idtext = live_id ? vw_qmp_dumps(live_id, VW_QMP_DUMP_QDICT_ORDER) : NULL;
    if (live_id && !idtext) {
        fprintf(stderr, "fake-qemu: replay: out of memory serializing an id\n");
        return;
    }
    size_t ms, me, vs, ve;
    if (find_id_member(t, len, &ms, &me, &vs, &ve) == 0) {
        if (idtext) {                       /* replace the value */
            fq_replay_out_add(ob, t, vs);
            fq_replay_out_add(ob, idtext, strlen(idtext));
            fq_replay_out_add(ob, t + ve, len - ve);
        } else {                            /* drop the member and one separator */
            size_t a = ms, b = me;
            size_t j = b;
            while (j < len && is_space(t[j]))
                j++;
            if (j < len && t[j] == ',') {   /* {"id": 1, "error": ...} */
                b = j + 1;
                while (b < len && is_space(t[b]))
                    b++;
            } else {                        /* {"return": {}, "id": 1} */
                size_t k = a;
                while (k > 0 && is_space(t[k - 1]))
                    k--;
                if (k > 0 && t[k - 1] == ',')
                    a = k - 1;
            }
            fq_replay_out_add(ob, t, a);
            fq_replay_out_add(ob, t + b, len - b);
        }
    } else if (idtext) {                    /* add it where QEMU puts it */
        size_t open = 0, close = len;
        while (open < len && t[open] != '{')
            open++;
        while (close > 0 && t[close - 1] != '}')
            close--;
        if (open >= len || close == 0) {
            fq_replay_out_add(ob, t, len);
        } else if (memmem(t, len, "\"error\"", 7) && open + 1 < close) {
            fq_replay_out_add(ob, t, open + 1);
            fq_replay_out_add(ob, "\"id\": ", 6);
            fq_replay_out_add(ob, idtext, strlen(idtext));
            fq_replay_out_add(ob, ", ", 2);
            fq_replay_out_add(ob, t + open + 1, len - open - 1);
        } else {
            fq_replay_out_add(ob, t, close - 1);
            fq_replay_out_add(ob, ", \"id\": ", 8);
            fq_replay_out_add(ob, idtext, strlen(idtext));
            fq_replay_out_add(ob, t + close - 1, len - close + 1);
        }
    } else {
        fq_replay_out_add(ob, t, len);
    }
    free(idtext);
}

