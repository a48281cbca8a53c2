"""A list of known length (the library browsed) has all its rows at once and loads the pages it paints.

Issue 29: at 100k files the grid grew 2,000 rows at a time as the user neared its end, so reaching the
end meant fetching every page on the way and laying out all rows again after each. Now the scroll bar
spans the whole library from the first page, and a page is read only when its rows are painted.
"""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QObject, Qt, Signal

from core.search.engine import Hit
from core.store.catalog import FileRecord
from desktop_app.pages.search import results, search_controller
from desktop_app.pages.search.queries import BROWSE
from desktop_app.pages.search.results import PAGE, PAGES_IN_FLIGHT, ResultsModel
from desktop_app.workers.thumbnails import ThumbnailLoader


def record(i: int) -> FileRecord:
    return FileRecord(id=i, path=f"/photos/p{i}.jpg", kind="image", size=1000, format="JPEG", width=320, height=240,
                      taken_at=dt.datetime(2020, 1, 1), camera_make=None, camera_model=None, gps_lat=None,
                      gps_lon=None, duration_s=None, fps=None, codec=None, content_hash=None, status="ok", error=None)


class NoThumbnails(QObject):
    closed = Signal()
    library = None


@pytest.fixture
def loader(qtbot):
    """A thumbnail loader with no library, kept alive, its pool drained and its events delivered before it goes
    (a loader collected with pictures in flight crashed the worker process in pytest-qt's event processing)."""
    host = NoThumbnails()
    made = ThumbnailLoader(host)
    yield made
    assert made.stop()
    qtbot.wait(10)
    del host


def test_painting_rows_not_loaded_asks_for_the_newest_pages_only(qtbot, loader):
    model = ResultsModel(loader)
    total = 20 * PAGE + 7
    model.reset([Hit(record(i), i, 0.0) for i in range(5)], more=False, total=total)
    assert model.rowCount() == total and not model.canFetchMore()
    assert model.hit(4).file.id == 4 and model.hit(5) is None and not model.loaded(total - 1)
    asked: list[tuple[int, int]] = []
    model.rows_wanted.connect(lambda offset, n: asked.append((offset, n)))
    for row in range(0, total, 50):  # a fast scroll to the end paints a few cells of every page
        model.cell(row)
    assert model.cell(total - 1).kind == ""  # painted as a placeholder meanwhile
    qtbot.waitUntil(lambda: len(asked) == PAGES_IN_FLIGHT, timeout=2_000)
    qtbot.wait(20)
    assert asked == [(20 * PAGE, 7), (19 * PAGE, PAGE)]  # the end first; nothing for the pages scrolled past
    model.cell(total - 1)
    qtbot.wait(20)
    assert len(asked) == PAGES_IN_FLIGHT  # a page in flight is not asked for again

    with qtbot.waitSignal(model.dataChanged):
        model.fill(20 * PAGE, [Hit(record(i), i, 0.0) for i in range(20 * PAGE, total)])
    assert model.hit(total - 1).file.id == total - 1 and model.cell(total - 1).kind == "image"
    # the freed slot goes to the newest page still wanted; the older ones were scrolled past for good
    assert asked[PAGES_IN_FLIGHT:] == [(18 * PAGE, PAGE)]


def test_the_page_after_the_one_on_screen_is_read_ahead_and_no_further(qtbot, loader):
    model = ResultsModel(loader)
    model.reset([Hit(record(i), i, 0.0) for i in range(PAGE)], more=False, total=6 * PAGE)
    asked: list[tuple[int, int]] = []
    model.rows_wanted.connect(lambda offset, n: asked.append((offset, n)))
    model.cell(PAGE - 1)
    qtbot.wait(20)
    assert asked == [(PAGE, PAGE)]  # the last loaded row on screen: the next page is read before it is needed
    model.cell(PAGE + 1)
    qtbot.wait(20)
    assert asked == [(PAGE, PAGE), (2 * PAGE, PAGE)]  # its page in flight, the one after it read ahead
    model.fill(PAGE, [Hit(record(i), i, 0.0) for i in range(PAGE, 2 * PAGE)])
    model.fill(2 * PAGE, [Hit(record(i), i, 0.0) for i in range(2 * PAGE, 3 * PAGE)])
    qtbot.wait(20)
    assert len(asked) == 2 and not model.loaded(3 * PAGE)  # nothing more until the user scrolls on


def test_the_library_view_spans_every_file_and_loads_the_end_when_scrolled_there(qtbot, make_window, indexed_home,
                                                                                monkeypatch):
    monkeypatch.setattr(search_controller, "FIRST_PAGE", 3)  # pages of a few rows: this library is small
    monkeypatch.setattr(results, "PAGE", 3)
    w = make_window(indexed_home)
    w.resize(700, 420)
    w.grid.set_wanted_cell(320)
    qtbot.waitUntil(lambda: w.controller.request is not None and w.controller.request.kind == BROWSE
                    and not w.controller.busy and w.model.rowCount() > 0, timeout=20_000)
    total = w.host.status.images + w.host.status.videos
    assert total > 12
    assert w.model.rowCount() == total  # every row from the first page on: the scroll bar spans the library
    assert w.model.loaded(0) and not w.model.loaded(total - 1)

    bar = w.grid.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5_000)
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: w.model.loaded(total - 1), timeout=10_000)
    library_order = [f.id for f in w.host.library.browse(0, total)]
    loaded = [r for r in range(total) if w.model.loaded(r)]
    assert [w.model.hit(r).file.id for r in loaded] == [library_order[r] for r in loaded]
    assert len(loaded) < total  # the rows between the top and the end were never painted, never read
    assert w.month_label.isVisibleTo(w)  # it names the month of the row now at the top


def test_a_thumbnail_arriving_repaints_its_cell_without_laying_out_every_row(qtbot, loader):
    """QListView lays all rows out again on any data change; at 100k rows each thumbnail froze the grid."""

    visits = [0]

    class CountingModel(ResultsModel):
        def rowCount(self, parent=None) -> int:
            visits[0] += 1
            return super().rowCount() if parent is None else super().rowCount(parent)

    model = CountingModel(loader)
    total = 20_000
    view = _shown_view(qtbot, model, total, height=600)
    qtbot.wait(20)
    visits[0] = 0
    model.dataChanged.emit(model.index(3), model.index(3), [Qt.ItemDataRole.DecorationRole])
    model.fill(PAGE, [Hit(record(i), i, 0.0) for i in range(PAGE, 2 * PAGE)])
    qtbot.wait(20)
    view.viewport().repaint()
    assert visits[0] < total // 10  # a relayout asks the model about every row


def test_full_collections_wait_while_the_grid_scrolls_and_what_it_loaded_is_frozen_when_it_stops(qtbot, loader):
    """A full collection stopped every thread for 0.1-0.5 s while a 100k grid scrolled (tests/bench/gui_scale.py)."""
    import gc

    from desktop_app.pages.search import results_view

    model = ResultsModel(loader)
    view = _shown_view(qtbot, model, 5_000, height=400)
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    try:
        view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 2)
        assert gc.get_threshold()[2] > 1000 * before[2]  # postponed while it moves
        assert gc.get_threshold()[:2] == before[:2]  # the young generations are still collected
        qtbot.waitUntil(lambda: gc.get_threshold() == before, timeout=results_view.SCROLL_STILL_MS * 10)
        assert gc.get_freeze_count() > frozen  # what the scroll left alive is out of the full collections' reach
    finally:
        gc.set_threshold(*before)


def _shown_view(qtbot, model: ResultsModel, total: int, height: int):
    """A grid on screen over `model`, its first page loaded, the rest of `total` rows placeholders."""
    from desktop_app.pages.search.results_view import ResultsView

    model.reset([Hit(record(i), i, 0.0) for i in range(PAGE)], more=False, total=total)
    view = ResultsView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(600, height)
    view.show()
    qtbot.waitExposed(view)
    return view
