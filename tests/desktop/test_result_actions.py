"""What the user can do with a result: find similar, copy its path, search a region, see why it matched."""

from __future__ import annotations

import os

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from desktop_app.pages.search.queries import SIMILAR
from tests.desktop.conftest import search


def test_find_similar_from_the_keyboard(qtbot, window):
    search(qtbot, window, "a horse")
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_Right)
    target = window.model.hit(1)
    with qtbot.waitSignal(window.controller.finished, timeout=20_000):
        qtbot.keyClick(window.grid, Qt.Key.Key_S)
    q = window.controller.request
    assert q.kind == SIMILAR and q.target == target.file.id
    assert target.file.id not in [h.file.id for h in window.model.hits]
    assert window.results_header.label.text().startswith(f"Similar to {os.path.basename(target.file.path)}")
    assert window.search_bar.field.text() == "", "the old words do not describe look-alikes"


def test_find_similar_and_edit_are_in_the_item_menu_with_their_shortcuts(window):
    actions = [a for a in window.result_menu.actions() if not a.isSeparator()]
    similar, compose = window.results_actions.act_similar, window.results_actions.act_compose
    assert actions[:2] == [similar, compose]
    assert similar.shortcut().toString() == "S" and compose.shortcut().toString() == "E"


def test_pause_and_stop_are_off_while_nothing_is_indexing(window):
    acts = window.library_actions
    assert not window.host.indexing
    assert not acts.act_pause.isEnabled() and not acts.act_cancel.isEnabled() and acts.act_rescan.isEnabled()


def test_copy_paths_of_the_selection(qtbot, window):
    search(qtbot, window, "a horse")
    window.grid.setFocus()
    window.grid.selectAll()
    window.results_actions.act_copy.trigger()
    assert QGuiApplication.clipboard().text().splitlines() == [h.file.path for h in window.model.hits]


def test_down_arrow_goes_from_the_search_field_to_the_results(qtbot, window):
    search(qtbot, window, "a horse")
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Down)
    assert window.grid.hasFocus()


def test_region_search_from_a_box_drawn_on_the_preview(qtbot, window, monkeypatch):
    search(qtbot, window, "a horse")
    photo = next(r for r, h in enumerate(window.model.hits) if h.file.path.endswith("holiday.jpg"))
    window.grid.setCurrentIndex(window.model.index(photo))
    canvas = window.preview.canvas
    qtbot.waitUntil(lambda: canvas.image is not None, timeout=10_000)
    assert window.preview.region_action.isVisible()
    from core.search import find as engine_query  # where queries are made ready

    boxes = []
    similar = engine_query.similar_query
    monkeypatch.setattr(engine_query, "similar_query",
                        lambda *a, **kw: boxes.append(kw.get("box")) or similar(*a, **kw))
    window.preview.region_action.trigger()
    r = canvas.image_rect()  # 320×240 original shown fitted: drag over its right half
    start = QPoint(round(r.left() + r.width() / 2), round(r.top() + r.height() / 4))
    end = QPoint(round(r.right() - 1), round(r.bottom() - 1))
    with qtbot.waitSignal(window.controller.finished, timeout=20_000):
        qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(canvas, end)
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    x0, y0, x1, y1 = boxes[-1]
    assert abs(x0 - 160) <= 2 and abs(y0 - 60) <= 2 and x1 >= 317 and y1 >= 237
    assert window.controller.request.box == boxes[-1]
    assert window.results_header.label.text().startswith("Like a part of holiday.jpg")


def test_explain_overlays_where_the_picture_matches(qtbot, window):
    search(qtbot, window, "a horse")
    window.grid.setCurrentIndex(window.model.index(0))
    canvas = window.preview.canvas
    qtbot.waitUntil(lambda: canvas.image is not None, timeout=10_000)
    assert window.preview.explain_action.isEnabled()
    window.preview.explain_action.trigger()
    qtbot.waitUntil(lambda: canvas.heat is not None, timeout=20_000)
    expected = window.host.library.explain(window.model.hit(0).file.id, "a horse")
    assert canvas.explain_box == tuple(expected.box)
    rows, cols = expected.heatmap.shape
    assert (canvas.heat.height(), canvas.heat.width()) == (rows, cols)
    window.preview.explain_action.trigger()
    assert canvas.heat is None
