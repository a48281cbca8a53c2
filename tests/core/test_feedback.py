"""`core.search.feedback`: Rocchio refinement, and sessions that query, mark, refine and undo."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import QueryError
from core.search.engine import Filters
from core.search.feedback import ALPHA, BETA, GAMMA, SearchSession, rocchio
from tests.core.handmade import HandmadeLibrary, axis, blend


def test_rocchio_moves_towards_relevant_and_away_from_not_relevant():
    q = axis(0)
    refined = rocchio(q * 3.0, np.stack([axis(1)]), np.stack([axis(2)]), ALPHA, BETA, GAMMA)
    expected = ALPHA * axis(0) + BETA * axis(1) - GAMMA * axis(2)
    np.testing.assert_allclose(refined, expected / np.linalg.norm(expected), atol=1e-6)
    empty = np.zeros((0, 8), np.float32)
    np.testing.assert_allclose(rocchio(q, empty, empty, ALPHA, BETA, GAMMA), q)
    with pytest.raises(QueryError, match="cancel the query out"):
        rocchio(q, empty, np.stack([axis(0)]), 1.0, 0.0, 1.0)


@pytest.fixture
def hand(tmp_path):
    lib = HandmadeLibrary(tmp_path)
    lib.add("query.jpg", [axis(0)])
    lib.add("near-a.jpg", [blend((0.9, 0), (0.44, 1))])
    lib.add("near-b.jpg", [blend((0.9, 0), (0.44, 2))])
    lib.add("far-a.jpg", [blend((0.4, 0), (0.9, 1))])
    lib.add("far-b.jpg", [blend((0.4, 0), (0.9, 2))])
    lib.add("clip.mp4", [axis(3), blend((0.5, 0), (0.5, 1))], times=[0.0, 1.0])
    yield lib
    lib.close()


def _names(hits) -> list[str]:
    return [h.path.rsplit("/", 1)[-1] for h in hits]


def test_a_session_refines_from_marks_and_undoes(hand):
    session = SearchSession(hand.engine())
    with pytest.raises(QueryError, match="run a query first"):
        session.mark(1, True)
    with pytest.raises(QueryError, match="nothing to refine"):
        session.refine()
    first = session.similar(hand.file_ids["query.jpg"], n=4)
    assert "query.jpg" not in _names(first)  # a look-alike query leaves its target out
    assert set(_names(first)[:2]) == {"near-a.jpg", "near-b.jpg"} and not session.can_undo
    session.mark(hand.file_ids["near-a.jpg"], True)
    session.mark(hand.file_ids["near-b.jpg"], False)
    assert session.marks == {hand.file_ids["near-a.jpg"]: True, hand.file_ids["near-b.jpg"]: False}
    second = session.refine()
    assert "near-b.jpg" not in _names(second), "a result marked not relevant stays out"
    assert _names(second)[0] == "near-a.jpg" and _names(second).index("far-a.jpg") < _names(second).index("far-b.jpg")
    assert session.can_undo and len(second) == 4
    marks = session.marks
    back = session.undo()
    assert _names(back) == _names(first) and session.marks == marks  # the marks as the undone round had them
    with pytest.raises(QueryError, match="nothing to undo"):
        session.undo()


def test_a_marked_video_counts_by_the_frame_it_matched(hand):
    session = SearchSession(hand.engine(), Filters(kinds=frozenset({"video"})))
    hits = session.similar(hand.file_ids["query.jpg"], n=1)
    assert _names(hits) == ["clip.mp4"] and hits[0].t_s == 1.0
    session.mark(hits[0].file.id, True)
    session.filters = None
    refined = session.refine(n=6)
    # far-a and far-b tie for the starting query; the matched frame leans towards far-a's axis
    before = {h.path: h.score for h in SearchSession(hand.engine()).similar(hand.file_ids["query.jpg"], n=6)}
    assert before["/media/far-a.jpg"] == pytest.approx(before["/media/far-b.jpg"], abs=2e-3)
    names = _names(refined)
    assert names.index("far-a.jpg") < names.index("far-b.jpg")
    session.mark(hits[0].file.id, None)
    assert session.marks == {}
