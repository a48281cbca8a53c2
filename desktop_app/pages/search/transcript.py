"""A video's transcript beside the player: its subtitle and spoken lines with their times; clicking one seeks.

A list view over a plain item model (one row per line, its start in a custom role), not item widgets. The
line being said is selected as the video plays, so the list follows the voice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from desktop_app.widgets import formatting as fmt

if TYPE_CHECKING:  # pragma: no cover
    from core.library import TextLine

START_ROLE = Qt.ItemDataRole.UserRole + 1


class TranscriptView(QListView):
    seek_requested = Signal(float)  # seconds

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("Transcript"))
        self.setWordWrap(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lines_model = QStandardItemModel(self)
        self.setModel(self.lines_model)
        self.clicked.connect(self._clicked)
        self.activated.connect(self._clicked)
        self._starts: list[float] = []

    def set_lines(self, lines: list[TextLine]) -> None:
        """Show a video's lines (empty: the view hides)."""
        self.lines_model.clear()
        self._starts = []
        for ln in lines:
            how = self.tr("said") if ln.expert == "speech" else self.tr("subtitle")
            item = QStandardItem(f"{fmt.clock(ln.start_s or 0.0)}  {ln.text}")
            item.setData(float(ln.start_s or 0.0), START_ROLE)
            item.setToolTip(f"{how} {fmt.clock(ln.start_s or 0.0)}–{fmt.clock(ln.end_s or 0.0)}")
            self.lines_model.appendRow(item)
            self._starts.append(float(ln.start_s or 0.0))
        self.setVisible(bool(lines))

    def follow(self, seconds: float) -> None:
        """Select the line being said at `seconds` (the last that started)."""
        row = max((i for i, t in enumerate(self._starts) if t <= seconds + 0.05), default=-1)
        current = self.currentIndex().row()
        if row >= 0 and row != current:
            index = self.lines_model.index(row, 0)
            self.setCurrentIndex(index)
            self.scrollTo(index)

    def _clicked(self, index: QModelIndex) -> None:
        start = index.data(START_ROLE)
        if start is not None:
            self.seek_requested.emit(float(start))
