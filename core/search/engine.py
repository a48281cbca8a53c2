"""The search engine: a query vector in, ranked files and moments out.

Every query type (text, similar, and the composed and feedback queries built on
them) ends in `SearchEngine.by_vector`: nearest items from the vector index (or
an exact scan of the items a filter allows), grouped by file so each photo
appears once and a video contributes its matching moments, then paged.
How a video's frame hits become moments is the `moments` callable given to the
engine (`core.search.moments.MomentFinder`; without one, a video's best frame).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from core.store.catalog_read import ChangeStamp
from core.vector_math import from_blobs, unit

if TYPE_CHECKING:  # pragma: no cover
    from core.search.context import SearchContext
    from core.store.catalog import FileRecord
    from core.store.records import ItemFiles

#: Filtered queries whose filter allows at most this many items are scored exactly.
FILTER_EXACT_LIMIT = 100_000
#: How many filters' allowed items an engine keeps (a session's filters, pages and refinements).
ALLOWED_CACHE = 8
#: How many text queries made ready an engine keeps (`core.search.find.prepare`): a text searched again, with
#: the catalog unchanged, is answered from its kept matches (the window's "show all", sort and a repeated
#: search: 1.6 ms p50 against 0.6 s for a new text at 100k items, loaded). Each keeps the hits its cut read
#: (up to 4,096: a few MB at most).
PREPARED_CACHE = 32


@dataclass(frozen=True)
class Filters:
    """Restrictions a query can carry; all optional, combined with AND."""

    kinds: frozenset[str] | None = None  # {"image"}, {"video"}
    folder: str | None = None  # only files under this folder
    date_from: dt.datetime | None = None  # capture time, inclusive
    date_to: dt.datetime | None = None  # capture time, exclusive
    # managing filters (`core.store.catalog_manage.file_conditions`)
    albums: tuple[int, ...] | None = None  # in any of these manual albums
    tags: tuple[str, ...] | None = None  # carries every one of these tags (or a tag under it)
    min_rating: int | None = None  # rated at least this
    favourite: bool | None = None
    place: str | None = None  # taken in this city, region or country
    camera: str | None = None  # camera make, model or lens contains this
    file_ids: frozenset[int] | None = None  # one of these files (a smart album's search)

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.folder or self.date_from or self.date_to) or self.managed

    @property
    def managed(self) -> bool:
        """Whether a filter on what the user set (album, tag, rating, favourite) or on place or camera is on."""
        return any(getattr(self, f) is not None for f in MANAGED_FIELDS)


#: The `Filters` fields that `core.store.catalog_manage.file_conditions` applies.
MANAGED_FIELDS = ("albums", "tags", "min_rating", "favourite", "place", "camera", "file_ids")


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
    #: the query vector that found this hit (text, similar, composed, region or a feedback round), so a
    #: player's timeline can show that query's moments, not those of some text shown beside it
    query: np.ndarray | None = field(default=None, repr=False, compare=False)

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


#: Turns one video's frame hits (item id, time, similarity) into moment hits, for a query vector.
MomentGrouper = Callable[[np.ndarray, "FileRecord", list[tuple[int, float | None, float]]], list[Hit]]


def best_frame(query: np.ndarray, file: FileRecord, frames: list[tuple[int, float | None, float]]) -> list[Hit]:
    """The simplest moment grouper: a video's best frame alone."""
    iid, t, score = max(frames, key=lambda f: f[2])
    return [Hit(file, iid, score, start_s=t, end_s=t, t_s=t)]


class SearchEngine:
    def __init__(self, context: SearchContext, moments: MomentGrouper = best_frame):
        self.context = context
        self.catalog = context.catalog
        self.vindex = context.vindex
        self.model_id = context.model_id
        self.dim = context.dim
        self.moments = moments
        self._allowed: dict[Filters, tuple[object, list[int]]] = {}
        self._kept_lock = threading.Lock()
        self._stamp = ChangeStamp(self.catalog)
        self._item_files: tuple[int, ItemFiles] | None = None

    def kept(self, key: object, make: Callable[[], object]) -> object:
        """`make()`, kept under `key` until the catalog changes or the context forgets what it remembered
        (`PREPARED_CACHE` of them, the least recently used dropped)."""
        try:
            hash(key)
        except TypeError:
            return make()
        stamp = self._stamp()
        prepared: dict = self.context.remember("prepared queries", dict)
        with self._kept_lock:
            kept = prepared.pop(key, None)
        if kept is None or kept[0] != stamp:
            kept = (stamp, make())
        with self._kept_lock:
            prepared[key] = kept
            while len(prepared) > PREPARED_CACHE:
                prepared.pop(next(iter(prepared)))
        return kept[1]

    # ----- candidates -------------------------------------------------------------------------

    def _allowed_items(self, filters: Filters) -> list[int]:
        """The items a filter allows, kept until the catalog changes (`core.store.catalog_read.ChangeStamp`):
        the query behind them costs 0.3 s at 100k items (tests/bench/filters.py), which every page and
        refinement would pay again; kept, a three-filter search costs 1.64× the unfiltered one (5.3× before)."""
        stamp = self._stamp()
        cached = self._allowed.get(filters)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        ids = self.catalog.item_ids_where(**dataclasses.asdict(filters))
        if len(self._allowed) >= ALLOWED_CACHE:
            self._allowed.pop(next(iter(self._allowed)))
        self._allowed[filters] = (stamp, ids)
        return ids

    def _exact(self, query: np.ndarray, item_ids: list[int], k: int) -> tuple[np.ndarray, np.ndarray]:
        keys, sims, missing = self.vindex.similarities(np.asarray(item_ids, np.uint64), query)
        keys = keys.astype(np.int64)
        if len(missing):  # not in the vector index (yet): read from the catalog
            blobs = self.catalog.vectors_for_items(self.model_id, [int(i) for i in missing])
            if blobs:
                keys = np.concatenate([keys, np.fromiter(blobs, np.int64, count=len(blobs))])
                sims = np.concatenate([sims, from_blobs(list(blobs.values()), self.dim).astype(np.float32) @ query])
        order = np.argsort(-sims)[:k]
        return keys[order], sims[order]

    def nearest_items(self, query: np.ndarray, k: int, filters: Filters | None = None,
                      exact: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Up to k (item id, similarity) pairs, best first, that pass the filters."""
        query = unit(query)
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

    def rank_items(self, query: np.ndarray, item_ids: list[int],
                   exclude_files: set[int] | frozenset[int] = frozenset()) -> list[Hit]:
        """Every one of `item_ids` scored exactly against the query, grouped into files and moments, best first
        (a restriction no filter expresses: the photos a person is in, `core.search.people`)."""
        keys, sims = self._exact(unit(query), item_ids, len(item_ids))
        hits = self._group(unit(query), keys, sims, exclude_files)
        for hit in hits:
            hit.query = query
        return hits

    # ----- ranked results ---------------------------------------------------------------------

    def by_vector(self, query: np.ndarray, n: int = 20, offset: int = 0, filters: Filters | None = None,
                  exclude_files: set[int] | frozenset[int] = frozenset(), exact: bool | None = None) -> list[Hit]:
        """Files and moments nearest to a query vector, best first; `offset` pages.

        Items are read 4 × `n + offset` at a time (a video's frames crowd its photos out), but only the
        page's photos are read as records: at 100k items the cut's window of 256 read 1,024 file records
        and kept 256 (3/4 of a query's time went to records it threw away, tests/bench/gui_scale.py)."""
        return self.with_records(self.ranked_page(query, n, offset, filters, exclude_files, exact), query)

    def ranked_page(self, query: np.ndarray, n: int = 20, offset: int = 0, filters: Filters | None = None,
                    exclude_files: set[int] | frozenset[int] = frozenset(),
                    exact: bool | None = None) -> list[Hit | _Photo]:
        """`by_vector`'s page before its photos' records are read (`with_records`): what needs scores only
        (the cut, `core.search.cutoff.find_matches`, deciding whether its window grows) reads none."""
        if n <= 0:
            return []
        want = max(64, (n + offset) * 4)
        total = len(self.vindex)
        while True:
            keys, sims = self.nearest_items(query, want, filters, exact)
            ranked, count = self._ranked(query, keys, sims, exclude_files, n + offset)
            if count >= n + offset or len(keys) < want or want >= total:
                return ranked[offset:offset + n]
            want *= 4

    def with_records(self, ranked: list[Hit | _Photo], query: np.ndarray | None = None) -> list[Hit]:
        """`ranked` as hits, its photos with their file records (one read), each carrying `query`; a photo
        removed meanwhile is left out."""
        page = self._with_records(ranked)
        if query is not None:
            for hit in page:
                hit.query = query
        return page

    def _group(self, query: np.ndarray, keys: np.ndarray, sims: np.ndarray,
               exclude_files: set[int] | frozenset[int]) -> list[Hit]:
        return self._with_records(self._ranked(query, keys, sims, exclude_files)[0])

    def item_files(self) -> ItemFiles:
        """Every item's file and the video files (`core.store.records.ItemFiles`), brought up to date only
        after the catalog changed (`ChangeStamp`, read before the map, so a commit made meanwhile is read
        at the next query)."""
        stamp = self._stamp()
        kept = self._item_files
        if kept is None or kept[0] != stamp:
            kept = self._item_files = (stamp, self.catalog.item_files(None if kept is None else kept[1]))
        return kept[1]

    def _ranked(self, query: np.ndarray, keys: np.ndarray, sims: np.ndarray,
                exclude_files: set[int] | frozenset[int], limit: int | None = None) -> tuple[list[Hit | _Photo], int]:
        """The first `limit` (all when None) of the items grouped by file, best first, and how many there are
        in all: a photo as its best item (its record read later, for a page
        only: `_with_records`), a video as its moments (`moments` needs the video's record and its frames'
        times). Grouped with arrays from the catalog's item map (`item_files`): at 100k items the SQL and
        the loop over 4,096 items per query cost 87 ms a call; only videos' items go through Python.

        The order is the one a stable sort by score of the files in first-seen order gives (a video's
        moments in the order `moments` gives them): ties keep the nearest items' order. Only the first `limit`
        become objects (the cut's window of 256 grouped 4,096 items: 14 ms of tuples it threw away, profiled).
        """
        keys = np.asarray(keys, np.int64)
        sims = np.asarray(sims, np.float32)
        table = self.item_files()
        fids = table.files_of(keys)
        videos = table.are_videos(fids)
        unknown = np.flatnonzero(fids < 0)
        if len(unknown):  # added since the map was read, or removed: read as the catalog is now
            info = self.catalog.items_with_kinds(keys[unknown].tolist())
            for pos in unknown.tolist():
                item = info.get(int(keys[pos]))
                if item is not None:
                    fids[pos], videos[pos] = item[0], item[2] == "video"
        keep = fids >= 0
        if exclude_files:
            keep &= ~np.isin(fids, np.fromiter(exclude_files, np.int64, len(exclude_files)))
        at = np.flatnonzero(keep)
        seen_files, seen_at = np.unique(fids[at], return_index=True)
        seen_at = at[seen_at]  # each file's first position among the items kept
        photo_at = at[~videos[at]]
        photo_files = fids[photo_at]
        # each photo's best item: by file, then score (best first), then position (the first of equals)
        order = np.lexsort((photo_at, -sims[photo_at], photo_files))
        sorted_files = photo_files[order]
        best = photo_at[order[np.r_[True, sorted_files[1:] != sorted_files[:-1]]]] if len(order) else photo_at
        video_hits: list[Hit] = []
        video_seen: list[int] = []
        within: list[int] = []
        video_at = at[videos[at]]
        if len(video_at):
            frames_of: dict[int, list[tuple[int, float | None, float]]] = {}
            times = self.catalog.items_info(keys[video_at].tolist())
            for fid, iid, sim in zip(fids[video_at].tolist(), keys[video_at].tolist(), sims[video_at].tolist(),
                                     strict=True):
                item = times.get(iid)
                if item is not None:
                    frames_of.setdefault(fid, []).append((iid, item[1], sim))
            records = self.catalog.files(frames_of)
            first_seen = dict(zip(seen_files.tolist(), seen_at.tolist(), strict=True))
            for fid, frames in frames_of.items():
                if fid in records:
                    for j, hit in enumerate(self.moments(query, records[fid], frames)):
                        video_hits.append(hit)
                        video_seen.append(first_seen[fid])
                        within.append(j)
        photos = len(best)
        scores = np.concatenate([sims[best].astype(np.float64), np.array([h.score for h in video_hits], np.float64)])
        seen = np.concatenate([seen_at[np.searchsorted(seen_files, fids[best])], np.array(video_seen, np.int64)])
        order = np.lexsort((np.r_[np.zeros(photos, np.int64), np.array(within, np.int64)], seen, -scores))
        if limit is not None:
            order = order[:limit]
        photo_fids, photo_iids, photo_scores = fids[best].tolist(), keys[best].tolist(), sims[best].tolist()
        ranked: list[Hit | _Photo] = [
            _Photo(photo_fids[i], photo_iids[i], photo_scores[i]) if i < photos else video_hits[i - photos]
            for i in order.tolist()]
        return ranked, len(scores)

    def _with_records(self, ranked: list[Hit | _Photo]) -> list[Hit]:
        """`ranked` as hits, its photos with their file records (one read); a photo removed meanwhile is left out."""
        files = self.catalog.files(h.file_id for h in ranked if isinstance(h, _Photo))
        return [h if isinstance(h, Hit) else Hit(files[h.file_id], h.item_id, h.score)
                for h in ranked if isinstance(h, Hit) or h.file_id in files]


class _Photo(NamedTuple):
    """A photo among ranked results before its file record is read (a tuple: 4,096 of them a query)."""

    file_id: int
    item_id: int
    score: float
