/* schema_index.c: the recorded schema as text with a name index, entries parsed on demand
 * (schema_index.h). */
#include "schema_index.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t name_off, name_len;    /* the name's characters (no escapes) in the text */
    uint32_t off, len;              /* the whole SchemaInfo object */
} entry;

struct fq_schema_index {
    const char *text;
    size_t len;
    char *owned;
    entry *entries;                 /* sorted by name */
    size_t n;
    json_t *parsed;                 /* name -> SchemaInfo, the entries looked up so far */
};

/* ---- the structural scan: where each object and its name are ---------------------------- */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* p at '"': just past the closing quote, or NULL. */
static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* Past one value (string, object, array or scalar), or NULL when the text ends first. */
static const char *skip_value(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return skip_string(p, end);
    if (*p != '{' && *p != '[') {
        while (p < end && !strchr(",]} \t\r\n", *p))
            p++;
        return p;
    }
    size_t depth = 0;
    while (p < end) {
        if (*p == '"') {
            if (!(p = skip_string(p, end)))
                return NULL;
            continue;
        }
        if (*p == '{' || *p == '[')
            depth++;
        else if ((*p == '}' || *p == ']') && --depth == 0)
            return p + 1;
        p++;
    }
    return NULL;
}

/* One SchemaInfo object at p: fills e (offsets from base) and returns the end of the object,
 * or NULL with why set. */
static const char *scan_entry(const char *base, const char *p, const char *end, entry *e,
                              const char **why)
{
    int has_meta = 0;
    e->off = (uint32_t)(p - base);
    e->name_len = 0;
    e->name_off = 0;
    if (p >= end || *p != '{') {
        *why = "is not an object";
        return NULL;
    }
    p = skip_ws(p + 1, end);
    while (p < end && *p != '}') {
        const char *key = p;
        const char *val = (*p == '"') ? skip_string(p, end) : NULL;
        if (!val || (val = skip_ws(val, end)) >= end || *val != ':') {
            *why = "is not a JSON object";
            return NULL;
        }
        size_t klen = (size_t)(val - key);
        val = skip_ws(val + 1, end);
        const char *after = skip_value(val, end);
        if (!after || after == val) {
            *why = "is not a JSON object";
            return NULL;
        }
        int is_string = *val == '"' && !memchr(val, '\\', (size_t)(after - val));
        if (klen >= 6 && strncmp(key, "\"name\"", 6) == 0 && is_string) {
            e->name_off = (uint32_t)(val + 1 - base);
            e->name_len = (uint32_t)(after - val - 2);
        } else if (klen >= 11 && strncmp(key, "\"meta-type\"", 11) == 0 && *val == '"') {
            has_meta = 1;
        }
        p = skip_ws(after, end);
        if (p < end && *p == ',')
            p = skip_ws(p + 1, end);
    }
    if (p >= end) {
        *why = "is not a JSON object";
        return NULL;
    }
    if (e->name_len == 0 || !has_meta) {
        *why = "has no name or meta-type";
        return NULL;
    }
    e->len = (uint32_t)(p + 1 - base - e->off);
    return p + 1;
}

static int entry_cmp(const void *a, const void *b, void *text)
{
    const entry *x = a, *y = b;
    const char *base = text;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(base + x->name_off, base + y->name_off, n);
    return c ? c : (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

static int fail(fq_schema_index *ix, vw_error *err, const char *source, size_t off,
                const char *text)
{
    vw_error_set(err, source, 0, 0, off, "%s", text);
    fq_schema_index_free(ix);
    return -1;
}

static int scan(fq_schema_index *ix, const char *source, vw_error *err)
{
    const char *base = ix->text, *end = ix->text + ix->len;
    const char *p = skip_ws(base, end);
    if (p >= end || *p != '[')
        return fail(ix, err, source, (size_t)(p - base),
                    "expected a JSON array of SchemaInfo objects");
    size_t cap = 0;
    p = skip_ws(p + 1, end);
    while (p < end && *p != ']') {
        if (ix->n == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            entry *n = realloc(ix->entries, ncap * sizeof(*n));
            if (!n)
                return fail(ix, err, source, 0, "out of memory");
            ix->entries = n;
            cap = ncap;
        }
        const char *why = NULL;
        const char *next = scan_entry(base, p, end, &ix->entries[ix->n], &why);
        if (!next) {
            char msg[160];
            snprintf(msg, sizeof(msg), "entry %zu %s", ix->n, why);
            return fail(ix, err, source, (size_t)(p - base), msg);
        }
        ix->n++;
        p = skip_ws(next, end);
        if (p < end && *p == ',')
            p = skip_ws(p + 1, end);
    }
    if (p >= end)
        return fail(ix, err, source, ix->len, "the array of SchemaInfo objects is not closed");
    entry *fit = realloc(ix->entries, (ix->n ? ix->n : 1) * sizeof(*fit));
    if (fit)
        ix->entries = fit;
    qsort_r(ix->entries, ix->n, sizeof(entry), entry_cmp, (void *)base);
    return 0;
}

fq_schema_index *fq_schema_index_build(const char *text, size_t len, char *owned,
                                       const char *source, vw_error *err)
{
    fq_schema_index *ix = calloc(1, sizeof(*ix));
    json_t *parsed = json_object();
    if (!ix || !parsed || len > UINT32_MAX) {
        vw_error_set(err, source, 0, 0, 0, "%s",
                     len > UINT32_MAX ? "schema larger than 4 GiB" : "out of memory");
        free(ix);
        free(owned);
        json_decref(parsed);
        return NULL;
    }
    while (len > 0 && strchr(" \t\r\n", text[len - 1]))
        len--;                      /* a recording's closing newline: not part of the value */
    ix->text = text;
    ix->len = len;
    ix->owned = owned;
    ix->parsed = parsed;
    return scan(ix, source, err) < 0 ? NULL : ix;
}

void fq_schema_index_free(fq_schema_index *ix)
{
    if (!ix)
        return;
    json_decref(ix->parsed);
    free(ix->entries);
    free(ix->owned);
    free(ix);
}

const json_t *fq_schema_index_get(const fq_schema_index *ix, const char *name)
{
    if (!name)
        return NULL;
    json_t *done = json_object_get(ix->parsed, name);
    if (done)
        return done;
    size_t nlen = strlen(name), lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const entry *e = &ix->entries[mid];
        size_t n = e->name_len < nlen ? e->name_len : nlen;
        int c = memcmp(ix->text + e->name_off, name, n);
        if (c == 0)
            c = (e->name_len > nlen) - (e->name_len < nlen);
        if (c == 0) {
            json_t *ent = json_loadb(ix->text + e->off, e->len, 0, NULL);
            if (!ent || json_object_set_new(ix->parsed, name, ent) < 0)
                return NULL;
            return ent;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *fq_schema_index_text(const fq_schema_index *ix, size_t *len)
{
    *len = ix->len;
    return ix->text;
}

size_t fq_schema_index_count(const fq_schema_index *ix)
{
    return ix->n;
}
