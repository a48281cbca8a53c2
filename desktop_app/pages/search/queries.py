"""What the user asked for, as plain data, and how to ask the engine for one page of it.

The GUI builds a `Request` and a `FilterState` on its thread. On a worker,
`find` hands the request, as core's `Query`, to `Library.find`, which makes it
ready once (`Found`: the query vector and the files to leave out); `fetch_page`
and `fetch_matches` read it. These are the only places that turn requests into
engine calls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - type names only; the engine is imported by workers
    from core.library import Filters, Found, Hit, Library, Query

TEXT, SIMILAR, COMPOSE, REFINED, BROWSE = "text", "similar", "compose", "refined", "browse"


@dataclass(frozen=True)
class FilterState:
    """The filter bar's state; `None` everywhere means "everything"."""

    kind: str | None = None  # "image" | "video"
    folder: str | None = None
    date_from: dt.date | None = None  # inclusive
    date_to: dt.date | None = None  # inclusive (the engine's bound is exclusive)
    # the side bar's (desktop_app/pages/search/manage_panel.py)
    album: str | None = None
    tag: str | None = None
    min_rating: int | None = None
    favourite: bool = False
    place: str | None = None
    # a text search's dates, places and cameras, understood on the worker (`Library.understand`);
    # `skip`: the kinds of part whose chip the user removed
    understand_text: str | None = None
    skip: frozenset = frozenset()

    @property
    def active(self) -> bool:
        return bool(self.kind or self.folder or self.date_from or self.date_to or self.album or self.tag
                    or self.min_rating is not None or self.favourite or self.place)

    def to_filters(self, library: Library | None = None, understood: Any = None) -> Filters | None:
        """The engine's `Filters` (imported here, on the worker, to keep start-up light); with the
        library, an album by name and what the search text says about dates, places and cameras
        (`understood`: `Library.understand` of `understand_text` already, which reads the library's
        place and camera names: two scans of every file at 100k)."""
        if not self.active and not (library is not None and self.understand_text):
            return None
        from core.library import Filters

        start = dt.datetime.combine(self.date_from, dt.time()) if self.date_from else None
        end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time()) if self.date_to else None
        filters = Filters(kinds=frozenset([self.kind]) if self.kind else None, folder=self.folder,
                          date_from=start, date_to=end, tags=(self.tag,) if self.tag else None,
                          min_rating=self.min_rating, favourite=True if self.favourite else None, place=self.place)
        if library is None:
            return filters
        if self.album:
            filters = library.album_filters([self.album], filters)
        if self.understand_text:
            if understood is None:
                understood = library.understand(self.understand_text, self.skip)
            filters = understood.filters(filters)
        return filters if filters.active else None


@dataclass(frozen=True)
class Request:
    """One query as the user asked it; `target` (the picture, or a composed edit's reference) is a library
    file id or a file path. Core's `Query` is made from it by `query`."""

    kind: str
    text: str = ""
    target: int | str | None = None
    t_s: float | None = None
    box: tuple[int, int, int, int] | None = None
    balance: float | None = None
    understand: bool = False  # a text whose dates, places and cameras become filters (`Library.understand`)
    skip: frozenset = frozenset()  # the kinds of part given back to the model (chips removed)

    @property
    def pageable(self) -> bool:
        """Refined results are one re-ranked round; the others can be paged through."""
        return self.kind != REFINED

    def query(self, filters: FilterState, library: Library | None = None) -> Query | None:
        """Core's `Query` for this request (worker thread: core is imported there); None for a text
        that only says when, where or with what ("photos from my Pixel": the filters alone)."""
        from core.library import Query

        if self.kind == TEXT:
            understood = library.understand(self.text, self.skip) if self.understand and library is not None \
                else None
            text = understood.text if understood is not None else self.text
            if (filters.understand_text, filters.skip) != (self.text, self.skip):
                understood = None  # the filters understand another text (a chip given back since)
            return Query("text", text=text, filters=filters.to_filters(library, understood)) if text else None
        if self.kind == SIMILAR or (self.kind == COMPOSE and not self.text.strip()):
            # a reference with no change asked for: its look-alikes
            return Query("similar", target=self.target, t_s=self.t_s, box=self.box if self.kind == SIMILAR else None,
                         filters=filters.to_filters(library))
        if self.kind == COMPOSE:
            return Query("compose", text=self.text, target=self.target, balance=self.balance, t_s=self.t_s,
                         filters=filters.to_filters(library))
        raise ValueError(f"cannot page a {self.kind} query")


def find(library: Library, request: Request, filters: FilterState) -> Found | None:
    """`request` made ready by the engine (worker thread), once: its pages reuse it, so paging through a
    composed edit or a region search does not encode the picture and the words (and look for the
    reference's near-duplicates) again for every page. None: only filters were typed."""
    query = request.query(filters, library)
    return None if query is None else library.find(query)


def fetch_page(found: Found, n: int, offset: int) -> list[Hit]:
    """One page of results (worker thread); a text's words are also looked for in the text read in pictures."""
    return found.page(n, offset)


def fetch_browse_order(library: Library, filters: FilterState) -> list[int]:
    """The library view's files, newest first, as ids (worker thread): sorted once, then read a page at a
    time by `fetch_rows` (`Library.browse` sorts the library again for every page it reads)."""
    return library.browse_ids(filters.to_filters(library))


def fetch_rows(library: Library, ids: list[int]) -> list[Hit | None]:
    """Rows of the library view by id, in order (worker thread); None for a file gone since it was sorted."""
    from core.library import Hit

    return [None if f is None else Hit(f, 0, 0.0) for f in library.files_in_order(ids)]


@dataclass(frozen=True)
class Cut:
    """Where a text search's matches ended: how many matched, how many more lie below the cutoff."""

    matches: int
    below: int
    complete: bool = True


def fetch_matches(found: Found, show_all: bool, sort: str) -> tuple[list[Hit], Cut]:
    """A text search's matches (or, with `show_all`, every result read) in the order asked (worker thread)."""
    matches = found.matches()
    return matches.shown(show_all, sort), Cut(matches.count, len(matches.hits) - matches.count, matches.complete)


def start_session(library: Library, request: Request, filters: FilterState, found: Any = None) -> Any:
    """A feedback session whose first round is `request` (worker thread); `found`, the request already made
    ready by the engine, saves encoding it again."""
    session = library.session(filters=filters.to_filters(library))
    session.start(found if found is not None else (request.query(filters, library) or request.query(filters)))
    return session
