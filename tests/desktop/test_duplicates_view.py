"""The Duplicates page over a library with planted copies: groups shown, the keeper unchecked, trash asks first."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from tests.quality import world
from tests.quality.model import MODEL_NAME, WEIGHTS

pytestmark = pytest.mark.slow


@pytest.fixture
def planted_home(tmp_path):
    """A world-model library of 6 distinct pictures, one copied byte for byte and one halved."""
    from core.library import Library

    folder = tmp_path / "photos"
    folder.mkdir()
    pictures = [p.image() for p in world.make_pictures(6, 8_900_001, "test")]
    for i, img in enumerate(pictures):
        img.save(folder / f"p{i}.jpg", "JPEG", quality=95)
    shutil.copy2(folder / "p0.jpg", folder / "p0 copy.jpg")
    w, h = pictures[1].size
    pictures[1].resize((w // 2, h // 2)).save(folder / "p1 small.jpg", "JPEG", quality=90)
    home = tmp_path / "lib"
    with Library(home, model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
        lib.index([folder])
    return home, folder


@pytest.fixture
def host(qtbot, planted_home):
    from desktop_app.workers.host import LibraryConfig, LibraryHost

    h = LibraryHost(LibraryConfig(home=str(planted_home[0]), model=MODEL_NAME, weights=str(WEIGHTS), device="cpu"))
    with qtbot.waitSignal(h.opened, timeout=30_000):
        h.open()
    yield h
    h.shutdown()


def _rows(page):
    m = page.model
    out = []
    for r in range(m.rowCount()):
        head = m.item(r, 0)
        out.append([(head.child(k, 0).text(), head.child(k, 0).checkState()) for k in range(head.rowCount())])
    return out


def test_duplicates_page_lists_groups_and_moves_checked_copies_to_the_trash(qtbot, host, planted_home, tmp_path,
                                                                          monkeypatch):
    from desktop_app.pages.duplicates import DuplicatesPage

    _, folder = planted_home
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    page = DuplicatesPage(host)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=60_000) as got:
        page.refresh()
    assert got.args == [2]
    groups = _rows(page)
    names = [{text.split("/")[-1].replace("  (keep)", "") for text, _ in g} for g in groups]
    assert sorted(map(sorted, names)) == [["p0 copy.jpg", "p0.jpg"], ["p1 small.jpg", "p1.jpg"]]
    for g in groups:  # the keeper (first) is unchecked and says so; the other copy is checked
        assert g[0][0].endswith("(keep)") and g[0][1] == Qt.CheckState.Unchecked
        assert g[1][1] == Qt.CheckState.Checked
    assert "p1.jpg" in next(g[0][0] for g in groups if "p1" in g[0][0])  # the bigger picture is kept

    monkeypatch.setattr(page, "confirm", lambda count, total: False)
    page.trash_checked()
    assert len(list(folder.iterdir())) == 8  # declined: nothing moved

    asked = []
    monkeypatch.setattr(page, "confirm", lambda count, total: asked.append(count) or True)
    with qtbot.waitSignal(page.trashed, timeout=30_000) as moved:
        page.trash_checked()
    assert asked == [2] and moved.args == [2]
    assert len(list(folder.iterdir())) == 6
    assert len(list((tmp_path / "xdg" / "Trash" / "files").iterdir())) == 2
    with qtbot.waitSignal(page.loaded, timeout=60_000) as again:  # re-indexed, then looked again
        pass
    assert again.args == [0]
    assert page.summary.text() == "No duplicates."


def test_the_library_menu_opens_the_duplicates_page(qtbot, window):
    from desktop_app.pages.duplicates import DuplicatesPage

    window.library_actions.act_duplicates.trigger()
    page = window.findChild(DuplicatesPage)
    assert page is not None and page.isVisible()
    qtbot.waitUntil(lambda: page.summary.text() not in ("", "Looking for duplicates…"), timeout=60_000)
    assert page.summary.text() == "No duplicates." or "groups" in page.summary.text()
    assert "&Library" in [a.text() for a in window.menuBar().actions()]
    assert window.library_actions.act_duplicates in next(
        a.menu() for a in window.menuBar().actions() if a.text() == "&Library").actions()


def test_repeated_video_moments_are_listed_and_open_the_player_at_their_start(qtbot, tmp_path):
    """Videos with footage shown twice in one and a clip cut from another: moment groups with their spans,
    nothing to check for the trash, and a double-click asks for the player at the occurrence's start."""
    from core.library import Library
    from desktop_app.pages.duplicates import MOMENT_ROLE, DuplicatesPage
    from desktop_app.workers.host import LibraryConfig, LibraryHost
    from tests.quality.repeat_world import make_repeat_world

    make_repeat_world(tmp_path / "videos")
    home = tmp_path / "lib"
    with Library(home, model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
        lib.index([tmp_path / "videos"])
    h = LibraryHost(LibraryConfig(home=str(home), model=MODEL_NAME, weights=str(WEIGHTS), device="cpu"))
    with qtbot.waitSignal(h.opened, timeout=30_000):
        h.open()
    try:
        page = DuplicatesPage(h)
        qtbot.addWidget(page)
        with qtbot.waitSignal(page.loaded, timeout=60_000) as got:
            page.refresh()
        assert got.args == [4]
        m = page.model
        heads = [m.item(r, 0).text() for r in range(m.rowCount())]
        assert heads[0].startswith("Group 1: the same") and heads[0].endswith("in 3 places")
        assert page.model.checked() == []  # a moment is part of a video: nothing goes to the trash
        twice = next(m.item(r, 0) for r in range(m.rowCount())
                     if m.item(r, 0).child(0, 0).text() == "twice.mp4")
        assert [twice.child(k, 3).text() for k in range(twice.rowCount())] == ["0:00–0:08", "0:12–0:20"]
        second = m.indexFromItem(twice.child(1, 0))
        assert second.data(MOMENT_ROLE) is not None
        with qtbot.waitSignal(page.moment_requested, timeout=5_000) as asked:
            page.view.doubleClicked.emit(second)
        hit, marks = asked.args
        assert hit.path.endswith("twice.mp4") and hit.start_s == 12.0
        assert sorted(mk.start_s for mk in marks) == [0.0, 12.0]  # both occurrences marked on the timeline
    finally:
        h.shutdown()
