"""The typed values that cross the facade: `IndexSettings` (how a run goes, parsed once where it is said),
`LibraryStatus` (one read of a library, whose `to_dict()` is `medialens status --json`), `lib.models`."""

from __future__ import annotations

import dataclasses
import json

import pytest

from core.errors import LibraryError
from core.library import IndexSettings, LibraryStatus, RebuildStatus
from tests.media_factory import write_pictures

#: `medialens status --json`'s keys in their order, as scripts read them (before and after the first index).
BEFORE_INDEXING = ["library", "roots", "model", "model_key", "images", "videos", "pending", "failed", "items",
                   "runtime", "index", "vectors", "text", "speech", "faces", "failures", "follow_outside_links",
                   "outside_links"]
AFTER_INDEXING = [*BEFORE_INDEXING[:10], "vectors", "embedded_files", "index", *BEFORE_INDEXING[12:]]


def test_index_settings_fall_back_to_the_library_s_and_refuse_what_they_do_not_know():
    run = IndexSettings.parse({"fps": 2, "ocr": True})
    assert run.over(IndexSettings(fps=1, batch_size=4)) == IndexSettings(fps=2, batch_size=4, ocr=True)
    assert run.sampling.fps == 2.0 and IndexSettings().sampling.dedup is True
    with pytest.raises(LibraryError, match="unknown index setting 'fsp'"):
        IndexSettings.parse({"fsp": 2})
    with pytest.raises(LibraryError, match="sampling rate"):
        IndexSettings(fps=0)  # checked when made, not on every video of the run
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.fps = 3


def test_a_mistyped_index_setting_is_one_clear_error_before_anything_changes(make_library, tmp_path):
    """Before, `lib.index(folder, fsp=2)` indexed at the default rate without a word (the key was ignored)."""
    folder = tmp_path / "pics"
    write_pictures(folder, 1)
    lib = make_library()
    with pytest.raises(LibraryError, match="unknown index setting 'fsp'"):
        lib.index([folder], fsp=2)
    assert lib.roots() == []


def test_the_status_json_keeps_its_keys_and_their_order():
    assert list(LibraryStatus().to_dict()) == BEFORE_INDEXING
    indexed = LibraryStatus(embedded_files=3, rebuild=RebuildStatus("no index file", 1, 2))
    out = indexed.to_dict()
    assert list(out) == [*AFTER_INDEXING[:13], "rebuild", *AFTER_INDEXING[13:]]
    assert out["rebuild"] == {"reason": "no index file", "done": 1, "total": 2}
    assert list(dataclasses.replace(indexed, rebuild=None).to_dict()) == AFTER_INDEXING


def test_a_library_s_status_is_typed_and_its_json_is_the_cli_s(make_library, tmp_path):
    folder = tmp_path / "pics"
    write_pictures(folder, 2)
    lib = make_library()
    assert lib.status().index == "nothing indexed with this model yet"
    lib.index([folder])
    status = lib.status()
    assert (status.images, status.vectors, status.embedded_files, status.index) == (2, 2, 2, "ok")
    assert status.roots == (str(folder),) and status.text.enabled is False and status.failures == ()
    assert json.loads(json.dumps(status.to_dict()))["images"] == 2
    assert list(status.to_dict()) == AFTER_INDEXING
    with pytest.raises(dataclasses.FrozenInstanceError):
        status.images = 3


def test_the_model_flow_is_the_library_s_models_manager(make_library):
    lib = make_library()
    assert lib.models.choice == lib.choice and lib.models.remembered() is None
    lib.models.remember()
    assert lib.models.remembered() == lib.choice
    assert lib.models.pending_download() is None  # a weights file: nothing to download
    assert lib.models.encoder is lib.models.encoder  # opened once
