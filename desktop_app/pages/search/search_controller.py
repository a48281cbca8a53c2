"""Runs the user's queries against the engine and keeps the results model in step.

Each new query or filter change bumps a generation number; pages and refine
rounds that come back for an older generation are dropped, so typing fast
never shows stale results. Pages of results grow as the user scrolls (120,
240, … up to 2,000 at a time), which keeps the first screen quick and deep
scrolling cheap; the engine's query (the vector) is made once, with the first
page, and every later page reuses it. The library view knows its length (a
count with the first page), so the grid has all its rows at once and loads the
pages it paints (`ResultsModel.rows_wanted`).

A text search shows its matches only — the list ends where the per-query cutoff
says they end (`core.search.cutoff`) — best first or newest first; "show all"
pages through everything as before. With no query the controller browses the
library itself, newest first, paged like results.

Feedback (mark relevant / not relevant, refine, undo) goes through one engine
`SearchSession`, started lazily on the first mark by replaying the current
query into it; its calls run on a single-thread pool, so marks arrive in order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from desktop_app.pages.search.queries import (
    BROWSE,
    COMPOSE,
    REFINED,
    SIMILAR,
    TEXT,
    Cut,
    FilterState,
    Request,
    fetch_browse_order,
    fetch_matches,
    fetch_page,
    fetch_rows,
    find,
    start_session,
)
from desktop_app.pages.search.results import ResultsModel

if TYPE_CHECKING:  # pragma: no cover
    from core.library import Found, Hit, Library
    from desktop_app.workers.host import LibraryHost

FIRST_PAGE = 120
MAX_PAGE = 2000
REFINE_N = 240


class SearchController(QObject):
    started = Signal(object)  # Request
    finished = Signal(object)  # Request (its first page is in the model)
    failed = Signal(object, object)  # Request, the exception
    busy_changed = Signal(bool)
    feedback_changed = Signal()  # marks or refine rounds changed
    question_changed = Signal(object)  # the question worth asking about the results (core's ask.Question) or None

    def __init__(self, host: LibraryHost, model: ResultsModel, parent: QObject | None = None):
        super().__init__(parent)
        self.host = host
        self.model = model
        self.request: Request | None = None
        self.base_request: Request | None = None  # what a refined round started from
        self._query: Found | None = None  # base_request made ready by the engine, once its first page is in
        self.filters = FilterState()
        self.rounds = 0  # refine rounds on top of the base request
        self.sort = "relevance"  # or "date": the order of a text search's matches
        self.show_all = False  # a text search shows every result, not only its matches
        self.cut: Cut | None = None  # where the current text search's matches ended
        self.total: int | None = None  # how many files the library view pages through
        self._order: list[int] = []  # the library view's file ids, in its order (its rows load by id)
        self._generation = 0
        self._page = FIRST_PAGE
        self._box: _SessionBox | None = None
        self._busy = False
        self.question: Any = None  # the question shown for the current results
        model.more_wanted.connect(self._fetch_more)
        model.rows_wanted.connect(self._fetch_rows)
        self.finished.connect(self._ask)
        host.closed.connect(self._forget)

    # ----- queries ----------------------------------------------------------------------------

    def search(self, text: str) -> None:
        self.show_all = False  # a new search shows its matches first
        self.filters = replace(self.filters, understand_text=text.strip(), skip=frozenset())
        self.run(Request(TEXT, text=text.strip(), understand=True))

    def similar(self, target: int | str, t_s: float | None = None, box: tuple[int, int, int, int] | None = None,
                label: str = "") -> None:
        self.run(Request(SIMILAR, text=label, target=target, t_s=t_s, box=box))

    def compose(self, reference: int | str, text: str, balance: float | None = None,
                t_s: float | None = None) -> None:
        self.run(Request(COMPOSE, text=text.strip(), target=reference, t_s=t_s, balance=balance))

    def browse(self) -> None:
        """The library itself, newest first (what the window shows without a query)."""
        self.run(Request(BROWSE))

    def set_sort(self, sort: str) -> None:
        """Order a text search's matches best first ("relevance") or newest first ("date")."""
        self.sort = sort
        if self.base_request is not None and self.base_request.kind == TEXT and self.rounds == 0:
            self.run(self.base_request, keep_marks=True)

    def set_show_all(self, show_all: bool) -> None:
        """Show every result of a text search, or only its matches (the default)."""
        self.show_all = show_all
        if self.base_request is not None and self.base_request.kind == TEXT and self.rounds == 0:
            self.run(self.base_request, keep_marks=True)

    def set_filters(self, filters: FilterState) -> None:
        """The filter bar's kind, folder and dates (the side bar's and the search text's stay)."""
        self.filters = replace(self.filters, kind=filters.kind, folder=filters.folder, date_from=filters.date_from,
                               date_to=filters.date_to)
        if self.base_request is not None:
            self.run(self.base_request)

    def set_side_filters(self, **fields) -> None:
        """The side bar's album, tag, rating, favourite and place (`manage_panel`)."""
        self.filters = replace(self.filters, **fields)
        self.run(self.base_request if self.base_request is not None else Request(BROWSE))

    def give_back(self, kind: str) -> None:
        """Search again with one understood part (a date, place or camera: a removed chip) as words."""
        request = self.base_request
        if request is None or not request.understand:
            return
        skip = request.skip | {kind}
        self.filters = replace(self.filters, skip=skip)
        self.run(replace(request, skip=skip))

    def rerun(self) -> None:
        """Ask again (the index grew, or the library was reopened)."""
        if self.base_request is not None and self.rounds == 0:
            self.run(self.base_request, keep_marks=True)

    def run(self, request: Request, keep_marks: bool = False) -> None:
        if not request.understand and self.filters.understand_text is not None:
            self.filters = replace(self.filters, understand_text=None, skip=frozenset())
        self._generation += 1
        gen = self._generation
        self.request = self.base_request = request
        self.rounds = 0
        self._query = None
        if not keep_marks:
            self._box = None
        self._page = FIRST_PAGE
        self.model.thumbnails.forget_pending()
        self._set_busy(True)
        self.started.emit(request)
        filters, n, sort, show_all = self.filters, FIRST_PAGE, self.sort, self.show_all

        def first_page(lib: Library) -> tuple[Found | None, list[Hit | None], Cut | None, list[int] | None]:
            found = None if request.kind == BROWSE else find(lib, request, filters)
            if found is None:  # the library, or only filters were typed ("photos from my Pixel"): newest first
                order = fetch_browse_order(lib, filters)
                return None, fetch_rows(lib, order[:n]), None, order
            if found.is_cut(show_all, sort):
                return (found, *fetch_matches(found, show_all, sort), None)
            return found, fetch_page(found, n, 0), None, None

        def done(result: tuple[Found | None, list[Hit | None], Cut | None, list[int] | None]) -> None:
            if gen != self._generation:
                return
            self._query, hits, self.cut, order = result
            self._order = order or []
            self.total = None if order is None else len(order)
            self._set_busy(False)
            self.model.reset(hits, more=self.cut is None and len(hits) >= n, keep_marks=keep_marks, total=self.total)
            self.feedback_changed.emit()
            self.finished.emit(request)

        def failed(exc: BaseException) -> None:
            if gen != self._generation:
                return
            self._set_busy(False)
            self.failed.emit(request, exc)

        if not self.host.call(first_page, done, failed):
            self._set_busy(False)

    def _fetch_more(self) -> None:
        request, query = self.request, self._query
        if request is None or not request.pageable or query is None:  # the library view has all its rows
            self.model.fetch_failed()
            return
        gen, offset = self._generation, self.model.rowCount()
        self._page = n = min(MAX_PAGE, self._page * 2)

        def done(hits: list[Hit]) -> None:
            if gen == self._generation:
                self.model.append(hits, more=len(hits) >= n)

        def failed(exc: BaseException) -> None:
            if gen == self._generation:
                self.model.fetch_failed()
                self.host.error.emit(exc)

        self.host.call(lambda _lib: fetch_page(query, n, offset), done, failed)

    def _fetch_rows(self, offset: int, n: int) -> None:
        """Rows of the library view the grid painted before they loaded, read by id (its order is known)."""
        gen, ids = self._generation, self._order[offset:offset + n]
        if not ids:
            return

        def done(hits: list[Hit | None]) -> None:
            if gen == self._generation:
                self.model.fill(offset, hits)

        def failed(exc: BaseException) -> None:
            if gen == self._generation:
                self.model.fill_failed()
                self.host.error.emit(exc)

        self.host.call(lambda lib: fetch_rows(lib, ids), done, failed)

    # ----- feedback ---------------------------------------------------------------------------

    def mark(self, file_ids: list[int], relevant: bool | None) -> None:
        """Mark results (None clears a mark); the engine hears about it in order, on one thread."""
        if self.base_request is None or self.base_request.kind == BROWSE or not file_ids:
            return
        for fid in file_ids:
            self.model.set_mark(fid, relevant)
        self.feedback_changed.emit()
        if self._box is None:
            self._box = _SessionBox(self.base_request, self.filters)
        box = self._box

        def job(lib: Library) -> None:
            session = box.get(lib)
            for fid in file_ids:
                session.mark(fid, relevant)

        self.host.call(job, pool="session")

    def refine(self) -> None:
        """Re-rank from the marks: one new round, shown in place of the current results."""
        if self.base_request is None or self._box is None or not self.model.marks:
            return
        self._round(lambda session: session.refine(n=REFINE_N), +1)

    def undo(self) -> None:
        """Back one round, with the marks as they were; back at the first round, paging works again."""
        if self.rounds == 0 or self._box is None:
            return
        self._round(lambda session: session.undo(), -1)

    def _round(self, step, delta: int) -> None:
        """Run a refine or undo step on the session; show its hits and the session's marks."""
        self._generation += 1
        gen = self._generation
        base, box = self.base_request, self._box
        self._set_busy(True)

        def job(lib: Library) -> tuple[list[Hit], dict[int, bool]]:
            session = box.get(lib)
            hits = step(session)
            return hits, session.marks

        def done(result: tuple[list[Hit], dict[int, bool]]) -> None:
            if gen != self._generation:
                return
            hits, marks = result
            self._set_busy(False)
            self.rounds += delta
            if self.rounds == 0 and base is not None:  # the original results again, pageable
                self.run(base, keep_marks=True)  # keeps the session too
                self.model.set_marks(marks)
                return
            self.request = Request(REFINED, text=base.text if base else "")
            self.model.reset(hits, more=False)
            self.model.set_marks(marks)
            self.feedback_changed.emit()
            self.finished.emit(self.request)

        def failed(exc: BaseException) -> None:
            if gen == self._generation:
                self._set_busy(False)
                self.failed.emit(self.request, exc)

        self.host.call(job, done, failed, pool="session")

    # ----- asking back (core/search/ask.py) -------------------------------------------------------

    def _ask(self, request: Request) -> None:
        """After each result list: the question whose answer narrows it most (None: nothing worth asking)."""
        self.question = None
        self.question_changed.emit(None)
        base = self.base_request
        if base is None or base.kind == BROWSE or request.kind == BROWSE:
            return
        if self._box is None:  # the session starts from the query the first page was made with: no new encoding
            self._box = _SessionBox(base, self.filters, self._query)
        box, gen = self._box, self._generation

        def done(question: Any) -> None:
            if gen == self._generation:
                self.question = question
                self.question_changed.emit(question)

        self.host.call(lambda lib: box.get(lib).question(), done, lambda _exc: None, pool="session")

    def answer(self, label: str, negated: bool = False) -> None:
        """Narrow the results by an answer to the current question ("not X" with `negated`); Undo takes it back."""
        question = self.question
        if question is None or self._box is None:
            return
        self.question = None
        self.question_changed.emit(None)
        self._round(lambda session: session.answer(question, label, negated, n=REFINE_N), +1)

    def skip_question(self) -> None:
        """"Doesn't matter": ask something else about the same results."""
        question, box = self.question, self._box
        if question is None or box is None:
            return
        request = self.request
        self.host.call(lambda lib: box.get(lib).skip(question), lambda _r: self._ask(request), pool="session")

    # ----- state ------------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    @property
    def busy(self) -> bool:
        return self._busy

    def _forget(self) -> None:
        self._generation += 1
        self._query = None  # made with the closed library's model
        self._box = None
        self.rounds = 0
        self._set_busy(False)


class _SessionBox:
    """The engine's feedback session for one base request, made on first use.

    Only touched by jobs on the host's one-thread session pool, so it needs no lock.
    """

    def __init__(self, base: Request | None, filters: FilterState, found: Any = None):
        self.base = base
        self.filters = filters
        self.found = found  # the base request as the engine made it ready for the first page, if it is known
        self.session: Any = None

    def get(self, library: Library) -> Any:
        if self.session is None:
            if self.base is None:
                raise RuntimeError("feedback needs a request to start from")
            self.session = start_session(library, self.base, self.filters, self.found)
        return self.session
