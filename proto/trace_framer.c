/* trace_framer.c: one framer for recorded byte streams, libvirt packets or QMP values (see
 * trace_framer.h). The bytes of the message being collected are kept in `pending`, so a frame is
 * always one contiguous run of bytes, whatever the feeds' cut points were. */
#include "trace_framer.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "qmp_json.h"
#include "xdr_codec.h"

struct vw_trace_framer {
    vw_trace_protocol protocol;
    vw_frame_fn *fn;
    void *opaque;
    vw_buf pending;             /* bytes of the message being collected */
    bool unframed;              /* libvirt: framing lost, everything is data from now on */
    vw_packet_reader reader;    /* libvirt */
    vw_qmp_streamer *qmp;       /* qmp */
    bool qmp_done;              /* the streamer finished a value (or an error) */
    bool spilled;               /* qmp: the head of this value went out as data */
    json_t *value;              /* qmp: the value that finished, or NULL */
    char *value_error;          /* qmp: the parse error that finished it, or NULL */
};

static void qmp_value(void *opaque, json_t *msg, const char *error)
{
    vw_trace_framer *f = opaque;
    if (error) {
        json_decref(msg);
        f->value_error = strdup(error);
        if (!f->value_error)
            f->value_error = strdup("parse error");
    } else {
        f->value = msg;
    }
    f->qmp_done = true;
    vw_qmp_streamer_pause(f->qmp);
}

vw_trace_framer *vw_trace_framer_new(vw_trace_protocol protocol, vw_frame_fn *fn, void *opaque)
{
    vw_trace_framer *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->protocol = protocol;
    f->fn = fn;
    f->opaque = opaque;
    vw_buf_init(&f->pending);
    if (protocol == VW_TRACE_LIBVIRT) {
        vw_packet_reader_init(&f->reader, VW_DECODE_LENIENT);
        return f;
    }
    f->qmp = vw_qmp_streamer_new(NULL, qmp_value, f);
    if (!f->qmp) {
        free(f);
        return NULL;
    }
    return f;
}

static void clear_value(vw_trace_framer *f)
{
    json_decref(f->value);
    f->value = NULL;
    free(f->value_error);
    f->value_error = NULL;
}

void vw_trace_framer_free(vw_trace_framer *f)
{
    if (!f)
        return;
    if (f->protocol == VW_TRACE_LIBVIRT)
        vw_packet_reader_free(&f->reader);
    else
        vw_qmp_streamer_free(f->qmp);
    clear_value(f);
    vw_buf_free(&f->pending);
    free(f);
}

static int emit(vw_trace_framer *f, vw_frame_kind kind, const uint8_t *data, size_t len,
                const json_t *json, const char *error)
{
    vw_frame fr = { kind, data, len, json, error };
    return f->fn(f->opaque, &fr);
}

/* Hands out what is pending as one frame of kind; returns fn's answer. */
static int emit_pending(vw_trace_framer *f, vw_frame_kind kind, const json_t *json,
                        const char *error)
{
    int stop = emit(f, kind, f->pending.data, f->pending.len, json, error);
    vw_buf_reset(&f->pending);
    return stop;
}

/* The framing is lost (bad length word, out of memory): say why, then the held bytes. */
static void lose_sync(vw_trace_framer *f, const char *why)
{
    f->unframed = true;
    (void)emit(f, VW_FRAME_LOST_SYNC, NULL, 0, NULL, why);
    if (f->pending.len)
        (void)emit_pending(f, VW_FRAME_DATA, NULL, NULL);
}

static size_t feed_libvirt(vw_trace_framer *f, const uint8_t *data, size_t n)
{
    vw_error pe;
    size_t off = 0;
    while (off < n && !f->unframed) {
        size_t used = 0;
        int rc = vw_packet_reader_feed(&f->reader, data + off, n - off, &used, &pe);
        if (rc < 0) {
            lose_sync(f, pe.text);      /* this feed's length word bytes go out with the rest */
            break;
        }
        if (used == 0 && rc == 0)
            break;                      /* cannot happen by contract; never loop forever */
        if (vw_buf_append(&f->pending, data + off, used, &pe) < 0) {
            lose_sync(f, pe.text);
            break;
        }
        off += used;
        if (rc == 1) {
            vw_packet pkt;
            (void)vw_packet_reader_take(&f->reader, &pkt, NULL, NULL, &pe);
            vw_packet_reader_trim(&f->reader);
            if (emit_pending(f, VW_FRAME_MESSAGE, NULL, NULL))
                return off;
        }
    }
    if (f->unframed && off < n) {
        (void)emit(f, VW_FRAME_DATA, data + off, n - off, NULL, NULL);
        off = n;
    }
    return off;
}

static bool is_ws(uint8_t b)
{
    return b == '\r' || b == '\n' || b == ' ' || b == '\t';
}

/* A value ended: its frame (a message, or data for the tail of a spilled one). */
static int finish_value(vw_trace_framer *f)
{
    int stop;
    if (f->spilled) {
        f->spilled = false;
        stop = emit_pending(f, VW_FRAME_DATA, NULL, NULL);
    } else {
        stop = emit_pending(f, VW_FRAME_MESSAGE, f->value,
                            f->value_error ? f->value_error
                                           : f->value ? NULL : "invalid QMP input");
    }
    clear_value(f);
    return stop;
}

static size_t feed_qmp(vw_trace_framer *f, const uint8_t *data, size_t n)
{
    vw_error pe;
    size_t off = 0;
    /* Whitespace right after a finished value in the same feed belongs to it; whitespace that
     * comes in a later feed starts the next frame (concatenation stays exact either way). */
    while (off < n) {
        f->qmp_done = false;
        size_t used = vw_qmp_streamer_feed(f->qmp, (const char *)data + off, n - off);
        if (used == 0 && !f->qmp_done)
            used = n - off;             /* cannot happen by contract; never loop forever */
        size_t end = off + used;
        while (f->qmp_done && end < n && is_ws(data[end]))
            end++;
        if (vw_buf_append(&f->pending, data + off, end - off, &pe) < 0) {
            clear_value(f);             /* out of memory: what there is goes out unframed */
            vw_trace_framer_finish(f);
            (void)emit(f, VW_FRAME_DATA, data + off, n - off, NULL, NULL);
            return n;
        }
        off = end;
        int stop = 0;
        if (f->qmp_done) {
            stop = finish_value(f);
        } else if (f->pending.len >= VW_TRACE_RAW_MAX) {
            f->spilled = true;          /* longer than a record holds: unframed, unjudged */
            stop = emit_pending(f, VW_FRAME_DATA, NULL, NULL);
        }
        if (stop)
            return off;
    }
    return off;
}

size_t vw_trace_framer_feed(vw_trace_framer *f, const uint8_t *data, size_t n)
{
    if (f->protocol == VW_TRACE_LIBVIRT)
        return feed_libvirt(f, data, n);
    return feed_qmp(f, data, n);
}

void vw_trace_framer_finish(vw_trace_framer *f)
{
    if (f->pending.len)
        (void)emit_pending(f, VW_FRAME_DATA, NULL, NULL);
    f->spilled = false;
}

size_t vw_trace_framer_pending(const vw_trace_framer *f)
{
    return f->pending.len;
}
