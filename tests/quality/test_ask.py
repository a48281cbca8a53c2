"""The search asks back: on the held-out world, two answered questions find a vague query's hidden target.

A simulated user (tests/bench/ask.py) starts from the target's shape only ("a star") or colour only ("a green
shape") and answers from the target's true attributes. Asking must at least double R@10 over no interaction and
beat Rocchio rounds with the same number of clicks; random weights of the architecture must not (so the figure
comes from the model, not from the simulator).
"""

from __future__ import annotations

import pytest

from core.search import ask
from tests.bench.ask import World, after

pytestmark = pytest.mark.quality

TARGETS, SEED = 80, 9_300_001


def _after_two_answers(encoder, gallery) -> dict[str, float]:
    w = World(encoder, gallery.pictures, TARGETS, SEED)
    return after(w, ask.Asker(encoder.encode_texts, ask.load_families("MediaLens-World")))


def test_two_answers_find_the_target_of_a_vague_query(trained_encoder, gallery):
    r10 = _after_two_answers(trained_encoder, gallery)
    assert r10["ask"] >= 2 * r10["none"], r10
    assert r10["ask"] > r10["rocchio"], r10


def test_random_weights_gain_nothing_from_asking(random_encoder, gallery):
    r10 = _after_two_answers(random_encoder, gallery)
    assert not (r10["ask"] >= 2 * r10["none"] and r10["ask"] > r10["rocchio"]), r10
