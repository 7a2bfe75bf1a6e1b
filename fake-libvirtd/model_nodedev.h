/* model_nodedev.h: the host's node devices as libvirt 9.0's test driver has them (testNodeDevice*
 * in src/test/test_driver.c): `computer` and the SCSI hosts scsi_host1, scsi_host2 (both vHBA
 * capable) and scsi_host11, and the vHBA it "creates" from XML (a copy of scsi_host11 named
 * scsi_host12 with the XML's parent and WWNs). */
#ifndef FL_MODEL_NODEDEV_H
#define FL_MODEL_NODEDEV_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "model_parts.h"

typedef struct fl_nodedev {
    char *name;
    char *parent;            /* "" for none */
    char *wwnn, *wwpn;       /* fc_host WWNs; "" for `computer` */
    int host, unique_id;
    bool vports;             /* has the vport_ops capability */
    bool mock_vport;         /* created: its XML keeps scsi_host11's parent, scsi_host1 */
    struct fl_nodedev *next;
} fl_nodedev;

typedef struct fl_nodedev_state {
    fl_nodedev *list;
} fl_nodedev_state;

/* virNodeDevDevnodeType / NodeDevCapType of a device: its one capability's name. */
const char *fl_nodedev_cap(const fl_nodedev *d);
/* VIR_CONNECT_LIST_NODE_DEVICES_CAP_* bits the device matches. */
unsigned fl_nodedev_cap_bits(const fl_nodedev *d);
/* The bit of a capability name ("scsi_host" -> 1 << 5), 0 for an unknown one. */
unsigned fl_nodedev_cap_bit(const char *cap);
/* The device XML (caller frees), NULL when out of memory. */
char *fl_nodedev_xml(const fl_nodedev *d);

/* fl_nodedev_state_default, fl_nodedev_state_free: model_parts.h */
/* m's node devices (an empty set for a model without any); NULL when out of memory. */
fl_nodedev_state *fl_nodedevs(fl_model *m);

fl_nodedev *fl_nodedev_lookup(fl_nodedev_state *s, const char *name, vw_virerror *err);
/* Devices matching cap bits (0 = all): a malloc'd array, *count. */
fl_nodedev **fl_nodedev_list(fl_nodedev_state *s, unsigned bits, size_t *count);
/* testNodeDeviceCreateXML: the vHBA of xml, added. NULL with err. */
fl_nodedev *fl_nodedev_create_xml(fl_nodedev_state *s, const char *xml, vw_virerror *err);
/* testNodeDeviceDestroy: removes a device with WWNs (1, freed); others are left (0). */
int fl_nodedev_destroy(fl_nodedev_state *s, fl_nodedev *d);

#endif
