/* replay.h: `fake-qemu --replay TRACE`: answers QMP clients from a recorded trace (a recording
 * of fake-qemu --record or vwtrace record-qmp, or a libvirt .replies file converted with
 * vwtrace import-replies), built on qmp_server's backend hooks (docs/replay-qmp.md).
 *
 * Owns the QMP operations of the one replay engine (common/replay_engine.h, which loads the
 * trace, hands each new client the next recorded connection, finds the matching recorded command
 * in strict order or unordered, applies --replay-unmatched and keeps the report): what a record
 * becomes (every recorded command paired with its reply by id and the events around it, the
 * greeting), the match key (command name + arguments as parsed JSON, the id ignored), sending the
 * greeting verbatim and the recorded reply with the live id put in place of the recorded one
 * (replay_id.c), the error answer and diagnostics for an unmatched command, and the lines on
 * stderr: matched, unmatched, recorded commands never used.
 */
#ifndef FQ_REPLAY_H
#define FQ_REPLAY_H

#include <stddef.h>

#include "qmp_server.h"
#include "replay_engine.h"

typedef struct fq_replay fq_replay;

/* The one option struct of both replays (common/replay_engine.h); pick is always "next". */
typedef vw_replay_options fq_replay_options;

/* Reads the whole trace. Returns NULL with err filled (vw_error_format prints "FILE:LINE: reason"
 * or "FILE: reason"). */
fq_replay *fq_replay_load(const fq_replay_options *o, vw_error *err);

/* The hooks to give to qmp_server_set_backend (valid while p lives); the recorded delays of
 * server messages are kept by timers on loop. */
const vw_mode_hooks *fq_replay_backend(fq_replay *p, vw_evloop *loop);

/* The final report: a summary on stderr (and the JSON file when asked). Call after
 * qmp_server_free. Returns 0, or -1 when the report file cannot be written. */
int fq_replay_finish(fq_replay *p);

void fq_replay_free(fq_replay *p);

#endif
