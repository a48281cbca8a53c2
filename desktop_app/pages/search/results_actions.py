"""What the user can do with the results: find similar, edit with text, mark, open, reveal, copy, play.

`ResultsActions` owns these actions and their slots so that the window only
builds and wires (the way Vorta's main window leaves each tab its own slots).
It has no widgets of its own: it reads the current result and the selection
from the grid, shows the current result in the preview, hands a composed
edit's reference to the search bar, and runs queries through the
`SearchController`. The window puts its action lists in menus; the single-key
shortcuts act only while the grid or the preview has focus.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject, QPoint, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from desktop_app.pages.search.queries import COMPOSE, REFINED, SIMILAR, TEXT, Request
from desktop_app.pages.search.results import thumb_key
from desktop_app.widgets.actions import fill_menu, make_action

if TYPE_CHECKING:  # pragma: no cover
    from core.library import Hit
    from desktop_app.pages.search.preview import PreviewPane
    from desktop_app.pages.search.results_view import ResultsView
    from desktop_app.pages.search.search_bar import SearchBar
    from desktop_app.pages.search.search_controller import SearchController
    from desktop_app.workers.thumbnails import ThumbnailLoader


class ResultsActions(QObject):
    """The results' actions, enabled for the current result, and the slots behind them."""

    message = Signal(str, int)  # a passing note for the status bar, and how long to show it (ms)

    def __init__(self, controller: SearchController, thumbnails: ThumbnailLoader, grid: ResultsView,
                 preview: PreviewPane, search_bar: SearchBar, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = controller
        self.model = controller.model
        self.thumbnails = thumbnails
        self.grid = grid
        self.preview = preview
        self.search_bar = search_bar
        self._reference_key: tuple[int, float | None] | None = None
        self._make_actions()
        for a in self.local_actions:
            grid.addAction(a)
            preview.addAction(a)
        self._connect()
        self.update()

    def _make_actions(self) -> None:
        def A(*args, **kwargs) -> QAction:
            return make_action(self, *args, **kwargs)

        self.act_similar = A("similar", self.tr("Find Similar"), self.similar_to_current, "S", "similar", True)
        self.act_compose = A("compose", self.tr("Edit with Text…"), self.compose_from_current, "E", "compose", True)
        self.act_compose.setToolTip(self.tr("Use this picture as the reference and describe a change (E)"))
        self.act_relevant = A("relevant", self.tr("Mark Relevant"), lambda: self.mark(True), "+", "relevant", True)
        self.act_relevant.setShortcuts([QKeySequence("+"), QKeySequence("=")])
        self.act_not_relevant = A("notRelevant", self.tr("Mark Not Relevant"), lambda: self.mark(False), "-",
                                  "not-relevant", True)
        self.act_clear_mark = A("clearMark", self.tr("Clear Mark"), lambda: self.mark(None), "0", None, True)
        self.act_refine = A("refine", self.tr("Refine Results"), self.controller.refine, "R", "refine", True)
        self.act_refine.setToolTip(self.tr("Re-rank the results from your marks (R)"))
        self.act_undo = A("undoRefine", self.tr("Undo Refine"), self.controller.undo, QKeySequence.StandardKey.Undo,
                          "undo")
        self.act_open = A("open", self.tr("Open"), self.open_current, QKeySequence.StandardKey.Open, "open")
        self.act_reveal = A("reveal", self.tr("Show in Folder"), self.reveal_current, "Ctrl+Shift+R", "folder-open")
        self.act_copy = A("copyPath", self.tr("Copy Path"), self.copy_paths, "Ctrl+Shift+C", "copy")
        self.act_copy.setShortcuts([QKeySequence(QKeySequence.StandardKey.Copy), QKeySequence("Ctrl+Shift+C")])
        self.act_play = A("play", self.tr("Play / Pause"), self.play_pause, "Space", "play", True)
        self.act_prev_moment = A("previousMoment", self.tr("Previous Moment"), self.previous_moment, "[",
                                 "previous", True)
        self.act_next_moment = A("nextMoment", self.tr("Next Moment"), self.next_moment, "]", "next", True)

        # the Search menu's part (after the window's own "Search" action)
        self.search_menu = (self.act_similar, self.act_compose, None, self.act_relevant, self.act_not_relevant,
                            self.act_clear_mark, self.act_refine, self.act_undo)
        # the Item menu: what can be done with the current result, its shortcuts shown beside each
        self.item_menu = (self.act_similar, self.act_compose, None, self.act_open, self.act_reveal, self.act_copy,
                          None, self.act_play, self.act_prev_moment, self.act_next_moment)
        # the preview pane's tool buttons
        self.preview_tools = (self.act_similar, self.act_compose, None, self.act_relevant, self.act_not_relevant,
                              None, self.act_open, self.act_reveal, self.act_copy)
        # the results header's buttons, shown once there are marks or refine rounds
        self.feedback = (self.act_refine, self.act_undo)
        self.context_menu_actions = (self.act_similar, self.act_compose, None, self.act_relevant,
                                     self.act_not_relevant, self.act_clear_mark, None, self.act_open, self.act_reveal,
                                     self.act_copy)
        # single-key shortcuts: only while the grid or the preview has focus
        self.local_actions = (self.act_similar, self.act_compose, self.act_relevant, self.act_not_relevant,
                              self.act_clear_mark, self.act_refine, self.act_play, self.act_prev_moment,
                              self.act_next_moment)

    def _connect(self) -> None:
        selection = self.grid.selectionModel()
        selection.currentChanged.connect(self._current_changed)
        selection.selectionChanged.connect(self.update)
        self.grid.customContextMenuRequested.connect(self._context_menu)
        self.model.modelReset.connect(self._results_reset)
        self.model.dataChanged.connect(self._rows_loaded)
        self.thumbnails.loaded.connect(self._thumbnail_loaded)
        self.preview.region_selected.connect(self.search_region)
        self.preview.player_created.connect(lambda _p: self.update())
        self.controller.started.connect(self._request_started)
        self.controller.feedback_changed.connect(self._feedback_changed)

    # ----- the current result -----------------------------------------------------------------

    def current_hit(self) -> Hit | None:
        """The current result; None when there is none, or its row has not loaded yet."""
        ix = self.grid.currentIndex()
        return self.model.hit(ix.row()) if ix.isValid() else None

    def selected_hits(self) -> list[Hit]:
        """The selected results in grid order (those loaded); the current one when nothing is selected."""
        rows = sorted(ix.row() for ix in self.grid.selectionModel().selectedIndexes())
        if not rows:
            hit = self.current_hit()
            return [hit] if hit is not None else []
        return [h for h in map(self.model.hit, rows) if h is not None]

    def select_first(self) -> None:
        """Make the first result current, unless one already is."""
        if not self.grid.currentIndex().isValid():
            self.grid.selectionModel().setCurrentIndex(self.model.index(0),
                                                       QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def reference_name(self, target: int | str | None) -> str:
        """The file name of a composed edit's reference, for the results header."""
        if isinstance(target, str):
            return os.path.basename(target)
        for h in self.model.hits:
            if h.file.id == target:
                return os.path.basename(h.file.path)
        return self.search_bar.chip.name.toolTip() or str(target)

    def update(self, *_args) -> None:
        """Enable what makes sense for the current result."""
        hit = self.current_hit()
        has = hit is not None
        for a in (self.act_similar, self.act_compose, self.act_open, self.act_reveal, self.act_copy,
                  self.act_relevant, self.act_not_relevant, self.act_clear_mark):
            a.setEnabled(has)
        video = has and hit.file.kind == "video" and self.preview.player is not None
        for a in (self.act_play, self.act_prev_moment, self.act_next_moment):
            a.setEnabled(video)
        self._feedback_changed()

    def _feedback_changed(self) -> None:
        self.act_refine.setEnabled(bool(self.model.marks))
        self.act_undo.setEnabled(self.controller.rounds > 0)

    def _results_reset(self) -> None:
        self.preview.clear()
        self.update()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        hit = self.model.hit(current.row()) if current.isValid() else None
        if hit is None:  # none, or its row not loaded yet (`_rows_loaded` shows it when it is)
            self.preview.clear()
        else:
            self.preview.show_hit(hit, self._moments_of(hit))
        self.update()

    def _rows_loaded(self, first: QModelIndex, last: QModelIndex, roles: list[int]) -> None:
        """The current result's row loaded after it was made current (the grid jumped to the end)."""
        current = self.grid.currentIndex()
        if not roles and current.isValid() and first.row() <= current.row() <= last.row() \
                and self.preview.hit is None:
            self._current_changed(current, current)

    def _moments_of(self, hit: Hit) -> list[Hit]:
        """The video's moments among the results, to mark on the player's timeline."""
        if hit.file.kind != "video":
            return []
        return [h for h in self.model.hits_of_file(hit.file.id) if h.start_s is not None]

    def _request_started(self, request: Request) -> None:
        """The preview explains matches and draws video curves for what was asked in words."""
        self.preview.query_text = request.text if request.kind in (TEXT, COMPOSE, REFINED) else ""
        if request.kind == SIMILAR:  # the results are look-alikes of a picture: the old words no longer apply
            self.search_bar.field.clear()

    def _context_menu(self, pos: QPoint) -> None:
        if self.grid.indexAt(pos).isValid():
            fill_menu(QMenu(self.grid), self.context_menu_actions).popup(self.grid.viewport().mapToGlobal(pos))

    # ----- queries from a result --------------------------------------------------------------

    def similar_to_current(self) -> None:
        hit = self.current_hit()
        if hit is not None:
            self.search_bar.clear_reference()
            t = hit.t_s if hit.file.kind == "video" else None
            self.controller.similar(hit.file.id, t_s=t, label=os.path.basename(hit.file.path))

    def compose_from_current(self) -> None:
        """Make the current result the reference of a composed edit; the search bar asks for the change."""
        hit = self.current_hit()
        if hit is None:
            return
        t = hit.t_s if hit.file.kind == "video" else None
        self.search_bar.set_reference(hit.file.id, os.path.basename(hit.file.path),
                                      self.thumbnails.pixmap(thumb_key(hit)), t)
        self._reference_key = thumb_key(hit)

    def _thumbnail_loaded(self, key) -> None:
        if self.search_bar.reference is not None and key == self._reference_key:
            pm = self.thumbnails.pixmap(key)
            if pm is not None:
                self.search_bar.set_reference_pixmap(pm)

    def search_region(self, file_id: int, box: tuple[int, int, int, int]) -> None:
        hit = self.current_hit()
        label = os.path.basename(hit.file.path) if hit is not None else ""
        self.controller.similar(file_id, box=box, label=label)

    def mark(self, relevant: bool | None) -> None:
        """Mark the selected results; pressing the same mark again takes it back."""
        hits = self.selected_hits()
        if not hits:
            return
        if relevant is not None and all(self.model.mark(h.file.id) is relevant for h in hits):
            relevant = None
        self.controller.mark(sorted({h.file.id for h in hits}), relevant)

    # ----- the file ---------------------------------------------------------------------------

    def open_current(self) -> None:
        hit = self.current_hit()
        if hit is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(hit.file.path))

    def reveal_current(self) -> None:
        hit = self.current_hit()
        if hit is not None:
            from desktop_app.widgets.reveal import reveal_in_file_manager

            reveal_in_file_manager(hit.file.path)

    def copy_paths(self) -> None:
        hits = self.selected_hits()
        if hits:
            paths = list(dict.fromkeys(h.file.path for h in hits))
            QGuiApplication.clipboard().setText("\n".join(paths))
            self.message.emit(self.tr("Copied %n path(s)", "", len(paths)), 3000)

    # ----- video ------------------------------------------------------------------------------

    def play_pause(self) -> None:
        player = self.preview.player
        if player is not None and self.preview.stack.currentWidget() is player:
            player.toggle_play()

    def next_moment(self) -> None:
        if self.preview.player is not None:
            self.preview.player.next_moment()

    def previous_moment(self) -> None:
        if self.preview.player is not None:
            self.preview.player.previous_moment()
