#!/usr/bin/env bash
# Smoke-test the Linux installers built by packaging/build-linux.sh, as a user on a clean machine would meet them.
#
#   sudo packaging/smoke-linux.sh DIST DATA MODEL [OUT]
#     DIST   the folder with medialens_*.deb and MediaLens-*.AppImage
#     DATA   photos and videos to index (e.g. ../shared/data)
#     MODEL  an exported ONNX model folder (`medialens models export MediaLens-World --weights
#            tests/quality/medialens-world.safetensors`, from a checkout with the torch extra)
#     OUT    where the logs and screenshots go (default: DIST/smoke)
#
# 1. A clean Debian 12 (mmdebstrap --variant=minbase) with nothing but `apt-get install ./medialens.deb`
#    (--no-install-recommends): the .deb's Depends alone must be enough.
# 2. In it, the packaged `medialens index | search | moments | status` on DATA with MODEL; then the window on a
#    host Xvfb display (its socket bound into the chroot), screenshot deb-window.png.
# 3. The AppImage in the same clean root with APPIMAGE_EXTRACT_AND_RUN=1 (no FUSE there): index, search and the
#    window, screenshot appimage-window.png.
# Needs root (chroot, mounts), mmdebstrap, Xvfb, xdotool and ImageMagick's `import` on the host.
set -euo pipefail
DIST="$(realpath "$1")"; DATA="$(realpath "$2")"; MODEL="$(realpath "$3")"
OUT="$(realpath -m "${4:-$DIST/smoke}")"
mkdir -p "$OUT"
DEB="$(ls "$DIST"/medialens_*_amd64.deb)"; APPIMAGE="$(ls "$DIST"/MediaLens-*-x86_64.AppImage)"
WORK="$(mktemp -d /tmp/medialens-smoke.XXXXXX)"
ROOT="$WORK/root"
DISPLAY_NUM=":${SMOKE_DISPLAY:-77}"
MOUNTS=()
cleanup() {
    for ((i=${#MOUNTS[@]}-1; i>=0; i--)); do umount -l "${MOUNTS[$i]}" 2>/dev/null || true; done
    [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*" | tee -a "$OUT/smoke.log"; }
bind() { mkdir -p "$2"; mount --bind "$1" "$2"; MOUNTS+=("$2"); }

say "clean Debian 12 + apt-get install ./$(basename "$DEB")"
mmdebstrap --quiet --variant=minbase \
    --customize-hook="copy-in $DEB /tmp" \
    --customize-hook="chroot \"\$1\" apt-get install -y --no-install-recommends /tmp/$(basename "$DEB")" \
    bookworm "$ROOT" 2>&1 | tail -3 | tee -a "$OUT/smoke.log"
mount -t proc proc "$ROOT/proc"; MOUNTS+=("$ROOT/proc")
bind /dev "$ROOT/dev"
bind "$DATA" "$ROOT/srv/data"
bind "$MODEL" "$ROOT/srv/model"
cp "$APPIMAGE" "$ROOT/srv/MediaLens.AppImage"
in_root() { chroot "$ROOT" env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 MEDIALENS_HOME=/srv/lib "$@"; }
FAILED=()
run() {  # run(label, command...): log the command and its output; a failure is counted, the rest still runs
    local label="$1"; shift
    echo "\$ $*" | tee -a "$OUT/smoke.log"
    "$@" >"$OUT/$label.log" 2>&1 || FAILED+=("$label")
    tail -8 "$OUT/$label.log" | tee -a "$OUT/smoke.log"
}

say "packaged CLI from the .deb"
run deb-version in_root medialens --version
run deb-index in_root medialens index /srv/data --weights /srv/model
run deb-search in_root medialens search "a red car on a road" -n 5
run deb-moments in_root medialens moments "a bird" -n 3
run deb-status in_root medialens status
# torch is not in the bundle: what needs it says so in one line
run deb-no-torch in_root medialens models export ViT-B-32
if [ "${FAILED[-1]:-}" = deb-no-torch ]; then unset 'FAILED[-1]'; else FAILED+=("deb-no-torch: it should fail"); fi

say "the window from the .deb (Xvfb $DISPLAY_NUM on the host)"
Xvfb "$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 & XVFB_PID=$!
sleep 3
bind /tmp/.X11-unix "$ROOT/tmp/.X11-unix"
window() {  # window(label, command...): start it, wait, type a search (windowfocus: Xvfb has no window manager), screenshot, stop
    local label="$1"; shift
    "$@" >"$OUT/$label.log" 2>&1 & local pid=$!
    sleep "${SMOKE_WINDOW_WAIT:-25}"
    if kill -0 "$pid" 2>/dev/null; then
        DISPLAY="$DISPLAY_NUM" xdotool search --sync --onlyvisible --name MediaLens windowfocus --sync \
            type --delay 40 "a red car on a road" 2>/dev/null || true
        DISPLAY="$DISPLAY_NUM" xdotool key Return 2>/dev/null || true
        sleep 10
        import -display "$DISPLAY_NUM" -window root "$OUT/$label.png"
        echo "$label: running, screenshot $OUT/$label.png" | tee -a "$OUT/smoke.log"
    else
        echo "$label: EXITED early" | tee -a "$OUT/smoke.log"; cat "$OUT/$label.log"; FAILED+=("$label")
    fi
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
}
window deb-window in_root env DISPLAY="$DISPLAY_NUM" medialens gui --library /srv/lib

say "the AppImage in the same clean root (extract-and-run, no FUSE there)"
run appimage-index in_root env APPIMAGE_EXTRACT_AND_RUN=1 MEDIALENS_HOME=/srv/lib-appimage \
    /srv/MediaLens.AppImage index /srv/data/images --weights /srv/model
run appimage-search in_root env APPIMAGE_EXTRACT_AND_RUN=1 MEDIALENS_HOME=/srv/lib-appimage \
    /srv/MediaLens.AppImage search "a red car on a road" -n 3

say "the AppImage's window in the clean root (the .deb brought its system libraries; extract-and-run)"
# Run where its libraries are: on a host without Qt's X libraries (libxcb-icccm4, libxcb-keysyms1) the window
# cannot open, which the packaged app says in one line; the clean root has them through the .deb's Depends.
window appimage-window in_root env DISPLAY="$DISPLAY_NUM" APPIMAGE_EXTRACT_AND_RUN=1 \
    MEDIALENS_HOME=/srv/lib-appimage QT_QPA_PLATFORM=xcb /srv/MediaLens.AppImage gui --library /srv/lib-appimage
say "done: logs and screenshots in $OUT"
if [ ${#FAILED[@]} -gt 0 ]; then echo "FAILED: ${FAILED[*]}" | tee -a "$OUT/smoke.log"; exit 1; fi
echo "all steps passed" | tee -a "$OUT/smoke.log"
