"""The window's bottom line: what the library holds, indexing, files that failed, and the model.

Left, the library's size ("1,204 photos · 12 videos"); right, indexing progress
with pause and stop (`IndexStatus`), a button to the files that could not be
read (shown only when there are some) and the model in use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from desktop_app.widgets.actions import action_button
from desktop_app.widgets.indexing import IndexStatus
from desktop_app.workers.host import ModelState, ModelStatus

if TYPE_CHECKING:  # pragma: no cover
    from core.library import LibraryStatus


class LibraryStatusBar(QStatusBar):
    """Summary, indexing, failures (`failures` action: its text becomes the count) and model."""

    def __init__(self, failures: QAction, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.failures = failures
        self.summary = QLabel(self)
        self.index_status = IndexStatus(self)
        self.failures_button = action_button(self, failures, text_beside=True)
        self.failures_button.setVisible(False)
        self.model_label = QLabel(self)
        self.model_label.setObjectName("hint")
        self.addWidget(self.summary)
        self.addPermanentWidget(self.index_status)
        self.addPermanentWidget(self.failures_button)
        self.addPermanentWidget(self.model_label)

    def show_status(self, status: LibraryStatus, indexing: bool) -> None:
        """The library's status (`Library.status()`); files waiting are only counted while nothing indexes."""
        photos, videos = status.images, status.videos
        parts = [self.tr("%n photo(s)", "", photos)]
        if videos:
            parts.append(self.tr("%n video(s)", "", videos))
        if status.pending and not indexing:
            parts.append(self.tr("%n waiting", "", status.pending))
        rebuild = status.rebuild
        if rebuild is not None:  # the search index is being rebuilt; searches are exact meanwhile
            pct = 100 * rebuild.done // max(1, rebuild.total)
            parts.append(self.tr("search index rebuilding: %1%").replace("%1", str(pct)))
        self.summary.setText(" · ".join(parts))
        failed = len(status.failures)
        self.failures_button.setVisible(failed > 0)
        self.failures.setText(self.tr("%n failed", "", failed))
        self.failures.setEnabled(failed > 0)

    def show_model(self, status: ModelStatus) -> None:
        label = self.model_label
        if status.state == ModelState.READY:
            label.setText(f"{status.name} · {status.device}")
            label.setToolTip(status.notes or self.tr("The model that reads your pictures and searches"))
        elif status.state == ModelState.FAILED:
            label.setText(self.tr("Model not available"))
            label.setToolTip(status.error)
        elif status.state == ModelState.DOWNLOADING:
            label.setText(self.tr("Downloading the model…"))
        else:
            label.setText(self.tr("Loading the model…"))
