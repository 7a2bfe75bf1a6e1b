/* model_parts.h: what the model aggregate (model.c) needs of its parts (model_snap,
 * model_storage, model_iface, model_nodedev): making their defaults, counting and freeing them.
 *
 * The parts are built on model.h (they hold and look up the model's domains and pools), so the
 * model cannot include their headers without a circle; it includes this lower header instead,
 * which names the parts' types only as incomplete structs. Each part's header includes this one
 * and its .c defines the functions.
 */
#ifndef FL_MODEL_PARTS_H
#define FL_MODEL_PARTS_H

#include <stddef.h>

struct fl_domain;
struct fl_moments;
struct fl_pool_ext;
struct fl_iface_state;
struct fl_nodedev_state;

/* model_snap.c: a domain's snapshots and checkpoints */
void fl_moments_free(struct fl_moments *m);
size_t fl_snapshot_count(const struct fl_domain *dom);
size_t fl_checkpoint_count(const struct fl_domain *dom);

/* model_storage.c: what only pools have (type, target, volumes) */
void fl_pool_ext_free(struct fl_pool_ext *ext);

/* model_iface.c: the host interfaces; the default is `eth1`, active. NULL when out of memory. */
struct fl_iface_state *fl_iface_state_default(void);
void fl_iface_state_free(struct fl_iface_state *s);

/* model_nodedev.c: the node devices of the test driver. NULL when out of memory. */
struct fl_nodedev_state *fl_nodedev_state_default(void);
void fl_nodedev_state_free(struct fl_nodedev_state *s);

#endif
