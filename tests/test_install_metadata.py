"""The files a Linux desktop reads to show MediaLens (desktop entry, AppStream metainfo) are valid.

Validated with the freedesktop tools themselves (``desktop-file-validate`` from desktop-file-utils and
``appstreamcli`` from appstream), which .ci/run installs; software centres and the .deb build reject what
these tools reject.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import tomllib

REPO = Path(__file__).resolve().parents[1]
APP_ID = "io.github.medialens.MediaLens"
DESKTOP = REPO / "resources" / f"{APP_ID}.desktop"
METAINFO = REPO / "resources" / f"{APP_ID}.metainfo.xml"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (.ci/run installs it)")
    return path


def test_desktop_entry_validates():
    result = subprocess.run([_tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_metainfo_validates_and_launches_the_desktop_entry():
    result = subprocess.run([_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"<launchable type=\"desktop-id\">{DESKTOP.name}</launchable>" in METAINFO.read_text()


def test_pip_install_ships_desktop_entry_metainfo_and_icon():
    data_files = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    shipped = {Path(dest) / Path(src).name for dest, srcs in data_files.items() for src in srcs}
    assert Path("share/applications") / DESKTOP.name in shipped
    assert Path("share/metainfo") / METAINFO.name in shipped
    assert Path("share/icons/hicolor/scalable/apps/medialens.svg") in shipped
    for srcs in data_files.values():
        for src in srcs:
            assert (REPO / src).is_file(), src
