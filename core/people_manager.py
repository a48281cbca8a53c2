"""`Library.people`: the library's people for the CLI and the window (list, name, merge, split, hide,
search with words, a person's moments in videos, named regions to XMP sidecars).

A thin part of the facade: grouping and the user's decisions are `core.people`, storage is
`core.store.catalog_people`, the search is `core.search.people`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import people as grouping
from core.errors import QueryError
from core.indexing.faces import VIDEO_STEP_S
from core.search.cutoff import Matches
from core.search.people import hit_people, parse_people, person_matches, person_moments
from core.search.query import text_query
from core.store.catalog_people import FaceRecord, PeopleStore, PersonRecord
from core.xmp_faces import FaceRegion, write_regions

if TYPE_CHECKING:  # pragma: no cover
    from core.library import Library
    from core.search.engine import Filters


class People:
    def __init__(self, library: Library):
        self.library = library
        self.store = PeopleStore(library.catalog)

    # ----- reading -----------------------------------------------------------------------------

    def list(self, include_hidden: bool = False) -> list[PersonRecord]:
        """Named people by name, then the unnamed groups biggest first."""
        return self.store.people(include_hidden)

    def person(self, who: int | str) -> PersonRecord:
        pid = self.resolve(who)
        found = self.store.person(pid)
        assert found is not None  # resolve checked it
        return found

    def resolve(self, who: int | str) -> int:
        """A person's id from an id, "#12" / "12", or a name."""
        text = str(who).strip().lstrip("#")
        if text.isdigit():
            grouping.check_person(self.store, int(text))
            return int(text)
        return grouping.person_named(self.store, text)

    def faces(self, who: int | str, limit: int | None = None) -> list[FaceRecord]:
        return self.store.faces_of_person(self.resolve(who), limit)

    def faces_of_file(self, file_id: int) -> list[tuple[FaceRecord, str | None]]:
        """A file's faces with their person's name (None: no one, or no name yet), for boxes on the preview."""
        names = {p.id: p.name for p in self.store.people(include_hidden=True)}
        return [(f, names.get(f.person_id)) for f in self.store.faces_of_file(file_id)]

    def counts(self) -> dict:
        from core.indexing.faces import faces_enabled

        files, faces, people = self.store.counts()
        return {"enabled": faces_enabled(self.library.catalog), "files": files, "faces": faces, "people": people,
                "pending": self.store.pending_count()}

    # ----- what the user says ------------------------------------------------------------------

    def name(self, who: int | str, name: str) -> int:
        return grouping.name_person(self.store, self.resolve(who), name)

    def merge(self, sources: list[int | str], target: int | str) -> int:
        return grouping.merge_people(self.store, [self.resolve(s) for s in sources], self.resolve(target))

    def split(self, who: int | str, face_ids: list[int], name: str | None = None) -> int:
        return grouping.split_person(self.store, self.resolve(who), face_ids, name)

    def remove_faces(self, who: int | str, face_ids: list[int]) -> None:
        grouping.remove_faces(self.store, self.resolve(who), face_ids)

    def move_faces(self, face_ids: list[int], to: int | str) -> None:
        grouping.move_faces(self.store, face_ids, self.resolve(to))

    def hide(self, who: int | str, hidden: bool = True) -> None:
        self.store.set_hidden(self.resolve(who), hidden)

    def recluster(self, full: bool = True) -> grouping.ClusterReport:
        """Group again: every automatic assignment is undone first (the user's stay)."""
        return grouping.cluster(self.store, full=full)

    # ----- search ------------------------------------------------------------------------------

    def matches(self, text: str, people: tuple[str, ...] = (), without: tuple[str, ...] = (),
                filters: Filters | None = None, names_in_text: bool = False) -> Matches:
        """`person:"Name"` queries: the photos and moments showing the people, ordered by the words.

        `names_in_text`: the baseline ranking (the whole text, names included, searched by CLIP).
        """
        parsed = parse_people(text, people, without)
        if not parsed.people:
            raise QueryError("say who to look for: person:\"Name\" in the text, or --person NAME")
        wanted = [self.resolve(n) for n in parsed.people]
        avoided = [self.resolve(n) for n in parsed.without]
        engine = self.library.engine()
        words = " ".join((text.replace("person:", "") if names_in_text else parsed.text).replace('"', " ").split())
        query = text_query(engine.context, words) if words.strip(" -") else None
        found = person_matches(engine, self.store, wanted, avoided, filters, query, VIDEO_STEP_S)
        hit_people(found.hits, self.store)
        return found

    def timeline(self, file_id: int, text: str):
        """A video's timeline for a person query: its moments are the query's hits in this video (the spans
        where the people are seen, or, with words, their frames the words match best)."""
        import dataclasses

        base = self.library.timeline(file_id)
        return dataclasses.replace(base, moments=[h for h in self.matches(text).matches if h.file.id == file_id])

    def find(self, query) -> PersonFound:
        """A person query (`core.search.find.Query` of kind TEXT with person: terms) made ready: `Library.find`."""
        return PersonFound(self, query)

    def moments(self, who: int | str, file_id: int) -> list[tuple[float, float]]:
        """(start, end) seconds where the person's face is seen in a video (from the frames looked at)."""
        return person_moments(self.store, self.resolve(who), file_id, VIDEO_STEP_S)

    def face_image(self, face_id: int, side: int = 128) -> bytes | None:
        """A square PNG of a face with some room around it (for round thumbnails); None when unreadable."""
        import io

        from core.errors import MediaError
        from core.media.image import load_image

        found = self.store.faces_by_id([face_id])
        if not found:
            return None
        f = found[0]
        rec = self.library.catalog.file(f.file_id)
        if rec is None:
            return None
        try:
            if rec.kind == "video":
                from PIL import Image

                thumb = self.library.frame_thumbnail(rec.id, f.t_s or 0.0)
                if thumb is None:
                    return None
                img = Image.open(thumb).convert("RGB")
            else:
                img, _ = load_image(rec.path, min_side=1024)
        except (MediaError, OSError):
            return None
        sx, sy = img.width / (rec.width or img.width), img.height / (rec.height or img.height)
        x0, y0, x1, y1 = f.box
        cx, cy, half = (x0 + x1) / 2 * sx, (y0 + y1) / 2 * sy, max(x1 - x0, y1 - y0) * 0.8 * max(sx, sy)
        crop = img.crop((round(cx - half), round(cy - half), round(cx + half), round(cy + half)))
        out = io.BytesIO()
        crop.resize((side, side)).save(out, "PNG")
        return out.getvalue()

    # ----- interoperability --------------------------------------------------------------------

    def write_xmp(self, who: int | str | None = None) -> list[str]:
        """Write the named faces of every photo (or of one person's photos) to their XMP sidecars, in the
        MWG region format digiKam and Lightroom read. Returns the sidecars written."""
        names = {p.id: p.name for p in self.store.people(include_hidden=True) if p.name}
        if who is None:
            files = {f.file_id for pid in names for f in self.store.faces_of_person(pid)}
        else:
            files = {f.file_id for f in self.faces(who)}
        written = []
        for file_id in sorted(files):
            rec = self.library.catalog.file(file_id)
            if rec is None or rec.kind != "image" or not rec.width or not rec.height:
                continue
            regions = [FaceRegion.of_box(names[f.person_id], f.box, rec.width, rec.height)
                       for f in self.store.faces_of_file(file_id) if f.person_id in names]
            written.append(str(write_regions(rec.path, regions, (rec.width, rec.height))))
        return written


class PersonFound:
    """A person query made ready, with `core.search.find.Found`'s doors: its matches (computed once), pages of
    them, and why a photo matched its words."""

    def __init__(self, people: People, query):
        self.people = people
        self.query = query
        self._matches: Matches | None = None

    def matches(self) -> Matches:
        if self._matches is None:
            self._matches = self.people.matches(self.query.text, filters=self.query.filters)
        return self._matches

    def page(self, n: int = 20, offset: int = 0) -> list:
        return self.matches().hits[offset:offset + n]

    def is_cut(self, show_all: bool = False, sort: str = "relevance") -> bool:
        return True

    def explain(self, file_id: int):
        from core.search.explain import explain_file

        words = parse_people(self.query.text).text
        if not words:
            raise QueryError("a person search without words has nothing to explain")
        context = self.people.library.engine().context
        return explain_file(context, file_id, text_query(context, words).vector)

    def again(self, vector, exclude, filters, n: int) -> list:
        raise QueryError("refining a person search is not supported yet: add or change its words")
