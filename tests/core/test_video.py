"""Videos as sampled frames: decoding, timestamps, damage, and indexing them through `core.library`."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from core.errors import LibraryError, MediaError
from core.indexing import decoders
from core.indexing.control import Control
from core.indexing.settings import IndexSettings
from core.media.video import MAX_SHARED_S, ReadResult, Sampling, frame_at, probe, read_frames
from core.store.catalog import Embedded, Item, MediaFile
from tests.conftest import TINY_MODEL, medialens_cmd, save_random_weights
from tests.e2e.test_cli import run
from tests.video_factory import Segment, audio_only, mean_colour, segment_frame, truncate, write_video

RED, GREEN, BLUE, YELLOW = (220, 30, 30), (30, 220, 30), (30, 30, 220), (230, 230, 40)
#: 10 s at 10 fps; the green shot (0.4 s) falls between two 1-per-second samples.
COLOUR_SEGMENTS = [Segment(3.0, RED), Segment(0.4, GREEN), Segment(4.0, BLUE), Segment(2.6, YELLOW)]
#: Index options that embed every sample (the factory's slowly panning shots would otherwise share one).
EVERY_SAMPLE = IndexSettings(dedup=False)


def colour_at(spans, t: float):
    for (a, b), seg in zip(spans, COLOUR_SEGMENTS, strict=True):
        if a <= t < b:
            return seg.colour
    return COLOUR_SEGMENTS[-1].colour


@pytest.fixture(scope="module")
def colour_videos(tmp_path_factory):
    """The colour segments with the encoder's default GOP (one keyframe) and with 0.5 s GOPs."""
    folder = tmp_path_factory.mktemp("colours")
    long_gop = folder / "long_gop.mp4"
    short_gop = folder / "short_gop.mp4"
    spans = write_video(long_gop, COLOUR_SEGMENTS)
    assert write_video(short_gop, COLOUR_SEGMENTS, gop=5) == spans
    return {"long": long_gop, "short": short_gop}, spans


@pytest.mark.parametrize("strategy", ["adaptive", "full"])
@pytest.mark.parametrize("gop", ["long", "short"])
def test_sampled_frames_show_what_is_on_screen_at_their_time(colour_videos, gop, strategy):
    videos, spans = colour_videos
    result = ReadResult()
    frames = list(read_frames(videos[gop], Sampling(1.0, strategy), result=result))
    times = [f.t_s for f in frames]
    assert times[0] == 0.0 and times == sorted(set(times)) and times[-1] < 10.0
    gaps = np.diff([*times, result.extent_s])
    assert gaps.max() <= 1.0 + 0.1 + 1e-9, f"a gap of {gaps.max():.2f} s: sampling must be about 1 per second"
    for f in frames:
        assert np.abs(mean_colour(f.image) - colour_at(spans, f.t_s)).max() < 40, f"wrong frame at {f.t_s}"
    green = spans[1]
    assert any(green[0] <= t < green[1] for t in times), f"the 0.4 s shot was missed: {times}"
    assert result.info.duration_s == pytest.approx(10.0) and result.extent_s == pytest.approx(10.0)
    assert result.error is None


def test_a_decoding_device_that_fails_to_open_falls_back_to_software_once(colour_videos, monkeypatch):
    import av
    from av.codec import hwaccel

    from core.media import video

    path = colour_videos[0]["long"]
    software = [(f.t_s, f.image.tobytes()) for f in read_frames(path, Sampling())]
    real_open, tried = av.open, []

    def device_fails(file, *args, hwaccel=None, **kwargs):
        if hwaccel is not None:
            tried.append(hwaccel)
            raise PermissionError(1, "Operation not permitted")  # what PyAV raises for CUDA without a GPU
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(av, "open", device_fails)
    monkeypatch.setattr(hwaccel, "hwdevices_available", lambda: ["cuda", "vaapi"])
    monkeypatch.setattr(video, "_HW_FAILED", set())
    monkeypatch.delenv(video.HWDEC_ENV, raising=False)
    assert video.hardware_decoders() == [] and list(read_frames(path, Sampling())) and not tried  # off by default
    monkeypatch.setenv(video.HWDEC_ENV, "vulkan,cuda")
    assert video.hardware_decoders() == ["cuda"]  # a type this FFmpeg lacks is left out
    for _ in range(2):
        assert [(f.t_s, f.image.tobytes()) for f in read_frames(path, Sampling())] == software
    assert len(tried) == 1 and video.hardware_decoders() == []  # the failed device is not tried for every file


def test_fps_option_sets_the_sampling_rate(colour_videos):
    videos, _ = colour_videos
    every_half = [f.t_s for f in read_frames(videos["long"], Sampling(2.0))]
    every_two = [f.t_s for f in read_frames(videos["long"], Sampling(0.5))]
    assert 19 <= len(every_half) <= 22 and 5 <= len(every_two) <= 8
    assert max(np.diff(every_half)) <= 0.5 + 1e-9


def test_a_cut_adds_a_sample_and_short_gops_cost_only_their_keyframes(colour_videos):
    videos, spans = colour_videos
    long_result, short_result = ReadResult(), ReadResult()
    long_frames = list(read_frames(videos["long"], result=long_result))
    list(read_frames(videos["short"], result=short_result))
    blue_starts = spans[2][0]
    assert any(f.cut and abs(f.t_s - blue_starts) < 1e-6 for f in long_frames), "cut to blue not sampled"
    assert short_result.decoded == 20, "0.5 s GOPs: only their 20 keyframes are decoded, of 100 frames"
    assert long_result.decoded < 100


def test_samples_that_look_like_the_last_embedded_one_share_it(colour_videos):
    videos, spans = colour_videos
    frames = list(read_frames(videos["long"]))
    every = list(read_frames(videos["long"], Sampling(dedup=False)))
    assert [f.t_s for f in frames] == [f.t_s for f in every] and not any(f.shares for f in every)
    new = [f.t_s for f in frames if not f.shares]
    # one new sample per colour shot: the still shots' other seconds share its vector
    assert len(new) == len(spans), new
    for (a, b), t in zip(spans, new, strict=True):
        assert a <= t < b


def test_a_shared_frame_stands_for_its_stretch_in_the_catalog(make_library, colour_videos, tmp_path):
    videos, spans = colour_videos
    folder = tmp_path / "c"
    folder.mkdir()
    shutil.copy2(videos["long"], folder / "colours.mp4")
    lib = make_library()
    lib.index([folder])
    rec, items = _items(lib, folder / "colours.mp4")
    assert len(items) == len(spans), items  # one item per still shot
    late_in_blue = spans[2][1] - 0.2  # nearer the yellow shot's item than the blue one's
    with Image.open(lib.frame_thumbnail(rec.id, late_in_blue)) as thumb:
        assert np.abs(mean_colour(thumb) - BLUE).max() < 40


def test_a_quiet_long_gop_costs_its_keyframe_and_a_busy_one_is_decoded(tmp_path):
    still = tmp_path / "still.mp4"
    write_video(still, [Segment(10.0, RED), Segment(10.0, RED)], gop=50)  # 5 s GOPs of one still picture
    result, full = ReadResult(), ReadResult()
    frames = list(read_frames(still, result=result))
    list(read_frames(still, Sampling(dedup=False), result=full))
    # the first three GOPs look like the GOP after them: their keyframes alone are decoded (the last
    # one has no GOP after it to compare with, and is sampled as usual)
    assert [f.t_s for f in frames[:3]] == [0.0, 5.0, 10.0] and result.decoded <= 3 + 50
    assert full.decoded >= 100 and result.decoded < full.decoded / 2
    assert [f.t_s for f in frames if not f.shares] == [0.0, 10.0]  # no vector stands for over MAX_SHARED_S
    moving = tmp_path / "moving.mp4"
    write_video(moving, [Segment(2.0, seed=k) for k in range(6)], gop=50)  # cuts inside the GOPs
    busy = ReadResult()
    times = [f.t_s for f in read_frames(moving, result=busy)]
    assert busy.decoded > 20 and max(np.diff(times)) <= 1.5, "a GOP that changes is sampled every second"
    plain = ReadResult()
    list(read_frames(moving, Sampling(dedup=False), result=plain))
    assert plain.decoded >= busy.decoded


def test_reading_again_at_given_times_returns_those_frames(colour_videos):
    videos, spans = colour_videos
    wanted = [0.0, 3.1, 3.4, 9.9]
    frames = list(read_frames(videos["long"], targets=wanted))
    assert [f.t_s for f in frames] == wanted
    for f in frames:
        assert np.abs(mean_colour(f.image) - colour_at(spans, f.t_s)).max() < 40
    assert np.abs(mean_colour(frame_at(videos["short"], 3.2)) - GREEN).max() < 40


@pytest.mark.parametrize(("codec", "ext"), [("libx264", ".mov"), ("libx265", ".mkv"), ("libvpx", ".webm"),
                                           ("libvpx-vp9", ".webm"), ("libsvtav1", ".mkv"), ("mpeg4", ".avi")])
def test_every_codec_and_container_the_issue_names(tmp_path, codec, ext):
    import av

    if codec not in av.codecs_available:
        pytest.skip(f"this FFmpeg build has no {codec} encoder to make the test video")
    segments = [Segment(1.5, RED), Segment(1.5, BLUE)]
    path = tmp_path / f"clip{ext}"
    write_video(path, segments, codec=codec)
    result = ReadResult()
    frames = list(read_frames(path, result=result))
    assert [f.t_s for f in frames][:1] == [0.0] and result.extent_s == pytest.approx(3.0)
    assert max(np.diff([*(f.t_s for f in frames), 3.0])) <= 1.5 + 1e-9
    for f in frames:
        assert np.abs(mean_colour(f.image) - (RED if f.t_s < 1.5 else BLUE)).max() < 40, (codec, f.t_s)


def test_variable_frame_rate_follows_the_timestamps(tmp_path):
    from fractions import Fraction

    import av

    path = tmp_path / "vfr.mp4"
    stamps = np.cumsum([0] + [50 if k % 2 else 150 for k in range(39)])  # ms: 10 fps on average, uneven
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=10, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for ms in stamps:
            frame = av.VideoFrame.from_image(Image.new("RGB", (96, 64), RED if ms < 2000 else BLUE))
            frame.pts, frame.time_base = int(ms), Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    frames = list(read_frames(path, Sampling(strategy="full")))
    assert {round(f.t_s * 1000) for f in frames} <= set(stamps.tolist()), "times are the frames' own"
    for f in frames:
        assert np.abs(mean_colour(f.image) - (RED if f.t_s < 2.0 else BLUE)).max() < 40, f.t_s
    assert max(np.diff([f.t_s for f in frames])) <= 1.15


def test_a_stream_without_timestamps_gets_times_from_its_frame_rate(tmp_path):
    import av

    path = tmp_path / "raw.h264"  # an elementary stream: no container, no timestamps
    with av.open(str(path), "w", format="h264") as out:
        stream = out.add_stream("libx264", rate=10, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for i in range(30):
            frame = av.VideoFrame.from_image(Image.new("RGB", (96, 64), RED if i < 15 else BLUE))
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    result = ReadResult()
    times = [f.t_s for f in read_frames(path, Sampling(strategy="full"), result=result)]
    assert result.decoded == 30 and times[0] == 0.0 and np.all(np.diff(times) > 0)
    assert result.extent_s == pytest.approx(30 / result.info.fps)


def test_rotation_metadata_is_honoured(tmp_path):
    path = tmp_path / "portrait.mp4"
    write_video(path, [Segment(1.0, seed=3)], size=(96, 64), rotation=90)
    upright = np.asarray(segment_frame(Segment(1.0, seed=3), 0, (96, 64)).transpose(Image.Transpose.ROTATE_90),
                         dtype=np.float32)
    result = ReadResult()
    first = next(read_frames(path, result=result))
    assert first.image.size == (64, 96)
    assert result.info.width == 64 and result.info.height == 96 and result.info.rotation == 90
    assert np.abs(np.asarray(first.image, dtype=np.float32) - upright).mean() < 12, "turned the wrong way"


@pytest.mark.parametrize(("name", "make", "reason"), [
    ("zero.mp4", lambda p: p.write_bytes(b""), "empty file"),
    ("notes.mp4", lambda p: p.write_text("not a video"), "not a video or image"),
    ("voice.mp4", audio_only, "no video stream (audio only)"),
])
def test_files_that_are_not_videos_raise_a_clear_reason(tmp_path, name, make, reason):
    path = tmp_path / name
    make(path)
    with pytest.raises(MediaError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        list(read_frames(path))


def test_real_clips_decode_with_times_inside_their_duration(shared_data):
    folder = shared_data / "videos"
    clips = sorted(p for p in folder.iterdir() if p.suffix != ".json")
    assert len(clips) == 17
    for clip in clips:
        result = ReadResult()
        times = [f.t_s for f in read_frames(clip, result=result)]
        assert result.error is None, (clip.name, result.error)
        header = probe(clip).duration_s
        extent = result.extent_s
        if header:
            assert abs(extent - header) < 0.25, (clip.name, extent, header)
        assert times and times[0] <= 0.2 and times[-1] < extent, clip.name
        assert max(np.diff([*times, extent])) <= 1.5, (clip.name, times)


def test_bad_sampling_options_fail_the_run_at_once(make_library, tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    lib = make_library()
    with pytest.raises(LibraryError, match="sampling rate"):
        lib.index([folder], fps=0)
    with pytest.raises(LibraryError, match="decode strategy"):
        lib.index([folder], decode="everything")


# ----- through the indexer ------------------------------------------------------------------------

@pytest.fixture
def count_video_decodes(monkeypatch):
    calls = []
    original = decoders.DECODERS["video"]

    def counting(job, ctx):
        calls.append((job.path, job.items))
        yield from original(job, ctx)

    monkeypatch.setitem(decoders.DECODERS, "video", counting)
    return calls


def _items(lib, path):
    rec = lib.catalog.file_by_path(str(path))
    return rec, lib.catalog.items_of_file(rec.id)


def test_index_real_clips_with_progress_in_seconds(make_library, shared_data, tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    names = ["moviepy_pigs_in_a_polka.gif", "moviepy_big_buck_bunny_432_433.webm", "mmaction2_tests_test.avi",
             "moviepy_video_with_failing_audio.mp4", "imageio_test.webm", "imageio_realshort.mp4"]
    for name in names:
        shutil.copy2(shared_data / "videos" / name, folder / name)
    seen = []
    lib = make_library()
    report = lib.index([folder], progress=lambda p: seen.append((p.phase, p.video_s_done, p.video_s_total)))
    assert report.indexed == len(names) and not report.failed, report.failed
    planned = max(total for _, _, total in seen)
    assert planned == pytest.approx(sum(probe(folder / n).duration_s or 0 for n in names))
    assert seen[-1][1] == pytest.approx(report.video_seconds) and report.video_seconds > planned  # + webm w/o header
    dones = [d for phase, d, _ in seen if phase == "embed"]
    assert dones == sorted(dones)
    assert lib.status().videos == len(names)
    for name in names:
        rec, items = _items(lib, folder / name)
        assert rec.kind == "video" and rec.status == "ok" and rec.error is None, (name, rec.error)
        assert rec.duration_s > 0 and rec.width > 0 and rec.height > 0 and rec.codec and rec.fps
        times = [t for _, t in items]
        # one item per new-looking second: a sample that looks like the last embedded one shares its item
        assert times[0] <= 0.2 and all(0 <= t < rec.duration_s for t in times)
        assert max(np.diff([*times, rec.duration_s])) <= MAX_SHARED_S + 1.5
        poster = lib.thumbnail(rec.id)
        assert poster is not None and poster.exists()
        for t in times:
            expected = lib.thumbs.path_for(rec.content_hash, f"-t{round(t * 1000)}")
            assert lib.frame_thumbnail(rec.id, t + 0.05) == expected
    gif = lib.catalog.file_by_path(str(folder / "moviepy_pigs_in_a_polka.gif"))
    assert (gif.format, gif.duration_s) == ("gif", pytest.approx(3.0))


def test_damaged_and_non_video_files_are_reported_never_fatal(make_library, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    write_video(folder / "good.mp4", [Segment(3.0, seed=1)])
    write_video(folder / "cut_short.mp4", [Segment(5.0, seed=1), Segment(5.0, seed=2)], faststart=True)
    truncate(folder / "cut_short.mp4", 0.6)
    write_video(folder / "cut_short.webm", [Segment(5.0, seed=1), Segment(5.0, seed=2)], codec="libvpx-vp9")
    truncate(folder / "cut_short.webm", 0.5)
    write_video(folder / "no_index.mp4", [Segment(5.0, seed=1)])
    truncate(folder / "no_index.mp4", 0.5)  # its index (moov) was at the end
    (folder / "zero.mp4").write_bytes(b"")
    (folder / "notes.avi").write_text("not a video")
    audio_only(folder / "voice.mp4")
    lib = make_library()
    report = lib.index([folder])
    reasons = {os.path.basename(p): r for p, r in report.failed}
    assert set(reasons) == {"no_index.mp4", "zero.mp4", "notes.avi", "voice.mp4"}
    assert "corrupt or truncated" in reasons["no_index.mp4"]
    assert "empty" in reasons["zero.mp4"] and "not a video" in reasons["notes.avi"]
    assert "audio only" in reasons["voice.mp4"]
    assert report.indexed == 3
    for name in ("cut_short.mp4", "cut_short.webm"):
        rec, items = _items(lib, folder / name)
        assert rec.status == "ok" and "truncated" in rec.error, rec.error
        assert len(items) >= 2 and all(t < rec.duration_s for _, t in items) and rec.duration_s < 8
    assert lib.catalog.file_by_path(str(folder / "good.mp4")).error is None
    assert lib.index().indexed == 0  # failures are not retried while unchanged


def test_reindex_of_an_unchanged_video_does_no_decode_work(make_library, tmp_path, count_video_decodes):
    folder = tmp_path / "v"
    folder.mkdir()
    write_video(folder / "a.mp4", [Segment(2.0, seed=1), Segment(2.0, seed=2)])
    lib = make_library()
    lib.index([folder])
    assert len(count_video_decodes) == 1
    report = lib.index()
    assert report.unchanged == 1 and report.indexed == 0 and len(count_video_decodes) == 1


def test_cancel_mid_video_resumes_and_completes_it(make_library, tmp_path, monkeypatch):
    folder = tmp_path / "v"
    folder.mkdir()
    segments = [Segment(6.0, seed=1), Segment(6.0, seed=2), Segment(6.0, seed=3)]
    write_video(folder / "long.mp4", segments)
    control = Control()
    committed = [0]
    original = decoders.DECODERS["video"]

    def cancel_once_some_frames_are_committed(job, ctx):
        # Decoding outruns the progress reports on a small video: cancel from the decoder, once the
        # writer has said it committed some frames, so the cancel lands mid-video whatever the speed.
        for n, ev in enumerate(original(job, ctx)):
            yield ev
            if n == 8:
                deadline = time.monotonic() + 20
                while committed[0] < 4 and time.monotonic() < deadline:
                    time.sleep(0.02)
                control.cancel()

    def count_committed(p):
        committed[0] = max(committed[0], p.frames_done)

    monkeypatch.setitem(decoders.DECODERS, "video", cancel_once_some_frames_are_committed)
    lib = make_library(settings=EVERY_SAMPLE)
    first = lib.index([folder], progress=count_committed, control=control, batch_size=2)
    monkeypatch.setitem(decoders.DECODERS, "video", original)
    assert first.cancelled and first.indexed == 0
    rec, partial = _items(lib, folder / "long.mp4")
    with lib.catalog.session() as s:
        assert s.scalar(select(Embedded).where(Embedded.file_id == rec.id)) is None
    assert 4 <= len(partial) < 18, "a part of the video was committed before the cancel"

    second = lib.index()
    assert second.indexed == 1
    _, items = _items(lib, folder / "long.mp4")
    fresh = make_library("fresh", settings=EVERY_SAMPLE)
    fresh.index([folder])
    _, expected = _items(fresh, folder / "long.mp4")
    assert [t for _, t in items] == [t for _, t in expected], "the partial items were replaced, not added to"
    assert not {i for i, _ in partial} & {i for i, _ in items}
    engine = lib.engine()
    assert lib.catalog.vector_count(engine.model_id) == len(items) == len(engine.vindex)


@pytest.fixture(scope="session")
def other_tiny_weights(tiny_config_dir, tmp_path_factory):
    """The tiny model with other random weights: a second model, a second vector space."""
    return save_random_weights(tiny_config_dir, tmp_path_factory.mktemp("weights_b"), seed=1)


def test_a_second_model_embeds_the_frames_of_the_existing_items(make_library, tmp_path, other_tiny_weights,
                                                                 count_video_decodes):
    folder = tmp_path / "v"
    folder.mkdir()
    path = folder / "shots.mp4"
    write_video(path, [Segment(2.5, seed=1), Segment(1.5, seed=2), Segment(3.0, seed=3)])
    lib_a = make_library()
    lib_a.index([folder])
    _, items_a = _items(lib_a, path)
    lib_a.close()

    lib_b = make_library(weights=other_tiny_weights)
    seen = []
    assert lib_b.index([folder], fps=3, progress=lambda p: seen.append((p.phase, p.video_s_total))).indexed == 1
    # the progress total comes from the catalog before anything is decoded, and is not counted twice
    assert [total for phase, total in seen if phase == "plan"] == [pytest.approx(7.0)]
    assert max(total for _, total in seen) == pytest.approx(7.0)
    assert sorted(count_video_decodes[-1][1]) == sorted(items_a), "the decoder was given the existing items"
    _, items_b = _items(lib_b, path)
    assert items_b == items_a, "no new items: the second model's vectors go onto the same ones"
    engine = lib_b.engine()
    assert lib_b.catalog.vector_count(engine.model_id) == len(items_a)
    with lib_b.catalog.session() as s:
        assert s.scalar(select(Item).where(Item.file_id.not_in(select(MediaFile.id)))) is None
    for item_id, t in items_a:
        expected = lib_b.models.encoder.encode_images([frame_at(path, t, min_side=240)])[0]
        assert float(engine.context.item_vector(item_id) @ expected) > 0.99, f"the vector of {t} s is another frame's"


def test_sigkill_mid_video_then_resume_replaces_the_partial_frames(tmp_path, cli_env, tiny_weights):
    folder = tmp_path / "v"
    folder.mkdir()
    path = folder / "long.mp4"
    write_video(path, [Segment(20.0, seed=s) for s in (1, 2, 3)])
    expected = [round(f.t_s, 6) for f in read_frames(path, Sampling(10.0, dedup=False))]
    home = tmp_path / "home"
    env = dict(cli_env, MEDIALENS_HOME=str(home))
    args = ["index", str(folder), "--model", TINY_MODEL, "--weights", str(tiny_weights), "--fps", "10",
            "--batch-size", "8", "--quiet", "--every-frame"]
    proc = subprocess.Popen(medialens_cmd(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def counts() -> tuple[int, int, int, int]:
        with sqlite3.connect(home / "catalog.db") as db:
            return (db.execute("select count(*) from items").fetchone()[0],
                    db.execute("select count(*) from embedded").fetchone()[0],
                    db.execute("select count(*) from vectors").fetchone()[0],
                    db.execute("select count(distinct t_s) from items").fetchone()[0])

    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        try:
            if counts()[0] >= 40:
                break
        except sqlite3.OperationalError:  # not created yet
            pass
        time.sleep(0.05)
    assert proc.poll() is None, "indexing finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    items, embedded, _, _ = counts()
    assert embedded == 0 and 40 <= items < len(expected), (items, len(expected))

    resumed = run(["index", "--quiet", "--fps", "10", "--every-frame"], env)
    assert resumed.returncode == 0, resumed.stderr
    assert "indexed 1," in resumed.stdout, resumed.stdout
    assert counts() == (len(expected), 1, len(expected), len(expected)), "every frame once, with one vector"
    with sqlite3.connect(home / "catalog.db") as db:
        times = [round(t, 6) for (t,) in db.execute("select t_s from items order by t_s")]
    assert times == expected
