"""Live folder watching: changes under the library folders are indexed within seconds.

`FolderWatcher` turns file-system events (watchdog: inotify, FSEvents,
ReadDirectoryChangesW) into *batches*: a batch is handed over once the folders
have been quiet for `quiet_s`, so a camera import of 10,000 files is one batch,
not 10,000 runs (`max_wait_s` bounds how long a steady trickle waits). Events
that arrive while a batch is being indexed make the next batch.

`LibraryWatcher` indexes each batch through the library's own incremental
indexer (`Library.index` on the roots the batch touched): unchanged files are
skipped by size and time, moves keep their vectors, nothing is indexed twice,
and a kill during a watched import loses nothing committed, as with any index.

Folders that vanish are never swept: a root that no longer exists, or that is
suddenly empty (an unplugged drive's mount point), is reported and left as it
is; it is watched again, and caught up, when it comes back.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

from core.errors import MediaLensError
from core.indexing.scan import NON_MEDIA_EXTENSIONS, under_any

log = logging.getLogger(__name__)

QUIET_S = 2.0
MAX_WAIT_S = 60.0
POLL_S = 2.0
#: A batch that could not be indexed (a full disk, another MediaLens indexing) is tried again after this,
#: doubling each time up to `RETRY_MAX_S`, until it lands.
RETRY_S = 5.0
RETRY_MAX_S = 300.0


class FolderWatcher:
    """Watches folders and hands over the changed paths in debounced batches (on its own thread)."""

    def __init__(self, folders: Callable[[], Iterable[str]], on_batch: Callable[[set[str]], None], *,
                 quiet_s: float = QUIET_S, max_wait_s: float = MAX_WAIT_S, poll_s: float = POLL_S,
                 ignore: Callable[[str], bool] | None = None,
                 on_vanished: Callable[[str], None] | None = None):
        self.folders = folders
        self.on_batch = on_batch
        self.quiet_s = quiet_s
        self.max_wait_s = max_wait_s
        self.poll_s = poll_s
        self.ignore = ignore or (lambda _path: False)
        self.on_vanished = on_vanished or (lambda _folder: None)
        self._pending: set[str] = set()
        self._first = self._last = 0.0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._observer = None
        self._watches: dict[str, object] = {}
        self._missing: set[str] = set()
        self._thread: threading.Thread | None = None
        self.batches = 0

    # ----- events (watchdog's thread) ---------------------------------------------------------

    def dispatch(self, event) -> None:
        """watchdog's handler entry point: note the paths an event touches."""
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        paths = [os.fsdecode(p) for p in paths if p]
        if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
            return  # reads, and a folder's own "modified" that every change inside it brings
        self.note(p for p in paths if not self.ignore(p))

    def note(self, paths: Iterable[str]) -> None:
        paths = set(paths)
        if not paths:
            return
        with self._cond:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending |= paths
            self._last = now
            self._cond.notify_all()

    # ----- lifecycle --------------------------------------------------------------------------

    def start(self) -> FolderWatcher:
        from watchdog.observers import Observer

        self._observer = Observer()
        self._observer.start()
        self._sync_watches(initial=True)
        self._thread = threading.Thread(target=self._loop, name="medialens-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join()

    def wait_stopped(self, seconds: float) -> bool:
        """Wait up to `seconds`, or less if watching stops meanwhile; whether it stopped."""
        return self._stop.wait(seconds)

    @property
    def watched(self) -> list[str]:
        return sorted(self._watches)

    def _sync_watches(self, initial: bool = False) -> None:
        """Watch the folders that exist; a folder that vanished is dropped, one that came back is caught up."""
        wanted = set(self.folders())
        for folder in sorted(wanted | set(self._watches) | self._missing):
            exists = os.path.isdir(folder)
            if folder in self._watches and (not exists or folder not in wanted):
                self._observer.unschedule(self._watches.pop(folder))
                if folder in wanted:
                    self._missing.add(folder)
                    self.on_vanished(folder)
            elif folder in wanted and exists and folder not in self._watches:
                try:
                    self._watches[folder] = self._observer.schedule(self, folder, recursive=True)
                except OSError as exc:  # e.g. out of inotify watches: say so, keep the others
                    log.warning("cannot watch %s: %s", folder, exc)
                    continue
                if not initial:  # back again, or newly added: catch up with what changed while unwatched
                    self.note([folder])
                self._missing.discard(folder)
            elif folder in wanted and not exists and folder not in self._missing:
                self._missing.add(folder)
                self.on_vanished(folder)
            if folder not in wanted:
                self._missing.discard(folder)

    def _take_batch(self) -> set[str] | None:
        """Waits until a batch is due (or a poll is); returns it, or None for a poll."""
        with self._cond:
            deadline = time.monotonic() + self.poll_s
            while not self._stop.is_set():
                now = time.monotonic()
                if self._pending and (now - self._last >= self.quiet_s or now - self._first >= self.max_wait_s):
                    batch, self._pending = self._pending, set()
                    return batch
                if now >= deadline:
                    return None
                wait = deadline - now
                if self._pending:
                    wait = min(wait, self.quiet_s - (now - self._last), self.max_wait_s - (now - self._first))
                self._cond.wait(max(wait, 0.01))
            return None

    def _loop(self) -> None:
        while not self._stop.is_set():
            batch = self._take_batch()
            if self._stop.is_set():
                return
            if batch is None:
                self._sync_watches()
                continue
            self.batches += 1
            try:
                self.on_batch(batch)
            except Exception:  # a bug in the consumer must not stop watching
                log.exception("watch batch failed")


def ignored_path(path: str, home: str) -> bool:
    """Changes that never need an index: the library's own files (a library inside a root), hidden
    names, and extensions that are certainly not media (sidecars, notes, partial downloads)."""
    if under_any(path, [home]):
        return True
    name = os.path.basename(path)
    return name.startswith(".") or os.path.splitext(name)[1].lower() in NON_MEDIA_EXTENSIONS


def roots_to_index(roots: Iterable[str], paths: set[str], report: Callable[[str], None]) -> list[str]:
    """The roots a batch of changed paths touched that can be indexed without sweeping what is away.

    A root that is gone was reported by the watcher; one that is suddenly empty is
    most likely an unplugged drive's mount point: both keep their files.
    """
    ready = []
    for root in roots:
        if not any(under_any(p, [root]) or under_any(root, [p]) for p in paths):
            continue
        if not os.path.isdir(root):
            continue
        if not any(os.scandir(root)):
            report(f"{root}: the folder is empty now (an unplugged drive?); its files are kept: "
                   f"run `medialens index {root}` to forget them")
            continue
        ready.append(root)
    return ready


def vanished_line(folder: str) -> str:
    return f"{folder}: the folder is gone (an unplugged drive?); its files are kept and it is watched for its return"


class LibraryWatcher:
    """Keeps a library in step with its folders: each batch of changes is one incremental index."""

    def __init__(self, library, report: Callable[[str], None] | None = None, *, quiet_s: float | None = None,
                 max_wait_s: float = MAX_WAIT_S, poll_s: float = POLL_S,
                 index: Callable[[list[str]], object] | None = None):
        self.lib = library
        self.report = report or (lambda line: log.info("%s", line))
        self.index = index or self._index
        self._control = None
        self._stopping = False
        self._control_lock = threading.Lock()
        self.retry_s = RETRY_S
        self.retry_max_s = RETRY_MAX_S
        self._failures = 0  # batches in a row that could not be indexed: the back-off grows with them
        self.watcher = FolderWatcher(
            self.lib.roots, self._batch, quiet_s=QUIET_S if quiet_s is None else quiet_s, max_wait_s=max_wait_s,
            poll_s=poll_s, ignore=lambda path: ignored_path(path, str(self.lib.home)),
            on_vanished=lambda folder: self.report(vanished_line(folder)))

    def _index(self, roots: list[str]):
        from core.indexing.control import Control

        with self._control_lock:
            if self._stopping:
                return None
            self._control = Control()
        return self.lib.index(roots, control=self._control)

    def _batch(self, paths: set[str], label: str | None = None) -> None:
        ready = roots_to_index(self.lib.roots(), paths, self.report)
        if not ready:
            return
        t0 = time.monotonic()
        try:
            rep = self.index(ready)
        except MediaLensError as exc:
            # Another MediaLens indexing, a full disk, a drive that failed a write: all pass. The batch
            # is kept and tried again, waiting longer each time (5 s, 10 s, ... up to 5 minutes).
            delay = min(self.retry_s * 2 ** self._failures, self.retry_max_s)
            self._failures += 1
            self.report(f"cannot index the changes yet: {exc}; trying again in {delay:.3g} s")
            if not self.watcher.wait_stopped(delay):
                self.watcher.note(paths)
            return
        self._failures = 0
        if rep is not None:
            what = label or f"{len(paths)} changes"
            self.report(f"{what}: indexed {rep.indexed}, {rep.new} new, {rep.changed} changed, "
                        f"{rep.moved} moved, {rep.removed} removed, failed {len(rep.failed)} "
                        f"in {time.monotonic() - t0:.1f} s")

    def start(self) -> LibraryWatcher:
        self.watcher.start()
        return self

    def stop(self) -> None:
        """Stop watching; an index under way is cancelled (what it committed stays)."""
        with self._control_lock:
            self._stopping = True
            if self._control is not None:
                self._control.cancel()
        self.watcher.stop()

    def run_forever(self) -> None:
        """`medialens watch`: catch up once, then index changes as they come until Ctrl-C."""
        roots = [r for r in self.lib.roots() if os.path.isdir(r)]
        if not roots:
            from core.errors import LibraryError

            raise LibraryError("no library folders to watch: add one with `medialens index FOLDER`")
        self._batch(set(roots), label="caught up")
        self.start()
        self.report("watching " + ", ".join(self.watcher.watched) + " (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        finally:
            self.stop()
