"""The facade the CLI and the GUI use: one object per open library.

A library is a folder (platform user-data by default; `MEDIALENS_HOME` or an
explicit path to choose another) holding `catalog.db`, one vector file per
model under `index/`, and `thumbnails/`. The library remembers the model it was
indexed with; a different model can be named per call.

It owns the lifecycle — open/close, roots, status — and builds, once, the
search engine and its `SearchContext` (`core.search`). The flows are managers
beside it, the way Anki's `Collection` has `col.decks` and `col.models`:
`lib.models` (`core.indexing.model_switch`: the model it answers with, remembered;
its encoder; the models to choose from; switching in the background),
`lib.indexing` (`core.indexing.runs`: index runs, their locks, the remembered OCR
setting), `lib.thumbnails` (`core.media.thumbnails`) and `lib.people`. A search
goes in through one method, `find(Query)` (`core.search.find`); `search`,
`similar`, `compose` and `matches` are one-line hand-offs to it, `index` to
`lib.indexing`. What crosses the facade is typed: `IndexSettings` in (parsed once,
from `index`'s keywords), `LibraryStatus` out (`core.indexing.status`).

Thread-safety: searches may run on several threads while one thread indexes;
the catalog, the vector index and the encoder each guard themselves.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import LibraryError, MediaError, QueryError
from core.indexing import people as grouping
from core.indexing.control import Control, IndexReport, Progress, ProgressCallback
from core.indexing.links import follows_outside_links, set_follow_outside_links
from core.indexing.model_switch import LibraryModels, ModelSwitch
from core.indexing.runs import IndexRuns
from core.indexing.settings import IndexSettings
from core.indexing.status import (
    FacesStatus,
    FailedFile,
    LibraryStatus,
    RebuildStatus,
    faces_status,
    outside_links_status,
    speech_status,
    text_status,
)
from core.indexing.watch import (
    POLL_S,
    QUIET_S,
    FolderWatcher,
    LibraryWatcher,
    ignored_path,
    roots_to_index,
    vanished_line,
)
from core.media.clips import cut_clip
from core.media.image import ThumbnailCache
from core.media.thumbnails import Thumbnails
from core.media.xmp import FaceRegion, set_regions
from core.models.choice import ModelChoice, ModelInfo
from core.paths import resolve_home
from core.search.albums import filters_to_json
from core.search.compose import DEFAULT_METHOD, METHODS
from core.search.context import SearchContext
from core.search.cutoff import SORTS, Matches, file_date, sort_hits
from core.search.duplicates import DuplicateGroup
from core.search.engine import Filters, Hit, SearchEngine
from core.search.explain import Explanation, explain_file
from core.search.feedback import SearchSession
from core.search.find import COMPOSE, SIMILAR, TEXT, Found, Query, prepare
from core.search.moments import (
    TIMELINE_MOMENTS,
    MomentFinder,
    Timeline,
    across_library,
    moment_vector,
    video_record,
    videos_only,
)
from core.search.people import hit_people, parse_people, person_matches, person_moments
from core.search.query import QueryVector, parse_box, text_query
from core.store.catalog_read import LibraryCatalog
from core.store.records import FileRecord, TextLine
from core.store.vectors import VectorIndex

if TYPE_CHECKING:  # pragma: no cover
    from core.indexing.manage import Manager, export_files
    from core.store.catalog_people import FaceRecord, PersonRecord
    from core.store.repair import RepairReport

#: What the GUI and the CLI import from here: they talk to `core.library` (and `core.errors`, `core.paths`)
#: only, never to the parts behind it (`tests/core/test_layout.py`).
__all__ = ["COMPOSE", "DEFAULT_METHOD", "METHODS", "POLL_S", "QUIET_S", "SIMILAR", "SORTS", "TEXT", "Control",
           "DuplicateGroup", "FacesStatus", "FailedFile", "Filters", "FolderWatcher", "Found", "Hit", "IndexReport",
           "IndexSettings", "Library", "LibraryStatus", "LibraryWatcher", "Matches", "ModelChoice", "ModelInfo",
           "ModelSwitch", "PersonRecord", "Progress", "ProgressCallback", "Query", "RebuildStatus", "TextLine",
           "cut_clip", "export_files", "file_date", "filters_to_json", "ignored_path", "parse_box", "repair_catalog",
           "roots_to_index", "sort_hits", "vanished_line"]


class Library:
    """An open library: roots, index, search."""

    def __init__(self, home: str | os.PathLike[str] | None = None, *, model: str | None = None,
                 weights: str | os.PathLike[str] | None = None, pretrained: str | None = None,
                 device: str | None = None, settings: IndexSettings | None = None, runtime: str | None = None):
        self.home = resolve_home(home)
        self.catalog = LibraryCatalog(self.home / "catalog.db")  # a search's reads without SQLAlchemy
        self.thumbs = ThumbnailCache(self.home / "thumbnails")
        #: how this library's index runs go where a run says nothing (video sampling, batch size, …)
        self.settings = settings or IndexSettings()
        self._lock = threading.RLock()
        #: The managers, one per flow (Anki's `col.decks`, `col.models`): the model, index runs, thumbnails.
        self.models = LibraryModels(self, self._lock, model, weights, pretrained, device, runtime)
        self.indexing = IndexRuns(self)
        self.thumbnails = Thumbnails(self.catalog, self.thumbs)
        self._engine: SearchEngine | None = None
        self._moments: MomentFinder | None = None
        self._people = None

    @property
    def choice(self) -> ModelChoice:
        """The model this library answers with (`self.models`: its encoder, the others, switching)."""
        return self.models.choice

    # ----- index plumbing ---------------------------------------------------------------------

    def _model_row(self, create: bool) -> tuple[int, int] | None:
        key = self.choice.key()
        found = self.catalog.find_model(key)
        if found or not create:
            return found
        enc = self.models.encoder.load()
        return self.catalog.model_id(key, self.choice.name, self.choice.pretrained or self.choice.weights,
                                     enc.dim), enc.dim

    def engine(self, *, create: bool = False, sync: bool = True) -> SearchEngine:
        """The search engine of this library's model (its `context` holds catalog, encoder, vector index).

        Built once, on first use; `create` registers the model (indexing does). `sync` first catches
        the vector index up with the catalog (another process may have indexed), as every query does.
        """
        with self._lock:
            if self._engine is None:
                row = self._model_row(create)
                if row is None:
                    raise LibraryError(
                        f"nothing is indexed with {self.choice.describe()} yet: run `medialens index` "
                        f"with this model first"
                    )
                model_id, dim = row
                slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.choice.key())
                vindex = VectorIndex(self.catalog, model_id, dim, self.home / "index", slug)
                vindex.on_rebuilt = self.indexing.save_if_free
                vindex.open()
                context = SearchContext(self.catalog, lambda: self.models.encoder, vindex, model_id, dim,
                                        self.choice.key())
                self._moments = MomentFinder(context)
                self._engine = SearchEngine(context, self._moments)
            engine = self._engine
        if sync:
            engine.vindex.sync()
        return engine

    def drop_engine(self) -> SearchEngine | None:
        """Forget the search engine (the model changed: `LibraryModels.adopt`); the next query builds it again.
        Returns the old one, for the queries still running on it."""
        with self._lock:
            old, self._engine = self._engine, None
            return old

    # ----- roots ------------------------------------------------------------------------------

    def roots(self) -> list[str]:
        return [p for _, p in self.catalog.roots()]

    def add_root(self, folder: str | os.PathLike[str]) -> str:
        p = Path(folder).expanduser()
        if not p.exists():
            raise LibraryError(f"{p}: folder not found")
        if not p.is_dir():
            raise LibraryError(f"{p}: not a folder")
        if not os.access(p, os.R_OK | os.X_OK):
            raise LibraryError(f"{p}: folder cannot be read (permission denied)")
        path = str(p.resolve())
        for existing in self.roots():
            if path == existing or path.startswith(existing.rstrip(os.sep) + os.sep):
                return existing  # already covered by a library folder
        self.catalog.add_root(path)
        return path

    def remove_root(self, folder: str | os.PathLike[str]) -> None:
        path = str(Path(folder).expanduser().resolve())
        self.catalog.remove_root(path)
        with self._lock:
            if self._engine is not None:
                self._engine.vindex.sync()
                self.indexing.save_if_free(self._engine.vindex)

    # ----- indexing ---------------------------------------------------------------------------

    def index(self, folders: list[str | os.PathLike[str]] | None = None, progress: ProgressCallback | None = None,
              control: Control | None = None, remember: bool = True, **settings) -> IndexReport:
        """Index the given folders (added as roots) or all roots; returns what happened (`core.indexing.runs`).

        `settings` are `IndexSettings` by name (`fps=2`, `ocr=True`, …), checked here before anything runs."""
        return self.indexing.run(folders, progress, control, remember, IndexSettings.parse(settings))

    def reads_text(self, wanted: bool | None = None) -> bool:
        """Whether indexing reads the text in photos and videos; `wanted` sets it (remembered by the library)."""
        return self.indexing.reads_text(wanted)

    def hears_speech(self, wanted: bool | None = None, model_dir: str | os.PathLike[str] | None = None) -> bool:
        """Whether indexing transcribes what is said in videos; `wanted` sets it, `model_dir` a faster-whisper
        model for it (both remembered by the library; core/indexing/speech.py)."""
        from core.indexing import speech

        if wanted is not None:
            self.catalog.set_setting(speech.SETTING, "on" if wanted else "off")
        if model_dir is not None:
            self.catalog.set_setting(speech.MODEL_SETTING, str(Path(model_dir).expanduser().resolve()))
        return speech.speech_enabled(self.catalog)

    def finds_faces(self, wanted: bool | None = None) -> bool:
        """Whether indexing finds the faces in photos and videos; `wanted` sets it (remembered by the library)."""
        from core.indexing import faces

        if wanted is not None:
            self.catalog.set_setting(faces.SETTING, "on" if wanted else "off")
        return faces.faces_enabled(self.catalog)

    @property
    def people(self):
        """The library's people: faces grouped, named, searched (`core.library.People`)."""
        with self._lock:
            if self._people is None:
                self._people = People(self)
            return self._people

    # ----- managing (core/indexing/manage.py) ------------------------------------------------------------

    @property
    def manager(self) -> Manager:
        """Ratings, favourites, tags, titles, albums and smart albums, with their XMP sidecars."""
        from core.indexing.manage import Manager

        return Manager(self.catalog)

    def album_filters(self, names: list[str], base: Filters | None = None) -> Filters:
        """`base` narrowed to the files in any of these albums; a smart album's are found by its search."""
        from core.search.albums import smart_album_filters

        return smart_album_filters(self, names, base or Filters())

    def understand(self, text: str, skip=()):
        """What a search text says about dates, and about places and cameras this library knows
        (`core.search.understand.Understood`: the words for the model, and filters)."""
        from core.search.understand import understand

        places, cameras = self.catalog.known_names()
        return understand(text, places, cameras, skip=skip)

    # ----- queries ----------------------------------------------------------------------------

    def find(self, query: Query) -> Found:
        """The one way in for a search: `query` made ready once (`core.search.find`); page it, cut it where
        its matches end, start a feedback session with it, or ask why a photo matched it."""
        if query.kind == TEXT and parse_people(query.text).names_people:  # person:"Name" (core.search.people)
            return self.people.find(query)
        return prepare(self.engine(), query)

    def search(self, text: str, n: int = 20, offset: int = 0, filters: Filters | None = None,
               exact: bool | None = None) -> list[Hit]:
        """Photos and moments matching a text, best first; `-word` or `-"a phrase"` avoids things."""
        return self.find(Query(TEXT, text=text, filters=filters, exact=exact)).page(n, offset)

    def matches(self, text: str, filters: Filters | None = None, exact: bool | None = None) -> Matches:
        """`search`'s results cut where the text's matches end, each with a readable confidence
        (see `core.search.cutoff`); the results below the cut come along for "show all"."""
        return self.find(Query(TEXT, text=text, filters=filters, exact=exact)).matches()

    def browse(self, offset: int = 0, n: int = 200, filters: Filters | None = None) -> list[FileRecord]:
        """The library without a query: indexed photos and videos newest first (capture time, else file time)."""
        return self.catalog.browse_files(offset, n, **dataclasses.asdict(filters or Filters()))

    def browse_ids(self, filters: Filters | None = None) -> list[int]:
        """The ids of the files `browse` pages through, in its order (the window pages a big library by them)."""
        return self.catalog.browse_file_ids(**dataclasses.asdict(filters or Filters()))

    def files_in_order(self, ids: Sequence[int]) -> list[FileRecord | None]:
        """The records of `ids`, in their order; None for a file no longer in the library."""
        return self.catalog.files_in_order(ids)

    def browse_count(self, filters: Filters | None = None) -> int:
        """How many files `browse` pages through."""
        return self.catalog.count_files(**dataclasses.asdict(filters or Filters()))

    def similar(self, target: int | str | os.PathLike[str], n: int = 20, offset: int = 0,
                filters: Filters | None = None, t_s: float | None = None, exact: bool | None = None,
                include_self: bool = False, box: tuple[int, int, int, int] | None = None) -> list[Hit]:
        """Look-alikes of a library file (by id or path) or of any image file outside the library.

        `box` (left, top, right, bottom in the upright original's pixels) searches by that region only.
        """
        return self.find(Query(SIMILAR, target=target, t_s=t_s, box=box, include_target=include_self,
                               filters=filters, exact=exact)).page(n, offset)

    def file(self, file_id: int):
        return self.catalog.file(file_id)

    def thumbnail(self, file_id: int) -> Path | None:
        """The cached thumbnail of a file (made now if missing); None if it cannot be made."""
        return self.thumbnails.of_file(file_id)

    # ----- video moments (core/search/moments.py) -------------------------------------------------------

    def moments(self, query: str | np.ndarray, video: int | str | None = None, n: int = 10,
                filters: Filters | None = None) -> list[Hit]:
        """The best n moments for a text or a query vector, best first.

        Across the library's videos (narrowed by `filters`), or inside one `video`
        (a library id or path). Each hit is a moment: `start_s`/`end_s`, the best
        frame's time `t_s` and item, and the query's cosine with the moment as `score`.
        """
        from core.search.fusion import fused_video_moments, ranked

        engine = self.engine()
        rec = None if video is None else video_record(engine.context, video)  # before the model loads: errors come fast
        parsed = text_query(engine.context, query) if isinstance(query, str) else None
        vec = moment_vector(engine.context, query if parsed is None else parsed.vector)
        words = parsed.words if parsed is not None else ""
        if rec is None:
            if words:  # what is shown, written on screen, or said
                return ranked(engine, QueryVector(vec, words=words), n, filters=videos_only(filters))
            return across_library(engine, vec, n, filters)
        if words:
            return fused_video_moments(engine, self._moments.video_moments(rec, vec, n), vec, words, rec.id, n)
        return self._moments.video_moments(rec, vec, n)

    def timeline(self, file_id: int, query: str | np.ndarray | None = None, words: str | None = None) -> Timeline:
        """What a player's timeline draws for a video: sample times, the query's curve, its moments.

        With words (a text `query`, or `words` beside a query vector) the moments are the fusion's: where
        the video shows them, writes them on screen or says them, each with the expert that found it.
        """
        from core.search.fusion import fused_video_moments

        if isinstance(query, str) and parse_people(query).names_people:  # where the people are seen
            return self.people.timeline(file_id, query)
        context = self.engine().context
        rec = video_record(context, file_id)
        vec = None if query is None else moment_vector(context, query)
        line = self._moments.timeline(rec, vec)
        words = words or (text_query(context, query).words if isinstance(query, str) else None)
        if vec is not None and words:
            line.moments = fused_video_moments(self.engine(), line.moments, vec, words, rec.id, TIMELINE_MOMENTS)
        return line

    def transcript(self, file_id: int) -> list[TextLine]:
        """A video's subtitle and spoken lines in time order (empty when it has none or was not heard)."""
        from core.store.catalog_speech import timed_lines

        return timed_lines(self.catalog, file_id)

    def frame_thumbnail(self, file_id: int, t_s: float) -> Path | None:
        """The cached thumbnail of the sampled frame that stands for `t_s` (`core.media.video.sample_at`)."""
        return self.thumbnails.of_frame(file_id, t_s)

    # ----- composed edits, feedback sessions, regions (core/search/compose.py, feedback.py, explain.py)

    def compose(self, reference: int | str | os.PathLike[str], text: str, n: int = 20, offset: int = 0,
                filters: Filters | None = None, method: str | None = None, balance: float | None = None,
                include_reference: bool = False, t_s: float | None = None, exact: bool | None = None) -> list[Hit]:
        """Results like `reference` changed as `text` says ("the same street at night", "in red -people").

        `reference`: a library file id or path (a video's frame at `t_s`), or any image file.
        `method`: one of `core.search.compose.METHODS` (None: the measured default); `balance`: 0 leans
        on the picture, 1 on the words (None: the method's own default). The reference and its
        near-duplicates are left out unless `include_reference`.
        """
        return self.find(Query(COMPOSE, text=text, target=reference, method=method, balance=balance, t_s=t_s,
                               include_target=include_reference, filters=filters, exact=exact)).page(n, offset)

    def session(self, filters: Filters | None = None) -> SearchSession:
        """A search session: query (`start`), mark results relevant or not, refine, undo
        (see `core.search.feedback`)."""
        return SearchSession(self.engine(), filters)

    def explain(self, file_id: int, query: str | np.ndarray) -> Explanation:
        """Which part of a library photo agrees most with `query` (a text or a query vector)."""
        context = self.engine().context
        vec = text_query(context, query).vector if isinstance(query, str) else query
        return explain_file(context, file_id, vec)

    def duplicates(self, threshold: float | None = None, near: bool = True, moments: bool = True,
                   filters: Filters | None = None) -> list:
        """Groups of copies, biggest first: `core.search.duplicates.DuplicateGroup` (files) and
        `core.search.repeats.RepeatedMoment` (the same footage in several videos or twice in one).

        `near` adds photos at least `threshold` similar (default: the library's calibrated copy
        similarity) and, with `moments`, repeated video footage; without it only byte-identical
        files are grouped. `filters` keeps the copies that pass them (groups of two or more).
        """
        groups = self._all_duplicates(threshold, near, moments)
        if filters is None or not filters.active:
            return groups
        from core.indexing.manage import narrow_groups

        return narrow_groups(groups, self.catalog.file_ids_where(**dataclasses.asdict(filters)))

    def _all_duplicates(self, threshold: float | None, near: bool, moments: bool) -> list:
        from core.search.compose import duplicate_thresholds
        from core.search.duplicates import find_duplicates, largest_first
        from core.search.repeats import repeated_moments

        if not near:
            return find_duplicates(self.catalog, None, 1.0)
        context = self.engine().context
        copies, edits = duplicate_thresholds(context)
        cosine = copies if threshold is None else threshold
        groups = find_duplicates(self.catalog, context, cosine, min(edits, cosine))
        if moments:
            groups = largest_first(groups + repeated_moments(context, cosine))
        return groups

    def trash_files(self, paths: list[str], allow_outside: bool = False) -> list[tuple[str, str]]:
        """Send files to the system trash (the caller has asked the user); (path, reason) of those not moved.

        Each is checked right before: one whose content changed since it was indexed, or (unless the user
        agreed to `allow_outside`, see `outside_roots`) whose real place is outside every library folder, is
        not moved. The library forgets the moved files on its next index run."""
        from core.search.duplicates import move_to_trash, trash_refusals

        refused = trash_refusals(self.catalog, self.roots(), paths, allow_outside)
        return list(refused.items()) + move_to_trash([p for p in paths if p not in refused])

    def outside_roots(self, paths: list[str]) -> dict[str, str]:
        """Path -> real place of those files whose real place is outside every library folder."""
        from core.search.duplicates import outside_roots

        return outside_roots(paths, self.roots())

    # ----- status -----------------------------------------------------------------------------

    def status(self, check: bool = False) -> LibraryStatus:
        """Counts, the model, the vector index's health (`core.indexing.status`); `check` first reads the
        counted tables' pages (`core.store.catalog_health`): a damaged catalog is said, not counted around."""
        if check:
            from core.store.catalog_health import check_counted_tables

            check_counted_tables(self.catalog)
        # Roots first: a status read while a folder is removed then never shows the new roots with
        # the old counts (the GUI waits for the roots to change, then trusts the counts).
        roots = tuple(self.roots())
        counts = self.catalog.counts()
        status = LibraryStatus(
            library=str(self.home), roots=roots, model=self.choice.describe(), model_key=self.choice.key(),
            images=counts.get("image_ok", 0), videos=counts.get("video_ok", 0),
            pending=counts.get("image_pending", 0) + counts.get("video_pending", 0),
            failed=counts.get("image_failed", 0) + counts.get("video_failed", 0),
            items=counts.get("items", 0), runtime=self.models.runtime_note(),
            text=text_status(self.catalog), speech=speech_status(self.catalog),
            faces=self.people.counts(),
            failures=tuple(FailedFile(f.path, f.error) for f in self.catalog.failed_files()),
            follow_outside_links=self.follows_outside_links, outside_links=outside_links_status(self.catalog))
        if self._model_row(create=False) is None:
            return status
        return dataclasses.replace(status, **self._index_health())

    def _index_health(self) -> dict:
        """The vector file's counts and health, once something is indexed with this library's model."""
        engine = self.engine(sync=False)
        vindex = engine.vindex
        vectors = self.catalog.vector_count(engine.model_id)
        state = vindex.rebuild_state
        if vindex.rebuilding or (state and state.error):
            health = state.describe()
        elif len(vindex) == vectors:
            health = "ok"
        else:
            health = f"stale ({len(vindex)} of {vectors})"
        if vindex.rebuilt_reason and not vindex.rebuilding:
            health += f"; rebuilt on open ({vindex.rebuilt_reason})"
        rebuild = RebuildStatus(state.reason, state.done, state.total) if vindex.rebuilding else None
        return {"vectors": vectors, "embedded_files": self.catalog.embedded_count(engine.model_id),
                "index": health, "rebuild": rebuild}

    @property
    def follows_outside_links(self) -> bool:
        """Whether folder links leading outside a library folder are followed (see `core.indexing.links`)."""
        return follows_outside_links(self.catalog)

    @follows_outside_links.setter
    def follows_outside_links(self, follow: bool) -> None:
        set_follow_outside_links(self.catalog, follow)

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.vindex.close()  # queries never write: only the indexer (the writer) saves
            self.catalog.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ----- people: faces grouped, named, searched (issue 27) ------------------------------------------

class People:
    """`Library.people`: list, name, merge, split, hide, search with words, a person's moments in videos,
    named regions to XMP sidecars (grouping: `core.indexing.people`; tables: `core.store.catalog_people`;
    search: `core.search.people`)."""

    def __init__(self, library: Library):
        from core.store.catalog_people import PeopleStore

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

    def counts(self) -> FacesStatus:
        return faces_status(self.store)

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
        from core.indexing.faces import VIDEO_STEP_S

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
        from core.indexing.faces import VIDEO_STEP_S

        return person_moments(self.store, self.resolve(who), file_id, VIDEO_STEP_S)

    def face_image(self, face_id: int, side: int = 128) -> bytes | None:
        """A square PNG of a face with some room around it (for round thumbnails); None when unreadable."""
        import io

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
            written.append(str(set_regions(rec.path, regions, (rec.width, rec.height))))
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


def repair_catalog(home: str | os.PathLike[str], force: bool = False) -> RepairReport:
    """Recover a damaged catalog (`core.store.repair`), remembering the library's model if its setting was lost."""
    from core.indexing.model_switch import remember_lost_model
    from core.store.repair import repair_catalog as _repair_catalog

    return _repair_catalog(Path(home), force, remember_model=remember_lost_model)


def __getattr__(name: str):
    """The names of `__all__` whose modules a search never needs, imported when first asked for (SQLAlchemy
    and the indexing pipeline stay out of a cold `medialens search`: `core.store.catalog_read`)."""
    if name == "export_files":
        from core.indexing.manage import export_files

        return export_files
    if name == "PersonRecord":
        from core.store.catalog_people import PersonRecord

        return PersonRecord
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
