"""Searching from the window: results grid, paging, filters, thumbnails off the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QModelIndex, Qt

from desktop_app.pages.search.results import Role
from tests.desktop.conftest import N_MADE, search


def test_text_search_fills_the_grid_and_previews_the_first_result(qtbot, window):
    search(qtbot, window, "a cat sitting on a chair")
    model = window.model
    total = model.rowCount()
    assert total > N_MADE  # every indexed photo can match a text
    assert window.grid_stack.currentWidget() is window.grid
    scores = [model.index(r).data(Role.SCORE) for r in range(total)]
    assert scores == sorted(scores, reverse=True)
    assert "“a cat sitting on a chair”" in window.results_header.label.text()
    # the first result is current and shown large
    assert window.grid.currentIndex().row() == 0
    assert window.preview.hit is model.hit(0)
    qtbot.waitUntil(lambda: window.preview.canvas.image is not None, timeout=10_000)


def test_thumbnails_load_on_worker_threads_and_repaint_their_cells(qtbot, window, monkeypatch):
    threads: list[str] = []
    lib = window.host.library

    def spied(read):
        def spy(key):
            threads.append(threading.current_thread().name)
            return read(key)
        return spy

    monkeypatch.setattr(lib, "thumbnail", spied(lib.thumbnail))  # made if the cache lacks it
    monkeypatch.setattr(lib.thumbnails, "cached", spied(lib.thumbnails.cached))  # by the cell's content hash
    window.thumbnails.clear()
    search(qtbot, window, "a rocket")
    first = window.model.index(0)
    qtbot.waitUntil(lambda: first.data(Qt.ItemDataRole.DecorationRole) is not None, timeout=10_000)
    assert threads and threading.main_thread().name not in threads
    # only cells that were painted asked: no request for rows far below the fold
    assert len(threads) <= window.model.rowCount()


def test_more_results_are_fetched_while_the_grid_is_not_full(qtbot, window, monkeypatch):
    from core.search import find as engine_query  # where queries are made ready
    from desktop_app.pages.search import search_controller

    monkeypatch.setattr(search_controller, "FIRST_PAGE", 8)
    encoded = []
    text_query = engine_query.text_query
    monkeypatch.setattr(engine_query, "text_query", lambda ctx, raw: encoded.append(raw) or text_query(ctx, raw))
    fetched = []
    window.model.rowsInserted.connect(lambda _p, first, last: fetched.append((first, last)))
    search(qtbot, window, "something colourful")
    # a text search shows its matches at once; "Show all" pages through every result
    encoded.clear()
    fetched.clear()
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.controller.set_show_all(True)
    # 8 results do not fill the view: the next page (twice as big) is asked for at once, then the rest
    qtbot.waitUntil(lambda: window.model.rowCount() == window.host.status.images, timeout=10_000)
    assert fetched[:2] == [(8, 23), (24, window.host.status.images - 1)]
    paths = [window.model.hit(r).file.path for r in range(window.model.rowCount())]
    assert len(paths) == len(set(paths))  # pages do not repeat results
    assert encoded == []  # the text shown a moment ago is kept made ready: not encoded again, for all three pages
    qtbot.wait(100)
    assert not window.model.canFetchMore(QModelIndex())  # the last page was short: nothing more to ask


def test_filters_narrow_the_results(qtbot, window, photo_folder):
    search(qtbot, window, "a picture")
    everything = window.model.rowCount()
    # only videos: this library has none
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.filter_bar.kind_buttons["video"].click()
    assert window.model.rowCount() == 0
    assert window.grid_stack.currentWidget() is window.hint
    assert "filters" in window.hint.text()
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.filter_bar.kind_buttons[None].click()
    assert window.model.rowCount() == everything
    # a folder: only what is under it
    window.filter_bar.set_roots([str(photo_folder)])
    made = str(photo_folder / "made")
    window.filter_bar.folder.addItem("made", made)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.filter_bar.folder.setCurrentIndex(window.filter_bar.folder.findData(made))
    hits = window.model.hits
    assert len(hits) == N_MADE + 1 and all(h.file.path.startswith(made) for h in hits)


def test_date_filter_keeps_photos_taken_in_range(qtbot, window):
    import datetime as dt

    from PySide6.QtCore import QDate

    search(qtbot, window, "a holiday")
    bar = window.filter_bar
    bar.date_from.setDate(QDate(2019, 7, 1))
    bar.date_to.setDate(QDate(2019, 7, 31))
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        bar.dates.setCurrentIndex(4)  # custom range
    assert [h.file.taken_at.date() for h in window.model.hits] == [dt.date(2019, 7, 14)]


def test_metadata_of_a_photo_is_shown(qtbot, window):
    search(qtbot, window, "a holiday")
    row = next(r for r, h in enumerate(window.model.hits) if h.file.path.endswith("holiday.jpg"))
    window.grid.setCurrentIndex(window.model.index(row))
    fields = window.preview._meta_fields
    assert fields["camera"].text() == "Canon EOS 80D"
    assert "2019" in fields["date"].text()
    assert fields["place"].text() == "48.8584° N, 2.2945° E"
    assert fields["size"].text().startswith("320 × 240")


def test_results_drag_out_as_file_urls(qtbot, window):
    search(qtbot, window, "anything")
    model = window.model
    mime = model.mimeData([model.index(0), model.index(1), model.index(0)])
    paths = [u.toLocalFile() for u in mime.urls()]
    assert paths == [model.hit(0).file.path, model.hit(1).file.path]
    assert model.flags(model.index(0)) & Qt.ItemFlag.ItemIsDragEnabled
