"""The per-query cutoff's arithmetic, date order, browsing, and the CLI's --all / --sort / browse.

The cutoff's quality (trained model vs a flat threshold) is asserted in
tests/quality/test_quality_cutoff.py; here the tiny random model only proves plumbing.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import numpy as np
import pytest

from core.errors import QueryError
from core.search import cutoff
from core.search.engine import Filters, Hit
from core.store.catalog import FileRecord
from tests.conftest import TINY_MODEL
from tests.media_factory import write_pictures


def _record(file_id: int, taken_at: dt.datetime | None = None, mtime: dt.datetime | None = None) -> FileRecord:
    return FileRecord(id=file_id, path=f"/p/{file_id}.jpg", kind="image", size=1, format="JPEG", width=1, height=1,
                      taken_at=taken_at, camera_make=None, camera_model=None, gps_lat=None, gps_lon=None,
                      duration_s=None, fps=None, codec=None, content_hash=None, status="ok", error=None,
                      mtime_ns=int(mtime.timestamp() * 1e9) if mtime else None)


def test_background_is_robust_to_the_few_relevant_scores():
    rng = np.random.default_rng(0)
    unrelated = rng.normal(0.1, 0.05, 1000)
    with_matches = np.concatenate([unrelated, np.full(30, 0.5)])
    a, b = cutoff.Background.of(unrelated), cutoff.Background.of(with_matches)
    assert abs(a.median - b.median) < 0.01 and abs(a.spread - b.spread) < 0.01
    assert a.spread == pytest.approx(0.05, rel=0.1)
    assert cutoff.Background.of(np.full(10, 0.3)).spread > 0  # a flat background still divides


@pytest.mark.parametrize("kind", cutoff.KINDS)
def test_a_lone_best_score_is_cut_shorter_than_a_plateau(kind):
    """Same scale, same background: one answer standing alone vs many answers at the top."""
    calibration = cutoff.CALIBRATIONS[kind]
    rng = np.random.default_rng(1)
    background = cutoff.Background.of(rng.normal(0.1, 0.1, 2000))
    tail = np.sort(rng.normal(0.1, 0.1, 300))[::-1]
    lone = np.concatenate([[0.55], tail])
    plateau = np.concatenate([np.linspace(0.45, 0.4, 25), tail])
    lone_count = cutoff.match_count(cutoff.relevance(lone, background, calibration), calibration)
    plateau_count = cutoff.match_count(cutoff.relevance(plateau, background, calibration), calibration)
    least = {"short": 20, "long": 10}[kind]  # a scene description rarely has 25 matches: its cut is warier
    assert lone_count < 5 and least <= plateau_count < len(plateau) // 2, (lone_count, plateau_count)


def test_expected_f1_rule_stops_where_more_results_cost_more_than_they_find():
    calibration = cutoff.Calibration((0.0,), rule="expected-f1")
    assert cutoff.match_count(np.array([0.95, 0.05, 0.05, 0.05]), calibration) == 1
    assert cutoff.match_count(np.array([0.9, 0.85, 0.8, 0.1, 0.05]), calibration) == 3
    assert cutoff.match_count(np.array([0.45, 0.45, 0.4, 0.01]), calibration) == 3
    assert cutoff.match_count(np.array([]), calibration) == 0


def test_short_texts_are_focused_and_nothing_else_is():
    assert [cutoff.query_kind(t) for t in ("a green star", "beach", "", "two red circles on the left of a grey "
                                           "striped background")] == ["short", "short", "long", "long"]
    rng = np.random.default_rng(2)
    query, reference = rng.normal(size=8), rng.normal(size=8) * 0.1
    query /= np.linalg.norm(query)
    short = cutoff.focused(query, "a green star", reference)
    expected = query - cutoff.REFERENCE_WEIGHT * reference
    assert np.allclose(short, expected / np.linalg.norm(expected), atol=1e-6)
    assert cutoff.focused(query, "a long description of one scene with many words", reference) is query
    assert cutoff.focused(query, "a green star", None) is query


def test_a_model_without_reference_prompts_is_searched_unfocused():
    assert cutoff.reference_prompts(TINY_MODEL) == []
    assert len(cutoff.reference_prompts("MediaLens-World")) == 48


def test_match_count_keeps_the_best_and_ends_at_the_last_probable_one():
    calibration = cutoff.Calibration((0.0,), threshold=0.5)
    assert cutoff.match_count(np.array([0.9, 0.2, 0.6, 0.1, 0.1]), calibration) == 3
    assert cutoff.match_count(np.array([0.1, 0.05]), calibration) == 1
    assert cutoff.match_count(np.array([]), calibration) == 0
    assert [calibration.confidence(p) for p in (0.9, 0.45, 0.1)] == ["strong", "likely", "weak"]


def test_date_order_uses_capture_time_then_file_time_and_keeps_moments_in_time_order():
    old, new = dt.datetime(2019, 5, 1), dt.datetime(2024, 8, 1)
    photo_old = Hit(_record(1, taken_at=old), 1, 0.9)
    photo_new_by_mtime = Hit(_record(2, mtime=new), 2, 0.2)
    video = _record(3, taken_at=dt.datetime(2021, 1, 1))
    late, early = Hit(video, 3, 0.5, start_s=30.0, end_s=35.0), Hit(video, 4, 0.4, start_s=2.0, end_s=6.0)
    hits = [photo_old, late, photo_new_by_mtime, early]
    assert cutoff.sort_hits(hits, "date") == [photo_new_by_mtime, early, late, photo_old]
    assert cutoff.sort_hits(hits, "relevance") == [photo_old, late, early, photo_new_by_mtime]
    with pytest.raises(QueryError, match="cannot sort by 'size'"):
        cutoff.sort_hits(hits, "size")


@pytest.fixture
def dated_library(make_library, tmp_path):
    """40 photos in two folders, file times one day apart (no EXIF dates): a calibrated background."""
    folders = [tmp_path / "a", tmp_path / "b"]
    paths = write_pictures(folders[0], 25) + write_pictures(folders[1], 15, start=25)
    base = dt.datetime(2023, 1, 1).timestamp()
    for i, path in enumerate(paths):
        os.utime(path, (base + i * 86400, base + i * 86400))
    lib = make_library()
    lib.index(folders)
    return lib, paths, folders


def test_matches_cut_label_and_page_the_library(dated_library):
    lib, paths, _ = dated_library
    found = lib.matches("red circles")
    assert found.calibrated and found.complete and len(found.hits) == len(paths)
    assert 1 <= found.count <= len(found.hits)
    assert [h.score for h in found.hits] == sorted((h.score for h in found.hits), reverse=True)
    assert all(h.extra["confidence"] in ("strong", "likely", "weak") for h in found.hits)
    assert all(found.hits[i].extra["relevance"] >= 0 for i in range(len(found.hits)))
    assert found.matches == found.hits[:found.count] and found.below_cutoff == found.hits[found.count:]
    only_b = lib.matches("red circles", filters=Filters(kinds=frozenset({"image"}), folder=str(paths[30].parent)))
    assert {h.path for h in only_b.hits} == {str(p) for p in paths[25:]}


def test_a_refined_text_search_stays_cut_where_its_matches_end(dated_library):
    """A feedback session searched a text's rounds with its bare vector: every result came back, cut nowhere and
    without the words read in pictures. Its rounds are searched as `Library.find` searches the text."""
    lib, paths, _ = dated_library
    cut = lib.matches("red circles")
    session = lib.session()
    first = session.text("red circles", n=len(paths))
    assert [h.file.id for h in first] == [h.file.id for h in cut.matches]
    session.mark(first[0].file.id, True)
    refined = session.refine()
    assert refined and all(h.extra["confidence"] in ("strong", "likely", "weak") for h in refined)
    assert all(h.extra.get("relevance", 0) >= 0 for h in refined) and len(refined) <= len(paths)


def test_browse_pages_newest_first_with_filters(dated_library):
    lib, paths, folders = dated_library
    first, second = lib.browse(0, 10), lib.browse(10, 10)
    assert [f.path for f in first + second] == [str(p) for p in reversed(paths)][:20]
    assert lib.browse_count() == 40
    assert lib.browse_count(Filters(folder=str(folders[0]))) == 25
    assert {f.path for f in lib.browse(0, 100, Filters(folder=str(folders[1])))} == {str(p) for p in paths[25:]}
    assert lib.browse(0, 10, Filters(kinds=frozenset({"video"}))) == []
    # the window sorts once and reads its pages by id: the same order, page by page
    order = lib.browse_ids()
    assert order == [f.id for f in lib.browse(0, 100)]
    assert lib.browse_ids(Filters(folder=str(folders[1]))) == [f.id for f in lib.browse(0, 100, Filters(
        folder=str(folders[1])))]
    page = lib.files_in_order([order[12], -1, order[3]])
    assert [f.path for f in (page[0], page[2])] == [f.path for f in lib.browse(12, 1) + lib.browse(3, 1)]
    assert page[1] is None  # not in the library (any more)


def test_search_matches_and_explain_share_a_short_query_focused_by_the_models_prompts(dated_library, tmp_path,
                                                                                    monkeypatch):
    """With reference prompts a short text's order changes, the same way for search, matches and explain."""
    lib, _, _ = dated_library
    plain = [h.path for h in lib.search("red circles", n=40)]
    (tmp_path / f"{TINY_MODEL}.prompts.txt").write_text("# test prompts\na blue square\ngreen stripes\n")
    monkeypatch.setattr(cutoff, "PROMPTS_DIR", tmp_path)
    monkeypatch.setattr(cutoff, "REFERENCE_WEIGHT", 3.0)  # the tiny model's vectors: a weight that reorders
    lib.engine().context.forget()  # what it remembered of the model's prompts (none) before these
    found = lib.matches("red circles")
    searched = lib.search("red circles", n=40)
    assert [h.path for h in found.hits] == [h.path for h in searched] != plain
    engine = lib.engine()
    from core.search.query import text_query

    query = text_query(engine.context, "red circles")
    reference = cutoff.reference_direction(engine.context.encoder.encode_texts(["a blue square", "green stripes"]))
    assert np.allclose(query.vector, cutoff.focused(engine.context.encode_text("red circles"), "red circles",
                                                    reference), atol=1e-5)
    assert searched[0].score == pytest.approx(float(engine.context.item_vector(searched[0].item_id) @ query.vector),
                                              abs=1e-4)
    long_text = "two red circles on the left and a blue square on the right of a grey background"
    assert np.allclose(text_query(engine.context, long_text).vector, engine.context.encode_text(long_text), atol=1e-6)


def test_cli_search_all_sort_and_browse(dated_library, tiny_weights, capsys):
    from core.cli import main

    lib, paths, _ = dated_library
    home = ["--library", str(lib.home), "--model", TINY_MODEL, "--weights", str(tiny_weights)]
    count = lib.matches("red circles").count
    lib.close()

    def run(*args: str) -> str:
        assert main([*args, *home]) == 0
        return capsys.readouterr().out

    lines = run("search", "red circles", "-n", "100").splitlines()
    assert len(lines) == count + 1 and lines[-1].startswith(f"# {count} matches, {count} shown; ")
    assert lines[0].split()[-1] in ("strong", "likely", "weak")
    everything = run("search", "red circles", "--all", "-n", "100").splitlines()
    assert len(everything) == len(paths)
    by_date = json.loads(run("search", "red circles", "--sort", "date", "--all", "--json", "-n", "100"))
    assert [h["path"] for h in by_date] == [str(p) for p in reversed(paths)]
    browsed = run("browse", "-n", "3").splitlines()
    assert browsed[0] == "== 2023 February" and str(paths[-1]) in browsed[1]
    assert browsed[-1] == "# 40 files, newest first; showing 1–3"


def test_the_background_median_is_numpys_to_the_bit():
    """Background.of takes its medians without np.median (15 ms of lazy set-up in a cold search)."""
    import numpy as np

    from core.search.cutoff import Background

    rng = np.random.default_rng(5)
    for n in (1, 2, 3, 10, 11, 500, 501):
        scores = rng.standard_normal(n) * 0.1 + 0.2
        bg = Background.of(scores)
        median = float(np.median(scores))
        assert bg.median == median and bg.size == n
        assert bg.spread == max(1.4826 * float(np.median(np.abs(scores - median))), 1e-4)


def test_a_feedback_session_started_from_the_search_shown_does_not_search_the_library_again(dated_library,
                                                                                            monkeypatch):
    """The window starts a session from every text search it shows (to ask back): at 100k items that was a
    second whole search right after each one (tests/bench/gui_scale.py)."""
    from core.library import Query

    lib, _, _ = dated_library
    found = lib.find(Query("text", text="red circles"))
    shown = found.matches()
    engine = lib.engine()
    calls = []
    ranked_page = engine.ranked_page  # where every search of the library goes (`by_vector` too)
    monkeypatch.setattr(engine, "ranked_page", lambda *a, **k: calls.append(1) or ranked_page(*a, **k))
    first = lib.session().start(found, n=10)
    assert calls == []
    assert [(h.file.id, h.score) for h in first] == [(h.file.id, h.score) for h in shown.matches[:10]]
    moved = found.again(-found.vector.vector, frozenset(), None, 10)  # another vector is searched
    assert calls and [h.file.id for h in moved] != [h.file.id for h in first]


def test_a_text_searched_again_is_answered_from_its_kept_matches_until_the_catalog_changes(dated_library,
                                                                                          monkeypatch):
    from sqlalchemy import update

    from core.store.catalog import MediaFile

    lib, _, _ = dated_library
    first = lib.matches("red circles")
    engine = lib.engine()
    calls = []
    ranked_page = engine.ranked_page  # where every search of the library goes (`by_vector` too)
    monkeypatch.setattr(engine, "ranked_page", lambda *a, **k: calls.append(1) or ranked_page(*a, **k))
    again = lib.matches("red circles")
    assert calls == [] and [h.file.id for h in again.hits] == [h.file.id for h in first.hits]
    lib.matches("blue squares")
    assert calls  # another text is searched
    calls.clear()
    with lib.catalog.write() as s:
        s.execute(update(MediaFile).where(MediaFile.id == first.hits[0].file.id).values(camera_model="X"))
    changed = lib.matches("red circles")
    assert calls and [h.file.id for h in changed.hits] == [h.file.id for h in first.hits]
