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
    phase: str  # "scan" | "plan" | "embed" | "done"
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
    video_seconds: float = 0.0
    failed: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    elapsed_s: float = 0.0
    scan_s: float = 0.0
    embed_s: float = 0.0


