"""The usearch vector index: a derived cache of the catalog's vectors, one per model.

The catalog is the source of truth. The index file is saved atomically (temp
file, fsync, rename) with a small sidecar recording how far into the catalog it
has caught up (the last vector row id and the last deletion tombstone). On open
the index catches up from there — idempotently, so a sidecar that lags the
index file does no harm — and is then checked against the catalog's vector
count; a missing, unreadable or inconsistent file is rebuilt from SQLite.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import QueryError
from core.runtime.native import load_onnxruntime_first

if TYPE_CHECKING:  # pragma: no cover
    from core.catalog import Catalog

log = logging.getLogger(__name__)

#: Below this many vectors a search compares against all of them (exact and still sub-millisecond-ish).
EXACT_LIMIT = 20_000
_FORMAT = 1


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


class VectorIndex:
    """Cosine ANN over one model's vectors, keyed by catalog item id."""

    def __init__(self, catalog: Catalog, model_id: int, dim: int, folder: Path, name: str):
        self.catalog = catalog
        self.model_id = model_id
        self.dim = dim
        self.path = Path(folder) / f"{name}.usearch"
        self.meta_path = self.path.with_suffix(".json")
        self._lock = threading.RLock()
        self._index = None
        self._last_vector_id = 0
        self._last_removed_seq = 0
        self._dirty = False
        self.rebuilt_reason: str | None = None

    # ----- lifecycle --------------------------------------------------------------------------

    def _new_index(self):
        load_onnxruntime_first()
        from usearch.index import Index

        return Index(ndim=self.dim, metric="cos", dtype="f16", connectivity=16,
                     expansion_add=128, expansion_search=64)

    def open(self) -> VectorIndex:
        """Load the saved index, catch up with the catalog, rebuild if it cannot be trusted."""
        with self._lock:
            reason = self._load()
            if reason is None:
                self.sync()
                expected = self.catalog.vector_count(self.model_id)
                if len(self._index) != expected:
                    reason = f"index holds {len(self._index)} vectors, catalog {expected}"
            if reason is not None:
                if reason == "no index file" and self.catalog.vector_count(self.model_id) == 0:
                    self._index = self._new_index()  # a new library: nothing to rebuild
                    self._last_removed_seq = self.catalog.last_removed_seq()
                else:
                    self.rebuild(reason)
            return self

    def _load(self) -> str | None:
        """Read index + sidecar; returns why they cannot be used, or None."""
        load_onnxruntime_first()
        from usearch.index import Index

        if not self.path.exists():
            return "no index file"
        try:
            meta = json.loads(self.meta_path.read_text())
            if meta.get("format") != _FORMAT or meta.get("dim") != self.dim:
                return "index written by another version or for another model"
            index = Index.restore(str(self.path), view=False)
            if index is None or index.ndim != self.dim:
                return "index file unreadable"
        except Exception as exc:  # a corrupt file can fail in many ways inside usearch
            return f"index file unreadable ({type(exc).__name__})"
        if meta["last_vector_id"] > self.catalog.last_vector_id(self.model_id):
            return "index is ahead of the catalog (catalog replaced?)"
        self._index = index
        self._last_vector_id = int(meta["last_vector_id"])
        self._last_removed_seq = int(meta["last_removed_seq"])
        return None

    def rebuild(self, reason: str = "requested") -> None:
        """Recreate the index from the catalog's vectors (seconds per 100k vectors)."""
        with self._lock:
            log.info("rebuilding vector index %s: %s", self.path.name, reason)
            self.rebuilt_reason = reason
            self._index = self._new_index()
            self._last_vector_id = 0
            self._last_removed_seq = self.catalog.last_removed_seq()
            self._add_from_catalog()
            self._dirty = True
            self.save()

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

    def sync(self) -> int:
        """Catch up with vectors added and items removed in the catalog since the last sync."""
        with self._lock:
            removed, last_seq = self.catalog.removed_since(self._last_removed_seq)
            if removed:
                self._remove_keys(removed)
            self._last_removed_seq = last_seq
            added = self._add_from_catalog()
            if removed or added:
                self._dirty = True
            return added

    def save(self) -> None:
        """Write index then sidecar, each atomically, if anything changed."""
        with self._lock:
            if not self._dirty or self._index is None:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            self._index.save(str(tmp))
            _fsync_replace(tmp, self.path)
            meta = {
                "format": _FORMAT, "dim": self.dim, "count": len(self._index),
                "last_vector_id": self._last_vector_id, "last_removed_seq": self._last_removed_seq,
            }
            tmp_meta = self.meta_path.with_name(self.meta_path.name + ".tmp")
            tmp_meta.write_text(json.dumps(meta))
            _fsync_replace(tmp_meta, self.meta_path)
            self._dirty = False

    def _remove_keys(self, keys) -> None:
        keys = np.asarray(list(keys), dtype=np.uint64)
        if len(keys) and len(self._index):
            present = np.asarray(self._index.contains(keys), dtype=bool)
            if present.any():
                self._index.remove(keys[present])

    # ----- queries ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return 0 if self._index is None else len(self._index)

    def search(self, query: np.ndarray, k: int, exact: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Item ids and cosine similarities of the k nearest vectors, best first."""
        with self._lock:
            n = len(self._index)
            if n == 0 or k <= 0:
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            k = min(k, n)
            if exact is None:
                exact = n <= EXACT_LIMIT
            m = self._index.search(np.asarray(query, dtype=np.float32), k, exact=exact)
            keys = np.asarray(m.keys, dtype=np.int64)
            sims = 1.0 - np.asarray(m.distances, dtype=np.float32)
        return keys, sims


def _fsync_replace(tmp: Path, target: Path) -> None:
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(target.parent, os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
