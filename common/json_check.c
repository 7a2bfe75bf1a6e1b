/* json_check.c: the JSON member checks and subset matching of every loader (see scenario.h, scenario_priv.h and docs/scenario-format.md). */
#include "scenario_priv.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers --------------------------------------------------------------------------- */

void vw_scn_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int vw_scn_get_opt_count(const json_t *obj, const char *key, const char *path, long *out,
                         long min, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > 1000000000) {
        vw_scn_seterr(err, errlen, "%s.%s: expected an integer from %ld to 1000000000", path, key, min);
        return -1;
    }
    *out = (long)json_integer_value(v);
    return 0;
}

void vw_json_path(char *out, size_t outlen, const char *base, const char *key, long index)
{
    if (key)
        snprintf(out, outlen, "%s.%s", base, key);
    else
        snprintf(out, outlen, "%s[%ld]", base, index);
}

int vw_json_check_members(const json_t *obj, const char *const *allowed, const char *path,
                          char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(allowed[i], key) == 0)
                ok = true;
        if (!ok) {
            char list[512] = "";
            size_t off = 0;
            for (size_t i = 0; allowed[i] && off < sizeof(list); i++)
                off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
                                        allowed[i]);
            vw_scn_seterr(err, errlen, "%s: unknown member '%s' (expected one of: %s)", path, key, list);
            return -1;
        }
    }
    return 0;
}

int vw_scenario_check_answer(const json_t *ans, const char *path, const char *const *allowed,
                             const char *const *bools, long *delay_ms, char *err, size_t errlen)
{
    if (vw_json_check_members(ans, allowed, path, err, errlen) < 0)
        return -1;
    for (size_t i = 0; bools[i]; i++) {
        json_t *v = json_object_get(ans, bools[i]);
        if (v && !json_is_boolean(v)) {
            vw_scn_seterr(err, errlen, "%s.%s: expected true or false", path, bools[i]);
            return -1;
        }
    }
    const json_t *events = json_object_get(ans, "events");
    if (events && (!json_is_array(events) || json_array_size(events) > 1000)) {
        vw_scn_seterr(err, errlen, "%s.events: expected an array (at most 1000 events)", path);
        return -1;
    }
    const json_t *delay = json_object_get(ans, "delay_ms");
    if (delay && (!json_is_integer(delay) || json_integer_value(delay) < 0 ||
                  json_integer_value(delay) > 3600000)) {
        vw_scn_seterr(err, errlen, "%s.delay_ms: expected milliseconds from 0 to 3600000", path);
        return -1;
    }
    *delay_ms = delay ? (long)json_integer_value(delay) : 0;
    return 0;
}

int vw_json_check_object(const json_t *obj, const char *const *allowed, const char *path,
                         const char *expected, char *err, size_t errlen)
{
    if (!json_is_object(obj)) {
        vw_scn_seterr(err, errlen, "%s: expected %s", path, expected);
        return -1;
    }
    return vw_json_check_members(obj, allowed, path, err, errlen);
}

/* ---- subset matching ------------------------------------------------------------------------- */

static bool operator_match(const char *op, const json_t *arg, const json_t *value, bool *known)
{
    *known = true;
    if (strcmp(op, "$any") == 0)
        return value != NULL;
    if (strcmp(op, "$exists") == 0)
        return json_is_true(arg) ? value != NULL : value == NULL;
    if (strcmp(op, "$contains") == 0) {
        const char *needle = json_string_value(arg);
        const char *hay = json_string_value(value);
        return needle && hay && strstr(hay, needle) != NULL;
    }
    if (strcmp(op, "$regex") == 0) {
        const char *re = json_string_value(arg);
        const char *str = json_string_value(value);
        if (!re || !str)
            return false;
        regex_t rx;
        if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
            return false;
        bool ok = regexec(&rx, str, 0, NULL, 0) == 0;
        regfree(&rx);
        return ok;
    }
    *known = false;
    return false;
}

static bool subset_match(const json_t *pattern, const json_t *value, int depth)
{
    if (depth > 64)
        return false;
    if (json_is_object(pattern) && json_object_size(pattern) == 1) {
        const char *key = json_object_iter_key(json_object_iter((json_t *)pattern));
        if (key[0] == '$') {
            bool known;
            bool r = operator_match(key, json_object_get(pattern, key), value, &known);
            if (known)
                return r;
        }
    }
    if (!value)
        return false;
    if (json_is_object(pattern)) {
        if (!json_is_object(value))
            return false;
        const char *key;
        json_t *pv;
        json_object_foreach((json_t *)pattern, key, pv) {
            json_t *vv = json_object_get(value, key);
            /* {"$exists": false} must see the absent member */
            if (!vv && !(json_is_object(pv) && json_object_get(pv, "$exists")))
                return false;
            if (!subset_match(pv, vv, depth + 1))
                return false;
        }
        return true;
    }
    if (json_is_array(pattern)) {
        if (!json_is_array(value) || json_array_size(value) != json_array_size(pattern))
            return false;
        for (size_t i = 0; i < json_array_size(pattern); i++)
            if (!subset_match(json_array_get(pattern, i), json_array_get(value, i), depth + 1))
                return false;
        return true;
    }
    if (json_is_number(pattern) && json_is_number(value)) {
        if (json_is_integer(pattern) && json_is_integer(value))
            return json_integer_value(pattern) == json_integer_value(value);
        return json_number_value(pattern) == json_number_value(value);
    }
    return json_equal((json_t *)pattern, (json_t *)value);
}

bool vw_json_subset_match(const json_t *pattern, const json_t *value)
{
    return subset_match(pattern, value, 0);
}

