/* net_update_dns.c: NETWORK_UPDATE's DNS sections (dns-host, dns-txt, dns-srv) as libvirt
 * 9.0's test driver answers them, measured call by call against test:///default: the records'
 * checks and their error texts, how an added record is matched against the existing ones (a
 * host by its address; a TXT record by name; an SRV record by every field given), deletes that
 * match several records, and where records go in <dns> (TXT, then SRV, then hosts; a <dns>
 * left empty disappears). MODIFY is refused in net_update.c before this, except for host and
 * TXT records on releases that modify them (release.h, net_dns_modify: a host found by its
 * address, a TXT record by its name, replaced in place). */
#include "net_update.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "release.h"

/* ---- helpers --------------------------------------------------------------------------------- */

/* The network's <dns>, created (before the elements libvirt formats after it) when absent and
 * create is set; NULL when absent or out of memory (err set then). */
static xml_node *dns_of(xml_node *root, bool create, vw_virerror *err)
{
    static const char *const after_dns[] = {"vlan", "bandwidth", "ip", "route", "virtualport",
                                            "portgroup", NULL};
    xml_node *dns = xml_tree_child(root, "dns");
    if (dns || !create)
        return dns;
    if (!(dns = xml_tree_parse("<dns/>", 6, NULL))) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_NETWORK, "internal error",
                     "out of memory");
        return NULL;
    }
    fl_netup_insert(root, dns, true, after_dns);
    return dns;
}

/* A <dns> with nothing left in it is dropped, as libvirt formats no empty <dns>. */
static void drop_empty_dns(xml_node *root)
{
    for (xml_node **at = &root->children; *at; at = &(*at)->next)
        if (strcmp((*at)->name, "dns") == 0) {
            if (!(*at)->children && !(*at)->attrs)
                fl_netup_remove(at);
            return;
        }
}

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Both addresses parse to the same IPv4 or IPv6 address. */
static bool same_ip(const char *a, const char *b)
{
    unsigned char x[16], y[16];
    if (!a || !b)
        return false;
    if (inet_pton(AF_INET, a, x) == 1)
        return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
    return inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1 &&
           memcmp(x, y, 16) == 0;
}

static bool ip_valid(const char *a)
{
    unsigned char x[16];
    return inet_pton(AF_INET, a, x) == 1 || inet_pton(AF_INET6, a, x) == 1;
}

/* Removes record from dns. */
static void remove_record(xml_node *dns, const xml_node *record)
{
    for (xml_node **at = &dns->children; *at; at = &(*at)->next)
        if (*at == record) {
            fl_netup_remove(at);
            return;
        }
}

/* Adds the record written in b (libvirt's own attribute order) first or last of its kind;
 * 0 (the argument node was not taken) or -1 with err. */
static int insert_built(xml_node *dns, xml_buf *b, unsigned command,
                        const char *const *else_before, vw_virerror *err)
{
    char *s = xml_buf_finish(b);
    xml_node *rec = s ? xml_tree_parse(s, strlen(s), NULL) : NULL;
    free(s);
    if (!rec) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_NETWORK, "internal error",
                     "out of memory");
        return -1;
    }
    fl_netup_insert(dns, rec, command == FL_NETUP_ADD_FIRST, else_before);
    return 0;
}

/* ---- dns-host -------------------------------------------------------------------------------- */

#define MAX_NAMES 64

/* The non-empty <hostname>s of a <host>. */
static size_t host_names(const xml_node *h, const char **names)
{
    size_t n = 0;
    for (const xml_node *c = h->children; c && n < MAX_NAMES; c = c->next)
        if (strcmp(c->name, "hostname") == 0 && c->text && *c->text)
            names[n++] = c->text;
    return n;
}

int fl_netup_dns_host(xml_node *root, xml_node *node, unsigned command, const char *net,
                      vw_virerror *err)
{
    const char *names[MAX_NAMES], *ip = xml_tree_attr(node, "ip");
    size_t nnames = host_names(node, names);
    bool del = command == FL_NETUP_DELETE, mod = command == FL_NETUP_MODIFY;
    if (ip && !ip_valid(ip))
        return fl_netup_xml_detail(err, "Invalid IP address in network '%s' DNS HOST record",
                                   net);
    if ((del || mod) && !ip && nnames == 0)
        return fl_netup_xml_detail(err, "Missing ip and hostname in network '%s' DNS HOST "
                                   "record", net);
    if (!del && !mod && !ip)
        return fl_netup_xml_detail(err, "Missing IP address in network '%s' DNS HOST record",
                                   net);
    if (!del && nnames == 0)
        return fl_netup_xml_detail(err, "Missing hostname in network '%s' DNS HOST record", net);
    xml_node *dns = dns_of(root, !del && !mod, err), *match = NULL;
    if (!dns && !del && !mod)
        return -1;
    int found = 0;
    /* a delete (and an add on releases with net_dns_add_by_name) also matches any one
     * hostname; a modify only the address */
    bool by_name = del || (!mod && fl_release_current()->net_dns_add_by_name);
    for (xml_node *h = dns ? dns->children : NULL; h; h = h->next) {
        if (strcmp(h->name, "host") != 0)
            continue;
        bool hit = same_ip(ip, xml_tree_attr(h, "ip"));
        if (by_name && !hit) {
            const char *theirs[MAX_NAMES];
            size_t nt = host_names(h, theirs);
            for (size_t i = 0; i < nnames && !hit; i++)
                for (size_t j = 0; j < nt && !hit; j++)
                    hit = strcmp(names[i], theirs[j]) == 0;
        }
        if (hit) {
            found++;
            match = h;
        }
    }
    if (!del && !mod && found)
        return fl_netup_invalid(err, "there is already at least one DNS HOST record with a "
                                "matching field in network %s", net);
    /* what libvirt formats back: the address and the hostnames, nothing else */
    for (xml_node **at = &node->children; *at;) {
        if (strcmp((*at)->name, "hostname") != 0 || !(*at)->text || !*(*at)->text)
            fl_netup_remove(at);
        else
            at = &(*at)->next;
    }
    if (!del && !mod) {
        fl_netup_insert(dns, node, command == FL_NETUP_ADD_FIRST, NULL);
        return 1;
    }
    if (found == 0)
        return fl_netup_invalid(err, "couldn't locate a matching DNS HOST record in network %s",
                                net);
    if (mod) {                         /* the record found by its address, replaced in place */
        for (xml_node **at = &dns->children; *at; at = &(*at)->next)
            if (*at == match) {
                node->next = match->next;
                *at = node;
                match->next = NULL;
                xml_tree_free(match);
                break;
            }
        return 1;
    }
    if (found > 1)
        return fl_netup_invalid(err, "multiple matching DNS HOST records were found in network "
                                "%s", net);
    remove_record(dns, match);
    drop_empty_dns(root);
    return 0;
}

/* ---- dns-txt --------------------------------------------------------------------------------- */

int fl_netup_dns_txt(xml_node *root, xml_node *node, unsigned command, const char *net,
                     vw_virerror *err)
{
    static const char *const before_txt[] = {"srv", "host", NULL};
    const char *name = xml_tree_attr(node, "name"), *value = xml_tree_attr(node, "value");
    bool del = command == FL_NETUP_DELETE;
    if (!name)
        return fl_netup_xml_detail(err, "missing required name attribute in DNS TXT record of "
                                   "network %s", net);
    if (strpbrk(name, " ,\t\n\r"))
        return fl_netup_xml_detail(err, "prohibited character in DNS TXT record name '%s' of "
                                   "network %s", name, net);
    bool mod = command == FL_NETUP_MODIFY;
    if (!del && !mod && !value)
        return fl_netup_xml_detail(err, "missing required value attribute in DNS TXT record "
                                   "named '%s' of network %s", name, net);
    xml_node *dns = dns_of(root, !del && !mod, err), *match = NULL;
    if (!dns && !del && !mod)
        return -1;
    int found = 0;
    for (xml_node *t = dns ? dns->children : NULL; t; t = t->next)
        if (strcmp(t->name, "txt") == 0 && same(name, xml_tree_attr(t, "name"))) {
            found++;
            match = t;
        }
    if (!del && !mod && found)
        return fl_netup_invalid(err, "there is already a DNS TXT record with name '%s' in "
                                "network %s", name, net);
    if (mod) {                         /* the record of that name gets the new value */
        if (!found)
            return fl_netup_invalid(err, "couldn't locate a matching DNS TXT record in network "
                                    "%s", net);
        if (!value)
            return fl_netup_invalid(err, "missing value of modifying DNS TXT record in network "
                                    "%s", net);
        for (xml_attr *a = match->attrs; a; a = a->next)
            if (strcmp(a->name, "value") == 0) {
                char *v = strdup(value);
                if (!v) {
                    vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_NETWORK, "internal error",
                                 "out of memory");
                    return -1;
                }
                free(a->value);
                a->value = v;
            }
        return 0;
    }
    if (!del) {                        /* name and value only, in that order */
        xml_buf b = {0};
        xml_buf_append(&b, "<txt name='");
        xml_buf_escape(&b, name);
        xml_buf_append(&b, "' value='");
        xml_buf_escape(&b, value);
        xml_buf_append(&b, "'/>");
        return insert_built(dns, &b, command, before_txt, err);
    }
    if (found == 0)
        return fl_netup_invalid(err, "couldn't locate a matching DNS TXT record in network %s",
                                net);
    remove_record(dns, match);
    drop_empty_dns(root);
    return 0;
}

/* ---- dns-srv --------------------------------------------------------------------------------- */

static bool only_chars(const char *s, const char *extra)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
            return false;
    return true;
}

/* An SRV number attribute: absent (0), or 0..65535 (1..65535 for the port), allowed only with a
 * target. Returns 0 with *out, or -1 with libvirt's error. */
static int srv_number(const xml_node *n, const char *attr, const char *invalid_word,
                      bool target, unsigned long min, unsigned long *out, const char *service,
                      const char *net, vw_virerror *err)
{
    const char *v = xml_tree_attr(n, attr);
    *out = 0;
    if (!v)
        return 0;
    char *end;
    unsigned long x = strtoul(v, &end, 10);
    bool parsed = *v && *end == '\0' && v[0] != '-';
    if (parsed && !target)
        return fl_netup_xml_detail(err, "DNS SRV %s attribute not permitted without target for "
                                   "service '%s' in network '%s'", attr, service, net);
    if (!parsed || x < min || x > 65535)
        return fl_netup_xml_detail(err, "%s DNS SRV %s attribute for service '%s' in network "
                                   "'%s'", invalid_word, attr, service, net);
    *out = x;
    return 0;
}

/* The attribute of a given record equals the existing one's (or was not given). */
static bool srv_field(const xml_node *given, const xml_node *have, const char *attr)
{
    const char *g = xml_tree_attr(given, attr);
    return !g || same(g, xml_tree_attr(have, attr));
}

int fl_netup_dns_srv(xml_node *root, xml_node *node, unsigned command, const char *net,
                     vw_virerror *err)
{
    static const char *const before_srv[] = {"host", NULL};
    const char *service = xml_tree_attr(node, "service");
    const char *protocol = xml_tree_attr(node, "protocol");
    const char *domain = xml_tree_attr(node, "domain"), *target = xml_tree_attr(node, "target");
    bool del = command == FL_NETUP_DELETE;
    if (!service)
        return fl_netup_xml_detail(err, "missing required service attribute in DNS SRV record "
                                   "of network '%s'", net);
    if (!only_chars(service, "*+-/_"))
        return fl_netup_xml_detail(err, "invalid character in service attribute '%s' in DNS SRV "
                                   "record of network '%s'", service, net);
    if (!protocol)
        return fl_netup_xml_detail(err, "missing required protocol attribute in DNS SRV record "
                                   "'%s' of network '%s'", service, net);
    if (!only_chars(protocol, "+-/"))
        return fl_netup_xml_detail(err, "invalid character in protocol attribute '%s' in DNS SRV"
                                   " record of network '%s'", protocol, net);
    unsigned long port, priority, weight;
    if (srv_number(node, "port", "invalid", target, 1, &port, service, net, err) < 0 ||
        srv_number(node, "priority", "Invalid", target, 0, &priority, service, net, err) < 0 ||
        srv_number(node, "weight", "invalid", target, 0, &weight, service, net, err) < 0)
        return -1;
    xml_node *dns = dns_of(root, !del, err), *match = NULL;
    if (!dns && !del)
        return -1;
    int found = 0;
    for (xml_node *s = dns ? dns->children : NULL; s; s = s->next)
        if (strcmp(s->name, "srv") == 0 && srv_field(node, s, "domain") &&
            srv_field(node, s, "service") && srv_field(node, s, "protocol") &&
            srv_field(node, s, "target")) {
            found++;
            match = s;
        }
    if (!del && found)
        return fl_netup_invalid(err, "there is already at least one DNS SRV record matching all "
                                "specified fields in network %s", net);
    if (!del) {                        /* libvirt's attribute order; zero numbers omitted */
        xml_buf b = {0};
        const char *attrs[] = {"service", service, "protocol", protocol, "domain", domain,
                               "target", target};
        xml_buf_append(&b, "<srv");
        for (size_t i = 0; i < 8; i += 2)
            if (attrs[i + 1]) {
                xml_buf_appendf(&b, " %s='", attrs[i]);
                xml_buf_escape(&b, attrs[i + 1]);
                xml_buf_append(&b, "'");
            }
        if (port)
            xml_buf_appendf(&b, " port='%lu'", port);
        if (priority)
            xml_buf_appendf(&b, " priority='%lu'", priority);
        if (weight)
            xml_buf_appendf(&b, " weight='%lu'", weight);
        xml_buf_append(&b, "/>");
        return insert_built(dns, &b, command, before_srv, err);
    }
    if (found == 0)
        return fl_netup_invalid(err, "couldn't locate a matching DNS SRV record in network %s",
                                net);
    if (found > 1)
        return fl_netup_invalid(err, "multiple DNS SRV records matching all specified fields "
                                "were found in network %s", net);
    remove_record(dns, match);
    drop_empty_dns(root);
    return 0;
}
