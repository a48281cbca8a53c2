"""A guard against PySide6 6.12.0 losing references to `None` and `True` on Python < 3.12.

That release returns `None` (from every void method, and for an empty QVariant) and
`True` (from `Signal.emit`) without taking a reference. Python 3.12 made these
singletons immortal, so nothing shows there; on 3.10 and 3.11 each call lowers their
count, and after enough calls (a few minutes of scrolling the grid) the interpreter
aborts with "deallocating None". PySide6 6.11 is not affected.

Until the binding is fixed, `protect_singletons()` gives `None`, `True` and `False` a
reference count no program can run down, which is what Python 3.12 does by design.
It is applied only when a probe shows the loss, so a fixed PySide6 is left alone.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_HEADROOM = 1 << 40


def loses_references() -> bool:
    """Whether calling a void Qt method lowers `None`'s reference count (the 6.12.0 bug)."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(64):
        probe.setObjectName("probe")
    return before - sys.getrefcount(None) >= 32


def protect_singletons() -> bool:
    """Make `None`, `True` and `False` effectively immortal if this PySide6 needs it; True if it did."""
    if sys.version_info >= (3, 12) or not loses_references():
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every object in CPython's (non-debug) object layout
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    log.info("PySide6 loses references to None/True on this Python: guarded (see desktop_app/compat.py)")
    return True
