"""The results grid: a `QListView` in a wrapping, uniform-size layout.

Wrapping list mode with uniform item sizes lays out 100,000 rows in
milliseconds (icon mode keeps a rectangle per item and does not), and cells are
stretched so the columns always fill the width exactly. Paging is asked for
ahead of time, two screens before the end, so scrolling rarely meets the bottom.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView, QStyle, QWidget

from desktop_app.pages.search.delegate import MARGIN, ResultDelegate

#: The collector's full (oldest-generation) collections wait while the grid scrolls, until it has been still
#: this long; then what the scroll left alive is moved out of their reach (`gc.freeze`, as the host does
#: once the model is loaded). Each row read keeps a hit, its file record and their index entries alive for
#: as long as the list is shown (acyclic: freed by reference counting when the list goes); scrolling a 100k
#: library end to end, a full collection came every few seconds and stopped every thread, the GUI's
#: included, for 0.1-0.2 s (11 of them, up to 224 ms, in one run of tests/bench/gui_scale.py), and one
#: postponed to the end of the scroll took 0.54 s. The young generations are still collected.
SCROLL_STILL_MS = 400
_POSTPONED = 1_000_000  # the oldest generation's threshold while postponed: never reached in a scroll


class ResultsView(QListView):
    """Grid of result cells; Enter or double-click activates, the context menu is the window's."""

    zoom_changed = Signal(int)
    cell_changed = Signal(int)  # the side of a cell's picture, in logical pixels

    def __init__(self, parent: QWidget | None = None, cell: int = 176):
        super().__init__(parent)
        self.setObjectName("results")
        self.delegate = ResultDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setMovement(QListView.Movement.Static)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setMouseTracking(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setSpacing(0)
        self._wanted_cell = cell
        self._full_collections: int | None = None  # the threshold put back when scrolling stops
        self._still = QTimer(self)
        self._still.setSingleShot(True)
        self._still.setInterval(SCROLL_STILL_MS)
        self._still.timeout.connect(self._resume_full_collections)
        self.verticalScrollBar().valueChanged.connect(self._maybe_fetch)
        self.verticalScrollBar().valueChanged.connect(self._postpone_full_collections)
        self._fit_cells()

    # ----- the collector while scrolling ------------------------------------------------------

    def _postpone_full_collections(self, _value: int = 0) -> None:
        if self._full_collections is None:
            young, middle, self._full_collections = gc.get_threshold()
            gc.set_threshold(young, middle, _POSTPONED)
        self._still.start()

    def _resume_full_collections(self) -> None:
        self._still.stop()
        if self._full_collections is not None:
            gc.collect(1)  # the young garbage, a few milliseconds
            gc.freeze()
            young, middle, _ = gc.get_threshold()
            gc.set_threshold(young, middle, self._full_collections)
            self._full_collections = None

    def hideEvent(self, event: QHideEvent) -> None:
        self._resume_full_collections()
        super().hideEvent(event)

    # ----- cell size --------------------------------------------------------------------------

    @property
    def wanted_cell(self) -> int:
        return self._wanted_cell

    def set_wanted_cell(self, cell: int) -> None:
        cell = max(96, min(320, cell))
        if cell != self._wanted_cell:
            self._wanted_cell = cell
            self._fit_cells()
            self.zoom_changed.emit(cell)

    def _fit_cells(self) -> None:
        """Stretch cells so whole columns fill the width (no ragged gap on the right).

        The width is the one QListView lays its rows out in (`layout_width`), with room for the
        scroll bar whether it shows or not: measuring the viewport instead would change the cell size
        as the scroll bar comes and goes, and wrap the last column whenever a list is too short to scroll.
        """
        width = self.layout_width()
        columns = max(1, round(width / self._wanted_cell))
        cell = max(64, width // columns)
        if cell != self.delegate.cell:
            self.delegate.cell = cell
            self.setGridSize(QSize(cell, cell))
            self.cell_changed.emit(cell - 2 * MARGIN)

    def layout_width(self) -> int:
        """The width a row of cells may fill before QListView wraps it.

        `QListViewPrivate::prepareItemsLayout` takes the scroll bar's extent (asked of the scroll bar)
        and, in styles that frame only the contents, that frame off the viewport; `doStaticLayout`
        then wraps a cell that reaches the bounds' `right()`, one pixel short of their width. Cells
        that filled the width exactly (4 × 141 px in 564) wrapped the last column onto the next row:
        3 of 4 columns and a blank strip (issue 25)."""
        style = self.style()
        bar = style.pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self.verticalScrollBar())
        if style.styleHint(QStyle.StyleHint.SH_ScrollView_FrameOnlyAroundContents, None, self):
            bar += 2 * style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth)
        return max(1, self.maximumViewportSize().width() - bar - 1)

    @property
    def picture_side(self) -> int:
        """The side of a cell's picture (inside its margin), logical pixels."""
        return self.delegate.cell - 2 * MARGIN

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fit_cells()
        super().resizeEvent(event)

    # ----- paging -----------------------------------------------------------------------------

    def _maybe_fetch(self, value: int) -> None:
        bar = self.verticalScrollBar()
        model = self.model()
        if model is not None and value >= bar.maximum() - 2 * bar.pageStep() and model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())

    def rowsInserted(self, parent: QModelIndex, start: int, end: int) -> None:
        super().rowsInserted(parent, start, end)
        self._maybe_fetch(self.verticalScrollBar().value())

    def reset(self) -> None:
        super().reset()
        self.scrollToTop()

    def dataChanged(self, top_left: QModelIndex, bottom_right: QModelIndex, roles: Sequence[int] = ()) -> None:
        """Repaint the changed cells, and nothing more: QListView lays every row out again on any data change
        (a thumbnail arriving, a page of rows loaded), and with 100,000 rows that visited each row through the
        Python model twice, 0.2–0.6 s a time (tests/bench/gui_scale.py). Cells have one size, so data never
        moves them."""
        QAbstractItemView.dataChanged(self, top_left, bottom_right, list(roles))

    # ----- keyboard ---------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated.emit(self.currentIndex())
            return
        super().keyPressEvent(event)
