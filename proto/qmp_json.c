/* qmp_json.c: QMP's JSON as QEMU 7.2 reads and writes it (see qmp_json.h).
 *
 * Three layers, each behaving like its QEMU 7.2 counterpart (our own code; the behaviour was
 * taken from QEMU's documentation and measured against a real qemu-system-x86_64 7.2.22):
 *   lexer    bytes -> tokens; a bad byte produces an error token and a "recovery" state that
 *            skips to the next structural or control character;
 *   streamer counts braces/brackets and applies the limits; when a value is balanced (or a
 *            counter goes negative) the collected tokens go to the parser;
 *   parser   recursive descent over the collected tokens, building jansson values; the first
 *            error wins.
 * The serializer at the end writes values as qobject/qjson.c does.
 */
#include "qmp_json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tokens ------------------------------------------------------------------------------ */

enum token_type {
    TOK_NONE = 0,
    TOK_ERROR,        /* a lexical error: the bad bytes so far */
    TOK_PARTIAL,      /* a token cut off because it grew beyond the size limit */
    TOK_EOI,          /* end of input (flush) */
    TOK_LCURLY,
    TOK_RCURLY,
    TOK_LSQUARE,
    TOK_RSQUARE,
    TOK_COLON,
    TOK_COMMA,
    TOK_INTEGER,
    TOK_FLOAT,
    TOK_KEYWORD,
    TOK_STRING,
};

/* Lexer states. */
enum lex_state {
    LX_START,
    LX_RECOVERY,
    LX_DQ,            /* inside "..." */
    LX_DQ_ESC,        /* after a backslash inside "..." */
    LX_SQ,
    LX_SQ_ESC,
    LX_ZERO,          /* 0 or -0 */
    LX_SIGN,          /* - */
    LX_DIGITS,        /* [1-9][0-9]* */
    LX_MANTISSA,      /* after . */
    LX_MANTISSA_DIGITS,
    LX_EXP_E,         /* after e/E */
    LX_EXP_SIGN,      /* after e+ / e- */
    LX_EXP_DIGITS,
    LX_KEYWORD,       /* [a-z]+ */
};

/* What one byte does in one state: go to a state, or finish a token (type != TOK_NONE);
 * lookahead means the byte is not part of what was finished and is looked at again. */
struct lex_step {
    int state;
    enum token_type token;
    bool lookahead;
};

struct token {
    unsigned char type;
    size_t off;       /* into the streamer's token text buffer */
    size_t len;
};

struct vw_qmp_streamer {
    vw_qmp_limits lim;
    vw_qmp_message_fn *fn;
    void *opaque;
    bool paused;

    /* lexer */
    int state;
    char *cur;            /* the token being lexed */
    size_t cur_len, cur_cap;

    /* streamer: the tokens of the current message */
    long brace_count, bracket_count;
    struct token *toks;
    size_t ntoks, toks_cap;
    char *text;           /* the token texts, each NUL-terminated */
    size_t text_len, text_cap;
    unsigned long long token_size;
};

static struct lex_step step_state(int state)
{
    struct lex_step s = { state, TOK_NONE, false };
    return s;
}

static struct lex_step step_token(enum token_type t, bool lookahead)
{
    struct lex_step s = { LX_START, t, lookahead };
    return s;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* The transition table of QEMU 7.2's json-lexer, written as code. */
static struct lex_step lex_next(int state, unsigned char c)
{
    switch (state) {
    case LX_RECOVERY:
        /* Skip to a structural character, a control character other than \t, or 0xFE/0xFF. */
        if (c == '\t') {
            return step_state(LX_RECOVERY);
        }
        if (c < 0x20 || c >= 0xFE || c == '[' || c == ']' || c == '{' || c == '}' ||
            c == ':' || c == ',') {
            struct lex_step s = { LX_START, TOK_NONE, true };
            return s;
        }
        return step_state(LX_RECOVERY);
    case LX_DQ:
    case LX_SQ:
        if (c < 0x20 || c >= 0xFE) {
            return step_token(TOK_ERROR, false);
        }
        if (c == '\\') {
            return step_state(state == LX_DQ ? LX_DQ_ESC : LX_SQ_ESC);
        }
        if ((state == LX_DQ && c == '"') || (state == LX_SQ && c == '\'')) {
            return step_token(TOK_STRING, false);
        }
        return step_state(state);
    case LX_DQ_ESC:
    case LX_SQ_ESC:
        if (c < 0x20 || c >= 0xFE) {
            return step_token(TOK_ERROR, false);
        }
        return step_state(state == LX_DQ_ESC ? LX_DQ : LX_SQ);
    case LX_ZERO:
        if (is_digit(c)) {
            return step_token(TOK_ERROR, false);
        }
        if (c == '.') {
            return step_state(LX_MANTISSA);
        }
        return step_token(TOK_INTEGER, true);
    case LX_SIGN:
        if (c == '0') {
            return step_state(LX_ZERO);
        }
        if (c >= '1' && c <= '9') {
            return step_state(LX_DIGITS);
        }
        return step_token(TOK_ERROR, false);
    case LX_DIGITS:
        if (is_digit(c)) {
            return step_state(LX_DIGITS);
        }
        if (c == 'e' || c == 'E') {
            return step_state(LX_EXP_E);
        }
        if (c == '.') {
            return step_state(LX_MANTISSA);
        }
        return step_token(TOK_INTEGER, true);
    case LX_MANTISSA:
        if (is_digit(c)) {
            return step_state(LX_MANTISSA_DIGITS);
        }
        return step_token(TOK_ERROR, false);
    case LX_MANTISSA_DIGITS:
        if (is_digit(c)) {
            return step_state(LX_MANTISSA_DIGITS);
        }
        if (c == 'e' || c == 'E') {
            return step_state(LX_EXP_E);
        }
        return step_token(TOK_FLOAT, true);
    case LX_EXP_E:
        if (c == '-' || c == '+') {
            return step_state(LX_EXP_SIGN);
        }
        if (is_digit(c)) {
            return step_state(LX_EXP_DIGITS);
        }
        return step_token(TOK_ERROR, false);
    case LX_EXP_SIGN:
        if (is_digit(c)) {
            return step_state(LX_EXP_DIGITS);
        }
        return step_token(TOK_ERROR, false);
    case LX_EXP_DIGITS:
        if (is_digit(c)) {
            return step_state(LX_EXP_DIGITS);
        }
        return step_token(TOK_FLOAT, true);
    case LX_KEYWORD:
        if (c >= 'a' && c <= 'z') {
            return step_state(LX_KEYWORD);
        }
        return step_token(TOK_KEYWORD, true);
    case LX_START:
    default:
        switch (c) {
        case '"': return step_state(LX_DQ);
        case '\'': return step_state(LX_SQ);
        case '0': return step_state(LX_ZERO);
        case '-': return step_state(LX_SIGN);
        case '{': return step_token(TOK_LCURLY, false);
        case '}': return step_token(TOK_RCURLY, false);
        case '[': return step_token(TOK_LSQUARE, false);
        case ']': return step_token(TOK_RSQUARE, false);
        case ':': return step_token(TOK_COLON, false);
        case ',': return step_token(TOK_COMMA, false);
        case ' ': case '\t': case '\r': case '\n':
            return step_state(LX_START);
        default:
            break;
        }
        if (c >= '1' && c <= '9') {
            return step_state(LX_DIGITS);
        }
        if (c >= 'a' && c <= 'z') {
            return step_state(LX_KEYWORD);
        }
        return step_token(TOK_ERROR, false);
    }
}

/* ---- small buffers -------------------------------------------------------------------------- */

/* Grows *buf so that it holds need bytes. Aborts on out of memory (as glib does in QEMU):
 * every growth is bounded by the limits checked before it. */
static void grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return;
    }
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        ncap *= 2;
    }
    void *n = realloc(*buf, ncap * elem);
    if (!n) {
        fprintf(stderr, "qmp_json: out of memory (%zu bytes)\n", ncap * elem);
        abort();
    }
    *buf = n;
    *cap = ncap;
}

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
static long utf8_codepoint(const unsigned char *s, size_t avail, size_t *used)
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
    grow((void **)buf, cap, *len + 5, 1);
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

    grow((void **)&buf, &cap, t->len + 1, 1);
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
            long cp = utf8_codepoint((const unsigned char *)ptr, (size_t)(end - ptr), &used);
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

/* ---- streamer ------------------------------------------------------------------------------- */

void vw_qmp_limits_default(vw_qmp_limits *lim)
{
    lim->max_nesting = VW_QMP_MAX_NESTING;
    lim->max_token_bytes = VW_QMP_MAX_TOKEN_BYTES;
    lim->max_token_count = VW_QMP_MAX_TOKEN_COUNT;
}

vw_qmp_streamer *vw_qmp_streamer_new(const vw_qmp_limits *lim, vw_qmp_message_fn *fn,
                                     void *opaque)
{
    vw_qmp_streamer *s = calloc(1, sizeof(*s));
    if (!s) {
        return NULL;
    }
    if (lim) {
        s->lim = *lim;
    } else {
        vw_qmp_limits_default(&s->lim);
    }
    /* The parser recurses once per level: keep the C stack safe whatever the caller asks. */
    if (s->lim.max_nesting > VW_QMP_MAX_NESTING * 4) {
        s->lim.max_nesting = VW_QMP_MAX_NESTING * 4;
    }
    s->fn = fn;
    s->opaque = opaque;
    s->state = LX_START;
    return s;
}

static void message_reset(vw_qmp_streamer *s)
{
    s->brace_count = 0;
    s->bracket_count = 0;
    s->ntoks = 0;
    s->text_len = 0;
    s->token_size = 0;
}

static void emit_error(vw_qmp_streamer *s, const char *msg)
{
    message_reset(s);
    s->fn(s->opaque, NULL, msg);
}

static void emit_parse(vw_qmp_streamer *s)
{
    struct parser p = { .s = s };
    json_t *v = parse_value(&p, 0);
    message_reset(s);
    if (v) {
        free(p.err);
        s->fn(s->opaque, v, NULL);
    } else {
        s->fn(s->opaque, NULL, p.err ? p.err : "JSON parse error, out of memory");
        free(p.err);
    }
}

/* json-streamer: one token from the lexer. */
static void process_token(vw_qmp_streamer *s, enum token_type type, const char *text,
                          size_t len)
{
    switch (type) {
    case TOK_LCURLY: s->brace_count++; break;
    case TOK_RCURLY: s->brace_count--; break;
    case TOK_LSQUARE: s->bracket_count++; break;
    case TOK_RSQUARE: s->bracket_count--; break;
    case TOK_ERROR: {
        /* QEMU formats the token as a C string: it ends at a NUL byte. */
        size_t n = strnlen(text, len);
        char *msg = malloc(n + 40);
        if (!msg) {
            abort();
        }
        snprintf(msg, n + 40, "JSON parse error, stray '%.*s'", (int)n, text);
        emit_error(s, msg);
        free(msg);
        return;
    }
    case TOK_EOI:
        if (s->ntoks == 0) {
            return;
        }
        emit_parse(s);
        return;
    default:
        break;
    }

    if (s->token_size + len + 1 > s->lim.max_token_bytes) {
        emit_error(s, "JSON token size limit exceeded");
        return;
    }
    if ((unsigned long long)s->ntoks + 1 > s->lim.max_token_count) {
        emit_error(s, "JSON token count limit exceeded");
        return;
    }
    if (s->bracket_count + s->brace_count > (long)s->lim.max_nesting) {
        emit_error(s, "JSON nesting depth limit exceeded");
        return;
    }

    grow((void **)&s->toks, &s->toks_cap, s->ntoks + 1, sizeof(*s->toks));
    grow((void **)&s->text, &s->text_cap, s->text_len + len + 1, 1);
    struct token *t = &s->toks[s->ntoks++];
    t->type = (unsigned char)type;
    t->off = s->text_len;
    t->len = len;
    memcpy(s->text + s->text_len, text, len);
    s->text[s->text_len + len] = '\0';
    s->text_len += len + 1;
    s->token_size += len;

    if ((s->brace_count > 0 || s->bracket_count > 0) && s->brace_count >= 0 &&
        s->bracket_count >= 0) {
        return;
    }
    emit_parse(s);
}

static void cur_append(vw_qmp_streamer *s, char c)
{
    grow((void **)&s->cur, &s->cur_cap, s->cur_len + 2, 1);
    s->cur[s->cur_len++] = c;
    s->cur[s->cur_len] = '\0';
}

/* json-lexer: one byte (or the end of input when flush). */
static void lex_char(vw_qmp_streamer *s, unsigned char c, bool flush)
{
    bool consumed = false;

    while (flush ? s->state != LX_START : !consumed) {
        struct lex_step st = lex_next(s->state, c);
        consumed = !flush && !st.lookahead;
        if (consumed) {
            cur_append(s, (char)c);
        }
        if (st.token == TOK_ERROR) {
            process_token(s, TOK_ERROR, s->cur ? s->cur : "", s->cur_len);
            s->cur_len = 0;
            s->state = LX_RECOVERY;
        } else if (st.token != TOK_NONE) {
            process_token(s, st.token, s->cur, s->cur_len);
            s->cur_len = 0;
            s->state = LX_START;
        } else {
            if (st.state == LX_START || st.state == LX_RECOVERY) {
                s->cur_len = 0;
            }
            s->state = st.state;
        }
    }

    /* A single token may not grow without bound either. */
    if (s->cur_len > s->lim.max_token_bytes) {
        process_token(s, TOK_PARTIAL, s->cur, s->cur_len);
        s->cur_len = 0;
        s->state = LX_START;
    }
}

size_t vw_qmp_streamer_feed(vw_qmp_streamer *s, const char *buf, size_t len)
{
    s->paused = false;
    for (size_t i = 0; i < len; i++) {
        lex_char(s, (unsigned char)buf[i], false);
        if (s->paused) {
            s->paused = false;
            return i + 1;
        }
    }
    return len;
}

void vw_qmp_streamer_pause(vw_qmp_streamer *s)
{
    s->paused = true;
}

void vw_qmp_streamer_flush(vw_qmp_streamer *s)
{
    lex_char(s, 0, true);
    process_token(s, TOK_EOI, "", 0);
    s->paused = false;
}

void vw_qmp_streamer_reset(vw_qmp_streamer *s)
{
    message_reset(s);
    s->cur_len = 0;
    s->state = LX_START;
    s->paused = false;
}

size_t vw_qmp_streamer_pending(const vw_qmp_streamer *s)
{
    return (size_t)s->token_size + s->cur_len;
}

void vw_qmp_streamer_free(vw_qmp_streamer *s)
{
    if (!s) {
        return;
    }
    free(s->cur);
    free(s->toks);
    free(s->text);
    free(s);
}

/* ---- one-shot parse ------------------------------------------------------------------------- */

struct loads_ctx {
    json_t *value;
    int nvalues;
    char *err;
};

static void loads_cb(void *opaque, json_t *msg, const char *error)
{
    struct loads_ctx *c = opaque;
    if (error) {
        if (!c->err) {
            c->err = strdup(error);
            if (!c->err) {
                abort();
            }
        }
        return;
    }
    c->nvalues++;
    if (c->value) {
        json_decref(msg);
    } else {
        c->value = msg;
    }
}

json_t *vw_qmp_loads(const char *buf, size_t len, char *err, size_t errlen)
{
    struct loads_ctx c = { 0 };
    vw_qmp_streamer *s = vw_qmp_streamer_new(NULL, loads_cb, &c);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    vw_qmp_streamer_feed(s, buf, len);
    vw_qmp_streamer_flush(s);
    vw_qmp_streamer_free(s);
    if (c.err || c.nvalues != 1) {
        if (c.err) {
            snprintf(err, errlen, "%s", c.err);
            free(c.err);
        } else if (c.nvalues == 0) {
            snprintf(err, errlen, "no JSON value");
        } else {
            snprintf(err, errlen, "expected one JSON value, found %d", c.nvalues);
        }
        json_decref(c.value);
        return NULL;
    }
    return c.value;
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
    if (!text || !is_digit((unsigned char)text[0])) {
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

/* ---- serializer ----------------------------------------------------------------------------- */

struct outbuf {
    char *buf;
    size_t len, cap;
};

static void out_mem(struct outbuf *o, const char *s, size_t n)
{
    grow((void **)&o->buf, &o->cap, o->len + n + 1, 1);
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
        long cp = utf8_codepoint(p + i, n - i, &used);
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
