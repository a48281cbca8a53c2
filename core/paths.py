"""Where a library lives on disk.

The default is the platform's user-data folder; `MEDIALENS_HOME` or an explicit
folder (`--library DIR`) overrides it so tests and scripts keep their own.
Nothing is created at import time: `resolve_home` only computes the path.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "MediaLens"
HOME_ENV = "MEDIALENS_HOME"


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The library folder: the explicit one, else $MEDIALENS_HOME, else the user-data folder."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def models_cache_dir() -> Path:
    """Where downloaded model weights go (shared by every library of the user)."""
    env = os.environ.get("MEDIALENS_MODELS")
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME, appauthor=False) / "models"
