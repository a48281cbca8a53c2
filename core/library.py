"""The facade the CLI and the GUI use: one object per open library.

A library is a folder (platform user-data by default; `MEDIALENS_HOME` or an
explicit path to choose another) holding `catalog.db`, one vector file per
model under `index/`, and `thumbnails/`. The library remembers the model it was
indexed with; a different model can be named per call.

It owns the lifecycle only — open/close, roots, its model, status — and
builds, once, the two things that do the work: a `SearchContext` with its
`SearchEngine` (`core.search`) and, per run, an `Indexer` (`core.indexing`).
Its query methods are one-line hand-offs to `core.search`. Which model it opens with, and
switching to another in the background, are `core.model_switch`.

Thread-safety: searches may run on several threads while one thread indexes;
the catalog, the vector index and the encoder each guard themselves.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import threading
from pathlib import Path

import numpy as np

from core.catalog import Catalog, FileRecord
from core.embed import REGISTRY, BaseEncoder, cached_weights
from core.errors import LibraryError, MediaError, MediaLensError
from core.indexing.control import Control, IndexReport, Progress, ProgressCallback
from core.indexing.pipeline import Indexer
from core.links import follows_outside_links, outside_links, set_follow_outside_links
from core.media import ThumbnailCache
from core.model_switch import ModelChoice, ModelInfo, ModelSwitch, choose_model, switched
from core.paths import models_cache_dir, resolve_home
from core.runtime.choose import open_encoder
from core.runtime.manifest import list_exports
from core.search.compose import composed_query
from core.search.context import SearchContext
from core.search.cutoff import SORTS, Matches, file_date, find_matches, sort_hits
from core.search.engine import Filters, Hit, SearchEngine
from core.search.explain import Explanation, explain_file
from core.search.feedback import SearchSession
from core.search.moments import MomentFinder, Timeline, across_library, moment_vector, video_record
from core.search.query import Query, similar_query, text_query
from core.vectors import VectorIndex
from core.video import check_index_options as check_video_options

#: What the GUI imports from here (it talks to `core.library` only).
__all__ = ["SORTS", "Control", "Filters", "Hit", "IndexReport", "Library", "Matches", "ModelChoice", "ModelInfo",
           "ModelSwitch", "Progress", "ProgressCallback", "file_date", "sort_hits"]


class Library:
    """An open library: roots, index, search."""

    def __init__(self, home: str | os.PathLike[str] | None = None, *, model: str | None = None,
                 weights: str | os.PathLike[str] | None = None, pretrained: str | None = None,
                 device: str | None = None, options: dict | None = None, runtime: str | None = None):
        self.home = resolve_home(home)
        self.runtime = runtime
        self.catalog = Catalog(self.home / "catalog.db")
        self.thumbs = ThumbnailCache(self.home / "thumbnails")
        self.device = device
        self.options = options or {}
        self.choice = choose_model(model, weights, pretrained, self.remembered_model())
        self._lock = threading.RLock()
        self._encoder: BaseEncoder | None = None
        self._engine: SearchEngine | None = None
        self._moments: MomentFinder | None = None

    # ----- model choice -----------------------------------------------------------------------

    def remembered_model(self) -> ModelChoice | None:
        raw = self.catalog.get_setting("model")
        if not raw:
            return None
        d = json.loads(raw)
        return ModelChoice(d["name"], d.get("pretrained"), d.get("weights"))

    def _remember_model(self) -> None:
        c = self.choice
        self.catalog.set_setting("model", json.dumps(
            {"name": c.name, "pretrained": c.pretrained, "weights": c.weights}))

    @property
    def encoder(self) -> BaseEncoder:
        """The model's ONNX export on ONNX Runtime when there is one (no torch), else open_clip on torch."""
        with self._lock:
            if self._encoder is None:
                self._encoder = open_encoder(self.choice.name, pretrained=self.choice.pretrained,
                                             weights=self.choice.weights, device=self.device,
                                             cache_dir=models_cache_dir(), runtime=self.runtime)
            return self._encoder

    def models(self) -> list[ModelInfo]:
        cache = models_cache_dir()
        exported = {m.name for m in list_exports(cache)}
        out = []
        for spec in REGISTRY:
            installed = cached_weights(spec, cache) is not None or cached_weights(spec) is not None
            out.append(ModelInfo(spec, installed, spec.name == self.choice.name, spec.name in exported))
        return out

    # ----- index plumbing ---------------------------------------------------------------------

    def _model_row(self, create: bool) -> tuple[int, int] | None:
        key = self.choice.key()
        found = self.catalog.find_model(key)
        if found or not create:
            return found
        enc = self.encoder.load()
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
                vindex.on_rebuilt = self._save_index_if_free
                vindex.open()
                context = SearchContext(self.catalog, lambda: self.encoder, vindex, model_id, dim,
                                        self.choice.key())
                self._moments = MomentFinder(context)
                self._engine = SearchEngine(context, self._moments)
            engine = self._engine
        if sync:
            engine.vindex.sync()
        return engine

    def _save_index_if_free(self, vindex: VectorIndex) -> None:
        """Save a rebuilt index unless another process is the writer (it saves its own)."""
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.home / "index.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return
        try:
            vindex.save(wait=False)  # called by the rebuild itself, once its index is in place
        finally:
            lock.release()

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
                self._save_index_if_free(self._engine.vindex)

    # ----- indexing ---------------------------------------------------------------------------

    def index(self, folders: list[str | os.PathLike[str]] | None = None, progress: ProgressCallback | None = None,
              control: Control | None = None, remember: bool = True, **options) -> IndexReport:
        """Index the given folders (added as roots) or all roots; returns what happened.

        `remember=False` leaves the library's remembered model alone (a model switch in progress).
        """
        from filelock import FileLock, Timeout

        for f in folders or []:
            self.add_root(f)
        roots = self.catalog.roots()
        if folders:
            wanted = {str(Path(f).expanduser().resolve()) for f in folders}
            roots = [r for r in roots if r[1] in wanted or any(w.startswith(r[1] + os.sep) for w in wanted)]
        if not roots:
            raise LibraryError("no library folders yet: give one, e.g. `medialens index ~/Pictures`")
        check_video_options({**self.options, **options})
        lock = FileLock(str(self.home / "index.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise LibraryError(f"another MediaLens is already indexing the library in {self.home}") from None
        try:
            self.thumbs.remove_orphans()  # left by a killed run (a live process's are kept)
            engine = self.engine(create=True, sync=False)
            if remember:
                self._remember_model()
            opts = {**self.options, **options}
            cluster = opts.pop("cluster", None)
            read_text = self.reads_text(opts.pop("ocr", None))
            indexer = Indexer(self.catalog, self.encoder, engine.vindex, engine.model_id, self.thumbs,
                              batch_size=opts.pop("batch_size", None), workers=opts.pop("workers", None),
                              options=opts, read_text=read_text)
            if cluster:
                from core import cluster as ray_cluster

                ray_cluster.connect(cluster)
                indexer.remote_decoder = ray_cluster.RemoteDecoder(self.choice.name, self.choice.pretrained,
                                                                   self.choice.weights, opts)
            report = indexer.run(roots, progress=progress, control=control)
            while not (control and control.cancelled) and not engine.vindex.wait_rebuilt(0.5):
                pass  # the writer leaves a saved index behind: finish a background rebuild first
            engine.vindex.save(wait=False)
            return report
        finally:
            lock.release()

    def reads_text(self, wanted: bool | None = None) -> bool:
        """Whether indexing reads the text in photos and videos; `wanted` sets it (remembered by the library)."""
        from core.indexing import ocr

        if wanted is not None:
            self.catalog.set_setting(ocr.SETTING, "on" if wanted else "off")
        return ocr.ocr_enabled(self.catalog)

    def switch_model(self, model: str | None = None, weights: str | os.PathLike[str] | None = None,
                     pretrained: str | None = None) -> ModelSwitch:
        """A switch to another model: `run()` it on a worker; this library answers with its model meanwhile."""
        return ModelSwitch(self, model=model, weights=weights, pretrained=pretrained)

    def adopt_model(self, other: Library) -> None:
        """Use `other`'s model (same library folder, indexed by a `ModelSwitch`) from now on.

        Queries already running finish with the old model: its engine keeps the old encoder
        (one that had not loaded it yet is told to search again, never handed the new model).
        """
        encoder = other.encoder
        other.close()  # saves its vector index, which this library opens on its next query
        with self._lock:
            old, old_encoder = self._engine, self._encoder
            if old is not None:
                old.context.encoder_of = (lambda: old_encoder) if old_encoder is not None else switched
            self.choice, self._encoder, self._engine = other.choice, encoder, None
            self._remember_model()
        if old is not None:
            old.vindex.save()

    # ----- queries ----------------------------------------------------------------------------

    def search(self, text: str, n: int = 20, offset: int = 0, filters: Filters | None = None,
               exact: bool | None = None) -> list[Hit]:
        """Photos and moments matching a text, best first; `-word` or `-"a phrase"` avoids things."""
        from core.search.fusion import ranked

        engine = self.engine()
        return ranked(engine, text_query(engine.context, text), n, offset, filters, exact=exact)

    def matches(self, text: str | Query, filters: Filters | None = None, exact: bool | None = None) -> Matches:
        """`search`'s results cut where the text's matches end, each with a readable confidence
        (see `core.search.cutoff`); the results below the cut come along for "show all".

        `text` may also be a text query the caller made already (`core.search.query.text_query`).
        """
        from core.search.fusion import fused_matches

        engine = self.engine()
        query = text_query(engine.context, text) if isinstance(text, str) else text
        found = find_matches(engine, query.vector, filters, query.exclude, exact=exact, words=query.words)
        return fused_matches(engine, query, found, filters, exact)

    def browse(self, offset: int = 0, n: int = 200, filters: Filters | None = None) -> list[FileRecord]:
        """The library without a query: indexed photos and videos newest first (capture time, else file time)."""
        return self.catalog.browse_files(offset, n, **dataclasses.asdict(filters or Filters()))

    def browse_count(self, filters: Filters | None = None) -> int:
        """How many files `browse` pages through."""
        return self.catalog.count_files(**dataclasses.asdict(filters or Filters()))

    def similar(self, target: int | str | os.PathLike[str], n: int = 20, offset: int = 0,
                filters: Filters | None = None, t_s: float | None = None, exact: bool | None = None,
                include_self: bool = False, box: tuple[int, int, int, int] | None = None) -> list[Hit]:
        """Look-alikes of a library file (by id or path) or of any image file outside the library.

        `box` (left, top, right, bottom in the upright original's pixels) searches by that region only.
        """
        engine = self.engine()
        query = similar_query(engine.context, target, t_s, box, include_self)
        return engine.by_vector(query.vector, n, offset, filters, exclude_files=query.exclude, exact=exact)

    def file(self, file_id: int):
        return self.catalog.file(file_id)

    def thumbnail(self, file_id: int) -> Path | None:
        """The cached thumbnail of a file (made now if missing); None if it cannot be made."""
        rec = self.catalog.file(file_id)
        if rec is None:
            return None
        key = rec.content_hash
        if key and self.thumbs.has(key):
            return self.thumbs.path_for(key)
        if rec.kind == "video" and key:
            return self._video_thumbnail(rec, None)
        if rec.kind != "image" or not key:
            return None
        try:
            return self.thumbs.get_or_make(key, rec.path)
        except Exception:
            return None

    # ----- video moments (core/search/moments.py) -------------------------------------------------------

    def moments(self, query: str | np.ndarray, video: int | str | None = None, n: int = 10,
                filters: Filters | None = None) -> list[Hit]:
        """The best n moments for a text or a query vector, best first.

        Across the library's videos (narrowed by `filters`), or inside one `video`
        (a library id or path). Each hit is a moment: `start_s`/`end_s`, the best
        frame's time `t_s` and item, and the query's cosine with the moment as `score`.
        """
        engine = self.engine()
        rec = None if video is None else video_record(engine.context, video)  # before the model loads: errors come fast
        vec = moment_vector(engine.context, query)
        if rec is None:
            return across_library(engine, vec, n, filters)
        return self._moments.video_moments(rec, vec, n)

    def timeline(self, file_id: int, query: str | np.ndarray | None = None) -> Timeline:
        """What a player's timeline draws for a video: sample times, the query's curve, its moments."""
        context = self.engine().context
        rec = video_record(context, file_id)
        return self._moments.timeline(rec, None if query is None else moment_vector(context, query))

    def frame_thumbnail(self, file_id: int, t_s: float) -> Path | None:
        """The cached thumbnail of the sampled frame that stands for `t_s` (`core.video.sample_at`)."""
        rec = self.catalog.file(file_id)
        if rec is None or rec.kind != "video" or not rec.content_hash:
            return None
        times = [t for _, t in self.catalog.items_of_file(file_id) if t is not None]
        if not times:
            return None
        from core.video import sample_at

        return self._video_thumbnail(rec, times[sample_at(times, t_s)])

    def _video_thumbnail(self, rec, t_s: float | None) -> Path | None:
        """A frame's (or, for None, the poster's) thumbnail; decoded from the video if the cache lost it.

        A lost poster is remade from the frame a tenth of the way in (past most intros and fades).
        """
        from core.video import frame_at, frame_thumb_suffix

        suffix = "" if t_s is None else frame_thumb_suffix(t_s)
        if self.thumbs.has(rec.content_hash, suffix):
            return self.thumbs.path_for(rec.content_hash, suffix)
        at = t_s if t_s is not None else 0.1 * (rec.duration_s or 0.0)
        try:
            return self.thumbs.put(rec.content_hash, frame_at(rec.path, at), suffix)
        except (MediaError, OSError):
            return None

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
        engine = self.engine()
        query = composed_query(engine.context, reference, text, method=method, balance=balance, t_s=t_s,
                               include_reference=include_reference)
        return engine.by_vector(query.vector, n, offset, filters, exclude_files=query.exclude, exact=exact)

    def session(self, filters: Filters | None = None) -> SearchSession:
        """A search session: query, mark results relevant or not, refine, undo (see `core.search.feedback`)."""
        return SearchSession(self.engine(), filters)

    def explain(self, file_id: int, query: str | np.ndarray) -> Explanation:
        """Which part of a library photo agrees most with `query` (a text or a query vector)."""
        context = self.engine().context
        vec = text_query(context, query).vector if isinstance(query, str) else query
        return explain_file(context, file_id, vec)

    def duplicates(self, threshold: float | None = None, near: bool = True, moments: bool = True) -> list:
        """Groups of copies, biggest first: `core.search.duplicates.DuplicateGroup` (files) and
        `core.search.repeats.RepeatedMoment` (the same footage in several videos or twice in one).

        `near` adds photos at least `threshold` similar (default: the library's calibrated copy
        similarity) and, with `moments`, repeated video footage; without it only byte-identical
        files are grouped.
        """
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

    def status(self, check: bool = False) -> dict:
        """Counts, the model, the vector index's health; `check` first reads the counted tables' pages
        (`core.catalog_health`): a damaged catalog is said, not counted around."""
        if check:
            from core.catalog_health import check_counted_tables

            check_counted_tables(self.catalog)
        # Roots first: a status read while a folder is removed then never shows the new roots with
        # the old counts (the GUI waits for the roots to change, then trusts the counts).
        roots = self.roots()
        counts = self.catalog.counts()
        row = self._model_row(create=False)
        st: dict = {
            "library": str(self.home),
            "roots": roots,
            "model": self.choice.describe(),
            "model_key": self.choice.key(),
            "images": counts.get("image_ok", 0),
            "videos": counts.get("video_ok", 0),
            "pending": counts.get("image_pending", 0) + counts.get("video_pending", 0),
            "failed": counts.get("image_failed", 0) + counts.get("video_failed", 0),
            "items": counts.get("items", 0),
            "runtime": self._runtime_note(),
        }
        if row is None:
            st["index"] = "nothing indexed with this model yet"
            st["vectors"] = 0
        else:
            engine = self.engine(sync=False)
            vectors = self.catalog.vector_count(engine.model_id)
            st["vectors"] = vectors
            st["embedded_files"] = self.catalog.embedded_count(engine.model_id)
            state = engine.vindex.rebuild_state
            if engine.vindex.rebuilding or (state and state.error):
                health = state.describe()
            elif len(engine.vindex) == vectors:
                health = "ok"
            else:
                health = f"stale ({len(engine.vindex)} of {vectors})"
            if engine.vindex.rebuilt_reason and not engine.vindex.rebuilding:
                health += f"; rebuilt on open ({engine.vindex.rebuilt_reason})"
            st["index"] = health
            if engine.vindex.rebuilding:
                st["rebuild"] = {"reason": state.reason, "done": state.done, "total": state.total}
        from core.indexing.ocr import ocr_enabled

        read, lines = self.catalog.ocr_counts()
        st["text"] = {"enabled": ocr_enabled(self.catalog), "read": read, "lines": lines,
                      "pending": self.catalog.ocr_pending_count()}
        st["failures"] = [{"path": f.path, "reason": f.error} for f in self.catalog.failed_files()]
        st["follow_outside_links"] = self.follows_outside_links
        st["outside_links"] = {root: [{"link": link, "target": target} for link, target in pairs]
                               for root, pairs in outside_links(self.catalog).items()}
        return st

    def _runtime_note(self) -> str:
        """Which runtime would encode: "onnx (FOLDER)" or "torch"; or why none can (nothing is loaded)."""
        try:
            enc = self.encoder
        except MediaLensError as exc:
            return f"none: {exc}"
        return f"onnx ({enc.folder})" if enc.runtime == "onnx" else enc.runtime

    @property
    def follows_outside_links(self) -> bool:
        """Whether folder links leading outside a library folder are followed (see `core.links`)."""
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
