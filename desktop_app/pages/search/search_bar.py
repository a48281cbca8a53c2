"""The query row: the search field, the composed-edit reference chip and its balance slider.

With no reference, Enter searches by text. With a reference (chosen from a
result: "Edit with text…"), the field asks for the change to make and Enter
runs a composed query; the slider leans the result toward the picture or
toward the words, and Esc or the chip's × goes back to plain search.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from desktop_app.widgets.icons import IconView, icon, tool_button


class SearchField(QLineEdit):
    """A line edit that leaves dropped files to the window (they mean "find similar").

    Down moves on to the results, as in a browser's address bar.
    """

    escape_pressed = Signal()
    down_pressed = Signal()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.ignore()
            return
        super().dragEnterEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            return
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            return
        super().keyPressEvent(event)


class ReferenceChip(QFrame):
    """The reference picture of a composed edit: thumbnail, name, and a × to drop it."""

    removed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("referenceChip")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(3, 3, 2, 3)
        lay.setSpacing(6)
        self.thumb = QLabel(self)
        self.thumb.setFixedSize(26, 26)
        self.thumb.setScaledContents(True)
        self.name = QLabel(self)
        self.name.setMaximumWidth(180)
        self.close = tool_button(self, "close", 12, self.tr("Stop editing from this picture (Esc)"),
                                 self.tr("Remove reference picture"), self.removed)
        lay.addWidget(self.thumb)
        lay.addWidget(self.name)
        lay.addWidget(self.close)

    def set_reference(self, name: str, pixmap: QPixmap | None) -> None:
        metrics = self.name.fontMetrics()
        self.name.setText(metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, 170))
        self.name.setToolTip(name)
        self.thumb.setPixmap(pixmap if pixmap is not None else icon("photo").pixmap(26, 26))


class SearchBar(QWidget):
    """Search field with an optional reference chip (composed edit) and balance slider."""

    text_submitted = Signal(str)
    compose_submitted = Signal(str, object)  # the change in words, the balance (0..1) or None for the default
    reference_cleared = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.reference: tuple[int | str, float | None] | None = None
        self._balance_touched = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(6)

        self.box = QFrame(self)
        self.box.setObjectName("searchBox")
        row = QHBoxLayout(self.box)
        row.setContentsMargins(8, 2, 4, 2)
        row.setSpacing(6)
        glyph = IconView("search", 18, self.box)
        self.chip = ReferenceChip(self.box)
        self.chip.setVisible(False)
        self.chip.removed.connect(self.clear_reference)
        self.field = SearchField(self.box)
        self.field.setObjectName("searchField")
        self.field.setFrame(False)
        self.field.setClearButtonEnabled(True)
        self.field.setAccessibleName(self.tr("Search"))
        self.field.returnPressed.connect(self._submit)
        self.field.escape_pressed.connect(self._escape)
        row.addWidget(glyph)
        row.addWidget(self.chip)
        row.addWidget(self.field, 1)
        outer.addWidget(self.box)

        self.balance_row = QWidget(self)
        self.balance_row.setMaximumWidth(620)
        b = QHBoxLayout(self.balance_row)
        b.setContentsMargins(8, 0, 8, 0)
        self.picture_label = QLabel(self.tr("More like the picture"), self.balance_row)
        self.words_label = QLabel(self.tr("More like the words"), self.balance_row)
        self.balance = QSlider(Qt.Orientation.Horizontal, self.balance_row)
        self.balance.setRange(0, 100)
        self.balance.setValue(50)
        self.balance.setPageStep(10)
        self.balance.setMinimumWidth(280)
        self.balance.setAccessibleName(self.tr("Balance between the picture and the words"))
        self.balance.setToolTip(self.tr("How much the results follow the picture or the words"))
        self.balance.valueChanged.connect(self._balance_moved)
        self.balance.sliderReleased.connect(self._resubmit)
        b.addWidget(self.picture_label)
        b.addWidget(self.balance, 1)
        b.addWidget(self.words_label)
        self.balance_row.setVisible(False)
        outer.addWidget(self.balance_row, 0, Qt.AlignmentFlag.AlignLeft)
        self._placeholder()

    # ----- reference --------------------------------------------------------------------------

    def set_reference(self, target: int | str, name: str, pixmap: QPixmap | None, t_s: float | None = None) -> None:
        self.reference = (target, t_s)
        self._balance_touched = False
        self.balance.blockSignals(True)
        self.balance.setValue(50)
        self.balance.blockSignals(False)
        self.chip.set_reference(name, pixmap)
        self.chip.setVisible(True)
        self.balance_row.setVisible(True)
        self.field.clear()
        self._placeholder()
        self.field.setFocus()

    def clear_reference(self) -> None:
        if self.reference is None:
            return
        self.reference = None
        self.chip.setVisible(False)
        self.balance_row.setVisible(False)
        self._placeholder()
        self.reference_cleared.emit()

    def set_reference_pixmap(self, pixmap: QPixmap) -> None:
        self.chip.thumb.setPixmap(pixmap)

    @property
    def balance_value(self) -> float | None:
        """0 = only the picture, 1 = only the words; None until the user moves the slider."""
        return self.balance.value() / 100 if self._balance_touched else None

    # ----- internals --------------------------------------------------------------------------

    def _placeholder(self) -> None:
        if self.reference is None:
            self.field.setPlaceholderText(self.tr("Search your photos and videos — try “dog on a beach at sunset”"))
        else:
            self.field.setPlaceholderText(self.tr("Describe the change — e.g. “at night”, “in red”, “without people”"))

    def _submit(self) -> None:
        text = self.field.text().strip()
        if self.reference is not None:
            self.compose_submitted.emit(text, self.balance_value)
        elif text:
            self.text_submitted.emit(text)

    def _escape(self) -> None:
        if self.reference is not None:
            self.clear_reference()
        else:
            self.field.clear()

    def _balance_moved(self, _value: int) -> None:
        self._balance_touched = True
        if not self.balance.isSliderDown():
            self._resubmit()

    def _resubmit(self) -> None:
        if self.reference is not None and self.field.text().strip():
            self._submit()
