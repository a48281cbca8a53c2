"""The model layer: a registry of open_clip models and a lazily loaded encoder.

`Encoder` is a lifecycle object: constructing it is free; the first call that
needs the network loads torch and open_clip, the weights (hub download with
progress, or a local file for offline machines) and moves the model to the best
device (CUDA in fp16, then Apple MPS, then CPU) — all under a lock, so loader
threads and the GUI can share one instance. Preprocessing comes from the
model's own open_clip config.

Weights are never unpickled from untrusted files: safetensors, or `torch.load`
with `weights_only=True` (open_clip's loader does that).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import ModelError

if TYPE_CHECKING:  # pragma: no cover
    import torch
    from PIL import Image

CONFIG_DIR = Path(__file__).with_name("model_configs")


@dataclass(frozen=True)
class ModelSpec:
    """One supported choice in the registry."""

    name: str
    pretrained: str | None
    params_m: int
    download_mb: int
    dim: int
    quality: str
    notes: str
    multilingual: bool = False
    needs: tuple[str, ...] = ()
    #: where open_clip downloads it from (repo/ or repo/filename), so "installed?" needs no torch import
    hf_hub: str | None = None


REGISTRY: tuple[ModelSpec, ...] = (
    ModelSpec("ViT-B-32", "laion2b_s34b_b79k", 151, 605, 512, "ImageNet zero-shot 66.6 %",
              "default: a good balance for everyday laptops; fast on CPU",
              hf_hub="laion/CLIP-ViT-B-32-laion2B-s34B-b79K/"),
    ModelSpec("MobileCLIP-S2", "datacompdr", 99, 400, 512, "ImageNet zero-shot 74.4 %",
              "lighter and stronger than ViT-B-32 on CPU-only machines",
              hf_hub="apple/MobileCLIP-S2-OpenCLIP/"),
    ModelSpec("ViT-B-16", "datacomp_xl_s13b_b90k", 150, 600, 512, "ImageNet zero-shot 73.5 %",
              "stronger; about 4x the image compute of ViT-B-32",
              hf_hub="laion/CLIP-ViT-B-16-DataComp.XL-s13B-b90K/"),
    ModelSpec("ViT-L-14", "datacomp_xl_s13b_b90k", 428, 1710, 768, "ImageNet zero-shot 79.2 %",
              "strongest practical choice; wants a GPU for large libraries",
              hf_hub="laion/CLIP-ViT-L-14-DataComp.XL-s13B-b90K/"),
    ModelSpec("xlm-roberta-base-ViT-B-32", "laion5b_s13b_b90k", 366, 1470, 512, "ImageNet zero-shot 62.3 %",
              "multilingual queries (100 languages); needs `pip install medialens[multilingual]`",
              multilingual=True, needs=("transformers",),
              hf_hub="laion/CLIP-ViT-B-32-xlm-roberta-base-laion5B-s13B-b90k/"),
    ModelSpec("MediaLens-World", None, 6, 7, 256, "trained on MediaLens's generated world",
              "the project's own test model (shapes and colours); it comes as a weights file, not a download"),
)
DEFAULT_MODEL = REGISTRY[0]

_configs_registered = False
_config_lock = threading.Lock()


def _config_folders() -> list[Path]:
    return [CONFIG_DIR] + [Path(p) for p in os.environ.get("MEDIALENS_MODEL_CONFIGS", "").split(os.pathsep) if p]


def _register_configs() -> None:
    """Teach open_clip the model configs MediaLens ships (e.g. MediaLens-World).

    Folders named in $MEDIALENS_MODEL_CONFIGS (separated like PATH) are added too,
    so a custom open_clip architecture can be used with its own weights file.
    """
    global _configs_registered
    with _config_lock:
        if _configs_registered:
            return
        import open_clip

        for folder in _config_folders():
            if folder.is_dir() and any(folder.glob("*.json")):
                open_clip.add_model_config(folder)
        _configs_registered = True


class JsonTokenizer:
    """A `tokenizer.json` (the `tokenizers` library) called as open_clip's tokenizers are: texts -> LongTensor.

    A model whose config folder ships one (`model_configs/<name>/tokenizer.json`, e.g. the
    bilingual MediaLens-World-zh) was trained on its ids; open_clip would hand it the CLIP
    BPE instead. Text is cleaned as Immich's reader cleans it (runs of whitespace folded; the
    file's own normaliser does the rest), so the model reads the same ids when exported in
    that layout (`tests/quality/test_quality_bilingual.py` checks it).
    """

    def __init__(self, path: Path, context_length: int):
        from tokenizers import Tokenizer as HFTokenizer

        tokenizer = HFTokenizer.from_file(str(path))
        padding = tokenizer.padding or {}
        pad_token = padding.get("pad_token") or tokenizer.id_to_token(0)
        tokenizer.enable_truncation(max_length=context_length)
        tokenizer.enable_padding(length=context_length, pad_id=tokenizer.token_to_id(pad_token), pad_token=pad_token)
        self.path, self.context_length, self._tokenizer = path, context_length, tokenizer

    def __call__(self, texts: str | Sequence[str]) -> torch.Tensor:
        import torch

        batch = [texts] if isinstance(texts, str) else list(texts)
        encoded = self._tokenizer.encode_batch([" ".join(t.split()) for t in batch])
        return torch.tensor([e.ids for e in encoded], dtype=torch.long).reshape(len(batch), self.context_length)

    def vocabulary(self) -> dict[str, int]:
        return self._tokenizer.get_vocab()


def tokenizer_file(name: str) -> Path | None:
    """The `tokenizer.json` shipped beside a model's config, if it has one (else open_clip's tokenizer is used)."""
    for folder in _config_folders():
        path = folder / name / "tokenizer.json"
        if path.is_file():
            return path
    return None


def get_tokenizer(name: str) -> Callable:
    """The tokenizer `name` was trained with: its own `tokenizer.json`, else open_clip's."""
    import open_clip

    _register_configs()
    path = tokenizer_file(name)
    if path is None:
        return open_clip.get_tokenizer(name)
    return JsonTokenizer(path, int(open_clip.get_model_config(name)["text_cfg"]["context_length"]))


def find_spec(name: str, pretrained: str | None = None) -> ModelSpec | None:
    for spec in REGISTRY:
        if spec.name.lower() == name.lower() and (pretrained is None or spec.pretrained == pretrained):
            return spec
    return None


def resolve_device(preference: str | None = None) -> str:
    """'cuda' > 'mps' > 'cpu', unless `preference` (or $MEDIALENS_DEVICE) names one."""
    import torch

    pref = (preference or os.environ.get("MEDIALENS_DEVICE") or "auto").lower()
    if pref != "auto":
        if pref.startswith("cuda") and not torch.cuda.is_available():
            raise ModelError(f"device {pref!r} was asked for, but CUDA is not available on this machine")
        if pref == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise ModelError("device 'mps' was asked for, but Apple MPS is not available on this machine")
        if pref not in ("cpu", "mps") and not pref.startswith("cuda"):
            raise ModelError(f"unknown device {pref!r}: use auto, cpu, cuda or mps")
        return pref
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def weights_fingerprint(path: Path) -> str:
    """A cheap identity for a weights file: size plus hashes of its ends (files are GBs)."""
    size = path.stat().st_size
    h = hashlib.blake2b(digest_size=8)
    h.update(str(size).encode())
    with open(path, "rb") as fh:
        h.update(fh.read(1 << 20))
        if size > 2 << 20:
            fh.seek(size - (1 << 20))
            h.update(fh.read(1 << 20))
    return h.hexdigest()


def model_key(name: str, pretrained: str | None, weights: Path | None) -> str:
    """The identity of a vector space: vectors with different keys never mix.

    An exported ONNX model folder has the key of the model it was exported from (its
    embeddings agree with open_clip's), so a library indexed with either runtime is
    searchable with the other.
    """
    if weights is not None:
        if weights.is_dir():
            from core.models.runtime.manifest import read_manifest

            return read_manifest(weights).key
        return f"{name}:file-{weights_fingerprint(weights)}"
    return f"{name}:{pretrained}"


def resolve_identity(name: str | None, pretrained: str | None, weights: str | os.PathLike[str] | None
                     ) -> tuple[str, ModelSpec | None, str | None, Path | None]:
    """(registry name, spec, hub tag, weights path) of a model request; a clear error if it names no weights."""
    weights = Path(weights).expanduser().resolve() if weights else None
    if weights is not None and weights.is_dir():
        from core.models.runtime.manifest import read_manifest

        manifest = read_manifest(weights)
        if name and find_spec(name) is not None and find_spec(name).name != manifest.name:
            raise ModelError(f"{weights}: holds an export of {manifest.name}, not {name}")
        return manifest.name, find_spec(manifest.name), None, weights
    if weights is not None:
        if not weights.is_file():
            raise ModelError(f"{weights}: weights file not found")
        from core.models.weights import model_for_weights

        name = model_for_weights(weights, name) or name  # recognised from its tensors when not named
        spec = find_spec(name)
        return spec.name if spec else name, spec, None, weights
    spec = find_spec(name) if name else DEFAULT_MODEL
    name = spec.name if spec else name
    pretrained = pretrained or (spec.pretrained if spec else None)
    if pretrained is None:
        raise ModelError(f"model {name!r} has no downloadable weights: give a weights file with --weights PATH")
    return name, spec, pretrained, None


def cached_weights(spec: ModelSpec, cache_dir: Path | None = None) -> Path | None:
    """The downloaded weights file of a registry entry, if it is on disk already."""
    if not spec.hf_hub:
        return None
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover
        return None
    hub = spec.hf_hub
    repo, filename = (hub.rstrip("/"), "") if hub.endswith("/") else os.path.split(hub)
    candidates = [filename] if filename else ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"]
    for fname in candidates:
        found = try_to_load_from_cache(repo, fname, cache_dir=str(cache_dir) if cache_dir else None)
        if isinstance(found, str):
            return Path(found)
    return None


class BaseEncoder:
    """What every backend shares: the model's identity and a cache of recent text queries.

    A backend gives `load`, `preprocess` (one PIL image to the model's input),
    `encode_preprocessed` (a list of those to normalised float32 vectors), `_encode_text_batch`,
    `dim`, `image_size`, `device` and `torch_encoder` (itself, or the torch model of the same
    vector space for what needs autograd).
    """

    runtime = "base"

    def __init__(self, name: str, spec: ModelSpec | None, pretrained: str | None, weights: Path | None,
                 key: str, cache_dir: Path | None, text_cache_size: int):
        self.name, self.spec, self.pretrained, self.weights, self.key = name, spec, pretrained, weights, key
        self.cache_dir = cache_dir
        self._lock = threading.RLock()
        self._text_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._text_cache_size = text_cache_size

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.dim), np.float32)
        return self.encode_preprocessed([self.preprocess(im) for im in images])

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Texts to normalised vectors; recent queries come from a small cache."""
        out: list[np.ndarray | None] = [self._text_cache.get(t) for t in texts]
        todo = [t for t, v in zip(texts, out, strict=True) if v is None]
        if todo:
            with self._lock:
                v = self._encode_text_batch(list(todo))
            fresh = dict(zip(todo, v, strict=True))
            for t, vec in fresh.items():
                self._text_cache[t] = vec
                self._text_cache.move_to_end(t)
            while len(self._text_cache) > self._text_cache_size:
                self._text_cache.popitem(last=False)
            out = [o if o is not None else fresh[t] for t, o in zip(texts, out, strict=True)]
        return np.stack(out).astype(np.float32) if out else np.zeros((0, self.dim), np.float32)

    def _encode_text_batch(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class Encoder(BaseEncoder):
    """Images and texts to L2-normalised float32 vectors with one open_clip model (torch)."""

    runtime = "torch"

    def __init__(
        self,
        name: str | None = None,
        pretrained: str | None = None,
        weights: str | os.PathLike[str] | None = None,
        device: str | None = None,
        cache_dir: Path | None = None,
        text_cache_size: int = 256,
    ):
        name, spec, pretrained, weights = resolve_identity(name, pretrained, weights)
        if weights is not None and weights.is_dir():
            raise ModelError(f"{weights}: an exported ONNX model runs with ONNX Runtime, not torch; "
                             f"give the weights file it was exported from, or use --runtime onnx")
        super().__init__(name, spec, pretrained, weights, model_key(name, pretrained, weights), cache_dir,
                         text_cache_size)
        self._device_pref = device
        self._model = None
        self._preprocess = None
        self._tokenizer = None
        self._device: str | None = None
        self._dim: int | None = None
        self._image_size: int | None = None

    # ----- lifecycle --------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self, progress: Callable[[str], None] | None = None) -> Encoder:
        """Load weights and move the model to its device; idempotent and thread-safe."""
        with self._lock:
            if self._model is not None:
                return self
            if self.spec is not None:
                missing = [m for m in self.spec.needs if not _importable(m)]
                if missing:
                    raise ModelError(
                        f"model {self.name} needs the Python package(s) {', '.join(missing)}: "
                        f"pip install medialens[multilingual]"
                    )
            # Offline is known in seconds, before the torch import; a device asked for by name is checked first.
            named_device = (self._device_pref or os.environ.get("MEDIALENS_DEVICE") or "auto").lower() not in (
                "auto", "cpu")
            if not named_device:
                self._check_download()
            import open_clip
            import torch

            _register_configs()
            if self.name not in open_clip.list_models():
                known = ", ".join(s.name for s in REGISTRY)
                raise ModelError(f"unknown model {self.name!r}; known models: {known} (see `medialens models`)")
            device = resolve_device(self._device_pref)
            if named_device:
                self._check_download()
            precision = "fp16" if device.startswith("cuda") else "fp32"
            source = str(self.weights) if self.weights else self.pretrained
            if progress:
                progress(f"loading {self.name} ({self.weights or self.pretrained}) on {device}")
            try:
                model, _, preprocess = open_clip.create_model_and_transforms(
                    self.name, pretrained=source, device=device, precision=precision,
                    cache_dir=str(self.cache_dir) if self.cache_dir else None,
                )
            except MemoryError:
                raise ModelError(f"not enough memory to load {self.name}") from None
            except Exception as exc:  # open_clip signals bad weights with many types, asserts included
                raise self._load_error(exc) from None
            model.eval()
            self._tokenizer = get_tokenizer(self.name)
            self._preprocess = preprocess
            self._device = device
            self._image_size = _image_size(model)
            with torch.inference_mode():
                probe = self._tokenizer(["a"]).to(device)
                self._dim = int(model.encode_text(probe).shape[-1])
            self._model = model
            return self

    def _check_download(self) -> None:
        """Fail in seconds, not after the hub client's minutes of retries, when a download meets no network."""
        if self.weights is not None or self.spec is None or not self.spec.hf_hub:
            return
        if cached_weights(self.spec, self.cache_dir) is not None or cached_weights(self.spec) is not None:
            return
        from core.models import hub

        reason = hub.unreachable()
        if reason is not None:
            raise self._load_error(ConnectionError(f"offline: {reason}"))

    def _load_error(self, exc: BaseException) -> ModelError:
        text = str(exc).split("\n")[0]
        if self.weights is not None and _refused_pickle(exc):
            return ModelError(
                f"{self.weights}: not a weights file MediaLens will load: it is a Python pickle that holds more than "
                f"tensors ({_refused_pickle(exc)}), and loading it could run code on this computer; "
                f"use the model's .safetensors or official weights file"
            )
        if self.weights is not None:
            mismatch = ("size mismatch", "Missing key", "Unexpected key", "changed", "shape")
            if isinstance(exc, AssertionError) or any(m in str(exc) for m in mismatch):
                return ModelError(
                    f"{self.weights}: these weights do not fit model {self.name}; "
                    f"name the model they belong to with --model"
                )
            return ModelError(f"{self.weights}: cannot load weights for {self.name}: {text}")
        lowered = text.lower()
        reason = ("no connection to the model hub" if any(w in lowered for w in ("connection", "offline", "internet"))
                  else text[:160])
        return ModelError(
            f"model {self.name} ({self.pretrained}) is not installed and could not be downloaded ({reason}); "
            f"on a machine without internet, copy its weights file here and pass --weights PATH "
            f"(see `medialens models`)"
        )

    def unload(self) -> None:
        with self._lock:
            self._model = None
            self._text_cache.clear()

    # ----- properties that need the model -----------------------------------------------------

    @property
    def device(self) -> str:
        self.load()
        return self._device  # type: ignore[return-value]

    @property
    def dim(self) -> int:
        self.load()
        return self._dim  # type: ignore[return-value]

    @property
    def image_size(self) -> int:
        """The side in pixels the model looks at (decoding may stop at this scale)."""
        self.load()
        return self._image_size  # type: ignore[return-value]

    # ----- encoding ---------------------------------------------------------------------------

    def preprocess(self, image: Image.Image) -> torch.Tensor:
        """The model's own preprocessing of one RGB image (safe to call from worker threads)."""
        self.load()
        return self._preprocess(image)  # type: ignore[misc]

    def encode_tensors(self, batch: torch.Tensor) -> np.ndarray:
        """Preprocessed images (N, 3, H, W) to normalised vectors (N, dim) float32."""
        import torch

        self.load()
        with torch.inference_mode():
            x = batch.to(self._device, non_blocking=True)
            if self._device.startswith("cuda"):
                x = x.half()
            v = self._model.encode_image(x)
            v = torch.nn.functional.normalize(v.float(), dim=-1)
        return v.cpu().numpy()

    def encode_preprocessed(self, tensors: Sequence[torch.Tensor]) -> np.ndarray:
        """A list of `preprocess` outputs to normalised vectors (what the indexer batches)."""
        import torch

        return self.encode_tensors(torch.stack(list(tensors)))

    def _encode_text_batch(self, texts: list[str]) -> np.ndarray:
        import torch

        self.load()
        with torch.inference_mode():
            tokens = self._tokenizer(texts).to(self._device)
            v = self._model.encode_text(tokens)
            return torch.nn.functional.normalize(v.float(), dim=-1).cpu().numpy()

    def torch_encoder(self) -> Encoder:
        """This encoder: it is the torch one (textual inversion needs its autograd)."""
        return self

    @property
    def torch_model(self):
        """The underlying open_clip model (for query-time methods that need its layers)."""
        self.load()
        return self._model

    @property
    def tokenizer(self):
        self.load()
        return self._tokenizer


def _refused_pickle(exc: BaseException) -> str | None:
    """Why torch's safe loader (`weights_only=True`) refused a pickle, or None if it did not.

    Such a file asks to build objects other than tensors (a call to `os.system`,
    say): torch refuses it rather than run it, and the user should hear that, not
    that the weights belong to another model.
    """
    import pickle
    import re

    seen: BaseException | None = exc
    while seen is not None:
        text = str(seen)
        if isinstance(seen, pickle.UnpicklingError) or "Weights only load failed" in text:
            called = re.search(r"GLOBAL ([\w.]+)", text)
            if called:
                return f"it asks to call {called.group(1)}"
            detail = text.split("WeightsUnpickler error:")[-1].strip().split("\n")[0].strip()
            return detail[:120] if "Weights only load failed" not in detail else "not plain tensors"
        seen = seen.__cause__ or seen.__context__
    return None


def _image_size(model) -> int:
    size = getattr(getattr(model, "visual", None), "image_size", 224)
    if isinstance(size, tuple | list):
        return int(max(size))
    return int(size)


def torch_available() -> bool:
    """Whether the torch extra (torch and open_clip) is installed; imports neither."""
    return _importable("torch") and _importable("open_clip")


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
