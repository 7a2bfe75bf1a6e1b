/* replay_load.c: reading a trace for a replay (see replay_load.h). Connections are found by id
 * from the newest one back, with a hint for the common case of runs of one connection. */
#include "replay_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdr_codec.h"

typedef struct {
    vw_buf ids;                 /* uint32_t connection ids, in the order they were opened */
    size_t hint;
} conn_ids;

static size_t count(const conn_ids *c)
{
    return c->ids.len / sizeof(uint32_t);
}

static uint32_t id_at(const conn_ids *c, size_t i)
{
    uint32_t id;
    memcpy(&id, c->ids.data + i * sizeof(id), sizeof(id));
    return id;
}

static long find(conn_ids *c, uint32_t id)
{
    if (c->hint < count(c) && id_at(c, c->hint) == id)
        return (long)c->hint;
    for (size_t i = count(c); i-- > 0;) {
        if (id_at(c, i) == id) {
            c->hint = i;
            return (long)i;
        }
    }
    return -1;
}

static int add(conn_ids *c, uint32_t id)
{
    vw_error pe;
    c->hint = count(c);
    return vw_buf_append(&c->ids, &id, sizeof(id), &pe);
}

/* Hands every record to the loader. 1 at the end, -1 on a bad line (e), -2 out of memory. */
static int read_all(vw_trace_reader *r, const vw_replay_loader *l, vw_error *e)
{
    conn_ids ids;
    vw_buf_init(&ids.ids);
    ids.hint = 0;
    vw_trace_record rec;
    int rc;
    while ((rc = vw_trace_read(r, &rec, e)) == 1) {
        if (rec.kind == VW_TRACE_OPEN) {
            if (add(&ids, rec.conn) < 0 || l->open(l->opaque, rec.conn) < 0)
                break;
            continue;
        }
        long i = find(&ids, rec.conn);
        if (i >= 0 && l->record(l->opaque, (size_t)i, &rec) < 0)
            break;  /* i < 0 cannot be: the reader refuses a connection used before its open */
    }
    vw_buf_free(&ids.ids);
    return rc == 1 ? -2 : rc == 0 ? 1 : -1;
}

vw_replay_load_result vw_replay_load(const char *path, vw_trace_protocol want,
                                     bool allow_truncated, const char *who,
                                     const vw_replay_loader *loader, vw_trace_protocol *found,
                                     vw_error *err)
{
    vw_error e;
    memset(&e, 0, sizeof(e));
    vw_trace_reader *r = vw_trace_reader_open(path, &e);
    if (!r) {
        *err = e;
        vw_error_set_source(err, path);
        return VW_REPLAY_LOAD_FAILED;
    }
    vw_trace_reader_allow_truncated(r, allow_truncated);
    *found = vw_trace_reader_protocol(r);
    if (*found != want) {
        vw_trace_reader_free(r);
        return VW_REPLAY_WRONG_PROTOCOL;
    }
    int rc = read_all(r, loader, &e);
    if (rc == 1 && vw_trace_reader_dropped(r)) {
        const vw_error *d = vw_trace_reader_dropped(r);
        vw_error w;
        char line[sizeof(w.source) + sizeof(w.text) + 64];
        vw_error_set(&w, path, d->line, 0, d->offset, "warning: %s", d->text);
        fprintf(stderr, "%s %s\n", who, vw_error_format(&w, line, sizeof(line)));
    }
    vw_trace_reader_free(r);
    if (rc == -2)
        vw_error_set(err, path, 0, 0, 0, "out of memory while loading the trace");
    else if (rc < 0) {
        *err = e;
        vw_error_set_source(err, path);
    }
    return rc == 1 ? VW_REPLAY_LOADED : VW_REPLAY_LOAD_FAILED;
}
