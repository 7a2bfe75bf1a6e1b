/* trace_file.h: the file under a recorder's trace writer (fake-libvirtd --record, fake-qemu
 * --record, vwtrace record-libvirt|record-qmp), and the one durability rule they share.
 *
 * Owns: the trace file's descriptor and a memory buffer behind a stdio stream (fopencookie) that
 * proto/trace.c's vw_trace_writer_open_stream writes to. The writer's per-record fflush only
 * moves the record into the buffer; vw_trace_file_commit writes everything waiting with one
 * write(2). The rule: a recorder commits the records of the messages it is about to forward
 * BEFORE it forwards them, so whatever a peer has received is in the file (the OS page cache,
 * which outlives a SIGKILL or a crash of the recorder). Several messages from one read cost one
 * write. With sync set, the commit also fdatasyncs, so the records outlive a power loss too, at
 * the price of a disk flush per forwarded batch. A recorder killed in the middle of a write
 * leaves at most a cut last line, of a message no peer has received.
 */
#ifndef VW_TRACE_FILE_H
#define VW_TRACE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "trace.h"

#define VW_TRACE_FILE_BATCH  (256u * 1024)   /* written at once past this much, to bound memory */

typedef struct vw_trace_file vw_trace_file;

/* Writes every record waiting (one write) and, with sync, fdatasyncs; call it before
 * forwarding what those records describe. Nothing waiting costs no system call. Returns 0, or
 * -1 after a failure (printed once; the recorder keeps forwarding, the trace is incomplete). */
int vw_trace_file_commit(vw_trace_file *f);
/* A recorder's start: creates (truncates) path, a trace writer on it (*w) and writes the header
 * line at once, so a recorder killed before its first client still leaves a valid, empty trace.
 * who prefixes the one message printed when a commit fails (e.g. "fake-qemu: --record"); sync
 * adds fdatasync to every commit (--record-sync). Returns NULL with a sentence in err. */
vw_trace_file *vw_trace_file_start(const char *path, const char *who, bool sync,
                                   vw_trace_protocol protocol, const char *tool,
                                   const char *upstream, vw_trace_writer **w, char *err,
                                   size_t errlen);
/* A recorder's end: closes w, commits what waits, closes the file, frees f. Returns 0, or -1
 * with the first failure in err. */
int vw_trace_file_finish(vw_trace_file *f, vw_trace_writer *w, char *err, size_t errlen);

#endif
