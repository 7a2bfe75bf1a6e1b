#!/bin/bash
# corpus.sh FB "TARGETS": builds the seed corpora and the procedure dictionary.
#   FB/seeds-raw/TARGET/   everything the seed builder writes (valid packets from the library's own
#                          encoders, golden vectors, and the known bug classes seeded on purpose)
#   FB/seeds/TARGET/       the same minimised with afl-cmin (what afl-fuzz starts from)
#   FB/dict/procedures.dict  every procedure number of the procedure table
# The raw seeds are kept because afl-cmin keeps one input per coverage signature, and the bug-class
# inputs differ from valid ones in values, not edges: smoke replays all of them under ASan.
set -euo pipefail
FB=$1
TARGETS=$2

rm -rf "$FB/seeds-raw" "$FB/seeds"
mkdir -p "$FB/seeds-raw" "$FB/seeds" "$FB/dict"
"$FB/seed_builder" "$FB"

# byte-stream targets: recorded conversations (fuzz/scripts/stream_seeds.sh)
bash fuzz/scripts/stream_seeds.sh "$FB/seeds-raw"

for t in $TARGETS; do
    raw="$FB/seeds-raw/$t"
    mkdir -p "$raw"
    # the regression corpus seeds fuzzing too: crashers fixed once stay exercised
    if [ -d "fuzz/corpus/regression/$t" ]; then
        cp fuzz/corpus/regression/"$t"/* "$raw"/ 2>/dev/null || true
    fi
    if [ -z "$(ls -A "$raw")" ]; then
        printf '\n' > "$raw/empty-line"
    fi
    n_raw=$(ls "$raw" | wc -l)
    if command -v afl-cmin >/dev/null && [ -x "$FB/afl/$t" ]; then
        if AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_QUIET=1 \
            afl-cmin -i "$raw" -o "$FB/seeds/$t" -m none -t 5000 -- "$FB/afl/$t" \
            > "$FB/seeds/cmin-$t.log" 2>&1; then
            :
        else
            echo "corpus: afl-cmin failed for $t (see $FB/seeds/cmin-$t.log); using the raw seeds"
            rm -rf "$FB/seeds/$t"
            cp -r "$raw" "$FB/seeds/$t"
        fi
    else
        cp -r "$raw" "$FB/seeds/$t"
    fi
    echo "corpus: $t: $n_raw seeds, $(ls "$FB/seeds/$t" | wc -l) after afl-cmin"
done
