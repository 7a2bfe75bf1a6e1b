/* model_iface.c: host interfaces (see model_iface.h). */
#include "model_iface.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "default_state.h"
#include "xml_tree.h"

enum { IF_FROM_XML = 5, FROM_INTERFACE = 26, ERR_NO_INTERFACE = 57 };

static void iface_free(fl_iface *i)
{
    if (!i)
        return;
    free(i->name);
    free(i->mac);
    free(i->xml);
    free(i);
}

static void list_free(fl_iface *l)
{
    while (l) {
        fl_iface *next = l->next;
        iface_free(l);
        l = next;
    }
}

void fl_iface_state_free(fl_iface_state *s)
{
    if (!s)
        return;
    list_free(s->list);
    list_free(s->backup);
    free(s);
}

static int oom(vw_virerror *err)
{
    vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, FROM_INTERFACE, "internal error",
                       "out of memory");
    return -1;
}

/* ---- XML ------------------------------------------------------------------------------------- */

/* Writes the children named name (or, name NULL, those not named start, mtu or mac). */
static void write_children(xml_buf *b, const xml_node *root, const char *name)
{
    for (const xml_node *n = root->children; n; n = n->next) {
        bool known = !strcmp(n->name, "start") || !strcmp(n->name, "mtu") ||
                     !strcmp(n->name, "mac");
        if (name ? strcmp(n->name, name) == 0 : !known)
            xml_tree_write(b, n, 1);
    }
}

/* The interface as the test driver formats it: start, mtu, the rest, then mac. */
static char *format_iface(const xml_node *root, const char *type, const char *name)
{
    xml_buf b = {0};
    xml_buf_append(&b, "<interface type='");
    xml_buf_escape(&b, type);
    xml_buf_append(&b, "' name='");
    xml_buf_escape(&b, name);
    xml_buf_append(&b, "'>\n");
    write_children(&b, root, "start");
    write_children(&b, root, "mtu");
    write_children(&b, root, NULL);
    write_children(&b, root, "mac");
    xml_buf_append(&b, "</interface>\n");
    return xml_buf_finish(&b);
}

static fl_iface *iface_from_tree(const xml_node *root, vw_virerror *err)
{
    const char *type = xml_tree_attr(root, "type");
    const char *name = xml_tree_attr(root, "name");
    if (!type) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, IF_FROM_XML, "XML error",
                           "Missing required attribute 'type' in element 'interface'");
        return NULL;
    }
    if (!name) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, FROM_INTERFACE, "XML error",
                           "interface has no name");
        return NULL;
    }
    const xml_node *mac = xml_tree_child(root, "mac");
    const char *addr = mac ? xml_tree_attr(mac, "address") : NULL;
    fl_iface *i = calloc(1, sizeof(*i));
    if (!i || !(i->name = strdup(name)) || !(i->mac = strdup(addr ? addr : "")) ||
        !(i->xml = format_iface(root, type, name))) {
        iface_free(i);
        oom(err);
        return NULL;
    }
    return i;
}

static fl_iface *iface_parse(const char *xml, vw_virerror *err)
{
    vw_error xerr;
    char why[256];
    xml_node *root = xml_tree_parse(xml, strlen(xml), &xerr);
    if (!root) {
        vw_virerror_report(err, VW_ERR_XML_DETAIL, IF_FROM_XML, "XML error", "%s",
                           xml_tree_error_text(&xerr, why, sizeof(why)));
        return NULL;
    }
    fl_iface *i = NULL;
    if (strcmp(root->name, "interface") != 0)
        vw_virerror_report(err, VW_ERR_XML_ERROR, IF_FROM_XML, "XML error",
                           "expecting root element of 'interface', not '%s'", root->name);
    else
        i = iface_from_tree(root, err);
    xml_tree_free(root);
    return i;
}

/* ---- the set --------------------------------------------------------------------------------- */

fl_iface_state *fl_iface_state_default(void)
{
    fl_iface_state *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    if (!(s->list = iface_parse(fl_default_interface_xml, NULL))) {
        free(s);
        return NULL;
    }
    s->list->active = true;
    return s;
}

fl_iface_state *fl_ifaces(fl_model *m)
{
    if (!m->ifaces)
        m->ifaces = calloc(1, sizeof(*m->ifaces));
    return m->ifaces;
}

fl_iface *fl_iface_lookup_name(fl_iface_state *s, const char *name, vw_virerror *err)
{
    for (fl_iface *i = s->list; i; i = i->next) {
        if (strcmp(i->name, name) == 0)
            return i;
    }
    vw_virerror_report(err, ERR_NO_INTERFACE, VW_FROM_TEST, "Interface not found",
                       "no interface with matching name '%s'", name);
    return NULL;
}

fl_iface *fl_iface_lookup_mac(fl_iface_state *s, const char *mac, vw_virerror *err)
{
    fl_iface *found = NULL;
    for (fl_iface *i = s->list; i; i = i->next) {
        if (strcasecmp(i->mac, mac) != 0)
            continue;
        if (found) {
            vw_virerror_report(err, VW_ERR_OPERATION_FAILED, VW_FROM_TEST, NULL,
                               "multiple matching interfaces found");
            return NULL;
        }
        found = i;
    }
    if (!found)
        vw_virerror_report(err, ERR_NO_INTERFACE, VW_FROM_TEST, "Interface not found",
                           "no interface with matching mac '%s'", mac);
    return found;
}

fl_iface **fl_iface_list(fl_iface_state *s, unsigned flags, size_t *count)
{
    size_t n = 0;
    *count = 0;
    for (fl_iface *i = s->list; i; i = i->next)
        n++;
    fl_iface **out = n ? calloc(n, sizeof(*out)) : NULL;
    for (fl_iface *i = s->list; out && i; i = i->next) {
        if (!(flags & 3) || (flags & 2 && i->active) || (flags & 1 && !i->active))
            out[(*count)++] = i;
    }
    return out;
}

fl_iface *fl_iface_define(fl_iface_state *s, const char *xml, vw_virerror *err)
{
    fl_iface *i = iface_parse(xml, err);
    if (!i)
        return NULL;
    fl_iface **pp = &s->list;
    while (*pp && strcmp((*pp)->name, i->name) != 0)
        pp = &(*pp)->next;
    if (*pp) {   /* a new definition of the interface of that name */
        i->active = (*pp)->active;
        i->next = (*pp)->next;
        iface_free(*pp);
    }
    *pp = i;
    return i;
}

int fl_iface_undefine(fl_iface_state *s, fl_iface *i)
{
    for (fl_iface **pp = &s->list; *pp; pp = &(*pp)->next) {
        if (*pp == i) {
            *pp = i->next;
            iface_free(i);
            return 0;
        }
    }
    return 0;
}

static int invalid(vw_virerror *err, const char *detail)
{
    vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                       detail ? "Requested operation is not valid" : NULL, "%s",
                       detail ? detail : "Requested operation is not valid");
    return -1;
}

int fl_iface_create(fl_iface *i, vw_virerror *err)
{
    if (i->active)
        return invalid(err, NULL);
    i->active = true;
    return 0;
}

int fl_iface_destroy(fl_iface *i, vw_virerror *err)
{
    if (!i->active)
        return invalid(err, NULL);
    i->active = false;
    return 0;
}

static fl_iface *list_copy(const fl_iface *l, bool *ok)
{
    fl_iface *head = NULL, **tail = &head;
    *ok = true;
    for (; l; l = l->next) {
        fl_iface *c = calloc(1, sizeof(*c));
        if (!c || !(c->name = strdup(l->name)) || !(c->mac = strdup(l->mac)) ||
            !(c->xml = strdup(l->xml))) {
            iface_free(c);
            list_free(head);
            *ok = false;
            return NULL;
        }
        c->active = l->active;
        *tail = c;
        tail = &c->next;
    }
    return head;
}

int fl_iface_change_begin(fl_iface_state *s, vw_virerror *err)
{
    if (s->in_transaction)
        return invalid(err, "there is another transaction running.");
    bool ok;
    s->backup = list_copy(s->list, &ok);
    if (!ok)
        return oom(err);
    s->in_transaction = true;
    return 0;
}

int fl_iface_change_commit(fl_iface_state *s, vw_virerror *err)
{
    if (!s->in_transaction)
        return invalid(err, "no transaction running, nothing to be committed.");
    list_free(s->backup);
    s->backup = NULL;
    s->in_transaction = false;
    return 0;
}

int fl_iface_change_rollback(fl_iface_state *s, vw_virerror *err)
{
    if (!s->in_transaction)
        return invalid(err, "no transaction running, nothing to rollback.");
    list_free(s->list);
    s->list = s->backup;
    s->backup = NULL;
    s->in_transaction = false;
    return 0;
}
