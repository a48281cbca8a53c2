"""GUI test fixtures: a library indexed once per session with the tiny model, and windows over it.

Windows are built directly (not through `run()`) so each test gets a fresh
window with its own settings file, opened on the offscreen platform, and
closed at teardown — which also closes its `Library`.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from tests.conftest import TINY_MODEL
from tests.media_factory import jpeg_with_exif, write_pictures

N_MADE = 12


#: photos of the shared data's misc set the GUI tests use (made up, by name, where ../shared is absent)
REAL_PHOTOS = ("astronaut.png", "brick.png", "camera.png", "cell.png", "chelsea.png", "clock_motion.png",
               "coffee.png", "coins.png", "grace_hopper.jpg", "grass.png", "gravel.png", "horse.png",
               "hubble_deep_field.jpg", "ihc.png", "moon.png", "motorcycle_left.png")


@pytest.fixture(scope="session")
def photo_folder(tmp_path_factory) -> Path:
    """Real photos (misc set of the shared data) plus made pictures, some with EXIF dates and cameras."""
    from tests.conftest import SHARED_DATA
    from tests.media_factory import picture

    folder = tmp_path_factory.mktemp("photos")
    misc = SHARED_DATA / "images" / "misc"
    for i, name in enumerate(REAL_PHOTOS):
        if (misc / name).is_file():
            shutil.copy2(misc / name, folder / name)
        else:
            picture(1000 + i).save(folder / name)
    write_pictures(folder / "made", N_MADE)
    jpeg_with_exif(folder / "made" / "holiday.jpg", 99, taken=dt.datetime(2019, 7, 14, 10, 30), make="Canon",
                   model="Canon EOS 80D", gps=(48.8584, 2.2945))
    return folder


@pytest.fixture(scope="session")
def indexed_home(photo_folder, tiny_weights, tmp_path_factory) -> Path:
    """A library folder with `photo_folder` indexed (built once; tests only read it)."""
    from core.library import Library

    home = tmp_path_factory.mktemp("library")
    with Library(home, model=TINY_MODEL, weights=tiny_weights, device="cpu") as lib:
        report = lib.index([photo_folder])
        assert report.indexed >= N_MADE + 1 and not report.failed, report.failed
    return home


@pytest.fixture(scope="session", autouse=True)
def _gui_once() -> None:
    """What `run()` does once per process: the PySide6 reference guard, and where the icons are."""
    from desktop_app.compat import protect_singletons
    from desktop_app.paths import resources_dir
    from desktop_app.widgets.icons import set_icon_folder

    protect_singletons()
    set_icon_folder(resources_dir() / "icons")


@pytest.fixture
def make_window(qtbot, tiny_weights, tmp_path):
    """Build a MainWindow over a library folder and wait until the library is open."""
    from desktop_app.main_window import MainWindow
    from desktop_app.settings import Settings
    from desktop_app.workers.host import LibraryConfig

    windows = []

    def _make(home: Path, options: dict | None = None, show: bool = True, wait_model: bool = False,
              watch: bool = False) -> MainWindow:
        # Live watching is on in the app; tests that do not test it keep their runs to the ones they start.
        config = LibraryConfig(home=str(home), model=TINY_MODEL, weights=str(tiny_weights), device="cpu",
                               options=options or {}, watch=watch)
        w = MainWindow(config, Settings(), tmp_path / "settings.json")
        qtbot.addWidget(w)
        windows.append(w)
        w.resize(1200, 800)
        with qtbot.waitSignal(w.host.opened, timeout=20_000):
            if show:
                w.show()  # the first paint opens the library
            else:
                w.start()
        if wait_model:
            qtbot.waitUntil(lambda: w.host.model_ready, timeout=30_000)
        return w

    yield _make
    for w in windows:
        w.close()


@pytest.fixture
def window(make_window, indexed_home):
    return make_window(indexed_home, wait_model=True)


def search(qtbot, w, text: str) -> None:
    """Type a query and press Enter; wait for its first page."""
    w.search_bar.field.setFocus()
    w.search_bar.field.setText(text)
    with qtbot.waitSignal(w.controller.finished, timeout=20_000):
        qtbot.keyClick(w.search_bar.field, "\r")
