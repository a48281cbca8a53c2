"""Which encoder serves a model: its ONNX export on ONNX Runtime when there is one, else open_clip on torch."""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import ModelError
from core.models.embed import BaseEncoder, Encoder, model_key, resolve_identity, torch_available
from core.models.runtime.encoder import OnnxEncoder
from core.models.runtime.manifest import find_export

RUNTIMES = ("auto", "onnx", "torch")


def open_encoder(name: str | None = None, pretrained: str | None = None,
                 weights: str | os.PathLike[str] | None = None, device: str | None = None,
                 cache_dir: Path | None = None, runtime: str | None = None) -> BaseEncoder:
    """The encoder for a model: its ONNX export when there is one (torch is never imported), else open_clip.

    `runtime` (or $MEDIALENS_RUNTIME): `auto` (the default), `onnx` (an export is required) or
    `torch`. Exports are looked up by model key under `cache_dir`/onnx; `weights` may also name
    an exported model folder directly.
    """
    runtime = (runtime or os.environ.get("MEDIALENS_RUNTIME") or "auto").lower()
    if runtime not in RUNTIMES:
        raise ModelError(f"unknown runtime {runtime!r}: use {', '.join(RUNTIMES)}")
    name, _, pretrained, path = resolve_identity(name, pretrained, weights)
    if runtime != "torch":
        folder = path if path is not None and path.is_dir() else find_export(model_key(name, pretrained, path),
                                                                              cache_dir)
        if folder is not None:
            return OnnxEncoder(folder, device=device, cache_dir=cache_dir)
        if runtime == "onnx":
            raise ModelError(f"model {name} has no ONNX export in {cache_dir}: "
                             f"run `medialens models export {name}` first")
    if not torch_available():
        raise ModelError(
            f"model {name} has no ONNX export here and this install runs exported models only: "
            f"pass --weights with an exported model folder, or install the torch extra "
            f"(pip install 'medialens[torch]') and run `medialens models export {name}`"
        )
    return Encoder(name, pretrained=pretrained, weights=path, device=device, cache_dir=cache_dir)
