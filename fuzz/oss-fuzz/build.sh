#!/bin/bash -eu
# projects/virt-wire/build.sh for an OSS-Fuzz submission: the targets, dictionaries and seed
# corpora are built by the repository's own fuzz/build.sh (checked by fuzz/check-oss-fuzz-build).
exec bash -eu "$SRC/virt-wire/fuzz/build.sh"
