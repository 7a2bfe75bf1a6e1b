/* qmp_json_write.c: QMP's JSON serializer (vw_qmp_dumps, see qmp_json.h): writes values as
 * QEMU 7.2's qobject/qjson.c does. */
#include "qmp_json.h"
#include "qmp_json_priv.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- serializer ----------------------------------------------------------------------------- */

struct outbuf {
    char *buf;
    size_t len, cap;
};

static void out_mem(struct outbuf *o, const char *s, size_t n)
{
    vw_qmp_grow((void **)&o->buf, &o->cap, o->len + n + 1, 1);
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void out_str(struct outbuf *o, const char *s)
{
    out_mem(o, s, strlen(s));
}

/* qobject/qjson.c's string writer: ASCII only, uppercase \uXXXX. */
static void out_json_string(struct outbuf *o, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    char esc[32];

    out_mem(o, "\"", 1);
    while (i < n) {
        size_t used;
        long cp = vw_qmp_utf8_codepoint(p + i, n - i, &used);
        i += used;
        switch (cp) {
        case '"': out_mem(o, "\\\"", 2); break;
        case '\\': out_mem(o, "\\\\", 2); break;
        case '\b': out_mem(o, "\\b", 2); break;
        case '\f': out_mem(o, "\\f", 2); break;
        case '\n': out_mem(o, "\\n", 2); break;
        case '\r': out_mem(o, "\\r", 2); break;
        case '\t': out_mem(o, "\\t", 2); break;
        default:
            if (cp < 0) {
                cp = 0xFFFD;
            }
            if (cp > 0xFFFF) {
                snprintf(esc, sizeof(esc), "\\u%04lX\\u%04lX", 0xD800 + ((cp - 0x10000) >> 10),
                         0xDC00 + ((cp - 0x10000) & 0x3FF));
                out_str(o, esc);
            } else if (cp < 0x20 || cp >= 0x7F) {
                snprintf(esc, sizeof(esc), "\\u%04lX", cp);
                out_str(o, esc);
            } else {
                char c = (char)cp;
                out_mem(o, &c, 1);
            }
        }
    }
    out_mem(o, "\"", 1);
}

/* qobject/qdict.c's hash: QDict iterates its 512 buckets in order, newest entry first. */
static unsigned qdict_bucket(const char *key)
{
    unsigned value = 0x238F13AFu * (unsigned)strlen(key);
    for (unsigned i = 0; key[i]; i++) {
        value = value + ((unsigned)(unsigned char)key[i] << (i * 5 % 24));
    }
    return (1103515243u * value + 12345u) % 512u;
}

struct member {
    const char *key;
    size_t keylen;
    json_t *value;
    unsigned bucket;
    size_t index;
};

static int member_cmp(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    if (x->bucket != y->bucket) {
        return x->bucket < y->bucket ? -1 : 1;
    }
    /* Same bucket: the later insertion is at the head of the bucket's list. */
    return x->index > y->index ? -1 : (x->index < y->index ? 1 : 0);
}

static void out_value(struct outbuf *o, const json_t *v, int flags, size_t depth)
{
    char num[64];

    if (depth > 100000) {    /* jansson values cannot be this deep in practice */
        out_str(o, "null");
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *raw = vw_qmp_raw_number_text(v);
        if (raw) {
            out_str(o, raw);
            return;
        }
        size_t n = json_object_size(v), i = 0;
        struct member *m = n ? calloc(n, sizeof(*m)) : NULL;
        if (n && !m) {
            abort();
        }
        const char *key;
        size_t keylen;
        json_t *val;
        json_object_keylen_foreach((json_t *)v, key, keylen, val) {
            m[i].key = key;
            m[i].keylen = keylen;
            m[i].value = val;
            m[i].bucket = qdict_bucket(key);
            m[i].index = i;
            i++;
        }
        if ((flags & VW_QMP_DUMP_QDICT_ORDER) && n > 1) {
            qsort(m, n, sizeof(*m), member_cmp);
        }
        out_mem(o, "{", 1);
        for (i = 0; i < n; i++) {
            if (i) {
                out_mem(o, ", ", 2);
            }
            out_json_string(o, m[i].key, m[i].keylen);
            out_mem(o, ": ", 2);
            out_value(o, m[i].value, flags, depth + 1);
        }
        out_mem(o, "}", 1);
        free(m);
        return;
    }
    case JSON_ARRAY: {
        out_mem(o, "[", 1);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) {
                out_mem(o, ", ", 2);
            }
            out_value(o, json_array_get(v, i), flags, depth + 1);
        }
        out_mem(o, "]", 1);
        return;
    }
    case JSON_STRING:
        out_json_string(o, json_string_value(v), json_string_length(v));
        return;
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        out_str(o, num);
        return;
    case JSON_REAL:
        snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        out_str(o, num);
        return;
    case JSON_TRUE:
        out_str(o, "true");
        return;
    case JSON_FALSE:
        out_str(o, "false");
        return;
    case JSON_NULL:
    default:
        out_str(o, "null");
        return;
    }
}

char *vw_qmp_dumps(const json_t *v, int flags)
{
    if (!v) {
        return NULL;
    }
    struct outbuf o = { 0 };
    out_value(&o, v, flags, 0);
    return o.buf;
}
