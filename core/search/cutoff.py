"""Where a query's matches end: a per-query relevance cutoff and a confidence people can read.

A flat similarity threshold "doesn't really work": each query (and each model)
puts its scores somewhere else. So each result's chance of being relevant is
read from the shape of *that query's* scores instead:

* the **background**: the query's scores against the library at large (a random
  sample of its vectors), summarised robustly (median and MAD), because nearly
  everything in a library is unrelated to any one query; a score is measured in
  background spreads above the background median (z);
* the **head**: how the best scores fall away — how far the 2nd, 5th, 10th and
  20th results sit below the best. A query with one right answer has a best
  score that stands alone; a query with many has a plateau.

A logistic model of (z, distance below the best, the head's shape) gives each
result a probability of being relevant. Results whose probability reaches
`Calibration.threshold` are the matches (the best result always is one); the
rest stay reachable ("show all"). The same probability gives the readable
confidence: strong, likely, weak.

The coefficients are fitted on the generated world's validation split with the
project's trained model (`python tests/bench/cutoff.py --fit`); measured on its
test split against a flat threshold and top-k in the same run by
`tests/bench/cutoff.py`, and asserted in `tests/quality/test_quality_cutoff.py`.
The inputs are in units of the query's own score spread, not in cosine, which
is what lets one fit serve queries of different kinds; for another model the
figures should be measured again (there is no labelled data for real models here).
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.vectors import from_blobs, unit

if TYPE_CHECKING:  # pragma: no cover
    from core.search.engine import Filters, Hit, SearchEngine

#: Ranks (1-based) whose distance below the best result describes the head of a query's scores.
HEAD_RANKS = (2, 5, 10, 20)
#: How many library vectors stand for the background of a query's scores.
SAMPLE_SIZE = 4096
#: Below this many vectors the background says too little: every result counts as a match.
MIN_BACKGROUND = 30
#: Results read per round while looking for the cut; the window grows while matches fill it.
FIRST_WINDOW = 256
MAX_WINDOW = 16_384


@dataclass(frozen=True)
class Calibration:
    """A fitted relevance model: logistic coefficients over `features`, and the match threshold."""

    coefficients: tuple[float, ...]
    threshold: float
    #: Probability bounds of the readable levels, best first; the last level takes the rest.
    levels: tuple[tuple[str, float], ...] = (("strong", 0.6), ("likely", 0.4), ("weak", 0.0))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        logits = features @ np.asarray(self.coefficients, np.float64)
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30.0, 30.0)))

    def confidence(self, probability: float) -> str:
        for name, bound in self.levels:
            if probability >= bound:
                return name
        return self.levels[-1][0]


#: Fitted by `python tests/bench/cutoff.py --fit` (MediaLens-World, 400 validation pictures, seed 7_500_001).
CALIBRATION = Calibration(
    coefficients=(-3.3383, 1.8159, 0.0884, 1.2842, -1.689, -2.2671, 0.1974, -0.7125),
    threshold=0.225,
)


@dataclass(frozen=True)
class Background:
    """A query's scores against the library at large, summarised robustly."""

    median: float
    spread: float  # MAD scaled to a normal's standard deviation
    size: int

    @classmethod
    def of(cls, scores: np.ndarray) -> Background:
        scores = np.asarray(scores, np.float64).reshape(-1)
        if scores.size == 0:
            return cls(0.0, 1.0, 0)
        median = float(np.median(scores))
        spread = 1.4826 * float(np.median(np.abs(scores - median)))
        return cls(median, max(spread, 1e-4), int(scores.size))

    def z(self, scores: np.ndarray) -> np.ndarray:
        return (np.asarray(scores, np.float64) - self.median) / self.spread


def features(scores: np.ndarray, head: np.ndarray, background: Background) -> np.ndarray:
    """Rows of the relevance model's inputs for `scores`, given the query's best scores `head` (best first).

    Columns: 1, z, the best z minus z, the best z minus the z at each of `HEAD_RANKS`
    (the last score stands in where the head is shorter), and the product of the
    distance below the best with the head's fall by rank 10.
    """
    z = background.z(scores)
    head_z = background.z(head)
    if head_z.size == 0:
        head_z = np.zeros(1)
    best = float(head_z[0])
    fall = [best - float(head_z[min(rank, head_z.size) - 1]) for rank in HEAD_RANKS]
    below = best - z
    ones = np.ones_like(z)
    return np.stack([ones, z, below, *(f * ones for f in fall), below * fall[2]], axis=-1)


def relevance(scores_desc: np.ndarray, background: Background,
              calibration: Calibration = CALIBRATION) -> np.ndarray:
    """Each score's probability of being relevant; `scores_desc` is the query's results, best first."""
    scores_desc = np.asarray(scores_desc, np.float64)
    return calibration.probabilities(features(scores_desc, scores_desc[:max(HEAD_RANKS)], background))


def match_count(probabilities: np.ndarray, calibration: Calibration = CALIBRATION) -> int:
    """How many of the results (best first) are matches: up to the last one that reaches the threshold.

    The best result always counts, so a search never shows an empty page when it has results.
    """
    p = np.asarray(probabilities)
    if p.size == 0:
        return 0
    above = np.flatnonzero(p >= calibration.threshold)
    return int(above[-1]) + 1 if above.size else 1


# ----- over a library ---------------------------------------------------------------------------


@dataclass
class Matches:
    """A query's results with its cut: `hits[:count]` are the matches, the rest lie below the cutoff.

    `hits` holds every result read while looking for the cut (more exist beyond
    them when `complete` is false); each carries `extra["confidence"]` and
    `extra["relevance"]` (the probability). `calibrated` is false for a library too
    small to calibrate on (then every result counts as a match).
    """

    hits: list[Hit]
    count: int
    calibrated: bool = True
    complete: bool = True

    @property
    def matches(self) -> list[Hit]:
        return self.hits[:self.count]

    @property
    def below_cutoff(self) -> list[Hit]:
        return self.hits[self.count:]


class _Samples:
    """A random sample of each engine's vectors (the background), taken again when the library grows."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def of(self, engine: SearchEngine) -> np.ndarray:
        size = len(engine.vindex)
        with self._lock:
            cached = self._cache.get(engine)
            if cached is not None and abs(cached[0] - size) <= 0.1 * max(cached[0], 1):
                return cached[1]
        blobs = engine.catalog.sample_vectors(engine.model_id, SAMPLE_SIZE)
        vectors = from_blobs(blobs, engine.dim).astype(np.float32) if blobs else np.zeros((0, engine.dim),
                                                                                         np.float32)
        with self._lock:
            self._cache[engine] = (size, vectors)
        return vectors


_SAMPLES = _Samples()


def background(engine: SearchEngine, query: np.ndarray) -> Background:
    """The query's background: its scores against a sample of the engine's library."""
    return Background.of(_SAMPLES.of(engine) @ unit(query))


def find_matches(engine: SearchEngine, query: np.ndarray, filters: Filters | None = None,
                 exclude_files: frozenset[int] = frozenset(), exact: bool | None = None,
                 calibration: Calibration = CALIBRATION) -> Matches:
    """A query's results, best first, cut where its matches end (see the module docstring)."""
    bg = background(engine, query)
    window = FIRST_WINDOW
    while True:
        hits = engine.by_vector(query, window, 0, filters, exclude_files=exclude_files, exact=exact)
        complete = len(hits) < window
        if not hits:
            return Matches([], 0, bg.size >= MIN_BACKGROUND, True)
        p = relevance(np.array([h.score for h in hits]), bg, calibration)
        count = match_count(p, calibration)
        if complete or count < 0.8 * len(hits) or window >= MAX_WINDOW:
            break
        window *= 4
    for hit, prob in zip(hits, p, strict=True):
        hit.extra["relevance"] = round(float(prob), 3)
        hit.extra["confidence"] = calibration.confidence(float(prob))
    if bg.size < MIN_BACKGROUND:
        return Matches(hits, len(hits), False, complete)
    return Matches(hits, count, True, complete)


# ----- order ------------------------------------------------------------------------------------

SORTS = ("relevance", "date")


def hit_date(hit: Hit) -> dt.datetime:
    """When a result was taken: its capture time, else its file's modification time."""
    return file_date(hit.file)


def file_date(file) -> dt.datetime:
    if file.taken_at is not None:
        return file.taken_at
    mtime_ns = getattr(file, "mtime_ns", None)
    return dt.datetime.fromtimestamp(mtime_ns / 1e9) if mtime_ns else dt.datetime.min


def sort_hits(hits: Sequence[Hit], by: str = "relevance") -> list[Hit]:
    """Results in the order asked: best first, or newest first (a video's moments stay in time order)."""
    if by not in SORTS:
        from core.errors import QueryError

        raise QueryError(f"cannot sort by {by!r}: choose one of {', '.join(SORTS)}")
    if by == "relevance":
        return sorted(hits, key=lambda h: -h.score)
    return sorted(hits, key=lambda h: (hit_date(h), -(h.start_s or 0.0)), reverse=True)
