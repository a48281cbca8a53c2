"""The window on a big library: first paint, the longest frame scrolling the grid end to end, warm search.

    python tests/bench/gui_scale.py [--n 1000,100000] [--queries 20] [--step 1.0] [--repeat 1] [--keep DIR]
                                    [--scroll-limit 600] [--compare OTHER_CHECKOUT]

Each size is a library made in seconds, not indexed: synthetic CLIP-like vectors (tests/vector_factory.py)
written straight into the catalog as one embedded photo each, the vector file saved as the app leaves it,
and a thumbnail per file in the library's thumbnail cache (97 generated, numbered pictures, hard-linked
under every file's content hash, so each row has its own cached file and the loader's decode runs as it
does for real). The text tower is ViT-B-32 with random weights on ONNX Runtime, as the app runs it.

Each size runs in a fresh process (offscreen platform, 1280×820) that measures:

* **first paint**: `show()` → the window's first paint, and → the library's first page painted in the grid
  (the library opened on a worker meanwhile);
* **scrolling end to end** (model loaded): the grid's scroll bar moved `--step` pages at a time from the top
  until the last row is on screen, one frame each: move + repaint + whatever the event loop was handed
  meanwhile (pages of rows, thumbnails); frames are 8 ms apart, as a user's wheel gives them. The longest
  frame, p99, median, frames over 50 ms, and the share of cells painted with their thumbnail;
* **warm search**: `--queries` different texts typed into the window one after another (model loaded):
  from `controller.search` to the results painted; beside it the engine alone on the same texts
  (`Library.find` + its matches on this thread), so what the window adds is the difference.

The baseline is the same run's smaller library (1,000 items), and with `--compare DIR` the same
measurements on another checkout of the code (say `git worktree add /tmp/base main`), child processes
alternating. `--keep DIR` keeps the libraries for the next run (100k takes about a minute to make).
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

from _common import REPO, SHARED_DATA, machine, random_weights

MODEL = "ViT-B-32"
DISTINCT_THUMBS = 97  # prime: the grid's rows do not repeat in step with its columns
QUERIES = ["a dog on a beach", "red car at night", "birthday cake", "mountain lake", "city street in rain",
           "a cat asleep", "snow on trees", "people at a wedding", "a plate of pasta", "sunset over the sea",
           "a child on a swing", "an old church", "flowers in a vase", "a bicycle", "a busy market",
           "a train station", "fireworks", "a forest path", "a kitchen table", "boats in a harbour"]


# ----- the library ------------------------------------------------------------------------------


def text_model() -> Path:
    """Random ViT-B-32 weights, and their ONNX export in the models folder the app looks in."""
    cache = Path(tempfile.gettempdir()) / "medialens-bench-weights"
    cache.mkdir(exist_ok=True)
    weights = random_weights(MODEL, cache)
    models = cache / "models"
    os.environ["MEDIALENS_MODELS"] = str(models)
    from core.models.runtime.manifest import list_exports

    if not any(m.text.input == "token_vectors" for m in list_exports(models)):  # none, or one made before the
        from core.models.runtime.export import export_model  # text tower ran on its own tokens and in int8

        export_model(MODEL, weights=weights, models_dir=models,
                     probe_files=sorted((SHARED_DATA / "images" / "coco").glob("*.jpg"))[:4])
    return weights


def thumbnail_pictures(folder: Path) -> list[Path]:
    """`DISTINCT_THUMBS` small WebP pictures, each a colour and a number, as the thumbnail cache keeps them."""
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(DISTINCT_THUMBS):
        path = folder / f"{i:03d}.webp"
        if not path.exists():
            hue = (i * 360 // DISTINCT_THUMBS) % 360
            img = Image.new("HSV", (256, 192), (hue * 255 // 360, 140, 200)).convert("RGB")
            draw = ImageDraw.Draw(img)
            for y in range(0, 192, 24):
                draw.line([(0, y), (256, y + 40)], fill=(255, 255, 255), width=2)
            draw.text((100, 80), str(i), fill=(0, 0, 0), font_size=40)
            img.save(path, "WEBP", quality=80)
        out.append(path)
    return out


def make_library(home: Path, n: int, weights: Path) -> dict:
    """The catalog, the vector file and a thumbnail per file (see the module docstring)."""
    import shutil

    from core.library import Library
    from tests.vector_factory import clustered_vectors, fill_catalog

    if home.exists():
        shutil.rmtree(home)
    t0 = time.perf_counter()
    vecs, _ = clustered_vectors(n, 512, seed=0)
    lib = Library(home, model=MODEL, weights=weights, device="cpu")
    model_id = lib.catalog.model_id(lib.choice.key(), lib.choice.name, lib.choice.weights, 512)
    fill_catalog(lib.catalog, model_id, vecs)
    lib.models.remember()
    file_ids = [f.id for f in lib.browse(0, n)]
    lib.engine(sync=False).vindex.wait_rebuilt()  # the vector file, saved as an index run leaves it
    lib.close()
    pictures = thumbnail_pictures(home.parent / "thumbnail-pictures")
    from core.media.image import ThumbnailCache

    cache = ThumbnailCache(home / "thumbnails")
    for fid in file_ids:
        target = cache.path_for(f"{fid:064x}")  # fill_catalog's content hash
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(pictures[fid % DISTINCT_THUMBS], target)
    made = {"n": n, "make_s": time.perf_counter() - t0}
    (home / "gui-bench-made.json").write_text(json.dumps(made))
    return made


# ----- the window (child process) ---------------------------------------------------------------


def wait(condition, timeout: float) -> None:
    """Run the event loop until `condition()` holds (at least one pass)."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.monotonic() + timeout
    while True:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        if condition():
            return
        if time.monotonic() > end:
            raise TimeoutError(condition)
        time.sleep(0.001)


def visible_rows(grid) -> range:
    """The rows on screen: from the top left cell to the end of the grid row at the bottom."""
    from PySide6.QtCore import QPoint

    vp = grid.viewport()
    columns = max(1, vp.width() // grid.gridSize().width())
    first = grid.indexAt(QPoint(2, 2))
    bottom = grid.indexAt(QPoint(2, vp.height() - 2))
    last = bottom.row() + columns - 1 if bottom.isValid() else grid.model().rowCount() - 1
    return range(first.row(), min(last, grid.model().rowCount() - 1) + 1) if first.isValid() else range(0)


def window_run(home: Path, weights: Path, queries: int, step: float, scroll_limit: float) -> dict:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from desktop_app.compat import protect_singletons
    from desktop_app.main_window import MainWindow
    from desktop_app.pages.search.queries import BROWSE, Request, fetch_matches, find
    from desktop_app.paths import resources_dir
    from desktop_app.settings import Settings
    from desktop_app.widgets.icons import set_icon_folder
    from desktop_app.workers import host
    from desktop_app.workers.host import LibraryConfig

    protect_singletons()
    host.FREEZE_HEAP_WHEN_READY = True  # as desktop_app.app.build does
    app = QApplication.instance() or QApplication([sys.argv[0]])
    set_icon_folder(resources_dir() / "icons")
    config = LibraryConfig(home=str(home), model=MODEL, weights=str(weights), device="cpu", watch=False)
    window = MainWindow(config, Settings(), home.parent / f"settings-{os.getpid()}.json")
    window.resize(1280, 820)
    res: dict = {}

    class Painted(QObject):
        """When the window, and the grid's viewport with rows in the model, were first painted."""

        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                now = time.perf_counter()
                if "window" not in res:
                    res["window"] = now
                if obj is window.grid.viewport() and window.model.rowCount():
                    res["grid_painting"] = True  # done when the event loop next returns
            return False

    painted = Painted()
    app.installEventFilter(painted)
    t0 = time.perf_counter()
    window.show()
    wait(lambda: "grid_painting" in res and window.controller.request is not None
         and window.controller.request.kind == BROWSE and not window.controller.busy, 120)
    res["first_page_ms"] = (time.perf_counter() - t0) * 1000
    res["first_paint_ms"] = (res.pop("window") - t0) * 1000
    del res["grid_painting"]
    app.removeEventFilter(painted)
    print(f"  first page painted after {res['first_page_ms']:.0f} ms", file=sys.stderr, flush=True)
    wait(lambda: window.host.model_ready, 600)
    print(f"  model loaded after {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)

    # ----- scrolling the grid end to end
    grid, model = window.grid, window.model
    bar = grid.verticalScrollBar()
    frames, shown, cells = [], 0, 0
    total = window.controller.total or model.rowCount()
    t_scroll = time.perf_counter()
    while True:
        t1 = time.perf_counter()
        bar.setValue(min(bar.maximum(), bar.value() + round(step * bar.pageStep())))
        grid.viewport().repaint()
        app.processEvents()
        frames.append(time.perf_counter() - t1)
        rows = visible_rows(grid)
        cells += len(rows)
        shown += sum(1 for r in rows if model.cell(r).pixmap is not None)
        if rows and rows[-1] >= total - 1 and bar.value() >= bar.maximum():
            break
        if len(frames) % 250 == 0:
            print(f"  {len(frames)} frames, at {bar.value():,} of {bar.maximum():,} px, rows {rows.start}–{rows.stop}"
                  f" of {total:,}", file=sys.stderr, flush=True)
        if time.perf_counter() - t_scroll > scroll_limit:
            break
        time.sleep(0.008)
    res["scroll_s"] = time.perf_counter() - t_scroll
    res["reached_row"] = rows[-1] + 1 if rows else 0
    frames.sort()
    res["frames"] = len(frames)
    res["frame_max_ms"] = frames[-1] * 1000
    res["frame_p99_ms"] = frames[int(len(frames) * 0.99)] * 1000
    res["frame_p50_ms"] = statistics.median(frames) * 1000
    res["frames_over_50"] = sum(f > 0.05 for f in frames)
    res["thumbs_shown"] = shown / max(1, cells)
    res["rows"] = model.rowCount()

    # ----- warm search: the window, and the engine alone on this thread
    lib = window.host.library
    texts = [f"{QUERIES[i % len(QUERIES)]} {i // len(QUERIES) or ''}".strip() for i in range(2 * queries + 2)]
    window.controller.search(texts[-1])  # the first search's one-time costs (calibration)
    wait(lambda: not window.controller.busy, 120)
    in_window, engine = [], []
    for i in range(queries):
        done: list = []
        window.controller.finished.connect(done.append)
        t1 = time.perf_counter()
        window.controller.search(texts[2 * i])
        wait(lambda: bool(done), 120)  # noqa: B023 - the loop waits here
        grid.viewport().repaint()
        in_window.append(time.perf_counter() - t1)
        window.controller.finished.disconnect(done.append)
        t1 = time.perf_counter()
        found = find(lib, Request("text", text=texts[2 * i + 1]), window.controller.filters)
        fetch_matches(found, False, "relevance")
        engine.append(time.perf_counter() - t1)
    res["search_p50_ms"] = statistics.median(in_window) * 1000
    res["search_max_ms"] = max(in_window) * 1000
    res["engine_p50_ms"] = statistics.median(engine) * 1000
    res["search_rows"] = model.rowCount()
    window.close()
    app.processEvents()
    return res


# ----- the parent -------------------------------------------------------------------------------


def child(args: list[str], tree: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env, cwd=tree)
    if out.returncode:
        sys.exit(out.stderr[-4000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def end(r: dict) -> str:
    """Nothing when the scroll reached the last row; else how far it got."""
    return "" if r["reached_row"] >= r["n"] else f" (stopped at row {r['reached_row']:,})"


def medians(rows: list[dict]) -> list[dict]:
    """One row per size and checkout: the median of each figure over the repeated runs."""
    out = []
    for key in dict.fromkeys((r["n"], r["code"]) for r in rows):
        runs = [r for r in rows if (r["n"], r["code"]) == key]
        out.append({k: statistics.median(r[k] for r in runs) if isinstance(v, float | int) else v
                    for k, v in runs[0].items()} | {"code": f"{key[1]} (median of {len(runs)})"})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", default="1000,100000", help="library sizes, comma separated")
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each size and checkout, alternated (medians)")
    ap.add_argument("--step", type=float, default=1.0, help="pages scrolled per frame")
    ap.add_argument("--scroll-limit", type=float, default=600,
                    help="seconds of scrolling before giving up on reaching the end (the row reached is reported)")
    ap.add_argument("--keep", help="folder for the libraries, reused by later runs (default: a temp dir)")
    ap.add_argument("--compare", help="another checkout of MediaLens to measure beside this one")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--home", help=argparse.SUPPRESS)
    ap.add_argument("--weights", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase == "window":
        sys.path.insert(0, os.getcwd())  # the checkout measured (`--compare`), ahead of this one
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        print(json.dumps(window_run(Path(args.home), Path(args.weights), args.queries, args.step, args.scroll_limit)))
        return

    weights = text_model()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="medialens-guiscale-"))
    trees = {"this": REPO, **({"compare": Path(args.compare).resolve()} if args.compare else {})}
    rows = []
    for n in [int(x) for x in args.n.split(",")]:
        home = base / f"n{n}"
        made = home / "gui-bench-made.json"
        if not (made.exists() and json.loads(made.read_text())["n"] == n):
            print(f"making a library of {n:,} items …", file=sys.stderr, flush=True)
            make_library(home, n, weights)
        order = list(trees.items())
        for name, tree in [t for i in range(args.repeat) for t in (order if (n + i) % 2 == 0 else order[::-1])]:
            r = child(["--phase", "window", "--home", str(home), "--weights", str(weights),
                       "--queries", str(args.queries), "--step", str(args.step),
                       "--scroll-limit", str(args.scroll_limit)], tree)
            rows.append({"n": n, "code": name, "load": os.getloadavg()[0], **r})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(f"# the window at scale: synthetic CLIP-like vectors, generated thumbnails, {MODEL} random weights on "
          f"ONNX Runtime, {os.environ.get('QT_QPA_PLATFORM', 'offscreen')} ({machine()})")
    print("| items | code | first paint ms | first page painted ms | scroll end to end: frames, longest / p99 / "
          "median ms, over 50 ms | thumbnails shown | warm search p50 / max ms (engine alone p50) | load |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows if args.repeat == 1 else medians(rows):
        print(f"| {r['n']:,} | {r['code']} | {r['first_paint_ms']:.0f} | {r['first_page_ms']:.0f} | "
              f"{r['frames']} in {r['scroll_s']:.0f} s{end(r)}: {r['frame_max_ms']:.1f} / {r['frame_p99_ms']:.1f} / "
              f"{r['frame_p50_ms']:.1f}, {r['frames_over_50']} | {r['thumbs_shown']:.0%} | "
              f"{r['search_p50_ms']:.1f} / {r['search_max_ms']:.0f} ({r['engine_p50_ms']:.1f}) | {r['load']:.1f} |")


if __name__ == "__main__":
    main()
