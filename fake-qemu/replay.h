/* replay.h: `fake-qemu --replay TRACE`: answers QMP clients from a recorded trace (a recording
 * of fake-qemu --record or vwtrace record-qmp, or a libvirt .replies file converted with
 * vwtrace import-replies), built on qmp_server's backend hooks (docs/replay-qmp.md).
 *
 * Owns: loading and checking the trace (QMP only; a bad file is refused with its line), pairing
 * every recorded command with its reply (by id) and the events around it, serving each new client
 * connection from the next recorded connection (greeting first, verbatim), matching live commands
 * against the recorded ones (strict order, or unordered; by command name + arguments as parsed
 * JSON, the id ignored), sending the recorded reply with the live id put in place of the recorded
 * one, and the report: matched, unmatched, recorded commands never used (stderr, and JSON with
 * --replay-report, through common/replay_report.h).
 */
#ifndef FQ_REPLAY_H
#define FQ_REPLAY_H

#include <stddef.h>

#include "qmp_server.h"
#include "replay_engine.h"

typedef struct fq_replay fq_replay;

/* The one option struct of both replays (common/replay_engine.h); pick is always "next". */
typedef vw_replay_options fq_replay_options;

/* Reads the whole trace. Returns NULL with "FILE:LINE: reason" (or "FILE: reason") in err. */
fq_replay *fq_replay_load(const fq_replay_options *o, char *err, size_t errlen);

/* The hooks to give to qmp_server_set_backend (valid while p lives). */
const vw_mode_hooks *fq_replay_backend(fq_replay *p);

/* The final report: a summary on stderr (and the JSON file when asked). Call after
 * qmp_server_free. Returns 0, or -1 when the report file cannot be written. */
int fq_replay_finish(fq_replay *p);

void fq_replay_free(fq_replay *p);

#endif
