#!/bin/bash -eu
# ClusterFuzzLite's build step ($SRC/build.sh in the builder image, run in $SRC/virt-wire):
# everything is in fuzz/build.sh, which fuzz/check-oss-fuzz-build runs locally the same way.
# -eu again: the flags the builder runs this script with do not reach a child bash.
exec bash -eu "$SRC/virt-wire/fuzz/build.sh"
