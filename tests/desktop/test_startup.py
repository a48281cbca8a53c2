"""The window paints before the model layer is imported, in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO


def test_window_paints_before_torch_is_imported(indexed_home, cli_env, tmp_path):
    env = dict(cli_env, QT_QPA_PLATFORM="offscreen", MEDIALENS_GUI_CONFIG=str(tmp_path / "settings.json"))
    out = subprocess.run([sys.executable, "-m", "tests.desktop.startup_probe", str(indexed_home)], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("{")))
    assert report["torch"] is False and report["open_clip"] is False
    assert report["opened"] >= report["first_paint"]  # the library opened after the window was up
    assert os.path.exists(tmp_path / "settings.json")  # closing saved the window layout


def test_no_display_is_one_clear_line_not_a_qt_abort(cli_env):
    """`medialens` on a Linux machine without a display: exit 2 and a line that points at the commands."""
    from desktop_app.app import no_display

    assert no_display({}, "linux") is not None
    assert no_display({"DISPLAY": ":0"}, "linux") is None
    assert no_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert no_display({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert no_display({}, "darwin") is None and no_display({}, "win32") is None

    env = {k: v for k, v in cli_env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run([sys.executable, "-m", "desktop_app"], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=120)
    if sys.platform.startswith("linux"):
        assert out.returncode == 2, out.stderr[-2000:]
        assert out.stderr.count("\n") == 1 and "no display" in out.stderr and "medialens index" in out.stderr
        assert "Traceback" not in out.stderr
