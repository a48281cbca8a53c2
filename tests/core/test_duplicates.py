"""Duplicates on a library with planted copies: exact files, re-encodes, resizes and a chain of copies.

The pictures come from the generated world and are embedded by the project's trained
model, so distinct pictures are told apart by a model that has learned them (the tiny
random model maps everything close together).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageEnhance

from tests.conftest import medialens_cmd
from tests.quality import world
from tests.quality.model import MODEL_NAME, WEIGHTS

pytestmark = pytest.mark.slow


def _jpeg(img: Image.Image, path, quality: int) -> None:
    img.save(path, "JPEG", quality=quality)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """12 distinct pictures; #0 copied byte for byte, #1 re-encoded, #2 halved, #3 halved and re-encoded twice,
    #4 cropped to 90 %, #5 brightened by 12 %."""
    folder = tmp_path_factory.mktemp("dups") / "photos"
    folder.mkdir()
    pictures = [p.image() for p in world.make_pictures(12, 8_800_001, "test")]
    for i, img in enumerate(pictures):
        _jpeg(img, folder / f"p{i:02d}.jpg", 95)
    shutil.copy2(folder / "p00.jpg", folder / "p00 copy.jpg")
    _jpeg(pictures[1], folder / "p01-reencoded.jpg", 70)
    w, h = pictures[2].size
    _jpeg(pictures[2].resize((w // 2, h // 2), Image.LANCZOS), folder / "p02-small.jpg", 90)
    small3 = pictures[3].resize((w // 2, h // 2), Image.LANCZOS)
    _jpeg(small3, folder / "p03-small.jpg", 85)
    buf = io.BytesIO()
    small3.save(buf, "JPEG", quality=85)
    _jpeg(Image.open(buf).convert("RGB"), folder / "p03-small-again.jpg", 75)
    w4, h4 = pictures[4].size
    _jpeg(pictures[4].crop((w4 // 20, h4 // 20, w4 - w4 // 20, h4 - h4 // 20)), folder / "p04-cropped.jpg", 90)
    _jpeg(ImageEnhance.Brightness(pictures[5]).enhance(1.12), folder / "p05-brighter.jpg", 90)
    expected = {
        frozenset({"p04.jpg", "p04-cropped.jpg"}),
        frozenset({"p05.jpg", "p05-brighter.jpg"}),
        frozenset({"p00.jpg", "p00 copy.jpg"}),
        frozenset({"p01.jpg", "p01-reencoded.jpg"}),
        frozenset({"p02.jpg", "p02-small.jpg"}),
        frozenset({"p03.jpg", "p03-small.jpg", "p03-small-again.jpg"}),
    }
    return folder, expected


@pytest.fixture(scope="module")
def world_library(planted, tmp_path_factory):
    from core.library import Library

    folder, _ = planted
    home = tmp_path_factory.mktemp("dups-lib")
    with Library(home, model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
        lib.index([folder])
    return home


def _names(group) -> frozenset[str]:
    return frozenset(c.file.path.rsplit("/", 1)[-1] for c in group.copies)


def test_planted_copies_are_grouped_and_distinct_pictures_are_not(planted, world_library):
    from core.library import Library

    _, expected = planted
    with Library(world_library, model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
        groups = lib.duplicates()
        exact = lib.duplicates(near=False)
    assert {_names(g) for g in groups} == expected
    assert len(groups[0].copies) == 3  # biggest group first
    by_names = {_names(g): g for g in groups}
    assert by_names[frozenset({"p00.jpg", "p00 copy.jpg"})].kind == "exact"
    halved = by_names[frozenset({"p02.jpg", "p02-small.jpg"})]
    assert halved.kind == "near"
    assert halved.keeper.file.path.endswith("p02.jpg") and halved.keeper.keep  # the bigger picture is kept
    assert halved.reclaimable == halved.copies[1].file.size
    assert all(c.similarity >= 0.95 for g in groups for c in g.copies)
    assert [_names(g) for g in exact] == [frozenset({"p00.jpg", "p00 copy.jpg"})]


def test_duplicates_command_prints_one_group_per_block_and_json(planted, world_library, cli_env):
    _, expected = planted
    base = ["duplicates", "--library", str(world_library), "--model", MODEL_NAME, "--weights", str(WEIGHTS)]
    proc = subprocess.run(medialens_cmd(*base), env=cli_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    blocks = [b for b in proc.stdout.strip().split("\n\n") if b.startswith("group ")]
    assert len(blocks) == len(expected)
    assert blocks[0].startswith("group 1: 3 near copies")
    assert all(sum(line.lstrip().startswith("keep ") for line in b.splitlines()) == 1 for b in blocks)
    proc = subprocess.run(medialens_cmd(*base, "--json"), env=cli_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert {frozenset(c["path"].rsplit("/", 1)[-1] for c in g["copies"]) for g in rows} == expected
    assert all(sum(c["keep"] for c in g["copies"]) == 1 for g in rows)
    bad = subprocess.run(medialens_cmd(*base, "--threshold", "1.5"), env=cli_env, capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 1 and bad.stderr.strip() == \
        "medialens: error: --threshold must be above 0 and at most 1: 1.5"


def test_trash_moves_the_extra_copies_to_the_platform_trash_only_when_confirmed(tmp_path, cli_env, tiny_weights):
    from tests.conftest import TINY_MODEL
    from tests.media_factory import write_pictures

    folder = tmp_path / "photos"
    write_pictures(folder, 3)
    shutil.copy2(folder / "pic_00000.jpg", folder / "pic_00000 (1).jpg")
    env = {**cli_env, "XDG_DATA_HOME": str(tmp_path / "xdg")}  # the trash of this test only
    common = ["--library", str(tmp_path / "lib"), "--model", TINY_MODEL, "--weights", str(tiny_weights)]
    assert subprocess.run(medialens_cmd("index", str(folder), *common, "-q"), env=env, capture_output=True,
                          timeout=300).returncode == 0
    ask = subprocess.run(medialens_cmd("duplicates", *common, "--exact-only", "--trash"), env=env,
                         capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert ask.returncode == 1 and "confirmation" in ask.stderr
    assert len(list(folder.iterdir())) == 4  # nothing moved without a yes
    done = subprocess.run(medialens_cmd("duplicates", *common, "--exact-only", "--trash", "--yes"), env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "moved 1 files to the trash" in done.stdout
    left = sorted(p.name for p in folder.iterdir())
    assert left == ["pic_00000.jpg", "pic_00001.jpg", "pic_00002.jpg"]  # the shorter name is kept
    trashed = list((tmp_path / "xdg" / "Trash" / "files").iterdir())
    assert [p.name for p in trashed] == ["pic_00000 (1).jpg"]


@pytest.fixture(scope="module")
def repeat_library(tmp_path_factory):
    """Videos with planted repeated footage (clip, re-upload, intro ×3, twice in one) and look-alikes."""
    from core.library import Library
    from tests.quality.repeat_world import make_repeat_world

    root = tmp_path_factory.mktemp("repeats")
    truth = make_repeat_world(root / "videos")
    with Library(root / "lib", model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
        lib.index([root / "videos"])
    return root / "lib", truth


def test_repeated_video_moments_are_grouped_with_their_spans_and_look_alikes_are_not(repeat_library, monkeypatch):
    from core.library import Library
    from core.search import repeats
    from core.search.compose import duplicate_threshold
    from tests.quality.repeat_world import score

    home, truth = repeat_library
    with Library(home, model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
        groups = lib.duplicates()
        context = lib.engine().context
        threshold = duplicate_threshold(context)
        moments = repeats.repeated_moments(context, threshold)
        # single frames instead of changing sequences: the still wall and the look-alikes make false groups
        for name, value in dict(MIN_FRAMES=1, MIN_SPAN_S=0.0, _changes=lambda *_: True).items():
            monkeypatch.setattr(repeats, name, value)
        frames_only = repeats.repeated_moments(context, threshold)
    assert [g.kind for g in groups] == ["moment"] * len(moments)  # no photos here: only moments
    m = score(moments, truth)
    assert m["group_precision"] == 1.0 and m["group_recall"] == 1.0, m
    assert m["false_groups"] == 0 and m["start_error_s"] <= 1.5, m
    assert len(moments[0].copies) == 3  # the intro in three episodes comes first
    names = {Path(c.file.path).name for c in moments[0].copies}
    assert names == {"episode1.mp4", "episode2.mp4", "episode3.mp4"}
    assert not any(Path(c.file.path).name.startswith(("wall", "near")) for g in moments for c in g.copies)
    assert score(frames_only, truth)["false_groups"] > 0  # the sequence test is what keeps them apart


def test_duplicates_command_lists_repeated_moments_with_their_times(repeat_library, cli_env):
    home, _ = repeat_library
    base = ["duplicates", "--library", str(home), "--model", MODEL_NAME, "--weights", str(WEIGHTS)]
    proc = subprocess.run(medialens_cmd(*base), env=cli_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    blocks = [b for b in proc.stdout.strip().split("\n\n") if b.startswith("group ")]
    assert len(blocks) == 4 and "in 3 places" in blocks[0]
    assert "twice.mp4  00:00:00–00:00:08" in proc.stdout and "twice.mp4  00:00:12–00:00:20" in proc.stdout
    rows = json.loads(subprocess.run(medialens_cmd(*base, "--json"), env=cli_env, capture_output=True, text=True,
                                     timeout=300).stdout)
    assert [g["kind"] for g in rows] == ["moment"] * 4 and rows[0]["count"] == 3
    assert all({"start_s", "end_s", "path"} <= set(c) for g in rows for c in g["copies"])
    none = subprocess.run(medialens_cmd(*base, "--no-moments"), env=cli_env, capture_output=True, text=True,
                          timeout=300)
    assert none.stdout.strip() == "no duplicates"
    trash = subprocess.run(medialens_cmd(*base, "--trash", "--yes"), env=cli_env, capture_output=True, text=True,
                           timeout=300)
    assert "nothing to move" in trash.stdout  # a moment is part of a video: never a reason to trash the file
