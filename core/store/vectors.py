"""The vector cache: one model's vectors as a flat, memory-mapped file, scanned in int8 and re-ranked in float16.

The catalog is the source of truth; this file must never give a wrong answer and never block one.

* **Why flat, not a graph.** Text queries sit apart from the photos they match (CLIP's modality gap) and
  their top ten are a low-contrast crowd: on the benchmark's vectors at 1M, 43 photos lie within 0.01 cosine
  of the 10th best. An HNSW graph built from the photos alone walks to the wrong crowd: usearch HNSW
  reached recall@10 0.54 at expansion_search 512 at 100k even with every candidate re-ranked exactly, an
  IVF (k-means, 512 lists) 0.93 while scanning a quarter of the lists, PCA-128 candidates 0.93, binary
  codes 0.55. Ranking needs every dimension of every vector, so the index is a scan: usearch's SIMD
  brute force over int8 codes (a quarter of float32's bytes, VNNI dot products) picks `RERANK`
  candidates, re-ranked by exact cosine over their float16 vectors. See `EXACT_LIMIT` for the figures.
* **A 2-bit first stage for big files.** From `COARSE_MIN` vectors the int8 scan (512 MB per query at 1M)
  is replaced, once a process searches again, by 2-bit codes held in an ONNX Runtime session
  (`core.store.coarse`: a quarter of the bytes, scored against the float query) that pick 0.5 % of the rows
  for the int8 codes to re-score and the float16 vectors to re-rank. It is built in memory in the
  background from the mapped file, checked against numpy before use, and dropped with the file it was
  built from (a save, a rebuild); nothing of it is saved, so the file's format is unchanged.
* **One file, memory-mapped.** `<name>.vectors` holds the item ids, the int8 codes and the float16
  vectors; it is opened with `numpy.memmap`, so its pages are the kernel's page cache, shared between
  processes and never copied: opening a 1M library reads nothing but its checksum.
* **A delta, merged later.** Vectors added since the file was written are kept in memory and searched
  exactly; items removed since are masked out. `save` writes a new file (file minus removed plus delta)
  only when that pending change is worth it (`MERGE_AT`), otherwise the next open catches up from the
  catalog, which is cheap.
* **Saved atomically, by the writer only.** The file and its JSON sidecar are written to temporary files
  with unique names, fsynced, then renamed over the old pair. A failed write (a full disk) removes its
  temporary files and leaves the previous pair as it was; it is logged, never raised. Only the process
  that holds the library's index lock saves (`Library` arranges it): queries and `status` never write.
* **Checked before it is trusted.** The sidecar records which catalog it belongs to (a random id kept in the
  catalog), how far into the catalog the file has caught up (last vector row id, last deletion tombstone),
  its size and CRC-32s: of the header, ids and int8 codes together, and of each block of `CHECK_ROWS`
  float16 rows. On open the first is verified (every search scans all codes), the index catches up, its
  count is compared with the catalog's, and a few of its vectors with the catalog's own; a float16 block is
  verified the first time a search reads a row of it (all of them before an exact scan or a merge). A
  mismatch found at open or in a search drops the file and rebuilds it, never trusted, and that search is
  answered exactly from the catalog. (Verifying the whole 1.5 GB file at open took 1.2 s of CPU at 1M.)
* **Rebuilt in the background.** While a missing, stale or damaged file is rebuilt, the catalog's vectors
  are held as float16 chunks and queries are answered by exact search over them; the new file is written
  beside the old one and swapped in atomically. `rebuild_state` shows the progress.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import mmap
import os
import stat
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.native import load_onnxruntime_first
from core.store.coarse import Cancelled as CoarseCancelled
from core.store.coarse import CoarseCodes
from core.store.coarse import block_size as coarse_block

if TYPE_CHECKING:  # pragma: no cover
    from core.store.catalog import Catalog

log = logging.getLogger(__name__)

#: Up to this many vectors a search scans the float16 vectors exactly; above it, the int8 codes pick `RERANK`
#: candidates that are re-ranked exactly. Measured with tests/bench/scale.py (100 text-like queries, recall@10
#: by id against numpy exact; 2-core CPU, loaded: wall p50 ms, CPU ms of all threads in brackets):
#:
#: | n    | float16 exact scan | int8 scan + re-rank 100 | recall@10 | int8 codes alone | numpy f32 (baseline) |
#: |------|--------------------|-------------------------|-----------|------------------|----------------------|
#: | 10k  | 3.0 (1.6)          | 3.1 (1.2)               | 1.000     | 0.976            | 25                   |
#: | 100k | 41 (13)            | 23 (7.9)                | 1.000     | 0.969            | 513                  |
#: | 1M   | 91 (156)           | 76 (144)                | 1.000     | 0.952            | 1016                 |
#:
#: usearch HNSW (f16, connectivity 32, expansion_add 256) reached 0.89 at expansion_search 2048 at 100k and
#: rebuilt at 155 vectors/s; this file rebuilds at 17k/s (100k) to 39k/s (1M), reading SQLite being most of it.
EXACT_LIMIT = 20_000
#: Candidates the int8 scan hands to the float16 re-rank beyond the k asked for. A search asks for 4 x the
#: files it shows (a video's frames crowd photos out) and the cut for up to 4,096 items: re-ranking 4 x k
#: (16,384 rows a query at 100k) was half of its time, for ranks it throws away.
RERANK = 100
#: From this many vectors in the file, a 2-bit first stage (`core.store.coarse`, built in the background at the
#: first search) picks `COARSE_SHARE` of the rows (at least `COARSE_FLOOR`) for the int8 codes to re-score,
#: instead of the int8 codes scanning all of them (512 MB per query at 1M). tests/bench/scale.py at 1M: see
#: README "Speed". Below it the int8 scan is quick enough (23 ms at 100k) and the build not worth its seconds.
COARSE_MIN = 200_000
COARSE_SHARE = 0.005
COARSE_FLOOR = 2_000
#: Seconds between a process's first search and the one that starts the first stage's build (`searched`).
COARSE_WARM_S = 2.0
#: `save` rewrites a big file only when vectors added or removed since it was written reach this fraction
#: of it; smaller files (under `SMALL_FILE` vectors) are rewritten on every save. The indexer saves every
#: few minutes, so a first index of 1M photos rewrites about 1/MERGE_AT times the final file in all
#: (16 GB at 1M), while the delta it searches exactly stays under 10 % (100 MB, 19 ms at 1M).
MERGE_AT = 0.10
SMALL_FILE = 50_000
#: Vectors quantised and written per step while rebuilding (the progress `rebuild_state` shows).
REBUILD_BATCH = 65_536
_FORMAT = 3
_MAGIC = b"MEDIALENS-VECTORS\n"
_HEADER = 4096
#: The catalog setting that names it (`catalog_identity`).
CATALOG_ID = "catalog_id"
_SPOT_CHECKS = 16
#: Float16 rows per checksum block: a re-rank of `RERANK` rows reads at most that many 64 KiB blocks (512-d).
CHECK_ROWS = 64


#: Float vectors up to this many are scanned with numpy: at that size it is as quick as usearch, and a cold
#: search of a small library does not import usearch (0.06-0.09 s of CPU, tests/bench/peer.py).
NUMPY_SCAN = 4096


def _scan(base: np.ndarray, query: np.ndarray, k: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows and distances of the k nearest rows of `base` (usearch's SIMD brute force, all threads)."""
    if metric == "Cos" and len(base) <= NUMPY_SCAN and base.dtype != np.int8:
        v = np.asarray(base, np.float32)
        q = np.asarray(query, np.float32).reshape(-1)
        sims = (v @ q) / np.maximum(np.linalg.norm(v, axis=1) * np.linalg.norm(q), 1e-12)
        rows = np.argsort(-sims, kind="stable")[:max(k, 0)]
        return rows.astype(np.int64), (1.0 - sims[rows]).astype(np.float32)
    load_onnxruntime_first()
    from usearch.index import MetricKind
    from usearch.index import search as brute_force

    m = brute_force(base, query, min(k, len(base)), getattr(MetricKind, metric), exact=True, threads=0)
    return np.asarray(m.keys, np.int64).reshape(-1), np.asarray(m.distances, np.float32).reshape(-1)


def _top(parts: list[tuple[np.ndarray, np.ndarray]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best (key, similarity) pairs of several partial answers, best first."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    keys = np.concatenate([p[0] for p in parts]).astype(np.int64)
    sims = np.concatenate([p[1] for p in parts]).astype(np.float32)
    order = np.argsort(-sims, kind="stable")[:k]
    return keys[order], sims[order]


@dataclass
class RebuildState:
    """What a background rebuild is doing: why, how far, since when."""

    reason: str
    total: int = 0
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: bool = False
    error: str | None = None

    def describe(self) -> str:
        if self.error:
            return f"rebuild failed ({self.error}); exact search meanwhile"
        pct = 100.0 * self.done / self.total if self.total else 0.0
        return (f"rebuilding in the background ({self.reason}): {self.done:,} of {self.total:,} vectors "
                f"({pct:.0f}%); exact search meanwhile")


class VectorsDamaged(Exception):
    """Bytes of a saved vectors file do not match their checksum."""


class ExactStore:
    """Vectors as float16 chunks in memory, searched exactly: the catalog's while the file is rebuilt, and
    the delta (vectors added since the file was written) otherwise."""

    def __init__(self, dim: int):
        self.dim = dim
        self.ids: list[np.ndarray] = []
        self.vecs: list[np.ndarray] = []
        self.last_vector_id = 0
        self.last_removed_seq = 0
        self.removed: set[int] = set()

    def __len__(self) -> int:
        return sum(len(i) for i in self.ids)

    def append(self, ids: np.ndarray, vecs: np.ndarray) -> None:
        self.ids.append(np.asarray(ids, np.uint64))
        self.vecs.append(np.ascontiguousarray(vecs, dtype=np.float16))
        if len(self.ids) > 64:  # many small appends from the indexer: merge the small tail
            small = [i for i, a in enumerate(self.ids) if len(a) < REBUILD_BATCH]
            if len(small) > 32:
                self.ids = [a for i, a in enumerate(self.ids) if i not in small] + [
                    np.concatenate([self.ids[i] for i in small])]
                self.vecs = [a for i, a in enumerate(self.vecs) if i not in small] + [
                    np.concatenate([self.vecs[i] for i in small])]

    def contains(self, keys: np.ndarray) -> np.ndarray:
        found = np.zeros(len(keys), bool)
        for ids in self.ids:
            found |= np.isin(keys, ids)
        return found

    def remove(self, keys: np.ndarray) -> None:
        """Drop rows (new arrays, so a rebuild reading the old ones is undisturbed)."""
        self.removed.update(int(k) for k in keys)
        for n, ids in enumerate(self.ids):
            keep = ~np.isin(ids, keys)
            if not keep.all():
                self.ids[n], self.vecs[n] = ids[keep], self.vecs[n][keep]

    def add_from(self, catalog: Catalog, model_id: int, dim: int,
                 known: Callable[[np.ndarray], np.ndarray] | None = None) -> int:
        """Append the catalog's vectors added since the last call (except keys `known` says are held)."""
        added = 0
        for keys, vecs, last in catalog.vector_batches(model_id, dim, after_id=self.last_vector_id):
            if known is not None:
                fresh = ~known(keys)
                keys, vecs = keys[fresh], vecs[fresh]
            if len(keys):
                self.append(keys, vecs)
            self.last_vector_id = last
            added += len(keys)
        return added

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        parts = []
        for ids, vecs in zip(self.ids, self.vecs, strict=True):
            if len(ids):
                rows, dists = _scan(vecs, query, k, "Cos")
                parts.append((ids[rows], 1.0 - dists))
        return _top(parts, k)


class FlatPart:
    """Item ids, int8 codes and float16 vectors of a set of vectors, memory-mapped from a `.vectors` file.

    File layout: a 4 KiB header (magic, then JSON: n, dim, scale), ids (uint64 x n), codes (int8 x n x dim),
    vectors (float16 x n x dim). Codes are the vectors times `scale`, rounded and clipped to ±127.
    """

    def __init__(self, keys: np.ndarray, codes: np.ndarray, vecs: np.ndarray, scale: float):
        self.keys, self.codes, self.vecs, self.scale = keys, codes, vecs, float(scale)
        self._block_crcs: np.ndarray | None = None  # `set_checks`: CRC-32 per CHECK_ROWS float16 rows
        self._unchecked: np.ndarray | None = None  # blocks not verified yet
        self._order = np.argsort(keys, kind="stable")
        self._sorted = keys[self._order]
        self.coarse: CoarseCodes | None = None  # the 2-bit first stage, once built (`start_coarse`)
        self._coarse_thread: threading.Thread | None = None
        self._coarse_cancel = threading.Event()
        self._first_search: float | None = None
        self._coarse_damage: VectorsDamaged | None = None  # found by the first stage's build

    @classmethod
    def empty(cls, dim: int) -> FlatPart:
        return cls(np.zeros(0, np.uint64), np.zeros((0, dim), np.int8), np.zeros((0, dim), np.float16), 1.0)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def dim(self) -> int:
        return self.vecs.shape[1]

    def rows_of(self, keys: np.ndarray) -> np.ndarray:
        """Each key's row, or -1 where the key is not here."""
        keys = np.asarray(keys, np.uint64)
        if not len(self):
            return np.full(len(keys), -1, np.int64)
        pos = np.minimum(np.searchsorted(self._sorted, keys), len(self) - 1)
        return np.where(self._sorted[pos] == keys, self._order[pos], -1).astype(np.int64)

    def contains(self, keys: np.ndarray) -> np.ndarray:
        return self.rows_of(keys) >= 0

    def candidates(self, query: np.ndarray, count: int) -> np.ndarray:
        """Rows of the `count` best by the int8 codes (approximate: to be re-ranked): among the rows the 2-bit
        first stage picks once it is built, otherwise among all."""
        q = np.clip(np.rint(query * (127.0 / max(float(np.abs(query).max()), 1e-12))), -127, 127).astype(np.int8)
        if self._coarse_damage is not None:
            raise self._coarse_damage
        coarse = self.coarse
        if coarse is None or count > len(self) // 16:  # a wide answer (a filtered search widening): scan all
            return _scan(self.codes, q, count, "IP")[0]
        rows = np.sort(coarse.candidates(query, max(count, COARSE_FLOOR, int(COARSE_SHARE * len(self)))))
        scores = np.asarray(self.codes[rows], np.float32) @ q.astype(np.float32)
        best = np.argpartition(-scores, count - 1)[:count] if count < len(rows) else np.arange(len(rows))
        return rows[best[np.argsort(-scores[best], kind="stable")]]

    def searched(self) -> None:
        """Called by each search that scans the codes: one `COARSE_WARM_S` or more after the first starts the
        first stage's build. A process that answers one query (the command line, whose query may scan more
        than once) never pays for it; a window or a script does from a later query on, the int8 scan
        answering until it is ready."""
        now = time.monotonic()
        if self._first_search is None:
            self._first_search = now
        elif now - self._first_search >= COARSE_WARM_S:
            self.start_coarse()

    def start_coarse(self) -> None:
        """Build the 2-bit first stage in a background thread (once; a failure is logged and the int8 scan
        stays)."""
        if self._coarse_thread is not None or len(self) < COARSE_MIN or coarse_block(self.dim) is None:
            return
        self._coarse_thread = threading.Thread(target=self._build_coarse, name="2-bit first stage", daemon=True)
        self._coarse_thread.start()

    def _build_coarse(self) -> None:
        try:
            self.verify()  # it reads every float16 row: each block's checksum first
            self.coarse = CoarseCodes.build(self.vecs, self._coarse_cancel)
        except CoarseCancelled:
            pass
        except VectorsDamaged as exc:  # the next search drops the file and rebuilds it (`VectorIndex.search`)
            self._coarse_damage = exc
        except Exception as exc:  # an onnxruntime without the kernel, memory: the int8 scan answers
            log.warning("no 2-bit first stage for %d vectors (%s: %s); the int8 scan answers",
                        len(self), type(exc).__name__, exc)

    def wait_coarse(self, timeout: float | None = None) -> bool:
        """Wait for the background build of the first stage; True when it is in use."""
        if self._coarse_thread is not None:
            self._coarse_thread.join(timeout)
        return self.coarse is not None

    def drop_coarse(self) -> None:
        """Stop a build under way (the part is being replaced)."""
        self._coarse_cancel.set()

    def set_checks(self, block_crcs: np.ndarray) -> None:
        """The sidecar's CRC-32 of each block of `CHECK_ROWS` float16 rows, verified as rows are first read."""
        self._block_crcs = np.asarray(block_crcs, np.uint32)
        self._unchecked = np.ones(len(block_crcs), bool)

    def verify(self, rows: np.ndarray | None = None) -> None:
        """Check the float16 blocks holding `rows` (all rows when None) against their checksums, each once;
        `VectorsDamaged` when one differs."""
        if self._unchecked is None:
            return
        blocks = np.flatnonzero(self._unchecked) if rows is None else np.unique(np.asarray(rows) // CHECK_ROWS)
        for b in blocks[self._unchecked[blocks]]:
            block = np.ascontiguousarray(self.vecs[b * CHECK_ROWS:(b + 1) * CHECK_ROWS])
            if zlib.crc32(block) != int(self._block_crcs[b]):
                raise VectorsDamaged(f"float16 rows {b * CHECK_ROWS}-{b * CHECK_ROWS + len(block) - 1} "
                                     f"fail their checksum")
            self._unchecked[b] = False

    def cosines(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Exact cosine of the query with the float16 vectors of `rows`: one gather from the mapping, in file
        order (`load` advises random access, so a row faulted in does not read its neighbours ahead).
        A `pread` per row cost 0.25 s a query at 100k items (16,384 rows re-ranked; tests/bench/gui_scale.py)."""
        self.verify(rows)
        order = np.argsort(rows, kind="stable")
        v = self.vecs[rows[order]].astype(np.float32)
        sims = np.empty(len(rows), np.float32)
        sims[order] = (v @ query) / np.maximum(np.linalg.norm(v, axis=1), 1e-12)
        return sims

    def exact(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        self.verify()
        rows, dists = _scan(self.vecs, query, k, "Cos")
        return rows, 1.0 - dists

    @staticmethod
    def scale_for(vecs: np.ndarray) -> float:
        """Codes use the whole int8 range for the largest component seen (later, larger ones are clipped)."""
        peak = float(np.abs(np.asarray(vecs, np.float32)).max()) if len(vecs) else 1.0
        return 127.0 / max(peak, 1e-6)

    @staticmethod
    def write(path: Path, pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]], dim: int, scale: float,
              progress: Callable[[int], bool] | None = None) -> None:
        """Write (keys, float16 vectors, codes or None: made here) pieces as one file.

        `progress(n)` is called after each piece's codes with the rows done; returning False abandons the write.
        """
        n = sum(len(p[0]) for p in pieces)
        head = _MAGIC + json.dumps({"n": n, "dim": dim, "scale": scale}).encode()
        with open(path, "wb") as fh:
            fh.write(head.ljust(_HEADER, b" "))
            for keys, _, _ in pieces:
                fh.write(np.ascontiguousarray(keys, "<u8").tobytes())
            done = 0
            for keys, vecs, codes in pieces:
                for start in range(0, len(keys), REBUILD_BATCH):
                    part = np.asarray(vecs[start:start + REBUILD_BATCH])
                    c = codes[start:start + REBUILD_BATCH] if codes is not None else np.clip(
                        np.rint(part.astype(np.float32) * scale), -127, 127).astype(np.int8)
                    fh.write(np.ascontiguousarray(c, np.int8).tobytes())
                    done += len(part)
                    if progress is not None and not progress(done):
                        raise _Cancelled
            for _, vecs, _ in pieces:
                for start in range(0, len(vecs), REBUILD_BATCH):
                    fh.write(np.ascontiguousarray(vecs[start:start + REBUILD_BATCH], "<f2").tobytes())

    @classmethod
    def load(cls, path: Path, dim: int) -> FlatPart:
        with open(path, "rb") as fh:
            head = fh.read(_HEADER)
        if not head.startswith(_MAGIC):
            raise ValueError("not a vectors file")
        info = json.loads(head[len(_MAGIC):].decode().strip())
        n = int(info["n"])
        if info["dim"] != dim or path.stat().st_size != _HEADER + n * (8 + 3 * dim):
            raise ValueError("vectors file of another size")
        if n == 0:
            return cls.empty(dim)
        keys = np.memmap(path, "<u8", "r", _HEADER, (n,))
        codes = np.memmap(path, np.int8, "r", _HEADER + 8 * n, (n, dim))
        vecs = np.memmap(path, "<f2", "r", _HEADER + 8 * n + n * dim, (n, dim))
        mapping = getattr(vecs, "_mmap", None)
        if mapping is not None and hasattr(mmap, "MADV_RANDOM"):
            mapping.madvise(mmap.MADV_RANDOM)
        return cls(np.asarray(keys), codes, vecs, info["scale"])


class _Cancelled(Exception):
    """A rebuild was told to stop (the library is closing)."""


class VectorIndex:
    """Cosine search over one model's vectors, keyed by catalog item id."""

    def __init__(self, catalog: Catalog, model_id: int, dim: int, folder: Path, name: str,
                 *, background: bool = True):
        self.catalog = catalog
        self.model_id = model_id
        self.dim = dim
        self.path = Path(folder) / f"{name}.vectors"
        self.meta_path = self.path.with_suffix(".json")
        self.background = background
        self._lock = threading.RLock()
        self._main: FlatPart | None = None  # None while rebuilding (or after a failed rebuild)
        self._main_path: Path | None = None  # the file it is mapped from: self.path, or a rebuild's unsaved file
        self._delta = ExactStore(dim)  # vectors added since the main part was written
        self._removed: set[int] = set()  # keys in the main part whose items were removed since
        self._last_vector_id = 0
        self._last_removed_seq = 0
        self._dirty = False
        self.rebuilt_reason: str | None = None
        self.rebuild_state: RebuildState | None = None
        #: Called (from the rebuild thread) when a rebuilt index has been swapped in.
        self.on_rebuilt: Callable[[VectorIndex], None] | None = None
        self._exact: ExactStore | None = None
        self._store_ready = threading.Event()  # cleared only while a rebuild reads the catalog
        self._store_ready.set()
        self._rebuilt = threading.Event()
        self._rebuilt.set()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    # ----- lifecycle --------------------------------------------------------------------------

    def open(self) -> VectorIndex:
        """Map the saved file, catch up with the catalog; rebuild (in the background) what cannot be trusted.

        Temporary files of a process killed mid-save are removed first (never a live one's)."""
        _remove_stale_temps(self.path)
        _remove_stale_temps(self.meta_path)
        with self._lock:
            reason = self._load()
            if reason is None:
                self.sync()
                reason = self._check_against_catalog()
            if reason is None:
                return self
            self._set_main(None, None)
            if reason == "no index file" and self.catalog.last_vector_id(self.model_id) == 0:
                self._set_main(FlatPart.empty(self.dim), None)  # a new library: nothing to rebuild
                self._last_removed_seq = self.catalog.last_removed_seq()
                return self
        self.rebuild(reason, wait=not self.background)
        return self

    def _set_main(self, part: FlatPart | None, path: Path | None) -> None:
        old = self._main_path
        if self._main is not None and self._main is not part:
            self._main.drop_coarse()
        self._main, self._main_path = part, path
        self._delta, self._removed = ExactStore(self.dim), set()
        if old is not None and old != self.path and old != path:
            with contextlib.suppress(OSError):
                old.unlink()  # a rebuild's file that was never saved (its mapping stays valid until dropped)

    def _load(self) -> str | None:
        """Read the sidecar, verify the file's checksum and map it; returns why they cannot be used, or None."""
        if not self.path.exists():
            return "no index file"
        try:
            meta = json.loads(self.meta_path.read_text())
            if meta.get("format") != _FORMAT or meta.get("dim") != self.dim:
                return "index written by another version or for another model"
            size = self.path.stat().st_size
            n = (size - _HEADER) // (8 + 3 * self.dim)
            if meta.get("size") != size:
                return "index file damaged (checksum mismatch)"
            if "crc32_blocks" in meta:  # the header, ids and codes now; float16 rows as searches read them
                blocks = np.frombuffer(base64.b64decode(meta["crc32_blocks"]), "<u4")
                if (len(blocks) != -(-n // CHECK_ROWS) or meta.get("crc32_rows") != CHECK_ROWS
                        or meta.get("crc32_head") != _crc32(self.path, _HEADER + n * (8 + self.dim))):
                    return "index file damaged (checksum mismatch)"
            elif meta.get("crc32") == _crc32(self.path):  # saved without block checksums: the whole file now
                blocks = None
            else:
                return "index file damaged (checksum mismatch)"
            part = FlatPart.load(self.path, self.dim)
            if blocks is not None and len(part):
                part.set_checks(blocks)
        except Exception as exc:  # a damaged file can fail in many ways
            return f"index file unreadable ({type(exc).__name__})"
        if meta.get("catalog_id") != catalog_identity(self.catalog, create=False):
            return "index belongs to another library (its catalog id differs)"
        if meta["last_vector_id"] > self.catalog.last_vector_id(self.model_id):
            return "index is ahead of the catalog (catalog replaced?)"
        self._set_main(part, self.path)
        self._last_vector_id = int(meta["last_vector_id"])
        self._last_removed_seq = int(meta["last_removed_seq"])
        return None

    def _check_against_catalog(self) -> str | None:
        """Count, then a spot check: the first stored vectors must be the catalog's own."""
        expected = self.catalog.vector_count(self.model_id)
        if len(self) != expected:
            return f"index holds {len(self)} vectors, catalog {expected}"
        first = next(iter(self.catalog.vector_batches(self.model_id, self.dim, batch=_SPOT_CHECKS)), None)
        if first is not None:
            keys, want = first[0], first[1].astype(np.float32)
            at = self._main.rows_of(keys)
            in_delta = self._delta.contains(keys)
            if ((at < 0) & ~in_delta).any():
                return "index vectors differ from the catalog's"
            try:
                self._main.verify(at[at >= 0])
            except VectorsDamaged as exc:
                return f"index file damaged ({exc})"
            got = np.asarray(self._main.vecs[np.sort(at[at >= 0])], np.float32)
            if not np.allclose(got, want[at >= 0][np.argsort(at[at >= 0], kind="stable")], atol=2e-3):
                return "index vectors differ from the catalog's"
        return None

    def rebuild(self, reason: str = "requested", wait: bool = True) -> None:
        """Recreate the file from the catalog's vectors, exact search answering meanwhile."""
        with self._lock:
            if self.rebuilding:
                reason = ""  # one is under way already
            if reason:
                self._start_rebuild(reason)
        if wait:
            self.wait_rebuilt()

    def _start_rebuild(self, reason: str) -> None:
        log.info("rebuilding vector index %s: %s", self.path.name, reason)
        self.rebuilt_reason = reason
        self.rebuild_state = RebuildState(reason)  # its total is counted by the rebuild (0.2 s at 1M)
        self._exact = ExactStore(self.dim)
        self._store_ready.clear()
        self._rebuilt.clear()
        self._cancel.clear()
        self._thread = threading.Thread(target=self._rebuild_worker, name=f"rebuild {self.path.name}", daemon=True)
        self._thread.start()

    def _rebuild_worker(self) -> None:
        state, store = self.rebuild_state, self._exact
        made: list[Path] = []
        try:
            # 1. the catalog's vectors into memory: from here on queries are answered exactly
            state.total = self.catalog.vector_count(self.model_id)
            store.last_removed_seq = self.catalog.last_removed_seq()
            store.add_from(self.catalog, self.model_id, self.dim)
            state.total = len(store)
            self._store_ready.set()
            # 2. the file, written beside the saved one from a snapshot of the store (later additions are appended)
            with self._lock:
                chunks = list(zip(store.ids, store.vecs, strict=True))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _remove_stale_temps(self.path)
            part_path = _temp_beside(self.path, made)
            part = self._build_part(part_path, chunks, state)
            # 3. catch up with what changed meanwhile, then swap
            with self._lock:
                if self._cancel.is_set():
                    return
                self._sync_exact(store)
                self._set_main(part, part_path)
                made.clear()  # the file is the main part's now (saved, or removed when replaced or closed)
                built = {id(a) for a, _ in chunks}
                for ids, vecs in zip(store.ids, store.vecs, strict=True):
                    if id(ids) not in built and len(ids):
                        self._delta.append(ids, vecs)
                gone = np.fromiter(store.removed, np.uint64, len(store.removed))
                self._removed = {int(k) for k in gone[part.contains(gone)]}
                self._last_vector_id = store.last_vector_id
                self._last_removed_seq = store.last_removed_seq
                self._exact = None
                self._dirty = True
                state.done = state.total = len(self)
                state.finished = True
            log.info("vector index %s rebuilt: %d vectors in %.1f s", self.path.name, len(part),
                     time.monotonic() - state.started)
            if self.on_rebuilt is not None:
                self.on_rebuilt(self)
        except _Cancelled:
            pass
        except Exception as exc:  # the catalog went away (library closed), a full disk: stay exact
            state.error = f"{type(exc).__name__}: {exc}"
            log.warning("rebuilding vector index %s failed: %s", self.path.name, state.error)
        finally:
            for t in made:
                with contextlib.suppress(OSError):
                    t.unlink()
            self._store_ready.set()
            self._rebuilt.set()

    def _build_part(self, path: Path, chunks: list[tuple[np.ndarray, np.ndarray]], state: RebuildState) -> FlatPart:
        """Quantise and write the snapshot's vectors to `path`, then map it."""
        scale = FlatPart.scale_for(chunks[0][1][:REBUILD_BATCH]) if chunks else 1.0

        def progress(done: int) -> bool:
            state.done = done
            return not self._cancel.is_set()

        FlatPart.write(path, [(ids, vecs, None) for ids, vecs in chunks], self.dim, scale, progress)
        return FlatPart.load(path, self.dim)

    @property
    def rebuilding(self) -> bool:
        return not self._rebuilt.is_set()

    def wait_rebuilt(self, timeout: float | None = None) -> bool:
        """Wait for a background rebuild to finish; True when none is running."""
        return self._rebuilt.wait(timeout)

    def close(self) -> None:
        """Stop a background rebuild (its work is lost; the next open starts again)."""
        self._cancel.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        with self._lock:
            if self._main is not None:
                self._main.drop_coarse()
            if self._main_path is not None and self._main_path != self.path:
                with contextlib.suppress(OSError):
                    self._main_path.unlink()  # rebuilt but never saved (a reader's rebuild)

    def sync(self) -> int:
        """Catch up with vectors added and items removed in the catalog since the last sync."""
        self._store_ready.wait()
        with self._lock:
            if self._main is None:
                return self._sync_exact(self._exact)
            removed, last_seq = self.catalog.removed_since(self._last_removed_seq)
            if removed:
                gone = np.asarray(removed, np.uint64)
                self._delta.remove(gone)
                self._removed.update(int(k) for k in gone[self._main.contains(gone)])
            self._last_removed_seq = last_seq
            self._delta.last_vector_id = self._last_vector_id
            added = self._delta.add_from(self.catalog, self.model_id, self.dim, known=self._holds)
            self._last_vector_id = self._delta.last_vector_id
            if removed or added:
                self._dirty = True
            return added

    def _holds(self, keys: np.ndarray) -> np.ndarray:
        return self._main.contains(keys) | self._delta.contains(keys)

    def _sync_exact(self, store: ExactStore | None) -> int:
        if store is None:  # a failed rebuild left nothing to search
            return 0
        removed, store.last_removed_seq = self.catalog.removed_since(store.last_removed_seq)
        if removed:
            store.remove(np.asarray(removed, np.uint64))
        return store.add_from(self.catalog, self.model_id, self.dim)

    def save(self, wait: bool = True, force: bool = False) -> bool:
        """Write the file and sidecar if anything changed and the change is worth a write (`MERGE_AT`);
        False (logged) when the disk refused.

        The new file is the saved one minus removed items plus the delta (or a rebuild's file, renamed into
        place). Both are written to uniquely named temporary files first and renamed only when both are
        complete, so a failed save leaves the previous pair intact and leaves no partial file. A rebuild
        under way is waited for (`wait`), or there is nothing to save yet.
        """
        if wait:
            self.wait_rebuilt()
        with self._lock:
            if not self._dirty or self._main is None:
                return True
            main, pending = self._main, len(self._delta) + len(self._removed)
            fresh = self._main_path != self.path  # a rebuild's file, not yet in place
            if not (force or fresh or (pending and (len(main) < SMALL_FILE or pending >= MERGE_AT * len(main)))):
                return True  # cheaper to catch up from the catalog at the next open than to rewrite the file
            try:
                main.verify()  # its rows are copied into the new file: never a damaged file's
            except VectorsDamaged as exc:
                self._distrust(exc)
                return False
            tmps: list[Path] = []
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if fresh and not pending and self._main_path is not None:
                    data = self._main_path
                else:
                    data = _temp_beside(self.path, tmps)
                    _write_part(data, self._merged_pieces(), self.dim, main.scale)
                meta = {
                    "format": _FORMAT, "dim": self.dim, "count": len(self),
                    "last_vector_id": self._last_vector_id, "last_removed_seq": self._last_removed_seq,
                    "size": data.stat().st_size, **_checksums(data, self.dim), "rerank": RERANK,
                    "catalog_id": catalog_identity(self.catalog, create=True),
                }
                tmp_meta = _temp_beside(self.meta_path, tmps)
                tmp_meta.write_text(json.dumps(meta))
                for t in (data, tmp_meta):
                    _fsync(t)
                os.replace(data, self.path)
                os.replace(tmp_meta, self.meta_path)
                _fsync_dir(self.path.parent)
            except OSError as exc:
                log.warning("could not save the vector index %s (%s); the catalog holds every vector, so "
                            "it will catch up or be rebuilt next time", self.path, exc.strerror or exc)
                return False
            finally:
                for t in tmps:
                    with contextlib.suppress(OSError):
                        t.unlink()
            replaced = self._main_path
            self._main_path = self.path  # (renamed when it was the data written)
            part = FlatPart.load(self.path, self.dim)
            if len(part):
                part.set_checks(np.frombuffer(base64.b64decode(meta["crc32_blocks"]), "<u4"))
            self._set_main(part, self.path)
            if replaced not in (None, self.path, data):
                with contextlib.suppress(OSError):
                    replaced.unlink()  # a rebuild's file, merged into the saved one
            with contextlib.suppress(OSError):
                self.path.with_suffix(".usearch").unlink()  # the graph of format 2, replaced by this file
            self._dirty = False
            return True

    def _merged_pieces(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """The main part minus removed items, in row blocks (codes kept), then the delta's chunks."""
        main, pieces = self._main, []
        gone = np.fromiter(self._removed, np.uint64, len(self._removed))
        for start in range(0, len(main), REBUILD_BATCH):
            keys = main.keys[start:start + REBUILD_BATCH]
            keep = ~np.isin(keys, gone) if len(gone) else slice(None)
            pieces.append((keys[keep], main.vecs[start:start + REBUILD_BATCH][keep],
                           main.codes[start:start + REBUILD_BATCH][keep]))
        pieces += [(ids, vecs, None) for ids, vecs in zip(self._delta.ids, self._delta.vecs, strict=True)]
        return pieces

    # ----- queries ----------------------------------------------------------------------------

    def __len__(self) -> int:
        self._store_ready.wait()  # a rebuild's first phase: its count is known once the catalog is read
        if self._main is not None:
            return len(self._main) - len(self._removed) + len(self._delta)
        return 0 if self._exact is None else len(self._exact)

    def similarities(self, keys: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cosines of the query with the vectors of `keys` held here: (keys found, their cosines, keys not held).

        A filtered search scores the items its filter allows from memory this way, rather than reading
        their vectors from the catalog (with the kept allowed items, 5.3× → 1.64× the unfiltered search at
        100k items: tests/bench/filters.py).
        """
        try:
            return self._similarities(keys, query)
        except VectorsDamaged as exc:
            self._distrust(exc)
            return self._similarities(keys, query)

    def _similarities(self, keys: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._store_ready.wait()
        keys = np.asarray(keys, np.uint64)
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        found_keys, found_sims = [], []
        left = np.ones(len(keys), bool)
        with self._lock:
            stores = [self._delta] if self._main is not None else [self._exact] if self._exact is not None else []
            if self._main is not None and len(self._main):
                rows = self._main.rows_of(keys)
                held = rows >= 0
                if self._removed:
                    held &= ~np.isin(keys, np.fromiter(self._removed, np.uint64, len(self._removed)))
                if held.any():
                    found_keys.append(keys[held])
                    found_sims.append(self._main.cosines(rows[held], query))
                left &= ~held
            for store in stores:
                for ids, vecs in zip(store.ids, store.vecs, strict=True):
                    if not left.any():
                        break
                    pos = np.minimum(np.searchsorted(np.sort(ids), keys), max(len(ids) - 1, 0))
                    order = np.argsort(ids, kind="stable")
                    hit = left & (len(ids) > 0) & (ids[order][pos] == keys) if len(ids) else np.zeros_like(left)
                    if hit.any():
                        v = vecs[order[pos[hit]]].astype(np.float32)
                        found_keys.append(keys[hit])
                        found_sims.append((v @ query) / np.maximum(np.linalg.norm(v, axis=1), 1e-12))
                        left &= ~hit
        if not found_keys:
            return np.zeros(0, np.uint64), np.zeros(0, np.float32), keys[left]
        return np.concatenate(found_keys), np.concatenate(found_sims).astype(np.float32), keys[left]

    def search(self, query: np.ndarray, k: int, exact: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Item ids and cosine similarities of the k nearest vectors, best first.

        `exact`: scan every float16 vector (default: only up to `EXACT_LIMIT` vectors; above it the int8
        codes pick candidates that are re-ranked exactly). A file found damaged meanwhile is dropped and
        rebuilt, and the answer is the catalog's exact one.
        """
        try:
            return self._search(query, k, exact)
        except VectorsDamaged as exc:
            self._distrust(exc)
            return self._search(query, k, exact)

    def _distrust(self, exc: VectorsDamaged) -> None:
        """Drop a main part found damaged after open; the catalog's vectors answer while it is rebuilt."""
        with self._lock:
            if self._main is not None:
                log.warning("vector index %s damaged: %s", self.path.name, exc)
                self._set_main(None, None)
                self._start_rebuild(f"index file damaged ({exc})")

    def _search(self, query: np.ndarray, k: int, exact: bool | None) -> tuple[np.ndarray, np.ndarray]:
        self._store_ready.wait()
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        with self._lock:
            if self._main is None:
                if self._exact is None or k <= 0:
                    return np.zeros(0, np.int64), np.zeros(0, np.float32)
                return self._exact.search(query, k)
            main, parts = self._main, []
            if len(main) and k > 0:
                extra = len(self._removed)
                if exact or (exact is None and len(main) <= EXACT_LIMIT):
                    rows, sims = main.exact(query, k + extra)
                else:
                    main.searched()
                    rows = main.candidates(query, k + RERANK + extra)
                    sims = main.cosines(rows, query)
                keys = main.keys[rows]
                if extra:
                    keep = ~np.isin(keys, np.fromiter(self._removed, np.uint64, extra))
                    keys, sims = keys[keep], sims[keep]
                parts.append((keys, sims))
            if len(self._delta) and k > 0:
                parts.append(self._delta.search(query, k))
            return _top(parts, max(k, 0))


def catalog_identity(catalog: Catalog, create: bool) -> str | None:
    """The catalog's random id, written into every vector file saved for it: another library's file (same
    count, same first vectors) is told apart and rebuilt. Made by the first save (the writer), so queries
    never write; a file saved before ids existed matches a catalog that has none yet."""
    known = catalog.get_setting(CATALOG_ID)
    if known is None and create:
        import uuid

        known = uuid.uuid4().hex
        catalog.set_setting(CATALOG_ID, known)
    return known


def _write_part(path: Path, pieces, dim: int, scale: float) -> None:
    """`FlatPart.write`, by name here so that a test can make the disk run full."""
    FlatPart.write(path, pieces, dim, scale)


def _remove_stale_temps(target: Path) -> None:
    """Temporary files left by a process that died mid-write or mid-rebuild (`core.tempfiles`)."""
    from core.tempfiles import pid_field, remove_orphans

    prefix = f".{target.name}."
    remove_orphans(target.parent.glob(f"{prefix}*.tmp"), lambda t: pid_field(t.name[len(prefix):], 0))


def _crc32(path: Path, length: int | None = None) -> int:
    """CRC-32 of the file's first `length` bytes (all when None), read through a mapping: no copies (the
    520 MB checked at each open of 1M vectors: 0.13 s of CPU instead of 0.21 s read into buffers)."""
    crc = 0
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        end = size if length is None else min(length, size)
        if end <= 0:
            return crc
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            view = memoryview(mapped)
            try:
                for start in range(0, end, 1 << 24):
                    crc = zlib.crc32(view[start:min(start + (1 << 24), end)], crc)
            finally:
                view.release()
    return crc


def _checksums(path: Path, dim: int) -> dict:
    """The sidecar's checksums of a vectors file: the whole file's CRC-32 (`crc32`, as before block checksums),
    that of its header, ids and codes (`crc32_head`, verified at open) and one per `CHECK_ROWS` float16 rows
    (`crc32_blocks`, base64 of little-endian uint32: verified as searches read the rows)."""
    n = (path.stat().st_size - _HEADER) // (8 + 3 * dim)
    head_len, block = _HEADER + n * (8 + dim), CHECK_ROWS * 2 * dim
    whole = head = _crc32(path, head_len)
    blocks = []
    with open(path, "rb") as fh:
        fh.seek(head_len)
        while chunk := fh.read(block * 256):
            whole = zlib.crc32(chunk, whole)
            view = memoryview(chunk)
            blocks += [zlib.crc32(view[s:s + block]) for s in range(0, len(chunk), block)]
    return {"crc32": whole, "crc32_head": head, "crc32_rows": CHECK_ROWS,
            "crc32_blocks": base64.b64encode(np.asarray(blocks, "<u4").tobytes()).decode()}


def _temp_beside(target: Path, made: list[Path]) -> Path:
    """A new, uniquely named temporary file in the target's folder (same filesystem: rename is atomic)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp")
    os.close(fd)
    os.chmod(name, stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644)  # mkstemp's is 0600
    made.append(Path(name))
    return made[-1]


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(folder, os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
