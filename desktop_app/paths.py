"""Where the GUI finds its resources and keeps its settings.

Nothing here runs at import time: `run()` calls these once and passes the
results down, so tests and developers can point them elsewhere
(`MEDIALENS_GUI_CONFIG` for the settings file).
"""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_ENV = "MEDIALENS_GUI_CONFIG"


def resources_dir() -> Path:
    """The `resources/` folder: inside the installed package, else beside it in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "resources", here.parent / "resources"):
        if (candidate / "icons").is_dir():
            return candidate
    return here.parent / "resources"


def settings_path() -> Path:
    """The GUI settings file: $MEDIALENS_GUI_CONFIG, else `settings.json` in the user config folder."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_config_path("MediaLens", appauthor=False) / "settings.json"


def library_settings_path(library: str | None) -> Path:
    """The settings kept with a library (`desktop_app.settings.LIBRARY_FIELDS`): `settings.json` in its folder."""
    from core.paths import resolve_home

    return resolve_home(library) / "settings.json"


def default_library() -> Path:
    """The library folder when neither `--library`, the settings nor $MEDIALENS_HOME name one."""
    import platformdirs

    from core.paths import APP_NAME

    return platformdirs.user_data_path(APP_NAME, appauthor=False)
