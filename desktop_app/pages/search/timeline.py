"""The video timeline: every matched moment of the video, the similarity curve, the playhead.

Painted, not built from widgets: a track with the frame-similarity curve as a
soft area, the matched moments as highlighted spans (the current one
strongest) coloured by the expert that found them (`EXPERT_COLOURS`: the frames in
the palette's highlight, on-screen text, subtitles and speech each their own hue,
named under the track), and the playhead. Click or drag to seek; with keyboard focus,
Left/Right step five seconds and Home/End jump to the ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.widgets import formatting as fmt

if TYPE_CHECKING:  # pragma: no cover
    from core.library import Hit


#: Moments found by the words on screen, in subtitles or said: their own colours (frames: the highlight).
EXPERT_COLOURS = {"ocr": "#e08a00", "subtitle": "#0e9aa7", "speech": "#8e44ad"}


def expert_of(moment: Hit) -> str:
    """Which expert found a moment: "frames", or the text expert ("ocr", "subtitle", "speech")."""
    return moment.extra.get("text", {}).get("expert", "frames")


class MomentTimeline(QWidget):
    seek_requested = Signal(float)  # seconds

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(self.tr("Timeline"))
        self.duration_s = 0.0
        self.position_s = 0.0
        self.moments: list[Hit] = []  # video moments: hits with start_s and end_s
        self.current = -1
        self.curve: tuple[list[float], list[float]] | None = None

    def sizeHint(self) -> QSize:
        return QSize(400, 56)

    def set_data(self, duration_s: float, moments: list[Hit],
                 curve: tuple[list[float], list[float]] | None = None) -> None:
        self.duration_s = max(duration_s, max((m.end_s for m in moments), default=0.0))
        self.moments = sorted(moments, key=lambda m: m.start_s)
        self.curve = curve
        self.update()

    def set_duration(self, duration_s: float) -> None:
        if duration_s > 0 and abs(duration_s - self.duration_s) > 0.01:
            self.duration_s = max(duration_s, max((m.end_s for m in self.moments), default=0.0))
            self.update()

    def set_position(self, seconds: float) -> None:
        self.position_s = seconds
        self.current = next((i for i, m in enumerate(self.moments) if m.start_s - 0.05 <= seconds <= m.end_s + 0.05),
                            self.current if self.current < len(self.moments) else -1)
        self.setAccessibleDescription(fmt.clock(seconds))
        self.update()

    # ----- geometry ---------------------------------------------------------------------------

    def _track(self) -> QRectF:
        fm = self.fontMetrics()
        return QRectF(6, 4, self.width() - 12, self.height() - fm.height() - 10)

    def _x(self, seconds: float) -> float:
        t = self._track()
        return t.left() + (seconds / self.duration_s if self.duration_s > 0 else 0) * t.width()

    def _seconds_at(self, x: float) -> float:
        t = self._track()
        frac = (x - t.left()) / t.width() if t.width() > 0 else 0
        return min(max(frac, 0.0), 1.0) * self.duration_s

    # ----- events -----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.duration_s > 0:
            self.seek_requested.emit(self._seconds_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self.duration_s > 0:
            self.seek_requested.emit(self._seconds_at(event.position().x()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = {Qt.Key.Key_Left: -5.0, Qt.Key.Key_Right: 5.0}.get(Qt.Key(event.key()))
        if step is not None:
            self.seek_requested.emit(min(max(self.position_s + step, 0.0), self.duration_s))
        elif event.key() == Qt.Key.Key_Home:
            self.seek_requested.emit(0.0)
        elif event.key() == Qt.Key.Key_End:
            self.seek_requested.emit(self.duration_s)
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        track = self._track()
        hl = pal.color(QPalette.ColorRole.Highlight)
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.WindowText)
        groove = QColor(text)
        groove.setAlpha(28)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(groove)
        p.drawRoundedRect(track, 4, 4)
        if self.duration_s > 0:
            self._paint_curve(p, track, hl)
            for i, m in enumerate(self.moments):
                span = QRectF(self._x(m.start_s), track.top(), max(3.0, self._x(m.end_s) - self._x(m.start_s)),
                              track.height())
                c = QColor(EXPERT_COLOURS.get(expert_of(m), hl))
                c.setAlpha(255 if i == self.current else 150)
                p.setBrush(c)
                p.drawRoundedRect(span, 3, 3)
            x = self._x(self.position_s)
            p.setPen(QPen(text, 2))
            p.drawLine(QPointF(x, track.top() - 2), QPointF(x, track.bottom() + 2))
            p.setPen(QPen(text, 1.5))
            p.setBrush(base)
            p.drawEllipse(QPointF(x, track.top() - 1), 4, 4)
        if self.hasFocus():
            p.setPen(QPen(hl, 1.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(track.adjusted(-2, -2, 2, 2), 5, 5)
        p.setPen(pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText))
        label = QRectF(track.left(), track.bottom() + 3, track.width(), self.fontMetrics().height())
        p.drawText(label, Qt.AlignmentFlag.AlignLeft, "0:00")
        p.drawText(label, Qt.AlignmentFlag.AlignRight, fmt.clock(self.duration_s))
        if self.moments:
            names = {"frames": self.tr("seen"), "ocr": self.tr("written"), "subtitle": self.tr("subtitled"),
                     "speech": self.tr("said")}
            found = []
            for m in self.moments:
                if names[expert_of(m)] not in found:
                    found.append(names[expert_of(m)])
            p.drawText(label, Qt.AlignmentFlag.AlignHCenter,
                       self.tr("%n matching moment(s)", "", len(self.moments)) + ": " + ", ".join(found))

    def _paint_curve(self, p: QPainter, track: QRectF, colour: QColor) -> None:
        if not self.curve or len(self.curve[0]) < 2:
            return
        times, scores = self.curve
        lo, hi = min(scores), max(scores)
        spread = (hi - lo) or 1.0
        path = QPainterPath(QPointF(self._x(times[0]), track.bottom()))
        for t, s in zip(times, scores, strict=True):
            path.lineTo(QPointF(self._x(t), track.bottom() - (s - lo) / spread * track.height() * 0.9))
        path.lineTo(QPointF(self._x(times[-1]), track.bottom()))
        path.closeSubpath()
        fill = QColor(colour)
        fill.setAlpha(60)
        p.setBrush(fill)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawPath(path)
