"""Measures of where a result list should end, shared by the cutoff quality test and benchmark.

Two query types on a gallery of generated pictures, each with its full relevant set:

* ``object``: "a green star" for each held-out colour x shape pair the gallery shows;
  relevant = every picture with a group of that colour and shape;
* ``caption``: each picture's full test-phrasing caption; relevant = every picture of
  the same scene (same groups, texture and background).

A *cut* keeps, per query, a set of gallery pictures; it is scored by precision, recall
and F1 per query, averaged over the queries of a type (a query whose cut finds nothing
relevant scores F1 0). Cuts compared: the engine's per-query cutoff (``core.search.cutoff``), one
flat cosine threshold, a fixed top-k (both tuned on a validation gallery), and the
per-query best top-k (an oracle: the ceiling of any cut of the same ranking).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.search import cutoff
from tests.quality import world
from tests.quality.measures import Encoder

TYPES = ("object", "caption")


@dataclass
class QuerySet:
    """Scores [queries, gallery] of one query type and which gallery pictures are relevant."""

    scores: np.ndarray
    relevant: np.ndarray


def _scene_key(scene: world.Scene) -> tuple:
    return frozenset(scene.groups), scene.texture, scene.background


def query_sets(encoder: Encoder, pictures: Sequence[world.Picture], image_vectors: np.ndarray) -> dict[str, QuerySet]:
    pairs = sorted({(g.colour, g.shape) for p in pictures for g in p.scene.groups if world.is_held_out_pair(g.colour,
                                                                                                          g.shape)})
    objects = encoder.encode_texts([world.object_query(colour, shape) for colour, shape in pairs])
    object_relevant = np.array([[any((g.colour, g.shape) == pair for g in p.scene.groups) for p in pictures]
                                for pair in pairs])
    keys = [_scene_key(p.scene) for p in pictures]
    captions = encoder.encode_texts([p.query for p in pictures])
    caption_relevant = np.array([[key == other for other in keys] for key in keys])
    return {
        "object": QuerySet(objects @ image_vectors.T, object_relevant),
        "caption": QuerySet(captions @ image_vectors.T, caption_relevant),
    }


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


def ranked_with_backgrounds(scores_: np.ndarray) -> tuple[np.ndarray, list[cutoff.Background]]:
    """Each query's results best first ([queries, gallery] sorted descending) and its background."""
    ranked = -np.sort(-scores_, axis=1)
    return ranked, [cutoff.Background.of(row) for row in scores_]


def cutoff_cut(scores_: np.ndarray, calibration: cutoff.Calibration = cutoff.CALIBRATION) -> np.ndarray:
    """The engine's cut: per query, the background is the query's scores against the whole gallery."""
    ranked, backgrounds = ranked_with_backgrounds(scores_)
    counts = np.array([cutoff.match_count(cutoff.relevance(row, bg, calibration), calibration)
                       for row, bg in zip(ranked, backgrounds, strict=True)])
    return _top(scores_, counts)


def oracle_scores(query_set: QuerySet) -> tuple[float, float, float]:
    """The per-query best top-k: the ceiling of any cut of this ranking."""
    order = np.argsort(-query_set.scores, axis=1, kind="stable")
    hits = np.take_along_axis(query_set.relevant, order, axis=1)
    k = np.arange(1, hits.shape[1] + 1)
    f1 = 2 * np.cumsum(hits, axis=1) / (k + query_set.relevant.sum(axis=1, keepdims=True))
    return scores(_top(query_set.scores, f1.argmax(axis=1) + 1), query_set.relevant)


def mean_f1(sets: dict[str, QuerySet], cut: Callable[[np.ndarray], np.ndarray]) -> float:
    """F1 averaged over query types (each type counts the same, whatever its number of queries)."""
    return float(np.mean([scores(cut(s.scores), s.relevant)[0] for s in sets.values()]))


def tune_flat(sets: dict[str, QuerySet]) -> float:
    """The one cosine threshold with the best mean F1 over the query types of ``sets``."""
    return max(np.arange(-0.2, 0.8, 0.005), key=lambda t: mean_f1(sets, lambda s: flat_cut(s, t)))


def tune_top_k(sets: dict[str, QuerySet], most: int = 60) -> int:
    return max(range(1, most + 1), key=lambda k: mean_f1(sets, lambda s: top_k_cut(s, k)))


def fit_calibration(sets: dict[str, QuerySet], ridge: float = 10.0) -> cutoff.Calibration:
    """Fit the relevance model (logistic regression, Newton steps) and its threshold on ``sets``.

    Each query type weighs the same; the threshold is the one with the best mean F1.
    """
    rows, labels, weights = [], [], []
    for s in sets.values():
        ranked, backgrounds = ranked_with_backgrounds(s.scores)
        for query_scores, row, bg, relevant in zip(s.scores, ranked, backgrounds, s.relevant, strict=True):
            rows.append(cutoff.features(query_scores, row[: max(cutoff.HEAD_RANKS)], bg))
            labels.append(relevant)
            weights.append(np.full(relevant.size, 1.0 / s.relevant.size))
    x, y, w = np.concatenate(rows), np.concatenate(labels).astype(float), np.concatenate(weights)
    w /= w.mean()
    beta = np.zeros(x.shape[1])
    penalty = ridge * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))
        gradient = x.T @ ((p - y) * w) + penalty @ beta
        hessian = (x * (w * p * (1 - p))[:, None]).T @ x + penalty
        beta -= np.linalg.solve(hessian, gradient)
    coefficients = tuple(round(float(b), 4) for b in beta)
    threshold = max(np.arange(0.05, 0.9, 0.025), key=lambda t: mean_f1(
        sets, lambda s: cutoff_cut(s, cutoff.Calibration(coefficients, float(t)))))
    return cutoff.Calibration(coefficients, round(float(threshold), 3))
