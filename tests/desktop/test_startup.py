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
