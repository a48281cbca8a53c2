"""Follow the system's light or dark appearance.

Qt takes the palette from the platform (Windows, macOS, and Linux desktops
through their portal or theme plugin). Where the platform reports a dark
scheme but hands over a light palette (bare X11 sessions, some window
managers), a dark Fusion palette is supplied instead. The style sheet only
adds shapes and refers to palette roles, so it follows along.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


def dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor("#202124"), QColor("#17181a"), QColor("#e8eaed")
    disabled = QColor("#7b7f86")
    roles = {
        QPalette.ColorRole.Window: window, QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base, QPalette.ColorRole.AlternateBase: QColor("#2a2b2f"),
        QPalette.ColorRole.Text: text, QPalette.ColorRole.Button: QColor("#2d2e32"),
        QPalette.ColorRole.ButtonText: text, QPalette.ColorRole.BrightText: QColor("#ffffff"),
        QPalette.ColorRole.Highlight: QColor("#4a8fe0"), QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Link: QColor("#8ab4f8"), QPalette.ColorRole.ToolTipBase: QColor("#2d2e32"),
        QPalette.ColorRole.ToolTipText: text, QPalette.ColorRole.PlaceholderText: QColor("#9aa0a6"),
        QPalette.ColorRole.Light: QColor("#4a4c52"), QPalette.ColorRole.Midlight: QColor("#36383c"),
        QPalette.ColorRole.Mid: QColor("#55585e"), QPalette.ColorRole.Dark: QColor("#121314"),
        QPalette.ColorRole.Shadow: QColor("#000000"),
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def _is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def apply_scheme(app: QApplication, scheme: Qt.ColorScheme | None = None) -> None:
    """Use the platform palette, or a dark one where the platform asks for dark but gives light."""
    scheme = scheme if scheme is not None else app.styleHints().colorScheme()
    platform = app.style().standardPalette()
    if scheme == Qt.ColorScheme.Dark and not _is_dark(platform):
        app.setPalette(dark_palette())
    elif scheme == Qt.ColorScheme.Light and _is_dark(app.palette()) and not _is_dark(platform):
        app.setPalette(platform)
    # Widgets a style sheet rule matches keep the palette of their last polish: polish them again.
    app.setStyleSheet(app.styleSheet())


def install(app: QApplication, resources: Path) -> None:
    """Style sheet plus scheme tracking; called once by `run()`."""
    qss = resources / "style" / "medialens.qss"
    if qss.is_file():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    apply_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda scheme: apply_scheme(app, scheme))
