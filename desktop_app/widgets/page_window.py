"""A page in a window of its own: the page's title, the page, and a Close button after the page's own buttons.

Pages (`desktop_app/pages/`) are plain widgets that own their actions and slots; where one is shown is the
window's choice: the first-run page sits in the main window's stack, the Duplicates page opens beside the
search page in one of these, so the user can search and look at copies at once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QDialog, QHBoxLayout, QPushButton, QStyle, QVBoxLayout, QWidget


class PageWindow(QDialog):
    """Shows `page` until closed (Close, Esc or the title bar); the window and its page go together.

    `actions_row`, the page's row of buttons if it has one, gets Close at its end (one row of buttons);
    otherwise Close sits alone under the page, on the right.
    """

    def __init__(self, page: QWidget, parent: QWidget | None = None, actions_row: QBoxLayout | None = None,
                 size: tuple[int, int] = (900, 560)):
        super().__init__(parent)
        self.page = page
        self.setWindowTitle(page.windowTitle())
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(*size)
        self.close_button = QPushButton(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogCloseButton),
                                        self.tr("Close"), self)
        self.close_button.clicked.connect(self.reject)
        self.close_button.setAutoDefault(False)  # Enter stays the page's (e.g. naming a person), never closes
        lay = QVBoxLayout(self)
        lay.addWidget(page, 1)
        if actions_row is None:
            actions_row = QHBoxLayout()
            actions_row.addStretch(1)
            lay.addLayout(actions_row)
        actions_row.addWidget(self.close_button)
