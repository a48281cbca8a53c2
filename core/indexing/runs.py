"""A library's index runs (`Library.indexing`): one writer at a time, in this process and across processes.

A run takes this process's mutex, then the library's `index.lock` file lock (another process holding it
is a clear error, never a wait); it registers the model (the library's vector file is made by the run),
builds an `Indexer` with the run's `IndexSettings` (the library's where the run says nothing) and runs
it. Before it returns, a background rebuild of the vector file is waited out, so the writer always leaves
a saved file behind.

A background rebuild (after a repair or a damaged vector file, seconds long at 1M) saves its file only
when no run is the writer (`save_if_free`): without the mutex its save held `index.lock`, and the next
`index` in the same process failed with "another MediaLens is already indexing" (the window then kept
the pre-repair counts).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import LibraryError
from core.indexing import ocr
from core.indexing.control import Control, IndexReport, ProgressCallback
from core.indexing.settings import IndexSettings

if TYPE_CHECKING:  # pragma: no cover
    from core.library import Library
    from core.store.vectors import VectorIndex


class IndexRuns:
    """Indexing one library (see the module docstring); `Library.index` hands off here."""

    def __init__(self, library: Library):
        self._library = library
        self.mutex = threading.Lock()  # held by this process's run and by its saves of a rebuilt index

    def run(self, folders: list[str | os.PathLike[str]] | None = None, progress: ProgressCallback | None = None,
            control: Control | None = None, remember: bool = True,
            settings: IndexSettings | None = None) -> IndexReport:
        """Index the given folders (added as roots) or all roots; returns what happened.

        `settings`: this run's, over the library's (`Library.settings`). `remember=False` leaves the
        library's remembered model alone (a model switch in progress).
        """
        lib = self._library
        for f in folders or []:
            lib.add_root(f)
        roots = lib.catalog.roots()
        if folders:
            wanted = {str(Path(f).expanduser().resolve()) for f in folders}
            roots = [r for r in roots if r[1] in wanted or any(w.startswith(r[1] + os.sep) for w in wanted)]
        if not roots:
            raise LibraryError("no library folders yet: give one, e.g. `medialens index ~/Pictures`")
        settings = (settings or IndexSettings()).over(lib.settings)
        with self.mutex:  # waits out this process's save of a rebuilt index
            return self._run_locked(roots, progress, control, remember, settings)

    def _run_locked(self, roots: list, progress: ProgressCallback | None, control: Control | None,
                    remember: bool, settings: IndexSettings) -> IndexReport:
        from filelock import FileLock, Timeout

        # here, not at the top: a search builds `IndexRuns` but never runs one (the pipeline's modules are
        # ~0.1 s of a cold search)
        from core.indexing.pipeline import Indexer
        from core.store.catalog_health import check_small_catalog

        lib = self._library
        lock = FileLock(str(lib.home / "index.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise LibraryError(f"another MediaLens is already indexing the library in {lib.home}") from None
        try:
            check_small_catalog(lib.catalog)  # a damaged catalog is said before a run builds on it
            lib.thumbs.remove_orphans()  # left by a killed run (a live process's are kept)
            engine = lib.engine(create=True, sync=False)
            if remember:
                lib.models.remember()
            indexer = Indexer(lib.catalog, lib.models.encoder, engine.vindex, engine.model_id, lib.thumbs,
                              batch_size=settings.batch_size, workers=settings.workers,
                              sampling=settings.sampling, read_text=self.reads_text(settings.ocr),
                              hear_speech=lib.hears_speech(settings.speech, settings.speech_model),
                              find_faces=lib.finds_faces(settings.faces))
            if settings.cluster:
                from core.indexing import cluster as ray_cluster

                ray_cluster.connect(settings.cluster)
                indexer.remote_decoder = ray_cluster.RemoteDecoder(lib.choice, settings.sampling)
            report = indexer.run(roots, progress=progress, control=control)
            if not (control and control.cancelled):  # ratings, tags, sidecars, places (core/indexing/manage.py)
                from core.indexing.manage import sync_metadata

                stop = lambda: bool(control and control.cancelled)  # noqa: E731
                report.problems.extend(sync_metadata(lib.catalog, stop).problems)
            while not (control and control.cancelled) and not engine.vindex.wait_rebuilt(0.5):
                pass  # the writer leaves a saved index behind: finish a background rebuild first
            engine.vindex.save(wait=False)
            return report
        finally:
            lock.release()

    def save_if_free(self, vindex: VectorIndex) -> None:
        """Save a rebuilt index unless an indexing run is the writer (this process's or another's: it saves its own)."""
        from filelock import FileLock, Timeout

        if not self.mutex.acquire(blocking=False):
            return  # this process is indexing: the run saves the index when it ends
        try:
            lock = FileLock(str(self._library.home / "index.lock"))
            try:
                lock.acquire(timeout=0)
            except Timeout:
                return
            try:
                vindex.save(wait=False)  # called by the rebuild itself, once its index is in place
            finally:
                lock.release()
        finally:
            self.mutex.release()

    def reads_text(self, wanted: bool | None = None) -> bool:
        """Whether indexing reads the text in photos and videos; `wanted` sets it (remembered by the library)."""
        catalog = self._library.catalog
        if wanted is not None:
            catalog.set_setting(ocr.SETTING, "on" if wanted else "off")
        return ocr.ocr_enabled(catalog)
