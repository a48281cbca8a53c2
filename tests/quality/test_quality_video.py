"""Moments: a shot's sentence matches frames inside that shot's span best.

The generated videos (H.264 through PyAV) have moving objects, repeated shots and
near-duplicate shots (one attribute changed), so a sentence's best frame must be
told apart from frames that differ from it in a single word.
"""

from __future__ import annotations

import pytest

from core.search.moments import DEFAULT_METHOD
from tests.quality import measures
from tests.quality.thresholds import MOMENT_LEAD_IOU07, MOMENT_R1_IOU07, SENTENCE_PEAK_IN_SPAN

pytestmark = pytest.mark.quality


def test_quality_sentence_peaks_inside_its_span(trained_encoder, videos):
    hits = measures.mean_peak_hits(trained_encoder, videos.truths, videos.times, videos.frames)
    assert hits >= SENTENCE_PEAK_IN_SPAN, f"{hits:.2f} of sentences peak inside their span"


def test_quality_moments_on_hard_videos_beat_the_per_frame_baseline(trained_encoder, hard_videos):
    """Long occluded shots, adjacent near-duplicates, cross-fades: the temporal map finds the shot."""
    sampled = (hard_videos.truths, hard_videos.times, hard_videos.frames)
    default = measures.moment_recall(trained_encoder, *sampled, DEFAULT_METHOD)
    baseline = measures.moment_recall(trained_encoder, *sampled, "threshold")
    assert default[0.7] >= MOMENT_R1_IOU07, (default, baseline)
    assert default[0.7] - baseline[0.7] >= MOMENT_LEAD_IOU07, (default, baseline)
    assert default[0.5] >= baseline[0.5], (default, baseline)

