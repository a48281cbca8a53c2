"""Start-up of the MediaLens window."""

from __future__ import annotations

import sys


def run(library: str | None = None, model: str | None = None, weights: str | None = None,
        device: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(sys.argv)
    label = QLabel("MediaLens")
    label.show()
    return app.exec()
