/* qmp_json_parse.c: QMP's JSON parser as QEMU 7.2's json-parser (see qmp_json_priv.h):
 * recursive descent over one message's tokens from the streamer (qmp_json.c), building jansson
 * values, the first error wins; and the raw numbers (integers beyond int64, infinities) kept as
 * their text. */
#include "qmp_json.h"
#include "qmp_json_priv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parser --------------------------------------------------------------------------------- */

struct parser {
    const vw_qmp_streamer *s;
    size_t pos;           /* next token */
    char *err;            /* first error (malloc'd: a keyword may be long), NULL when none */
    bool have_err;
};

static void parse_error(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void parse_error(struct parser *p, const char *fmt, ...)
{
    if (p->have_err) {
        return;
    }
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0 || asprintf(&p->err, "JSON parse error, %s", msg) < 0) {
        p->err = NULL;
    }
    free(msg);
    p->have_err = true;
}

static const struct token *peek_token(struct parser *p)
{
    return p->pos < p->s->ntoks ? &p->s->toks[p->pos] : NULL;
}

static const struct token *pop_token(struct parser *p)
{
    return p->pos < p->s->ntoks ? &p->s->toks[p->pos++] : NULL;
}

static const char *token_text(const struct parser *p, const struct token *t)
{
    return p->s->text + t->off;
}

static bool is_valid_codepoint(long cp)
{
    if (cp < 0 || cp > 0x10FFFF) {
        return false;
    }
    if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) {
        return false;     /* noncharacter */
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        return false;     /* surrogate */
    }
    return true;
}

/* Decodes one modified-UTF-8 sequence (QEMU's mod_utf8_codepoint): \xC0\x80 is U+0000,
 * overlong forms, surrogates, noncharacters and truncated sequences are -1.
 * Bytes at or beyond end read as 0. *used is how many bytes were consumed (>= 1). */
long vw_qmp_utf8_codepoint(const unsigned char *s, size_t avail, size_t *used)
{
    static const long min_cp[5] = { 0x80, 0x800, 0x10000, 0x200000, 0x4000000 };
    unsigned byte = avail ? s[0] : 0;
    size_t n = 1;
    long cp;

    if (byte < 0x80) {
        cp = byte;
    } else if (byte >= 0xFE) {
        cp = -1;
    } else if ((byte & 0x40) == 0) {
        cp = -1;          /* continuation byte where a sequence should start */
    } else {
        unsigned len = 0, mask;
        for (mask = 0x80; byte & mask; mask >>= 1) {
            len++;
        }
        cp = byte & (mask - 1);
        for (unsigned i = 1; i < len; i++) {
            unsigned b = i < avail ? s[i] : 0;
            if ((b & 0xC0) != 0x80) {
                *used = n;
                return -1;
            }
            n++;
            cp = (cp << 6) | (b & 0x3F);
        }
        if (!is_valid_codepoint(cp)) {
            cp = -1;
        } else if (cp < min_cp[len - 2] && !(cp == 0 && len == 2)) {
            cp = -1;      /* overlong, other than \xC0\x80 */
        }
    }
    *used = n;
    return cp;
}

/* Appends cp as UTF-8 (U+0000 as a real NUL byte). */
static void utf8_append(char **buf, size_t *len, size_t *cap, long cp)
{
    vw_qmp_grow((void **)buf, cap, *len + 5, 1);
    char *o = *buf + *len;
    if (cp < 0x80) {
        o[0] = (char)cp;
        *len += 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        *len += 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        *len += 3;
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        *len += 4;
    }
}

static long hex4(const char *s)
{
    long cp = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            return -1;
        }
        cp = (cp << 4) | d;
    }
    return cp;
}

/* Decodes a string token (with its quotes) into *out / *outlen (malloc'd). 0 or -1. */
static int decode_string(struct parser *p, const struct token *t, char **out, size_t *outlen)
{
    const char *ptr = token_text(p, t);
    const char *end = ptr + t->len;
    char quote = *ptr++;
    char *buf = NULL;
    size_t len = 0, cap = 0;

    vw_qmp_grow((void **)&buf, &cap, t->len + 1, 1);
    while (ptr < end && *ptr != quote) {
        if (*ptr == '\\') {
            const char *beg = ptr++;
            char c = *ptr++;
            long cp;
            switch (c) {
            case '"': cp = '"'; break;
            case '\'': cp = '\''; break;
            case '\\': cp = '\\'; break;
            case '/': cp = '/'; break;
            case 'b': cp = '\b'; break;
            case 'f': cp = '\f'; break;
            case 'n': cp = '\n'; break;
            case 'r': cp = '\r'; break;
            case 't': cp = '\t'; break;
            case 'u':
                /* The token ends with its closing quote and a NUL, so reading 4 bytes
                 * stops at the first non-hex byte at the latest. */
                cp = hex4(ptr);
                ptr += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF && ptr + 1 < end && ptr[0] == '\\' &&
                    ptr[1] == 'u') {
                    long trail = hex4(ptr + 2);
                    cp = 0x10000 + ((cp & 0x3FF) << 10);
                    if (trail >= 0xDC00 && trail <= 0xDFFF) {
                        cp |= trail & 0x3FF;
                        ptr += 6;
                    } else {
                        cp = -1;
                    }
                }
                if (!is_valid_codepoint(cp)) {
                    /* QEMU prints the escape as far as it read it, up to a NUL. */
                    size_t n = (size_t)(ptr - beg);
                    size_t avail = (size_t)(end - beg);
                    if (n > avail) {
                        n = avail;
                    }
                    parse_error(p, "%.*s is not a valid Unicode character",
                                (int)strnlen(beg, n), beg);
                    free(buf);
                    return -1;
                }
                break;
            default:
                parse_error(p, "invalid escape sequence in string");
                free(buf);
                return -1;
            }
            utf8_append(&buf, &len, &cap, cp);
        } else {
            size_t used;
            long cp = vw_qmp_utf8_codepoint((const unsigned char *)ptr, (size_t)(end - ptr), &used);
            if (cp < 0) {
                parse_error(p, "invalid UTF-8 sequence in string");
                free(buf);
                return -1;
            }
            ptr += used;
            utf8_append(&buf, &len, &cap, cp);
        }
    }
    *out = buf;
    *outlen = len;
    return 0;
}

static json_t *raw_number(const char *text)
{
    json_t *o = json_object();
    if (o) {
        json_object_set_new(o, VW_QMP_RAW_NUMBER_KEY, json_string(text));
    }
    return o;
}

static json_t *number_from_double(double d)
{
    if (isinf(d)) {
        return raw_number(d < 0 ? "-inf" : "inf");
    }
    return json_real(d);
}

/* QEMU: int64 if it fits, else uint64 if it has no minus sign and fits, else double. */
static json_t *parse_number(const char *text, bool integer)
{
    if (integer) {
        errno = 0;
        char *end;
        long long v = strtoll(text, &end, 10);
        if (errno == 0 && *end == '\0') {
            return json_integer(v);
        }
        if (text[0] != '-') {
            errno = 0;
            unsigned long long u = strtoull(text, &end, 10);
            if (errno == 0 && *end == '\0') {
                return vw_qmp_uint64(u);
            }
        }
    }
    return number_from_double(strtod(text, NULL));
}

static json_t *parse_value(struct parser *p, size_t depth);

static int parse_pair(struct parser *p, json_t *obj, size_t depth)
{
    const struct token *peek = peek_token(p);
    if (!peek) {
        parse_error(p, "premature EOI");
        return -1;
    }
    if (peek->type != TOK_STRING) {
        json_t *v = parse_value(p, depth);   /* for its error, as QEMU does */
        json_decref(v);
        parse_error(p, "key is not a string in object");
        return -1;
    }
    const struct token *ktok = pop_token(p);
    char *key;
    size_t keylen;
    if (decode_string(p, ktok, &key, &keylen) < 0) {
        return -1;
    }
    const struct token *t = pop_token(p);
    if (!t) {
        parse_error(p, "premature EOI");
        free(key);
        return -1;
    }
    if (t->type != TOK_COLON) {
        parse_error(p, "missing : in object pair");
        free(key);
        return -1;
    }
    json_t *value = parse_value(p, depth);
    if (!value) {
        parse_error(p, "Missing value in dict");
        free(key);
        return -1;
    }
    if (json_object_getn(obj, key, keylen)) {
        parse_error(p, "duplicate key");
        json_decref(value);
        free(key);
        return -1;
    }
    json_object_setn_new_nocheck(obj, key, keylen, value);
    free(key);
    return 0;
}

static json_t *parse_object(struct parser *p, size_t depth)
{
    pop_token(p);     /* { */
    json_t *obj = json_object();
    const struct token *t = peek_token(p);
    if (!t) {
        parse_error(p, "premature EOI");
        goto fail;
    }
    if (t->type == TOK_RCURLY) {
        pop_token(p);
        return obj;
    }
    if (parse_pair(p, obj, depth) < 0) {
        goto fail;
    }
    for (;;) {
        t = pop_token(p);
        if (!t) {
            parse_error(p, "premature EOI");
            goto fail;
        }
        if (t->type == TOK_RCURLY) {
            return obj;
        }
        if (t->type != TOK_COMMA) {
            parse_error(p, "expected separator in dict");
            goto fail;
        }
        if (parse_pair(p, obj, depth) < 0) {
            goto fail;
        }
    }
fail:
    json_decref(obj);
    return NULL;
}

static json_t *parse_array(struct parser *p, size_t depth)
{
    pop_token(p);     /* [ */
    json_t *arr = json_array();
    const struct token *t = peek_token(p);
    if (!t) {
        parse_error(p, "premature EOI");
        goto fail;
    }
    if (t->type == TOK_RSQUARE) {
        pop_token(p);
        return arr;
    }
    for (;;) {
        json_t *v = parse_value(p, depth);
        if (!v) {
            parse_error(p, "expecting value");
            goto fail;
        }
        json_array_append_new(arr, v);
        t = pop_token(p);
        if (!t) {
            parse_error(p, "premature EOI");
            goto fail;
        }
        if (t->type == TOK_RSQUARE) {
            return arr;
        }
        if (t->type != TOK_COMMA) {
            parse_error(p, "expected separator in list");
            goto fail;
        }
    }
fail:
    json_decref(arr);
    return NULL;
}

static json_t *parse_value(struct parser *p, size_t depth)
{
    const struct token *t = peek_token(p);
    if (!t) {
        parse_error(p, "premature EOI");
        return NULL;
    }
    /* The streamer's nesting limit bounds depth; this guards the C stack regardless. */
    if (depth > VW_QMP_MAX_NESTING * 4) {
        parse_error(p, "nesting too deep");
        return NULL;
    }
    switch (t->type) {
    case TOK_LCURLY:
        return parse_object(p, depth + 1);
    case TOK_LSQUARE:
        return parse_array(p, depth + 1);
    case TOK_STRING: {
        char *s;
        size_t n;
        pop_token(p);
        if (decode_string(p, t, &s, &n) < 0) {
            return NULL;
        }
        json_t *v = json_stringn_nocheck(s, n);
        free(s);
        return v;
    }
    case TOK_INTEGER:
    case TOK_FLOAT:
        pop_token(p);
        return parse_number(token_text(p, t), t->type == TOK_INTEGER);
    case TOK_KEYWORD: {
        const char *kw = token_text(p, t);
        pop_token(p);
        if (strcmp(kw, "true") == 0) {
            return json_true();
        }
        if (strcmp(kw, "false") == 0) {
            return json_false();
        }
        if (strcmp(kw, "null") == 0) {
            return json_null();
        }
        parse_error(p, "invalid keyword '%s'", kw);
        return NULL;
    }
    default:
        parse_error(p, "expecting value");
        return NULL;
    }
}

json_t *vw_qmp_parse_tokens(const vw_qmp_streamer *s, char **err)
{
    struct parser p = { .s = s };
    json_t *v = parse_value(&p, 0);
    *err = p.err;
    return v;
}

/* ---- raw numbers ---------------------------------------------------------------------------- */

json_t *vw_qmp_uint64(uint64_t v)
{
    if (v <= (uint64_t)INT64_MAX) {
        return json_integer((json_int_t)v);
    }
    char text[32];
    snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
    return raw_number(text);
}

const char *vw_qmp_raw_number_text(const json_t *v)
{
    if (!json_is_object(v) || json_object_size(v) != 1) {
        return NULL;
    }
    return json_string_value(json_object_get(v, VW_QMP_RAW_NUMBER_KEY));
}

int vw_qmp_is_object(const json_t *v)
{
    return json_is_object(v) && !vw_qmp_raw_number_text(v);
}

int vw_qmp_get_uint64(const json_t *v, uint64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0) {
            return -1;
        }
        *out = (uint64_t)i;
        return 0;
    }
    const char *text = vw_qmp_raw_number_text(v);
    if (!text || !vw_qmp_is_digit((unsigned char)text[0])) {
        return -1;
    }
    errno = 0;
    char *end;
    unsigned long long u = strtoull(text, &end, 10);
    if (errno || *end) {
        return -1;
    }
    *out = u;
    return 0;
}
