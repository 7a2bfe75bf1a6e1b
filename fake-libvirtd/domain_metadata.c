/* domain_metadata.c: a domain's <metadata> elements (domain_metadata.h). */
#include "domain_metadata.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libxml2's escaping: &, <, > always; " inside attributes. */
static void escape(xml_buf *b, const char *s, int attr)
{
    char one[2] = {0, 0};
    for (; *s; s++) {
        if (*s == '&')
            xml_buf_append(b, "&amp;");
        else if (*s == '<')
            xml_buf_append(b, "&lt;");
        else if (*s == '>')
            xml_buf_append(b, "&gt;");
        else if (attr && *s == '"')
            xml_buf_append(b, "&quot;");
        else {
            one[0] = *s;
            xml_buf_append(b, one);
        }
    }
}

static void indent(xml_buf *b, int level)
{
    for (int i = 0; i < level; i++)
        xml_buf_append(b, "  ");
}

/* One element as libxml2's xmlNodeDump prints it with formatting on. */
static void write_element(xml_buf *b, const xml_node *n, int level)
{
    indent(b, level);
    xml_buf_appendf(b, "<%s", n->name);
    for (const xml_attr *a = n->attrs; a; a = a->next) {
        xml_buf_appendf(b, " %s=\"", a->name);
        escape(b, a->value, 1);
        xml_buf_append(b, "\"");
    }
    if (!n->children && !n->text) {
        xml_buf_append(b, "/>");
        return;
    }
    xml_buf_append(b, ">");
    if (n->text)
        escape(b, n->text, 0);
    if (n->children) {
        for (const xml_node *c = n->children; c; c = c->next) {
            xml_buf_append(b, "\n");
            write_element(b, c, level + 1);
        }
        xml_buf_append(b, "\n");
        indent(b, level);
    }
    xml_buf_appendf(b, "</%s>", n->name);
}

void domain_metadata_write(xml_buf *buf, const xml_node *md)
{
    if (!md || !md->children)
        return;
    xml_buf_append(buf, "  <metadata>\n");
    for (const xml_node *c = md->children; c; c = c->next) {
        write_element(buf, c, 2);
        xml_buf_append(buf, "\n");
    }
    xml_buf_append(buf, "  </metadata>\n");
}

/* The prefix an element's xmlns:PREFIX attribute binds to uri, or NULL. */
static const char *prefix_of(const xml_node *n, const char *uri)
{
    for (const xml_attr *a = n->attrs; a; a = a->next)
        if (strncmp(a->name, "xmlns:", 6) == 0 && strcmp(a->value, uri) == 0)
            return a->name + 6;
    return NULL;
}

static xml_node *find_ns(const xml_node *md, const char *uri, xml_node ***link)
{
    if (!md)
        return NULL;
    xml_node **p = (xml_node **)&md->children;
    for (; *p; p = &(*p)->next) {
        if (prefix_of(*p, uri)) {
            if (link)
                *link = p;
            return *p;
        }
    }
    return NULL;
}

/* Renames n and its descendants from "prefix:name" to "name" (strip) or from "name" to
 * "prefix:name" (add, for names without a prefix). Returns -1 when memory ran out. */
static int requalify(xml_node *n, const char *prefix, int add)
{
    size_t plen = strlen(prefix);
    int has = strncmp(n->name, prefix, plen) == 0 && n->name[plen] == ':';
    char *name = NULL;
    if (!add && has && !(name = strdup(n->name + plen + 1)))
        return -1;
    if (add && !strchr(n->name, ':')) {
        if (!(name = malloc(plen + strlen(n->name) + 2)))
            return -1;
        sprintf(name, "%s:%s", prefix, n->name);
    }
    if (name) {
        free(n->name);
        n->name = name;
    }
    for (xml_node *c = n->children; c; c = c->next)
        if (requalify(c, prefix, add) < 0)
            return -1;
    return 0;
}

/* Removes n's attribute named name. */
static void drop_attr(xml_node *n, const char *name)
{
    for (xml_attr **p = &n->attrs; *p; p = &(*p)->next) {
        if (strcmp((*p)->name, name) == 0) {
            xml_attr *gone = *p;
            *p = gone->next;
            free(gone->name);
            free(gone->value);
            free(gone);
            return;
        }
    }
}

char *domain_metadata_get(const xml_node *md, const char *uri, int *oom)
{
    *oom = 0;
    const xml_node *found = find_ns(md, uri, NULL);
    if (!found)
        return NULL;
    xml_node *copy = xml_tree_copy(found);
    char attr[300];
    snprintf(attr, sizeof(attr), "xmlns:%s", copy ? prefix_of(copy, uri) : "");
    xml_buf b = {0};
    if (copy && requalify(copy, attr + 6, 0) == 0) {
        drop_attr(copy, attr);
        write_element(&b, copy, 0);
    } else
        b.failed = 1;
    xml_tree_free(copy);
    char *s = xml_buf_finish(&b);
    *oom = s == NULL;
    return s;
}

/* Parses xml and puts it into namespace uri with prefix key. NULL: *rc -1 (err) or -2. */
static xml_node *qualified(const char *xml, const char *key, const char *uri, char *err,
                           size_t errlen, int *rc)
{
    vw_error xerr;
    xml_node *n = xml_tree_parse(xml, strlen(xml), &xerr);
    *rc = -1;
    if (!n) {
        xml_tree_error_text(&xerr, err, errlen);
        return NULL;
    }
    *rc = -2;
    xml_attr *ns = calloc(1, sizeof(*ns));
    if (!ns || !(ns->name = malloc(strlen(key) + 7)) || !(ns->value = strdup(uri)) ||
        requalify(n, key, 1) < 0) {
        if (ns) {
            free(ns->name);
            free(ns);
        }
        xml_tree_free(n);
        return NULL;
    }
    sprintf(ns->name, "xmlns:%s", key);
    ns->next = n->attrs;
    n->attrs = ns;
    return n;
}

int domain_metadata_set(xml_node **md, const char *xml, const char *key, const char *uri,
                        char *err, size_t errlen)
{
    xml_node *n = NULL;
    int rc;
    if (xml && *xml && !(n = qualified(xml, key, uri, err, errlen, &rc)))
        return rc;
    if (!*md && n && !(*md = calloc(1, sizeof(**md)))) {
        xml_tree_free(n);
        return -2;
    }
    if (*md && !(*md)->name && !((*md)->name = strdup("metadata"))) {
        xml_tree_free(n);
        return -2;
    }
    xml_node **link = NULL;
    xml_node *old = find_ns(*md, uri, &link);
    if (old) {
        *link = old->next;
        old->next = NULL;
        xml_tree_free(old);
    }
    if (n) {
        xml_node **tail = &(*md)->children;
        while (*tail)
            tail = &(*tail)->next;
        *tail = n;
    }
    return 0;
}
