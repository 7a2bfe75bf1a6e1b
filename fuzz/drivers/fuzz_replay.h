/* fuzz_replay.h: replay of saved inputs (files or directories of files) through one fuzz target,
 * shared by the AFL++ driver (when given paths) and the standalone replay driver. */
#ifndef VW_FUZZ_REPLAY_H
#define VW_FUZZ_REPLAY_H

#include <stddef.h>
#include <stdint.h>

typedef int (*fuzz_target_fn)(const uint8_t *data, size_t size);

/* Runs target once on each file named in paths (directories: every regular file inside, sorted,
 * not recursive). Prints "replay: PATH" to stderr before each run so the last line before a
 * sanitizer report names the input. Returns 0 when every path could be read, 1 otherwise. */
int fuzz_replay_paths(int count, char **paths, fuzz_target_fn target);

#endif
