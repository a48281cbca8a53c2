"""Walking folders: hidden and system folders, links, loops, odd names, unreadable places."""

from __future__ import annotations

import os

import pytest

from core.scan import walk
from tests.media_factory import picture, write_pictures


def names(result):
    return sorted(os.path.basename(f.path) for f in result.files)


def test_hidden_and_system_folders_and_non_media_are_skipped(tmp_path):
    write_pictures(tmp_path, 2)
    write_pictures(tmp_path / ".hidden", 1, start=10)
    write_pictures(tmp_path / "@eaDir", 1, start=20)
    write_pictures(tmp_path / "$RECYCLE.BIN", 1, start=30)
    picture(40).save(tmp_path / ".dotfile.jpg")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "photo.xmp").write_text("<xmp/>")
    assert names(walk(tmp_path)) == ["pic_00000.jpg", "pic_00001.jpg"]


def test_media_without_an_extension_is_found_by_content(tmp_path):
    picture(1).save(tmp_path / "IMG_0001", "JPEG")
    (tmp_path / "README").write_text("not media")
    result = walk(tmp_path)
    assert [(os.path.basename(f.path), f.kind) for f in result.files] == [("IMG_0001", "image")]


def test_symlink_loops_and_duplicate_links_are_survived(tmp_path):
    write_pictures(tmp_path / "a", 2)
    os.symlink(tmp_path, tmp_path / "a" / "loop")  # a link back to the top
    os.symlink(tmp_path / "a", tmp_path / "a_again")  # the same folder twice
    os.symlink(tmp_path / "missing", tmp_path / "dangling")
    result = walk(tmp_path)
    assert names(result) == ["pic_00000.jpg", "pic_00001.jpg"]
    assert not result.problems


def test_non_utf8_file_names_survive(tmp_path):
    raw = os.fsencode(tmp_path) + b"/caf\xe9_\xff.jpg"
    picture(3).save(open(raw, "wb"), "JPEG")  # noqa: SIM115 - Pillow closes nothing it did not open
    result = walk(tmp_path)
    assert len(result.files) == 1
    assert os.fsencode(result.files[0].path) == raw


def test_unreadable_folder_is_reported_and_the_walk_goes_on(tmp_path, monkeypatch):
    write_pictures(tmp_path / "ok", 2)
    locked = tmp_path / "locked"
    write_pictures(locked, 2, start=5)
    real_scandir = os.scandir

    def scandir(path):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr("core.scan.os.scandir", scandir)
    result = walk(tmp_path)
    assert names(result) == ["pic_00000.jpg", "pic_00001.jpg"]
    assert result.problems == [(str(locked), "folder cannot be read: permission denied")]
    assert result.unreadable_dirs == [str(locked)]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folder_by_permissions(tmp_path):
    locked = tmp_path / "locked"
    write_pictures(locked, 1)
    locked.chmod(0)
    try:
        result = walk(tmp_path)
    finally:
        locked.chmod(0o755)
    assert result.unreadable_dirs == [str(locked)]


def test_missing_root_is_a_problem_not_a_crash(tmp_path):
    result = walk(tmp_path / "gone")
    assert result.files == [] and "cannot be read" in result.problems[0][1]
