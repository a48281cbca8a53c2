"""Text in pictures: a real OCR run on photos with words drawn on them, stored, searched and fused with CLIP.

The tiny model has random weights, so CLIP alone ranks these photos by chance: when a
search for a photo's words puts that photo first, the text expert did it.
"""

from __future__ import annotations

import shutil

import pytest

from core.indexing import ocr
from core.indexing.control import Control
from core.indexing.item_stage import frames_to_read
from core.search.fusion import text_evidence
from core.search.query import text_query
from core.store.catalog import Catalog, TextLine
from tests.text_pictures import text_photo, write_text_photos

pytestmark = pytest.mark.slow


def _coco(shared_data, n: int, start: int = 0):
    return sorted((shared_data / "images" / "coco").glob("*.jpg"))[start:start + n]


@pytest.fixture
def text_folder(tmp_path, shared_data):
    """Five photos with words (one small), and four plain photos."""
    folder = tmp_path / "photos"
    placed = write_text_photos(folder, _coco(shared_data, 5), 5, seed=11)
    for p in _coco(shared_data, 4, start=20):
        shutil.copy2(p, folder / p.name)
    return folder, placed


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_words_in_photos_are_found_and_fused_first(make_library, text_folder):
    folder, placed = text_folder
    lib = make_library()
    report = lib.index([folder], ocr=True)
    assert report.text_read == 9 and report.text_lines >= 5
    engine = lib.engine()
    clip_alone_first = 0
    for path, what in placed.items():
        query = what.phrase.lower()
        hits = lib.search(query, n=3)
        assert hits[0].path == str(path), f"{query!r}: {[h.path for h in hits]}"
        text = hits[0].extra["text"]
        assert text["coverage"] == 1.0
        assert any(_overlaps(line["box"], what.box) for line in text["lines"]), (text, what.box)
        clip = engine.by_vector(text_query(engine.context, query).vector, 3)
        clip_alone_first += clip[0].path == str(path)
        # The photo keeps its own cosine as its score; only the order is fused.
        own = next(h for h in engine.by_vector(text_query(engine.context, query).vector, 20) if h.path == str(path))
        assert hits[0].score == pytest.approx(own.score, abs=1e-5)
    assert clip_alone_first < len(placed)  # random weights: the model alone cannot read


def test_a_query_whose_words_are_written_nowhere_keeps_the_clip_ranking(make_library, text_folder):
    folder, _ = text_folder
    lib = make_library()
    lib.index([folder], ocr=True)
    for query in ("a dog running on a beach", "the bakers"):
        fused = lib.search(query, n=6)
        engine = lib.engine()
        clip = engine.by_vector(text_query(engine.context, query).vector, 6)
        assert [(h.path, h.score) for h in fused] == [(h.path, h.score) for h in clip]
        assert not any("text" in h.extra for h in fused)


def test_reading_is_off_by_default_remembered_and_resumable(make_library, text_folder, monkeypatch):
    folder, _ = text_folder
    lib = make_library()
    assert lib.index([folder]).text_read == 0
    assert lib.catalog.ocr_counts() == (0, 0)
    assert not any("text" in h.extra for h in lib.search("invoice 2024", n=9))

    monkeypatch.setattr(ocr, "BATCH", 2)
    control = Control()

    def cancel_after_first_batch(p) -> None:
        if p.phase == "ocr" and p.files_done >= 2:
            control.cancel()

    first = lib.index([folder], ocr=True, progress=cancel_after_first_batch, control=control)
    assert first.cancelled and 2 <= first.text_read < 9
    assert first.indexed == 0  # nothing was embedded again
    rest = lib.index([folder])  # the library remembers that it reads text
    assert not rest.cancelled and rest.text_read == 9 - first.text_read
    assert lib.catalog.ocr_counts()[0] == 9
    assert lib.index([folder]).text_read == 0  # nothing left to read
    assert lib.index([folder], ocr=False).text_read == 0
    assert not ocr.ocr_enabled(lib.catalog)


def test_a_changed_photo_is_read_again(make_library, text_folder, shared_data):
    folder, placed = text_folder
    lib = make_library()
    lib.index([folder], ocr=True)
    path, what = next(iter(placed.items()))
    img, _ = text_photo(_coco(shared_data, 1, start=30)[0], "GARAGE SALE", seed=5)
    img.save(path, "JPEG", quality=80)
    report = lib.index([folder])
    assert report.changed == 1 and report.text_read == 1
    assert lib.search("garage sale", n=1)[0].path == str(path)
    old_words = what.phrase.lower()
    assert all(h.path != str(path) or "text" not in h.extra for h in lib.search(old_words, n=3))


def test_removed_photos_take_their_text_with_them(make_library, text_folder):
    folder, placed = text_folder
    lib = make_library()
    lib.index([folder], ocr=True)
    path, what = next(iter(placed.items()))
    path.unlink()
    assert lib.index([folder]).removed == 1
    assert text_evidence(lib.catalog, what.phrase) == []


def test_matching_is_forgiving_of_lost_spaces_and_strict_with_short_words(tmp_path):
    """Lines as a recogniser returns them, stored through the catalog and searched with its FTS5 index."""
    from core.store.catalog import Item, MediaFile

    cat = Catalog(tmp_path / "c.db")
    root = cat.add_root(str(tmp_path))
    lines = {
        "MUSEUMOFART": "m.jpg", "BIRTHDAY PARTY": "b.jpg", "ONE HUNDRED STEPS": "h.jpg",
        "Platform 9 3/4": "p.jpg", "PARKINGONLY": "o.jpg",
    }
    with cat.write() as s:
        files = [MediaFile(root_id=root, path=str(tmp_path / name), size=1, mtime_ns=0, kind="image",
                           status="ok", seen_scan=1, added_at=0.0) for name in lines.values()]
        s.add_all(files)
        s.flush()
        items = [Item(file_id=f.id, t_s=None) for f in files]
        s.add_all(items)
        s.flush()
        ids = [it.id for it in items]
    cat.save_ocr([(item, [TextLine(text, 0.9, (0, 0, 10, 10))]) for item, text in zip(ids, lines, strict=True)])

    def found(query: str) -> set[str]:
        return {lines[ev.lines[0].text] for ev in text_evidence(cat, query)}

    assert found("museum of art") == {"m.jpg"}  # words whose spaces the recogniser lost
    assert found("museum") == {"m.jpg"}
    assert found("art") == set()  # a short word must start a word: not "PARTY", not "MUSEUMOFART"
    assert found("the party") == {"b.jpg"}  # "the" is not a word to look for
    assert found("a red circle on the left") == set()  # "red" inside "HUNDRED" must not capture a caption
    assert found("platform 9") == {"p.jpg"}
    assert found("parking only") == {"o.jpg"}  # a short word inside a run-together line, beside another
    assert found("only") == set()  # ... but not alone
    cat.close()


def test_a_video_moment_is_found_by_its_on_screen_text(make_library, tmp_path):
    from tests.video_factory import Segment, write_video

    folder = tmp_path / "videos"
    folder.mkdir()
    spans = write_video(folder / "trip.mp4", [Segment(4.0, seed=1), Segment(3.0, seed=2, caption="EXIT 12"),
                                              Segment(4.0, seed=3)], fps=5, size=(320, 240))
    write_video(folder / "other.mp4", [Segment(6.0, seed=4)], fps=5, size=(320, 240))
    lib = make_library()
    report = lib.index([folder], ocr=True)
    assert report.text_read == 2
    hit = lib.search("exit 12", n=3)[0]
    shown_from, shown_to = spans[1]
    assert hit.path.endswith("trip.mp4") and hit.kind == "video"
    assert shown_from - 0.5 <= hit.start_s <= shown_to and hit.t_s is not None
    at_from, at_to = hit.extra["text"]["at_s"]
    assert shown_from - 0.5 <= at_from <= at_to <= shown_to + 0.5



def test_video_frames_are_read_every_two_seconds_and_wherever_a_frame_stands_for_longer():
    every_second = [(i, float(i)) for i in range(10)]
    assert [t for _, t in frames_to_read(every_second, ocr.VIDEO_STEP_S)] == [0.0, 2.0, 4.0, 6.0, 8.0, 9.0]
    shared = [(1, 0.0), (2, 3.0), (3, 4.0), (4, 7.0)]  # the shot from 4 s to 7 s is one shared frame
    assert [t for _, t in frames_to_read(shared, ocr.VIDEO_STEP_S)] == [0.0, 3.0, 4.0, 7.0]


def test_a_photo_with_every_word_outranks_one_with_some(make_library, tmp_path, shared_data):
    folder = tmp_path / "signs"
    folder.mkdir()
    coco = _coco(shared_data, 6, start=40)
    for i, (base, phrase) in enumerate(zip(coco, ["SALE 50%", "GARAGE SALE", "SALE", "GARAGE"], strict=False)):
        img, _ = text_photo(base, phrase, seed=60 + i)
        img.save(folder / f"sign{i}.jpg", quality=90)
    lib = make_library()
    lib.index([folder], ocr=True)
    for query, first in (("sale 50%", "sign0.jpg"), ("garage sale", "sign1.jpg")):
        hits = lib.search(query, n=4)
        assert hits[0].path.endswith(first), (query, [(h.path, h.extra.get("text")) for h in hits])


@pytest.mark.parametrize("damaged", [False, True])
def test_repair_keeps_the_text_read_or_reads_it_again(make_library, text_folder, tmp_path, damaged):
    """`medialens repair` copies the read text into the new catalog and rebuilds its full-text index; what a
    damaged page lost is read again by the index pass that follows (the library's OCR setting survives)."""
    import sqlite3

    from core.store.repair import repair_catalog
    from tests.e2e.test_faults import damage

    folder, placed = text_folder
    lib = make_library()
    lib.index([folder], ocr=True)
    before = lib.catalog.ocr_counts()
    lib.close()
    db = tmp_path / "lib" / "catalog.db"
    if damaged:
        damage(db, 0.5, length=4096)
    report = repair_catalog(tmp_path / "lib", force=True)
    assert report.repaired
    con = sqlite3.connect(db)
    con.execute("INSERT INTO ocr_fts(ocr_fts) VALUES ('integrity-check')")  # raises if the index disagrees
    kept = con.execute("SELECT count(*) FROM ocr_lines").fetchone()[0]
    con.close()
    if not damaged:
        assert report.rows["ocr_lines"] == before[1] and kept == before[1]
    else:
        assert report.problems  # SQLite saw the damage
    again = make_library()
    assert again.reads_text()  # the setting came through the repair
    again.index()
    assert again.catalog.ocr_counts() == before and again.catalog.ocr_pending_count() == 0
    for path, what in placed.items():
        assert again.search(what.phrase.lower(), n=3)[0].path == str(path), what.phrase
