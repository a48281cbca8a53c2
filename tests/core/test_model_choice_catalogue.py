"""A registry model without hub weights (the world model) that a catalogue serves is downloaded, not refused.

`tests/fake_hub.py FOLDER` names the entry after the folder (`MediaLens-World`), and `medialens models`
lists it by that name: `index --model MediaLens-World` must then take the download, as `models get
MediaLens-World` does, instead of asking for a weights file (found by the packaging smoke test).
"""

from __future__ import annotations

import json

import pytest

from core.errors import LibraryError
from core.indexing.model_switch import ModelChoice, choose_model
from tests.fake_hub import catalogue_entry

PINS = {"visual/model.onnx": {"bytes": 10, "sha256": "0" * 64}}


def test_a_catalogue_entry_serves_a_registry_model_that_has_no_hub_weights(tmp_path, monkeypatch):
    with pytest.raises(LibraryError, match="no downloadable weights"):  # nothing serves it: the clear refusal
        choose_model("MediaLens-World", None, None, None)
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_text(json.dumps({"format": 1, "models": [catalogue_entry(
        "MediaLens-World", "medialens-smoke/MediaLens-World", PINS, key="MediaLens-World:file-0123")]}))
    monkeypatch.setenv("MEDIALENS_CATALOGUE", str(catalogue))
    assert choose_model("MediaLens-World", None, None, None) == ModelChoice("MediaLens-World", "file-0123")


def test_a_missing_catalogue_names_who_lost_it(tmp_path, monkeypatch):
    """The install's own catalogue missing (as in a bundle built without it) is not blamed on $MEDIALENS_CATALOGUE."""
    from core.errors import ModelError
    from core.models.runtime import catalogue

    monkeypatch.setenv("MEDIALENS_CATALOGUE", str(tmp_path / "mine.json"))
    with pytest.raises(ModelError, match=r"mine.json: model catalogue not found \(named in \$MEDIALENS_CATALOGUE\)"):
        catalogue.catalogue()
    monkeypatch.delenv("MEDIALENS_CATALOGUE")
    monkeypatch.setattr(catalogue, "CATALOGUE_FILE", tmp_path / "catalogue.json")
    with pytest.raises(ModelError, match=r"catalogue.json: model catalogue not found \(part of this install"):
        catalogue.catalogue()
