#!/usr/bin/env bash
# Build the AppImage type 2 runtime (the small ELF that mounts the squashfs appended to it) from source,
# because the AppImage tools are normally downloaded as binaries from their releases.
# Usage: packaging/appimage-runtime.sh WORKDIR     -> prints the path of the built runtime on stdout
#
# squashfuse is built from source too: the runtime includes its private header fuseprivate.h, which
# Debian's libsquashfuse-dev lacks. FUSE 3, zstd, zlib, xz and lz4 are linked statically (Debian ships their .a
# files), so the runtime needs only libc: without libfuse3 on the host (a minimal Debian) it still starts and
# APPIMAGE_EXTRACT_AND_RUN=1 / --appimage-extract work; mounting needs the kernel's FUSE (and fusermount3 for users).
set -euo pipefail
WORK="$(realpath -m "$1")"
mkdir -p "$WORK"
SQFUSE_TAG="${SQUASHFUSE_TAG:-0.6.2}"
mirror_or() { if [ -d "$1" ]; then echo "$1"; else echo "$2"; fi; }
SQFUSE_GIT="${SQUASHFUSE_GIT:-$(mirror_or /work/.mirror/vasi+squashfuse/repo https://github.com/vasi/squashfuse.git)}"
RT_GIT="${APPIMAGE_RUNTIME_GIT:-$(mirror_or /work/.mirror/AppImage+type2-runtime/repo https://github.com/AppImage/type2-runtime.git)}"
RT_REF="${APPIMAGE_RUNTIME_REF:-HEAD}"
log() { echo "$*" >&2; }

clone() {  # clone(repo, dest): a local bare mirror or a URL
    rm -rf "$2"; git clone -q "$1" "$2" >&2
}

if [ ! -f "$WORK/sqfuse/lib/libsquashfuse_ll.a" ]; then
    log "squashfuse $SQFUSE_TAG from $SQFUSE_GIT"
    clone "$SQFUSE_GIT" "$WORK/squashfuse-src"
    (cd "$WORK/squashfuse-src" && git checkout -q "$SQFUSE_TAG" && ./autogen.sh && \
        CFLAGS="-Os -fPIC" ./configure -q --prefix="$WORK/sqfuse" --disable-shared --enable-static && \
        make -j"$(nproc)" && make install && install -m644 ./*.h "$WORK/sqfuse/include/squashfuse/") \
        >"$WORK/squashfuse-build.log" 2>&1 || { tail -30 "$WORK/squashfuse-build.log" >&2; exit 1; }
fi

log "type2-runtime ($RT_REF) from $RT_GIT"
clone "$RT_GIT" "$WORK/runtime-src"
cd "$WORK/runtime-src"
git checkout -q "$RT_REF"
COMMIT="$(git rev-parse --short HEAD)"
cd src/runtime
clang -std=gnu99 -Os -D_FILE_OFFSET_BITS=64 -DGIT_COMMIT="\"$COMMIT\"" -T data_sections.ld \
    -ffunction-sections -fdata-sections -Wl,--gc-sections -Wall \
    -I"$WORK/sqfuse/include" -I"$WORK/sqfuse/include/squashfuse" -I/usr/include/fuse3 \
    runtime.c -L"$WORK/sqfuse/lib" \
    -Wl,-Bstatic -lsquashfuse_ll -lsquashfuse -lfuse3 -lzstd -lz -llzma -llz4 -Wl,-Bdynamic -lpthread -ldl \
    -o "$WORK/runtime" >&2
# Only libc stays dynamic: a host without libfuse3 must still start the AppImage (to extract-and-run it).
if ldd "$WORK/runtime" | grep -qvE 'linux-vdso|libc\.so|ld-linux'; then
    ldd "$WORK/runtime" >&2; echo "the runtime links more than libc" >&2; exit 1
fi
strip "$WORK/runtime"
# The AppImage magic bytes at offset 8: 'AI' and the type, 2.
printf 'AI\002' | dd of="$WORK/runtime" bs=1 count=3 seek=8 conv=notrunc status=none
echo "$WORK/runtime"
