"""A library's catalog as `core.library.Library` holds it: what a search reads goes through the standard
library's `sqlite3`, everything else through the SQLAlchemy `Catalog`, opened on first need.

A cold `medialens search` on a small library spent 0.3-0.35 of its ~1.2 CPU-s importing SQLAlchemy and
declaring the ORM tables, then ~0.05 s building its 20 statements; rclip, the peer it is measured against
(`tests/bench/peer.py`), reads its catalog with `sqlite3` alone. The reads here are the ones a text search
makes (the model row, the vector file's catch-up, the hits' files and items, the words read in pictures,
the place and camera names a query may name) and run on one connection of their own, in autocommit, so
each sees what any writer (this process's `Catalog` included) last committed.

The fast path is taken only for a catalog that needs nothing done first: one that exists, is readable and
writable, and whose schema is at the migrations' single head. Any other (none yet, an older schema, a
damaged or foreign file) is opened by `Catalog` at once, which creates, migrates or refuses it with its one
clear line, as before.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import LibraryError
from core.store.catalog_file import catalog_error, check_catalog_file, head_revisions
from core.store.records import (
    ITEM_KINDS_SQL,
    TEXT_MATCHES_SQL,
    FileRecord,
    ItemFiles,
    TextMatch,
    chunks,
    fts_query,
    text_match,
    vector_batches,
)

if TYPE_CHECKING:
    from core.store.catalog import Catalog

#: `FileRecord`'s fields are the `files` columns of the same names, in its order.
_FILE_COLUMNS = ", ".join(f.name for f in fields(FileRecord))
_PATH_AT = [f.name for f in fields(FileRecord)].index("path")
_TAKEN_AT = [f.name for f in fields(FileRecord)].index("taken_at")


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA query_only=ON")  # reads only: every write goes through `Catalog`
    return conn


def _ready(path: Path) -> bool:
    """Whether the catalog at `path` can be read as it is: it exists, may be read and written, and its schema
    is at the migrations' one head (anything else goes through `Catalog`, which deals with it)."""
    if not path.is_file() or not os.access(path, os.R_OK | os.W_OK):
        return False
    heads = head_revisions()
    if len(heads) != 1:
        return False
    try:
        check_catalog_file(path)
        conn = sqlite3.connect(str(path), timeout=30)
        try:
            current = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
        finally:
            conn.close()
    except (sqlite3.Error, OSError, LibraryError):  # `Catalog` says what is wrong, in one line
        return False
    return current == list(heads)


class LibraryCatalog:
    """The catalog of an open library: the search path's reads on `sqlite3`; every other attribute is
    the `Catalog`'s (SQLAlchemy, opened on first use). Thread-safe: one lock around the read connection."""

    def __init__(self, db_path: Path):
        self.path = Path(db_path)
        self._full: Catalog | None = None
        self._full_lock = threading.Lock()
        self._stamp: ChangeStamp | None = None
        self._known: tuple[int, set[str], set[str]] | None = None
        if not _ready(self.path):
            self.full()  # creates, migrates, or refuses with one clear line
        self._read_lock = threading.Lock()
        try:
            self._conn = _connect(self.path)
        except sqlite3.Error as exc:
            self.close()
            raise catalog_error(self.path, exc, "open") from None

    def full(self) -> Catalog:
        """The SQLAlchemy catalog (writes, and every read not made here)."""
        with self._full_lock:
            if self._full is None:
                # catalog_manage puts the managing filters' SQL in place (`catalog.MANAGED_CONDITIONS`: albums,
                # tags, ratings, places, cameras), which the catalog cannot import itself
                from core.store import catalog_manage  # noqa: F401
                from core.store.catalog import Catalog

                # `checked`: the file was checked by `_ready`, before any connection; checking it again here
                # (a plain open() and close) would drop the read connection's SQLite locks, and another
                # process closing its own connection would then delete the write-ahead log under this one
                self._full = Catalog(self.path, checked="_conn" in self.__dict__)
            return self._full

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.full(), name)

    def close(self) -> None:
        conn = self.__dict__.get("_conn")
        if conn is not None:
            conn.close()
        if self._full is not None:
            self._full.close()

    def _rows(self, sql: str, params: Iterable | dict = ()) -> list[tuple]:
        try:
            with self._read_lock:
                return self._conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise catalog_error(self.path, exc) from None

    def _one(self, sql: str, params: Iterable = ()):
        rows = self._rows(sql, params)
        return rows[0][0] if rows else None

    # ----- the reads of a search (each as `Catalog`'s method of the same name) ------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        rows = self._rows("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0][0] if rows else default

    def find_model(self, key: str) -> tuple[int, int] | None:
        """(model id, dim) of a known model key."""
        rows = self._rows("SELECT id, dim FROM models WHERE key = ?", (key,))
        return (rows[0][0], rows[0][1]) if rows else None

    def files(self, ids: Iterable[int]) -> dict[int, FileRecord]:
        out: dict[int, FileRecord] = {}
        for chunk in chunks(list(set(ids)), 900):
            sql = f"SELECT {_FILE_COLUMNS} FROM files WHERE id IN ({', '.join('?' * len(chunk))})"
            for row in self._rows(sql, chunk):
                out[row[0]] = _file_record(row)
        return out

    def items_info(self, item_ids: Iterable[int]) -> dict[int, tuple[int, float | None]]:
        """item id -> (file id, time in seconds or None)."""
        out: dict[int, tuple[int, float | None]] = {}
        for chunk in chunks(list(set(item_ids)), 900):
            sql = f"SELECT id, file_id, t_s FROM items WHERE id IN ({', '.join('?' * len(chunk))})"
            for iid, fid, t in self._rows(sql, chunk):
                out[iid] = (fid, t)
        return out

    def items_with_kinds(self, item_ids: Iterable[int]) -> dict[int, tuple[int, float | None, str]]:
        """item id -> (file id, time in seconds or None, the file's kind) (`Catalog.items_with_kinds`)."""
        ids = [int(i) for i in set(item_ids)]
        if not ids:
            return {}
        return {iid: (fid, t, kind) for iid, fid, t, kind in self._rows(ITEM_KINDS_SQL, (json.dumps(ids),))}

    def item_files(self, since: ItemFiles | None = None) -> ItemFiles:
        """`Catalog.item_files`: every item's file and the video files, as arrays, or `since` brought up to
        date."""
        return ItemFiles.read(lambda sql, params: self._rows(sql, params)[0], since)

    def iter_vectors(self, model_id: int, after_id: int = 0, batch: int = 20000) -> Iterator[
            list[tuple[int, int, bytes]]]:
        """Batches of (vector row id, item id, f16 bytes) with row id > after_id, in order."""
        last = after_id
        while True:
            rows = self._rows("SELECT id, item_id, data FROM vectors WHERE model_id + 0 = ? AND id > ? "
                              "ORDER BY id LIMIT ?", (model_id, last, batch))  # row-id order: `vector_batches`
            if not rows:
                return
            last = rows[-1][0]
            yield rows

    def vector_batches(self, model_id: int, dim: int, after_id: int = 0, batch: int = 65536):
        """`Catalog.vector_batches`: (item ids, float16 vectors, last row id) batches, as arrays."""
        return vector_batches(self._rows, model_id, dim, after_id, batch)

    def last_vector_id(self, model_id: int) -> int:
        """The newest vector row of the model (walked back from the last row: no index scan of the model's rows)."""
        return self._one("SELECT id FROM vectors WHERE model_id + 0 = ? ORDER BY id DESC LIMIT 1", (model_id,)) or 0

    def vector_count(self, model_id: int) -> int:
        return self._one("SELECT count(*) FROM vectors WHERE model_id = ?", (model_id,)) or 0

    def removed_since(self, seq: int) -> tuple[list[int], int]:
        """Item ids deleted after tombstone `seq`, and the newest tombstone seq."""
        rows = self._rows("SELECT seq, item_id FROM removed_items WHERE seq > ? ORDER BY seq", (seq,))
        last = rows[-1][0] if rows else max(seq, self.last_removed_seq())
        return [r[1] for r in rows], last

    def last_removed_seq(self) -> int:
        return self._one("SELECT max(seq) FROM removed_items") or 0

    def sample_vectors(self, model_id: int, n: int) -> list[bytes]:
        """Up to n of a model's vectors drawn at random (all of them when it has fewer)."""
        return [r[0] for r in self._rows("SELECT data FROM vectors WHERE model_id = ? ORDER BY random() LIMIT ?",
                                         (model_id, n))]

    def text_matches(self, terms: list[str] | tuple[str, ...], limit: int = 500) -> list[TextMatch]:
        """Lines containing any of `terms` (substrings of 3+ characters, any case), best bm25 first."""
        expr = fts_query(terms)
        if not expr:
            return []
        return [text_match(r) for r in self._rows(TEXT_MATCHES_SQL, {"q": expr, "n": limit})]

    def place_names(self) -> set[str]:
        """Every city, region and country name the library knows (what a query can name)."""
        return self._names("SELECT city FROM file_meta UNION SELECT region FROM file_meta "
                           "UNION SELECT country FROM file_meta")

    def camera_names(self) -> set[str]:
        """Every camera make and model (and lens) the library's files name."""
        return self._names("SELECT camera_make FROM files UNION SELECT camera_model FROM files "
                           "UNION SELECT lens FROM file_meta")

    def known_names(self) -> tuple[set[str], set[str]]:
        """`place_names()` and `camera_names()`, read again only after the catalog changed (`ChangeStamp`):
        every search the window runs understands its text with them, and reading them scans every file
        (130-165 ms a search at 100k items, loaded; tests/bench/gui_scale.py)."""
        with self._read_lock:
            if self._stamp is None:
                self._stamp = ChangeStamp(self)
        stamp = self._stamp()
        names = self._known
        if names is None or names[0] != stamp:
            names = self._known = (stamp, self.place_names(), self.camera_names())
        return names[1], names[2]

    def _names(self, sql: str) -> set[str]:
        return {r[0] for r in self._rows(sql) if r[0]}


def _file_record(row: tuple) -> FileRecord:
    """A `files` row (`_FILE_COLUMNS`) as SQLAlchemy's column types read it: the path from its OS bytes, the
    capture time from SQLite's ISO text."""
    values = list(row)
    if values[_PATH_AT] is not None:
        values[_PATH_AT] = os.fsdecode(bytes(values[_PATH_AT]))
    if values[_TAKEN_AT] is not None:
        import datetime as dt

        values[_TAKEN_AT] = dt.datetime.fromisoformat(values[_TAKEN_AT])
    return FileRecord(*values)


class ChangeStamp:
    """A number that changes whenever anything is committed to the catalog, by any process.

    SQLite's `PRAGMA data_version` on a connection of its own changes with every commit made through
    any other connection (this process's pool included), so a cache keyed by it is never stale; reading
    it costs microseconds.
    """

    def __init__(self, catalog: Catalog | LibraryCatalog):
        self._conn = sqlite3.connect(str(catalog.path), check_same_thread=False)
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            return self._conn.execute("PRAGMA data_version").fetchone()[0]
