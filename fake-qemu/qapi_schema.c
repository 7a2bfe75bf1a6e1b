/* qapi_schema.c: QAPI schema index and QEMU-style argument validation, see qapi_schema.h. */
#include "qapi_schema.h"
#include "qemu_order.h"
#include "qmp_json.h"
#include "schema_index.h"
#include "vw_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_LEN 4096

struct qapi_schema {
    fq_schema_index *index;   /* the SchemaInfo array as text, entries parsed on demand */
    int old_enum_error;   /* QEMU < 6.0: "Invalid parameter 'VALUE'" for a bad enum value */
};

static qapi_schema *load(const char *text, size_t len, char *owned, const char *source,
                         vw_error *err)
{
    qapi_schema *s = calloc(1, sizeof(*s));
    if (!s) {
        free(owned);
        vw_error_set(err, source, 0, 0, 0, "out of memory");
        return NULL;
    }
    if (!(s->index = fq_schema_index_build(text, len, owned, source, err))) {
        free(s);
        return NULL;
    }
    return s;
}

qapi_schema *qapi_schema_load(const char *text, size_t len, const char *source, vw_error *err)
{
    return load(text, len, NULL, source, err);
}

qapi_schema *qapi_schema_adopt(char *text, size_t len, const char *source, vw_error *err)
{
    return load(text, len, text, source, err);
}

void qapi_schema_free(qapi_schema *s)
{
    if (!s)
        return;
    fq_schema_index_free(s->index);
    free(s);
}

void qapi_schema_set_version(qapi_schema *s, int major, int minor)
{
    /* QEMU 5.2's input_type_enum() reports QERR_INVALID_PARAMETER with the value; 6.0 changed
     * it to "Parameter '%s' does not accept value '%s'" (qapi/qapi-visit-core.c). */
    (void)minor;
    s->old_enum_error = major < 6;
}

const char *qapi_schema_text(const qapi_schema *s, size_t *len)
{
    return fq_schema_index_text(s->index, len);
}

size_t qapi_schema_count(const qapi_schema *s)
{
    return fq_schema_index_count(s->index);
}

static const json_t *lookup(const qapi_schema *s, const char *name)
{
    return fq_schema_index_get(s->index, name);
}

static const char *meta_of(const json_t *ent)
{
    return json_string_value(json_object_get(ent, "meta-type"));
}

const json_t *qapi_schema_command(const qapi_schema *s, const char *name)
{
    const json_t *ent = lookup(s, name);
    const char *meta = meta_of(ent);
    return meta && strcmp(meta, "command") == 0 ? ent : NULL;
}

int qapi_schema_command_allows_oob(const qapi_schema *s, const char *name)
{
    const json_t *cmd = qapi_schema_command(s, name);
    return cmd && json_is_true(json_object_get(cmd, "allow-oob"));
}

/* ---- validation ------------------------------------------------------------------------------ */

/* The dotted path of the member being visited lives in one buffer that grows and shrinks with
 * the recursion, so deep arguments (up to the parser's 1024 levels) use little stack. */
typedef struct {
    const qapi_schema *s;
    char *err;
    size_t errlen;
    char path[PATH_MAX_LEN];
    size_t pathlen;
} vctx;

static int is_raw_number(const json_t *v)
{
    return vw_qmp_raw_number_text(v) != NULL;
}

static int is_real_object(const json_t *v)
{
    return json_is_object(v) && !is_raw_number(v);
}

static vctx *vctx_new(const qapi_schema *s, char *err, size_t errlen)
{
    vctx *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->s = s;
    c->err = err;
    c->errlen = errlen;
    return c;
}

static int broken(vctx *c, const char *what, const char *name)
{
    snprintf(c->err, c->errlen, "schema: %s '%s'", what, name ? name : "(none)");
    return -2;
}

static int type_error(vctx *c, const char *expected)
{
    snprintf(c->err, c->errlen, "Invalid parameter type for '%s', expected: %s",
             c->pathlen ? c->path : "null", expected);
    return -1;
}

/* Appends ".name" (or "name" at the root) to the path; returns the old length for path_pop. */
static size_t path_push_member(vctx *c, const char *name)
{
    size_t old = c->pathlen;
    int n = snprintf(c->path + old, sizeof(c->path) - old, "%s%s", old ? "." : "", name);
    c->pathlen = n < 0 ? old : (old + (size_t)n < sizeof(c->path) ? old + (size_t)n : sizeof(c->path) - 1);
    return old;
}

static size_t path_push_index(vctx *c, size_t index)
{
    size_t old = c->pathlen;
    int n = snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", index);
    c->pathlen = n < 0 ? old : (old + (size_t)n < sizeof(c->path) ? old + (size_t)n : sizeof(c->path) - 1);
    return old;
}

static void path_pop(vctx *c, size_t old)
{
    c->pathlen = old;
    c->path[old] = '\0';
}

static int visit(vctx *c, const char *type, const json_t *v, const char *bare);

/* Visits the members of object type ent (and of the variant its tag selects) in v. */
static int visit_members(vctx *c, const json_t *ent, const json_t *v,
                         const char **visited, size_t *nvisited, size_t cap)
{
    const json_t *members = json_object_get(ent, "members");
    if (!json_is_array(members))
        return broken(c, "object without members", json_string_value(json_object_get(ent, "name")));
    size_t i;
    const json_t *m;
    json_array_foreach(members, i, m) {
        const char *name = json_string_value(json_object_get(m, "name"));
        const char *mtype = json_string_value(json_object_get(m, "type"));
        if (!name || !mtype)
            return broken(c, "member without name or type in", json_string_value(json_object_get(ent, "name")));
        int optional = json_object_get(m, "default") != NULL;
        const json_t *mv = json_object_get(v, name);
        if (!mv && optional)
            continue;
        size_t old = path_push_member(c, name);
        if (!mv) {
            snprintf(c->err, c->errlen, "Parameter '%s' is missing", c->path);
            return -1;
        }
        if (*nvisited < cap)   /* each present member once: cap = members of v */
            visited[(*nvisited)++] = name;
        int rc = visit(c, mtype, mv, name);
        path_pop(c, old);
        if (rc)
            return rc;
    }
    const char *tag = json_string_value(json_object_get(ent, "tag"));
    if (!tag)
        return 0;
    const char *tagval = json_string_value(json_object_get(v, tag));
    if (!tagval)
        return 0;   /* an optional tag that is absent: no variant */
    const json_t *variants = json_object_get(ent, "variants");
    const json_t *var;
    json_array_foreach(variants, i, var) {
        const char *vcase = json_string_value(json_object_get(var, "case"));
        if (vcase && strcmp(vcase, tagval) == 0) {
            const char *vtype = json_string_value(json_object_get(var, "type"));
            const json_t *vent = lookup(c->s, vtype);
            if (!vent)
                return broken(c, "unknown variant type", vtype);
            return visit_members(c, vent, v, visited, nvisited, cap);
        }
    }
    return 0;
}

static int visit_object(vctx *c, const json_t *ent, const json_t *v)
{
    if (!is_real_object(v))
        return type_error(c, "object");
    size_t cap = json_object_size(v) ? json_object_size(v) : 1;
    const char **visited = calloc(cap, sizeof(*visited));
    if (!visited) {
        snprintf(c->err, c->errlen, "out of memory");
        return -2;
    }
    size_t nvisited = 0;
    int rc = visit_members(c, ent, v, visited, &nvisited, cap);
    if (rc == 0) {
        const char *left = qemu_order_first_leftover(v, visited, nvisited);
        if (left) {
            size_t old = path_push_member(c, left);
            snprintf(c->err, c->errlen, "Parameter '%s' is unexpected", c->path);
            path_pop(c, old);
            rc = -1;
        }
    }
    free(visited);
    return rc;
}

/* The QAPI name of an alternate, for its type error (introspection hides names; these are the
 * alternates of QEMU 7.x recognised by their shape). */
static const char *alternate_name(vctx *c, const json_t *ent)
{
    const json_t *members = json_object_get(ent, "members");
    int has_null = 0, has_str = 0, has_bool = 0;
    const char *first_obj_member = NULL;
    size_t i;
    const json_t *m;
    json_array_foreach(members, i, m) {
        const char *t = json_string_value(json_object_get(m, "type"));
        if (!t)
            continue;
        if (strcmp(t, "null") == 0)
            has_null = 1;
        else if (strcmp(t, "str") == 0)
            has_str = 1;
        else if (strcmp(t, "bool") == 0)
            has_bool = 1;
        const json_t *te = lookup(c->s, t);
        const char *meta = meta_of(te);
        if (meta && strcmp(meta, "object") == 0) {
            const json_t *om = json_array_get(json_object_get(te, "members"), 0);
            first_obj_member = json_string_value(json_object_get(om, "name"));
        }
    }
    if (first_obj_member && strcmp(first_obj_member, "driver") == 0)
        return has_null ? "BlockdevRefOrNull" : "BlockdevRef";
    if (first_obj_member && strcmp(first_obj_member, "node") == 0)
        return "BlockDirtyBitmapMergeSource";
    if (first_obj_member && strcmp(first_obj_member, "template") == 0)
        return "Qcow2OverlapChecks";
    if (has_str && has_null && json_array_size(members) == 2)
        return "StrOrNull";
    if (has_bool)
        return "StatsValue";
    return json_string_value(json_object_get(ent, "name"));
}

/* Does v's JSON kind select the alternate branch of type t? */
static int alternate_branch_matches(vctx *c, const char *t, const json_t *v)
{
    const json_t *te = lookup(c->s, t);
    const char *meta = meta_of(te);
    if (!meta)
        return 0;
    if (strcmp(meta, "builtin") == 0) {
        const char *jt = json_string_value(json_object_get(te, "json-type"));
        if (!jt)
            return 0;
        if (strcmp(jt, "string") == 0)
            return json_is_string(v);
        if (strcmp(jt, "int") == 0 || strcmp(jt, "number") == 0)
            return json_is_number(v) || is_raw_number(v);
        if (strcmp(jt, "boolean") == 0)
            return json_is_boolean(v);
        if (strcmp(jt, "null") == 0)
            return json_is_null(v);
        return 1;
    }
    if (strcmp(meta, "enum") == 0)
        return json_is_string(v);
    if (strcmp(meta, "object") == 0)
        return is_real_object(v);
    if (strcmp(meta, "array") == 0)
        return json_is_array(v);
    return 0;
}

static int visit(vctx *c, const char *type, const json_t *v, const char *bare)
{
    const json_t *ent = lookup(c->s, type);
    const char *meta = meta_of(ent);
    if (!meta)
        return broken(c, "unknown type", type);
    if (strcmp(meta, "builtin") == 0) {
        const char *jt = json_string_value(json_object_get(ent, "json-type"));
        if (!jt)
            return broken(c, "builtin without json-type", type);
        if (strcmp(jt, "string") == 0)
            return json_is_string(v) ? 0 : type_error(c, "string");
        if (strcmp(jt, "int") == 0) {
            uint64_t u;
            if (json_is_integer(v) || (is_raw_number(v) && vw_qmp_get_uint64(v, &u) == 0))
                return 0;
            return type_error(c, "integer");
        }
        if (strcmp(jt, "number") == 0)
            return json_is_number(v) || is_raw_number(v) ? 0 : type_error(c, "number");
        if (strcmp(jt, "boolean") == 0)
            return json_is_boolean(v) ? 0 : type_error(c, "boolean");
        if (strcmp(jt, "null") == 0)
            return json_is_null(v) ? 0 : type_error(c, "null");
        return 0;   /* value / any */
    }
    if (strcmp(meta, "enum") == 0) {
        if (!json_is_string(v))
            return type_error(c, "string");
        const char *sv = json_string_value(v);
        size_t i;
        const json_t *val;
        json_array_foreach(json_object_get(ent, "values"), i, val) {
            if (json_is_string(val) && strcmp(json_string_value(val), sv) == 0)
                return 0;
        }
        if (c->s->old_enum_error)
            snprintf(c->err, c->errlen, "Invalid parameter '%s'", sv);
        else
            snprintf(c->err, c->errlen, "Parameter '%s' does not accept value '%s'",
                     bare ? bare : "null", sv);
        return -1;
    }
    if (strcmp(meta, "array") == 0) {
        if (!json_is_array(v))
            return type_error(c, "array");
        const char *et = json_string_value(json_object_get(ent, "element-type"));
        size_t i;
        const json_t *el;
        json_array_foreach(v, i, el) {
            size_t old = path_push_index(c, i);
            int rc = visit(c, et, el, NULL);
            path_pop(c, old);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (strcmp(meta, "object") == 0)
        return visit_object(c, ent, v);
    if (strcmp(meta, "alternate") == 0) {
        size_t i;
        const json_t *m;
        json_array_foreach(json_object_get(ent, "members"), i, m) {
            const char *t = json_string_value(json_object_get(m, "type"));
            if (t && alternate_branch_matches(c, t, v))
                return visit(c, t, v, bare);
        }
        snprintf(c->err, c->errlen, "Invalid parameter type for '%s', expected: %s",
                 bare ? bare : "null", alternate_name(c, ent));
        return -1;
    }
    return broken(c, "unexpected meta-type for a value", type);
}

int qapi_schema_check_args(const qapi_schema *s, const char *command, const json_t *args,
                           char *err, size_t errlen)
{
    vctx *c = vctx_new(s, err, errlen);
    if (!c)
        return -2;
    const json_t *cmd = qapi_schema_command(s, command);
    const char *at = json_string_value(json_object_get(cmd, "arg-type"));
    const json_t *ent = lookup(s, at);
    const char *meta = meta_of(ent);
    int rc;
    if (!cmd)
        rc = broken(c, "no such command", command);
    else if (!meta || strcmp(meta, "object") != 0)
        rc = broken(c, "command without an object arg-type", command);
    else
        rc = visit_object(c, ent, args);
    free(c);
    return rc;
}

int qapi_schema_check_value(const qapi_schema *s, const char *type, const json_t *value,
                            const char *path, char *err, size_t errlen)
{
    vctx *c = vctx_new(s, err, errlen);
    if (!c)
        return -2;
    if (path)
        path_push_member(c, path);
    int rc = visit(c, type, value, NULL);
    free(c);
    return rc;
}

int qapi_schema_check_return(const qapi_schema *s, const char *command, const json_t *ret,
                             char *err, size_t errlen)
{
    const json_t *cmd = qapi_schema_command(s, command);
    if (!cmd) {
        snprintf(err, errlen, "schema: no such command '%s'", command);
        return -2;
    }
    return qapi_schema_check_value(s, json_string_value(json_object_get(cmd, "ret-type")), ret,
                                   "return", err, errlen);
}

int qapi_schema_check_event(const qapi_schema *s, const char *event, const json_t *data,
                            char *err, size_t errlen)
{
    const json_t *ent = lookup(s, event);
    const char *meta = meta_of(ent);
    if (!meta || strcmp(meta, "event") != 0) {
        snprintf(err, errlen, "schema: no such event '%s'", event);
        return -2;
    }
    const char *at = json_string_value(json_object_get(ent, "arg-type"));
    json_t *empty = data ? NULL : json_object();
    int rc = qapi_schema_check_value(s, at, data ? data : empty, "data", err, errlen);
    json_decref(empty);
    return rc;
}
