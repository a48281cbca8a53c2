"""Indexing end to end through `core.library`: incremental runs, moves, failures, the vector cache."""

from __future__ import annotations

import os
import shutil
import time

import numpy as np
import pytest

from core.errors import LibraryError
from core.indexing import decoders, pipeline
from tests.media_factory import huge_png_header, picture, truncated_jpeg, write_pictures


@pytest.fixture
def photos(tmp_path, shared_data):
    """A folder of real photos: the misc and formats sets of the shared data (42 files)."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for sub in ("misc", "formats"):
        for f in (shared_data / "images" / sub).iterdir():
            shutil.copy2(f, folder / f.name)
    return folder


@pytest.fixture
def count_decodes(monkeypatch):
    """Counts calls into the image decoder (to prove a run did no decode work)."""
    calls = []
    original = decoders.DECODERS["image"]

    def counting(job, ctx):
        calls.append(job.path)
        yield from original(job, ctx)

    monkeypatch.setitem(decoders.DECODERS, "image", counting)
    return calls


def _ids_by_name(lib):
    return {os.path.basename(p): fid for fid, p in _files(lib)}


def _files(lib):
    from sqlalchemy import select

    from core.store.catalog import MediaFile

    with lib.catalog.session() as s:
        return [(r[0], r[1]) for r in s.execute(select(MediaFile.id, MediaFile.path))]


def test_index_real_photos_then_search_and_similar(make_library, photos, tmp_path):
    lib = make_library()
    report = lib.index([photos])
    assert report.indexed == 42 and not report.failed, report.failed
    st = lib.status()
    # bee_animated.gif is an animation, indexed as a (0.2 s, one-sample) video
    assert st.images == 41 and st.videos == 1 and st.vectors == 42 and st.index == "ok"
    hits = lib.search("a cat sitting on a chair", n=5)
    assert len(hits) == 5
    assert all(-1.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # an outside copy of a library photo finds the original first
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy2(photos / "coffee.png", outside / "my coffee.png")
    hits = lib.similar(outside / "my coffee.png", n=3)
    assert hits[0].path == str(photos / "coffee.png")
    assert hits[0].score > 0.999
    # by library item: the item itself is excluded
    own_id = lib.engine().context.resolve_file(str(photos / "coffee.png"))
    hits = lib.similar(own_id, n=5)
    assert own_id not in [h.file.id for h in hits] and len(hits) == 5


def test_reindex_without_changes_does_no_work(make_library, photos, count_decodes):
    lib = make_library()
    lib.index([photos])
    assert len(count_decodes) == 42
    count_decodes.clear()
    report = lib.index()
    assert report.indexed == 0 and report.unchanged == 42 and report.new == 0
    assert count_decodes == []


def test_edit_rename_move_delete_are_picked_up(make_library, tmp_path, count_decodes):
    folder = tmp_path / "pics"
    paths = write_pictures(folder, 6)
    lib = make_library()
    lib.index([folder])
    ids = _ids_by_name(lib)
    item_of = {n: lib.catalog.items_of_file(fid)[0][0] for n, fid in ids.items()}
    vec_before = lib.engine().context.item_vector(item_of["pic_00000.jpg"])
    count_decodes.clear()

    # edit: new content under the same name
    time.sleep(0.01)
    picture(100).save(paths[0], "JPEG", quality=90)
    # rename in place, and move into a subfolder
    paths[1].rename(folder / "renamed.jpg")
    (folder / "sub").mkdir()
    paths[2].rename(folder / "sub" / "moved.jpg")
    # delete
    paths[3].unlink()

    report = lib.index()
    assert (report.changed, report.moved, report.removed, report.new) == (1, 2, 1, 0)
    assert report.unchanged == 2
    assert sorted(os.path.basename(p) for p in count_decodes) == ["pic_00000.jpg"], "only the edit is decoded"

    after = _ids_by_name(lib)
    assert after["renamed.jpg"] == ids["pic_00001.jpg"], "a renamed file keeps its row"
    assert after["moved.jpg"] == ids["pic_00002.jpg"]
    assert lib.catalog.items_of_file(after["renamed.jpg"])[0][0] == item_of["pic_00001.jpg"], "and its vectors"
    assert "pic_00003.jpg" not in after
    context = lib.engine().context
    new_item = lib.catalog.items_of_file(after["pic_00000.jpg"])[0][0]
    assert new_item != item_of["pic_00000.jpg"]
    assert not np.allclose(context.item_vector(new_item), vec_before)
    # the deleted and the replaced vectors are gone from the index too
    assert len(context.vindex) == 5 == lib.catalog.vector_count(context.model_id)
    found = {h.path for h in lib.similar(str(folder / "renamed.jpg"), n=10, include_self=True)}
    assert str(folder / "renamed.jpg") in found and str(paths[3]) not in found


def test_corrupt_files_are_recorded_and_never_stop_the_run(make_library, tmp_path):
    folder = tmp_path / "mixed"
    write_pictures(folder, 5)
    truncated_jpeg(folder / "truncated.jpg")
    (folder / "zero.jpg").write_bytes(b"")
    (folder / "notes.jpg").write_text("this is text, not a photo")
    huge_png_header(folder / "bomb.png")
    (folder / "readme.txt").write_text("ignored: not media")
    lib = make_library()
    report = lib.index([folder])
    reasons = {os.path.basename(p): r for p, r in report.failed}
    assert report.indexed == 5
    assert set(reasons) == {"truncated.jpg", "zero.jpg", "notes.jpg", "bomb.png"}
    assert "truncated" in reasons["truncated.jpg"]
    assert "empty" in reasons["zero.jpg"]
    assert "not an image" in reasons["notes.jpg"]
    assert "too large" in reasons["bomb.png"]
    st = lib.status()
    assert st.failed == 4 and {os.path.basename(f.path) for f in st.failures} == set(reasons)
    # failures are not retried while the file is unchanged; fixed files are picked up
    again = lib.index()
    assert again.indexed == 0 and not again.failed
    picture(9).save(folder / "notes.jpg", "JPEG")
    fixed = lib.index()
    assert fixed.indexed == 1 and lib.status().failed == 3


def test_unreadable_file_is_reported(make_library, tmp_path, monkeypatch):
    folder = tmp_path / "locked"
    paths = write_pictures(folder, 3)
    if os.geteuid() != 0:
        paths[0].chmod(0)
    else:  # root reads anything: simulate the permission error at open
        real_open = open

        def guarded(file, *a, **kw):
            if str(file) == str(paths[0]):
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *a, **kw)

        monkeypatch.setattr("builtins.open", guarded)
    report = make_library().index([folder])
    assert report.indexed == 2
    failed = [(os.path.basename(p), r) for p, r in report.failed]
    assert failed == [("pic_00000.jpg", "cannot be read: permission denied")]


def test_unreadable_or_missing_folder_does_not_sweep_its_files(make_library, tmp_path):
    folder = tmp_path / "drive"
    write_pictures(folder, 3)
    lib = make_library()
    lib.index([folder])
    shutil.move(folder, tmp_path / "unplugged")
    report = lib.index()
    assert report.removed == 0 and report.problems
    assert "cannot be read" in report.problems[0][1]
    assert lib.status().images == 3


def test_vectors_file_deleted_or_corrupted_is_rebuilt_with_identical_results(make_library, photos):
    lib = make_library()
    lib.index([photos])
    before = [(h.path, round(h.score, 5)) for h in lib.search("a red flower", n=10)]
    index_file = lib.engine().vindex.path
    lib.close()

    index_file.unlink()
    lib2 = make_library()
    assert [(h.path, round(h.score, 5)) for h in lib2.search("a red flower", n=10)] == before
    assert lib2.engine().vindex.rebuilt_reason == "no index file"
    lib2.close()

    index_file.write_bytes(os.urandom(4096))
    lib3 = make_library()
    assert [(h.path, round(h.score, 5)) for h in lib3.search("a red flower", n=10)] == before
    assert "damaged" in lib3.engine().vindex.rebuilt_reason  # its checksum no longer matches


def test_stale_index_catches_up_from_the_catalog(make_library, tmp_path):
    folder = tmp_path / "pics"
    write_pictures(folder, 4)
    lib = make_library()
    lib.index([folder])
    vindex = lib.engine().vindex
    saved = vindex.path.read_bytes(), vindex.meta_path.read_bytes()
    write_pictures(folder, 3, start=10)
    lib.index()
    lib.close()
    # an index file from before the second run (as after a crash before its save)
    vindex.path.write_bytes(saved[0])
    vindex.meta_path.write_bytes(saved[1])
    lib2 = make_library()
    assert len(lib2.engine().vindex) == 7 and lib2.engine().vindex.rebuilt_reason is None


def test_filters_kind_folder_date_and_paging(make_library, tmp_path):
    import datetime as dt

    from core.search.engine import Filters
    from tests.media_factory import jpeg_with_exif

    root = tmp_path / "root"
    (root / "2019").mkdir(parents=True)
    (root / "2023").mkdir()
    for i in range(5):
        jpeg_with_exif(root / "2019" / f"a{i}.jpg", i, taken=dt.datetime(2019, 5, 1 + i))
        jpeg_with_exif(root / "2023" / f"b{i}.jpg", 50 + i, taken=dt.datetime(2023, 8, 1 + i))
    lib = make_library()
    lib.index([root])
    everything = lib.search("shapes", n=10)
    assert len(everything) == 10
    in_2019 = lib.search("shapes", n=10, filters=Filters(folder=str(root / "2019")))
    assert len(in_2019) == 5 and all("/2019/" in h.path for h in in_2019)
    dated = lib.search("shapes", n=10, filters=Filters(date_from=dt.datetime(2023, 1, 1)))
    assert {os.path.basename(h.path)[0] for h in dated} == {"b"} and len(dated) == 5
    assert lib.search("shapes", n=10, filters=Filters(kinds=frozenset({"video"}))) == []
    page1 = lib.search("shapes", n=4)
    page2 = lib.search("shapes", n=4, offset=4)
    assert [h.path for h in page1 + page2] == [h.path for h in everything[:8]]


def test_library_errors_are_clear(make_library, tmp_path):
    lib = make_library()
    with pytest.raises(LibraryError, match="folder not found"):
        lib.index([tmp_path / "nope"])
    with pytest.raises(LibraryError, match="no library folders"):
        lib.index()
    with pytest.raises(LibraryError, match="nothing is indexed"):
        lib.search("cat")


def test_adding_a_parent_folder_merges_the_folders_inside_it(make_library, tmp_path, count_decodes):
    write_pictures(tmp_path / "top" / "inner", 3)
    write_pictures(tmp_path / "top", 2, start=10)
    lib = make_library()
    lib.index([tmp_path / "top" / "inner"])
    count_decodes.clear()
    report = lib.index([tmp_path / "top"])
    assert lib.roots() == [str(tmp_path / "top")]
    assert report.new == 2 and report.unchanged == 3 and report.indexed == 2
    assert len(count_decodes) == 2, "files of the merged folder are not decoded again"


def test_a_failing_writer_stops_the_decoders_and_the_next_run_resumes(make_library, tmp_path, monkeypatch):
    """Disk full (or any writer failure) mid-run: one clear error, no decoder thread left behind,
    what was committed stays, and the next run indexes exactly the rest."""
    import threading

    from core.errors import LibraryError

    write_pictures(tmp_path / "pics", 24)
    flushes = []
    original_flush = pipeline._Writer.flush

    def failing_flush(self, vectors):
        if self.frames and len(flushes) >= 2:
            raise LibraryError(f"cannot write the catalog in {tmp_path}: No space left on device")
        flushes.append(1)
        original_flush(self, vectors)

    monkeypatch.setattr(pipeline._Writer, "flush", failing_flush)
    lib = make_library()
    with pytest.raises(LibraryError, match="No space left"):
        lib.index([tmp_path / "pics"], batch_size=4)
    deadline = time.monotonic() + 10
    while any(t.name.startswith("medialens-decode") for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("medialens-decode")]
    committed = lib.status().images
    assert 0 < committed < 24

    monkeypatch.setattr(pipeline._Writer, "flush", original_flush)
    report = lib.index([tmp_path / "pics"])
    assert report.indexed == 24 - committed and report.failed == []
    assert lib.status().images == 24


def test_time_left_waits_for_a_video_that_has_not_moved_and_never_says_zero_while_work_remains():
    from core.indexing.control import TimeLeft

    eta = TimeLeft()
    # 10 photos done in 10 s, nothing else: 5 files left at 1 file/s.
    assert eta.update(10.0, 10, 15, 0.0, 0.0, files_started=0.0) == pytest.approx(5.0)
    # Photos all done, but 164 s of video planned and none embedded yet: unknown, not "0 s".
    eta = TimeLeft()
    assert eta.update(10.0, 10, 11, 0.0, 164.0, files_started=0.0) is None
    # The video starts moving: 4 s embedded between t=12 and t=14 is 2 s of video per second.
    assert eta.update(12.0, 10, 11, 4.0, 164.0, files_started=0.0) is None  # rate from here on
    assert eta.update(14.0, 10, 11, 8.0, 164.0, files_started=0.0) == pytest.approx((164 - 8) / 2.0)
    # More decoded than planned: the plan was short, the estimate is not negative.
    assert eta.update(100.0, 11, 11, 170.0, 164.0, files_started=0.0) == 0.0


def test_a_photo_only_run_reports_no_video(make_library, tmp_path):
    write_pictures(tmp_path / "pics", 3)
    report = make_library().index([tmp_path / "pics"])
    assert report.indexed == 3 and report.frames == 3
    assert report.videos == 0 and report.video_frames == 0 and report.video_seconds == 0


def test_indexing_waits_while_this_process_saves_a_rebuilt_index(make_library, tmp_path, monkeypatch):
    """A repair or a damaged vector file starts a background rebuild whose save holds `index.lock` for a moment.

    An `index` in the same process then failed with "another MediaLens is already indexing" (the window, which
    indexes right after a repair, kept showing the counts from before: issue 22). It must wait for the save.
    """
    import threading

    photos = tmp_path / "photos"
    write_pictures(photos, 6)
    lib = make_library()
    lib.index([photos])
    vindex = lib.engine().vindex
    saving, release = threading.Event(), threading.Event()
    real_save = vindex.save

    def slow_save(*args, **kwargs):
        saving.set()
        release.wait(30)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(vindex, "save", slow_save)
    saver = threading.Thread(target=lib.indexing.save_if_free, args=(vindex,))
    saver.start()
    assert saving.wait(30)
    threading.Timer(0.3, release.set).start()
    write_pictures(photos / "more", 3)
    report = lib.index()
    saver.join(30)
    assert report.new == 3 and report.indexed == 3
    assert lib.status().images == 9


def test_a_save_of_a_rebuilt_index_leaves_the_lock_to_a_running_index(make_library, tmp_path, monkeypatch):
    """While this process indexes, a finished background rebuild does not save (the run saves at its end)."""
    photos = tmp_path / "photos"
    write_pictures(photos, 4)
    lib = make_library()
    lib.index([photos])
    vindex = lib.engine().vindex
    saves = []
    monkeypatch.setattr(vindex, "save", lambda *a, **k: saves.append(1))
    with lib.indexing.mutex:
        lib.indexing.save_if_free(vindex)
    assert saves == []
    lib.indexing.save_if_free(vindex)
    assert saves == [1]
