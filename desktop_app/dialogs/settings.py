"""Preferences: model, device, video sampling, thumbnail memory, library location.

Model, device and library changes reopen the library (the window keeps
working meanwhile); the frame rate applies to the next indexing run and the
thumbnail memory at once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.pages.first_run import model_source, weights_filter
from desktop_app.settings import DEVICES, Settings

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.workers.host import LibraryHost


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, host: LibraryHost, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.settings = settings
        self.host = host
        self._infos: dict = {}
        self._notes: dict[str, str] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.model = QComboBox(self)
        self.model.setAccessibleName(self.tr("Model"))
        # The registry's labels arrive after the dialog is shown: grow with them, never clip them.
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._current_model = settings.model or (host.library.choice.name if host.library is not None else None)
        self._current_home = str(host.library.home) if host.library is not None else None
        self._current_weights = settings.weights or (host.library.choice.weights if host.library is not None else None)
        self.model.addItem(self._current_model or self.tr("(as the library was indexed)"), self._current_model or "")
        self.model_note = QLabel(self)
        self.model_note.setWordWrap(True)
        self.model_note.setObjectName("hint")
        self.model.currentIndexChanged.connect(self._model_changed)
        form.addRow(self.tr("Model"), self.model)
        form.addRow("", self.model_note)
        self.form = form

        self.weights = QLineEdit(self._current_weights or "", self)
        self.weights.setPlaceholderText(self.tr("Downloaded automatically"))
        self.weights.setClearButtonEnabled(True)
        browse_weights = QPushButton(self.tr("Choose…"), self)
        browse_weights.clicked.connect(self._browse_weights)
        form.addRow(self.tr("Weights file"), _row(self.weights, browse_weights))

        self.device = QComboBox(self)
        names = {"auto": self.tr("Automatic (GPU when there is one)"), "cpu": self.tr("CPU"),
                 "cuda": self.tr("NVIDIA GPU (CUDA)"), "mps": self.tr("Apple GPU (Metal)")}
        for d in DEVICES:
            self.device.addItem(names[d], d)
        self.device.setCurrentIndex(max(0, self.device.findData(settings.device)))
        form.addRow(self.tr("Device"), self.device)

        self.fps = QDoubleSpinBox(self)
        self.fps.setRange(0.1, 30.0)
        self.fps.setSingleStep(0.5)
        self.fps.setDecimals(1)
        self.fps.setValue(settings.video_fps)
        self.fps.setSuffix(self.tr(" frames/s"))
        self.fps.setToolTip(self.tr("How many frames of each second of video are looked at when indexing"))
        form.addRow(self.tr("Video sampling"), self.fps)

        self._reads_text = bool(host.status and host.status.text.enabled)
        self.read_text = QCheckBox(self.tr("Read the words in photos and videos, so searches find them"), self)
        self.read_text.setChecked(self._reads_text)
        self.read_text.setToolTip(self.tr("Indexing takes several times longer; this library remembers the choice"))
        form.addRow(self.tr("Text in pictures"), self.read_text)

        self._hears_speech = bool(host.status and host.status.speech.enabled)
        self.hear_speech = QCheckBox(self.tr("Transcribe what is said in videos, so searches find it"), self)
        self.hear_speech.setChecked(self._hears_speech)
        self.hear_speech.setToolTip(self.tr("Indexing videos takes longer; this library remembers the choice"))
        form.addRow(self.tr("Speech in videos"), self.hear_speech)

        self.cache = QSpinBox(self)
        self.cache.setRange(16, 8192)
        self.cache.setSingleStep(64)
        self.cache.setValue(settings.thumbnail_cache_mb)
        self.cache.setSuffix(" MB")
        self.cache.setToolTip(self.tr("Memory for thumbnails in the results grid"))
        form.addRow(self.tr("Thumbnail memory"), self.cache)

        self.watch = QCheckBox(self.tr("Index new and changed files in the library folders as they appear"), self)
        self.watch.setChecked(settings.watch_folders)
        self.watch.setToolTip(self.tr("While the window is open, changes are indexed a few seconds after they settle"))
        form.addRow(self.tr("Watch folders"), self.watch)

        self.library = QLineEdit(settings.library or self._current_home or "", self)
        browse_library = QPushButton(self.tr("Choose…"), self)
        browse_library.clicked.connect(self._browse_library)
        form.addRow(self.tr("Library location"), _row(self.library, browse_library))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.resize(560, self.sizeHint().height())
        self._model_changed()
        self._load_models()

    def accept(self) -> None:
        """The library's own settings (reading text, hearing speech) are applied here; the rest by the caller."""
        text, speech = self.read_text.isChecked(), self.hear_speech.isChecked()
        if text != self._reads_text or speech != self._hears_speech:
            host = self.host
            turned_on = (text and not self._reads_text) or (speech and not self._hears_speech)

            def apply(lib) -> None:
                lib.reads_text(text)
                lib.hears_speech(speech)

            def done(_result) -> None:
                if turned_on and not host.indexing:
                    host.index()  # read the text of / hear what is already indexed
                host.refresh_status()

            host.call(apply, done)
        super().accept()

    def _load_models(self) -> None:
        """Fill the model list: the download catalogue, then the engine's registry (a worker: it imports open_clip)."""
        def done(found) -> None:
            infos, downloads = found
            chosen = self.model.currentData()
            self.model.blockSignals(True)
            self.model.clear()
            for entry in downloads:  # ONNX downloads: no torch needed
                self.model.addItem(f"{entry.name} — {entry.download_mb} MB", entry.name)
                self.model.setItemData(self.model.count() - 1, f"{entry.quality} ({entry.quality_source}). "
                                       f"{entry.notes}", Qt.ItemDataRole.ToolTipRole)
            for info in infos:
                spec = info.spec
                label = f"{spec.name} — {spec.download_mb} MB"
                if info.installed:
                    label += self.tr(" (installed)")
                self.model.addItem(label, spec.name)
                self.model.setItemData(self.model.count() - 1, f"{spec.quality}. {spec.notes}",
                                       Qt.ItemDataRole.ToolTipRole)
            if chosen and self.model.findData(chosen) < 0:  # a custom model, outside the registry
                self.model.insertItem(0, chosen, chosen)
            self.model.setCurrentIndex(max(0, self.model.findData(chosen)))
            self.model.blockSignals(False)
            self._infos = {i.spec.name: i for i in infos}
            self._notes = {e.name: f"{e.quality}. {e.notes}" for e in downloads}
            self._model_changed()

        self.host.call(lambda lib: (lib.models.known(), lib.models.downloads()), done)

    def _model_changed(self, *_args) -> None:
        info = self._infos.get(self.model.currentData())
        note = f"{info.spec.quality}. {info.spec.notes}" if info else self._notes.get(self.model.currentData(), "")
        self.model_note.setText(note)
        self.form.setRowVisible(self.model_note, bool(note))
        self._fit()

    def _fit(self) -> None:
        """Grow (never shrink) to show the model's label and its wrapped note in full."""
        self.layout().activate()
        hint = self.sizeHint()
        self.resize(max(self.width(), hint.width()), max(self.height(), hint.height()))

    def _browse_weights(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a model weights file"), "",
                                              weights_filter())
        if path:
            self.weights.setText(model_source(path))

    def _browse_library(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose where the library is kept"),
                                                  self.library.text())
        if folder:
            self.library.setText(folder)

    def result_settings(self) -> Settings:
        """The settings as edited (the caller decides what needs a reopen).

        Fields shown with what is in use now (the library's model and folder) stay unset
        unless the user changed them, so "as before" keeps following the library.
        """
        model = self.model.currentData() or None
        library = self.library.text().strip() or None
        weights = self.weights.text().strip() or None
        return replace(self.settings,
                       model=self.settings.model if model == self._current_model else model,
                       weights=self.settings.weights if weights == self._current_weights else weights,
                       device=self.device.currentData(),
                       video_fps=round(self.fps.value(), 1), thumbnail_cache_mb=self.cache.value(),
                       watch_folders=self.watch.isChecked(),
                       library=self.settings.library if library == self._current_home else library)


def _row(*widgets: QWidget) -> QWidget:
    w = QWidget()
    lay = QHBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    for x in widgets:
        lay.addWidget(x, 1 if isinstance(x, QLineEdit) else 0)
    return w
