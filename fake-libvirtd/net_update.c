/* net_update.c: NETWORK_UPDATE as libvirt 9.0's test driver runs it (testNetworkUpdate ->
 * virNetworkObjUpdate -> virNetworkDefUpdateSection), for the <ip>'s DHCP hosts and ranges.
 *
 * Modelled: the flag check, CURRENT resolved to LIVE or CONFIG, "network is not running" and the
 * transient network's config, every section's and command's refusal with libvirt's words, and
 * the ip-dhcp-host (add first/last, modify, delete) and ip-dhcp-range (add, delete) sections
 * with libvirt's matching rules and errors; the forward-interface and portgroup sections are in
 * net_update_fwd.c, the DNS ones in net_update_dns.c (net_update.h). A CONFIG update of a
 * running network goes to its persistent definition (fl_object.config_xml, libvirt's newDef),
 * which the test driver shows only once a CONFIG update of the stopped network takes it.
 *
 * The ordering quirk: libvirt's client sends command and section swapped to a libvirtd that
 * does not announce VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER (before 9.0, see
 * release.c), so for such a modelled release the two fields are read the other way round. */
#include "handlers.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_net.h"
#include "net_update.h"
#include "release.h"
#include "xml_tree.h"

enum { CMD_MODIFY = FL_NETUP_MODIFY, CMD_DELETE = FL_NETUP_DELETE, CMD_ADD_LAST = FL_NETUP_ADD_LAST,
       CMD_ADD_FIRST = FL_NETUP_ADD_FIRST };
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
    return fl_netup_invalid(err, "%s", msg);
}

/* ---- shared with net_update_dns.c and net_update_fwd.c (net_update.h) ------------------------ */

int fl_netup_error(vw_virerror *err, int code, const char *fmt, ...)
{
    const char *prefix = code == VW_ERR_OPERATION_INVALID ? "Requested operation is not valid"
                         : code == VW_ERR_XML_ERROR ? "XML error" : NULL;
    char msg[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vw_virerror_report(err, code, VW_FROM_NETWORK, prefix, "%s", msg);
    return -1;
}

void fl_netup_remove(xml_node **at)
{
    xml_node *old = *at;
    *at = old->next;
    old->next = NULL;
    xml_tree_free(old);
}

static bool named_in(const xml_node *n, const char *const *names)
{
    for (; names && *names; names++)
        if (strcmp(n->name, *names) == 0)
            return true;
    return false;
}

void fl_netup_insert(xml_node *parent, xml_node *node, bool first,
                     const char *const *else_before)
{
    xml_node **at = &parent->children, **kind = NULL;
    for (; *at; at = &(*at)->next)
        if (strcmp((*at)->name, node->name) == 0) {
            kind = at;
            if (first)
                break;
        }
    if (kind) {
        at = first ? kind : &(*kind)->next;
    } else {
        for (at = &parent->children; *at && !named_in(*at, else_before); at = &(*at)->next)
            ;
    }
    node->next = *at;
    *at = node;
}

/* ---- the DHCP sections ----------------------------------------------------------------------- */

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* A <host> as libvirt names it in its errors, all three attributes in its order, a missing
 * mac written 'unknown' and a missing name '(null)' (libvirt prints the NULL pointer): as the
 * element ("<host mac='..' name='..' ip='..'/>") or as quoted parts ("mac='..'" ...). */
static void host_text(const xml_node *h, char *out, size_t len, bool quoted_parts)
{
    static const char *const attrs[] = {"mac", "name", "ip"};
    static const char *const missing[] = {"unknown", "(null)", "(null)"};
    size_t n = quoted_parts ? 0 : (size_t)snprintf(out, len, "<host");
    out[n] = '\0';
    for (int i = 0; i < 3 && n < len; i++) {
        const char *v = xml_tree_attr(h, attrs[i]);
        if (!v)
            v = missing[i];
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

/* virNetworkDefUpdateSection on the definition base (of network o): *out gets the updated
 * definition's text (the caller's), or -1 with err. */
static int update_section(const fl_object *o, const char *base, unsigned command,
                          unsigned section, int parent, const char *xml, char **out,
                          vw_virerror *err)
{
    static const char *const names[] = {NULL, "bridge", "domain", "ip", NULL, NULL, "forward",
                                        NULL, "forward pf"};
    static const char *const elements[] = {[SEC_DHCP_HOST] = "host", [SEC_DHCP_RANGE] = "range",
                                           [SEC_FORWARD_IFACE] = "interface",
                                           [SEC_PORTGROUP] = "portgroup",
                                           [SEC_DNS_HOST] = "host", [SEC_DNS_TXT] = "txt",
                                           [SEC_DNS_SRV] = "srv"};
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
    if (section >= SEC_DNS_HOST && command == CMD_MODIFY &&
        (section == SEC_DNS_SRV || !fl_release_current()->net_dns_modify))
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
    xml_node *root = xml_tree_parse(base, strlen(base), &xerr);
    int rc = -1;
    if (!root) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_NETWORK, "internal error", "%s",
                           xml_tree_error_text(&xerr, why, sizeof why));
    } else if (section == SEC_DHCP_HOST || section == SEC_DHCP_RANGE) {
        xml_node *dhcp = dhcp_of(root, parent, section == SEC_DHCP_HOST ? "dhcp host" :
                                 "dhcp range", o->name, err);
        if (dhcp)
            rc = section == SEC_DHCP_HOST ? update_host(dhcp, node, command, o->name, err)
                                          : update_range(dhcp, node, command, o->name, err);
    } else {
        static int (*const sections[])(xml_node *, xml_node *, unsigned, const char *,
                                       vw_virerror *) = {
            [SEC_FORWARD_IFACE] = fl_netup_forward_iface, [SEC_PORTGROUP] = fl_netup_portgroup,
            [SEC_DNS_HOST] = fl_netup_dns_host, [SEC_DNS_TXT] = fl_netup_dns_txt,
            [SEC_DNS_SRV] = fl_netup_dns_srv,
        };
        rc = sections[section](root, node, command, o->name, err);
    }
    if (rc != 1)
        xml_tree_free(node);           /* not taken into the tree */
    if (rc >= 0 && !(*out = fl_net_format(root, o->name, o->uuid))) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_NETWORK, "internal error",
                     "out of memory");
        rc = -1;
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
    /* the running definition, and the persistent one (libvirt's newDef while running) */
    char *live = NULL, *config = NULL;
    if (rc == 0 && (flags & AFFECT_LIVE))
        rc = update_section(o, o->xml, command, section, a->parentIndex, a->xml, &live, &e);
    if (rc == 0 && (flags & AFFECT_CONFIG))
        rc = update_section(o, o->config_xml ? o->config_xml : o->xml, command, section,
                            a->parentIndex, a->xml, &config, &e);
    if (rc < 0) {
        free(live);
        free(config);
        fl_conn_reply_error(c, hdr, &e);
        return;
    }
    if (live) {
        free(o->xml);
        o->xml = live;
    }
    if (config && o->active) {
        free(o->config_xml);
        o->config_xml = config;
    } else if (config) {               /* a stopped network takes it as its definition, and a
                                        * pending config_xml stays (libvirt keeps newDef) */
        free(o->xml);
        o->xml = config;
    }
    fl_reply_void(c, hdr);
}

static const fl_handler rows[] = {
    {VW_REMOTE_PROGRAM, VW_REMOTE_PROC_NETWORK_UPDATE, h_network_update, false},
};

const fl_handler_family fl_handlers_net_update = FL_HANDLER_FAMILY(rows);
