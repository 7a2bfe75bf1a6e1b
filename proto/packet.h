/* packet.h: libvirt RPC framing: the length word, the 24-byte header, limits, payload
 * kinds (XDR, raw stream bytes, stream hole, fd count), strict/lenient decoding, and an
 * incremental reader that turns a byte stream into whole packets. No sockets here.
 *
 * Wire layout (all big-endian):
 *   u32 len  (counts itself: len = 4 + 24 + payload), 28 <= len <= 4 + 33554432
 *   u32 prog, u32 vers, s32 proc, s32 type, u32 serial, s32 status
 *   [u32 num_fds  only for CALL_WITH_FDS / REPLY_WITH_FDS, <= 32]
 *   payload: XDR args/ret/msg/remote_error, raw bytes (STREAM+CONTINUE), or
 *            {hyper length; u32 flags} (STREAM_HOLE)
 *
 * The message type and status constants come from vw_net_protocol.x:
 *   VW_NET_CALL 0, VW_NET_REPLY 1, VW_NET_MESSAGE 2, VW_NET_STREAM 3,
 *   VW_NET_CALL_WITH_FDS 4, VW_NET_REPLY_WITH_FDS 5, VW_NET_STREAM_HOLE 6;
 *   VW_NET_OK 0, VW_NET_ERROR 1, VW_NET_CONTINUE 2.
 * Program numbers: VW_REMOTE_PROGRAM, VW_QEMU_PROGRAM, VW_KEEPALIVE_PROGRAM (+ VW_LXC_PROGRAM).
 */
#ifndef VW_PACKET_H
#define VW_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdr_codec.h"
#include "vw_net_protocol.h"
#include "vw_remote_protocol.h"
#include "vw_remote_more_protocol.h"
#include "vw_remote_migrate_protocol.h"
#include "vw_remote_events_protocol.h"
#include "vw_qemu_protocol.h"
#include "vw_lxc_protocol.h"

#define VW_PACKET_LEN_SIZE      4u          /* the length word */
#define VW_PACKET_HEADER_SIZE   24u         /* prog vers proc type serial status */
#define VW_PACKET_MIN           28u         /* length word + header, empty payload */
#define VW_PACKET_BODY_MAX      33554432u   /* VIR_NET_MESSAGE_MAX: header + payload */
#define VW_PACKET_MAX           (VW_PACKET_LEN_SIZE + VW_PACKET_BODY_MAX)  /* 33554436 */
#define VW_PACKET_PAYLOAD_MAX   (VW_PACKET_BODY_MAX - VW_PACKET_HEADER_SIZE) /* 33554408 */
#define VW_PACKET_NUM_FDS_MAX   32u
#define VW_PACKET_STREAM_HOLE_SIZE 12u
#define VW_LXC_PROGRAM          0x00068000u
#define VW_ADMIN_PROGRAM        0x06900690u

typedef struct vw_packet_header {
    uint32_t prog;
    uint32_t vers;
    int32_t proc;
    int32_t type;       /* VW_NET_CALL ... VW_NET_STREAM_HOLE */
    uint32_t serial;
    int32_t status;     /* VW_NET_OK, VW_NET_ERROR, VW_NET_CONTINUE */
} vw_packet_header;

/* A parsed packet. payload points into the buffer it was parsed from (no copy). */
typedef struct vw_packet {
    uint32_t len;               /* the length word: total bytes including itself */
    vw_packet_header hdr;
    bool has_fds;               /* type is CALL_WITH_FDS or REPLY_WITH_FDS */
    uint32_t num_fds;           /* the u32 fd count (only when has_fds) */
    const uint8_t *payload;     /* after header (and fd count) */
    size_t payload_len;
} vw_packet;

/* ---- length word ---- */

/* Check a length word: rejects len < 28 and len - 4 > 33554432 with a message that names
 * the number ("packet length 27 is below the minimum 28"). offset 0. */
int vw_packet_check_length(uint32_t len, vw_error *err);

/* Read and check the length word from the first 4 bytes of buf (n >= 4). */
int vw_packet_decode_length(const uint8_t *buf, size_t n, uint32_t *len, vw_error *err);

/* ---- header ---- */

void vw_packet_encode_header(const vw_packet_header *hdr, uint8_t out[VW_PACKET_HEADER_SIZE]);

/* Decode 24 header bytes (buf starts at the header, after the length word). STRICT also
 * rejects type > 6, status > 2 and combinations libvirt never sends (e.g. CALL with a
 * status other than OK). Error offsets are relative to buf. */
int vw_packet_decode_header(const uint8_t *buf, size_t n, vw_decode_mode mode,
                            vw_packet_header *hdr, vw_error *err);

/* True if type carries the u32 fd count. */
bool vw_packet_type_has_fds(int32_t type);

/* Names for people and traces: "CALL", "REPLY", ..., "OK", "ERROR", "CONTINUE";
 * NULL when out of range. */
const char *vw_packet_type_name(int32_t type);
const char *vw_packet_status_name(int32_t status);

/* ---- whole packets ---- */

/* Parse a whole packet: buf holds exactly n bytes, n must equal the length word.
 * Checks length limits, header (mode), fd count <= 32. The payload is not decoded. */
int vw_packet_parse(const uint8_t *buf, size_t n, vw_decode_mode mode, vw_packet *pkt,
                    vw_error *err);

/* Encoding appends one whole packet to out: length word, header, fd count (only when the
 * type has fds), payload. The length word is patched at the end; a packet over
 * VW_PACKET_MAX is refused and out is left as it was. */

/* Payload encoded from obj with proc (NULL / VW_XDR_VOID: empty payload). */
int vw_packet_encode(vw_buf *out, const vw_packet_header *hdr, uint32_t num_fds,
                     xdrproc_t proc, const void *obj, vw_error *err);

/* Payload given as raw bytes (STREAM data, already-encoded payloads, replayed traces). */
int vw_packet_encode_raw(vw_buf *out, const vw_packet_header *hdr, uint32_t num_fds,
                         const void *payload, size_t payload_len, vw_error *err);

/* Low-level pair for building in place: begin writes length placeholder + header (+ fd
 * count) and returns the packet's start offset in *start; append payload bytes to out
 * yourself (e.g. vw_xdr_encode); finish patches the length word and checks the limit
 * (on failure out->len is reset to start). */
int vw_packet_begin(vw_buf *out, const vw_packet_header *hdr, uint32_t num_fds, size_t *start,
                    vw_error *err);
int vw_packet_finish(vw_buf *out, size_t start, vw_error *err);

/* ---- typed payload helpers ---- */

/* Decode a payload with proc into obj (see vw_xdr_decode). Error offsets count from the
 * first byte of the packet (its length word), like vw_packet_parse. */
int vw_packet_decode_payload(const vw_packet *pkt, xdrproc_t proc, void *obj, size_t obj_size,
                             vw_decode_mode mode, vw_error *err);

/* The remote_error payload of an ERROR reply (or ERROR stream packet from a server). */
int vw_packet_decode_error(const vw_packet *pkt, vw_remote_error *rerr, vw_decode_mode mode,
                           vw_error *err);

/* The header of the reply to call: same prog, vers, proc and serial; type REPLY
 * (REPLY_WITH_FDS for a CALL_WITH_FDS); the given status. */
vw_packet_header vw_packet_reply_header(const vw_packet_header *call, int32_t status);

/* Append a packet with header hdr (as given: normally a REPLY with status ERROR, or a
 * STREAM with status ERROR) whose payload is a remote_error: code (virErrorNumber),
 * domain (virErrorDomain), message (NULL allowed), level 2 (VIR_ERR_ERROR), no other
 * fields. Use vw_packet_encode with xdr_vw_remote_error for full control. */
int vw_packet_encode_error(vw_buf *out, const vw_packet_header *hdr, int code, int domain,
                           const char *message, vw_error *err);

/* STREAM_HOLE payload {hyper length; u32 flags}: 12 bytes exactly. */
int vw_packet_encode_stream_hole(vw_buf *out, const vw_packet_header *hdr, int64_t length,
                                 uint32_t flags, vw_error *err);
int vw_packet_decode_stream_hole(const vw_packet *pkt, vw_decode_mode mode, int64_t *length,
                                 uint32_t *flags, vw_error *err);

/* Keepalive: the 28-byte PING / PONG (prog KEEPALIVE, vers 1, type MESSAGE, serial 0, OK). */
int vw_packet_encode_keepalive(vw_buf *out, int32_t proc /* VW_KEEPALIVE_PROC_PING/PONG */,
                               vw_error *err);

/* ---- incremental reader: bytes in, whole packets out ---- */

/* The reader never allocates more than the current packet's checked length word allows,
 * and never grows before the length word has passed vw_packet_check_length. */
typedef struct vw_packet_reader {
    vw_decode_mode mode;
    uint8_t lenbuf[VW_PACKET_LEN_SIZE];
    size_t have;                /* bytes of the current packet received so far */
    uint32_t len;               /* its length word, once have >= 4 */
    uint8_t *buf;               /* the whole current packet (len bytes) once allocated */
    size_t cap;
    bool complete;              /* buf holds one whole packet not yet taken */
    bool failed;                /* a bad length word was seen: the stream is unusable */
    size_t stream_offset;       /* bytes consumed from the stream before the current packet */
    uint32_t max_len;           /* 0, or a lower limit the user sets (a server's memory budget):
                                 * a longer length word fails the feed before any allocation */
    bool over_max_len;          /* the failure was max_len, not the protocol's limits */
} vw_packet_reader;

void vw_packet_reader_init(vw_packet_reader *r, vw_decode_mode mode);
void vw_packet_reader_free(vw_packet_reader *r);

/* How many bytes the reader wants next to make progress (4 for a length word, then the
 * rest of the packet): read at most this many from a socket to never read past a packet. */
size_t vw_packet_reader_wanted(const vw_packet_reader *r);

/* Feed up to n bytes; consumes at most up to the end of the current packet and stores
 * the count in *used. Returns 1 when a whole packet is ready (call vw_packet_reader_take),
 * 0 when more bytes are needed, -1 on a bad length word (err offset = stream offset). */
int vw_packet_reader_feed(vw_packet_reader *r, const uint8_t *data, size_t n, size_t *used,
                          vw_error *err);

/* Releases a buffer kept from a large packet (over 1 MiB) when no packet is in progress, so an
 * idle reader holds little memory. Call it once the taken packet is no longer used. */
void vw_packet_reader_trim(vw_packet_reader *r);

/* Parse the ready packet into *pkt (pointers valid until the next feed/take/free) and
 * make the reader ready for the next packet. Returns 1 with a packet, 0 if none is ready,
 * -1 if the ready packet's header is malformed (the packet is dropped; the stream stays
 * in sync because its length was valid). raw/raw_len (optional) give the whole packet. */
int vw_packet_reader_take(vw_packet_reader *r, vw_packet *pkt, const uint8_t **raw,
                          size_t *raw_len, vw_error *err);

#endif
