/* index.h: a hash index from byte-string keys (names, UUIDs, ids) to model objects, so that a
 * lookup costs the same with 10 domains as with 100,000 (libvirtd's virDomainObjList is a hash
 * table too). The index copies each key; it never owns the items.
 *
 * Chained buckets, FNV-1a, doubled when the load passes one item per bucket. put() does not
 * check for duplicates: the model does before it adds where keys are unique (libvirt's own
 * errors), and where they need not be (a volume's key or path in two pools) it puts each item
 * under the key and picks among them with fl_index_find. */
#ifndef FL_INDEX_H
#define FL_INDEX_H

#include <stddef.h>

typedef struct fl_index_entry fl_index_entry;

typedef struct {
    fl_index_entry **buckets;
    size_t nbuckets;
    size_t count;
} fl_index;

/* An empty index needs no set-up: a zeroed fl_index is valid. */
void fl_index_clear(fl_index *ix);

/* Adds key -> item. Returns 0, or -1 when memory runs out (the index is unchanged). */
int fl_index_put(fl_index *ix, const void *key, size_t keylen, void *item);

/* The item under key, or NULL. */
void *fl_index_get(const fl_index *ix, const void *key, size_t keylen);

/* The first item under key for which match(item, ctx) is true (any order; match NULL: any
 * item), or NULL. */
void *fl_index_find(const fl_index *ix, const void *key, size_t keylen,
                    int (*match)(const void *item, void *ctx), void *ctx);

/* Removes key (when it maps to item). Returns 1 when removed, 0 when absent. */
int fl_index_del(fl_index *ix, const void *key, size_t keylen, const void *item);

#endif
