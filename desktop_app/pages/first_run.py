"""The first-run page: choose folders to index, and get the model (download, or a local file).

Shown while the library has no folders. The model warms up in the background
as soon as the window is open: a new library's model is the one proposed for this
computer and language (`core.models.runtime.catalogue.propose`), downloaded from the catalogue
while the page shows its size, what it is good at, the progress and the time left. On a
machine without internet it says so and offers to load a file instead; a PyTorch weights
file picked in an installation without torch is refused with why and what to do.
"""

from __future__ import annotations

import re
import time

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


def _duration(seconds: float) -> str:
    """A download's time, as a person says it: "a few seconds", "about 3 min", "about 1 h 20 min"."""
    if seconds < 20:
        return QCoreApplication.translate("FirstRunPage", "a few seconds")
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return QCoreApplication.translate("FirstRunPage", "about %1 min").replace("%1", str(minutes))
    return QCoreApplication.translate("FirstRunPage", "about %1 h %2 min").replace(
        "%1", str(minutes // 60)).replace("%2", str(minutes % 60))


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
    download_requested = Signal()  # use the downloadable model proposed for this computer, not a file

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("firstRun")
        card = QFrame(self)
        card.setObjectName("card")
        card.setMaximumWidth(640)
        lay = QVBoxLayout(card)
        lay.setContentsMargins(32, 28, 32, 28)
        lay.setSpacing(10)
        lay.addLayout(self._welcome(card))
        lay.addSpacing(12)
        lay.addLayout(self._folders_step(card))
        lay.addSpacing(12)
        lay.addLayout(self._model_step(card))
        lay.addSpacing(16)
        lay.addLayout(self._start_row(card))

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

    def _welcome(self, card: QFrame) -> QHBoxLayout:
        """The logo beside the title and what MediaLens does."""
        logo = QLabel(card)
        logo.setPixmap(icon("medialens").pixmap(QSize(64, 64)))
        title = QLabel(self.tr("Welcome to MediaLens"), card)
        title.setObjectName("pageTitle")
        intro = QLabel(self.tr("Find anything in your photos and videos by describing it, or by showing a "
                               "picture like it. Everything stays on this computer."), card)
        intro.setWordWrap(True)
        intro.setObjectName("hint")
        head = QHBoxLayout()
        head.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(intro)
        head.addLayout(text, 1)
        return head

    def _folders_step(self, card: QFrame) -> QVBoxLayout:
        """Step 1: the folders to index, with Add and Remove."""
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
        step = QVBoxLayout()
        step.setSpacing(10)
        step.addWidget(folders_title)
        step.addWidget(self.folder_view)
        step.addLayout(folder_buttons)
        return step

    def _model_step(self, card: QFrame) -> QVBoxLayout:
        """Step 2: the model's state (loading, downloading, ready, failed) and the ways to provide one."""
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
        self.download_detail = QLabel(card)  # MB done, time left
        self.download_detail.setObjectName("hint")
        self.download_button = QPushButton(self.tr("Download a model instead"), card)
        self.download_button.setToolTip(self.tr("Forget the chosen file and download the model proposed for "
                                                "this computer"))
        self.download_button.clicked.connect(self.download_requested)
        self._download_started: tuple[float, float] | None = None  # (time, MB) of the first progress report
        self.weights_button = QPushButton(self.tr("Use a weights file…"), card)
        self.weights_button.setToolTip(self.tr("For computers without internet: pick a model file copied here"))
        self.weights_button.clicked.connect(self.choose_weights)
        self.picker_button = QPushButton(self.tr("Choose the model…"), card)
        self.picker_button.setToolTip(self.tr("Say which model the chosen file belongs to"))
        self.picker_button.clicked.connect(self.model_picker_requested)
        model_row = QHBoxLayout()
        model_row.addWidget(self.download_button)
        model_row.addWidget(self.weights_button)
        model_row.addWidget(self.picker_button)
        model_row.addStretch(1)
        step = QVBoxLayout()
        step.setSpacing(10)
        step.addWidget(model_title)
        step.addWidget(self.model_label)
        step.addWidget(self.model_progress)
        step.addWidget(self.download_detail)
        step.addWidget(self.model_detail)
        step.addLayout(model_row)
        return step

    def _start_row(self, card: QFrame) -> QHBoxLayout:
        self.start_button = QPushButton(self.tr("Start indexing"), card)
        self.start_button.setObjectName("primary")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(lambda: self.start_requested.emit(list(self.folders.folders)))
        start_row = QHBoxLayout()
        start_row.addStretch(1)
        start_row.addWidget(self.start_button)
        return start_row

    def add_folder(self, folder: str) -> None:
        self.folders.add(folder)

    def set_model_state(self, status: ModelStatus) -> None:
        state = status.state
        self.model_progress.setVisible(state in (ModelState.LOADING, ModelState.DOWNLOADING))
        self.download_detail.setVisible(state == ModelState.DOWNLOADING)
        # a file instead: while a download runs (someone who has the file need not wait), or when it failed
        self.weights_button.setVisible(state in (ModelState.FAILED, ModelState.DOWNLOADING))
        torch_weights = (state == ModelState.FAILED and "runs exported models only" in status.error
                         and status.weights.lower().endswith((".safetensors", ".bin", ".pt", ".pth")))
        self.download_button.setVisible(torch_weights)
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
            self._download_started = None
            self.download_detail.setText(self.tr("%1 on a 50 Mbit/s connection; you can add folders "
                                                 "meanwhile.").replace("%1", _duration(status.download_mb / 6.25)))
        elif state == ModelState.READY:
            self.model_label.setText(self.tr("✓ %1 is ready.").replace("%1", status.name))
        elif torch_weights:
            from pathlib import Path

            self.model_label.setText(self.tr("This file cannot be used by this installation of MediaLens."))
            detail = self.tr("%1 holds PyTorch weights, and this MediaLens runs exported models only (it was "
                             "installed without torch). Download a model instead, or export this file on a "
                             "computer with MediaLens's torch extra (medialens models export NAME --weights "
                             "FILE) and choose the exported folder's manifest.json here.").replace(
                                 "%1", Path(status.weights).name)
            self.model_detail.setToolTip(status.error)
        elif "could not be downloaded" in status.error or "cannot download" in status.error:
            self.model_label.setText(self.tr("%1 could not be downloaded.").replace("%1", status.name))
            detail = self.tr("This computer seems to be offline. Copy the model's weights file here (from a "
                             "computer with internet, %1 MB) and choose it below.").replace(
                                 "%1", str(status.download_mb or "a few hundred"))
            self.model_detail.setToolTip(status.error)
        elif "fit none of the known models" in status.error:
            self.model_label.setText(self.tr("This file is not one of the models MediaLens knows."))
            detail = self.tr("Choose the model it belongs to, or use another weights file.")
            self.model_detail.setToolTip(status.error)
        elif "runs exported models only" in status.error:  # a weights file in an install without torch
            self.model_label.setText(self.tr("%1 must be converted before this copy of MediaLens can use it.")
                                     .replace("%1", status.name or self.tr("The model")))
            command = re.search(r"`(medialens models export [^`]+)`", status.error)
            detail = self.tr("This copy runs models exported for MediaLens only; converting a weights file "
                             "needs torch. Where MediaLens's model tools are installed, run %1, then choose the "
                             "manifest.json it writes.").replace(
                                 "%1", command.group(1) if command else "medialens models export")
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
            scale = 10  # tenths of a MB: a small model moves the bar too
            self.model_progress.setRange(0, int(total_mb * scale))
            self.model_progress.setValue(int(min(done_mb, total_mb) * scale))
            done = self.tr("%1 of %2 MB").replace("%1", f"{done_mb:.0f}").replace("%2", f"{total_mb:.0f}")
            self.model_progress.setToolTip(done)
            now = time.monotonic()
            if self._download_started is None:
                self._download_started = (now, done_mb)
            start, first = self._download_started
            rate = (done_mb - first) / (now - start) if now - start > 1 else 0.0
            if rate > 0 and done_mb < total_mb:
                done += " · " + self.tr("%1 left").replace("%1", _duration((total_mb - done_mb) / rate))
            self.download_detail.setText(done)

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
