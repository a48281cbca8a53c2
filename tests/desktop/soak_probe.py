"""Drive the window for a while as a restless user would, and die loudly if its event loop stalls.

Run as a script (its own interpreter, so a frozen window cannot hang the test run):
    python -m tests.desktop.soak_probe LIBRARY_DIR MEDIA_DIR WEIGHTS --seconds 60 --stall 2
It indexes MEDIA_DIR into a fresh library through the first-run page, then
until the time is up: searches, selects video results (with sound) and plays
them, selects another, clears the search (the results model resets, which
stops the player), searches again. The last line it prints is a JSON report.

The watchdog is `faulthandler.dump_traceback_later`, re-armed by a 100 ms
QTimer heartbeat: its thread is C, so it still fires when the main thread is
stuck in C++ holding the GIL (the freeze of issue 25: a Python watchdog
thread would have waited for the GIL with everybody else). On a stall longer
than `--stall` seconds it prints every thread's Python stack and exits 1.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import random
import sys
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

QUERIES = ("a street with people walking", "cars on a road", "a white bird", "a red square", "people", "a tree")


class Soak(QObject):
    """The user's actions as a chain of timers; each step schedules the next."""

    def __init__(self, window, media: str, seconds: float, stall_s: float, seed: int) -> None:
        super().__init__()
        self.w = window
        self.media = media
        self.stall_s = stall_s
        self.rng = random.Random(seed)
        self.deadline = 0.0
        self.seconds = seconds
        self.report = {"searches": 0, "videos_opened": 0, "clears": 0, "plays": 0, "max_gap_s": 0.0}
        self.began = self.last_beat = time.monotonic()
        self.searching = False
        self.heartbeat = QTimer(self)
        self.heartbeat.setInterval(100)
        self.heartbeat.timeout.connect(self.beat)

    def beat(self) -> None:
        now = time.monotonic()
        gap = "max_gap_s" if self.deadline else "max_gap_indexing_s"
        self.report[gap] = max(self.report.get(gap, 0.0), round(now - self.last_beat, 3))
        self.last_beat = now
        # Indexing's first model load imports torch on a worker, which holds the GIL for seconds at a time on
        # a loaded machine; that start-up cost is reported, not judged here.
        faulthandler.dump_traceback_later(self.stall_s if self.deadline else max(self.stall_s, 30.0), exit=True)
        if self.deadline and now > self.deadline + 20:  # a step that never came back: report, do not hang
            self.report["stuck"] = True
            self.finish()

    def start(self) -> None:
        self.report["opened_s"] = round(time.monotonic() - self.began, 1)
        self.last_beat = time.monotonic()
        self.heartbeat.start()
        self.beat()
        self.w.host.indexing_finished.connect(self.indexed)
        self.w.first_run.add_folder(self.media)
        self.w.first_run.start_button.click()

    def indexed(self, report) -> None:
        self.report["indexed"] = getattr(report, "indexed", None)
        self.report["indexed_s"] = round(time.monotonic() - self.began, 1)
        print(f"indexed {self.report['indexed']} files after {self.report['indexed_s']} s; soaking", file=sys.stderr,
              flush=True)
        self.w.controller.finished.connect(self.results_shown)
        self.deadline = time.monotonic() + self.seconds
        QTimer.singleShot(200, self.search)

    def later(self, step, low_ms: int = 50, high_ms: int = 900) -> None:
        if time.monotonic() > self.deadline:
            QTimer.singleShot(0, self.finish)
        else:
            QTimer.singleShot(self.rng.randint(low_ms, high_ms), step)

    def search(self) -> None:
        field = self.w.search_bar.field
        field.setFocus()
        field.setText(self.rng.choice(QUERIES))
        self.report["searches"] += 1
        self.searching = True
        QTest.keyClick(field, Qt.Key.Key_Return)  # the results arrive in results_shown

    def results_shown(self) -> None:
        """A search's first page (the browse page a clear brings does not drive the chain)."""
        if self.searching:
            self.searching = False
            self.later(self.select_video, 0, 300)

    def select_video(self) -> None:
        rows = [i for i, h in enumerate(self.w.model.hits) if h.file.kind == "video"]
        if rows:
            self.w.grid.setCurrentIndex(self.w.model.index(self.rng.choice(rows)))
            self.report["videos_opened"] += 1
            player = self.w.preview.player
            if player is not None and self.rng.random() < 0.6:
                self.later(lambda: self.play(player), 100, 700)
                return
        self.later(self.next_action)

    def play(self, player) -> None:
        player.toggle_play()
        self.report["plays"] += 1
        self.later(self.next_action, 200, 1500)

    def next_action(self) -> None:
        roll = self.rng.random()
        if roll < 0.35:
            self.select_video()
        elif roll < 0.75:
            self.clear()
        else:
            self.search()

    def clear(self) -> None:
        """Escape empties the field; the library's browse page replaces the results (a model reset)."""
        field = self.w.search_bar.field
        field.setFocus()
        field.clear()
        self.report["clears"] += 1
        self.later(self.search, 100, 900)

    def finish(self) -> None:
        if not self.heartbeat.isActive():
            return
        faulthandler.cancel_dump_traceback_later()
        self.heartbeat.stop()
        print(json.dumps(self.report), flush=True)
        self.w.close()
        QApplication.quit()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("home")
    parser.add_argument("media")
    parser.add_argument("weights")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--stall", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    # The first model load imports torch on a worker, and torch's C extension holds the GIL while it
    # initialises: the event loop stood still 1.3-2.5 s on a quiet machine, over 30 s at load 25. That
    # start-up cost is not what this soak judges, so the model stack is imported before the window opens.
    import open_clip  # noqa: F401

    app = QApplication(sys.argv[:1])
    from desktop_app.compat import protect_singletons
    from desktop_app.main_window import MainWindow
    from desktop_app.paths import resources_dir
    from desktop_app.settings import Settings
    from desktop_app.widgets.icons import set_icon_folder
    from desktop_app.workers.host import LibraryConfig

    protect_singletons()
    set_icon_folder(resources_dir() / "icons")
    config = LibraryConfig(home=args.home, model="MediaLens-Tiny", weights=args.weights, device="cpu",
                           options={"fps": 1.0}, watch=False)
    window = MainWindow(config, Settings(), Path(args.home) / "settings.json")
    window.resize(1200, 800)
    soak = Soak(window, args.media, args.seconds, args.stall, args.seed)
    window.host.opened.connect(lambda *_: QTimer.singleShot(0, soak.start))
    window.show()
    faulthandler.dump_traceback_later(120, exit=True)  # opening the library and indexing: generous
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
