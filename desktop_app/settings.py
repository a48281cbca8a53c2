"""The GUI's own settings: a small JSON file, not QSettings.

The engine keeps what belongs to a library (its folders, the model it was
indexed with) inside the library; this file keeps what belongs to the person:
which library to open, their model and device choice, the video sampling rate,
the size of the in-memory thumbnail cache and the window layout. A missing or
damaged file means defaults, never a crash.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda", "mps")


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

    @classmethod
    def load(cls, path: Path) -> Settings:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable settings file %s: %s", path, exc)
            return cls()
        if not isinstance(raw, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        s = cls(**{k: v for k, v in raw.items() if k in known})
        if s.device not in DEVICES:
            s.device = "auto"
        s.video_fps = min(30.0, max(0.1, float(s.video_fps)))
        s.thumbnail_cache_mb = min(8192, max(16, int(s.thumbnail_cache_mb)))
        s.cell_size = min(320, max(96, int(s.cell_size)))
        return s

    def save(self, path: Path) -> None:
        """Write atomically so a crash mid-write leaves the previous file intact."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(asdict(self), indent=1, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cannot save settings to %s: %s", path, exc)
