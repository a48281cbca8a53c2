"""The results grid's item model: photos and video moments, best first, paged on demand.

A flat `QAbstractListModel` over the engine's `Hit`s with custom roles, so the
delegate paints from data and the view stays fast with 100,000 rows (no item
widgets, O(1) `data()`). Thumbnails come from `ThumbnailLoader` through
`Qt.DecorationRole`; when one arrives, only the rows showing it are updated.
Dragging rows out gives other applications the files as URLs.

Two ways to page. A list whose length is known (the library browsed, 100,000
files) has all its rows from the start and loads them as they are painted: a
row not loaded yet paints as a placeholder and asks for its page
(`rows_wanted`), at most `PAGES_IN_FLIGHT` at a time and the newest first, so
dragging the scroll bar to the end fetches the last page, not every page on the
way (issue 29: the grid grew 2,000 rows at a time as it neared its end, and
each growth laid out all rows again). A list of unknown length (look-alikes
of a picture) grows a page at a time as the view nears its end (`more_wanted`).
"""

from __future__ import annotations

import os
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QPixmap

from desktop_app.widgets import formatting as fmt
from desktop_app.workers.thumbnails import ThumbKey, ThumbnailLoader

if TYPE_CHECKING:  # pragma: no cover
    from core.library import Hit

Index = QModelIndex | QPersistentModelIndex

#: rows a page of a known-length list brings (a screen of small cells holds about 100)
PAGE = 200
#: pages of a known-length list asked for at once; more wanted meanwhile keep only the newest few
PAGES_IN_FLIGHT = 2


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
    """What the delegate paints for one row (`kind` is empty for a row not loaded yet)."""

    pixmap: QPixmap | None
    kind: str
    span: str
    mark: bool | None
    thumb_failed: bool


NOT_LOADED = Cell(None, "", "", None, False)


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
    rows_wanted = Signal(int, int)  # (offset, n): rows of a known-length list were painted before they loaded

    def __init__(self, thumbnails: ThumbnailLoader, parent: Any = None):
        super().__init__(parent)
        self.thumbnails = thumbnails
        self._hits: list[Hit | None] = []  # None: a row of a known-length list not loaded yet
        self._wanted_pages: dict[int, None] = {}  # pages painted before they loaded, oldest first
        self._loading_pages: set[int] = set()
        self._ask_scheduled = False
        self._painted_page = -1  # the page of the row painted last: the next one is read ahead
        self._rows_by_key: dict[ThumbKey, list[int]] = {}
        self._rows_by_file: dict[int, list[int]] = {}
        self._seen: set[tuple[int, float | None]] = set()
        self._marks: dict[int, bool] = {}
        self._more = False
        self._fetching = False
        thumbnails.batch_loaded.connect(self._thumbnails_loaded)

    # ----- filling ----------------------------------------------------------------------------

    def reset(self, hits: list[Hit | None], more: bool, keep_marks: bool = False, total: int | None = None) -> None:
        """A new list: `hits` its first rows (None: not loaded); with `total`, its known length (the rest load
        as they are painted)."""
        self.beginResetModel()
        self._hits = []
        self._rows_by_key.clear()
        self._rows_by_file.clear()
        self._seen.clear()
        self._wanted_pages.clear()
        self._loading_pages.clear()
        self._painted_page = -1
        if not keep_marks:
            self._marks.clear()
        self._index(hits)
        if total is not None:
            self._hits.extend([None] * (total - len(hits)))
            more = False
        self._more = more
        self._fetching = False
        self.endResetModel()

    def fill(self, offset: int, hits: list[Hit | None]) -> None:
        """Rows of a known-length list, loaded (`rows_wanted` asked for them); None: a row that stays empty."""
        self._loading_pages.discard(offset // PAGE)
        hits = hits[:max(0, len(self._hits) - offset)]
        for i, h in enumerate(hits, start=offset):
            if h is not None and self._hits[i] is None:
                self._hits[i] = h
                self._note(i, h)
        if hits:
            self.dataChanged.emit(self.index(offset), self.index(offset + len(hits) - 1))
        self._ask_rows()

    def fill_failed(self) -> None:
        """A page could not be read: its rows stay placeholders, and its page stays "loading" so painting
        does not ask for it in a loop (a new list asks again); the other wanted pages go on."""
        self._ask_rows()

    def loaded(self, row: int) -> bool:
        return self._hits[row] is not None

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

    def _index(self, hits: list[Hit | None]) -> None:
        base = len(self._hits)
        self._hits.extend(hits)
        for i, h in enumerate(hits, start=base):
            if h is not None:
                self._note(i, h)

    def _note(self, row: int, h: Hit) -> None:
        self._rows_by_key.setdefault(thumb_key(h), []).append(row)
        self._rows_by_file.setdefault(h.file.id, []).append(row)
        self._seen.add(_identity(h))

    def hit(self, row: int) -> Hit | None:
        """The row's hit; None for a row of a known-length list not loaded yet."""
        return self._hits[row]

    def cell(self, row: int) -> Cell:
        """Everything a cell paints in one call: a paint then costs no QVariant round trips per role."""
        h = self._hits[row]
        page = row // PAGE
        if page != self._painted_page:
            self._painted_page = page
            if self._page_missing(page + 1):
                self._schedule_ask()
        if h is None:
            self._want(page)
            return NOT_LOADED
        key = thumb_key(h)
        video = h.file.kind == "video"
        return Cell(self.thumbnails.pixmap(key, h.file.content_hash), h.file.kind,
                    fmt.span(h.start_s, h.end_s) if video else "", self._marks.get(h.file.id),
                    self.thumbnails.failed(key))

    @property
    def hits(self) -> list[Hit]:
        """The loaded hits, in row order (all of them, unless a known-length list is still loading)."""
        return [h for h in self._hits if h is not None]

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

    def _want(self, page: int) -> None:
        """A row painted before it loaded: its page is asked for once this paint is over."""
        if page in self._loading_pages:
            return
        self._wanted_pages.pop(page, None)
        self._wanted_pages[page] = None  # the newest last
        self._schedule_ask()

    def _schedule_ask(self) -> None:
        if not self._ask_scheduled:
            self._ask_scheduled = True
            QTimer.singleShot(0, self._ask_rows)

    def _ask_rows(self) -> None:
        """Ask for the pages painted most recently (ones scrolled past meanwhile are forgotten); with a slot
        free, read the page after the one on screen ahead, so scrolling on finds its rows loaded."""
        self._ask_scheduled = False
        while self._wanted_pages and len(self._loading_pages) < PAGES_IN_FLIGHT:
            page = next(reversed(self._wanted_pages))
            del self._wanted_pages[page]
            self._ask_page(page)
        while len(self._wanted_pages) > PAGES_IN_FLIGHT:  # scrolled past while the others loaded
            del self._wanted_pages[next(iter(self._wanted_pages))]
        ahead = self._painted_page + 1
        if len(self._loading_pages) < PAGES_IN_FLIGHT and self._page_missing(ahead) \
                and ahead not in self._loading_pages:
            self._ask_page(ahead)

    def _page_missing(self, page: int) -> bool:
        """The page exists and is not loaded (pages load whole; the first list page may fill part of one)."""
        start = page * PAGE
        return start < len(self._hits) and self._hits[min(len(self._hits), start + PAGE) - 1] is None

    def _ask_page(self, page: int) -> None:
        self._loading_pages.add(page)
        offset = page * PAGE
        self.rows_wanted.emit(offset, min(PAGE, len(self._hits) - offset))

    # ----- Qt model API -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        h = self._hits[index.row()]
        if h is None:
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnails.pixmap(thumb_key(h), h.file.content_hash)
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
            h = self._hits[ix.row()]
            if h is not None and h.file.path not in paths:
                paths.append(h.file.path)
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
        mime.setText("\n".join(paths))
        return mime

    def _thumbnails_loaded(self, keys: list[ThumbKey]) -> None:
        """One repaint for the thumbnails that arrived together (the view repaints, never lays out: ResultsView)."""
        rows = [r for key in keys for r in self._rows_by_key.get(key, ())]
        if rows:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)), [Qt.ItemDataRole.DecorationRole])
