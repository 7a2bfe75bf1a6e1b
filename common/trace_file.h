/* trace_file.h: the file under a recorder's trace writer (fake-libvirtd --record, fake-qemu
 * --record), written in batches instead of one write() per record.
 *
 * Owns: the trace file's descriptor and a memory buffer behind a stdio stream (fopencookie) that
 * proto/trace.c's vw_trace_writer_open_stream writes to. The writer's per-record fflush only
 * moves the record into the buffer; the buffer reaches the file when VW_TRACE_FILE_BATCH bytes
 * wait, VW_TRACE_FILE_FLUSH_MS after the first byte that waits (an evloop timer), and at
 * vw_trace_file_close. So a trace on disk is at most that much behind, whole lines only at each
 * flush, and complete after a clean stop (SIGTERM); a SIGKILL or crash loses at most the last
 * VW_TRACE_FILE_FLUSH_MS of records.
 */
#ifndef VW_TRACE_FILE_H
#define VW_TRACE_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "evloop.h"

#define VW_TRACE_FILE_BATCH     (256u * 1024)   /* write once this much waits */
#define VW_TRACE_FILE_FLUSH_MS  100              /* and at the latest this long after */

typedef struct vw_trace_file vw_trace_file;

/* Creates (truncates) path. who prefixes the one message printed when a timed flush fails
 * (e.g. "fake-qemu: --record"). Returns NULL with a sentence in err. */
vw_trace_file *vw_trace_file_open(const char *path, const char *who, char *err, size_t errlen);
/* The stream to hand to vw_trace_writer_open_stream (owned by f). */
FILE *vw_trace_file_stream(vw_trace_file *f);
/* The loop whose timer writes waiting records out; until one is set, every fflush of the
 * stream writes at once. */
void vw_trace_file_set_loop(vw_trace_file *f, vw_evloop *loop);
/* Writes everything waiting now. 0, or -1 (the first error is kept for close). */
int vw_trace_file_flush(vw_trace_file *f);
/* Call after vw_trace_writer_close: writes what waits, closes the file, frees f. Returns 0, or
 * -1 with the first write error in err. NULL is a no-op returning 0. */
int vw_trace_file_close(vw_trace_file *f, char *err, size_t errlen);

#endif
