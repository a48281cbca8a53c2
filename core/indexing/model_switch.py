"""Which model a library uses, and switching it to another while the library keeps answering.

* `ModelChoice` / `choose_model` (`core.models.choice`): the model a library opens with, from what a call
  names and what the library remembers.
* `LibraryModels` (`Library.models`): the library's model choice, remembered in its catalog; its
  encoder, opened once (downloaded first when it is a catalogue model); the models to choose from.
* `ModelSwitch`: re-index the library's folders with another model in the background through a
  second library object on the same folder; when complete the library swaps models in one step
  (`LibraryModels.adopt`); cancelling leaves the old model answering.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from core.errors import LibraryError, MediaLensError
from core.indexing.control import Control, IndexReport, ProgressCallback
from core.models.choice import MODEL_SETTING, ModelChoice, ModelInfo, choose_model
from core.models.embed import REGISTRY, BaseEncoder, cached_weights
from core.models.runtime.catalogue import CatalogueEntry, catalogue, find_entry
from core.models.runtime.choose import open_encoder
from core.models.runtime.download import DownloadProgress, installed
from core.models.runtime.manifest import list_exports
from core.paths import models_cache_dir

if TYPE_CHECKING:  # pragma: no cover
    from core.library import Library
    from core.store.catalog import Catalog


class LibraryModels:
    """`Library.models`: the model a library answers with, its encoder, and the models it could use instead.

    The choice is remembered in the library's catalog (an index run remembers it); the encoder is the
    model's ONNX export on ONNX Runtime when there is one (no torch; downloaded from the catalogue first
    when it is one of its models), else open_clip on torch, opened once under the library's lock (the
    lock that also builds its search engine, so a query sees the old model or the new, never a mix).
    """

    def __init__(self, library: Library, lock: threading.RLock, model: str | None, weights, pretrained: str | None,
                 device: str | None, runtime: str | None):
        self._library = library
        self._lock = lock
        self.device = device
        self.runtime = runtime
        self.choice = choose_model(model, weights, pretrained, self.remembered())
        self._encoder: BaseEncoder | None = None
        #: hears (bytes done, bytes expected) while the model downloads (`core.models.runtime.download`)
        self.download_progress: DownloadProgress | None = None

    # ----- the choice, remembered --------------------------------------------------------------

    def remembered(self) -> ModelChoice | None:
        raw = self._library.catalog.get_setting(MODEL_SETTING)
        return ModelChoice.from_json(raw) if raw else None

    def remember(self) -> None:
        """Keep this library's model choice in its catalog: the next open uses it (an index run remembers it)."""
        self._library.catalog.set_setting(MODEL_SETTING, self.choice.to_json())

    # ----- the encoder -------------------------------------------------------------------------

    @property
    def encoder(self) -> BaseEncoder:
        """The model's encoder, opened (and downloaded) on first use: see the class docstring."""
        return self._open_encoder(download=True)

    def _open_encoder(self, download: bool) -> BaseEncoder:
        with self._lock:
            if self._encoder is None:
                c = self.choice
                self._encoder = open_encoder(c.name, pretrained=c.pretrained, weights=c.weights, device=self.device,
                                             cache_dir=models_cache_dir(), runtime=self.runtime, download=download,
                                             download_progress=self.download_progress)
            return self._encoder

    def runtime_note(self) -> str:
        """Which runtime would encode: "onnx (FOLDER)" or "torch"; or why none can (nothing is loaded)."""
        try:
            enc = self._open_encoder(download=False)  # a status never starts a download
        except MediaLensError as exc:
            return f"none: {exc}"
        return f"onnx ({enc.folder})" if enc.runtime == "onnx" else enc.runtime

    # ----- the models to choose from -----------------------------------------------------------

    def downloads(self) -> list[CatalogueEntry]:
        """The models MediaLens downloads (`core.models.runtime.catalogue`), for a model picker."""
        return catalogue()

    def pending_download(self) -> CatalogueEntry | None:
        """The catalogue model that opening the encoder would download first, if any (nothing is loaded)."""
        if self._encoder is not None or self.choice.weights is not None or (self.runtime or "") == "torch":
            return None
        entry = find_entry(key=self.choice.key())
        return entry if entry is not None and installed(entry, models_cache_dir()) is None else None

    def known(self) -> list[ModelInfo]:
        """The registry's models (open_clip on torch), each installed, exported to ONNX, or the active one."""
        cache = models_cache_dir()
        exported = {m.name for m in list_exports(cache)}
        return [ModelInfo(spec, cached_weights(spec, cache) is not None or cached_weights(spec) is not None,
                          spec.name == self.choice.name, spec.name in exported) for spec in REGISTRY]

    # ----- switching ---------------------------------------------------------------------------

    def switch(self, model: str | None = None, weights: str | os.PathLike[str] | None = None,
               pretrained: str | None = None) -> ModelSwitch:
        """A switch to another model: `run()` it on a worker; this library answers with its model meanwhile."""
        return ModelSwitch(self._library, model=model, weights=weights, pretrained=pretrained)

    def adopt(self, other: Library) -> None:
        """Use `other`'s model (same library folder, indexed by a `ModelSwitch`) from now on.

        Queries already running finish with the old model: its engine keeps the old encoder
        (one that had not loaded it yet is told to search again, never handed the new model).
        """
        encoder = other.models.encoder
        other.close()  # saves its vector index, which this library opens on its next query
        with self._lock:
            old_encoder = self._encoder
            old = self._library.drop_engine()
            if old is not None:
                old.context.encoder_of = (lambda: old_encoder) if old_encoder is not None else switched
            self.choice, self._encoder = other.models.choice, encoder
            self.remember()
        if old is not None:
            old.vindex.save()


def switched() -> BaseEncoder:
    """What a query's encoder becomes when the model changed before it loaded one."""
    raise LibraryError("the library changed its model while this query ran: search again")


class ModelSwitch:
    """Re-index `library` with another model while it keeps answering; adopt the model when complete.

    The switch indexes the library's folders with the new model through a second `Library` on
    the same folder (its own catalog connection and vector index). When the new index is
    complete the library adopts the model in one step; a cancelled or failed switch leaves
    the old model in place (what the new model embedded stays in the catalog, so a later
    switch resumes from there). `run()` blocks: call it on a worker; `cancel()` from any thread.
    """

    def __init__(self, library: Library, *, model: str | None = None,
                 weights: str | os.PathLike[str] | None = None, pretrained: str | None = None):
        self.library = library
        self.target = type(library)(library.home, model=model, weights=weights, pretrained=pretrained,
                                    device=library.models.device, settings=library.settings,
                                    runtime=library.models.runtime)
        if self.target.choice == library.choice:
            self.target.close()
            raise LibraryError(f"the library already uses {library.choice.describe()}")
        self._control: Control | None = None
        self._lock = threading.Lock()
        self.adopted = False

    def run(self, progress: ProgressCallback | None = None, control: Control | None = None) -> IndexReport:
        """Index every library folder with the new model, then switch; returns the indexing report."""
        with self._lock:
            self._control = control = control or Control()
        try:
            report = self.target.index(progress=progress, control=control, remember=False)
            if not report.cancelled and not control.cancelled:
                self.library.models.adopt(self.target)
                self.adopted = True
            return report
        finally:
            if not self.adopted:
                self.target.close()

    def cancel(self) -> None:
        """Stop the background indexing; the library keeps its current model."""
        with self._lock:
            if self._control is not None:
                self._control.cancel()


def remember_lost_model(catalog: Catalog) -> None:
    """The library's remembered model, from the models table when its setting was lost (the newest model).

    Without it the index pass after the repair would fall back to the default model.
    """
    models = catalog.models()
    if catalog.get_setting(MODEL_SETTING) or not models:
        return
    newest = models[-1]
    source = newest.pretrained or ""
    weights = source if os.path.isfile(source) else None
    choice = ModelChoice(newest.name, None if weights else newest.pretrained, weights)
    if choice.key() == newest.key:
        catalog.set_setting(MODEL_SETTING, choice.to_json())
