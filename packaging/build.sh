#!/usr/bin/env bash
# Build the one-folder MediaLens app with PyInstaller in a throw-away virtual environment,
# then smoke-test the result. Usage: packaging/build.sh [DIST_DIR]   (default: dist)
set -euo pipefail
cd "$(dirname "$0")/.."
DIST="${1:-dist}"
VENV="$(mktemp -d)/venv"
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q . pyinstaller
"$VENV/bin/pyinstaller" packaging/medialens.spec --noconfirm --distpath "$DIST" --workpath "$(mktemp -d)"
"$DIST/medialens/medialens" --version
MEDIALENS_HOME="$(mktemp -d)" "$DIST/medialens/medialens" models
echo "built $DIST/medialens/"
