/* model.h: the fake hypervisor — domains, networks, storage pools and the node — with the
 * state transitions, error codes and messages of libvirt's test driver (src/test/test_driver.c,
 * libvirt 9.0.0), and the lifecycle events each transition emits.
 *
 * The model knows nothing about sockets or XDR. Operations that fail fill a vw_virerror with the
 * virErrorNumber, virErrorDomain and message libvirtd would send. Events go to one hook
 * (model->event_hook), which models.c installs: events.c queues them for delivery.
 */
#ifndef FL_MODEL_H
#define FL_MODEL_H

#include "index.h"
#include <stdbool.h>
#include <stddef.h>

#include "domain_xml.h"
#include "fl_flags.h"
#include "vw_util.h"

/* virDomainState */
enum {
    FL_STATE_NOSTATE = 0,
    FL_STATE_RUNNING = 1,
    FL_STATE_BLOCKED = 2,
    FL_STATE_PAUSED = 3,
    FL_STATE_SHUTDOWN = 4,
    FL_STATE_SHUTOFF = 5,
    FL_STATE_CRASHED = 6,
    FL_STATE_PMSUSPENDED = 7,
};

/* virDomainEventType and the details we emit. */
enum {
    FL_EVENT_DEFINED = 0,
    FL_EVENT_UNDEFINED = 1,
    FL_EVENT_STARTED = 2,
    FL_EVENT_SUSPENDED = 3,
    FL_EVENT_RESUMED = 4,
    FL_EVENT_STOPPED = 5,
    FL_EVENT_SHUTDOWN = 6,
};
enum {
    FL_DETAIL_DEFINED_ADDED = 0,
    FL_DETAIL_DEFINED_UPDATED = 1,
    FL_DETAIL_UNDEFINED_REMOVED = 0,
    FL_DETAIL_STARTED_BOOTED = 0,
    FL_DETAIL_SUSPENDED_PAUSED = 0,
    FL_DETAIL_RESUMED_UNPAUSED = 0,
    FL_DETAIL_STOPPED_SHUTDOWN = 0,
    FL_DETAIL_STOPPED_DESTROYED = 1,
    FL_DETAIL_STARTED_MIGRATED = 1,
    FL_DETAIL_RESUMED_MIGRATED = 1,
    FL_DETAIL_STOPPED_MIGRATED = 3,
};

/* virConnectListAllDomainsFlags */
enum {
    FL_LIST_ACTIVE = 1 << 0,
    FL_LIST_INACTIVE = 1 << 1,
    FL_LIST_PERSISTENT = 1 << 2,
    FL_LIST_TRANSIENT = 1 << 3,
    FL_LIST_RUNNING = 1 << 4,
    FL_LIST_PAUSED = 1 << 5,
    FL_LIST_SHUTOFF = 1 << 6,
    FL_LIST_OTHER = 1 << 7,
    FL_LIST_MANAGEDSAVE = 1 << 8,
    FL_LIST_NO_MANAGEDSAVE = 1 << 9,
    FL_LIST_AUTOSTART = 1 << 10,
    FL_LIST_NO_AUTOSTART = 1 << 11,
    FL_LIST_HAS_SNAPSHOT = 1 << 12,
    FL_LIST_NO_SNAPSHOT = 1 << 13,
    FL_LIST_HAS_CHECKPOINT = 1 << 14,
    FL_LIST_NO_CHECKPOINT = 1 << 15,
};

typedef struct fl_domain {
    domain_def *def;     /* the live definition (the only one while inactive) */
    domain_def *next_def;/* persistent config waiting for the next stop (define while running,
                          * or the config a create-XML of a defined domain replaced) */
    int id;              /* -1 when inactive */
    int state, reason;   /* virDomainState and its reason */
    bool persistent;
    bool autostart;
    unsigned long long max_speed; /* migrate max speed, MiB/s */
    struct fl_moments *moments; /* snapshots, checkpoints (model_snap.c); NULL = none yet */
    bool managed_save;   /* a managed save image exists (model_guest.h) */
    struct {             /* the test driver's per-domain guest-agent state (model_guest.h) */
        bool frozen[2];  /* "/" and "/boot" */
        bool time_set;   /* false: the test driver's initial time */
        long long seconds;
        unsigned nseconds;
    } agent;
    /* the test driver's own list of the IOThreads added through the API (live or config)
     * and not deleted since, with their polling parameters: what the iothread stats group and
     * SetIOThreadParams use (iothread_family.c) */
    struct fl_iothread_poll {
        unsigned id;
        unsigned long long poll_max_ns; /* 32768 until set */
        unsigned poll_grow, poll_shrink;
    } *iothreads;
    unsigned niothreads;
    struct fl_domain *next, *prev; /* definition order; change only through model.c */
} fl_domain;

/* Networks and storage pools: named objects the test driver only looks up, lists and
 * describes, so one struct and one set of lookups serve both kinds. */
typedef enum { FL_OBJ_NETWORK, FL_OBJ_POOL } fl_object_kind;

typedef struct fl_object {
    char *name;
    unsigned char uuid[16];
    bool active, persistent, autostart; /* a pool's virStoragePoolState: active ? 2 : 0 */
    char *xml;
    char *bridge;                       /* networks: the bridge's name ("" = none) */
    char *config_xml;                   /* networks: the persistent definition a define or a
                                         * CONFIG update gave a running network (libvirt's
                                         * newDef); NULL: xml is it */
    unsigned long long capacity, allocation, available; /* pools: bytes */
    struct fl_pool_ext *pool_ext;       /* pools: type, target, volumes (model_storage.h) */
    struct fl_model *model;             /* the model holding it (its volumes' indexes) */
    struct fl_object *next, *prev;      /* definition order; change only through model.c */
} fl_object;

typedef struct {
    char model[32];
    unsigned long memory_kib;
    unsigned cpus, mhz, nodes, sockets, cores, threads;
} fl_node_info;

typedef struct fl_model fl_model;

/* Called for every lifecycle event, after the state changed. */
typedef void fl_event_hook(fl_model *model, const fl_domain *dom, int event, int detail,
                           void *opaque);

struct fl_model {
    fl_domain *domains;     /* in definition order; the indexes below find one in O(1) */
    fl_domain *domains_tail;
    fl_index by_name, by_uuid, by_id;
    fl_object *networks;
    fl_object *pools;
    /* per fl_object_kind: the list's last, and the indexes finding one by name and UUID */
    fl_object *objects_tail[2];
    fl_index obj_by_name[2], obj_by_uuid[2];
    /* every pool's volumes by key and by path (model_storage.c; a key may repeat across
     * pools, the lookup picks the one in an active pool) */
    fl_index vol_by_key, vol_by_path;
    struct fl_iface_state *ifaces; /* host interfaces (model_iface.c); NULL = none yet */
    struct fl_nodedev_state *nodedevs; /* node devices (model_nodedev.c); NULL = none yet */
    fl_node_info node;
    char *hostname;         /* NULL = gethostname() */
    char *capabilities;
    char *sysinfo;
    char *hv_type;          /* "TEST" */
    unsigned long long hv_version;  /* 2 = 0.0.2 */
    unsigned long long lib_version; /* 9000000 */
    char *sec_model, *sec_doi;
    char *sec_label;        /* per-domain security label, "libvirt-test" */
    int next_id;            /* next domain id */
    unsigned long long free_memory; /* bytes */
    fl_event_hook *event_hook;
    void *event_opaque;
};

/* The built-in default: libvirt's test driver default (domain `test`, network `default`,
 * pool `default-pool`, its node info and capabilities). NULL on allocation failure. */
fl_model *fl_model_new_default(void);
/* An empty model with the default node, capabilities and versions (the base a state file
 * fills). NULL on allocation failure. */
fl_model *fl_model_new_empty(void);
void fl_model_free(fl_model *model);

/* Adds a domain from XML as the state file does: no events, no checks beyond duplicates. */
fl_domain *fl_model_add_domain(fl_model *m, const char *xml, bool persistent, int state,
                               vw_virerror *err);
int fl_model_add_network(fl_model *m, const char *name, const char *uuid, bool active,
                         bool persistent, bool autostart, const char *bridge, const char *xml,
                         vw_virerror *err);
int fl_model_add_pool(fl_model *m, const char *name, const char *uuid, bool active,
                      bool persistent, bool autostart, unsigned long long capacity,
                      unsigned long long allocation, unsigned long long available,
                      const char *xml, vw_virerror *err);

/* Lookups. The "lookup" forms report libvirt's not-found error; the handle forms are what
 * operations on a remote_nonnull_domain use (they match by UUID, like the test driver). */
fl_domain *fl_domain_lookup_name(fl_model *m, const char *name, vw_virerror *err);
fl_domain *fl_domain_lookup_uuid(fl_model *m, const unsigned char uuid[16], vw_virerror *err);
fl_domain *fl_domain_lookup_id(fl_model *m, int id, vw_virerror *err);
fl_domain *fl_domain_from_handle(fl_model *m, const char *name, const unsigned char uuid[16],
                                 vw_virerror *err);

/* Lifecycle. Each returns 0 or -1 with err filled. */
fl_domain *fl_domain_define(fl_model *m, const char *xml, vw_virerror *err);
fl_domain *fl_domain_create_xml(fl_model *m, const char *xml, unsigned flags, vw_virerror *err);
int fl_domain_undefine(fl_model *m, fl_domain *dom, vw_virerror *err);
int fl_domain_start(fl_model *m, fl_domain *dom, vw_virerror *err);
int fl_domain_destroy(fl_model *m, fl_domain *dom, vw_virerror *err);
int fl_domain_shutdown(fl_model *m, fl_domain *dom, vw_virerror *err);
int fl_domain_reboot(fl_model *m, fl_domain *dom, vw_virerror *err);
int fl_domain_suspend(fl_model *m, fl_domain *dom, vw_virerror *err);
int fl_domain_resume(fl_model *m, fl_domain *dom, vw_virerror *err);
int fl_domain_set_autostart(fl_model *m, fl_domain *dom, bool autostart, vw_virerror *err);
/* Incoming migration (destination side): runs the domain of xml with reason MIGRATED and
 * emits Started Migrated, then Resumed Migrated (unless paused: it stays paused, reason
 * MIGRATION); persist (VIR_MIGRATE_PERSIST_DEST) also makes it persistent (Defined Added /
 * Updated). A running domain of the same uuid is refused like create-XML. */
fl_domain *fl_domain_migrate_in(fl_model *m, const char *xml, bool persist, bool paused,
                                vw_virerror *err);
/* Outgoing migration done (source side): stops dom with reason MIGRATED and Stopped Migrated;
 * undefine (VIR_MIGRATE_UNDEFINE_SOURCE) also removes its config. dom may be freed. */
int fl_domain_migrate_out(fl_model *m, fl_domain *dom, bool undefine, vw_virerror *err);
/* testDomainSetMemoryFlags: flags VIR_DOMAIN_AFFECT_LIVE 1 / CONFIG 2 / MEM_MAXIMUM 4; kib is
 * the balloon (currentMemory) or, with MEM_MAXIMUM, the maximum (<memory>) of the chosen
 * definition. SET_MEMORY is flags 1, SET_MAX_MEMORY flags 4. */
int fl_domain_set_memory(fl_model *m, fl_domain *dom, unsigned long long kib, unsigned flags,
                         vw_virerror *err);

/* For the QEMU link (qemu_link.c), which follows QEMU's events as libvirtd does: sets an active
 * domain's state and reason and emits event/detail (event < 0: none). */
void fl_domain_set_state(fl_model *m, fl_domain *dom, int state, int reason, int event,
                         int detail);
/* Stops an active domain with a virDomainShutoffReason and a Stopped event detail. Returns 1
 * when the domain was transient and is gone (dom freed), else 0. */
int fl_domain_stopped(fl_model *m, fl_domain *dom, int reason, int detail);

/* Emits a lifecycle event for dom (model_guest.c: save, restore, rename). */
void fl_domain_emit(fl_model *m, const fl_domain *dom, int event, int detail);
/* Starts an inactive domain with a virDomainRunningReason and a Started event detail
 * (fl_domain_start is reason BOOTED, detail BOOTED). Returns 0 or -1 with err. */
int fl_domain_start_as(fl_model *m, fl_domain *dom, int reason, int detail, vw_virerror *err);
/* Gives dom the name new_name, re-keying the name index. Returns 0, or -1 when memory runs
 * out (dom unchanged). The caller checks that the name is free. */
int fl_domain_rekey_name(fl_model *m, fl_domain *dom, const char *new_name);
/* Makes def the live definition of a domain about to be started (restore): a new transient
 * domain, or the inactive one of its uuid, whose config stays its next_def. Refuses a running
 * domain of that uuid and a name clash as create-XML does. Takes def (freed on error). */
fl_domain *fl_domain_adopt_live_def(fl_model *m, domain_def *def, vw_virerror *err);
/* The persistent definition of a persistent domain (virDomainObjGetPersistentDef): its
 * definition while inactive, else its pending config, made from the live one on first use.
 * NULL with err filled when the copy fails. */
domain_def *fl_domain_persistent_def(fl_domain *dom, vw_virerror *err);

bool fl_domain_is_active(const fl_domain *dom);
/* CPU time in ns, as the test driver reports it (the wall clock). */
unsigned long long fl_domain_cpu_time(const fl_domain *dom);
/* The domain XML (caller frees), with id when active and flags VIR_DOMAIN_XML_INACTIVE (2). */
char *fl_domain_xml(const fl_domain *dom, unsigned flags);

/* The domains matching VIR_CONNECT_LIST_DOMAINS_* flags, in definition order; *count set.
 * Returns a malloc'd array of pointers (may be NULL when count is 0). */
fl_domain **fl_domain_list(fl_model *m, unsigned flags, size_t *count);

/* Whether dom passes the VIR_CONNECT_LIST_DOMAINS_* filters of flags. */
bool fl_domain_matches(const fl_domain *dom, unsigned flags);

/* Networks (FL_OBJ_NETWORK) and pools (FL_OBJ_POOL), by name or uuid: NULL with libvirt's
 * "Network not found" / "Storage pool not found" error when there is none. */
fl_object *fl_object_lookup_name(fl_model *m, fl_object_kind kind, const char *name,
                                 vw_virerror *err);
fl_object *fl_object_lookup_uuid(fl_model *m, fl_object_kind kind, const unsigned char uuid[16],
                                 vw_virerror *err);
/* Unlinks o from the model and its indexes and frees it (a pool's volumes must be out of
 * vol_by_key and vol_by_path first: fl_pool_remove). */
void fl_object_remove(fl_model *m, fl_object_kind kind, fl_object *o);
/* VIR_CONNECT_LIST_NETWORKS_* and VIR_CONNECT_LIST_STORAGE_POOLS_* flags alike: INACTIVE 1,
 * ACTIVE 2, PERSISTENT 4, TRANSIENT 8, AUTOSTART 16, NO_AUTOSTART 32 (pool type flags are
 * ignored). In definition order, *count set; a malloc'd array (NULL when count is 0). */
fl_object **fl_object_list(fl_model *m, fl_object_kind kind, unsigned flags, size_t *count);

/* ---- internal to the model (model.c), for model_lifecycle.c ---- */

void fl_model_domain_free(fl_domain *d);
void fl_model_emit_event(fl_model *m, const fl_domain *d, int event, int detail);
/* Sets d's id (-1 = inactive) and keeps the id index in step. Returns 0, or -1 when memory
 * runs out (the domain keeps its old id). */
int fl_model_set_id(fl_model *m, fl_domain *d, int id);
/* Returns 0, or -1 with err set when memory runs out (d unchanged). */
int fl_model_set_running(fl_model *m, fl_domain *d, int reason, vw_virerror *err);
void fl_model_unlink_domain(fl_model *m, fl_domain *dom);
/* Parses xml into a def with a uuid, reporting libvirt's errors. */
domain_def *fl_model_parse_def(const char *xml, vw_virerror *err);
/* libvirt's virDomainObjListAddLocked checks: the same uuid under another name, or the same
 * name with another uuid. With check_live, an active domain of that uuid is refused too.
 * Returns the existing domain to update (or NULL for a new one) and sets *failed on error. */
fl_domain *fl_model_check_duplicates(fl_model *m, const domain_def *def, bool check_live,
                                     vw_virerror *err, int *failed);
/* Appends a new domain (definition order) and indexes its name and UUID. */
fl_domain *fl_model_insert_domain(fl_model *m, domain_def *def);

#endif
