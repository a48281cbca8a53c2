"""Switching a library's model: the old model answers while the new one indexes; cancel keeps the old."""

from __future__ import annotations

import pytest

from core.errors import LibraryError
from core.indexing.control import Control
from tests.conftest import TINY_MODEL, save_random_weights
from tests.media_factory import write_pictures


@pytest.fixture(scope="module")
def second_weights(tiny_config_dir, tmp_path_factory):
    """The tiny model with other random weights: a second model, a second vector space."""
    return save_random_weights(tiny_config_dir, tmp_path_factory.mktemp("weights_switch"), seed=1)


@pytest.fixture
def indexed(make_library, tmp_path):
    folder = tmp_path / "pics"
    write_pictures(folder, 12)
    lib = make_library()
    lib.index([folder])
    return lib


def test_old_model_answers_while_the_new_one_indexes_then_the_library_switches(indexed, second_weights):
    lib = indexed
    old = lib.choice
    old_top = [h.path for h in lib.search("red circles", n=5)]
    answered_during: list[tuple[str, list[str]]] = []

    def query_meanwhile(progress):
        if progress.phase == "embed" and progress.files_done and not answered_during:
            answered_during.append((lib.choice.key(), [h.path for h in lib.search("red circles", n=5)]))

    switch = lib.models.switch(model=TINY_MODEL, weights=second_weights)
    report = switch.run(progress=query_meanwhile, control=Control())
    assert not report.cancelled and report.indexed == 12
    assert answered_during == [(old.key(), old_top)], "the old model kept answering, with its own results"
    assert switch.adopted and lib.choice != old and lib.choice.weights == str(second_weights)
    assert lib.models.remembered() == lib.choice
    engine = lib.engine()
    assert len(engine.vindex) == 12 and engine.model_id != lib.catalog.find_model(old.key())[0]
    assert len(lib.search("red circles", n=5)) == 5


def test_cancelled_switch_keeps_the_old_model(indexed, second_weights):
    lib = indexed
    old = lib.choice
    control = Control()

    def cancel_early(progress):
        if progress.phase == "embed":
            control.cancel()

    switch = lib.models.switch(model=TINY_MODEL, weights=second_weights)
    report = switch.run(progress=cancel_early, control=control)
    assert report.cancelled and not switch.adopted
    assert lib.choice == old and lib.models.remembered() == old
    assert len(lib.search("red circles", n=3)) == 3


def test_switching_to_the_model_in_use_is_refused(indexed):
    with pytest.raises(LibraryError, match="already uses"):
        indexed.models.switch(model=TINY_MODEL, weights=indexed.choice.weights)
