"""Start MediaLens as `medialens gui` does and report, as one JSON line, what happened at first paint.

Run as a script (a fresh interpreter, so no other test's imports count):
    python -m tests.desktop.startup_probe LIBRARY_DIR
It prints the wall-clock time of the window's first paint, whether torch (or
open_clip) was already imported then, and when the library finished opening;
then it closes the window the normal way. Used by the start-up test and by
the benchmark in tests/bench/gui.py.
"""

from __future__ import annotations

import json
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


class FirstPaint(QObject):
    """Notes the first paint of anything inside a main window."""

    def __init__(self) -> None:
        super().__init__()
        self.report: dict = {}
        self.window: QMainWindow | None = None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if not self.report and event.type() == QEvent.Type.Paint and obj.isWidgetType() \
                and isinstance(obj.window(), QMainWindow):
            self.report = {"first_paint": time.time(), "torch": "torch" in sys.modules,
                           "open_clip": "open_clip" in sys.modules}
            self.window = obj.window()
            self.window.host.opened.connect(self.opened)
            self.window.host.open_failed.connect(self.opened)
            QTimer.singleShot(30_000, self.finish)
        return False

    def opened(self, *_args) -> None:
        self.report["opened"] = time.time()
        QTimer.singleShot(0, self.finish)

    def finish(self) -> None:
        print(json.dumps(self.report), flush=True)
        if self.window is not None:
            self.window.close()
        QApplication.quit()


def main() -> int:
    app = QApplication(sys.argv[:1])
    probe = FirstPaint()
    app.installEventFilter(probe)
    from desktop_app.launcher import main as medialens

    return medialens(["gui", "--library", sys.argv[1]])


if __name__ == "__main__":
    sys.exit(main())
