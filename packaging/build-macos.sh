#!/usr/bin/env bash
# Build the macOS app of MediaLens: dist/MediaLens.app (PyInstaller, ONNX Runtime with its CoreML provider)
# inside dist/MediaLens-VERSION-ARCH.dmg. NOT built or run on the project's Linux machines: written from
# the PyInstaller and hdiutil documentation.
#
#   packaging/build-macos.sh            (on the architecture to ship: arm64 or x86_64; no cross-building)
#
# Needs: Python 3.11+ from python.org (a universal2 or native build), Xcode command line tools (hdiutil,
# codesign). Signing and notarisation (not done here) need a Developer ID: set CODESIGN_IDENTITY to sign.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d)"
python3 -m venv "$WORK/venv"
PY="$WORK/venv/bin/python"
"$PY" -m pip install -q --upgrade pip
python3 packaging/requirements.py macos > "$WORK/requirements.txt"
"$PY" -m pip install -q -r "$WORK/requirements.txt" pyinstaller
"$PY" -m pip install -q --no-deps .
"$PY" -c "import onnxruntime as o; p = o.get_available_providers(); print(p); assert 'CoreMLExecutionProvider' in p"

export MEDIALENS_ICON_DIR="$WORK/icons"
"$PY" packaging/make_icons.py "$MEDIALENS_ICON_DIR"
"$PY" -m PyInstaller packaging/medialens.spec --noconfirm --distpath dist --workpath "$WORK/pyi"
dist/MediaLens.app/Contents/MacOS/medialens --version
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --deep --force --options runtime --sign "$CODESIGN_IDENTITY" dist/MediaLens.app
fi
VERSION="$("$PY" -c 'import tomllib;print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')"
DMG="dist/MediaLens-$VERSION-$(uname -m).dmg"
rm -f "$DMG"
hdiutil create -volname MediaLens -srcfolder dist/MediaLens.app -ov -format UDZO "$DMG"
rm -rf "$WORK"
ls -l "$DMG"
