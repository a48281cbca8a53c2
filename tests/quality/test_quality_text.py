"""Text search ranks by what a picture shows: colour+shape, count, texture, background, size, shape.

Measured on held-out pictures: colour x shape pairs never seen in training and
test-only phrasings (see world.py for the split rule).
"""

from __future__ import annotations

import pytest

from tests.quality import measures
from tests.quality.thresholds import ABOVE_CHANCE, ATTRIBUTE_ACCURACY, COLOUR_SHAPE_TOP5, TEXT_IMAGE_R5

pytestmark = pytest.mark.quality


def test_quality_colour_shape_query_puts_matches_in_top5(trained_encoder, gallery, trained_gallery_vectors):
    assert len(measures.colour_shape_queries(gallery.pictures)) >= 12
    found, precision = measures.colour_shape_hits(trained_encoder, gallery.pictures, trained_gallery_vectors)
    assert found >= COLOUR_SHAPE_TOP5, f"top-5 found {found:.2f}, precision@5 {precision:.2f}"


def test_quality_full_caption_finds_its_picture(trained_encoder, gallery, trained_gallery_vectors):
    recall = measures.text_image_recall(trained_encoder, gallery.pictures, trained_gallery_vectors, ks=(1, 5))
    assert recall[5] >= TEXT_IMAGE_R5, recall


@pytest.mark.parametrize("attribute", list(ATTRIBUTE_ACCURACY))
def test_quality_attribute_is_distinguished(trained_encoder, probes, attribute):
    accuracy, chance = measures.attribute_accuracy(trained_encoder, *probes[attribute])
    assert ATTRIBUTE_ACCURACY[attribute] >= chance + ABOVE_CHANCE
    assert accuracy >= ATTRIBUTE_ACCURACY[attribute], f"{attribute}: {accuracy:.2f} (chance {chance:.2f})"
