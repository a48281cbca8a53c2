"""The line above the results: what was asked and how many results came back.

A busy bar shows while a query runs; once results are marked relevant or not,
the marks are counted there, beside the Refine and Undo buttons. The header
follows the `SearchController` by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from desktop_app.pages.search.queries import BROWSE, COMPOSE, SIMILAR, TEXT, Request
from desktop_app.widgets import formatting as fmt
from desktop_app.widgets.actions import action_button

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.pages.search.search_controller import SearchController


class ResultsHeader(QWidget):
    """What was asked and the count, busy bar, marks and the feedback buttons (`feedback` actions)."""

    def __init__(self, controller: SearchController, feedback: Sequence[QAction],
                 reference_name: Callable[[int | str | None], str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("resultsHeader")
        self.setVisible(False)  # until there is a query to describe
        self.controller = controller
        self.model = controller.model
        self.reference_name = reference_name
        self.label = QLabel(self)
        self.label.setObjectName("resultsLabel")
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setFixedSize(80, 6)
        self.busy.setTextVisible(False)
        self.busy.setVisible(False)
        self.marks_label = QLabel(self)
        self.marks_label.setObjectName("hint")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(16, 4, 10, 4)
        lay.addWidget(self.label)
        lay.addWidget(self.busy)
        lay.addStretch(1)
        lay.addWidget(self.marks_label)
        self.feedback_buttons: list[QToolButton] = []
        for action in feedback:
            b = action_button(self, action, text_beside=True)
            lay.addWidget(b)
            self.feedback_buttons.append(b)
        self._show_marks()

        controller.started.connect(self._started)
        controller.finished.connect(self.show_count)
        controller.failed.connect(lambda request, _error: self.label.setText(self.describe(request)))
        controller.busy_changed.connect(self.busy.setVisible)
        controller.feedback_changed.connect(self._show_marks)
        self.model.rowsInserted.connect(self.show_count)
        self.model.modelReset.connect(self._show_marks)

    def describe(self, request: Request) -> str:
        """What was asked, in a few words: “dog”, Similar to x.jpg, x.jpg changed: “at night”, Refined: …"""
        if request.kind == TEXT:
            return f"“{request.text}”"
        if request.kind == BROWSE:
            return self.tr("Your library, newest first")
        if request.kind == SIMILAR:
            label = request.text or str(request.target)
            if request.box is not None:
                return self.tr("Like a part of %1").replace("%1", label)
            return self.tr("Similar to %1").replace("%1", label)
        if request.kind == COMPOSE:
            ref = self.reference_name(request.target)
            return self.tr("%1, changed: “%2”").replace("%1", ref).replace("%2", request.text) if request.text \
                else self.tr("Similar to %1").replace("%1", ref)
        return self.tr("Refined: %1").replace("%1", f"“{request.text}”" if request.text else self.tr("your marks"))

    def show_count(self, *_args) -> None:
        """The count (“dog” — 240+ results), kept up to date as pages arrive."""
        request = self.controller.request
        if request is None or self.controller.busy:
            return
        n = self.model.rowCount()
        if request.kind == BROWSE and self.controller.total is not None:
            self.label.setText(self.describe(request) + " — " + self.tr("%n item(s)", "", self.controller.total))
            return
        count = self.tr("no results") if n == 0 else (
            self.tr("%1+ results").replace("%1", fmt.count(n)) if self.model.has_more
            else self.tr("%n result(s)", "", n))
        self.label.setText(f"{self.describe(request)} — {count}")

    def _started(self, request: Request) -> None:
        self.setVisible(True)
        text = self.describe(request)
        if not self.controller.host.model_ready:
            text += " — " + self.tr("waiting for the model to load…")
        self.label.setText(text)

    def _show_marks(self) -> None:
        """Marks and the Refine/Undo buttons, once there is something to refine or undo."""
        marks = self.model.marks
        good = sum(1 for v in marks.values() if v)
        show = bool(marks) or self.controller.rounds > 0
        for b in self.feedback_buttons:
            b.setVisible(show)
        self.marks_label.setVisible(show)
        self.marks_label.setText(self.tr("%1 relevant · %2 not relevant").replace("%1", str(good))
                                 .replace("%2", str(len(marks) - good)))
