"""One way to make the window's actions, the buttons that show them, and menus of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from desktop_app.widgets.icons import icon


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


def action_button(parent: QWidget, action: QAction, icon_side: int | None = None,
                  text_beside: bool = False) -> QToolButton:
    """A flat button for `action` (it follows the action's text, icon, tooltip and state)."""
    b = QToolButton(parent)
    b.setDefaultAction(action)
    b.setAutoRaise(True)
    if icon_side is not None:
        b.setIconSize(QSize(icon_side, icon_side))
    if text_beside:
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    return b


def fill_menu(menu: QMenu, actions: Iterable[QAction | None]) -> QMenu:
    """Add `actions` to `menu`, a separator for each None."""
    for a in actions:
        if a is None:
            menu.addSeparator()
        else:
            menu.addAction(a)
    return menu
