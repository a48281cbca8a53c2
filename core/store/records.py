"""What the catalog hands out, and the text helpers its SQL and search share, without SQLAlchemy.

Split from `core.store.catalog` so that the search path can import them without importing SQLAlchemy and
declaring the ORM tables (0.3-0.35 CPU-s of a 1.2 s cold `medialens search`; `core.store.catalog_read`).
`core.store.catalog` re-exports every name here.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

#: A video's text lines are read at most one frame every this many seconds of the frames the indexer sampled
#: (`core.indexing.ocr`): on-screen text shown this long or longer is found, at a fraction of reading every
#: sample. Search widens a video's text match by it.
VIDEO_STEP_S = 2.0


@dataclass(frozen=True)
class TextLine:
    """A line of text found in a picture or a video frame, shown as a subtitle, or said.

    Subtitle and speech lines have no box (all zero) and say when: `start_s`/`end_s`, and for speech
    the timed words ((word, start_s, end_s), ...).
    """

    text: str
    conf: float
    box: tuple[int, int, int, int]  # left, top, right, bottom in the upright original's pixels
    expert: str = "ocr"
    start_s: float | None = None
    end_s: float | None = None
    words: tuple[tuple[str, float, float], ...] = ()


@dataclass(frozen=True)
class TextMatch:
    """A line whose text matched a text search, with where it was found."""

    item_id: int
    file_id: int
    t_s: float | None
    line: TextLine
    rank: float  # FTS5 bm25: lower is better


@dataclass(frozen=True)
class OcrTask:
    """An item still to be read: its file's path and, for a video frame, its time."""

    item_id: int
    file_id: int
    path: str
    kind: str
    t_s: float | None


@dataclass(frozen=True)
class FileState:
    """What the scanner compares against: the catalog's view of one path."""

    id: int
    size: int
    mtime_ns: int
    status: str
    content_hash: str | None
    ctime_ns: int | None = None  # None: not known yet (a row from before migration 0003)
    inode: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class FileRecord:
    """A file as the search layer and the GUI see it."""

    id: int
    path: str
    kind: str
    size: int
    format: str | None
    width: int | None
    height: int | None
    taken_at: dt.datetime | None
    camera_make: str | None
    camera_model: str | None
    gps_lat: float | None
    gps_lon: float | None
    duration_s: float | None
    fps: float | None
    codec: str | None
    content_hash: str | None
    status: str
    error: str | None
    mtime_ns: int | None = None  # the file's modification time: its date when it has no capture time



_LOOKALIKES = {"0": "o", "1": "i", "5": "s"}
_LOOKALIKE_DIGIT = re.compile(r"(?<=[^\W\d_])[015](?!\d)|(?<!\d)[015](?=[^\W\d_])")


def fold_text(text: str) -> str:
    """The search form of a text: lower case, "l" read as "i", and 0, 1, 5 as o, i, s where they touch
    a letter and no digit (recognisers read "INVOICE" as "INV0ICE"; "2024" stays a number).
    Queries and stored lines are folded alike, so the mapping only has to be the same on both sides."""
    folded = _LOOKALIKE_DIGIT.sub(lambda m: _LOOKALIKES[m.group(0)], text.lower())
    return folded.replace("l", "i").replace("|", "i")


def timed_words(stored: str | None) -> tuple[tuple[str, float, float], ...]:
    """The timed words of a speech line as stored (JSON)."""
    return tuple((w, float(a), float(b)) for w, a, b in json.loads(stored)) if stored else ()


#: The lines whose folded text matches an FTS5 expression (`:q`), best bm25 first, at most `:n`; read by
#: `text_match`.
TEXT_MATCHES_SQL = (
    "SELECT l.item_id, i.file_id, i.t_s, l.text, l.conf, l.x0, l.y0, l.x1, l.y1, bm25(ocr_fts) AS r, "
    "l.expert, l.start_s, l.end_s, l.words "
    "FROM ocr_fts JOIN ocr_lines l ON l.id = ocr_fts.rowid JOIN items i ON i.id = l.item_id "
    "WHERE ocr_fts MATCH :q ORDER BY r LIMIT :n")


def text_match(r: Sequence) -> TextMatch:
    """A row of `TEXT_MATCHES_SQL`."""
    return TextMatch(r[0], r[1], r[2], TextLine(r[3], r[4], (r[5], r[6], r[7], r[8]), r[10], r[11], r[12],
                                                timed_words(r[13])), r[9])


def fts_query(terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression for any of `terms`, each a quoted, folded trigram substring (3+ characters)."""
    quoted = ['"' + fold_text(t).replace('"', '""') + '"' for t in terms if len(t) >= 3]
    return " OR ".join(quoted)


def chunks(seq: Sequence, n: int) -> Iterator[Sequence]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: a batch of 65,536 fresh row tuples (none of them cyclic) made the
    collector sweep every tracked object again and again, 20-35 % of reading the vectors (tests/bench/
    open_first.py). It is switched back on only if it was on (another thread may pause it too: harmless)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


#: item id, file id, time and the file's kind of the items in a JSON array of ids (`?`).
ITEM_KINDS_SQL = ("SELECT items.id, items.file_id, items.t_s, files.kind FROM items JOIN files ON files.id = "
                  "items.file_id WHERE items.id IN (SELECT value FROM json_each(?))")


#: A model's vectors after a row id, in row-id order: `model_id + 0` keeps SQLite off the (model_id, item_id)
#: index, whose order made it read and sort every vector of the model for each batch.
VECTOR_BATCH_SQL = "SELECT id, item_id, data FROM vectors WHERE model_id + 0 = ? AND id > ? ORDER BY id LIMIT ?"


def vector_batches(rows_of: Callable[[str, tuple], list[tuple]], model_id: int, dim: int, after_id: int,
                   batch: int) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
    """`Catalog.vector_batches` over a DB-API read (`rows_of(sql, params)`, no SQLAlchemy rows): batches of
    (item ids as uint64, float16 vectors (n, dim), last row id) with row id > after_id."""
    import numpy as np

    last = after_id
    while True:
        with gc_paused():
            rows = rows_of(VECTOR_BATCH_SQL, (model_id, last, batch))
            if not rows:
                return
            last = rows[-1][0]
            items = np.fromiter(map(itemgetter(1), rows), np.uint64, len(rows))
            vecs = np.frombuffer(b"".join(map(itemgetter(2), rows)), "<f2").reshape(-1, dim)
            del rows
        yield items, vecs, last


#: Every item's file, every video file and the newest tombstone, in one statement (one snapshot of the
#: catalog), as text: SQLite hands 100,000 (item, file) pairs over in 50 ms as one string against 120 ms as
#: row tuples (loaded cores).
ITEM_FILES_SQL = ("SELECT (SELECT group_concat(id || ',' || file_id, ',') FROM items), "
                  "(SELECT group_concat(id, ',') FROM files WHERE kind = 'video'), "
                  "(SELECT coalesce(max(seq), 0) FROM removed_items)")
#: What changed since an `ItemFiles` was read (tombstone seq, its newest item id): the items removed (every
#: deletion leaves a tombstone: `removed_items`' trigger), the newest tombstone, the items added with their
#: file and whether it is a video; one statement, one snapshot.
ITEM_FILES_SINCE_SQL = ("SELECT (SELECT group_concat(item_id, ',') FROM removed_items WHERE seq > ?), "
                        "(SELECT coalesce(max(seq), 0) FROM removed_items), "
                        "(SELECT group_concat(items.id || ',' || items.file_id || ',' || (files.kind = 'video'), "
                        "',') FROM items JOIN files ON files.id = items.file_id WHERE items.id > ?)")


def _ints(text: str | None):
    import numpy as np

    return np.array(text.split(","), np.int64) if text else np.zeros(0, np.int64)


@dataclass(frozen=True)
class ItemFiles:
    """Which file each item belongs to, and which files are videos, as arrays: what a search groups its
    nearest items by (`core.search.engine.SearchEngine`), read once per state of the catalog instead of
    once per query (the items' SQL was 38 ms of each window query at 100k items, twice a query), and
    brought up to date from the tombstones and the newer items when the catalog changes (`read`), so a
    library being indexed does not read its 100k items again after each commit.

    `item_ids` is sorted; an item not here was added after the read (or never existed)."""

    item_ids: np.ndarray
    file_ids: np.ndarray
    video_files: np.ndarray
    removed_seq: int = 0

    @classmethod
    def read(cls, row: Callable[[str, tuple], tuple], since: ItemFiles | None = None) -> ItemFiles:
        """The map from the catalog (`row(sql, params)`: the statement's one row), or `since` brought up to
        date: its removed items dropped, the items added since appended."""
        import numpy as np

        if since is None:
            pairs, videos, seq = row(ITEM_FILES_SQL, ())
            flat = _ints(pairs)
            items, files = flat[0::2], flat[1::2]
            order = np.argsort(items, kind="stable")
            return cls(items[order], files[order], np.unique(_ints(videos)), seq)
        newest = int(since.item_ids[-1]) if len(since.item_ids) else 0
        removed, seq, added = row(ITEM_FILES_SINCE_SQL, (since.removed_seq, newest))
        removed, added = _ints(removed), _ints(added).reshape(-1, 3)
        keep = ~np.isin(since.item_ids, removed)
        items = np.concatenate([since.item_ids[keep], added[:, 0]])
        files = np.concatenate([since.file_ids[keep], added[:, 1]])
        order = np.argsort(items, kind="stable")
        is_video = added[:, 2] == 1
        videos = np.union1d(np.setdiff1d(since.video_files, added[~is_video, 1]), added[is_video, 1])
        return cls(items[order], files[order], videos, seq)

    def files_of(self, item_ids: np.ndarray) -> np.ndarray:
        """Each item's file id, -1 for an item not here."""
        import numpy as np

        item_ids = np.asarray(item_ids, np.int64)
        if not len(self.item_ids):
            return np.full(len(item_ids), -1, np.int64)
        pos = np.minimum(np.searchsorted(self.item_ids, item_ids), len(self.item_ids) - 1)
        return np.where(self.item_ids[pos] == item_ids, self.file_ids[pos], -1)

    def are_videos(self, file_ids: np.ndarray) -> np.ndarray:
        import numpy as np

        file_ids = np.asarray(file_ids, np.int64)
        if not len(self.video_files):
            return np.zeros(len(file_ids), bool)
        pos = np.minimum(np.searchsorted(self.video_files, file_ids), len(self.video_files) - 1)
        return self.video_files[pos] == file_ids
