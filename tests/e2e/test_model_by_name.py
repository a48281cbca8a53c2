"""A model with no hub weights, exported once from its weights file, is named alone afterwards.

`medialens models export MediaLens-World --weights FILE` keys the export by the file; from then
on `--model MediaLens-World` (index, search, the settings' model list) must find that export
without `--weights`. With no export, or two exports of the model from different weights, the
command says so in one line.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import SHARED_DATA
from tests.e2e.test_cli import assert_clean_error, run
from tests.quality.model import MODEL_NAME, WEIGHTS


@pytest.fixture(scope="module")
def exported(tmp_path_factory, cli_env):
    """The project's trained model exported through the CLI into a models folder of its own."""
    if not WEIGHTS.exists():
        pytest.fail(f"{WEIGHTS} is missing: it is a committed test asset")
    models = tmp_path_factory.mktemp("named-models")
    env = dict(cli_env, MEDIALENS_MODELS=str(models))
    proc = run(["models", "export", MODEL_NAME, "--weights", str(WEIGHTS)], env)
    assert proc.returncode == 0, proc.stderr
    return env


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    folder = tmp_path_factory.mktemp("named-pics")
    for p in sorted((SHARED_DATA / "images" / "coco").glob("*.jpg"))[:8]:
        shutil.copy(p, folder / p.name)
    return folder


def test_a_model_exported_once_is_named_alone(exported, pictures, tmp_path):
    env = dict(exported, MEDIALENS_HOME=str(tmp_path / "home"))
    proc = run(["index", str(pictures), "--model", MODEL_NAME], env)
    assert proc.returncode == 0, proc.stderr
    assert "indexed 8" in proc.stdout

    status = json.loads(run(["status", "--json"], env).stdout)
    assert status["model"].startswith(MODEL_NAME)
    assert status["runtime"].startswith("onnx")
    proc = run(["search", "a photo", "--model", MODEL_NAME, "--json"], env)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 8

    # the export has the weights file's vector space: a library indexed with the file is searched by name
    env_file = dict(exported, MEDIALENS_HOME=str(tmp_path / "home-file"))
    assert run(["index", str(pictures), "--weights", str(WEIGHTS)], env_file).returncode == 0
    by_file = json.loads(run(["status", "--json"], env_file).stdout)["model_key"]
    assert by_file == status["model_key"]


def test_no_export_of_the_model_is_one_line(pictures, cli_env, tmp_path):
    env = dict(cli_env, MEDIALENS_HOME=str(tmp_path / "home"), MEDIALENS_MODELS=str(tmp_path / "empty"))
    proc = run(["index", str(pictures), "--model", MODEL_NAME], env)
    assert_clean_error(proc, MODEL_NAME, "no ONNX export", "--weights PATH", "models export")


def test_two_exports_of_the_model_ask_which(exported, pictures, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(exported["MEDIALENS_MODELS"], models)
    first = next((models / "onnx").iterdir())
    other = first.with_name(first.name + "-other")
    shutil.copytree(first, other)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest.update(key=f"{MODEL_NAME}:file-0123456789abcdef", source="/elsewhere/fine-tune.safetensors")
    (other / "manifest.json").write_text(json.dumps(manifest))

    env = dict(exported, MEDIALENS_HOME=str(tmp_path / "home"), MEDIALENS_MODELS=str(models))
    proc = run(["index", str(pictures), "--model", MODEL_NAME], env)
    assert_clean_error(proc, MODEL_NAME, "2 ONNX exports", "fine-tune.safetensors", "--weights FOLDER")
