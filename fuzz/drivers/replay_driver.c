/* replay_driver.c: a main() for building a fuzz target without any fuzzing engine, to replay
 * saved inputs under ASan+UBSan+LSan (regression corpus, crash reproduction) or under
 * source-based coverage (clang -fprofile-instr-generate). Usage: TARGET FILE|DIR... */
#include <stdio.h>

#include "fuzz_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...  (runs the fuzz target once on each input)\n", argv[0]);
        return 2;
    }
    return fuzz_replay_paths(argc - 1, argv + 1, LLVMFuzzerTestOneInput);
}
