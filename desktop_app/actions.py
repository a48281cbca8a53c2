"""One way to make the window's actions, shared by the window and the results controller."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from desktop_app.icons import icon


def make_action(parent: QObject, name: str, text: str, slot: Callable, shortcut: QKeySequence | str | None = None,
                glyph: str | None = None, local: bool = False) -> QAction:
    """An action with its object name (for tests and style sheets), icon and shortcut.

    `local`: a single-key shortcut that only works while a widget the action is added
    to (the grid, the preview) has focus, never while the user types in the search field.
    """
    a = QAction(text, parent)
    a.setObjectName(name)
    if glyph:
        a.setIcon(icon(glyph))
    if shortcut is not None:
        a.setShortcut(QKeySequence(shortcut))
    if local:
        a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    a.triggered.connect(slot)
    return a


def fill_menu(menu: QMenu, actions: Iterable[QAction | None]) -> QMenu:
    """Add `actions` to `menu`, a separator for each None."""
    for a in actions:
        if a is None:
            menu.addSeparator()
        else:
            menu.addAction(a)
    return menu
