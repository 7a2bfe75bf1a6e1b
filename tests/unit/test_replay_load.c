/* test_replay_load.c: common/replay_load.c, reading a trace for both replays: records reach the
 * connection they belong to (by the order of the open records, whatever the ids, interleaved),
 * a trace of the other protocol is told apart, a bad line names the file and line, and an
 * out-of-memory answer from the loader stops the load. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "replay_load.h"
#include "vwtest.h"

typedef struct {
    uint32_t ids[4];
    int nopen;
    int records[4];
    int fail_at;            /* the loader says "out of memory" at this record (0: never) */
    int seen;
} counts;

static int on_open(void *opaque, uint32_t conn)
{
    counts *c = opaque;
    c->ids[c->nopen++] = conn;
    return 0;
}

static int on_record(void *opaque, size_t index, const vw_trace_record *rec)
{
    counts *c = opaque;
    (void)rec;
    c->records[index]++;
    return ++c->seen == c->fail_at ? -1 : 0;
}

static const char *write_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/vw-test-rload-%d.trace", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

#define HEADER(p) "{\"format\":\"virt-wire-trace\",\"version\":1,\"protocol\":\"" p "\"}\n"

static const char qmp_trace[] =
    HEADER("qmp")
    "{\"rec\":\"open\",\"conn\":9,\"t_us\":0}\n"
    "{\"rec\":\"open\",\"conn\":4,\"t_us\":1}\n"
    "{\"rec\":\"msg\",\"conn\":4,\"t_us\":2,\"dir\":\"c2s\",\"raw\":\"e30=\"}\n"
    "{\"rec\":\"msg\",\"conn\":9,\"t_us\":3,\"dir\":\"c2s\",\"raw\":\"e30=\"}\n"
    "{\"rec\":\"msg\",\"conn\":4,\"t_us\":4,\"dir\":\"s2c\",\"raw\":\"e30=\"}\n"
    "{\"rec\":\"close\",\"conn\":4,\"t_us\":5}\n";

static void test_records_by_connection(void)
{
    counts c = { 0 };
    vw_replay_loader l = { on_open, on_record, &c };
    vw_trace_protocol found;
    vw_error err;
    const char *path = write_file(qmp_trace);
    CHECK_EQ_INT(vw_replay_load(path, VW_TRACE_QMP, false, "test", &l, &found, &err),
                 VW_REPLAY_LOADED);
    CHECK_EQ_INT(c.nopen, 2);
    CHECK_EQ_INT(c.ids[0], 9);
    CHECK_EQ_INT(c.records[0], 1);      /* conn 9 */
    CHECK_EQ_INT(c.records[1], 3);      /* conn 4: two messages and the close */
    counts d = { 0 };
    l.opaque = &d;
    CHECK_EQ_INT(vw_replay_load(path, VW_TRACE_LIBVIRT, false, "test", &l, &found, &err),
                 VW_REPLAY_WRONG_PROTOCOL);
    CHECK_EQ_INT(found, VW_TRACE_QMP);
    CHECK_EQ_INT(d.nopen, 0);
    counts e = { .fail_at = 2 };
    l.opaque = &e;
    CHECK_EQ_INT(vw_replay_load(path, VW_TRACE_QMP, false, "test", &l, &found, &err),
                 VW_REPLAY_LOAD_FAILED);
    CHECK(strstr(err.text, "out of memory") != NULL);
    CHECK_EQ_STR(err.source, path);
    CHECK_EQ_INT(e.seen, 2);
    unlink(path);
}

static void test_bad_line(void)
{
    counts c = { 0 };
    vw_replay_loader l = { on_open, on_record, &c };
    vw_trace_protocol found;
    vw_error err;
    char text[1024], want[128];
    const char *path = write_file(HEADER("qmp") "{\"rec\":\"open\",\"conn\":1,\"t_us\":0}\nnot json\n");
    CHECK_EQ_INT(vw_replay_load(path, VW_TRACE_QMP, true, "test", &l, &found, &err),
                 VW_REPLAY_LOAD_FAILED);
    snprintf(want, sizeof(want), "%s:3: ", path);
    CHECK_EQ_INT(err.line, 3);
    vw_error_format(&err, text, sizeof(text));
    CHECK(strncmp(text, want, strlen(want)) == 0);
    unlink(path);
    CHECK_EQ_INT(vw_replay_load(path, VW_TRACE_QMP, false, "test", &l, &found, &err),
                 VW_REPLAY_LOAD_FAILED);
}

int main(void)
{
    RUN(test_records_by_connection);
    RUN(test_bad_line);
    return vwtest_summary("replay_load");
}
