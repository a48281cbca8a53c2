"""Which model a library uses, and switching it to another while the library keeps answering.

* `ModelChoice` / `choose_model`: the model a library opens with, from what a call names (a registry
  name, a weights file, an exported folder, or a name alone that finds its ONNX export) and what the
  library remembers.
* `ModelSwitch`: re-index the library's folders with another model in the background through a
  second library object on the same folder; when complete the library swaps models in one step
  (`Library.adopt_model`); cancelling leaves the old model answering.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import LibraryError
from core.indexing.control import Control, IndexReport, ProgressCallback
from core.models.embed import DEFAULT_MODEL, REGISTRY, BaseEncoder, ModelSpec, find_spec, model_key
from core.models.runtime.catalogue import find_entry, propose
from core.models.runtime.manifest import export_named, exports_root, read_manifest
from core.models.weights import model_for_weights
from core.paths import models_cache_dir

if TYPE_CHECKING:  # pragma: no cover
    from core.library import Library
    from core.store.catalog import Catalog


@dataclass(frozen=True)
class ModelChoice:
    """Which model a library uses: a registry name with a hub tag, or with a local weights file."""

    name: str
    pretrained: str | None = None
    weights: str | None = None

    def key(self) -> str:
        return model_key(self.name, self.pretrained, Path(self.weights) if self.weights else None)

    def describe(self) -> str:
        return f"{self.name} ({self.weights or self.pretrained})"


@dataclass
class ModelInfo:
    spec: ModelSpec
    installed: bool
    active: bool
    exported: bool = False  # an ONNX export is in the models folder (runs without torch)


def choose_model(model: str | None, weights, pretrained: str | None, remembered: ModelChoice | None) -> ModelChoice:
    """The model a library opens with: what the call names, checked against its weights, else what it remembers."""
    if weights is not None:
        w = Path(weights).expanduser().resolve()
        if w.is_dir():  # an exported ONNX model folder: its manifest names the model
            exported = read_manifest(w).name
            if model is not None and model.lower() != exported.lower():
                raise LibraryError(f"{w}: holds an export of {exported}, not {model}")
            model = exported
        elif not w.is_file():
            raise LibraryError(f"{w}: weights file not found")
        else:  # which registry model it is, from its tensors (a fine-tune of a custom model: None)
            model = model_for_weights(w, model) or model
        weights = str(w)
    if model is None and weights is None and pretrained is None:
        return remembered or proposed_choice()
    name = model or (remembered.name if remembered and weights else DEFAULT_MODEL.name)
    spec = find_spec(name)
    if spec is None:
        if weights is not None:  # a custom open_clip architecture with its own weights file
            return ModelChoice(name, None, weights)
        entry = find_entry(name)  # a model of the download catalogue, by its hub name
        if entry is not None:
            return ModelChoice(entry.model, entry.pretrained)
        exported = export_named(name, models_cache_dir())  # a custom architecture exported once
        if exported is not None:
            return ModelChoice(read_manifest(exported).name, None, str(exported))
        known = ", ".join(s.name for s in REGISTRY)
        raise LibraryError(f"unknown model {name!r}; known models: {known} (see `medialens models`)")
    if weights is None and pretrained is None:
        if remembered and remembered.name == spec.name:
            return remembered
        if spec.pretrained is None:  # no hub weights: the model's export, made once from a weights file
            exported = export_named(spec.name, models_cache_dir())
            if exported is None:
                entry = find_entry(spec.name)  # a catalogue (e.g. $MEDIALENS_CATALOGUE's hub) serves its export
                if entry is not None:
                    return ModelChoice(entry.model, entry.pretrained)
                raise LibraryError(f"model {spec.name} has no downloadable weights and no ONNX export in "
                                   f"{exports_root(models_cache_dir())}: give --weights PATH, or export it "
                                   f"once with `medialens models export {spec.name} --weights PATH`")
            return ModelChoice(spec.name, None, str(exported))
    return ModelChoice(spec.name, None if weights else (pretrained or spec.pretrained), weights)


def proposed_choice() -> ModelChoice:
    """A new library's model: the catalogue's proposal for this machine and the system language.

    (`core.models.runtime.catalogue.propose`: on an English system with a laptop's CPU, ViT-B-32 as before;
    a `zh_*` or other non-English locale gets a multilingual model.) `$MEDIALENS_DEFAULT_MODEL`
    names another.
    """
    named = os.environ.get("MEDIALENS_DEFAULT_MODEL")
    if named:
        entry = find_entry(named)
        spec = find_spec(named)
        if entry is not None:
            return ModelChoice(entry.model, entry.pretrained)
        if spec is not None:
            return ModelChoice(spec.name, spec.pretrained)
    entry = propose()
    return ModelChoice(entry.model, entry.pretrained)


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
                              device=library.device, options=dict(library.options), runtime=library.runtime)
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
                self.library.adopt_model(self.target)
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
    import json

    models = catalog.models()
    if catalog.get_setting("model") or not models:
        return
    newest = models[-1]
    source = newest.pretrained or ""
    weights = source if os.path.isfile(source) else None
    choice = ModelChoice(newest.name, None if weights else newest.pretrained, weights)
    if choice.key() == newest.key:
        catalog.set_setting("model", json.dumps({"name": choice.name, "pretrained": choice.pretrained,
                                                 "weights": choice.weights}))
