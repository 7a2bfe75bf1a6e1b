/* xml_tree.h: a small XML reader and writer for the documents libvirt exchanges (domain,
 * network, pool XML). It reads elements, attributes and text into a tree (comments, processing
 * instructions and a DOCTYPE are skipped) and writes a tree back the way libvirt formats XML:
 * two-space indentation, attributes in single quotes, empty elements self-closed.
 *
 * Limits: documents up to XML_TREE_MAX_INPUT bytes, nesting up to XML_TREE_MAX_DEPTH,
 * XML_TREE_MAX_ATTRS attributes per element.
 * Errors carry the line and column of the input where the problem is.
 */
#ifndef FL_XML_TREE_H
#define FL_XML_TREE_H

#include <stddef.h>

#include "vw_error.h"

#define XML_TREE_MAX_INPUT (4 * 1024 * 1024)
#define XML_TREE_MAX_DEPTH 64
#define XML_TREE_MAX_ATTRS 256     /* per element */

typedef struct xml_attr {
    char *name;
    char *value;
    struct xml_attr *next;
} xml_attr;

typedef struct xml_node {
    char *name;
    xml_attr *attrs;
    char *text;                 /* character data directly inside, trimmed; NULL when none */
    struct xml_node *children;
    struct xml_node *next;      /* next sibling */
} xml_node;

/* Parses a whole document and returns its root element, or NULL with err (may be NULL) filled:
 * line, column and offset of the fault (line 0 for a document refused whole), and what is wrong. */
xml_node *xml_tree_parse(const char *text, size_t len, vw_error *err);
/* The error as libvirt words an XML parse error inside its messages, "line L column C: what is
 * wrong" (what is wrong alone for line 0), into buf. Returns buf. */
const char *xml_tree_error_text(const vw_error *err, char *buf, size_t len);

void xml_tree_free(xml_node *node);

/* Deep copy; NULL on allocation failure. */
xml_node *xml_tree_copy(const xml_node *node);

/* The first child element named name, or NULL. */
xml_node *xml_tree_child(const xml_node *node, const char *name);

/* The value of attribute name, or NULL. */
const char *xml_tree_attr(const xml_node *node, const char *name);

/* A growable string buffer used by the writers. On allocation failure `failed` is set and
 * further appends are ignored. */
typedef struct {
    char *data;
    size_t len, cap;
    int failed;
} xml_buf;

void xml_buf_append(xml_buf *buf, const char *s);
void xml_buf_appendf(xml_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s escaped for use in text or in a single-quoted attribute. */
void xml_buf_escape(xml_buf *buf, const char *s);
/* Returns the NUL-terminated string (caller frees), or NULL if an allocation failed. */
char *xml_buf_finish(xml_buf *buf);

/* Writes node and its subtree at the given indentation level (2 spaces per level). */
void xml_tree_write(xml_buf *buf, const xml_node *node, int level);

#endif
