"""The window's search over an exported model never imports torch (a fresh process, offscreen)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO, TINY_MODEL


def test_window_search_on_an_exported_model_never_imports_torch(indexed_home, tiny_weights, cli_env, tmp_path):
    from core.models.runtime.export import export_model

    export = export_model(TINY_MODEL, weights=tiny_weights, models_dir=tmp_path / "models").folder
    env = dict(cli_env, QT_QPA_PLATFORM="offscreen", MEDIALENS_GUI_CONFIG=str(tmp_path / "settings.json"),
               MEDIALENS_MODELS=str(tmp_path / "models"))
    out = subprocess.run([sys.executable, "-m", "tests.desktop.onnx_search_probe", str(indexed_home), str(export),
                          "a cat sitting on a chair"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("{")))
    assert report["rows"] > 0 and report["runtime"] == "onnx"
    assert not (report["torch"] or report["open_clip"] or report["torchvision"]), report
