/* replay_match.h: the matching core of both replays (fake-libvirtd --replay, fake-qemu
 * --replay): which recorded call answers a live one.
 *
 * Owns: one recorded connection's calls as byte keys, in recorded order, which of them are used,
 * and the two ways to find a live call's recorded call: strict (only the next unused call in
 * recorded order, and only when its key is equal) and unordered (the first unused call with an
 * equal key, in O(1) amortised: calls with equal keys are chained in recorded order and each
 * chain keeps a cursor past its used calls). What a key holds is the protocol's: libvirt puts
 * program, version, procedure and argument bytes in it (never the serial), QMP the command
 * without its id, written canonically (replay_match_qmp_key in fake-qemu/replay.c).
 */
#ifndef VW_REPLAY_MATCH_H
#define VW_REPLAY_MATCH_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vw_replay_match vw_replay_match;

/* NULL only when out of memory. */
vw_replay_match *vw_replay_match_new(void);
void vw_replay_match_free(vw_replay_match *m);

/* Loading: appends a call whose key is key[0..len) (copied). Returns 0, or -1 when out of
 * memory. */
int vw_replay_match_add(vw_replay_match *m, const void *key, size_t len);
/* After the last add: builds the unordered index. Returns 0, or -1 when out of memory. */
int vw_replay_match_seal(vw_replay_match *m);

size_t vw_replay_match_count(const vw_replay_match *m);
/* The recorded call that answers a live call with this key, or -1: strict, the next unused
 * call when its key is equal; unordered, the first unused call with an equal key. The call is
 * not marked used (vw_replay_match_use). */
long vw_replay_match_find(vw_replay_match *m, bool unordered, const void *key, size_t len);
void vw_replay_match_use(vw_replay_match *m, size_t i);
bool vw_replay_match_used(const vw_replay_match *m, size_t i);
/* The first unused call in recorded order (strict's next call); count when all are used. */
size_t vw_replay_match_next(vw_replay_match *m);
/* True when call i's key is key[0..len). */
bool vw_replay_match_is(const vw_replay_match *m, size_t i, const void *key, size_t len);
/* True when call i of a and call j of b have equal keys. */
bool vw_replay_match_same(const vw_replay_match *a, size_t i, const vw_replay_match *b, size_t j);
/* Every call unused again (a recorded connection given back). */
void vw_replay_match_reset(vw_replay_match *m);

#endif
