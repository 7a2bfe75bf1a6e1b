/* net_update.c: NETWORK_UPDATE as libvirt 9.0's test driver runs it (testNetworkUpdate ->
 * virNetworkObjUpdate -> virNetworkDefUpdateSection), for the <ip>'s DHCP hosts and ranges.
 *
 * Modelled: the flag check, CURRENT resolved to LIVE or CONFIG, "network is not running" and the
 * transient network's config, every section's and command's refusal with libvirt's words, and
 * the ip-dhcp-host (add first/last, modify, delete) and ip-dhcp-range (add, delete) sections
 * with libvirt's matching rules and errors. The fake keeps one definition per network: a
 * CONFIG-only update of a running network is checked but not kept. The other sections libvirt
 * can update (forward-interface, portgroup, dns-host/txt/srv) answer
 * VIR_ERR_OPERATION_UNSUPPORTED naming fake-libvirtd.
 *
 * The ordering quirk: libvirt's client sends command and section swapped to a libvirtd that
 * does not announce VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER (before 9.0, see
 * release.c), so for such a modelled release the two fields are read the other way round. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_net.h"
#include "release.h"
#include "xml_tree.h"

enum { CMD_MODIFY = 1, CMD_DELETE = 2, CMD_ADD_LAST = 3, CMD_ADD_FIRST = 4 };
enum { SEC_BRIDGE = 1, SEC_DOMAIN, SEC_IP, SEC_DHCP_HOST, SEC_DHCP_RANGE, SEC_FORWARD,
       SEC_FORWARD_IFACE, SEC_FORWARD_PF, SEC_PORTGROUP, SEC_DNS_HOST, SEC_DNS_TXT, SEC_DNS_SRV };
#define AFFECT_LIVE 1u      /* VIR_NETWORK_UPDATE_AFFECT_LIVE */
#define AFFECT_CONFIG 2u    /* VIR_NETWORK_UPDATE_AFFECT_CONFIG */
#define FEATURE_CORRECT_ORDER 16   /* VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER */
#define ERR_OPERATION_UNSUPPORTED 84

static int unsupported(vw_virerror *err, const char *fmt, const char *a, const char *b)
{
    vw_virerror_report(err, ERR_OPERATION_UNSUPPORTED, VW_FROM_NETWORK, "Operation not supported",
                       fmt, a, b);
    return -1;
}

static int invalid(vw_virerror *err, const char *msg)
{
    vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_NETWORK,
                       "Requested operation is not valid", "%s", msg);
    return -1;
}

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The attributes given of a <host>, in libvirt's order: as the element ("<host mac='..'/>")
 * or as quoted parts ("mac='..'" "ip='..'"). */
static void host_text(const xml_node *h, char *out, size_t len, bool quoted_parts)
{
    static const char *const attrs[] = {"mac", "name", "ip"};
    size_t n = quoted_parts ? 0 : (size_t)snprintf(out, len, "<host");
    out[n] = '\0';
    for (int i = 0; i < 3 && n < len; i++) {
        const char *v = xml_tree_attr(h, attrs[i]);
        if (!v)
            continue;
        if (quoted_parts)
            n += (size_t)snprintf(out + n, len - n, "%s\"%s='%s'\"", n ? " " : "", attrs[i], v);
        else
            n += (size_t)snprintf(out + n, len - n, " %s='%s'", attrs[i], v);
    }
    if (!quoted_parts && n < len)
        snprintf(out + n, len - n, "/>");
}

static int update_host(xml_node *dhcp, xml_node *host, unsigned command, const char *net,
                       vw_virerror *err)
{
    char text[1024], msg[1400];
    const char *mac = xml_tree_attr(host, "mac"), *name = xml_tree_attr(host, "name");
    const char *ip = xml_tree_attr(host, "ip");
    if (command != CMD_DELETE) {
        if (!ip) {
            vw_virerror_report(err, VW_ERR_XML_ERROR, VW_FROM_NETWORK, "XML error",
                               "Missing IP address in static host definition for network '%s'", net);
            return -1;
        }
        if (!mac && !name) {
            vw_virerror_report(err, VW_ERR_XML_ERROR, VW_FROM_NETWORK, "XML error",
                               "Static host definition in IPv4 network '%s' must have mac or name "
                               "attribute", net);
            return -1;
        }
    }
    xml_node **at = &dhcp->children, **found = NULL;
    for (; *at; at = &(*at)->next) {
        const xml_node *h = *at;
        if (strcmp(h->name, "host") != 0)
            continue;
        const char *hmac = xml_tree_attr(h, "mac");
        bool match;
        if (command == CMD_DELETE)     /* every attribute given matches (a host without a mac
                                        * matches any mac) */
            match = (!mac || !hmac || strcasecmp(mac, hmac) == 0) &&
                    (!name || same(name, xml_tree_attr(h, "name"))) &&
                    (!ip || same(ip, xml_tree_attr(h, "ip")));
        else                           /* any one of them matches */
            match = (mac && hmac && strcasecmp(mac, hmac) == 0) ||
                    same(ip, xml_tree_attr(h, "ip")) || same(name, xml_tree_attr(h, "name"));
        if (match) {
            found = at;
            break;
        }
    }
    if (command == CMD_ADD_FIRST || command == CMD_ADD_LAST) {
        if (found) {
            host_text(host, text, sizeof text, false);
            snprintf(msg, sizeof msg, "there is an existing dhcp host entry in network '%s' "
                     "that matches \"%s\"", net, text);
            return invalid(err, msg);
        }
        xml_node **end = &dhcp->children;      /* hosts come after the ranges */
        while (*end && (command == CMD_ADD_LAST || strcmp((*end)->name, "range") == 0))
            end = &(*end)->next;
        host->next = *end;
        *end = host;
        return 1;                      /* host is in the tree now */
    }
    if (!found) {
        if (command == CMD_DELETE) {
            snprintf(msg, sizeof msg, "couldn't locate a matching dhcp host entry in network "
                     "'%s'", net);
        } else {
            host_text(host, text, sizeof text, true);
            snprintf(msg, sizeof msg, "couldn't locate an existing dhcp host entry with %s in "
                     "network '%s'", text, net);
        }
        return invalid(err, msg);
    }
    xml_node *old = *found;
    if (command == CMD_DELETE) {
        *found = old->next;
    } else {
        host->next = old->next;
        *found = host;
    }
    old->next = NULL;
    xml_tree_free(old);
    return command == CMD_DELETE ? 0 : 1;
}

static int update_range(xml_node *dhcp, xml_node *range, unsigned command, const char *net,
                        vw_virerror *err)
{
    char msg[1400];
    const char *start = xml_tree_attr(range, "start"), *end = xml_tree_attr(range, "end");
    if (command == CMD_MODIFY)
        return unsupported(err, "%s%sdhcp ranges cannot be modified, only added or deleted",
                           "", "");
    if (!start || !end) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, VW_FROM_NETWORK, "XML error",
                           "Missing 'start' or 'end' attribute in dhcp range for network '%s'", net);
        return -1;
    }
    xml_node **at = &dhcp->children, **found = NULL;
    for (; *at; at = &(*at)->next)
        if (strcmp((*at)->name, "range") == 0 && same(start, xml_tree_attr(*at, "start")) &&
            same(end, xml_tree_attr(*at, "end"))) {
            found = at;
            break;
        }
    if (command == CMD_DELETE) {
        if (!found) {
            snprintf(msg, sizeof msg, "couldn't locate a matching dhcp range entry in network "
                     "'%s'", net);
            return invalid(err, msg);
        }
        xml_node *old = *found;
        *found = old->next;
        old->next = NULL;
        xml_tree_free(old);
        return 0;
    }
    if (found) {
        snprintf(msg, sizeof msg, "there is an existing dhcp range entry in network '%s' that "
                 "matches \"<range start='%s' end='%s'/>\"", net, start, end);
        return invalid(err, msg);
    }
    /* ranges come before hosts in <dhcp> */
    xml_node **pos = &dhcp->children;
    if (command == CMD_ADD_LAST)
        while (*pos && strcmp((*pos)->name, "range") == 0)
            pos = &(*pos)->next;
    range->next = *pos;
    *pos = range;
    return 1;
}

/* The <dhcp> of the parentIndex'th <ip> (-1: the first IPv4 one), created when absent. */
static xml_node *dhcp_of(xml_node *root, int parent, const char *what, const char *net,
                         vw_virerror *err)
{
    char msg[600];
    int i = 0;
    xml_node *ip = NULL;
    for (xml_node *n = root->children; n; n = n->next) {
        if (strcmp(n->name, "ip") != 0)
            continue;
        const char *family = xml_tree_attr(n, "family");
        if (parent < 0 ? !family || strcmp(family, "ipv4") == 0 : i == parent) {
            ip = n;
            break;
        }
        i++;
    }
    if (!ip) {
        if (parent < 0)
            snprintf(msg, sizeof msg, "couldn't update %s entry - no <ip> element found in "
                     "network '%s'", what, net);
        else
            snprintf(msg, sizeof msg, "couldn't update %s entry - no <ip> element found at "
                     "index %d in network '%s'", what, parent, net);
        invalid(err, msg);
        return NULL;
    }
    xml_node *dhcp = xml_tree_child(ip, "dhcp");
    if (!dhcp) {
        if (!(dhcp = xml_tree_parse("<dhcp/>", 7, NULL))) {
            vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_NETWORK, "internal error",
                               "out of memory");
            return NULL;
        }
        dhcp->next = ip->children;
        ip->children = dhcp;
    }
    return dhcp;
}

/* virNetworkDefUpdateSection on the network's definition; 0 or -1 with err. */
static int update_section(fl_object *o, unsigned command, unsigned section, int parent,
                          const char *xml, bool keep, vw_virerror *err)
{
    static const char *const names[] = {NULL, "bridge", "domain", "ip", NULL, NULL, "forward",
                                        NULL, "forward pf"};
    static const char *const elements[] = {[SEC_DHCP_HOST] = "host", [SEC_DHCP_RANGE] = "range",
                                           [SEC_FORWARD_IFACE] = "interface",
                                           [SEC_PORTGROUP] = "portgroup"};
    static const char *const dns[] = {"HOST", "TXT", "SRV"};
    if (command < CMD_MODIFY || command > CMD_ADD_FIRST) {
        vw_virerror_report(err, ERR_OPERATION_UNSUPPORTED, VW_FROM_NETWORK,
                           "Operation not supported",
                           "unrecognized network update command code %u", command);
        return -1;
    }
    if (section == 0 || section > SEC_DNS_SRV)
        return unsupported(err, "%s%scan't update unrecognized section of network", "", "");
    if (section <= SEC_FORWARD_PF && names[section])
        return unsupported(err, "can't update '%s' section of network '%s'", names[section],
                           o->name);
    if (section >= SEC_DNS_HOST && command == CMD_MODIFY)
        return unsupported(err, "DNS %s records cannot be modified, only added or deleted%s",
                           dns[section - SEC_DNS_HOST], "");
    vw_error xerr;
    char why[256];
    xml_node *node = xml_tree_parse(xml, strlen(xml), &xerr);
    if (!node) {
        vw_virerror_report(err, VW_ERR_XML_DETAIL, VW_FROM_NETWORK, NULL, "network_update_xml: %s",
                           xml_tree_error_text(&xerr, why, sizeof why));
        return -1;
    }
    const char *want = section < sizeof elements / sizeof elements[0] ? elements[section] : NULL;
    if (want && strcmp(node->name, want) != 0) {
        vw_virerror_report(err, VW_ERR_XML_ERROR, VW_FROM_NETWORK, "XML error",
                           "unexpected element <%s>, expecting <%s>, while updating network '%s'",
                           node->name, want, o->name);
        xml_tree_free(node);
        return -1;
    }
    if (section != SEC_DHCP_HOST && section != SEC_DHCP_RANGE) {
        xml_tree_free(node);
        return unsupported(err, "fake-libvirtd does not model updates of this section of "
                           "network '%s'%s", o->name, "");
    }
    char herr[256];
    xml_node *root = xml_tree_parse(o->xml, strlen(o->xml), &xerr);
    xml_node *dhcp = root ? dhcp_of(root, parent, section == SEC_DHCP_HOST ? "dhcp host" :
                                    "dhcp range", o->name, err) : NULL;
    int rc = -1;
    if (!root)
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_NETWORK, "internal error", "%s",
                           xml_tree_error_text(&xerr, herr, sizeof herr));
    else if (dhcp)
        rc = section == SEC_DHCP_HOST ? update_host(dhcp, node, command, o->name, err)
                                      : update_range(dhcp, node, command, o->name, err);
    if (rc != 1)
        xml_tree_free(node);           /* not taken into the tree */
    if (rc >= 0 && keep) {
        char *text = fl_net_format(root, o->name, o->uuid);
        if (!text) {
            vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_NETWORK, "internal error",
                               "out of memory");
            rc = -1;
        } else {
            free(o->xml);
            o->xml = text;
        }
    }
    xml_tree_free(root);
    return rc < 0 ? -1 : 0;
}

static void h_network_update(fl_conn *c, const vw_packet_header *hdr, void *args)
{
    vw_network_update_args *a = args;
    vw_virerror e = {0};
    if (!fl_flags_ok(c, hdr, a->flags, AFFECT_LIVE | AFFECT_CONFIG, "testNetworkUpdate"))
        return;
    fl_object *o = fl_object_lookup_uuid(c->model, FL_OBJ_NETWORK,
                                         (const unsigned char *)a->net.uuid, &e);
    if (!o) {
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    unsigned command = a->command, section = a->section, flags = a->flags;
    if (!fl_release_has_feature(FEATURE_CORRECT_ORDER)) {
        command = a->section;
        section = a->command;
    }
    if (!(flags & (AFFECT_LIVE | AFFECT_CONFIG)))
        flags |= o->active ? AFFECT_LIVE : AFFECT_CONFIG;
    int rc = 0;
    if ((flags & AFFECT_LIVE) && !o->active)
        rc = invalid(&e, "network is not running");
    else if ((flags & AFFECT_CONFIG) && !o->persistent)
        rc = invalid(&e, "cannot change persistent config of a transient network");
    if (rc == 0)
        rc = update_section(o, command, section, a->parentIndex, a->xml,
                            (flags & AFFECT_LIVE) || !o->active, &e);
    if (rc < 0)
        fl_conn_reply_error(c, hdr, &e);
    else
        fl_reply_void(c, hdr);
}

static const fl_handler rows[] = {
    {VW_REMOTE_PROGRAM, VW_REMOTE_PROC_NETWORK_UPDATE, h_network_update, false},
};

const fl_handler_family fl_handlers_net_update = FL_HANDLER_FAMILY(rows);
