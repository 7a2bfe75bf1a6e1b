/* qmp_json.c: QMP's JSON framing as QEMU 7.2 does it (see qmp_json.h): bytes to complete
 * messages. The parser is qmp_json_parse.c, the serializer qmp_json_write.c; the types they share
 * are in qmp_json_priv.h.
 *
 * Three layers, each behaving like its QEMU 7.2 counterpart (our own code; the behaviour was
 * taken from QEMU's documentation and measured against a real qemu-system-x86_64 7.2.22):
 *   lexer    bytes -> tokens; a bad byte produces an error token and a "recovery" state that
 *            skips to the next structural or control character;
 *   streamer counts braces/brackets and applies the limits; when a value is balanced (or a
 *            counter goes negative) the collected tokens go to the parser (qmp_json_parse.c);
 *   parser   recursive descent over the collected tokens, building jansson values; the first
 *            error wins.
 */
#include "qmp_json.h"
#include "qmp_json_priv.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- lexer -------------------------------------------------------------------------------- */

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
        if (vw_qmp_is_digit(c)) {
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
        if (vw_qmp_is_digit(c)) {
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
        if (vw_qmp_is_digit(c)) {
            return step_state(LX_MANTISSA_DIGITS);
        }
        return step_token(TOK_ERROR, false);
    case LX_MANTISSA_DIGITS:
        if (vw_qmp_is_digit(c)) {
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
        if (vw_qmp_is_digit(c)) {
            return step_state(LX_EXP_DIGITS);
        }
        return step_token(TOK_ERROR, false);
    case LX_EXP_SIGN:
        if (vw_qmp_is_digit(c)) {
            return step_state(LX_EXP_DIGITS);
        }
        return step_token(TOK_ERROR, false);
    case LX_EXP_DIGITS:
        if (vw_qmp_is_digit(c)) {
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
    char *err = NULL;
    json_t *v = vw_qmp_parse_tokens(s, &err);
    message_reset(s);
    if (v) {
        free(err);
        s->fn(s->opaque, v, NULL);
    } else {
        s->fn(s->opaque, NULL, err ? err : "JSON parse error, out of memory");
        free(err);
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

    vw_qmp_grow((void **)&s->toks, &s->toks_cap, s->ntoks + 1, sizeof(*s->toks));
    vw_qmp_grow((void **)&s->text, &s->text_cap, s->text_len + len + 1, 1);
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
    vw_qmp_grow((void **)&s->cur, &s->cur_cap, s->cur_len + 2, 1);
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

    /* A single token may not vw_qmp_grow without bound either. */
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
