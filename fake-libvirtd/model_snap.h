/* model_snap.h: domain snapshots as libvirt 9.0's test driver keeps them: a tree per domain
 * (each snapshot names its parent), one current snapshot, the domain definition and state at
 * creation, and revert with the state changes and lifecycle events the test driver makes.
 * Snapshots only hold metadata: nothing is saved or restored but the definition and state.
 */
#ifndef FL_MODEL_SNAP_H
#define FL_MODEL_SNAP_H

#include <stddef.h>

#include "model.h"

typedef struct fl_snapshot {
    char *name, *description;
    char *parent;              /* the parent's name, NULL for a root */
    long long created;         /* creationTime, seconds */
    int state;                 /* virDomainSnapshotState: a virDomainState, 8 = disk-snapshot */
    char *dom_xml;             /* the domain definition at creation (inactive format) */
    char *disks_xml;           /* the <disks> element, formatted at level 1 */
    struct fl_snapshot *next;  /* creation order */
} fl_snapshot;

typedef struct fl_snapshots {
    fl_snapshot *head;
    fl_snapshot *current;
    size_t count;
} fl_snapshots;

/* virDomainSnapshotListFlags */
enum {
    FL_SNAP_LIST_ROOTS = 1 << 0,        /* DESCENDANTS for the children calls */
    FL_SNAP_LIST_METADATA = 1 << 1,
    FL_SNAP_LIST_LEAVES = 1 << 2,
    FL_SNAP_LIST_NO_LEAVES = 1 << 3,
    FL_SNAP_LIST_NO_METADATA = 1 << 4,
    FL_SNAP_LIST_INACTIVE = 1 << 5,
    FL_SNAP_LIST_ACTIVE = 1 << 6,
    FL_SNAP_LIST_DISK_ONLY = 1 << 7,
    FL_SNAP_LIST_INTERNAL = 1 << 8,
    FL_SNAP_LIST_EXTERNAL = 1 << 9,
    FL_SNAP_LIST_TOPOLOGICAL = 1 << 10,
    FL_SNAP_FILTERS_ALL = 0x3fe,
};

void fl_snapshots_free(fl_snapshots *s);
size_t fl_snapshot_count(const fl_domain *dom);

/* testSnapObjFromName: NULL with "no domain snapshot with matching name" when there is none. */
fl_snapshot *fl_snapshot_lookup(fl_domain *dom, const char *name, fl_error *err);

/* The flag checks of virDomainSnapshotCreateXML, virDomainRevertToSnapshot and
 * virDomainSnapshotDelete (the public API's, then the test driver's virCheckFlags), made before
 * the domain is looked up. Return 0 or -1. */
int fl_snapshot_create_check_flags(unsigned flags, fl_error *err);
int fl_snapshot_revert_check_flags(unsigned flags, fl_error *err);
int fl_snapshot_delete_check_flags(unsigned flags, fl_error *err);

/* testDomainSnapshotCreateXML after its flag checks. May stop dom (HALT); returns the new
 * snapshot or NULL. */
fl_snapshot *fl_snapshot_create(fl_model *m, fl_domain *dom, const char *xml, unsigned flags,
                                fl_error *err);
/* The <domainsnapshot> XML (caller frees), NULL on allocation failure. */
char *fl_snapshot_xml(const fl_domain *dom, const fl_snapshot *snap);

/* The snapshots of dom matching flags (from NULL: the domain's, honouring ROOTS; else from's
 * children, or all descendants with DESCENDANTS), parents before children. A malloc'd array,
 * *count set (NULL when empty or on allocation failure: then *count is (size_t)-1). */
fl_snapshot **fl_snapshot_list(fl_domain *dom, const fl_snapshot *from, unsigned flags,
                               size_t *count);

/* testDomainSnapshotDelete after its flag checks (CHILDREN 1, CHILDREN_ONLY 4). */
void fl_snapshot_delete(fl_domain *dom, fl_snapshot *snap, unsigned flags);
/* testDomainRevertToSnapshot after its flag checks (RUNNING 1, PAUSED 2, FORCE 4). Returns 0
 * or -1. */
int fl_snapshot_revert(fl_model *m, fl_domain *dom, fl_snapshot *snap, unsigned flags,
                       fl_error *err);
/* testDomainUndefineFlags' snapshot check: an inactive domain with snapshots needs
 * VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA (2). Returns 0 or -1. */
int fl_snapshot_check_undefine(const fl_domain *dom, unsigned flags, fl_error *err);

#endif
