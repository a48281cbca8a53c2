"""A result list ends where the matches end: the per-query cutoff beats one flat threshold.

Both cuts are judged on the held-out gallery with every query's full relevant set known
(tests/quality/cutoff_measures.py); the flat threshold is tuned on a separate validation
gallery, as the cutoff's calibration was.
"""

from __future__ import annotations

import pytest

from tests.quality import cutoff_measures as cm
from tests.quality import world
from tests.quality.thresholds import CUTOFF_MEAN_F1, CUTOFF_OVER_FLAT

pytestmark = pytest.mark.quality

VALIDATION_SEED = 7_500_001
VALIDATION_SIZE = 400


@pytest.fixture(scope="module")
def validation_sets(trained_encoder) -> dict[str, cm.QuerySet]:
    pictures = world.make_pictures(VALIDATION_SIZE, VALIDATION_SEED, "test")
    return cm.query_sets(trained_encoder, pictures, trained_encoder.encode_images([p.image() for p in pictures]))


def test_quality_cutoff_beats_the_flat_threshold(trained_encoder, gallery, trained_gallery_vectors, validation_sets):
    test_sets = cm.query_sets(trained_encoder, gallery.pictures, trained_gallery_vectors)
    assert all(s.relevant.any(axis=1).all() for s in test_sets.values())
    cutoff_f1 = cm.mean_f1(test_sets, cm.cutoff_cut)
    threshold = cm.tune_flat(validation_sets)
    flat_f1 = cm.mean_f1(test_sets, lambda scores: cm.flat_cut(scores, threshold))
    per_type = {t: round(cm.scores(cm.cutoff_cut(s.scores), s.relevant)[0], 3) for t, s in test_sets.items()}
    assert cutoff_f1 >= CUTOFF_MEAN_F1, f"cutoff F1 {cutoff_f1:.3f} {per_type}"
    assert cutoff_f1 >= flat_f1 + CUTOFF_OVER_FLAT, f"cutoff {cutoff_f1:.3f} vs flat {threshold:.3f}: {flat_f1:.3f}"


def test_quality_cutoff_fails_with_random_weights(random_encoder, gallery):
    vectors = random_encoder.encode_images(gallery.images)
    sets = cm.query_sets(random_encoder, gallery.pictures, vectors)
    f1 = cm.mean_f1(sets, cm.cutoff_cut)
    assert f1 < CUTOFF_MEAN_F1, f"random weights reach the cutoff's pass mark: {f1:.3f}"
