"""The results grid's item model: photos and video moments, best first, paged on demand.

A flat `QAbstractListModel` over the engine's `Hit`s with custom roles, so the
delegate paints from data and the view stays fast with 100,000 rows (no item
widgets, O(1) `data()`). Thumbnails come from `ThumbnailLoader` through
`Qt.DecorationRole`; when one arrives, only the rows showing it are updated.
Dragging rows out gives other applications the files as URLs.
"""

from __future__ import annotations

import os
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QPixmap

from desktop_app.widgets import formatting as fmt
from desktop_app.workers.thumbnails import ThumbKey, ThumbnailLoader

if TYPE_CHECKING:  # pragma: no cover
    from core.library import Hit

Index = QModelIndex | QPersistentModelIndex


class Role(IntEnum):
    HIT = Qt.ItemDataRole.UserRole + 1
    FILE_ID = Qt.ItemDataRole.UserRole + 2
    PATH = Qt.ItemDataRole.UserRole + 3
    KIND = Qt.ItemDataRole.UserRole + 4
    SCORE = Qt.ItemDataRole.UserRole + 5
    START = Qt.ItemDataRole.UserRole + 6
    END = Qt.ItemDataRole.UserRole + 7
    SPAN_TEXT = Qt.ItemDataRole.UserRole + 8
    RELEVANCE = Qt.ItemDataRole.UserRole + 9  # True, False, or None (not marked)
    THUMB_FAILED = Qt.ItemDataRole.UserRole + 10


class Cell(NamedTuple):
    """What the delegate paints for one row."""

    pixmap: QPixmap | None
    kind: str
    span: str
    mark: bool | None
    thumb_failed: bool


def thumb_key(hit: Hit) -> ThumbKey:
    """Photos and videos by file; a moment by its best frame, so each moment shows what matched."""
    t = hit.t_s if hit.t_s is not None else hit.start_s
    return (hit.file.id, t if hit.file.kind == "video" else None)


def _identity(hit: Hit) -> tuple[int, float | None]:
    """A photo appears once; a video once per moment."""
    return (hit.file.id, hit.start_s if hit.file.kind == "video" else None)


class ResultsModel(QAbstractListModel):
    """Hits of the current query, plus the user's relevance marks."""

    more_wanted = Signal()  # the view scrolled near the end and more results may exist

    def __init__(self, thumbnails: ThumbnailLoader, parent: Any = None):
        super().__init__(parent)
        self.thumbnails = thumbnails
        self._hits: list[Hit] = []
        self._rows_by_key: dict[ThumbKey, list[int]] = {}
        self._rows_by_file: dict[int, list[int]] = {}
        self._seen: set[tuple[int, float | None]] = set()
        self._marks: dict[int, bool] = {}
        self._more = False
        self._fetching = False
        thumbnails.loaded.connect(self._thumbnail_loaded)

    # ----- filling ----------------------------------------------------------------------------

    def reset(self, hits: list[Hit], more: bool, keep_marks: bool = False) -> None:
        self.beginResetModel()
        self._hits = []
        self._rows_by_key.clear()
        self._rows_by_file.clear()
        self._seen.clear()
        if not keep_marks:
            self._marks.clear()
        self._index(hits)
        self._more = more
        self._fetching = False
        self.endResetModel()

    def append(self, hits: list[Hit], more: bool) -> None:
        """Add a page; files already shown are skipped (pages of a changing index may overlap)."""
        fresh = [h for h in hits if _identity(h) not in self._seen]
        self._fetching = False
        self._more = more and bool(fresh)
        if not fresh:
            return
        first = len(self._hits)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._index(fresh)
        self.endInsertRows()

    def _index(self, hits: list[Hit]) -> None:
        base = len(self._hits)
        self._hits.extend(hits)
        for i, h in enumerate(hits, start=base):
            self._rows_by_key.setdefault(thumb_key(h), []).append(i)
            self._rows_by_file.setdefault(h.file.id, []).append(i)
            self._seen.add(_identity(h))

    def hit(self, row: int) -> Hit:
        return self._hits[row]

    def cell(self, row: int) -> Cell:
        """Everything a cell paints in one call: a paint then costs no QVariant round trips per role."""
        h = self._hits[row]
        key = thumb_key(h)
        video = h.file.kind == "video"
        return Cell(self.thumbnails.pixmap(key), h.file.kind, fmt.span(h.start_s, h.end_s) if video else "",
                    self._marks.get(h.file.id), self.thumbnails.failed(key))

    @property
    def hits(self) -> list[Hit]:
        return self._hits

    def hits_of_file(self, file_id: int) -> list[Hit]:
        return [self._hits[r] for r in self._rows_by_file.get(file_id, [])]

    # ----- relevance marks ----------------------------------------------------------------------

    def set_mark(self, file_id: int, relevant: bool | None) -> None:
        if relevant is None:
            self._marks.pop(file_id, None)
        else:
            self._marks[file_id] = relevant
        for r in self._rows_by_file.get(file_id, []):
            ix = self.index(r)
            self.dataChanged.emit(ix, ix, [Role.RELEVANCE])

    def set_marks(self, marks: dict[int, bool]) -> None:
        """Replace every mark (the engine's session says what they are after an undo)."""
        changed = set(self._marks) | set(marks)
        self._marks = dict(marks)
        for fid in changed:
            for r in self._rows_by_file.get(fid, []):
                ix = self.index(r)
                self.dataChanged.emit(ix, ix, [Role.RELEVANCE])

    def mark(self, file_id: int) -> bool | None:
        return self._marks.get(file_id)

    @property
    def marks(self) -> dict[int, bool]:
        return dict(self._marks)

    # ----- paging -----------------------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and self._more and not self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._fetching = True
            self.more_wanted.emit()

    @property
    def has_more(self) -> bool:
        """More results may exist beyond the loaded ones (a page is being fetched, or can be)."""
        return self._more

    def fetch_failed(self) -> None:
        self._fetching = False
        self._more = False

    # ----- Qt model API -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        h = self._hits[index.row()]
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnails.pixmap(thumb_key(h))
        if role == Qt.ItemDataRole.DisplayRole:
            return os.path.basename(h.file.path)
        if role == Role.SPAN_TEXT:
            return fmt.span(h.start_s, h.end_s) if h.file.kind == "video" else ""
        if role == Role.RELEVANCE:
            return self._marks.get(h.file.id)
        if role == Role.THUMB_FAILED:
            return self.thumbnails.failed(thumb_key(h))
        if role == Role.KIND:
            return h.file.kind
        if role == Role.FILE_ID:
            return h.file.id
        if role == Role.PATH:
            return h.file.path
        if role == Role.HIT:
            return h
        if role == Role.SCORE:
            return float(h.score)
        if role == Role.START:
            return h.start_s
        if role == Role.END:
            return h.end_s
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._describe(h, role == Qt.ItemDataRole.ToolTipRole)
        return None

    def _describe(self, h: Hit, with_path: bool) -> str:
        name = os.path.basename(h.file.path)
        if h.file.kind == "video":
            text = self.tr("Video %1, moment %2").replace("%1", name).replace("%2", fmt.span(h.start_s, h.end_s))
        else:
            text = self.tr("Photo %1").replace("%1", name)
        if with_path:
            text += "\n" + os.path.dirname(h.file.path)
            if h.score:  # browsing the library has no query to be similar to
                text += "\n" + self.tr("Similarity %1").replace("%1", f"{h.score:.3f}")
            match = fmt.confidence(h.extra.get("confidence"))
            if match:
                text += " · " + match
        words = fmt.words_found(h)
        if words:
            text += "\n" + self.tr("Words found: %1").replace("%1", words)
        return text

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return base

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list", "text/plain"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        """The files behind the rows, once each: file managers, mail and chat apps take them as they are."""
        paths: list[str] = []
        for ix in indexes:
            p = self._hits[ix.row()].file.path
            if p not in paths:
                paths.append(p)
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
        mime.setText("\n".join(paths))
        return mime

    def _thumbnail_loaded(self, key: ThumbKey) -> None:
        for r in self._rows_by_key.get(key, []):
            ix = self.index(r)
            self.dataChanged.emit(ix, ix, [Qt.ItemDataRole.DecorationRole])
