"""Retrieval metrics shared by training, the quality tests and the benchmark."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np


def relevance(query_keys: Sequence[Hashable], gallery_keys: Sequence[Hashable]) -> np.ndarray:
    """Boolean [queries, gallery]: a gallery item is relevant when it shows the query's scene.

    Two pictures of the same scene differ only in jitter, so finding either is right.
    """
    index: dict[Hashable, list[int]] = {}
    for j, key in enumerate(gallery_keys):
        index.setdefault(key, []).append(j)
    mask = np.zeros((len(query_keys), len(gallery_keys)), dtype=bool)
    for i, key in enumerate(query_keys):
        mask[i, index.get(key, [])] = True
    return mask


def recall_at_k(scores: np.ndarray, relevant: np.ndarray, ks: Sequence[int] = (1, 5, 10)) -> dict[int, float]:
    """Fraction of queries with at least one relevant item among their top k, for each k."""
    top = np.argsort(-scores, axis=1, kind="stable")[:, : max(ks)]
    return recall_from_ranked(top, relevant, ks)


def recall_from_ranked(top: np.ndarray, relevant: np.ndarray, ks: Sequence[int] = (1, 5, 10)) -> dict[int, float]:
    """Like ``recall_at_k`` for ranked gallery indices [queries, >= max(ks)] (-1 = no result)."""
    valid = top >= 0
    hits = np.take_along_axis(relevant, np.where(valid, top, 0), axis=1) & valid
    return {k: float(hits[:, :k].any(axis=1).mean()) for k in ks}
