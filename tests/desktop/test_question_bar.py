"""The search asks back in the window: a question's answers as chips; a click narrows, Undo takes it back."""

from __future__ import annotations

import numpy as np

from core.search import ask
from tests.media_factory import write_pictures


def test_chips_answer_and_undo(qtbot, tmp_path, make_window, make_library):
    photos = tmp_path / "photos"
    write_pictures(photos, 20)
    indexer = make_library("lib")
    indexer.index([photos])
    indexer.close()
    w = make_window(tmp_path / "lib", wait_model=True)
    lib = w.host.library
    ctx = lib.engine().context
    hits = lib.search("a picture", n=20)
    first, last = (ctx.item_vector(h.item_id) for h in (hits[0], hits[-1]))
    prompts = {"like the first": first, "like the last": last}
    family = ask.Family("which", "Which one?", (ask.Answer("first", ("like the first",)),
                                                ask.Answer("last", ("like the last",))))
    # the tiny random model tells nothing apart: give the session a family that splits its results
    real_session = lib.session

    def session(*args, **kwargs):
        s = real_session(*args, **kwargs)
        s._asker = ask.Asker(lambda texts: np.asarray([prompts[t] for t in texts]), [family], temperature=0.002)
        return s

    lib.session = session
    bar = w.question_bar
    with qtbot.waitSignal(w.controller.question_changed, timeout=30_000,
                          check_params_cb=lambda q: q is not None):
        w.controller.search("a picture")
    assert bar.isVisible() and bar.label.text() == "Which one?"
    assert sorted(c.text().split()[0] for c in bar.chips) == ["first", "last"]
    before = [w.controller.model.hit(i).file.id for i in range(w.controller.model.rowCount())]
    chip = next(c for c in bar.chips if c.text().startswith("last"))
    with qtbot.waitSignal(w.controller.finished, timeout=30_000):
        chip.click()
    assert w.controller.rounds == 1 and w.results_actions.act_undo.isEnabled()
    after = [w.controller.model.hit(i).file.id for i in range(w.controller.model.rowCount())]
    assert after != before
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=10_000)  # the one family was asked: nothing more to ask
    with qtbot.waitSignal(w.controller.finished, timeout=30_000):
        w.results_actions.act_undo.trigger()
    assert w.controller.rounds == 0
    qtbot.waitUntil(lambda: bar.isVisible(), timeout=30_000)  # asked again about the first results
    w.close()
