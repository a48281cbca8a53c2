"""Moments: localisation on known similarity curves, then through the facade and the CLI."""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pytest

from core.errors import QueryError
from core.search import moments
from core.search.engine import Filters
from core.search.moments import iou, localise, sample_cells, span_lengths, temporal_moments, threshold_moments
from tests.conftest import TINY_MODEL
from tests.media_factory import write_pictures
from tests.video_factory import Segment, segment_frame, write_video

# ----- localisers on synthetic curves ---------------------------------------------------------------


def curve(levels: list[tuple[int, float]], noise: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Similarities of 1-per-second samples: (seconds, level) stretches, plus Gaussian noise."""
    sims = np.concatenate([np.full(n, lvl) for n, lvl in levels])
    sims = sims + np.random.default_rng(seed).normal(0, noise, len(sims))
    return sims, np.arange(len(sims), dtype=np.float64)


def test_each_sample_stands_for_the_time_until_the_next():
    starts, ends = sample_cells(np.array([0.04, 1.0, 2.0, 3.4, 4.4]), 5.2)
    assert starts.tolist() == [0.0, 1.0, 2.0, 3.4, 4.4]
    assert ends.tolist() == [1.0, 2.0, 3.4, 4.4, 5.2]
    _, ends = sample_cells(np.array([0.0, 1.0, 2.0]), None)
    assert ends[-1] == 3.0  # no duration: the last sample lasts one usual step


@pytest.mark.parametrize("method", moments.METHODS)
def test_a_clean_segment_is_found_exactly(method):
    sims, times = curve([(10, 0.20), (6, 0.30), (12, 0.21)])
    best = localise(sims, times, 28.0, 3, method)[0]
    assert (best.start_s, best.end_s) == (10.0, 16.0)
    assert 10 <= best.t_s < 16 and best.score == pytest.approx(0.30)


def test_repeated_content_gives_distinct_moments_and_nothing_overlaps():
    sims, times = curve([(8, 0.2), (5, 0.31), (9, 0.2), (4, 0.3), (8, 0.22)], noise=0.005, seed=3)
    for method in moments.METHODS:
        found = localise(sims, times, 34.0, 5, method)
        spans = sorted((m.start_s, m.end_s) for m in found[:2])
        assert iou(spans[0], (8, 13)) >= 0.7 and iou(spans[1], (22, 26)) >= 0.7, (method, found)
        for a in found:
            for b in found:
                if a is not b:
                    inter = max(0.0, min(a.end_s, b.end_s) - max(a.start_s, b.start_s))
                    assert inter <= moments.NMS_OVERLAP * min(a.end_s - a.start_s, b.end_s - b.start_s)


def test_temporal_context_bridges_a_dip_the_baseline_splits():
    # a 12 s shot whose middle second drops (an occlusion): one moment, not two halves
    sims, times = curve([(10, 0.20), (6, 0.30), (1, 0.22), (5, 0.30), (10, 0.20)])
    temporal = temporal_moments(sims, times, 32.0, 3)[0]
    assert (temporal.start_s, temporal.end_s) == (10.0, 22.0)
    baseline = threshold_moments(sims, times, 32.0, 3)
    assert len(baseline) == 2 and iou((baseline[0].start_s, baseline[0].end_s), (10, 22)) < 0.6


def test_a_steady_match_outranks_one_sample_that_tops_it_by_less_than_the_jitter():
    # frames jitter by +-0.02 around their shot's level; one lone sample tops shot A's best by 0.01
    jitter = np.tile([-0.02, 0.02], 40)
    sims = np.concatenate([np.full(10, 0.20), np.full(20, 0.30), np.full(9, 0.20), [0.33], np.full(10, 0.20)])
    sims = sims + jitter[: len(sims)] * (np.arange(len(sims)) != 39)
    times = np.arange(len(sims), dtype=np.float64)
    best = temporal_moments(sims, times, 50.0, 1)[0]
    assert iou((best.start_s, best.end_s), (10, 30)) >= 0.9, best
    assert threshold_moments(sims, times, 50.0, 1)[0].start_s == 39.0  # the baseline follows the best frame


def test_a_short_shot_that_matches_best_beats_a_long_one_that_matches_less():
    # a long near-duplicate shot holds more evidence; the short shot is the better answer
    sims, times = curve([(5, 0.0), (18, 0.38), (40, -0.2), (5, 0.47), (10, -0.2)])
    found = temporal_moments(sims, times, 78.0, 2)
    assert [(m.start_s, m.end_s) for m in found] == [(63.0, 68.0), (5.0, 23.0)]
    assert found[0].score == pytest.approx(0.47) and found[0].rank <= found[0].score


def test_uneven_samples_weigh_by_the_time_they_stand_for():
    # a cut sample 0.2 s before the next regular one: the moment starts at the cut
    times = np.array([0, 1, 2, 3, 3.8, 4, 5, 6, 7, 8], dtype=np.float64)
    sims = np.array([0.2, 0.2, 0.2, 0.2, 0.3, 0.3, 0.3, 0.3, 0.2, 0.2])
    best = temporal_moments(sims, times, 9.0, 1)[0]
    assert (best.start_s, best.end_s) == (3.8, 7.0)


def test_a_flat_video_is_one_moment_and_sparse_lengths_reach_the_whole():
    sims, times = curve([(40, 0.25)])
    best = temporal_moments(sims, times, 40.0, 3)
    assert len(best) == 1 and (best[0].start_s, best[0].end_s) == (0.0, 40.0)
    lengths = span_lengths(10_000, dense=16, longest=600)
    assert lengths[:16] == list(range(1, 17)) and lengths[16:19] == [18, 20, 22] and max(lengths) <= 600
    assert all(b > a for a, b in itertools.pairwise(lengths))


@pytest.mark.parametrize("method", moments.METHODS)
def test_only_stretches_above_the_videos_level_are_moments(method):
    faint, times = curve([(10, 0.20), (5, 0.32), (10, 0.20), (5, 0.215), (10, 0.2)])
    assert [(m.start_s, m.end_s) for m in localise(faint, times, 40.0, 5, method)] == [(10.0, 15.0)]
    clear, _ = curve([(10, 0.20), (5, 0.32), (10, 0.20), (5, 0.28), (10, 0.2)])
    assert [(m.start_s, m.end_s) for m in localise(clear, times, 40.0, 5, method)] == [(10.0, 15.0), (25.0, 30.0)]


def test_unknown_method_is_a_clear_error():
    with pytest.raises(QueryError, match="unknown moment method"):
        localise(np.zeros(3), np.arange(3.0), 3.0, 1, "magic")


# ----- through the facade, with the tiny model --------------------------------------------------------

SIZE = (96, 64)
#: Seeds of the shots; 12 comes twice, so a query for it has two distinct answers.
SHOTS = [Segment(4.0, seed=11), Segment(3.0, seed=12), Segment(4.0, seed=13), Segment(3.0, seed=12),
         Segment(3.0, seed=14)]


@pytest.fixture(scope="module")
def video_library(tmp_path_factory, tiny_weights):
    from core.library import Library

    root = tmp_path_factory.mktemp("moments")
    media = root / "media"
    (media / "videos").mkdir(parents=True)
    spans = write_video(media / "videos" / "shots.mp4", SHOTS, size=SIZE)
    write_pictures(media / "photos", 6, start=40)
    lib = Library(root / "lib", model=TINY_MODEL, weights=tiny_weights, device="cpu")
    report = lib.index([media])
    assert report.indexed == 7 and not report.failed
    yield lib, media, spans
    lib.close()


def shot_query(lib, seed: int) -> np.ndarray:
    """The vector of a frame of shot `seed` (drawn afresh, not read from the video)."""
    return lib.models.encoder.encode_images([segment_frame(Segment(1.0, seed=seed), 7, SIZE)])[0]


def test_moments_inside_one_video_come_back_inside_the_right_shot(video_library):
    lib, media, spans = video_library
    path = str(media / "videos" / "shots.mp4")
    for shot in (0, 2, 4):
        best = lib.moments(shot_query(lib, SHOTS[shot].seed), video=path, n=3)[0]
        assert iou((best.start_s, best.end_s), spans[shot]) >= 0.7, (shot, best)
        assert spans[shot][0] <= best.t_s < spans[shot][1] and best.path == path
    twice = lib.moments(shot_query(lib, 12), video=path, n=2)
    found = sorted((h.start_s, h.end_s) for h in twice)
    assert iou(found[0], spans[1]) >= 0.7 and iou(found[1], spans[3]) >= 0.7


def test_moments_across_the_library_and_mixed_with_photos(video_library, tmp_path):
    lib, media, spans = video_library
    vec = shot_query(lib, 13)
    best = lib.moments(vec, n=3)
    assert best[0].kind == "video" and iou((best[0].start_s, best[0].end_s), spans[2]) >= 0.7
    assert all(h.kind == "video" and h.end_s > h.start_s for h in best)
    assert lib.moments(vec, filters=Filters(folder=str(media / "photos"))) == []
    # a picture of that shot, from outside the library, finds the moment among the photos
    outside = tmp_path / "still.png"
    segment_frame(Segment(1.0, seed=13), 7, SIZE).save(outside)
    hits = lib.similar(outside, n=10)
    kinds = {h.kind for h in hits}
    assert kinds == {"image", "video"} and [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    moment = next(h for h in hits if h.kind == "video")
    assert iou((moment.start_s, moment.end_s), spans[2]) >= 0.7
    as_json = moment.to_json()
    assert as_json["start_s"] == round(moment.start_s, 3) and as_json["end_s"] == round(moment.end_s, 3)
    photo = next(h for h in hits if h.kind == "image")
    assert photo.start_s is None and "start_s" not in photo.to_json()


def test_timeline_gives_the_curve_and_the_moments(video_library):
    lib, media, spans = video_library
    rec = lib.catalog.file_by_path(str(media / "videos" / "shots.mp4"))
    items = lib.catalog.items_of_file(rec.id)
    plain = lib.timeline(rec.id)
    assert plain.scores is None and plain.moments == [] and plain.duration_s == pytest.approx(17.0)
    assert plain.times.tolist() == [t for _, t in items]
    line = lib.timeline(rec.id, shot_query(lib, 12))
    assert line.scores.shape == line.times.shape
    peak = float(line.times[int(np.argmax(line.scores))])
    assert any(a <= peak < b for a, b in (spans[1], spans[3]))
    assert len(line.moments) == 2 and all(h.file.id == rec.id for h in line.moments)
    assert lib.timeline(rec.id, "a red circle").scores is not None  # text queries too



def test_a_hit_carries_the_query_that_found_it_so_its_timeline_shows_that_querys_moments(video_library, tmp_path):
    lib = video_library[0]
    still = tmp_path / "shot13.png"
    segment_frame(Segment(1.0, seed=13), 7, SIZE).save(still)
    for hits in (lib.similar(still, n=10), lib.compose(still, "a shape", n=10, balance=0.1)):
        moment = next(h for h in hits if h.kind == "video")
        assert moment.query is not None
        line = lib.timeline(moment.file.id, moment.query)
        # the result's own moment is on its timeline (with the words alone it need not be)
        assert any(iou((m.start_s, m.end_s), (moment.start_s, moment.end_s)) >= 0.9 for m in line.moments), \
            (moment.start_s, moment.end_s, [(m.start_s, m.end_s) for m in line.moments])

def test_thumbnails_of_frames_and_the_poster_are_remade_when_lost(video_library):
    lib, media, _ = video_library
    rec = lib.catalog.file_by_path(str(media / "videos" / "shots.mp4"))
    poster = lib.thumbnail(rec.id)
    frame = lib.frame_thumbnail(rec.id, 7.6)
    # the sample at 7 s stands for 7.6 s (each item covers the time until the next one)
    assert poster.exists() and frame.name.endswith("-t7000.webp"), frame
    poster.unlink()
    frame.unlink()
    assert lib.thumbnail(rec.id).exists() and lib.frame_thumbnail(rec.id, 7.6).exists()
    photo = lib.catalog.file_by_path(str(next((media / "photos").iterdir())))
    assert lib.frame_thumbnail(photo.id, 1.0) is None


def test_moment_queries_on_things_that_are_not_videos_are_clear_errors(video_library, tmp_path):
    lib, media, _ = video_library
    photo = str(next((media / "photos").iterdir()))
    with pytest.raises(QueryError, match="is a photo, not a video"):
        lib.moments("x", video=photo)
    outside = tmp_path / "other.mp4"
    write_video(outside, [Segment(1.0, seed=1)])
    with pytest.raises(QueryError, match="not in the library"):
        lib.moments("x", video=str(outside))
    with pytest.raises(QueryError, match="no library item with id 999"):
        lib.timeline(999)
    with pytest.raises(QueryError, match="no such file"):
        lib.moments("x", video=str(tmp_path / "gone.mp4"))
    with pytest.raises(QueryError, match="only says what to avoid"):
        lib.moments("-people")


def test_moment_texts_avoid_words_as_search_does(video_library):
    from core.search.query import text_query

    lib, media, _ = video_library
    video = str(media / "videos" / "shots.mp4")
    avoiding = text_query(lib.engine().context, 'a red shot -"blue sky"').vector
    plain = text_query(lib.engine().context, "a red shot").vector
    by_text = lib.timeline(lib.engine().context.resolve_file(video), 'a red shot -"blue sky"')
    by_vector = lib.timeline(lib.engine().context.resolve_file(video), avoiding)
    np.testing.assert_allclose(by_text.scores, by_vector.scores, atol=1e-6)
    assert [(m.start_s, m.end_s) for m in by_text.moments] == [(m.start_s, m.end_s) for m in by_vector.moments]
    assert float(plain @ avoiding) < 0.9999  # the avoided phrase moved the query, not embedded as words


def test_cli_moments_search_and_index_fps(tmp_path, tiny_weights, capsys):
    from core.cli import main

    home = ["--library", str(tmp_path / "home")]
    model = ["--model", TINY_MODEL, "--weights", str(tiny_weights)]
    folder = tmp_path / "videos"
    folder.mkdir()
    write_video(folder / "shots.mp4", SHOTS, size=SIZE)

    def cli(*args: str) -> tuple[int, str, str]:
        code = main([*args, *home])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = cli("index", str(folder), "--fps", "2", "--every-frame", "--json", *model)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["indexed"] == 1 and 32 <= summary["frames"] <= 40, summary  # 17 s at 2 per second
    assert summary["videos"] == 1 and summary["video_frames"] == summary["frames"]
    assert summary["video_seconds"] == pytest.approx(17.0)

    code, out, err = cli("moments", "a green square", "--video", str(folder / "shots.mp4"), "-n", "2")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2, out
    for line in lines:
        # the one result shape of every command: score, path, [id N], and a moment's span
        assert re.fullmatch(r" ?-?\d\.\d{3}  " + re.escape(str(folder / "shots.mp4"))
                            + r"  \[id \d+\]  \d\d:\d\d:\d\d–\d\d:\d\d:\d\d", line), line

    code, out, err = cli("search", "a green square", "--json", "-n", "3")
    hits = json.loads(out)
    assert code == 0 and hits and all({"path", "score", "start_s", "end_s"} <= set(h) for h in hits)
    assert all(0 <= h["start_s"] < h["end_s"] <= 17.0 for h in hits)

    code, out, err = cli("moments", "x", "--video", str(tmp_path / "nope.mp4"))
    assert code == 1 and err.startswith("medialens: error: ") and "nope.mp4: no such file" in err
    assert len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exit_info:
        cli("index", str(folder), "--fps", "0", *model)
    assert exit_info.value.code == 2 and "must be above 0" in capsys.readouterr().err
