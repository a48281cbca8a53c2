"""The one way into search: a `Query` (what the user asked) made ready once, then paged, cut or refined.

The CLI and the window build a `Query` and hand it to `Library.find`; `prepare` is the only place that
turns a query's kind into the engine's vector (`text_query`, `similar_query`, `composed_query`), and
`Found` the only place that decides how a kind is searched: a text's words are also looked for in the
text read in pictures (`core.search.fusion`) and its matches are cut where they end
(`core.search.cutoff`), in its first round and in every refined round of a feedback session alike.
Before this, the CLI, the window, `Library` and `SearchSession` each dispatched on the kind, and a
refined text search lost both the words and the cut.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import QueryError
from core.search.compose import composed_query
from core.search.cutoff import Matches, find_matches
from core.search.explain import Explanation, explain_file
from core.search.fusion import fused_matches, ranked
from core.search.query import QueryVector, similar_query, text_query

if TYPE_CHECKING:  # pragma: no cover
    from core.search.context import Box
    from core.search.engine import Filters, Hit, SearchEngine

TEXT, SIMILAR, COMPOSE = "text", "similar", "compose"
KINDS = (TEXT, SIMILAR, COMPOSE)


@dataclass(frozen=True)
class Query:
    """What to look for, as a person asked it (plain data: the CLI and the window build it on any thread).

    * `TEXT`: `text` (with `-avoided` terms);
    * `SIMILAR`: the look-alikes of `target` (a library file id or path, or any image file), of its
      `box` region, or of a video's frame at `t_s`; `include_target` keeps the target among them;
    * `COMPOSE`: `target` changed as `text` says, by `method` at `balance` (None: the measured defaults);
      `include_target` keeps the reference and its near-duplicates.

    `filters` narrow the results; `exact` forces (True) or forbids (False) the exact scan.
    """

    kind: str
    text: str = ""
    target: int | str | os.PathLike[str] | None = None
    t_s: float | None = None
    box: Box | str | None = None
    balance: float | None = None
    method: str | None = None
    include_target: bool = False
    filters: Filters | None = None
    exact: bool | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise QueryError(f"unknown kind of query {self.kind!r}; one of {', '.join(KINDS)}")
        if self.kind != TEXT and self.target is None:
            raise QueryError(f"a {self.kind} query needs a picture to start from")


def prepare(engine: SearchEngine, query: Query) -> Found:
    """`query` made ready: its vector encoded and the files it stands for found, once. A text query is kept by
    the engine until the catalog changes (`SearchEngine.kept`), with the matches it was last cut at."""
    ctx = engine.context
    if query.kind == TEXT:
        return engine.kept(("found", query), lambda: Found(engine, query, text_query(ctx, query.text)))
    if query.kind == SIMILAR:
        vector = similar_query(ctx, query.target, t_s=query.t_s, box=query.box, include_self=query.include_target)
    else:
        vector = composed_query(ctx, query.target, query.text, method=query.method, balance=query.balance,
                                t_s=query.t_s, include_reference=query.include_target)
    return Found(engine, query, vector)


class Found:
    """A prepared query: its pages, its matches, a refined round of it, and why a photo matched it.

    Paging through a composed edit or a region search reuses the vector, so the picture and the words
    are not encoded again (and the reference's near-duplicates not looked for again) for every page.
    """

    def __init__(self, engine: SearchEngine, query: Query, vector: QueryVector):
        self.engine = engine
        self.query = query
        self.vector = vector
        self._last_cut: tuple[tuple, Matches] | None = None

    def page(self, n: int = 20, offset: int = 0) -> list[Hit]:
        """Results `offset` to `offset + n`, best first (a text's fused with the words read in pictures)."""
        return ranked(self.engine, self.vector, n, offset, self.query.filters, exact=self.query.exact)

    def is_cut(self, show_all: bool = False, sort: str = "relevance") -> bool:
        """Whether a list of results is read from `matches()`: a text search's are, unless every result is
        asked for best first (then the engine pages them: `page`)."""
        return self.query.kind == TEXT and not (show_all and sort == "relevance")

    def matches(self) -> Matches:
        """The results cut where the query's matches end, each with a readable confidence; the results
        below the cut come along for "show all". A text's pictures that show its words are matches."""
        return self._cut(self.vector, self.query.filters)

    def again(self, vector: np.ndarray, exclude: frozenset[int], filters: Filters | None, n: int) -> list[Hit]:
        """A refined round (`core.search.feedback`): `vector` searched as this query is, leaving out
        `exclude`: a text's matches, fused and cut as in its first round; a picture's top `n`."""
        moved = QueryVector(vector, exclude, self.vector.words)
        if self.query.kind != TEXT:
            return ranked(self.engine, moved, n, 0, filters, exact=self.query.exact)
        return [h for h in self._cut(moved, filters).matches if h.file.id not in exclude][:n]

    def explain(self, file_id: int) -> Explanation:
        """Which part of a library photo agrees most with this query."""
        return explain_file(self.engine.context, file_id, self.vector.vector)

    def _cut(self, vector: QueryVector, filters: Filters | None) -> Matches:
        """The cut results of `vector`; the last one asked for is kept: the window shows a search's matches,
        then starts its feedback session from the same query (`again` with the same vector), which searched
        the library a second time right after every search (0.5-1 s of a loaded CPU at 100k items)."""
        if self.query.kind != TEXT:
            raise QueryError("only a text search is cut where its matches end; page through the others")
        key = (np.asarray(vector.vector).tobytes(), vector.exclude, vector.words, filters)
        if self._last_cut is not None and self._last_cut[0] == key:
            return self._last_cut[1]
        found = find_matches(self.engine, vector.vector, filters, vector.exclude, exact=self.query.exact,
                             words=vector.words)
        cut = fused_matches(self.engine, vector, found, filters, self.query.exact)
        self._last_cut = (key, cut)
        return cut
