"""A torch-free install downloads its model: `medialens index` on a new library, from a fake hub on 127.0.0.1.

The commands run in fresh processes with torch, torchvision, open_clip and onnx made unimportable
(tests/core/no_torch), as in `pip install medialens` without extras or the packaged app.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO
from tests.e2e.test_cli import assert_clean_error, run
from tests.fake_hub import FakeHub, catalogue_entry
from tests.media_factory import write_pictures

NAME = "MediaLens-Tiny-hub"


@pytest.fixture
def hub_env(cli_env, immich_tiny, tmp_path):
    hub = FakeHub().start()
    pins = hub.add_folder("medialens-test/MediaLens-Tiny", immich_tiny)
    key = json.loads((immich_tiny / "medialens.json").read_text())["key"]
    (tmp_path / "catalogue.json").write_text(json.dumps({"format": 1, "models": [
        catalogue_entry(NAME, "medialens-test/MediaLens-Tiny", pins, key=key, languages=("en", "zh"))]}))
    env = {k: v for k, v in cli_env.items() if k not in ("HF_HUB_OFFLINE", "HTTPS_PROXY", "https_proxy")}
    env.update(PYTHONPATH=f"{REPO / 'tests' / 'core' / 'no_torch'}:{cli_env['PYTHONPATH']}",
               HF_ENDPOINT=hub.url, MEDIALENS_CATALOGUE=str(tmp_path / "catalogue.json"),
               MEDIALENS_DEFAULT_MODEL=NAME, MEDIALENS_MODELS=str(tmp_path / "models"),
               MEDIALENS_HOME=str(tmp_path / "home"))
    yield env, hub
    hub.stop()


def test_a_first_index_downloads_the_model_then_searches_without_torch(hub_env, tmp_path):
    env, hub = hub_env
    folder = tmp_path / "pics"
    write_pictures(folder, 6)
    status = run(["status"], env)
    assert status.returncode == 0 and f"{NAME} is not downloaded yet" in status.stdout  # a status never downloads
    assert hub.requests == []

    first = run(["index", str(folder)], env)
    assert first.returncode == 0, first.stderr
    assert f"downloading {NAME} (once)" in first.stderr and "100%" in first.stderr
    assert "indexed 6" in first.stdout
    found = run(["search", "a red circle", "--json"], env)
    assert found.returncode == 0, found.stderr
    assert len(json.loads(found.stdout)) == 6 and "downloading" not in found.stderr
    assert json.loads(run(["status", "--json"], env).stdout)["runtime"].startswith("onnx (")
    assert len(hub.gets("visual/model.onnx")) == 1  # downloaded once

    listed = json.loads(run(["models", "--json"], env).stdout)
    row = next(r for r in listed if r["name"] == NAME)
    assert row["installed"] and row["active"] and row["languages"] == ["en", "zh"] and row["size_pinned"]
    assert {r["name"] for r in listed} >= {"ViT-B-32__laion2b-s34b-b79k", "nllb-clip-large-siglip__mrl"}
    text = run(["models"], env).stdout
    assert f"* {NAME} " in text and "installed" in text
    assert "ImageNet zero-shot 66.6 % (open_clip's results table" in text


def test_models_get_and_offline_are_one_line_each(hub_env, tmp_path):
    env, hub = hub_env
    got = run(["models", "get", NAME], env)
    assert got.returncode == 0, got.stderr
    assert got.stdout.startswith(f"{NAME} is ready: ") and "SHA-256 checked" in got.stdout
    again = run(["models", "get", NAME], env)
    assert again.returncode == 0 and len(hub.gets("textual/model.onnx")) == 1

    offline = dict(env, HF_HUB_OFFLINE="1", MEDIALENS_MODELS=str(tmp_path / "other-models"))
    proc = run(["index", str(tmp_path)], offline)
    assert_clean_error(proc, f"cannot download {NAME}", "HF_HUB_OFFLINE is set", "--weights PATH")
    unknown = run(["models", "get", "No-Such-Model"], env)
    assert_clean_error(unknown, "'No-Such-Model' is not a model MediaLens downloads", NAME)
