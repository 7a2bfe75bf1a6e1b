/* test_trace.c: the trace file format (proto/trace.c): base64, writer -> reader round trips for
 * both protocols, line-by-line flushing, every reader error with its line number, and a cut
 * last line (refused, or dropped with --allow-truncated). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packet.h"
#include "trace.h"
#include "vwtest.h"

static char *tmp_path(void)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/vw-test-trace-XXXXXX");
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    return path;
}

/* ---- base64 ---- */

static void test_base64_vectors(void)
{
    /* RFC 4648 section 10 */
    static const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    for (size_t i = 0; i < 7; i++) {
        char *e = vw_base64_encode(plain[i], strlen(plain[i]));
        CHECK_EQ_STR(e, coded[i]);
        free(e);
        uint8_t *d;
        size_t n, bad;
        const char *why;
        CHECK_EQ_INT(vw_base64_decode(coded[i], strlen(coded[i]), 100, &d, &n, &bad, &why), 0);
        CHECK_EQ_INT(n, strlen(plain[i]));
        CHECK_EQ_MEM(d, plain[i], n);
        free(d);
    }
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    char *e = vw_base64_encode(all, sizeof(all));
    uint8_t *d;
    size_t n, bad;
    const char *why;
    CHECK_EQ_INT(vw_base64_decode(e, strlen(e), 1000, &d, &n, &bad, &why), 0);
    CHECK_EQ_INT(n, 256);
    CHECK_EQ_MEM(d, all, 256);
    free(d);
    free(e);
}

static void test_base64_rejects(void)
{
    uint8_t *d;
    size_t n, bad;
    const char *why;
    CHECK_EQ_INT(vw_base64_decode("Zm9", 3, 100, &d, &n, &bad, &why), -1);
    CHECK(d == NULL);
    CHECK_EQ_INT(vw_base64_decode("Zm!v", 4, 100, &d, &n, &bad, &why), -1);
    CHECK_EQ_INT(bad, 2);
    CHECK_EQ_INT(vw_base64_decode("Zg=v", 4, 100, &d, &n, &bad, &why), -1);
    CHECK_EQ_INT(bad, 2);
    CHECK_EQ_INT(vw_base64_decode("Zm=vZm9v", 8, 100, &d, &n, &bad, &why), -1);
    CHECK_EQ_INT(bad, 2);
    CHECK_EQ_INT(vw_base64_decode("Zh==", 4, 100, &d, &n, &bad, &why), -1);   /* stray bits */
    CHECK_EQ_INT(vw_base64_decode("Zm9v Zm9v", 9, 100, &d, &n, &bad, &why), -1);
    CHECK_EQ_INT(vw_base64_decode("Zm9vYmFy", 8, 5, &d, &n, &bad, &why), -1);  /* over max */
    CHECK(strstr(why, "limit") != NULL);
}

/* ---- round trips ---- */

static void encode_call(vw_buf *out, uint32_t serial)
{
    vw_error e;
    vw_domain_lookup_by_name_args args = { .name = (char *)"vw-trace-dom" };
    vw_packet_header h = { VW_REMOTE_PROGRAM, 1, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
                           VW_NET_CALL, serial, VW_NET_OK };
    CHECK_EQ_INT(vw_packet_encode(out, &h, 0, (xdrproc_t)xdr_vw_domain_lookup_by_name_args,
                                  &args, &e), 0);
}

static void test_roundtrip_libvirt(void)
{
    const char *path = tmp_path();
    vw_error err;
    vw_trace_writer *w = vw_trace_writer_open(path, VW_TRACE_LIBVIRT, "test 1", "unix:/x", &err);
    CHECK(w != NULL);
    if (!w)
        return;
    vw_buf call, reply, ping;
    vw_buf_init(&call);
    vw_buf_init(&reply);
    vw_buf_init(&ping);
    vw_error pe;
    encode_call(&call, 7);
    vw_packet_header ch = { VW_REMOTE_PROGRAM, 1, VW_REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
                            VW_NET_CALL, 7, VW_NET_OK };
    vw_packet_header rh = vw_packet_reply_header(&ch, VW_NET_ERROR);
    CHECK_EQ_INT(vw_packet_encode_error(&reply, &rh, 42, 10, "Domain not found: vw-trace-dom",
                                        &pe), 0);
    CHECK_EQ_INT(vw_packet_encode_keepalive(&ping, VW_KEEPALIVE_PROC_PING, &pe), 0);
    static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 1, 2, 3 };

    CHECK_EQ_INT(vw_trace_write_open(w, 3, 10, "client", &err), 0);
    CHECK_EQ_INT(vw_trace_write_message(w, 3, VW_TRACE_C2S, 20, call.data, call.len, &err), 0);
    CHECK_EQ_INT(vw_trace_write_message(w, 3, VW_TRACE_S2C, 30, reply.data, reply.len, &err), 0);
    CHECK_EQ_INT(vw_trace_write_message(w, 3, VW_TRACE_S2C, 40, ping.data, ping.len, &err), 0);
    CHECK_EQ_INT(vw_trace_write_data(w, 3, VW_TRACE_C2S, 50, junk, sizeof(junk), &err), 0);
    /* A message whose length word is wrong is refused (it belongs in a data record). */
    CHECK_EQ_INT(vw_trace_write_message(w, 3, VW_TRACE_C2S, 55, call.data, call.len - 1, &err), -1);
    CHECK(strstr(err.text, "length word") != NULL);
    CHECK_EQ_INT(vw_trace_write_close(w, 3, 60, "server", &err), 0);
    CHECK_EQ_INT(vw_trace_writer_close(w, &err), 0);

    vw_trace_reader *r = vw_trace_reader_open(path, &err);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(vw_trace_reader_protocol(r), VW_TRACE_LIBVIRT);
        const json_t *h = vw_trace_reader_header(r);
        CHECK_EQ_STR(json_string_value(json_object_get(h, "tool")), "test 1");
        CHECK_EQ_STR(json_string_value(json_object_get(h, "upstream")), "unix:/x");
        CHECK(json_string_value(json_object_get(h, "created")) != NULL);
        vw_trace_record rec;
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(rec.kind, VW_TRACE_OPEN);
        CHECK_EQ_INT(rec.conn, 3);
        CHECK_EQ_INT(rec.t_us, 10);
        CHECK_EQ_INT(rec.line, 2);
        CHECK_EQ_STR(rec.peer, "client");
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(rec.kind, VW_TRACE_MESSAGE);
        CHECK_EQ_INT(rec.dir, VW_TRACE_C2S);
        CHECK_EQ_INT(rec.t_us, 20);
        CHECK_EQ_INT(rec.raw_len, call.len);
        CHECK_EQ_MEM(rec.raw, call.data, call.len);
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(rec.dir, VW_TRACE_S2C);
        CHECK_EQ_INT(rec.raw_len, reply.len);
        CHECK_EQ_MEM(rec.raw, reply.data, reply.len);
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(rec.raw_len, 28);
        CHECK_EQ_MEM(rec.raw, ping.data, 28);
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(rec.kind, VW_TRACE_DATA);
        CHECK_EQ_INT(rec.raw_len, sizeof(junk));
        CHECK_EQ_MEM(rec.raw, junk, sizeof(junk));
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(rec.kind, VW_TRACE_CLOSE);
        CHECK_EQ_STR(rec.by, "server");
        CHECK_EQ_INT(rec.t_us, 60);
        CHECK_EQ_INT(rec.line, 7);
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 0);
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 0);
        vw_trace_reader_free(r);
    }

    /* The informational fields for people: decoded header and error. */
    FILE *f = fopen(path, "r");
    char line[4096];
    int n = 0;
    json_t *reply_line = NULL;
    while (f && fgets(line, sizeof(line), f)) {
        if (++n == 4)
            reply_line = json_loads(line, 0, NULL);
    }
    if (f)
        fclose(f);
    CHECK(reply_line != NULL);
    if (reply_line) {
        json_t *hdr = json_object_get(reply_line, "hdr");
        CHECK_EQ_STR(json_string_value(json_object_get(hdr, "prog")), "REMOTE");
        CHECK_EQ_STR(json_string_value(json_object_get(hdr, "proc")), "DOMAIN_LOOKUP_BY_NAME");
        CHECK_EQ_STR(json_string_value(json_object_get(hdr, "type")), "REPLY");
        CHECK_EQ_STR(json_string_value(json_object_get(hdr, "status")), "ERROR");
        CHECK_EQ_INT(json_integer_value(json_object_get(hdr, "serial")), 7);
        json_t *e = json_object_get(reply_line, "error");
        CHECK_EQ_INT(json_integer_value(json_object_get(e, "code")), 42);
        CHECK_EQ_STR(json_string_value(json_object_get(e, "message")),
                     "Domain not found: vw-trace-dom");
        json_decref(reply_line);
    }
    vw_buf_free(&call);
    vw_buf_free(&reply);
    vw_buf_free(&ping);
    unlink(path);
}

static void test_roundtrip_qmp(void)
{
    const char *path = tmp_path();
    vw_error err;
    vw_trace_writer *w = vw_trace_writer_open(path, VW_TRACE_QMP, NULL, NULL, &err);
    CHECK(w != NULL);
    if (!w)
        return;
    CHECK_EQ_INT(vw_trace_writer_set_header(w, "source", json_string("unit"), &err), 0);
    const char *greeting = "{\"QMP\": {\"version\": {}, \"capabilities\": [\"oob\"]}}\r\n";
    const char *cmd = "{\"execute\":\"query-status\",\"id\":\"a\"}\r\n";
    const char *bad = "{\"execute\": nul}";
    CHECK_EQ_INT(vw_trace_write_open(w, 1, 0, NULL, &err), 0);
    CHECK_EQ_INT(vw_trace_writer_set_header(w, "late", json_true(), &err), -1);
    CHECK_EQ_INT(vw_trace_write_message(w, 1, VW_TRACE_S2C, 1, greeting, strlen(greeting), &err), 0);
    CHECK_EQ_INT(vw_trace_write_message(w, 1, VW_TRACE_C2S, 2, cmd, strlen(cmd), &err), 0);
    CHECK_EQ_INT(vw_trace_write_message(w, 1, VW_TRACE_C2S, 3, bad, strlen(bad), &err), 0);
    CHECK_EQ_INT(vw_trace_write_message(w, 1, VW_TRACE_C2S, 3, "", 0, &err), -1);
    CHECK_EQ_INT(vw_trace_writer_close(w, &err), 0);

    vw_trace_reader *r = vw_trace_reader_open(path, &err);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(vw_trace_reader_protocol(r), VW_TRACE_QMP);
        CHECK_EQ_STR(json_string_value(json_object_get(vw_trace_reader_header(r), "source")), "unit");
        vw_trace_record rec;
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK(rec.peer == NULL);
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(rec.raw_len, strlen(greeting));
        CHECK_EQ_MEM(rec.raw, greeting, rec.raw_len);
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_MEM(rec.raw, cmd, strlen(cmd));
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(rec.raw_len, strlen(bad));
        /* A trace may end without close records (a recorder that was killed). */
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 0);
        vw_trace_reader_free(r);
    }
    /* The decoded JSON is there for people; the bad one carries QEMU's error text. */
    FILE *f = fopen(path, "r");
    char line[4096];
    int n = 0;
    bool saw_json = false, saw_error = false;
    while (f && fgets(line, sizeof(line), f)) {
        n++;
        if (n == 4 && strstr(line, "\"json\":{\"execute\":\"query-status\",\"id\":\"a\"}"))
            saw_json = true;
        if (n == 5 && strstr(line, "\"json_error\":\"JSON parse error"))
            saw_error = true;
    }
    if (f)
        fclose(f);
    CHECK(saw_json);
    CHECK(saw_error);
    unlink(path);
}

/* Each record reaches the file when it is written: a reader sees it while the writer is open. */
static void test_flushed_per_line(void)
{
    const char *path = tmp_path();
    vw_error err;
    vw_trace_writer *w = vw_trace_writer_open(path, VW_TRACE_LIBVIRT, NULL, NULL, &err);
    CHECK(w != NULL);
    if (!w)
        return;
    CHECK_EQ_INT(vw_trace_writer_flush(w, &err), 0);
    vw_buf call;
    vw_buf_init(&call);
    encode_call(&call, 1);
    CHECK_EQ_INT(vw_trace_write_open(w, 1, vw_trace_writer_elapsed_us(w), NULL, &err), 0);
    CHECK_EQ_INT(vw_trace_write_message(w, 1, VW_TRACE_C2S, vw_trace_writer_elapsed_us(w),
                                        call.data, call.len, &err), 0);
    vw_trace_reader *r = vw_trace_reader_open(path, &err);
    CHECK(r != NULL);
    if (r) {
        vw_trace_record rec;
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(rec.raw_len, call.len);
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 0);
        vw_trace_reader_free(r);
    }
    CHECK_EQ_INT(vw_trace_writer_close(w, &err), 0);
    vw_buf_free(&call);
    unlink(path);
}

/* ---- reader errors ---- */

#define HDR_LV "{\"format\":\"virt-wire-trace\",\"version\":1,\"protocol\":\"libvirt\"}\n"
#define HDR_QMP "{\"format\":\"virt-wire-trace\",\"version\":1,\"protocol\":\"qmp\"}\n"
#define OPEN1 "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\n"
/* A 28-byte keepalive PING, base64. */
#define PING_B64 "AAAAHGtlZXAAAAABAAAAAQAAAAIAAAAAAAAAAA=="

/* Reads text to the end; expects the failure at line `line` with `what` in the reason.
 * Returns the number of records read before the failure. */
static int expect_error(const char *text, unsigned long line, const char *what)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    CHECK(f != NULL);
    if (!f)
        return -1;
    vw_error err;
    memset(&err, 0, sizeof(err));
    int records = 0;
    vw_trace_reader *r = vw_trace_reader_open_stream(f, &err);
    if (r) {
        vw_trace_record rec;
        int rc;
        while ((rc = vw_trace_read(r, &rec, &err)) == 1)
            records++;
        CHECK_EQ_INT(rc, -1);
        /* The reader stays failed. */
        vw_error again;
        CHECK_EQ_INT(vw_trace_read(r, &rec, &again), -1);
        CHECK_EQ_INT(again.line, err.line);
        vw_trace_reader_free(r);
    }
    fclose(f);
    if (err.line != line || !strstr(err.text, what))
        fprintf(stderr, "expected line %lu \"%s\", got line %lu \"%s\"\n", line, what, err.line,
                err.text);
    CHECK_EQ_INT(err.line, line);
    CHECK(strstr(err.text, what) != NULL);
    return records;
}

static void test_reader_header_errors(void)
{
    expect_error("", 1, "empty file");
    expect_error("{\"format\":\"virt-wire-trace\",\n", 1, "bad JSON");
    expect_error("[1,2]\n", 1, "expected a JSON object");
    expect_error("{\"version\":1,\"protocol\":\"qmp\"}\n", 1, "missing key \"format\"");
    expect_error("{\"format\":\"pcap\",\"version\":1,\"protocol\":\"qmp\"}\n", 1, "not a virt-wire trace");
    expect_error("{\"format\":\"virt-wire-trace\",\"protocol\":\"qmp\"}\n", 1, "missing key \"version\"");
    expect_error("{\"format\":\"virt-wire-trace\",\"version\":\"1\",\"protocol\":\"qmp\"}\n", 1,
                 "\"version\" must be an integer");
    expect_error("{\"format\":\"virt-wire-trace\",\"version\":2,\"protocol\":\"qmp\"}\n", 1,
                 "unknown version 2");
    expect_error("{\"format\":\"virt-wire-trace\",\"version\":1}\n", 1, "missing key \"protocol\"");
    expect_error("{\"format\":\"virt-wire-trace\",\"version\":1,\"protocol\":\"nbd\"}\n", 1,
                 "unknown protocol \"nbd\"");
}

static void test_reader_record_errors(void)
{
    CHECK_EQ_INT(expect_error(HDR_LV OPEN1 "{\"rec\":\"msg\",\n", 3, "bad JSON"), 1);
    expect_error(HDR_LV "[\"open\"]\n", 2, "expected a JSON object");
    expect_error(HDR_LV "\"open\"\n", 2, "bad JSON at column");
    expect_error(HDR_LV "{\"conn\":1,\"t_us\":0}\n", 2, "missing key \"rec\"");
    expect_error(HDR_LV "{\"rec\":\"hello\",\"conn\":1,\"t_us\":0}\n", 2, "unknown record kind \"hello\"");
    expect_error(HDR_LV "{\"rec\":\"open\",\"t_us\":0}\n", 2, "missing key \"conn\"");
    expect_error(HDR_LV "{\"rec\":\"open\",\"conn\":1}\n", 2, "missing key \"t_us\"");
    expect_error(HDR_LV "{\"rec\":\"open\",\"conn\":-1,\"t_us\":0}\n", 2, "\"conn\" must be an integer");
    expect_error(HDR_LV "{\"rec\":\"open\",\"conn\":4294967296,\"t_us\":0}\n", 2, "\"conn\" must be");
    expect_error(HDR_LV "{\"rec\":\"open\",\"conn\":1,\"t_us\":1.5}\n", 2, "\"t_us\" must be an integer");
    expect_error(HDR_LV "{\"rec\":\"open\",\"conn\":1,\"t_us\":0,\"peer\":5}\n", 2, "\"peer\" must be a string");
    expect_error(HDR_LV OPEN1 OPEN1, 3, "opened a second time");
    expect_error(HDR_LV "{\"rec\":\"msg\",\"conn\":2,\"t_us\":0,\"dir\":\"c2s\",\"raw\":\"" PING_B64 "\"}\n",
                 2, "used before its \"open\"");
    expect_error(HDR_LV OPEN1 "{\"rec\":\"close\",\"conn\":1,\"t_us\":5}\n"
                 "{\"rec\":\"msg\",\"conn\":1,\"t_us\":6,\"dir\":\"c2s\",\"raw\":\"" PING_B64 "\"}\n",
                 4, "used after its \"close\"");
    expect_error(HDR_LV OPEN1 "{\"rec\":\"msg\",\"conn\":1,\"t_us\":0,\"raw\":\"" PING_B64 "\"}\n",
                 3, "missing key \"dir\"");
    expect_error(HDR_LV OPEN1 "{\"rec\":\"msg\",\"conn\":1,\"t_us\":0,\"dir\":\"up\",\"raw\":\"" PING_B64 "\"}\n",
                 3, "\"dir\" is \"up\"");
    expect_error(HDR_LV OPEN1 "{\"rec\":\"msg\",\"conn\":1,\"t_us\":0,\"dir\":\"c2s\"}\n", 3,
                 "missing key \"raw\"");
    expect_error(HDR_LV OPEN1 "{\"rec\":\"msg\",\"conn\":1,\"t_us\":0,\"dir\":\"c2s\",\"raw\":7}\n", 3,
                 "\"raw\" must be a base64 string");
    expect_error(HDR_LV OPEN1 "{\"rec\":\"msg\",\"conn\":1,\"t_us\":0,\"dir\":\"c2s\",\"raw\":\"AAAA*AAA\"}\n",
                 3, "bad base64 in \"raw\" at character 4");
    /* the length word says 28, the message has 36 bytes */
    expect_error(HDR_LV OPEN1 "{\"rec\":\"msg\",\"conn\":1,\"t_us\":0,\"dir\":\"c2s\","
                 "\"raw\":\"AAAAHGtlZXAAAAABAAAAAQAAAAIAAAAAAAAAAAAAAAAAAAAA\"}\n",
                 3, "length word says 28");
    /* 24 bytes only: below the minimum */
    expect_error(HDR_LV OPEN1 "{\"rec\":\"msg\",\"conn\":1,\"t_us\":0,\"dir\":\"c2s\","
                 "\"raw\":\"AAAAHGtlZXAAAAABAAAAAQAAAAIAAAAA\"}\n", 3, "less than the minimum 28");
    /* 28 bytes whose length word is 27 */
    expect_error(HDR_LV OPEN1 "{\"rec\":\"msg\",\"conn\":1,\"t_us\":0,\"dir\":\"c2s\","
                 "\"raw\":\"AAAAG2tlZXAAAAABAAAAAQAAAAIAAAAAAAAAAA==\"}\n", 3, "below the minimum");
    expect_error(HDR_QMP OPEN1 "{\"rec\":\"msg\",\"conn\":1,\"t_us\":0,\"dir\":\"c2s\",\"raw\":\"\"}\n", 3,
                 "empty QMP message");
    /* Blank lines are skipped but still counted. */
    expect_error(HDR_LV "\n" OPEN1 "\n\n{\"rec\":1}\n", 6, "\"rec\" must be a string");
}

/* Additions a later writer may make within version 1: unknown keys are ignored; data records
 * are not length-checked; QMP messages are not parsed by the reader. */
static void test_reader_accepts(void)
{
    const char *text =
        "{\"format\":\"virt-wire-trace\",\"version\":1,\"protocol\":\"libvirt\",\"future\":[1]}\n"
        "{\"rec\":\"open\",\"conn\":4294967295,\"t_us\":9223372036854775807,\"extra\":{}}\n"
        "{\"rec\":\"msg\",\"conn\":4294967295,\"t_us\":1,\"dir\":\"s2c\",\"raw\":\"" PING_B64 "\","
        "\"hdr\":\"whatever\"}\n"
        "{\"rec\":\"data\",\"conn\":4294967295,\"t_us\":1,\"dir\":\"c2s\",\"raw\":\"/w==\"}\n"
        "{\"rec\":\"close\",\"conn\":4294967295,\"t_us\":2}\n";
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    vw_error err;
    vw_trace_reader *r = vw_trace_reader_open_stream(f, &err);
    CHECK(r != NULL);
    if (r) {
        vw_trace_record rec;
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(rec.conn, 4294967295u);
        CHECK(rec.t_us == 9223372036854775807ull);
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(rec.raw_len, 28);
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(rec.kind, VW_TRACE_DATA);
        CHECK_EQ_INT(rec.raw_len, 1);
        CHECK_EQ_INT(rec.raw[0], 0xff);
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 1);
        CHECK_EQ_INT(rec.kind, VW_TRACE_CLOSE);
        CHECK(rec.by == NULL);
        CHECK_EQ_INT(vw_trace_read(r, &rec, &err), 0);
        vw_trace_reader_free(r);
    }
    fclose(f);
}

/* ---- a cut last line (--allow-truncated) ---- */

/* Reads n bytes of text to the end. Returns the last vw_trace_read result; *records counts
 * the records read, *dropped the line dropped by allow_truncated (0: none). */
static int read_all(const char *text, size_t n, bool allow, int *records, vw_error *err,
                    unsigned long *dropped)
{
    FILE *f = fmemopen((void *)text, n, "r");
    CHECK(f != NULL);
    if (!f)
        return -2;
    memset(err, 0, sizeof(*err));
    *records = 0;
    *dropped = 0;
    int rc = -2;
    vw_trace_reader *r = vw_trace_reader_open_stream(f, err);
    if (r) {
        vw_trace_reader_allow_truncated(r, allow);
        vw_trace_record rec;
        while ((rc = vw_trace_read(r, &rec, err)) == 1)
            (*records)++;
        const vw_error *d = vw_trace_reader_dropped(r);
        if (d) {
            *dropped = d->line;
            CHECK(strstr(d->text, "cut") != NULL);
            CHECK(strstr(d->text, "--allow-truncated") != NULL);
        }
        vw_trace_reader_free(r);
    }
    fclose(f);
    return rc;
}

#define MSG_PING "{\"rec\":\"msg\",\"conn\":1,\"t_us\":1,\"dir\":\"c2s\",\"raw\":\"" PING_B64 "\"}"

/* One reading of a text: with or without the option, the outcome, the records read, the line
 * of the error (and a piece of its text, and whether it suggests the option) or of the line
 * dropped. */
struct cut_case {
    const char *text;
    bool allow;
    int rc;
    int records;
    unsigned long error_line;
    const char *what;
    bool hint;
    unsigned long dropped;
};

#define CUT_UNTERMINATED HDR_LV OPEN1 "{\"rec\":\"msg\",\"conn\":1,\"t_us\":1,\"di"
#define CUT_TERMINATED HDR_LV OPEN1 "{\"rec\":\"msg\",\"conn\":1,\"raw\":\"AAAA\n\n \n"
#define CUT_IN_MIDDLE HDR_LV OPEN1 "{\"rec\":\"msg\",\"conn\":1,\"t_us\":1,\"di\n" MSG_PING "\n"

static const struct cut_case cut_cases[] = {
    /* refused without the option, with the option named in the error; dropped with it */
    { CUT_UNTERMINATED, false, -1, 1, 3, "bad JSON at column", true, 0 },
    { CUT_UNTERMINATED, true, 0, 1, 0, NULL, false, 3 },
    /* JSON that ends early, then only blank lines */
    { CUT_TERMINATED, false, -1, 1, 3, "premature end of input", true, 0 },
    { CUT_TERMINATED, true, 0, 1, 0, NULL, false, 3 },
    /* a whole record without its newline is kept */
    { HDR_LV OPEN1 MSG_PING, true, 0, 2, 0, NULL, false, 0 },
    /* damage anywhere else stays an error, and does not suggest the option */
    { CUT_IN_MIDDLE, true, -1, 1, 3, "bad JSON at column", false, 0 },
    { HDR_LV OPEN1 "{\"rec\":}\n", true, -1, 1, 3, "bad JSON at column", false, 0 },
    { HDR_LV OPEN1 "{\"rec\":\"msg\",\"conn\":1}", true, -1, 1, 3, "missing key", false, 0 },
};

static void test_reader_cut_last_line(void)
{
    for (size_t i = 0; i < sizeof(cut_cases) / sizeof(cut_cases[0]); i++) {
        const struct cut_case *c = &cut_cases[i];
        int records;
        unsigned long dropped;
        vw_error err;
        int rc = read_all(c->text, strlen(c->text), c->allow, &records, &err, &dropped);
        if (rc != c->rc || dropped != c->dropped)
            fprintf(stderr, "cut case %zu: rc %d, dropped %lu, %s\n", i, rc, dropped, err.text);
        CHECK_EQ_INT(rc, c->rc);
        CHECK_EQ_INT(records, c->records);
        CHECK_EQ_INT(dropped, c->dropped);
        if (c->rc < 0) {
            CHECK_EQ_INT(err.line, c->error_line);
            CHECK(strstr(err.text, c->what) != NULL);
            CHECK_EQ_INT(strstr(err.text, "--allow-truncated") != NULL, c->hint);
        }
    }
}

/* A real trace cut at every byte of its last line: with the option every earlier record is
 * read and the rest dropped; without, the error names the option. A cut right before the
 * final newline leaves a whole record, read as such. */
static void test_reader_cut_everywhere(void)
{
    static const char cmd[] = "{\"execute\":\"query-status\"}\r\n";
    char *text = NULL;
    size_t n = 0;
    FILE *out = open_memstream(&text, &n);
    vw_error err;
    vw_trace_writer *w = out ? vw_trace_writer_open_stream(out, VW_TRACE_QMP, "test", NULL, &err)
                             : NULL;
    CHECK(w != NULL);
    if (!w) {
        if (out)
            fclose(out);
        free(text);
        return;
    }
    CHECK_EQ_INT(vw_trace_write_open(w, 1, 0, "client", &err), 0);
    for (uint64_t t = 1; t <= 2; t++)
        CHECK_EQ_INT(vw_trace_write_message(w, 1, VW_TRACE_C2S, t, cmd, sizeof(cmd) - 1, &err), 0);
    CHECK_EQ_INT(vw_trace_writer_close(w, &err), 0);
    fclose(out);
    CHECK(n > 0 && text && text[n - 1] == '\n');
    if (!text || n == 0) {
        free(text);
        return;
    }
    size_t last = n - 1;
    while (last > 0 && text[last - 1] != '\n')
        last--;                 /* the start of the last line */
    for (size_t cut = last + 1; cut < n; cut++) {
        int records;
        unsigned long dropped;
        bool whole = cut == n - 1;
        CHECK_EQ_INT(read_all(text, cut, true, &records, &err, &dropped), 0);
        CHECK_EQ_INT(records, whole ? 3 : 2);
        CHECK_EQ_INT(dropped, whole ? 0 : 4);
        int rc = read_all(text, cut, false, &records, &err, &dropped);
        CHECK_EQ_INT(rc, whole ? 0 : -1);
        if (!whole) {
            CHECK_EQ_INT(err.line, 4);
            CHECK(strstr(err.text, "--allow-truncated") != NULL);
        }
    }
    free(text);
}

static void test_open_errors(void)
{
    vw_error err;
    CHECK(vw_trace_reader_open("/nonexistent/dir/x.trace", &err) == NULL);
    CHECK_EQ_INT(err.line, 0);
    CHECK(strstr(err.text, "/nonexistent/dir/x.trace") != NULL);
    CHECK(vw_trace_writer_open("/nonexistent/dir/x.trace", VW_TRACE_QMP, NULL, NULL, &err) == NULL);
    CHECK(strstr(err.text, "cannot create") != NULL);
}

/* Corrupted files (bytes replaced, lines cut) never crash the reader: every read ends with
 * 0 or with -1 and a line number inside the file. Deterministic (fixed seed). */
static void test_reader_survives_corruption(void)
{
    const char *path = tmp_path();
    vw_error err;
    vw_trace_writer *w = vw_trace_writer_open(path, VW_TRACE_LIBVIRT, "t", NULL, &err);
    CHECK(w != NULL);
    if (!w)
        return;
    vw_buf call;
    vw_buf_init(&call);
    encode_call(&call, 9);
    vw_trace_write_open(w, 1, 0, "client", &err);
    for (int i = 0; i < 4; i++)
        vw_trace_write_message(w, 1, i % 2 ? VW_TRACE_S2C : VW_TRACE_C2S, (uint64_t)i, call.data,
                               call.len, &err);
    vw_trace_write_close(w, 1, 9, "client", &err);
    CHECK_EQ_INT(vw_trace_writer_close(w, &err), 0);
    vw_buf_free(&call);
    FILE *f = fopen(path, "rb");
    char good[8192];
    size_t n = f ? fread(good, 1, sizeof(good), f) : 0;
    if (f)
        fclose(f);
    unlink(path);
    CHECK(n > 100 && n < sizeof(good));
    unsigned long lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += good[i] == '\n';

    static const char repl[] = "\"{}[]:,\\0aZ=+/\n\x01\xff-9e.";
    uint32_t seed = 12345;
    int failures = 0, successes = 0;
    for (int iter = 0; iter < 3000; iter++) {
        char bad[8192];
        memcpy(bad, good, n);
        size_t len = n;
        int edits = 1 + iter % 3;
        for (int e = 0; e < edits; e++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 16) % 10 == 0)
                len = pos;                              /* cut the file here */
            else
                bad[pos] = repl[(seed >> 16) % (sizeof(repl) - 1)];
            if (len == 0)
                break;
        }
        FILE *in = fmemopen(bad, len ? len : 1, "r");
        if (!in)
            continue;
        if (len == 0)
            fgetc(in);                                  /* an empty stream */
        vw_trace_reader *r = vw_trace_reader_open_stream(in, &err);
        int rc = -1;
        if (r) {
            vw_trace_record rec;
            while ((rc = vw_trace_read(r, &rec, &err)) == 1)
                CHECK(rec.kind != VW_TRACE_MESSAGE || rec.raw_len >= 28);
            vw_trace_reader_free(r);
        }
        if (rc < 0) {
            failures++;
            CHECK(err.line >= 1 && err.line <= lines + 1);
            CHECK(err.text[0] != '\0');
        } else {
            successes++;
        }
        fclose(in);
    }
    CHECK(failures > 1000);     /* most corruptions are caught */
    CHECK(successes > 0);       /* some only touch informational fields */
}

int main(void)
{
    RUN(test_base64_vectors);
    RUN(test_base64_rejects);
    RUN(test_roundtrip_libvirt);
    RUN(test_roundtrip_qmp);
    RUN(test_flushed_per_line);
    RUN(test_reader_header_errors);
    RUN(test_reader_record_errors);
    RUN(test_reader_accepts);
    RUN(test_reader_cut_last_line);
    RUN(test_reader_cut_everywhere);
    RUN(test_open_errors);
    RUN(test_reader_survives_corruption);
    return vwtest_summary("trace");
}
