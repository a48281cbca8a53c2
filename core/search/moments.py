"""Video moments: where in a video a query matches, as (video, start_s, end_s, score).

A video is indexed as sampled frames, each an item with a time and a vector
(`core.media.video`). Each sample stands for the stretch until the next one: sample k
covers [t_k, t_(k+1)), the first from 0 and the last until the end. With a
sample at every detected cut, span edges then fall exactly on the cuts.

Two localisers turn a query and a video's frames into moments. Both work from
the frames' similarities s_k = q·v_k and one per-video level
`tau = median(s) + alpha * (max(s) - median(s))`, relative so that it suits any
model's similarity scale:

* `threshold` (the baseline, as MaterialSearch does it): consecutive frames with
  s_k >= tau merged into one moment, scored by its best frame.
* `temporal` (temporal context; a zero-shot 2D temporal map in the spirit of
  2D-TAN): every candidate span (i, j) — every length up to `DENSE_LENGTHS`
  samples, then 8 lengths per doubling, like 2D-TAN's sparse map — gets the
  query's similarity to its pooled (duration-weighted mean) frame vector, q·v̄
  (the mean of the frames' similarities: the dot product is linear). Two uses:

  1. *Where* the moments are: a span's evidence `duration * (q·v̄ - tau)` (the
     log-likelihood ratio of "the span matches, the rest does not" for frames
     scattered around two levels) picks distinct spans by NMS. A span grows
     while its frames beat the level, so a brief dip (an occlusion, a flash)
     does not split a moment, and it stops where the match does.
  2. *Which* comes first: those spans are ranked by a lower confidence bound of
     their pooled similarity, `q·v̄ - RANK_KAPPA * sigma / sqrt(n)`, with sigma the
     video's frame-to-frame noise (a robust estimate from consecutive
     differences) and n the span's length in sampling steps (its time over the
     median sample's, not its count of samples: a sample that stands for several
     seconds because the frames after it looked alike counts for those seconds, so
     moments are the same whether near-duplicate frames were embedded or shared).
     A short shot that matches best beats a long one that matches a little less
     (ranking by evidence did not: a long near-duplicate shot outweighed it), and
     a few frames that peak by noise do not beat a shot that matches steadily —
     the baseline ranks by its single best frame.

  Prefix sums make each span length one vectorised pass. Pooling the
  *normalised* mean vector instead (cosine with it) was tried and dropped: CLIP
  frames are far from the query and close to each other, so the norm of a mean
  says more about how alike a span's frames are than how well they match, and
  mixed spans win (`tests/bench/video_moments.py` keeps it as a measured alternative).

Both end in temporal NMS: the best span is kept, spans sharing more than
`NMS_OVERLAP` of the shorter one with it are dropped, and so on, so a video
yields several moments only where they are distinct. A moment's `score` is the query's
similarity to it — the pooled q·v̄ (the baseline: its best frame) — on the same
scale as a photo's cosine, so photos and moments share one ranking; `rank` is
what the localiser ordered a video's moments by. `tests/bench/video_moments.py` measures both
(R1@IoU0.5/0.7, mean IoU); its numbers chose `DEFAULT_METHOD` and the alphas.

The search engine is given a `MomentFinder` and calls it for each video among
a query's nearest items.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from core.errors import QueryError
from core.search.engine import Filters, Hit
from core.search.query import text_query
from core.vector_math import from_blobs, unit

if TYPE_CHECKING:  # pragma: no cover
    import os

    from core.search.context import SearchContext
    from core.search.engine import SearchEngine
    from core.store.catalog import FileRecord

METHODS = ("temporal", "threshold")
#: On the hard generated videos (long shots that change slowly and are briefly hidden, adjacent
#: near-duplicates, cross-fades, one subject in several places; `tests/bench/video_moments.py --videos 12`,
#: 87 sentences) with frame sharing on: temporal / threshold R1@IoU0.5 0.678 / 0.414, R1@IoU0.7 0.609 /
#: 0.345, mean IoU 0.639 / 0.448, R5@IoU0.5 0.701 / 0.460 (every sample embedded: R1@IoU0.7 0.563 / 0.333).
DEFAULT_METHOD = "temporal"
#: Where each method puts a video's level between its median and best frame similarity
#: (each the best mean IoU on the validation videos).
TEMPORAL_ALPHA = 0.5
THRESHOLD_ALPHA = 0.5
#: How many noise sigmas a moment's pooled similarity is discounted by, over the square root of its
#: length in steps (chosen on the validation videos: 1 let a one-sample peak beat a long shot).
RANK_KAPPA = 3.0
#: Distinct spans the temporal map proposes per video before ranking them.
PROPOSALS = 10
#: Two spans sharing more than this share of the shorter one are the same moment.
NMS_OVERLAP = 0.25
#: Every span length up to this many samples is a candidate; longer ones are sampled sparsely.
DENSE_LENGTHS = 128
#: Longest candidate span, in samples.
MAX_SPAN_SAMPLES = 8192
#: Moments per video in library-wide results, and at most in a timeline.
PER_VIDEO = 3
TIMELINE_MOMENTS = 10


@dataclass(frozen=True)
class Moment:
    """A stretch of one video that matches a query.

    `score`: the query's similarity to the moment; `rank`: what the localiser
    ordered moments by (temporal: the lower confidence bound of the score;
    baseline: the best frame's similarity); `index`/`t_s`: the best-matching
    sample inside it.
    """

    start_s: float
    end_s: float
    score: float
    rank: float
    index: int
    t_s: float


# ----- geometry -----------------------------------------------------------------------------------

def sample_cells(times: np.ndarray, duration: float | None) -> tuple[np.ndarray, np.ndarray]:
    """The stretch each sample stands for: [t_i, t_(i+1)), the first from 0, the last to the end."""
    times = np.asarray(times, dtype=np.float64)
    n = len(times)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    starts = times.copy()
    starts[0] = min(0.0, starts[0])
    step = float(np.median(np.diff(times))) if n > 1 else 1.0
    last_end = duration if duration and duration > times[-1] else times[-1] + step
    ends = np.empty(n)
    ends[:-1] = times[1:]
    ends[-1] = last_end
    return starts, ends


def iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Temporal intersection over union of two (start, end) spans."""
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def _nms_select(rank: np.ndarray, starts: np.ndarray, ends: np.ndarray, k: int) -> list[int]:
    """Indices of up to k candidates with positive rank, best first, none overlapping a better one.

    Temporal NMS with the overlap measured against the shorter span, not the union: a
    span that holds a kept moment, or lies partly inside one, is not a distinct moment.
    """
    alive = rank > 0
    order: list[int] = []
    lengths = ends - starts
    while len(order) < k and alive.any():
        best = int(np.flatnonzero(alive)[np.argmax(rank[alive])])
        order.append(best)
        inter = np.clip(np.minimum(ends, ends[best]) - np.maximum(starts, starts[best]), 0.0, None)
        alive &= inter <= NMS_OVERLAP * np.maximum(np.minimum(lengths, lengths[best]), 1e-9)
        alive[best] = False
    return order


# ----- localisers ---------------------------------------------------------------------------------

def level(sims: np.ndarray, alpha: float) -> float:
    """A video's match level: `alpha` of the way from its median to its best frame similarity."""
    med, top = float(np.median(sims)), float(np.max(sims))
    return med + alpha * (top - med)


def threshold_moments(sims: np.ndarray, times: np.ndarray, duration: float | None, k: int = 10,
                      alpha: float = THRESHOLD_ALPHA) -> list[Moment]:
    """The baseline: runs of consecutive samples at or above the video's level, best frame first."""
    sims = np.asarray(sims, dtype=np.float64)
    if len(sims) == 0:
        return []
    starts, ends = sample_cells(times, duration)
    above = sims >= level(sims, alpha)
    out = []
    i, n = 0, len(sims)
    while i < n:
        if not above[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and above[j + 1]:
            j += 1
        best = i + int(np.argmax(sims[i:j + 1]))
        out.append(Moment(float(starts[i]), float(ends[j]), float(sims[best]), float(sims[best]), best,
                          float(times[best])))
        i = j + 1
    out.sort(key=lambda m: -m.rank)
    return out[:k]


def span_lengths(n: int, dense: int = DENSE_LENGTHS, longest: int = MAX_SPAN_SAMPLES) -> list[int]:
    """Candidate span lengths in samples: all up to `dense`, then 8 per doubling (2D-TAN's sparse map)."""
    lengths = list(range(1, min(n, dense) + 1))
    step, length = max(1, dense // 8), dense
    while True:
        for _ in range(8):
            length += step
            if length > min(n, longest):
                return lengths
            lengths.append(length)
        step *= 2


def noise_level(sims: np.ndarray) -> float:
    """How much a video's frame similarities jitter from one sample to the next (robust sigma)."""
    steps = np.abs(np.diff(np.asarray(sims, dtype=np.float64)))
    return float(1.4826 * np.median(steps) / np.sqrt(2)) if len(steps) else 0.0


def temporal_moments(sims: np.ndarray, times: np.ndarray, duration: float | None, k: int = 10,
                     alpha: float = TEMPORAL_ALPHA) -> list[Moment]:
    """Distinct spans of the 2D map by evidence, ranked by their pooled similarity's lower bound."""
    sims = np.asarray(sims, dtype=np.float64)
    n = len(sims)
    if n == 0:
        return []
    cell_start, cell_end = sample_cells(times, duration)
    weight = cell_end - cell_start
    # Just under the level, so that frames all alike make the whole video the moment, not one frame.
    tau = level(sims, alpha) - 1e-9
    c_gain = np.concatenate([[0.0], np.cumsum(weight * (sims - tau))])
    c_sim = np.concatenate([[0.0], np.cumsum(weight * sims)])
    c_w = np.concatenate([[0.0], np.cumsum(weight)])
    firsts, lasts = [], []
    for length in span_lengths(n):
        i = np.arange(n - length + 1)
        firsts.append(i)
        lasts.append(i + length - 1)
    first = np.concatenate(firsts)
    last = np.concatenate(lasts)
    evidence = c_gain[last + 1] - c_gain[first]
    starts, ends = cell_start[first], cell_end[last]
    sigma = noise_level(sims)
    step = max(float(np.median(weight)), 1e-9)
    out = []
    for c in _nms_select(evidence, starts, ends, max(k, PROPOSALS)):
        a, b = int(first[c]), int(last[c])
        span = max(c_w[b + 1] - c_w[a], 1e-9)
        pooled = float((c_sim[b + 1] - c_sim[a]) / span)
        best = a + int(np.argmax(sims[a:b + 1]))
        rank = pooled - RANK_KAPPA * sigma / np.sqrt(max(span / step, 1.0))
        out.append(Moment(float(starts[c]), float(ends[c]), pooled, rank, best, float(times[best])))
    out.sort(key=lambda m: -m.rank)
    return out[:k]


def localise(sims: np.ndarray, times: np.ndarray, duration: float | None, k: int = 10,
             method: str = DEFAULT_METHOD) -> list[Moment]:
    """Up to k distinct moments of one video from its frames' similarities to a query, best first."""
    if method == "temporal":
        return temporal_moments(sims, times, duration, k)
    if method == "threshold":
        return threshold_moments(sims, times, duration, k)
    raise QueryError(f"unknown moment method {method!r}; choose one of {', '.join(METHODS)}")


# ----- a video's frames, from the catalog ---------------------------------------------------------

@dataclass(frozen=True)
class VideoFrames:
    """A video's sampled frames for one model: item ids, times (ascending), unit vectors."""

    file: FileRecord
    item_ids: np.ndarray
    times: np.ndarray
    vectors: np.ndarray

    @property
    def duration_s(self) -> float:
        if self.file.duration_s:
            return float(self.file.duration_s)
        return float(self.times[-1]) if len(self.times) else 0.0


@dataclass
class Timeline:
    """What the player's timeline draws for one video.

    `times`: the sampled frames' times; `scores`: their similarity to the query
    (the curve; None without a query); `moments`: the video's distinct matching
    moments, best first (empty without a query).
    """

    file_id: int
    duration_s: float
    times: np.ndarray
    scores: np.ndarray | None = None
    moments: list[Hit] = field(default_factory=list)


class MomentFinder:
    """The search engine's video grouper, and moments and timelines for the facade.

    Keeps the frames of recently queried videos (vectors read from SQLite once,
    not on every query); an entry is dropped when the video's items change.
    """

    def __init__(self, context: SearchContext, method: str = DEFAULT_METHOD, cache_videos: int = 64):
        self.context = context
        self.method = method
        self._cache: OrderedDict[int, tuple[tuple, VideoFrames]] = OrderedDict()
        self._cache_size = cache_videos
        self._lock = threading.Lock()

    # The engine calls this for each video among a query's nearest items.
    def __call__(self, query: np.ndarray, file: FileRecord,
                 frames: list[tuple[int, float | None, float]]) -> list[Hit]:
        return self.video_moments(file, query, PER_VIDEO)

    def frames(self, file: FileRecord) -> VideoFrames:
        """The video's sampled frames that have a vector for this engine's model."""
        items = self.context.catalog.items_of_file(file.id)
        key = (len(items), items[0][0] if items else 0, items[-1][0] if items else 0)
        with self._lock:
            hit = self._cache.get(file.id)
            if hit is not None and hit[0] == key and hit[1].file == file:
                self._cache.move_to_end(file.id)
                return hit[1]
        blobs = self.context.catalog.vectors_for_items(self.context.model_id, [i for i, _ in items])
        kept = [(i, t or 0.0) for i, t in items if i in blobs]
        if kept:
            vectors = from_blobs([blobs[i] for i, _ in kept], self.context.dim).astype(np.float32)
        else:
            vectors = np.zeros((0, self.context.dim), np.float32)
        vf = VideoFrames(file, np.array([i for i, _ in kept], np.int64),
                         np.array([t for _, t in kept], np.float64), vectors)
        with self._lock:
            self._cache[file.id] = (key, vf)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vf

    def video_moments(self, file: FileRecord, query: np.ndarray, n: int) -> list[Hit]:
        """Up to n distinct moments of one video as hits, best first (each above the video's level)."""
        vf = self.frames(file)
        if len(vf.times) == 0:
            return []
        found = localise(vf.vectors @ query, vf.times, vf.duration_s, n, self.method)
        return [Hit(file, int(vf.item_ids[m.index]), m.score, start_s=m.start_s, end_s=m.end_s, t_s=m.t_s)
                for m in found]

    def timeline(self, file: FileRecord, query: np.ndarray | None) -> Timeline:
        """A video's sample times, with the query's frame curve and moments when there is a query."""
        vf = self.frames(file)
        if query is None or len(vf.times) == 0:
            return Timeline(file.id, vf.duration_s, vf.times)
        return Timeline(file.id, vf.duration_s, vf.times, (vf.vectors @ query).astype(np.float32),
                        self.video_moments(file, query, TIMELINE_MOMENTS))


def videos_only(filters: Filters | None) -> Filters:
    """`filters` narrowed to videos."""
    base = filters or Filters()
    return Filters(kinds=frozenset({"video"}), folder=base.folder, date_from=base.date_from, date_to=base.date_to)


def across_library(engine: SearchEngine, query: np.ndarray, n: int, filters: Filters | None = None) -> list[Hit]:
    """The best n moments of all videos (that pass the filters), best first."""
    return engine.by_vector(query, n, filters=videos_only(filters))


def moment_vector(ctx: SearchContext, query: str | np.ndarray) -> np.ndarray:
    """A text (with its `-avoided` terms, as in search) or a query vector, normalised."""
    return unit(text_query(ctx, query).vector if isinstance(query, str) else query)


def video_record(ctx: SearchContext, video: int | str | os.PathLike[str]) -> FileRecord:
    """The catalog record of an indexed library video, by id or path; a clear error otherwise."""
    file_id = ctx.resolve_file(video)
    if file_id is None:
        raise QueryError(f"{video}: not in the library (index its folder first)")
    rec = ctx.file(file_id)
    if rec.kind != "video":
        raise QueryError(f"{rec.path}: is a photo, not a video")
    if rec.status != "ok":
        raise QueryError(f"{rec.path}: has not been indexed" + (f" ({rec.error})" if rec.error else ""))
    return rec
