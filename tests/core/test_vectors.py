"""The vector cache (`core.store.vectors`): f16 blobs, unit vectors, and a usearch index that follows the catalog."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.errors import QueryError
from core.store.vectors import VectorIndex
from core.vector_math import f16_blob, from_blobs, unit
from tests.core.handmade import DIM, HandmadeLibrary, axis, blend


@pytest.fixture
def hand(tmp_path):
    lib = HandmadeLibrary(tmp_path)
    yield lib
    lib.close()


def test_blobs_round_trip_as_float16():
    vecs = np.stack([blend((0.6, 0), (0.8, 1)), axis(5)])
    back = from_blobs([f16_blob(v) for v in vecs], DIM)
    assert back.dtype == np.float16 and back.shape == (2, DIM)
    np.testing.assert_allclose(back.astype(np.float32), vecs, atol=1e-3)
    assert len(f16_blob(vecs[0])) == 2 * DIM


def test_unit_scales_to_length_one_and_refuses_no_direction():
    v = unit(np.array([[3.0, 4.0]]))
    assert v.shape == (2,) and v.dtype == np.float32
    np.testing.assert_allclose(v, [0.6, 0.8])
    for bad in (np.zeros(4), np.array([np.nan, 1.0]), np.array([np.inf, 0.0])):
        with pytest.raises(QueryError, match="no direction"):
            unit(bad)


def test_a_new_library_opens_empty_without_a_rebuild(hand):
    index = hand.vector_index()
    assert len(index) == 0 and index.rebuilt_reason is None
    keys, sims = index.search(axis(0), 5)
    assert len(keys) == 0 and len(sims) == 0


def test_the_index_finds_the_nearest_and_follows_additions_and_removals(hand):
    a = hand.add("a.jpg", [axis(0)])
    hand.add("b.jpg", [axis(1)])
    index = hand.vector_index()
    assert index.rebuilt_reason == "no index file" and len(index) == 2
    keys, sims = index.search(blend((0.9, 0), (0.1, 1)), 2)
    assert hand.catalog.items_info([int(keys[0])])[int(keys[0])][0] == a
    assert sims[0] > sims[1] and sims[0] == pytest.approx(0.9 / np.hypot(0.9, 0.1), abs=1e-3)
    # The search above may be answered exactly while the index is built in the background; once it is
    # swapped in, what the catalog gains is caught up by sync (a rebuild still running could catch it first).
    assert index.wait_rebuilt(timeout=60) and index.rebuild_state.finished
    c = hand.add("c.jpg", [axis(2)])
    assert index.sync() == 1 and len(index) == 3
    keys, _ = index.search(axis(2), 1)
    assert hand.catalog.items_info([int(keys[0])])[int(keys[0])][0] == c
    hand.catalog.remove_root("/media")
    index.sync()
    assert len(index) == 0


def test_a_saved_index_reopens_as_is_and_catches_up(hand):
    hand.add("a.jpg", [axis(0)])
    index = hand.vector_index()
    index.save()
    hand.add("b.jpg", [axis(1)])  # added after the save, as by another process
    again = hand.vector_index()
    assert again.rebuilt_reason is None and len(again) == 2


def test_an_index_ahead_of_its_catalog_is_rebuilt(hand):
    hand.add("a.jpg", [axis(0)])
    index = hand.vector_index()
    index.save()
    meta = json.loads(index.meta_path.read_text())
    index.meta_path.write_text(json.dumps(dict(meta, last_vector_id=meta["last_vector_id"] + 10)))
    again = hand.vector_index()
    assert "ahead of the catalog" in again.rebuilt_reason and len(again) == 1


def test_exact_and_approximate_search_agree_on_a_small_index(hand):
    rng = np.random.default_rng(0)
    for i in range(40):
        hand.add(f"{i}.jpg", [unit(rng.normal(size=DIM))])
    index = VectorIndex(hand.catalog, hand.model_id, DIM, hand.folder / "index", "handmade").open()
    q = unit(rng.normal(size=DIM))
    exact_keys, exact_sims = index.search(q, 5, exact=True)
    assert list(exact_sims) == sorted(exact_sims, reverse=True)
    ann_keys, _ = index.search(q, 5, exact=False)
    assert set(ann_keys) == set(exact_keys)


def test_small_float_scans_are_numpys_and_agree_with_usearch():
    """Up to NUMPY_SCAN float vectors are scanned with numpy (a cold search of a small library skips importing
    usearch); they rank as usearch's exact scan does, on both sides of the limit."""
    import subprocess
    import sys

    from core.store import vectors

    rng = np.random.default_rng(3)
    query = rng.standard_normal(64).astype(np.float32)
    for n in (1, 37, vectors.NUMPY_SCAN, vectors.NUMPY_SCAN + 1):
        base = rng.standard_normal((n, 64)).astype(np.float16)
        rows, dists = vectors._scan(base, query, 10, "Cos")
        v = base.astype(np.float32)
        sims = v @ query / (np.linalg.norm(v, axis=1) * np.linalg.norm(query))
        assert list(rows) == list(np.argsort(-sims, kind="stable")[:10]), n
        assert np.allclose(1.0 - dists, sims[rows], atol=2e-3), n
    code = ("import sys, numpy as np; from core.store.vectors import _scan; "
            "_scan(np.ones((20, 8), np.float16), np.ones(8, np.float32), 5, 'Cos'); "
            "print('usearch.index' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
