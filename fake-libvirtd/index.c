/* index.c: the model's hash index, see index.h. */
#include "index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_BUCKETS 64

struct fl_index_entry {
    fl_index_entry *next;
    void *item;
    size_t keylen;
    unsigned char key[];
};

static uint64_t hash_key(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a offset basis */
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;              /* FNV prime */
    }
    return h;
}

static int same_key(const fl_index_entry *e, const void *key, size_t keylen)
{
    return e->keylen == keylen && memcmp(e->key, key, keylen) == 0;
}

void fl_index_clear(fl_index *ix)
{
    for (size_t i = 0; i < ix->nbuckets; i++) {
        fl_index_entry *e = ix->buckets[i];
        while (e) {
            fl_index_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(ix->buckets);
    ix->buckets = NULL;
    ix->nbuckets = ix->count = 0;
}

/* Rehashes into twice the buckets; on allocation failure the index stays as it was (longer
 * chains, still correct). */
static void grow(fl_index *ix)
{
    size_t n = ix->nbuckets ? ix->nbuckets * 2 : FIRST_BUCKETS;
    fl_index_entry **nb = calloc(n, sizeof(*nb));
    if (!nb)
        return;
    for (size_t i = 0; i < ix->nbuckets; i++) {
        fl_index_entry *e = ix->buckets[i];
        while (e) {
            fl_index_entry *next = e->next;
            size_t b = hash_key(e->key, e->keylen) & (n - 1);
            e->next = nb[b];
            nb[b] = e;
            e = next;
        }
    }
    free(ix->buckets);
    ix->buckets = nb;
    ix->nbuckets = n;
}

int fl_index_put(fl_index *ix, const void *key, size_t keylen, void *item)
{
    if (ix->count >= ix->nbuckets)
        grow(ix);
    if (!ix->nbuckets)
        return -1;
    fl_index_entry *e = malloc(sizeof(*e) + keylen);
    if (!e)
        return -1;
    e->item = item;
    e->keylen = keylen;
    memcpy(e->key, key, keylen);
    size_t b = hash_key(key, keylen) & (ix->nbuckets - 1);
    e->next = ix->buckets[b];
    ix->buckets[b] = e;
    ix->count++;
    return 0;
}

void *fl_index_find(const fl_index *ix, const void *key, size_t keylen,
                    int (*match)(const void *item, void *ctx), void *ctx)
{
    if (!ix->nbuckets)
        return NULL;
    size_t b = hash_key(key, keylen) & (ix->nbuckets - 1);
    for (const fl_index_entry *e = ix->buckets[b]; e; e = e->next)
        if (same_key(e, key, keylen) && (!match || match(e->item, ctx)))
            return e->item;
    return NULL;
}

void *fl_index_get(const fl_index *ix, const void *key, size_t keylen)
{
    return fl_index_find(ix, key, keylen, NULL, NULL);
}

int fl_index_del(fl_index *ix, const void *key, size_t keylen, const void *item)
{
    if (!ix->nbuckets)
        return 0;
    size_t b = hash_key(key, keylen) & (ix->nbuckets - 1);
    for (fl_index_entry **pp = &ix->buckets[b]; *pp; pp = &(*pp)->next) {
        fl_index_entry *e = *pp;
        if (e->item == item && same_key(e, key, keylen)) {
            *pp = e->next;
            free(e);
            ix->count--;
            return 1;
        }
    }
    return 0;
}
