"""Live folder watching while the window is open (on by default; Settings can turn it off).

`LiveWatch` runs the engine's `FolderWatcher` on the open library's folders and
turns each settled batch of changes into an ordinary `LibraryHost.index` run, so
the status bar shows it like any indexing and Pause/Stop apply to it. A batch
that arrives while an index is running waits for it to finish, then runs once.
Folders that vanish or turn up empty keep their files (see `core.indexing.watch`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:  # pragma: no cover
    from core.library import FolderWatcher
    from desktop_app.workers.host import LibraryHost

log = logging.getLogger(__name__)


class LiveWatch(QObject):
    #: paths changed on disk; emitted on the watcher's thread, delivered on the GUI thread (queued)
    changed = Signal(object)
    #: a line for the user: a folder went away, or turned up empty
    notice = Signal(str)

    def __init__(self, host: LibraryHost, quiet_s: float | None = None, poll_s: float | None = None):
        super().__init__(host)
        self.host = host
        self.quiet_s = quiet_s
        self.poll_s = poll_s
        self.enabled = True
        self.watcher: FolderWatcher | None = None
        self.pending: set[str] = set()
        self.runs = 0
        self.changed.connect(self._on_changed)
        host.opened.connect(lambda _status: self._restart())
        host.closed.connect(self.stop)
        host.indexing_finished.connect(lambda _report: self._run_pending())

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        self._restart()

    @property
    def active(self) -> bool:
        return self.watcher is not None

    def _restart(self) -> None:
        self.stop()
        lib = self.host.library
        if not (self.enabled and self.host.config.watch) or lib is None:
            return
        from core.library import POLL_S, QUIET_S, FolderWatcher, ignored_path, vanished_line

        home = str(lib.home)

        def roots() -> list[str]:
            current = self.host.library
            return current.roots() if current is lib else []

        self.watcher = FolderWatcher(
            roots, self.changed.emit, quiet_s=self.quiet_s or QUIET_S, poll_s=self.poll_s or POLL_S,
            ignore=lambda path: ignored_path(path, home),
            on_vanished=lambda folder: self.notice.emit(vanished_line(folder)))
        try:
            self.watcher.start()
        except OSError as exc:  # no inotify watches left, say: the app works without watching
            log.warning("cannot watch the library folders: %s", exc)
            self.watcher = None

    def stop(self) -> None:
        watcher, self.watcher = self.watcher, None
        self.pending.clear()
        if watcher is not None:
            watcher.stop()

    def _on_changed(self, paths: set[str]) -> None:
        if self.watcher is None:
            return
        self.pending |= paths
        self._run_pending()

    def _run_pending(self) -> None:
        lib = self.host.library
        if not self.pending or lib is None or self.host.indexing or self.watcher is None:
            return
        from core.library import roots_to_index

        paths, self.pending = self.pending, set()
        roots = roots_to_index(lib.roots(), paths, self.notice.emit)
        if roots and self.host.index(roots):
            self.runs += 1
