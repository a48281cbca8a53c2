"""The GUI's own settings: a small JSON file, not QSettings.

The engine keeps what belongs to a library (its folders, the model it was
indexed with) inside the library. Of these settings, the model and its weights
file and the video sampling rate belong to one library too (`LIBRARY_FIELDS`):
they live in `settings.json` inside the library folder, so a fresh library
(`MEDIALENS_HOME` elsewhere) never inherits another's model file. The user's
file keeps what belongs to the person: which library to open, the device, the
size of the in-memory thumbnail cache, the grid and the window layout. A
missing or damaged file means defaults, never a crash.

Files written before the split held everything: their library fields move to
the library they were for (the remembered library, else the default one) when
it is next opened, and stay in the user's file until then.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda", "mps")
#: Settings kept with the library (its own settings.json), not with the person.
LIBRARY_FIELDS = ("model", "weights", "video_fps")


@dataclass
class Settings:
    """Everything the settings dialog edits, plus remembered window state."""

    library: str | None = None  #: library folder; None means the engine's default
    model: str | None = None  #: registry name; None means what the library was indexed with
    weights: str | None = None  #: a local weights file (offline machines)
    device: str = "auto"
    video_fps: float = 1.0  #: frames sampled per second of video when indexing
    thumbnail_cache_mb: int = 256  #: memory for decoded thumbnails in the results grid
    cell_size: int = 176  #: side of a grid cell in device-independent pixels
    watch_folders: bool = True  #: index changes in the library folders while the window is open
    window: dict = field(default_factory=dict)  #: geometry and splitter state (base64)

    #: library fields of a file written before the split, for a library other than the open one (kept as found)
    unclaimed: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, path: Path, library_path: Path | None = None, default_library: Path | None = None) -> Settings:
        """The user's settings from `path`, with the library fields from `library_path` (None: from `path`).

        `default_library`: the folder a file without a remembered library was written for."""
        raw = _read(path)
        if library_path is not None:
            legacy = {k: raw.pop(k) for k in LIBRARY_FIELDS if k in raw}
            own = _read(library_path) if library_path.is_file() else None
            if own is not None:
                raw.update({k: v for k, v in own.items() if k in LIBRARY_FIELDS})
                unclaimed = legacy
            elif legacy and _written_for(raw.get("library"), default_library) == library_path.parent.resolve():
                raw.update(legacy)  # this library's settings from before the split: they move here
                unclaimed = {}
            else:
                unclaimed = legacy
        else:
            unclaimed = {}
        known = {f.name for f in fields(cls)} - {"unclaimed"}
        s = cls(**{k: v for k, v in raw.items() if k in known})
        s.unclaimed = unclaimed
        if s.device not in DEVICES:
            s.device = "auto"
        s.video_fps = min(30.0, max(0.1, float(s.video_fps)))
        s.thumbnail_cache_mb = min(8192, max(16, int(s.thumbnail_cache_mb)))
        s.cell_size = min(320, max(96, int(s.cell_size)))
        return s

    def save(self, path: Path, library_path: Path | None = None) -> None:
        """Write atomically so a crash mid-write leaves the previous file intact; the library fields
        beside the library when `library_path` is given."""
        values = asdict(self)
        values.pop("unclaimed")
        if library_path is not None:
            _write(library_path, {k: values.pop(k) for k in LIBRARY_FIELDS})
            values.update(self.unclaimed)
        _write(path, values)


def _read(path: Path) -> dict:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable settings file %s: %s", path, exc)
        return {}
    return raw if isinstance(raw, dict) else {}


def _write(path: Path, values: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(values, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cannot save settings to %s: %s", path, exc)


def _written_for(remembered: str | None, default_library: Path | None) -> Path | None:
    """The library a settings file from before the split belonged to."""
    if remembered:
        return Path(remembered).expanduser().resolve()
    return default_library.resolve() if default_library is not None else None
