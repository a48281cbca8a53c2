"""The window's responsiveness: cold start to first paint, event-loop stalls while indexing, a 100k-result grid.

    python tests/bench/gui.py [--n 1000] [--model ViT-B-32] [--weights PATH] [--starts 5] [--results 100000]
                              [--browse 100000] [--only browse]

1. **Cold start**: `medialens gui` in a fresh interpreter (offscreen platform), `--starts`
   times; the wall time from launching the process to the window's first paint, and
   whether torch was imported by then (it must not be), then to the library being open.
2. **Stalls while indexing**: a window indexes `--n` photos (the shared COCO JPEGs,
   copied until there are N) with the model's random weights while a 5 ms heartbeat
   timer measures the event loop; meanwhile the "user" searches every 2 s and scrolls the
   grid. Reports the longest gap between heartbeats (target: under 100 ms) and the p99.
3. **Big grid**: `--results` results in the model, then scrolling a page at a time with
   a forced repaint each step while thumbnails stream in: reset time and per-step paint time.
4. **Browsing the library** (`--browse` files, no query): a catalog of that many indexed
   files (tests/bench/browse.py builds it), a window opened on it: time from showing the
   window to the library's first page in the grid, then scrolling a page at a time with
   a forced repaint (rows are read by id as the grid paints them; tests/bench/gui_scale.py scrolls to the end)
   and a jump to the end. `--only browse` runs this section alone (the catalog build
   takes about 2.5 minutes at 100k on a loaded 2-core machine).

Run it when the machine is otherwise idle; the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, Timer, machine, random_weights
from index_speed import make_photos

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def cold_start(library: Path, runs: int, env: dict) -> None:
    firsts, opened = [], []
    for _ in range(runs):
        t0 = time.time()
        out = subprocess.run([sys.executable, "-m", "tests.desktop.startup_probe", str(library)], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=300)
        report = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("{")))
        if report["torch"]:
            raise SystemExit("torch was imported before the first paint")
        firsts.append(report["first_paint"] - t0)
        opened.append(report["opened"] - t0)
    print(f"| cold start → first paint (torch not loaded) | median {statistics.median(firsts) * 1000:.0f} ms, "
          f"best {min(firsts) * 1000:.0f} ms ({runs} runs) |")
    print(f"| cold start → library open | median {statistics.median(opened) * 1000:.0f} ms |")


class GcPauses:
    """Garbage-collector pauses (they stop every thread, the GUI's included)."""

    def __init__(self) -> None:
        import gc

        self.pauses: list[tuple[int, float]] = []
        self._t0 = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._t0))

    def longest(self) -> str:
        if not self.pauses:
            return "none"
        gen, s = max(self.pauses, key=lambda p: p[1])
        return f"{s * 1000:.0f} ms (generation {gen}; {len(self.pauses)} collections)"


class Heartbeat:
    """A 5 ms precise timer; the gaps between its ticks are how long the event loop was busy."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gaps: list[float] = []
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.last = now


def wait(condition, timeout: float) -> None:
    """Run the event loop until `condition()` holds (at least one pass)."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.monotonic() + timeout
    while True:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        if condition():
            return
        if time.monotonic() > end:
            raise TimeoutError
        time.sleep(0.002)


def indexing_stalls(window, photos: Path) -> None:
    from PySide6.QtCore import QTimer

    beat = Heartbeat()
    gc_pauses = GcPauses()
    queries = iter(["people on a beach", "a cat", "a kitchen", "food on a plate", "a street at night",
                    "a dog", "a train", "snow", "a bedroom", "sports"] * 100)

    def act() -> None:  # what a user does meanwhile: search, then scroll the results
        window.controller.search(next(queries))
        bar = window.grid.verticalScrollBar()
        QTimer.singleShot(900, lambda: bar.setValue(min(bar.maximum(), bar.value() + 3 * bar.pageStep())))

    user = QTimer()
    user.setInterval(2000)
    user.timeout.connect(act)
    done: list = []
    window.host.indexing_finished.connect(done.append)
    with Timer() as t:
        beat.start()
        user.start()
        window.host.index([str(photos)])
        wait(lambda: bool(done), 3600)
        beat.stop()
        user.stop()
    report = done[0]
    gaps = sorted(beat.gaps)
    p99 = gaps[int(len(gaps) * 0.99)]
    print(f"| indexing {report.indexed} photos with the window open | {t.s:.1f} s, "
          f"{report.indexed / t.s:.1f} files/s |")
    print(f"| longest event-loop stall while indexing | {gaps[-1] * 1000:.0f} ms (p99 {p99 * 1000:.0f} ms, "
          f"{sum(g > 0.1 for g in gaps)} gaps over 100 ms in {len(gaps)} ticks) |")
    print(f"| longest garbage-collector pause meanwhile | {gc_pauses.longest()} |")


def big_grid(window, n: int) -> None:
    import dataclasses

    from core.search.engine import Hit

    lib = window.host.library
    seed = lib.search("a photo", n=500)
    hits = [Hit(dataclasses.replace(seed[i % len(seed)].file), i, 1.0 - i / n) for i in range(n)]
    grid = window.grid
    painted = [0]
    cell = window.model.cell

    def counting(row: int):
        painted[0] += 1
        return cell(row)

    window.model.cell = counting
    with Timer() as t:
        window.model.reset(hits, more=False)
        window.grid_stack.setCurrentWidget(grid)
        grid.doItemsLayout()
        grid.viewport().repaint()
    print(f"| {n:,} results: model reset + layout + first paint | {t.s * 1000:.0f} ms |")
    bar = grid.verticalScrollBar()
    steps = []
    for _ in range(300):
        bar.setValue(bar.value() + bar.pageStep())
        t0 = time.perf_counter()
        grid.viewport().repaint()
        steps.append(time.perf_counter() - t0)
        wait(lambda: True, 0)  # thumbnails arrive meanwhile
    if painted[0] < 300:
        raise SystemExit(f"the grid did not paint ({painted[0]} cells; visible {grid.isVisible()}, "
                         f"stack {window.grid_stack.currentWidget() is grid}, rows {window.model.rowCount()}, "
                         f"viewport {grid.viewport().size()}, window {window.isVisible()})")
    bar.setValue(bar.maximum())
    t0 = time.perf_counter()
    window.grid.viewport().repaint()
    end = time.perf_counter() - t0
    steps.sort()
    print(f"| scrolling a page + repaint ({len(steps)} pages) | median {statistics.median(steps) * 1000:.1f} ms, "
          f"max {steps[-1] * 1000:.1f} ms; jump to the end {end * 1000:.1f} ms |")


def browse_view(app, n: int, work: Path, model: str, weights: Path) -> None:
    from browse import build

    from desktop_app.main_window import MainWindow
    from desktop_app.pages.search.queries import BROWSE
    from desktop_app.settings import Settings
    from desktop_app.workers.host import LibraryConfig

    home = work / f"browse-{n}"
    home.mkdir()
    t0 = time.perf_counter()
    build(home, n).close()
    print(f"| browse: catalog of {n:,} files built | {time.perf_counter() - t0:.0f} s |")
    config = LibraryConfig(home=str(home), model=model, weights=str(weights), device="cpu")
    window = MainWindow(config, Settings(), work / "browse-settings.json")
    window.resize(1280, 820)
    t0 = time.perf_counter()
    window.show()
    shown = lambda: (window.controller.request is not None and window.controller.request.kind == BROWSE  # noqa: E731
                     and not window.controller.busy and window.model.rowCount() > 0)
    wait(shown, 120)
    window.grid.viewport().repaint()
    print(f"| browse {n:,}: window shown → library's first page painted | {(time.perf_counter() - t0) * 1000:.0f} ms "
          f"({window.model.rowCount()} rows) |")
    wait(lambda: window.host.model_ready, 600)  # the first page came while the model loaded; scroll after
    grid, bar = window.grid, window.grid.verticalScrollBar()
    steps = []
    for _ in range(300):
        bar.setValue(bar.value() + bar.pageStep())
        t1 = time.perf_counter()
        grid.viewport().repaint()
        steps.append(time.perf_counter() - t1)
        wait(lambda: True, 0)  # pages and thumbnails arrive meanwhile
    steps.sort()
    print(f"| browse {n:,}: scrolling a page + repaint ({len(steps)} pages, {window.model.rowCount()} rows loaded) "
          f"| median {statistics.median(steps) * 1000:.1f} ms, max {steps[-1] * 1000:.1f} ms |")
    window.close()
    app.processEvents()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--model", default="ViT-B-32")
    ap.add_argument("--weights")
    ap.add_argument("--starts", type=int, default=5)
    ap.add_argument("--results", type=int, default=100_000)
    ap.add_argument("--browse", type=int, default=100_000, help="files in the library for the browse section")
    ap.add_argument("--only", choices=["all", "browse"], default="all")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="medialens-guibench-"))
    weights = Path(args.weights) if args.weights else random_weights(args.model, work)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MEDIALENS_GUI_CONFIG=str(work / "settings.json"),
               HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    os.environ.update({k: env[k] for k in ("MEDIALENS_GUI_CONFIG", "HF_HUB_OFFLINE")})

    source = f"weights {weights}" if args.weights else "random weights"
    print(f"# MediaLens GUI, {machine()}, model {args.model} ({source})")
    print("| what | measured |")
    print("|---|---|")

    from PySide6.QtWidgets import QApplication

    from desktop_app.compat import protect_singletons
    from desktop_app.main_window import MainWindow
    from desktop_app.paths import resources_dir
    from desktop_app.settings import Settings
    from desktop_app.widgets.icons import set_icon_folder
    from desktop_app.workers import host
    from desktop_app.workers.host import LibraryConfig

    protect_singletons()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    set_icon_folder(resources_dir() / "icons")
    if args.only == "browse":
        browse_view(app, args.browse, work, args.model, weights)
        return
    photos = work / "photos"
    make_photos(photos, args.n)
    config = LibraryConfig(home=str(work / "library"), model=args.model, weights=str(weights), device="cpu")
    host.FREEZE_HEAP_WHEN_READY = True  # as desktop_app.app.build does
    window = MainWindow(config, Settings(), work / "settings.json")
    window.resize(1280, 820)
    window.show()
    wait(lambda: window.host.is_open, 60)
    wait(lambda: window.host.model_ready, 600)
    indexing_stalls(window, photos)
    big_grid(window, args.results)
    window.close()
    app.processEvents()
    browse_view(app, args.browse, work, args.model, weights)
    cold_start(work / "library", args.starts, env)


if __name__ == "__main__":
    main()
