/* afl_driver.c: runs one LLVMFuzzerTestOneInput target under AFL++ in persistent mode with
 * shared-memory test cases (__AFL_FUZZ_TESTCASE_BUF / __AFL_LOOP), and replays files when given
 * on the command line (so a crash found by afl-fuzz reproduces with `TARGET FILE...`).
 *
 * Each test case is copied into a malloc'd buffer of exactly its length, so a sanitized build sees
 * an over-read as a heap-buffer-overflow instead of reading into the rest of the shared map.
 * Built only with afl-clang-fast / afl-clang-lto (they define the __AFL_* macros). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Test cases are restarted in a fresh process after this many iterations: keeps slow leaks
 * and state drift from lowering stability, at a cost of one fork per 10000 execs. */
#define PERSISTENT_ITERATIONS 10000

__AFL_FUZZ_INIT();

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);

    /* Deferred fork server: starts here, after any one-time set-up. Also before the replay
     * branch, so afl-showmap/afl-cmin/afl-tmin work with `TARGET @@`. */
    __AFL_INIT();

    if (argc > 1)
        return fuzz_replay_paths(argc - 1, argv + 1, LLVMFuzzerTestOneInput);

    unsigned char *shared = __AFL_FUZZ_TESTCASE_BUF;

    while (__AFL_LOOP(PERSISTENT_ITERATIONS)) {
        size_t len = __AFL_FUZZ_TESTCASE_LEN;
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            abort();
        memcpy(copy, shared, len);
        LLVMFuzzerTestOneInput(copy, len);
        free(copy);
    }
    return 0;
}
