"""Which registry model a weights file belongs to, from its tensor table, without torch."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from safetensors.numpy import save_file

from core.errors import ModelError
from core.models.embed import REGISTRY
from core.models.weights import SIGNATURES, identify, model_for_weights, tensor_shapes
from tests.conftest import REPO, TINY_MODEL
from tests.e2e.test_cli import run
from tests.media_factory import write_pictures

WORLD = REPO / "tests" / "quality" / "medialens-world.safetensors"


def test_the_world_weights_are_recognised_without_torch(cli_env):
    env = {**cli_env, "PYTHONPATH": str(REPO / "tests" / "core" / "no_torch") + ":" + cli_env["PYTHONPATH"]}
    code = ("import sys; from core.models.weights import identify; print(identify(sys.argv[1])); "
            "print('torch' in sys.modules and sys.modules['torch'] is not None)")
    out = subprocess.run([sys.executable, "-c", code, str(WORLD)], env=env, cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["MediaLens-World", "False"]


def test_a_file_of_another_shape_fits_no_model(tmp_path):
    odd = tmp_path / "odd.safetensors"
    # ViT-B-32's tensor names, but one shape changed: a near miss is still no fit
    shapes = dict(SIGNATURES["ViT-B-32"], **{"visual.proj": (768, 256)})
    save_file({k: np.zeros(s, np.float16) for k, s in shapes.items()}, str(odd))
    assert identify(odd) is None
    with pytest.raises(ModelError, match="fit none of the known models"):
        model_for_weights(odd, None)
    with pytest.raises(ModelError, match="do not fit model ViT-B-32"):
        model_for_weights(odd, "ViT-B-32")
    with pytest.raises(ModelError, match="holds MediaLens-World weights, not ViT-B-16"):
        model_for_weights(WORLD, "ViT-B-16")
    assert model_for_weights(odd, "My-Custom-Arch") is None  # not a registry model: open_clip checks it


def test_unreadable_files_are_one_line(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not weights")
    broken = tmp_path / "cut.safetensors"
    broken.write_bytes(WORLD.read_bytes()[:100])
    for path in (text, broken):
        with pytest.raises(ModelError) as err:
            identify(path)
        assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)


def test_a_torch_zip_checkpoint_is_read_without_loading_tensors(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    state = load_file(str(WORLD))
    pt = tmp_path / "world.pt"
    torch.save({"epoch": 3, "state_dict": {f"module.{k}": v for k, v in state.items()}}, pt)
    assert tensor_shapes(pt)["visual.proj"] == (96, 128)
    assert identify(pt) == "MediaLens-World"


@pytest.mark.slow
@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.name)
def test_signatures_match_the_models_open_clip_builds(spec):
    """The table against open_clip's own architectures (built on the meta device: no memory, no download)."""
    pytest.importorskip("open_clip")
    for module in spec.needs:
        pytest.importorskip(module)
    import open_clip

    from core.models.embed import _register_configs

    _register_configs()
    model = open_clip.create_model(spec.name, pretrained=None, device="meta")
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert [n for n in SIGNATURES if all(shapes.get(k) == s for k, s in SIGNATURES[n].items())] == [spec.name]


def test_index_with_the_world_weights_needs_no_model_name(tmp_path, cli_env):
    pytest.importorskip("open_clip")
    write_pictures(tmp_path / "photos", 3)
    env = dict(cli_env, MEDIALENS_HOME=str(tmp_path / "home"))
    done = run(["index", str(tmp_path / "photos"), "--weights", str(WORLD), "--json"], env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["indexed"] == 3
    status = run(["status", "--json"], env)
    assert "MediaLens-World" in status.stdout, status.stdout


def test_an_exported_model_folder_names_its_model(tiny_weights, tmp_path):
    """The folder's manifest says which model it is, so `--weights FOLDER` needs no --model either."""
    pytest.importorskip("open_clip")
    from core.models.runtime.export import export_model

    export = export_model(TINY_MODEL, weights=tiny_weights, models_dir=tmp_path)
    assert identify(export.folder) == TINY_MODEL


def test_the_bilingual_world_weights_are_told_from_the_english_ones():
    from tests.quality.bilingual import WEIGHTS_ZH

    assert identify(WEIGHTS_ZH) == "MediaLens-World-zh"
    assert model_for_weights(WEIGHTS_ZH, None) == "MediaLens-World-zh"
    with pytest.raises(ModelError, match="holds MediaLens-World-zh weights, not MediaLens-World"):
        model_for_weights(WEIGHTS_ZH, "MediaLens-World")
