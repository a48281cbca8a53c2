"""Background work with results delivered on the GUI thread.

In the spirit of Anki's `CollectionOp` and Picard's `run_task`: a function runs
on a `QThreadPool` thread, and its result (or exception) comes back through a
queued signal to callbacks that run on the GUI thread, where touching widgets
is safe. Every call into the engine goes through here: even "cheap" catalog
reads can wait on disk, and the GUI thread must never wait.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from core.errors import MediaLensError  # a leaf module: no engine dependencies, cheap to import

log = logging.getLogger(__name__)

Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues, the callbacks run here."""

    succeeded = Signal(object)
    failed = Signal(object)


_live: set[_Relay] = set()


def run_task(pool: QThreadPool, fn: Callable[[], Any], on_success: Success | None = None,
             on_failure: Failure | None = None) -> None:
    """Run `fn()` on `pool`; call `on_success(result)` or `on_failure(exc)` on the GUI thread.

    Must be called from the GUI thread (the relay is created there, so delivery
    is queued to it). Exceptions that are not `MediaLensError` are bugs: they
    are logged with their traceback before being handed to `on_failure`.
    """
    relay = _Relay()
    _live.add(relay)

    def finish() -> None:
        _live.discard(relay)
        relay.deleteLater()

    def succeeded(result: Any) -> None:
        finish()
        if on_success is not None:
            on_success(result)

    def failed(exc: BaseException) -> None:
        finish()
        if on_failure is not None:
            on_failure(exc)

    relay.succeeded.connect(succeeded)
    relay.failed.connect(failed)

    def job() -> None:
        try:
            result = fn()
        except BaseException as exc:  # delivered, never swallowed
            if not is_user_error(exc):
                log.exception("background task failed")
            relay.failed.emit(exc)
            return
        relay.succeeded.emit(result)

    pool.start(job)


def is_user_error(exc: BaseException) -> bool:
    """True for the engine's `MediaLensError`s, whose messages are fit to show as they are."""
    return isinstance(exc, MediaLensError)


def describe_error(exc: BaseException) -> str:
    """A one-line message for the message bar; bugs say so rather than hiding behind a traceback."""
    if is_user_error(exc):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
