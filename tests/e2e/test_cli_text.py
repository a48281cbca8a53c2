"""`medialens index --ocr`, `search --explain` and `status` as a user runs them on photos with words."""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.test_cli import cli  # noqa: F401  (the fixture: a temp library and the tiny model)
from tests.text_pictures import write_text_photos

pytestmark = pytest.mark.slow


def test_index_reads_text_and_search_explains_the_words(cli, tmp_path, shared_data):  # noqa: F811
    folder = tmp_path / "photos"
    coco = sorted((shared_data / "images" / "coco").glob("*.jpg"))
    placed = write_text_photos(folder, coco[:1], 1, seed=3)
    shutil.copy2(coco[20], folder / coco[20].name)
    first = cli("index", str(folder), "--ocr", "-q")
    assert first.returncode == 0, first.stderr
    assert "text: read 2 files in" in first.stdout
    path, what = next(iter(placed.items()))
    found = cli("search", what.phrase.lower(), "--explain", "-n", "2")
    assert found.returncode == 0, found.stderr
    lines = found.stdout.splitlines()
    assert str(path) in lines[0]
    assert any(line.strip().startswith('text "') for line in lines[1:3]), found.stdout
    status = cli("status")
    assert "text:     2 files read" in status.stdout and "0 to read" in status.stdout
    off = cli("index", "--no-ocr", "-q")
    assert off.returncode == 0 and "text:" not in off.stdout
    assert "(reading is off: medialens index --ocr)" in cli("status").stdout


def test_a_video_found_by_its_on_screen_text_plays_from_when_the_words_are_shown(cli, tmp_path):  # noqa: F811
    """The words are on screen from 4 s to 7 s, beside moments CLIP may like better: the moment starts at 4 s."""
    import json

    from tests.video_factory import Segment, write_video

    folder = tmp_path / "videos"
    folder.mkdir()
    spans = write_video(folder / "trip.mp4", [Segment(4.0, seed=1), Segment(3.0, seed=2, caption="EXIT 12"),
                                              Segment(4.0, seed=3)], fps=5, size=(320, 240))
    assert cli("index", str(folder), "--ocr", "-q").returncode == 0
    shown_from, shown_to = spans[1]
    found = cli("search", "exit 12", "--json")
    assert found.returncode == 0, found.stderr
    rows = json.loads(found.stdout)
    texts = [r for r in rows if "text" in r]
    assert len(texts) == 1 and texts[0]["path"].endswith("trip.mp4")
    moment = texts[0]
    assert shown_from - 0.5 <= moment["start_s"] <= shown_from + 1.0, moment  # jumps to when the words show
    at_from, at_to = moment["text"]["at_s"]
    assert at_from == moment["start_s"] and shown_to - 1.0 <= at_to <= shown_to + 0.5, moment
    # The same moment is not listed again as a CLIP moment overlapping it
    overlapping = [r for r in rows if r is not moment and r["path"] == moment["path"]
                   and r["start_s"] <= moment["end_s"] and moment["start_s"] <= r["end_s"]]
    assert overlapping == [], rows
    plain = cli("search", "exit 12")
    assert "00:00:04–" in plain.stdout.splitlines()[0], plain.stdout  # what a user reads: where to jump
