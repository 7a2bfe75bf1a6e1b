/* test_stub_answer.c: common/stub_answer: the members every stub answer has, the two
 * spellings of raw bytes, the rules and their messages, the reference count. */
#include <stdlib.h>
#include <string.h>

#include "stub_answer.h"
#include "vwtest.h"

static const char *const members[] = {"reply", "error", "delay_ms", "raw_b64", "raw_hex",
                                      "close", "fallthrough", NULL};
static const char *const bools[] = {"close", "fallthrough", NULL};
static const vw_stub_answer_form form = {
    .allowed = members, .bools = bools, .reply_key = "reply",
    .raw = {{"raw_b64", VW_BYTES_B64}, {"raw_hex", VW_BYTES_HEX}}, .raw_max = 16,
    .say_what = "reply, error, raw bytes, close or fallthrough",
};

static void unref(void *p)
{
    if (vw_stub_answer_unref(p))
        free(p);
}

/* Compiles text; NULL with err when refused. */
static vw_stub_answer *compile(const char *text, char *err, size_t errlen)
{
    json_t *ans = json_loads(text, 0, NULL);
    vw_stub_answer *a = vw_stub_answer_new(sizeof(*a), ans, "$.a", &form, err, errlen);
    if (a)
        a = vw_stub_answer_end(a, ans, "$.a", &form, unref, err, errlen);
    json_decref(ans);
    return a;
}

static void test_stub_answer(void)
{
    char err[256];
    vw_stub_answer *a = compile("{\"raw_hex\": \"0a0B\", \"delay_ms\": 5, \"close\": true}", err,
                                sizeof(err));
    CHECK(a != NULL);
    CHECK(a && a->refs == 1 && a->delay_ms == 5 && a->close && !a->fallthrough);
    CHECK(a && a->raw_len == 2 && a->raw[0] == 0x0a && a->raw[1] == 0x0b);
    if (a) {
        a->refs++;
        CHECK(!vw_stub_answer_unref(a));        /* one reference left */
        CHECK(vw_stub_answer_unref(a));
        free(a);
    }
    a = compile("{\"fallthrough\": true, \"raw_b64\": \"aGk=\"}", err, sizeof(err));
    CHECK(a && a->fallthrough && a->raw_len == 2 && memcmp(a->raw, "hi", 2) == 0);
    if (a && vw_stub_answer_unref(a))
        free(a);
    CHECK(compile("{\"reply\": {}, \"fallthrough\": true}", err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "$.a: give one of reply, error, fallthrough");
    CHECK(compile("{\"raw_b64\": \"\", \"raw_hex\": \"\"}", err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "$.a: give raw_b64 or raw_hex, not both");
    CHECK(compile("{\"raw_hex\": \"0g\"}", err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "$.a.raw_hex: expected a string of hex byte pairs");
    CHECK(compile("{\"delay_ms\": 1}", err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "$.a: say what to answer: reply, error, raw bytes, close or fallthrough "
                 "(events and delay_ms go with one of them)");
    CHECK(compile("{\"close\": 1}", err, sizeof(err)) == NULL);   /* not a boolean */
    CHECK(compile("{\"bogus\": 1}", err, sizeof(err)) == NULL);
    vw_bytes_key text[2] = {{"raw", VW_BYTES_TEXT}, {"raw_b64", VW_BYTES_B64}};
    json_t *obj = json_pack("{s:i}", "raw", 1);
    uint8_t *out = NULL;
    size_t len = 0;
    bool found;
    CHECK_EQ_INT(vw_json_bytes_member(obj, text, 16, "$", &out, &len, &found, err, sizeof(err)),
                 -1);
    CHECK(found);
    CHECK_EQ_STR(err, "$.raw: expected a string (sent as it is)");
    json_decref(obj);
}

int main(void)
{
    RUN(test_stub_answer);
    return vwtest_summary("stub_answer");
}
