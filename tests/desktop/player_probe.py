"""Open a video with sound in the embedded player, play it, stop it, three times; print "done".

Run under gdb by tests/desktop/test_soak.py, which counts the GIL requests
made by threads other than the main one (QtMultimedia's) while it runs:
    python -m tests.desktop.player_probe VIDEO
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def main() -> int:
    app = QApplication(sys.argv[:1])
    from desktop_app.pages.search.player import VideoPlayer

    player = VideoPlayer()
    player.resize(400, 300)
    player.show()
    steps = iter(range(6))

    def step() -> None:
        n = next(steps, None)
        if n is None:
            app.quit()
            return
        if n % 2 == 0:
            player.open_at(sys.argv[1], 1.0, [])
            player.player.play()
        else:
            player.stop()  # the QFFmpeg threads now tear their renderers down
        QTimer.singleShot(800, step)

    QTimer.singleShot(100, step)
    app.exec()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
