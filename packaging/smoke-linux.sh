#!/usr/bin/env bash
# Smoke-test the Linux installers built by packaging/build-linux.sh, as a user on a clean machine would meet them.
#
#   sudo packaging/smoke-linux.sh DIST DATA [OUT]
#     DIST   the folder with medialens_*.deb and MediaLens-*.AppImage
#     DATA   photos and videos to index (e.g. ../shared/data)
#     OUT    where the logs and screenshots go (default: DIST/smoke)
#   Environment:
#     SMOKE_HUB_MODEL  a model folder in Immich's Hugging Face layout with its medialens.json, to serve (default:
#                      OUT/hub/MediaLens-World, exported once with the checkout's venv (torch extra) from
#                      tests/quality/: the bilingual world model when tests/quality/export_hub.py is there, else
#                      `medialens models export MediaLens-World --layout immich`)
#     SMOKE_PYTHON     the Python of that export (default: the checkout's .venv/bin/python)
#     SMOKE_HUB_PORT   the fake hub's port on 127.0.0.1 (default 8799); SMOKE_DISPLAY the Xvfb display (77)
#
# 1. A clean Debian 12 (mmdebstrap --variant=minbase) with nothing but `apt-get install ./medialens.deb`
#    (--no-install-recommends): the .deb's Depends alone must be enough.
# 2. A model hub: tests/fake_hub.py on the host at 127.0.0.1 (the chroot shares the host's network) serves the
#    model as the repository medialens-smoke/<folder name>; its catalogue entry goes into a file in the root,
#    named by $MEDIALENS_CATALOGUE, and HF_ENDPOINT points at the hub: the first `medialens index` downloads
#    the model (progress, SHA-256 checked) as a new user's first run does from Hugging Face.
# 3. In the root, the packaged `medialens index | search | moments | status` on DATA (one English query, and
#    one Chinese query when the served model lists zh); then the window on a host Xvfb display (its socket
#    bound into the chroot), screenshot deb-window.png.
# 4. The AppImage in the same clean root with APPIMAGE_EXTRACT_AND_RUN=1 (no FUSE there) and its own HOME (so
#    it downloads the model again): index, search and the window, screenshot appimage-window.png.
# Needs root (chroot, mounts), mmdebstrap, Xvfb, xdotool, ImageMagick's `import` and python3 on the host.
set -euo pipefail
REPO="$(realpath "$(dirname "$0")/..")"
DIST="$(realpath "$1")"; DATA="$(realpath "$2")"
OUT="$(realpath -m "${3:-$DIST/smoke}")"
mkdir -p "$OUT"
: > "$OUT/smoke.log"
DEB="$(ls "$DIST"/medialens_*_amd64.deb)"; APPIMAGE="$(ls "$DIST"/MediaLens-*-x86_64.AppImage)"
WORK="$(mktemp -d /tmp/medialens-smoke.XXXXXX)"
ROOT="$WORK/root"
DISPLAY_NUM=":${SMOKE_DISPLAY:-77}"
HUB_PORT="${SMOKE_HUB_PORT:-8799}"
MOUNTS=()
cleanup() {
    for ((i=${#MOUNTS[@]}-1; i>=0; i--)); do umount -l "${MOUNTS[$i]}" 2>/dev/null || true; done
    [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
    [ -n "${HUB_PID:-}" ] && kill "$HUB_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*" | tee -a "$OUT/smoke.log"; }
bind() { mkdir -p "$2"; mount --bind "$1" "$2"; MOUNTS+=("$2"); }

# The model to serve, in Immich's layout (made once; exporting needs the torch extra, the packaged app does not).
MODEL="${SMOKE_HUB_MODEL:-}"
if [ -z "$MODEL" ]; then
    SMOKE_PYTHON="${SMOKE_PYTHON:-$REPO/.venv/bin/python}"
    if [ -f "$REPO/tests/quality/export_hub.py" ]; then  # the bilingual (English + Chinese) world model
        MODEL="$OUT/hub/MediaLens-World-zh"
        export_model() { (cd "$REPO" && "$SMOKE_PYTHON" -m tests.quality.export_hub "$MODEL"); }
    else
        MODEL="$OUT/hub/MediaLens-World"
        export_model() { (cd "$REPO" && PYTHONPATH="$REPO" MEDIALENS_MODELS="$WORK/export-cache" "$SMOKE_PYTHON" \
            -m desktop_app models export MediaLens-World --layout immich \
            --weights tests/quality/medialens-world.safetensors --out "$MODEL"); }
    fi
    if [ ! -f "$MODEL/medialens.json" ]; then
        say "exporting the model to serve: $MODEL"
        export_model 2>&1 | tail -3 | tee -a "$OUT/smoke.log"
    fi
fi
MODEL="$(realpath "$MODEL")"
HUB_REPO="medialens-smoke/$(basename "$MODEL")"
HUB_NAME="$(basename "$MODEL")"  # the catalogue entry's name, as `medialens models` lists it
LANGUAGES="$(python3 -c 'import json,sys; print(",".join(json.load(open(sys.argv[1])).get("languages") or ["en"]))' \
    "$MODEL/medialens.json")"

say "clean Debian 12 + apt-get install ./$(basename "$DEB")"
mmdebstrap --quiet --variant=minbase \
    --customize-hook="copy-in $DEB /tmp" \
    --customize-hook="chroot \"\$1\" apt-get install -y --no-install-recommends /tmp/$(basename "$DEB")" \
    bookworm "$ROOT" 2>&1 | tail -3 | tee -a "$OUT/smoke.log"
mount -t proc proc "$ROOT/proc"; MOUNTS+=("$ROOT/proc")
bind /dev "$ROOT/dev"
bind "$DATA" "$ROOT/srv/data"
cp "$APPIMAGE" "$ROOT/srv/MediaLens.AppImage"

say "a model hub on the host at 127.0.0.1:$HUB_PORT serving $HUB_REPO ($LANGUAGES)"
mkdir -p "$WORK/hub" "$ROOT/srv/hub"
(cd "$REPO" && exec python3 -m tests.fake_hub "$MODEL" --repo "$HUB_REPO" --port "$HUB_PORT" \
    --catalogue "$WORK/hub/catalogue.json" --quality "the MediaLens world model (tests/quality/)") \
    >"$OUT/hub.log" 2>&1 & HUB_PID=$!
for _ in $(seq 50); do grep -q serving "$OUT/hub.log" 2>/dev/null && break; sleep 0.2; done
cat "$OUT/hub.log" | tee -a "$OUT/smoke.log"
bind "$WORK/hub" "$ROOT/srv/hub"  # the catalogue entry the hub wrote, read through $MEDIALENS_CATALOGUE
in_root() {
    chroot "$ROOT" env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 MEDIALENS_HOME=/srv/lib \
        HF_ENDPOINT="http://127.0.0.1:$HUB_PORT" MEDIALENS_CATALOGUE=/srv/hub/catalogue.json "$@"
}
FAILED=()
run() {  # run(label, command...): log the command and its output; a failure is counted, the rest still runs
    local label="$1"; shift
    echo "\$ $*" | tee -a "$OUT/smoke.log"
    "$@" >"$OUT/$label.log" 2>&1 || FAILED+=("$label")
    tr '\r' '\n' <"$OUT/$label.log" | grep -v '^$' | tail -8 | tee -a "$OUT/smoke.log"
}
expect() {  # expect(label, pattern...): each pattern must be in the step's log, else the step failed
    local label="$1"; shift
    for pattern in "$@"; do
        tr '\r' '\n' <"$OUT/$label.log" | grep -q -- "$pattern" || FAILED+=("$label: no '$pattern'")
    done
}

say "packaged CLI from the .deb"
run deb-version in_root medialens --version
run deb-models in_root medialens models
# a new user's first run: the model is not on this computer; index downloads it from the hub, then indexes
run deb-index in_root medialens index /srv/data --model "$HUB_NAME"
expect deb-index "downloading .*100%" "indexed [1-9]"
run deb-search in_root medialens search "a red car on a road" -n 5
expect deb-search "/srv/data/"
if [[ ",$LANGUAGES," == *,zh,* ]]; then
    run deb-search-zh in_root medialens search "红色的圆" -n 5
    expect deb-search-zh "/srv/data/"
fi
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
    # its own process group (job control), so that stopping it stops the app under chroot (and the AppImage
    # runtime's child), not only the subshell: a window left running took the next window's typed query
    local label="$1"; shift
    set -m; "$@" >"$OUT/$label.log" 2>&1 & local pid=$!; set +m
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
    kill -TERM -- "-$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
    sleep 2
    if DISPLAY="$DISPLAY_NUM" xdotool search --onlyvisible --name MediaLens >/dev/null 2>&1; then
        echo "$label: its window is still open after stopping it" | tee -a "$OUT/smoke.log"
        FAILED+=("$label: still open"); kill -KILL -- "-$pid" 2>/dev/null || true
    fi
}
window deb-window in_root env DISPLAY="$DISPLAY_NUM" medialens gui --library /srv/lib

say "the AppImage in the same clean root (extract-and-run, no FUSE there)"
# its own HOME: the model cache is empty again, so the AppImage downloads the model itself
mkdir -p "$ROOT/srv/home-appimage"
run appimage-index in_root env APPIMAGE_EXTRACT_AND_RUN=1 HOME=/srv/home-appimage MEDIALENS_HOME=/srv/lib-appimage \
    /srv/MediaLens.AppImage index /srv/data/images --model "$HUB_NAME"
expect appimage-index "downloading .*100%" "indexed [1-9]"
run appimage-search in_root env APPIMAGE_EXTRACT_AND_RUN=1 HOME=/srv/home-appimage MEDIALENS_HOME=/srv/lib-appimage \
    /srv/MediaLens.AppImage search "a red car on a road" -n 3
expect appimage-search "/srv/data/"

say "the AppImage's window in the clean root (the .deb brought its system libraries; extract-and-run)"
# Run where its libraries are: on a host without Qt's X libraries (libxcb-icccm4, libxcb-keysyms1) the window
# cannot open, which the packaged app says in one line; the clean root has them through the .deb's Depends.
window appimage-window in_root env DISPLAY="$DISPLAY_NUM" APPIMAGE_EXTRACT_AND_RUN=1 HOME=/srv/home-appimage \
    MEDIALENS_HOME=/srv/lib-appimage QT_QPA_PLATFORM=xcb /srv/MediaLens.AppImage gui --library /srv/lib-appimage
say "done: logs and screenshots in $OUT"
if [ ${#FAILED[@]} -gt 0 ]; then echo "FAILED: ${FAILED[*]}" | tee -a "$OUT/smoke.log"; exit 1; fi
echo "all steps passed" | tee -a "$OUT/smoke.log"
