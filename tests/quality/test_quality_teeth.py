"""The quality tests have teeth: random weights of the same architecture fail every threshold.

If a change to the tests (or to the world) made them pass without a trained model,
this is the test that says so.
"""

from __future__ import annotations

import pytest

from core.search.moments import DEFAULT_METHOD
from tests.quality import measures
from tests.quality.thresholds import (
    ATTRIBUTE_ACCURACY,
    COLOUR_EDIT_TARGET_WINS,
    COLOUR_SHAPE_TOP5,
    MOMENT_R1_IOU07,
    SENTENCE_PEAK_IN_SPAN,
    TEXT_IMAGE_R5,
)

pytestmark = pytest.mark.quality


def test_quality_random_weights_fail_every_threshold(random_encoder, gallery, probes, colour_edits, videos,
                                                     hard_videos):
    encoder = random_encoder
    vectors = encoder.encode_images(gallery.images)
    measured = {
        "colour+shape top 5": (measures.colour_shape_hits(encoder, gallery.pictures, vectors)[0], COLOUR_SHAPE_TOP5),
        "text->image R@5": (measures.text_image_recall(encoder, gallery.pictures, vectors, ks=(5,))[5], TEXT_IMAGE_R5),
        "colour edit target wins": (
            measures.composed_target_wins(
                measures.composed_vectors(encoder, colour_edits.triplets, colour_edits.references, colour_edits.targets)
            ),
            COLOUR_EDIT_TARGET_WINS,
        ),
        "sentence peak in span": (
            measures.mean_peak_hits(encoder, videos.truths, videos.times, videos.frames),
            SENTENCE_PEAK_IN_SPAN,
        ),
        "moments R1@IoU0.7 on hard videos": (
            measures.moment_recall(encoder, hard_videos.truths, hard_videos.times, hard_videos.frames,
                                   DEFAULT_METHOD)[0.7],
            MOMENT_R1_IOU07,
        ),
    }
    for attribute, threshold in ATTRIBUTE_ACCURACY.items():
        measured[f"{attribute} accuracy"] = (measures.attribute_accuracy(encoder, *probes[attribute])[0], threshold)
    passed = {name: value for name, (value, threshold) in measured.items() if value >= threshold}
    assert not passed, f"random weights reach the pass mark of {passed}"
