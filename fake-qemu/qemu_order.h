/* qemu_order.h: the orders in which QEMU 7.2 walks the members of a JSON object.
 *
 * Which error QEMU reports first depends on them: qmp_dispatch_check_obj() walks the request in
 * QDict order (512 hash buckets, tdb_hash, newest entry first inside a bucket), and the input
 * visitor reports the first leftover argument in GLib GHashTable order (g_str_hash, open
 * addressing with quadratic probing, resized as keys are removed). Both are emulated here so the
 * fake names the same member QEMU names.
 */
#ifndef FQ_QEMU_ORDER_H
#define FQ_QEMU_ORDER_H

#include <stddef.h>
#include <jansson.h>

/* Fills keys[0..n) with the member names of obj in QDict iteration order; returns n.
 * At most max names are written. The strings belong to obj. */
size_t qemu_order_qdict_keys(const json_t *obj, const char **keys, size_t max);

/* The key QEMU's input visitor reports as unexpected: all members of obj were inserted into a
 * GHashTable in QDict order, then the names in visited[0..nvisited) were removed; returns the
 * first key left in GHashTable iteration order, or NULL when none is left. */
const char *qemu_order_first_leftover(const json_t *obj, const char *const *visited,
                                      size_t nvisited);

#endif
