"""The Duplicates page: groups of copies, biggest first, to decide what to keep.

Each group is a row with its copies under it: path, size, pixels and similarity to the
copy the engine suggests keeping (`Library.duplicates`). A repeated video moment lists where
the footage plays; double-clicking one opens the player there (`moment_requested`). Every copy but that one starts
checked; "Move to Trash…" asks first, then sends the checked files to the system trash
(never deletes) and re-indexes so the library forgets them. "Reveal" shows a copy in the
file manager. The search runs off the GUI thread through the library host.

Like every page it is a plain widget; the window decides where it goes (`Library ▸ Duplicates…` opens it
in a `PageWindow` of its own, beside the search page).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.widgets import formatting
from desktop_app.widgets.reveal import reveal_in_file_manager

if TYPE_CHECKING:  # pragma: no cover
    from core.library import DuplicateGroup
    from desktop_app.workers.host import LibraryHost

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
SIZE_ROLE = Qt.ItemDataRole.UserRole + 2
MOMENT_ROLE = Qt.ItemDataRole.UserRole + 3  # (group, occurrence index) of a repeated video moment


class DuplicatesModel(QStandardItemModel):
    """Groups as top-level rows, their copies as checkable children (checked: to move to the trash)."""

    def __init__(self, parent=None):
        super().__init__(0, 5, parent)
        self.setHorizontalHeaderLabels([self.tr("File"), self.tr("Folder"), self.tr("Size"),
                                        self.tr("Pixels / Time"), self.tr("Similarity")])

    def set_groups(self, groups: list[DuplicateGroup]) -> None:
        self.removeRows(0, self.rowCount())
        for i, g in enumerate(groups, 1):
            if g.kind == "moment":
                self._add_moment(i, g)
                continue
            kind = self.tr("identical files") if g.kind == "exact" else self.tr("similar photos")
            head = QStandardItem(self.tr("Group {0}: {1} {2}, {3} to free").format(
                i, len(g.copies), kind, formatting.size(g.reclaimable)))
            head.setEditable(False)
            row = [head] + [_cell("") for _ in range(self.columnCount() - 1)]
            for c in g.copies:
                f = c.file
                name = _cell(os.path.basename(f.path) + ("  " + self.tr("(keep)") if c.keep else ""))
                name.setData(f.path, PATH_ROLE)
                name.setData(f.size, SIZE_ROLE)
                name.setToolTip(f.path)
                name.setCheckable(True)
                name.setCheckState(Qt.CheckState.Unchecked if c.keep else Qt.CheckState.Checked)
                pixels = f"{f.width}×{f.height}" if f.width else ""
                head.appendRow([name, _cell(os.path.dirname(f.path)), _cell(formatting.size(f.size)), _cell(pixels),
                                _cell(f"{c.similarity:.3f}")])
            self.appendRow(row)

    def _add_moment(self, i: int, g) -> None:
        """A repeated moment: its occurrences as rows to open at their start (never checked for the trash)."""
        head = _cell(self.tr("Group {0}: the same {1} of footage in {2} places").format(
            i, formatting.duration(g.duration_s), len(g.copies)))
        for k, c in enumerate(g.copies):
            f = c.file
            name = _cell(os.path.basename(f.path))
            name.setData(f.path, PATH_ROLE)
            name.setData((g, k), MOMENT_ROLE)
            name.setToolTip(self.tr("{0}\nDouble-click to play from {1}").format(f.path, formatting.clock(c.start_s)))
            head.appendRow([name, _cell(os.path.dirname(f.path)), _cell(formatting.size(f.size)),
                            _cell(formatting.span(c.start_s, c.end_s)),
                            _cell(f"{c.similarity:.3f}")])
        self.appendRow([head] + [_cell("") for _ in range(self.columnCount() - 1)])

    def checked(self) -> list[tuple[str, int]]:
        """(path, bytes) of every checked copy."""
        out = []
        for r in range(self.rowCount()):
            head = self.item(r, 0)
            for k in range(head.rowCount()):
                child = head.child(k, 0)
                if child.checkState() == Qt.CheckState.Checked:
                    out.append((child.data(PATH_ROLE), child.data(SIZE_ROLE)))
        return out


def _cell(text: str) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    return item


class DuplicatesPage(QWidget):
    """Find duplicates in the open library, reveal them, move the extra copies to the trash."""

    loaded = Signal(int)  # number of groups shown
    moment_requested = Signal(object, object)  # (Hit to play from, the Hits of that video's occurrences)
    trashed = Signal(int)  # number of files moved to the trash

    def __init__(self, host: LibraryHost, parent: QWidget | None = None):
        super().__init__(parent)
        self.host = host
        self.setWindowTitle(self.tr("Duplicates"))
        self.summary = QLabel(self)
        self.model = DuplicatesModel(self)
        self.view = QTreeView(self)
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QTreeView.SelectionBehavior.SelectRows)
        self.view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.view.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.view.doubleClicked.connect(self._activated)
        #: the page's buttons, right-aligned (a `PageWindow` adds its Close button at the end)
        self.actions_row = QHBoxLayout()
        self.actions_row.addStretch(1)
        self.reveal_button = QPushButton(self.tr("Reveal"), self)
        self.trash_button = QPushButton(self.tr("Move Checked to Trash…"), self)
        self.refresh_button = QPushButton(self.tr("Look Again"), self)
        for b in (self.refresh_button, self.reveal_button, self.trash_button):
            self.actions_row.addWidget(b)
        self.reveal_button.clicked.connect(lambda: self._reveal_index(self.view.currentIndex()))
        self.trash_button.clicked.connect(self.trash_checked)
        self.refresh_button.clicked.connect(self.refresh)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.summary)
        lay.addWidget(self.view, 1)
        lay.addLayout(self.actions_row)

    def refresh(self) -> None:
        self.summary.setText(self.tr("Looking for duplicates…"))
        self.trash_button.setEnabled(False)
        if not self.host.call(lambda lib: lib.duplicates(), self._show, self._failed):
            self.summary.setText(self.tr("The library is not open yet."))

    def _show(self, groups: list[DuplicateGroup]) -> None:
        self.model.set_groups(groups)
        self.view.expandAll()
        freed = sum(g.reclaimable for g in groups)
        self.summary.setText(self.tr("No duplicates.") if not groups else
                             self.tr("{0} groups; keeping the first of each frees {1}.").format(
                                 len(groups), formatting.size(freed)))
        self.trash_button.setEnabled(bool(groups))
        self.loaded.emit(len(groups))

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(str(exc))

    def _reveal_index(self, index: QModelIndex) -> None:
        path = index.siblingAtColumn(0).data(PATH_ROLE) if index.isValid() else None
        if path:
            reveal_in_file_manager(path)

    def _activated(self, index: QModelIndex) -> None:
        """Double-click: a repeated moment plays from its start; a copy of a file is revealed."""
        moment = index.siblingAtColumn(0).data(MOMENT_ROLE) if index.isValid() else None
        if moment is None:
            self._reveal_index(index)
            return
        from core.library import Hit

        group, k = moment
        chosen = group.copies[k]
        marks = [Hit(c.file, 0, c.similarity, c.start_s, c.end_s, c.start_s)
                 for c in group.copies if c.file.id == chosen.file.id]
        self.moment_requested.emit(next(h for h in marks if h.start_s == chosen.start_s), marks)

    def confirm(self, count: int, total: int) -> bool:
        """Ask before moving anything (tests answer through this)."""
        answer = QMessageBox.question(
            self, self.tr("Move to Trash"),
            self.tr("Move {0} files ({1}) to the trash? They can be restored from there.").format(
                count, formatting.size(total)))
        return answer == QMessageBox.StandardButton.Yes

    def trash_checked(self) -> None:
        chosen = self.model.checked()
        if not chosen or not self.confirm(len(chosen), sum(size for _, size in chosen)):
            return
        paths = [p for p, _ in chosen]

        def done(failed: list[tuple[str, str]]) -> None:
            moved = len(paths) - len(failed)
            self.summary.setText(self.tr("Moved {0} files to the trash.").format(moved) + "".join(
                "\n" + self.tr("Not moved: {0}: {1}").format(p, why) for p, why in failed))
            self.trashed.emit(moved)
            if moved and not self.host.indexing:
                self.host.index()  # the library forgets what went to the trash
            self.refresh_after_index()

        self.host.call(lambda lib: lib.trash_files(paths), done, self._failed)

    def refresh_after_index(self) -> None:
        if self.host.indexing:
            self.host.indexing_finished.connect(self._refresh_once)
        else:
            self.refresh()

    def _refresh_once(self, _report=None) -> None:
        self.host.indexing_finished.disconnect(self._refresh_once)
        self.refresh()
