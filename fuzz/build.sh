#!/bin/bash -eu
# fuzz/build.sh: builds the virt-wire fuzz targets the way OSS-Fuzz and ClusterFuzzLite expect.
# Inputs (set by their build images): CC, CFLAGS, LIB_FUZZING_ENGINE, OUT; optional CXX, WORK.
# Output in $OUT: one binary per fuzz/targets/*.c, TARGET.dict, TARGET_seed_corpus.zip.
#
# jansson is linked statically when libjansson.a exists. libtirpc is not: ASan intercepts
# xdrmem_create and the XDR primitives and finds the real ones with dlsym(RTLD_NEXT), which fails
# (a call through NULL) when libtirpc is linked statically. So libtirpc.so and the libraries it
# needs are copied to $OUT/lib and the targets find them through an $ORIGIN/lib run path, since the
# runner images do not have them. Needs rpcgen (Debian/Ubuntu: rpcsvc-proto), libtirpc-dev and
# libjansson-dev in the build image.
#
# Local check with libFuzzer:
#   CC=clang CXX=clang++ CFLAGS="-O1 -g -fsanitize=address,fuzzer-no-link" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=build/ossfuzz WORK=build/ossfuzz-work bash fuzz/build.sh

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
WORK=${WORK:-$ROOT/build/ossfuzz-work}
CXX=${CXX:-$CC}
HOST_CC=${HOST_CC:-cc}          # builds the seed builder, without fuzzing instrumentation
mkdir -p "$OUT" "$WORK"
GEN="$WORK/gen"
rm -rf "$GEN" "$WORK/obj" "$WORK/host"
mkdir -p "$GEN" "$WORK/obj" "$WORK/host"

TIRPC_CFLAGS=$(pkg-config --cflags libtirpc 2>/dev/null || echo -I/usr/include/tirpc)
static_or_dynamic() {   # static_or_dynamic NAME: prefer libNAME.a
    local a
    a=$($CC -print-file-name="lib$1.a")
    if [ -f "$a" ] && [ "$a" != "lib$1.a" ]; then echo "$a"; else echo "-l$1"; fi
}
LIBS="-ltirpc $(static_or_dynamic jansson) $(pkg-config --libs gnutls 2>/dev/null || echo -lgnutls) $(pkg-config --libs libsasl2 2>/dev/null || echo -lsasl2) -pthread -lm -Wl,-rpath,\$ORIGIN/lib"

# 1. rpcgen output (rpcgen names the header it includes after its input, so run it in $GEN)
for x in proto/*.x; do
    name=$(basename "$x" .x)
    cp "$x" "$GEN/"
    (cd "$GEN" && rpcgen -h -o "$name.h" "$name.x" && rpcgen -c -o "${name}_xdr.c" "$name.x")
done

# 2. the wire layer, twice: instrumented for the targets, plain for the seed builder
COMMON="-std=c11 -D_GNU_SOURCE -Iproto -Icommon -I$GEN $TIRPC_CFLAGS"
objs=()
hostobjs=()
for src in proto/*.c "$GEN"/*_xdr.c; do
    base=$(basename "$src" .c)
    $CC $CFLAGS $COMMON -Wno-unused-variable -Wno-unused-parameter -c "$src" -o "$WORK/obj/$base.o"
    $HOST_CC -O1 $COMMON -Wno-unused-variable -Wno-unused-parameter -c "$src" -o "$WORK/host/$base.o"
    objs+=("$WORK/obj/$base.o")
    hostobjs+=("$WORK/host/$base.o")
done
rm -f "$WORK/libvwproto.a" "$WORK/libvwproto-host.a"
ar rcs "$WORK/libvwproto.a" "${objs[@]}"
ar rcs "$WORK/libvwproto-host.a" "${hostobjs[@]}"

# 2b. for the byte-stream targets (fuzz_fake_libvirtd, fuzz_fake_qemu, fuzz_client, fuzz_scenario):
# the rest of the library (common/, client/) and the fakes without their main.c, instrumented
fullobjs=()
for src in common/*.c client/*.c fake-libvirtd/*.c fake-qemu/*.c; do
    case "$src" in client/virtc*|*/main.c) continue ;; esac
    base=$(echo "${src%.c}" | tr / _)
    $CC $CFLAGS $COMMON -Iclient -c "$src" -o "$WORK/obj/full_$base.o"
    fullobjs+=("$WORK/obj/full_$base.o")
done
rm -f "$WORK/libvwfull.a"
ar rcs "$WORK/libvwfull.a" "${fullobjs[@]}"
# a fuzzed migration URI or `migrate exec:` must not connect, resolve or spawn (fuzz/drivers/sandbox.c)
STREAM_LDFLAGS="-Wl,--wrap=connect,--wrap=getaddrinfo,--wrap=posix_spawn,--wrap=posix_spawnp"
$CC $CFLAGS $COMMON -c fuzz/drivers/sandbox.c -o "$WORK/obj/sandbox.o"
# every target: allocation failure injection (fuzz/drivers/alloc_fail.h)
ALLOC_LDFLAGS="-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup"
$CC $CFLAGS $COMMON -c fuzz/drivers/alloc_fail.c -o "$WORK/obj/alloc_fail.o"

# 3. seeds and the procedure dictionary (written by the seed builder, as `make fuzz-corpus` does)
$HOST_CC -O1 $COMMON fuzz/corpus/seed_builder.c "$WORK/libvwproto-host.a" -ltirpc $(static_or_dynamic jansson) -pthread -lm -o "$WORK/seed_builder"
rm -rf "$WORK/seeds"
"$WORK/seed_builder" "$WORK/seeds"
bash fuzz/scripts/stream_seeds.sh "$WORK/seeds/seeds-raw"

# 4. targets
for src in fuzz/targets/fuzz_*.c; do
    t=$(basename "$src" .c)
    $CC $CFLAGS $COMMON -Iclient -Ifake-libvirtd -Ifake-qemu -Ifuzz/drivers -c "$src" -o "$WORK/obj/$t.o"
    case "$t" in
        fuzz_fake_*|fuzz_client*|fuzz_scenario*)
            $CXX $CFLAGS "$WORK/obj/$t.o" "$WORK/obj/sandbox.o" "$WORK/obj/alloc_fail.o" "$WORK/libvwfull.a" \
                "$WORK/libvwproto.a" $LIB_FUZZING_ENGINE $STREAM_LDFLAGS $ALLOC_LDFLAGS $LIBS -o "$OUT/$t" ;;
        *)  $CXX $CFLAGS "$WORK/obj/$t.o" "$WORK/obj/alloc_fail.o" "$WORK/libvwproto.a" $LIB_FUZZING_ENGINE \
                $ALLOC_LDFLAGS $LIBS -o "$OUT/$t" ;;
    esac
    case "$t" in
        fuzz_qmp*|fuzz_fake_qemu*) cp fuzz/dict/qmp.dict "$OUT/$t.dict" ;;
        fuzz_trace*) cp fuzz/dict/trace.dict "$OUT/$t.dict" ;;
        *) cat fuzz/dict/libvirt_rpc.dict "$WORK/seeds/dict/procedures.dict" > "$OUT/$t.dict" ;;
    esac
    rm -f "$OUT/${t}_seed_corpus.zip"
    if [ -d "$WORK/seeds/seeds-raw/$t" ] || [ -d "fuzz/corpus/regression/$t" ]; then
        (cd "$ROOT" && zip -q -j "$OUT/${t}_seed_corpus.zip" \
            $(find "$WORK/seeds/seeds-raw/$t" "fuzz/corpus/regression/$t" -maxdepth 1 -type f 2>/dev/null))
    fi
    echo "build.sh: $OUT/$t"
done

# 5. the shared libraries the targets need that a runner image lacks (everything but libc's own)
mkdir -p "$OUT/lib"
for t in "$OUT"/fuzz_*; do
    [ -x "$t" ] || continue
    ldd "$t" | awk '$3 ~ /^\// { print $3 }' | while read -r lib; do
        case "$(basename "$lib")" in
            libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|libgcc_s.so*|libstdc++.so*) ;;
            *) [ -e "$OUT/lib/$(basename "$lib")" ] || cp -L "$lib" "$OUT/lib/" ;;
        esac
    done
done
echo "build.sh: shared libraries in $OUT/lib: $(ls "$OUT/lib" | tr '\n' ' ')"
