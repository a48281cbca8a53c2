"""The results model and the thumbnail cache, without a window."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QImage

from core.search.engine import Hit
from core.store.catalog import FileRecord
from desktop_app.pages.search.results import ResultsModel, Role
from desktop_app.workers.thumbnails import ThumbnailLoader


def record(i: int, kind: str = "image") -> FileRecord:
    return FileRecord(id=i, path=f"/photos/p{i}.jpg", kind=kind, size=1000, format="JPEG", width=320, height=240,
                      taken_at=dt.datetime(2020, 1, 1), camera_make=None, camera_model=None, gps_lat=None,
                      gps_lon=None, duration_s=60.0 if kind == "video" else None, fps=None, codec=None,
                      content_hash=None, status="ok", error=None)


class FakeHost(QObject):
    """Just what the loader reads: a library with thumbnails, and the `closed` signal."""

    closed = Signal()

    def __init__(self, folder):
        super().__init__()
        self.folder = folder
        self.library = self
        self.asked: list[int] = []

    def thumbnail(self, file_id: int):
        self.asked.append(file_id)
        if file_id < 0:
            return None  # the engine could not make one
        path = self.folder / f"{file_id}.png"
        if not path.exists():
            QImage(100, 100, QImage.Format.Format_RGB32).save(str(path))
        return path


@pytest.fixture
def host(qapp, tmp_path):
    return FakeHost(tmp_path)


def test_pages_append_without_repeating_and_marks_follow_files(qtbot, host):
    model = ResultsModel(ThumbnailLoader(host))
    model.reset([Hit(record(1), 1, 0.9), Hit(record(2), 2, 0.8)], more=True)
    assert model.canFetchMore(QModelIndex())
    with qtbot.waitSignal(model.more_wanted):
        model.fetchMore(QModelIndex())
    assert not model.canFetchMore(QModelIndex())  # one page at a time
    video = record(3, "video")
    model.append([Hit(record(2), 2, 0.8), Hit(video, 5, 0.7, 10.0, 14.0, 12.0), Hit(video, 6, 0.6, 40.0, 41.0, 40.5)],
                 more=False)
    assert [model.hit(r).file.id for r in range(model.rowCount())] == [1, 2, 3, 3]
    assert model.index(2).data(Role.SPAN_TEXT) == "0:10–0:14"
    assert "moment 0:40–0:41" in model.index(3).data(Qt.ItemDataRole.AccessibleTextRole)
    with qtbot.waitSignals([model.dataChanged, model.dataChanged]):
        model.set_mark(3, True)  # both moments of the video
    assert model.index(2).data(Role.RELEVANCE) is True and model.index(3).data(Role.RELEVANCE) is True
    model.reset([Hit(record(1), 1, 0.9)], more=False, keep_marks=True)
    assert model.mark(3) is True


def test_thumbnails_load_off_thread_and_stay_within_their_memory(qtbot, host):
    loader = ThumbnailLoader(host, cache_mb=1)
    loader.set_cell(100, 1.0)  # 100×100 cell pictures: 1 MiB holds 26
    assert loader.pixmap((1, None)) is None  # not yet: queued
    with qtbot.waitSignal(loader.loaded, timeout=5_000):
        pass
    pm = loader.pixmap((1, None))
    assert (pm.width(), pm.height()) == (100, 100)  # cut to the cell on the worker, painted as it is
    assert pm.toImage().pixelColor(0, 0).alpha() == 0  # with rounded corners
    for i in range(2, 40):
        loader.request((i, None))
    qtbot.waitUntil(lambda: len(host.asked) == 39, timeout=10_000)
    qtbot.wait(100)
    assert loader.used_bytes <= 1024 * 1024
    assert len(loader._cache) == 1024 * 1024 // (100 * 100 * 4)  # least recently used went first
    # a thumbnail the engine cannot make is asked for once, then shown as a placeholder
    with qtbot.waitSignal(loader.loaded, timeout=5_000):
        loader.pixmap((-1, None))
    assert loader.failed((-1, None)) and loader.pixmap((-1, None)) is None
    qtbot.wait(50)
    assert host.asked.count(-1) == 1



def test_pyside_reference_losses_cannot_run_none_and_true_down(qapp):
    """PySide6 6.12.0 on Python < 3.12 drops a reference to None per void call (see desktop_app/compat.py)."""
    import sys

    from PySide6.QtCore import QObject

    from desktop_app.compat import loses_references, protect_singletons

    protect_singletons()  # the session fixture did it already: a second call is harmless
    if sys.version_info < (3, 12) and loses_references():
        assert sys.getrefcount(None) > 1 << 39 and sys.getrefcount(True) > 1 << 39
    o = QObject()
    for _ in range(200_000):  # about what an hour of scrolling costs; aborted the interpreter before the guard
        o.setObjectName("x")
        o.objectNameChanged.emit("x")


def test_cells_that_know_their_files_hash_skip_the_catalog_and_thumbnails_arriving_together_repaint_once(qtbot, host):
    """Scrolling a 100k grid: the loaders' Python (a catalog read per thumbnail) and a repaint per thumbnail
    held the window's GUI thread (tests/bench/gui_scale.py)."""
    import dataclasses
    import time

    class CachedThumbnails:
        def cached(self, content_hash: str):
            path = host.folder / f"cached-{int(content_hash, 16)}.png"
            if not path.exists():
                QImage(120, 80, QImage.Format.Format_RGB32).save(str(path))
            return path

    host.thumbnails = CachedThumbnails()
    loader = ThumbnailLoader(host)
    loader.set_cell(60, 1.0)
    model = ResultsModel(loader)
    hits = [Hit(dataclasses.replace(record(i), content_hash=f"{i:064x}"), i, 0.5) for i in range(1, 31)]
    model.reset(hits, more=False)
    changed, batches = [], []
    model.dataChanged.connect(lambda first, last, _roles: changed.append((first.row(), last.row())))
    loader.batch_loaded.connect(batches.append)
    for row in range(len(hits)):
        assert model.cell(row).pixmap is None  # asked for
    time.sleep(1.0)  # the GUI thread busy painting: the workers finish every picture meanwhile
    qtbot.waitUntil(lambda: all(model.cell(r).pixmap is not None for r in range(len(hits))), timeout=10_000)
    assert host.asked == []  # no catalog read: the cells knew their files' content hash
    assert len(batches) == 1 and sorted(batches[0]) == sorted((h.file.id, None) for h in hits)
    assert changed == [(0, len(hits) - 1)]  # one repaint for the batch
    pm = model.cell(0).pixmap
    assert (pm.width(), pm.height()) == (60, 60) and pm.toImage().pixelColor(0, 0).alpha() == 0
