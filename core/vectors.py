"""The usearch vector index: a derived cache of the catalog's vectors, one per model.

The catalog is the source of truth; this file must never give a wrong answer and never block one.

* **Saved atomically, by the writer only.** Index and sidecar are written to temporary files with
  unique names (two processes never share one), fsynced, then renamed over the old pair. A failed
  write (a full disk) removes its temporary files and leaves the previous pair as it was; it is
  logged, never raised: the catalog holds everything, so a lost save costs a catch-up, not data.
  Only the process that holds the library's index lock saves (`Library` arranges it): queries and
  `status` never write.
* **Checked at open.** The sidecar records how far into the catalog the index has caught up (last
  vector row id, last deletion tombstone), the file's size and CRC-32, and the settings it was
  built with. On open the file's checksum is verified, the index catches up from there
  (idempotently), its count is compared with the catalog's, and a few of its vectors are compared
  with the catalog's own. Anything that does not match is rebuilt, never trusted.
* **Rebuilt in the background, in batches.** While a missing, stale or damaged index is rebuilt, the
  catalog's vectors are held as float16 chunks and queries are answered by exact search over them
  (usearch's SIMD brute force: the same scores the finished index gives), so results never go
  missing; the finished index is swapped in atomically. `rebuild_state` shows the progress.

Settings were chosen with `tests/bench/scale.py` (clustered CLIP-like vectors): see `ANN`.
"""

from __future__ import annotations

import contextlib
import json
import logging
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

from core.errors import QueryError
from core.runtime.native import load_onnxruntime_first

if TYPE_CHECKING:  # pragma: no cover
    from core.catalog import Catalog

log = logging.getLogger(__name__)

#: Up to this many vectors a search compares against all of them: tests/bench/scale.py measured usearch's
#: exact scan at 30 ms p50 for 100k (loaded 2-core CPU), where HNSW reached only recall@10 0.89 in 22 ms.
EXACT_LIMIT = 100_000
#: HNSW settings, measured with tests/bench/scale.py (recall@10 vs numpy exact, text-like queries across
#: the modality gap): at 100k, expansion_search 512 / 1024 / 2048 gave 0.77 / 0.83 / 0.89 in 9 / 13 / 22 ms.
ANN = {"connectivity": 32, "expansion_add": 256, "expansion_search": 2048}
#: Vectors added to the index per call while rebuilding (usearch parallelises each call).
REBUILD_BATCH = 16_384
_FORMAT = 2
_SPOT_CHECKS = 16


def f16_blob(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype="<f2").tobytes()


def from_blobs(blobs: list[bytes], dim: int) -> np.ndarray:
    return np.frombuffer(b"".join(blobs), dtype="<f2").reshape(-1, dim)


def unit(v: np.ndarray, nothing_left: str = "the query has no direction (an empty or degenerate vector)",
         min_norm: float = 0.0) -> np.ndarray:
    """A unit-length float32 copy of a vector (flattened).

    A vector no longer than `min_norm`, or not finite, has no direction to keep: `QueryError(nothing_left)`.
    """
    v = np.asarray(v, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(v))
    if norm <= min_norm or not np.isfinite(norm):
        raise QueryError(nothing_left)
    return v / norm


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


class ExactStore:
    """The catalog's vectors as float16 chunks, searched exactly while the index is rebuilt."""

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

    def remove(self, keys: np.ndarray) -> None:
        """Drop rows (new arrays, so a rebuild reading the old ones is undisturbed)."""
        self.removed.update(int(k) for k in keys)
        for n, ids in enumerate(self.ids):
            keep = ~np.isin(ids, keys)
            if not keep.all():
                self.ids[n], self.vecs[n] = ids[keep], self.vecs[n][keep]

    def add_from(self, catalog: Catalog, model_id: int, dim: int) -> int:
        """Append the catalog's vectors added since the last call."""
        added = 0
        for rows in catalog.iter_vectors(model_id, after_id=self.last_vector_id):
            self.append(np.fromiter((r[1] for r in rows), np.uint64, len(rows)),
                        from_blobs([r[2] for r in rows], dim))
            self.last_vector_id = rows[-1][0]
            added += len(rows)
        return added

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        load_onnxruntime_first()
        from usearch.index import MetricKind
        from usearch.index import search as brute_force

        keys, dists = [], []
        for ids, vecs in zip(self.ids, self.vecs, strict=True):
            if not len(ids):
                continue
            m = brute_force(vecs, query, min(k, len(ids)), MetricKind.Cos, exact=True)
            rows = np.asarray(m.keys, np.int64)
            keys.append(ids[rows].astype(np.int64))
            dists.append(np.asarray(m.distances, np.float32))
        if not keys:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        all_keys, all_dists = np.concatenate(keys), np.concatenate(dists)
        order = np.argsort(all_dists, kind="stable")[:k]
        return all_keys[order], 1.0 - all_dists[order]


class VectorIndex:
    """Cosine ANN over one model's vectors, keyed by catalog item id."""

    def __init__(self, catalog: Catalog, model_id: int, dim: int, folder: Path, name: str,
                 *, background: bool = True):
        self.catalog = catalog
        self.model_id = model_id
        self.dim = dim
        self.path = Path(folder) / f"{name}.usearch"
        self.meta_path = self.path.with_suffix(".json")
        self.background = background
        self._lock = threading.RLock()
        self._index = None
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

    def _new_index(self):
        load_onnxruntime_first()
        from usearch.index import Index

        return Index(ndim=self.dim, metric="cos", dtype="f16", connectivity=ANN["connectivity"],
                     expansion_add=ANN["expansion_add"], expansion_search=ANN["expansion_search"])

    def open(self) -> VectorIndex:
        """Load the saved index, catch up with the catalog; rebuild (in the background) what cannot be trusted."""
        with self._lock:
            reason = self._load()
            if reason is None:
                self.sync()
                reason = self._check_against_catalog()
            if reason is None:
                return self
            self._index = None
            if reason == "no index file" and self.catalog.vector_count(self.model_id) == 0:
                self._index = self._new_index()  # a new library: nothing to rebuild
                self._last_removed_seq = self.catalog.last_removed_seq()
                return self
        self.rebuild(reason, wait=not self.background)
        return self

    def _load(self) -> str | None:
        """Read index + sidecar and verify the file's checksum; returns why they cannot be used, or None."""
        load_onnxruntime_first()
        from usearch.index import Index

        if not self.path.exists():
            return "no index file"
        try:
            meta = json.loads(self.meta_path.read_text())
            if meta.get("format") != _FORMAT or meta.get("dim") != self.dim:
                return "index written by another version or for another model"
            if meta.get("size") != self.path.stat().st_size or meta.get("crc32") != _crc32(self.path):
                return "index file damaged (checksum mismatch)"
            index = Index.restore(str(self.path), view=False)
            if index is None or index.ndim != self.dim:
                return "index file unreadable"
            index.expansion_search = ANN["expansion_search"]
        except Exception as exc:  # a corrupt file can fail in many ways inside usearch
            return f"index file unreadable ({type(exc).__name__})"
        if meta["last_vector_id"] > self.catalog.last_vector_id(self.model_id):
            return "index is ahead of the catalog (catalog replaced?)"
        self._index = index
        self._last_vector_id = int(meta["last_vector_id"])
        self._last_removed_seq = int(meta["last_removed_seq"])
        return None

    def _check_against_catalog(self) -> str | None:
        """Count, then a spot check: the first stored vectors must be the catalog's own."""
        expected = self.catalog.vector_count(self.model_id)
        if len(self._index) != expected:
            return f"index holds {len(self._index)} vectors, catalog {expected}"
        rows = next(iter(self.catalog.iter_vectors(self.model_id, batch=_SPOT_CHECKS)), [])
        if rows:
            keys = np.fromiter((r[1] for r in rows), np.uint64, len(rows))
            got = self._index.get(keys, dtype=np.float16)
            want = from_blobs([r[2] for r in rows], self.dim)
            if got is None or np.asarray(got).shape != want.shape or not np.allclose(
                    np.asarray(got, np.float32), want.astype(np.float32), atol=2e-3):
                return "index vectors differ from the catalog's"
        return None

    def rebuild(self, reason: str = "requested", wait: bool = True) -> None:
        """Recreate the index from the catalog's vectors, exact search answering meanwhile."""
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
        self.rebuild_state = RebuildState(reason, total=self.catalog.vector_count(self.model_id))
        self._exact = ExactStore(self.dim)
        self._store_ready.clear()
        self._rebuilt.clear()
        self._cancel.clear()
        self._thread = threading.Thread(target=self._rebuild_worker, name=f"rebuild {self.path.name}", daemon=True)
        self._thread.start()

    def _rebuild_worker(self) -> None:
        state, store = self.rebuild_state, self._exact
        try:
            # 1. the catalog's vectors into memory: from here on queries are answered exactly
            store.last_removed_seq = self.catalog.last_removed_seq()
            store.add_from(self.catalog, self.model_id, self.dim)
            state.total = len(store)
            self._store_ready.set()
            # 2. the index, in batches, from a snapshot of the store (later additions are appended to it)
            index = self._new_index()
            with self._lock:
                chunks = list(zip(store.ids, store.vecs, strict=True))
            threads = os.cpu_count() or 1
            for ids, vecs in chunks:
                for start in range(0, len(ids), REBUILD_BATCH):
                    if self._cancel.is_set():
                        return
                    index.add(ids[start:start + REBUILD_BATCH], vecs[start:start + REBUILD_BATCH], threads=threads)
                    state.done += len(ids[start:start + REBUILD_BATCH])
            # 3. catch up with what changed meanwhile, then swap
            with self._lock:
                if self._cancel.is_set():
                    return
                self._sync_exact(store)
                built = {id(a) for a, _ in chunks}
                for ids, vecs in zip(store.ids, store.vecs, strict=True):
                    if id(ids) not in built and len(ids):
                        present = np.asarray(index.contains(ids), bool)
                        if (~present).any():
                            index.add(ids[~present], vecs[~present], threads=threads)
                gone = np.fromiter(store.removed, np.uint64, len(store.removed))
                if len(gone):
                    present = np.asarray(index.contains(gone), bool)
                    if present.any():
                        index.remove(gone[present])
                self._index = index
                self._last_vector_id = store.last_vector_id
                self._last_removed_seq = store.last_removed_seq
                self._exact = None
                self._dirty = True
                state.done, state.total, state.finished = len(index), len(index), True
            log.info("vector index %s rebuilt: %d vectors in %.1f s", self.path.name, len(index),
                     time.monotonic() - state.started)
            if self.on_rebuilt is not None:
                self.on_rebuilt(self)
        except Exception as exc:  # the catalog went away (library closed) or usearch failed: stay exact
            state.error = f"{type(exc).__name__}: {exc}"
            log.warning("rebuilding vector index %s failed: %s", self.path.name, state.error)
        finally:
            self._store_ready.set()
            self._rebuilt.set()

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

    def sync(self) -> int:
        """Catch up with vectors added and items removed in the catalog since the last sync."""
        self._store_ready.wait()
        with self._lock:
            if self._index is None:
                return self._sync_exact(self._exact)
            removed, last_seq = self.catalog.removed_since(self._last_removed_seq)
            if removed:
                self._remove_keys(removed)
            self._last_removed_seq = last_seq
            added = self._add_from_catalog()
            if removed or added:
                self._dirty = True
            return added

    def _sync_exact(self, store: ExactStore | None) -> int:
        if store is None:  # a failed rebuild left nothing to search
            return 0
        removed, store.last_removed_seq = self.catalog.removed_since(store.last_removed_seq)
        if removed:
            store.remove(np.asarray(removed, np.uint64))
        return store.add_from(self.catalog, self.model_id, self.dim)

    def _add_from_catalog(self) -> int:
        added = 0
        for rows in self.catalog.iter_vectors(self.model_id, after_id=self._last_vector_id):
            keys = np.fromiter((r[1] for r in rows), dtype=np.uint64, count=len(rows))
            vecs = from_blobs([r[2] for r in rows], self.dim)
            fresh = ~np.asarray(self._index.contains(keys), dtype=bool) if len(self._index) else None
            if fresh is not None:
                keys, vecs = keys[fresh], vecs[fresh]
            if len(keys):
                self._index.add(keys, vecs)
                added += len(keys)
            self._last_vector_id = rows[-1][0]
        return added

    def save(self, wait: bool = True) -> bool:
        """Write index and sidecar, if anything changed; False (logged) when the disk refused.

        Both are written to uniquely named temporary files first and renamed only when both are
        complete, so a failed save leaves the previous pair intact and leaves no partial file.
        A rebuild under way is waited for (`wait`), or there is nothing to save yet.
        """
        if wait:
            self.wait_rebuilt()
        with self._lock:
            if not self._dirty or self._index is None:
                return True
            tmps: list[Path] = []
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                tmp = _temp_beside(self.path, tmps)
                self._index.save(str(tmp))
                meta = {
                    "format": _FORMAT, "dim": self.dim, "count": len(self._index),
                    "last_vector_id": self._last_vector_id, "last_removed_seq": self._last_removed_seq,
                    "size": tmp.stat().st_size, "crc32": _crc32(tmp), **ANN,
                }
                tmp_meta = _temp_beside(self.meta_path, tmps)
                tmp_meta.write_text(json.dumps(meta))
                for t in tmps:
                    _fsync(t)
                os.replace(tmp, self.path)
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
            self._dirty = False
            return True

    def _remove_keys(self, keys) -> None:
        keys = np.asarray(list(keys), dtype=np.uint64)
        if len(keys) and len(self._index):
            present = np.asarray(self._index.contains(keys), dtype=bool)
            if present.any():
                self._index.remove(keys[present])

    # ----- queries ----------------------------------------------------------------------------

    def __len__(self) -> int:
        self._store_ready.wait()  # a rebuild's first phase: its count is known once the catalog is read
        if self._index is not None:
            return len(self._index)
        return 0 if self._exact is None else len(self._exact)

    def search(self, query: np.ndarray, k: int, exact: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Item ids and cosine similarities of the k nearest vectors, best first."""
        self._store_ready.wait()
        query = np.asarray(query, dtype=np.float32)
        with self._lock:
            if self._index is None:
                if self._exact is None or k <= 0:
                    return np.zeros(0, np.int64), np.zeros(0, np.float32)
                return self._exact.search(query, k)
            n = len(self._index)
            if n == 0 or k <= 0:
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            k = min(k, n)
            if exact is None:
                exact = n <= EXACT_LIMIT
            m = self._index.search(query, k, exact=exact)
            keys = np.asarray(m.keys, dtype=np.int64)
            sims = 1.0 - np.asarray(m.distances, dtype=np.float32)
        return keys, sims


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            crc = zlib.crc32(chunk, crc)
    return crc


def _temp_beside(target: Path, made: list[Path]) -> Path:
    """A new, uniquely named temporary file in the target's folder (same filesystem: rename is atomic)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
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
