"""The search asks back (core/search/ask.py): which question, when none, and answers applied and undone."""

from __future__ import annotations

import numpy as np
import pytest

from core.search import ask
from tests.media_factory import write_pictures

DIM = 8


def _axis(i: int, dim: int = DIM) -> np.ndarray:
    v = np.zeros(dim, np.float32)
    v[i] = 1.0
    return v


COLOUR = ask.Family("colour", "Which colour?", (ask.Answer("red", ("red thing",)), ask.Answer("blue", ("blue thing",))))
SHAPE = ask.Family("shape", "Which shape?", (ask.Answer("circle", ("round thing",)),
                                               ask.Answer("square", ("square thing",))))
PROMPT_AXES = {"red thing": 0, "blue thing": 1, "round thing": 2, "square thing": 3}


def _encode(texts: list[str]) -> np.ndarray:
    return np.asarray([_axis(PROMPT_AXES[t]) for t in texts])


def _results(colours: list[int], shapes: list[int]) -> np.ndarray:
    """Result vectors leaning on one colour axis (0/1) and one shape axis (2/3) each."""
    rows = [_axis(c) + _axis(2 + s) for c, s in zip(colours, shapes, strict=True)]
    return np.asarray(rows) / np.sqrt(2)


def test_the_question_is_the_one_whose_answers_split_the_results():
    asker = ask.Asker(_encode, [COLOUR, SHAPE])
    # half red, half blue; all circles: only the colour tells the results apart
    q = asker.choose(_results([0, 1] * 10, [0] * 20))
    assert q is not None and q.family.key == "colour"
    assert [a.label for a in q.answers] == ["red", "blue"] or [a.label for a in q.answers] == ["blue", "red"]
    assert q.shares == pytest.approx([0.5, 0.5], abs=0.01) and q.gain > 0.9
    # the same results, the other way round
    q = asker.choose(_results([0] * 20, [0, 1] * 10))
    assert q.family.key == "shape"
    # an uneven split is worth less than an even one
    uneven = asker.gain(SHAPE, _results([0] * 20, [0] * 18 + [1] * 2))[0]
    even = asker.gain(SHAPE, _results([0] * 20, [0, 1] * 10))[0]
    assert 0 < uneven < even


def test_no_question_when_the_results_do_not_split():
    asker = ask.Asker(_encode, [COLOUR, SHAPE])
    assert asker.choose(_results([0] * 20, [1] * 20)) is None  # all red squares: every answer is the same
    assert asker.choose(_results([0], [1])) is None  # one result: nothing to narrow
    # results the answers cannot tell apart (orthogonal to every answer): no information, no question
    assert asker.choose(np.asarray([_axis(6)] * 10 + [_axis(7)] * 10)) is None


def test_asked_families_are_not_asked_again_and_answers_are_checked():
    asker = ask.Asker(_encode, [COLOUR, SHAPE])
    mixed = _results([0, 1, 0, 1] * 5, [0, 0, 1, 1] * 5)
    assert asker.choose(mixed, asked=["colour"]).family.key == "shape"
    assert asker.choose(mixed, asked=["colour", "shape"]) is None
    with pytest.raises(KeyError, match="not an answer"):
        asker.reply(COLOUR, "green")
    reply = asker.reply(COLOUR, "BLUE", negated=True)
    assert reply.answer.label == "blue" and reply.describe() == "not blue"


def test_an_answer_reranks_towards_it_and_not_x_away_from_it():
    asker = ask.Asker(_encode, [COLOUR, SHAPE])
    x = _results([0, 1, 0, 1], [0, 0, 1, 1])  # red circle, blue circle, red square, blue square
    blue = asker.reply(COLOUR, "blue")
    bonus = asker.rerank_bonus([blue], x)
    assert bonus[1] > bonus[0] and bonus[3] > bonus[2]
    not_blue = asker.reply(COLOUR, "blue", negated=True)
    assert list(asker.agrees([not_blue], x)) == [True, False, True, False]
    assert list(asker.agrees([blue, asker.reply(SHAPE, "square")], x)) == [False, False, False, True]
    q = ask.Asker.direction(_axis(2), [blue])
    assert q @ _axis(1) > 0 > q @ _axis(0)


def test_model_questions_come_from_its_file_and_others_get_the_generic_ones():
    world = ask.load_families("MediaLens-World")
    assert {f.key for f in world} >= {"colour", "shape", "background", "texture", "count"}
    colour = next(f for f in world if f.key == "colour")
    assert "a green star" in next(a for a in colour.answers if a.label == "green").prompts
    generic = ask.load_families("ViT-B-32")
    assert {f.key for f in generic} >= {"time", "setting", "place"}


def test_a_session_asks_answers_and_undoes(make_library, tmp_path):
    """Through the library: the question splits the results, an answer re-ranks them, undo restores them."""
    photos = tmp_path / "photos"
    write_pictures(photos, 24)
    lib = make_library()
    lib.index([photos])
    session = lib.session()
    first = session.text("a picture", n=12)
    ctx = lib.engine().context
    vectors = np.asarray([ctx.item_vector(h.item_id) for h in first])
    # a hand-made family whose two answers are two of the results themselves: the model "sees" them apart
    a, b = vectors[0], vectors[-1]
    prompts = {"like the first": a, "like the last": b}
    family = ask.Family("which", "Which one?", (ask.Answer("first", ("like the first",)),
                                                ask.Answer("last", ("like the last",))))
    session._asker = ask.Asker(lambda texts: np.asarray([prompts[t] for t in texts]), [family], temperature=0.002)
    question = session.question()
    assert question is not None and question.family.key == "which"
    narrowed = session.answer(question, "last")
    # the results the model takes for "last" come first, and some of the first round's do not agree
    agree = session.agreeing(narrowed)
    assert narrowed[0] in agree and len(session.agreeing(narrowed[:6])) > len(session.agreeing(first[:6]))
    assert len(session.agreeing(first)) < len(first)
    assert session.replies[0].describe() == "last" and session.question() is None  # asked already
    back = session.undo()
    assert [h.file.id for h in back] == [h.file.id for h in first] and session.replies == []
    away = session.answer(question, "last", negated=True)
    assert session.agreeing(away[:1]) == away[:1] and away[0].file.id not in {h.file.id for h in agree}
    session.undo()
    session.skip(question)
    assert session.question() is None  # "doesn't matter": not asked again
