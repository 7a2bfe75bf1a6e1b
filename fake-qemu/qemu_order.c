/* qemu_order.c: QDict and GHashTable member orders of QEMU 7.2 / GLib 2.74, see qemu_order.h. */
#include "qemu_order.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define QDICT_BUCKET_MAX 512
#define ORDER_MAX_KEYS   4096   /* larger objects fall back to insertion order */

/* QEMU qobject/qdict.c: tdb_hash() */
static unsigned int tdb_hash(const char *name)
{
    uint32_t value = 0x238F13AFu * (uint32_t)strlen(name);
    for (uint32_t i = 0; name[i]; i++)
        value = value + ((uint32_t)(unsigned char)name[i] << (i * 5 % 24));
    return 1103515243u * value + 12345u;
}

typedef struct {
    const char *key;
    unsigned bucket;
    size_t index;
} qdict_entry;

static int cmp_qdict_entry(const void *a, const void *b)
{
    const qdict_entry *x = a, *y = b;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    /* Inside a bucket the newest entry comes first (QLIST_INSERT_HEAD). */
    return x->index > y->index ? -1 : (x->index < y->index ? 1 : 0);
}

size_t qemu_order_qdict_keys(const json_t *obj, const char **keys, size_t max)
{
    size_t n = json_object_size(obj);
    if (n > max)
        n = max;
    qdict_entry *ents = calloc(n ? n : 1, sizeof(*ents));
    const char *key;
    json_t *value;
    size_t i = 0;
    if (!ents) {
        json_object_foreach((json_t *)obj, key, value) {
            if (i >= n)
                break;
            keys[i++] = key;
        }
        return i;
    }
    json_object_foreach((json_t *)obj, key, value) {
        (void)value;
        if (i >= n)
            break;
        ents[i].key = key;
        ents[i].bucket = tdb_hash(key) % QDICT_BUCKET_MAX;
        ents[i].index = i;
        i++;
    }
    qsort(ents, i, sizeof(*ents), cmp_qdict_entry);
    for (size_t k = 0; k < i; k++)
        keys[k] = ents[k].key;
    free(ents);
    return i;
}

/* ---- GLib 2.74 GHashTable, keys only ------------------------------------------------------- */

#define UNUSED_HASH    0u
#define TOMBSTONE_HASH 1u
#define HASH_IS_REAL(h) ((h) >= 2u)
#define MIN_SHIFT 3

static const unsigned prime_mod[] = {
    1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521
};

typedef struct {
    unsigned size, mod, mask, nnodes, noccupied;
    unsigned *hashes;
    const char **keys;
} ghash;

static unsigned g_str_hash(const char *s)
{
    uint32_t h = 5381;
    for (const signed char *p = (const signed char *)s; *p; p++)
        h = (h << 5) + h + (uint32_t)(int32_t)*p;
    return h;
}

static void set_shift(ghash *h, int shift)
{
    h->size = 1u << shift;
    h->mod = prime_mod[shift];
    h->mask = h->size - 1;
}

static void set_shift_from_size(ghash *h, int size)
{
    int shift = 0;
    while (size) {
        size >>= 1;
        shift++;
    }
    if (shift < MIN_SHIFT)
        shift = MIN_SHIFT;
    set_shift(h, shift);
}

static unsigned hash_to_index(const ghash *h, unsigned hash)
{
    return (hash * 11u) % h->mod;
}

static int resize(ghash *h)
{
    unsigned old_size = h->size;
    set_shift_from_size(h, (int)(h->nnodes * 1.333));
    unsigned alloc = h->size > old_size ? h->size : old_size;
    if (h->size > old_size) {
        unsigned *nh = realloc(h->hashes, alloc * sizeof(*nh));
        if (!nh)
            return -1;
        h->hashes = nh;
        const char **nk = realloc(h->keys, alloc * sizeof(*nk));
        if (!nk)
            return -1;
        h->keys = nk;
        memset(h->hashes + old_size, 0, (alloc - old_size) * sizeof(*nh));
        memset(h->keys + old_size, 0, (alloc - old_size) * sizeof(*nk));
    }
    unsigned char *done = calloc(alloc, 1);
    if (!done)
        return -1;
    for (unsigned i = 0; i < old_size; i++) {
        unsigned node_hash = h->hashes[i];
        if (!HASH_IS_REAL(node_hash)) {
            h->hashes[i] = UNUSED_HASH;
            continue;
        }
        if (done[i])
            continue;
        h->hashes[i] = UNUSED_HASH;
        const char *key = h->keys[i];
        for (;;) {
            unsigned step = 0;
            unsigned idx = hash_to_index(h, node_hash);
            while (done[idx]) {
                step++;
                idx += step;
                idx &= h->mask;
            }
            done[idx] = 1;
            unsigned replaced = h->hashes[idx];
            h->hashes[idx] = node_hash;
            const char *replaced_key = h->keys[idx];
            h->keys[idx] = key;
            if (!HASH_IS_REAL(replaced))
                break;
            node_hash = replaced;
            key = replaced_key;
        }
    }
    free(done);
    h->noccupied = h->nnodes;
    return 0;
}

static int maybe_resize(ghash *h)
{
    unsigned noccupied = h->noccupied, size = h->size;
    if ((size > h->nnodes * 4 && size > (1u << MIN_SHIFT)) || (size <= noccupied + noccupied / 16))
        return resize(h);
    return 0;
}

/* Returns the slot of key, or the slot where it would go. */
static unsigned lookup(const ghash *h, const char *key, unsigned *hash_out)
{
    unsigned hash = g_str_hash(key);
    if (!HASH_IS_REAL(hash))
        hash = 2;
    *hash_out = hash;
    unsigned idx = hash_to_index(h, hash), step = 0, tomb = 0;
    int have_tomb = 0;
    while (h->hashes[idx] != UNUSED_HASH) {
        if (h->hashes[idx] == hash && strcmp(h->keys[idx], key) == 0)
            return idx;
        if (h->hashes[idx] == TOMBSTONE_HASH && !have_tomb) {
            tomb = idx;
            have_tomb = 1;
        }
        step++;
        idx += step;
        idx &= h->mask;
    }
    return have_tomb ? tomb : idx;
}

static int ghash_insert(ghash *h, const char *key)
{
    unsigned hash;
    unsigned idx = lookup(h, key, &hash);
    unsigned old = h->hashes[idx];
    if (HASH_IS_REAL(old))
        return 0;
    h->hashes[idx] = hash;
    h->keys[idx] = key;
    h->nnodes++;
    if (old == UNUSED_HASH) {
        h->noccupied++;
        return maybe_resize(h);
    }
    return 0;
}

static int ghash_remove(ghash *h, const char *key)
{
    unsigned hash;
    unsigned idx = lookup(h, key, &hash);
    if (!HASH_IS_REAL(h->hashes[idx]))
        return 0;
    h->hashes[idx] = TOMBSTONE_HASH;
    h->keys[idx] = NULL;
    h->nnodes--;
    return maybe_resize(h);
}

const char *qemu_order_first_leftover(const json_t *obj, const char *const *visited,
                                      size_t nvisited)
{
    size_t n = json_object_size(obj);
    if (n == 0)
        return NULL;
    const char **keys = calloc(n, sizeof(*keys));
    ghash h = { 0 };
    const char *result = NULL;
    int failed = 0;
    if (!keys || n > ORDER_MAX_KEYS)
        goto fallback;
    n = qemu_order_qdict_keys(obj, keys, n);
    set_shift(&h, MIN_SHIFT);
    h.hashes = calloc(h.size, sizeof(*h.hashes));
    h.keys = calloc(h.size, sizeof(*h.keys));
    if (!h.hashes || !h.keys)
        goto fallback;
    for (size_t i = 0; i < n && !failed; i++)
        failed = ghash_insert(&h, keys[i]) < 0;
    for (size_t i = 0; i < nvisited && !failed; i++)
        failed = ghash_remove(&h, visited[i]) < 0;
    if (failed)
        goto fallback;
    for (unsigned i = 0; i < h.size; i++) {
        if (HASH_IS_REAL(h.hashes[i])) {
            result = h.keys[i];
            break;
        }
    }
    /* The result points into obj (keys[] holds obj's strings). */
    free(h.hashes);
    free(h.keys);
    free(keys);
    return result;

fallback:
    free(h.hashes);
    free(h.keys);
    free(keys);
    {
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)obj, key, value) {
            (void)value;
            int seen = 0;
            for (size_t i = 0; i < nvisited; i++)
                if (strcmp(visited[i], key) == 0)
                    seen = 1;
            if (!seen)
                return key;
        }
    }
    return NULL;
}
