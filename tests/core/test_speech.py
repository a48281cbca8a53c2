"""What is said in videos: subtitles (streams and sidecars) and speech (PocketSphinx on espeak-ng voices),
stored in the full-text index with their times and fused with the frames.

The tiny model has random weights, so the frames alone find these moments by chance: when a query for
what is said or subtitled puts that moment first, the subtitle or speech expert did it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from core.indexing import speech
from core.search.moments import iou
from core.store import catalog_speech
from core.store.catalog import Catalog, Item, MediaFile
from tests.speech_factory import RATE, have_tools, soundtrack, write_srt, write_talking_video
from tests.video_factory import Segment, segment_frame

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not have_tools(), reason="needs espeak-ng and sox")]

FPS = 4


def _frames(seconds: float, seeds=(1, 2, 3)) -> list:
    per = seconds / len(seeds)
    return [segment_frame(Segment(per, seed=seeds[min(int(k / FPS / per), len(seeds) - 1)]), k, (160, 120))
            for k in range(int(seconds * FPS))]


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.int16)


@pytest.fixture
def subtitled(tmp_path):
    """A Matroska video with a SubRip stream, an MP4 with a sidecar .srt, one with a WebVTT sidecar
    (language in its name), one with a broken sidecar and one with an empty sidecar."""
    folder = tmp_path / "videos"
    folder.mkdir()
    cues = {
        "stream.mkv": [(2.0, 4.0, "Welcome to the lighthouse tour"), (7.5, 9.0, "Mind the slippery stairs")],
        "sidecar.mp4": [(1.0, 3.5, "The <i>orchard</i> blooms in April"), (6.0, 8.0, "Pick only the ripe plums")],
    }
    write_srt(tmp_path / "stream.srt", cues["stream.mkv"])
    write_talking_video(folder / "stream.mkv", _frames(10), FPS, _silence(10), tmp_path / "stream.srt")
    write_talking_video(folder / "sidecar.mp4", _frames(10, (4, 5, 6)), FPS, _silence(10))
    write_srt(folder / "sidecar.srt", cues["sidecar.mp4"])
    write_talking_video(folder / "webvtt.mp4", _frames(8, (7, 8)), FPS, None)
    (folder / "webvtt.en.vtt").write_text("WEBVTT\n\n00:00:05.000 --> 00:00:06.500\nThe ferry leaves at noon\n",
                                          encoding="utf-8")
    cues["webvtt.mp4"] = [(5.0, 6.5, "The ferry leaves at noon")]
    write_talking_video(folder / "broken.mp4", _frames(6, (9,)), FPS, _silence(6))
    (folder / "broken.srt").write_bytes(b"\x00\x01\x02 this is not a subtitle file \xff\xfe")
    write_talking_video(folder / "empty.mp4", _frames(6, (10,)), FPS, _silence(6))
    (folder / "empty.srt").write_text("", encoding="utf-8")
    return folder, cues


def test_subtitle_streams_and_sidecars_are_found_exactly(make_library, subtitled):
    folder, cues = subtitled
    lib = make_library()
    report = lib.index([folder])  # subtitles are read without asking
    assert report.subtitle_videos == 5 and report.subtitle_lines == 5
    for name, lines in cues.items():
        for start, end, text in lines:
            query = text.replace("<i>", "").replace("</i>", "").lower()
            hit = lib.search(query, n=3)[0]
            assert hit.path == str(folder / name), (query, hit.path)
            assert (hit.start_s, hit.end_s) == pytest.approx((start, end), abs=0.01)
            assert hit.extra["text"]["expert"] == "subtitle"
    assert lib.transcript(lib.catalog.file_by_path(str(folder / "sidecar.mp4")).id)[0].text == \
        "The orchard blooms in April"  # tags taken out
    vtt = catalog_speech.state(lib.catalog, lib.catalog.file_by_path(str(folder / "webvtt.mp4")).id)
    assert vtt["subtitle"].language == "en"
    assert lib.index([folder]).subtitle_videos == 0  # read once


def test_broken_and_empty_subtitles_are_skipped_with_one_clear_line(make_library, subtitled):
    folder, _ = subtitled
    lib = make_library()
    report = lib.index([folder])
    problems = dict(report.problems)
    assert "not a subtitle file that can be read" in problems[str(folder / "broken.srt")]
    assert "empty subtitle file" in problems[str(folder / "empty.srt")]
    assert all("\n" not in reason and "Traceback" not in reason for reason in problems.values())
    assert not report.failed  # the videos themselves are indexed
    for name in ("broken.mp4", "empty.mp4"):
        state = catalog_speech.state(lib.catalog, lib.catalog.file_by_path(str(folder / name)).id)["subtitle"]
        assert state.complete and state.lines == 0 and state.note


@pytest.fixture(scope="module")
def talking(tmp_path_factory):
    """Two talking videos (one with noise under the voice), one without audio (made once: espeak-ng, sox and
    the muxing take seconds)."""
    folder = tmp_path_factory.mktemp("talk")
    said = {}
    audio, said["party.mp4"] = soundtrack([(2.0, "happy birthday to you my friend"),
                                           (9.0, "please open the window")], 14.0, seed=0)
    write_talking_video(folder / "party.mp4", _frames(14), FPS, audio)
    audio, said["office.mp4"] = soundtrack([(1.5, "the budget for next year is approved"),
                                            (8.0, "see you on monday morning")], 12.0, bed="noise", seed=1)
    write_talking_video(folder / "office.mp4", _frames(12, (4, 5)), FPS, audio)
    write_talking_video(folder / "silent.mp4", _frames(6, (6,)), FPS, None)
    return folder, said


@pytest.fixture(scope="module")
def heard(talking, tiny_weights, tmp_path_factory):
    """A library that indexed the talking videos with speech on (hearing them is the slow part: once a module)."""
    from core.library import Library
    from tests.conftest import TINY_MODEL

    folder, _ = talking
    lib = Library(tmp_path_factory.mktemp("heard"), model=TINY_MODEL, weights=tiny_weights, device="cpu")
    report = lib.index([folder], speech=True)
    yield lib, report
    lib.close()


def test_a_spoken_query_finds_its_moment_first(heard, talking, capsys):
    folder, said = talking
    lib, report = heard
    assert report.speech_videos == 3 and report.speech_lines >= 3
    line = said["party.mp4"][0]
    hits = lib.moments("happy birthday", n=3)
    assert hits[0].path == str(folder / "party.mp4")
    assert hits[0].extra["text"]["expert"] == "speech"
    assert line.start_s - 0.3 <= hits[0].start_s <= line.start_s + 0.5  # plays from the first word
    assert iou((hits[0].start_s, hits[0].end_s), (line.start_s, line.start_s + 0.8)) > 0.3
    assert lib.search("happy birthday", n=3)[0].path == str(folder / "party.mp4")
    budget = said["office.mp4"][0]
    hit = lib.moments("budget for next year", n=3)[0]
    assert hit.path == str(folder / "office.mp4") and budget.start_s - 0.3 <= hit.start_s <= budget.end_s
    inside = lib.moments("happy birthday", video=str(folder / "party.mp4"), n=3)
    assert inside[0].extra["text"]["expert"] == "speech" and inside[0].start_s == pytest.approx(hits[0].start_s)

    from core.cli import main

    assert main(["moments", "happy birthday", "-n", "2", "--explain", "--library", str(lib.home)]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert "party.mp4" in first and "said at 00:00:02" in first, out
    assert "words: happy 00:00:0" in out


def test_a_video_without_audio_is_heard_as_silent(heard, talking):
    folder, _ = talking
    lib, _ = heard
    state = catalog_speech.state(lib.catalog, lib.catalog.file_by_path(str(folder / "silent.mp4")).id)["speech"]
    assert state.complete and state.lines == 0 and state.note == "no audio track"
    assert state.language == "en" or state.language is None


def test_speech_is_off_by_default_and_remembered(make_library, talking):
    folder, _ = talking
    lib = make_library()
    assert lib.index([folder]).speech_videos == 0
    assert catalog_speech.counts(lib.catalog, "speech") == (0, 0)
    assert not any(h.extra.get("text", {}).get("expert") == "speech" for h in lib.moments("happy birthday", n=5))
    assert lib.index([folder], speech=True).speech_videos == 3
    assert lib.hears_speech()
    assert lib.index([folder]).speech_videos == 0  # nothing left
    heard = lib.status().speech
    assert heard.enabled and heard.heard == 3 and heard.pending == 0 and heard.lines >= 4
    state = catalog_speech.state(lib.catalog, lib.catalog.file_by_path(str(folder / "party.mp4")).id)["speech"]
    assert state.language == "en" and not state.language_detected and state.engine == "pocketsphinx-en-us"


# ----- a 2-hour audio track ----------------------------------------------------------------------------

LONG_S = 7200.0
LONG_LINES = [(12.0, "happy birthday to you my friend"), (2400.0, "the budget for next year is approved"),
              (7150.0, "see you on monday morning")]


def _long_track(path: Path) -> list:
    """A 2-hour FLAC track (2 MB): silence with three sentences, the last near the end."""
    import av

    speech_at = {}
    said = []
    for t, text in LONG_LINES:
        pcm, s = soundtrack([(0.2, text)], 5.0, seed=0)
        speech_at[int(t * RATE)] = pcm
        said.append((t + s[0].start_s - 0.2, text))
    step = 10 * RATE
    with av.open(str(path), "w") as out:
        stream = out.add_stream("flac", rate=RATE, layout="mono")
        for i in range(0, int(LONG_S * RATE), step):
            block = np.zeros(step, np.int16)
            for at, pcm in speech_at.items():
                if i <= at < i + step:
                    block[at - i:at - i + len(pcm)] = pcm[:step - (at - i)]
            frame = av.AudioFrame.from_ndarray(block[None, :], format="s16", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = RATE, i, Fraction(1, RATE)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return said


def _catalog_with(tmp_path: Path, media: Path) -> tuple[Catalog, int]:
    cat = Catalog(tmp_path / "c.db")
    root = cat.add_root(str(media.parent))
    with cat.write() as s:
        f = MediaFile(root_id=root, path=str(media), size=media.stat().st_size, mtime_ns=media.stat().st_mtime_ns,
                      kind="video", status="ok", seen_scan=1, added_at=0.0, duration_s=LONG_S)
        s.add(f)
        s.flush()
        s.add_all([Item(file_id=f.id, t_s=float(t)) for t in range(0, int(LONG_S), 600)])
        return cat, f.id


class CountingEngine(speech.SphinxEngine):
    """PocketSphinx that counts the audio it was given."""

    def __init__(self):
        super().__init__()
        self.heard_s = 0.0
        self.first_t = None

    def transcribe(self, pcm, offset_s):
        self.heard_s += pcm.size / RATE
        self.first_t = offset_s if self.first_t is None else self.first_t
        return super().transcribe(pcm, offset_s)


_KILLED_RUN = """
import sys, time
from core.store import catalog_speech
from core.store.catalog import Catalog
from core.indexing import speech

save = catalog_speech.save

def slow_save(*args, **kw):
    time.sleep(0.3)  # so the parent can kill it after some windows, not after all
    return save(*args, **kw)

catalog_speech.save = slow_save
speech.transcribe_library(Catalog(sys.argv[1]), speech.SphinxEngine())
"""


def test_a_two_hour_track_costs_its_speech_and_resumes_after_a_kill(tmp_path):
    track = tmp_path / "long.mka"
    said = _long_track(track)
    cat, file_id = _catalog_with(tmp_path, track)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, str(tmp_path / "c.db")], env=env)
    try:
        deadline = time.monotonic() + 900  # a generous wait for a loaded machine, not a timing assertion
        while time.monotonic() < deadline and child.poll() is None:
            state = catalog_speech.state(cat, file_id).get("speech")
            if state is not None and state.done_s >= 300:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the first windows were never committed")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    killed_at = catalog_speech.state(cat, file_id)["speech"]
    assert not killed_at.complete and 300 <= killed_at.done_s < LONG_S
    engine = CountingEngine()
    report = speech.transcribe_library(cat, engine)
    assert report.videos == 1
    final = catalog_speech.state(cat, file_id)["speech"]
    assert final.complete and final.done_s == pytest.approx(LONG_S, abs=1.0)
    # Only what was left was decoded, and of that only the windows with sound: the cost is the speech's.
    assert engine.first_t >= killed_at.done_s - 1e-6
    assert engine.heard_s < 4 * speech.WINDOW_S
    lines = catalog_speech.timed_lines(cat, file_id)
    for t, text in said:
        near = [ln for ln in lines if abs(ln.start_s - t) < 1.5]
        assert len(near) == 1 or t < killed_at.done_s, (t, text, [(ln.start_s, ln.text) for ln in lines])
    assert [ln.start_s for ln in lines] == sorted({ln.start_s for ln in lines})  # nothing heard twice
    assert any(abs(ln.start_s - said[-1][0]) < 1.5 for ln in lines)
    cat.close()
