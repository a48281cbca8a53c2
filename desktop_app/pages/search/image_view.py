"""The large picture in the preview pane, with the region tool and the "explain" overlay.

The picture is shown fitted to the pane. In region mode a drag draws a box;
on release the box is converted to the original file's pixels (the catalog's
upright width and height), which is what the engine's region search takes.
The explain overlay draws the engine's heatmap over the picture and outlines
the box it found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

#: heatmap colours from cold to hot: clear blue, cyan, warm yellow, red (RGBA)
_STOPS = ((40, 60, 200, 0), (40, 160, 220, 110), (250, 200, 60, 170), (240, 70, 40, 210))


def heatmap_image(heat: np.ndarray) -> QImage:
    """A 2D array (any range) as a translucent colour image; built on a worker thread.

    numpy is imported here, not at module level: the window must not pay for it at start-up.
    """
    import numpy as np

    stops = np.array(_STOPS, np.float32)
    h = np.asarray(heat, dtype=np.float32)
    lo, hi = float(np.nanmin(h)), float(np.nanmax(h))
    t = np.zeros_like(h) if hi <= lo else (h - lo) / (hi - lo)
    pos = np.clip(np.nan_to_num(t), 0, 1) * (len(stops) - 1)
    i = np.minimum(pos.astype(np.int32), len(stops) - 2)
    f = (pos - i)[..., None]
    rgba = (stops[i] * (1 - f) + stops[i + 1] * f).astype(np.uint8)
    rgba = np.ascontiguousarray(rgba)
    img = QImage(rgba.data, rgba.shape[1], rgba.shape[0], rgba.shape[1] * 4, QImage.Format.Format_RGBA8888)
    return img.copy()  # own the pixels: the array goes away


class ImageCanvas(QWidget):
    """Shows one picture fitted to the widget; draws region boxes and explanations over it."""

    region_selected = Signal(object)  # (x0, y0, x1, y1) in the original's pixels

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 160)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.image: QImage | None = None
        self.original = QSize()
        self.region_mode = False
        self._drag_from: QPointF | None = None
        self._drag_to: QPointF | None = None
        self.region: tuple[int, int, int, int] | None = None
        self.heat: QImage | None = None
        self.explain_box: tuple[int, int, int, int] | None = None
        self.faces: list[tuple[tuple[int, int, int, int], str]] = []  # (box, name or "") on the picture
        self.message = ""

    def set_image(self, image: QImage | None, original: QSize) -> None:
        self.image = image
        self.original = original if original.isValid() else (image.size() if image is not None else QSize())
        self.region = None
        self.faces = []
        self.clear_explanation()
        self.update()

    def set_faces(self, faces: list[tuple[tuple[int, int, int, int], str]]) -> None:
        """Face boxes (original pixels) with their person's name ("" for a face not named yet)."""
        self.faces = faces
        self.update()

    def set_message(self, text: str) -> None:
        self.message = text
        self.update()

    def set_region_mode(self, on: bool) -> None:
        self.region_mode = on
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        if not on:
            self._drag_from = self._drag_to = None
        self.update()

    def set_explanation(self, heat: QImage | None, box: tuple[int, int, int, int] | None) -> None:
        self.heat, self.explain_box = heat, box
        self.update()

    def clear_explanation(self) -> None:
        self.set_explanation(None, None)

    # ----- geometry ---------------------------------------------------------------------------

    def image_rect(self) -> QRectF:
        """Where the picture is drawn: fitted, centred across and at the top, never upscaled past 2×."""
        if self.image is None or self.image.isNull():
            return QRectF()
        src = _extent(self.original if self.original.isValid() else self.image.size())
        avail = QRectF(self.rect()).adjusted(0, 4, 0, -4)
        scale = min(avail.width() / src[0], avail.height() / src[1])
        scale = min(scale, 2.0 * max(1.0, self.image.width() / src[0]))
        w, h = src[0] * scale, src[1] * scale
        return QRectF(avail.center().x() - w / 2, avail.top(), w, h)

    def _to_original(self, p: QPointF) -> QPointF:
        r = self.image_rect()
        x = (p.x() - r.left()) / r.width() * self.original.width()
        y = (p.y() - r.top()) / r.height() * self.original.height()
        return QPointF(min(max(x, 0), self.original.width()), min(max(y, 0), self.original.height()))

    def _from_original(self, box: tuple[int, int, int, int]) -> QRectF:
        r = self.image_rect()
        sx, sy = r.width() / self.original.width(), r.height() / self.original.height()
        x0, y0, x1, y1 = box
        return QRectF(r.left() + x0 * sx, r.top() + y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy)

    # ----- events -----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.region_mode and event.button() == Qt.MouseButton.LeftButton and self.image is not None:
            self._drag_from = self._drag_to = event.position()
            self.update()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._drag_to = event.position()
            self.update()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is None or self._drag_to is None:
            return super().mouseReleaseEvent(event)
        a, b = self._to_original(self._drag_from), self._to_original(event.position())
        self._drag_from = self._drag_to = None
        x0, x1 = sorted((round(a.x()), round(b.x())))
        y0, y1 = sorted((round(a.y()), round(b.y())))
        if x1 - x0 >= 8 and y1 - y0 >= 8:
            self.select_region((x0, y0, x1, y1))
        self.update()
        return None

    def select_region(self, box: tuple[int, int, int, int]) -> None:
        """Show `box` (original pixels) as the chosen region and ask for a region search."""
        self.region = box
        self.update()
        self.region_selected.emit(box)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        if self.image is None or self.image.isNull():
            p.setPen(pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
            return
        r = self.image_rect()
        p.drawImage(r, self.image)
        if self.heat is not None:
            p.setOpacity(0.85)
            p.drawImage(r, self.heat)
            p.setOpacity(1.0)
        hl = pal.color(QPalette.ColorRole.Highlight)
        for box, name in self.faces:
            rect = self._from_original(box)
            _outlined(p, rect, QColor("#7fd6ff"))
            if name:
                _label(p, rect, name)
        if self.explain_box is not None:
            _outlined(p, self._from_original(self.explain_box), QColor("#ffd24a"))
        if self._drag_from is not None and self._drag_to is not None:
            drag = QRectF(self._drag_from, self._drag_to).normalized().intersected(r)
            _shade_outside(p, r, drag)
            _outlined(p, drag, hl, dashed=True)
        elif self.region is not None:
            box = self._from_original(self.region)
            _shade_outside(p, r, box)
            _outlined(p, box, hl)


def _extent(size: QSize) -> tuple[float, float]:
    return float(max(1, size.width())), float(max(1, size.height()))


def _outlined(p: QPainter, rect: QRectF, colour: QColor, dashed: bool = False) -> None:
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(QColor(0, 0, 0, 140), 4))
    p.drawRect(rect)
    pen = QPen(colour, 2, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
    p.setPen(pen)
    p.drawRect(rect)


def _label(p: QPainter, rect: QRectF, text: str) -> None:
    """A name under a face box, on a dark band so it reads on any picture."""
    metrics = p.fontMetrics()
    band = QRectF(rect.left(), rect.bottom() + 2, metrics.horizontalAdvance(text) + 10, metrics.height() + 4)
    p.fillRect(band, QColor(0, 0, 0, 170))
    p.setPen(QColor("white"))
    p.drawText(band, Qt.AlignmentFlag.AlignCenter, text)


def _shade_outside(p: QPainter, outer: QRectF, inner: QRectF) -> None:
    shade = QColor(0, 0, 0, 90)
    o, i = outer, inner
    for part in (QRectF(o.left(), o.top(), o.width(), i.top() - o.top()),
                 QRectF(o.left(), i.bottom(), o.width(), o.bottom() - i.bottom()),
                 QRectF(o.left(), i.top(), i.left() - o.left(), i.height()),
                 QRectF(i.right(), i.top(), o.right() - i.right(), i.height())):
        if part.width() > 0 and part.height() > 0:
            p.fillRect(part, shade)
