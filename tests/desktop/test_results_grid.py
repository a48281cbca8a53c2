"""The results grid fills its rows: every column it sizes its cells for is laid out.

Issue 25: after a first index the grid sometimes showed 3 of 4 columns and a blank strip.
The cells were sized to fill the layout width exactly, and QListView wraps a cell that
reaches the last pixel, so at widths a whole number of cells wide the last column wrapped.
"""

from __future__ import annotations


def _first_row(grid) -> int:
    rects = [grid.visualRect(grid.model().index(i, 0)) for i in range(grid.model().rowCount())]
    return sum(1 for r in rects if r.y() == rects[0].y())


def test_every_column_the_cells_are_sized_for_is_laid_out(qtbot, window):
    w, grid = window, window.grid
    qtbot.waitUntil(lambda: w.model.rowCount() >= 12, timeout=20_000)
    short = []
    for width in range(620, 1240, 5):
        w.resize(width, 800)
        qtbot.wait(1)  # the resize reaches the grid
        grid.doItemsLayout()
        columns = grid.layout_width() // grid.delegate.cell
        if _first_row(grid) != columns or columns * grid.delegate.cell < grid.viewport().width() - grid.delegate.cell:
            short.append((width, grid.viewport().width(), grid.delegate.cell, columns, _first_row(grid)))
    assert not short, short


def test_closing_the_window_drains_the_thumbnail_loader(qtbot, window, monkeypatch):
    """Closing drops queued thumbnails and waits for those being made: a loader collected with pictures in
    flight crashed the process in Qt's event processing (seen in tests/desktop/test_results_paging.py)."""
    stopped: list[bool] = []
    real_stop = window.thumbnails.stop
    monkeypatch.setattr(window.thumbnails, "stop", lambda *a, **kw: stopped.append(real_stop(*a, **kw)))
    window.close()
    assert stopped == [True]
