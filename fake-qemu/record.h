/* record.h: `fake-qemu --record TRACE --upstream unix:PATH`: a transparent recording proxy in
 * front of a real QEMU's QMP socket (docs/replay-qmp.md): qmp_server's backend hooks adapted to
 * the one recording proxy engine, common/record_proxy.h.
 *
 * Owns: the link between each qmp_server client and its engine connection. The engine opens
 * one upstream connection per client connection (when qmp_server accepts the client, so the
 * upstream sees clients one at a time, as QEMU itself serves them), copies bytes both ways
 * unchanged and writes the trace: an `open` per connection, one `msg` per JSON value in each
 * direction (cut by QEMU's JSON streamer, the whitespace after a value kept with it), a `close`
 * (by client, server, error, or "end" when fake-qemu stops).
 *
 * Client bytes come through qmp_server's input path; each whole JSON value is offered to the
 * c2s faults and the scenario stubs (qmp_server_intercept) and forwarded byte for byte unless
 * one of them took it (then it is neither forwarded nor recorded; a stub's "fallthrough" sends
 * the original bytes). Upstream bytes go out through qmp_server's output path (s2c faults).
 * Neither side is read while more than 4 MiB wait for the other. A value's record is in the
 * file before the value is forwarded (common/trace_file.h); with sync (--record-sync) it is
 * also fdatasynced first.
 */
#ifndef FQ_RECORD_H
#define FQ_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "evloop.h"
#include "qmp_server.h"

typedef struct fq_record fq_record;

/* Checks that the upstream (unix:PATH or tcp:HOST:PORT) accepts a connection (a start-up check:
 * the probe connection is closed at once) and creates the trace file. Returns NULL with a
 * sentence in err when the address is bad, the upstream unreachable or the file not writable. */
fq_record *fq_record_new(vw_evloop *loop, const char *trace_path, const char *upstream,
                         const char *tool, bool sync, char *err, size_t errlen);

/* The hooks to give to qmp_server_set_backend (valid while r lives). */
const vw_mode_hooks *fq_record_backend(fq_record *r);

/* Call when fake-qemu is stopping (before qmp_server_free): the connections it then closes are
 * recorded as closed by "end", not by the client. */
void fq_record_stopping(fq_record *r);

/* Writes "close" records (by "end") for connections still open, closes the upstream sockets and
 * the trace. Call after qmp_server_free. Returns 0, or -1 when the trace could not be written
 * completely (the reason was printed). */
int fq_record_free(fq_record *r);

#endif
