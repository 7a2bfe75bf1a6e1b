/* model_net.h: the life cycle of networks as libvirt 9.0's test driver runs it (testNetwork*
 * in src/test/test_driver.c): define, create from XML, start, destroy, undefine, and the host
 * CPU model names of its CPU drivers. Networks are the model's fl_object list (model.h).
 */
#ifndef FL_MODEL_NET_H
#define FL_MODEL_NET_H

#include <stddef.h>

#include "model.h"

/* virNetworkEventLifecycleType (every detail is 0). */
enum {
    FL_NET_EVENT_DEFINED = 0,
    FL_NET_EVENT_UNDEFINED = 1,
    FL_NET_EVENT_STARTED = 2,
    FL_NET_EVENT_STOPPED = 3,
};

/* testNetworkDefineXML: a new persistent, inactive network, or the new definition of the
 * network of the same name and uuid. NULL with err (XML, missing name, duplicates). */
fl_object *fl_net_define(fl_model *m, const char *xml, vw_virerror *err);
/* testNetworkCreateXML: a new transient, running network. */
fl_object *fl_net_create_xml(fl_model *m, const char *xml, vw_virerror *err);
/* testNetworkCreate: refuses a running network. */
int fl_net_start(fl_model *m, fl_object *net, vw_virerror *err);
/* testNetworkDestroy: stops net (the test driver does not refuse an inactive one); a transient
 * network is removed and freed. */
void fl_net_destroy(fl_model *m, fl_object *net);
/* testNetworkUndefine: refuses a running network; removes and frees net. */
int fl_net_undefine(fl_model *m, fl_object *net, vw_virerror *err);

/* A parsed <network> formatted as libvirt formats it back (name, uuid, forward, bridge, then
 * the rest in order); NULL when out of memory. net_update.c formats an updated one with it. */
struct xml_node;
char *fl_net_format(const struct xml_node *root, const char *name, const unsigned char uuid[16]);
/* Is arch one of libvirt's architecture names (virArchFromString)? */
bool fl_arch_known(const char *arch);

/* virConnectGetCPUModelNames for arch: *models (static strings, do not free) and *count, or -1
 * with the test driver's error (unknown architecture, no CPU driver for it). */
int fl_cpu_model_names(const char *arch, const char *const **models, size_t *count,
                       vw_virerror *err);

#endif
