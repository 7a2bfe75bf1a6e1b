#!/bin/bash -eu
# projects/virt-wire/build.sh for an OSS-Fuzz submission: the targets, dictionaries and seed
# corpora are built by the repository's own fuzz/build.sh (checked by fuzz/check-oss-fuzz-build).
case "${1:-}" in -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
: "${SRC:?SRC is not set: this runs inside the OSS-Fuzz/ClusterFuzzLite builder (locally: fuzz/check-oss-fuzz-build)}"
exec bash -eu "$SRC/virt-wire/fuzz/build.sh"
