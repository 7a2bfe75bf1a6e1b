/* trace.h: the virt-wire trace file (docs/trace-format.md): JSON Lines, one header line, then
 * one record a line: connection open, one whole message (raw bytes, base64), unframed data,
 * connection close. Same format for libvirt RPC and QMP. Owns writing (one line per record,
 * flushed to the stream; recorders put common/trace_file.h under it, which writes the records
 * to the file before their messages are forwarded) and reading (every record checked; a bad
 * file is refused with its line number and the reason; a cut last line can be dropped).
 *
 * Recording (a proxy, fake-libvirtd --record, fake-qemu --record):
 *
 *   vw_error err;
 *   vw_trace_writer *w = vw_trace_writer_open("run.trace", VW_TRACE_LIBVIRT,
 *                                             "fake-libvirtd 0.1.0", "unix:/run/libvirt-sock", &err);
 *   vw_trace_write_open(w, 1, vw_trace_writer_elapsed_us(w), "unix:/tmp/sock", &err);
 *   vw_trace_write_message(w, 1, VW_TRACE_C2S, vw_trace_writer_elapsed_us(w), bytes, n, &err);
 *   vw_trace_write_close(w, 1, vw_trace_writer_elapsed_us(w), "client", &err);
 *   vw_trace_writer_close(w, &err);
 *
 * Replaying / tools:
 *
 *   vw_trace_reader *r = vw_trace_reader_open("run.trace", &err);
 *   vw_trace_record rec;
 *   int rc;
 *   while ((rc = vw_trace_read(r, &rec, &err)) == 1)
 *       if (rec.kind == VW_TRACE_MESSAGE) use(rec.conn, rec.dir, rec.raw, rec.raw_len);
 *   if (rc < 0) fprintf(stderr, "%s:%lu: %s\n", path, err.line, err.text);
 *   vw_trace_reader_free(r);
 *
 * The reader checks everything replay relies on: JSON, required keys and their types, base64,
 * the version, open before messages, no message after close, and for libvirt that a message's
 * length word equals its byte count. The decoded fields a writer adds for people ("hdr",
 * "error", "json") are not read back: the raw bytes are the truth.
 */
#ifndef VW_TRACE_H
#define VW_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "vw_error.h"
#include "vw_util.h"   /* base64 of the raw bytes */

#define VW_TRACE_FORMAT   "virt-wire-trace"
#define VW_TRACE_VERSION  1
/* One line at most: a 32 MiB libvirt packet in base64 plus its decoded fields. */
#define VW_TRACE_LINE_MAX (64u << 20)
/* One message's raw bytes at most (VW_PACKET_MAX for libvirt; the same bound for QMP). */
#define VW_TRACE_RAW_MAX  33554436u

typedef enum vw_trace_protocol {
    VW_TRACE_LIBVIRT = 1,
    VW_TRACE_QMP = 2
} vw_trace_protocol;

typedef enum vw_trace_kind {
    VW_TRACE_OPEN = 1,      /* a client connected (and the recorder reached the upstream) */
    VW_TRACE_MESSAGE = 2,   /* one whole message: a libvirt packet, or one QMP JSON value */
    VW_TRACE_DATA = 3,      /* bytes that could not be framed as messages (after a bad
                             * libvirt length word; a QMP tail left at close) */
    VW_TRACE_CLOSE = 4      /* the connection ended */
} vw_trace_kind;

typedef enum vw_trace_dir {
    VW_TRACE_C2S = 0,       /* client to server */
    VW_TRACE_S2C = 1        /* server to client */
} vw_trace_dir;

/* Where and why: a vw_error (vw_error.h) with line 1-based (0 when the problem is not tied to a
 * line, e.g. the file cannot be opened) and text a sentence without the file name; the reader
 * does not fill source (it may read a stream): the caller names the file with
 * vw_error_set_source before printing with vw_error_format. */

/* One record as read. Pointers stay valid until the next vw_trace_read or vw_trace_reader_free. */
typedef struct vw_trace_record {
    vw_trace_kind kind;
    unsigned long line;         /* its line in the file */
    uint32_t conn;              /* connection id */
    vw_trace_dir dir;           /* MESSAGE, DATA */
    uint64_t t_us;              /* microseconds since the recording started */
    const uint8_t *raw;         /* MESSAGE, DATA: the bytes exactly as sent */
    size_t raw_len;
    const char *peer;           /* OPEN: who connected (may be NULL) */
    const char *by;             /* CLOSE: "client", "server", "error", "end" (may be NULL) */
} vw_trace_record;

/* "libvirt" / "qmp"; "c2s" / "s2c"; "open" / "msg" / "data" / "close". */
const char *vw_trace_protocol_name(vw_trace_protocol p);
const char *vw_trace_dir_name(vw_trace_dir d);
const char *vw_trace_kind_name(vw_trace_kind k);

/* ---- writer ---- */

typedef struct vw_trace_writer vw_trace_writer;

/* Creates (truncates) path for a trace; the header line (format, version, protocol, tool and
 * upstream when not NULL, "created" in UTC ISO 8601, "time_unit" "us") goes out with the first
 * record, vw_trace_writer_flush or close. Returns NULL with err filled. */
vw_trace_writer *vw_trace_writer_open(const char *path, vw_trace_protocol protocol,
                                      const char *tool, const char *upstream,
                                      vw_error *err);

/* Same, onto an open stream the caller keeps owning (vw_trace_writer_close flushes it but
 * does not close it). */
vw_trace_writer *vw_trace_writer_open_stream(FILE *out, vw_trace_protocol protocol,
                                             const char *tool, const char *upstream,
                                             vw_error *err);

/* The header line is written lazily: by the first record, vw_trace_writer_flush or close.
 * vw_trace_writer_set_header adds one extra header member (e.g. "source") before that;
 * value is taken over (json_decref'd by the writer). */
int vw_trace_writer_set_header(vw_trace_writer *w, const char *key, json_t *value,
                               vw_error *err);

/* Writes the header now if it is not written yet (a recorder calls this once it is ready, so
 * a recording killed before its first connection is still a valid, empty trace), and flushes. */
int vw_trace_writer_flush(vw_trace_writer *w, vw_error *err);

/* Microseconds since vw_trace_writer_open (monotonic clock): the usual t_us argument. */
uint64_t vw_trace_writer_elapsed_us(const vw_trace_writer *w);

/* Each call writes and flushes one line. peer / by may be NULL.
 * vw_trace_write_message: for libvirt, raw must be one whole packet whose length word equals
 * raw_len (else -1: use vw_trace_write_data for bytes that cannot be framed); the writer adds
 * the decoded header ("hdr") and, for error replies, the decoded error. For QMP, raw is one
 * JSON value's bytes (with whatever whitespace around it); the writer adds the parsed value
 * ("json"), or "json_error" when it does not parse. */
int vw_trace_write_open(vw_trace_writer *w, uint32_t conn, uint64_t t_us, const char *peer,
                        vw_error *err);
int vw_trace_write_message(vw_trace_writer *w, uint32_t conn, vw_trace_dir dir, uint64_t t_us,
                           const void *raw, size_t raw_len, vw_error *err);
int vw_trace_write_data(vw_trace_writer *w, uint32_t conn, vw_trace_dir dir, uint64_t t_us,
                        const void *raw, size_t raw_len, vw_error *err);
int vw_trace_write_close(vw_trace_writer *w, uint32_t conn, uint64_t t_us, const char *by,
                         vw_error *err);

/* Flushes, closes the file (if the writer opened it) and frees w. Returns -1 if any write
 * failed (the reason of the first failure). w NULL is a no-op returning 0. */
int vw_trace_writer_close(vw_trace_writer *w, vw_error *err);

/* ---- reader ---- */

typedef struct vw_trace_reader vw_trace_reader;

/* Opens path and reads and checks the header line. Returns NULL with err filled. */
vw_trace_reader *vw_trace_reader_open(const char *path, vw_error *err);
/* Same from an open stream (the caller keeps owning it). */
vw_trace_reader *vw_trace_reader_open_stream(FILE *in, vw_error *err);

vw_trace_protocol vw_trace_reader_protocol(const vw_trace_reader *r);
/* The header object (borrowed; valid until vw_trace_reader_free). */
const json_t *vw_trace_reader_header(const vw_trace_reader *r);

/* Reads the next record: 1 with *rec filled, 0 at the end of the file, -1 on a bad line
 * (err->line is its number; the reader stays failed afterwards). A cut last line (a writer
 * killed or out of disk in the middle of it: no final '\n' and bad JSON, or JSON that ends
 * early, with only blank lines after it) is an error whose text says --allow-truncated drops
 * it. */
int vw_trace_read(vw_trace_reader *r, vw_trace_record *rec, vw_error *err);

/* --allow-truncated: from now on a cut last line ends the file (vw_trace_read returns 0)
 * instead of failing it. Every other bad line stays an error. */
void vw_trace_reader_allow_truncated(vw_trace_reader *r, bool on);
/* After vw_trace_read returned 0: the cut last line that was dropped (its line number and a
 * sentence for a warning), or NULL when the file ended whole. */
const vw_error *vw_trace_reader_dropped(const vw_trace_reader *r);

void vw_trace_reader_free(vw_trace_reader *r);

#endif
