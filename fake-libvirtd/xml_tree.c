/* xml_tree.c: small XML reader/writer for libvirt documents (see xml_tree.h). */
#include "xml_tree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s;
    size_t len, pos;
    vw_error *err;              /* NULL: the caller does not want the details */
    int failed;
} xml_reader;

static void reader_where(const xml_reader *r, size_t pos, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < pos && i < r->len; i++) {
        if (r->s[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static void reader_fail(xml_reader *r, const char *what)
{
    int line, col;
    if (r->failed)
        return;
    r->failed = 1;
    reader_where(r, r->pos, &line, &col);
    vw_error_set(r->err, NULL, (unsigned long)line, (unsigned long)col, r->pos, "%s", what);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.' || c == ':' || (unsigned char)c >= 0x80;
}

static void skip_space(xml_reader *r)
{
    while (r->pos < r->len && is_space(r->s[r->pos]))
        r->pos++;
}

static int starts(const xml_reader *r, const char *lit)
{
    size_t n = strlen(lit);
    return r->len - r->pos >= n && memcmp(r->s + r->pos, lit, n) == 0;
}

/* Skips up to and including the terminator; fails if it never comes. */
static int skip_past(xml_reader *r, const char *term, const char *what)
{
    size_t n = strlen(term);
    while (r->pos + n <= r->len) {
        if (memcmp(r->s + r->pos, term, n) == 0) {
            r->pos += n;
            return 0;
        }
        r->pos++;
    }
    reader_fail(r, what);
    return -1;
}

static char *read_name(xml_reader *r)
{
    size_t start = r->pos;
    while (r->pos < r->len && is_name_char(r->s[r->pos]))
        r->pos++;
    if (r->pos == start) {
        reader_fail(r, "expected a name");
        return NULL;
    }
    char *name = strndup(r->s + start, r->pos - start);
    if (!name)
        reader_fail(r, "out of memory");
    return name;
}

/* Appends the UTF-8 encoding of code point cp. */
static void append_codepoint(xml_buf *b, unsigned long cp)
{
    char out[5] = {0};
    if (cp < 0x80) {
        out[0] = (char)cp;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
    }
    xml_buf_append(b, out);
}

/* Decodes one entity reference at r->pos ('&') into b. */
static int read_entity(xml_reader *r, xml_buf *b)
{
    static const struct { const char *name; const char *text; } named[] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&apos;", "'"}, {"&quot;", "\""},
    };
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        if (starts(r, named[i].name)) {
            xml_buf_append(b, named[i].text);
            r->pos += strlen(named[i].name);
            return 0;
        }
    }
    if (starts(r, "&#")) {
        size_t p = r->pos + 2;
        int hex = 0;
        unsigned long cp = 0;
        int digits = 0;
        if (p < r->len && r->s[p] == 'x') {
            hex = 1;
            p++;
        }
        for (; p < r->len && r->s[p] != ';' && digits < 8; p++, digits++) {
            char c = r->s[p];
            int v;
            if (c >= '0' && c <= '9')
                v = c - '0';
            else if (hex && c >= 'a' && c <= 'f')
                v = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F')
                v = c - 'A' + 10;
            else
                break;
            cp = cp * (hex ? 16 : 10) + (unsigned long)v;
        }
        if (digits > 0 && p < r->len && r->s[p] == ';' && cp > 0 && cp <= 0x10FFFF) {
            append_codepoint(b, cp);
            r->pos = p + 1;
            return 0;
        }
    }
    reader_fail(r, "unknown or malformed entity reference");
    return -1;
}

static void free_attrs(xml_attr *a)
{
    while (a) {
        xml_attr *next = a->next;
        free(a->name);
        free(a->value);
        free(a);
        a = next;
    }
}

void xml_tree_free(xml_node *node)
{
    while (node) {
        xml_node *next = node->next;
        free(node->name);
        free(node->text);
        free_attrs(node->attrs);
        xml_tree_free(node->children);
        free(node);
        node = next;
    }
}

static char *trim_copy(const char *s)
{
    size_t start = 0, end = strlen(s);
    while (start < end && is_space(s[start]))
        start++;
    while (end > start && is_space(s[end - 1]))
        end--;
    if (start == end)
        return NULL;
    return strndup(s + start, end - start);
}

static xml_node *read_element(xml_reader *r, int depth);

/* Reads the content of an element up to and including its end tag. */
static int read_content(xml_reader *r, xml_node *node, int depth)
{
    xml_buf text = {0};
    xml_node **tail = &node->children;
    for (;;) {
        if (r->pos >= r->len) {
            reader_fail(r, "document ends inside an element");
            break;
        }
        char c = r->s[r->pos];
        if (c == '<') {
            if (starts(r, "</")) {
                r->pos += 2;
                char *name = read_name(r);
                if (!name)
                    break;
                int same = strcmp(name, node->name) == 0;
                free(name);
                if (!same) {
                    reader_fail(r, "end tag does not match the open element");
                    break;
                }
                skip_space(r);
                if (r->pos >= r->len || r->s[r->pos] != '>') {
                    reader_fail(r, "expected '>' after the end tag name");
                    break;
                }
                r->pos++;
                if (text.failed) {
                    reader_fail(r, "out of memory");
                    break;
                }
                if (text.data) {
                    node->text = trim_copy(text.data);
                }
                free(text.data);
                return 0;
            } else if (starts(r, "<!--")) {
                if (skip_past(r, "-->", "comment is not closed") < 0)
                    break;
            } else if (starts(r, "<![CDATA[")) {
                size_t start = r->pos + 9;
                r->pos = start;
                if (skip_past(r, "]]>", "CDATA section is not closed") < 0)
                    break;
                char *chunk = strndup(r->s + start, r->pos - 3 - start);
                if (!chunk) {
                    reader_fail(r, "out of memory");
                    break;
                }
                xml_buf_append(&text, chunk);
                free(chunk);
            } else if (starts(r, "<?")) {
                if (skip_past(r, "?>", "processing instruction is not closed") < 0)
                    break;
            } else {
                xml_node *child = read_element(r, depth + 1);
                if (!child)
                    break;
                *tail = child;
                tail = &child->next;
            }
        } else if (c == '&') {
            if (read_entity(r, &text) < 0)
                break;
        } else {
            size_t start = r->pos;
            while (r->pos < r->len && r->s[r->pos] != '<' && r->s[r->pos] != '&')
                r->pos++;
            char *chunk = strndup(r->s + start, r->pos - start);
            if (!chunk) {
                reader_fail(r, "out of memory");
                break;
            }
            xml_buf_append(&text, chunk);
            free(chunk);
        }
    }
    free(text.data);
    return -1;
}

static xml_node *read_element(xml_reader *r, int depth)
{
    if (depth > XML_TREE_MAX_DEPTH) {
        reader_fail(r, "elements are nested too deeply");
        return NULL;
    }
    if (r->pos >= r->len || r->s[r->pos] != '<') {
        reader_fail(r, "expected '<'");
        return NULL;
    }
    r->pos++;
    xml_node *node = calloc(1, sizeof(*node));
    if (!node) {
        reader_fail(r, "out of memory");
        return NULL;
    }
    node->name = read_name(r);
    if (!node->name)
        goto fail;
    xml_attr **atail = &node->attrs;
    int nattrs = 0;
    for (;;) {
        size_t before = r->pos;
        skip_space(r);
        if (r->pos >= r->len) {
            reader_fail(r, "document ends inside a start tag");
            goto fail;
        }
        if (starts(r, "/>")) {
            r->pos += 2;
            return node;
        }
        if (r->s[r->pos] == '>') {
            r->pos++;
            if (read_content(r, node, depth) < 0)
                goto fail;
            return node;
        }
        if (r->pos == before) {
            reader_fail(r, "expected a space, '>' or '/>' in the start tag");
            goto fail;
        }
        if (++nattrs > XML_TREE_MAX_ATTRS) {
            reader_fail(r, "element has too many attributes");
            goto fail;
        }
        xml_attr *a = calloc(1, sizeof(*a));
        if (!a) {
            reader_fail(r, "out of memory");
            goto fail;
        }
        *atail = a;
        atail = &a->next;
        a->name = read_name(r);
        if (!a->name)
            goto fail;
        for (xml_attr *o = node->attrs; o != a; o = o->next) {
            if (strcmp(o->name, a->name) == 0) {
                reader_fail(r, "attribute given twice");
                goto fail;
            }
        }
        skip_space(r);
        if (r->pos >= r->len || r->s[r->pos] != '=') {
            reader_fail(r, "expected '=' after the attribute name");
            goto fail;
        }
        r->pos++;
        skip_space(r);
        if (r->pos >= r->len || (r->s[r->pos] != '\'' && r->s[r->pos] != '"')) {
            reader_fail(r, "expected a quoted attribute value");
            goto fail;
        }
        char quote = r->s[r->pos++];
        xml_buf val = {0};
        while (r->pos < r->len && r->s[r->pos] != quote) {
            char c = r->s[r->pos];
            if (c == '<') {
                reader_fail(r, "'<' is not allowed in an attribute value");
                free(val.data);
                goto fail;
            }
            if (c == '&') {
                if (read_entity(r, &val) < 0) {
                    free(val.data);
                    goto fail;
                }
                continue;
            }
            char one[2] = {c, 0};
            xml_buf_append(&val, one);
            r->pos++;
        }
        if (r->pos >= r->len) {
            reader_fail(r, "attribute value is not closed");
            free(val.data);
            goto fail;
        }
        r->pos++;
        a->value = xml_buf_finish(&val);
        if (!a->value)
            a->value = strdup("");
        if (!a->value) {
            reader_fail(r, "out of memory");
            goto fail;
        }
    }
fail:
    xml_tree_free(node);
    return NULL;
}

/* Skips the prolog: XML declaration, comments, DOCTYPE, whitespace. */
static void skip_misc(xml_reader *r)
{
    for (;;) {
        skip_space(r);
        if (starts(r, "<?")) {
            if (skip_past(r, "?>", "processing instruction is not closed") < 0)
                return;
        } else if (starts(r, "<!--")) {
            if (skip_past(r, "-->", "comment is not closed") < 0)
                return;
        } else if (starts(r, "<!DOCTYPE")) {
            if (skip_past(r, ">", "DOCTYPE is not closed") < 0)
                return;
        } else {
            return;
        }
    }
}

const char *xml_tree_error_text(const vw_error *err, char *buf, size_t len)
{
    if (err->line)
        snprintf(buf, len, "line %lu column %lu: %s", err->line, err->column, err->text);
    else
        snprintf(buf, len, "%s", err->text);
    return buf;
}

xml_node *xml_tree_parse(const char *text, size_t len, vw_error *err)
{
    xml_reader r = {.s = text, .len = len, .err = err};
    if (len > XML_TREE_MAX_INPUT) {
        vw_error_set(err, NULL, 0, 0, 0, "document of %zu bytes is larger than the limit of %d "
                     "bytes", len, XML_TREE_MAX_INPUT);
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        vw_error_set(err, NULL, 0, 0, 0, "document contains a NUL byte");
        return NULL;
    }
    skip_misc(&r);
    if (r.failed)
        return NULL;
    if (r.pos >= r.len) {
        reader_fail(&r, "document is empty");
        return NULL;
    }
    xml_node *root = read_element(&r, 0);
    if (!root)
        return NULL;
    skip_misc(&r);
    if (!r.failed && r.pos < r.len) {
        reader_fail(&r, "extra content after the root element");
    }
    if (r.failed) {
        xml_tree_free(root);
        return NULL;
    }
    return root;
}

xml_node *xml_tree_copy(const xml_node *node)
{
    if (!node)
        return NULL;
    xml_node *copy = calloc(1, sizeof(*copy));
    if (!copy)
        return NULL;
    copy->name = strdup(node->name);
    if (!copy->name)
        goto fail;
    if (node->text && !(copy->text = strdup(node->text)))
        goto fail;
    xml_attr **atail = &copy->attrs;
    for (const xml_attr *a = node->attrs; a; a = a->next) {
        xml_attr *c = calloc(1, sizeof(*c));
        if (!c)
            goto fail;
        *atail = c;
        atail = &c->next;
        c->name = strdup(a->name);
        c->value = strdup(a->value);
        if (!c->name || !c->value)
            goto fail;
    }
    xml_node **ctail = &copy->children;
    for (const xml_node *ch = node->children; ch; ch = ch->next) {
        xml_node *c = xml_tree_copy(ch);
        if (!c)
            goto fail;
        *ctail = c;
        ctail = &c->next;
    }
    return copy;
fail:
    xml_tree_free(copy);
    return NULL;
}

xml_node *xml_tree_child(const xml_node *node, const char *name)
{
    for (xml_node *c = node ? node->children : NULL; c; c = c->next) {
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

const char *xml_tree_attr(const xml_node *node, const char *name)
{
    for (const xml_attr *a = node ? node->attrs : NULL; a; a = a->next) {
        if (strcmp(a->name, name) == 0)
            return a->value;
    }
    return NULL;
}

/* ---- writer ------------------------------------------------------------------------------- */

static void buf_reserve(xml_buf *buf, size_t extra)
{
    if (buf->failed)
        return;
    if (buf->len + extra + 1 <= buf->cap)
        return;
    size_t cap = buf->cap ? buf->cap : 256;
    while (cap < buf->len + extra + 1)
        cap *= 2;
    char *data = realloc(buf->data, cap);
    if (!data) {
        buf->failed = 1;
        return;
    }
    buf->data = data;
    buf->cap = cap;
}

void xml_buf_append(xml_buf *buf, const char *s)
{
    size_t n = strlen(s);
    buf_reserve(buf, n);
    if (buf->failed)
        return;
    memcpy(buf->data + buf->len, s, n + 1);
    buf->len += n;
}

void xml_buf_appendf(xml_buf *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        buf->failed = 1;
        return;
    }
    buf_reserve(buf, (size_t)n);
    if (buf->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
}

void xml_buf_escape(xml_buf *buf, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': xml_buf_append(buf, "&lt;"); break;
        case '>': xml_buf_append(buf, "&gt;"); break;
        case '&': xml_buf_append(buf, "&amp;"); break;
        case '\'': xml_buf_append(buf, "&apos;"); break;
        case '"': xml_buf_append(buf, "&quot;"); break;
        default: {
            char one[2] = {*s, 0};
            xml_buf_append(buf, one);
        }
        }
    }
}

char *xml_buf_finish(xml_buf *buf)
{
    if (buf->failed) {
        free(buf->data);
        buf->data = NULL;
        return NULL;
    }
    if (!buf->data) {
        buf_reserve(buf, 0);
        if (buf->failed)
            return NULL;
        buf->data[0] = '\0';
    }
    char *out = buf->data;
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return out;
}

void xml_tree_write(xml_buf *buf, const xml_node *node, int level)
{
    for (int i = 0; i < level; i++)
        xml_buf_append(buf, "  ");
    xml_buf_appendf(buf, "<%s", node->name);
    for (const xml_attr *a = node->attrs; a; a = a->next) {
        xml_buf_appendf(buf, " %s='", a->name);
        xml_buf_escape(buf, a->value);
        xml_buf_append(buf, "'");
    }
    if (!node->children && !node->text) {
        xml_buf_append(buf, "/>\n");
        return;
    }
    xml_buf_append(buf, ">");
    if (!node->children) {
        xml_buf_escape(buf, node->text);
        xml_buf_appendf(buf, "</%s>\n", node->name);
        return;
    }
    xml_buf_append(buf, "\n");
    if (node->text) {
        for (int i = 0; i <= level; i++)
            xml_buf_append(buf, "  ");
        xml_buf_escape(buf, node->text);
        xml_buf_append(buf, "\n");
    }
    for (const xml_node *c = node->children; c; c = c->next)
        xml_tree_write(buf, c, level + 1);
    for (int i = 0; i < level; i++)
        xml_buf_append(buf, "  ");
    xml_buf_appendf(buf, "</%s>\n", node->name);
}
