"""The first-run page: choose folders to index, and get the model (download, or a local file).

Shown while the library has no folders. The model warms up in the background
as soon as the window is open, so the page can show its download progress, or,
on a machine without internet, say so and offer to load a weights file.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.widgets.folder_list import FolderListModel
from desktop_app.widgets.icons import icon
from desktop_app.workers.host import ModelState, ModelStatus


def weights_filter() -> str:
    """The file-dialog filter for model weights (shared with the settings dialog)."""
    return QCoreApplication.translate(
        "FirstRunPage", "Model files (*.safetensors *.bin *.pt *.pth manifest.json *.onnx);;All files (*)")


def model_source(path: str) -> str:
    """What to load for a picked file: an exported model's folder when the file is one of its parts."""
    from pathlib import Path

    p = Path(path)
    if (p.name == "manifest.json" or p.suffix == ".onnx") and (p.parent / "manifest.json").is_file():
        return str(p.parent)
    return path


class FirstRunPage(QWidget):
    start_requested = Signal(list)  # folders to add and index
    weights_chosen = Signal(str)
    model_picker_requested = Signal()  # a chosen file fits no known model: which one is it?

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("firstRun")
        card = QFrame(self)
        card.setObjectName("card")
        card.setMaximumWidth(640)

        logo = QLabel(card)
        logo.setPixmap(icon("medialens").pixmap(QSize(64, 64)))
        title = QLabel(self.tr("Welcome to MediaLens"), card)
        title.setObjectName("pageTitle")
        intro = QLabel(self.tr("Find anything in your photos and videos by describing it, or by showing a "
                               "picture like it. Everything stays on this computer."), card)
        intro.setWordWrap(True)
        intro.setObjectName("hint")

        folders_title = QLabel(self.tr("1. Choose the folders with your photos and videos"), card)
        folders_title.setObjectName("sectionTitle")
        self.folders = FolderListModel(self)
        self.folder_view = QListView(card)
        self.folder_view.setModel(self.folders)
        self.folder_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.folder_view.setMinimumHeight(96)
        self.folder_view.setMaximumHeight(150)
        self.folder_view.setAccessibleName(self.tr("Folders to index"))
        self.add_button = QPushButton(icon("folder-add"), self.tr("Add folder…"), card)
        self.remove_button = QPushButton(icon("remove"), self.tr("Remove"), card)
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        folder_buttons = QHBoxLayout()
        folder_buttons.addWidget(self.add_button)
        folder_buttons.addWidget(self.remove_button)
        folder_buttons.addStretch(1)

        model_title = QLabel(self.tr("2. The model that looks at your pictures"), card)
        model_title.setObjectName("sectionTitle")
        self.model_label = QLabel(card)
        self.model_label.setWordWrap(True)
        self.model_detail = QLabel(card)
        self.model_detail.setWordWrap(True)
        self.model_detail.setObjectName("hint")
        self.model_progress = QProgressBar(card)
        self.model_progress.setFixedHeight(8)
        self.model_progress.setTextVisible(False)
        self.model_progress.setRange(0, 0)
        self.weights_button = QPushButton(self.tr("Use a weights file…"), card)
        self.weights_button.setToolTip(self.tr("For computers without internet: pick a model file copied here"))
        self.weights_button.clicked.connect(self.choose_weights)
        self.picker_button = QPushButton(self.tr("Choose the model…"), card)
        self.picker_button.setToolTip(self.tr("Say which model the chosen file belongs to"))
        self.picker_button.clicked.connect(self.model_picker_requested)
        model_row = QHBoxLayout()
        model_row.addWidget(self.weights_button)
        model_row.addWidget(self.picker_button)
        model_row.addStretch(1)

        self.start_button = QPushButton(self.tr("Start indexing"), card)
        self.start_button.setObjectName("primary")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(lambda: self.start_requested.emit(list(self.folders.folders)))
        start_row = QHBoxLayout()
        start_row.addStretch(1)
        start_row.addWidget(self.start_button)

        lay = QVBoxLayout(card)
        lay.setContentsMargins(32, 28, 32, 28)
        lay.setSpacing(10)
        head = QHBoxLayout()
        head.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(intro)
        head.addLayout(text, 1)
        lay.addLayout(head)
        lay.addSpacing(12)
        lay.addWidget(folders_title)
        lay.addWidget(self.folder_view)
        lay.addLayout(folder_buttons)
        lay.addSpacing(12)
        lay.addWidget(model_title)
        lay.addWidget(self.model_label)
        lay.addWidget(self.model_progress)
        lay.addWidget(self.model_detail)
        lay.addLayout(model_row)
        lay.addSpacing(16)
        lay.addLayout(start_row)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(card, 4)
        centre.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(2)
        self.folders.rowsInserted.connect(self._update)
        self.folders.rowsRemoved.connect(self._update)
        self.folders.modelReset.connect(self._update)
        self.folder_view.selectionModel().selectionChanged.connect(self._update)
        self.model_ok = True
        self.set_model_state(ModelStatus(ModelState.LOADING, ""))
        self._update()

    def add_folder(self, folder: str) -> None:
        self.folders.add(folder)

    def set_model_state(self, status: ModelStatus) -> None:
        state = status.state
        self.model_progress.setVisible(state in (ModelState.LOADING, ModelState.DOWNLOADING))
        self.weights_button.setVisible(state == ModelState.FAILED)
        self.picker_button.setVisible(state == ModelState.FAILED and "fit none of the known models" in status.error)
        self.model_detail.setToolTip("")
        self.model_ok = state != ModelState.FAILED
        detail = status.notes
        if state == ModelState.LOADING:
            self.model_progress.setRange(0, 0)
            self.model_label.setText(self.tr("Preparing %1…").replace("%1", status.name) if status.name else
                                     self.tr("Preparing the model…"))
        elif state == ModelState.DOWNLOADING:
            self.model_progress.setRange(0, 0)
            self.model_label.setText(self.tr("Downloading %1 (%2 MB, once)…").replace("%1", status.name)
                                     .replace("%2", str(status.download_mb)))
        elif state == ModelState.READY:
            self.model_label.setText(self.tr("✓ %1 is ready.").replace("%1", status.name))
        elif "could not be downloaded" in status.error:
            self.model_label.setText(self.tr("%1 could not be downloaded.").replace("%1", status.name))
            detail = self.tr("This computer seems to be offline. Copy the model's weights file here (from a "
                             "computer with internet, %1 MB) and choose it below.").replace(
                                 "%1", str(status.download_mb or "a few hundred"))
            self.model_detail.setToolTip(status.error)
        elif "fit none of the known models" in status.error:
            self.model_label.setText(self.tr("This file is not one of the models MediaLens knows."))
            detail = self.tr("Choose the model it belongs to, or use another weights file.")
            self.model_detail.setToolTip(status.error)
        elif "no ONNX export" in status.error:
            self.model_label.setText(self.tr("%1 is not on this computer yet.")
                                     .replace("%1", status.name or self.tr("The model")))
            detail = self.tr("Use a weights file: pick the manifest.json of a model exported for MediaLens "
                             "(medialens models export), copied here from another computer.")
            self.model_detail.setToolTip(status.error)
        else:
            self.model_label.setText(self.tr("The model cannot be used."))
            detail = status.error
        self.model_detail.setText(detail)
        self.model_detail.setVisible(bool(detail))
        self._update()

    def set_download(self, done_mb: float, total_mb: float) -> None:
        if total_mb > 0:
            self.model_progress.setRange(0, int(total_mb))
            self.model_progress.setValue(int(min(done_mb, total_mb)))
            self.model_progress.setToolTip(self.tr("%1 of %2 MB").replace("%1", f"{done_mb:.0f}")
                                           .replace("%2", f"{total_mb:.0f}"))

    def _update(self, *_args) -> None:
        self.remove_button.setEnabled(self.folder_view.selectionModel().hasSelection())
        self.start_button.setEnabled(bool(self.folders.folders) and self.model_ok)
        self.start_button.setToolTip("" if self.model_ok else self.tr("Indexing needs the model: choose its weights "
                                                                       "file first"))

    def _add(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a folder to index"))
        if folder:
            self.add_folder(folder)

    def _remove(self) -> None:
        rows = self.folder_view.selectionModel().selectedRows()
        if rows:
            self.folders.remove(rows[0].row())

    def choose_weights(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a model weights file"), "",
                                              weights_filter())
        if path:
            self.weights_chosen.emit(model_source(path))
