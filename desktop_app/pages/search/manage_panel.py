"""The side bar: albums (smart albums among them), tags, rating, favourites, and a Places page (countries,
then their cities, with how many photos each).

Choosing an entry narrows whatever is shown (a search, look-alikes, the library itself) with the
matching filter; choosing it again, or "All", clears it. What it lists is read on a worker
(`LibraryHost.call`) whenever the library changes or the user rates, tags or files something.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.widgets.icons import icon

ROLE = Qt.ItemDataRole.UserRole  # (field, value) of the filter an entry stands for


class ManagePanel(QWidget):
    """Albums, tags, rating and favourites on one page, places on another."""

    filters_changed = Signal(dict)  # the side bar's FilterState fields

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("managePanel")
        self.setMinimumWidth(190)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)

        library = QWidget(self.tabs)
        lay = QVBoxLayout(library)
        lay.setContentsMargins(6, 6, 6, 6)
        row = QHBoxLayout()
        self.rating = QComboBox(library)
        self.rating.setAccessibleName(self.tr("Rating"))
        self.rating.addItem(self.tr("Any rating"), None)
        for n in range(1, 6):
            self.rating.addItem("★" * n + self.tr(" or more"), n)
        self.rating.currentIndexChanged.connect(self._emit)
        row.addWidget(self.rating, 1)
        self.favourites = QCheckBox(self.tr("Favourites"), library)
        self.favourites.setIcon(icon("relevant"))
        self.favourites.toggled.connect(self._emit)
        row.addWidget(self.favourites)
        lay.addLayout(row)
        self.tree = QTreeWidget(library)
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName(self.tr("Albums and tags"))
        self.tree.itemClicked.connect(self._clicked)
        lay.addWidget(self.tree, 1)
        self.tabs.addTab(library, self.tr("Library"))

        self.places = QTreeWidget(self.tabs)
        self.places.setHeaderLabels([self.tr("Place"), self.tr("Photos")])
        self.places.setAccessibleName(self.tr("Places"))
        self.places.itemClicked.connect(self._clicked)
        self.tabs.addTab(self.places, self.tr("Places"))

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.tabs, 1)
        self.details = QLabel(self)
        self.details.setObjectName("manageDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setContentsMargins(8, 4, 8, 8)
        outer.addWidget(self.details)
        self._chosen: tuple[str, str] | None = None  # the album, tag or place chosen, as (field, value)
        self._fill_empty()

    # ----- contents ---------------------------------------------------------------------------

    def _fill_empty(self) -> None:
        self.set_contents([], [], [])

    def set_contents(self, albums: list, tags: list[tuple[str, int]], places: list[tuple[str, str, int]]) -> None:
        """Show what the library holds: `AlbumRecord`s, (tag path, files), (country, city, files)."""
        self.tree.clear()
        top = QTreeWidgetItem(self.tree, [self.tr("All photos and videos")])
        top.setData(0, ROLE, None)
        top.setIcon(0, icon("photo"))
        album_root = QTreeWidgetItem(self.tree, [self.tr("Albums")])
        album_root.setFlags(Qt.ItemFlag.ItemIsEnabled)
        for a in albums:
            label = f"{a.name}  ({a.count})" if not a.smart else f"{a.name}  ✦"
            item = QTreeWidgetItem(album_root, [label])
            item.setData(0, ROLE, ("album", a.name))
            item.setToolTip(0, self.tr("Smart album: {0}").format(a.query or a.filters) if a.smart else a.name)
        if not albums:
            hint = QTreeWidgetItem(album_root, [self.tr("(none yet: select files, then Item ▸ Add to Album)")])
            hint.setDisabled(True)
        tag_root = QTreeWidgetItem(self.tree, [self.tr("Tags")])
        tag_root.setFlags(Qt.ItemFlag.ItemIsEnabled)
        nodes: dict[str, QTreeWidgetItem] = {}
        for path, n in tags:
            parent = tag_root
            parts = path.split("/")
            for depth in range(len(parts)):
                key = "/".join(parts[:depth + 1])
                if key not in nodes:
                    nodes[key] = QTreeWidgetItem(parent, [parts[depth]])
                    nodes[key].setData(0, ROLE, ("tag", key))
                parent = nodes[key]
            parent.setText(0, f"{parts[-1]}  ({n})")
        if not tags:
            QTreeWidgetItem(tag_root, [self.tr("(none yet: Ctrl+T tags the selection)")]).setDisabled(True)
        self.tree.expandAll()

        self.places.clear()
        countries: dict[str, QTreeWidgetItem] = {}
        totals: dict[str, int] = {}
        for country, city, n in places:
            if country not in countries:
                countries[country] = QTreeWidgetItem(self.places, [country, ""])
                countries[country].setData(0, ROLE, ("place", country))
            totals[country] = totals.get(country, 0) + n
            item = QTreeWidgetItem(countries[country], [city or self.tr("(elsewhere)"), str(n)])
            item.setData(0, ROLE, ("place", city or country))
        for country, item in countries.items():
            item.setText(1, str(totals[country]))
        self.places.sortItems(1, Qt.SortOrder.DescendingOrder)
        self.places.expandAll()
        self.places.resizeColumnToContents(0)
        if not places:
            QTreeWidgetItem(self.places, [self.tr("No places yet: photos with a GPS position get one"), ""])

    def show_details(self, meta) -> None:
        """What was set on the current result (`FileMetaRecord`), under the lists; None: nothing current."""
        if meta is None:
            self.details.clear()
            return
        lines = [("★" * meta.rating + "☆" * (5 - meta.rating)) if meta.rating else self.tr("Not rated")]
        if meta.favourite:
            lines[0] += "  ·  " + self.tr("Favourite")
        if meta.place:
            lines.append(meta.place)
        if meta.lens:
            lines.append(meta.lens)
        if meta.tags:
            lines.append(", ".join(meta.tags))
        if meta.sidecar_error:
            lines.append("⚠ " + meta.sidecar_error)
        self.details.setText("\n".join(lines))

    # ----- choosing ---------------------------------------------------------------------------

    def _clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        chosen = item.data(0, ROLE)
        if not chosen and item.treeWidget() is not self.tree:
            return
        self._chosen = None if chosen == self._chosen or not chosen else tuple(chosen)
        self._emit()

    def fields(self) -> dict:
        field, value = self._chosen if self._chosen else (None, None)
        return {"album": value if field == "album" else None, "tag": value if field == "tag" else None,
                "place": value if field == "place" else None, "min_rating": self.rating.currentData(),
                "favourite": self.favourites.isChecked()}

    def _emit(self, *_args) -> None:
        self.filters_changed.emit(self.fields())
