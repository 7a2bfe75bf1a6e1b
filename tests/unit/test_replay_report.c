/* test_replay_report.c: common/replay_report.c, the one replay report of both fakes: counts
 * per connection and in total, lists capped at VW_REPLAY_REPORT_LIST_MAX with complete counts,
 * never-served recorded connections, the file written whole by rename (no .tmp left behind), and
 * an unwritable path refused at creation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay_report.h"
#include "vwtest.h"

static json_int_t int_at(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static void test_report_file(void)
{
    char path[64], tmp[80], err[256];
    snprintf(path, sizeof(path), "/tmp/vw-test-report-%d.json", (int)getpid());
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    vw_replay_report_setup s = { .path = path, .trace = "run.trace", .protocol = "libvirt",
                                 .match = "strict", .on_unmatched = "error", .pick = "next",
                                 .recorded_connections = 3 };
    vw_replay_report *r = vw_replay_report_new(&s, err, sizeof(err));
    CHECK(r != NULL);
    if (!r)
        return;
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);       /* written at start-up already */
    CHECK(doc && int_at(doc, "matched") == 0 && int_at(doc, "recorded_connections") == 3);
    json_decref(doc);
    size_t a = vw_replay_report_conn(r, 1, 1), b = vw_replay_report_conn(r, 2, -1);
    vw_replay_report_matched(r, a);
    vw_replay_report_matched(r, a);
    for (int i = 0; i < VW_REPLAY_REPORT_LIST_MAX + 5; i++)
        vw_replay_report_unmatched(r, b, json_pack("{s:s,s:i}", "proc", "X", "serial", i));
    vw_replay_report_never_used(r, a, json_pack("{s:s}", "proc", "Y"));
    vw_replay_report_never_served(r, 3, 12);
    vw_replay_counts t = vw_replay_report_counts(r, (size_t)-1);
    CHECK_EQ_INT(t.matched, 2);
    CHECK_EQ_INT(t.unmatched, VW_REPLAY_REPORT_LIST_MAX + 5);
    CHECK_EQ_INT(vw_replay_report_counts(r, a).never_used, 1);
    CHECK_EQ_INT(vw_replay_report_write(r, "test"), 0);
    CHECK(access(tmp, F_OK) != 0);
    doc = json_load_file(path, 0, &je);
    CHECK(doc != NULL);
    CHECK_EQ_INT(int_at(doc, "unmatched"), VW_REPLAY_REPORT_LIST_MAX + 5);
    CHECK_EQ_INT(int_at(doc, "never_used"), 1);
    CHECK_EQ_INT(int_at(doc, "connections_served"), 1);
    CHECK_EQ_INT(int_at(doc, "connections_beyond_trace"), 1);
    CHECK_EQ_INT(int_at(doc, "never_served_calls"), 12);
    CHECK_EQ_STR(json_string_value(json_object_get(doc, "on_unmatched")), "error");
    json_t *conns = json_object_get(doc, "connections");
    CHECK_EQ_INT(json_array_size(conns), 2);
    json_t *second = json_array_get(conns, 1);
    CHECK(json_is_null(json_object_get(second, "recorded_conn")));
    CHECK_EQ_INT(json_array_size(json_object_get(second, "unmatched_calls")),
                 VW_REPLAY_REPORT_LIST_MAX);
    json_decref(doc);
    vw_replay_report_clear_never_served(r);
    CHECK_EQ_INT(vw_replay_report_write(r, "test"), 0);
    doc = json_load_file(path, 0, &je);
    CHECK(doc && int_at(doc, "never_served_calls") == 0);
    json_decref(doc);
    vw_replay_report_free(r);
    unlink(path);
}

static void test_unwritable_path(void)
{
    char err[256] = "";
    vw_replay_report_setup s = { .path = "/nonexistent-dir/r.json", .trace = "t",
                                 .protocol = "qmp", .match = "strict", .on_unmatched = "close",
                                 .pick = "next" };
    CHECK(vw_replay_report_new(&s, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "--replay-report /nonexistent-dir/r.json: cannot create") != NULL);
}

int main(void)
{
    RUN(test_report_file);
    RUN(test_unwritable_path);
    return vwtest_summary("replay_report");
}
