"""Fixtures shared by every test: a tiny open_clip model, the shared data, temporary libraries.

The tiny model has random weights: it proves plumbing, never quality (the quality
tests use the project's trained model). It is saved to a file and loaded through
`--weights`, the same path a user's offline weights file takes.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
TINY_MODEL = "MediaLens-Tiny"
TINY_CONFIG = {
    "embed_dim": 64,
    "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "head_width": 32, "patch_size": 16},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}

# Tests never download: the hub is off, and the tiny model's config is registered from a folder
# the session owns. Set before anything imports open_clip or huggingface_hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


#: A test still running after this many seconds is deadlocked (the slowest takes under a minute): every thread's
#: stack is written out and the run ends, so CI fails in minutes with the cause instead of hanging for hours.
#: faulthandler's watchdog is a C thread: it fires even when the hang holds the GIL (a Qt mutex ↔ GIL deadlock),
#: where pytest-timeout's own thread could not run. pytest-timeout (`timeout` in pyproject.toml) fails an
#: ordinary Python-level hang earlier, without ending the run.
HANG_S = int(os.environ.get("MEDIALENS_TEST_HANG_S", "420"))


_STDERR: list[int] = []  # the terminal's stderr, not the capture's: the dump must reach CI's log


@pytest.hookimpl(trylast=True)  # after the terminal reporter is made
def pytest_configure(config):
    capture = config.pluginmanager.getplugin("capturemanager")
    # Capture is lifted only where it is on (a worker's, a plain run's), and put back as it was: resuming it
    # in xdist's controller, where it is off, held back every progress line until the end.
    with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
        _STDERR.append(os.dup(2))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    faulthandler.dump_traceback_later(HANG_S, exit=True, file=_STDERR[0] if _STDERR else sys.__stderr__)
    try:
        return (yield)
    finally:
        faulthandler.cancel_dump_traceback_later()


def _write_config(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{TINY_MODEL}.json").write_text(json.dumps(TINY_CONFIG))
    return folder


@pytest.fixture(scope="session", autouse=True)
def models_dir(tmp_path_factory) -> Path:
    """The session's own models folder: no export or download of the user's is picked up (or written)."""
    folder = tmp_path_factory.mktemp("models")
    os.environ["MEDIALENS_MODELS"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_config_dir(tmp_path_factory) -> Path:
    folder = _write_config(tmp_path_factory.mktemp("model_configs"))
    os.environ["MEDIALENS_MODEL_CONFIGS"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_weights(tiny_config_dir, models_dir, tmp_path_factory) -> Path:
    """Random weights of the tiny model, saved as safetensors (seeded: same file every run).

    The session's models folder gets their ONNX export, so libraries opened with these weights run on ONNX
    Runtime, as an installed app does (`core.models.runtime.choose.open_encoder` finds an export by the
    weights' key), and a `medialens` subprocess never imports torch: about 1 s of CPU a call instead of 6.
    The export (about 11 s) is paid only by a process whose tests use the model. Tests of the torch path say
    `--runtime torch` (or use a models folder of their own); `MEDIALENS_TEST_RUNTIME=torch` leaves the export
    out and runs everything on torch.
    """
    weights = save_random_weights(tiny_config_dir, tmp_path_factory.mktemp("weights"), seed=0)
    if os.environ.get("MEDIALENS_TEST_RUNTIME", "onnx") != "torch":
        from core.models.runtime.export import export_model

        export_model(TINY_MODEL, weights=weights, models_dir=models_dir, probe_files=[])
    return weights


def save_random_weights(config_dir: Path, folder: Path, seed: int) -> Path:
    """Seeded random weights of the tiny model in `folder`, through the benchmarks' own helper."""
    import open_clip

    from tests.bench._common import random_weights

    open_clip.add_model_config(config_dir)
    return random_weights(TINY_MODEL, folder, seed=seed)


@pytest.fixture(scope="session")
def cli_env(tiny_config_dir) -> dict[str, str]:
    """Environment for `medialens` subprocesses: the tiny model's config and no hub access."""
    env = dict(os.environ)
    env["MEDIALENS_MODEL_CONFIGS"] = str(tiny_config_dir)
    env["HF_HUB_OFFLINE"] = "1"
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA} (a checkout without ../shared)")
    return SHARED_DATA


@pytest.fixture
def make_library(tmp_path, tiny_weights):
    """Open libraries in a temp folder with the tiny model; closed at teardown."""
    from core.library import Library

    opened = []

    def _make(name: str = "lib", **kw) -> Library:
        kw.setdefault("model", TINY_MODEL)
        kw.setdefault("weights", tiny_weights)
        kw.setdefault("device", "cpu")
        lib = Library(tmp_path / name, **kw)
        opened.append(lib)
        return lib

    yield _make
    for lib in opened:
        with contextlib.suppress(Exception):
            lib.close()


def medialens_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "desktop_app", *args]


@pytest.fixture(scope="session")
def immich_tiny(tiny_weights, tmp_path_factory) -> Path:
    """The tiny model exported in Immich's hub layout by the project's exporter (what the fake hub serves)."""
    from core.models.runtime.export_immich import export_immich

    root = tmp_path_factory.mktemp("immich-tiny")
    return export_immich(TINY_MODEL, weights=tiny_weights, models_dir=root / "models", out=root / "tiny").folder


@pytest.fixture
def online(monkeypatch):
    """The session is offline (HF_HUB_OFFLINE=1): this test may reach 127.0.0.1 (tests/fake_hub.py), nothing else."""
    import huggingface_hub.constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
