"""Managing the library: its folders, and the files that could not be indexed (and why)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.widgets.folder_list import FolderListModel
from desktop_app.widgets.icons import icon

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Sequence

    from core.library import FailedFile, LibraryStatus
    from desktop_app.workers.host import LibraryHost

Index = QModelIndex | QPersistentModelIndex


class FoldersDialog(QDialog):
    """Add, remove and rescan library folders."""

    def __init__(self, host: LibraryHost, roots: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.host = host
        self.setWindowTitle(self.tr("Library folders"))
        self.resize(560, 360)
        self.model = FolderListModel(self)
        self.model.set_folders(roots)
        self.view = QListView(self)
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAccessibleName(self.tr("Library folders"))
        intro = QLabel(self.tr("MediaLens indexes every photo and video in these folders and their subfolders."),
                       self)
        intro.setWordWrap(True)
        self.add_button = QPushButton(icon("folder-add"), self.tr("Add folder…"), self)
        self.remove_button = QPushButton(icon("remove"), self.tr("Remove"), self)
        self.rescan_button = QPushButton(icon("rescan"), self.tr("Rescan all"), self)
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        self.rescan_button.clicked.connect(self._rescan)
        buttons = QVBoxLayout()
        for b in (self.add_button, self.remove_button, self.rescan_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.view, 1)
        row.addLayout(buttons)
        # Folder links that lead outside a library folder: where the library really reaches, and a switch.
        self.outside = QLabel(self)
        self.outside.setWordWrap(True)
        self.outside.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outside.setVisible(False)
        self.follow_links = QCheckBox(self.tr("Follow folder links that lead outside these folders"), self)
        self.follow_links.setToolTip(self.tr("When off, the next scan leaves out what such links reach"))
        self.follow_links.setChecked(True)
        self.follow_links.toggled.connect(self._set_follow_links)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(row, 1)
        lay.addWidget(self.outside)
        lay.addWidget(self.follow_links)
        lay.addWidget(close)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        host.status_changed.connect(self._status)
        self._update_buttons()
        host.refresh_status()

    def _status(self, status: LibraryStatus) -> None:
        self.model.set_folders(list(status.roots))
        lines = [self.tr("%1 reaches outside itself: %2").replace("%1", root).replace(
                     "%2", ", ".join(f"{x.link} → {x.target}" for x in links))
                 for root, links in status.outside_links.items()]
        self.outside.setText("\n".join(lines))
        self.outside.setVisible(bool(lines))
        self.follow_links.blockSignals(True)
        self.follow_links.setChecked(status.follow_outside_links)
        self.follow_links.blockSignals(False)
        self._update_buttons()

    def _set_follow_links(self, follow: bool) -> None:
        def change(lib) -> None:
            lib.follows_outside_links = follow

        self.host.call(change, lambda _result: self.host.refresh_status())

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.view.selectionModel().hasSelection() and not self.host.indexing)
        self.rescan_button.setEnabled(bool(self.model.folders) and not self.host.indexing)

    def _add(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a folder to the library"))
        if folder:
            self.host.add_root(folder, lambda _path: self.host.index([folder]))

    def _remove(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        if rows:
            self.host.remove_root(self.model.folders[rows[0].row()])

    def _rescan(self) -> None:
        self.host.index()
        self._update_buttons()


class FailuresModel(QAbstractTableModel):
    """Files that could not be indexed: path and reason, as the engine recorded them."""

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.rows: list[tuple[str, str]] = []

    def set_rows(self, rows: list[tuple[str, str]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.rows[index.row()][index.column()]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (self.tr("File"), self.tr("Why it failed"))[section]
        return None


class FailuresDialog(QDialog):
    """A non-modal list of failed files; reopening it refreshes from the catalog."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Files that could not be indexed"))
        self.resize(760, 380)
        self.model = FailuresModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        intro = QLabel(self.tr("These files were skipped. Fix or remove them, then rescan."), self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = buttons.addButton(self.tr("Copy list"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self._copy)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.view, 1)
        lay.addWidget(buttons)

    def set_failures(self, failures: Sequence[FailedFile]) -> None:
        self.model.set_rows([(f.path, f.reason or "") for f in failures])

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(f"{p}\t{r}" for p, r in self.model.rows))
