/* replay.h: fake-libvirtd --replay TRACE: answers clients from a recorded trace
 * (docs/replay.md), on fake-libvirtd's own server (server.c).
 *
 * The trace is read and checked whole at start-up. Each new client connection is served from
 * the next recorded connection (trace order), or with --replay-pick match from the first unused
 * recorded connection whose calls so far match the client's. A client CALL is matched against
 * the recorded calls by program, version, procedure and argument bytes: in strict mode only the
 * next recorded call may match; in unordered mode the first unused one that is equal. The match
 * is answered with the recorded reply (its serial replaced by the live call's). Every other
 * server message (events, keepalive PINGs, stream packets, their stream serials renumbered too)
 * is anchored to the latest client call recorded before it and sent once that call has been
 * matched live and the reply recorded before it has been sent, in recorded order: an event
 * libvirtd sent between a call and its reply goes out when the live call arrives, before the
 * reply. What the server sent after a client stream packet also waits for the live client's
 * stream packet. A call that matches nothing gets an error reply
 * (VIR_ERR_RPC, VIR_FROM_RPC) and a log line naming the nearest recorded call and the
 * difference, or (unmatched = close) closes the connection. Client PINGs are answered with
 * PONG whether recorded or not.
 *
 * A report (calls matched, unmatched, recorded calls never used) goes to stderr when each
 * connection closes and for the whole run at exit; optionally as JSON into a file, the one
 * replay report of both fakes (common/replay_report.h), rewritten after each connection.
 *
 * Built on the one replay engine of both fakes (common/replay_engine.h: loading, hand-out,
 * matching, unmatched policy, delays, report) with libvirt's protocol operations: what a record
 * becomes (replay_script.c), the serial rewriting, when server messages are released and the
 * diagnostics (replay.c).
 */
#ifndef FL_REPLAY_H
#define FL_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "replay_engine.h"
#include "server.h"

/* The one option struct and names of both replays (common/replay_engine.h). */
typedef vw_replay_match_mode fl_replay_match;
typedef vw_replay_unmatched fl_replay_unmatched;
typedef vw_replay_pick fl_replay_pick;
typedef vw_replay_options fl_replay_options;
#define FL_REPLAY_STRICT VW_REPLAY_STRICT
#define FL_REPLAY_UNORDERED VW_REPLAY_UNORDERED
#define FL_REPLAY_UNMATCHED_ERROR VW_REPLAY_UNMATCHED_ERROR
#define FL_REPLAY_UNMATCHED_CLOSE VW_REPLAY_UNMATCHED_CLOSE
#define FL_REPLAY_PICK_NEXT VW_REPLAY_PICK_NEXT
#define FL_REPLAY_PICK_MATCH VW_REPLAY_PICK_MATCH
#define FL_REPLAY_DELAY_MAX_MS VW_REPLAY_DELAY_MAX_MS
#define fl_replay_pick_from_name vw_replay_pick_from_name

typedef struct fl_replay fl_replay;

/* Reads and checks the trace. Returns NULL with err filled (vw_error_format prints
 * "--replay TRACE:LINE: reason" for a bad file, "--replay TRACE: ..." for a QMP trace). */
fl_replay *fl_replay_new(const fl_replay_options *opt, vw_error *err);
/* Points cfg's mode hooks at rp. */
void fl_replay_attach(fl_replay *rp, fl_server_config *cfg);
/* Prints the run's report (and writes the JSON one) after fl_server_free, then frees rp.
 * Returns 0, or -1 if the JSON report could not be written. NULL is a no-op returning 0. */
int fl_replay_free(fl_replay *rp);

#endif
