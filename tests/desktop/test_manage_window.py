"""Managing from the window: the side bar's albums, tags, rating and places narrow what is shown; the
rating and favourite keys write sidecars; chips show what the search text was understood to say and
give the words back when removed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.media.xmp import read_sidecar, sidecar_path
from tests.desktop.conftest import search
from tests.manage_factory import trip


@pytest.fixture
def trip_window(make_window, tmp_path, tiny_weights):
    from core.library import Library
    from tests.conftest import TINY_MODEL

    photos = trip(tmp_path / "photos")
    home = tmp_path / "home"
    with Library(home, model=TINY_MODEL, weights=tiny_weights, device="cpu") as lib:
        lib.index([tmp_path / "photos"])
        ids = {k: lib.catalog.file_by_path(str(p)).id for k, p in photos.items()}
        lib.manager.add_to_album("Portugal trip", [ids["lisbon_jul"], ids["porto_jul"]])
        lib.manager.edit([ids["shanghai_jan"]], add_tags=["Places/China/Shanghai"])
    w = make_window(home, wait_model=True)
    return w, photos


def _shown(w) -> set[str]:
    return {w.model.hit(r).file.path.rsplit("/", 1)[-1] for r in range(w.model.rowCount())}


def _item(tree, text):
    found = tree.findItems(text, Qt.MatchFlag.MatchStartsWith | Qt.MatchFlag.MatchRecursive)
    assert found, text
    return found[0]


@pytest.mark.slow
def test_side_bar_keys_and_chips(qtbot, trip_window):
    w, photos = trip_window
    panel = w.manage_panel
    qtbot.waitUntil(lambda: bool(panel.places.findItems("Portugal", Qt.MatchFlag.MatchStartsWith)), timeout=20_000)
    portugal = _item(panel.places, "Portugal")
    assert portugal.text(1) == "4" and {portugal.child(i).text(0) for i in range(portugal.childCount())} == {
        "Lisbon", "Porto"}

    with qtbot.waitSignal(w.controller.finished, timeout=20_000):  # the album narrows the library's browse
        panel.tree.itemClicked.emit(_item(panel.tree, "Portugal trip"), 0)
    assert _shown(w) == {"lisbon_jul.jpg", "porto_jul.jpg"}
    with qtbot.waitSignal(w.controller.finished, timeout=20_000):  # chosen again: cleared
        panel.tree.itemClicked.emit(_item(panel.tree, "Portugal trip"), 0)
    assert len(_shown(w)) == 6
    with qtbot.waitSignal(w.controller.finished, timeout=20_000):  # a tag, by its place in the tree
        panel.tree.itemClicked.emit(_item(panel.tree, "China"), 0)
    assert _shown(w) == {"shanghai_jan.jpg"}
    with qtbot.waitSignal(w.controller.finished, timeout=20_000):
        panel.tree.itemClicked.emit(_item(panel.tree, "All photos"), 0)

    search(qtbot, w, "a photo in Lisbon July 2023")  # the text's date and place become chips and filters
    qtbot.waitUntil(lambda: len(w.chips.chips) == 2, timeout=20_000)
    assert [c.text() for c in w.chips.chips] == ["July 2023  ✕", "place Lisbon  ✕"]
    assert _shown(w) == {"lisbon_jul.jpg"}
    with qtbot.waitSignal(w.controller.finished, timeout=20_000):
        w.chips.chips[0].click()  # the date goes back to the words: every Lisbon photo
    assert _shown(w) == {"lisbon_jul.jpg", "lisbon_2022a.jpg", "lisbon_2022b.jpg"}

    row = next(r for r in range(w.model.rowCount()) if w.model.hit(r).file.path.endswith("lisbon_2022b.jpg"))
    w.grid.setFocus()
    w.grid.setCurrentIndex(w.model.index(row))
    qtbot.keyClick(w.grid, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: sidecar_path(photos["lisbon_2022b"]).exists(), timeout=20_000)
    qtbot.keyClick(w.grid, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: read_sidecar(sidecar_path(photos["lisbon_2022b"])).favourite is True, timeout=20_000)
    assert read_sidecar(sidecar_path(photos["lisbon_2022b"])).rating == 4
    with qtbot.waitSignal(w.controller.finished, timeout=20_000):
        panel.favourites.setChecked(True)
    assert _shown(w) == {"lisbon_2022b.jpg"}
