"""Video moments: where in a video a query matches, as (video, start_s, end_s, score).

A video is indexed as sampled frames, each an item with a time and a vector
(`core.video`). Each sample stands for the stretch until the next one: sample i
covers [t_i, t_(i+1)), the first from 0 and the last until the end. With a
sample at every detected cut, span edges then fall exactly on the cuts.

Two localisers turn a query vector and a video's frames into moments:

* `threshold` (the baseline, as MaterialSearch does it): frames whose
  similarity to the query clears a threshold, consecutive ones merged into one
  moment, scored by its best frame. The threshold is relative to the video
  (`median + alpha * (max - median)` of its frame similarities), so it works
  for any model's similarity scale.
* `temporal` (temporal context; a zero-shot 2D temporal map in the spirit of
  2D-TAN): every candidate span (i, j) — all lengths up to 16 samples, then
  sparser as they grow, like 2D-TAN's sparse map — is scored by the query's
  cosine with the span's pooled (mean) frame vector, less `lam` times the same
  for its flanks (the spans of equal length just before and after it, cut at
  the video's ends). Pooling smooths per-frame noise; the flank term rewards
  spans whose edges are where the match stops, so a span neither stops inside a
  matching shot nor spills over into the next. Prefix sums make each length
  one vectorised pass.

Both end in temporal NMS: the best span is kept, spans overlapping it
(IoU > `NMS_IOU`) or mostly inside it are dropped, and so on, so a video
yields several moments only where they are distinct. A moment's `score` is the
query's cosine with the moment (its pooled vector; the baseline: its best frame),
comparable with a photo's score, so photos and moments share one ranking.
`tests/bench/moments.py` measures both (R1@IoU0.5/0.7, mean IoU); its numbers
chose `DEFAULT_METHOD`.

The search engine calls `MomentFinder` (installed by `install`) for each video
among a query's nearest items.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from core.catalog import FileRecord
from core.errors import QueryError
from core.search import Filters, Hit, SearchEngine
from core.vectors import from_blobs

METHODS = ("temporal", "threshold")
DEFAULT_METHOD = "temporal"
#: Weight of the flanks' similarity in a span's score (temporal method).
FLANK_WEIGHT = 0.5
#: Threshold position between a video's median and best frame similarity (baseline).
THRESHOLD_ALPHA = 0.5
#: Spans overlapping a better one by more than this IoU are the same moment.
NMS_IOU = 0.3
#: A span with more than this share of its length inside a better one is part of it.
NMS_CONTAINED = 0.6
#: Every span length up to this many samples is a candidate; longer ones are sampled sparsely.
DENSE_LENGTHS = 16
#: Longest candidate span, in samples.
MAX_SPAN_SAMPLES = 512
#: Besides the best, a video's moments must score this far from its median frame towards its best.
SECONDARY_FLOOR = 0.5
#: Moments per video in library-wide results, and at most in a timeline.
PER_VIDEO = 3
TIMELINE_MOMENTS = 10


@dataclass(frozen=True)
class Moment:
    """A stretch of one video that matches a query.

    `score`: the query's cosine with the moment; `rank`: what the localiser
    ordered moments by (for the temporal method the flank-corrected score);
    `index`/`t_s`: the best-matching sample inside it.
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
    """Indices of up to k candidates, best rank first, none overlapping a better one (temporal NMS)."""
    alive = np.isfinite(rank)
    order: list[int] = []
    lengths = ends - starts
    while len(order) < k and alive.any():
        best = int(np.flatnonzero(alive)[np.argmax(rank[alive])])
        order.append(best)
        inter = np.clip(np.minimum(ends, ends[best]) - np.maximum(starts, starts[best]), 0.0, None)
        union = np.maximum(ends, ends[best]) - np.minimum(starts, starts[best])
        overlap = inter / np.maximum(union, 1e-9)
        inside = inter / np.maximum(lengths, 1e-9)
        alive &= (overlap <= NMS_IOU) & (inside <= NMS_CONTAINED)
        alive[best] = False
    return order


# ----- localisers ---------------------------------------------------------------------------------

def threshold_moments(sims: np.ndarray, times: np.ndarray, duration: float | None, k: int = 10,
                      alpha: float = THRESHOLD_ALPHA) -> list[Moment]:
    """The baseline: runs of consecutive samples above a per-video threshold, best frame first."""
    sims = np.asarray(sims, dtype=np.float64)
    if len(sims) == 0:
        return []
    starts, ends = sample_cells(times, duration)
    med, top = float(np.median(sims)), float(sims.max())
    above = sims >= med + alpha * (top - med)
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
    step, length = 2, dense
    while True:
        for _ in range(8):
            length += step
            if length > min(n, longest):
                return lengths
            lengths.append(length)
        step *= 2


def temporal_moments(vectors: np.ndarray, query: np.ndarray, times: np.ndarray, duration: float | None,
                     k: int = 10, lam: float = FLANK_WEIGHT) -> list[Moment]:
    """Spans scored by pooled similarity less `lam` times their flanks' (see the module notes)."""
    v = np.asarray(vectors, dtype=np.float32)
    q = np.asarray(query, dtype=np.float32)
    n = len(v)
    if n == 0:
        return []
    sims = v @ q
    csum = np.zeros((n + 1, v.shape[1]), np.float32)
    np.cumsum(v, axis=0, out=csum[1:])
    cq = np.zeros(n + 1, np.float64)
    np.cumsum(sims, out=cq[1:])

    def pooled(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cosine of the query with the mean vector of samples [a, b) (rows of index arrays)."""
        norm = np.linalg.norm(csum[b] - csum[a], axis=1)
        return (cq[b] - cq[a]) / np.maximum(norm, 1e-9)

    idx = np.arange(n + 1)
    prefix = np.full(n + 1, np.nan)  # prefix[i]: samples [0, i)
    prefix[1:] = pooled(np.zeros(n, np.int64), idx[1:])
    suffix = np.full(n + 1, np.nan)  # suffix[i]: samples [i, n)
    suffix[:-1] = pooled(idx[:-1], np.full(n, n))
    cell_start, cell_end = sample_cells(times, duration)

    all_i, all_len, all_p, all_rank = [], [], [], []
    for length in span_lengths(n):
        i = np.arange(n - length + 1)
        p = pooled(i, i + length)
        left = np.where(i >= length, np.r_[np.full(length, np.nan), p][: len(i)], prefix[i])
        right_start = i + length
        right = np.full(len(i), np.nan)
        inside = right_start + length <= n
        right[inside] = p[right_start[inside]]
        right[~inside] = suffix[right_start[~inside]]
        flank = np.fmax(left, right)  # NaN only where the span is the whole video
        flank = np.where(np.isnan(flank), p, flank)
        all_i.append(i)
        all_len.append(np.full(len(i), length))
        all_p.append(p)
        all_rank.append(p - lam * flank)
    first = np.concatenate(all_i)
    lengths = np.concatenate(all_len)
    score = np.concatenate(all_p)
    rank = np.concatenate(all_rank)
    last = first + lengths - 1
    starts, ends = cell_start[first], cell_end[last]
    out = []
    for c in _nms_select(rank, starts, ends, k):
        a, b = int(first[c]), int(last[c])
        best = a + int(np.argmax(sims[a:b + 1]))
        out.append(Moment(float(starts[c]), float(ends[c]), float(score[c]), float(rank[c]), best,
                          float(times[best])))
    return out


def localise(vectors: np.ndarray, query: np.ndarray, times: np.ndarray, duration: float | None,
             k: int = 10, method: str = DEFAULT_METHOD) -> list[Moment]:
    """Up to k distinct moments of one video for a unit query vector, best first."""
    if method == "temporal":
        return temporal_moments(vectors, query, times, duration, k)
    if method == "threshold":
        sims = np.asarray(vectors, dtype=np.float32) @ np.asarray(query, dtype=np.float32)
        return threshold_moments(sims, times, duration, k)
    raise QueryError(f"unknown moment method {method!r}; choose one of {', '.join(METHODS)}")


def relevant(moments: list[Moment], sims: np.ndarray, floor: float = SECONDARY_FLOOR) -> list[Moment]:
    """The best moment, and the others that stand out from the video's typical frame as well."""
    if not moments:
        return []
    med = float(np.median(sims))
    best = max(m.score for m in moments)
    cut = med + floor * (best - med)
    return [m for i, m in enumerate(moments) if i == 0 or m.score >= cut]


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

    def __init__(self, engine: SearchEngine, method: str = DEFAULT_METHOD, cache_videos: int = 64):
        self.engine = engine
        self.method = method
        self._cache: OrderedDict[int, tuple[tuple, VideoFrames]] = OrderedDict()
        self._cache_size = cache_videos
        self._lock = threading.Lock()

    # The engine calls this for each video among a query's nearest items.
    def __call__(self, engine: SearchEngine, query: np.ndarray, file: FileRecord,
                 frames: list[tuple[int, float | None, float]]) -> list[Hit]:
        return self.video_moments(file, query, PER_VIDEO, secondary_floor=True)

    def frames(self, file: FileRecord) -> VideoFrames:
        """The video's sampled frames that have a vector for this engine's model."""
        items = self.engine.catalog.items_of_file(file.id)
        key = (len(items), items[0][0] if items else 0, items[-1][0] if items else 0)
        with self._lock:
            hit = self._cache.get(file.id)
            if hit is not None and hit[0] == key and hit[1].file == file:
                self._cache.move_to_end(file.id)
                return hit[1]
        blobs = self.engine.catalog.vectors_for_items(self.engine.model_id, [i for i, _ in items])
        kept = [(i, t or 0.0) for i, t in items if i in blobs]
        if kept:
            vectors = from_blobs([blobs[i] for i, _ in kept], self.engine.dim).astype(np.float32)
        else:
            vectors = np.zeros((0, self.engine.dim), np.float32)
        vf = VideoFrames(file, np.array([i for i, _ in kept], np.int64),
                         np.array([t for _, t in kept], np.float64), vectors)
        with self._lock:
            self._cache[file.id] = (key, vf)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vf

    def video_moments(self, file: FileRecord, query: np.ndarray, n: int,
                      secondary_floor: bool = False) -> list[Hit]:
        """Up to n distinct moments of one video as hits, best first."""
        vf = self.frames(file)
        if len(vf.times) == 0:
            return []
        found = localise(vf.vectors, query, vf.times, vf.duration_s, n, self.method)
        if secondary_floor:
            found = relevant(found, vf.vectors @ query)
        return [Hit(file, int(vf.item_ids[m.index]), m.score, start_s=m.start_s, end_s=m.end_s, t_s=m.t_s)
                for m in found]

    def across_library(self, query: np.ndarray, n: int, filters: Filters | None = None) -> list[Hit]:
        """The best n moments of all videos (that pass the filters), best first."""
        base = filters or Filters()
        only_videos = Filters(kinds=frozenset({"video"}), folder=base.folder, date_from=base.date_from,
                              date_to=base.date_to)
        return self.engine.by_vector(query, n, filters=only_videos)

    def timeline(self, file: FileRecord, query: np.ndarray | None) -> Timeline:
        vf = self.frames(file)
        if query is None or len(vf.times) == 0:
            return Timeline(file.id, vf.duration_s, vf.times)
        return Timeline(file.id, vf.duration_s, vf.times, (vf.vectors @ query).astype(np.float32),
                        self.video_moments(file, query, TIMELINE_MOMENTS, secondary_floor=True))


def finder(engine: SearchEngine) -> MomentFinder:
    """The engine's moment finder (installed on first use)."""
    if not isinstance(engine.group_video, MomentFinder):
        install(engine)
    return engine.group_video  # type: ignore[return-value]


def install(engine: SearchEngine) -> None:
    """Make the engine turn each video's frame hits into moments (called by `Library`)."""
    engine.group_video = MomentFinder(engine)
