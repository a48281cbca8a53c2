"""Walking folders: hidden and system folders, links, loops, odd names, unreadable places."""

from __future__ import annotations

import os

import pytest

from core.indexing.scan import offline_mounts, walk
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
    assert all(f.path.startswith(str(tmp_path / "a") + os.sep) for f in result.files), "their real folder"
    reasons = dict(result.problems)  # each one passed over is listed with why (issue 17, defect 8)
    assert reasons == {
        str(tmp_path / "a" / "loop"): f"link loop: leads back to {tmp_path}",
        str(tmp_path / "a_again"): f"the same folder as {tmp_path / 'a'}, indexed there",
        str(tmp_path / "dangling"): f"broken link: its target {tmp_path / 'missing'} does not exist",
    }


def test_pipes_self_loops_and_folders_named_like_photos_are_listed(tmp_path):
    write_pictures(tmp_path / "photo.jpg", 1)  # a folder, named like a photo
    os.mkfifo(tmp_path / "camera.jpg")
    os.symlink("self.jpg", tmp_path / "self.jpg")
    result = walk(tmp_path)
    assert names(result) == ["pic_00000.jpg"]
    assert dict(result.problems) == {
        str(tmp_path / "photo.jpg"): "a folder named like a media file: indexed as a folder, with what it holds",
        str(tmp_path / "camera.jpg"): "not a file that can be indexed: a named pipe",
        str(tmp_path / "self.jpg"): "link loop: self.jpg leads back to itself",
    }


def test_links_outside_the_root_are_followed_and_shown_or_not_followed_as_set(tmp_path):
    write_pictures(tmp_path / "elsewhere", 2)
    write_pictures(tmp_path / "root", 1, start=5)
    os.symlink(tmp_path / "elsewhere", tmp_path / "root" / "more")
    followed = walk(tmp_path / "root")
    assert len(followed.files) == 3 and not followed.problems
    assert followed.outside_links == [(str(tmp_path / "root" / "more"), str(tmp_path / "elsewhere"))]
    kept_in = walk(tmp_path / "root", follow_outside=False)
    assert names(kept_in) == ["pic_00005.jpg"] and kept_in.outside_links == []
    reason = f"link to {tmp_path / 'elsewhere'}, outside the library folder: not followed (as set)"
    assert kept_in.problems == [(str(tmp_path / "root" / "more"), reason)]


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

    monkeypatch.setattr("core.indexing.scan.os.scandir", scandir)
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


def test_offline_mounts_are_the_missing_or_empty_mount_points(tmp_path):
    """A temp folder stands in for each mount point a root had (the real mounts: tests/e2e/test_faults.py)."""
    mounted, empty, missing, reused = (str(tmp_path / n) for n in ("mounted", "empty", "missing", "reused"))
    for folder in (mounted, empty, reused):
        os.mkdir(folder)
    open(os.path.join(reused, "new.jpg"), "wb").close()
    offline, known = offline_mounts([mounted, empty, missing, reused], mounted=[mounted])
    assert offline == [empty, missing]  # unmounted: kept, not swept
    assert known == sorted([mounted, empty, missing])  # `reused` holds files now: an ordinary folder, forgotten
    assert offline_mounts([], [mounted]) == ([], [mounted])  # a newly seen mount is remembered
