/* test_replay_match.c: common/replay_match.c, the matching core of both replays: strict
 * matching takes only the next unused call, unordered the first unused call with an equal key
 * (identical calls in recorded order, also many of them), used calls are skipped, keys of two
 * recorded connections compare, and a reset makes every call unused again. */
#include <stdbool.h>
#include <string.h>

#include "replay_match.h"
#include "vwtest.h"

static vw_replay_match *abcab(void)
{
    vw_replay_match *m = vw_replay_match_new();
    const char *keys[] = { "a", "b", "c", "a", "b" };
    for (size_t i = 0; i < 5; i++)
        CHECK_EQ_INT(vw_replay_match_add(m, keys[i], 1), 0);
    CHECK_EQ_INT(vw_replay_match_seal(m), 0);
    return m;
}

static void test_strict(void)
{
    vw_replay_match *m = abcab();
    CHECK_EQ_INT(vw_replay_match_find(m, false, "b", 1), -1);   /* not the next one */
    CHECK_EQ_INT(vw_replay_match_find(m, false, "a", 1), 0);
    vw_replay_match_use(m, 0);
    CHECK_EQ_INT(vw_replay_match_next(m), 1);
    CHECK_EQ_INT(vw_replay_match_find(m, false, "b", 1), 1);
    CHECK_EQ_INT(vw_replay_match_find(m, false, "bb", 2), -1);
    vw_replay_match_free(m);
}

static void test_unordered(void)
{
    vw_replay_match *m = abcab();
    CHECK_EQ_INT(vw_replay_match_find(m, true, "b", 1), 1);
    vw_replay_match_use(m, 1);
    CHECK_EQ_INT(vw_replay_match_find(m, true, "b", 1), 4);     /* the second b, in order */
    vw_replay_match_use(m, 4);
    CHECK_EQ_INT(vw_replay_match_find(m, true, "b", 1), -1);
    CHECK_EQ_INT(vw_replay_match_find(m, true, "z", 1), -1);
    CHECK_EQ_INT(vw_replay_match_next(m), 0);                   /* a is still unused */
    CHECK(vw_replay_match_used(m, 4) && !vw_replay_match_used(m, 3));
    vw_replay_match_reset(m);
    CHECK(!vw_replay_match_used(m, 4));
    CHECK_EQ_INT(vw_replay_match_find(m, true, "b", 1), 1);
    vw_replay_match_free(m);
}

static void test_many_identical_and_same(void)
{
    vw_replay_match *m = vw_replay_match_new(), *o = abcab();
    for (int i = 0; i < 10000; i++)
        vw_replay_match_add(m, "", 0);                          /* empty keys are keys too */
    vw_replay_match_add(m, "a", 1);
    CHECK_EQ_INT(vw_replay_match_seal(m), 0);
    for (long i = 0; i < 10000; i++) {
        long at = vw_replay_match_find(m, true, "", 0);
        CHECK_EQ_INT(at, i);
        vw_replay_match_use(m, (size_t)at);
    }
    CHECK_EQ_INT(vw_replay_match_find(m, true, "", 0), -1);
    CHECK(vw_replay_match_same(m, 10000, o, 3));
    CHECK(!vw_replay_match_same(m, 10000, o, 1));
    CHECK(vw_replay_match_is(o, 2, "c", 1) && !vw_replay_match_is(o, 2, "a", 1));
    vw_replay_match_free(m);
    vw_replay_match_free(o);
}

int main(void)
{
    RUN(test_strict);
    RUN(test_unordered);
    RUN(test_many_identical_and_same);
    return vwtest_summary("replay_match");
}
