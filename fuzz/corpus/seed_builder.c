/* seed_builder.c: writes the seed corpora and the procedure dictionary for the fuzz targets.
 * Usage: seed_builder OUTDIR   (make fuzz-corpus runs it with OUTDIR = build/fuzz)
 *
 *   OUTDIR/seeds-raw/fuzz_packet/  golden packets (keepalive PING/PONG, a full remote_error, stream
 *                                  data, stream hole, packets with fd counts) and lengths around
 *                                  every framing limit, plus two-packet streams
 *   OUTDIR/seeds-raw/fuzz_procs/   for every procedure of the table and each direction it has
 *                                  (CALL args, REPLY ret, MESSAGE msg): valid packets built with
 *                                  the library's own codecs, and the known bug classes seeded on
 *                                  purpose: the first payload words replaced by negative and huge
 *                                  counts, counts around count*size overflow, lengths around limits
 *   OUTDIR/seeds-raw/fuzz_qmp/     QMP conversations (greeting, commands, replies, events, errors)
 *                                  and QEMU's JSON corner cases, each after a mode byte
 *   OUTDIR/seeds-raw/fuzz_trace/   traces written by the library's own writer (libvirt and QMP),
 *                                  one cut after the header and ones cut mid-line
 *   OUTDIR/seeds-big/TARGET/       inputs over AFL++'s 1 MiB limit (strings at and past the 4 MiB
 *                                  maximum): replayed under ASan by fuzz-smoke, not fuzzed
 *   OUTDIR/dict/procedures.dict    every procedure number in the table, as a big-endian word, and
 *                                  every procedure name (for the name parsers)
 *
 * Valid payloads are made without knowing each struct: a fixed byte pattern is decoded (LENIENT)
 * into the procedure's struct and the result encoded again, which yields a canonical payload of
 * that procedure (empty strings and arrays from zeros, one of everything from words of 1, ...). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "packet.h"
#include "procs.h"
#include "qmp_json.h"
#include "trace.h"
#include "vw_util.h"

static const char *outdir;
static unsigned files_written;

static void die(const char *what)
{
    fprintf(stderr, "seed_builder: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void make_dir(const char *sub)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", outdir, sub);
    char *p = path + strlen(outdir) + 1;
    for (;;) {
        p = strchr(p, '/');
        if (p)
            *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            die(path);
        if (!p)
            break;
        *p++ = '/';
    }
}

static void write_file(const char *sub, const char *name, const void *data, size_t len)
{
    char path[4096];
    make_dir(sub);
    snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        die(path);
    if (len && fwrite(data, 1, len, f) != len)
        die(path);
    if (fclose(f) != 0)
        die(path);
    files_written++;
}

static vw_packet_header header(uint32_t prog, int32_t proc, int32_t type, uint32_t serial, int32_t status)
{
    vw_packet_header h = { .prog = prog, .vers = 1, .proc = proc, .type = type, .serial = serial,
                           .status = status };
    return h;
}

/* A packet with a raw payload; aborts on failure (the inputs here are all valid). */
static void raw_packet(vw_buf *out, const vw_packet_header *h, uint32_t num_fds, const void *payload,
                       size_t len)
{
    vw_error err = { 0 };
    if (vw_packet_encode_raw(out, h, num_fds, payload, len, &err) < 0) {
        fprintf(stderr, "seed_builder: cannot encode a seed packet: %s\n", err.text);
        exit(1);
    }
}

static void write_buf(const char *sub, const char *name, vw_buf *b)
{
    write_file(sub, name, b->data, b->len);
    vw_buf_reset(b);
}

/* ---- fuzz_packet ---------------------------------------------------------------------------- */

static void remote_error_payload(vw_buf *out)
{
    char *msg = "internal error: seeded error", *s1 = "str1", *s2 = "str2", *s3 = "str3";
    vw_remote_error e;
    memset(&e, 0, sizeof(e));
    e.code = 1;
    e.domain = 7;
    e.message = &msg;
    e.level = 2;
    e.str1 = &s1;
    e.str2 = &s2;
    e.str3 = &s3;
    e.int1 = -1;
    e.int2 = 42;
    vw_error err = { 0 };
    if (vw_xdr_encode(out, (xdrproc_t)xdr_vw_remote_error, &e, &err) < 0) {
        fprintf(stderr, "seed_builder: cannot encode remote_error: %s\n", err.text);
        exit(1);
    }
}

static void packet_seeds(void)
{
    const char *dir = "seeds-raw/fuzz_packet";
    vw_buf b, p;
    vw_buf_init(&b);
    vw_buf_init(&p);
    vw_error err = { 0 };

    if (vw_packet_encode_keepalive(&b, VW_KEEPALIVE_PROC_PING, &err) < 0)
        exit(1);
    write_buf(dir, "keepalive-ping", &b);
    vw_packet_encode_keepalive(&b, VW_KEEPALIVE_PROC_PONG, &err);
    write_buf(dir, "keepalive-pong", &b);

    /* every type x status, empty payload */
    for (int32_t type = 0; type <= 7; type++) {
        for (int32_t status = 0; status <= 3; status++) {
            vw_packet_header h = header(VW_REMOTE_PROGRAM, 1, type, 5, status);
            raw_packet(&b, &h, vw_packet_type_has_fds(type) ? 1 : 0, NULL, 0);
            char name[64];
            snprintf(name, sizeof(name), "type%d-status%d", type, status);
            write_buf(dir, name, &b);
        }
    }

    /* a full remote_error reply and an error on a stream */
    remote_error_payload(&p);
    vw_packet_header h = header(VW_REMOTE_PROGRAM, 23, VW_NET_REPLY, 9, VW_NET_ERROR);
    raw_packet(&b, &h, 0, p.data, p.len);
    write_buf(dir, "reply-remote-error", &b);
    h = header(VW_REMOTE_PROGRAM, 23, VW_NET_STREAM, 9, VW_NET_ERROR);
    raw_packet(&b, &h, 0, p.data, p.len);
    write_buf(dir, "stream-remote-error", &b);
    h = header(VW_REMOTE_PROGRAM, 23, VW_NET_REPLY_WITH_FDS, 9, VW_NET_ERROR);
    raw_packet(&b, &h, 2, p.data, p.len);
    write_buf(dir, "reply-fds-remote-error", &b);

    /* stream data and holes */
    h = header(VW_REMOTE_PROGRAM, 209, VW_NET_STREAM, 11, VW_NET_CONTINUE);
    raw_packet(&b, &h, 0, "stream data bytes", 17);
    write_buf(dir, "stream-data", &b);
    h = header(VW_REMOTE_PROGRAM, 209, VW_NET_STREAM, 11, VW_NET_OK);
    raw_packet(&b, &h, 0, NULL, 0);
    write_buf(dir, "stream-finish", &b);
    h = header(VW_REMOTE_PROGRAM, 209, VW_NET_STREAM_HOLE, 11, VW_NET_CONTINUE);
    int64_t holes[] = { 0, 4096, -1, INT64_MAX, INT64_MIN };
    for (size_t i = 0; i < sizeof(holes) / sizeof(holes[0]); i++) {
        if (vw_packet_encode_stream_hole(&b, &h, holes[i], i == 2 ? 1u : 0u, &err) == 0) {
            char name[64];
            snprintf(name, sizeof(name), "stream-hole-%zu", i);
            write_buf(dir, name, &b);
        }
        vw_buf_reset(&b);
    }
    /* a hole with 11 and 13 payload bytes */
    uint8_t hole_bytes[13] = { 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0 };
    raw_packet(&b, &h, 0, hole_bytes, 11);
    write_buf(dir, "stream-hole-short", &b);
    raw_packet(&b, &h, 0, hole_bytes, 13);
    write_buf(dir, "stream-hole-long", &b);

    /* fd counts around the maximum */
    uint32_t fds[] = { 0, 1, 31, 32, 33, 0x7fffffffu, 0xffffffffu };
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        h = header(VW_REMOTE_PROGRAM, 1, VW_NET_CALL_WITH_FDS, 3, VW_NET_OK);
        raw_packet(&b, &h, 0, NULL, 0);
        /* write the count by hand so counts past the maximum can be seeded */
        uint8_t word[4];
        vw_put_be32(word, fds[i]);
        vw_buf_append(&b, word, 4, &err);
        vw_put_be32(b.data, (uint32_t)b.len);
        char name[64];
        snprintf(name, sizeof(name), "call-fds-%u", fds[i]);
        write_buf(dir, name, &b);
    }

    /* length words around every limit, followed by a valid header and a few bytes */
    uint32_t lens[] = { 0, 1, 4, 24, 27, 28, 29, 32, 65536, 262120, 262144, 4194304, 16777216,
                        16777220, VW_PACKET_MAX - 1, VW_PACKET_MAX, VW_PACKET_MAX + 1,
                        0x04000000u, 0x7fffffffu, 0x80000000u, 0xffffffffu };
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        uint8_t pkt[36] = { 0 };
        vw_packet_header ph = header(VW_REMOTE_PROGRAM, 4, VW_NET_CALL, 1, VW_NET_OK);
        vw_put_be32(pkt, lens[i]);
        vw_packet_encode_header(&ph, pkt + 4);
        size_t n = lens[i] >= 28 && lens[i] <= sizeof(pkt) ? lens[i] : sizeof(pkt);
        char name[64];
        snprintf(name, sizeof(name), "length-%u", lens[i]);
        write_file(dir, name, pkt, n);
    }

    /* two packets back to back (the reader must split them), and a packet cut short */
    vw_packet_encode_keepalive(&b, VW_KEEPALIVE_PROC_PING, &err);
    h = header(VW_REMOTE_PROGRAM, 23, VW_NET_REPLY, 9, VW_NET_ERROR);
    raw_packet(&b, &h, 0, p.data, p.len);
    write_buf(dir, "two-packets", &b);
    vw_packet_encode_keepalive(&b, VW_KEEPALIVE_PROC_PING, &err);
    h = header(VW_REMOTE_PROGRAM, 23, VW_NET_REPLY, 9, VW_NET_ERROR);
    raw_packet(&b, &h, 0, p.data, p.len);
    b.len -= 5;
    write_buf(dir, "second-packet-truncated", &b);
    h = header(VW_REMOTE_PROGRAM, 23, VW_NET_REPLY, 9, VW_NET_ERROR);
    raw_packet(&b, &h, 0, p.data, p.len);
    b.len = 30;
    write_buf(dir, "truncated", &b);

    /* remote_error with non-canonical bytes: bool 2 for a present pointer, non-zero padding */
    h = header(VW_REMOTE_PROGRAM, 23, VW_NET_REPLY, 9, VW_NET_ERROR);
    raw_packet(&b, &h, 0, p.data, p.len);
    if (b.len > 40) {
        b.data[28 + 8 + 3] = 2; /* the message pointer's "present" word */
        write_buf(dir, "remote-error-bool-2", &b);
    } else {
        vw_buf_reset(&b);
    }
    vw_buf_free(&b);
    vw_buf_free(&p);
}

/* ---- fuzz_procs ------------------------------------------------------------------------------ */

/* Byte patterns decoded into each struct to get valid payloads of different shapes. */
enum { PATTERN_BYTES = 2048 };

static void fill_pattern(uint8_t *buf, int pattern)
{
    memset(buf, 0, PATTERN_BYTES);
    for (size_t i = 0; i + 4 <= PATTERN_BYTES; i += 4) {
        switch (pattern) {
        case 0: break;                                         /* empty everything */
        case 1: vw_put_be32(buf + i, 1); break;                    /* one of everything */
        case 2: vw_put_be32(buf + i, (i / 4) % 2 ? 0x61620000u : 2); break;  /* "ab" strings, 2 items */
        case 3: vw_put_be32(buf + i, (i / 4) % 2 ? 0x64656d6fu : 4); break;  /* "demo" */
        }
    }
}

/* Replacement values for the first payload words: the known decoder bug classes. */
static const uint32_t bug_values[] = {
    0xffffffffu,  /* -1: negative count (CVE-2024-2494 class) */
    0x80000000u,  /* INT_MIN */
    0x7fffffffu,  /* INT_MAX */
    0x40000000u,  /* count * 4 overflows 32 bits */
    0x20000001u,  /* count * 8 overflows */
    0x0ccccccdu,  /* count * 20 overflows */
    0x00400001u,  /* string maximum + 1 */
    0x00004001u,  /* list maximum (16384) + 1 */
    0x00000041u,  /* 65: migrate param maximum (64) + 1 */
    0x00000015u,  /* 21: auth type list maximum (20) + 1 */
};
enum { BUG_WORDS = 6 };

static int decode_encode(const vw_proc_info *info, xdrproc_t proc, size_t size, const uint8_t *in,
                         size_t inlen, vw_buf *out)
{
    void *obj = malloc(size ? size : 1);
    if (!obj)
        return -1;
    vw_error err = { 0 };
    int rc = vw_xdr_decode(in, inlen, proc, obj, size, VW_DECODE_LENIENT, &err);
    if (rc == 0) {
        rc = vw_xdr_encode(out, proc, obj, &err);
        vw_xdr_free(proc, obj);
        if (rc < 0)
            fprintf(stderr, "seed_builder: %s: decoded pattern does not encode: %s\n", info->name, err.text);
    }
    free(obj);
    return rc;
}

static void proc_direction_seeds(const vw_proc_info *info, const char *dirname, xdrproc_t proc, size_t size,
                                 int32_t type)
{
    const char *dir = "seeds-raw/fuzz_procs";
    uint8_t pattern[PATTERN_BYTES];
    vw_buf payload, pkt, best;
    vw_buf_init(&payload);
    vw_buf_init(&pkt);
    vw_buf_init(&best);
    vw_packet_header h = header(info->prog, info->proc, type, type == VW_NET_MESSAGE ? 0 : 7, VW_NET_OK);
    char name[160];
    bool have_best = false;

    for (int pat = 0; pat < 4; pat++) {
        fill_pattern(pattern, pat);
        vw_buf_reset(&payload);
        if (decode_encode(info, proc, size, pattern, sizeof(pattern), &payload) < 0)
            continue;
        /* patterns that give the same bytes (no strings or arrays, or strings of NULs) once */
        if (have_best && payload.len <= best.len)
            continue;
        vw_buf_reset(&best);
        vw_buf_append(&best, payload.data, payload.len, NULL);
        have_best = true;
        raw_packet(&pkt, &h, 0, payload.data, payload.len);
        snprintf(name, sizeof(name), "%s-%s-p%d", info->name, dirname, pat);
        write_buf(dir, name, &pkt);
    }
    if (!have_best) {
        fprintf(stderr, "seed_builder: %s %s: no pattern decodes\n", info->name, dirname);
        goto out;
    }

    /* the bug classes, on the richest shape: the first words replaced by bad counts/lengths */
    for (size_t w = 0; w < BUG_WORDS && (w + 1) * 4 <= best.len; w++) {
        for (size_t v = 0; v < sizeof(bug_values) / sizeof(bug_values[0]); v++) {
            raw_packet(&pkt, &h, 0, best.data, best.len);
            vw_put_be32(pkt.data + VW_PACKET_MIN + w * 4, bug_values[v]);
            snprintf(name, sizeof(name), "%s-%s-w%zu-%08x", info->name, dirname, w, bug_values[v]);
            write_buf(dir, name, &pkt);
        }
    }
    /* truncated by one byte; one trailing word */
    if (best.len >= 4) {
        raw_packet(&pkt, &h, 0, best.data, best.len - 1);
        snprintf(name, sizeof(name), "%s-%s-cut1", info->name, dirname);
        write_buf(dir, name, &pkt);
    }
    uint8_t extra[4] = { 0, 0, 0, 1 };
    raw_packet(&pkt, &h, 0, NULL, 0);
    vw_buf_append(&pkt, best.data, best.len, NULL);
    vw_buf_append(&pkt, extra, 4, NULL);
    vw_put_be32(pkt.data, (uint32_t)pkt.len);
    snprintf(name, sizeof(name), "%s-%s-trailing", info->name, dirname);
    write_buf(dir, name, &pkt);
out:
    vw_buf_free(&payload);
    vw_buf_free(&pkt);
    vw_buf_free(&best);
}

/* A payload whose first word is a length of n followed by n bytes of 'a' (plus zeros): a string
 * at or past the maximum when the first field is a string. Written to seeds-big. */
static void big_string_seed(const vw_proc_info *info, uint32_t n, const char *tag)
{
    size_t padded = (n + 3u) & ~3u;
    size_t len = 4 + padded + 64;
    uint8_t *payload = calloc(1, len);
    if (!payload)
        die("calloc");
    vw_put_be32(payload, n);
    memset(payload + 4, 'a', n);
    vw_buf pkt;
    vw_buf_init(&pkt);
    vw_packet_header h = header(info->prog, info->proc, VW_NET_CALL, 7, VW_NET_OK);
    raw_packet(&pkt, &h, 0, payload, len);
    char name[160];
    snprintf(name, sizeof(name), "%s-args-%s", info->name, tag);
    write_buf("seeds-big/fuzz_procs", name, &pkt);
    vw_buf_free(&pkt);
    free(payload);
}

static void procs_seeds(void)
{
    char path[4096];
    make_dir("dict");
    snprintf(path, sizeof(path), "%s/dict/procedures.dict", outdir);
    FILE *dict = fopen(path, "w");
    if (!dict)
        die(path);
    fprintf(dict, "# procedure numbers of the virt-wire procedure table (written by seed_builder)\n");

    for (size_t i = 0; i < vw_procs_count(); i++) {
        const vw_proc_info *info = vw_procs_at(i);
        uint32_t p = (uint32_t)info->proc;
        fprintf(dict, "%s_%s=\"\\x%02x\\x%02x\\x%02x\\x%02x\"\n", vw_program_name(info->prog)
                ? vw_program_name(info->prog) : "PROG", info->name, p >> 24, (p >> 16) & 0xff,
                (p >> 8) & 0xff, p & 0xff);
        fprintf(dict, "name_%s=\"%s\"\n", info->name, info->name);
        if (info->args_proc)
            proc_direction_seeds(info, "args", info->args_proc, info->args_size, VW_NET_CALL);
        if (info->ret_proc)
            proc_direction_seeds(info, "ret", info->ret_proc, info->ret_size, VW_NET_REPLY);
        if (info->msg_proc)
            proc_direction_seeds(info, "msg", info->msg_proc, info->msg_size, VW_NET_MESSAGE);
    }
    if (fclose(dict) != 0)
        die(path);

    /* strings at and past the maximum, for procedures whose arguments start with a string */
    const char *by_name[] = { "DOMAIN_LOOKUP_BY_NAME", "DOMAIN_DEFINE_XML", "CONNECT_SUPPORTS_FEATURE" };
    for (size_t i = 0; i < sizeof(by_name) / sizeof(by_name[0]); i++) {
        const vw_proc_info *info = vw_procs_lookup_name(VW_REMOTE_PROGRAM, by_name[i]);
        if (!info)
            continue;
        big_string_seed(info, VW_REMOTE_STRING_MAX, "string-max");
        big_string_seed(info, VW_REMOTE_STRING_MAX + 1, "string-max-plus-1");
        big_string_seed(info, VW_REMOTE_STRING_MAX - 1, "string-max-minus-1");
    }
}

/* ---- fuzz_qmp ---------------------------------------------------------------------------------- */

static void qmp_seed(const char *name, unsigned mode, const char *text)
{
    size_t n = strlen(text);
    uint8_t *buf = malloc(n + 1);
    if (!buf)
        die("malloc");
    buf[0] = (uint8_t)mode;
    memcpy(buf + 1, text, n);
    write_file("seeds-raw/fuzz_qmp", name, buf, n + 1);
    free(buf);
}

static void qmp_seeds(void)
{
    static const struct { const char *name; const char *text; } seeds[] = {
        { "greeting", "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
                      "\"package\": \"Debian 1:7.2+dfsg-7+deb12u22\"}, \"capabilities\": [\"oob\"]}}\r\n" },
        { "capabilities", "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}\n" },
        { "return-empty", "{\"return\": {}}\r\n" },
        { "return-id", "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": 7}\r\n" },
        { "error", "{\"id\": \"x1\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command foo has not been found\"}}\r\n" },
        { "event", "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 123456}, \"event\": \"STOP\"}\r\n" },
        { "event-data", "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"SHUTDOWN\", "
                        "\"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}\r\n" },
        { "hmp", "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info status\"}, \"id\": 3}" },
        { "exec-oob", "{\"exec-oob\": \"migrate-pause\", \"id\": 42}" },
        { "two-messages", "{\"execute\":\"stop\"}{\"execute\":\"cont\"}" },
        { "scalars", "null 3 -1.5e3 \"str\" true false [] {} " },
        { "single-quotes", "{'execute': 'query-status', 'arguments': {'a\\'b': 'x'}}" },
        { "escapes", "[\"\\u0000\", \"\\ud83d\\ude00\", \"\\ud800\", \"\\n\\t\\\\\\/\", \"\\u00e9\"]" },
        { "utf8", "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\", \"\xc0\x80\", \"\xed\xa0\x80\", \"\xf4\x90\x80\x80\"]" },
        { "numbers", "[18446744073709551615, 18446744073709551616, -9223372036854775808, "
                     "9223372036854775807, 9223372036854775808, 1e999, -1e999, 0.1, -0, 1E+2, 00, 1.]" },
        { "stray-ff", "{\"execute\": \xff \"stop\"}\n{\"execute\": \"cont\"}" },
        { "stray-close", "}]{\"a\": 1}" },
        { "bad-keyword", "{\"a\": nul}{\"a\": truex}" },
        { "duplicate-key", "{\"a\": 1, \"a\": 2}" },
        { "interpolation", "{\"a\": %d, \"b\": %s}" },
        { "unterminated", "{\"execute\": \"stop\"" },
        { "unterminated-string", "{\"execute\": \"sto" },
        { "control-chars", "{\"a\": \"x\x01y\"}\x01{\"b\": 2}" },
        { "nested", "{\"a\": [{\"b\": [{\"c\": [1, 2, {\"d\": null}]}]}]}" },
        { "whitespace", " \t\r\n {\"a\" \n:\n 1 } \n" },
        { "raw-key", "{\"" VW_QMP_RAW_NUMBER_KEY "\": \"123\"}" },
        /* the scalar seeds above inside an object, as QMP carries them */
        { "obj-escapes", "{\"a\": [\"\\u0000\", \"\\ud83d\\ude00\", \"\\ud800\", \"\\ud800\\u0041\", "
                         "\"\\n\\t\\\\\\/\\\"\\b\\f\\r\", \"\\u00E9\\u00e9\\uFFFF\\uFDD0\\uFFFE\", \"\\x\"]}" },
        { "obj-escape-cut", "{\"a\": \"\\u12\"}{\"b\": \"\\ud83d\\u\"}" },
        { "obj-utf8", "{\"a\": [\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\", \"\xc0\x80\", \"\xed\xa0\x80\", "
                      "\"\xf4\x90\x80\x80\", \"\xe0\x80\xaf\", \"\x80\", \"\xc3(\", \"\xef\xbf\xbe\", \"\xf0\x9f\x98\"]}" },
        { "obj-bytes-fe", "{\"a\": \"\xfe\xff\"}\xfe{\"b\": 1}" },
        { "obj-tab", "{\"a\": \"x\ty\"}" },
        /* upper-case exponent after a fraction; UTF-8 noncharacters U+FDD0, U+FDEF, U+1FFFE;
         * an escape whose next byte is 0xFE */
        { "obj-exponents", "{\"a\": [1.5E3, 2.5E-3, 1E2, 0.5e+1]}" },
        { "obj-nonchars", "{\"a\": [\"\xef\xb7\x90\", \"\xef\xb7\xaf\", \"\xf0\x9f\xbf\xbe\"]}" },
        { "obj-escape-fe", "{\"a\": \"\\\xfe\"}{\"b\": 1}" },
        { "obj-numbers", "{\"a\": [18446744073709551615, 18446744073709551616, 99999999999999999999999, "
                         "-99999999999999999999, -9223372036854775808, 9223372036854775808, 1e999, -1e999, "
                         "0.1, -0, -0.0e0, 1E+2, 1.5e-3, 2e10, 00, 1., 1e, 1e+, -, -a, 0x1]}" },
        { "obj-scalars", "{\"a\": [null, 3, -1.5e3, \"s\", true, false, [], {}, [[]], {\"b\": {}}]}" },
        { "bad-objects", "{1: 2}{\"a\" 1}{\"a\": 1,}{\"a\": 1 \"b\": 2}{\"a\": [1 2]}{\"a\": [1,]}"
                         "{\"a\":}{\"a\": ,}{,}{\"a\"}{\"a\": 1}" },
    };
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        char name[96];
        snprintf(name, sizeof(name), "%s-whole", seeds[i].name);
        qmp_seed(name, 0x3f, seeds[i].text);                /* 64-byte chunks */
        snprintf(name, sizeof(name), "%s-bytewise-pause", seeds[i].name);
        qmp_seed(name, 0x40, seeds[i].text);                /* 1-byte chunks, pause per message */
        snprintf(name, sizeof(name), "%s-tight", seeds[i].name);
        qmp_seed(name, 0x80 | 0x06, seeds[i].text);         /* tight limits, 7-byte chunks */
    }

    /* nesting around QEMU's limit (1024 passes, 1025 fails) and around the tight limit (8) */
    size_t depths[] = { 8, 9, 1024, 1025 };
    for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
        size_t d = depths[i];
        char *text = malloc(2 * d + 1);
        if (!text)
            die("malloc");
        memset(text, '[', d);
        memset(text + d, ']', d);
        text[2 * d] = '\0';
        char name[64];
        snprintf(name, sizeof(name), "nesting-%zu", d);
        qmp_seed(name, d < 100 ? 0x80 | 0x3f : 0x3f, text);
        free(text);
    }
    /* token count and token bytes around the tight limits (64 tokens, 512 bytes) */
    char text[2048];
    size_t n = 0;
    text[n++] = '[';
    for (int i = 0; i < 31; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%d,", i % 10);
    text[n - 1] = ']';
    text[n] = '\0';
    qmp_seed("tokens-63", 0x80 | 0x3f, text);
    memset(text, 0, sizeof(text));
    text[0] = '"';
    memset(text + 1, 'x', 511);
    text[512] = '"';
    qmp_seed("token-bytes-513", 0x80 | 0x3f, text);
}

/* ---- fuzz_trace ------------------------------------------------------------------------------ */

/* A trace written by the library's own writer: open, messages both ways, undecodable data, close. */
static void trace_seed(const char *name, vw_trace_protocol protocol)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        die("open_memstream");
    vw_error err;
    memset(&err, 0, sizeof(err));
    vw_trace_writer *w = vw_trace_writer_open_stream(mem, protocol, "seed_builder", NULL, &err);
    if (!w) {
        fprintf(stderr, "seed_builder: trace writer: %s\n", err.text);
        exit(1);
    }
    vw_trace_write_open(w, 1, 0, "unix:/tmp/seed.sock", &err);
    if (protocol == VW_TRACE_LIBVIRT) {
        vw_buf b;
        vw_buf_init(&b);
        vw_packet_encode_keepalive(&b, VW_KEEPALIVE_PROC_PING, NULL);
        vw_trace_write_message(w, 1, VW_TRACE_C2S, 10, b.data, b.len, &err);
        vw_buf_reset(&b);
        vw_packet_header h = header(VW_REMOTE_PROGRAM, 23, VW_NET_REPLY, 9, VW_NET_ERROR);
        vw_buf p;
        vw_buf_init(&p);
        remote_error_payload(&p);
        raw_packet(&b, &h, 0, p.data, p.len);
        vw_trace_write_message(w, 1, VW_TRACE_S2C, 20, b.data, b.len, &err);
        vw_trace_write_data(w, 1, VW_TRACE_C2S, 30, "\xff\xff\xff\xff", 4, &err);
        vw_buf_free(&b);
        vw_buf_free(&p);
    } else {
        const char *greeting = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
                               "\"package\": \"\"}, \"capabilities\": [\"oob\"]}}";
        vw_trace_write_message(w, 1, VW_TRACE_S2C, 5, greeting, strlen(greeting), &err);
        vw_trace_write_message(w, 1, VW_TRACE_C2S, 10, "{\"execute\": \"qmp_capabilities\"}", 31, &err);
        vw_trace_write_message(w, 1, VW_TRACE_S2C, 15, "{\"return\": {}}", 14, &err);
        vw_trace_write_data(w, 1, VW_TRACE_C2S, 20, "{\"exec", 6, &err);
    }
    vw_trace_write_close(w, 1, 40, "client", &err);
    if (vw_trace_writer_close(w, &err) < 0) {
        fprintf(stderr, "seed_builder: trace writer: %s\n", err.text);
        exit(1);
    }
    fclose(mem);
    write_file("seeds-raw/fuzz_trace", name, text, len);
    /* the same cut after the header line, and cut in the middle of the last line */
    char *nl = memchr(text, '\n', len);
    if (nl)
        write_file("seeds-raw/fuzz_trace", "header-only", text, (size_t)(nl - text) + 1);
    if (len > 10) {
        char cut[64];
        snprintf(cut, sizeof(cut), "%s-truncated", name);
        write_file("seeds-raw/fuzz_trace", cut, text, len - 10);
    }
    free(text);
}

/* Bad trace lines, one per way the reader can refuse a line (each after a valid header and open),
 * and traces that drive the pcap export to its edges: more connections than its first table
 * holds, a message longer than one TCP segment, an error reply in every packet type. */
static const char *const trace_libvirt_header =
    "{\"format\":\"virt-wire-trace\",\"version\":1,\"protocol\":\"libvirt\",\"time_unit\":\"us\"}\n";
static const char *const trace_qmp_header =
    "{\"format\":\"virt-wire-trace\",\"version\":1,\"protocol\":\"qmp\",\"time_unit\":\"us\"}\n";

static void trace_text_seed(const char *name, const char *header, const char *body)
{
    size_t hl = strlen(header), bl = strlen(body);
    char *t = malloc(hl + bl + 1);
    if (!t)
        die("malloc");
    memcpy(t, header, hl);
    memcpy(t + hl, body, bl + 1);
    write_file("seeds-raw/fuzz_trace", name, t, hl + bl);
    free(t);
}

static void trace_edge_seeds(void)
{
    static const struct { const char *name; const char *body; } bad[] = {
        { "bad-conn-too-big", "{\"rec\":\"open\",\"conn\":1099511627776,\"t_us\":0}\n" },
        { "bad-conn-negative", "{\"rec\":\"open\",\"conn\":-1,\"t_us\":0}\n" },
        { "bad-t-string", "{\"rec\":\"open\",\"conn\":1,\"t_us\":\"0\"}\n" },
        { "bad-kind", "{\"rec\":\"oops\",\"conn\":1,\"t_us\":0}\n" },
        { "bad-kind-type", "{\"rec\":7,\"conn\":1,\"t_us\":0}\n" },
        { "bad-not-object", "[1,2,3]\n" },
        { "bad-json", "{\"rec\":\n" },
        { "bad-peer-type", "{\"rec\":\"open\",\"conn\":1,\"t_us\":0,\"peer\":5}\n" },
        { "bad-open-twice", "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n{\"rec\":\"open\",\"conn\":1,\"t_us\":1}\n" },
        { "bad-before-open", "{\"rec\":\"close\",\"conn\":3,\"t_us\":0}\n" },
        { "bad-after-close", "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n{\"rec\":\"close\",\"conn\":1,\"t_us\":1}\n"
                             "{\"rec\":\"data\",\"conn\":1,\"t_us\":2,\"dir\":\"c2s\",\"raw\":\"AA==\"}\n" },
        { "bad-by-type", "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n{\"rec\":\"close\",\"conn\":1,\"t_us\":1,\"by\":[]}\n" },
        { "bad-dir", "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n{\"rec\":\"data\",\"conn\":1,\"t_us\":1,\"dir\":\"up\",\"raw\":\"AA==\"}\n" },
        { "bad-dir-missing", "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n{\"rec\":\"data\",\"conn\":1,\"t_us\":1,\"raw\":\"AA==\"}\n" },
        { "bad-raw-missing", "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n{\"rec\":\"data\",\"conn\":1,\"t_us\":1,\"dir\":\"c2s\"}\n" },
        { "bad-raw-type", "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n{\"rec\":\"data\",\"conn\":1,\"t_us\":1,\"dir\":\"c2s\",\"raw\":1}\n" },
        { "bad-raw-base64", "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n{\"rec\":\"data\",\"conn\":1,\"t_us\":1,\"dir\":\"c2s\",\"raw\":\"A*==\"}\n" },
        { "bad-raw-padding", "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n{\"rec\":\"data\",\"conn\":1,\"t_us\":1,\"dir\":\"c2s\",\"raw\":\"AB=\"}\n" },
        { "bad-msg-short", "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n{\"rec\":\"msg\",\"conn\":1,\"t_us\":1,\"dir\":\"c2s\",\"raw\":\"AAAAHA==\"}\n" },
        { "bad-msg-lenword", "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n"
                             "{\"rec\":\"msg\",\"conn\":1,\"t_us\":1,\"dir\":\"c2s\",\"raw\":\"AAAAHWtlZXAAAAABAAAAAQAAAAIAAAAAAAAAAA==\"}\n" },
        { "bad-msg-lenword-small", "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n"
                             "{\"rec\":\"msg\",\"conn\":1,\"t_us\":1,\"dir\":\"c2s\",\"raw\":\"AAAAA2tlZXAAAAABAAAAAQAAAAIAAAAAAAAAAA==\"}\n" },
        { "blank-lines", "\n  \t\r\n{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n\n" },
    };
    char name[80];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(name, sizeof(name), "libvirt-%s", bad[i].name);
        trace_text_seed(name, trace_libvirt_header, bad[i].body);
    }
    trace_text_seed("qmp-bad-empty-msg", trace_qmp_header,
                    "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n"
                    "{\"rec\":\"msg\",\"conn\":1,\"t_us\":1,\"dir\":\"s2c\",\"raw\":\"\"}\n");
    trace_text_seed("bad-header-protocol",
                    "{\"format\":\"virt-wire-trace\",\"version\":1,\"protocol\":\"vnc\"}\n", "");
    trace_text_seed("bad-header-version",
                    "{\"format\":\"virt-wire-trace\",\"version\":99,\"protocol\":\"qmp\"}\n", "");
    trace_text_seed("bad-header-format", "{\"format\":\"pcap\",\"version\":1}\n", "");
    write_file("seeds-raw/fuzz_trace", "empty", "", 0);
    trace_text_seed("bad-header-not-object", "[1]\n", "");
    trace_text_seed("bad-header-format-type", "{\"format\":1}\n", "");
    trace_text_seed("bad-header-no-version", "{\"format\":\"virt-wire-trace\"}\n", "");
    trace_text_seed("bad-header-version-type", "{\"format\":\"virt-wire-trace\",\"version\":\"1\"}\n", "");
    trace_text_seed("bad-header-no-protocol", "{\"format\":\"virt-wire-trace\",\"version\":1}\n", "");
    trace_text_seed("bad-header-empty-line", "\n", "");
    static const struct { const char *name; const char *raw; } b64[] = {
        { "pad-middle", "AA=A" }, { "pad-bits-1", "AAB=" }, { "pad-bits-2", "AB==" },
        { "pad-ok", "AAA=" }, { "bad-char", "AA\\u00ffA" }, { "short", "AAA" },
    };
    for (size_t i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
        char body[256];
        snprintf(body, sizeof(body), "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n"
                 "{\"rec\":\"data\",\"conn\":1,\"t_us\":1,\"dir\":\"s2c\",\"raw\":\"%s\"}\n",
                 b64[i].raw);
        snprintf(name, sizeof(name), "libvirt-base64-%s", b64[i].name);
        trace_text_seed(name, trace_libvirt_header, body);
    }
    /* QMP messages that are not JSON, with control and non-ASCII bytes (the json_error text) */
    trace_text_seed("qmp-bad-json-bytes", trace_qmp_header,
                    "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n"
                    "{\"rec\":\"msg\",\"conn\":1,\"t_us\":1,\"dir\":\"s2c\",\"raw\":\"ewEC/38=\"}\n"
                    "{\"rec\":\"msg\",\"conn\":1,\"t_us\":2,\"dir\":\"c2s\",\"raw\":\"W10=\"}\n"
                    "{\"rec\":\"close\",\"conn\":1,\"t_us\":3}\n");
    /* a message of an unknown program, and a missing "conn" */
    trace_text_seed("libvirt-unknown-program", trace_libvirt_header,
                    "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n"
                    "{\"rec\":\"msg\",\"conn\":1,\"t_us\":1,\"dir\":\"c2s\",\"raw\":\"AAAAHBI0VngAAAABAAAAAQAAAAIAAAAAAAAAAA==\"}\n");
    trace_text_seed("libvirt-bad-conn-missing", trace_libvirt_header, "{\"rec\":\"open\",\"t_us\":0}\n");

    /* 20 connections open at once (the pcap writer's table starts at 16), a message longer than
     * one pcap TCP segment, and an error reply / error stream packet / error call for the
     * decoded "error" member */
    vw_error err;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        die("open_memstream");
    vw_trace_writer *w = vw_trace_writer_open_stream(mem, VW_TRACE_LIBVIRT, "seed_builder", NULL, &err);
    if (!w) {
        fprintf(stderr, "seed_builder: trace writer: %s\n", err.text);
        exit(1);
    }
    for (uint32_t c = 1; c <= 20; c++)
        vw_trace_write_open(w, c, c, NULL, &err);
    static const uint32_t types[] = { VW_NET_CALL, VW_NET_REPLY, VW_NET_MESSAGE, VW_NET_STREAM,
                                      VW_NET_CALL_WITH_FDS, VW_NET_REPLY_WITH_FDS, VW_NET_STREAM_HOLE, 77 };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        for (uint32_t status = 0; status <= 3; status++) {
            vw_packet_header h = { VW_REMOTE_PROGRAM, VW_REMOTE_PROTOCOL_VERSION, 1, types[i],
                                   (uint32_t)i, status };
            vw_buf b;
            vw_buf_init(&b);
            vw_error pe;
            uint32_t fds = (types[i] == VW_NET_CALL_WITH_FDS || types[i] == VW_NET_REPLY_WITH_FDS) ? 1 : 0;
            /* remote_error payloads: message "m"; no message; empty message; cut short; none */
            for (int v = 0; v < 5; v++) {
                uint8_t payload[64];
                memset(payload, 0, sizeof(payload));
                payload[3] = 1;
                payload[7] = 7;
                payload[11] = v == 1 ? 0 : 1;
                payload[15] = v == 0 ? 1 : 0;
                payload[16] = 'm';
                size_t plen = v == 3 ? 9 : v == 4 ? 0 : sizeof(payload);
                vw_buf_reset(&b);
                if (vw_packet_encode_raw(&b, &h, fds, payload, plen, &pe) == 0)
                    vw_trace_write_message(w, 1 + (uint32_t)i, VW_TRACE_S2C, 100 + i, b.data, b.len, &err);
            }
            vw_buf_free(&b);
        }
    }
    {
        vw_packet_header h = { VW_REMOTE_PROGRAM, VW_REMOTE_PROTOCOL_VERSION, 1, VW_NET_STREAM, 9, 2 };
        size_t big = 70000;
        uint8_t *payload = calloc(1, big);
        vw_buf b;
        vw_buf_init(&b);
        vw_error pe;
        if (!payload)
            die("calloc");
        if (vw_packet_encode_raw(&b, &h, 0, payload, big, &pe) == 0)
            vw_trace_write_message(w, 2, VW_TRACE_C2S, 500, b.data, b.len, &err);
        vw_buf_free(&b);
        free(payload);
    }
    for (uint32_t c = 20; c >= 1; c--)
        vw_trace_write_close(w, c, 1000 + c, c % 2 ? "client" : "server", &err);
    vw_trace_writer_close(w, &err);
    fclose(mem);
    write_file("seeds-raw/fuzz_trace", "libvirt-20-conns-types-big", text, len);
    free(text);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    if (mkdir(outdir, 0755) != 0 && errno != EEXIST)
        die(outdir);
    packet_seeds();
    procs_seeds();
    qmp_seeds();
    trace_seed("libvirt", VW_TRACE_LIBVIRT);
    trace_seed("qmp", VW_TRACE_QMP);
    trace_edge_seeds();
    printf("seed_builder: %u files written under %s (%zu procedures)\n", files_written, outdir,
           vw_procs_count());
    return 0;
}
