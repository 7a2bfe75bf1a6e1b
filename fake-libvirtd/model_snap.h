/* model_snap.h: domain snapshots and checkpoints ("moments") as libvirt 9.0's test driver
 * keeps them: a tree of each kind per domain (each moment names its parent), one current
 * moment per kind, the domain definition at creation, and for snapshots the domain state and
 * revert with the state changes and lifecycle events the test driver makes. Moments only hold
 * metadata: nothing is saved or restored but the definition and state.
 */
#ifndef FL_MODEL_SNAP_H
#define FL_MODEL_SNAP_H

#include <stddef.h>

#include "model.h"
#include "model_parts.h"

typedef struct fl_moment {
    char *name, *description;
    char *parent;              /* the parent's name, NULL for a root */
    long long created;         /* creationTime, seconds */
    int state;                 /* snapshots: virDomainSnapshotState (8 = disk-snapshot) */
    char *dom_xml;             /* the domain definition at creation (inactive format) */
    char *disks_xml;           /* the <disks> element, formatted at level 1 (NULL: none) */
    struct fl_moment *next;    /* creation order */
} fl_moment;

typedef struct {
    fl_moment *head;
    fl_moment *current;
    size_t count;
} fl_moment_list;

/* A domain's moments: fl_domain.moments, NULL until the first is made. */
typedef struct fl_moments {
    fl_moment_list snapshots, checkpoints;
} fl_moments;

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

/* virDomainCheckpointListFlags */
enum {
    FL_CHECKPOINT_LIST_ROOTS = 1 << 0,  /* DESCENDANTS for the children call */
    FL_CHECKPOINT_LIST_TOPOLOGICAL = 1 << 1,
    FL_CHECKPOINT_LIST_LEAVES = 1 << 2,
    FL_CHECKPOINT_LIST_NO_LEAVES = 1 << 3,
};

/* fl_moments_free, fl_snapshot_count, fl_checkpoint_count: model_parts.h */
/* The current snapshot / checkpoint, or NULL. */
fl_moment *fl_snapshot_current(const fl_domain *dom);

/* testSnapObjFromName / testCheckpointObjFromName: NULL with "no domain snapshot (checkpoint)
 * with matching name" when there is none. */
fl_moment *fl_snapshot_lookup(fl_domain *dom, const char *name, vw_virerror *err);
fl_moment *fl_checkpoint_lookup(fl_domain *dom, const char *name, vw_virerror *err);
/* "snapshot 's' does not have a parent" (checkpoint alike). */
void fl_moment_no_parent(bool checkpoint, const fl_moment *m, vw_virerror *err);

/* The flag checks of the creating, reverting and deleting calls (the public API's, then the
 * test driver's virCheckFlags), made before the domain is looked up. Return 0 or -1. */
int fl_snapshot_create_check_flags(unsigned flags, vw_virerror *err);
int fl_snapshot_revert_check_flags(unsigned flags, vw_virerror *err);
int fl_snapshot_delete_check_flags(unsigned flags, vw_virerror *err);
int fl_checkpoint_create_check_flags(unsigned flags, vw_virerror *err);
int fl_checkpoint_delete_check_flags(unsigned flags, vw_virerror *err);

/* testDomainSnapshotCreateXML / testDomainCheckpointCreateXML after their flag checks. A
 * snapshot with HALT stops dom. Return the new moment or NULL. */
fl_moment *fl_snapshot_create(fl_model *m, fl_domain *dom, const char *xml, unsigned flags,
                              vw_virerror *err);
fl_moment *fl_checkpoint_create(fl_domain *dom, const char *xml, unsigned flags, vw_virerror *err);

/* The <domainsnapshot> / <domaincheckpoint> XML (caller frees), NULL on allocation failure;
 * with_domain false leaves out the embedded domain (VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN). */
char *fl_snapshot_xml(const fl_moment *snap);
char *fl_checkpoint_xml(const fl_moment *chk, bool with_domain);

/* The moments of dom of one kind matching flags (from NULL: the domain's, honouring ROOTS;
 * else from's children, or all descendants with DESCENDANTS), parents before children. A
 * malloc'd array, *count set (NULL when empty, or on allocation failure: *count (size_t)-1). */
fl_moment **fl_snapshot_list(fl_domain *dom, const fl_moment *from, unsigned flags,
                             size_t *count);
fl_moment **fl_checkpoint_list(fl_domain *dom, const fl_moment *from, unsigned flags,
                               size_t *count);

/* testDomainSnapshotDelete / testDomainCheckpointDelete after their flag checks (CHILDREN 1,
 * CHILDREN_ONLY 4). */
void fl_snapshot_delete(fl_domain *dom, fl_moment *snap, unsigned flags);
void fl_checkpoint_delete(fl_domain *dom, fl_moment *chk, unsigned flags);

/* testDomainRevertToSnapshot after its flag checks (RUNNING 1, PAUSED 2, FORCE 4). Returns 0
 * or -1. */
int fl_snapshot_revert(fl_model *m, fl_domain *dom, fl_moment *snap, unsigned flags,
                       vw_virerror *err);
/* testDomainUndefineFlags' snapshot check: an inactive domain with snapshots needs
 * VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA (2). Returns 0 or -1. */
int fl_snapshot_check_undefine(const fl_domain *dom, unsigned flags, vw_virerror *err);

#endif
