"""The run-time requirements a packaged MediaLens is built with, one per line, for `pip install -r`.

    python packaging/requirements.py linux|windows|macos

pyproject.toml's dependencies (never the `torch` extra), with two swaps:
* `pyside6` -> `pyside6-addons` (which pulls in `pyside6-essentials`): the app imports QtCore, QtGui,
  QtWidgets, QtSvg, QtNetwork, QtDBus from Essentials and QtMultimedia[Widgets] (the video player) from
  Addons; the meta package would also pull WebEngine and Pdf (~400 MB unused). The spec collects only the
  Qt modules the app imports, so the other Addons modules never reach the bundle.
  (Essentials alone built a bundle without QtMultimedia, where selecting a video showed no picture;
  tests/test_packaging.py checks every imported PySide6 module is in what these requirements install.)
* on Windows, `onnxruntime` -> `onnxruntime-directml` (DirectML: any DirectX 12 GPU). The macOS wheel of
  `onnxruntime` already has the CoreML provider; Linux ships the CPU one.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

SWAPS = {
    "linux": {"pyside6": "pyside6-addons"},
    "macos": {"pyside6": "pyside6-addons"},
    "windows": {"pyside6": "pyside6-addons", "onnxruntime": "onnxruntime-directml"},
}


#: Qt files PyInstaller's PySide6 hooks collect that the app never loads. The virtual keyboard is an input-context
#: plugin (QtGui's hook takes every `platforminputcontexts` plugin) whose libraries pull QtQuick and QML in.
#: QtQuick, QtQml and QtQmlModels themselves (~16 MB) stay: Qt's FFmpeg media plugin, which plays the videos,
#: links them (`readelf -d plugins/multimedia/libffmpegmediaplugin.so`: NEEDED libQt6Quick, libQt6Qml).
UNUSED_QT_FILES = ("libqtvirtualkeyboardplugin", "libQt6VirtualKeyboard")


def unused_in_bundle(dest: str) -> bool:
    """Whether a file PyInstaller collected (its path inside the bundle) is one the app never loads."""
    name = Path(dest).name
    return any(name.startswith(prefix) for prefix in UNUSED_QT_FILES)


def core_data_files(root: Path) -> list[tuple[str, str]]:
    """(file, its folder in the bundle) for each data file pyproject's package-data ships with `core`.

    The spec takes them from here, so a data file a wheel carries reaches the bundle too: a hand-kept
    list in the spec missed the model catalogue (`core/models/runtime/catalogue.json`), and the bundle's
    `medialens models` failed with "model catalogue not found".
    """
    package_data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    files = []
    for package, patterns in package_data.items():
        if package.split(".")[0] != "core":
            continue
        base = root.joinpath(*package.split("."))
        for pattern in patterns:
            found = sorted(f for f in base.glob(pattern) if f.is_file())
            files += [(str(f), f.parent.relative_to(root).as_posix()) for f in found]
    return files


def requirements(platform: str) -> list[str]:
    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
    out = []
    for dep in project["dependencies"]:
        name = re.match(r"[A-Za-z0-9_.-]+", dep).group(0)
        out.append(SWAPS[platform].get(name.lower(), name) + dep[len(name):])
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in SWAPS:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(SWAPS)}")
    print("\n".join(requirements(sys.argv[1])))
