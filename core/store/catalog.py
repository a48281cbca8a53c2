"""The catalog: SQLite (WAL) through SQLAlchemy 2, the library's source of truth.

It holds the roots, every media file with its metadata, the embedded items (an
image, or one sampled video frame at time t) whose integer id is the vector key,
the vectors themselves per model as float16 blobs, and per-file failures.
The vector file beside it is a cache that `core.store.vectors` rebuilds from here.

Two details exist for that cache:
* `items` and `vectors` use AUTOINCREMENT so ids are never reused: a stale index
  entry can never alias a new item, and `vectors.id` orders additions so an index
  can catch up from the last id it saw.
* deleting an item (directly or by cascade from its file) leaves a row in
  `removed_items` (a trigger does it), so an index catches up on deletions too.

Paths are stored as bytes (`os.fsencode`) so names that are not valid UTF-8
survive the round trip on every platform.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from core.errors import LibraryError
from core.store.catalog_file import MIGRATIONS as _MIGRATIONS
from core.store.catalog_file import catalog_error, check_catalog_file, head_revisions
from core.store.records import (
    ITEM_KINDS_SQL,
    TEXT_MATCHES_SQL,
    ItemFiles,
    text_match,
    vector_batches,
)
from core.store.records import VIDEO_STEP_S as VIDEO_STEP_S
from core.store.records import FileRecord as FileRecord
from core.store.records import FileState as FileState
from core.store.records import OcrTask as OcrTask
from core.store.records import TextLine as TextLine
from core.store.records import TextMatch as TextMatch
from core.store.records import chunks as _chunks
from core.store.records import fold_text as fold_text
from core.store.records import fts_query as fts_query
from core.store.records import timed_words as timed_words
from core.vector_math import f16_blob

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from sqlalchemy import Select
    from sqlalchemy.orm import InstrumentedAttribute

SCHEMA_HEAD = "0007_status_counts"


class FsPath(TypeDecorator):
    """A filesystem path stored as its OS bytes, read back as `str` (surrogate-escaped)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else os.fsencode(value)

    def process_result_value(self, value, dialect):
        return None if value is None else os.fsdecode(bytes(value))


class Base(DeclarativeBase):
    pass


class Root(Base):
    __tablename__ = "roots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(FsPath, unique=True)
    added_at: Mapped[float] = mapped_column(Float)


class MediaFile(Base):
    __tablename__ = "files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    root_id: Mapped[int] = mapped_column(ForeignKey("roots.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(FsPath, unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "image" | "video"
    format: Mapped[str | None] = mapped_column(String(16))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    camera_make: Mapped[str | None] = mapped_column(String(64))
    camera_model: Mapped[str | None] = mapped_column(String(64))
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_lon: Mapped[float | None] = mapped_column(Float)
    duration_s: Mapped[float | None] = mapped_column(Float)
    fps: Mapped[float | None] = mapped_column(Float)
    codec: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8), default="pending", index=True)  # pending|ok|failed
    error: Mapped[str | None] = mapped_column(Text)
    seen_scan: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[float] = mapped_column(Float)
    indexed_at: Mapped[float | None] = mapped_column(Float)
    ctime_ns: Mapped[int | None] = mapped_column(BigInteger)  # with the inode: a rewrite that kept its mtime
    inode: Mapped[int | None] = mapped_column(BigInteger)
    # what status counts and seeks by (revision 0007): a narrow index instead of the wide rows
    __table_args__ = (Index("ix_files_kind_status", "kind", "status"),)


class Item(Base):
    __tablename__ = "items"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), index=True)
    t_s: Mapped[float | None] = mapped_column(Float)  # None for a still image


class Model(Base):
    __tablename__ = "models"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    pretrained: Mapped[str | None] = mapped_column(String(200))
    dim: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float)


class Vector(Base):
    __tablename__ = "vectors"
    __table_args__ = (UniqueConstraint("model_id", "item_id"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # float16, little-endian, L2-normalised


class Embedded(Base):
    """A file whose every item has a vector for a model: the unit of resumable work."""

    __tablename__ = "embedded"
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[float] = mapped_column(Float)


class RemovedItem(Base):
    __tablename__ = "removed_items"
    __table_args__ = {"sqlite_autoincrement": True}
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer)


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class OcrItem(Base):
    """An item whose text has been read (with `lines` lines found, maybe none): OCR's unit of resumable work."""

    __tablename__ = "ocr_items"
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    lines: Mapped[int] = mapped_column(Integer)
    at: Mapped[float] = mapped_column(Float)


class OcrLine(Base):
    """One line of text found in an item, its box in the upright original's pixels, and its confidence.

    `ocr_fts` (a trigram FTS5 table kept by triggers, see migration 0002) indexes `folded`. Subtitle and
    speech lines share it (migration 0003): `expert` says who found the words, `start_s`/`end_s` when.
    """

    __tablename__ = "ocr_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text)  # the search form of `text` (`fold_text`)
    conf: Mapped[float] = mapped_column(Float)
    x0: Mapped[int] = mapped_column(Integer)
    y0: Mapped[int] = mapped_column(Integer)
    x1: Mapped[int] = mapped_column(Integer)
    y1: Mapped[int] = mapped_column(Integer)
    expert: Mapped[str] = mapped_column(String(8), default="ocr", server_default="ocr")  # ocr|subtitle|speech
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    words: Mapped[str | None] = mapped_column(Text)  # speech: JSON [[word, start_s, end_s], ...]


#: The `files` columns in `FileRecord`'s order: a search's hits read rows of these (an ORM object a row, then a
#: record of it, cost three times as much: 2,560 files a query at 100k items).
_RECORD_COLUMNS = [getattr(MediaFile, f.name) for f in fields(FileRecord)]
#: The ids a search reads, as one JSON parameter (`json_each`): one statement compiled once, instead of an IN
#: list of 900 parameters compiled per chunk, run on the connection (no ORM row loading): a search's items
#: with their files' kinds, 4,096 at 100k items, 117 ms the ORM way, 65 ms this way (loaded).
_IDS = select(literal_column("value")).select_from(func.json_each(bindparam("ids")))
_FILES_BY_ID = select(*_RECORD_COLUMNS).where(MediaFile.id.in_(_IDS))
_ITEMS_BY_ID = select(Item.id, Item.file_id, Item.t_s).where(Item.id.in_(_IDS))


def _record(f: MediaFile) -> FileRecord:
    return FileRecord(
        id=f.id, path=f.path, kind=f.kind, size=f.size, format=f.format, width=f.width, height=f.height,
        taken_at=f.taken_at, camera_make=f.camera_make, camera_model=f.camera_model, gps_lat=f.gps_lat,
        gps_lon=f.gps_lon, duration_s=f.duration_s, fps=f.fps, codec=f.codec,
        content_hash=f.content_hash, status=f.status, error=f.error, mtime_ns=f.mtime_ns,
    )


#: Builds the SQL conditions of the managing filters; `core.store.catalog_manage` puts its `file_conditions` here
#: when imported (the catalog cannot import it: it builds on this module's tables).
MANAGED_CONDITIONS: list = []


def _file_conditions(kinds: Iterable[str] | None = None, folder: str | None = None,
                     date_from: dt.datetime | None = None, date_to: dt.datetime | None = None, **managed) -> list:
    """SQL conditions on `files` for a search filter's restrictions (all optional, combined with AND);
    `managed`: albums, tags, rating, favourite, place, camera (`core.store.catalog_manage.file_conditions`)."""
    conds = []
    if any(v is not None for v in managed.values()):
        if not MANAGED_CONDITIONS:
            raise LibraryError("filters on albums, tags, ratings, places or cameras need core.store.catalog_manage")
        conds.extend(MANAGED_CONDITIONS[0](**managed))
    if kinds:
        conds.append(MediaFile.kind.in_(sorted(kinds)))
    if folder:
        prefix = os.fsencode(os.path.join(os.path.abspath(folder), ""))
        conds.append(func.substr(MediaFile.path, 1, len(prefix)) == prefix)
    if date_from:
        conds.append(MediaFile.taken_at >= date_from)
    if date_to:
        conds.append(MediaFile.taken_at < date_to)
    return conds


def _file_date():
    """A file's date in SQL: its capture time, else its modification time (both sort as text)."""
    return func.coalesce(MediaFile.taken_at, func.strftime("%Y-%m-%d %H:%M:%f", MediaFile.mtime_ns / 1e9,
                                                           "unixepoch", "localtime"))


def _on_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def pending_files_count(done_item_id: InstrumentedAttribute[int], root_ids: Sequence[int] | None = None) -> Select:
    """The statement counting indexed photos and videos with an item missing from `done_item_id`'s table (the
    items read, the items looked at for faces).

    Files first, through `ix_files_kind_status`, each counted once (no temporary B-tree for a distinct
    count) when one of its items is not done. At 1M photos: 0.5 s of CPU against 0.6 s for the distinct count of
    items joined to their files, which read the wide `files` rows before revision 0007.
    """
    undone = (select(Item.id).where(Item.file_id == MediaFile.id, Item.id.not_in(select(done_item_id)))
              .exists())
    q = (select(func.count()).select_from(MediaFile)
         .where(MediaFile.status == "ok", MediaFile.kind.in_(["image", "video"]), undone))
    if root_ids is not None:
        q = q.where(MediaFile.root_id.in_(list(root_ids)))
    return q


def _at_head(engine: Engine) -> bool:
    heads = head_revisions()
    if len(heads) != 1:
        return False
    try:
        with engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except OperationalError:
        return False  # a new catalog: no version table yet
    return current == list(heads)


def _migrate(engine: Engine, db_path: Path) -> None:
    """Bring the schema to head with Alembic; refuse a catalog from a newer MediaLens."""
    if _at_head(engine):
        return
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == script.get_current_head():
        return
    if current is not None:
        try:
            script.get_revision(current)
        except Exception:
            raise LibraryError(
                f"{db_path}: this catalog was written by a newer version of MediaLens "
                f"(schema {current}); update MediaLens to open it"
            ) from None
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _open_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30, "check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    return engine


def _create_catalog(path: Path) -> None:
    """A new, migrated catalog at `path`, made under another name and linked into place.

    So a catalog file exists only once its schema is complete: an interrupted
    creation never leaves an empty `catalog.db` that a later open would mistake
    for a library. If another process created it meanwhile, its file is kept.
    """
    tmp = path.with_name(f"{path.name}.new-{os.getpid()}-{threading.get_ident()}")
    engine = _open_engine(tmp)
    try:
        _migrate(engine, tmp)
    except Exception as exc:
        engine.dispose()
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        raise catalog_error(path, exc, "create") from None
    engine.dispose()
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links
        if not path.exists():
            os.replace(tmp, path)
    tmp.unlink(missing_ok=True)


class Catalog:
    """Typed access to the catalog database. Thread-safe: one session per call."""

    def __init__(self, db_path: Path, *, checked: bool = False):
        """`checked`: the file was checked (`check_catalog_file`) before this process opened it: the check
        reads it with a plain open() whose close drops the process's SQLite locks on it
        (`core.store.catalog_read.LibraryCatalog`, which opens this after its own read connection)."""
        self.path = Path(db_path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"cannot create the library folder {self.path.parent}: {exc.strerror}") from None
        if self.path.exists() and not os.access(self.path, os.R_OK | os.W_OK):
            raise LibraryError(f"{self.path}: the catalog is not readable and writable by this user")
        if not checked:
            check_catalog_file(self.path)
        if not self.path.exists():
            _create_catalog(self.path)
        self.engine = _open_engine(self.path)
        try:
            _migrate(self.engine, self.path)
        except LibraryError:
            self.engine.dispose()
            raise
        except Exception as exc:
            self.engine.dispose()
            raise catalog_error(self.path, exc, "open") from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = threading.Lock()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            with self._sessions() as s:
                yield s
        except DatabaseError as exc:
            raise catalog_error(self.path, exc) from None

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction. Writes are serialised within the process.

        Storage failures (a full disk, a read-only or vanished folder) become one
        `LibraryError` naming the catalog: nothing of the transaction is kept.
        """
        try:
            with self._write_lock, self._sessions.begin() as s:
                yield s
        except DatabaseError as exc:
            raise catalog_error(self.path, exc, "write") from None

    # ----- settings --------------------------------------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        with self.session() as s:
            v = s.get(Setting, key)
            return v.value if v else default

    def set_setting(self, key: str, value: str | None) -> None:
        with self.write() as s:
            if value is None:
                s.execute(delete(Setting).where(Setting.key == key))
            else:
                s.merge(Setting(key=key, value=value))

    # ----- roots -----------------------------------------------------------------------------

    def roots(self) -> list[tuple[int, str]]:
        with self.session() as s:
            return [(r.id, r.path) for r in s.scalars(select(Root).order_by(Root.path))]

    def add_root(self, path: str) -> int:
        """Add a library folder; folders already inside it are merged into it (their files kept)."""
        with self.write() as s:
            existing = s.scalar(select(Root).where(Root.path == path))
            if existing:
                return existing.id
            root = Root(path=path, added_at=time.time())
            s.add(root)
            s.flush()
            prefix = os.path.join(path, "")
            for child in list(s.scalars(select(Root).where(Root.id != root.id))):
                if child.path.startswith(prefix):
                    s.execute(update(MediaFile).where(MediaFile.root_id == child.id).values(root_id=root.id))
                    s.delete(child)
            return root.id

    def remove_root(self, path: str) -> list[int]:
        """Forget a root and everything under it; returns the removed item ids."""
        with self.write() as s:
            root = s.scalar(select(Root).where(Root.path == path))
            if root is None:
                raise LibraryError(f"{path} is not a library folder")
            ids = list(
                s.scalars(select(Item.id).join(MediaFile).where(MediaFile.root_id == root.id))
            )
            s.delete(root)
            return ids

    # ----- models ----------------------------------------------------------------------------

    def model_id(self, key: str, name: str, pretrained: str | None, dim: int) -> int:
        with self.write() as s:
            m = s.scalar(select(Model).where(Model.key == key))
            if m is None:
                m = Model(key=key, name=name, pretrained=pretrained, dim=dim, created_at=time.time())
                s.add(m)
                s.flush()
            return m.id

    def find_model(self, key: str) -> tuple[int, int] | None:
        """(model id, dim) of a known model key."""
        with self.session() as s:
            m = s.scalar(select(Model).where(Model.key == key))
            return (m.id, m.dim) if m else None

    def models(self) -> list[Model]:
        with self.session() as s:
            return list(s.scalars(select(Model).order_by(Model.id)))

    # ----- files -----------------------------------------------------------------------------

    def file_states(self, root_id: int) -> dict[str, FileState]:
        with self.session() as s:
            rows = s.execute(
                select(MediaFile.path, MediaFile.id, MediaFile.size, MediaFile.mtime_ns, MediaFile.status,
                       MediaFile.content_hash, MediaFile.ctime_ns, MediaFile.inode, MediaFile.error)
                .where(MediaFile.root_id == root_id)
            )
            return {r[0]: FileState(*r[1:]) for r in rows}

    def file(self, file_id: int) -> FileRecord | None:
        with self.session() as s:
            f = s.get(MediaFile, file_id)
            return _record(f) if f else None

    def file_by_path(self, path: str) -> FileRecord | None:
        with self.session() as s:
            f = s.scalar(select(MediaFile).where(MediaFile.path == path))
            return _record(f) if f else None

    def files(self, ids: Iterable[int]) -> dict[int, FileRecord]:
        ids = list(set(ids))
        if not ids:
            return {}
        with self.session() as s:
            return {row[0]: FileRecord(*row) for row in s.connection().execute(_FILES_BY_ID, _ids_param(ids))}


    def failed_files(self) -> list[FileRecord]:
        with self.session() as s:
            q = select(MediaFile).where(MediaFile.status == "failed").order_by(MediaFile.path)
            return [_record(f) for f in s.scalars(q)]

    def pending_files(self, model_id: int, root_ids: Sequence[int] | None = None) -> list[FileRecord]:
        """Files that are not failed and lack a complete embedding for the model."""
        with self.session() as s:
            done = select(Embedded.file_id).where(Embedded.model_id == model_id)
            q = select(MediaFile).where(MediaFile.status != "failed", MediaFile.id.not_in(done))
            if root_ids is not None:
                q = q.where(MediaFile.root_id.in_(list(root_ids)))
            return [_record(f) for f in s.scalars(q.order_by(MediaFile.id))]

    def counts(self) -> dict[str, int]:
        with self.session() as s:
            rows = s.execute(select(MediaFile.kind, MediaFile.status, func.count()).group_by(
                MediaFile.kind, MediaFile.status))
            out: dict[str, int] = {}
            for kind, status, n in rows:
                out[f"{kind}_{status}"] = n
            out["items"] = s.scalar(select(func.count()).select_from(Item)) or 0
            return out

    def embedded_count(self, model_id: int) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(Embedded).where(Embedded.model_id == model_id)) or 0

    # ----- items and vectors -----------------------------------------------------------------

    def items_info(self, item_ids: Iterable[int]) -> dict[int, tuple[int, float | None]]:
        """item id -> (file id, time in seconds or None)."""
        ids = list(set(item_ids))
        if not ids:
            return {}
        with self.session() as s:
            return {iid: (fid, t) for iid, fid, t in s.connection().execute(_ITEMS_BY_ID, _ids_param(ids))}

    def item_files(self, since: ItemFiles | None = None) -> ItemFiles:
        """Every item's file and the video files, as arrays, or `since` brought up to date (`ItemFiles.read`)."""
        with self.session() as s:
            cursor = s.connection().connection.cursor()
            try:
                return ItemFiles.read(lambda sql, params: cursor.execute(sql, params).fetchone(), since)
            finally:
                cursor.close()

    def items_with_kinds(self, item_ids: Iterable[int]) -> dict[int, tuple[int, float | None, str]]:
        """item id -> (file id, time in seconds or None, the file's kind): what a search groups its items by,
        before it reads the records of the page it shows."""
        ids = list(set(item_ids))
        if not ids:
            return {}
        with self.session() as s:  # plain columns: the driver's rows as they come (no result rows to wrap)
            cursor = s.connection().connection.cursor()
            try:
                cursor.execute(ITEM_KINDS_SQL, (_ids_param(ids)["ids"],))
                return {iid: (fid, t, kind) for iid, fid, t, kind in cursor.fetchall()}
            finally:
                cursor.close()

    def items_of_file(self, file_id: int) -> list[tuple[int, float | None]]:
        with self.session() as s:
            q = select(Item.id, Item.t_s).where(Item.file_id == file_id).order_by(Item.t_s, Item.id)
            return [(r[0], r[1]) for r in s.execute(q)]

    def vectors_for_items(self, model_id: int, item_ids: Sequence[int]) -> dict[int, bytes]:
        out: dict[int, bytes] = {}
        with self.session() as s:
            for chunk in _chunks(list(item_ids), 900):
                q = select(Vector.item_id, Vector.data).where(Vector.model_id == model_id,
                                                              Vector.item_id.in_(chunk))
                for iid, data in s.execute(q):
                    out[iid] = data
        return out

    def iter_vectors(self, model_id: int, after_id: int = 0, batch: int = 20000) -> Iterator[
            list[tuple[int, int, bytes]]]:
        """Batches of (vector row id, item id, f16 bytes) with row id > after_id, in order (`vector_batches`
        reads them as arrays, for the vector index)."""
        last = after_id
        while True:
            with self.session() as s:
                rows = s.execute(
                    select(Vector.id, Vector.item_id, Vector.data)
                    .where(Vector.model_id + 0 == model_id, Vector.id > last)  # row-id order: see vector_batches
                    .order_by(Vector.id).limit(batch)
                ).all()
            if not rows:
                return
            last = rows[-1][0]
            yield [(r[0], r[1], r[2]) for r in rows]

    def vector_batches(self, model_id: int, dim: int, after_id: int = 0, batch: int = 65536) -> Iterator[
            tuple[np.ndarray, np.ndarray, int]]:
        """A model's vectors with row id > after_id, in row-id order, as batches of (item ids as uint64,
        float16 vectors (n, dim), last row id): what the vector index loads and rebuilds from.

        Read with the DB-API cursor (no SQLAlchemy rows) along the row ids: `model_id + 0` keeps SQLite off
        the (model_id, item_id) index, whose order made it read and sort every vector of the model for each
        batch (the whole read was quadratic: 77 s for 1M vectors, now 5 s; see tests/bench/open_first.py).
        """
        return vector_batches(self._raw_rows, model_id, dim, after_id, batch)

    def _raw_rows(self, sql: str, params: tuple) -> list[tuple]:
        try:
            raw = self.engine.raw_connection()
            try:
                return raw.cursor().execute(sql, params).fetchall()
            finally:
                raw.close()
        except (sqlite3.DatabaseError, DatabaseError) as exc:
            raise catalog_error(self.path, exc) from None

    def last_vector_id(self, model_id: int) -> int:
        """The newest vector row of the model (walked back from the last row: no index scan of the model's rows)."""
        with self.session() as s:
            return s.scalar(select(Vector.id).where(Vector.model_id + 0 == model_id)
                            .order_by(Vector.id.desc()).limit(1)) or 0

    def vector_count(self, model_id: int) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(Vector).where(Vector.model_id == model_id)) or 0

    def removed_since(self, seq: int) -> tuple[list[int], int]:
        """Item ids deleted after tombstone `seq`, and the newest tombstone seq."""
        with self.session() as s:
            rows = s.execute(select(RemovedItem.seq, RemovedItem.item_id).where(RemovedItem.seq > seq)
                             .order_by(RemovedItem.seq)).all()
            last = rows[-1][0] if rows else max(seq, self.last_removed_seq(s))
            return [r[1] for r in rows], last

    def last_removed_seq(self, s: Session | None = None) -> int:
        if s is None:
            with self.session() as s2:
                return s2.scalar(select(func.max(RemovedItem.seq))) or 0
        return s.scalar(select(func.max(RemovedItem.seq))) or 0

    def item_ids_where(self, **restrictions) -> list[int]:
        """Ids of the items whose file passes every given restriction (a search filter's fields)."""
        with self.session() as s:
            q = select(Item.id).join(MediaFile, MediaFile.id == Item.file_id).where(
                *_file_conditions(**restrictions))
            return list(s.scalars(q))

    def sample_vectors(self, model_id: int, n: int) -> list[bytes]:
        """Up to n of a model's vectors drawn at random (all of them when it has fewer)."""
        with self.session() as s:
            return list(s.scalars(select(Vector.data).where(Vector.model_id == model_id)
                                  .order_by(func.random()).limit(n)))

    def browse_files(self, offset: int = 0, limit: int = 200, **restrictions) -> list[FileRecord]:
        """Indexed files newest first (capture time, else file time), paged; `restrictions` as a search filter's."""
        with self.session() as s:
            q = (select(MediaFile).where(MediaFile.status == "ok", *_file_conditions(**restrictions))
                 .order_by(_file_date().desc(), MediaFile.id.desc()).offset(offset).limit(limit))
            return [_record(f) for f in s.scalars(q)]

    def browse_file_ids(self, **restrictions) -> list[int]:
        """The ids `browse_files` pages through, in its order: one sort, where every page of `browse_files`
        sorts the library again (about 1 s a page at 100k files on a loaded machine, the capture-or-file
        time being an expression no index holds); pages are then read by id (`files_in_order`)."""
        with self.session() as s:
            q = (select(MediaFile.id).where(MediaFile.status == "ok", *_file_conditions(**restrictions))
                 .order_by(_file_date().desc(), MediaFile.id.desc()))
            return list(s.scalars(q))

    def files_in_order(self, ids: Sequence[int]) -> list[FileRecord | None]:
        """The records of `ids`, in their order; None for an id no longer in the catalog."""
        found = self.files(ids)
        return [found.get(i) for i in ids]

    def file_ids_where(self, **restrictions) -> set[int]:
        """Ids of the indexed files that pass every given restriction (a search filter's fields)."""
        with self.session() as s:
            return set(s.scalars(select(MediaFile.id).where(MediaFile.status == "ok",
                                                            *_file_conditions(**restrictions))))

    def count_files(self, **restrictions) -> int:
        """How many indexed files `browse_files` pages through."""
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(MediaFile).where(
                MediaFile.status == "ok", *_file_conditions(**restrictions))) or 0

    # ----- text found in pictures (OCR) -------------------------------------------------------

    def ocr_pending(self, limit: int, root_ids: Sequence[int] | None = None,
                    after_item: int = 0) -> list[OcrTask]:
        """Up to `limit` items of indexed photos whose text has not been read yet, in item order."""
        with self.session() as s:
            q = (select(Item.id, Item.file_id, MediaFile.path, MediaFile.kind, Item.t_s)
                 .join(MediaFile, MediaFile.id == Item.file_id)
                 .where(MediaFile.status == "ok", MediaFile.kind == "image", Item.id > after_item,
                        Item.id.not_in(select(OcrItem.item_id))))
            if root_ids is not None:
                q = q.where(MediaFile.root_id.in_(list(root_ids)))
            return [OcrTask(*r) for r in s.execute(q.order_by(Item.id).limit(limit))]

    def ocr_pending_count(self, root_ids: Sequence[int] | None = None) -> int:
        """Photos and videos with something left to read."""
        with self.session() as s:
            return s.scalar(pending_files_count(OcrItem.item_id, root_ids)) or 0

    def ocr_pending_videos(self, root_ids: Sequence[int] | None = None) -> list[tuple[int, str]]:
        """(file id, path) of indexed videos with frames whose text has not been read yet."""
        with self.session() as s:
            q = (select(MediaFile.id, MediaFile.path).join(Item, Item.file_id == MediaFile.id)
                 .where(MediaFile.status == "ok", MediaFile.kind == "video",
                        Item.id.not_in(select(OcrItem.item_id))).distinct())
            if root_ids is not None:
                q = q.where(MediaFile.root_id.in_(list(root_ids)))
            return [(r[0], r[1]) for r in s.execute(q.order_by(MediaFile.id))]

    def save_ocr(self, results: Sequence[tuple[int, Sequence[TextLine]]]) -> int:
        """Record what was read per item in one transaction; items deleted meanwhile are skipped.

        Returns how many items were recorded.
        """
        if not results:
            return 0
        now = time.time()
        with self.write() as s:
            alive = set(s.scalars(select(Item.id).where(Item.id.in_([i for i, _ in results]))))
            kept = [(i, lines) for i, lines in results if i in alive]
            if not kept:
                return 0
            s.execute(insert(OcrItem).prefix_with("OR REPLACE"),
                      [{"item_id": i, "lines": len(lines), "at": now} for i, lines in kept])
            rows = [line_row(i, ln) for i, lines in kept for ln in lines]
            if rows:
                s.execute(insert(OcrLine), rows)
            return len(kept)

    def ocr_counts(self) -> tuple[int, int]:
        """(files read, lines found)."""
        with self.session() as s:
            items = s.scalar(select(func.count(func.distinct(Item.file_id))).select_from(OcrItem)
                             .join(Item, Item.id == OcrItem.item_id)) or 0
            lines = s.scalar(select(func.count()).select_from(OcrLine).where(OcrLine.expert == "ocr")) or 0
            return items, lines

    def text_matches(self, terms: Sequence[str], limit: int = 500) -> list[TextMatch]:
        """Lines containing any of `terms` (substrings of 3+ characters, any case), best bm25 first."""
        expr = fts_query(terms)
        if not expr:
            return []
        with self.session() as s:
            rows = s.execute(text(TEXT_MATCHES_SQL), {"q": expr, "n": limit}).all()
        return [text_match(r) for r in rows]

    def text_lines(self, item_ids: Iterable[int]) -> dict[int, list[TextLine]]:
        """The lines read in some items (OCR's, not the subtitles or speech attached to them), top to bottom."""
        out: dict[int, list[TextLine]] = {}
        with self.session() as s:
            for chunk in _chunks(list(set(item_ids)), 900):
                q = (select(OcrLine).where(OcrLine.item_id.in_(chunk), OcrLine.expert == "ocr")
                     .order_by(OcrLine.y0, OcrLine.x0))
                for ln in s.scalars(q):
                    out.setdefault(ln.item_id, []).append(
                        TextLine(ln.text, ln.conf, (ln.x0, ln.y0, ln.x1, ln.y1)))
        return out

    # ----- duplicates -------------------------------------------------------------------------

    def same_content_groups(self) -> list[list[int]]:
        """File ids of indexed files sharing one content hash (byte-identical copies), per hash."""
        with self.session() as s:
            dup = (select(MediaFile.content_hash).where(MediaFile.status == "ok", MediaFile.content_hash.is_not(None))
                   .group_by(MediaFile.content_hash).having(func.count() > 1))
            rows = s.execute(select(MediaFile.content_hash, MediaFile.id)
                             .where(MediaFile.status == "ok", MediaFile.content_hash.in_(dup))
                             .order_by(MediaFile.content_hash, MediaFile.id)).all()
        groups: dict[str, list[int]] = {}
        for digest, fid in rows:
            groups.setdefault(digest, []).append(fid)
        return list(groups.values())

    def photo_items(self, model_id: int) -> list[tuple[int, int]]:
        """(item id, file id) of every indexed photo with a vector for the model."""
        with self.session() as s:
            q = (select(Item.id, Item.file_id).join(MediaFile, MediaFile.id == Item.file_id)
                 .join(Vector, Vector.item_id == Item.id)
                 .where(MediaFile.status == "ok", MediaFile.kind == "image", Vector.model_id == model_id)
                 .order_by(Item.id))
            return [(r[0], r[1]) for r in s.execute(q)]

    def video_frames(self, model_id: int) -> list[tuple[int, int, float]]:
        """(item id, file id, time) of every indexed video frame with a vector for the model, by file and time."""
        with self.session() as s:
            q = (select(Item.id, Item.file_id, Item.t_s).join(MediaFile, MediaFile.id == Item.file_id)
                 .join(Vector, Vector.item_id == Item.id)
                 .where(MediaFile.status == "ok", MediaFile.kind == "video", Vector.model_id == model_id,
                        Item.t_s.is_not(None))
                 .order_by(Item.file_id, Item.t_s))
            return [(r[0], r[1], r[2]) for r in s.execute(q)]

    def photo_paths(self, limit: int, kind: str = "image") -> list[str]:
        """Paths of up to `limit` indexed photos (or videos), oldest rows first (a calibration sample)."""
        with self.session() as s:
            return list(s.scalars(select(MediaFile.path).where(MediaFile.kind == kind, MediaFile.status == "ok")
                                  .order_by(MediaFile.id).limit(limit)))

    # ----- the indexer's writes ---------------------------------------------------------------

    def record_scan(self, root_id: int, scan_id: int, moved: Sequence[tuple[int, object]],
                    missing_ids: Sequence[int], changed: Sequence[tuple[FileState, object]],
                    new: Sequence[object], refreshed: Sequence[tuple[int, object]] = ()) -> None:
        """One scan of a root, in one transaction: moved files take their new path, vanished ones are
        deleted, changed ones are reset to pending (their items dropped), new ones are added pending,
        refreshed ones (same content) only take their new change time and inode.

        The scanned files (`core.indexing.scan.ScannedFile`) carry `path`, `size`, `mtime_ns`, `kind`, `ctime_ns`,
        `inode`.
        """
        now = time.time()

        def identity(f) -> dict:
            return {"ctime_ns": getattr(f, "ctime_ns", None), "inode": getattr(f, "inode", None)}

        with self.write() as s:
            for file_id, f in moved:
                s.execute(update(MediaFile).where(MediaFile.id == file_id).values(
                    path=f.path, mtime_ns=f.mtime_ns, root_id=root_id, seen_scan=scan_id, **identity(f)))
            for chunk in _chunks(list(missing_ids), 900):
                s.execute(delete(MediaFile).where(MediaFile.id.in_(chunk)))
            for st, f in changed:
                s.execute(delete(Item).where(Item.file_id == st.id))
                s.execute(delete(Embedded).where(Embedded.file_id == st.id))
                s.execute(update(MediaFile).where(MediaFile.id == st.id).values(
                    size=f.size, mtime_ns=f.mtime_ns, kind=f.kind, status="pending", error=None,
                    content_hash=None, seen_scan=scan_id, **identity(f)))
            for file_id, f in refreshed:
                s.execute(update(MediaFile).where(MediaFile.id == file_id).values(**identity(f)))
            if new:
                s.execute(insert(MediaFile), [
                    {"root_id": root_id, "path": f.path, "size": f.size, "mtime_ns": f.mtime_ns, "kind": f.kind,
                     "status": "pending", "seen_scan": scan_id, "added_at": now, **identity(f)} for f in new])

    def clear_partial_items(self, file_ids: Sequence[int]) -> set[int]:
        """Delete the items of those files that no model has completed (partial work of an interrupted
        run); returns the files complete for some model, whose items are kept for reuse."""
        with self.write() as s:
            done_elsewhere = set(s.scalars(select(Embedded.file_id).where(Embedded.file_id.in_(list(file_ids)))))
            stale = [i for i in file_ids if i not in done_elsewhere]
            for chunk in _chunks(stale, 900):
                s.execute(delete(Item).where(Item.file_id.in_(chunk)))
        return done_elsewhere

    def commit_batch(self, model_id: int, frames: Sequence[tuple[int, float | None, int | None]], vectors,
                     failed: dict[int, str], done: dict[int, tuple[dict, str | None]]) -> None:
        """One writer batch in one transaction.

        `frames`: (file id, time, item id or None for a new item), with `vectors` row for row;
        `failed`: file id -> reason (its partial items go unless another model completed it);
        `done`: file id -> (file columns, warning): the file is ok and embedded for the model.
        """
        now = time.time()
        with self.write() as s:
            if frames:
                item_ids = [iid for _, _, iid in frames]
                fresh = [i for i, (_, _, iid) in enumerate(frames) if iid is None]
                if fresh:
                    rows = s.execute(
                        insert(Item).returning(Item.id, sort_by_parameter_order=True),
                        [{"file_id": frames[i][0], "t_s": frames[i][1]} for i in fresh],
                    ).scalars().all()
                    for i, new_id in zip(fresh, rows, strict=True):
                        item_ids[i] = new_id
                s.execute(insert(Vector).prefix_with("OR IGNORE"), [
                    {"model_id": model_id, "item_id": iid, "data": f16_blob(v)}
                    for iid, v in zip(item_ids, vectors, strict=True)])
            for fid, reason in failed.items():
                s.execute(update(MediaFile).where(MediaFile.id == fid).values(
                    status="failed", error=reason, indexed_at=now))
                s.execute(delete(Item).where(Item.file_id == fid, Item.file_id.not_in(select(Embedded.file_id))))
            for fid, (values, warning) in done.items():
                s.execute(update(MediaFile).where(MediaFile.id == fid).values(
                    status="ok", error=warning, indexed_at=now, **values))
                s.execute(insert(Embedded).prefix_with("OR REPLACE").values(file_id=fid, model_id=model_id,
                                                                             at=time.time()))

    # ----- after a salvage (core/store/repair.py) ----------------------------------------------------

    def restore_lost_roots(self) -> list[str]:
        """Roots whose row was lost while their files survived, remade at their files' common folder."""
        with self.write() as s:
            known = select(Root.id)
            orphans = s.execute(select(MediaFile.root_id, MediaFile.path).where(MediaFile.root_id.not_in(known)))
            by_root: dict[int, list[str]] = {}
            for root_id, path in orphans:
                by_root.setdefault(root_id, []).append(path)
            restored = []
            for root_id, paths in by_root.items():
                folder = os.path.commonpath(paths) if len(paths) > 1 else os.path.dirname(paths[0])
                if s.scalar(select(Root.id).where(Root.path == folder)) is not None:
                    folder = f"{folder}{os.sep}(restored {root_id})"
                s.add(Root(id=root_id, path=folder, added_at=time.time()))
                restored.append(folder)
            return restored

    def lost_item_ids(self) -> list[int]:
        """Item ids handed out (AUTOINCREMENT) that are neither present nor tombstoned: lost rows."""
        with self.session() as s:
            top = s.scalar(select(func.max(Item.id))) or 0
            seq = s.connection().exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'items'").scalar() or 0
            present = set(s.scalars(select(Item.id)))
            present.update(s.scalars(select(RemovedItem.item_id)))
        return [i for i in range(1, max(top, seq) + 1) if i not in present]

    def forget_incomplete(self, lost_items: Sequence[int], window: int) -> int:
        """Make files pending again whose items or vectors may have been lost; returns how many.

        A file is incomplete for a model when it has no items, or an item without
        that model's vector. Items are written in id order a batch at a time, so a
        file that lost some of its items (a video's frames) has items within
        `window` ids of a lost one: those files are indexed again too.
        """
        with self.write() as s:
            has_items = select(Item.id).where(Item.file_id == Embedded.file_id)
            missing_vector = select(Item.id).where(
                Item.file_id == Embedded.file_id,
                ~select(Vector.id).where(Vector.item_id == Item.id, Vector.model_id == Embedded.model_id).exists())
            doubtful = set(s.scalars(select(Embedded.file_id).where(~has_items.exists() | missing_vector.exists())))
            spans = _spans(sorted(lost_items), window)
            for lo, hi in spans:
                doubtful.update(s.scalars(select(Item.file_id).where(Item.id.between(lo - window, hi + window))))
            ids = sorted(doubtful)
            for chunk in _chunks(ids, 900):
                s.execute(delete(Embedded).where(Embedded.file_id.in_(chunk)))
                s.execute(update(MediaFile).where(MediaFile.id.in_(chunk), MediaFile.status == "ok")
                          .values(status="pending"))
            return len(ids)


def _spans(ids: Sequence[int], gap: int) -> list[tuple[int, int]]:
    """Sorted ids grouped into (first, last) runs whose members lie within `gap` of each other."""
    spans: list[tuple[int, int]] = []
    for i in ids:
        if spans and i - spans[-1][1] <= gap:
            spans[-1] = (spans[-1][0], i)
        else:
            spans.append((i, i))
    return spans


def line_row(item_id: int, line: TextLine) -> dict:
    """The `ocr_lines` row of a line found in an item (by any expert)."""
    return {"item_id": item_id, "text": line.text, "folded": fold_text(line.text), "conf": line.conf,
            "x0": line.box[0], "y0": line.box[1], "x1": line.box[2], "y1": line.box[3], "expert": line.expert,
            "start_s": line.start_s, "end_s": line.end_s,
            "words": json.dumps([[w, round(a, 3), round(b, 3)] for w, a, b in line.words]) if line.words else None}


def _ids_param(ids: Iterable[int]) -> dict[str, str]:
    """The parameter of `_IDS`: the ids as one JSON array."""
    return {"ids": json.dumps([int(i) for i in ids])}
