"""Searching the window for words written in photos: the photo comes first, and says which words and where."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from tests.desktop.conftest import search
from tests.text_pictures import write_text_photos

pytestmark = pytest.mark.slow


@pytest.fixture
def text_home(tmp_path, tiny_weights, shared_data):
    """A library that read the text of two photos with words among four plain ones."""
    from core.library import Library
    from tests.conftest import TINY_MODEL

    folder = tmp_path / "photos"
    coco = sorted((shared_data / "images" / "coco").glob("*.jpg"))
    placed = write_text_photos(folder, coco[:2], 2, seed=3)
    for p in coco[10:14]:
        shutil.copy2(p, folder / p.name)
    home = tmp_path / "lib"
    with Library(home, model=TINY_MODEL, weights=tiny_weights, device="cpu") as lib:
        assert lib.index([folder], ocr=True).text_read == 6
    return home, placed


def test_words_in_a_photo_find_it_first_and_show_where(qtbot, make_window, text_home):
    home, placed = text_home
    path, what = next(iter(placed.items()))  # "INVOICE 2024"
    window = make_window(home, wait_model=True)
    search(qtbot, window, what.phrase.lower())
    model = window.model
    assert model.hit(0).path == str(path)
    tip = model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert "Words found:" in tip and "2024" in tip
    window.grid.setCurrentIndex(model.index(0))
    assert "2024" in window.preview._meta_fields["words"].text()
    canvas = window.preview.canvas
    qtbot.waitUntil(lambda: canvas.image is not None, timeout=10_000)
    window.preview.explain_action.trigger()
    x0, y0, x1, y1 = canvas.explain_box  # the line's box, inside the drawn phrase's box
    bx0, by0, bx1, by1 = what.box
    assert bx0 - 4 <= x0 < x1 <= bx1 + 4 and by0 - 4 <= y0 < y1 <= by1 + 4
    assert canvas.heat is None


def test_settings_turn_reading_on_and_the_library_reads_what_it_has(qtbot, make_window, tmp_path, tiny_weights,
                                                                    shared_data):
    from core.library import Library
    from desktop_app.dialogs.settings import SettingsDialog
    from tests.conftest import TINY_MODEL

    folder = tmp_path / "photos"
    coco = sorted((shared_data / "images" / "coco").glob("*.jpg"))
    placed = write_text_photos(folder, coco[2:3], 1, seed=21)
    shutil.copy2(coco[15], folder / coco[15].name)
    home = tmp_path / "lib"
    with Library(home, model=TINY_MODEL, weights=tiny_weights, device="cpu") as lib:
        assert lib.index([folder]).text_read == 0
    window = make_window(home, wait_model=True)
    qtbot.waitUntil(lambda: window.host.status is not None, timeout=10_000)
    dialog = SettingsDialog(window.settings, window.host, window)
    qtbot.addWidget(dialog)
    assert not dialog.read_text.isChecked()
    dialog.read_text.setChecked(True)
    with qtbot.waitSignal(window.host.indexing_finished, timeout=120_000) as finished:
        dialog.accept()
    assert finished.args[0].text_read == 2
    qtbot.waitUntil(lambda: window.host.status.text.enabled is True, timeout=10_000)
    path, what = next(iter(placed.items()))
    search(qtbot, window, what.phrase.lower())
    assert window.model.hit(0).path == str(path)
