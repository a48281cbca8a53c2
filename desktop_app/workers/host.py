"""The one adapter between the window and `core.library`.

`LibraryHost` owns the open `Library`, runs every engine call on a worker
pool (see `tasks.run_task`), and turns the engine's plain progress callback and
`Control` flags into Qt signals and slots. One `Library` object is shared by
all threads: the engine guards its catalog, vector index and encoder, so
searches keep answering from what is already indexed while indexing runs.

Pools are separate so that slow work never queues in front of fast work:
opening and status reads, model warm-up (seconds, or a download), queries,
and indexing (one at a time) each have their own.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread, QThreadPool, Signal

from desktop_app.workers.tasks import Failure, Success, describe_error, run_task

if TYPE_CHECKING:  # pragma: no cover
    from core.library import Control, IndexReport, Library, LibraryStatus, Progress

log = logging.getLogger(__name__)


@dataclass
class LibraryConfig:
    """How to open the library: `medialens` arguments over the user's settings."""

    home: str | None = None
    model: str | None = None
    weights: str | None = None
    device: str | None = None
    #: index settings by name (`core.library.IndexSettings`: `fps`, and `batch_size`/`workers` for tests and
    #: tuning), parsed by the library on the worker that opens it
    options: dict = field(default_factory=dict)
    #: index changes in the library folders as they happen (desktop_app/workers/watching.py)
    watch: bool = True


def background_priority() -> None:
    """Lower the calling worker thread's CPU priority, and that of the threads it starts.

    Indexing and model loading keep every core busy; at normal priority the GUI
    thread then waits for the CPU (and for Python's GIL held by a thread the OS
    has descheduled) and the window stutters. On Linux a thread's nice value is
    its own and is inherited by the threads it creates (the decoders, torch's
    pool); other systems take Qt's thread priority.
    """
    if sys.platform.startswith("linux"):
        try:
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), 10))
        except OSError:
            pass
    else:
        QThread.currentThread().setPriority(QThread.Priority.LowPriority)


class ModelState:
    LOADING, DOWNLOADING, READY, FAILED = "loading", "downloading", "ready", "failed"


#: The app sets this (`desktop_app.app.build`); tests leave their own process alone.
FREEZE_HEAP_WHEN_READY = False
_heap_frozen = False


def freeze_heap() -> None:
    """Once torch and the model are loaded, move every object alive to the collector's permanent
    generation: its hundreds of thousands of long-lived objects were rescanned by each full
    collection, a 0.3 s pause of every thread, the GUI's included (tests/bench/gui.py)."""
    global _heap_frozen
    if not _heap_frozen:
        import gc

        gc.freeze()
        _heap_frozen = True


@dataclass(frozen=True)
class ModelStatus:
    """What the window says about the model while it warms up."""

    state: str  # a ModelState
    name: str
    device: str = ""
    download_mb: int = 0  # size of the download, when one is needed
    notes: str = ""  # the registry's one-line description
    error: str = ""  # why it cannot be used (FAILED)
    weights: str = ""  # the weights file or folder the library was asked to use, if any


def download_notes(entry) -> str:
    """One line on a catalogue model for the first-run page: languages, quality with its source, licence."""
    names = {"en": "English", "zh": "Chinese", "multilingual": "many languages"}
    languages = ", ".join(names.get(code, code) for code in entry.languages)
    return f"{languages} · {entry.quality} ({entry.quality_source}) · licence {entry.licence}"


class LibraryHost(QObject):
    """Opens the library, warms the model, runs queries and indexing off the GUI thread."""

    opened = Signal(object)  # the LibraryStatus of the freshly opened library
    open_failed = Signal(object)  # the exception that kept the library closed
    closed = Signal()
    status_changed = Signal(object)  # LibraryStatus
    model_state = Signal(object)  # ModelStatus
    download_progress = Signal(float, float)  # MB on disk so far, MB expected
    indexing_started = Signal()
    indexing_progress = Signal(object)  # a copy of core's Progress
    indexing_paused = Signal(bool)
    indexing_finished = Signal(object)  # IndexReport, or None when it failed
    model_switched = Signal()  # the library now answers with the model a switch indexed
    error = Signal(object)  # an exception from the engine, or a line the window says itself

    def __init__(self, config: LibraryConfig, parent: QObject | None = None):
        super().__init__(parent)
        self.config = config
        self.library: Library | None = None
        #: the open library's latest `status()`: roots, counts, failures (None until it opens)
        self.status: LibraryStatus | None = None
        self.control: Control | None = None
        #: the run `indexing_finished` announces was the folder watcher's catch-up, not the user's (read it in a slot)
        self.finished_run_was_watch = False
        self.model_ready = False
        self._opening = False
        self._status_pending = False
        self._status_again = False
        self._pools: dict[str, QThreadPool] = {}
        for name, threads in (("open", 1), ("model", 1), ("query", 2), ("session", 1), ("index", 1)):
            pool = QThreadPool(self)
            pool.setMaxThreadCount(threads)
            pool.setObjectName(f"medialens-{name}")
            self._pools[name] = pool
        from desktop_app.workers.watching import LiveWatch

        self.live = LiveWatch(self)
        self.live.notice.connect(self.error.emit)

    # ----- opening ----------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.library is not None

    @property
    def indexing(self) -> bool:
        return self.control is not None

    def open(self) -> None:
        """Open the library on a worker: importing the engine and migrating SQLite take a second."""
        if self._opening or self.library is not None:
            return
        self._opening = True
        config = self.config

        def job() -> tuple[Library, LibraryStatus]:
            from core.library import IndexSettings, Library

            lib = Library(config.home, model=config.model, weights=config.weights, device=config.device,
                          settings=IndexSettings.parse(config.options))
            try:
                return lib, lib.status(check=True)  # a damaged catalog is said at open, not counted around
            except BaseException:
                lib.close()
                raise

        run_task(self._pools["open"], job, self._on_opened, self._on_open_failed)

    def _on_opened(self, result: tuple[Library, LibraryStatus]) -> None:
        self._opening = False
        self.library, status = result
        self.model_ready = False
        self.status = status
        self.opened.emit(status)
        self._warm_model()

    def _on_open_failed(self, exc: BaseException) -> None:
        self._opening = False
        self.open_failed.emit(exc)

    def reopen(self, config: LibraryConfig) -> bool:
        """Close this library and open another (new folder, model or device); False while indexing."""
        if self.indexing:
            self.error.emit(self.tr("Stop indexing before changing the library, model or device."))
            return False
        old, self.library = self.library, None
        self.config = config
        self.model_ready = False
        self.closed.emit()
        if old is None:
            self.open()
            return True
        self._opening = True
        queries = self._pools["query"]

        def close_old() -> None:
            queries.waitForDone(10_000)  # in-flight queries finish against the library they started on
            old.close()

        def reopen_now(_result: Any = None) -> None:
            self._opening = False
            self.open()

        run_task(self._pools["open"], close_old, reopen_now, lambda exc: reopen_now())
        return True

    # ----- the model --------------------------------------------------------------------------

    def _warm_model(self) -> None:
        """Load the model in the background (torch import, maybe a download) so the first query is quick."""
        lib = self.library
        if lib is None:
            return
        name = lib.choice.name
        self.model_state.emit(ModelStatus(ModelState.LOADING, name))
        stop = threading.Event()
        spec: list = []

        def job() -> ModelStatus:
            background_priority()
            pending = lib.models.pending_download()
            active = next((m for m in lib.models.known() if m.active), None)
            if pending is not None:  # a catalogue model: downloaded here, in the background, with progress
                spec.append(pending)
                self.model_state.emit(ModelStatus(ModelState.DOWNLOADING, pending.name,
                                                  download_mb=pending.download_mb, notes=download_notes(pending)))
                lib.models.download_progress = lambda done, total: self.download_progress.emit(done / 1e6, total / 1e6)
            elif active is not None:
                spec.append(active.spec)
                if not (active.installed or active.exported) and lib.choice.weights is None:
                    self.model_state.emit(ModelStatus(ModelState.DOWNLOADING, name,
                                                      download_mb=active.spec.download_mb, notes=active.spec.notes))
                    folder = lib.models.encoder.cache_dir
                    if folder is not None:
                        threading.Thread(target=self._watch_download, name="medialens-download-watch",
                                         args=(Path(folder), float(active.spec.download_mb), stop),
                                         daemon=True).start()
            try:
                lib.models.encoder.load()
            finally:
                stop.set()
            notes = download_notes(pending) if pending is not None else active.spec.notes if active is not None else ""
            return ModelStatus(ModelState.READY, pending.name if pending is not None else name,
                               device=lib.models.encoder.device, notes=notes)

        def ready(status: ModelStatus) -> None:
            if FREEZE_HEAP_WHEN_READY:
                freeze_heap()
            if self.library is lib:
                self.model_ready = True
                self.model_state.emit(status)

        def failed(exc: BaseException) -> None:
            if self.library is lib:
                size = spec[0].download_mb if spec and lib.choice.weights is None else 0
                shown = spec[0].name if spec and hasattr(spec[0], "repo") else name  # a catalogue entry's name
                self.model_state.emit(ModelStatus(ModelState.FAILED, shown, download_mb=size,
                                                  error=describe_error(exc), weights=lib.choice.weights or ""))

        run_task(self._pools["model"], job, ready, failed)

    def _watch_download(self, folder: Path, total_mb: float, stop: threading.Event) -> None:
        """Report the size of the partial download (the hub writes `*.incomplete` files)."""
        while not stop.wait(0.5):
            try:
                size = sum(p.stat().st_size for p in folder.rglob("*.incomplete"))
            except OSError:
                continue
            self.download_progress.emit(size / 1e6, total_mb)

    # ----- queries and other engine calls -----------------------------------------------------

    def call(self, fn: Callable[[Library], Any], on_success: Success | None = None,
             on_failure: Failure | None = None, pool: str = "query") -> bool:
        """Run `fn(library)` on a worker; failures go to the message bar unless handled.

        `pool="session"` runs calls one at a time, in order (feedback sessions are stateful).
        """
        lib = self.library
        if lib is None:
            return False
        run_task(self._pools[pool], lambda: fn(lib), on_success, on_failure or self._report)
        return True

    def repair(self, on_done: Success) -> bool:
        """Recover a damaged catalog (`core.store.repair`) with the library closed, then open it again.

        `on_done(report)` gets the `RepairReport`; indexing what was lost is the caller's next step.
        """
        if self.indexing or self._opening:
            self.error.emit(self.tr("Stop indexing before repairing the library."))
            return False
        old, self.library = self.library, None
        config, queries = self.config, self._pools["query"]
        self._opening = True
        self.closed.emit()

        def job():
            from core.library import repair_catalog
            from core.paths import resolve_home

            if old is not None:
                queries.waitForDone(10_000)
                old.close()
            return repair_catalog(resolve_home(config.home))

        def done(report) -> None:
            self._opening = False
            on_done(report)
            self.open()

        def failed(exc: BaseException) -> None:
            self._opening = False
            self._report(exc)
            self.open()

        run_task(self._pools["open"], job, done, failed)
        return True

    def _report(self, exc: BaseException) -> None:
        self.error.emit(exc)

    def refresh_status(self) -> None:
        """Re-read counts and failures. Coalesced: calls during a read make one more read after it."""
        lib = self.library
        if lib is None:
            return
        if self._status_pending:
            self._status_again = True
            return
        self._status_pending, self._status_again = True, False

        def done(status: LibraryStatus) -> None:
            self._status_pending = False
            if self.library is lib:
                self.status = status
                self.status_changed.emit(status)
            if self._status_again:
                self.refresh_status()

        def failed(exc: BaseException) -> None:
            self._status_pending = False
            self._report(exc)
            if self._status_again:  # asked again while this read ran: the newer question still wants an answer
                self.refresh_status()

        run_task(self._pools["open"], lib.status, done, failed)

    # ----- indexing ---------------------------------------------------------------------------

    def index(self, folders: list[str] | None = None, watch: bool = False) -> bool:
        """Add `folders` (if any) and index them, or rescan every library folder.

        `watch`: the live watcher asked (desktop_app/workers/watching.py); the window says nothing of such a run
        when it changed nothing (after a first run, its catch-up of the new folder found all up to date
        and its "0 new or changed files" replaced the first run's count)."""
        lib = self.library
        if lib is None or self.indexing:
            return False
        options = dict(self.config.options)

        def work(control: Control, progress: Callable[[Progress], None]) -> IndexReport:
            return lib.index(folders or None, progress=progress, control=control, **options)

        self._run_indexing(work, lambda report: None, watch)
        return True

    def switch_model(self, config: LibraryConfig) -> bool:
        """Index the library with `config`'s model in the background, then answer with it.

        Meanwhile queries keep using the current model; cancelling (`cancel`) keeps it.
        Progress, pause and cancel work as for indexing.
        """
        lib = self.library
        if lib is None or self.indexing:
            self.error.emit(self.tr("Stop indexing before changing the model."))
            return False
        try:
            switch = lib.models.switch(model=config.model, weights=config.weights)
        except Exception as exc:  # a model the library cannot use: one clear message
            self._report(exc)
            return False

        def work(control: Control, progress: Callable[[Progress], None]) -> IndexReport:
            return switch.run(progress=progress, control=control)

        def adopted(_report: IndexReport) -> None:
            if switch.adopted:
                self.config = config
                self.model_state.emit(ModelStatus(ModelState.READY, lib.choice.name, device=lib.models.encoder.device))
                self.model_switched.emit()

        self._run_indexing(work, adopted)
        return True

    def _run_indexing(self, work: Callable[[Control, Callable[[Progress], None]], IndexReport],
                      then: Callable[[IndexReport], None], watch: bool = False) -> None:
        """Run `work(control, progress)` on the index pool with the window's progress, pause and cancel."""
        from core.library import Control  # already imported by the open library: free

        control = self.control = Control()

        def progress(p: Progress) -> None:
            # core reuses one Progress object; the GUI thread gets its own copy
            self.indexing_progress.emit(dataclasses.replace(p))

        def job() -> IndexReport:
            background_priority()
            return work(control, progress)

        def done(report: IndexReport) -> None:
            self.control = None
            self.finished_run_was_watch = watch
            then(report)
            self.indexing_finished.emit(report)
            self.refresh_status()

        def failed(exc: BaseException) -> None:
            self.control = None
            self.finished_run_was_watch = watch
            self._report(exc)
            self.indexing_finished.emit(None)
            self.refresh_status()

        self.indexing_started.emit()
        run_task(self._pools["index"], job, done, failed)

    def pause(self) -> None:
        if self.control is not None and not self.control.cancelled:
            self.control.pause()
            self.indexing_paused.emit(True)

    def resume(self) -> None:
        if self.control is not None:
            self.control.resume()
            self.indexing_paused.emit(False)

    def cancel(self) -> None:
        if self.control is not None:
            self.control.cancel()
            self.indexing_paused.emit(False)

    def add_root(self, folder: str, on_done: Success | None = None) -> None:
        """Add a library folder (indexed by the next rescan); `on_done(path)` gets the path as stored."""
        self.call(lambda lib: lib.add_root(folder), self._then_refresh(on_done))

    def remove_root(self, folder: str, on_done: Success | None = None) -> None:
        """Forget a library folder and everything indexed under it."""
        if self.indexing:
            self.error.emit(self.tr("Stop indexing before removing a folder."))
            return
        self.call(lambda lib: lib.remove_root(folder), self._then_refresh(on_done))

    def _then_refresh(self, on_done: Success | None) -> Success:
        def done(result: Any) -> None:
            self.refresh_status()
            if on_done is not None:
                on_done(result)

        return done

    # ----- shutdown ---------------------------------------------------------------------------

    def shutdown(self, wait_ms: int = 15_000, model_wait_ms: int = 5_000) -> None:
        """Stop indexing (committed work is kept), let workers finish, save and close the library.

        A model still loading gets a few seconds to finish (a download is not worth waiting for).
        """
        self.live.stop()
        if self.control is not None:
            self.control.cancel()
        for pool in self._pools.values():
            pool.clear()
        for name in ("index", "query", "session", "open"):
            self._pools[name].waitForDone(wait_ms)
        self._pools["model"].waitForDone(model_wait_ms)
        lib, self.library = self.library, None
        if lib is not None:
            try:
                lib.close()
            except Exception:
                log.exception("closing the library failed")
