"""Queries: a vector in, ranked files and moments out.

Every query type (text, similar, and the composed and feedback queries built on
them) ends in `SearchEngine.by_vector`: nearest items from the vector index (or
an exact scan of the items a filter allows), grouped by file so each photo
appears once and a video contributes its matching moments, then paged.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from core.catalog import Catalog, FileRecord, Item, MediaFile, Vector
from core.errors import QueryError
from core.vectors import VectorIndex, from_blobs

#: Filtered queries whose filter allows at most this many items are scored exactly.
FILTER_EXACT_LIMIT = 100_000


@dataclass(frozen=True)
class Filters:
    """Restrictions a query can carry; all optional, combined with AND."""

    kinds: frozenset[str] | None = None  # {"image"}, {"video"}
    folder: str | None = None  # only files under this folder
    date_from: dt.datetime | None = None  # capture time, inclusive
    date_to: dt.datetime | None = None  # capture time, exclusive

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.folder or self.date_from or self.date_to)


@dataclass
class Hit:
    """One result: a photo, or a moment of a video."""

    file: FileRecord
    item_id: int
    score: float
    start_s: float | None = None
    end_s: float | None = None
    t_s: float | None = None  # the best-matching frame inside the moment
    extra: dict = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.file.path

    @property
    def kind(self) -> str:
        return self.file.kind

    def to_json(self) -> dict:
        d = {
            "path": self.file.path, "score": round(float(self.score), 5), "kind": self.file.kind,
            "id": self.file.id, "item_id": self.item_id,
        }
        if self.start_s is not None:
            d["start_s"] = round(self.start_s, 3)
            d["end_s"] = round(self.end_s, 3) if self.end_s is not None else None
        if self.file.taken_at:
            d["taken_at"] = self.file.taken_at.isoformat()
        if self.file.width:
            d["width"], d["height"] = self.file.width, self.file.height
        d.update(self.extra)
        return d


#: Hook for grouping a video's frame hits into moments; `core.moments` installs a better one.
MomentGrouper = Callable[["SearchEngine", np.ndarray, FileRecord, list[tuple[int, float | None, float]]], list[Hit]]


def _best_frame(engine: SearchEngine, query: np.ndarray, file: FileRecord,
                frames: list[tuple[int, float | None, float]]) -> list[Hit]:
    iid, t, score = max(frames, key=lambda f: f[2])
    return [Hit(file, iid, score, start_s=t, end_s=t, t_s=t)]


class SearchEngine:
    def __init__(self, catalog: Catalog, vindex: VectorIndex, model_id: int, dim: int):
        self.catalog = catalog
        self.vindex = vindex
        self.model_id = model_id
        self.dim = dim
        self.group_video: MomentGrouper = _best_frame

    # ----- candidates -------------------------------------------------------------------------

    def _allowed_items(self, filters: Filters) -> list[int]:
        conds = []
        if filters.kinds:
            conds.append(MediaFile.kind.in_(sorted(filters.kinds)))
        if filters.folder:
            prefix = os.fsencode(os.path.join(os.path.abspath(filters.folder), ""))
            conds.append(func.substr(MediaFile.path, 1, len(prefix)) == prefix)
        if filters.date_from:
            conds.append(MediaFile.taken_at >= filters.date_from)
        if filters.date_to:
            conds.append(MediaFile.taken_at < filters.date_to)
        with self.catalog.session() as s:
            q = select(Item.id).join(MediaFile, MediaFile.id == Item.file_id).where(*conds)
            return list(s.scalars(q))

    def _exact(self, query: np.ndarray, item_ids: list[int], k: int) -> tuple[np.ndarray, np.ndarray]:
        keys: list[int] = []
        sims: list[np.ndarray] = []
        with self.catalog.session() as s:
            for i in range(0, len(item_ids), 900):
                chunk = item_ids[i:i + 900]
                rows = s.execute(select(Vector.item_id, Vector.data).where(
                    Vector.model_id == self.model_id, Vector.item_id.in_(chunk))).all()
                if rows:
                    keys.extend(r[0] for r in rows)
                    sims.append(from_blobs([r[1] for r in rows], self.dim).astype(np.float32) @ query)
        if not keys:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        allsims = np.concatenate(sims)
        order = np.argsort(-allsims)[:k]
        return np.asarray(keys, np.int64)[order], allsims[order]

    def nearest_items(self, query: np.ndarray, k: int, filters: Filters | None = None,
                      exact: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Up to k (item id, similarity) pairs, best first, that pass the filters."""
        query = _normalise(query)
        if filters is None or not filters.active:
            return self.vindex.search(query, k, exact=exact)
        allowed = self._allowed_items(filters)
        if len(allowed) <= FILTER_EXACT_LIMIT:
            return self._exact(query, allowed, k)
        allowed_set = set(allowed)
        want = k * 4
        while True:
            keys, sims = self.vindex.search(query, want, exact=exact)
            mask = np.fromiter((int(x) in allowed_set for x in keys), bool, count=len(keys))
            if mask.sum() >= k or want >= len(self.vindex):
                return keys[mask][:k], sims[mask][:k]
            want *= 4

    # ----- ranked results ---------------------------------------------------------------------

    def by_vector(self, query: np.ndarray, n: int = 20, offset: int = 0, filters: Filters | None = None,
                  exclude_files: set[int] | frozenset[int] = frozenset(), exact: bool | None = None) -> list[Hit]:
        """Files and moments nearest to a query vector, best first; `offset` pages."""
        if n <= 0:
            return []
        want = max(64, (n + offset) * 4)
        total = len(self.vindex)
        while True:
            keys, sims = self.nearest_items(query, want, filters, exact)
            hits = self._group(query, keys, sims, exclude_files)
            if len(hits) >= n + offset or len(keys) < want or want >= total:
                return hits[offset:offset + n]
            want *= 4

    def _group(self, query: np.ndarray, keys: np.ndarray, sims: np.ndarray,
               exclude_files: set[int] | frozenset[int]) -> list[Hit]:
        info = self.catalog.items_info(int(k) for k in keys)
        per_file: dict[int, list[tuple[int, float | None, float]]] = {}
        for k, sim in zip(keys, sims, strict=True):
            item = info.get(int(k))
            if item is None:
                continue  # removed since the index last synced
            fid, t = item
            if fid in exclude_files:
                continue
            per_file.setdefault(fid, []).append((int(k), t, float(sim)))
        files = self.catalog.files(per_file)
        hits: list[Hit] = []
        for fid, frames in per_file.items():
            f = files.get(fid)
            if f is None:
                continue
            if f.kind == "video":
                hits.extend(self.group_video(self, query, f, frames))
            else:
                iid, _, score = max(frames, key=lambda x: x[2])
                hits.append(Hit(f, iid, score))
        hits.sort(key=lambda h: -h.score)
        return hits

    # ----- vectors of library things ----------------------------------------------------------

    def item_vector(self, item_id: int) -> np.ndarray:
        blobs = self.catalog.vectors_for_items(self.model_id, [item_id])
        if item_id not in blobs:
            raise QueryError(f"item {item_id} has no vector for this model (not indexed yet?)")
        return from_blobs([blobs[item_id]], self.dim)[0].astype(np.float32)

    def file_vector(self, file_id: int, t_s: float | None = None) -> tuple[np.ndarray, list[int]]:
        """A file's query vector (a photo's vector; a video's frame at t, or its mean) and its item ids."""
        items = self.catalog.items_of_file(file_id)
        if not items:
            raise QueryError(f"file {file_id} has not been indexed yet")
        ids = [i for i, _ in items]
        if t_s is not None:
            timed = [(abs((t or 0.0) - t_s), i) for i, t in items]
            ids_for_vec = [min(timed)[1]]
        else:
            ids_for_vec = ids
        blobs = self.catalog.vectors_for_items(self.model_id, ids_for_vec)
        if not blobs:
            raise QueryError(f"file {file_id} has no vector for this model (index it with this model first)")
        vecs = from_blobs(list(blobs.values()), self.dim).astype(np.float32)
        return _normalise(vecs.mean(axis=0)), ids


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(v))
    if norm == 0 or not np.isfinite(norm):
        raise QueryError("the query has no direction (an empty or degenerate vector)")
    return v / norm


def normalise(v: np.ndarray) -> np.ndarray:
    """Unit-length float32 copy of a query vector."""
    return _normalise(v)


def resolve_image_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise QueryError(f"{p}: no such file")
    if p.is_dir():
        raise QueryError(f"{p}: is a folder, not an image")
    return p
