"""Stand-ins for engine features still being built (issue 4), with the API the contract names.

`compose`, `session`, `explain`, and `similar(box=...)` (region search).

Installed only where `core.library.Library` lacks the method, so once the real
`compose`/`session` land the GUI tests run against them unchanged. They are
deliberately simple: the GUI tests check what the window asks for and shows,
not search quality.
"""

from __future__ import annotations

import numpy as np

from core.library import Library
from core.vectors import unit as normalise


def _compose(self, reference, text, n=20, offset=0, filters=None, method=None, balance=None,
             include_reference=False, t_s=None, exact=None):
    ref, exclude = self.query_vector_for(reference, t_s)
    b = 0.5 if balance is None else balance
    vec = normalise((1 - b) * ref + b * normalise(self.encode_text(text)))
    return self._engine_for_query().by_vector(vec, n, offset, filters,
                                              exclude_files=set() if include_reference else exclude)


class _Session:
    """Rounds and marks, refined by moving the query toward relevant and away from not relevant results."""

    def __init__(self, library, filters=None):
        self.lib, self.filters = library, filters
        self.rounds: list[tuple[np.ndarray, list, dict]] = []
        self._marks: dict[int, bool] = {}

    @property
    def marks(self):
        return dict(self._marks)

    def _start(self, vec, n=20, exclude=frozenset()):
        hits = self.lib._engine_for_query().by_vector(vec, n, 0, self.filters, exclude_files=exclude)
        self.rounds.append((vec, hits, {}))
        self._marks = {}
        return hits

    def text(self, query, n=20):
        return self._start(normalise(self.lib.encode_text(query)), n)

    def similar(self, target, box=None, n=20, t_s=None):
        vec, exclude = self.lib.query_vector_for(target, t_s)
        return self._start(vec, n, exclude)

    def compose(self, reference, text, n=20, method=None, balance=None, include_reference=False, t_s=None):
        ref, exclude = self.lib.query_vector_for(reference, t_s)
        b = 0.5 if balance is None else balance
        return self._start(normalise((1 - b) * ref + b * normalise(self.lib.encode_text(text))), n, exclude)

    def mark(self, file_id, relevant):
        if relevant is None:
            self._marks.pop(file_id, None)
        else:
            self._marks[file_id] = relevant

    def refine(self, n=None):
        engine = self.lib._engine_for_query()
        start = self.rounds[0][0]
        good = [engine.file_vector(f)[0] for f, ok in self._marks.items() if ok]
        bad = [engine.file_vector(f)[0] for f, ok in self._marks.items() if not ok]
        vec = start + (0.75 * np.mean(good, axis=0) if good else 0) - (0.25 * np.mean(bad, axis=0) if bad else 0)
        hidden = {f for f, ok in self._marks.items() if not ok}
        hits = engine.by_vector(normalise(vec), n or 20, 0, self.filters, exclude_files=hidden)
        self.rounds.append((vec, hits, dict(self._marks)))
        return hits

    def undo(self):
        _, _, marks_before = self.rounds.pop()
        self._marks = marks_before
        return self.rounds[-1][1]


class _Explanation:
    def __init__(self, box, heatmap, score):
        self.box, self.heatmap, self.score = box, heatmap, score


def _explain(self, file_id, query):
    """The left half of the picture "matches": a box and a heatmap to draw."""
    rec = self.file(file_id)
    heat = np.zeros((3, 4), np.float32)
    heat[:, :2] = 1.0
    return _Explanation((0, 0, rec.width // 2, rec.height), heat, 0.3)


def _similar_with_box(original):
    def similar(self, target, n=20, offset=0, filters=None, t_s=None, exact=None, include_self=False, box=None):
        if box is None:
            return original(self, target, n=n, offset=offset, filters=filters, t_s=t_s, exact=exact,
                            include_self=include_self)
        fid = self.resolve_file(target)
        path = self.file(fid).path if fid is not None else str(target)
        vec = normalise(self.encode_image_file(path, box=box))
        return self._engine_for_query().by_vector(vec, n, offset, filters, exclude_files={fid} if fid else set())

    return similar


def install(monkeypatch) -> None:
    """Give `Library` what issue 4 adds, where the engine has none of it yet."""
    import inspect

    if not hasattr(Library, "compose"):
        monkeypatch.setattr(Library, "compose", _compose, raising=False)
    if not hasattr(Library, "session"):
        monkeypatch.setattr(Library, "session", lambda self, filters=None: _Session(self, filters), raising=False)
    if not hasattr(Library, "explain"):
        monkeypatch.setattr(Library, "explain", _explain, raising=False)
    if "box" not in inspect.signature(Library.similar).parameters:
        monkeypatch.setattr(Library, "similar", _similar_with_box(Library.similar))
