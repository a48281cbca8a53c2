"""Composed edits (reference chip, words, balance) and relevance feedback (mark, refine, undo)."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt

from desktop_app.pages.search.queries import COMPOSE, REFINED, TEXT
from desktop_app.pages.search.results import Role
from tests.desktop.conftest import search


@pytest.fixture
def calls(window, monkeypatch):
    """What the window asked the engine for (the real functions still answer).

    "compose": the composed queries built, as (reference, text, ...) and keywords (the search context left out).
    """
    from core.search import find as engine_compose  # where queries are made ready

    seen: dict[str, list] = {"compose": [], "session": []}
    lib = window.host.library
    composed_query, session = engine_compose.composed_query, lib.session

    def spy_compose(ctx, *args, **kwargs):
        seen["compose"].append((args, kwargs))
        return composed_query(ctx, *args, **kwargs)

    def spy_session(*args, **kwargs):
        s = session(*args, **kwargs)
        seen["session"].append(s)
        return s

    monkeypatch.setattr(engine_compose, "composed_query", spy_compose)
    monkeypatch.setattr(lib, "session", spy_session)
    return seen


def test_composed_edit_round_trip(qtbot, window, calls):
    search(qtbot, window, "a cat")
    assert window.results_actions.act_compose.isVisible()
    window.grid.setCurrentIndex(window.model.index(2))
    reference = window.model.hit(2)
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_E)  # "Edit with text…"
    bar = window.search_bar
    assert bar.chip.isVisible() and bar.balance_row.isVisible()
    assert bar.chip.name.toolTip() == os.path.basename(reference.file.path)
    assert bar.field.hasFocus() and bar.field.text() == ""
    assert "change" in bar.field.placeholderText()

    qtbot.keyClicks(bar.field, "at night")
    with qtbot.waitSignal(window.controller.finished, timeout=20_000):
        qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    query = window.controller.request
    assert query.kind == COMPOSE and query.target == reference.file.id and query.text == "at night"
    args, kwargs = calls["compose"][-1]
    assert args[:2] == (reference.file.id, "at night") and kwargs["balance"] is None  # the engine's default
    assert reference.file.id not in {h.file.id for h in window.model.hits}  # the reference itself is left out
    assert "at night" in window.results_header.label.text()
    assert os.path.basename(reference.file.path) in window.results_header.label.text()

    # leaning toward the words re-runs the query with that balance
    with qtbot.waitSignal(window.controller.finished, timeout=20_000):
        bar.balance.setValue(80)
    assert calls["compose"][-1][1]["balance"] == pytest.approx(0.8)

    # Esc leaves composed mode; Enter searches by text again
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.chip.isVisible() and bar.reference is None
    bar.field.setText("a cat")
    with qtbot.waitSignal(window.controller.finished, timeout=20_000):
        qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert window.controller.request.kind == TEXT


def test_feedback_mark_refine_undo_round_trip(qtbot, window, calls):
    search(qtbot, window, "a red circle")
    before = [h.file.id for h in window.model.hits]
    good, bad = before[3], before[0]
    grid = window.grid
    grid.setFocus()
    grid.setCurrentIndex(window.model.index(3))
    qtbot.keyClick(grid, Qt.Key.Key_Plus)
    grid.setCurrentIndex(window.model.index(0))
    qtbot.keyClick(grid, Qt.Key.Key_Minus)
    assert window.model.index(3).data(Role.RELEVANCE) is True
    assert window.model.index(0).data(Role.RELEVANCE) is False
    marks = window.results_header.marks_label
    assert marks.isVisible() and marks.text() == "1 relevant · 1 not relevant"
    actions = window.results_actions
    assert actions.act_refine.isEnabled() and not actions.act_undo.isEnabled()
    qtbot.waitUntil(lambda: bool(calls["session"]) and calls["session"][0].marks == {good: True, bad: False},
                    timeout=10_000)

    with qtbot.waitSignal(window.controller.finished, timeout=20_000):
        window.results_header.feedback_buttons[0].click()  # Refine
    assert window.controller.request.kind == REFINED
    refined = [h.file.id for h in window.model.hits]
    assert bad not in refined and good in refined  # not relevant is gone, relevant stays
    assert refined != before
    assert window.model.mark(good) is True
    assert window.results_actions.act_undo.isEnabled()
    assert len(calls["session"]) == 1  # one session across marks and rounds

    with qtbot.waitSignal(window.controller.finished, timeout=20_000):
        window.results_actions.act_undo.trigger()
    assert window.controller.request.kind == TEXT and window.controller.rounds == 0
    assert [h.file.id for h in window.model.hits] == before
    assert window.model.marks == {good: True, bad: False}
    assert not window.results_actions.act_undo.isEnabled()


def test_pressing_the_same_mark_again_clears_it(qtbot, window):
    search(qtbot, window, "a red circle")
    window.grid.setFocus()
    window.grid.setCurrentIndex(window.model.index(1))
    qtbot.keyClick(window.grid, Qt.Key.Key_Plus)
    qtbot.keyClick(window.grid, Qt.Key.Key_Plus)
    assert window.model.index(1).data(Role.RELEVANCE) is None
    assert not window.results_actions.act_refine.isEnabled()
