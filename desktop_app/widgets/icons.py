"""Line icons drawn from the SVGs in `resources/icons`, tinted with the current palette.

The SVGs say `currentColor`; this engine substitutes the palette's text colour
(or the disabled / highlighted one) at paint time, so one set of icons stays
legible in light and dark mode and follows a palette change without reloading.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QToolButton, QWidget

_folder: Path | None = None


def set_icon_folder(folder: Path) -> None:
    """Where the SVGs live (set once by `run()`)."""
    global _folder
    _folder = folder
    icon.cache_clear()


class TintedSvgEngine(QIconEngine):
    """Renders one SVG in the palette colour for the icon's mode."""

    def __init__(self, svg: bytes, color: QColor | None = None):
        super().__init__()
        self._svg = svg
        self._color = color
        self._renderers: dict[int, QSvgRenderer] = {}

    def _colour(self, mode: QIcon.Mode) -> QColor:
        if self._color is not None:
            c = QColor(self._color)
            if mode == QIcon.Mode.Disabled:
                c.setAlphaF(0.4)
            return c
        pal = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            return pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
        if mode == QIcon.Mode.Selected:
            return pal.color(QPalette.ColorRole.HighlightedText)
        return pal.color(QPalette.ColorRole.ButtonText)

    def _renderer(self, colour: QColor) -> QSvgRenderer:
        key = colour.rgba()
        r = self._renderers.get(key)
        if r is None:
            name = colour.name(QColor.NameFormat.HexRgb)
            data = self._svg.replace(b"currentColor", name.encode())
            if colour.alpha() < 255:
                data = data.replace(b"<svg ", f'<svg opacity="{colour.alphaF():.2f}" '.encode(), 1)
            r = self._renderers[key] = QSvgRenderer(QByteArray(data))
        return r

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer(self._colour(mode)).render(painter, rect)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        pm = QPixmap(size * scale)
        pm.fill(Qt.GlobalColor.transparent)
        pm.setDevicePixelRatio(scale)
        p = QPainter(pm)
        self.paint(p, QRect(QPoint(0, 0), size), mode, state)
        p.end()
        return pm

    def clone(self) -> QIconEngine:
        return TintedSvgEngine(self._svg, self._color)


@cache
def icon(name: str, color: str | None = None) -> QIcon:
    """The named icon (`resources/icons/NAME.svg`); `color` fixes a colour instead of the palette's."""
    if _folder is None:
        return QIcon()
    path = _folder / f"{name}.svg"
    if not path.exists():
        return QIcon()
    if name == "medialens":
        return QIcon(str(path))
    return QIcon(TintedSvgEngine(path.read_bytes(), QColor(color) if color else None))


def tool_button(parent: QWidget, glyph: str, side: int, tip: str, name: str | None = None, slot=None) -> QToolButton:
    """A flat icon button with its tooltip and accessible name (`tip` when `name` is not given)."""
    b = QToolButton(parent)
    b.setIcon(icon(glyph))
    b.setIconSize(QSize(side, side))
    b.setAutoRaise(True)
    b.setToolTip(tip)
    b.setAccessibleName(name or tip)
    if slot is not None:
        b.clicked.connect(slot)
    return b


class IconView(QWidget):
    """An icon drawn at paint time, so it follows palette changes (a QLabel's pixmap would not)."""

    def __init__(self, name: str, side: int = 18, parent: QWidget | None = None):
        super().__init__(parent)
        self.name = name
        self.setFixedSize(side, side)

    def set_name(self, name: str) -> None:
        self.name = name
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        icon(self.name).paint(p, self.rect())
