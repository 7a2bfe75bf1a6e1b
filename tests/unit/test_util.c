/* test_util.c: proto/vw_util (files with a limit, JSON files, write-all, hex, UUIDs, big-endian
 * words, the clocks) and common/daemon_start's command line (both forms of a value, the shared
 * options, the seed's bases, the messages' exit statuses). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon_start.h"
#include "vw_util.h"
#include "vwtest.h"

static const char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/vw-test-util-XXXXXX");
    int fd = mkstemp(path);
    if (fd >= 0) {
        CHECK_EQ_INT(vw_write_all(fd, text, strlen(text)), 0);   /* a file: write(), not send() */
        close(fd);
    }
    return path;
}

static void test_read_file_limit(void)
{
    char why[128];
    size_t len = 99;
    const char *path = write_tmp("0123456789");
    char *text = vw_read_file(path, 10, &len, why, sizeof(why));
    CHECK(text != NULL);
    CHECK_EQ_INT((int)len, 10);
    CHECK_EQ_STR(text, "0123456789");
    free(text);
    CHECK(vw_read_file(path, 9, &len, why, sizeof(why)) == NULL);
    CHECK_EQ_INT(errno, EFBIG);
    CHECK_EQ_STR(why, "larger than 9 bytes");
    unlink(path);
    CHECK(vw_read_file(path, 10, &len, why, sizeof(why)) == NULL);
    CHECK_EQ_INT(errno, ENOENT);
    CHECK(strncmp(why, "cannot open: ", 13) == 0);
    /* larger than one read buffer */
    size_t big = 200000;
    char *many = malloc(big + 1);
    memset(many, 'x', big);
    many[big] = '\0';
    path = write_tmp(many);
    text = vw_read_file(path, 1u << 20, &len, why, sizeof(why));
    CHECK(text != NULL && len == big && memcmp(text, many, big) == 0 && text[big] == '\0');
    free(text);
    CHECK(vw_read_file(path, 1u << 17, &len, why, sizeof(why)) == NULL);
    unlink(path);
    free(many);
}

static void test_load_json_file(void)
{
    json_error_t jerr;
    const char *path = write_tmp("{\"a\": 1}");
    json_t *doc = vw_load_json_file(path, 100, &jerr);
    CHECK(doc && json_integer_value(json_object_get(doc, "a")) == 1);
    json_decref(doc);
    unlink(path);
    path = write_tmp("{\"a\": 1, \"a\": 2}");
    CHECK(vw_load_json_file(path, 100, &jerr) == NULL);   /* duplicate keys refused */
    CHECK(jerr.line == 1);
    unlink(path);
    CHECK(vw_load_json_file(path, 100, &jerr) == NULL);
    CHECK(jerr.line == -1 && strncmp(jerr.text, "cannot open: ", 13) == 0);
}

static void test_write_all_socket(void)
{
    int sv[2];
    CHECK_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ_INT(vw_write_all(sv[0], "ping", 4), 0);
    char buf[4];
    CHECK_EQ_INT((int)read(sv[1], buf, 4), 4);
    CHECK_EQ_MEM(buf, "ping", 4);
    close(sv[1]);
    /* the peer is gone: EPIPE, and no SIGPIPE kills the test */
    CHECK_EQ_INT(vw_write_all(sv[0], "pong", 4), -1);
    CHECK_EQ_INT(errno, EPIPE);
    close(sv[0]);
}

static void test_hex_and_uuid(void)
{
    size_t len;
    uint8_t *b = vw_hex_decode("de ad:BE\nef", &len);
    CHECK(b && len == 4 && b[0] == 0xde && b[3] == 0xef);
    free(b);
    CHECK(vw_hex_decode("abc", &len) == NULL);
    CHECK(vw_hex_decode("a b", &len) == NULL);
    unsigned char u[VW_UUID_BUFLEN];
    char text[VW_UUID_STRING_BUFLEN];
    CHECK_EQ_INT(vw_uuid_parse("6695eb01-f6a4-8304-79aa-97f2502e193f", u), 0);
    vw_uuid_format(u, text);
    CHECK_EQ_STR(text, "6695eb01-f6a4-8304-79aa-97f2502e193f");
    /* libvirt's forms: no dashes, upper case, white space around */
    CHECK_EQ_INT(vw_uuid_parse(" 6695EB01F6A4830479AA97F2502E193F\n", u), 0);
    vw_uuid_format(u, text);
    CHECK_EQ_STR(text, "6695eb01-f6a4-8304-79aa-97f2502e193f");
    CHECK_EQ_INT(vw_uuid_parse("6695eb01-f6a4-8304-79aa-97f2502e193", u), -1);
    CHECK_EQ_INT(vw_uuid_parse("6695eb01-f6a4-8304-79aa-97f2502e193f0", u), -1);
    CHECK_EQ_INT(vw_uuid_parse("6695eb01-f6a4-8304-79aa-97f2502e193g", u), -1);
    CHECK_EQ_INT(vw_uuid_parse(NULL, u), -1);
}

static void test_big_endian_and_clocks(void)
{
    uint8_t b[4];
    vw_put_be32(b, 0x01020304);
    CHECK(b[0] == 1 && b[3] == 4 && vw_get_be32(b) == 0x01020304);
    vw_put_be16(b, 0xa0b0);
    CHECK(b[0] == 0xa0 && b[1] == 0xb0 && vw_get_be16(b) == 0xa0b0);
    uint64_t ns = vw_now_ns();
    long long ms = vw_now_ms();
    CHECK(vw_now_ns() >= ns && vw_now_ms() >= ms);
    CHECK(vw_wall_ms() > 1600000000000LL);   /* after 2020: the wall clock, not the monotonic */
}

/* ---- daemon_start's command line ---- */

static int own_seen;
static const char *own_value;

static int own_option(void *ctx, int id, const char *opt, const char *val)
{
    (void)ctx;
    (void)opt;
    own_seen = id;
    own_value = val;
    return 0;
}

static void no_usage(FILE *out)
{
    (void)out;
}

static const vw_opt_def own[] = { { "--listen", true, 7 }, { "--flag", false, 8 }, { NULL, false, 0 } };
static const vw_daemon_cli cli = { "test-daemon", own, own_option, NULL, no_usage };

static int parse(vw_daemon_opts *o, const char *a, const char *b, const char *c)
{
    char *argv[] = { "test-daemon", (char *)a, (char *)b, (char *)c, NULL };
    int argc = 1 + (a != NULL) + (b != NULL) + (c != NULL);
    return vw_daemon_parse(&cli, argc, argv, o);
}

static void test_daemon_parse(void)
{
    vw_daemon_opts o;
    CHECK_EQ_INT(parse(&o, "--listen=unix:/x", "--seed", "42"), VW_START_GO);
    CHECK_EQ_INT(own_seen, 7);
    CHECK_EQ_STR(own_value, "unix:/x");
    CHECK(o.seed == 42);
    CHECK_EQ_INT(parse(&o, "--seed=0x10", "--flag", NULL), VW_START_GO);
    CHECK(o.seed == 16 && own_seen == 8 && own_value == NULL);
    CHECK_EQ_INT(parse(&o, "--seed", "010", NULL), VW_START_GO);
    CHECK(o.seed == 10);                        /* decimal, not octal */
    CHECK_EQ_INT(parse(&o, "--seed", "-1", NULL), 2);
    CHECK_EQ_INT(parse(&o, "--seed", "0x", NULL), 2);
    CHECK_EQ_INT(parse(&o, "--bogus", NULL, NULL), 2);
    CHECK_EQ_INT(parse(&o, "--listen", NULL, NULL), 2);
    CHECK_EQ_INT(parse(&o, "--flag=1", NULL, NULL), 2);
    CHECK_EQ_INT(parse(&o, "extra", NULL, NULL), 2);
    CHECK_EQ_INT(parse(&o, "--help", NULL, NULL), 0);
    CHECK_EQ_INT(parse(&o, "--replay-match", "fuzzy", NULL), 2);
    CHECK_EQ_INT(parse(&o, "--replay-match", "unordered", "--replay-unmatched=close"),
                 VW_START_GO);
    CHECK(o.replay_unordered && o.replay_unmatched_close && o.replay_tuned);
    CHECK_EQ_INT(parse(&o, "--memory-budget-mib", "0", NULL), 2);
    CHECK_EQ_INT(parse(&o, "--memory-budget-mib", "2", "--record-sync"), VW_START_GO);
    CHECK(o.memory_budget == 2u << 20 && o.record_sync);
    CHECK(o.replay_delay_max_ms == 100);        /* both replays' default */
    CHECK_EQ_INT(parse(&o, "--replay-delay-max", "0", NULL), VW_START_GO);
    CHECK(o.replay_delay_max_ms == 0 && o.replay_tuned);
    CHECK_EQ_INT(parse(&o, "--replay-delay-max=3600001", NULL, NULL), 2);
}

static int refuse(void *ctx, const vw_daemon_opts *o, char *err, size_t errlen)
{
    (void)ctx;
    (void)o;
    snprintf(err, errlen, "refused");
    return -1;
}

static int refuse_trace(void *ctx, const vw_daemon_opts *o, vw_error *err)
{
    (void)ctx;
    return vw_error_set(err, o->replay, 3, 0, 0, "refused");
}

static void test_daemon_start_mode(void)
{
    vw_daemon_ops ops = { 0 };
    ops.record_new = refuse;
    ops.replay_new = refuse_trace;
    vw_daemon_opts o;
    CHECK_EQ_INT(parse(&o, "--record", "t", NULL), VW_START_GO);
    CHECK_EQ_INT(vw_daemon_start_mode(&cli, &o, &ops), 2);     /* without --upstream */
    CHECK_EQ_INT(parse(&o, "--record-sync", NULL, NULL), VW_START_GO);
    CHECK_EQ_INT(vw_daemon_start_mode(&cli, &o, &ops), 2);
    CHECK_EQ_INT(parse(&o, "--allow-truncated", NULL, NULL), VW_START_GO);
    CHECK_EQ_INT(vw_daemon_start_mode(&cli, &o, &ops), 2);     /* needs --replay */
    CHECK_EQ_INT(parse(&o, "--record", "t", "--upstream=unix:/u"), VW_START_GO);
    CHECK_EQ_INT(vw_daemon_start_mode(&cli, &o, &ops), 1);     /* the recorder failed */
    CHECK_EQ_INT(parse(&o, "--replay", "t", NULL), VW_START_GO);
    CHECK_EQ_INT(vw_daemon_start_mode(&cli, &o, &ops), 2);     /* the trace was refused */
    CHECK_EQ_INT(parse(&o, NULL, NULL, NULL), VW_START_GO);
    CHECK_EQ_INT(vw_daemon_start_mode(&cli, &o, &ops), VW_START_GO);
}

int main(void)
{
    RUN(test_read_file_limit);
    RUN(test_load_json_file);
    RUN(test_write_all_socket);
    RUN(test_hex_and_uuid);
    RUN(test_big_endian_and_clocks);
    RUN(test_daemon_parse);
    RUN(test_daemon_start_mode);
    return vwtest_summary("util");
}
