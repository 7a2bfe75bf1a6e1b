/* model_storage.h: storage pools' life cycle and their volumes, as libvirt 9.0's test driver
 * models them (src/test/test_driver.c's storage driver). Pools are model.h's fl_object of kind
 * FL_OBJ_POOL; what only pools have (type, target path, volumes) hangs off fl_object.pool_ext,
 * made on first use from the pool's XML. The pool's XML is kept in step with its allocation.
 */
#ifndef FL_MODEL_STORAGE_H
#define FL_MODEL_STORAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "model_parts.h"
#include "xml_tree.h"

/* virStoragePoolEventLifecycleType */
enum {
    FL_POOL_EVENT_DEFINED = 0,
    FL_POOL_EVENT_UNDEFINED = 1,
    FL_POOL_EVENT_STARTED = 2,
    FL_POOL_EVENT_STOPPED = 3,
    FL_POOL_EVENT_CREATED = 4,
    FL_POOL_EVENT_DELETED = 5,
};

typedef struct fl_volume {
    char *name, *key, *path;
    char *type;             /* "file", "block", ... (the XML's type) */
    char *format;           /* target format type, NULL = none */
    int info_type;          /* virStorageVolType as GET_INFO reports it (from the pool type) */
    unsigned long long capacity, allocation;
    fl_object *pool;        /* the pool holding it */
    struct fl_volume *next, *prev; /* creation order; change only through model_storage.c */
} fl_volume;

struct fl_pool_ext {
    char *type;             /* "dir", "logical", ... */
    char *target;           /* target path */
    fl_volume *vols;        /* creation order */
    fl_volume *vols_tail;
    fl_index vol_by_name;   /* this pool's volumes by name (by key and path: fl_model's) */
};

/* fl_pool_ext_free: model_parts.h */

/* A pool type libvirt knows ("dir", "logical", ...). */
bool fl_pool_type_known(const char *name);

/* Parses a storage XML document; NULL with libvirt's XML_DETAIL error naming what
 * ("storage_pool_definition", ...) when it is not well-formed. */
xml_node *fl_storage_xml_parse(const char *text, const char *what, vw_virerror *err);

/* The pool's extension, made from its XML on first use; NULL with err on out of memory. */
struct fl_pool_ext *fl_pool_ext(fl_object *pool, vw_virerror *err);

/* testStoragePoolObjFindByName / ...Active... / ...Inactive...: NULL with the test driver's
 * error ("no storage pool with matching name", "storage pool 'x' is (not) active"). */
fl_object *fl_pool_find(fl_model *m, const char *name, int need_active, vw_virerror *err);

/* Define (persistent, inactive) or create (transient, active) from XML. */
fl_object *fl_pool_define(fl_model *m, const char *xml, bool create, vw_virerror *err);
/* Removes and frees the pool. */
void fl_pool_remove(fl_model *m, fl_object *pool);

/* Volumes. */
fl_volume *fl_vol_find(fl_object *pool, const char *name, vw_virerror *err);
/* By key or path over the active pools; *pool_out set. */
fl_volume *fl_vol_find_key(fl_model *m, const char *key, bool by_path, fl_object **pool_out,
                           vw_virerror *err);
fl_volume *fl_vol_create(fl_object *pool, const char *xml, const char *clone_of, vw_virerror *err);
int fl_vol_delete(fl_object *pool, const char *name, vw_virerror *err);
char *fl_vol_xml(const fl_object *pool, const fl_volume *v);
size_t fl_vol_count(fl_object *pool);

/* For a state file: adds a volume without the space check (0 or -1 with err). */
int fl_pool_add_volume(fl_object *pool, const char *name, unsigned long long capacity,
                       unsigned long long allocation, const char *format, vw_virerror *err);

#endif
