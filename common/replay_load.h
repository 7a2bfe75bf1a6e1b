/* replay_load.h: reading a trace for a replay (fake-libvirtd --replay, fake-qemu --replay), once.
 *
 * Owns: opening the trace, refusing one of the other protocol, reading it whole and checked
 * (proto/trace.h: a bad line stops the load with the file and line), --allow-truncated's warning
 * about a dropped cut last line, and handing each record to the fake's loader by recorded
 * connection (opened in the order of their `open` records). What the records become (calls,
 * replies, events) is the fake's.
 */
#ifndef VW_REPLAY_LOAD_H
#define VW_REPLAY_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

typedef struct vw_replay_loader {
    /* A recorded connection opened (they are numbered 0, 1, ... in this order). Returns 0, or
     * -1 when out of memory. */
    int (*open)(void *opaque, uint32_t conn);
    /* One msg, data or close record of the index-th opened connection. Returns 0, or -1 when
     * out of memory. */
    int (*record)(void *opaque, size_t index, const vw_trace_record *rec);
    void *opaque;
} vw_replay_loader;

typedef enum vw_replay_load_result {
    VW_REPLAY_LOADED = 0,
    VW_REPLAY_LOAD_FAILED = -1,         /* err: source PATH, the trace line (0: none), reason */
    VW_REPLAY_WRONG_PROTOCOL = -2,      /* the trace is of another protocol (*found) */
} vw_replay_load_result;

/* Reads path into the loader. who prefixes the warning for a dropped cut last line
 * ("fake-qemu: --replay"). */
vw_replay_load_result vw_replay_load(const char *path, vw_trace_protocol want,
                                     bool allow_truncated, const char *who,
                                     const vw_replay_loader *loader, vw_trace_protocol *found,
                                     vw_error *err);

#endif
