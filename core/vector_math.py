"""Vector arithmetic every part shares: unit length, and vectors to and from the catalog's float16 blobs.

A neutral module (numpy and `core.errors` only) so that search and the catalog need not import the
vector file to normalise a query or read a stored vector.
"""

from __future__ import annotations

import numpy as np

from core.errors import QueryError


def f16_blob(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype="<f2").tobytes()


def from_blobs(blobs: list[bytes], dim: int) -> np.ndarray:
    return np.frombuffer(b"".join(blobs), dtype="<f2").reshape(-1, dim)


def unit(v: np.ndarray, nothing_left: str = "the query has no direction (an empty or degenerate vector)",
         min_norm: float = 0.0) -> np.ndarray:
    """A unit-length float32 copy of a vector (flattened).

    A vector no longer than `min_norm`, or not finite, has no direction to keep: `QueryError(nothing_left)`.
    """
    v = np.asarray(v, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(v))
    if norm <= min_norm or not np.isfinite(norm):
        raise QueryError(nothing_left)
    return v / norm
