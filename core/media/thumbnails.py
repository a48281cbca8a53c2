"""A library's thumbnails (`Library.thumbnails`): a file's, and a video frame's, made on demand.

Thumbnails are a cache (`ThumbnailCache`, keyed by content hash): one the cache lost is made again from
the file, and a video's lost poster from the frame a tenth of the way in (past most intros and fades).
None, never an exception, when a thumbnail cannot be made: the window shows a placeholder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import MediaError
from core.media.image import ThumbnailCache
from core.media.video import frame_at, frame_thumb_suffix, sample_at

if TYPE_CHECKING:  # pragma: no cover
    from core.store.catalog import Catalog, FileRecord


class Thumbnails:
    """The thumbnails of one library's files (see the module docstring)."""

    def __init__(self, catalog: Catalog, cache: ThumbnailCache):
        self._catalog = catalog
        self.cache = cache

    def cached(self, content_hash: str) -> Path | None:
        """The cached thumbnail of the file whose record the caller holds, without reading the catalog (the
        window's grid: 0.03 ms, where `of_file`'s catalog read costs 0.6 ms of Python per thumbnail, held
        against the window's painting); None: ask `of_file`."""
        return self.cache.path_for(content_hash) if content_hash and self.cache.has(content_hash) else None

    def of_file(self, file_id: int) -> Path | None:
        """The cached thumbnail of a file (made now if missing); None if it cannot be made."""
        rec = self._catalog.file(file_id)
        if rec is None:
            return None
        key = rec.content_hash
        if key and self.cache.has(key):
            return self.cache.path_for(key)
        if rec.kind == "video" and key:
            return self._of_video(rec, None)
        if rec.kind != "image" or not key:
            return None
        try:
            return self.cache.get_or_make(key, rec.path)
        except Exception:
            return None

    def of_frame(self, file_id: int, t_s: float) -> Path | None:
        """The cached thumbnail of the sampled frame that stands for `t_s` (`core.media.video.sample_at`)."""
        rec = self._catalog.file(file_id)
        if rec is None or rec.kind != "video" or not rec.content_hash:
            return None
        times = [t for _, t in self._catalog.items_of_file(file_id) if t is not None]
        if not times:
            return None
        return self._of_video(rec, times[sample_at(times, t_s)])

    def _of_video(self, rec: FileRecord, t_s: float | None) -> Path | None:
        """A frame's (or, for None, the poster's) thumbnail; decoded from the video if the cache lost it."""
        suffix = "" if t_s is None else frame_thumb_suffix(t_s)
        if self.cache.has(rec.content_hash, suffix):
            return self.cache.path_for(rec.content_hash, suffix)
        at = t_s if t_s is not None else 0.1 * (rec.duration_s or 0.0)
        try:
            return self.cache.put(rec.content_hash, frame_at(rec.path, at), suffix)
        except (MediaError, OSError):
            return None
