"""A list of folder paths as an item model (library folders, the first-run page's choices)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from desktop_app.widgets.icons import icon

Index = QModelIndex | QPersistentModelIndex


class FolderListModel(QAbstractListModel):
    """Folder paths with a folder icon (library roots, or the first-run page's choices)."""

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.folders: list[str] = []

    def set_folders(self, folders: list[str]) -> None:
        self.beginResetModel()
        self.folders = list(folders)
        self.endResetModel()

    def add(self, folder: str) -> None:
        if folder in self.folders:
            return
        self.beginInsertRows(QModelIndex(), len(self.folders), len(self.folders))
        self.folders.append(folder)
        self.endInsertRows()

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.folders[row]
        self.endRemoveRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.folders)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.folders[index.row()]
        if role == Qt.ItemDataRole.DecorationRole:
            return icon("folder")
        return None
