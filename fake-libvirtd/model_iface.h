/* model_iface.h: host interfaces as libvirt 9.0's test driver keeps them (testInterface* in
 * src/test/test_driver.c): define, undefine, start, stop, and the change transaction (begin
 * saves the list, rollback restores it, commit drops the copy). */
#ifndef FL_MODEL_IFACE_H
#define FL_MODEL_IFACE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "model_parts.h"

typedef struct fl_iface {
    char *name;
    char *mac;       /* "" when the XML has none */
    char *xml;       /* as the test driver formats it */
    bool active;
    struct fl_iface *next;
} fl_iface;

typedef struct fl_iface_state {
    fl_iface *list;     /* definition order */
    fl_iface *backup;   /* the list at INTERFACE_CHANGE_BEGIN */
    bool in_transaction;
} fl_iface_state;

/* fl_iface_state_default, fl_iface_state_free: model_parts.h */
/* m's interfaces (an empty set is made for a model without any). NULL when out of memory. */
fl_iface_state *fl_ifaces(fl_model *m);

fl_iface *fl_iface_lookup_name(fl_iface_state *s, const char *name, vw_virerror *err);
fl_iface *fl_iface_lookup_mac(fl_iface_state *s, const char *mac, vw_virerror *err);
/* VIR_CONNECT_LIST_INTERFACES_INACTIVE 1 / ACTIVE 2 (0 = both): a malloc'd array, *count. */
fl_iface **fl_iface_list(fl_iface_state *s, unsigned flags, size_t *count);

fl_iface *fl_iface_define(fl_iface_state *s, const char *xml, vw_virerror *err);
int fl_iface_undefine(fl_iface_state *s, fl_iface *i);
int fl_iface_create(fl_iface *i, vw_virerror *err);
int fl_iface_destroy(fl_iface *i, vw_virerror *err);
int fl_iface_change_begin(fl_iface_state *s, vw_virerror *err);
int fl_iface_change_commit(fl_iface_state *s, vw_virerror *err);
int fl_iface_change_rollback(fl_iface_state *s, vw_virerror *err);

#endif
