"""The library's actions: add and manage folders, rescan, pause or stop indexing, see what failed, find duplicates.

`LibraryActions` owns these actions, the dialogs they open and their state while
indexing runs; like `ResultsActions` it has no widgets of its own (dialogs open
over the window given as `parent`). The folders and failures dialogs show the
host's latest status of the library, and the failures dialog follows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from desktop_app.widgets.actions import make_action
from desktop_app.widgets.icons import icon

if TYPE_CHECKING:  # pragma: no cover
    from core.library import LibraryStatus
    from desktop_app.dialogs.library import FailuresDialog
    from desktop_app.workers.host import LibraryHost


class LibraryActions(QObject):
    """Folder, indexing and failure actions over `host`; dialogs are children of `window`."""

    def __init__(self, host: LibraryHost, window: QWidget):
        super().__init__(window)
        self.host = host
        self.dialog_parent = window
        self.failures_dialog: FailuresDialog | None = None

        def A(*args, **kwargs) -> QAction:
            return make_action(self, *args, **kwargs)

        self.act_add_folder = A("addFolder", self.tr("Add Folder…"), self.add_folder, "Ctrl+Shift+O", "folder-add")
        self.act_folders = A("folders", self.tr("Library Folders…"), self.show_folders, None, "folder")
        self.act_rescan = A("rescan", self.tr("Rescan Library"), lambda: host.index(), "F5", "rescan")
        self.act_pause = A("pause", self.tr("Pause Indexing"), self.pause_or_resume, None, "pause")
        self.act_cancel = A("cancel", self.tr("Stop Indexing"), host.cancel, None, "stop")
        self.act_failures = A("failures", self.tr("Files That Failed…"), self.show_failures, None, "warning")
        self.act_duplicates = A("duplicates", self.tr("Duplicates…"), self.show_duplicates, None, "copy")
        self.act_people = A("people", self.tr("People…"), self.show_people, "Ctrl+Shift+P", "photo")
        # the Library menu's part before Settings and Quit
        self.menu = (self.act_add_folder, self.act_folders, None, self.act_rescan, self.act_pause, self.act_cancel,
                     self.act_failures, None, self.act_duplicates, self.act_people)

        host.status_changed.connect(self._status)
        host.indexing_started.connect(lambda: self._indexing(True))
        host.indexing_paused.connect(self._paused)
        host.indexing_finished.connect(lambda _report: self._indexing(False))
        self._indexing(host.indexing)  # Pause and Stop mean nothing while nothing is indexing

    def add_folder(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        folder = QFileDialog.getExistingDirectory(self.dialog_parent, self.tr("Add a folder to the library"))
        if folder:
            self.host.add_root(folder, lambda _path: self.host.index([folder]))

    def show_folders(self) -> None:
        from desktop_app.dialogs.library import FoldersDialog  # dialogs load when first opened, not at start-up

        status = self.host.status
        dialog = FoldersDialog(self.host, list(status.roots) if status else [], self.dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def show_failures(self) -> None:
        if self.failures_dialog is None:
            from desktop_app.dialogs.library import FailuresDialog

            self.failures_dialog = FailuresDialog(self.dialog_parent)
        self.failures_dialog.set_failures(self.host.status.failures if self.host.status else ())
        self.failures_dialog.show()
        self.failures_dialog.raise_()
        self.host.refresh_status()

    def show_duplicates(self) -> None:
        from desktop_app.pages.duplicates import DuplicatesPage
        from desktop_app.widgets.page_window import PageWindow

        page = DuplicatesPage(self.host)
        show_moment = getattr(self.dialog_parent, "show_moment", None)
        if show_moment is not None:
            page.moment_requested.connect(show_moment)
        PageWindow(page, self.dialog_parent, page.actions_row).show()
        page.refresh()

    def show_people(self) -> None:
        from desktop_app.pages.people import PeoplePage
        from desktop_app.widgets.page_window import PageWindow

        page = PeoplePage(self.host)
        search_bar = getattr(self.dialog_parent, "search_bar", None)
        if search_bar is not None:
            def search(text: str) -> None:
                search_bar.field.setText(text)
                search_bar.field.returnPressed.emit()

            page.search_requested.connect(search)
        PageWindow(page, self.dialog_parent, size=(900, 620)).show()
        page.refresh()

    def pause_or_resume(self) -> None:
        if self.host.control is not None and self.host.control.paused:
            self.host.resume()
        else:
            self.host.pause()

    def _status(self, status: LibraryStatus) -> None:
        if self.failures_dialog is not None:
            self.failures_dialog.set_failures(status.failures)

    def _indexing(self, running: bool) -> None:
        self.act_rescan.setEnabled(not running)
        self.act_pause.setEnabled(running)
        self.act_cancel.setEnabled(running)
        if not running:
            self._paused(False)

    def _paused(self, paused: bool) -> None:
        self.act_pause.setText(self.tr("Resume Indexing") if paused else self.tr("Pause Indexing"))
        self.act_pause.setIcon(icon("play" if paused else "pause"))
