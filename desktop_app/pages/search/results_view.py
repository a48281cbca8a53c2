"""The results grid: a `QListView` in a wrapping, uniform-size layout.

Wrapping list mode with uniform item sizes lays out 100,000 rows in
milliseconds (icon mode keeps a rectangle per item and does not), and cells are
stretched so the columns always fill the width exactly. Paging is asked for
ahead of time, two screens before the end, so scrolling rarely meets the bottom.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView, QStyle, QWidget

from desktop_app.pages.search.delegate import MARGIN, ResultDelegate


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
        self.verticalScrollBar().valueChanged.connect(self._maybe_fetch)
        self._fit_cells()

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
