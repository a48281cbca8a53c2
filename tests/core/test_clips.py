"""A video moment saved as its own clip (core/media/clips.py): the span, from its first frame, and only it."""

from __future__ import annotations

import av
import numpy as np
import pytest

from core.errors import LibraryError
from core.media.clips import cut_clip
from tests.video_factory import Segment, write_video


def test_a_moment_is_cut_from_its_first_frame_to_its_end(tmp_path):
    video = tmp_path / "walk.mp4"
    write_video(video, [Segment(2.0, colour=(200, 30, 30)), Segment(2.0, colour=(30, 30, 200))], fps=10)
    clip = cut_clip(video, 2.0, 3.5, tmp_path / "out")
    assert clip.name == "walk 0m02s-0m03s.mp4" and not list((tmp_path / "out").glob(".*"))
    with av.open(str(clip)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert 14 <= len(frames) <= 16  # 1.5 s at 10 frames a second
    first = frames[0].reshape(-1, 3).mean(axis=0)
    assert first[2] > 150 and first[0] < 80  # the blue half: the cut starts at 2.0 s, not at a keyframe before
    assert np.mean([f.reshape(-1, 3).mean(axis=0)[2] for f in frames]) > 150


def test_an_empty_span_is_one_clear_error(tmp_path):
    video = tmp_path / "v.mp4"
    write_video(video, [Segment(1.0, colour=(10, 200, 10))], fps=10)
    with pytest.raises(LibraryError, match="must come after its start"):
        cut_clip(video, 2.0, 1.0, tmp_path)
