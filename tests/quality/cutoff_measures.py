"""Measures of where a result list should end, shared by the cutoff quality test and benchmark.

Two query types on a gallery of generated pictures, each with its full relevant set:

* ``object``: "a green star" for each held-out colour x shape pair the gallery shows;
  relevant = every picture with a group of that colour and shape;
* ``caption``: each picture's full test-phrasing caption; relevant = every picture of
  the same scene (same groups, texture and background).

A *cut* keeps, per query, a set of gallery pictures; it is scored by precision, recall
and F1 per query, averaged over the queries of a type (a query whose cut finds nothing
relevant scores F1 0). Cuts compared: the engine's per-query cutoff (``core.search.cutoff``: the
object queries are short texts, focused and cut by the "short" calibration; the captions are
long), the cutoff before it, one flat cosine threshold, a fixed top-k (both tuned on the
validation galleries, as the cutoff was), and the per-query best top-k (an oracle: the
ceiling of any cut of the same ranking).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.search import cutoff
from tests.quality import world
from tests.quality.measures import Encoder
from tests.quality.model import MODEL_NAME

TYPES = ("object", "caption")


@dataclass
class QuerySet:
    """Scores [queries, gallery] of one query type and which gallery pictures are relevant.

    `scores`: the plain query vectors' cosines (what a flat threshold and top-k cut);
    `focused`: those of the vectors the engine searches (`core.search.cutoff.focused`),
    cut by the calibration of the queries' `kind` (both decided from the query texts).
    """

    scores: np.ndarray
    relevant: np.ndarray
    focused: np.ndarray
    kind: str


def _scene_key(scene: world.Scene) -> tuple:
    return frozenset(scene.groups), scene.texture, scene.background


def reference(encoder: Encoder) -> np.ndarray | None:
    """The world model's reference direction, encoded by ``encoder`` (as the engine does per encoder)."""
    prompts = cutoff.reference_prompts(MODEL_NAME)
    return cutoff.reference_direction(encoder.encode_texts(prompts)) if prompts else None


def _query_set(texts: Sequence[str], vectors: np.ndarray, image_vectors: np.ndarray, relevant: np.ndarray,
               ref: np.ndarray | None) -> QuerySet:
    kinds = {cutoff.query_kind(t) for t in texts}
    assert len(kinds) == 1, f"one query type mixes kinds {kinds}"
    focused = np.stack([cutoff.focused(v, t, ref) for v, t in zip(vectors, texts, strict=True)])
    return QuerySet(vectors @ image_vectors.T, relevant, focused @ image_vectors.T, kinds.pop())


def query_sets(encoder: Encoder, pictures: Sequence[world.Picture], image_vectors: np.ndarray) -> dict[str, QuerySet]:
    pairs = sorted({(g.colour, g.shape) for p in pictures for g in p.scene.groups if world.is_held_out_pair(g.colour,
                                                                                                          g.shape)})
    ref = reference(encoder)
    object_texts = [world.object_query(colour, shape) for colour, shape in pairs]
    object_relevant = np.array([[any((g.colour, g.shape) == pair for g in p.scene.groups) for p in pictures]
                                for pair in pairs])
    keys = [_scene_key(p.scene) for p in pictures]
    caption_texts = [p.query for p in pictures]
    caption_relevant = np.array([[key == other for other in keys] for key in keys])
    return {
        "object": _query_set(object_texts, encoder.encode_texts(object_texts), image_vectors, object_relevant, ref),
        "caption": _query_set(caption_texts, encoder.encode_texts(caption_texts), image_vectors, caption_relevant,
                              ref),
    }


#: Where every parameter of the cutoff is chosen: test-split pictures no test gallery uses,
#: (seed, pictures, galleries): 400 of one seed, and 1000 of another in three galleries.
VALIDATION = ((7_500_001, 400, 1), (7_600_001, 1000, 3))


def gallery_sets(encoder: Encoder, n: int, seed: int, parts: int = 1) -> list[dict[str, QuerySet]]:
    """The query sets of ``n`` test-split pictures of ``seed``, split into ``parts`` galleries."""
    pictures = world.make_pictures(n, seed, "test")
    vectors = encoder.encode_images([p.image() for p in pictures])
    bounds = np.linspace(0, n, parts + 1).round().astype(int)
    return [query_sets(encoder, pictures[a:b], vectors[a:b]) for a, b in itertools.pairwise(bounds)]


def validation_galleries(encoder: Encoder) -> list[dict[str, QuerySet]]:
    return [g for seed, n, parts in VALIDATION for g in gallery_sets(encoder, n, seed, parts)]


def scores(keep: np.ndarray, relevant: np.ndarray) -> tuple[float, float, float]:
    """Mean (F1, precision, recall) over queries of the cut ``keep`` [queries, gallery]."""
    tp = (keep & relevant).sum(axis=1)
    precision = tp / np.maximum(keep.sum(axis=1), 1)
    recall = tp / np.maximum(relevant.sum(axis=1), 1)
    f1 = np.where(tp > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
    return float(f1.mean()), float(precision.mean()), float(recall.mean())


def _top(scores_: np.ndarray, counts: np.ndarray) -> np.ndarray:
    order = np.argsort(-scores_, axis=1, kind="stable")
    keep = np.zeros(scores_.shape, bool)
    for row, (ranked, count) in enumerate(zip(order, counts, strict=True)):
        keep[row, ranked[:count]] = True
    return keep


def flat_cut(scores_: np.ndarray, threshold: float) -> np.ndarray:
    return scores_ >= threshold


def top_k_cut(scores_: np.ndarray, k: int) -> np.ndarray:
    return _top(scores_, np.full(len(scores_), k))


#: The cutoff before the kinds, focusing and the expected-F1 rule (one calibration of the first 8 feature
#: columns, threshold 0.225), kept to measure against in the same run.
OLD_CALIBRATION = cutoff.Calibration(
    coefficients=(-3.3383, 1.8159, 0.0884, 1.2842, -1.689, -2.2671, 0.1974, -0.7125), threshold=0.225)


def _counts(scores_: np.ndarray, calibration: cutoff.Calibration) -> np.ndarray:
    """Per query, how many results the calibration keeps; the background is the query's scores on the gallery."""
    ranked = -np.sort(-scores_, axis=1)
    return np.array([cutoff.match_count(cutoff.relevance(row, cutoff.Background.of(raw), calibration), calibration)
                     for row, raw in zip(ranked, scores_, strict=True)])


def cutoff_cut(query_set: QuerySet, calibrations: dict[str, cutoff.Calibration] | None = None) -> np.ndarray:
    """The engine's cut: the focused scores, cut by the calibration of the set's kind."""
    calibration = (calibrations or cutoff.CALIBRATIONS)[query_set.kind]
    return _top(query_set.focused, _counts(query_set.focused, calibration))


def old_cutoff_cut(query_set: QuerySet) -> np.ndarray:
    """The cut before (plain scores, one calibration for every query)."""
    return _top(query_set.scores, _counts(query_set.scores, OLD_CALIBRATION))


def oracle_scores(query_set: QuerySet, focused: bool = False) -> tuple[float, float, float]:
    """The per-query best top-k: the ceiling of any cut of this ranking (plain or focused)."""
    scores_ = query_set.focused if focused else query_set.scores
    order = np.argsort(-scores_, axis=1, kind="stable")
    hits = np.take_along_axis(query_set.relevant, order, axis=1)
    k = np.arange(1, hits.shape[1] + 1)
    f1 = 2 * np.cumsum(hits, axis=1) / (k + query_set.relevant.sum(axis=1, keepdims=True))
    return scores(_top(scores_, f1.argmax(axis=1) + 1), query_set.relevant)


def mean_f1(sets: dict[str, QuerySet], cut: Callable[[np.ndarray], np.ndarray]) -> float:
    """F1 of a cut of the plain scores, averaged over query types (each type counts the same)."""
    return float(np.mean([scores(cut(s.scores), s.relevant)[0] for s in sets.values()]))


def cutoff_f1(sets: dict[str, QuerySet], calibrations: dict[str, cutoff.Calibration] | None = None) -> float:
    """The engine's cut's F1 averaged over query types."""
    return float(np.mean([scores(cutoff_cut(s, calibrations), s.relevant)[0] for s in sets.values()]))


def _galleries(sets: dict[str, QuerySet] | Sequence[dict[str, QuerySet]]) -> list[dict[str, QuerySet]]:
    return [sets] if isinstance(sets, dict) else list(sets)


def tune_flat(sets: dict[str, QuerySet] | Sequence[dict[str, QuerySet]]) -> float:
    """The one cosine threshold with the best mean F1 over the query types (and galleries) of ``sets``."""
    galleries = _galleries(sets)
    return max(np.arange(-0.2, 0.8, 0.005),
               key=lambda t: np.mean([mean_f1(g, lambda s: flat_cut(s, t)) for g in galleries]))


def tune_top_k(sets: dict[str, QuerySet] | Sequence[dict[str, QuerySet]], most: int = 60) -> int:
    galleries = _galleries(sets)
    return max(range(1, most + 1), key=lambda k: np.mean([mean_f1(g, lambda s: top_k_cut(s, k)) for g in galleries]))


RULES = [("threshold", float(t), 1.0) for t in np.arange(0.05, 0.95, 0.025)] + [
    ("expected-f1", 0.5, float(p)) for p in (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)]


def fit_calibrations(galleries: Sequence[dict[str, QuerySet]], ridge: float = 10.0) -> dict[str, cutoff.Calibration]:
    """Fit each kind's relevance model (logistic regression, Newton steps) and its rule on ``galleries``.

    Per kind: the coefficients on every result of every query of that kind (each query
    type weighs the same), then the rule (a threshold, or expected F1 with a sharpness)
    with the best F1 averaged over the galleries.
    """
    fitted = {}
    for kind in cutoff.KINDS:
        parts = [s for g in galleries for s in g.values() if s.kind == kind]
        if not parts:
            continue
        rows, labels, weights = [], [], []
        for s in parts:
            order = np.argsort(-s.focused, axis=1, kind="stable")
            for raw, ranked, relevant in zip(s.focused, order, s.relevant, strict=True):
                rows.append(cutoff.features(raw[ranked], cutoff.Background.of(raw)))
                labels.append(relevant[ranked])
                weights.append(np.full(ranked.size, 1.0 / s.relevant.size))
        x, y, w = np.concatenate(rows), np.concatenate(labels).astype(float), np.concatenate(weights)
        w /= w.mean()
        beta = np.zeros(x.shape[1])
        penalty = ridge * np.eye(x.shape[1])
        penalty[0, 0] = 0.0
        for _ in range(60):
            p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))
            gradient = x.T @ ((p - y) * w) + penalty @ beta
            hessian = (x * (w * p * (1 - p))[:, None]).T @ x + penalty
            beta -= np.linalg.solve(hessian, gradient)
        coefficients = tuple(round(float(b), 4) for b in beta)

        def f1_of(rule: tuple[str, float, float], coefficients=coefficients, parts=parts, kind=kind) -> float:
            calibration = cutoff.Calibration(coefficients, round(rule[1], 3), rule[0], rule[2])
            return float(np.mean([scores(cutoff_cut(s, {kind: calibration}), s.relevant)[0] for s in parts]))

        rule, threshold, sharpness = max(RULES, key=f1_of)
        fitted[kind] = cutoff.Calibration(coefficients, round(threshold, 3), rule, sharpness)
    return fitted
