"""The bar above the results: the search field and the filters, with the window's buttons beside them.

It sends what the user asks for to the `SearchController`: a search text, a
composed edit (the search bar's reference and the change in words) or new
filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from desktop_app.pages.search.filter_bar import FilterBar
from desktop_app.pages.search.search_bar import SearchBar
from desktop_app.widgets.actions import action_button

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.pages.search.search_controller import SearchController


class TopBar(QWidget):
    """Search field over the filter row; `buttons` (e.g. folders, settings) sit right of the field."""

    def __init__(self, controller: SearchController, buttons: Sequence[QAction], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("topBar")
        self.controller = controller
        self.search_bar = SearchBar(self)
        self.filter_bar = FilterBar(self)
        row = QHBoxLayout()
        row.addWidget(self.search_bar, 1)
        self.buttons: list[QToolButton] = []
        for action in buttons:
            b = action_button(self, action, 20)
            row.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
            self.buttons.append(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 12, 14, 8)
        lay.setSpacing(8)
        lay.addLayout(row)
        lay.addWidget(self.filter_bar)

        self.search_bar.text_submitted.connect(controller.search)
        self.search_bar.compose_submitted.connect(self._compose_submitted)
        self.search_bar.reference_cleared.connect(self.search_bar.field.setFocus)
        self.filter_bar.changed.connect(controller.set_filters)

    def focus_search(self) -> None:
        """Put the cursor in the search field with its text selected, ready to type over."""
        self.search_bar.field.setFocus()
        self.search_bar.field.selectAll()

    def _compose_submitted(self, text: str, balance: float | None) -> None:
        ref = self.search_bar.reference
        if ref is not None:
            self.controller.compose(ref[0], text, balance, t_s=ref[1])
