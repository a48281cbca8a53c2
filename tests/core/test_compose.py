"""Composed edits, negative terms, feedback sessions, region search and explanations: the plumbing.

These run with the tiny random model, so they assert what holds for any model:
pixel-identical regions match, near-copies stay near, the balance dial's ends
are the image-only and text-only queries, feedback moves vectors the way it
says. What the methods are *good* at is asserted with the trained world model
in tests/quality/test_compose_quality.py.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from core.cli import main
from core.errors import QueryError
from core.search import inversion
from core.search.compose import METHODS
from core.search.engine import Filters
from core.search.query import ParsedQuery, avoid_terms, parse_query
from tests.conftest import TINY_MODEL
from tests.core.handmade import add_vectors, new_items
from tests.media_factory import picture, write_pictures

DUPLICATED = (3, 5, 7, 9)  # pictures that also have a near-copy in the library


@pytest.fixture(autouse=True)
def few_inversion_steps(monkeypatch):
    """Plumbing needs the optimisation to run, not to converge: keep it cheap."""
    monkeypatch.setitem(inversion.STEPS, "cpu", 5)


@pytest.fixture(scope="module")
def lib(tmp_path_factory, tiny_weights):
    """A library of 12 pictures, 4 near-copies (resized, re-encoded) and an explanation canvas."""
    from core.library import Library

    root = tmp_path_factory.mktemp("compose")
    pics = root / "pics"
    write_pictures(pics / "main", 12)
    (pics / "copies").mkdir()
    for seed in DUPLICATED:
        picture(seed).resize((300, 225)).save(pics / "copies" / f"copy_{seed}.jpg", quality=70)
    canvas = Image.new("RGB", (400, 400), (128, 128, 128))
    canvas.paste(picture(40, (200, 200)), (200, 200))
    (pics / "canvas").mkdir()
    canvas.save(pics / "canvas" / "canvas.png")
    library = Library(root / "lib", model=TINY_MODEL, weights=tiny_weights, device="cpu")
    library.index([pics])
    library.root = pics
    yield library
    library.close()


def _id(lib, relative: str) -> int:
    return lib.engine().context.resolve_file(str(lib.root / relative))


def _names(hits) -> list[str]:
    return [h.path.rsplit("/", 1)[-1] for h in hits]


# ----- query syntax -------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "parsed"), [
    ("beach -people", ParsedQuery("beach", ("people",))),
    ('street at night -"red car" -dogs, please', ParsedQuery("street at night please", ("red car", "dogs"))),
    ("t-shirt at -5 degrees, a - b", ParsedQuery("t-shirt at -5 degrees, a - b", ())),
    ("-people", ParsedQuery("", ("people",))),
    ('in red -"unclosed phrase', ParsedQuery("in red", ("unclosed phrase",))),
])
def test_query_syntax_splits_avoided_terms(raw, parsed):
    assert parse_query(raw) == parsed


@pytest.mark.parametrize(("raw", "message"), [("", "is empty"), ("   ", "is empty"), ('x -""', "empty phrase")])
def test_query_syntax_errors(raw, message):
    with pytest.raises(QueryError, match=message):
        parse_query(raw)


def test_avoided_terms_push_what_they_name_down(lib):
    """Whatever the model, results for "shapes -X" agree less with X than results for "shapes"."""
    engine = lib.engine()
    avoided = engine.context.encode_text("red")

    def agreement(hits):
        return float(np.mean([engine.context.item_vector(h.item_id) @ avoided for h in hits]))

    plain, avoiding = lib.search("shapes", n=5), lib.search("shapes -red", n=5)
    assert _names(plain) != _names(avoiding)
    assert agreement(avoiding) < agreement(plain)
    q = engine.context.encode_text("shapes")
    moved = avoid_terms(q, ("red",), lib.models.encoder.encode_texts)
    assert moved @ avoided < q @ avoided and np.isclose(np.linalg.norm(moved), 1.0)


# ----- composed queries ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["sum", "direction"])
def test_balance_ends_are_the_image_only_and_text_only_queries(lib, method):
    ref = _id(lib, "main/pic_00001.jpg")
    image_only = lib.compose(ref, "a red circle", n=6, method=method, balance=0.0, include_reference=True)
    assert _names(image_only) == _names(lib.similar(ref, n=6, include_self=True))
    # Halfway, the text moves the query: the library's whole order changes (the top six of the tiny random
    # model may stay as they were).
    middle = lib.compose(ref, "a red circle", n=20, method=method, balance=0.5, include_reference=True)
    assert _names(middle) != _names(lib.compose(ref, "a red circle", n=20, method=method, balance=0.0,
                                                include_reference=True))
    if method == "sum":
        text_only = lib.compose(ref, "a red circle", n=6, method=method, balance=1.0, include_reference=True)
        assert _names(text_only) == _names(lib.search("a red circle", n=6))


def test_reference_and_near_duplicates_are_excluded_unless_asked_for(lib):
    ref = _id(lib, "main/pic_00003.jpg")
    copy = _id(lib, "copies/copy_3.jpg")
    assert lib.engine().context.file_vector(ref)[0] @ lib.engine().context.file_vector(copy)[0] > 0.95
    for method in METHODS:
        found = {h.file.id for h in lib.compose(ref, "in red", n=20, method=method)}
        assert ref not in found and copy not in found, method
        assert len(found) >= 14, "only copies go: the threshold is calibrated on half-size JPEG copies"
    found = [h.file.id for h in lib.compose(ref, "in red", n=20, balance=0.0, include_reference=True)]
    assert found[:2] in ([ref, copy], [copy, ref])
    # an outside file: its library twin counts as the reference
    outside = lib.root.parent / "outside.png"
    picture(5).save(outside)
    found = {h.file.id for h in lib.compose(outside, "in red", n=20, method="sum")}
    assert _id(lib, "main/pic_00005.jpg") not in found and _id(lib, "copies/copy_5.jpg") not in found


def test_every_method_ranks_and_avoids(lib):
    ref = _id(lib, "main/pic_00002.jpg")
    for method in METHODS:
        hits = lib.compose(ref, "in red", n=5, method=method)
        assert len(hits) == 5 and [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        avoiding = lib.compose(ref, "in red -stripes", n=16, method=method)
        assert [(h.path, round(h.score, 4)) for h in avoiding] != [
            (h.path, round(h.score, 4)) for h in lib.compose(ref, "in red", n=16, method=method)], method
    # a change that only avoids something is the reference without it
    assert _names(lib.compose(ref, "-stripes", n=16)) != _names(lib.similar(ref, n=16))


def test_inversion_fits_the_reference_better_with_steps(lib):
    target = lib.engine().context.file_vector(_id(lib, "main/pic_00004.jpg"))[0]
    none, some = inversion.invert(lib.models.encoder, target, 0), inversion.invert(lib.models.encoder, target, 30)
    assert some.fit > none.fit + 0.1
    caption = inversion.encode_with_word(lib.models.encoder, some, [inversion.TEMPLATE])[0]
    assert caption @ target == pytest.approx(some.fit, abs=1e-4)


def test_inversion_does_not_leak_into_other_threads(lib):
    """The pseudo-word is spliced in on the inverting thread only; plain text encodes as before."""
    enc = lib.models.encoder
    texts = [f"a photo of * number {i}" for i in range(40)]
    expected = enc.encode_texts(texts)
    enc._text_cache.clear()
    target = lib.engine().context.file_vector(_id(lib, "main/pic_00006.jpg"))[0]
    worker = threading.Thread(target=inversion.invert, args=(enc, target, 60))
    worker.start()
    seen = []
    while worker.is_alive() or not seen:
        enc._text_cache.clear()
        seen.append(enc.encode_texts(texts))
    worker.join()
    assert all(np.allclose(s, expected, atol=1e-5) for s in seen)


@pytest.mark.parametrize(("call", "message"), [
    (lambda lib: lib.compose(lib.root / "nope.jpg", "in red"), "no such file"),
    (lambda lib: lib.compose(1, ""), "change text is empty"),
    (lambda lib: lib.compose(1, "in red", method="magic"), "unknown composition method 'magic'"),
    (lambda lib: lib.compose(1, "in red", balance=1.5), "balance must lie between 0"),
    (lambda lib: lib.compose(99999, "in red"), "no library item with id 99999"),
    (lambda lib: lib.search("-people"), "only says what to avoid"),
    (lambda lib: lib.similar(_id(lib, "main/pic_00001.jpg"), box=(0, 0, 400, 100)),
     r"pic_00001.jpg: the box \(0, 0, 400, 100\) lies outside the image \(320×240"),
    (lambda lib: lib.similar(_id(lib, "main/pic_00001.jpg"), box=(50, 10, 50, 100)), "is empty"),
    (lambda lib: lib.similar(lib.root / "nope.jpg", box=(0, 0, 5, 5)), "no such file"),
    (lambda lib: lib.explain(99999, "red"), "no library item with id 99999"),
    (lambda lib: lib.explain(1, "  "), "search text is empty"),
])
def test_bad_input_is_a_clear_error(lib, call, message):
    with pytest.raises(QueryError, match=message):
        call(lib)


# ----- regions ------------------------------------------------------------------------------------

def test_region_search_finds_the_look_alikes_of_each_half(lib, tmp_path):
    """Two pictures side by side; a box on either half finds that half's picture first.

    The file is stored rotated with an EXIF orientation tag: boxes are in upright pixels.
    """
    upright = Image.new("RGB", (640, 240))
    upright.paste(picture(8), (0, 0))
    upright.paste(picture(10), (320, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    path = tmp_path / "halves.jpg"
    upright.transpose(Image.Transpose.ROTATE_90).save(path, quality=95, exif=exif.tobytes())
    assert _names(lib.similar(path, n=1, box=(0, 0, 320, 240))) == ["pic_00008.jpg"]
    assert _names(lib.similar(path, n=1, box=(320, 0, 640, 240))) == ["pic_00010.jpg"]
    with pytest.raises(QueryError, match="outside the image"):
        lib.similar(path, box=(0, 0, 240, 640))  # the stored (sideways) size is not the image's


def test_region_of_a_library_photo_leaves_the_photo_out(lib):
    canvas = _id(lib, "canvas/canvas.png")
    assert canvas not in [h.file.id for h in lib.similar(canvas, n=50, box=(200, 200, 400, 400))]
    assert canvas in [h.file.id for h in lib.similar(canvas, n=50, box=(200, 200, 400, 400), include_self=True)]


def test_explain_points_at_the_matching_region(lib):
    """The canvas is grey with one picture in its bottom-right quarter: that quarter is the best box."""
    canvas = _id(lib, "canvas/canvas.png")
    query = lib.models.encoder.encode_images([picture(40, (200, 200))])[0]
    e = lib.explain(canvas, query)
    assert e.box == (200, 200, 400, 400)
    assert e.heatmap.shape == (4, 4)
    assert e.heatmap[3, 3] == e.heatmap.max() and e.heatmap[0, 0] < e.heatmap[3, 3]
    assert e.score > 0.99
    assert lib.explain(canvas, "red").heatmap.shape == (4, 4)


# ----- feedback sessions --------------------------------------------------------------------------

def _rank(hits, file_id: int) -> int:
    ids = [h.file.id for h in hits]
    return ids.index(file_id) if file_id in ids else len(ids)


def test_feedback_moves_relevant_neighbours_up_and_irrelevant_ones_down(lib):
    session = lib.session()
    first = session.text("shapes", n=30)
    copies = {seed: _id(lib, f"copies/copy_{seed}.jpg") for seed in DUPLICATED}
    order = sorted(DUPLICATED, key=lambda seed: _rank(first, copies[seed]))
    liked, disliked = order[-1], order[0]  # the lowest-ranked copy's original is liked, the highest's not
    session.mark(_id(lib, f"main/pic_{liked:05d}.jpg"), True)
    session.mark(_id(lib, f"main/pic_{disliked:05d}.jpg"), False)
    second = session.refine()
    assert _rank(second, copies[liked]) < _rank(first, copies[liked])
    assert _rank(second, copies[disliked]) > _rank(first, copies[disliked])
    assert _id(lib, f"main/pic_{disliked:05d}.jpg") not in [h.file.id for h in second], "marked not relevant"
    assert session.results == second


def test_undo_restores_results_and_marks(lib):
    session = lib.session()
    with pytest.raises(QueryError, match="run a query first"):
        session.mark(1, True)
    first = session.similar(_id(lib, "main/pic_00000.jpg"), n=8)
    assert not session.can_undo
    with pytest.raises(QueryError, match="nothing to undo"):
        session.undo()
    session.mark(first[0].file.id, True)
    session.mark(first[1].file.id, False)
    second = session.refine()
    session.mark(second[2].file.id, True)
    session.mark(first[1].file.id, None)  # forgets
    assert session.marks == {first[0].file.id: True, second[2].file.id: True}
    third = session.compose(_id(lib, "main/pic_00000.jpg"), "in blue", n=8)
    assert session.marks == {}
    assert session.undo() == second and session.results == second
    assert session.marks == {first[0].file.id: True, second[2].file.id: True}
    assert session.undo() == first
    assert session.marks == {first[0].file.id: True, first[1].file.id: False}
    assert third != first


def test_session_filters_apply_to_the_next_round(lib):
    session = lib.session()
    everything = session.text("shapes", n=20)
    assert any("/copies/" in h.path for h in everything)
    session.mark(everything[0].file.id, True)
    session.filters = Filters(folder=str(lib.root / "copies"))
    refined = session.refine()
    assert refined and all("/copies/" in h.path for h in refined)
    assert session.similar(_id(lib, "main/pic_00001.jpg"), box=(0, 0, 160, 120)) and all(
        "/copies/" in h.path for h in session.results)


def test_session_can_be_driven_from_two_threads(lib):
    """A worker refines while another thread marks: no errors, and every round is complete."""
    session = lib.session()
    hits = session.text("shapes", n=10)
    errors: list[BaseException] = []

    def marker():
        try:
            for i in range(200):
                session.mark(hits[i % len(hits)].file.id, [True, False, None][i % 3])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=marker)
    thread.start()
    rounds = [session.refine() for _ in range(5)]
    thread.join()
    assert not errors
    assert all(len(r) == 10 for r in rounds)


# ----- command line -------------------------------------------------------------------------------

def _cli(lib, tiny_weights, command: str, *args: str) -> list[str]:
    return [command, "--library", str(lib.home), "--model", TINY_MODEL, "--weights", str(tiny_weights), *args]


def test_cli_compose_similar_box_and_explain(lib, tiny_weights, capsys):
    ref = str(lib.root / "main" / "pic_00002.jpg")
    assert main(_cli(lib, tiny_weights, "compose", ref, "in red -stripes", "-n", "3", "--explain")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6 and all(line.strip().startswith("best region") for line in lines[1::2])
    assert ref not in "".join(lines)
    assert main(_cli(lib, tiny_weights, "compose", ref, "in red", "-n", "1", "--balance", "0",
                     "--include-reference")) == 0
    assert ref in capsys.readouterr().out
    assert main(_cli(lib, tiny_weights, "similar", ref, "--box", "0,0,160,120", "-n", "2")) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


@pytest.mark.parametrize(("args", "message"), [
    (("similar", "1", "--box", "0,0,10"), "needs four numbers"),
    (("similar", "1", "--box", "a,b,c,d"), "not four whole numbers"),
])
def test_cli_usage_errors(lib, tiny_weights, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        main(_cli(lib, tiny_weights, *args))
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (("similar", "1", "--box", "0,0,999,10"), "lies outside the image"),
    (("compose", "missing.jpg", "in red"), "missing.jpg: no such file"),
    (("compose", "1", "in red", "--method", "magic"), "unknown composition method"),
    (("search", "--", "-people"), "only says what to avoid"),
])
def test_cli_errors_are_one_line(lib, tiny_weights, capsys, args, message):
    assert main(_cli(lib, tiny_weights, *args)) == 1
    err = capsys.readouterr().err
    assert err.startswith("medialens: error: ") and message in err and err.count("\n") == 1


# ----- video frames as references -----------------------------------------------------------------

def test_a_video_frame_can_be_the_reference(make_library, tmp_path):
    """A video whose frames at 0, 1 and 2 s look like three library photos (rows written as the
    indexer would): composing from the frame at `t_s` starts from that frame, not the whole video."""
    import time as _time

    from core.store.catalog import MediaFile

    folder = tmp_path / "pics"
    paths = write_pictures(folder, 6)
    lib = make_library()
    lib.index([folder])
    engine = lib.engine()
    photo_ids = [engine.context.resolve_file(str(p)) for p in paths]
    photo_items = [lib.catalog.items_of_file(f)[0][0] for f in photo_ids]
    blobs = lib.catalog.vectors_for_items(engine.model_id, photo_items)
    with lib.catalog.write() as s:
        video = MediaFile(root_id=1, path=str(folder / "clip.mp4"), size=1, mtime_ns=0, kind="video",
                          status="ok", added_at=_time.time())
        s.add(video)
        s.flush()
        items = new_items(s, video.id, [0.0, 1.0, 2.0])
        add_vectors(s, engine.model_id, [(i, blobs[it]) for i, it in zip(
            items, photo_items[1:4], strict=True)])
        video_id = video.id
    for t_s, photo in ((1.0, photo_ids[2]), (2.0, photo_ids[3])):
        hits = lib.compose(video_id, "in red", n=3, method="sum", balance=0.0, t_s=t_s, include_reference=True)
        assert next(h.file.id for h in hits if h.kind == "image") == photo
        assert photo not in {h.file.id for h in lib.compose(video_id, "in red", n=6, method="sum", t_s=t_s)}
