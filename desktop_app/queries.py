"""What the user asked for, as plain data, and how to ask the engine for one page of it.

The GUI builds a `Request` and a `FilterState` on its thread; `fetch_page` runs on
a worker thread and is the only place that turns them into engine calls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - type names only; the engine is imported by workers
    from core.library import Filters, Hit, Library

TEXT, SIMILAR, COMPOSE, REFINED = "text", "similar", "compose", "refined"


@dataclass(frozen=True)
class FilterState:
    """The filter bar's state; `None` everywhere means "everything"."""

    kind: str | None = None  # "image" | "video"
    folder: str | None = None
    date_from: dt.date | None = None  # inclusive
    date_to: dt.date | None = None  # inclusive (the engine's bound is exclusive)

    @property
    def active(self) -> bool:
        return bool(self.kind or self.folder or self.date_from or self.date_to)

    def to_filters(self) -> Filters | None:
        """The engine's `Filters` (imported here, on the worker, to keep start-up light)."""
        if not self.active:
            return None
        from core.library import Filters

        start = dt.datetime.combine(self.date_from, dt.time()) if self.date_from else None
        end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time()) if self.date_to else None
        return Filters(kinds=frozenset([self.kind]) if self.kind else None, folder=self.folder,
                       date_from=start, date_to=end)


@dataclass(frozen=True)
class Request:
    """One query as the user asked it; `target` (the picture, or a composed edit's reference) is a library
    file id or a file path. The engine's own `Query` (a vector) is made from it on a worker."""

    kind: str
    text: str = ""
    target: int | str | None = None
    t_s: float | None = None
    box: tuple[int, int, int, int] | None = None
    balance: float | None = None

    @property
    def pageable(self) -> bool:
        """Refined results are one re-ranked round; the others can be paged through."""
        return self.kind != REFINED


def fetch_page(library: Library, request: Request, filters: FilterState, n: int, offset: int) -> list[Hit]:
    """One page of results (worker thread)."""
    f = filters.to_filters()
    if request.kind == TEXT:
        return library.search(request.text, n=n, offset=offset, filters=f)
    if request.kind == SIMILAR:
        return library.similar(request.target, n=n, offset=offset, filters=f, t_s=request.t_s, box=request.box)
    if request.kind == COMPOSE:
        if not request.text.strip():  # a reference with no change asked for: its look-alikes
            return library.similar(request.target, n=n, offset=offset, filters=f, t_s=request.t_s)
        return library.compose(request.target, request.text, n=n, offset=offset, filters=f,
                               balance=request.balance, t_s=request.t_s)
    raise ValueError(f"cannot page a {request.kind} query")


def start_session(library: Library, request: Request, filters: FilterState) -> Any:
    """A feedback session whose first round is `query` (worker thread)."""
    session = library.session(filters=filters.to_filters())
    if request.kind == TEXT:
        session.text(request.text)
    elif request.kind == SIMILAR:
        session.similar(request.target, box=request.box, t_s=request.t_s)
    elif request.kind == COMPOSE:
        session.compose(request.target, request.text, balance=request.balance, t_s=request.t_s)
    return session
