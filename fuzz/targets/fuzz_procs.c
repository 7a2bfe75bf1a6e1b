/* fuzz_procs.c: fuzz target for every payload codec of the procedure table (procs.h): each
 * procedure's argument decoder (what a server runs on a CALL), return decoder (what a client runs
 * on a REPLY), event message decoders (MESSAGE), the remote_error decoder (REPLY/STREAM with status
 * ERROR) and the stream hole, chosen by the packet header in the input.
 *
 * Input: one whole packet. The length word is overwritten with the input size, so every mutation
 * reaches the payload decoders (framing itself is fuzz_packet's job). When (prog, proc) is not in
 * the table, the procedure is taken by position instead: entry (proc mod table size), so a mutated
 * procedure number still lands on some decoder.
 *
 * Checks, beyond "no crash, no leak, no undefined behaviour, no allocation over 64 MiB":
 *   1. STRICT accepting a payload implies LENIENT accepting it.
 *   2. A STRICT-accepted payload re-encodes to exactly its own bytes.
 *   3. Anything LENIENT accepts re-encodes to bytes that STRICT accepts and that re-encode to the
 *      same bytes again (encode(decode(x)) is a fixed point), and vw_xdr_size agrees with the
 *      encoded length.
 *   4. The decoded value re-packs into a whole packet (vw_packet_encode) that parses back to the
 *      same header and the re-encoded payload.
 *   5. vw_procs_payload_codec picks one of the table's codecs with its struct size (or a fixed
 *      one); vw_procs_describe has the same length whatever the buffer, truncation a prefix;
 *      STRICT decoding gives the same verdict without an error struct.
 *   6. vw_xdr_encode and vw_packet_encode fail with a reason, and leak nothing, when one of their
 *      buffer allocations fails (alloc_fail.h; which one is chosen from the payload).
 * Once per process (LLVMFuzzerInitialize, api_edges): the codec API's edges no packet reaches. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_fail.h"
#include "packet.h"
#include "procs.h"

#define FUZZ_CHECK(cond, ...)                                                  \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_procs: check failed: %s: ", #cond);          \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* memcmp for buffers that may be empty (an empty vw_buf has data == NULL). */
static bool same_bytes(const void *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* Upper bound of any decoded struct in the table; checked against the table at start-up. */
#define OBJ_MAX 4096

/* An encoder when memory runs out: obj encoded again, as a payload (vw_xdr_encode) or as a whole
 * packet with pkt's header (vw_packet_encode), with one of the `allocs` buffer allocations the
 * first encoding made failing (the one vw_fuzz_alloc_pick chooses from the payload and salt): an
 * error with a reason, the buffer still freeable, nothing leaked. */
static void check_encode_oom(const vw_packet *pkt, xdrproc_t proc, void *obj, bool whole_packet,
                             size_t allocs, uint32_t salt, const char *what)
{
    if (allocs == 0)
        return;
    const char *encoder = whole_packet ? "vw_packet_encode" : "vw_xdr_encode";
    vw_buf out;
    vw_buf_init(&out);
    vw_error err = { 0 };
    vw_fuzz_alloc_fail_begin(vw_fuzz_alloc_pick(pkt->payload, pkt->payload_len, salt, allocs));
    int rc = whole_packet ? vw_packet_encode(&out, &pkt->hdr, pkt->num_fds, proc, obj, &err)
                          : vw_xdr_encode(&out, proc, obj, &err);
    FUZZ_CHECK(vw_fuzz_alloc_fail_end(), "%s: %s allocated less the second time", what, encoder);
    FUZZ_CHECK(rc < 0 && err.text[0], "%s: %s without memory: rc %d, error '%s'", what, encoder, rc,
               err.text);
    vw_buf_free(&out);
}

/* A procedure whose payloads the table describes, chosen by the header's number: inputs with a
 * number libvirt never defined, or one our .x files do not describe (no codecs), still reach
 * a codec. */
static const vw_proc_info *described_proc(const vw_proc_info *info, int32_t proc)
{
    size_t n = vw_procs_count();
    for (size_t k = 0; (!info || !info->described) && k < n; k++)
        info = vw_procs_at((uint32_t)(((uint64_t)(uint32_t)proc + k) % n));
    return info;
}

static void check_codec(const vw_packet *pkt, xdrproc_t proc, size_t size, const char *what)
{
    FUZZ_CHECK(size <= OBJ_MAX, "%s: struct of %zu bytes, raise OBJ_MAX", what, size);
    /* two separate heap objects of exactly the struct size, so ASan sees any overrun */
    void *obj[2] = { malloc(size ? size : 1), malloc(size ? size : 1) };
    FUZZ_CHECK(obj[0] && obj[1], "out of memory");
    int rc[2];
    static const vw_decode_mode modes[2] = { VW_DECODE_LENIENT, VW_DECODE_STRICT };
    for (int m = 0; m < 2; m++) {
        vw_error err = { 0 };
        rc[m] = vw_packet_decode_payload(pkt, proc, obj[m], size, modes[m], &err);
        FUZZ_CHECK(rc[m] == 0 || rc[m] == -1, "%s: decode returned %d", what, rc[m]);
        if (rc[m] < 0) {
            FUZZ_CHECK(err.text[0] != '\0', "%s: decode failed without an error text", what);
            /* offsets count from the packet's first byte (xdr_codec.h: "for whole packets") */
            FUZZ_CHECK(err.offset <= pkt->len, "%s: error offset %zu past the packet (%u bytes)", what,
                       err.offset, pkt->len);
        }
    }
    FUZZ_CHECK(rc[1] != 0 || rc[0] == 0, "%s: STRICT accepts a payload LENIENT refuses", what);
    /* err may be NULL (xdr_codec.h): same verdict without the message */
    void *quiet = malloc(size ? size : 1);
    FUZZ_CHECK(quiet, "out of memory");
    int rq = vw_packet_decode_payload(pkt, proc, quiet, size, VW_DECODE_STRICT, NULL);
    FUZZ_CHECK(rq == rc[1], "%s: STRICT decode gives %d with an error struct, %d without", what, rc[1], rq);
    if (rq == 0)
        vw_xdr_free(proc, quiet);
    free(quiet);

    for (int m = 0; m < 2; m++) {
        if (rc[m] != 0)
            continue;
        vw_buf enc, again;
        vw_buf_init(&enc);
        vw_buf_init(&again);
        vw_error err = { 0 };
        vw_fuzz_alloc_count_begin();
        FUZZ_CHECK(vw_xdr_encode(&enc, proc, obj[m], &err) == 0, "%s: decoded value does not encode: %s",
                   what, err.text);
        check_encode_oom(pkt, proc, obj[m], false, vw_fuzz_alloc_count_end(), (uint32_t)m, what);
        /* cast through void (*)(void): gcc's -Wcast-function-type */
        if (proc != (xdrproc_t)(void (*)(void))xdr_void)
            FUZZ_CHECK(vw_xdr_size(proc, obj[m]) == enc.len, "%s: vw_xdr_size %zu, encoded %zu", what,
                       vw_xdr_size(proc, obj[m]), enc.len);
        if (m == 1)
            FUZZ_CHECK(same_bytes(enc.data, enc.len, pkt->payload, pkt->payload_len),
                       "%s: STRICT-accepted payload re-encodes to different bytes (%zu vs %zu)", what,
                       enc.len, pkt->payload_len);

        void *back = malloc(size ? size : 1);
        FUZZ_CHECK(back, "out of memory");
        FUZZ_CHECK(vw_xdr_decode(enc.data, enc.len, proc, back, size, VW_DECODE_STRICT, &err) == 0,
                   "%s: re-encoded payload is not STRICT-valid: %s (offset %zu)", what, err.text, err.offset);
        FUZZ_CHECK(vw_xdr_encode(&again, proc, back, &err) == 0, "%s: second encode failed: %s", what, err.text);
        FUZZ_CHECK(same_bytes(again.data, again.len, enc.data, enc.len),
                   "%s: encode(decode(x)) is not a fixed point", what);
        vw_xdr_free(proc, back);
        free(back);

        /* the whole packet again, through the typed encoder */
        vw_buf packet;
        vw_buf_init(&packet);
        vw_fuzz_alloc_count_begin();
        int prc = vw_packet_encode(&packet, &pkt->hdr, pkt->num_fds, proc, obj[m], &err);
        size_t packet_allocs = vw_fuzz_alloc_count_end();
        if (prc == 0) {
            vw_packet re;
            FUZZ_CHECK(vw_packet_parse(packet.data, packet.len, VW_DECODE_LENIENT, &re, &err) == 0,
                       "%s: re-encoded packet does not parse: %s", what, err.text);
            FUZZ_CHECK(re.hdr.prog == pkt->hdr.prog && re.hdr.proc == pkt->hdr.proc &&
                       re.hdr.type == pkt->hdr.type && re.hdr.serial == pkt->hdr.serial &&
                       re.hdr.status == pkt->hdr.status && re.hdr.vers == pkt->hdr.vers,
                       "%s: re-encoded packet has another header", what);
            FUZZ_CHECK(same_bytes(re.payload, re.payload_len, enc.data, enc.len),
                       "%s: re-encoded packet has another payload", what);
            check_encode_oom(pkt, proc, obj[m], true, packet_allocs, (uint32_t)m + 2, what);
        } else {
            FUZZ_CHECK(err.text[0] != '\0', "%s: vw_packet_encode failed without an error text", what);
        }
        vw_buf_free(&packet);
        vw_buf_free(&enc);
        vw_buf_free(&again);
        vw_xdr_free(proc, obj[m]);
    }
    free(obj[0]);
    free(obj[1]);
}

/* The codec API's edges that no packet reaches, once per process: the NULL and void codecs, an
 * append without data, a reservation that cannot be met, a payload over the maximum, decoding
 * with obj_size 0 and without an error struct. */
static void api_edges(void)
{
    vw_buf b;
    vw_buf_init(&b);
    vw_error err = { 0 };
    FUZZ_CHECK(vw_xdr_encode(&b, NULL, NULL, &err) == 0 && b.len == 0, "NULL codec wrote bytes");
    FUZZ_CHECK(vw_xdr_encode(&b, VW_XDR_VOID, NULL, &err) == 0 && b.len == 0, "void codec wrote bytes");
    FUZZ_CHECK(vw_buf_append(&b, "x", 0, &err) == 0 && b.len == 0, "empty append");
    FUZZ_CHECK(vw_buf_append(&b, NULL, 4, &err) < 0 && err.text[0], "append from NULL accepted");
    err.text[0] = '\0';
    FUZZ_CHECK(vw_buf_reserve(&b, SIZE_MAX, &err) < 0 && err.text[0], "SIZE_MAX reservation accepted");
    vw_xdr_free(NULL, NULL);
    vw_xdr_free(VW_XDR_VOID, &b);

    vw_remote_error re;
    size_t big = (size_t)VW_NET_MESSAGE_PAYLOAD_MAX + 1;
    uint8_t *zeros = calloc(1, big);
    FUZZ_CHECK(zeros, "out of memory");
    err.text[0] = '\0';
    FUZZ_CHECK(vw_xdr_decode(zeros, big, (xdrproc_t)xdr_vw_remote_error, &re, sizeof(re),
                             VW_DECODE_LENIENT, &err) < 0 && err.text[0], "oversized payload accepted");
    FUZZ_CHECK(vw_xdr_decode(zeros, 1, VW_XDR_VOID, NULL, 0, VW_DECODE_STRICT, NULL) < 0,
               "a byte where the payload is empty accepted");
    /* obj_size 0: the caller zeroed the struct itself */
    memset(&re, 0, sizeof(re));
    FUZZ_CHECK(vw_xdr_decode(zeros, 6, (xdrproc_t)xdr_vw_remote_error, &re, 0, VW_DECODE_LENIENT,
                             NULL) < 0, "6 bytes decode as a remote_error");
    memset(&re, 0, sizeof(re));
    if (vw_xdr_decode(zeros, 44, (xdrproc_t)xdr_vw_remote_error, &re, 0, VW_DECODE_STRICT, NULL) == 0)
        vw_xdr_free((xdrproc_t)xdr_vw_remote_error, &re);
    free(zeros);

    /* the table's and the packet API's optional arguments: no name buffer, no error struct, no
     * error message, a hexadecimal program number over 32 bits, a position past the table */
    FUZZ_CHECK(strcmp(vw_procs_name(0x7fffffffu, -5, NULL, 0), "PROC_?") == 0, "a name without a buffer");
    FUZZ_CHECK(vw_program_from_name("0x1ffffffff") == 0, "a 33-bit program number accepted");
    FUZZ_CHECK(vw_program_from_name("0x20008086") == 0x20008086u, "hexadecimal program number");
    FUZZ_CHECK(vw_procs_at(vw_procs_count()) == NULL, "a table entry past the end");
    static const uint8_t bad_header[28] = { 0, 0, 0, 28, 0x20, 0, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0, 1,
                                            0, 0, 0, 9 /* type 9 */ };
    vw_packet pkt;
    FUZZ_CHECK(vw_packet_parse(bad_header, sizeof(bad_header), VW_DECODE_STRICT, &pkt, NULL) < 0,
               "a packet of type 9 parsed");
    vw_packet_header hdr = { .prog = 0x20008086u, .vers = 1, .proc = 1, .type = VW_NET_REPLY,
                             .serial = 1, .status = VW_NET_ERROR };
    b.len = 0;
    FUZZ_CHECK(vw_packet_encode_error(&b, &hdr, 1, 2, NULL, &err) == 0, "%s", err.text);
    FUZZ_CHECK(vw_packet_parse(b.data, b.len, VW_DECODE_STRICT, &pkt, &err) == 0, "%s", err.text);
    memset(&re, 0, sizeof(re));
    FUZZ_CHECK(vw_packet_decode_error(&pkt, &re, VW_DECODE_STRICT, &err) == 0 && re.message == NULL &&
               re.code == 1 && re.domain == 2, "an error without a message does not round-trip");
    vw_xdr_free((xdrproc_t)xdr_vw_remote_error, &re);
    vw_buf_free(&b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    api_edges();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < VW_PACKET_MIN || size > VW_PACKET_MAX)
        return 0;
    uint8_t *buf = malloc(size);
    FUZZ_CHECK(buf, "out of memory");
    memcpy(buf, data, size);
    buf[0] = (uint8_t)(size >> 24);
    buf[1] = (uint8_t)(size >> 16);
    buf[2] = (uint8_t)(size >> 8);
    buf[3] = (uint8_t)size;

    vw_packet pkt;
    vw_error err = { 0 };
    if (vw_packet_parse(buf, size, VW_DECODE_LENIENT, &pkt, &err) < 0) {
        free(buf);
        return 0;
    }

    const vw_proc_info *info = vw_procs_lookup(pkt.hdr.prog, pkt.hdr.proc);

    /* the table's names agree with its numbers */
    char namebuf[32];
    const char *name = vw_procs_name(pkt.hdr.prog, pkt.hdr.proc, namebuf, sizeof(namebuf));
    FUZZ_CHECK(name && name[0], "no name for prog %#x proc %d", pkt.hdr.prog, pkt.hdr.proc);
    if (info) {
        FUZZ_CHECK(info->prog == pkt.hdr.prog && info->proc == pkt.hdr.proc, "lookup returned another entry");
        FUZZ_CHECK(strcmp(name, info->name) == 0, "name %s vs table %s", name, info->name);
        FUZZ_CHECK(vw_procs_lookup_name(info->prog, info->name) == info, "lookup by name %s differs", info->name);
    }
    const char *prog_name = vw_program_name(pkt.hdr.prog);
    if (prog_name)
        FUZZ_CHECK(vw_program_from_name(prog_name) == pkt.hdr.prog, "program %s does not map back", prog_name);

    /* the name parsers, fed the payload's first bytes as text */
    char text[48];
    size_t tn = pkt.payload_len < sizeof(text) - 1 ? pkt.payload_len : sizeof(text) - 1;
    memcpy(text, pkt.payload, tn);
    text[tn] = '\0';
    uint32_t parsed_prog = vw_program_from_name(text);
    if (parsed_prog && vw_program_name(parsed_prog))
        FUZZ_CHECK(vw_program_from_name(vw_program_name(parsed_prog)) == parsed_prog,
                   "program %#x does not map back", parsed_prog);
    const vw_proc_info *by_name = vw_procs_lookup_name(parsed_prog, text);
    if (by_name) {
        FUZZ_CHECK(strcmp(by_name->name, text) == 0, "lookup of '%s' gave %s", text, by_name->name);
        FUZZ_CHECK(vw_procs_lookup(by_name->prog, by_name->proc) == by_name, "%s does not map back", text);
    }

    /* the codec chooser the servers, the client and the trace writer use: its choice is one of
     * the table's codecs (or a fixed one) with the matching struct size, and decoding with it
     * behaves like any other codec */
    size_t codec_size = 1;
    xdrproc_t codec = vw_procs_payload_codec(&pkt, &codec_size);
    FUZZ_CHECK(vw_procs_payload_codec(&pkt, NULL) == codec, "payload codec depends on the size pointer");
    if (!codec || codec == VW_XDR_VOID) {
        FUZZ_CHECK(codec_size == 0, "no codec but a struct size of %zu", codec_size);
    } else if (codec == (xdrproc_t)xdr_vw_remote_error) {
        FUZZ_CHECK(codec_size == sizeof(vw_remote_error), "remote_error size %zu", codec_size);
    } else if (codec == (xdrproc_t)xdr_vw_net_stream_hole) {
        FUZZ_CHECK(codec_size == sizeof(vw_net_stream_hole), "stream_hole size %zu", codec_size);
    } else {
        FUZZ_CHECK(info != NULL, "a procedure codec for a procedure not in the table");
        FUZZ_CHECK((codec == info->args_proc && codec_size == info->args_size) ||
                   (codec == info->ret_proc && codec_size == info->ret_size) ||
                   (codec == info->msg_proc && codec_size == info->msg_size),
                   "payload codec for %s is none of its table codecs", info->name);
    }

    /* the one-line description: same length whatever the buffer, truncation is a prefix */
    char line[192], tiny[12];
    int n = vw_procs_describe(&pkt.hdr, pkt.len, line, sizeof(line));
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof(line), "describe returned %d", n);
    FUZZ_CHECK(strlen(line) == (size_t)n, "describe length %d vs %zu", n, strlen(line));
    FUZZ_CHECK(vw_procs_describe(&pkt.hdr, pkt.len, tiny, sizeof(tiny)) == n, "describe length varies");
    FUZZ_CHECK(strncmp(tiny, line, sizeof(tiny) - 1) == 0 && strlen(tiny) == sizeof(tiny) - 1,
               "truncated description is not a prefix");

    info = described_proc(info, pkt.hdr.proc);
    char what[96];
    snprintf(what, sizeof(what), "%s type %d status %d", info ? info->name : "?", pkt.hdr.type,
             pkt.hdr.status);

    switch (pkt.hdr.type) {
    case VW_NET_CALL:
    case VW_NET_CALL_WITH_FDS:
        if (info && info->args_proc)
            check_codec(&pkt, info->args_proc, info->args_size, what);
        break;
    case VW_NET_REPLY:
    case VW_NET_REPLY_WITH_FDS:
        if (pkt.hdr.status == VW_NET_ERROR)
            check_codec(&pkt, (xdrproc_t)xdr_vw_remote_error, sizeof(vw_remote_error), "remote_error");
        else if (info && info->ret_proc)
            check_codec(&pkt, info->ret_proc, info->ret_size, what);
        break;
    case VW_NET_MESSAGE:
        if (info && info->msg_proc)
            check_codec(&pkt, info->msg_proc, info->msg_size, what);
        break;
    case VW_NET_STREAM:
        if (pkt.hdr.status == VW_NET_ERROR)
            check_codec(&pkt, (xdrproc_t)xdr_vw_remote_error, sizeof(vw_remote_error), "remote_error");
        break;
    case VW_NET_STREAM_HOLE:
        check_codec(&pkt, (xdrproc_t)xdr_vw_net_stream_hole, sizeof(vw_net_stream_hole), "stream_hole");
        break;
    default:
        break;
    }
    free(buf);
    return 0;
}
