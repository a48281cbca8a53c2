"""The library without a query, a search's matches by date, and a model switch without downtime."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil

import pytest

from core.search.cutoff import file_date
from desktop_app.pages.search.queries import BROWSE, TEXT
from tests.conftest import TINY_MODEL, save_random_weights
from tests.desktop.conftest import search


def _newest_first(window) -> bool:
    """The results run newest first (to the millisecond: the catalog orders file times to the millisecond)."""
    dates = [file_date(window.model.hit(r).file) for r in range(window.model.rowCount())]
    return all(a >= b - dt.timedelta(milliseconds=1) for a, b in itertools.pairwise(dates))


def test_browse_then_search_then_clear_returns_to_the_library(qtbot, window):
    qtbot.waitUntil(lambda: window.controller.request is not None and not window.controller.busy, timeout=10_000)
    status = window.host.status
    assert window.controller.request.kind == BROWSE
    assert window.model.rowCount() == status.images + status.videos
    assert _newest_first(window)
    assert "Your library" in window.results_header.label.text() and not window.order_bar.isVisible()
    assert f"{window.model.rowCount()} item" in window.results_header.label.text()
    newest = file_date(window.model.hit(0).file)
    qtbot.waitUntil(lambda: window.month_label.isVisibleTo(window), timeout=5_000)
    assert str(newest.year) in window.month_label.text()

    with qtbot.waitSignal(window.controller.finished, timeout=10_000):  # the filter bar narrows the library
        window.filter_bar.kind_buttons["video"].click()
    assert window.controller.request.kind == BROWSE and window.model.rowCount() == status.videos
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.filter_bar.kind_buttons[None].click()

    search(qtbot, window, "a red circle")
    assert window.controller.request.kind == TEXT and window.order_bar.isVisibleTo(window)
    cut = window.controller.cut
    assert cut is not None and window.model.rowCount() == cut.matches
    assert "matches" in window.order_bar.count.text()

    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.search_bar.field.clear()
    assert window.controller.request.kind == BROWSE
    assert window.model.rowCount() == status.images + status.videos


def test_matches_sort_newest_first_and_show_all(qtbot, window):
    search(qtbot, window, "a picture")
    best_first = [window.model.hit(r).file.id for r in range(window.model.rowCount())]
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.order_bar.order.setCurrentIndex(1)  # Newest first
    assert window.controller.sort == "date"
    assert sorted(window.model.hit(r).file.id for r in range(window.model.rowCount())) == sorted(best_first)
    assert _newest_first(window)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.controller.set_show_all(True)
    assert window.model.rowCount() >= len(best_first)
    assert window.order_bar.more.text() == "Matches only"


@pytest.fixture(scope="module")
def other_weights(tiny_config_dir, tmp_path_factory):
    """The tiny model with other random weights: the model to switch to."""
    return save_random_weights(tiny_config_dir, tmp_path_factory.mktemp("other_weights"), seed=7)


@pytest.fixture
def own_home(indexed_home, tmp_path):
    """A copy of the indexed library: a switch writes a second model into it."""
    home = tmp_path / "home"
    shutil.copytree(indexed_home, home)
    return home


def test_model_switch_keeps_answering_with_the_old_model_until_the_new_index_is_complete(
        qtbot, make_window, own_home, other_weights):
    from desktop_app.workers.host import LibraryConfig

    window = make_window(own_home, wait_model=True)
    lib = window.host.library
    old_key = lib.choice.key()
    other = other_weights
    answers: list[tuple[str, int]] = []

    def ask_meanwhile(progress) -> None:
        if progress.phase == "embed" and progress.files_done and not answers:
            answers.append((lib.choice.key(), len(lib.search("a red circle", n=5))))

    window.host.indexing_progress.connect(ask_meanwhile)
    config = window.host.config
    with qtbot.waitSignal(window.host.model_switched, timeout=120_000):
        assert window.host.switch_model(LibraryConfig(config.home, TINY_MODEL, str(other), config.device,
                                                      config.options))
    assert answers and answers[0] == (old_key, 5), "the old model answered while the new one indexed"
    assert lib.choice.weights == str(other) and lib.models.remembered().weights == str(other)
    assert window.host.config.weights == str(other)
    qtbot.waitUntil(lambda: not window.host.indexing, timeout=10_000)
    search(qtbot, window, "a red circle")
    assert window.model.rowCount() > 0


def test_cancelled_model_switch_keeps_the_old_model(qtbot, make_window, own_home, other_weights):
    from desktop_app.workers.host import LibraryConfig

    window = make_window(own_home, wait_model=True)
    lib = window.host.library
    old = lib.choice
    other = other_weights
    window.host.indexing_progress.connect(lambda p: window.host.cancel() if p.phase == "embed" else None)
    config = window.host.config
    with qtbot.waitSignal(window.host.indexing_finished, timeout=120_000) as finished:
        window.host.switch_model(LibraryConfig(config.home, TINY_MODEL, str(other), config.device, config.options))
    assert finished.args[0].cancelled
    assert lib.choice == old and lib.models.remembered() == old
    search(qtbot, window, "a red circle")
    assert window.model.rowCount() > 0
