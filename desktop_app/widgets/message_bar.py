"""A non-modal message strip at the top of the window, for errors and notices.

Errors from workers land here as one readable line (the engine's
`MediaLensError` text) instead of a modal dialog or a traceback; the window
keeps working underneath. Notices hide themselves; errors stay until closed
or replaced.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.widgets.icons import IconView, tool_button


class MessageBar(QFrame):
    """One message at a time, with an optional action button."""

    ERROR, INFO = "error", "info"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setFrameShape(QFrame.Shape.NoFrame)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 6, 6, 6)
        lay.setSpacing(8)
        self._icon = IconView("info", 18, self)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QPushButton(self)
        self.action.setVisible(False)
        self._close = tool_button(self, "close", 14, self.tr("Dismiss"), self.tr("Dismiss message"), self.dismiss)
        lay.addWidget(self._icon)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.action)
        lay.addWidget(self._close)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self._callback: Callable[[], None] | None = None
        self.action.clicked.connect(self._run_action)
        self.setVisible(False)

    def show_message(self, text: str, kind: str = ERROR, action: tuple[str, Callable[[], None]] | None = None,
                     timeout_ms: int | None = None) -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self._icon.set_name("warning" if kind == self.ERROR else "info")
        self.text.setText(text)
        self._callback = action[1] if action else None
        self.action.setVisible(action is not None)
        if action:
            self.action.setText(action[0])
        self.setVisible(True)
        if timeout_ms is None and kind == self.INFO:
            timeout_ms = 6000
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()

    def dismiss(self) -> None:
        self._timer.stop()
        self.setVisible(False)

    def _run_action(self) -> None:
        callback = self._callback
        self.dismiss()
        if callback is not None:
            callback()
