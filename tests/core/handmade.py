"""A library built by hand: catalog rows and unit vectors chosen by the test, no model, no media.

For the modules below the model (vector index, search engine, feedback sessions):
each thing's vector is known exactly, so their answers can be checked exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.search.context import SearchContext
from core.search.engine import SearchEngine, best_frame
from core.store.catalog import Catalog, Item, MediaFile, Vector
from core.store.vectors import VectorIndex
from core.vector_math import f16_blob

DIM = 8


def new_items(s, file_id: int, times: Sequence[float | None]) -> list[int]:
    """Item rows for a file (a photo's one, a video's frames at `times`) in an open catalog session."""
    ids = []
    for t in times:
        item = Item(file_id=file_id, t_s=t)
        s.add(item)
        s.flush()
        ids.append(item.id)
    return ids


def downgrade_catalog(path: Path, to: str) -> None:
    """Take the catalog at `path` (made if missing) down to schema revision `to` with the migrations' own
    downgrades, as an older MediaLens left it."""
    from alembic import command
    from alembic.config import Config

    from tests.conftest import REPO

    cat = Catalog(path)
    cfg = Config()
    cfg.set_main_option("script_location", str(REPO / "core" / "store" / "migrations"))
    with cat.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, to)
    cat.close()


def add_vectors(s, model_id: int, rows: Sequence[tuple[int, bytes]]) -> None:
    """Vector rows (item id, float16 blob) for a model in an open catalog session."""
    for item_id, data in rows:
        s.add(Vector(model_id=model_id, item_id=item_id, data=data))


def axis(i: int, dim: int = DIM) -> np.ndarray:
    """The unit vector along axis i."""
    v = np.zeros(dim, np.float32)
    v[i] = 1.0
    return v


def blend(*weighted: tuple[float, int]) -> np.ndarray:
    """A unit vector mixing axes: blend((0.9, 0), (0.1, 3))."""
    v = sum(w * axis(i) for w, i in weighted)
    return (v / np.linalg.norm(v)).astype(np.float32)


class HandmadeLibrary:
    """A catalog with one model; `add` puts in a photo or a video with the vectors given."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.catalog = Catalog(self.folder / "catalog.db")
        self.root = self.catalog.add_root("/media")
        self.model_id = self.catalog.model_id("handmade", "handmade", None, DIM)
        self.file_ids: dict[str, int] = {}

    def add(self, name: str, vectors: list[np.ndarray], times: list[float] | None = None,
            taken_at: dt.datetime | None = None, folder: str = "/media") -> int:
        kind = "image" if times is None else "video"
        with self.catalog.write() as s:
            f = MediaFile(root_id=self.root, path=f"{folder}/{name}", size=1, mtime_ns=1, kind=kind, status="ok",
                          seen_scan=1, added_at=0, taken_at=taken_at, duration_s=None if times is None else
                          times[-1] + 1.0)
            s.add(f)
            s.flush()
            items = new_items(s, f.id, times or [None])
            add_vectors(s, self.model_id, [(i, f16_blob(v)) for i, v in zip(items, vectors, strict=True)])
            self.file_ids[name] = f.id
        return f.id

    def vector_index(self) -> VectorIndex:
        return VectorIndex(self.catalog, self.model_id, DIM, self.folder / "index", "handmade").open()

    def context(self) -> SearchContext:
        def no_encoder():
            raise AssertionError("these queries must not need the model")

        return SearchContext(self.catalog, no_encoder, self.vector_index(), self.model_id, DIM, "handmade")

    def engine(self, moments=best_frame) -> SearchEngine:
        return SearchEngine(self.context(), moments)

    def close(self) -> None:
        self.catalog.close()
