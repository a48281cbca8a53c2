"""Temporary files a killed process left behind: removed at the next open, never a live process's.

Every temporary file MediaLens writes carries its writer's process id in its name
(`index/.NAME.vectors.PID.XXXX.tmp`, `thumbnails/ab/KEY.PID.TID.tmp`). One whose
process is gone is garbage; one whose process runs is being written and is left
alone. A process id reused by an unrelated process would keep a file forever, so
any temporary file older than a day goes too (no write takes that long), and one
without a process id in its name (written by an older MediaLens) after ten minutes.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

#: A temporary file older than this is garbage whoever wrote it.
ORPHAN_AFTER_S = 24 * 3600
#: One whose name has no process id (an older MediaLens wrote it): garbage after this.
NAMELESS_AFTER_S = 600


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (of any user)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except OSError:
        return True  # cannot tell (another platform's rules): keep the file
    return True


def remove_orphans(paths: Iterable[Path], pid_of: Callable[[Path], int | None]) -> int:
    """Remove those of `paths` whose writer is gone (see the module docstring); returns how many."""
    removed, now = 0, time.time()
    for path in paths:
        with contextlib.suppress(OSError):
            age = now - path.stat().st_mtime
            pid = pid_of(path)
            gone = age > ORPHAN_AFTER_S or (age > NAMELESS_AFTER_S if pid is None else not process_alive(pid))
            if gone:
                path.unlink()
                removed += 1
    return removed


def pid_field(name: str, index: int) -> int | None:
    """The process id at dot-separated position `index` of a file name, if it is a number there."""
    parts = name.split(".")
    try:
        field = parts[index]
    except IndexError:
        return None
    return int(field) if field.isdigit() else None
