"""The catalog's managing tables: per-file ratings, favourites, titles, captions, lens and place
(`file_meta`), hierarchical tags, albums and smart albums (migration 0005_manage).

A tag is a path with "/" between its levels ("Places/Portugal/Lisbon", digiKam's form); a tag
filter matches the tag itself, everything under it, and a last level of that name ("Lisbon").
A smart album is an album row with a saved query (and filters as JSON): its members are found
by running the search (`core.indexing.manage.Manager.album_file_ids`), never stored.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.errors import LibraryError
from core.store.catalog import MANAGED_CONDITIONS, Base, Catalog, FsPath, MediaFile, _chunks


class FileMeta(Base):
    __tablename__ = "file_meta"
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    rating: Mapped[int | None] = mapped_column(Integer, index=True)
    favourite: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    caption: Mapped[str | None] = mapped_column(Text)
    regions: Mapped[str | None] = mapped_column(Text)  # raw mwg-rs:Regions XML, for the faces stage
    lens: Mapped[str | None] = mapped_column(String(128))
    city: Mapped[str | None] = mapped_column(String(128))
    region: Mapped[str | None] = mapped_column(String(128))
    country: Mapped[str | None] = mapped_column(String(128))
    country_code: Mapped[str | None] = mapped_column(String(2))
    read_mtime_ns: Mapped[int | None] = mapped_column(BigInteger)  # the file's mtime when its metadata was read
    sidecar: Mapped[str | None] = mapped_column(FsPath)
    sidecar_mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    sidecar_error: Mapped[str | None] = mapped_column(Text)


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(512), unique=True)


class FileTag(Base):
    __tablename__ = "file_tags"
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)


class Album(Base):
    __tablename__ = "albums"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(256), unique=True)
    query: Mapped[str | None] = mapped_column(Text)
    filters: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)


class AlbumFile(Base):
    __tablename__ = "album_files"
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_at: Mapped[float] = mapped_column(Float)



@dataclass
class FileMetaRecord:
    """What the user (or another tool) said about one file, and where it was taken."""

    file_id: int
    rating: int | None = None
    favourite: bool = False
    title: str | None = None
    caption: str | None = None
    tags: list[str] = field(default_factory=list)
    lens: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    regions: str | None = None
    sidecar: str | None = None
    sidecar_mtime_ns: int | None = None
    sidecar_error: str | None = None

    @property
    def place(self) -> str | None:
        return ", ".join(p for p in (self.city, self.country) if p) or None

    def to_json(self) -> dict:
        out = {k: v for k, v in (("rating", self.rating), ("title", self.title), ("caption", self.caption),
                                 ("lens", self.lens), ("place", self.place)) if v is not None}
        if self.favourite:
            out["favourite"] = True
        if self.tags:
            out["tags"] = list(self.tags)
        return out


@dataclass(frozen=True)
class AlbumRecord:
    id: int
    name: str
    count: int | None  # None for a smart album (its members come from its search)
    query: str | None = None
    filters: dict | None = None

    @property
    def smart(self) -> bool:
        return self.query is not None or self.filters is not None


@dataclass(frozen=True)
class ReadTask:
    """A file whose metadata is to be read: new, changed, or its sidecar changed."""

    file_id: int
    path: str
    kind: str
    mtime_ns: int
    gps: tuple[float, float] | None
    sidecar: str | None
    sidecar_mtime_ns: int | None


def _tag_match(tag: str):
    """SQL: a tags row that is `tag`, lies under it, or ends with it as its last level (any case)."""
    t = tag.strip("/").lower()
    low = func.lower(Tag.path)
    return or_(low == t, low.like(t.replace("%", r"\%") + "/%", escape="\\"), low.like("%/" + t, escape="\\"))


def file_conditions(albums: Sequence[int] | None = None, tags: Sequence[str] | None = None,
                    min_rating: int | None = None, favourite: bool | None = None, place: str | None = None,
                    camera: str | None = None, file_ids: Iterable[int] | None = None) -> list:
    """SQL conditions on `files` for the managing filters (all optional, combined with AND).

    `albums`: the file is in any of these (manual) albums; `tags`: it carries every one of these
    tags; `place`: its city, region or country (name or code) is this, any case; `camera`: its
    make, model or lens contains this, any case; `file_ids`: it is one of these (a smart album).
    """
    conds = []
    if albums:
        conds.append(MediaFile.id.in_(select(AlbumFile.file_id).where(AlbumFile.album_id.in_(list(albums)))))
    for tag in tags or ():
        conds.append(MediaFile.id.in_(select(FileTag.file_id).join(Tag, Tag.id == FileTag.tag_id)
                                      .where(_tag_match(tag))))
    meta = []
    if min_rating is not None:
        meta.append(FileMeta.rating >= min_rating)
    if favourite is not None:
        meta.append(FileMeta.favourite.is_(bool(favourite)))
    if place:
        p = place.strip().lower()
        meta.append(or_(func.lower(FileMeta.city) == p, func.lower(FileMeta.region) == p,
                        func.lower(FileMeta.country) == p, func.lower(FileMeta.country_code) == p))
    if meta:
        conds.append(MediaFile.id.in_(select(FileMeta.file_id).where(*meta)))
    if camera:
        c = "%" + camera.strip().lower().replace("%", r"\%") + "%"
        conds.append(or_(func.lower(MediaFile.camera_model).like(c, escape="\\"),
                         func.lower(MediaFile.camera_make).like(c, escape="\\"),
                         MediaFile.id.in_(select(FileMeta.file_id)
                                          .where(func.lower(FileMeta.lens).like(c, escape="\\")))))
    if file_ids is not None:
        conds.append(MediaFile.id.in_(sorted(file_ids)))
    return conds


MANAGED_CONDITIONS[:] = [file_conditions]


class ManageCatalog:
    """The managing tables of one catalog (its sessions and write lock)."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    # ----- per-file metadata ------------------------------------------------------------------

    def metas(self, file_ids: Iterable[int]) -> dict[int, FileMetaRecord]:
        """The metadata of some files (a file never read or set gets an empty record)."""
        ids = list(set(file_ids))
        out = {i: FileMetaRecord(i) for i in ids}
        with self.catalog.session() as s:
            for chunk in _chunks(ids, 900):
                for m in s.scalars(select(FileMeta).where(FileMeta.file_id.in_(chunk))):
                    out[m.file_id] = FileMetaRecord(
                        m.file_id, m.rating, bool(m.favourite), m.title, m.caption, [], m.lens, m.city, m.region,
                        m.country, m.regions, m.sidecar, m.sidecar_mtime_ns, m.sidecar_error)
                rows = s.execute(select(FileTag.file_id, Tag.path).join(Tag, Tag.id == FileTag.tag_id)
                                 .where(FileTag.file_id.in_(chunk)).order_by(Tag.path))
                for fid, path in rows:
                    out[fid].tags.append(path)
        return out

    def save(self, records: Sequence[FileMetaRecord], values: dict | None = None) -> None:
        """Store what the user set (rating, favourite, title, caption, tags) for some files, and
        any other `file_meta` columns in `values` per file id (`{file_id: {column: value}}`)."""
        values = values or {}
        with self.catalog.write() as s:
            alive = set(s.scalars(select(MediaFile.id).where(MediaFile.id.in_([r.file_id for r in records]))))
            for r in records:
                if r.file_id not in alive:
                    continue
                row = {"rating": r.rating, "favourite": bool(r.favourite), "title": r.title, "caption": r.caption,
                       **values.get(r.file_id, {})}
                if s.get(FileMeta, r.file_id) is None:
                    s.add(FileMeta(file_id=r.file_id, **row))
                else:
                    s.execute(update(FileMeta).where(FileMeta.file_id == r.file_id).values(**row))
                self._set_tags(s, r.file_id, r.tags)

    @staticmethod
    def _set_tags(s, file_id: int, tags: Sequence[str]) -> None:
        s.execute(delete(FileTag).where(FileTag.file_id == file_id))
        ids = set()
        for path in dict.fromkeys(t.strip("/") for t in tags if t.strip("/")):
            tid = s.scalar(select(Tag.id).where(Tag.path == path))
            if tid is None:
                tid = s.execute(insert(Tag).values(path=path).returning(Tag.id)).scalar_one()
            ids.add(tid)
        if ids:
            s.execute(insert(FileTag), [{"file_id": file_id, "tag_id": t} for t in ids])
        s.execute(delete(Tag).where(~Tag.id.in_(select(FileTag.tag_id))))

    def read_tasks(self, stat_sidecar) -> list[ReadTask]:
        """Indexed files whose metadata is to be (re)read: never read, changed since, or whose sidecar
        changed (`stat_sidecar(path)` -> (sidecar path, mtime_ns) or None, called per file)."""
        with self.catalog.session() as s:
            rows = s.execute(select(MediaFile.id, MediaFile.path, MediaFile.kind, MediaFile.mtime_ns,
                                    MediaFile.gps_lat, MediaFile.gps_lon, FileMeta.read_mtime_ns, FileMeta.sidecar,
                                    FileMeta.sidecar_mtime_ns)
                             .outerjoin(FileMeta, FileMeta.file_id == MediaFile.id)
                             .where(MediaFile.status == "ok").order_by(MediaFile.id)).all()
        out = []
        for fid, path, kind, mtime, lat, lon, read_mtime, sidecar, sidecar_mtime in rows:
            now = stat_sidecar(path)
            if read_mtime == mtime and (now == (sidecar, sidecar_mtime) or (now is None and sidecar is None)):
                continue
            gps = (lat, lon) if lat is not None and lon is not None else None
            out.append(ReadTask(fid, path, kind, mtime, gps, now[0] if now else None, now[1] if now else None))
        return out

    # ----- listings ---------------------------------------------------------------------------

    def tags(self) -> list[tuple[str, int]]:
        """Every tag with how many indexed files carry it, by path."""
        with self.catalog.session() as s:
            rows = s.execute(select(Tag.path, func.count(FileTag.file_id)).join(FileTag, FileTag.tag_id == Tag.id)
                             .join(MediaFile, and_(MediaFile.id == FileTag.file_id, MediaFile.status == "ok"))
                             .group_by(Tag.path).order_by(Tag.path))
            return [(p, n) for p, n in rows]

    def places(self) -> list[tuple[str, str, int]]:
        """(country, city, files) for every place the library's files were taken, by country then city."""
        with self.catalog.session() as s:
            rows = s.execute(select(FileMeta.country, FileMeta.city, func.count())
                             .join(MediaFile, and_(MediaFile.id == FileMeta.file_id, MediaFile.status == "ok"))
                             .where(FileMeta.country.is_not(None))
                             .group_by(FileMeta.country, FileMeta.city).order_by(FileMeta.country, FileMeta.city))
            return [(c, city or "", n) for c, city, n in rows]

    def sidecar_errors(self) -> list[tuple[str, str]]:
        """(file path, reason) of files whose sidecar could not be read."""
        with self.catalog.session() as s:
            return [(p, e) for p, e in s.execute(
                select(MediaFile.path, FileMeta.sidecar_error).join(FileMeta, FileMeta.file_id == MediaFile.id)
                .where(FileMeta.sidecar_error.is_not(None)).order_by(MediaFile.path))]

    # ----- albums -----------------------------------------------------------------------------

    def albums(self) -> list[AlbumRecord]:
        """Every album, by name; a manual album with how many files it holds."""
        with self.catalog.session() as s:
            counts = dict(s.execute(select(AlbumFile.album_id, func.count()).group_by(AlbumFile.album_id)).all())
            return [AlbumRecord(a.id, a.name, None if (a.query is not None or a.filters is not None)
                                else counts.get(a.id, 0), a.query, json.loads(a.filters) if a.filters else None)
                    for a in s.scalars(select(Album).order_by(Album.name))]

    def album(self, name: str) -> AlbumRecord:
        for a in self.albums():
            if a.name == name:
                return a
        for a in self.albums():
            if a.name.lower() == name.lower():
                return a
        raise LibraryError(f"no album named {name!r}" + _known([a.name for a in self.albums()]))

    def create_album(self, name: str, query: str | None = None, filters: dict | None = None) -> AlbumRecord:
        name = name.strip()
        if not name:
            raise LibraryError("an album needs a name")
        with self.catalog.write() as s:
            if s.scalar(select(Album.id).where(func.lower(Album.name) == name.lower())) is not None:
                raise LibraryError(f"there is already an album named {name!r}")
            s.add(Album(name=name, query=query, filters=json.dumps(filters) if filters is not None else None,
                        created_at=time.time()))
        return self.album(name)

    def delete_album(self, name: str) -> None:
        album = self.album(name)
        with self.catalog.write() as s:
            s.execute(delete(Album).where(Album.id == album.id))

    def add_to_album(self, name: str, file_ids: Iterable[int]) -> int:
        """Put files in a manual album (creating it); returns how many were not in it yet."""
        try:
            album = self.album(name)
        except LibraryError:
            album = self.create_album(name)
        if album.smart:
            raise LibraryError(f"{album.name!r} is a smart album: its search chooses what it holds")
        with self.catalog.write() as s:
            present = set(s.scalars(select(AlbumFile.file_id).where(AlbumFile.album_id == album.id)))
            fresh = [i for i in dict.fromkeys(file_ids) if i not in present]
            if fresh:
                s.execute(insert(AlbumFile), [{"album_id": album.id, "file_id": i, "added_at": time.time()}
                                              for i in fresh])
            return len(fresh)

    def remove_from_album(self, name: str, file_ids: Iterable[int]) -> int:
        album = self.album(name)
        with self.catalog.write() as s:
            return s.execute(delete(AlbumFile).where(AlbumFile.album_id == album.id,
                                                     AlbumFile.file_id.in_(list(file_ids)))).rowcount


def _known(names: Sequence[str]) -> str:
    return f" (albums: {', '.join(names)})" if names else " (there are no albums yet)"
