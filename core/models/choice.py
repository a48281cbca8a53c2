"""Which model a library uses (`ModelChoice`), from what a call names and what the library remembers.

`choose_model`: a registry name, a weights file, an exported folder, or a name alone that finds its ONNX
export or its entry in the download catalogue; with nothing named, the library's remembered choice, else
the catalogue's proposal for this machine and language (`proposed_choice`). Only the model layer is
consulted (registry, weights, exports, catalogue), so the choice lives here; the library keeps it
(`core.indexing.model_switch.LibraryModels`) and the cluster's workers receive it whole.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from core.errors import LibraryError
from core.models.embed import DEFAULT_MODEL, REGISTRY, ModelSpec, find_spec, model_key
from core.models.runtime.catalogue import find_entry, propose
from core.models.runtime.manifest import export_named, exports_root, read_manifest
from core.models.weights import model_for_weights
from core.paths import models_cache_dir

#: The catalog setting that remembers a library's model (JSON: name, pretrained, weights).
MODEL_SETTING = "model"


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

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "pretrained": self.pretrained, "weights": self.weights})

    @classmethod
    def from_json(cls, raw: str) -> ModelChoice:
        d = json.loads(raw)
        return cls(d["name"], d.get("pretrained"), d.get("weights"))


@dataclass(frozen=True)
class ModelInfo:
    """A registry model as a model picker shows it (`LibraryModels.known`)."""

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
