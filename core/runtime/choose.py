"""Which encoder serves a model: its ONNX export on ONNX Runtime when there is one, else open_clip on torch."""

from __future__ import annotations

import os
from pathlib import Path

from core.embed import BaseEncoder, Encoder, model_key, resolve_identity, torch_available
from core.errors import ModelError
from core.paths import models_cache_dir
from core.runtime.catalogue import find_entry
from core.runtime.download import DownloadProgress
from core.runtime.encoder import OnnxEncoder
from core.runtime.manifest import find_export

RUNTIMES = ("auto", "onnx", "torch")


class NotDownloaded(ModelError):
    """The model is in the download catalogue but not on this machine yet (and no download was allowed)."""


def open_encoder(name: str | None = None, pretrained: str | None = None,
                 weights: str | os.PathLike[str] | None = None, device: str | None = None,
                 cache_dir: Path | None = None, runtime: str | None = None, *, download: bool = True,
                 download_progress: DownloadProgress | None = None) -> BaseEncoder:
    """The encoder for a model: its ONNX export when there is one (torch is never imported), else open_clip.

    `runtime` (or $MEDIALENS_RUNTIME): `auto` (the default), `onnx` (an export is required) or
    `torch`. Exports are looked up by model key under `cache_dir`/onnx; `weights` may also name
    an exported model folder directly. A model of the download catalogue (`core.runtime.catalogue`)
    that is not there yet is downloaded first (`download_progress(done, total)` hears of it) unless
    `download` is False, which raises `NotDownloaded` instead.
    """
    runtime = (runtime or os.environ.get("MEDIALENS_RUNTIME") or "auto").lower()
    if runtime not in RUNTIMES:
        raise ModelError(f"unknown runtime {runtime!r}: use {', '.join(RUNTIMES)}")
    name, _, pretrained, path = resolve_identity(name, pretrained, weights)
    if runtime != "torch":
        key = model_key(name, pretrained, path)
        folder = path if path is not None and path.is_dir() else find_export(key, cache_dir)
        if folder is None and path is None:
            entry = find_entry(key=key)
            if entry is not None:
                if not download:
                    raise NotDownloaded(f"{entry.name} is not downloaded yet ({entry.download_mb} MB): "
                                        f"`medialens models get {entry.name}`, or any index or search")
                from core.runtime.download import download as fetch

                folder = fetch(entry, cache_dir or models_cache_dir(), download_progress)
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
