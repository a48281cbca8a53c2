"""The search asks back: a row of answer chips above the grid (core/search/ask.py chooses the question).

After each result list the controller asks the engine for the question whose answer narrows the results
most ("Which colour is it?"); its answers show as chips with the share of the top results each takes. A click
answers, a right-click (or Shift+click) answers "not X", "Doesn't matter" asks something else; Undo Refine
takes an answer back. Nothing shows when no answer would narrow the results.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QMenu, QPushButton, QWidget

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.pages.search.search_controller import SearchController


class QuestionBar(QWidget):
    """The question and its answers as chips; hidden while there is none."""

    def __init__(self, controller: SearchController, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("questionBar")
        self.controller = controller
        self.label = QLabel(self)
        self.label.setObjectName("questionLabel")
        self.chips: list[QPushButton] = []
        self.skip_button = QPushButton(self.tr("Doesn't matter"), self)
        self.skip_button.setObjectName("chipSkip")
        self.skip_button.setFlat(True)
        self.skip_button.clicked.connect(controller.skip_question)
        self._lay = QHBoxLayout(self)
        self._lay.setContentsMargins(16, 2, 10, 4)
        self._lay.setSpacing(6)
        self._lay.addWidget(self.label)
        self._lay.addStretch(1)
        self._lay.addWidget(self.skip_button)
        self.setVisible(False)
        controller.question_changed.connect(self.show_question)
        controller.started.connect(lambda _request: self.show_question(None))

    def show_question(self, question: Any) -> None:
        for chip in self.chips:
            self._lay.removeWidget(chip)
            chip.deleteLater()
        self.chips = []
        if question is None:
            self.setVisible(False)
            return
        self.label.setText(question.family.question)
        for i, (answer, share) in enumerate(zip(question.answers, question.shares, strict=True)):
            chip = QPushButton(f"{answer.label}  {share:.0%}", self)
            chip.setObjectName("chip")
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.setToolTip(self.tr("Click: %1 · Right-click or Shift+click: not %1").replace("%1", answer.label))
            chip.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            chip.clicked.connect(lambda _=False, label=answer.label: self._clicked(label))
            chip.customContextMenuRequested.connect(lambda _pos, c=chip, label=answer.label: self._menu(c, label))
            self._lay.insertWidget(1 + i, chip)
            self.chips.append(chip)
        self.setVisible(True)

    def _clicked(self, label: str) -> None:
        negated = bool(QApplication.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier)
        self.controller.answer(label, negated)

    def _menu(self, chip: QPushButton, label: str) -> None:
        menu = QMenu(chip)
        menu.addAction(self.tr("Not %1").replace("%1", label), lambda: self.controller.answer(label, True))
        menu.exec(chip.mapToGlobal(chip.rect().bottomLeft()))
