/* net_update.h: the sections of NETWORK_UPDATE (virNetworkDefUpdateSection in libvirt 9.0),
 * one function per section, shared by net_update.c (dispatch, checks, DHCP sections),
 * net_update_dns.c (dns-host, dns-txt, dns-srv) and net_update_fwd.c (forward-interface,
 * portgroup).
 *
 * Every section function gets the network's parsed definition (root, changed in place), the
 * parsed argument (node, already checked to be the section's element) and the command. It
 * returns 1 when node was taken into root, 0 when not (delete), -1 with err.
 */
#ifndef FL_NET_UPDATE_H
#define FL_NET_UPDATE_H

#include <stdbool.h>

#include "virerror.h"
#include "xml_tree.h"

enum { FL_NETUP_MODIFY = 1, FL_NETUP_DELETE = 2, FL_NETUP_ADD_LAST = 3, FL_NETUP_ADD_FIRST = 4 };

/* A network driver error: code VIR_ERR_OPERATION_INVALID ("Requested operation is not valid:
 * ..."), VIR_ERR_XML_ERROR ("XML error: ...") or VIR_ERR_XML_DETAIL (the message alone, as
 * the DNS parsers report). Returns -1. */
int fl_netup_error(vw_virerror *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define fl_netup_invalid(err, ...) fl_netup_error(err, VW_ERR_OPERATION_INVALID, __VA_ARGS__)
#define fl_netup_xml_error(err, ...) fl_netup_error(err, VW_ERR_XML_ERROR, __VA_ARGS__)
#define fl_netup_xml_detail(err, ...) fl_netup_error(err, VW_ERR_XML_DETAIL, __VA_ARGS__)

/* Unlinks and frees *at (a pointer into a sibling list). */
void fl_netup_remove(xml_node **at);
/* Puts node into parent's children: before the first child named node->name (first) or after
 * the last one (!first); when there is none, before the first child whose name is in
 * else_before (NULL-terminated; NULL: none), else at the end. */
void fl_netup_insert(xml_node *parent, xml_node *node, bool first,
                     const char *const *else_before);

int fl_netup_dns_host(xml_node *root, xml_node *node, unsigned command, const char *net,
                      vw_virerror *err);
int fl_netup_dns_txt(xml_node *root, xml_node *node, unsigned command, const char *net,
                     vw_virerror *err);
int fl_netup_dns_srv(xml_node *root, xml_node *node, unsigned command, const char *net,
                     vw_virerror *err);
int fl_netup_forward_iface(xml_node *root, xml_node *node, unsigned command, const char *net,
                           vw_virerror *err);
int fl_netup_portgroup(xml_node *root, xml_node *node, unsigned command, const char *net,
                       vw_virerror *err);

#endif
