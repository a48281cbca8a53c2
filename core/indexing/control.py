"""Control and progress of an indexing run: the plain API the CLI and the GUI adapt.

The caller keeps a `Control` (cancel, pause, resume) and passes a callback that
receives `Progress` snapshots; a run returns an `IndexReport`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field


class Control:
    """Cancel and pause flags shared between the caller and a running index."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_if_paused(self) -> None:
        while not self._running.wait(0.2):
            pass


@dataclass
class Progress:
    phase: str  # "scan" | "plan" | "embed" | "ocr" | "speech" | "faces" | "done"
    found: int = 0
    files_total: int = 0
    files_done: int = 0
    failed: int = 0
    frames_done: int = 0
    video_s_done: float = 0.0
    video_s_total: float = 0.0
    elapsed_s: float = 0.0
    rate_files_s: float = 0.0
    eta_s: float | None = None
    current: str | None = None
    paused: bool = False


ProgressCallback = Callable[[Progress], None]


class TimeLeft:
    """An estimate of the time an index run has left that never says "0 s" while work remains.

    Files and seconds of video are measured apart: a run whose photos are done but
    whose long video has just begun is as far from the end as that video. Each
    part's rate is taken from when that part began to move; a part that has not
    moved yet makes the estimate unknown (None) rather than a guess.
    """

    def __init__(self) -> None:
        self._files_from: tuple[float, int] | None = None
        self._video_from: tuple[float, float] | None = None

    def update(self, now: float, files_done: int, files_total: int, video_done: float, video_total: float,
               files_started: float) -> float | None:
        if self._files_from is None:
            self._files_from = (files_started, 0)
        parts = [self._part(now, self._files_from, files_done, files_total)]
        video_total = max(video_total, video_done)
        if video_total > video_done:
            if self._video_from is None and video_done > 0:
                self._video_from = (now, video_done)
            parts.append(None if self._video_from is None else
                         self._part(now, self._video_from, video_done, video_total))
        if any(p is None for p in parts):
            return None
        return max(parts)

    @staticmethod
    def _part(now: float, start: tuple[float, float], done: float, total: float) -> float | None:
        if done >= total:
            return 0.0
        t0, done0 = start
        if now <= t0 or done <= done0:
            return None
        return (total - done) / ((done - done0) / (now - t0))


@dataclass
class IndexReport:
    found: int = 0
    new: int = 0
    changed: int = 0
    moved: int = 0
    removed: int = 0
    unchanged: int = 0
    indexed: int = 0
    frames: int = 0
    videos: int = 0  #: videos (animations included) among the files indexed
    video_frames: int = 0  #: frames embedded from them
    video_seconds: float = 0.0
    failed: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    elapsed_s: float = 0.0
    scan_s: float = 0.0
    embed_s: float = 0.0
    text_read: int = 0  # photos and videos whose text was read (core/indexing/ocr.py), and the lines found
    text_lines: int = 0
    text_s: float = 0.0
    subtitle_videos: int = 0  # videos whose subtitles were read (core/indexing/subtitles.py), and the lines
    subtitle_lines: int = 0
    speech_videos: int = 0  # videos whose speech was heard to the end (core/indexing/speech.py), lines, audio
    speech_lines: int = 0
    speech_audio_s: float = 0.0
    speech_s: float = 0.0
    faces_looked: int = 0  # photos and videos whose faces were looked for (core/indexing/faces.py), faces found
    faces_found: int = 0
    faces_s: float = 0.0


