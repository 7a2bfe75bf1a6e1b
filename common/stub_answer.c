/* stub_answer.c: the protocol-neutral part of a stub's answer (see stub_answer.h). */
#include "stub_answer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "vw_util.h"

/* Decodes one bytes member v (present) spelt as k says. */
static int decode_bytes(const json_t *v, const vw_bytes_key *k, size_t max, const char *path,
                        uint8_t **out, size_t *len, char *err, size_t errlen)
{
    if (k->form == VW_BYTES_B64) {
        size_t bad = 0;
        const char *why = "expected a string";
        if (!json_is_string(v) || vw_base64_decode(json_string_value(v), json_string_length(v),
                                                   max, out, len, &bad, &why) < 0) {
            snprintf(err, errlen, "%s.%s: not base64 (character %zu: %s)", path, k->key, bad, why);
            return -1;
        }
        return 0;
    }
    if (k->form == VW_BYTES_HEX) {
        if (!json_is_string(v) || !(*out = vw_hex_decode(json_string_value(v), len))) {
            snprintf(err, errlen, "%s.%s: expected a string of hex byte pairs", path, k->key);
            return -1;
        }
        return 0;
    }
    if (!json_is_string(v)) {
        snprintf(err, errlen, "%s.%s: expected a string (sent as it is)", path, k->key);
        return -1;
    }
    *len = json_string_length(v);
    if (!(*out = malloc(*len + 1)))
        return -1;
    memcpy(*out, json_string_value(v), *len);
    return 0;
}

int vw_json_bytes_member(const json_t *obj, const vw_bytes_key keys[2], size_t max,
                         const char *path, uint8_t **out, size_t *len, bool *found, char *err,
                         size_t errlen)
{
    json_t *v0 = json_object_get(obj, keys[0].key), *v1 = json_object_get(obj, keys[1].key);
    *found = v0 || v1;
    if (v0 && v1) {
        snprintf(err, errlen, "%s: give %s or %s, not both", path, keys[0].key, keys[1].key);
        return -1;
    }
    if (!*found)
        return 0;
    return decode_bytes(v0 ? v0 : v1, v0 ? &keys[0] : &keys[1], max, path, out, len, err,
                        errlen);
}

void *vw_stub_answer_new(size_t size, const json_t *ans, const char *path,
                         const vw_stub_answer_form *f, char *err, size_t errlen)
{
    long delay_ms;
    err[0] = '\0';
    if (vw_scenario_check_answer(ans, path, f->allowed, f->bools, &delay_ms, err, errlen) < 0)
        return NULL;
    bool fallthrough = json_is_true(json_object_get(ans, "fallthrough"));
    if ((json_object_get(ans, f->reply_key) != NULL) + (json_object_get(ans, "error") != NULL) +
        fallthrough > 1) {
        snprintf(err, errlen, "%s: give one of %s, error, fallthrough", path, f->reply_key);
        return NULL;
    }
    vw_stub_answer *a = calloc(1, size);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->refs = 1;
    a->delay_ms = delay_ms;
    a->close = json_is_true(json_object_get(ans, "close"));
    a->fallthrough = fallthrough;
    return a;
}

void *vw_stub_answer_end(vw_stub_answer *a, const json_t *ans, const char *path,
                         const vw_stub_answer_form *f, vw_stub_answer_unref_fn *unref, char *err,
                         size_t errlen)
{
    bool found_raw;
    if (vw_json_bytes_member(ans, f->raw, f->raw_max, path, &a->raw, &a->raw_len, &found_raw,
                             err, errlen) < 0)
        return vw_stub_answer_drop(a, path, unref, err, errlen);
    if (!json_object_get(ans, f->reply_key) && !json_object_get(ans, "error") &&
        !a->fallthrough && !found_raw && !a->close) {
        snprintf(err, errlen, "%s: say what to answer: %s (events and delay_ms go with one of "
                 "them)", path, f->say_what);
        return vw_stub_answer_drop(a, path, unref, err, errlen);
    }
    return a;
}

void *vw_stub_answer_drop(vw_stub_answer *a, const char *path, vw_stub_answer_unref_fn *unref,
                          char *err, size_t errlen)
{
    if (!err[0])
        snprintf(err, errlen, "%s: out of memory", path);
    unref(a);
    return NULL;
}

bool vw_stub_answer_unref(vw_stub_answer *a)
{
    if (!a || --a->refs > 0)
        return false;
    free(a->raw);
    a->raw = NULL;
    return true;
}
