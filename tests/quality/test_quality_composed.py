"""Composed search: reference image + "make it green" finds the green version first.

The composition is the simplest an engine can do, normalise(image vector + text
vector); the edited target must outrank the unchanged reference.
"""

from __future__ import annotations

import pytest

from tests.quality import measures
from tests.quality.thresholds import COLOUR_EDIT_TARGET_WINS

pytestmark = pytest.mark.quality


def test_quality_make_it_green_ranks_target_above_reference(trained_encoder, colour_edits):
    vectors = measures.composed_vectors(
        trained_encoder, colour_edits.triplets, colour_edits.references, colour_edits.targets
    )
    wins = measures.composed_target_wins(vectors)
    assert wins >= COLOUR_EDIT_TARGET_WINS, f"target above reference in {wins:.2f} of triplets"
