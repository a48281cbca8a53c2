"""Start-up of the MediaLens window.

The window must be on screen in well under a second, long before torch loads:
this module imports only Qt and the GUI's own light modules. Paths (settings,
resources) are resolved here, when `run()` is called, never at import. The
engine is imported and the library opened on a worker once the window has
painted (`MainWindow.paintEvent`), and the model is warmed after that.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from PySide6.QtWidgets import QApplication

    from desktop_app.main_window import MainWindow

DESKTOP_ID = "io.github.medialens.MediaLens"


def build(library: str | None = None, model: str | None = None, weights: str | None = None,
          device: str | None = None, argv: list[str] | None = None) -> tuple[QApplication, MainWindow]:
    """The application and its (not yet shown) window, configured from arguments over saved settings."""
    from PySide6.QtWidgets import QApplication

    from desktop_app import compat, i18n, theme
    from desktop_app.paths import resources_dir, settings_path
    from desktop_app.settings import Settings
    from desktop_app.widgets.icons import icon, set_icon_folder
    from desktop_app.workers import host
    from desktop_app.workers.host import LibraryConfig

    compat.protect_singletons()
    host.FREEZE_HEAP_WHEN_READY = True
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("MediaLens")
    app.setApplicationDisplayName("MediaLens")
    app.setDesktopFileName(DESKTOP_ID)
    resources = resources_dir()
    set_icon_folder(resources / "icons")
    app.setWindowIcon(icon("medialens"))
    i18n.install_translators(app, resources / "translations")
    theme.install(app, resources)

    path = settings_path()
    settings = Settings.load(path)
    if model is None and weights is None:  # the model and its weights file go together
        model, weights = settings.model, settings.weights
    if device is None and settings.device != "auto":
        device = settings.device
    config = LibraryConfig(home=library or settings.library, model=model, weights=weights, device=device,
                           options={"fps": settings.video_fps}, watch=bool(settings.watch_folders))

    from desktop_app.main_window import MainWindow

    return app, MainWindow(config, settings, path)


def no_display(environ=None, platform: str | None = None) -> str | None:
    """Why the window cannot open here (a Linux session with no display), or None.

    Qt would abort the process with a core dump; a user on a server deserves one line instead.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set); "
            "without one, use the commands: medialens index | search | similar | moments | compose | status "
            "(medialens --help)")


def run(library: str | None = None, model: str | None = None, weights: str | None = None,
        device: str | None = None) -> int:
    """Open the window and run until it is closed; returns the exit status."""
    from desktop_app.platform_check import platform_problem

    reason = no_display() or platform_problem()  # Qt would abort (exit 134) with a paragraph instead
    if reason is not None:
        print(f"medialens: error: {reason}", file=sys.stderr)
        return 2
    app, window = build(library, model, weights, device)
    window.show()
    return app.exec()
