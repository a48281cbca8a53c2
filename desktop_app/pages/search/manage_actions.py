"""Rating, favourites, tags, albums and export for the selected results, and the chips that show what
a search text was understood to say.

Keys follow digiKam's and Lightroom's habits where they do not clash with the grid's own single keys
(0 clears a mark, E edits, S finds similar): Ctrl+0…Ctrl+5 rate (digiKam), F marks a favourite,
Ctrl+T tags, Ctrl+Shift+A adds to an album, Ctrl+Shift+E exports. Every change runs on a worker
(`LibraryHost.call`): the sidecar is written, then the catalog, then the side bar is refreshed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QInputDialog, QLabel, QToolButton, QWidget

from desktop_app.widgets.actions import make_action

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.pages.search.search_controller import SearchController
    from desktop_app.workers.host import LibraryHost


class ManageActions(QObject):
    """What can be set on the selected results."""

    message = Signal(str)
    changed = Signal()  # ratings, tags, favourites or albums changed: lists and filters are stale

    def __init__(self, host: LibraryHost, selected, parent: QWidget):
        super().__init__(parent)
        self.host = host
        self.selected = selected  # () -> the selected hits
        self.window = parent

        def A(*args, **kwargs) -> QAction:
            return make_action(self, *args, **kwargs)

        self.rate_actions = [A(f"rate{n}", self.tr("Rate {0}").format("★" * n) if n else self.tr("Clear Rating"),
                               lambda _=False, n=n: self.rate(n), f"Ctrl+{n}") for n in range(6)]
        self.act_favourite = A("favourite", self.tr("Favourite"), self.toggle_favourite, "F", "relevant", True)
        self.act_tag = A("tag", self.tr("Tag…"), self.tag, "Ctrl+T")
        self.act_album = A("addToAlbum", self.tr("Add to Album…"), self.add_to_album, "Ctrl+Shift+A")
        self.act_save_search = A("saveSearch", self.tr("Save Search as Smart Album…"), self.save_search)
        self.act_export = A("export", self.tr("Export to Folder…"), self.export, "Ctrl+Shift+E", "folder-open")
        self.act_clip = A("exportClip", self.tr("Save Moment as Clip…"), self.export_clip, None, "video")
        self.menu = (*self.rate_actions, self.act_favourite, None, self.act_tag, self.act_album, None,
                     self.act_export, self.act_clip)
        self.local_actions = (self.act_favourite,)
        self.controller: SearchController | None = None

    # ----- changes ----------------------------------------------------------------------------

    def _ids(self) -> list[int]:
        return list(dict.fromkeys(h.file.id for h in self.selected()))

    def _edit(self, done_text: str, **change) -> None:
        ids = self._ids()
        if not ids:
            return

        def done(report) -> None:
            for path, reason in report.problems:
                self.host.error.emit(reason if path in reason else f"{path}: {reason}")
            self.message.emit(done_text.format(report.changed))
            self.changed.emit()

        self.host.call(lambda lib: lib.manager.edit(ids, **change), done, pool="session")

    def rate(self, stars: int) -> None:
        self._edit(self.tr("Rated {0} file(s)") + (" " + "★" * stars if stars else ""), rating=stars or None)

    def toggle_favourite(self) -> None:
        ids = self._ids()
        if not ids:
            return

        def flip(lib):
            metas = lib.manager.store.metas(ids)
            return lib.manager.edit(ids, favourite=not all(m.favourite for m in metas.values()))

        def done(report) -> None:
            for path, reason in report.problems:
                self.host.error.emit(reason if path in reason else f"{path}: {reason}")
            self.message.emit(self.tr("Favourites changed: {0} file(s)").format(report.changed))
            self.changed.emit()

        self.host.call(flip, done, pool="session")

    def tag(self) -> None:
        if not self._ids():
            return
        text, ok = QInputDialog.getText(self.window, self.tr("Tag"),
                                        self.tr("Tags for the selection (comma between tags, / between levels,\n"
                                                "e.g. Places/Portugal/Lisbon, holiday; -tag removes one):"))
        if not ok or not text.strip():
            return
        words = [t.strip() for t in text.split(",") if t.strip()]
        add = [t for t in words if not t.startswith("-")]
        remove = [t[1:] for t in words if t.startswith("-")]
        self._edit(self.tr("Tagged {0} file(s)"), add_tags=add, remove_tags=remove)

    def add_to_album(self) -> None:
        ids = self._ids()
        if not ids:
            return
        name, ok = QInputDialog.getText(self.window, self.tr("Add to Album"),
                                        self.tr("Album (a new name makes a new album):"))
        if not ok or not name.strip():
            return

        def done(n: int) -> None:
            self.message.emit(self.tr("{0} added to {1}").format(n, name.strip()))
            self.changed.emit()

        self.host.call(lambda lib: lib.manager.add_to_album(name.strip(), ids), done, pool="session")

    def save_search(self) -> None:
        controller = self.controller
        request = controller.base_request if controller is not None else None
        if request is None or not request.text:
            self.message.emit(self.tr("Search for something first, then save it as a smart album"))
            return
        name, ok = QInputDialog.getText(self.window, self.tr("Smart Album"), self.tr("Name:"), text=request.text)
        if not ok or not name.strip():
            return
        filters = controller.filters

        def save(lib):
            from core.library import filters_to_json

            engine_filters = filters.to_filters() if filters.active else None
            saved = filters_to_json(engine_filters) if engine_filters is not None else {}
            return lib.manager.save_search(name.strip(), request.text, saved)

        self.host.call(save, lambda _a: self.changed.emit(), pool="session")

    def export(self) -> None:
        hits = self.selected()
        if not hits:
            return
        folder = QFileDialog.getExistingDirectory(self.window, self.tr("Export to Folder"))
        if not folder:
            return
        paths = list(dict.fromkeys(h.file.path for h in hits))

        def done(problems) -> None:
            for path, reason in problems:
                self.host.error.emit(f"{path}: not copied ({reason})")
            self.message.emit(self.tr("Copied {0} file(s) to {1}").format(len(paths) - len(problems), folder))

        def copy(_lib):
            from core.library import export_files

            return export_files(paths, folder)

        self.host.call(copy, done)

    def export_clip(self) -> None:
        hits = [h for h in self.selected() if h.file.kind == "video" and h.start_s is not None]
        if not hits:
            self.message.emit(self.tr("Select a video moment to save it as a clip"))
            return
        hit = hits[0]
        folder = QFileDialog.getExistingDirectory(self.window, self.tr("Save Moment as Clip"))
        if not folder:
            return
        start, end = hit.start_s, max(hit.end_s or hit.start_s, hit.start_s + 1.0)

        def cut(_lib):
            from core.library import cut_clip

            return cut_clip(hit.file.path, start, end, folder)

        self.host.call(cut, lambda path: self.message.emit(self.tr("Saved {0}").format(path)))


class ChipsBar(QWidget):
    """What the search text was understood to say ("July 2023", "place Lisbon"), each with a × that
    gives its words back to the search."""

    removed = Signal(str)  # the kind of part: "date", "place", "camera", "kind"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("chipsBar")
        self.lay = QHBoxLayout(self)
        self.lay.setContentsMargins(14, 0, 14, 4)
        self.lay.setSpacing(6)
        self.label = QLabel(self.tr("Understood:"), self)
        self.lay.addWidget(self.label)
        self.lay.addStretch(1)
        self.chips: list[QToolButton] = []
        self.setVisible(False)

    def show_parts(self, parts) -> None:
        for chip in self.chips:
            chip.deleteLater()
        self.chips = []
        for part in parts:
            text = part.label if part.kind == "date" else f"{part.kind} {part.label}"
            chip = QToolButton(self)
            chip.setObjectName("chip")
            chip.setText(f"{text}  ✕")
            chip.setToolTip(self.tr("From “{0}”; click to search for these words instead").format(part.words))
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.clicked.connect(lambda _=False, k=part.kind: self.removed.emit(k))
            self.lay.insertWidget(self.lay.count() - 1, chip)
            self.chips.append(chip)
        self.setVisible(bool(self.chips))


def install(window) -> ManageActions:
    """Add the side bar, the chips, and the managing actions (Item menu, grid keys) to the main window."""
    from desktop_app.pages.search.manage_panel import ManagePanel
    from desktop_app.widgets.actions import fill_menu

    actions = ManageActions(window.host, window.results_actions.selected_hits, window)
    actions.controller = window.controller
    panel = ManagePanel(window.main_page)
    window.manage_panel = panel
    window.splitter.insertWidget(0, panel)
    window.splitter.setStretchFactor(0, 0)
    window.splitter.setSizes([220, 700, 420])
    chips = ChipsBar(window.top_bar)
    window.chips = chips
    window.top_bar.layout().addWidget(chips)
    fill_menu(window.result_menu, (None, *actions.menu))
    for a in (*actions.rate_actions, actions.act_favourite, actions.act_tag, actions.act_album, actions.act_export):
        window.grid.addAction(a)
        window.preview.addAction(a)
    for a in actions.rate_actions:
        a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def refresh(*_args) -> None:
        def lists(lib):
            store = lib.manager.store
            return lib.manager.albums(), store.tags(), store.places()

        window.host.call(lists, lambda found: panel.set_contents(*found))

    def understood(request) -> None:
        if getattr(request, "understand", False):
            window.host.call(lambda lib: lib.understand(request.text, request.skip).parts, chips.show_parts)
        else:
            chips.show_parts(())

    def details(*_args) -> None:
        hit = window.results_actions.current_hit()
        if hit is None:
            panel.show_details(None)
            return
        fid = hit.file.id
        window.host.call(lambda lib: lib.manager.store.metas([fid])[fid], panel.show_details)

    window.grid.selectionModel().currentChanged.connect(details)
    actions.changed.connect(details)
    panel.filters_changed.connect(lambda fields: window.controller.set_side_filters(**fields))
    chips.removed.connect(window.controller.give_back)
    window.controller.finished.connect(understood)
    actions.message.connect(window.status_bar.showMessage)
    actions.changed.connect(refresh)
    actions.changed.connect(window.controller.rerun)
    window.host.opened.connect(refresh)
    window.host.status_changed.connect(refresh)
    return actions
