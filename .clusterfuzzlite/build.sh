#!/bin/bash -eu
# ClusterFuzzLite's build step ($SRC/build.sh in the builder image, run in $SRC/virt-wire):
# everything is in fuzz/build.sh, which fuzz/check-oss-fuzz-build runs locally the same way.
# -eu again: the flags the builder runs this script with do not reach a child bash.
case "${1:-}" in -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
: "${SRC:?SRC is not set: this runs inside the OSS-Fuzz/ClusterFuzzLite builder (locally: fuzz/check-oss-fuzz-build)}"
exec bash -eu "$SRC/virt-wire/fuzz/build.sh"
