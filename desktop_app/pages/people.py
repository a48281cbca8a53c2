"""The People page: the faces found in the library grouped into people, as round thumbnails with their
counts (named people by name, then unnamed groups biggest first), a name field, and a person's page
(their faces, a wrong one removed) from which their photos are searched with words
(`person:"Name" words` in the main search bar).

Everything the library does runs off the GUI thread through the library host (`host.call`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:  # pragma: no cover
    from core.library import FacesStatus, PersonRecord
    from desktop_app.workers.host import LibraryHost

PERSON_ROLE = Qt.ItemDataRole.UserRole + 1  # a person's id (the People list) or a face's id (a person's page)
FACE_ROLE = Qt.ItemDataRole.UserRole + 2  # the face shown as the thumbnail
THUMB = 112


def round_pixmap(png: bytes | None, side: int = THUMB) -> QPixmap:
    """A face as a round thumbnail (a grey disc when there is no picture)."""
    out = QPixmap(side, side)
    out.fill(Qt.GlobalColor.transparent)
    p = QPainter(out)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addEllipse(0, 0, side, side)
    image = QImage.fromData(png) if png else QImage()
    if image.isNull():
        p.fillPath(path, QBrush(QColor("#777")))
    else:
        p.setClipPath(path)
        p.drawImage(out.rect(), image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                                             Qt.TransformationMode.SmoothTransformation))
    p.end()
    return out


def person_label(name: str | None, files: int, tr) -> str:
    return f"{name or tr('(no name)')}\n" + tr("{0} photos").format(files)


class PeoplePage(QWidget):
    """People, and one person's page (a page: `Library ▸ People…` shows it in a `PageWindow`)."""

    loaded = Signal(int)  # people shown
    search_requested = Signal(str)  # a search text for the main window: person:"Name" words

    def __init__(self, host: LibraryHost, parent: QWidget | None = None):
        super().__init__(parent)
        self.host = host
        self.setWindowTitle(self.tr("People"))
        self.person_id: int | None = None
        self.person_name: str | None = None
        self.summary = QLabel(self)
        self.people = QStandardItemModel(self)
        self.grid = self._grid(self.people)
        self.grid.doubleClicked.connect(lambda index: self.open_person(index.data(PERSON_ROLE)))
        self.grid.selectionModel().currentChanged.connect(self._selected)
        self.name_field = QLineEdit(self)
        self.name_field.setPlaceholderText(self.tr("Name the selected person"))
        self.name_field.returnPressed.connect(self.name_selected)
        name_button = QPushButton(self.tr("Name"), self)
        name_button.clicked.connect(self.name_selected)
        merge_button = QPushButton(self.tr("Merge Selected"), self)
        merge_button.clicked.connect(self.merge_selected)
        hide_button = QPushButton(self.tr("Hide"), self)
        hide_button.clicked.connect(self.hide_selected)
        self.turn_on = QPushButton(self.tr("Find Faces in This Library"), self)
        self.turn_on.setVisible(False)
        self.turn_on.clicked.connect(self.find_faces)
        row = QHBoxLayout()
        for w in (self.name_field, name_button, merge_button, hide_button, self.turn_on):
            row.addWidget(w)
        list_page = QWidget(self)
        lay = QVBoxLayout(list_page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.grid, 1)
        lay.addLayout(row)

        self.faces = QStandardItemModel(self)
        self.face_grid = self._grid(self.faces)
        self.title = QLabel(self)
        self.words = QLineEdit(self)
        self.words.setPlaceholderText(self.tr("Search their photos with words, e.g. a purple tie"))
        self.words.returnPressed.connect(self.search_person)
        back = QPushButton(self.tr("All People"), self)
        back.clicked.connect(self.show_people)
        remove = QPushButton(self.tr("Not This Person"), self)
        remove.clicked.connect(self.remove_selected_faces)
        search = QPushButton(self.tr("Search"), self)
        search.clicked.connect(self.search_person)
        top = QHBoxLayout()
        top.addWidget(back)
        top.addWidget(self.title, 1)
        bottom = QHBoxLayout()
        for w in (self.words, search, remove):
            bottom.addWidget(w)
        person_page = QWidget(self)
        lay = QVBoxLayout(person_page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.face_grid, 1)
        lay.addLayout(bottom)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(list_page)
        self.pages.addWidget(person_page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.summary)
        outer.addWidget(self.pages, 1)

    def _grid(self, model: QStandardItemModel) -> QListView:
        view = QListView(self)
        view.setModel(model)
        view.setViewMode(QListView.ViewMode.IconMode)
        view.setIconSize(QSize(THUMB, THUMB))
        view.setGridSize(QSize(THUMB + 48, THUMB + 52))
        view.setResizeMode(QListView.ResizeMode.Adjust)
        view.setMovement(QListView.Movement.Static)
        view.setWordWrap(True)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        return view

    # ----- the People list -------------------------------------------------------------------------

    def refresh(self) -> None:
        self.summary.setText(self.tr("Looking for people…"))
        if not self.host.call(lambda lib: (lib.people.list(), lib.people.counts()), self._show_people,
                              self._failed):
            self.summary.setText(self.tr("The library is not open yet."))

    def _show_people(self, found: tuple[list[PersonRecord], FacesStatus]) -> None:
        people, counts = found
        self.people.removeRows(0, self.people.rowCount())
        for p in people:
            item = QStandardItem(round_pixmap(None), person_label(p.name, p.files, self.tr))
            item.setData(p.id, PERSON_ROLE)
            item.setData(p.cover.id if p.cover else None, FACE_ROLE)
            item.setToolTip(self.tr("{0} faces").format(p.faces))
            self.people.appendRow(item)
            if p.cover is not None:
                self._load_thumb(item, p.cover.id)
        if counts.enabled or counts.faces:
            self.summary.setText(self.tr("{0} people; {1} faces in {2} files. Double-click a person to see "
                                         "their faces.").format(len(people), counts.faces, counts.files))
        else:
            self.summary.setText(self.tr("Finding faces is off for this library."))
        self.turn_on.setVisible(not counts.enabled)
        self.loaded.emit(len(people))

    def find_faces(self) -> None:
        """Turn the face stage on for this library (remembered) and index: the faces of what is indexed are found."""
        def started(_on) -> None:
            self.summary.setText(self.tr("Finding faces… this page fills when indexing is done."))
            self.turn_on.setVisible(False)
            if not self.host.indexing:
                self.host.index()
            self.host.indexing_finished.connect(self._refresh_once)

        self.host.call(lambda lib: lib.finds_faces(True), started, self._failed)

    def _refresh_once(self, _report=None) -> None:
        self.host.indexing_finished.disconnect(self._refresh_once)
        self.refresh()

    def _load_thumb(self, item: QStandardItem, face_id: int) -> None:
        def done(png: bytes | None) -> None:
            # a refresh while the face was read deleted the item (Qt owns it): touching it would raise
            if shiboken6.isValid(item) and item.model() is not None:
                item.setIcon(round_pixmap(png))

        self.host.call(lambda lib: lib.people.face_image(face_id), done, lambda exc: None)

    def _selected(self, current, _previous) -> None:
        name = current.data(Qt.ItemDataRole.DisplayRole) if current.isValid() else ""
        first = (name or "").split("\n")[0]
        self.name_field.setText("" if first == self.tr("(no name)") else first)

    def _selected_people(self) -> list[int]:
        return [i.data(PERSON_ROLE) for i in self.grid.selectionModel().selectedIndexes()]

    def name_selected(self) -> None:
        chosen, name = self._selected_people(), self.name_field.text().strip()
        if len(chosen) != 1 or not name:
            self.summary.setText(self.tr("Select one person and type a name."))
            return
        self.host.call(lambda lib: lib.people.name(chosen[0], name), lambda _pid: self.refresh(), self._failed)

    def merge_selected(self) -> None:
        chosen = self._selected_people()
        if len(chosen) < 2:
            self.summary.setText(self.tr("Select the groups that are one person (Ctrl-click), then Merge."))
            return
        current = self.grid.currentIndex().data(PERSON_ROLE)
        target = current if current in chosen else chosen[0]
        self.host.call(lambda lib: lib.people.merge([c for c in chosen if c != target], target),
                       lambda _pid: self.refresh(), self._failed)

    def hide_selected(self) -> None:
        chosen = self._selected_people()

        def job(lib) -> None:
            for pid in chosen:
                lib.people.hide(pid)

        self.host.call(job, lambda _none: self.refresh(), self._failed)

    # ----- a person's page ---------------------------------------------------------------------------

    def open_person(self, person_id: int | None) -> None:
        if person_id is None:
            return
        self.person_id = person_id
        self.pages.setCurrentIndex(1)
        self.host.call(lambda lib: (lib.people.person(person_id), lib.people.faces(person_id)), self._show_person,
                       self._failed)

    def _show_person(self, found) -> None:
        person, faces = found
        self.person_name = person.name
        self.title.setText(self.tr("{0}: {1} faces in {2} files").format(
            person.name or self.tr("(no name)"), person.faces, person.files))
        self.faces.removeRows(0, self.faces.rowCount())
        for f in faces:
            at = f" {f.t_s:.1f} s" if f.t_s is not None else ""
            item = QStandardItem(round_pixmap(None), f.path.rsplit("/", 1)[-1] + at)
            item.setData(f.id, PERSON_ROLE)
            item.setToolTip(f.path)
            self.faces.appendRow(item)
            self._load_thumb(item, f.id)

    def show_people(self) -> None:
        self.pages.setCurrentIndex(0)
        self.refresh()

    def remove_selected_faces(self) -> None:
        faces = [i.data(PERSON_ROLE) for i in self.face_grid.selectionModel().selectedIndexes()]
        pid = self.person_id
        if not faces or pid is None:
            return
        self.host.call(lambda lib: lib.people.remove_faces(pid, faces), lambda _none: self.open_person(pid),
                       self._failed)

    def search_person(self) -> None:
        who = self.person_name or (f"#{self.person_id}" if self.person_id else "")
        if not who:
            return
        self.search_requested.emit(f'person:"{who}" {self.words.text().strip()}'.strip())

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(str(exc))
