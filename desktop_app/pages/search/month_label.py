"""The month of the results at the top of the grid, while they are in date order.

The library view (and a search's matches sorted newest first) run by date; this
label in the results header names the month and year of the first row in view
and follows the scrolling, so a long grid keeps saying where in time it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QLocale, QPoint, QTimer
from PySide6.QtWidgets import QAbstractItemView, QLabel, QWidget

from desktop_app.pages.search.queries import BROWSE, TEXT

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.pages.search.search_controller import SearchController


class MonthLabel(QLabel):
    """“March 2024”: when the first result in view was taken, for results in date order."""

    def __init__(self, controller: SearchController, grid: QAbstractItemView, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("monthLabel")
        self.controller = controller
        self.grid = grid
        self.setVisible(False)
        grid.verticalScrollBar().valueChanged.connect(self.refresh)
        # after the window has swapped the grid in and laid it out
        controller.finished.connect(lambda _request: QTimer.singleShot(0, self.refresh))
        controller.model.rowsInserted.connect(self.refresh)
        controller.model.dataChanged.connect(lambda _first, _last, roles: None if roles else self.refresh())

    def refresh(self, *_args) -> None:
        request = self.controller.request
        dated = request is not None and (request.kind == BROWSE or
                                         (request.kind == TEXT and self.controller.sort == "date"))
        index = self.grid.indexAt(QPoint(8, 8)) if dated else None
        if index is None or not index.isValid():
            self.setVisible(False)
            return
        hit = self.controller.model.hit(index.row())
        if hit is None:  # its row is loading: the label says the month it said, until the row is in
            return
        from core.library import file_date  # loaded with the library that produced these rows

        when = file_date(hit.file)
        self.setText(QLocale().toString(QDate(when.year, when.month, 1), "MMMM yyyy"))
        self.setVisible(True)
