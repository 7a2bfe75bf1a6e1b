/* qmp_json_priv.h: what the QMP JSON framer (qmp_json.c), parser (qmp_json_parse.c) and
 * serializer (qmp_json_write.c) share, private to proto/: the token types, the streamer's state,
 * buffer growth and the parser's entry point. */
#ifndef VW_QMP_JSON_PRIV_H
#define VW_QMP_JSON_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "qmp_json.h"

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


static inline bool vw_qmp_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Grows *buf so that it holds need bytes. Aborts on out of memory (as glib does in QEMU):
 * every growth is bounded by the limits checked before it. */
static inline void vw_qmp_grow(void **buf, size_t *cap, size_t need, size_t elem)
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

/* Decodes one modified-UTF-8 sequence (QEMU's mod_utf8_codepoint): \xC0\x80 is U+0000,
 * overlong forms, surrogates, noncharacters and truncated sequences are -1.
 * Bytes at or beyond end read as 0. *used is how many bytes were consumed (>= 1).
 * (qmp_json_parse.c; the serializer uses it too) */
long vw_qmp_utf8_codepoint(const unsigned char *s, size_t avail, size_t *used);

/* Parses the tokens the streamer collected for one message: the value, or NULL with *err set to
 * the first error (malloc'd; NULL when memory ran out). */
json_t *vw_qmp_parse_tokens(const vw_qmp_streamer *s, char **err);

#endif
