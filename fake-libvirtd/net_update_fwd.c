/* net_update_fwd.c: NETWORK_UPDATE's forward-interface and portgroup sections as libvirt 9.0's
 * test driver answers them, measured call by call against test:///default.
 *
 * forward-interface: an <interface dev='..'/> added first or last to <forward> or deleted by
 * its dev; MODIFY is refused. libvirt formats the first interface's dev as <forward dev='..'>,
 * and re-checks the definition after the change, so a nat or route network refuses a second
 * interface. A network without <forward> (mode none) takes the interface but never formats it.
 * portgroup: matched by name; add (first or last among the portgroups), modify (replaces it in
 * place), delete; one default only. */
#include "net_update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* <forward dev='first interface' mode=...>: libvirt writes dev first, from the interfaces. */
static int set_forward_dev(xml_node *fwd)
{
    for (xml_attr **at = &fwd->attrs; *at; at = &(*at)->next)
        if (strcmp((*at)->name, "dev") == 0) {
            xml_attr *old = *at;
            *at = old->next;
            free(old->name);
            free(old->value);
            free(old);
            break;
        }
    const xml_node *first = xml_tree_child(fwd, "interface");
    if (!first)
        return 0;
    xml_attr *dev = calloc(1, sizeof *dev);
    if (!dev || !(dev->name = strdup("dev")) ||
        !(dev->value = strdup(xml_tree_attr(first, "dev")))) {
        if (dev)
            free(dev->name);
        free(dev);
        return -1;
    }
    dev->next = fwd->attrs;
    fwd->attrs = dev;
    return 0;
}

int fl_netup_forward_iface(xml_node *root, xml_node *node, unsigned command, const char *net,
                           vw_virerror *err)
{
    if (command == FL_NETUP_MODIFY) {
        vw_virerror_report(err, VW_ERR_OPERATION_UNSUPPORTED, VW_FROM_NETWORK,
                     "Operation not supported",
                     "forward interface entries cannot be modified, only added or deleted");
        return -1;
    }
    const char *dev = xml_tree_attr(node, "dev");
    if (!dev)
        return fl_netup_xml_error(err, "missing dev attribute in <interface> element");
    xml_node *fwd = xml_tree_child(root, "forward");
    xml_node **found = NULL;
    for (xml_node **at = fwd ? &fwd->children : NULL; at && *at; at = &(*at)->next)
        if (strcmp((*at)->name, "interface") == 0 && same(dev, xml_tree_attr(*at, "dev"))) {
            found = at;
            break;
        }
    if (command == FL_NETUP_DELETE) {
        if (!found)
            return fl_netup_invalid(err, "couldn't find an interface entry in network '%s' "
                                    "matching <interface dev='%s'>", net, dev);
        fl_netup_remove(found);
    } else {
        if (found)
            return fl_netup_invalid(err, "there is an existing interface entry in network '%s' "
                                    "that matches \"<interface dev='%s'>\"", net, dev);
        if (!fwd)                      /* mode none: kept by libvirt, never formatted */
            return 0;
        xml_buf b = {0};               /* libvirt formats the dev alone */
        xml_buf_append(&b, "<interface dev='");
        xml_buf_escape(&b, dev);
        xml_buf_append(&b, "'/>");
        char *s = xml_buf_finish(&b);
        xml_node *iface = s ? xml_tree_parse(s, strlen(s), NULL) : NULL;
        free(s);
        if (!iface)
            goto oom;
        fl_netup_insert(fwd, iface, command == FL_NETUP_ADD_FIRST, NULL);
        const char *mode = xml_tree_attr(fwd, "mode");
        int n = 0;
        for (const xml_node *c = fwd->children; c; c = c->next)
            n += strcmp(c->name, "interface") == 0;
        if (n > 1 && (!mode || same(mode, "nat") || same(mode, "route")))
            return fl_netup_xml_error(err, "multiple forwarding interfaces specified for "
                                      "network '%s', only one is supported", net);
        const xml_node *br = xml_tree_child(root, "bridge");
        if (same(mode, "bridge") && br && xml_tree_attr(br, "name"))
            return fl_netup_xml_error(err, "A network with forward mode='bridge' can specify a "
                                      "bridge name or a forward dev, but not both (network "
                                      "'%s')", net);
    }
    if (set_forward_dev(fwd) < 0)
        goto oom;
    return 0;
oom:
    vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_NETWORK, "internal error", "out of memory");
    return -1;
}

int fl_netup_portgroup(xml_node *root, xml_node *node, unsigned command, const char *net,
                       vw_virerror *err)
{
    const char *name = xml_tree_attr(node, "name");
    if (!name || !*name)
        return fl_netup_xml_error(err, "Missing required name attribute in portgroup");
    bool is_default = same(xml_tree_attr(node, "default"), "yes");
    xml_node **found = NULL, *dflt = NULL;
    for (xml_node **at = &root->children; *at; at = &(*at)->next) {
        if (strcmp((*at)->name, "portgroup") != 0)
            continue;
        if (same(name, xml_tree_attr(*at, "name")))
            found = at;
        if (same(xml_tree_attr(*at, "default"), "yes"))
            dflt = *at;
    }
    if (!found && command != FL_NETUP_ADD_FIRST && command != FL_NETUP_ADD_LAST)
        return fl_netup_invalid(err, "couldn't find a portgroup entry in network '%s' matching "
                                "<portgroup name='%s'>", net, name);
    if (found && command != FL_NETUP_MODIFY && command != FL_NETUP_DELETE)
        return fl_netup_invalid(err, "there is an existing portgroup entry in network '%s' that "
                                "matches \"<portgroup name='%s'>\"", net, name);
    if (command != FL_NETUP_DELETE && is_default && dflt && (!found || dflt != *found))
        return fl_netup_invalid(err, "a different portgroup entry in network '%s' is already set "
                                "as the default. Only one default is allowed.", net);
    if (command == FL_NETUP_DELETE) {
        fl_netup_remove(found);
        return 0;
    }
    /* libvirt formats name, then default='yes' only when it is the default */
    for (xml_attr **at = &node->attrs; *at;) {
        xml_attr *a = *at;
        if (strcmp(a->name, "name") == 0 || (is_default && strcmp(a->name, "default") == 0)) {
            at = &a->next;
            continue;
        }
        *at = a->next;
        free(a->name);
        free(a->value);
        free(a);
    }
    if (command == FL_NETUP_MODIFY) {
        xml_node *old = *found;
        node->next = old->next;
        *found = node;
        old->next = NULL;
        xml_tree_free(old);
    } else {
        fl_netup_insert(root, node, command == FL_NETUP_ADD_FIRST, NULL);
    }
    return 1;
}
