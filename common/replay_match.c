/* replay_match.c: the matching core of both replays (see replay_match.h). Keys live in one
 * buffer; an open-addressing table maps a key's hash to its group (the calls with that key,
 * chained in recorded order through next_same). */
#include "replay_match.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t off, len;            /* the key in keys */
    uint64_t hash;
    long next_same;             /* the next call with an equal key, -1 */
    long group;
    bool used;
} match_call;

typedef struct {
    long first, cursor;         /* cursor: the first call of the group not known to be used */
} match_group;

struct vw_replay_match {
    match_call *calls;
    size_t ncalls, capcalls;
    unsigned char *keys;
    size_t keys_len, keys_cap;
    match_group *groups;
    size_t ngroups;
    long *table;                /* group index or -1 */
    size_t table_size;
    size_t next;                /* no unused call before this one */
};

static uint64_t key_hash(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ull;       /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

vw_replay_match *vw_replay_match_new(void)
{
    return calloc(1, sizeof(vw_replay_match));
}

void vw_replay_match_free(vw_replay_match *m)
{
    if (!m)
        return;
    free(m->calls);
    free(m->keys);
    free(m->groups);
    free(m->table);
    free(m);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    void *na = realloc(*arr, ncap * elem);
    if (!na)
        return -1;
    *arr = na;
    *cap = ncap;
    return 0;
}

int vw_replay_match_add(vw_replay_match *m, const void *key, size_t len)
{
    if (grow((void **)&m->calls, &m->capcalls, m->ncalls + 1, sizeof(match_call)) < 0 ||
        grow((void **)&m->keys, &m->keys_cap, m->keys_len + len, 1) < 0)
        return -1;
    match_call *c = &m->calls[m->ncalls++];
    c->off = m->keys_len;
    c->len = len;
    c->hash = key_hash(key, len);
    c->next_same = c->group = -1;
    c->used = false;
    if (len)
        memcpy(m->keys + m->keys_len, key, len);
    m->keys_len += len;
    return 0;
}

static bool call_is(const vw_replay_match *m, const match_call *c, uint64_t hash,
                    const void *key, size_t len)
{
    return c->hash == hash && c->len == len &&
           (len == 0 || memcmp(m->keys + c->off, key, len) == 0);
}

int vw_replay_match_seal(vw_replay_match *m)
{
    size_t size = 16;
    while (size < m->ncalls * 2)
        size *= 2;
    m->table = malloc(size * sizeof(long));
    m->groups = malloc((m->ncalls ? m->ncalls : 1) * sizeof(match_group));
    long *last = malloc((m->ncalls ? m->ncalls : 1) * sizeof(long));   /* per group */
    if (!m->table || !m->groups || !last) {
        free(last);
        return -1;
    }
    m->table_size = size;
    for (size_t i = 0; i < size; i++)
        m->table[i] = -1;
    for (size_t i = 0; i < m->ncalls; i++) {
        match_call *c = &m->calls[i];
        size_t slot = (size_t)c->hash & (size - 1);
        long g;
        while ((g = m->table[slot]) >= 0 &&
               !call_is(m, &m->calls[m->groups[g].first], c->hash, m->keys + c->off, c->len))
            slot = (slot + 1) & (size - 1);
        if (g < 0) {
            g = (long)m->ngroups++;
            m->table[slot] = g;
            m->groups[g].first = m->groups[g].cursor = (long)i;
        } else {
            m->calls[last[g]].next_same = (long)i;
        }
        last[g] = (long)i;
        c->group = g;
    }
    free(last);
    return 0;
}

size_t vw_replay_match_count(const vw_replay_match *m)
{
    return m->ncalls;
}

static long find_unordered(vw_replay_match *m, const void *key, size_t len)
{
    if (!m->table)
        return -1;
    uint64_t h = key_hash(key, len);
    size_t mask = m->table_size - 1;
    for (size_t slot = (size_t)h & mask;; slot = (slot + 1) & mask) {
        long g = m->table[slot];
        if (g < 0)
            return -1;
        if (!call_is(m, &m->calls[m->groups[g].first], h, key, len))
            continue;
        long cur = m->groups[g].cursor;
        while (cur >= 0 && m->calls[cur].used)
            cur = m->calls[cur].next_same;
        m->groups[g].cursor = cur;
        return cur;
    }
}

long vw_replay_match_find(vw_replay_match *m, bool unordered, const void *key, size_t len)
{
    if (unordered)
        return find_unordered(m, key, len);
    size_t i = vw_replay_match_next(m);
    return i < m->ncalls && vw_replay_match_is(m, i, key, len) ? (long)i : -1;
}

void vw_replay_match_use(vw_replay_match *m, size_t i)
{
    if (i < m->ncalls)
        m->calls[i].used = true;
}

bool vw_replay_match_used(const vw_replay_match *m, size_t i)
{
    return i < m->ncalls && m->calls[i].used;
}

size_t vw_replay_match_next(vw_replay_match *m)
{
    while (m->next < m->ncalls && m->calls[m->next].used)
        m->next++;
    return m->next;
}

bool vw_replay_match_is(const vw_replay_match *m, size_t i, const void *key, size_t len)
{
    if (i >= m->ncalls)
        return false;
    const match_call *c = &m->calls[i];
    return c->len == len && (len == 0 || memcmp(m->keys + c->off, key, len) == 0);
}

bool vw_replay_match_same(const vw_replay_match *a, size_t i, const vw_replay_match *b, size_t j)
{
    if (i >= a->ncalls || j >= b->ncalls)
        return false;
    const match_call *c = &b->calls[j];
    return call_is(a, &a->calls[i], c->hash, b->keys + c->off, c->len);
}

void vw_replay_match_reset(vw_replay_match *m)
{
    for (size_t i = 0; i < m->ncalls; i++)
        m->calls[i].used = false;
    for (size_t g = 0; g < m->ngroups; g++)
        m->groups[g].cursor = m->groups[g].first;
    m->next = 0;
}
