"""Take the README / store screenshots of MediaLens's main flows.

Run under a virtual X server, as a new user would meet the app:

    xvfb-run -s "-screen 0 1400x900x24" python packaging/screenshots/take.py OUT_DIR [--weights FILE --model NAME]

A fresh library and settings file are made in a temporary folder; the shared
test media (`../shared/data`) is indexed through the first-run page; then the
script searches, opens a composed edit and a video moment, and saves one PNG
per flow with `QWidget.grab()` (the video one from the X screen with ImageMagick's
`import`, since a video frame is drawn outside the widget's own painting). Without
`--weights` the first-run page shows the model download (or, offline, the
weights-file choice).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--weights")
    ap.add_argument("--model")
    ap.add_argument("--dark", action="store_true", help="dark appearance")
    ap.add_argument("--locale", help="e.g. zh_CN")
    ap.add_argument("--folder", action="append", dest="folders", type=Path,
                    help="index this folder instead of the shared test media (repeatable)")
    ap.add_argument("--search", default="people on a beach", help="the query of the results shot")
    ap.add_argument("--change", default="at night", help="the change of the composed-edit shot")
    ap.add_argument("--video-search", default="cars driving across a bridge", help="the query of the video shot")
    ap.add_argument("--prefix", default="", help="put before each file name")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="medialens-shots-"))
    os.environ["MEDIALENS_GUI_CONFIG"] = str(tmp / "settings.json")
    os.environ["MEDIALENS_HOME"] = str(tmp / "library")
    if args.locale:
        os.environ["LANGUAGE"] = args.locale
        os.environ["LC_ALL"] = f"{args.locale}.UTF-8"

    from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer

    from desktop_app.app import build
    from desktop_app.theme import apply_scheme

    app, w = build(model=args.model, weights=args.weights, argv=[sys.argv[0]])
    suffix = ("-dark" if args.dark else "") + (f"-{args.locale}" if args.locale else "")
    folders = args.folders or [DATA / sub for sub in ("images/coco", "images/misc", "images/formats", "videos")]
    if args.dark:
        apply_scheme(app, Qt.ColorScheme.Dark)
    w.setGeometry(0, 0, 1360, 860)
    w.show()

    def wait(condition, timeout: float = 60.0, settle_ms: int = 400) -> None:
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise TimeoutError(condition.__doc__ or "condition")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)
        pause(settle_ms)

    def pause(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def shot(name: str, from_screen: bool = False) -> None:
        path = args.out / f"{args.prefix}{name}{suffix}.png"
        if from_screen:
            g = w.geometry()
            subprocess.run(["import", "-window", "root", "-crop", f"{g.width()}x{g.height()}+{g.x()}+{g.y()}",
                            "+repage", str(path)], check=True)
        else:
            w.grab().save(str(path))
        print("saved", path)

    # 1. first run
    wait(lambda: w.host.is_open, 30)
    for folder in folders:
        w.first_run.add_folder(str(folder))
    wait(lambda: w.host.model_ready or "not available" in w.first_run.model_label.text(), 120, 600)
    shot("1-first-run")
    if not w.host.model_ready:
        print("no model: pass --weights (and --model) to go on past the first-run page")
        return 0

    # index everything; search while it runs (answers come from what is indexed so far)
    w.first_run.start_button.click()
    wait(lambda: w.index_status.last is not None and w.index_status.last.files_done >= 60, 600, 0)
    w.search_bar.field.setText(args.search)
    w.search_bar._submit()
    wait(lambda: not w.controller.busy and w.model.rowCount() > 0, 60, 1200)
    shot("2-searching-while-indexing")
    wait(lambda: not w.host.indexing, 1800, 800)
    w.message_bar.dismiss()
    w.search_bar._submit()
    wait(lambda: not w.controller.busy and w.model.rowCount() > 0, 60, 2500)
    shot("3-results")

    # composed edit
    w.grid.setCurrentIndex(w.model.index(1))
    w.results_actions.act_compose.trigger()
    w.search_bar.field.setText(args.change)
    w.search_bar._submit()
    wait(lambda: not w.controller.busy, 60, 2500)
    shot("4-composed-edit")
    w.search_bar.clear_reference()

    # a video moment in the player
    w.filter_bar.kind_buttons["video"].click()
    w.search_bar.field.setText(args.video_search)
    w.search_bar._submit()
    wait(lambda: not w.controller.busy, 60, 1000)
    videos = [r for r in range(w.model.rowCount()) if w.model.hit(r).file.kind == "video"]
    if videos:
        from PySide6.QtMultimedia import QMediaPlayer

        hit = w.model.hit(videos[0])
        w.grid.setCurrentIndex(w.model.index(videos[0]))
        loaded = (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.BufferedMedia)

        def on_moment() -> bool:
            player = w.preview.player
            return player is not None and player.player.mediaStatus() in loaded \
                and abs(player.player.position() - (hit.start_s or 0) * 1000) < 250

        wait(on_moment, 30, 2500)
        shot("5-video-moment", from_screen=True)
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
