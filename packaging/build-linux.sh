#!/usr/bin/env bash
# Build the Linux installers of MediaLens from a clean checkout:
#   dist/medialens/                     the PyInstaller one-folder bundle (ONNX Runtime, no torch/CUDA)
#   dist/medialens_VERSION_amd64.deb    installs it under /usr/lib/medialens, /usr/bin/medialens, desktop files
#   dist/MediaLens-VERSION-x86_64.AppImage
#
# Usage: packaging/build-linux.sh [DIST_DIR]        (default: dist)
# Needs (Debian/Ubuntu): python3-venv, dpkg-deb, squashfs-tools, and to build the AppImage runtime from
# source: clang autoconf automake libtool pkg-config libfuse3-dev libzstd-dev zlib1g-dev liblz4-dev liblzma-dev.
# Environment:
#   SQUASHFUSE_GIT, APPIMAGE_RUNTIME_GIT  git repositories (URL or local path) of squashfuse and the AppImage
#                                          type2 runtime (default: GitHub, or the local mirrors when present)
#   DEB_COMPRESS                          dpkg-deb compressor: zstd (default; dpkg >= 1.21.18, Debian 12, Ubuntu
#                                          21.10+), xz for older dpkg (several times slower to build)
#   SKIP_APPIMAGE=1                       build the bundle and the .deb only
#   REUSE_BUNDLE=1                        package DIST/medialens as it is (skip the venv and PyInstaller)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DIST="$(realpath -m "${1:-dist}")"
WORK="$(mktemp -d /tmp/medialens-build.XXXXXX)"
VERSION="$(python3 -c 'import tomllib;print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')"
ARCH=amd64
say() { printf '\n== %s\n' "$*"; }

# --- 1. a throw-away venv with the run-time dependencies, WITHOUT the torch extra ------------------------------
# packaging/requirements.py: pyproject's dependencies with pyside6-addons (QtMultimedia) for the pyside6 meta package.
BUNDLE="$DIST/medialens"
if [ "${REUSE_BUNDLE:-0}" != 1 ]; then
    say "venv (no torch) in $WORK/venv"
    python3 -m venv "$WORK/venv"
    PY="$WORK/venv/bin/python"
    python3 packaging/requirements.py linux > "$WORK/requirements.txt"
    "$PY" -m pip install -q -r "$WORK/requirements.txt" pyinstaller
    "$PY" -m pip install -q --no-deps .
    if "$PY" -c "import torch" 2>/dev/null; then echo "torch leaked into the build venv" >&2; exit 1; fi

    # --- 2. the one-folder bundle -----------------------------------------------------------------------------
    say "PyInstaller"
    "$PY" -m PyInstaller packaging/medialens.spec --noconfirm --log-level WARN \
        --distpath "$DIST" --workpath "$WORK/pyi"
fi
"$BUNDLE/medialens" --version
MEDIALENS_HOME="$WORK/home" "$BUNDLE/medialens" models >/dev/null
say "biggest parts of the bundle"
du -sh "$BUNDLE"
(cd "$BUNDLE/_internal" && du -s -- * | sort -rn | awk 'NR <= 15 {printf "%8.1f MB  %s\n", $1/1024, $2}')

# Files a Linux desktop reads, staged under a prefix ($1): launcher, desktop entry, metainfo, icon.
stage_share() {
    install -Dm644 resources/io.github.medialens.MediaLens.desktop "$1/share/applications/io.github.medialens.MediaLens.desktop"
    install -Dm644 resources/io.github.medialens.MediaLens.metainfo.xml "$1/share/metainfo/io.github.medialens.MediaLens.metainfo.xml"
    install -Dm644 resources/icons/medialens.svg "$1/share/icons/hicolor/scalable/apps/medialens.svg"
}

# --- 3. the .deb ----------------------------------------------------------------------------------------------
say ".deb"
DEB_ROOT="$WORK/deb"
mkdir -p "$DEB_ROOT/usr/lib" "$DEB_ROOT/usr/bin" "$DEB_ROOT/DEBIAN"
cp -a "$BUNDLE" "$DEB_ROOT/usr/lib/medialens"
ln -s ../lib/medialens/medialens "$DEB_ROOT/usr/bin/medialens"
stage_share "$DEB_ROOT/usr"
# System libraries the bundle does not carry: Qt's xcb platform plugin (the same list `medialens` checks
# before opening the window, desktop_app/platform_check.py), GL/EGL, fonts, and sound for the video player.
DEPENDS="$(PYTHONPATH="$ROOT" python3 -c 'from desktop_app.platform_check import debian_depends; print(debian_depends())')"
cat > "$DEB_ROOT/DEBIAN/control" <<EOF
Package: medialens
Version: $VERSION
Architecture: $ARCH
Maintainer: MediaLens developers <medialens@users.noreply.github.com>
Installed-Size: $(du -sk "$DEB_ROOT/usr" | cut -f1)
Depends: $DEPENDS
Section: graphics
Priority: optional
Homepage: https://github.com/medialens/medialens
Description: find things inside your photos and videos by meaning
 MediaLens indexes your photo and video folders on this computer and finds pictures
 and video moments from a description, a similar picture or a composed edit.
 Models run with ONNX Runtime; nothing leaves the computer.
EOF
DEB="$DIST/medialens_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESS:-zstd}" --build "$DEB_ROOT" "$DEB"
ls -l "$DEB"

# --- 4. the AppImage ------------------------------------------------------------------------------------------
if [ "${SKIP_APPIMAGE:-0}" = 1 ]; then echo "built $BUNDLE and $DEB"; exit 0; fi
say "AppImage runtime, built from source"
RUNTIME="$(packaging/appimage-runtime.sh "$WORK/runtime")"
APPDIR="$WORK/MediaLens.AppDir"
mkdir -p "$APPDIR/usr/lib"
cp -a "$BUNDLE" "$APPDIR/usr/lib/medialens"
stage_share "$APPDIR/usr"
cp resources/io.github.medialens.MediaLens.desktop "$APPDIR/"
cp resources/icons/medialens.svg "$APPDIR/medialens.svg"
cp resources/icons/medialens.svg "$APPDIR/.DirIcon"
cat > "$APPDIR/AppRun" <<'EOF'
#!/bin/sh
# The AppImage's entry: the bundled `medialens` (no arguments: the window; a subcommand: the CLI).
HERE="$(dirname "$(readlink -f "$0")")"
exec "$HERE/usr/lib/medialens/medialens" "$@"
EOF
chmod +x "$APPDIR/AppRun"
APPIMAGE="$DIST/MediaLens-$VERSION-x86_64.AppImage"
mksquashfs "$APPDIR" "$WORK/app.sqfs" -root-owned -noappend -comp zstd -quiet -no-progress
cat "$RUNTIME" "$WORK/app.sqfs" > "$APPIMAGE"
chmod +x "$APPIMAGE"
APPIMAGE_EXTRACT_AND_RUN=1 "$APPIMAGE" --version

say "sizes"
du -sh "$BUNDLE"; ls -l "$DEB" "$APPIMAGE"
rm -rf "$WORK"
echo "built $BUNDLE, $DEB and $APPIMAGE"
