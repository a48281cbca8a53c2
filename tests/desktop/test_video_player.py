"""Video moments in the grid open in the embedded player at the moment's start."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from core.search.engine import Hit
from core.store.catalog import FileRecord
from desktop_app.pages.search.results import Role

CLIP = "videos/car_traffic_small.mp4"  # 30.5 s, H.264


@pytest.fixture
def video_hits(shared_data, window):
    """Two moments of one real clip, as the engine returns them for a query."""
    path = shared_data / CLIP
    video = FileRecord(id=10_001, path=str(path), kind="video", size=path.stat().st_size, format="mp4", width=640,
                       height=360, taken_at=None, camera_make=None, camera_model=None, gps_lat=None, gps_lon=None,
                       duration_s=30.53, fps=30.0, codec="h264", content_hash=None, status="ok", error=None)
    return [Hit(video, 1, 0.31, start_s=12.0, end_s=15.5, t_s=13.0),
            Hit(video, 2, 0.29, start_s=22.0, end_s=25.0, t_s=23.0)]


def test_clicking_a_video_moment_opens_the_player_at_its_start(qtbot, window, video_hits):
    window.model.reset(video_hits, more=False)
    window.grid_stack.setCurrentWidget(window.grid)
    second = window.model.index(1)
    assert second.data(Role.SPAN_TEXT) == "0:22–0:25"
    rect = window.grid.visualRect(second)
    qtbot.mouseClick(window.grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    player = window.preview.player
    assert player is not None and window.preview.stack.currentWidget() is player
    qtbot.waitUntil(lambda: abs(player.player.position() - 22_000) < 150, timeout=15_000)
    assert player.player.duration() > 30_000
    # every matched moment of this video is on the timeline
    assert [(m.start_s, m.end_s) for m in player.timeline.moments] == [(12.0, 15.5), (22.0, 25.0)]
    assert player.timeline.current == 1
    assert "Moment 2 of 2" in player.moment_label.text()


def test_previous_and_next_moment_buttons_and_keys(qtbot, window, video_hits):
    window.model.reset(video_hits, more=False)
    window.grid_stack.setCurrentWidget(window.grid)
    window.grid.setFocus()
    window.grid.setCurrentIndex(window.model.index(0))
    player = window.preview.player
    qtbot.waitUntil(lambda: abs(player.player.position() - 12_000) < 150, timeout=15_000)
    qtbot.keyClick(window.grid, Qt.Key.Key_BracketRight)  # "]": next moment
    qtbot.waitUntil(lambda: abs(player.player.position() - 22_000) < 150, timeout=5_000)
    player.prev_button.click()
    qtbot.waitUntil(lambda: abs(player.player.position() - 12_000) < 150, timeout=5_000)
    # clicking on the timeline seeks there
    tl = player.timeline
    x = tl._x(20.0)
    qtbot.mouseClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(round(x), tl.height() // 3))
    qtbot.waitUntil(lambda: abs(player.player.position() - 20_000) < 400, timeout=5_000)


@pytest.fixture
def bird_search(qtbot, make_window, tmp_path, shared_data):
    """A window over a library of two real clips, showing the video moments found for "a white bird"."""
    import shutil

    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("mmaction2_demo.mp4", "imageio_cockatoo.mp4"):
        shutil.copy2(shared_data / "videos" / name, folder / name)
    w = make_window(tmp_path / "lib", options={"fps": 1.0}, wait_model=True)
    with qtbot.waitSignal(w.host.indexing_finished, timeout=120_000) as finished:
        w.first_run.add_folder(str(folder))
        w.first_run.start_button.click()
    assert finished.args[0].indexed == 2 and finished.args[0].video_seconds > 20
    with qtbot.waitSignal(w.controller.finished, timeout=20_000):
        w.filter_bar.kind_buttons["video"].click()  # no query yet: nothing runs
        w.controller.search("a white bird")
    assert w.model.hits and all(h.file.kind == "video" and h.start_s is not None for h in w.model.hits)
    return w


def test_an_indexed_video_moment_plays_from_its_start_with_the_timeline(qtbot, bird_search):
    w = bird_search
    hits = w.model.hits
    first = w.model.index(0)
    assert first.data(Role.SPAN_TEXT)  # the moment's time span is on the cell
    w.grid.setCurrentIndex(first)
    player = w.preview.player
    qtbot.waitUntil(lambda: abs(player.player.position() - hits[0].start_s * 1000) < 150, timeout=15_000)
    # the engine's timeline replaces the grid's moments: every moment of this video, and the similarity curve
    qtbot.waitUntil(lambda: player.timeline.curve is not None, timeout=20_000)
    expected = w.host.library.timeline(hits[0].file.id, query="a white bird")
    assert [(m.start_s, m.end_s) for m in player.timeline.moments] == sorted(
        (m.start_s, m.end_s) for m in expected.moments)
    assert len(player.timeline.curve[0]) == len(expected.times)


def test_without_qtmultimedia_a_video_moment_shows_its_frame(qtbot, request, monkeypatch):
    """A bundle built without the PySide6 module holding QtMultimedia showed the video's details over the
    "Select a result" hint: the player's import failed inside the selection slot. The frame shows instead."""
    import sys

    # `import` raises ImportError, as in that bundle
    monkeypatch.setitem(sys.modules, "desktop_app.pages.search.player", None)
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)
    w = request.getfixturevalue("bird_search")  # the search selects its first result
    hit = w.model.hits[0]
    w.grid.setCurrentIndex(w.model.index(0))
    preview = w.preview
    assert preview.player is None and preview.no_player
    assert preview.stack.currentWidget() is preview.canvas
    qtbot.waitUntil(lambda: preview.canvas.image is not None, timeout=15_000)
    frame = preview.canvas.image
    expected = w.host.library.frame_thumbnail(hit.file.id, hit.t_s)
    assert frame.size().width() == QImage(str(expected)).width() > 0
    assert abs(frame.width() / frame.height() - hit.file.width / hit.file.height) < 0.02
    assert preview.title.text() == Path(hit.file.path).name
    # another moment of a video: its frame again, the hint never comes back
    w.grid.setCurrentIndex(w.model.index(1))
    assert preview.stack.currentWidget() is preview.canvas
