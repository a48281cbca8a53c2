"""Filters under the search field: kind (photos / videos), folder, and date range.

Every change re-runs the current query with the new `FilterState`. Dates are
capture dates (EXIF), so photos without one drop out of a date-filtered query.
"""

from __future__ import annotations

import datetime as dt
import os

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QComboBox, QDateEdit, QHBoxLayout, QLabel, QToolButton, QWidget

from desktop_app.pages.search.queries import FilterState
from desktop_app.widgets.icons import icon

ANY, LAST_30, THIS_YEAR, LAST_YEAR, CUSTOM = range(5)


class FilterBar(QWidget):
    changed = Signal(object)  # FilterState

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.kind_group = QButtonGroup(self)
        self.kind_buttons: dict[str | None, QToolButton] = {}
        for kind, text, glyph in ((None, self.tr("All"), None), ("image", self.tr("Photos"), "photo"),
                                  ("video", self.tr("Videos"), "video")):
            btn = QToolButton(self)
            btn.setText(text)
            btn.setCheckable(True)
            btn.setObjectName("segment")
            if glyph:
                btn.setIcon(icon(glyph))
                btn.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            self.kind_group.addButton(btn)
            self.kind_buttons[kind] = btn
            lay.addWidget(btn)
        self.kind_buttons[None].setChecked(True)
        self.kind_group.buttonClicked.connect(self._emit)
        lay.addSpacing(12)

        self.folder = QComboBox(self)
        self.folder.setAccessibleName(self.tr("Folder"))
        self.folder.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.folder.addItem(icon("folder"), self.tr("All folders"), "")
        self.folder.currentIndexChanged.connect(self._emit)
        lay.addWidget(self.folder)

        self.dates = QComboBox(self)
        self.dates.setAccessibleName(self.tr("Date taken"))
        for text in (self.tr("Any date"), self.tr("Last 30 days"), self.tr("This year"), self.tr("Last year"),
                     self.tr("Custom range…")):
            self.dates.addItem(icon("calendar"), text)
        self.dates.currentIndexChanged.connect(self._dates_changed)
        lay.addWidget(self.dates)
        self.date_from = QDateEdit(self)
        self.date_to = QDateEdit(self)
        self.to_label = QLabel(self.tr("to"), self)
        today = QDate.currentDate()
        for edit, value, name in ((self.date_from, today.addYears(-1), self.tr("From date")),
                                  (self.date_to, today, self.tr("To date"))):
            edit.setCalendarPopup(True)
            edit.setDate(value)
            edit.setAccessibleName(name)
            edit.dateChanged.connect(self._emit)
            edit.setVisible(False)
        self.to_label.setVisible(False)
        lay.addWidget(self.date_from)
        lay.addWidget(self.to_label)
        lay.addWidget(self.date_to)
        lay.addStretch(1)

    def set_roots(self, roots: list[str]) -> None:
        """Offer each library folder; keep the current choice when it still exists."""
        current = self.folder.currentData()
        self.folder.blockSignals(True)
        while self.folder.count() > 1:
            self.folder.removeItem(1)
        for root in roots:
            self.folder.addItem(icon("folder"), os.path.basename(root.rstrip(os.sep)) or root, root)
            self.folder.setItemData(self.folder.count() - 1, root, Qt.ItemDataRole.ToolTipRole)
        i = self.folder.findData(current) if current else 0
        self.folder.setCurrentIndex(max(0, i))
        self.folder.blockSignals(False)
        if current and i < 0:
            self._emit()

    def state(self) -> FilterState:
        kind = next((k for k, b in self.kind_buttons.items() if b.isChecked()), None)
        start, end = self._date_range()
        return FilterState(kind=kind, folder=self.folder.currentData() or None, date_from=start, date_to=end)

    def _date_range(self) -> tuple[dt.date | None, dt.date | None]:
        today = dt.date.today()
        choice = self.dates.currentIndex()
        if choice == LAST_30:
            return today - dt.timedelta(days=30), today
        if choice == THIS_YEAR:
            return dt.date(today.year, 1, 1), today
        if choice == LAST_YEAR:
            return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
        if choice == CUSTOM:
            a, b = self.date_from.date().toPython(), self.date_to.date().toPython()
            return (a, b) if a <= b else (b, a)
        return None, None

    def _dates_changed(self) -> None:
        custom = self.dates.currentIndex() == CUSTOM
        for w in (self.date_from, self.to_label, self.date_to):
            w.setVisible(custom)
        self._emit()

    def _emit(self, *_args) -> None:
        self.changed.emit(self.state())
