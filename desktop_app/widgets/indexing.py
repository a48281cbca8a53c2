"""Indexing in the status bar: live progress, pause/resume, cancel, and the failures link.

Fed by `LibraryHost.indexing_progress` (copies of the engine's `Progress`), it
shows files and video seconds done, the rate and the time left, in one quiet
line beside a thin progress bar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from desktop_app.widgets import formatting as fmt
from desktop_app.widgets.icons import icon, tool_button

if TYPE_CHECKING:  # pragma: no cover
    from core.library import Progress


class IndexStatus(QWidget):
    pause_clicked = Signal()
    resume_clicked = Signal()
    cancel_clicked = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.paused = False
        self.last: Progress | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("indexProgress")
        self.bar.setFixedWidth(140)
        self.bar.setFixedHeight(8)
        self.bar.setTextVisible(False)
        self.label = QLabel(self)
        self.pause_button = QToolButton(self)
        self.pause_button.setAutoRaise(True)
        self.pause_button.setIconSize(QSize(16, 16))
        self.pause_button.clicked.connect(self._pause_or_resume)
        self.cancel_button = tool_button(self, "stop", 16, self.tr("Stop indexing (everything indexed so far is kept)"),
                                         self.tr("Stop indexing"), self._cancel)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.pause_button)
        lay.addWidget(self.cancel_button)
        self._show_paused(False)
        self.setVisible(False)

    def start(self) -> None:
        self.last = None
        self.bar.setRange(0, 0)
        self.label.setText(self.tr("Looking for photos and videos…"))
        self.cancel_button.setEnabled(True)
        self._show_paused(False)
        self.setVisible(True)

    def finish(self) -> None:
        self.setVisible(False)

    def set_paused(self, paused: bool) -> None:
        self._show_paused(paused)
        if self.last is not None:
            self.update_progress(self.last)

    def update_progress(self, p: Progress) -> None:
        self.last = p
        if p.phase == "scan":
            self.bar.setRange(0, 0)
            self.label.setText(self.tr("Looking for photos and videos… %1 found").replace("%1", fmt.count(p.found)))
            return
        if p.phase == "plan" or p.files_total == 0:
            self.bar.setRange(0, 0)
            self.label.setText(self.tr("Checking what changed…"))
            return
        self.bar.setRange(0, p.files_total)
        self.bar.setValue(p.files_done)
        parts = [self.tr("%1 of %2 files").replace("%1", fmt.count(p.files_done)).replace("%2",
                                                                                         fmt.count(p.files_total))]
        if p.video_s_total or p.video_s_done:
            video = fmt.clock(p.video_s_done)
            if p.video_s_total:
                video = self.tr("%1 of %2 of video").replace("%1", video).replace("%2", fmt.clock(p.video_s_total))
            else:
                video = self.tr("%1 of video").replace("%1", video)
            parts.append(video)
        if self.paused:
            parts.insert(0, self.tr("Paused"))
        else:
            if p.rate_files_s > 0:
                parts.append(self.tr("%1 files/s").replace("%1", f"{p.rate_files_s:.1f}"))
            if p.eta_s is not None:
                parts.append(self.tr("about %1 left").replace("%1", fmt.duration(p.eta_s)))
        if p.failed:
            parts.append(self.tr("%n failed", "", p.failed))
        self.label.setText(" · ".join(parts))

    def _show_paused(self, paused: bool) -> None:
        self.paused = paused
        self.pause_button.setIcon(icon("play" if paused else "pause"))
        tip = self.tr("Resume indexing") if paused else self.tr("Pause indexing")
        self.pause_button.setToolTip(tip)
        self.pause_button.setAccessibleName(tip)

    def _pause_or_resume(self) -> None:
        (self.resume_clicked if self.paused else self.pause_clicked).emit()

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText(self.tr("Stopping…"))
        self.cancel_clicked.emit()
