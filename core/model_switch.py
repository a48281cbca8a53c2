"""Changing a library's model without downtime.

A switch indexes the library's folders with the new model in the background,
through a second `Library` on the same folder (its own catalog connection, its
own vector index), while the library keeps answering with the old model. When
the new index is complete the library adopts the new model in one step; a
cancelled or failed switch leaves the old model in place (what the new model
had embedded stays in the catalog, so a later switch resumes from there).

    switch = ModelSwitch(library, model="ViT-B-16")
    report = switch.run(progress=..., control=...)   # blocking: run it on a worker
    switch.cancel()                                  # from any thread
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from core.errors import LibraryError

if TYPE_CHECKING:  # pragma: no cover
    from core.indexing.control import Control, IndexReport, ProgressCallback
    from core.library import Library


class ModelSwitch:
    """Re-index `library` with another model while it keeps answering; adopt the model when complete."""

    def __init__(self, library: Library, *, model: str | None = None,
                 weights: str | os.PathLike[str] | None = None, pretrained: str | None = None):
        from core.library import Library

        self.library = library
        self.target = Library(library.home, model=model, weights=weights, pretrained=pretrained,
                              device=library.device, options=dict(library.options))
        if self.target.choice == library.choice:
            self.target.close()
            raise LibraryError(f"the library already uses {library.choice.describe()}")
        self._control: Control | None = None
        self._lock = threading.Lock()
        self.adopted = False

    def run(self, progress: ProgressCallback | None = None, control: Control | None = None) -> IndexReport:
        """Index every library folder with the new model, then switch; returns the indexing report."""
        from core.indexing.control import Control

        with self._lock:
            self._control = control = control or Control()
        try:
            report = self.target.index(progress=progress, control=control, remember=False)
            if not report.cancelled and not control.cancelled:
                self.library.adopt_model(self.target)
                self.adopted = True
            return report
        finally:
            if not self.adopted:
                self.target.close()

    def cancel(self) -> None:
        """Stop the background indexing; the library keeps its current model."""
        with self._lock:
            if self._control is not None:
                self._control.cancel()
