"""Query text syntax: what to find, and what to avoid.

A query (a search text, or the change text of a composed edit) may name things
to avoid with a leading minus::

    beach -people               the beach, without people
    street at night -"red car"  a quoted phrase is avoided as a whole
    t-shirt  -5 degrees  a - b  a minus inside a word, before a digit, or alone is plain text

A term to avoid is a minus at the start of the text or after a space, followed by
a letter (a word) or a double quote (a phrase up to the closing quote). Ranking
then subtracts each avoided term's text vector, scaled by `NEGATIVE_WEIGHT`, from
the query vector: items that agree with an avoided term lose score in proportion
to how much they agree, which pushes them down without a hard cut that one odd
similarity could trigger.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import QueryError
from core.search.context import Box
from core.vector_math import unit

if TYPE_CHECKING:  # pragma: no cover
    from core.search.context import SearchContext


#: How much of each avoided term's vector is taken off the query (see tests/bench/compose.py, "negative").
NEGATIVE_WEIGHT = 0.5

_NEGATIVE = re.compile(r'(?:(?<=\s)|^)-(?:"([^"]*)"?|([^\W\d_][^\s]*))')


@dataclass(frozen=True)
class ParsedQuery:
    """A query split into the text to look for and the terms to avoid."""

    text: str
    avoid: tuple[str, ...] = ()


def parse_query(raw: str, what: str = "search text") -> ParsedQuery:
    """Split `raw` into its positive text and its `-avoided` terms.

    The positive text may be empty when something is avoided (a composed edit can
    be "the reference, minus people"); callers that need words say so themselves.
    """
    if raw is None or not raw.strip():
        raise QueryError(f"the {what} is empty")
    avoid: list[str] = []

    def take(m: re.Match) -> str:
        term = (m.group(1) if m.group(1) is not None else m.group(2).rstrip(",.;:!?")).strip()
        if not term:
            raise QueryError(f'the {what} {raw!r} avoids an empty phrase (-"")')
        avoid.append(term)
        return " "

    text = " ".join(_NEGATIVE.sub(take, raw).split())
    return ParsedQuery(text, tuple(avoid))


def avoid_terms(query: np.ndarray, avoid: tuple[str, ...],
                encode: Callable[[list[str]], np.ndarray], weight: float = NEGATIVE_WEIGHT) -> np.ndarray:
    """`query` with each avoided term's (unit) text vector taken off, renormalised."""
    q = unit(query)
    if not avoid:
        return q
    return unit(q - weight * encode(list(avoid)).sum(axis=0),
                "the query avoids everything it asks for (the terms to avoid cancel it out)", min_norm=1e-6)


@dataclass(frozen=True)
class QueryVector:
    """A query ready for `SearchEngine.by_vector`: its vector and the files it stands for.

    `exclude` holds the files a result list should leave out (the reference of a
    look-alike or composed query, and its near-duplicates). `words`: a text query's
    words, also looked for in the text read in pictures (`core.search.fusion.ranked`).
    """

    vector: np.ndarray
    exclude: frozenset[int] = frozenset()
    words: str = ""


def text_query(ctx: SearchContext, raw: str) -> QueryVector:
    """A search text, with its `-avoided` terms, as a query (a short one focused: `core.search.cutoff.focus`)."""
    parsed = parse_query(raw)
    if not parsed.text:
        raise QueryError(f"the search text {raw!r} only says what to avoid: say what to look for too, "
                         f"e.g. \"beach -people\"")
    from core.search.cutoff import focus

    vec = focus(ctx, ctx.encode_text(parsed.text), parsed.text)  # a short text is focused
    return QueryVector(avoid_terms(vec, parsed.avoid, ctx.encoder.encode_texts), words=parsed.text)


def similar_query(ctx: SearchContext, target: int | str | os.PathLike[str], t_s: float | None = None,
                  box: Box | None = None, include_self: bool = False) -> QueryVector:
    """Look-alikes of a library file or an outside image, or of a region of it when `box` is given.

    A region is cropped from the upright original at full resolution (the catalog's
    vector is of the whole picture) and embedded now; the picture it was cut from
    is left out of the results like any look-alike query's target.
    """
    if box is None:
        vec, files = ctx.query_vector_for(target, t_s)
    else:
        box = parse_box(box)
        file_id = ctx.resolve_file(target)
        files = set() if file_id is None else {file_id}
        if file_id is None:
            path = str(target)
        else:
            rec = ctx.file(file_id)
            if rec.kind != "image":
                raise QueryError(f"{rec.path}: region search works on photos; this is a {rec.kind}")
            path = rec.path
        vec = ctx.encode_image_file(path, box=box)
    return QueryVector(np.asarray(vec, np.float32), frozenset() if include_self else frozenset(files))


def parse_box(box: Box | str) -> Box:
    """A box from a tuple or from "x0,y0,x1,y1" text; a clear error for anything else."""
    if isinstance(box, str):
        parts = [p.strip() for p in box.split(",")]
        try:
            values = tuple(int(p) for p in parts)
        except ValueError:
            raise QueryError(f"the box {box!r} is not four whole numbers x0,y0,x1,y1") from None
    else:
        values = tuple(box)
        if not all(isinstance(v, int | np.integer) for v in values):
            raise QueryError(f"the box {box!r} is not four whole numbers (x0, y0, x1, y1)")
    if len(values) != 4:
        raise QueryError(f"the box {box!r} needs four numbers x0,y0,x1,y1, not {len(values)}")
    return tuple(int(v) for v in values)  # type: ignore[return-value]
