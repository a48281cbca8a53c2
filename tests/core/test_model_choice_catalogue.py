"""What the packaging smoke test found: a registry model without hub weights that a catalogue serves is downloaded
(not refused); a missing built-in catalogue and a bundle without the OCR extra say so plainly.

`tests/fake_hub.py FOLDER` names the entry after the folder (`MediaLens-World`), and `medialens models`
lists it by that name: `index --model MediaLens-World` must then take the download, as `models get
MediaLens-World` does, instead of asking for a weights file (found by the packaging smoke test).
"""

from __future__ import annotations

import json

import pytest

from core.errors import LibraryError
from core.models.choice import ModelChoice, choose_model
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


def test_an_installer_without_the_ocr_extra_says_so_without_a_pip_hint(monkeypatch):
    """In a bundle `pip install rapidocr_onnxruntime` cannot help: the OCR extra is not in the installers."""
    import sys

    from core.indexing.ocr import TextReader

    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # not installed
    with pytest.raises(LibraryError, match=r"pip install rapidocr_onnxruntime"):
        TextReader()._load()
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # PyInstaller's mark of a bundle
    with pytest.raises(LibraryError) as refused:
        TextReader()._load()
    assert "this installer of MediaLens does not read text in pictures" in str(refused.value)
    assert "pip install rapidocr" not in str(refused.value)
