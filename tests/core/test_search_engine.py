"""`core.search.engine`: nearest items grouped into files and moments, filtered, excluded and paged."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from core.search.engine import Filters, Hit, best_frame
from core.store.catalog import Catalog, Item, MediaFile
from core.vector_math import unit
from tests.core.handmade import HandmadeLibrary, axis, blend


@pytest.fixture
def hand(tmp_path):
    lib = HandmadeLibrary(tmp_path)
    lib.add("red.jpg", [axis(0)], taken_at=dt.datetime(2020, 5, 1))
    lib.add("reddish.jpg", [blend((0.8, 0), (0.6, 1))], taken_at=dt.datetime(2021, 5, 1))
    lib.add("blue.jpg", [axis(1)], taken_at=dt.datetime(2022, 5, 1), folder="/media/other")
    lib.add("clip.mp4", [axis(2), blend((0.9, 0), (0.1, 2)), axis(3)], times=[0.0, 1.0, 2.0])
    yield lib
    lib.close()


def _names(hits: list[Hit]) -> list[str]:
    return [h.path.rsplit("/", 1)[-1] for h in hits]


def test_results_are_files_best_first_a_photo_once_a_video_by_its_best_frame(hand):
    hits = hand.engine().by_vector(axis(0), n=10)
    assert _names(hits) == ["red.jpg", "clip.mp4", "reddish.jpg", "blue.jpg"]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].score == pytest.approx(1.0, abs=1e-3) and hits[0].start_s is None
    video = hits[1]
    assert (video.start_s, video.end_s, video.t_s) == (1.0, 1.0, 1.0)  # the default moments: its best frame
    assert video.to_json()["start_s"] == 1.0 and video.kind == "video"


def test_the_moment_finder_given_to_the_engine_makes_the_video_hits(hand):
    seen = []

    def two_moments(query, file, frames):
        seen.append((file.path, sorted(t for _, t, _ in frames)))
        return [Hit(file, frames[0][0], 0.99, start_s=0.0, end_s=0.5), Hit(file, frames[0][0], 0.01, 1.5, 2.0)]

    hits = hand.engine(moments=two_moments).by_vector(axis(2), n=10)
    assert seen and seen[0][0] == "/media/clip.mp4" and seen[0][1] == [0.0, 1.0, 2.0]
    assert [(h.start_s, h.end_s) for h in hits if h.kind == "video"] == [(0.0, 0.5), (1.5, 2.0)]
    assert hits[0].score == 0.99 and [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_the_query_is_normalised_and_a_direction_is_required(hand):
    engine = hand.engine()
    keys, sims = engine.nearest_items(axis(0) * 7.0, 2)
    again, sims1 = engine.nearest_items(axis(0), 2)
    assert list(keys) == list(again) and np.allclose(sims, sims1)
    from core.errors import QueryError

    with pytest.raises(QueryError, match="no direction"):
        engine.by_vector(np.zeros(8), n=3)


def test_filters_by_kind_folder_and_date(hand):
    engine = hand.engine()
    assert _names(engine.by_vector(axis(0), 10, filters=Filters(kinds=frozenset({"video"})))) == ["clip.mp4"]
    assert _names(engine.by_vector(axis(0), 10, filters=Filters(folder="/media/other"))) == ["blue.jpg"]
    dated = engine.by_vector(axis(0), 10, filters=Filters(date_from=dt.datetime(2021, 1, 1),
                                                          date_to=dt.datetime(2022, 1, 1)))
    assert _names(dated) == ["reddish.jpg"]
    assert not Filters().active and Filters(folder="/x").active


def test_exact_scoring_under_a_filter_matches_the_index(hand):
    engine = hand.engine()
    unfiltered = {h.path: h.score for h in engine.by_vector(blend((0.5, 0), (0.5, 1)), 10)}
    photos = engine.by_vector(blend((0.5, 0), (0.5, 1)), 10, filters=Filters(kinds=frozenset({"image"})))
    assert [h.kind for h in photos] == ["image"] * 3
    for h in photos:
        assert h.score == pytest.approx(unfiltered[h.path], abs=2e-3)


def test_excluded_files_and_pages(hand):
    engine = hand.engine()
    everything = _names(engine.by_vector(axis(0), 10))
    red = hand.file_ids["red.jpg"]
    assert _names(engine.by_vector(axis(0), 10, exclude_files={red})) == everything[1:]
    pages = [_names(engine.by_vector(axis(0), 2, offset=o)) for o in (0, 2, 4)]
    assert pages == [everything[:2], everything[2:4], []]
    assert engine.by_vector(axis(0), 0) == []


def test_the_context_gives_the_vectors_of_library_things(hand):
    ctx = hand.context()
    clip = hand.file_ids["clip.mp4"]
    # the frame sampled at 2 s stands for 2.4 s (a sample covers the time until the next one); 1.9 s is
    # still the 1 s sample's
    at_two, items = ctx.file_vector(clip, t_s=2.4)
    np.testing.assert_allclose(at_two, axis(3), atol=1e-3)
    at_one, _ = ctx.file_vector(clip, t_s=1.9)
    np.testing.assert_allclose(at_one, blend((0.9, 0), (0.1, 2)), atol=1e-3)
    assert len(items) == 3
    mean, _ = ctx.file_vector(clip)
    assert np.linalg.norm(mean) == pytest.approx(1.0, abs=1e-5)
    vec, files = ctx.query_vector_for(hand.file_ids["red.jpg"])
    assert files == {hand.file_ids["red.jpg"]}
    np.testing.assert_allclose(vec, axis(0), atol=1e-3)
    np.testing.assert_allclose(ctx.item_vector(items[0]), axis(2), atol=1e-3)


@pytest.fixture(scope="module")
def crowd(tmp_path_factory):
    """300 photos and 4 videos of 6 frames, random directions (seeded)."""
    rng = np.random.default_rng(29)
    lib = HandmadeLibrary(tmp_path_factory.mktemp("crowd"))
    for i in range(300):
        lib.add(f"p{i:03d}.jpg", [rng.normal(size=8).astype(np.float32)])
    for i in range(4):
        lib.add(f"v{i}.mp4", list(rng.normal(size=(6, 8)).astype(np.float32)), times=[float(t) for t in range(6)])
    yield lib
    lib.close()


def _expected(lib: HandmadeLibrary, query: np.ndarray) -> list[tuple[int, int]]:
    """(file id, item id) best first, worked out from the catalog alone: a photo once, a video by its best frame."""
    from core.vector_math import from_blobs

    best: dict[int, tuple[float, int]] = {}
    items = lib.catalog.items_info(range(1, 10_000))
    blobs = lib.catalog.vectors_for_items(lib.model_id, list(items))
    q = query / np.linalg.norm(query)
    for iid, blob in blobs.items():
        v = from_blobs([blob], 8)[0].astype(np.float32)
        cos = float(v @ q / np.linalg.norm(v))
        fid = items[iid][0]
        if fid not in best or cos > best[fid][0]:
            best[fid] = (cos, iid)
    return [(fid, iid) for fid, (_, iid) in sorted(best.items(), key=lambda kv: -kv[1][0])]


def test_pages_are_the_libraries_files_best_first_and_read_records_for_the_page_only(crowd):
    engine = crowd.engine()
    read: list[int] = []
    files = engine.catalog.files

    def counting(ids):
        ids = list(ids)
        read.extend(ids)
        return files(ids)

    engine.catalog.files = counting
    rng = np.random.default_rng(7)
    videos = {crowd.file_ids[f"v{i}.mp4"] for i in range(4)}
    for _ in range(5):
        query = rng.normal(size=8).astype(np.float32)
        expected = _expected(crowd, query)
        for n, offset in ((5, 0), (20, 0), (20, 40), (400, 0)):
            read.clear()
            page = engine.by_vector(query, n, offset)
            assert [(h.file.id, h.item_id) for h in page] == expected[offset:offset + n]
            assert all(h.file.id == fid for h, (fid, _) in zip(page, expected[offset:offset + n], strict=True))
            # the records read: the page's photos, and the videos among the items looked at (their moments)
            assert len([i for i in read if i not in videos]) == sum(1 for h in page if h.kind == "image")


def _ranked_item_by_item(engine, query, keys, sims, exclude_files):
    """The grouping as it was made before the item map: the catalog read per query, a loop over every item."""
    info = engine.catalog.items_with_kinds(int(k) for k in keys)
    per_file: dict[int, list] = {}
    kinds: dict[int, str] = {}
    for k, sim in zip(keys.tolist(), sims.tolist(), strict=True):
        if k not in info:
            continue
        fid, t, kinds[fid] = info[k]
        if fid not in exclude_files:
            per_file.setdefault(fid, []).append((k, t, sim))
    videos = engine.catalog.files(fid for fid in per_file if kinds[fid] == "video")
    ranked = []
    for fid, frames in per_file.items():
        if kinds[fid] == "video":
            ranked.extend((h.file.id, h.item_id, h.score, h.start_s)
                          for h in engine.moments(query, videos[fid], frames))
        else:
            iid, _, score = max(frames, key=lambda x: x[2])
            ranked.append((fid, iid, score, None))
    ranked.sort(key=lambda h: -h[2])
    return ranked


def _as_rows(ranked):
    return [(h.file.id, h.item_id, h.score, h.start_s) if isinstance(h, Hit) else (h.file_id, h.item_id, h.score,
                                                                                   None) for h in ranked]


@pytest.fixture(scope="module")
def ties(tmp_path_factory):
    """Photos sharing vectors (equal scores), videos whose moments score as much as photos, in random order."""
    rng = np.random.default_rng(31)
    lib = HandmadeLibrary(tmp_path_factory.mktemp("ties"))
    shared = rng.normal(size=(12, 8)).astype(np.float32)
    for i in range(120):
        if i % 10 == 3:
            lib.add(f"v{i}.mp4", [shared[j % 12] for j in range(i % 7, i % 7 + 5)], times=[float(t) for t in range(5)])
        else:
            lib.add(f"p{i:03d}.jpg", [shared[i % 12] if i % 2 else rng.normal(size=8).astype(np.float32)])
    yield lib
    lib.close()


def test_grouping_by_the_item_map_gives_what_reading_item_by_item_gave(ties):
    def moments(query, file, frames):  # two moments a video, the second as good as the best frame
        best = max(frames, key=lambda f: f[2])
        return [Hit(file, frames[0][0], frames[0][2], start_s=0.0), Hit(file, best[0], best[2], start_s=1.0)]

    rng = np.random.default_rng(5)
    for grouper in (best_frame, moments):
        engine = ties.engine(moments=grouper)
        for _ in range(6):
            query = unit(rng.normal(size=8).astype(np.float32))
            keys, sims = engine.nearest_items(query, 200)
            excluded = {int(f) for f in rng.choice(list(ties.file_ids.values()), 10, replace=False)}
            for exclude in (frozenset(), excluded):
                got = _as_rows(engine._ranked(query, keys, sims, exclude)[0])
                assert got == _ranked_item_by_item(engine, query, keys, sims, exclude)
                head, count = engine._ranked(query, keys, sims, exclude, 7)
                assert _as_rows(head) == got[:7] and count == len(got)
                assert len({r[2] for r in got}) < len(got)  # equal scores were there to order


def test_the_item_map_follows_the_catalog_written_from_another_connection(tmp_path):
    lib = HandmadeLibrary(tmp_path)
    for i in range(20):
        lib.add(f"p{i}.jpg", [blend((0.3, 0), (1.0, 1 + i % 6))])
    engine = lib.engine()

    def as_read_now(table):  # the map brought up to date is the map read whole
        whole = lib.catalog.item_files()
        return table.removed_seq == whole.removed_seq and all(
            getattr(table, f).tolist() == getattr(whole, f).tolist() for f in ("item_ids", "file_ids", "video_files"))

    assert engine.by_vector(axis(0), 3)[0].path != "/media/new.jpg"
    tables = [engine.item_files()]
    writer = HandmadeLibrary.__new__(HandmadeLibrary)  # a second catalog connection on the same file
    writer.catalog, writer.root, writer.model_id, writer.file_ids = (Catalog(tmp_path / "catalog.db"), lib.root,
                                                                    lib.model_id, {})
    try:
        new = writer.add("new.jpg", [axis(0)])
        clip = writer.add("clip.mp4", [axis(7), blend((0.9, 0), (0.2, 7))], times=[0.0, 1.0])
        engine.vindex.sync()
        hits = engine.by_vector(axis(0), 3)
        assert [h.path for h in hits[:2]] == ["/media/new.jpg", "/media/clip.mp4"] and hits[1].start_s == 1.0
        tables.append(engine.item_files())
        assert tables[1] is not tables[0] and new in tables[1].file_ids and as_read_now(tables[1])
        with writer.catalog.write() as s:  # gone from the catalog; the vector index not told yet
            s.query(Item).filter(Item.file_id.in_([new, clip])).delete()
            s.query(MediaFile).filter(MediaFile.id == new).delete()
        assert all(h.file.id not in (new, clip) for h in engine.by_vector(axis(0), 30))
        assert new not in engine.item_files().file_ids and as_read_now(engine.item_files())
        again = writer.add("again.jpg", [axis(0)])  # may take the id of an item removed
        engine.vindex.sync()
        assert engine.by_vector(axis(0), 3)[0].file.id == again and as_read_now(engine.item_files())
        assert engine.item_files() is engine.item_files()  # kept while nothing changes
    finally:
        writer.catalog.close()
        lib.close()


def test_the_cut_growing_its_window_reads_records_for_the_window_kept_only(crowd, monkeypatch):
    from core.search import cutoff

    monkeypatch.setattr(cutoff, "FIRST_WINDOW", 8)
    monkeypatch.setattr(cutoff, "MAX_WINDOW", 32)
    everything = cutoff.Calibration(coefficients=(5.0,))  # every result a match: the window grows to the most
    engine = crowd.engine()
    read: list[int] = []
    files = engine.catalog.files
    monkeypatch.setattr(engine.catalog, "files", lambda ids: files(read.extend(ids := list(ids)) or ids))
    videos = {crowd.file_ids[f"v{i}.mp4"] for i in range(4)}
    query = np.random.default_rng(3).normal(size=8).astype(np.float32)
    found = cutoff.find_matches(engine, query, calibration=everything)
    photos_read = [i for i in read if i not in videos]
    assert len(found.hits) == found.count == 32 and not found.complete
    assert sorted(photos_read) == sorted(h.file.id for h in found.hits if h.kind == "image")  # 8 + 32 before
    expected = engine.by_vector(query, 32)
    assert [(h.file.id, h.item_id, h.score) for h in found.hits] == [(h.file.id, h.item_id, h.score) for h in expected]
