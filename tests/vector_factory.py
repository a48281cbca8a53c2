"""Synthetic libraries of CLIP-like vectors, written through the catalog (for the vector cache's tests and
`tests/bench/scale.py`): no model and no media needed, any size.

How the vectors are made, and why (CLIP image embeddings are not uniform noise on the sphere):
* they share a common direction (CLIP's "cone": two unrelated photos still have cosine ≈ 0.3);
* they fall in clusters of Zipf-distributed sizes (a few big topics, many small ones), each with its
  own spread (tight bursts of similar shots, looser topics), varying along a shared 64-direction
  subspace with a decaying spectrum plus a little isotropic noise: embeddings have a low intrinsic
  dimension (isotropic 512-d noise would be far harder for any ANN index than real photos are);
  a photo's nearest other photo has cosine ≈ 0.83, a random pair ≈ 0.33;
* 15 % are near-duplicates of another item (a burst, an edit, a re-save): cosine ≈ 0.999 to it;
* 2 % are outliers anywhere on the sphere.
Queries (`text_like_queries`) sit near a cluster but shifted by one fixed "modality gap" direction, as
CLIP text embeddings sit apart from the images they match (best cosine ≈ 0.55 here, ≈ 0.3 for real CLIP):
the harder case for an ANN index, which is built from the images alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.indexing.scan import FoundFile
from core.store.catalog import Catalog


def clustered_vectors(n: int, dim: int = 512, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n unit vectors (float16) and the cluster centres they were drawn around."""
    rng = np.random.default_rng(seed)
    common = _unit(rng.standard_normal(dim))
    n_clusters = max(8, n // 200)
    centres = 0.55 * common + 0.45 * _unit(rng.standard_normal((n_clusters, dim)))
    rank = min(64, dim)
    basis = _unit(rng.standard_normal((rank, dim)))  # the few ways pictures of one thing differ
    spectrum = (0.5 / np.sqrt(np.arange(1, rank + 1))).astype(np.float32)
    sizes = rng.zipf(1.6, n_clusters).astype(np.float64)
    spread = rng.uniform(0.3, 0.9, n_clusters).astype(np.float32)
    out = np.empty((n, dim), np.float16)
    for start in range(0, n, 65536):  # in chunks: 1M x 512 float32 would need 2 GB at once
        m = min(65536, n - start)
        which = rng.choice(n_clusters, m, p=sizes / sizes.sum())
        z = rng.standard_normal((m, rank), np.float32) * spectrum
        x = (centres[which] + spread[which, None] * (z @ basis)
             + 0.15 * rng.standard_normal((m, dim), np.float32) / np.sqrt(dim))
        dup = rng.random(m) < 0.15
        src = rng.integers(0, m, int(dup.sum()))
        x[dup] = x[src] + 0.02 * rng.standard_normal((int(dup.sum()), dim), np.float32) / np.sqrt(dim)
        odd = rng.random(m) < 0.02
        x[odd] = rng.standard_normal((int(odd.sum()), dim), np.float32)
        out[start:start + m] = _unit(x)
    return out, centres


def text_like_queries(centres: np.ndarray, m: int, seed: int = 1) -> np.ndarray:
    """m unit query vectors (float32) near random clusters, across a fixed modality gap."""
    rng = np.random.default_rng(seed)
    dim = centres.shape[1]
    gap = _unit(rng.standard_normal(dim))
    c = centres[rng.integers(0, len(centres), m)]
    return _unit(c + 0.5 * gap + 0.6 * rng.standard_normal((m, dim), np.float32) / np.sqrt(dim)).astype(np.float32)


def fill_catalog(catalog: Catalog, model_id: int, vecs: np.ndarray, root: str = "/synthetic",
                 batch: int = 20_000) -> list[int]:
    """One embedded photo per vector, written as the indexer writes (a scan, then writer batches);
    returns the item ids in the order of `vecs`."""
    root_id = catalog.add_root(root)
    after = catalog.last_vector_id(model_id)
    found = [FoundFile(str(Path(root) / f"{i:07d}.jpg"), 1000, i, "image") for i in range(len(vecs))]
    catalog.record_scan(root_id, 1, [], [], [], found)
    states = catalog.file_states(root_id)
    file_ids = [states[f.path].id for f in found]
    for start in range(0, len(vecs), batch):
        fids = file_ids[start:start + batch]
        catalog.commit_batch(model_id, [(f, None, None) for f in fids], vecs[start:start + batch], {},
                             {f: ({"content_hash": f"{f:064x}", "kind": "image"}, None) for f in fids})
    return [item for rows in catalog.iter_vectors(model_id, after_id=after) for _, item, _ in rows]


def exact_top(vecs: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """The k nearest ids by cosine, by numpy over all vectors in chunks (the baseline every search must meet)."""
    sims = np.concatenate([vecs[s:s + 65536].astype(np.float32) @ query for s in range(0, len(vecs), 65536)])
    return np.asarray(ids)[np.argsort(-sims, kind="stable")[:k]]


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)
