"""Moments: a shot's sentence matches frames inside that shot's span best.

The generated videos (H.264 through PyAV) have moving objects, repeated shots and
near-duplicate shots (one attribute changed), so a sentence's best frame must be
told apart from frames that differ from it in a single word.
"""

from __future__ import annotations

import pytest

from tests.quality import measures
from tests.quality.thresholds import SENTENCE_PEAK_IN_SPAN

pytestmark = pytest.mark.quality


def test_quality_sentence_peaks_inside_its_span(trained_encoder, videos):
    hits = measures.mean_peak_hits(trained_encoder, videos.truths, videos.times, videos.frames)
    assert hits >= SENTENCE_PEAK_IN_SPAN, f"{hits:.2f} of sentences peak inside their span"
