"""A person's round thumbnail that arrives after the People page was refilled is dropped, not applied.

The page reads each person's face off the GUI thread; a refresh meanwhile (naming, merging, indexing done)
clears the grid, and Qt deletes the items. The late answer touched a deleted item and raised in the event loop
(seen in a full run: tests/desktop/test_people_view.py).
"""

from __future__ import annotations

from PySide6.QtGui import QStandardItem


class HeldCalls:
    """A library host that keeps each call's success callback instead of running it."""

    indexing = False

    def __init__(self):
        self.answers = []

    def call(self, fn, on_success=None, on_failure=None, pool="query") -> bool:
        self.answers.append(on_success)
        return True


def test_a_thumbnail_arriving_after_the_grid_was_refilled_is_dropped(qtbot):
    from desktop_app.pages.people import PeoplePage

    host = HeldCalls()
    page = PeoplePage(host)
    qtbot.addWidget(page)
    kept, dropped = QStandardItem("kept"), QStandardItem("dropped")
    page.people.appendRow(dropped)
    page._load_thumb(dropped, face_id=1)
    page.people.clear()  # what a refresh does before it lists the people again
    page.people.appendRow(kept)
    page._load_thumb(kept, face_id=2)
    png = _png()
    for answer in host.answers:
        answer(png)  # the late one first: it must neither raise nor touch anything
    assert not kept.icon().isNull()


def _png() -> bytes:
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QColor, QImage

    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())
