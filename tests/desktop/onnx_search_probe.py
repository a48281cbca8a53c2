"""Search from the window over an exported model, in a fresh process; report which runtime answered.

    python -m tests.desktop.onnx_search_probe LIBRARY_DIR EXPORT_FOLDER QUERY

Opens the window on the library with the export as its weights (as a user of a torch-free
install does), waits for the model, types the query and presses Enter; when the first page is
in the grid it prints one JSON line: the rows shown, the encoder's runtime and whether torch,
open_clip or torchvision were ever imported; then it closes the window.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def main() -> int:
    from desktop_app.compat import protect_singletons
    from desktop_app.main_window import MainWindow
    from desktop_app.settings import Settings
    from desktop_app.workers.host import LibraryConfig

    home, export, query = sys.argv[1:4]
    app = QApplication(sys.argv[:1])
    protect_singletons()
    w = MainWindow(LibraryConfig(home=home, weights=export, device="cpu", options={}), Settings(), None)
    report: dict = {}

    def finished(_query) -> None:
        report.update(rows=w.model.rowCount(), runtime=w.host.library.models.encoder.runtime,
                      **{m: m in sys.modules for m in ("torch", "open_clip", "torchvision")})
        print(json.dumps(report), flush=True)
        w.close()
        app.quit()

    def ask_when_ready() -> None:
        if not w.host.model_ready:
            QTimer.singleShot(50, ask_when_ready)
            return
        w.search_bar.field.setText(query)
        w.search_bar.field.returnPressed.emit()

    w.controller.finished.connect(finished)
    w.host.opened.connect(lambda *_: ask_when_ready())
    w.resize(1000, 700)
    w.show()
    QTimer.singleShot(60_000, app.quit)
    app.exec()
    return 0 if report else 1


if __name__ == "__main__":
    sys.exit(main())
