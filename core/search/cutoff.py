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

A logistic model of (z, distance below the best, rank, the head's shape) gives
each result a probability of being relevant. The matches end at the last result
whose probability reaches `Calibration.threshold`, or, for the "expected-f1"
rule, where the expected F1 of the list so far is highest (the best result
always is a match); the rest stay reachable ("show all"). The same probability
gives the readable confidence: strong, likely, weak.

Two kinds of query are told apart by the query itself: a **short** text ("a green
star", at most `SHORT_WORDS` words) names a kind of thing many pictures can show;
anything longer, and a picture, describes one scene. Each kind has its own
calibration. A short text is also **focused** before it is searched: the mean of
the model's reference prompts (short prompts of things the model knows, unrelated
to any one query: `core/models/model_configs/<model>.prompts.txt`) is taken off its
vector (`REFERENCE_WEIGHT`). That mean is what every short prompt shares; taking it
off is a query-side form of hubness reduction (each picture's score loses its
mean score over the prompts, `x·mean(b)`), so pictures that match *any* short
prompt well (the right colour, another shape) stop crowding out those that match
*this* one. It changes the order, not just the cut, so it is done where a text
becomes a query (`core.search.query.text_query`): search, matches, explain, the
GUI and video moments all see the same vector. A model without a prompts file is
searched unfocused.

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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.vector_math import from_blobs, unit

if TYPE_CHECKING:  # pragma: no cover
    from core.models.embed import BaseEncoder
    from core.search.context import SearchContext
    from core.search.engine import Filters, Hit, SearchEngine

#: Ranks (1-based) whose distance below the best result describes the head of a query's scores.
HEAD_RANKS = (2, 5, 10, 20)
#: A text of at most this many words is a short query (a kind of thing), anything longer describes a scene.
SHORT_WORDS = 5
KINDS = ("short", "long")
#: How much of the reference prompts' mean a short text's vector loses (chosen on the validation galleries).
REFERENCE_WEIGHT = 1.25
#: Where a model's reference prompts are: `<model name>.prompts.txt`, one prompt a line.
PROMPTS_DIR = Path(__file__).resolve().parents[1] / "models" / "model_configs"
#: How many library vectors stand for the background of a query's scores.
SAMPLE_SIZE = 4096
#: Below this many vectors the background says too little: every result counts as a match.
MIN_BACKGROUND = 30
#: Results read per round while looking for the cut; the window grows while matches fill it.
FIRST_WINDOW = 256
MAX_WINDOW = 16_384


@dataclass(frozen=True)
class Calibration:
    """A fitted relevance model: logistic coefficients over `features`, and where the matches end.

    `rule` "threshold": at the last result whose probability reaches `threshold`;
    "expected-f1": where 2·Σp / (k + Σp) peaks over the first k results, with each
    probability raised to `sharpness` first.
    """

    coefficients: tuple[float, ...]
    threshold: float = 0.5
    rule: str = "threshold"
    sharpness: float = 1.0
    #: Probability bounds of the readable levels, best first; the last level takes the rest.
    levels: tuple[tuple[str, float], ...] = (("strong", 0.6), ("likely", 0.4), ("weak", 0.0))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        logits = features[..., :len(self.coefficients)] @ np.asarray(self.coefficients, np.float64)
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30.0, 30.0)))

    def confidence(self, probability: float) -> str:
        for name, bound in self.levels:
            if probability >= bound:
                return name
        return self.levels[-1][0]


#: Fitted by `python tests/bench/cutoff.py --fit` (MediaLens-World; validation galleries of 400 and 3 x 333
#: test-split pictures, seeds 7_500_001 and 7_600_001), one per kind of query.
CALIBRATIONS = {
    "short": Calibration(coefficients=(-1.5483, 1.0262, -1.0223, -0.0536, 0.0677, -0.166, -0.1234, 0.0394, -0.1183,
                                       -0.1276, -0.0539, -0.1361, 0.404), threshold=0.225),
    "long": Calibration(coefficients=(-3.246, 0.3699, -1.4587, 0.4399, 0.6751, 0.9132, 0.3761, -2.3533, -0.1481,
                                      0.652, -1.058, 0.4855, -0.84), rule="expected-f1"),
}


def query_kind(words: str) -> str:
    """"short" for a text of at most `SHORT_WORDS` words (a kind of thing), else "long" (a scene, a picture)."""
    n = len(words.split())
    return "short" if 0 < n <= SHORT_WORDS else "long"


def reference_prompts(model_name: str) -> list[str]:
    """A model's reference prompts (`PROMPTS_DIR/<name>.prompts.txt`), or none."""
    path = PROMPTS_DIR / f"{model_name}.prompts.txt"
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def reference_direction(prompt_vectors: np.ndarray) -> np.ndarray:
    """What the reference prompts share: their mean (unit) vector."""
    return np.asarray(prompt_vectors, np.float64).mean(axis=0)


def focused(vector: np.ndarray, words: str, reference: np.ndarray | None) -> np.ndarray:
    """A text query's vector as it is searched: a short text loses `REFERENCE_WEIGHT` x the reference
    direction (see the module docstring); anything else, or without a reference, stays as it is."""
    if reference is None or query_kind(words) != "short":
        return vector
    return unit(np.asarray(vector, np.float64) - REFERENCE_WEIGHT * reference).astype(np.float32)


def focus(ctx: SearchContext, vector: np.ndarray, words: str) -> np.ndarray:
    """`focused` with the model's reference prompts (encoded once per search context)."""
    if query_kind(words) != "short":
        return vector
    return focused(vector, words, ctx.remember("reference direction", lambda: reference_of(ctx.encoder)))


def reference_of(encoder: BaseEncoder) -> np.ndarray | None:
    """The mean vector of the encoder's model's reference prompts (None: the model has none)."""
    prompts = reference_prompts(encoder.name)
    return reference_direction(encoder.encode_texts(prompts)) if prompts else None


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
        median = _median(scores)
        spread = 1.4826 * _median(np.abs(scores - median))
        return cls(median, max(spread, 1e-4), int(scores.size))

    def z(self, scores: np.ndarray) -> np.ndarray:
        return (np.asarray(scores, np.float64) - self.median) / self.spread


def _median(values: np.ndarray) -> float:
    """`np.median` of finite values, without its first call's 15 ms of lazy set-up in a cold search."""
    ordered = np.sort(values)
    n = len(ordered)
    return float((ordered[(n - 1) // 2] + ordered[n // 2]) / 2.0)


def features(scores_desc: np.ndarray, background: Background) -> np.ndarray:
    """Rows of the relevance model's inputs for a query's results `scores_desc` (best first).

    Columns: 1, z, the best z minus z, the best z minus the z at each of `HEAD_RANKS`
    (the last score stands in where the list is shorter), the product of the
    distance below the best with the head's fall by rank 10, the log of the rank,
    and products of the fall by rank 2 with z and with the distance below the best,
    the square of that distance and the log rank times the fall by rank 10.
    """
    z = background.z(scores_desc)
    if z.size == 0:
        return np.zeros((0, 13))
    best = float(z[0])
    fall = [best - float(z[min(rank, z.size) - 1]) for rank in HEAD_RANKS]
    below = best - z
    ones = np.ones_like(z)
    log_rank = np.log(np.arange(1, z.size + 1, dtype=np.float64))
    return np.stack([ones, z, below, *(f * ones for f in fall), below * fall[2],
                     log_rank, z * fall[0], below * fall[0], below ** 2, log_rank * fall[2]], axis=-1)


def relevance(scores_desc: np.ndarray, background: Background, calibration: Calibration) -> np.ndarray:
    """Each score's probability of being relevant; `scores_desc` is the query's results, best first."""
    return calibration.probabilities(features(np.asarray(scores_desc, np.float64), background))


def match_count(probabilities: np.ndarray, calibration: Calibration) -> int:
    """How many of the results (best first) are matches, by the calibration's rule.

    The best result always counts, so a search never shows an empty page when it has results.
    """
    p = np.asarray(probabilities, np.float64)
    if p.size == 0:
        return 0
    if calibration.rule == "expected-f1":
        p = p ** calibration.sharpness
        found = np.cumsum(p)
        return int(np.argmax(2.0 * found / (np.arange(1, p.size + 1) + found[-1]))) + 1
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

    def shown(self, show_all: bool = False, by: str = "relevance") -> list[Hit]:
        """What a list of them shows: the matches (with `show_all`, every result read) in the order asked."""
        return sort_hits(self.hits if show_all else self.matches, by)


def background(engine: SearchEngine, query: np.ndarray) -> Background:
    """The query's background: its scores against a sample of the engine's library, taken again when the
    library has grown or shrunk by a tenth since."""
    size = len(engine.vindex)

    def sample() -> tuple[int, np.ndarray]:
        blobs = engine.catalog.sample_vectors(engine.model_id, SAMPLE_SIZE)
        vectors = from_blobs(blobs, engine.dim).astype(np.float32) if blobs else np.zeros((0, engine.dim),
                                                                                         np.float32)
        return size, vectors

    _, vectors = engine.context.remember("background sample", sample,
                                         lambda taken: abs(taken[0] - size) <= 0.1 * max(taken[0], 1))
    return Background.of(vectors @ unit(query))


def find_matches(engine: SearchEngine, query: np.ndarray, filters: Filters | None = None,
                 exclude_files: frozenset[int] = frozenset(), exact: bool | None = None,
                 calibration: Calibration | None = None, words: str = "") -> Matches:
    """A query's results, best first, cut where its matches end (see the module docstring).

    `words`: the text the query was made from ("" for a picture), which picks the calibration;
    `query` is the vector as searched (a short text's is focused already: `core.search.query.text_query`).
    """
    calibration = calibration or CALIBRATIONS[query_kind(words)]
    bg = background(engine, query)
    window = FIRST_WINDOW
    while True:  # on scores alone: records are read once, for the window kept
        ranked = engine.ranked_page(query, window, 0, filters, exclude_files=exclude_files, exact=exact)
        complete = len(ranked) < window
        if not ranked:
            return Matches([], 0, bg.size >= MIN_BACKGROUND, True)
        p = relevance(np.array([h.score for h in ranked]), bg, calibration)
        count = match_count(p, calibration)
        if complete or count < 0.8 * len(ranked) or window >= MAX_WINDOW:
            break
        window *= 4
    hits = engine.with_records(ranked, query)
    if len(hits) < len(ranked):  # photos removed while the window was read: the cut of those left
        if not hits:
            return Matches([], 0, bg.size >= MIN_BACKGROUND, True)
        p = relevance(np.array([h.score for h in hits]), bg, calibration)
        count = match_count(p, calibration)
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
    """Results in the order asked: best first (by score, or by the fused `rank` where every result has
    one: `core.search.fusion`), or newest first (a video's moments stay in time order)."""
    if by not in SORTS:
        from core.errors import QueryError

        raise QueryError(f"cannot sort by {by!r}: choose one of {', '.join(SORTS)}")
    if by == "relevance":
        if hits and all("rank" in h.extra for h in hits):
            return sorted(hits, key=lambda h: h.extra["rank"])
        return sorted(hits, key=lambda h: -h.score)
    return sorted(hits, key=lambda h: (hit_date(h), -(h.start_s or 0.0)), reverse=True)
