"""A result list ends where the matches end: the per-query cutoff beats one flat threshold.

Both cuts are judged on the held-out gallery with every query's full relevant set known
(tests/quality/cutoff_measures.py); the flat threshold is tuned on the validation galleries,
where the cutoff's calibrations and its focusing weight were chosen.
"""

from __future__ import annotations

import pytest

from core.search import cutoff
from tests.quality import cutoff_measures as cm
from tests.quality.thresholds import CUTOFF_MEAN_F1, CUTOFF_OVER_FLAT

pytestmark = pytest.mark.quality


@pytest.fixture(scope="module")
def validation_sets(trained_encoder) -> list[dict[str, cm.QuerySet]]:
    return cm.validation_galleries(trained_encoder)


def test_quality_cutoff_beats_the_flat_threshold(trained_encoder, gallery, trained_gallery_vectors, validation_sets):
    test_sets = cm.query_sets(trained_encoder, gallery.pictures, trained_gallery_vectors)
    assert all(s.relevant.any(axis=1).all() for s in test_sets.values())
    assert {t: s.kind for t, s in test_sets.items()} == {"object": "short", "caption": "long"}
    cutoff_f1 = cm.cutoff_f1(test_sets)
    threshold = cm.tune_flat(validation_sets)
    flat_f1 = cm.mean_f1(test_sets, lambda scores: cm.flat_cut(scores, threshold))
    per_type = {t: round(cm.scores(cm.cutoff_cut(s), s.relevant)[0], 3) for t, s in test_sets.items()}
    assert cutoff_f1 >= CUTOFF_MEAN_F1, f"cutoff F1 {cutoff_f1:.3f} {per_type}"
    assert cutoff_f1 >= flat_f1 + CUTOFF_OVER_FLAT, f"cutoff {cutoff_f1:.3f} {per_type} vs flat {threshold:.3f}: " \
                                                    f"{flat_f1:.3f}"


def test_quality_focusing_short_queries_improves_their_ranking(trained_encoder, gallery, trained_gallery_vectors):
    """Not just the cut: the focused ranking of "a green star" holds more of its matches at the top."""
    objects = cm.query_sets(trained_encoder, gallery.pictures, trained_gallery_vectors)["object"]
    plain, focused = cm.oracle_scores(objects)[0], cm.oracle_scores(objects, focused=True)[0]
    assert focused >= plain + 0.02, f"focused {focused:.3f} vs plain {plain:.3f}"


def test_quality_reference_prompts_hold_no_query_of_the_tests():
    """The reference prompts are the training split's objects: none is a held-out pair the tests ask for."""
    from tests.quality import world
    from tests.quality.model import MODEL_NAME

    prompts = cutoff.reference_prompts(MODEL_NAME)
    training = [world.object_query(c, s) for c in world.COLOURS for s in world.SHAPES
                if not world.is_held_out_pair(c, s)]
    assert prompts == training


def test_quality_cutoff_fails_with_random_weights(random_encoder, gallery):
    vectors = random_encoder.encode_images(gallery.images)
    sets = cm.query_sets(random_encoder, gallery.pictures, vectors)
    f1 = cm.cutoff_f1(sets)
    assert f1 < CUTOFF_MEAN_F1, f"random weights reach the cutoff's pass mark: {f1:.3f}"
