"""The commands messages give lead somewhere: run as written (PATH filled in), they work.

Issue 25: `pip install 'medialens[torch]'` named a package the index does not have, and
`medialens models export MediaLens-World` failed for want of `--weights`.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest
import tomllib

from core.models.runtime.hints import TORCH_EXTRA, export_hint
from tests.conftest import REPO, TINY_MODEL


def test_the_torch_extra_hint_names_an_extra_of_this_checkout():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "pip install -e '.[torch]'" in TORCH_EXTRA and "torch" in extras
    assert "medialens[" not in TORCH_EXTRA  # not on the package index


def test_the_export_hint_asks_for_weights_where_the_model_has_none_to_download():
    assert export_hint("MediaLens-World").endswith("--weights PATH")
    assert export_hint("MediaLens-World", "/w/world.safetensors").endswith("--weights /w/world.safetensors")


@pytest.mark.slow
def test_a_torch_free_install_gives_an_export_command_that_works(tmp_path, tiny_weights, cli_env):
    """Index with a .safetensors where torch is missing: the message's command, run with torch, exports it."""
    photos = tmp_path / "photos"
    photos.mkdir()
    env = {**cli_env, "MEDIALENS_MODELS": str(tmp_path / "models"),
           "PYTHONPATH": str(REPO / "tests" / "core" / "no_torch") + ":" + cli_env["PYTHONPATH"]}
    refused = subprocess.run([sys.executable, "-m", "core.cli", "index", str(photos), "--library", str(tmp_path / "l"),
                              "--model", TINY_MODEL, "--weights", str(tiny_weights)], env=env, cwd=REPO,
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 1 and TORCH_EXTRA in refused.stderr, refused.stderr
    command = re.search(r"`(medialens models export [^`]+)`", refused.stderr).group(1)
    assert command == f"medialens models export {TINY_MODEL} --weights {tiny_weights}"
    without_weights = subprocess.run([sys.executable, "-m", "core.cli", *shlex.split(command)[1:3], TINY_MODEL],
                                     env={**cli_env, "MEDIALENS_MODELS": str(tmp_path / "models")}, cwd=REPO,
                                     capture_output=True, text=True, timeout=300)
    assert without_weights.returncode == 1 and "no downloadable weights" in without_weights.stderr
    done = subprocess.run([sys.executable, "-m", "core.cli", *shlex.split(command)[1:]],
                          env={**cli_env, "MEDIALENS_MODELS": str(tmp_path / "models")}, cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "exported" in done.stdout, done.stderr
