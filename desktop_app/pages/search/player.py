"""The embedded video player (QtMultimedia), opened at a moment, with moment navigation.

`open_at()` loads a video (or reuses the loaded one) and seeks to the
moment's start as soon as the media can seek; the player stays paused there
so the matched frame is on screen. Previous/next jump between the matched
moments on the timeline; Space plays and pauses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from desktop_app.pages.search.timeline import MomentTimeline
from desktop_app.pages.search.transcript import TranscriptView
from desktop_app.widgets import formatting as fmt
from desktop_app.widgets.icons import icon, tool_button

if TYPE_CHECKING:  # pragma: no cover
    from core.library import Hit

#: a "previous" press this close after a moment's start goes to the moment before it, like media players do
RESTART_WINDOW_S = 1.5


def settle_disconnect_notify(obj: QObject) -> None:
    """Make `obj`'s C++ `disconnectNotify` answer without the GIL from any thread, for good.

    A QObject made from Python is a Shiboken wrapper: each of its C++ virtuals
    first asks Python whether a subclass overrides it, taking the GIL, and
    remembers "no override" per object only after that first answer. QtMultimedia's
    FFmpeg back end connects its audio renderer (living on the audio thread) to
    the QAudioOutput's signals, and destroys the renderer on that thread when
    playback stops or the source changes. `QObject::~QObject` calls the sender's
    `disconnectNotify` while it holds the renderer's signal-slot mutex, so the
    first such call waited for the GIL with that mutex held, while the main thread,
    holding the GIL inside `QMediaPlayer.stop()`/`setSource()`, waited for the same
    mutex in `QObject::disconnect`: the window froze for good (issue 25, seen once
    per player, on the first stop after a video with sound). One disconnect here, on
    the GUI thread, answers the question before any audio thread exists
    (checked under gdb: no thread but the main one takes the GIL afterwards).
    """
    obj.destroyed.connect(_never_called)
    obj.destroyed.disconnect(_never_called)


def _never_called(*_args) -> None:
    """The slot `settle_disconnect_notify` connects and disconnects at once."""


class VideoPlayer(QWidget):
    position_changed = Signal(float)  # seconds

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.path: str | None = None
        self._pending_seek: float | None = None
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.audio.setVolume(0.8)
        settle_disconnect_notify(self.audio)
        self.player.setAudioOutput(self.audio)
        self.video = QVideoWidget(self)
        self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.video.setMinimumHeight(160)
        self.video.setAccessibleName(self.tr("Video"))
        self.player.setVideoOutput(self.video)
        self.timeline = MomentTimeline(self)
        self.timeline.seek_requested.connect(self.seek)
        self.transcript = TranscriptView(self)
        self.transcript.seek_requested.connect(self.seek)
        self.transcript.setVisible(False)
        self.transcript.setMinimumWidth(180)

        self.prev_button = self._button("previous", self.tr("Previous moment ([)"), self.previous_moment)
        self.play_button = self._button("play", self.tr("Play (Space)"), self.toggle_play)
        self.next_button = self._button("next", self.tr("Next moment (])"), self.next_moment)
        self.mute_button = self._button("volume", self.tr("Mute"), self._toggle_mute)
        self.mute_button.setCheckable(True)
        self.time_label = QLabel("0:00", self)
        self.moment_label = QLabel(self)
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        for w in (self.prev_button, self.play_button, self.next_button):
            controls.addWidget(w)
        controls.addSpacing(8)
        controls.addWidget(self.time_label)
        controls.addStretch(1)
        controls.addWidget(self.moment_label)
        controls.addWidget(self.mute_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        screen = QHBoxLayout()
        screen.setContentsMargins(0, 0, 0, 0)
        screen.addWidget(self.video, 3)
        screen.addWidget(self.transcript, 1)
        lay.addLayout(screen, 1)
        lay.addWidget(self.timeline)
        lay.addLayout(controls)

        self.player.mediaStatusChanged.connect(self._status_changed)
        self.player.positionChanged.connect(self._position_changed)
        self.player.durationChanged.connect(lambda ms: self.timeline.set_duration(ms / 1000))
        self.player.playbackStateChanged.connect(self._state_changed)

    def _button(self, name: str, tip: str, slot) -> QToolButton:
        return tool_button(self, name, 20, tip, slot=slot)

    # ----- opening and seeking ----------------------------------------------------------------

    def open_at(self, path: str, start_s: float, moments: list[Hit], duration_s: float | None = None,
                curve: tuple[list[float], list[float]] | None = None) -> None:
        """Show `path` paused at `start_s`, with `moments` marked on the timeline."""
        self.timeline.set_data(duration_s or 0.0, moments, curve)
        self._update_moment_label()
        if path != self.path:
            self.transcript.set_lines([])
            self.path = path
            self.player.stop()
            self._pending_seek = start_s
            self.player.setSource(QUrl.fromLocalFile(path))
        else:
            self.seek(start_s)
        self.timeline.set_position(start_s)

    def set_moments(self, moments: list[Hit], duration_s: float | None = None,
                    curve: tuple[list[float], list[float]] | None = None) -> None:
        self.timeline.set_data(duration_s or self.player.duration() / 1000, moments, curve)
        self.timeline.set_position(self.position_s)
        self._update_moment_label()

    def seek(self, seconds: float) -> None:
        status = self.player.mediaStatus()
        if status in (QMediaPlayer.MediaStatus.LoadingMedia, QMediaPlayer.MediaStatus.NoMedia):
            self._pending_seek = seconds
            return
        self.player.setPosition(round(seconds * 1000))
        self.timeline.set_position(seconds)

    @property
    def position_s(self) -> float:
        if self._pending_seek is not None:
            return self._pending_seek
        return self.player.position() / 1000

    def stop(self) -> None:
        self.player.stop()
        self.player.setSource(QUrl())
        self.path = None

    # ----- moments ----------------------------------------------------------------------------

    def next_moment(self) -> None:
        pos = self.position_s
        nxt = next((m for m in self.timeline.moments if m.start_s > pos + 0.25), None)
        if nxt is not None:
            self.seek(nxt.start_s)

    def previous_moment(self) -> None:
        pos = self.position_s
        earlier = [m for m in self.timeline.moments if m.start_s < pos - RESTART_WINDOW_S]
        if earlier:
            self.seek(earlier[-1].start_s)
        elif self.timeline.moments:
            self.seek(self.timeline.moments[0].start_s)

    def toggle_play(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def _toggle_mute(self) -> None:
        self.audio.setMuted(self.mute_button.isChecked())

    # ----- player signals ---------------------------------------------------------------------

    def _status_changed(self, status: QMediaPlayer.MediaStatus) -> None:
        if status in (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.BufferedMedia) \
                and self._pending_seek is not None:
            seconds, self._pending_seek = self._pending_seek, None
            self.player.setPosition(round(seconds * 1000))
            self.player.pause()  # paused on the moment: its frame is shown, nothing plays unasked
            self.timeline.set_position(seconds)

    def _position_changed(self, ms: int) -> None:
        seconds = ms / 1000
        self.timeline.set_position(seconds)
        self.transcript.follow(seconds)
        total = self.player.duration() / 1000
        self.time_label.setText(f"{fmt.clock(seconds)} / {fmt.clock(total)}" if total > 0 else fmt.clock(seconds))
        self._update_moment_label()
        self.position_changed.emit(seconds)

    def _state_changed(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setIcon(icon("pause" if playing else "play"))
        self.play_button.setToolTip(self.tr("Pause (Space)") if playing else self.tr("Play (Space)"))

    def _update_moment_label(self) -> None:
        n, cur = len(self.timeline.moments), self.timeline.current
        if n == 0:
            self.moment_label.clear()
        elif 0 <= cur < n:
            self.moment_label.setText(self.tr("Moment %1 of %2").replace("%1", str(cur + 1)).replace("%2", str(n)))
        else:
            self.moment_label.setText(self.tr("%n moment(s)", "", n))
        self.prev_button.setEnabled(n > 0)
        self.next_button.setEnabled(n > 0)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space:
            self.toggle_play()
            return
        super().keyPressEvent(event)
