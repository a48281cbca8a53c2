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
