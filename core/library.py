"""The facade the CLI and the GUI use: one object per open library.

A library is a folder (platform user-data by default; `MEDIALENS_HOME` or an
explicit path to choose another) holding `catalog.db`, one usearch index per
model under `index/`, and `thumbnails/`. The library remembers the model it was
indexed with; a different model can be named per call.

Thread-safety: searches may run on several threads while one thread indexes;
the catalog, the vector index and the encoder each guard themselves.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.catalog import Catalog
from core.compose import composed_query
from core.embed import DEFAULT_MODEL, REGISTRY, Encoder, ModelSpec, cached_weights, find_spec, model_key
from core.errors import LibraryError, MediaError, QueryError
from core.explain import Explanation, explain_file
from core.feedback import SearchSession
from core.indexer import Control, Indexer, IndexReport, ProgressCallback
from core.media import ThumbnailCache, load_image
from core.paths import models_cache_dir, resolve_home
from core.query import similar_query, text_query
from core.search import Filters, Hit, SearchEngine, normalise, resolve_image_path
from core.vectors import VectorIndex
from core.video import check_index_options as check_video_options

if TYPE_CHECKING:  # pragma: no cover
    from core.moments import Timeline


@dataclass(frozen=True)
class ModelChoice:
    """Which model a library uses: a registry name with a hub tag, or with a local weights file."""

    name: str
    pretrained: str | None = None
    weights: str | None = None

    def key(self) -> str:
        return model_key(self.name, self.pretrained, Path(self.weights) if self.weights else None)

    def describe(self) -> str:
        return f"{self.name} ({self.weights or self.pretrained})"


@dataclass
class ModelInfo:
    spec: ModelSpec
    installed: bool
    active: bool


class Library:
    """An open library: roots, index, search."""

    def __init__(self, home: str | os.PathLike[str] | None = None, *, model: str | None = None,
                 weights: str | os.PathLike[str] | None = None, pretrained: str | None = None,
                 device: str | None = None, options: dict | None = None):
        self.home = resolve_home(home)
        self.catalog = Catalog(self.home / "catalog.db")
        self.thumbs = ThumbnailCache(self.home / "thumbnails")
        self.device = device
        self.options = options or {}
        self.choice = self._choose_model(model, weights, pretrained)
        self._lock = threading.RLock()
        self._encoder: Encoder | None = None
        self._engine: SearchEngine | None = None
        self._index: VectorIndex | None = None

    # ----- model choice -----------------------------------------------------------------------

    def _choose_model(self, model: str | None, weights, pretrained: str | None) -> ModelChoice:
        if weights is not None:
            w = Path(weights).expanduser().resolve()
            if not w.is_file():
                raise LibraryError(f"{w}: weights file not found")
            weights = str(w)
        remembered = self.remembered_model()
        if model is None and weights is None and pretrained is None:
            return remembered or ModelChoice(DEFAULT_MODEL.name, DEFAULT_MODEL.pretrained)
        name = model or (remembered.name if remembered and weights else DEFAULT_MODEL.name)
        spec = find_spec(name)
        if spec is None:
            if weights is not None:  # a custom open_clip architecture with its own weights file
                return ModelChoice(name, None, weights)
            known = ", ".join(s.name for s in REGISTRY)
            raise LibraryError(f"unknown model {name!r}; known models: {known} (see `medialens models`)")
        if weights is None and pretrained is None:
            if remembered and remembered.name == spec.name:
                return remembered
            if spec.pretrained is None:
                raise LibraryError(f"model {spec.name} has no downloadable weights: give --weights PATH")
        return ModelChoice(spec.name, None if weights else (pretrained or spec.pretrained), weights)

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
    def encoder(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = Encoder(self.choice.name, pretrained=self.choice.pretrained,
                                        weights=self.choice.weights, device=self.device,
                                        cache_dir=models_cache_dir())
            return self._encoder

    def models(self) -> list[ModelInfo]:
        cache = models_cache_dir()
        out = []
        for spec in REGISTRY:
            installed = cached_weights(spec, cache) is not None or cached_weights(spec) is not None
            out.append(ModelInfo(spec, installed, spec.name == self.choice.name))
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

    def _search_engine(self, create: bool = False) -> SearchEngine:
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
                self._index = VectorIndex(self.catalog, model_id, dim, self.home / "index", slug)
                self._index.on_rebuilt = self._save_index_if_free
                self._index.open()
                self._engine = SearchEngine(self.catalog, self._index, model_id, dim)
                self._install_extensions(self._engine)
            return self._engine

    @staticmethod
    def _install_extensions(engine: SearchEngine) -> None:
        """Let optional modules (video moments…) attach themselves to the search engine."""
        try:
            from core import moments
        except ImportError:
            return
        moments.install(engine)

    def _save_index_if_free(self, vindex: VectorIndex) -> None:
        """Save a rebuilt index unless another process is the writer (it saves its own)."""
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.home / "index.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return
        try:
            vindex.save()
        finally:
            lock.release()

    @property
    def vector_index(self) -> VectorIndex:
        return self._search_engine().vindex

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
            if self._index is not None:
                self._index.sync()
                self._save_index_if_free(self._index)

    # ----- indexing ---------------------------------------------------------------------------

    def index(self, folders: list[str | os.PathLike[str]] | None = None, progress: ProgressCallback | None = None,
              control: Control | None = None, **options) -> IndexReport:
        """Index the given folders (added as roots) or all roots; returns what happened."""
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
            engine = self._search_engine(create=True)
            self._remember_model()
            opts = {**self.options, **options}
            cluster = opts.pop("cluster", None)
            indexer = Indexer(self.catalog, self.encoder, engine.vindex, engine.model_id, self.thumbs,
                              batch_size=opts.pop("batch_size", None), workers=opts.pop("workers", None),
                              options=opts)
            if cluster:
                from core import cluster as ray_cluster

                ray_cluster.connect(cluster)
                indexer.remote_decoder = ray_cluster.RemoteDecoder(self.choice.name, self.choice.pretrained,
                                                                   self.choice.weights, opts)
            report = indexer.run(roots, progress=progress, control=control)
            while not (control and control.cancelled) and not engine.vindex.wait_rebuilt(0.5):
                pass  # the writer leaves a saved index behind: finish a background rebuild first
            engine.vindex.save()
            return report
        finally:
            lock.release()

    # ----- queries ----------------------------------------------------------------------------

    def _engine_for_query(self) -> SearchEngine:
        engine = self._search_engine()
        engine.vindex.sync()
        return engine

    def encode_text(self, text: str) -> np.ndarray:
        if not text or not text.strip():
            raise QueryError("the search text is empty")
        return self.encoder.encode_texts([text.strip()])[0]

    def encode_image_file(self, path: str | os.PathLike[str],
                          box: tuple[int, int, int, int] | None = None) -> np.ndarray:
        p = resolve_image_path(path)
        try:
            img, _ = load_image(str(p), min_side=max(self.encoder.image_size, 240) if box is None else None)
        except MediaError as exc:
            raise QueryError(f"{p}: {exc}") from None
        if box is not None:
            img = crop_box(img, box, str(p))
        return self.encoder.encode_images([img])[0]

    def search(self, text: str, n: int = 20, offset: int = 0, filters: Filters | None = None,
               exact: bool | None = None) -> list[Hit]:
        """Photos and moments matching a text, best first; `-word` or `-"a phrase"` avoids things."""
        engine = self._engine_for_query()
        return engine.by_vector(text_query(self, text).vector, n, offset, filters, exact=exact)

    def similar(self, target: int | str | os.PathLike[str], n: int = 20, offset: int = 0,
                filters: Filters | None = None, t_s: float | None = None, exact: bool | None = None,
                include_self: bool = False, box: tuple[int, int, int, int] | None = None) -> list[Hit]:
        """Look-alikes of a library file (by id or path) or of any image file outside the library.

        `box` (left, top, right, bottom in the upright original's pixels) searches by that region only.
        """
        engine = self._engine_for_query()
        query = similar_query(self, target, t_s, box, include_self)
        return engine.by_vector(query.vector, n, offset, filters, exclude_files=query.exclude, exact=exact)

    def query_vector_for(self, target: int | str | os.PathLike[str], t_s: float | None = None
                         ) -> tuple[np.ndarray, set[int]]:
        """The vector of a library file or outside image, and the file ids it stands for."""
        engine = self._engine_for_query()
        file_id = self.resolve_file(target)
        if file_id is not None:
            vec, _ = engine.file_vector(file_id, t_s)
            return vec, {file_id}
        return normalise(self.encode_image_file(str(target))), set()

    def resolve_file(self, target: int | str | os.PathLike[str]) -> int | None:
        """A library file id from an id or a path; None for a path outside the library."""
        if isinstance(target, int) or (isinstance(target, str) and target.isdigit() and not Path(target).exists()):
            fid = int(target)
            if self.catalog.file(fid) is None:
                raise QueryError(f"no library item with id {fid}")
            return fid
        p = resolve_image_path(target)
        rec = self.catalog.file_by_path(str(p.resolve()))
        if rec is not None and rec.status == "ok":
            return rec.id
        return None

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

    # ----- video moments (core/moments.py) -------------------------------------------------------

    def moments(self, query: str | np.ndarray, video: int | str | None = None, n: int = 10,
                filters: Filters | None = None) -> list[Hit]:
        """The best n moments for a text or a query vector, best first.

        Across the library's videos (narrowed by `filters`), or inside one `video`
        (a library id or path). Each hit is a moment: `start_s`/`end_s`, the best
        frame's time `t_s` and item, and the query's cosine with the moment as `score`.
        """
        from core.moments import finder

        engine = self._engine_for_query()
        rec = None if video is None else self._video_record(video)  # before the model loads: errors come fast
        vec = self._moment_query(query)
        if rec is None:
            return finder(engine).across_library(vec, n, filters)
        return finder(engine).video_moments(rec, vec, n)

    def timeline(self, file_id: int, query: str | np.ndarray | None = None) -> Timeline:
        """What a player's timeline draws for a video: sample times, the query's curve, its moments."""
        from core.moments import finder

        engine = self._engine_for_query()
        rec = self._video_record(file_id)
        return finder(engine).timeline(rec, None if query is None else self._moment_query(query))

    def frame_thumbnail(self, file_id: int, t_s: float) -> Path | None:
        """The cached thumbnail of the video's sampled frame nearest `t_s` (made now if missing)."""
        rec = self.catalog.file(file_id)
        if rec is None or rec.kind != "video" or not rec.content_hash:
            return None
        times = [t for _, t in self.catalog.items_of_file(file_id) if t is not None]
        if not times:
            return None
        return self._video_thumbnail(rec, min(times, key=lambda t: abs(t - t_s)))

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

    def _moment_query(self, query: str | np.ndarray) -> np.ndarray:
        """A text (with its `-avoided` terms, as in `search`) or a query vector, normalised."""
        return normalise(text_query(self, query).vector if isinstance(query, str) else query)

    def _video_record(self, video: int | str | os.PathLike[str]):
        """The catalog record of an indexed library video, by id or path; a clear error otherwise."""
        file_id = self.resolve_file(video)
        if file_id is None:
            raise QueryError(f"{video}: not in the library (index its folder first)")
        rec = self.catalog.file(file_id)
        if rec.kind != "video":
            raise QueryError(f"{rec.path}: is a photo, not a video")
        if rec.status != "ok":
            raise QueryError(f"{rec.path}: has not been indexed" + (f" ({rec.error})" if rec.error else ""))
        return rec

    # ----- composed edits, feedback sessions, regions (core/compose.py, core/feedback.py)

    def compose(self, reference: int | str | os.PathLike[str], text: str, n: int = 20, offset: int = 0,
                filters: Filters | None = None, method: str | None = None, balance: float | None = None,
                include_reference: bool = False, t_s: float | None = None, exact: bool | None = None) -> list[Hit]:
        """Results like `reference` changed as `text` says ("the same street at night", "in red -people").

        `reference`: a library file id or path (a video's frame at `t_s`), or any image file.
        `method`: one of `core.compose.METHODS` (None: the measured default); `balance`: 0 leans
        on the picture, 1 on the words (None: the method's own default). The reference and its
        near-duplicates are left out unless `include_reference`.
        """
        engine = self._engine_for_query()
        query = composed_query(self, reference, text, method=method, balance=balance, t_s=t_s,
                               include_reference=include_reference)
        return engine.by_vector(query.vector, n, offset, filters, exclude_files=query.exclude, exact=exact)

    def query_engine(self) -> SearchEngine:
        """The search engine, caught up with the catalog: where query-building modules send their vectors."""
        return self._engine_for_query()

    def session(self, filters: Filters | None = None) -> SearchSession:
        """A search session: query, mark results relevant or not, refine, undo (see `core.feedback`)."""
        return SearchSession(self, filters)

    def explain(self, file_id: int, query: str | np.ndarray) -> Explanation:
        """Which part of a library photo agrees most with `query` (a text or a query vector)."""
        vec = text_query(self, query).vector if isinstance(query, str) else query
        return explain_file(self, file_id, vec)


    # ----- status -----------------------------------------------------------------------------

    def status(self) -> dict:
        counts = self.catalog.counts()
        row = self._model_row(create=False)
        st: dict = {
            "library": str(self.home),
            "roots": self.roots(),
            "model": self.choice.describe(),
            "model_key": self.choice.key(),
            "images": counts.get("image_ok", 0),
            "videos": counts.get("video_ok", 0),
            "pending": counts.get("image_pending", 0) + counts.get("video_pending", 0),
            "failed": counts.get("image_failed", 0) + counts.get("video_failed", 0),
            "items": counts.get("items", 0),
        }
        if row is None:
            st["index"] = "nothing indexed with this model yet"
            st["vectors"] = 0
        else:
            engine = self._search_engine()
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
        st["failures"] = [{"path": f.path, "reason": f.error} for f in self.catalog.failed_files()]
        return st

    def failures(self):
        return self.catalog.failed_files()

    def close(self) -> None:
        with self._lock:
            if self._index is not None:
                self._index.close()  # queries never write: only the indexer (the writer) saves
            self.catalog.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def crop_box(img, box: tuple[int, int, int, int], where: str):
    """A region of an (upright) image; `box` is (left, top, right, bottom) in its pixels."""
    x0, y0, x1, y1 = box
    w, h = img.size
    if x1 <= x0 or y1 <= y0:
        raise QueryError(f"{where}: the box {box} is empty (right must exceed left, bottom exceed top)")
    if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
        raise QueryError(f"{where}: the box {box} lies outside the image ({w}×{h} pixels)")
    return img.crop((x0, y0, x1, y1))
