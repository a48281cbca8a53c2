"""Paints one result cell: the thumbnail cropped to a square, a video moment's time badge, marks.

It paints a `ResultsModel`'s rows, reading each row's `Cell` in one call (cheaper than role by role).

Everything is drawn from model roles and the palette, so cells follow light
and dark mode, and painting never loads anything: a cell whose thumbnail is not
in memory yet shows a quiet placeholder and is repainted when it arrives.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPalette, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop_app.pages.search.results import Cell
from desktop_app.widgets.icons import icon
from desktop_app.workers.thumbnails import CORNER_RADIUS as RADIUS

MARGIN = 4
RELEVANT = QColor("#2e9d5b")
NOT_RELEVANT = QColor("#d0453b")


class ResultDelegate(QStyledItemDelegate):
    """Square thumbnail cells of a fixed, view-chosen size."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cell = 176
        self._placeholders: dict[tuple, QPixmap] = {}

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(self.cell, self.cell)

    def _placeholder(self, name: str, size: QSize, dpr: float, fill: QColor) -> QPixmap:
        """A cell waiting for its picture, drawn once per icon, size and colour: scrolling a big library
        paints dozens a frame, and drawing the SVG icon and the rounded fill each time took 0.5 ms a cell."""
        key = (name, size.width(), size.height(), dpr, fill.rgba())
        pm = self._placeholders.get(key)
        if pm is None:
            pm = QPixmap(size * dpr)
            pm.setDevicePixelRatio(dpr)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            frame = QRectF(0, 0, size.width(), size.height())
            path = QPainterPath()
            path.addRoundedRect(frame, RADIUS, RADIUS)
            p.fillPath(path, fill)
            if name:
                side = int(min(size.width(), size.height()) * 0.28)
                mark = QRect(0, 0, side, side)
                mark.moveCenter(frame.center().toPoint())
                p.setOpacity(0.35)
                icon(name).paint(p, mark)
            p.end()
            if len(self._placeholders) > 64:  # sizes of zooms and screens gone by
                self._placeholders.clear()
            self._placeholders[key] = pm
        return pm

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        pal: QPalette = option.palette
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        focused = bool(state & QStyle.StateFlag.State_HasFocus)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        r = QRectF(option.rect).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)

        cell: Cell = index.model().cell(index.row())
        pm, kind = cell.pixmap, cell.kind
        if pm is None or pm.isNull():
            # loaded, its thumbnail on the way (what it is, faintly); a row not loaded yet is the quiet fill alone
            name = ("warning" if cell.thumb_failed else "video" if kind == "video" else "photo") if kind else ""
            pm = self._placeholder(name, r.size().toSize(), painter.device().devicePixelRatioF(),
                                   pal.color(QPalette.ColorRole.AlternateBase).darker(104))
        # already square, rounded and of the cell's size (see ThumbnailLoader, `_placeholder`): a plain copy
        painter.drawPixmap(r, pm, QRectF(pm.rect()))

        if kind == "video":
            self._badge(painter, r, cell.span, option.font)
        if cell.mark is not None:
            self._mark(painter, r, cell.mark)

        if selected or focused or hovered:
            hl = pal.color(QPalette.ColorRole.Highlight)
            if selected:
                tint = QColor(hl)
                tint.setAlpha(50)
                clip = QPainterPath()
                clip.addRoundedRect(r, RADIUS, RADIUS)
                painter.fillPath(clip, tint)
                painter.setPen(QPen(hl, 3))
            elif focused:
                painter.setPen(QPen(hl, 2))
            else:
                painter.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            inset = 1.5 if selected else 1.0
            painter.drawRoundedRect(r.adjusted(inset, inset, -inset, -inset), RADIUS - 1, RADIUS - 1)
        painter.restore()

    @staticmethod
    def _badge(painter: QPainter, r: QRectF, text: str, base: QFont) -> None:
        """A dark pill with a play triangle and the moment's span, bottom left."""
        font = QFont(base)
        font.setPointSizeF(max(7.0, base.pointSizeF() * 0.85))
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        fm = painter.fontMetrics()
        h = fm.height() + 4
        tri = h * 0.45
        w = fm.horizontalAdvance(text) + tri + 16 if text else tri + 12
        pill = QRectF(r.left() + 6, r.bottom() - h - 6, min(w, r.width() - 12), h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 165))
        painter.drawRoundedRect(pill, h / 2, h / 2)
        cx, cy = pill.left() + 6 + tri / 2, pill.center().y()
        painter.setBrush(QColor("white"))
        painter.drawPolygon(QPolygonF([QPointF(cx - tri / 2.4, cy - tri / 2), QPointF(cx - tri / 2.4, cy + tri / 2),
                                       QPointF(cx + tri / 2, cy)]))
        if text:
            painter.setPen(QColor("white"))
            painter.drawText(pill.adjusted(tri + 10, 0, -6, 0), Qt.AlignmentFlag.AlignVCenter, text)

    @staticmethod
    def _mark(painter: QPainter, r: QRectF, relevant: bool) -> None:
        """A green tick or a red cross in a white-ringed disc, top right."""
        d = max(18.0, min(26.0, r.width() * 0.15))
        disc = QRectF(r.right() - d - 6, r.top() + 6, d, d)
        painter.setPen(QPen(QColor("white"), 2))
        painter.setBrush(RELEVANT if relevant else NOT_RELEVANT)
        painter.drawEllipse(disc)
        painter.setPen(QPen(QColor("white"), 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
        c, s = disc.center(), d * 0.22
        if relevant:
            painter.drawPolyline(QPolygonF([QPointF(c.x() - s, c.y()), QPointF(c.x() - s * 0.25, c.y() + s * 0.75),
                                            QPointF(c.x() + s, c.y() - s * 0.7)]))
        else:
            painter.drawLine(QPointF(c.x() - s, c.y() - s), QPointF(c.x() + s, c.y() + s))
            painter.drawLine(QPointF(c.x() - s, c.y() + s), QPointF(c.x() + s, c.y() - s))
