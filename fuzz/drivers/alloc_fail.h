/* alloc_fail.h: allocation failure injection for the fuzz targets (fuzz/drivers/alloc_fail.c).
 *
 * Every target is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup, so
 * the allocations of the statically linked code (proto/, common/, the targets) go through here.
 * Outside a window opened below they all succeed. libtirpc and libc allocate on their own
 * (shared libraries): their allocations never fail here. jansson's allocations (routed here with
 * json_set_alloc_funcs) take part only while a target says so (vw_fuzz_alloc_jansson): jansson
 * 2.14 itself fails an assertion in its lexer (load.c, lex_unget_unsave) when an allocation fails
 * during json_loads, so a target lets jansson fail only while it builds and writes JSON.
 *
 * A target runs an operation once counting its allocations, then again with the k-th of them
 * failing (k chosen from the input, so a run repeats), and checks that the second run fails
 * cleanly: an error with a reason, no crash, no leak. proto/qmp_json.c aborts when memory runs
 * out (as QEMU's glib does), so the windows never cover QMP parsing. */
#ifndef VW_FUZZ_ALLOC_FAIL_H
#define VW_FUZZ_ALLOC_FAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Starts counting allocations (none fails). */
void vw_fuzz_alloc_count_begin(void);
/* Stops counting; returns the allocations made since vw_fuzz_alloc_count_begin. */
size_t vw_fuzz_alloc_count_end(void);
/* From now on, the k-th allocation (k >= 1) returns NULL; the others succeed. */
void vw_fuzz_alloc_fail_begin(size_t k);
/* Closes the window; returns true when the k-th allocation happened (and failed). */
bool vw_fuzz_alloc_fail_end(void);
/* Whether jansson's allocations take part (are counted, and may fail); off at start. */
void vw_fuzz_alloc_jansson(bool on);
/* Picks k in 1..n from the input's bytes and salt (FNV-1a): the same input fails the same call.
 * n must be > 0. */
size_t vw_fuzz_alloc_pick(const uint8_t *data, size_t size, uint32_t salt, size_t n);

#endif
