"""Settings that belong to a library live with it: a fresh library never inherits another's model file.

Issue 25: with `MEDIALENS_HOME` pointing elsewhere, the window still read the model file
from ~/.config/MediaLens/settings.json, chosen for another library.
"""

from __future__ import annotations

import json

import pytest

from desktop_app.app import load_settings
from desktop_app.settings import Settings

WORLD = "/models/world.safetensors"


@pytest.fixture
def user_config(tmp_path, monkeypatch):
    """The user's settings file as an earlier MediaLens wrote it (everything in one file), and where the
    default library is."""
    path = tmp_path / "config" / "settings.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"weights": WORLD, "model": None, "video_fps": 2.0, "cell_size": 200,
                                "window": {"geometry": "abc"}}))
    monkeypatch.setenv("MEDIALENS_GUI_CONFIG", str(path))
    monkeypatch.delenv("MEDIALENS_HOME", raising=False)
    monkeypatch.setattr("desktop_app.paths.default_library", lambda: tmp_path / "default-library")
    return path


def test_a_fresh_library_elsewhere_does_not_get_another_librarys_model_file(user_config, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIALENS_HOME", str(tmp_path / "fresh"))
    settings, path, library_path = load_settings(None)
    assert library_path == (tmp_path / "fresh").resolve() / "settings.json"
    assert settings.weights is None and settings.video_fps == 1.0
    assert settings.cell_size == 200 and settings.window == {"geometry": "abc"}  # the person's settings stay
    settings.weights = "/models/other.safetensors"
    settings.save(path, library_path)
    assert json.loads(library_path.read_text())["weights"] == "/models/other.safetensors"
    assert json.loads(user_config.read_text())["weights"] == WORLD  # still waiting for its own library


def test_the_library_an_old_file_was_written_for_takes_its_model_file_along(user_config, tmp_path):
    settings, path, library_path = load_settings(str(tmp_path / "default-library"))
    assert settings.weights == WORLD and settings.video_fps == 2.0
    settings.save(path, library_path)
    assert json.loads(library_path.read_text())["weights"] == WORLD
    assert "weights" not in json.loads(user_config.read_text())
    again, _, _ = load_settings(str(tmp_path / "default-library"))
    elsewhere, _, _ = load_settings(str(tmp_path / "another"))
    assert again.weights == WORLD and elsewhere.weights is None


def test_each_library_keeps_its_own_model_file(user_config, tmp_path):
    for name in ("a", "b"):
        settings, path, library_path = load_settings(str(tmp_path / name))
        settings.weights = f"/models/{name}.safetensors"
        settings.save(path, library_path)
    assert load_settings(str(tmp_path / "a"))[0].weights == "/models/a.safetensors"
    assert load_settings(str(tmp_path / "b"))[0].weights == "/models/b.safetensors"


def test_a_damaged_library_settings_file_means_defaults(user_config, tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "settings.json").write_text("{not json")
    settings = Settings.load(user_config, tmp_path / "lib" / "settings.json")
    assert settings.weights is None and settings.cell_size == 200
