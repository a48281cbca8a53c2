"""The run-time requirements a packaged MediaLens is built with, one per line, for `pip install -r`.

    python packaging/requirements.py linux|windows|macos

pyproject.toml's dependencies (never the `torch` extra), with two swaps:
* `pyside6` -> `pyside6-essentials`: the app imports only Essentials modules (QtCore, QtGui, QtWidgets,
  QtSvg, QtNetwork, QtDBus, QtMultimedia[Widgets]); the Addons wheel would add ~400 MB unused.
* on Windows, `onnxruntime` -> `onnxruntime-directml` (DirectML: any DirectX 12 GPU). The macOS wheel of
  `onnxruntime` already has the CoreML provider; Linux ships the CPU one.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

SWAPS = {
    "linux": {"pyside6": "pyside6-essentials"},
    "macos": {"pyside6": "pyside6-essentials"},
    "windows": {"pyside6": "pyside6-essentials", "onnxruntime": "onnxruntime-directml"},
}


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
