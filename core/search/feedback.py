"""Search sessions: query, mark results relevant or not, refine, undo.

A session is a stack of rounds. A round is started by a prepared query
(`core.search.find.Found`: a text, look-alike or composed query, searched as
`Library.find` searches it: a text fused with the words read in pictures and cut
where its matches end), or made by `refine` from the round before it and the marks
(file id -> relevant or not) gathered so far. Refining moves the starting
query towards what was marked relevant and away from what was not (Rocchio on
the vectors):

    q' = ALPHA·q + BETA·mean(relevant) − GAMMA·mean(not relevant)

Marks accumulate over the rounds of one query; files marked not relevant stay
out of later rounds. `undo` goes back one round, with the marks as they were.
The weights are chosen in tests/bench/compose.py ("feedback").

Threading: a GUI worker thread may run queries while the GUI thread marks
results; a lock guards the state and rounds run one at a time.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from core.errors import QueryError
from core.search import ask
from core.search.find import COMPOSE, SIMILAR, TEXT, Found, Query, prepare
from core.vector_math import unit

if TYPE_CHECKING:  # pragma: no cover
    from core.search.context import Box
    from core.search.engine import Filters, Hit, SearchEngine

ALPHA, BETA, GAMMA = 1.0, 0.75, 0.25
DEFAULT_N = 20


def rocchio(query: np.ndarray, relevant: np.ndarray, irrelevant: np.ndarray,
            alpha: float, beta: float, gamma: float) -> np.ndarray:
    """The refined query vector (unit length); `relevant`/`irrelevant` are (k, dim) arrays, k may be 0."""
    q = alpha * unit(query)
    if len(relevant):
        q = q + beta * relevant.mean(axis=0)
    if len(irrelevant):
        q = q - gamma * irrelevant.mean(axis=0)
    return unit(q, "the marks cancel the query out: mark fewer results as not relevant", min_norm=1e-6)


@dataclass
class Round:
    """One result list and how it was made."""

    start: Found  # the query that started this line of rounds
    vector: np.ndarray  # the vector searched in this round
    results: list[Hit]
    marks_before: dict[int, bool]  # the session's marks when this round was made
    n: int
    items: dict[int, int] = field(default_factory=dict)  # file id -> the matched item (a video's frame)
    replies: list[ask.Reply] = field(default_factory=list)  # answers to the search's questions so far
    skipped: list[str] = field(default_factory=list)  # families answered "doesn't matter"


class SearchSession:
    """Multi-round search with relevance feedback; see the module docstring."""

    def __init__(self, engine: SearchEngine, filters: Filters | None = None):
        self._engine = engine
        self._ctx = engine.context
        self._filters = filters
        self._lock = threading.RLock()  # guards the state below; held briefly
        self._running = threading.Lock()  # one round at a time
        self._rounds: list[Round] = []
        self._marks: dict[int, bool] = {}
        self._asker: ask.Asker | None = None

    # ----- state --------------------------------------------------------------------------------

    @property
    def filters(self) -> Filters | None:
        """Restrictions for the rounds that follow (setting them does not re-run the current one)."""
        with self._lock:
            return self._filters

    @filters.setter
    def filters(self, value: Filters | None) -> None:
        with self._lock:
            self._filters = value

    @property
    def results(self) -> list[Hit]:
        """The current round's hits (empty before the first query)."""
        with self._lock:
            return list(self._rounds[-1].results) if self._rounds else []

    @property
    def marks(self) -> dict[int, bool]:
        """File id -> True (relevant) / False (not relevant), for the current query."""
        with self._lock:
            return dict(self._marks)

    @property
    def can_undo(self) -> bool:
        with self._lock:
            return len(self._rounds) > 1

    # ----- starting a round ---------------------------------------------------------------------

    def start(self, query: Query | Found, n: int = DEFAULT_N) -> list[Hit]:
        """Start over with `query` (prepared here unless it is already); the session's filters apply."""
        with self._running:
            found = query if isinstance(query, Found) else prepare(self._engine, query)
            self._engine.vindex.sync()  # caught up with the catalog, as every library query is
            results = found.again(found.vector.vector, found.vector.exclude, self.filters, n)
            with self._lock:
                self._push(Round(found, found.vector.vector, results, dict(self._marks), n))
                self._marks = {}
                return list(results)

    def text(self, query: str, n: int = DEFAULT_N) -> list[Hit]:
        """Start over with a text query (`-word` avoids things)."""
        return self.start(Query(TEXT, text=query), n)

    def similar(self, target: int | str | os.PathLike[str], box: Box | None = None, n: int = DEFAULT_N,
                t_s: float | None = None) -> list[Hit]:
        """Start over with the look-alikes of a picture, or of a region of it."""
        return self.start(Query(SIMILAR, target=target, box=box, t_s=t_s), n)

    def compose(self, reference: int | str | os.PathLike[str], text: str, n: int = DEFAULT_N,
                method: str | None = None, balance: float | None = None, include_reference: bool = False,
                t_s: float | None = None) -> list[Hit]:
        """Start over with a composed edit (see `Library.compose`)."""
        return self.start(Query(COMPOSE, text=text, target=reference, method=method, balance=balance,
                                include_target=include_reference, t_s=t_s), n)

    # ----- feedback -----------------------------------------------------------------------------

    def mark(self, file_id: int, relevant: bool | None) -> None:
        """Judge a result: True relevant, False not relevant, None forgets the judgement."""
        with self._lock:
            if not self._rounds:
                raise QueryError("nothing to mark yet: run a query first")
            if relevant is None:
                self._marks.pop(int(file_id), None)
            else:
                self._marks[int(file_id)] = bool(relevant)

    def refine(self, n: int | None = None) -> list[Hit]:
        """The next round: the starting query moved by all marks so far, under the current filters."""
        with self._running:
            with self._lock:
                if not self._rounds:
                    raise QueryError("nothing to refine yet: run a query first")
                last = self._rounds[-1]
                marks = dict(self._marks)
                items = {fid: iid for r in self._rounds for fid, iid in r.items.items()}
                n = last.n if n is None else n
            vector = self._refined(last.start.vector.vector, marks, items)
            hidden = {fid for fid, ok in marks.items() if not ok}
            results = last.start.again(vector, last.start.vector.exclude | hidden, self.filters, n)
            with self._lock:
                self._push(Round(last.start, vector, results, marks, n))
                return list(results)

    def undo(self) -> list[Hit]:
        """Back one round: its results, and the marks as they were when the undone round was made."""
        with self._running, self._lock:
            if len(self._rounds) < 2:
                raise QueryError("nothing to undo")
            undone = self._rounds.pop()
            self._marks = dict(undone.marks_before)
            return list(self._rounds[-1].results)

    # ----- asking back (core/search/ask.py) -----------------------------------------------------

    @property
    def asker(self) -> ask.Asker:
        """The model's question families with their answers' text vectors (encoded once per session)."""
        with self._lock:
            if self._asker is None:
                encoder = self._ctx.encoder
                self._asker = ask.Asker(encoder.encode_texts, ask.load_families(encoder.name))
            return self._asker

    @property
    def replies(self) -> list[ask.Reply]:
        """The answers given to this search's questions, oldest first."""
        with self._lock:
            return list(self._rounds[-1].replies) if self._rounds else []

    def question(self) -> ask.Question | None:
        """The question whose answer narrows the current results most; None when no answer would.

        Families already answered in this line of rounds are not asked again.
        """
        with self._lock:
            if not self._rounds:
                raise QueryError("nothing to ask about yet: run a query first")
            last = self._rounds[-1]
            asked = [r.family.key for r in last.replies] + last.skipped
            results = list(last.results[:ask.TOP_K])
        vectors = self._hit_vectors(results)
        return self.asker.choose(vectors, asked) if len(vectors) else None

    def skip(self, question: ask.Question | ask.Family) -> None:
        """"Doesn't matter": that question is not asked again for these results."""
        family = question.family if isinstance(question, ask.Question) else question
        with self._lock:
            if self._rounds and family.key not in self._rounds[-1].skipped:
                self._rounds[-1].skipped.append(family.key)

    def answer(self, question: ask.Question | ask.Family, label: str, negated: bool = False,
               n: int | None = None) -> list[Hit]:
        """The next round: the search narrowed by an answer ("not X" with `negated`); `undo` takes it back.

        The query vector moves towards the answer to find candidates, which are ordered by the starting query's
        score plus how surely each shows the answers (the soft filter that won tests/bench/ask.py).
        """
        reply = self.asker.reply(question, label, negated)
        with self._running:
            with self._lock:
                if not self._rounds:
                    raise QueryError("nothing to answer yet: run a query first")
                last = self._rounds[-1]
                replies = [*last.replies, reply]
                marks = dict(self._marks)
                n = last.n if n is None else n
            start = np.asarray(last.start.vector.vector, np.float32)
            vector = ask.Asker.direction(start, replies)
            hidden = {fid for fid, ok in marks.items() if not ok}
            pool = last.start.again(vector, last.start.vector.exclude | hidden, self.filters,
                                    max(ask.RERANK_MIN, ask.RERANK_FACTOR * n))
            vectors = self._hit_vectors(pool)
            ranked = vectors @ start + self.asker.rerank_bonus(replies, vectors) if pool else []
            order = sorted(range(len(pool)), key=lambda i: -float(ranked[i]))
            # shown with how well each matches the query itself; the order also weighs the answers
            results = [dataclasses.replace(pool[i], score=float(vectors[i] @ start)) for i in order[:n]]
            with self._lock:
                self._push(Round(last.start, vector, results, marks, n, replies=replies,
                                 skipped=list(last.skipped)))
                return list(results)

    def agreeing(self, hits: list[Hit]) -> list[Hit]:
        """The hits whose most likely answer to every question asked is the one given (not it, for "not X")."""
        replies = self.replies
        if not replies or not hits:
            return list(hits)
        keep = self.asker.agrees(replies, self._hit_vectors(hits))
        return [h for h, ok in zip(hits, keep, strict=True) if ok]

    def _hit_vectors(self, hits: list[Hit]) -> np.ndarray:
        if not hits:
            return np.zeros((0, 0), np.float32)
        return np.asarray([self._ctx.item_vector(h.item_id) for h in hits], np.float32)

    # ----- internals ----------------------------------------------------------------------------

    def _push(self, rnd: Round) -> None:
        rnd.items = {h.file.id: h.item_id for h in rnd.results}
        self._rounds.append(rnd)

    def _refined(self, start: np.ndarray, marks: dict[int, bool], items: dict[int, int]) -> np.ndarray:
        """Rocchio from the starting vector; a marked result counts by the item it matched with."""
        self._engine.vindex.sync()
        ctx = self._ctx

        def vectors(relevant: bool) -> np.ndarray:
            out = []
            for fid, ok in marks.items():
                if ok != relevant:
                    continue
                if fid in items:
                    out.append(ctx.item_vector(items[fid]))
                else:
                    out.append(ctx.file_vector(fid)[0])
            return np.asarray(out, np.float32) if out else np.zeros((0, len(start)), np.float32)

        return rocchio(start, vectors(True), vectors(False), ALPHA, BETA, GAMMA)
