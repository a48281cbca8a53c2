"""Dropping pictures on the window, and errors shown without a modal dialog or traceback."""

from __future__ import annotations

import shutil

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app.pages.search.queries import SIMILAR


def drop(window, mime: QMimeData) -> bool:
    """Deliver a drag-enter and a drop to the window as a file manager would."""
    pos = QPointF(200, 300)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    assert window.overlay.isVisible()
    event = QDropEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    return event.isAccepted()


def test_dropping_an_image_file_finds_similar(qtbot, window, photo_folder, tmp_path):
    outside = tmp_path / "from the desktop.png"
    shutil.copy2(photo_folder / "coffee.png", outside)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(outside))])
    with qtbot.waitSignal(window.controller.finished, timeout=20_000):
        assert drop(window, mime)
    assert window.controller.request.kind == SIMILAR
    assert window.controller.request.target == str(outside)
    assert not window.overlay.isVisible()
    assert "from the desktop.png" in window.results_header.label.text()
    best = window.model.hit(0)
    assert best.file.path == str(photo_folder / "coffee.png") and best.score > 0.999


def test_dropping_image_data_from_a_browser_finds_similar(qtbot, window, photo_folder):
    mime = QMimeData()
    mime.setImageData(QImage(str(photo_folder / "chelsea.png")))
    with qtbot.waitSignal(window.controller.finished, timeout=20_000):
        assert drop(window, mime)
    assert window.model.hit(0).file.path == str(photo_folder / "chelsea.png")


def test_plain_text_is_not_a_drop_target(window):
    mime = QMimeData()
    mime.setText("just words")
    assert not drop(window, mime)


def test_an_engine_error_shows_in_the_message_bar(qtbot, window, tmp_path, monkeypatch):
    def no_dialogs(*args, **kwargs):
        raise AssertionError("a modal dialog was opened for an error")

    for name in ("critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, name, no_dialogs)
    not_a_picture = tmp_path / "notes.jpg"
    not_a_picture.write_text("shopping list")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(not_a_picture))])
    with qtbot.waitSignal(window.controller.failed, timeout=20_000):
        drop(window, mime)
    bar = window.message_bar
    assert bar.isVisible() and bar.property("kind") == "error"
    assert "not a recognised image format" in bar.text.text()
    assert "Traceback" not in bar.text.text()
    # the window keeps working
    with qtbot.waitSignal(window.controller.finished, timeout=20_000):
        window.controller.search("a boat")
    assert window.model.rowCount() > 0


def test_a_damaged_catalog_offers_the_repair_by_its_type_not_its_words(window):
    """Errors reached the window as text, which it searched for "medialens repair" to offer the Repair button;
    it is handed the engine's exception and branches on `CatalogDamaged`."""
    from core.errors import CatalogDamaged, LibraryError

    bar = window.message_bar
    window.show_error(LibraryError("the folder is not a library (see `medialens repair --help` elsewhere)"))
    assert bar.action.isHidden() and bar.text.text().startswith("the folder is not a library")
    window.show_error(CatalogDamaged("catalog.db: the catalog is damaged"))
    assert not bar.action.isHidden() and bar.action.text() == "Repair"
    window.show_error(KeyError("a bug"))
    assert bar.action.isHidden() and bar.text.text() == "KeyError: 'a bug'"
