"""The search context: what every query is built from, and nothing more.

One per open library and model: the catalog, the encoder (loaded on first use),
the model's vector index, and the vectors of library things. Query builders
(`core.search.query`, `compose`, `explain`, `feedback`) take a `SearchContext`,
never the `Library`. What queries calibrate once per library and model (the copy
similarity, the reference prompts' direction, the background sample, recent
pseudo-words) is kept on the context too (`remember`), never in module globals:
two libraries open in one process never share them, and a new model starts afresh.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from core.errors import MediaError, QueryError
from core.media.image import check_regular_file, load_image
from core.vector_math import from_blobs, unit

if TYPE_CHECKING:  # pragma: no cover
    from core.models.embed import BaseEncoder
    from core.store.catalog import Catalog, FileRecord
    from core.store.vectors import VectorIndex

#: A box on an image: (left, top, right, bottom) in the pixels of the upright original.
Box = tuple[int, int, int, int]
T = TypeVar("T")


@dataclass(eq=False)
class SearchContext:
    """Catalog, encoder and vector index of one library and model (see the module docstring)."""

    catalog: Catalog
    encoder_of: Callable[[], BaseEncoder]  # the library's encoder, loaded on first call
    vindex: VectorIndex
    model_id: int
    dim: int
    model_key: str
    _remembered: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _remembered_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def encoder(self) -> BaseEncoder:
        return self.encoder_of()

    def remember(self, name: str, make: Callable[[], T], still_good: Callable[[T], bool] | None = None) -> T:
        """`make()`'s value, made on first use and kept for this context (while `still_good(value)` holds).

        Made outside the lock (a calibration may encode pictures for seconds); two threads that
        both miss make it twice and keep the later one, which is the same value.
        """
        with self._remembered_lock:
            if name in self._remembered and (still_good is None or still_good(self._remembered[name])):
                return self._remembered[name]
        value = make()
        with self._remembered_lock:
            self._remembered[name] = value
        return value

    def forget(self) -> None:
        """Drop what `remember` kept (the model's reference prompts changed, say)."""
        with self._remembered_lock:
            self._remembered.clear()

    # ----- encoding -----------------------------------------------------------------------------

    def encode_text(self, text: str) -> np.ndarray:
        if not text or not text.strip():
            raise QueryError("the search text is empty")
        return self.encoder.encode_texts([text.strip()])[0]

    def encode_image_file(self, path: str | os.PathLike[str], box: Box | None = None) -> np.ndarray:
        """The vector of an image file (or of the `box` region of it, cut at full resolution)."""
        p = resolve_image_path(path)
        try:
            img, _ = load_image(str(p), min_side=max(self.encoder.image_size, 240) if box is None else None)
        except MediaError as exc:
            raise QueryError(f"{p}: {exc}") from None
        if box is not None:
            img = crop_box(img, box, str(p))
        return self.encoder.encode_images([img])[0]

    # ----- library things -----------------------------------------------------------------------

    def file(self, file_id: int) -> FileRecord | None:
        return self.catalog.file(file_id)

    def resolve_file(self, target: int | str | os.PathLike[str]) -> int | None:
        """A library file id from an id or a path; None for a path outside the library."""
        if isinstance(target, int) or (isinstance(target, str) and target.isdigit() and not Path(target).exists()):
            fid = int(target)
            if self.catalog.file(fid) is None:
                raise QueryError(f"no library item with id {fid}")
            return fid
        p = resolve_image_path(target)
        rec = self.catalog.file_by_path(str(p.resolve()))
        if rec is not None and rec.status == "ok":
            return rec.id
        return None

    def query_vector_for(self, target: int | str | os.PathLike[str], t_s: float | None = None
                         ) -> tuple[np.ndarray, set[int]]:
        """The vector of a library file or outside image, and the file ids it stands for."""
        file_id = self.resolve_file(target)
        if file_id is not None:
            vec, _ = self.file_vector(file_id, t_s)
            return vec, {file_id}
        return unit(self.encode_image_file(str(target))), set()

    def item_vector(self, item_id: int) -> np.ndarray:
        blobs = self.catalog.vectors_for_items(self.model_id, [item_id])
        if item_id not in blobs:
            raise QueryError(f"item {item_id} has no vector for this model (not indexed yet?)")
        return from_blobs([blobs[item_id]], self.dim)[0].astype(np.float32)

    def file_vector(self, file_id: int, t_s: float | None = None) -> tuple[np.ndarray, list[int]]:
        """A file's query vector (a photo's vector; a video's frame standing for t, or its mean) and its item ids."""
        items = self.catalog.items_of_file(file_id)
        if not items:
            raise QueryError(f"file {file_id} has not been indexed yet")
        ids = [i for i, _ in items]
        if t_s is not None:
            from core.media.video import sample_at

            ids_for_vec = [ids[sample_at([t or 0.0 for _, t in items], t_s)]]
        else:
            ids_for_vec = ids
        blobs = self.catalog.vectors_for_items(self.model_id, ids_for_vec)
        if not blobs:
            raise QueryError(f"file {file_id} has no vector for this model (index it with this model first)")
        vecs = from_blobs(list(blobs.values()), self.dim).astype(np.float32)
        return unit(vecs.mean(axis=0)), ids


def resolve_image_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise QueryError(f"{p}: no such file")
    if p.is_dir():
        raise QueryError(f"{p}: is a folder, not an image")
    try:
        check_regular_file(p)
    except MediaError as exc:
        raise QueryError(f"{p}: {exc}") from None
    return p


def crop_box(img, box: Box, where: str):
    """A region of an (upright) image; `box` is (left, top, right, bottom) in its pixels."""
    x0, y0, x1, y1 = box
    w, h = img.size
    if x1 <= x0 or y1 <= y0:
        raise QueryError(f"{where}: the box {box} is empty (right must exceed left, bottom exceed top)")
    if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
        raise QueryError(f"{where}: the box {box} lies outside the image ({w}×{h} pixels)")
    return img.crop((x0, y0, x1, y1))
