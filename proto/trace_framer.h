/* trace_framer.h: cuts one direction of a recorded byte stream into trace records.
 *
 * Owns: the one framer every recorder uses (common/record_proxy.c for fake-libvirtd --record,
 * fake-qemu --record and vwtrace record-libvirt|record-qmp). libvirt: whole packets, cut by the
 * length word (proto/packet.h's reader); after a length word outside the protocol's limits the
 * stream has lost its framing and the rest of the direction is handed out as unframed data.
 * QMP: one JSON value per message, cut by QEMU's own streamer (proto/qmp_json.h), with the
 * whitespace that follows it in the same feed; a value longer than a trace record holds
 * (VW_TRACE_RAW_MAX) is handed out as data, the rest of that value too.
 *
 * Complete frames go to a callback, so this module knows nothing about sockets, traces on disk
 * or the servers: concatenating every frame's bytes, in order, gives the fed stream exactly.
 */
#ifndef VW_TRACE_FRAMER_H
#define VW_TRACE_FRAMER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "trace.h"

typedef enum vw_frame_kind {
    VW_FRAME_MESSAGE,       /* one whole message: a `msg` record */
    VW_FRAME_DATA,          /* bytes that are not a message: a `data` record */
    VW_FRAME_LOST_SYNC,     /* libvirt: a bad length word; reason says why (no bytes) */
} vw_frame_kind;

typedef struct vw_frame {
    vw_frame_kind kind;
    const uint8_t *data;    /* valid during the callback only */
    size_t len;
    const json_t *json;     /* QMP message: the value as QEMU parses it, else NULL (borrowed) */
    const char *error;      /* QMP message: QEMU's parse error; LOST_SYNC: the reason; else NULL */
} vw_frame;

/* Returns 0 to go on, 1 to make vw_trace_framer_feed return right after this frame. */
typedef int vw_frame_fn(void *opaque, const vw_frame *frame);

typedef struct vw_trace_framer vw_trace_framer;

/* Returns NULL only when out of memory. */
vw_trace_framer *vw_trace_framer_new(vw_trace_protocol protocol, vw_frame_fn *fn, void *opaque);
void vw_trace_framer_free(vw_trace_framer *f);

/* Feeds n bytes; calls fn for every frame they complete. Returns the bytes consumed: n, unless
 * fn returned 1 (then the caller feeds data + returned later). Bytes of an unfinished message
 * are kept (vw_trace_framer_pending). Out of memory loses the framing: the rest is data. */
size_t vw_trace_framer_feed(vw_trace_framer *f, const uint8_t *data, size_t n);

/* End of the stream: hands out the bytes of an unfinished message as one DATA frame. */
void vw_trace_framer_finish(vw_trace_framer *f);

/* Bytes of the unfinished message held. */
size_t vw_trace_framer_pending(const vw_trace_framer *f);

#endif
