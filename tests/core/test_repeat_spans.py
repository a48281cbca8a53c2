"""Repeated moments: spans of one video that overlap or touch are one occurrence, never a repeat of itself.

The chains are given (the frame matching and the chain building have their own tests in
test_duplicates.py with the trained model); this checks how chains become groups.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.search import repeats
from core.store.catalog import FileRecord


def _video(fid: int, name: str, duration_s: float) -> FileRecord:
    return FileRecord(id=fid, path=f"/v/{name}", kind="video", size=1000 * fid, format="mp4", width=640, height=360,
                      taken_at=None, camera_make=None, camera_model=None, gps_lat=None, gps_lon=None,
                      duration_s=duration_s, fps=25.0, codec="h264", content_hash=None, status="ok", error=None)


def _chain(a: int, span_a: tuple[float, float], b: int, span_b: tuple[float, float]) -> repeats._Chain:
    return repeats._Chain(a, b, [1, 2], [3, 4], span_a, span_b, 0.97)


@pytest.fixture
def moments_from(monkeypatch):
    """repeated_moments over the given chains, with every chain's footage changing."""
    files = {1: _video(1, "pool.mp4", 40.0), 2: _video(2, "pool-cut.mp4", 30.0), 3: _video(3, "twice.mp4", 20.0)}
    context = SimpleNamespace(catalog=SimpleNamespace(files=lambda ids: {i: files[i] for i in ids}))

    def run(chains: list[repeats._Chain]) -> list[list[tuple[str, float, float]]]:
        by_pair = {}
        for c in chains:
            by_pair.setdefault((c.file_a, c.file_b), []).append(c)
        monkeypatch.setattr(repeats, "frame_matches", lambda ctx, t: ({p: [] for p in by_pair}, {}))
        monkeypatch.setattr(repeats, "_chains", lambda pair, ms, ends: by_pair[pair])
        monkeypatch.setattr(repeats, "_changes", lambda *_: True)
        groups = repeats.repeated_moments(context, 0.95)
        return [sorted((c.file.path.rsplit("/", 1)[1], c.start_s, c.end_s) for c in g.copies) for g in groups]

    return run


def test_overlapping_spans_of_one_video_are_one_occurrence(moments_from):
    """Issue 25: 0:09-0:24 and 0:19-0:36 of one pool video were "the same footage in 3 places"."""
    groups = moments_from([_chain(1, (9.0, 24.0), 2, (0.0, 15.0)), _chain(1, (19.0, 36.0), 2, (4.0, 21.0))])
    assert groups == [[("pool-cut.mp4", 0.0, 21.0), ("pool.mp4", 9.0, 36.0)]]


def test_touching_spans_of_one_video_are_one_occurrence(moments_from):
    """Two stretches of one video back to back, both matching one clip of another (a loop, say)."""
    groups = moments_from([_chain(1, (9.0, 19.0), 2, (0.0, 10.0)), _chain(1, (19.0, 30.0), 2, (1.0, 11.0))])
    assert groups == [[("pool-cut.mp4", 0.0, 11.0), ("pool.mp4", 9.0, 30.0)]]


def test_one_video_whose_only_repeat_overlaps_itself_is_no_group(moments_from):
    assert moments_from([_chain(1, (9.0, 24.0), 1, (20.0, 36.0))]) == []


def test_separate_stretches_of_one_video_stay_two_occurrences(moments_from):
    groups = moments_from([_chain(3, (0.0, 8.0), 3, (12.0, 20.0))])
    assert groups == [[("twice.mp4", 0.0, 8.0), ("twice.mp4", 12.0, 20.0)]]
