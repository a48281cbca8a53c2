"""The MediaLens window: the top bar, the results header, the results grid, the preview pane, the status bar.

The window only builds its parts and wires them together (Vorta's way): engine
calls go through `LibraryHost`, queries through `SearchController`, what can be
done with a result through `ResultsActions`, and each part (top bar, results
header, grid, preview, player, indexing status) is its own widget with its own
slots. What stays here is the window's own business: the library's lifecycle
(first run, folders, settings, indexing), the menus, drag and drop, and the
remembered layout. It is shown before the engine is even imported; its first
paint starts opening the library in the background.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QPaintEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.errors import CatalogDamaged  # a leaf module: cheap to import
from desktop_app.library_actions import LibraryActions
from desktop_app.pages.first_run import FirstRunPage
from desktop_app.pages.search import manage_actions
from desktop_app.pages.search.month_label import MonthLabel
from desktop_app.pages.search.order_bar import OrderBar
from desktop_app.pages.search.preview import PreviewPane
from desktop_app.pages.search.queries import BROWSE, TEXT, Request
from desktop_app.pages.search.question_bar import QuestionBar
from desktop_app.pages.search.results import ResultsModel
from desktop_app.pages.search.results_actions import ResultsActions
from desktop_app.pages.search.results_header import ResultsHeader
from desktop_app.pages.search.results_view import ResultsView
from desktop_app.pages.search.search_controller import SearchController
from desktop_app.pages.search.top_bar import TopBar
from desktop_app.settings import LIBRARY_FIELDS, Settings
from desktop_app.widgets.actions import fill_menu, make_action
from desktop_app.widgets.drops import DropHandler, DropOverlay, acceptable
from desktop_app.widgets.icons import icon
from desktop_app.widgets.message_bar import MessageBar
from desktop_app.widgets.status_bar import LibraryStatusBar
from desktop_app.workers.host import LibraryConfig, LibraryHost, ModelState, ModelStatus
from desktop_app.workers.tasks import describe_error
from desktop_app.workers.thumbnails import ThumbnailLoader

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from core.library import LibraryStatus



class MainWindow(QMainWindow):
    first_painted = Signal()

    def __init__(self, config: LibraryConfig, settings: Settings, settings_path: Path | None = None,
                 library_settings_path: Path | None = None):
        super().__init__()
        self.settings = settings
        self.settings_path = settings_path
        self.library_settings_path = library_settings_path  # None: the library fields stay in settings_path
        self._painted = False
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
        self._show_results_hint(self.tr("Opening your library…"))

    # ----- construction -----------------------------------------------------------------------

    def _make_actions(self) -> None:
        """The window's own actions; the library's are `LibraryActions`, the results' `ResultsActions`."""
        self.library_actions = LibraryActions(self.host, self)
        def A(*args, **kwargs):
            return make_action(self, *args, **kwargs)

        self.act_settings = A("settings", self.tr("Settings…"), self._show_settings,
                              QKeySequence.StandardKey.Preferences, "settings")
        if self.act_settings.shortcut().isEmpty():
            self.act_settings.setShortcut(QKeySequence("Ctrl+,"))
        self.act_quit = A("quit", self.tr("Quit"), self.close, QKeySequence.StandardKey.Quit)
        self.act_find = A("find", self.tr("Search"), self._focus_search, QKeySequence.StandardKey.Find, "search")
        self.act_find.setShortcuts([QKeySequence(QKeySequence.StandardKey.Find), QKeySequence("Ctrl+L"),
                                    QKeySequence("/")])
        self.act_preview = A("preview", self.tr("Preview Pane"), self._toggle_preview, "Ctrl+I")
        self.act_preview.setCheckable(True)
        self.act_preview.setChecked(True)
        self.act_zoom_in = A("zoomIn", self.tr("Larger Thumbnails"), lambda: self._zoom(+32),
                             QKeySequence.StandardKey.ZoomIn)
        self.act_zoom_out = A("zoomOut", self.tr("Smaller Thumbnails"), lambda: self._zoom(-32),
                              QKeySequence.StandardKey.ZoomOut)
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

        self.top_bar = TopBar(self.controller, [self.library_actions.act_folders, self.act_settings], self.main_page)
        self.search_bar = self.top_bar.search_bar
        self.filter_bar = self.top_bar.filter_bar

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

        self.preview = PreviewPane(self.host, self.main_page)
        self.results_actions = ResultsActions(self.controller, self.thumbnails, self.grid, self.preview,
                                              self.search_bar, self)
        self.preview.add_tools(self.results_actions.preview_tools)
        self.results_header = ResultsHeader(self.controller, self.results_actions.feedback,
                                            self.results_actions.reference_name, self.main_page)
        self.question_bar = QuestionBar(self.controller)
        self.order_bar = OrderBar(self.controller, self.results_header)
        self.month_label = MonthLabel(self.controller, self.grid, self.results_header)
        self.results_header.layout().insertWidget(2, self.month_label)
        self.results_header.layout().insertWidget(4, self.order_bar)
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
        page.addWidget(self.top_bar)
        page.addWidget(self.results_header)
        page.addWidget(self.question_bar)
        page.addWidget(self.splitter, 1)

        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.message_bar)
        lay.addWidget(self.pages, 1)
        self.overlay = DropOverlay(central)

        self.status_bar = LibraryStatusBar(self.library_actions.act_failures, self)
        self.setStatusBar(self.status_bar)
        self.index_status = self.status_bar.index_status

    def _make_menus(self) -> None:
        mb = self.menuBar()
        results = self.results_actions
        fill_menu(mb.addMenu(self.tr("&Library")),
                  (*self.library_actions.menu, None, self.act_settings, None, self.act_quit))
        search_menu = fill_menu(mb.addMenu(self.tr("&Search")), (self.act_find, None, *results.search_menu))
        self.result_menu = fill_menu(mb.addMenu(self.tr("&Item")), results.item_menu)
        self.manage_actions = manage_actions.install(self)  # side bar, chips, rating/tag/album keys, export
        fill_menu(search_menu, (None, self.manage_actions.act_save_search))
        fill_menu(mb.addMenu(self.tr("&View")), (self.act_preview, None, self.act_zoom_in, self.act_zoom_out))
        fill_menu(mb.addMenu(self.tr("&Help")), (self.act_about,))

    def _connect(self) -> None:
        h = self.host
        h.opened.connect(self._opened)
        h.open_failed.connect(self._open_failed)
        h.status_changed.connect(self._status)
        h.model_state.connect(self._model_state)
        h.download_progress.connect(self.first_run.set_download)
        h.indexing_started.connect(self._indexing_started)
        h.indexing_progress.connect(self._indexing_progress)
        h.indexing_paused.connect(self.index_status.set_paused)
        h.indexing_finished.connect(self._indexing_finished)
        h.error.connect(self.show_error)

        self.search_bar.field.down_pressed.connect(self._focus_results)
        self.search_bar.field.textChanged.connect(self._search_text_changed)
        h.model_switched.connect(self.controller.rerun)
        self.controller.finished.connect(self._request_finished)
        self.controller.failed.connect(lambda _request, error: self.show_error(error))
        self.results_actions.message.connect(self.status_bar.showMessage)

        self.grid.activated.connect(self._activated)
        self.grid.zoom_changed.connect(self._zoom_changed)
        self.grid.cell_changed.connect(self._cell_changed)
        self._cell_changed(self.grid.picture_side)

        self.index_status.pause_clicked.connect(h.pause)
        self.index_status.resume_clicked.connect(h.resume)
        self.index_status.cancel_clicked.connect(h.cancel)
        self.first_run.start_requested.connect(self._first_run_start)
        self.first_run.weights_chosen.connect(self._weights_chosen)
        self.first_run.download_requested.connect(lambda: self._weights_chosen(None))
        self.first_run.model_picker_requested.connect(self._show_settings)
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

    def _opened(self, status: LibraryStatus) -> None:
        self._status(status)
        if not status.roots:
            self.pages.setCurrentWidget(self.first_run)
            self.first_run.add_button.setFocus()
        else:
            self.pages.setCurrentWidget(self.main_page)
            self.search_bar.field.setFocus()
            if status.pending:
                self.host.index()  # an interrupted run (cancelled, or the app closed) carries on
        if self.controller.base_request is not None:
            self.controller.rerun()
        else:
            self._show_library(status)

    def _open_failed(self, error: BaseException) -> None:
        self.pages.setCurrentWidget(self.first_run)
        self.first_run.set_model_state(ModelStatus(ModelState.FAILED, "", error=describe_error(error)))
        self.show_error(error)

    def _show_library(self, status: LibraryStatus | None) -> None:
        """Without a query the window shows the library itself, newest first (or says how to start)."""
        if status is not None and (status.images or status.videos):
            self.controller.browse()
        else:
            self._show_results_hint(self._welcome_hint())

    def _search_text_changed(self, text: str) -> None:
        """Clearing the search returns to the library."""
        request = self.controller.base_request
        if not text.strip() and self.search_bar.reference is None and request is not None and request.kind == TEXT:
            self.controller.browse()

    def _welcome_hint(self) -> str:
        return self.tr("Describe what you are looking for, or drop a picture here to find similar ones.")

    def _status(self, status: LibraryStatus) -> None:
        self.status_bar.show_status(status, self.host.indexing)
        if status.rebuild is not None:
            QTimer.singleShot(2000, self.host.refresh_status)  # follow the rebuild until the index is back
        self.filter_bar.set_roots(list(status.roots))

    def _model_state(self, status: ModelStatus) -> None:
        self.first_run.set_model_state(status)
        self.status_bar.show_model(status)
        if status.state == ModelState.FAILED and self.pages.currentWidget() is not self.first_run:
            # the first-run page explains it already
            self.show_error(status.error, (self.tr("Choose weights file…"), self.first_run.choose_weights))

    # ----- first run and folders --------------------------------------------------------------

    def _first_run_start(self, folders: list[str]) -> None:
        if not folders or not self.host.is_open:
            return
        self.pages.setCurrentWidget(self.main_page)
        self._show_results_hint(self.tr("Indexing has started. You can search right away: results come from "
                                        "what is already indexed."))
        self.search_bar.field.setFocus()
        self.host.index(folders)

    def _weights_chosen(self, path: str | None) -> None:
        # No model named: the engine recognises which model the file (or exported folder) belongs to;
        # no file either (None): the library's own model, downloaded if need be.
        self.settings.weights, self.settings.model = path, None
        self._save_settings()
        config = self.host.config
        self.host.reopen(LibraryConfig(config.home, None, path, config.device, config.options, config.watch))

    def _show_settings(self) -> None:
        from desktop_app.dialogs.settings import SettingsDialog

        dialog = SettingsDialog(self.settings, self.host, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.result_settings()))
        dialog.open()

    def apply_settings(self, new: Settings) -> None:
        """Apply what can change at once; reopen the library when its location, model or device changed."""
        old = self.settings
        if self.library_settings_path is not None and new.library != old.library:
            new = self._other_library_settings(old, new)
        self.settings = new
        self.thumbnails.set_budget_mb(new.thumbnail_cache_mb)
        config = self.host.config
        options = dict(config.options, fps=new.video_fps)
        self.host.config = LibraryConfig(config.home, config.model, config.weights, config.device, options,
                                         watch=new.watch_folders)
        self._save_settings()
        if old.watch_folders != new.watch_folders:
            self.host.live.set_enabled(new.watch_folders)
        if (old.library, old.device) == (new.library, new.device) and (old.model, old.weights) != (
                new.model, new.weights) and self.host.is_open:
            # Another model only: index with it in the background while this one keeps answering.
            self.host.switch_model(LibraryConfig(config.home, new.model, new.weights, config.device, options,
                                                 watch=new.watch_folders))
        elif (old.library, old.model, old.weights, old.device) != (new.library, new.model, new.weights, new.device):
            device = None if new.device == "auto" else new.device
            if self.host.reopen(LibraryConfig(new.library, new.model, new.weights, device, options,
                                              watch=new.watch_folders)):
                self.model.reset([], more=False)
                self.preview.clear()
                self._show_results_hint(self.tr("Opening your library…"))

    def _other_library_settings(self, old: Settings, new: Settings) -> Settings:
        """Another library: the old one keeps its model file; the new one brings its own, unless changed here."""
        from desktop_app.paths import library_settings_path

        old.save(self.settings_path, self.library_settings_path)
        self.library_settings_path = library_settings_path(new.library)
        theirs = Settings.load(self.settings_path, self.library_settings_path)
        return replace(new, **{k: getattr(theirs, k) for k in LIBRARY_FIELDS if getattr(new, k) == getattr(old, k)})

    # ----- indexing ---------------------------------------------------------------------------

    def _indexing_started(self) -> None:
        if self.pages.currentWidget() is self.first_run:  # a folder was added some other way (menu, drop)
            self.pages.setCurrentWidget(self.main_page)
        self.index_status.start()

    def _indexing_progress(self, progress) -> None:
        self.index_status.update_progress(progress)
        if progress.phase == "embed" and progress.files_done:
            self.host.refresh_status()

    def _indexing_finished(self, report) -> None:
        self.index_status.finish()
        self.index_status.set_paused(False)
        if report is None:
            return
        changed_nothing = not (report.indexed or report.moved or report.removed or report.failed or report.cancelled)
        if not (changed_nothing and self.host.finished_run_was_watch):  # the watcher's catch-up: the count stays
            self._announce(report)
        request = self.controller.base_request
        if request is None:
            self._show_library(self.host.status)
        elif request.kind == BROWSE:
            self.controller.rerun()  # what was indexed meanwhile joins the library view

    def _announce(self, report) -> None:
        """What the run did, in the message bar."""
        if report.cancelled:
            text = self.tr("Indexing stopped. %n file(s) indexed so far are kept; Rescan carries on.", "",
                           report.indexed)
        else:
            text = self.tr("Indexing finished: %n new or changed file(s).", "", report.indexed)
        if report.failed:
            text += " " + self.tr("%n could not be read.", "", len(report.failed))
            self.message_bar.show_message(text, MessageBar.INFO, (self.tr("Show"), self.library_actions.show_failures))
        else:
            self.message_bar.show_message(text, MessageBar.INFO)

    # ----- queries ----------------------------------------------------------------------------

    def _focus_search(self) -> None:
        if self.pages.currentWidget() is self.main_page:
            self.top_bar.focus_search()

    def _focus_results(self) -> None:
        if self.model.rowCount():
            self.grid_stack.setCurrentWidget(self.grid)
            self.grid.setFocus()
            if not self.grid.currentIndex().isValid():
                self.grid.setCurrentIndex(self.model.index(0))

    def _dropped_file(self, path: str, label: str) -> None:
        if self.pages.currentWidget() is not self.main_page:
            self.pages.setCurrentWidget(self.main_page)
        self.search_bar.clear_reference()
        self.controller.similar(path, label=label)

    def _request_finished(self, _request: Request) -> None:
        if self.model.rowCount() == 0:
            hint = self.tr("Nothing matches yet.")
            if self.controller.filters.active:
                hint += " " + self.tr("Try removing some filters.")
            if self.host.indexing:
                hint += " " + self.tr("Indexing is still running: more will be found.")
            self._show_results_hint(hint)
        else:
            self.grid_stack.setCurrentWidget(self.grid)
            self.results_actions.select_first()

    def _show_results_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.grid_stack.setCurrentWidget(self.hint)

    def _activated(self, index: QModelIndex) -> None:
        """Enter or a double-click: show the result in the preview; a video plays from its moment."""
        if not self.act_preview.isChecked():
            self.act_preview.setChecked(True)
            self._toggle_preview()
        hit = self.model.hit(index.row())
        if hit is not None and hit.file.kind == "video" and self.preview.player is not None:
            self.preview.player.seek(hit.start_s or 0.0)
            self.preview.player.player.play()

    def show_moment(self, hit, moments: list) -> None:
        """Open a video in the preview at a moment (a repeated moment from the Duplicates page)."""
        if not self.act_preview.isChecked():
            self.act_preview.setChecked(True)
            self._toggle_preview()
        self.preview.show_hit(hit, moments)

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

    def show_error(self, error: BaseException | str, action=None) -> None:
        """Show an engine's exception (one line; a bug says so) or a line of the window's own; a damaged
        catalog comes with the Repair button."""
        if action is None and isinstance(error, CatalogDamaged):
            action = (self.tr("Repair"), self.repair_library)
        self.message_bar.show_message(error if isinstance(error, str) else describe_error(error), MessageBar.ERROR,
                                      action)

    def repair_library(self) -> None:
        """Recover the damaged catalog (the damaged file is kept), reopen, and index what was lost."""

        def repaired(report) -> None:
            if not report.repaired:
                self.message_bar.show_message(self.tr("SQLite finds no damage in the library; nothing to repair."),
                                              MessageBar.INFO)
                return
            self.message_bar.show_message(
                self.tr("The library was repaired; the damaged catalog is kept as %1. Indexing what was lost…")
                .replace("%1", str(report.kept_as)), MessageBar.INFO)

            def index_once(_status) -> None:
                self.host.opened.disconnect(index_once)
                self.host.index()

            self.host.opened.connect(index_once)

        self.host.repair(repaired)

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
                self._fit_to_screen()
            if w.get("splitter"):
                self.splitter.restoreState(QByteArray(base64.b64decode(w["splitter"])))
            if w.get("preview") is False:
                self.act_preview.setChecked(False)
                self.preview.setVisible(False)
        except (ValueError, TypeError):
            pass  # a damaged entry only costs the remembered layout

    def _fit_to_screen(self) -> None:
        """A window remembered on a bigger (or another) screen is shrunk and moved onto this one."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        avail = screen.availableGeometry()
        if self.isMaximized() or self.isFullScreen():
            return
        frame = self.frameGeometry()
        extra_w, extra_h = frame.width() - self.width(), frame.height() - self.height()
        width = min(self.width(), avail.width() - extra_w)
        height = min(self.height(), avail.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        x = min(max(self.x(), avail.left()), avail.right() - width - extra_w + 1)
        y = min(max(self.y(), avail.top()), avail.bottom() - height - extra_h + 1)
        if (x, y) != (self.x(), self.y()):
            self.move(x, y)

    def _save_settings(self) -> None:
        if self.settings_path is not None:
            self.settings.save(self.settings_path, self.library_settings_path)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.window = {
            "geometry": base64.b64encode(bytes(self.saveGeometry().data())).decode(),
            "splitter": base64.b64encode(bytes(self.splitter.saveState().data())).decode(),
            "preview": self.act_preview.isChecked(),
        }
        self._save_settings()
        if self.preview.player is not None:
            self.preview.player.stop()
        self.thumbnails.stop()  # no picture is made for a grid that is going away
        if self.host.indexing:
            self.status_bar.showMessage(self.tr("Stopping indexing…"))
        self.host.shutdown()
        super().closeEvent(event)
