"""Live folder watching with real file operations: create, rename, delete, a burst, a vanished folder."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from core.indexing.watch import FolderWatcher, LibraryWatcher
from tests.media_factory import write_pictures


class Batches:
    """Collects the batches a watcher hands over."""

    def __init__(self) -> None:
        self.got: list[set[str]] = []
        self.event = threading.Event()

    def __call__(self, paths: set[str]) -> None:
        self.got.append(paths)
        self.event.set()

    def wait(self, n: int = 1, timeout: float = 30.0) -> list[set[str]]:
        end = time.monotonic() + timeout
        while len(self.got) < n and time.monotonic() < end:
            time.sleep(0.05)
        assert len(self.got) >= n, f"{len(self.got)} batches, expected {n}"
        return self.got


@pytest.fixture
def watching(tmp_path):
    started = []

    def _watch(folders, quiet_s=0.5, **kw):
        batches = Batches()
        w = FolderWatcher(lambda: folders, batches, quiet_s=quiet_s, poll_s=0.2, **kw).start()
        started.append(w)
        return w, batches

    yield _watch
    for w in started:
        w.stop()


def test_create_rename_delete_each_reach_the_watcher(tmp_path, watching):
    root = tmp_path / "root"
    root.mkdir()
    _w, batches = watching([str(root)])
    write_pictures(root, 1)
    assert str(root / "pic_00000.jpg") in batches.wait(1)[0]
    os.rename(root / "pic_00000.jpg", root / "renamed.jpg")
    assert {str(root / "pic_00000.jpg"), str(root / "renamed.jpg")} <= batches.wait(2)[1]
    os.remove(root / "renamed.jpg")
    assert str(root / "renamed.jpg") in batches.wait(3)[2]


def test_a_burst_of_ten_thousand_files_is_one_batch(tmp_path, watching):
    root = tmp_path / "root"
    (root / "import").mkdir(parents=True)
    _w, batches = watching([str(root)], quiet_s=1.5)
    for i in range(10_000):
        (root / "import" / f"IMG_{i:05d}.jpg").write_bytes(b"x")
    time.sleep(4)
    assert len(batches.got) == 1, [len(b) for b in batches.got]
    # Events may be dropped by the kernel in a burst; the index that follows walks the whole root anyway.
    assert len(batches.got[0]) > 1000


def test_ignored_paths_make_no_batch(tmp_path, watching):
    root = tmp_path / "root"
    root.mkdir()
    _w, batches = watching([str(root)], ignore=lambda p: p.endswith(".txt"))
    (root / "notes.txt").write_text("x")
    time.sleep(1.5)
    assert batches.got == []


def test_a_vanished_folder_is_reported_and_caught_up_when_it_returns(tmp_path, watching):
    root = tmp_path / "drive"
    root.mkdir()
    gone = []
    w, batches = watching([str(root)], on_vanished=gone.append)
    assert w.watched == [str(root)]
    shutil.rmtree(root)
    end = time.monotonic() + 10
    while not gone and time.monotonic() < end:
        time.sleep(0.05)
    assert gone == [str(root)] and w.watched == []
    root.mkdir()  # plugged in again
    end = time.monotonic() + 10
    while w.watched != [str(root)] and time.monotonic() < end:
        time.sleep(0.05)
    assert w.watched == [str(root)]
    assert any(str(root) in b for b in batches.wait(1))  # a catch-up batch for the whole folder


class Watched:
    """A library indexed over one folder, with a `LibraryWatcher` on it and the lines it reports."""

    def __init__(self, lib, root: Path, quiet_s: float):
        self.lib, self.root, self.lines = lib, root, []
        lib.index([root])
        self.watcher = LibraryWatcher(lib, report=self.lines.append, quiet_s=quiet_s, poll_s=0.2).start()

    def wait_for(self, condition, timeout: float = 120.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError(f"not reached; watcher said: {self.lines}")

    def said(self, words: str) -> bool:
        return any(words in line for line in self.lines)

    def images(self) -> int:
        return self.lib.status().images


@pytest.fixture
def watched(make_library, tmp_path):
    """`watched(folder, pictures)`: that many pictures written to tmp_path/folder, indexed, then watched.

    The watcher stops at teardown, or earlier with `.watcher.stop()` (stopping twice is harmless)."""
    started: list[Watched] = []

    def _watch(folder: str = "pics", pictures: int = 2, quiet_s: float = 0.5) -> Watched:
        root = tmp_path / folder
        write_pictures(root, pictures)
        started.append(Watched(make_library(), root, quiet_s))
        return started[-1]

    yield _watch
    for w in started:
        w.watcher.stop()


def test_library_watcher_indexes_changes_and_never_sweeps_a_vanished_root(watched, tmp_path):
    w = watched("pics")
    root, lib = w.root, w.lib
    write_pictures(root, 2, start=10)  # new files
    os.rename(root / "pic_00000.jpg", root / "moved.jpg")  # a rename keeps its vectors
    os.remove(root / "pic_00001.jpg")
    w.wait_for(lambda: lib.catalog.file_by_path(str(root / "pic_00011.jpg")) is not None
               and lib.catalog.file_by_path(str(root / "pic_00011.jpg")).status == "ok"
               and lib.catalog.file_by_path(str(root / "pic_00001.jpg")) is None
               and lib.catalog.file_by_path(str(root / "moved.jpg")) is not None)
    assert w.images() == 3
    assert w.said("moved")

    shutil.move(str(root), str(tmp_path / "unplugged"))  # the drive goes away
    w.wait_for(lambda: w.said("the folder is gone"))
    time.sleep(1.5)
    assert w.images() == 3, "a vanished root is not swept"

    shutil.move(str(tmp_path / "unplugged"), str(root))  # and comes back, with one more photo
    write_pictures(root, 1, start=20)
    w.wait_for(lambda: w.images() == 4)
    w.watcher.stop()
    assert lib.status().pending == 0


def test_an_emptied_root_is_not_swept(watched):
    w = watched("mnt", quiet_s=0.3)
    for p in w.root.iterdir():  # what an unmounted drive's mount point looks like
        p.unlink()
    w.wait_for(lambda: w.said("empty now"))
    w.watcher.stop()
    assert w.images() == 2
