"""How a text search's results are shown: its matches or everything, best first or newest first.

Sits in the results header. It says where the cutoff fell ("12 matches · 230 more
below") with a button to see the rest, and offers the order; it asks the
`SearchController` for the change and shows nothing for other kinds of results.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QWidget

from desktop_app.pages.search.queries import TEXT
from desktop_app.widgets import formatting as fmt

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.pages.search.queries import Request
    from desktop_app.pages.search.search_controller import SearchController

class OrderBar(QWidget):
    """The match count with "Show all" / "Matches only", and the order of the results."""

    def __init__(self, controller: SearchController, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("orderBar")
        self.controller = controller
        self.count = QLabel(self)
        self.count.setObjectName("hint")
        self.more = QToolButton(self)
        self.more.setAutoRaise(True)
        self.order = QComboBox(self)
        self.order.addItem(self.tr("Best first"), "relevance")
        self.order.addItem(self.tr("Newest first"), "date")
        self.order.setAccessibleName(self.tr("Order of the results"))
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.count)
        lay.addWidget(self.more)
        lay.addWidget(self.order)
        self.setVisible(False)

        self.more.clicked.connect(lambda: controller.set_show_all(not controller.show_all))
        self.order.currentIndexChanged.connect(lambda i: controller.set_sort(self.order.itemData(i)))
        controller.finished.connect(self.show_cut)

    def show_cut(self, request: Request) -> None:
        cut = self.controller.cut
        self.setVisible(request.kind == TEXT)
        if request.kind != TEXT:
            return
        if cut is None:  # every result, paged best first
            self.count.setText(self.tr("all results"))
            self.more.setText(self.tr("Matches only"))
            return
        below = fmt.count(cut.below) + ("" if cut.complete else "+")
        self.count.setText(self.tr("%1 matches · %2 more below").replace("%1", fmt.count(cut.matches))
                           .replace("%2", below))
        self.more.setText(self.tr("Matches only") if self.controller.show_all else self.tr("Show all"))
        self.more.setVisible(cut.below > 0 or self.controller.show_all)
