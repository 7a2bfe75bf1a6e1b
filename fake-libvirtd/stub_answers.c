/* stub_answers.c: a scenario stub's answer compiled from the file (reply, error, events, raw
 * bytes, delay, close) and the procedure names a stub is matched by (see stub_answers.h). */
#include "stub_answers.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "procs.h"
#include "scenario.h"
#include "stub_answer.h"
#include "stub_codec.h"
#include "vw_util.h"

void fl_stub_answer_unref(void *p)
{
    lv_answer *a = p;
    if (!a || !vw_stub_answer_unref(&a->base))
        return;
    free(a->reply);
    vw_virerror_clear(&a->error);
    for (size_t i = 0; i < a->nevents; i++)
        free(a->events[i].dom_name);
    free(a->events);
    free(a);
}

static const char *const lifecycle_names[] = {"Defined", "Undefined", "Started", "Suspended",
                                               "Resumed", "Stopped", "Shutdown", "PMSuspended",
                                               "Crashed"};

static int opt_int(const json_t *obj, const char *key, int *out, const char *path, char *err,
                   size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
        json_integer_value(v) > INT32_MAX) {
        snprintf(err, errlen, "%s.%s: expected an integer", path, key);
        return -1;
    }
    *out = (int)json_integer_value(v);
    return 0;
}

static int opt_str(const json_t *obj, const char *key, char **out, const char *path, char *err,
                   size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_string(v)) {
        snprintf(err, errlen, "%s.%s: expected a string", path, key);
        return -1;
    }
    *out = strdup(json_string_value(v));
    return *out ? 0 : -1;
}

static int parse_event(lv_event *ev, const json_t *def, const char *path, char *err,
                       size_t errlen)
{
    static const char *const top[] = {"lifecycle", NULL};
    static const char *const fields[] = {"domain", "uuid", "id", "event", "detail", NULL};
    if (!json_is_object(def) || vw_json_check_members(def, top, path, err, errlen) < 0 ||
        !json_object_get(def, "lifecycle")) {
        if (!err[0] || json_is_object(def))
            snprintf(err, errlen, "%s: expected {\"lifecycle\": {\"domain\": NAME, \"event\": "
                     "\"Stopped\", \"detail\": 0}}", path);
        return -1;
    }
    const json_t *lc = json_object_get(def, "lifecycle");
    char sub[512];
    vw_json_path(sub, sizeof(sub), path, "lifecycle", 0);
    if (!json_is_object(lc) || vw_json_check_members(lc, fields, sub, err, errlen) < 0) {
        if (!json_is_object(lc))
            snprintf(err, errlen, "%s: expected an object", sub);
        return -1;
    }
    const char *name = json_string_value(json_object_get(lc, "domain"));
    if (!name) {
        snprintf(err, errlen, "%s.domain: expected the domain's name (a string)", sub);
        return -1;
    }
    ev->dom_name = strdup(name);
    json_t *uuid = json_object_get(lc, "uuid");
    if (uuid) {
        if (!json_is_string(uuid) || vw_uuid_parse(json_string_value(uuid), ev->uuid) < 0) {
            snprintf(err, errlen, "%s.uuid: expected a UUID string", sub);
            return -1;
        }
        ev->has_uuid = true;
    }
    if (json_object_get(lc, "id")) {
        ev->has_id = true;
        if (opt_int(lc, "id", &ev->id, sub, err, errlen) < 0)
            return -1;
    }
    json_t *e = json_object_get(lc, "event");
    if (json_is_string(e)) {
        ev->event = -1;
        for (int i = 0; i < (int)(sizeof(lifecycle_names) / sizeof(lifecycle_names[0])); i++)
            if (strcasecmp(json_string_value(e), lifecycle_names[i]) == 0)
                ev->event = i;
        if (ev->event < 0) {
            snprintf(err, errlen, "%s.event: unknown lifecycle event '%s' (Defined, Undefined, "
                     "Started, Suspended, Resumed, Stopped, Shutdown, PMSuspended, Crashed, or a "
                     "number)", sub, json_string_value(e));
            return -1;
        }
    } else if (json_is_integer(e)) {
        ev->event = (int)json_integer_value(e);
    } else {
        snprintf(err, errlen, "%s.event: expected a lifecycle event name or number", sub);
        return -1;
    }
    return opt_int(lc, "detail", &ev->detail, sub, err, errlen);
}

static const char *const answer_members[] = {"reply", "error", "events", "delay_ms", "raw_b64",
                                             "raw_hex", "close", "fallthrough", NULL};
static const char *const answer_bools[] = {"close", "fallthrough", NULL};
static const vw_stub_answer_form answer_form = {
    .allowed = answer_members, .bools = answer_bools, .reply_key = "reply",
    .raw = {{"raw_b64", VW_BYTES_B64}, {"raw_hex", VW_BYTES_HEX}}, .raw_max = VW_PACKET_MAX,
    .say_what = "reply, error, raw_b64/raw_hex, close or fallthrough",
};
static const vw_bytes_key payload_keys[2] = {{"payload_b64", VW_BYTES_B64},
                                             {"payload_hex", VW_BYTES_HEX}};

void *fl_stub_compile_answer(void *opaque, const char *program, const char *name,
                             const json_t *ans, const char *path, char *err, size_t errlen)
{
    (void)opaque;
    static const char *const reply_keys[] = {"payload_b64", "payload_hex", "ret", NULL};
    static const char *const error_keys[] = {"code", "domain", "message", "level", "str1", "str2",
                                             "str3", "int1", "int2", NULL};
    char sub[512];
    lv_answer *a = vw_stub_answer_new(sizeof(*a), ans, path, &answer_form, err, errlen);
    if (!a)
        return NULL;
    const json_t *reply = json_object_get(ans, "reply");
    const json_t *error = json_object_get(ans, "error");
    if (reply) {
        vw_json_path(sub, sizeof(sub), path, "reply", 0);
        if (vw_json_check_object(reply, reply_keys, sub, "an object ({} = empty payload)", err,
                                 errlen) < 0)
            goto fail;
        bool found;
        if (vw_json_bytes_member(reply, payload_keys, VW_PACKET_MAX, sub, &a->reply,
                                 &a->reply_len, &found, err, errlen) < 0)
            goto fail;
        const json_t *ret = json_object_get(reply, "ret");
        if (ret && found) {
            snprintf(err, errlen, "%s: give ret or a payload, not both", sub);
            goto fail;
        }
        if (ret) {
            char rpath[600];
            vw_json_path(rpath, sizeof(rpath), sub, "ret", 0);
            if (!json_is_object(ret)) {
                snprintf(err, errlen, "%s: expected an object", rpath);
                goto fail;
            }
            const vw_proc_info *pi = name ? vw_procs_lookup_name(
                                                program ? vw_program_from_name(program) : 0, name)
                                          : NULL;
            if (!pi) {
                snprintf(err, errlen, "%s: a JSON \"ret\" needs the stub to match one known "
                         "procedure (match.procedure)", rpath);
                goto fail;
            }
            vw_buf b;
            vw_buf_init(&b);
            if (fl_stub_encode_ret(pi->prog, pi->proc, ret, rpath, &b, err, errlen) < 0) {
                vw_buf_free(&b);
                goto fail;
            }
            a->reply = malloc(b.len ? b.len : 1);
            if (a->reply && b.len)
                memcpy(a->reply, b.data, b.len);
            a->reply_len = b.len;
            vw_buf_free(&b);
        }
        if (!a->reply && !(a->reply = malloc(1)))    /* {}: an empty payload */
            goto fail;
        a->has_reply = true;
    }
    if (error) {
        vw_json_path(sub, sizeof(sub), path, "error", 0);
        if (vw_json_check_object(error, error_keys, sub, "an object {code, domain, message, ...}",
                                 err, errlen) < 0)
            goto fail;
        vw_virerror *e = &a->error;
        e->code = VW_ERR_INTERNAL_ERROR;
        e->domain = VW_FROM_NONE;
        e->level = VW_ERR_LEVEL_ERROR;
        e->int1 = e->int2 = -1;
        if (opt_int(error, "code", &e->code, sub, err, errlen) < 0 ||
            opt_int(error, "domain", &e->domain, sub, err, errlen) < 0 ||
            opt_int(error, "level", &e->level, sub, err, errlen) < 0 ||
            opt_int(error, "int1", &e->int1, sub, err, errlen) < 0 ||
            opt_int(error, "int2", &e->int2, sub, err, errlen) < 0 ||
            opt_str(error, "message", &e->message, sub, err, errlen) < 0 ||
            opt_str(error, "str1", &e->str1, sub, err, errlen) < 0 ||
            opt_str(error, "str2", &e->str2, sub, err, errlen) < 0 ||
            opt_str(error, "str3", &e->str3, sub, err, errlen) < 0)
            goto fail;
        a->has_error = true;
    }
    const json_t *events = json_object_get(ans, "events");
    if (events) {
        vw_json_path(sub, sizeof(sub), path, "events", 0);
        a->events = calloc(json_array_size(events) + 1, sizeof(*a->events));
        if (!a->events)
            goto fail;
        for (size_t i = 0; i < json_array_size(events); i++) {
            char epath[600];
            vw_json_path(epath, sizeof(epath), sub, NULL, (long)i);
            a->nevents++;
            if (parse_event(&a->events[i], json_array_get(events, i), epath, err, errlen) < 0)
                goto fail;
        }
    }
    return vw_stub_answer_end(&a->base, ans, path, &answer_form, fl_stub_answer_unref, err,
                              errlen);
fail:
    return vw_stub_answer_drop(&a->base, path, fl_stub_answer_unref, err, errlen);
}

/* ---- names ----------------------------------------------------------------------------------- */

int fl_stub_resolve(void *opaque, const json_t *program_in, const json_t *name_in,
                    char **program_out, char **name_out, char *err, size_t errlen)
{
    (void)opaque;
    uint32_t prog = 0;
    *program_out = *name_out = NULL;
    if (program_in) {
        if (json_is_integer(program_in))
            prog = (uint32_t)json_integer_value(program_in);
        else if (json_is_string(program_in))
            prog = vw_program_from_name(json_string_value(program_in));
        if (!prog) {
            snprintf(err, errlen, "program: unknown program (REMOTE, QEMU, KEEPALIVE, or a "
                     "number)");
            return -1;
        }
    }
    if (name_in && !json_is_integer(name_in) && !json_is_string(name_in)) {
        snprintf(err, errlen, "procedure: expected a name (a string) or a number");
        return -1;
    }
    if (name_in && json_is_integer(name_in)) {
        char buf[32];
        if (!prog)
            prog = VW_REMOTE_PROGRAM;
        *name_out = strdup(vw_procs_name(prog, (int32_t)json_integer_value(name_in), buf,
                                         sizeof(buf)));
    } else if (name_in) {
        char up[128];
        const char *s = json_string_value(name_in);
        size_t n = 0;
        for (; s[n] && n + 1 < sizeof(up); n++)
            up[n] = (char)toupper((unsigned char)s[n]);
        up[n] = '\0';
        const char *name = up;
        if (strncmp(name, "REMOTE_PROC_", 12) == 0)
            name += 12;
        else if (strncmp(name, "QEMU_PROC_", 10) == 0)
            name += 10;
        const vw_proc_info *pi = vw_procs_lookup_name(prog, name);
        if (!pi && strncmp(name, "PROC_", 5) == 0 && name[5]) {
            char *end;
            long num = strtol(name + 5, &end, 10);
            if (!*end) {
                char buf[32];
                if (!prog)
                    prog = VW_REMOTE_PROGRAM;
                *name_out = strdup(vw_procs_name(prog, (int32_t)num, buf, sizeof(buf)));
            }
        }
        if (!pi && !*name_out) {
            snprintf(err, errlen, "procedure: unknown procedure '%s' (names as in "
                     "proto/procedures.list, "
                     "e.g. DOMAIN_LOOKUP_BY_NAME; or give its number)", s);
            return -1;
        }
        if (pi) {
            prog = pi->prog;
            *name_out = strdup(pi->name);
        }
    }
    if (prog) {
        const char *pn = vw_program_name(prog);
        char buf[16];
        snprintf(buf, sizeof(buf), "0x%08x", prog);
        *program_out = strdup(pn ? pn : buf);
    }
    return 0;
}
