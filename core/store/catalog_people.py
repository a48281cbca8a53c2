"""The catalog's people tables: faces found in items, the people they are grouped into, and what the
user said about them (see migration 0004_people).

* `face_items`: an item (photo or sampled video frame) whose faces have been looked for: the face
  stage's unit of resumable work, like `ocr_items`.
* `faces`: one found face: its box and landmarks in the upright original's pixels, the detector's
  margin, a 0..1 quality, its identity vector (float32) and the person it belongs to. `by_user` marks
  an assignment the user made (never undone by a re-cluster).
* `people`: a person (a name, or none yet; hidden or not).
* `person_examples`: what the user said, kept as identity vectors rather than row links: "this face
  is this person" (`agrees`=1) or "this face is not this person" (0). A re-index deletes and
  re-detects a changed photo's faces, but their vectors come back within a hair of the stored
  examples, so the user's word is applied again (`core.indexing.people`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String, Text, delete, func, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.store.catalog import Base, Catalog, Item, MediaFile, OcrTask, _chunks, pending_files_count


class FaceItem(Base):
    """An item whose faces have been looked for (`faces` found, maybe none)."""

    __tablename__ = "face_items"
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    faces: Mapped[int] = mapped_column(Integer)
    at: Mapped[float] = mapped_column(Float)


class Person(Base):
    __tablename__ = "people"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    hidden: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)


class Face(Base):
    __tablename__ = "faces"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    x0: Mapped[int] = mapped_column(Integer)
    y0: Mapped[int] = mapped_column(Integer)
    x1: Mapped[int] = mapped_column(Integer)
    y1: Mapped[int] = mapped_column(Integer)
    landmarks: Mapped[str] = mapped_column(Text)  # JSON [[x, y], ...]
    score: Mapped[float] = mapped_column(Float)
    quality: Mapped[float] = mapped_column(Float)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)  # float32; None for a region read from XMP
    source: Mapped[str] = mapped_column(String(8), default="found")  # found | xmp
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    by_user: Mapped[int] = mapped_column(Integer, default=0)


class PersonExample(Base):
    __tablename__ = "person_examples"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    agrees: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True)
class FaceFound:
    """A face to store: what the face stage (or an XMP region) found in one item."""

    box: tuple[int, int, int, int]
    landmarks: tuple[tuple[int, int], ...]
    score: float
    quality: float
    embedding: np.ndarray | None
    source: str = "found"
    name: str | None = None  # a region's name read from XMP


@dataclass(frozen=True)
class FaceRecord:
    """A stored face with where it is."""

    id: int
    item_id: int
    file_id: int
    path: str
    kind: str
    t_s: float | None
    box: tuple[int, int, int, int]
    quality: float
    person_id: int | None
    by_user: bool
    source: str


@dataclass(frozen=True)
class PersonRecord:
    id: int
    name: str | None
    hidden: bool
    faces: int
    files: int
    cover: FaceRecord | None  # the best face, for a thumbnail


def _vec(blob: bytes | None) -> np.ndarray | None:
    return None if blob is None else np.frombuffer(blob, np.float32)


class PeopleStore:
    """Typed access to the people tables of one catalog (its sessions and its write lock)."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    # ----- the face stage's work ---------------------------------------------------------------

    def pending(self, limit: int, root_ids: Sequence[int] | None = None, after_item: int = 0) -> list[OcrTask]:
        """Up to `limit` items of indexed photos not looked at yet, in item order."""
        with self.catalog.session() as s:
            q = (select(Item.id, Item.file_id, MediaFile.path, MediaFile.kind, Item.t_s)
                 .join(MediaFile, MediaFile.id == Item.file_id)
                 .where(MediaFile.status == "ok", MediaFile.kind == "image", Item.id > after_item,
                        Item.id.not_in(select(FaceItem.item_id))))
            if root_ids is not None:
                q = q.where(MediaFile.root_id.in_(list(root_ids)))
            return [OcrTask(*r) for r in s.execute(q.order_by(Item.id).limit(limit))]

    def pending_count(self, root_ids: Sequence[int] | None = None) -> int:
        """Photos and videos with something left to look at."""
        with self.catalog.session() as s:
            return s.scalar(pending_files_count(FaceItem.item_id, root_ids)) or 0

    def pending_videos(self, root_ids: Sequence[int] | None = None) -> list[tuple[int, str]]:
        """(file id, path) of indexed videos with frames not looked at yet."""
        with self.catalog.session() as s:
            q = (select(MediaFile.id, MediaFile.path).join(Item, Item.file_id == MediaFile.id)
                 .where(MediaFile.status == "ok", MediaFile.kind == "video",
                        Item.id.not_in(select(FaceItem.item_id))).distinct())
            if root_ids is not None:
                q = q.where(MediaFile.root_id.in_(list(root_ids)))
            return [(r[0], r[1]) for r in s.execute(q.order_by(MediaFile.id))]

    def save_faces(self, results: Sequence[tuple[int, Sequence[FaceFound]]]) -> int:
        """Record the faces found per item in one transaction (items deleted meanwhile are skipped).

        Returns how many items were recorded. A region named in XMP gets its person (made if new).
        """
        if not results:
            return 0
        now = time.time()
        with self.catalog.write() as s:
            alive = set(s.scalars(select(Item.id).where(Item.id.in_([i for i, _ in results]))))
            kept = [(i, faces) for i, faces in results if i in alive]
            if not kept:
                return 0
            s.execute(insert(FaceItem).prefix_with("OR REPLACE"),
                      [{"item_id": i, "faces": len(faces), "at": now} for i, faces in kept])
            s.execute(delete(Face).where(Face.item_id.in_([i for i, _ in kept])))
            rows = []
            for i, faces in kept:
                for f in faces:
                    person = self._person_named(s, f.name, now) if f.name else None
                    rows.append({"item_id": i, "x0": f.box[0], "y0": f.box[1], "x1": f.box[2], "y1": f.box[3],
                                 "landmarks": json.dumps([list(p) for p in f.landmarks]), "score": f.score,
                                 "quality": f.quality, "source": f.source, "person_id": person,
                                 "by_user": int(person is not None),
                                 "embedding": None if f.embedding is None
                                 else np.asarray(f.embedding, np.float32).tobytes()})
            if rows:
                s.execute(insert(Face), rows)
            return len(kept)

    @staticmethod
    def _person_named(s, name: str, now: float) -> int:
        found = s.scalar(select(Person.id).where(func.lower(Person.name) == name.lower()).order_by(Person.id))
        if found is not None:
            return found
        return s.execute(insert(Person).values(name=name, hidden=0, created_at=now)).inserted_primary_key[0]

    def forget_looked(self) -> None:
        """Every item is looked at again on the next run (the faces go; people and examples stay)."""
        with self.catalog.write() as s:
            s.execute(delete(Face))
            s.execute(delete(FaceItem))

    def counts(self) -> tuple[int, int, int]:
        """(files looked at, faces found, people)."""
        with self.catalog.session() as s:
            files = s.scalar(select(func.count(func.distinct(Item.file_id))).select_from(FaceItem)
                             .join(Item, Item.id == FaceItem.item_id)) or 0
            faces = s.scalar(select(func.count()).select_from(Face)) or 0
            people = s.scalar(select(func.count()).select_from(Person)) or 0
            return files, faces, people

    # ----- faces -------------------------------------------------------------------------------

    def face_vectors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every face with a vector: (ids, vectors [n, 128], person ids (-1 none), quality)."""
        with self.catalog.session() as s:
            rows = s.execute(select(Face.id, Face.embedding, Face.person_id, Face.quality)
                             .where(Face.embedding.is_not(None)).order_by(Face.id)).all()
        if not rows:
            empty = np.zeros(0, np.int64)
            return empty, np.zeros((0, 128), np.float32), empty, np.zeros(0, np.float32)
        ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        vecs = np.stack([np.frombuffer(r[1], np.float32) for r in rows])
        people = np.fromiter((-1 if r[2] is None else r[2] for r in rows), np.int64, len(rows))
        quality = np.fromiter((r[3] for r in rows), np.float32, len(rows))
        return ids, vecs, people, quality

    def face_vector(self, face_id: int) -> np.ndarray | None:
        with self.catalog.session() as s:
            return _vec(s.scalar(select(Face.embedding).where(Face.id == face_id)))

    def assign(self, face_ids: Iterable[int], person_id: int | None, by_user: bool) -> None:
        ids = list(face_ids)
        with self.catalog.write() as s:
            for chunk in _chunks(ids, 900):
                s.execute(update(Face).where(Face.id.in_(chunk)).values(person_id=person_id, by_user=int(by_user)))

    def assign_many(self, pairs: Sequence[tuple[int, int | None]]) -> None:
        """Automatic assignments (face id, person id or None) in one transaction; user ones are left alone."""
        if not pairs:
            return
        with self.catalog.write() as s:
            for face_id, person_id in pairs:
                s.execute(update(Face).where(Face.id == face_id, Face.by_user == 0).values(person_id=person_id))

    def clear_automatic(self) -> None:
        """Every assignment the user did not make is undone (a re-cluster starts from the user's word)."""
        with self.catalog.write() as s:
            s.execute(update(Face).where(Face.by_user == 0).values(person_id=None))

    def _faces(self, *conds, limit: int | None = None) -> list[FaceRecord]:
        with self.catalog.session() as s:
            q = (select(Face.id, Face.item_id, Item.file_id, MediaFile.path, MediaFile.kind, Item.t_s,
                        Face.x0, Face.y0, Face.x1, Face.y1, Face.quality, Face.person_id, Face.by_user, Face.source)
                 .join(Item, Item.id == Face.item_id).join(MediaFile, MediaFile.id == Item.file_id)
                 .where(MediaFile.status == "ok", *conds).order_by(Face.quality.desc(), Face.id))
            if limit:
                q = q.limit(limit)
            return [FaceRecord(r[0], r[1], r[2], r[3], r[4], r[5], (r[6], r[7], r[8], r[9]), r[10], r[11],
                               bool(r[12]), r[13]) for r in s.execute(q)]

    def faces_of_person(self, person_id: int, limit: int | None = None) -> list[FaceRecord]:
        """A person's faces, best quality first."""
        return self._faces(Face.person_id == person_id, limit=limit)

    def faces_of_file(self, file_id: int) -> list[FaceRecord]:
        return self._faces(Item.file_id == file_id)

    def faces_by_id(self, face_ids: Iterable[int]) -> list[FaceRecord]:
        return self._faces(Face.id.in_(list(face_ids)))

    def unassigned_faces(self, limit: int | None = None) -> list[FaceRecord]:
        return self._faces(Face.person_id.is_(None), limit=limit)

    def person_items(self, person_id: int) -> dict[int, float]:
        """item id -> the person's biggest face's share of the picture's width, for items the person is in."""
        with self.catalog.session() as s:
            rows = s.execute(select(Face.item_id, Face.x0, Face.x1, MediaFile.width)
                             .join(Item, Item.id == Face.item_id).join(MediaFile, MediaFile.id == Item.file_id)
                             .where(Face.person_id == person_id, MediaFile.status == "ok")).all()
        out: dict[int, float] = {}
        for item_id, x0, x1, width in rows:
            share = (x1 - x0) / width if width else 0.0
            out[item_id] = max(out.get(item_id, 0.0), share)
        return out

    # ----- people ------------------------------------------------------------------------------

    def create_person(self, name: str | None = None) -> int:
        with self.catalog.write() as s:
            return s.execute(insert(Person).values(name=name, hidden=0, created_at=time.time())
                             ).inserted_primary_key[0]

    def delete_people(self, person_ids: Iterable[int]) -> None:
        ids = list(person_ids)
        with self.catalog.write() as s:
            s.execute(update(Face).where(Face.person_id.in_(ids)).values(person_id=None, by_user=0))
            s.execute(delete(Person).where(Person.id.in_(ids)))

    def set_name(self, person_id: int, name: str | None) -> None:
        with self.catalog.write() as s:
            s.execute(update(Person).where(Person.id == person_id).values(name=name))

    def set_hidden(self, person_id: int, hidden: bool) -> None:
        with self.catalog.write() as s:
            s.execute(update(Person).where(Person.id == person_id).values(hidden=int(hidden)))

    def move_person(self, source: int, target: int) -> None:
        """Everything of `source` (faces, examples) goes to `target`; `source` is deleted."""
        with self.catalog.write() as s:
            s.execute(update(Face).where(Face.person_id == source).values(person_id=target))
            s.execute(update(PersonExample).where(PersonExample.person_id == source).values(person_id=target))
            s.execute(delete(Person).where(Person.id == source))

    def person(self, person_id: int) -> PersonRecord | None:
        found = [p for p in self.people(include_hidden=True, ids=[person_id])]
        return found[0] if found else None

    def people(self, include_hidden: bool = False, ids: Sequence[int] | None = None) -> list[PersonRecord]:
        """People with their face and file counts and best face: named ones by name, then the rest biggest first."""
        with self.catalog.session() as s:
            q = (select(Person.id, Person.name, Person.hidden, func.count(Face.id),
                        func.count(func.distinct(Item.file_id)))
                 .outerjoin(Face, Face.person_id == Person.id).outerjoin(Item, Item.id == Face.item_id)
                 .group_by(Person.id))
            if not include_hidden:
                q = q.where(Person.hidden == 0)
            if ids is not None:
                q = q.where(Person.id.in_(list(ids)))
            rows = s.execute(q).all()
        covers = self._covers([r[0] for r in rows])
        out = [PersonRecord(r[0], r[1], bool(r[2]), r[3], r[4], covers.get(r[0])) for r in rows]
        out.sort(key=lambda p: (p.name is None, (p.name or "").lower(), -p.faces, p.id))
        return out

    def _covers(self, person_ids: Sequence[int]) -> dict[int, FaceRecord]:
        if not person_ids:
            return {}
        with self.catalog.session() as s:
            best = (select(Face.person_id, func.max(Face.quality).label("q")).where(Face.person_id.in_(person_ids))
                    .group_by(Face.person_id).subquery())
            ids = list(s.scalars(select(func.min(Face.id)).join(
                best, (best.c.person_id == Face.person_id) & (best.c.q == Face.quality)).group_by(Face.person_id)))
        return {f.person_id: f for f in self.faces_by_id(ids) if f.person_id is not None}

    def find_people(self, name: str) -> list[PersonRecord]:
        """People whose name is `name` (any case), else those each of whose words `name`'s words begin
        ("obama" and "bar ob" find "Barack Obama")."""
        every = [p for p in self.people(include_hidden=True) if p.name]
        wanted = name.lower().split()
        exact = [p for p in every if p.name.lower().split() == wanted]
        if exact or not wanted:
            return exact

        def fits(full: str) -> bool:
            words = full.lower().replace("-", " ").split() + full.lower().split()
            return all(any(w.startswith(q) for w in words) for q in wanted)

        return [p for p in every if fits(p.name)]

    # ----- what the user said ------------------------------------------------------------------

    def add_examples(self, person_id: int, vectors: Sequence[np.ndarray], agrees: bool) -> None:
        if not len(vectors):
            return
        with self.catalog.write() as s:
            s.execute(insert(PersonExample), [{"person_id": person_id, "agrees": int(agrees),
                                               "embedding": np.asarray(v, np.float32).tobytes()} for v in vectors])

    def examples(self) -> list[tuple[int, np.ndarray, bool]]:
        """(person id, vector, agrees) of every example the user gave."""
        with self.catalog.session() as s:
            rows = s.execute(select(PersonExample.person_id, PersonExample.embedding, PersonExample.agrees)).all()
        return [(r[0], np.frombuffer(r[1], np.float32), bool(r[2])) for r in rows]

    def looked_frames(self, file_id: int) -> list[tuple[int, float | None]]:
        """(item id, time) of a video's frames whose faces were looked for, in time order."""
        with self.catalog.session() as s:
            q = (select(Item.id, Item.t_s).join(FaceItem, FaceItem.item_id == Item.id)
                 .where(Item.file_id == file_id).order_by(Item.t_s, Item.id))
            return [(r[0], r[1]) for r in s.execute(q)]
