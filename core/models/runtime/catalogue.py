"""The catalogue of pre-exported models the app downloads itself, and the one it proposes on a first run.

`catalogue.json` (beside this file) lists Immich's ONNX exports on the Hugging Face hub, each with
its repository, pinned revision and files (size and SHA-256), the open_clip name and tag it was
exported from (so its *model key* is the torch model's: a library indexed with either is searched
with the other), languages, licence, a quality figure with its source and the image compute that
feeds the speed estimate. `$MEDIALENS_CATALOGUE` names more catalogue files (separated like PATH),
whose entries come first: a project's own exports (`medialens models export NAME --layout immich`)
published on a hub or a local server are first-class entries.

`propose()` picks one entry for this machine and this person: the system language (a `zh_*` or any
non-English locale → the best multilingual model for its size, as Immich's Multilingual CLIP
collection ranks them by average recall@k), the memory (a model whose fp32 download exceeds a fifth
of it is not proposed) and the compute (without a GPU provider or 8 cores, models above 10 GFLOPs
per image are not proposed: indexing would take 4-5x as long).
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from core.errors import ModelError

CATALOGUE_FILE = Path(__file__).with_name("catalogue.json")
CATALOGUE_ENV = "MEDIALENS_CATALOGUE"
#: Models whose image tower costs more than this are not proposed to a machine without GPU or 8 cores:
#: a ViT-B/16-class tower (17-25 GFLOPs per image) indexes 4-5x slower than ViT-B/32's (4.4).
CPU_GFLOPS_LIMIT = 10.0
#: A model is proposed only when its download is at most this share of the machine's memory.
MEMORY_SHARE = 0.2


@dataclass(frozen=True)
class FilePin:
    bytes: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class CatalogueEntry:
    """One downloadable model in Immich's layout."""

    name: str
    repo: str
    revision: str
    model: str  # open_clip's name of the architecture
    pretrained: str | None  # open_clip's tag of the weights: with `model`, the vectors' identity
    languages: tuple[str, ...] = ("en",)
    licence: str = ""
    params_m: int = 0
    image_gflops: float = 0.0
    quality: str = ""
    quality_source: str = ""
    notes: str = ""
    immich_rank: int | None = None
    files: dict[str, FilePin] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The vectors' identity, as `core.models.embed.model_key` names a hub model: `<model>:<pretrained>`."""
        return f"{self.model}:{self.pretrained}"

    @property
    def multilingual(self) -> bool:
        return self.languages != ("en",)

    @property
    def pinned(self) -> bool:
        from core.models.runtime.immich import FILES

        return all(self.files.get(f) and self.files[f].bytes and self.files[f].sha256 for f in FILES)

    @property
    def download_bytes(self) -> int:
        """Pinned sizes when known, else an estimate: 4 bytes per fp32 parameter."""
        if self.pinned:
            return sum(p.bytes or 0 for p in self.files.values())
        return self.params_m * 4_000_000

    @property
    def download_mb(self) -> int:
        return max(1, round(self.download_bytes / 1e6))

    @classmethod
    def from_dict(cls, d: dict) -> CatalogueEntry:
        files = {k: FilePin(v.get("bytes"), v.get("sha256")) for k, v in (d.get("files") or {}).items()}
        known = {f for f in cls.__dataclass_fields__}
        fields = {k: v for k, v in d.items() if k in known and k not in ("files", "languages")}
        return cls(**fields, languages=tuple(d.get("languages") or ("en",)), files=files)


def _load(path: Path) -> list[CatalogueEntry]:
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        return [CatalogueEntry.from_dict(m) for m in d["models"]]
    except FileNotFoundError:
        named = "part of this install: reinstall MediaLens" if path == CATALOGUE_FILE else f"named in ${CATALOGUE_ENV}"
        raise ModelError(f"{path}: model catalogue not found ({named})") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: not a readable model catalogue ({str(exc)[:120]})") from None


def catalogue() -> list[CatalogueEntry]:
    """Every downloadable model: those of $MEDIALENS_CATALOGUE files first, then MediaLens's own list."""
    extra = [p for p in os.environ.get(CATALOGUE_ENV, "").split(os.pathsep) if p]
    entries = [e for p in extra for e in _load(Path(p))] + _load(CATALOGUE_FILE)
    seen, out = set(), []
    for e in entries:
        if e.name.lower() not in seen:
            seen.add(e.name.lower())
            out.append(e)
    return out


def find_entry(name: str | None = None, key: str | None = None) -> CatalogueEntry | None:
    """The entry called `name` (its hub name, or open_clip's name when only one entry has it), or with `key`."""
    entries = catalogue()
    if key is not None:
        found = next((e for e in entries if e.key == key), None)
        if found is not None or name is None:
            return found
    if name is None:
        return None
    lowered = name.lower()
    exact = next((e for e in entries if e.name.lower() == lowered or e.repo.lower() == lowered), None)
    if exact is not None:
        return exact
    by_model = [e for e in entries if e.model.lower() == lowered]
    return by_model[0] if len(by_model) == 1 else None


# ----- the machine and the person ---------------------------------------------------------------

@dataclass(frozen=True)
class Machine:
    cores: int
    memory_mb: int
    gpu: str | None  # the ONNX Runtime provider of a GPU, when one is available


def memory_mb() -> int:
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 1e6)
    except (ValueError, OSError, AttributeError):  # Windows: no sysconf
        return 8000


def this_machine() -> Machine:
    try:
        import onnxruntime as ort

        providers = ort.get_available_providers()
    except ImportError:  # pragma: no cover - onnxruntime is a runtime dependency
        providers = []
    gpu = next((p for p in ("CUDAExecutionProvider", "DmlExecutionProvider", "CoreMLExecutionProvider")
                if p in providers), None)
    return Machine(os.cpu_count() or 2, memory_mb(), gpu)


def wants_multilingual(language: str) -> bool:
    """A locale other than English (`zh_CN`, `de-DE`, …) wants a multilingual model."""
    lang = language.replace("_", "-").split(".")[0].lower()
    return bool(lang) and not lang.startswith("en") and lang not in ("c", "posix")


def propose(machine: Machine | None = None, language: str | None = None,
            entries: list[CatalogueEntry] | None = None) -> CatalogueEntry:
    """The one model a first run proposes for this machine and this person's language."""
    from core.models.runtime.immich import system_language

    machine = machine or this_machine()
    entries = entries if entries is not None else catalogue()
    multilingual = wants_multilingual(language or system_language())
    pool = [e for e in entries if e.multilingual == multilingual] or list(entries)
    strong = machine.gpu is not None or machine.cores >= 8
    fits = [e for e in pool if e.download_mb <= machine.memory_mb * MEMORY_SHARE
            and (strong or e.image_gflops <= CPU_GFLOPS_LIMIT)]
    if not fits:
        return min(pool, key=lambda e: (e.download_bytes, e.image_gflops))
    return min(fits, key=lambda e: (e.immich_rank if e.immich_rank is not None else 99, e.download_bytes))


# ----- speed on this machine --------------------------------------------------------------------

_measure_lock = threading.Lock()


@lru_cache(maxsize=1)
def measured_gflops() -> float:
    """This machine's float32 matrix-multiply rate (GFLOP/s): the fastest of 4 products of 768² matrices.

    The fastest run, not the mean: on a busy machine the others measure the other programs.
    """
    import numpy as np

    with _measure_lock:
        a = np.random.default_rng(0).random((768, 768), dtype=np.float32)
        a @ a  # warm-up (the BLAS thread pool starts)
        best = float("inf")
        for _ in range(4):
            start = time.perf_counter()
            a @ a
            best = min(best, time.perf_counter() - start)
        return 2 * 768 ** 3 / max(best, 1e-9) / 1e9


def photos_per_second(entry: CatalogueEntry) -> float | None:
    """An estimate of indexing speed on this CPU: the measured rate at half efficiency over the image compute."""
    if entry.image_gflops <= 0:
        return None
    return 0.5 * measured_gflops() / entry.image_gflops
