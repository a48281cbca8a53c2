"""The MediaLens window: search field and filters, the results grid, the preview pane, the status bar.

The window only arranges and wires: engine calls go through `LibraryHost`,
queries through `SearchController`, and each part (grid, preview, player,
indexing status) is its own widget. It is shown before the engine is even
imported; its first paint starts opening the library in the background.
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QItemSelectionModel, QModelIndex, QPoint, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app import formatting as fmt
from desktop_app.drops import DropHandler, acceptable
from desktop_app.filter_bar import FilterBar
from desktop_app.first_run import FirstRunPage
from desktop_app.host import LibraryConfig, LibraryHost, ModelState, ModelStatus
from desktop_app.icons import icon
from desktop_app.indexing import IndexStatus
from desktop_app.message_bar import MessageBar
from desktop_app.preview import PreviewPane
from desktop_app.queries import COMPOSE, REFINED, SIMILAR, TEXT, Query
from desktop_app.results import ResultsModel, thumb_key
from desktop_app.results_view import ResultsView
from desktop_app.search_bar import SearchBar
from desktop_app.search_controller import SearchController
from desktop_app.settings import Settings
from desktop_app.thumbnails import ThumbnailLoader
from desktop_app.timeline import Moment

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from core.library import Hit
    from desktop_app.library_dialogs import FailuresDialog


class DropOverlay(QWidget):
    """A calm frame over the window while a picture is dragged over it."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setVisible(False)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        veil = pal.color(QPalette.ColorRole.Window)
        veil.setAlpha(215)
        p.fillRect(self.rect(), veil)
        hl = pal.color(QPalette.ColorRole.Highlight)
        p.setPen(QPen(hl, 2.5, Qt.PenStyle.DashLine))
        p.drawRoundedRect(self.rect().adjusted(16, 16, -16, -16), 14, 14)
        font = p.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        p.setFont(font)
        p.setPen(pal.color(QPalette.ColorRole.WindowText))
        p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("Drop a picture to find similar ones"))


class MainWindow(QMainWindow):
    first_painted = Signal()

    def __init__(self, config: LibraryConfig, settings: Settings, settings_path: Path | None = None):
        super().__init__()
        self.settings = settings
        self.settings_path = settings_path
        self.status: dict = {}
        self._painted = False
        self._failures_dialog: FailuresDialog | None = None
        self._reference_key: tuple[int, float | None] | None = None
        self.setWindowTitle("MediaLens")
        self.setWindowIcon(icon("medialens"))
        self.setAcceptDrops(True)
        self.resize(1280, 820)

        self.host = LibraryHost(config, self)
        self.thumbnails = ThumbnailLoader(self.host, settings.thumbnail_cache_mb, parent=self)
        self.model = ResultsModel(self.thumbnails, self)
        self.controller = SearchController(self.host, self.model, self)
        self.drops = DropHandler(self)

        self._make_actions()
        self._make_widgets()
        self._make_menus()
        self._connect()
        self._restore_layout()
        self._update_result_actions()
        self._show_results_hint(self.tr("Opening your library…"))

    # ----- construction -----------------------------------------------------------------------

    def _action(self, name: str, text: str, slot, shortcut: QKeySequence | str | None = None,
                glyph: str | None = None, local: bool = False) -> QAction:
        a = QAction(text, self)
        a.setObjectName(name)
        if glyph:
            a.setIcon(icon(glyph))
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        if local:  # single-key shortcuts: only while the grid or the preview has focus, never while typing
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        a.triggered.connect(slot)
        return a

    def _make_actions(self) -> None:
        A = self._action
        self.act_add_folder = A("addFolder", self.tr("Add Folder…"), self._add_folder, "Ctrl+Shift+O", "folder-add")
        self.act_folders = A("folders", self.tr("Library Folders…"), self._show_folders, None, "folder")
        self.act_rescan = A("rescan", self.tr("Rescan Library"), lambda: self.host.index(), "F5", "rescan")
        self.act_pause = A("pause", self.tr("Pause Indexing"), self._pause_or_resume, None, "pause")
        self.act_cancel = A("cancel", self.tr("Stop Indexing"), self.host.cancel, None, "stop")
        self.act_failures = A("failures", self.tr("Files That Failed…"), self._show_failures, None, "warning")
        self.act_settings = A("settings", self.tr("Settings…"), self._show_settings,
                              QKeySequence.StandardKey.Preferences, "settings")
        if self.act_settings.shortcut().isEmpty():
            self.act_settings.setShortcut(QKeySequence("Ctrl+,"))
        self.act_quit = A("quit", self.tr("Quit"), self.close, QKeySequence.StandardKey.Quit)
        self.act_find = A("find", self.tr("Search"), self._focus_search, QKeySequence.StandardKey.Find, "search")
        self.act_find.setShortcuts([QKeySequence(QKeySequence.StandardKey.Find), QKeySequence("Ctrl+L"),
                                    QKeySequence("/")])

        self.act_similar = A("similar", self.tr("Find Similar"), self._similar_to_current, "S", "similar", True)
        self.act_compose = A("compose", self.tr("Edit with Text…"), self._compose_from_current, "E", "compose", True)
        self.act_compose.setToolTip(self.tr("Use this picture as the reference and describe a change (E)"))
        self.act_relevant = A("relevant", self.tr("Mark Relevant"), lambda: self._mark(True), "+", "relevant", True)
        self.act_relevant.setShortcuts([QKeySequence("+"), QKeySequence("=")])
        self.act_not_relevant = A("notRelevant", self.tr("Mark Not Relevant"), lambda: self._mark(False), "-",
                                  "not-relevant", True)
        self.act_clear_mark = A("clearMark", self.tr("Clear Mark"), lambda: self._mark(None), "0", None, True)
        self.act_refine = A("refine", self.tr("Refine Results"), self.controller.refine, "R", "refine", True)
        self.act_refine.setToolTip(self.tr("Re-rank the results from your marks (R)"))
        self.act_undo = A("undoRefine", self.tr("Undo Refine"), self.controller.undo, QKeySequence.StandardKey.Undo,
                          "undo")
        self.act_open = A("open", self.tr("Open"), self._open_current, QKeySequence.StandardKey.Open, "open")
        self.act_reveal = A("reveal", self.tr("Show in Folder"), self._reveal_current, "Ctrl+Shift+R", "folder-open")
        self.act_copy = A("copyPath", self.tr("Copy Path"), self._copy_paths, "Ctrl+Shift+C", "copy")
        self.act_copy.setShortcuts([QKeySequence(QKeySequence.StandardKey.Copy), QKeySequence("Ctrl+Shift+C")])

        self.act_preview = A("preview", self.tr("Preview Pane"), self._toggle_preview, "Ctrl+I")
        self.act_preview.setCheckable(True)
        self.act_preview.setChecked(True)
        self.act_zoom_in = A("zoomIn", self.tr("Larger Thumbnails"), lambda: self._zoom(+32),
                             QKeySequence.StandardKey.ZoomIn)
        self.act_zoom_out = A("zoomOut", self.tr("Smaller Thumbnails"), lambda: self._zoom(-32),
                              QKeySequence.StandardKey.ZoomOut)

        self.act_play = A("play", self.tr("Play / Pause"), self._play_pause, "Space", "play", True)
        self.act_prev_moment = A("previousMoment", self.tr("Previous Moment"), self._previous_moment, "[", "previous",
                                 True)
        self.act_next_moment = A("nextMoment", self.tr("Next Moment"), self._next_moment, "]", "next", True)
        self.act_about = A("about", self.tr("About MediaLens"), self._about)

    def _make_widgets(self) -> None:
        central = QWidget(self)
        central.setObjectName("central")
        self.setCentralWidget(central)
        self.message_bar = MessageBar(central)

        self.pages = QStackedWidget(central)
        self.first_run = FirstRunPage(self.pages)
        self.main_page = QWidget(self.pages)
        self.pages.addWidget(self.main_page)
        self.pages.addWidget(self.first_run)

        top = QWidget(self.main_page)
        top.setObjectName("topBar")
        self.search_bar = SearchBar(top)
        self.filter_bar = FilterBar(top)
        self.settings_button = QToolButton(top)
        self.settings_button.setDefaultAction(self.act_settings)
        self.settings_button.setAutoRaise(True)
        self.settings_button.setIconSize(QSize(20, 20))
        self.folders_button = QToolButton(top)
        self.folders_button.setDefaultAction(self.act_folders)
        self.folders_button.setAutoRaise(True)
        self.folders_button.setIconSize(QSize(20, 20))
        search_row = QHBoxLayout()
        search_row.addWidget(self.search_bar, 1)
        search_row.addWidget(self.folders_button, 0, Qt.AlignmentFlag.AlignTop)
        search_row.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignTop)
        top_lay = QVBoxLayout(top)
        top_lay.setContentsMargins(14, 12, 14, 8)
        top_lay.setSpacing(8)
        top_lay.addLayout(search_row)
        top_lay.addWidget(self.filter_bar)

        self.results_header = header = QWidget(self.main_page)
        header.setObjectName("resultsHeader")
        header.setVisible(False)  # until there is a query to describe
        self.results_label = QLabel(header)
        self.results_label.setObjectName("resultsLabel")
        self.busy = QProgressBar(header)
        self.busy.setRange(0, 0)
        self.busy.setFixedSize(80, 6)
        self.busy.setTextVisible(False)
        self.busy.setVisible(False)
        self.marks_label = QLabel(header)
        self.marks_label.setObjectName("hint")
        h = QHBoxLayout(header)
        h.setContentsMargins(16, 4, 10, 4)
        h.addWidget(self.results_label)
        h.addWidget(self.busy)
        h.addStretch(1)
        h.addWidget(self.marks_label)
        self.feedback_buttons: list[QToolButton] = []
        for action in (self.act_refine, self.act_undo):
            b = QToolButton(header)
            b.setDefaultAction(action)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setAutoRaise(True)
            h.addWidget(b)
            self.feedback_buttons.append(b)

        self.grid = ResultsView(self.main_page, cell=self.settings.cell_size)
        self.grid.setModel(self.model)
        self.grid.setAccessibleName(self.tr("Results"))
        self.hint = QLabel(self.main_page)
        self.hint.setObjectName("emptyHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.grid_stack = QStackedWidget(self.main_page)
        self.grid_stack.addWidget(self.hint)
        self.grid_stack.addWidget(self.grid)

        preview_actions = [self.act_similar, self.act_compose, None, self.act_relevant, self.act_not_relevant, None,
                           self.act_open, self.act_reveal, self.act_copy]
        self.preview = PreviewPane(self.host, preview_actions, self.main_page)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self.main_page)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.grid_stack)
        self.splitter.addWidget(self.preview)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([760, 480])

        page = QVBoxLayout(self.main_page)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(0)
        page.addWidget(top)
        page.addWidget(header)
        page.addWidget(self.splitter, 1)

        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.message_bar)
        lay.addWidget(self.pages, 1)
        self.overlay = DropOverlay(central)

        for a in (self.act_similar, self.act_compose, self.act_relevant, self.act_not_relevant, self.act_clear_mark,
                  self.act_refine, self.act_play, self.act_prev_moment, self.act_next_moment):
            self.grid.addAction(a)
            self.preview.addAction(a)

        sb = self.statusBar()
        sb.setSizeGripEnabled(False)
        self.summary = QLabel(self)
        self.index_status = IndexStatus(self)
        self.failures_button = QToolButton(self)
        self.failures_button.setDefaultAction(self.act_failures)
        self.failures_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.failures_button.setAutoRaise(True)
        self.failures_button.setVisible(False)
        self.model_label = QLabel(self)
        self.model_label.setObjectName("hint")
        sb.addWidget(self.summary)
        sb.addPermanentWidget(self.index_status)
        sb.addPermanentWidget(self.failures_button)
        sb.addPermanentWidget(self.model_label)

    def _make_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu(self.tr("&Library"))
        for a in (self.act_add_folder, self.act_folders, None, self.act_rescan, self.act_pause, self.act_cancel,
                  self.act_failures, None, self.act_settings, None, self.act_quit):
            m.addSeparator() if a is None else m.addAction(a)
        m = mb.addMenu(self.tr("&Search"))
        for a in (self.act_find, None, self.act_similar, self.act_compose, None, self.act_relevant,
                  self.act_not_relevant, self.act_clear_mark, self.act_refine, self.act_undo):
            m.addSeparator() if a is None else m.addAction(a)
        self.result_menu = m = mb.addMenu(self.tr("&Item"))
        for a in (self.act_open, self.act_reveal, self.act_copy, None, self.act_play, self.act_prev_moment,
                  self.act_next_moment):
            m.addSeparator() if a is None else m.addAction(a)
        m = mb.addMenu(self.tr("&View"))
        for a in (self.act_preview, None, self.act_zoom_in, self.act_zoom_out):
            m.addSeparator() if a is None else m.addAction(a)
        m = mb.addMenu(self.tr("&Help"))
        m.addAction(self.act_about)

    def _connect(self) -> None:
        h = self.host
        h.opened.connect(self._opened)
        h.open_failed.connect(self._open_failed)
        h.status_changed.connect(self._status)
        h.model_state.connect(self._model_state)
        h.download_progress.connect(self.first_run.set_download)
        h.indexing_started.connect(self._indexing_started)
        h.indexing_progress.connect(self._indexing_progress)
        h.indexing_paused.connect(self._indexing_paused)
        h.indexing_finished.connect(self._indexing_finished)
        h.error.connect(self.show_error)

        self.search_bar.text_submitted.connect(self.controller.search)
        self.search_bar.compose_submitted.connect(self._compose_submitted)
        self.search_bar.reference_cleared.connect(self._reference_cleared)
        self.search_bar.field.down_pressed.connect(self._focus_results)
        self.filter_bar.changed.connect(self.controller.set_filters)
        c = self.controller
        c.started.connect(self._query_started)
        c.finished.connect(self._query_finished)
        c.failed.connect(self._query_failed)
        c.busy_changed.connect(self.busy.setVisible)
        c.feedback_changed.connect(self._feedback_changed)

        self.grid.selectionModel().currentChanged.connect(self._current_changed)
        self.grid.selectionModel().selectionChanged.connect(self._update_result_actions)
        self.grid.activated.connect(self._activated)
        self.grid.customContextMenuRequested.connect(self._context_menu)
        self.grid.zoom_changed.connect(self._zoom_changed)
        self.grid.cell_changed.connect(self._cell_changed)
        self._cell_changed(self.grid.picture_side)
        self.model.modelReset.connect(self._results_reset)
        self.model.rowsInserted.connect(self._show_count)
        self.thumbnails.loaded.connect(self._thumbnail_loaded)
        self.preview.region_selected.connect(self._region_search)
        self.preview.player_created.connect(lambda _p: self._update_result_actions())

        self.index_status.pause_clicked.connect(h.pause)
        self.index_status.resume_clicked.connect(h.resume)
        self.index_status.cancel_clicked.connect(h.cancel)
        self.first_run.start_requested.connect(self._first_run_start)
        self.first_run.weights_chosen.connect(self._weights_chosen)
        self.drops.ready.connect(self._dropped_file)
        self.drops.failed.connect(self.show_error)

    # ----- start-up ---------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        handle = self.windowHandle()
        if handle is not None and not self._painted:  # moved to a screen of another density: resharpen
            handle.screenChanged.connect(lambda _screen: self._cell_changed(self.grid.picture_side))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()
            QTimer.singleShot(0, self.host.open)  # the engine loads after the window is on screen

    def start(self) -> None:
        """Open the library now (tests and windows that are never painted)."""
        self._painted = True
        self.host.open()

    def _opened(self, status: dict) -> None:
        self.preview.set_capabilities()
        self.search_bar.set_compose_available(self.host.caps.compose)
        self._status(status)
        if not status.get("roots"):
            self.pages.setCurrentWidget(self.first_run)
            self.first_run.add_button.setFocus()
        else:
            self.pages.setCurrentWidget(self.main_page)
            self.search_bar.field.setFocus()
            if status.get("pending"):
                self.host.index()  # an interrupted run (cancelled, or the app closed) carries on
        self._update_result_actions()
        if self.controller.base_query is not None:
            self.controller.rerun()
        else:
            self._show_results_hint(self._welcome_hint())

    def _open_failed(self, message: str) -> None:
        self.pages.setCurrentWidget(self.first_run)
        self.first_run.set_model_state(ModelStatus(ModelState.FAILED, "", error=message))
        self.show_error(message)

    def _welcome_hint(self) -> str:
        return self.tr("Describe what you are looking for, or drop a picture here to find similar ones.")

    def _status(self, status: dict) -> None:
        self.status = status
        photos, videos = status.get("images", 0), status.get("videos", 0)
        parts = [self.tr("%n photo(s)", "", photos)]
        if videos:
            parts.append(self.tr("%n video(s)", "", videos))
        if status.get("pending") and not self.host.indexing:
            parts.append(self.tr("%n waiting", "", status["pending"]))
        rebuild = status.get("rebuild")
        if rebuild:  # searches are exact meanwhile; look again until the index is back
            pct = 100 * rebuild["done"] // max(1, rebuild["total"])
            parts.append(self.tr("search index rebuilding: %1%").replace("%1", str(pct)))
            QTimer.singleShot(2000, self.host.refresh_status)
        self.summary.setText(" · ".join(parts))
        failed = len(status.get("failures", []))
        self.failures_button.setVisible(failed > 0)
        self.act_failures.setText(self.tr("%n failed", "", failed))
        self.act_failures.setEnabled(failed > 0)
        self.filter_bar.set_roots(status.get("roots", []))
        if self._failures_dialog is not None:
            self._failures_dialog.set_failures(status.get("failures", []))

    def _model_state(self, status: ModelStatus) -> None:
        self.first_run.set_model_state(status)
        label = self.model_label
        if status.state == ModelState.READY:
            label.setText(f"{status.name} · {status.device}")
            label.setToolTip(status.notes or self.tr("The model that reads your pictures and searches"))
        elif status.state == ModelState.FAILED:
            label.setText(self.tr("Model not available"))
            label.setToolTip(status.error)
            if self.pages.currentWidget() is not self.first_run:  # the first-run page explains it already
                self.show_error(status.error, (self.tr("Choose weights file…"), self.first_run.choose_weights))
        elif status.state == ModelState.DOWNLOADING:
            label.setText(self.tr("Downloading the model…"))
        else:
            label.setText(self.tr("Loading the model…"))

    # ----- first run and folders --------------------------------------------------------------

    def _first_run_start(self, folders: list[str]) -> None:
        if not folders or not self.host.is_open:
            return
        self.pages.setCurrentWidget(self.main_page)
        self._show_results_hint(self.tr("Indexing has started. You can search right away: results come from "
                                        "what is already indexed."))
        self.search_bar.field.setFocus()
        self.host.index(folders)

    def _weights_chosen(self, path: str) -> None:
        self.settings.weights = path
        self._save_settings()
        config = self.host.config
        self.host.reopen(LibraryConfig(config.home, config.model, path, config.device, config.options))

    def _add_folder(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a folder to the library"))
        if folder:
            self.host.add_root(folder, lambda _path: self.host.index([folder]))

    def _show_folders(self) -> None:
        from desktop_app.library_dialogs import FoldersDialog  # dialogs load when first opened, not at start-up

        dialog = FoldersDialog(self.host, self.status.get("roots", []), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _show_failures(self) -> None:
        if self._failures_dialog is None:
            from desktop_app.library_dialogs import FailuresDialog

            self._failures_dialog = FailuresDialog(self)
        self._failures_dialog.set_failures(self.status.get("failures", []))
        self._failures_dialog.show()
        self._failures_dialog.raise_()
        self.host.refresh_status()

    def _show_settings(self) -> None:
        from desktop_app.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self.host, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.result_settings()))
        dialog.open()

    def apply_settings(self, new: Settings) -> None:
        """Apply what can change at once; reopen the library when its location, model or device changed."""
        old = self.settings
        self.settings = new
        self.thumbnails.set_budget_mb(new.thumbnail_cache_mb)
        config = self.host.config
        options = dict(config.options, fps=new.video_fps)
        self.host.config = LibraryConfig(config.home, config.model, config.weights, config.device, options)
        self._save_settings()
        if (old.library, old.model, old.weights, old.device) != (new.library, new.model, new.weights, new.device):
            device = None if new.device == "auto" else new.device
            if self.host.reopen(LibraryConfig(new.library, new.model, new.weights, device, options)):
                self.model.reset([], more=False)
                self.preview.clear()
                self._show_results_hint(self.tr("Opening your library…"))

    # ----- indexing ---------------------------------------------------------------------------

    def _indexing_started(self) -> None:
        if self.pages.currentWidget() is self.first_run:  # a folder was added some other way (menu, drop)
            self.pages.setCurrentWidget(self.main_page)
        self.index_status.start()
        self.act_rescan.setEnabled(False)
        self.act_pause.setEnabled(True)
        self.act_cancel.setEnabled(True)

    def _indexing_progress(self, progress) -> None:
        self.index_status.update_progress(progress)
        if progress.phase == "embed" and progress.files_done:
            self.host.refresh_status()

    def _indexing_paused(self, paused: bool) -> None:
        self.index_status.set_paused(paused)
        self.act_pause.setText(self.tr("Resume Indexing") if paused else self.tr("Pause Indexing"))
        self.act_pause.setIcon(icon("play" if paused else "pause"))

    def _indexing_finished(self, report) -> None:
        self.index_status.finish()
        self._indexing_paused(False)
        self.act_rescan.setEnabled(True)
        self.act_pause.setEnabled(False)
        self.act_cancel.setEnabled(False)
        if report is None:
            return
        if report.cancelled:
            text = self.tr("Indexing stopped. %n file(s) indexed so far are kept; Rescan carries on.", "",
                           report.indexed)
        else:
            text = self.tr("Indexing finished: %n new or changed file(s).", "", report.indexed)
        if report.failed:
            text += " " + self.tr("%n could not be read.", "", len(report.failed))
            self.message_bar.show_message(text, MessageBar.INFO, (self.tr("Show"), self._show_failures))
        else:
            self.message_bar.show_message(text, MessageBar.INFO)
        if self.controller.base_query is None:
            self._show_results_hint(self._welcome_hint())

    def _pause_or_resume(self) -> None:
        if self.host.control is not None and self.host.control.paused:
            self.host.resume()
        else:
            self.host.pause()

    # ----- queries ----------------------------------------------------------------------------

    def _focus_search(self) -> None:
        if self.pages.currentWidget() is not self.main_page:
            return
        self.search_bar.field.setFocus()
        self.search_bar.field.selectAll()

    def _focus_results(self) -> None:
        if self.model.rowCount():
            self.grid_stack.setCurrentWidget(self.grid)
            self.grid.setFocus()
            if not self.grid.currentIndex().isValid():
                self.grid.setCurrentIndex(self.model.index(0))

    def _compose_submitted(self, text: str, balance: float | None) -> None:
        ref = self.search_bar.reference
        if ref is not None:
            self.controller.compose(ref[0], text, balance, t_s=ref[1])

    def _reference_cleared(self) -> None:
        self.search_bar.field.setFocus()

    def _dropped_file(self, path: str, label: str) -> None:
        if self.pages.currentWidget() is not self.main_page:
            self.pages.setCurrentWidget(self.main_page)
        self.search_bar.clear_reference()
        self.controller.similar(path, label=label)

    def _region_search(self, file_id: int, box: tuple[int, int, int, int]) -> None:
        hit = self._current_hit()
        label = os.path.basename(hit.file.path) if hit is not None else ""
        self.controller.similar(file_id, box=box, label=label)

    def _query_started(self, query: Query) -> None:
        self.results_header.setVisible(True)
        text = self._describe(query)
        if not self.host.model_ready:
            text += " — " + self.tr("waiting for the model to load…")
        self.results_label.setText(text)
        self.preview.query_text = query.text if query.kind in (TEXT, COMPOSE, REFINED) else ""

    def _query_finished(self, query: Query) -> None:
        self._show_count()
        n = self.model.rowCount()
        if n == 0:
            hint = self.tr("Nothing matches yet.")
            if self.controller.filters.active:
                hint += " " + self.tr("Try removing some filters.")
            if self.host.indexing:
                hint += " " + self.tr("Indexing is still running: more will be found.")
            self._show_results_hint(hint)
        else:
            self.grid_stack.setCurrentWidget(self.grid)
            if not self.grid.currentIndex().isValid():
                self.grid.selectionModel().setCurrentIndex(self.model.index(0),
                                                           QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _show_count(self, *_args) -> None:
        """The header's count ("“dog” — 240+ results"), kept up to date as pages arrive."""
        query = self.controller.query
        if query is None or self.controller.busy:
            return
        n = self.model.rowCount()
        more = self.model.has_more
        count = self.tr("no results") if n == 0 else (
            self.tr("%1+ results").replace("%1", fmt.count(n)) if more else self.tr("%n result(s)", "", n))
        self.results_label.setText(f"{self._describe(query)} — {count}")

    def _query_failed(self, query: Query, message: str) -> None:
        self.results_label.setText(self._describe(query))
        self.show_error(message)

    def _describe(self, query: Query) -> str:
        if query.kind == TEXT:
            return f"“{query.text}”"
        if query.kind == SIMILAR:
            label = query.text or str(query.target)
            if query.box is not None:
                return self.tr("Like a part of %1").replace("%1", label)
            return self.tr("Similar to %1").replace("%1", label)
        if query.kind == COMPOSE:
            ref = self._reference_name(query.target)
            return self.tr("%1, changed: “%2”").replace("%1", ref).replace("%2", query.text) if query.text \
                else self.tr("Similar to %1").replace("%1", ref)
        return self.tr("Refined: %1").replace("%1", f"“{query.text}”" if query.text else self.tr("your marks"))

    def _reference_name(self, target: int | str | None) -> str:
        if isinstance(target, str):
            return os.path.basename(target)
        for h in self.model.hits:
            if h.file.id == target:
                return os.path.basename(h.file.path)
        return self.search_bar.chip.name.toolTip() or str(target)

    def _show_results_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.grid_stack.setCurrentWidget(self.hint)

    # ----- the current result -----------------------------------------------------------------

    def _current_hit(self) -> Hit | None:
        ix = self.grid.currentIndex()
        return self.model.hit(ix.row()) if ix.isValid() else None

    def _selected_hits(self) -> list[Hit]:
        rows = sorted(ix.row() for ix in self.grid.selectionModel().selectedIndexes())
        if not rows:
            hit = self._current_hit()
            return [hit] if hit is not None else []
        return [self.model.hit(r) for r in rows]

    def _results_reset(self) -> None:
        self.preview.clear()
        self._update_result_actions()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.preview.clear()
        else:
            hit = self.model.hit(current.row())
            self.preview.show_hit(hit, self._moments_of(hit))
        self._update_result_actions()

    def _moments_of(self, hit: Hit) -> list[Moment]:
        if hit.file.kind != "video":
            return []
        return [Moment(h.start_s or 0.0, h.end_s if h.end_s is not None else (h.start_s or 0.0), float(h.score))
                for h in self.model.hits_of_file(hit.file.id) if h.start_s is not None]

    def _activated(self, index: QModelIndex) -> None:
        if not self.act_preview.isChecked():
            self.act_preview.setChecked(True)
            self._toggle_preview()
        hit = self.model.hit(index.row())
        if hit.file.kind == "video" and self.preview.player is not None:
            self.preview.player.seek(hit.start_s or 0.0)
            self.preview.player.player.play()

    def _update_result_actions(self, *_args) -> None:
        hit = self._current_hit()
        has = hit is not None
        caps = self.host.caps
        for a in (self.act_similar, self.act_open, self.act_reveal, self.act_copy):
            a.setEnabled(has)
        self.act_compose.setVisible(caps.compose)
        self.act_compose.setEnabled(has and caps.compose)
        feedback = caps.session and has
        for a in (self.act_relevant, self.act_not_relevant, self.act_clear_mark):
            a.setVisible(caps.session)
            a.setEnabled(feedback)
        video = has and hit.file.kind == "video" and self.preview.player is not None
        for a in (self.act_play, self.act_prev_moment, self.act_next_moment):
            a.setEnabled(video)
        self._feedback_changed()

    def _feedback_changed(self) -> None:
        marks = self.model.marks
        good = sum(1 for v in marks.values() if v)
        bad = len(marks) - good
        caps = self.host.caps
        self.act_refine.setVisible(caps.session)
        self.act_undo.setVisible(caps.session)
        self.act_refine.setEnabled(caps.session and bool(marks))
        self.act_undo.setEnabled(caps.session and self.controller.rounds > 0)
        show = caps.session and (bool(marks) or self.controller.rounds > 0)
        for b in self.feedback_buttons:
            b.setVisible(show)
        self.marks_label.setVisible(show)
        self.marks_label.setText(self.tr("%1 relevant · %2 not relevant").replace("%1", str(good))
                                 .replace("%2", str(bad)))

    def _context_menu(self, pos: QPoint) -> None:
        if not self.grid.indexAt(pos).isValid():
            return
        menu = QMenu(self)
        for a in (self.act_similar, self.act_compose, None, self.act_relevant, self.act_not_relevant,
                  self.act_clear_mark, None, self.act_open, self.act_reveal, self.act_copy):
            if a is None:
                menu.addSeparator()
            elif a.isVisible():
                menu.addAction(a)
        menu.popup(self.grid.viewport().mapToGlobal(pos))

    def _similar_to_current(self) -> None:
        hit = self._current_hit()
        if hit is not None:
            self.search_bar.clear_reference()
            t = hit.t_s if hit.file.kind == "video" else None
            self.controller.similar(hit.file.id, t_s=t, label=os.path.basename(hit.file.path))

    def _compose_from_current(self) -> None:
        hit = self._current_hit()
        if hit is None or not self.host.caps.compose:
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

    def _mark(self, relevant: bool | None) -> None:
        hits = self._selected_hits()
        if not hits:
            return
        if relevant is not None and all(self.model.mark(h.file.id) is relevant for h in hits):
            relevant = None  # pressing the same mark again takes it back
        self.controller.mark(sorted({h.file.id for h in hits}), relevant)

    def _open_current(self) -> None:
        hit = self._current_hit()
        if hit is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(hit.file.path))

    def _reveal_current(self) -> None:
        hit = self._current_hit()
        if hit is not None:
            from desktop_app.reveal import reveal_in_file_manager

            reveal_in_file_manager(hit.file.path)

    def _copy_paths(self) -> None:
        hits = self._selected_hits()
        if hits:
            paths = list(dict.fromkeys(h.file.path for h in hits))
            QGuiApplication.clipboard().setText("\n".join(paths))
            self.statusBar().showMessage(self.tr("Copied %n path(s)", "", len(paths)), 3000)

    # ----- video ------------------------------------------------------------------------------

    def _play_pause(self) -> None:
        if self.preview.player is not None and self.preview.stack.currentWidget() is self.preview.player:
            self.preview.player.toggle_play()

    def _next_moment(self) -> None:
        if self.preview.player is not None:
            self.preview.player.next_moment()

    def _previous_moment(self) -> None:
        if self.preview.player is not None:
            self.preview.player.previous_moment()

    # ----- view -------------------------------------------------------------------------------

    def _toggle_preview(self) -> None:
        self.preview.setVisible(self.act_preview.isChecked())

    def _zoom(self, delta: int) -> None:
        self.grid.set_wanted_cell(self.grid.wanted_cell + delta)

    def _cell_changed(self, side: int) -> None:
        """Thumbnails are made at the cell's size in device pixels (a plain copy when painted)."""
        self.thumbnails.set_cell(side, self.devicePixelRatioF())
        self.grid.viewport().update()

    def _zoom_changed(self, cell: int) -> None:
        self.settings.cell_size = cell

    def _about(self) -> None:
        from core import __version__

        QMessageBox.about(self, self.tr("About MediaLens"), self.tr(
            "<h3>MediaLens %1</h3><p>Find things inside your photos and videos by describing them, by showing a "
            "picture like them, or by changing one in words.</p><p>Everything runs on this computer.</p>")
            .replace("%1", __version__))

    def show_error(self, message: str, action=None) -> None:
        self.message_bar.show_message(message, MessageBar.ERROR, action)

    # ----- drag and drop ----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.source() is self.grid or not acceptable(event.mimeData()):
            event.ignore()
            return
        event.acceptProposedAction()
        self.overlay.setGeometry(self.centralWidget().rect())
        self.overlay.raise_()
        self.overlay.setVisible(True)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.overlay.setVisible(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self.overlay.setVisible(False)
        if self.drops.handle(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    # ----- layout, closing -----------------------------------------------------------

    def _restore_layout(self) -> None:
        w = self.settings.window
        try:
            if w.get("geometry"):
                self.restoreGeometry(QByteArray(base64.b64decode(w["geometry"])))
            if w.get("splitter"):
                self.splitter.restoreState(QByteArray(base64.b64decode(w["splitter"])))
            if w.get("preview") is False:
                self.act_preview.setChecked(False)
                self.preview.setVisible(False)
        except (ValueError, TypeError):
            pass  # a damaged entry only costs the remembered layout

    def _save_settings(self) -> None:
        if self.settings_path is not None:
            self.settings.save(self.settings_path)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.window = {
            "geometry": base64.b64encode(bytes(self.saveGeometry().data())).decode(),
            "splitter": base64.b64encode(bytes(self.splitter.saveState().data())).decode(),
            "preview": self.act_preview.isChecked(),
        }
        self._save_settings()
        if self.preview.player is not None:
            self.preview.player.stop()
        if self.host.indexing:
            self.statusBar().showMessage(self.tr("Stopping indexing…"))
        self.host.shutdown()
        super().closeEvent(event)
