"""The vector cache under damage: never trusted when damaged, never blocking while rebuilt, never written by
readers, never left half-written by a full disk, never corrupted by two processes saving at once.

Most tests drive `VectorIndex` over a catalog filled with synthetic CLIP-like vectors (no model needed);
one goes through `Library` to show what a user sees.
"""

from __future__ import annotations

import errno
import json
import subprocess
import sys
import threading

import numpy as np
import pytest

from core.store import vectors
from core.store.catalog import Catalog
from core.store.vectors import VectorIndex
from tests.vector_factory import clustered_vectors, exact_top, fill_catalog, text_like_queries

DIM = 64


@pytest.fixture
def synthetic(tmp_path):
    """A catalog holding 2,000 embedded photos with clustered vectors, and those vectors."""
    catalog = Catalog(tmp_path / "lib" / "catalog.db")
    model_id = catalog.model_id("synthetic", "synthetic", None, DIM)
    vecs, centres = clustered_vectors(2000, DIM, seed=3)
    ids = np.asarray(fill_catalog(catalog, model_id, vecs))
    yield catalog, model_id, vecs, ids, text_like_queries(centres, 8)
    catalog.close()


def _open(catalog, model_id, tmp_path, **kw) -> VectorIndex:
    return VectorIndex(catalog, model_id, DIM, tmp_path / "lib" / "index", "synthetic", **kw).open()


def _saved(catalog, model_id, tmp_path) -> VectorIndex:
    vi = _open(catalog, model_id, tmp_path, background=False)
    assert vi.save() and vi.path.exists()
    return vi


def _answers(vi: VectorIndex, queries) -> list[list[int]]:
    return [vi.search(q, 10, exact=True)[0].tolist() for q in queries]


def _assert_exact(answers, vecs, ids, queries) -> None:
    """The answers are numpy's exact top-10 (up to float16 rounding of near-ties at the 10th place)."""
    for got, q in zip(answers, queries, strict=True):
        want = exact_top(vecs, ids, q, 11).tolist()
        assert got[:9] == want[:9] or len(set(got) & set(want)) >= 10, (got, want)


@pytest.fixture
def hold_rebuilds(monkeypatch):
    """Call it to hold every later rebuild before it writes its file, until the test sets the event it returns."""
    gate = threading.Event()
    real_build = VectorIndex._build_part

    def build_part(self, *args, **kw):
        assert gate.wait(60), "the test never released the rebuild"
        return real_build(self, *args, **kw)

    def hold() -> threading.Event:
        monkeypatch.setattr(VectorIndex, "_build_part", build_part)
        return gate

    return hold


# ----- defect 1: a damaged index is found and rebuilt, never trusted ----------------------------

def test_damaged_index_file_is_rebuilt_and_answers_exactly_like_the_undamaged_one(synthetic, tmp_path):
    catalog, model_id, vecs, ids, queries = synthetic
    vi = _saved(catalog, model_id, tmp_path)
    before = _answers(vi, queries)
    _assert_exact(before, vecs, ids, queries)
    vi.close()

    data = bytearray(vi.path.read_bytes())
    data[100:20000] = bytes(len(data[100:20000]))  # zeroed, as a bad sector or a torn write leaves it
    vi.path.write_bytes(bytes(data))

    again = _open(catalog, model_id, tmp_path, background=False)
    assert "damaged" in again.rebuilt_reason
    assert _answers(again, queries) == before
    own = [again.search(v.astype(np.float32), 1, exact=False)[0][0] for v in vecs[:200]]
    assert np.mean(np.asarray(own) == ids[:200]) > 0.8  # near-duplicates may tie; damage left ~40 %


def test_index_of_another_catalog_with_the_same_count_is_not_trusted(synthetic, tmp_path):
    catalog, model_id, *_ = synthetic
    vi = _saved(catalog, model_id, tmp_path)
    vi.close()
    other = Catalog(tmp_path / "other" / "catalog.db")
    other_model = other.model_id("synthetic", "synthetic", None, DIM)
    fill_catalog(other, other_model, clustered_vectors(2000, DIM, seed=99)[0])
    folder = tmp_path / "other" / "index"
    folder.mkdir()
    for f in (vi.path, vi.meta_path):
        (folder / f.name).write_bytes(f.read_bytes())

    foreign = VectorIndex(other, other_model, DIM, folder, "synthetic", background=False).open()
    assert foreign.rebuilt_reason == "index belongs to another library (its catalog id differs)"
    other.close()


# ----- never block on a rebuild ----------------------------------------------------------------

def test_deleted_index_answers_at_once_with_exact_results_while_the_rebuild_runs(synthetic, tmp_path, hold_rebuilds):
    catalog, model_id, vecs, ids, queries = synthetic
    vi = _saved(catalog, model_id, tmp_path)
    expected = _answers(vi, queries)
    vi.close()
    vi.path.unlink()

    gate = hold_rebuilds()
    vi = _open(catalog, model_id, tmp_path)  # returns at once: the rebuild waits on the gate
    assert vi.rebuilding and vi.rebuilt_reason == "no index file"
    assert [vi.search(q, 10)[0].tolist() for q in queries] == expected
    _assert_exact(expected, vecs, ids, queries)
    assert len(vi) == 2000 and "exact search meanwhile" in vi.rebuild_state.describe()

    more, _ = clustered_vectors(50, DIM, seed=7)  # the indexer keeps writing during the rebuild
    new_ids = fill_catalog(catalog, model_id, more, root="/more")
    vi.sync()
    assert vi.search(more[0].astype(np.float32), 1)[0][0] == new_ids[0]

    gate.set()
    assert vi.wait_rebuilt(60) and not vi.rebuilding
    assert len(vi) == 2050 and vi.rebuild_state.finished
    assert vi.search(more[0].astype(np.float32), 1, exact=True)[0][0] == new_ids[0]
    assert [vi.search(q, 10, exact=True)[0].tolist() for q in queries] == expected
    vi.close()


def test_library_whose_index_was_deleted_searches_at_once_and_saves_the_rebuilt_index(make_library, hold_rebuilds):
    gate = hold_rebuilds()
    lib = make_library()
    catalog_vecs, _ = clustered_vectors(2000, lib.models.encoder.load().dim, seed=5)
    model_id = lib.catalog.model_id(lib.choice.key(), lib.choice.name, lib.choice.weights, catalog_vecs.shape[1])
    fill_catalog(lib.catalog, model_id, catalog_vecs)

    hits = lib.search("a red flower", n=5)  # no index file yet: exact search answers
    assert len(hits) == 5 and lib.engine(sync=False).vindex.rebuilding
    status = lib.status()
    assert status.index.startswith("rebuilding in the background (no index file)")
    assert status.to_dict()["rebuild"] == {"reason": "no index file", "done": 0, "total": 2000}  # the window shows it
    assert not lib.engine(sync=False).vindex.path.exists()

    gate.set()
    assert lib.engine(sync=False).vindex.wait_rebuilt(60)
    assert [h.path for h in lib.search("a red flower", n=5, exact=True)] == [h.path for h in hits]
    assert lib.engine(sync=False).vindex.path.exists(), "a rebuilt index is saved when no writer holds the library"
    status = lib.status()
    assert status.index == "ok; rebuilt on open (no index file)" and status.rebuild is None
    assert "rebuild" not in status.to_dict()
    lib.close()


# ----- defect 2: queries and status never write; a failed save leaves the old file intact -------

def test_failed_save_leaves_the_previous_pair_intact_and_no_partial_file(synthetic, tmp_path, monkeypatch, caplog):
    catalog, model_id, _, _, queries = synthetic
    vi = _saved(catalog, model_id, tmp_path)
    saved = vi.path.read_bytes(), vi.meta_path.read_bytes()
    before = _answers(vi, queries)
    fill_catalog(catalog, model_id, clustered_vectors(20, DIM, seed=8)[0], root="/more")
    vi.sync()

    real_write = vectors._write_part

    def disk_full(path, *a, **kw):
        real_write(path, *a, **kw)
        with open(path, "r+b") as fh:  # as far as the disk had room
            fh.truncate(1000)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(vectors, "_write_part", disk_full)
    assert vi.save() is False
    assert "No space left on device" in caplog.text
    assert (vi.path.read_bytes(), vi.meta_path.read_bytes()) == saved
    assert sorted(p.name for p in vi.path.parent.iterdir()) == sorted([vi.path.name, vi.meta_path.name])
    vi.close()

    monkeypatch.undo()
    reopened = _open(catalog, model_id, tmp_path, background=False)
    assert reopened.rebuilt_reason is None and len(reopened) == 2020  # the old pair, caught up
    assert _answers(reopened, queries) == before


def test_search_status_and_close_never_write_the_index(make_library, tmp_path, monkeypatch):
    from tests.media_factory import write_pictures

    folder = tmp_path / "pics"
    write_pictures(folder, 3)
    lib = make_library()
    lib.index([folder])
    lib.close()
    write_pictures(folder, 2, start=10)
    lib = make_library()
    lib.index()  # the writer saves ...
    path = lib.engine(sync=False).vindex.path
    lib.close()
    stamp = path.stat().st_mtime_ns, path.read_bytes()

    def no_writes(self):
        raise AssertionError("a reader saved the index")

    monkeypatch.setattr(VectorIndex, "save", no_writes)
    reader = make_library()
    assert len(reader.search("a picture", n=3)) == 3
    assert reader.status().index == "ok"
    reader.engine(sync=False).vindex._dirty = True  # as after catching up with another process's vectors
    reader.close()
    assert (path.stat().st_mtime_ns, path.read_bytes()) == stamp


# ----- defect 3: concurrent saves ---------------------------------------------------------------

_SAVER = """
import sys
from pathlib import Path
from core.store.catalog import Catalog
from core.store.vectors import VectorIndex
home = Path(sys.argv[1])
catalog = Catalog(home / "catalog.db")
model_id, dim = catalog.find_model("synthetic")
vi = VectorIndex(catalog, model_id, dim, home / "index", "synthetic", background=False).open()
for _ in range(int(sys.argv[2])):
    vi._dirty = True
    assert vi.save(force=True)
catalog.close()
"""


def test_two_processes_saving_at_once_never_collide(synthetic, tmp_path):
    catalog, model_id, *_ = synthetic
    _saved(catalog, model_id, tmp_path).close()
    home = tmp_path / "lib"
    procs = [subprocess.Popen([sys.executable, "-c", _SAVER, str(home), "40"], stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert sorted(p.name for p in (home / "index").iterdir()) == ["synthetic.json", "synthetic.vectors"]
    reopened = _open(catalog, model_id, tmp_path, background=False)
    assert reopened.rebuilt_reason is None and len(reopened) == 2000


# ----- the flat file: int8 scan + float16 re-rank, memory-mapped, with a delta ----------------

def _recall(got: list[list[int]], vecs, ids, queries) -> float:
    return float(np.mean([len(set(g) & set(exact_top(vecs, ids, q, 10).tolist())) / 10
                          for g, q in zip(got, queries, strict=True)]))


def test_the_float16_rerank_brings_the_int8_scan_to_the_exact_answer(synthetic, tmp_path, monkeypatch):
    catalog, model_id, vecs, ids, _ = synthetic
    queries = text_like_queries(clustered_vectors(2000, DIM, seed=3)[1], 40, seed=11)
    vi = _saved(catalog, model_id, tmp_path)
    codes_only = [vi._main.keys[vi._main.candidates(q, 10)].astype(np.int64).tolist() for q in queries]
    monkeypatch.setattr(vectors, "EXACT_LIMIT", 0)  # the int8 path, as above EXACT_LIMIT
    reranked = [vi.search(q, 10)[0].tolist() for q in queries]
    assert _recall(codes_only, vecs, ids, queries) < 1.0  # int8 rounding reorders the low-contrast crowd
    assert _recall(reranked, vecs, ids, queries) == 1.0
    assert reranked == [vi.search(q, 10, exact=True)[0].tolist() for q in queries]
    vi.close()


def test_saved_file_is_memory_mapped_and_new_vectors_are_answered_from_the_delta(synthetic, tmp_path, monkeypatch):
    catalog, model_id, _, _, queries = synthetic
    monkeypatch.setattr(vectors, "SMALL_FILE", 0)  # behave as a big library: small changes are not rewritten
    monkeypatch.setattr(vectors, "EXACT_LIMIT", 0)
    mid, _ = clustered_vectors(250, DIM, seed=20)
    mid_ids = fill_catalog(catalog, model_id, mid, root="/mid")
    _saved(catalog, model_id, tmp_path).close()
    vi = _open(catalog, model_id, tmp_path)
    assert isinstance(vi._main.vecs, np.memmap) and isinstance(vi._main.codes, np.memmap)
    stamp = vi.path.stat().st_mtime_ns, vi.path.read_bytes()

    more, _ = clustered_vectors(30, DIM, seed=21)  # 1.3 % of the file: below MERGE_AT
    new_ids = fill_catalog(catalog, model_id, more, root="/more")
    assert vi.sync() == 30 and len(vi) == 2280 and len(vi._delta) == 30
    assert [int(vi.search(v.astype(np.float32), 1)[0][0]) for v in more] == new_ids
    assert vi.save() and (vi.path.stat().st_mtime_ns, vi.path.read_bytes()) == stamp  # not worth a rewrite
    vi.close()

    again = _open(catalog, model_id, tmp_path)  # the delta comes back from the catalog
    assert again.rebuilt_reason is None and len(again) == 2280 and len(again._delta) == 30
    catalog.remove_root("/more")
    again.sync()
    assert len(again) == 2250 and not set(again.search(more[0].astype(np.float32), 5)[0]) & set(new_ids)
    assert again.search(mid[0].astype(np.float32), 1)[0][0] == mid_ids[0]
    catalog.remove_root("/mid")  # items of the file itself: masked until the next merge
    again.sync()
    assert len(again) == 2000 and len(again._removed) == 250
    assert not set(again.search(mid[0].astype(np.float32), 20)[0]) & set(mid_ids)
    assert again.save() and (again.path.stat().st_mtime_ns, again.path.read_bytes()) != stamp  # 11 % changed: rewritten

    assert len(again._delta) == 0 and not again._removed and len(again._main) == 2000
    assert not set(again._main.keys.tolist()) & set(mid_ids + new_ids)
    _assert_exact(_answers(again, queries), *_with(catalog, model_id), queries)
    again.close()


def _with(catalog, model_id):
    """The catalog's vectors and their item ids now."""
    rows = [r for batch in catalog.iter_vectors(model_id) for r in batch]
    return (np.stack([np.frombuffer(r[2], "<f2") for r in rows]), np.asarray([r[1] for r in rows]))


@pytest.mark.parametrize("damage", ["truncated", "header", "sidecar"])
def test_a_damaged_or_foreign_vectors_file_is_rebuilt_not_trusted(synthetic, tmp_path, damage):
    catalog, model_id, vecs, ids, queries = synthetic
    vi = _saved(catalog, model_id, tmp_path)
    before = _answers(vi, queries)
    vi.close()
    if damage == "truncated":
        vi.path.write_bytes(vi.path.read_bytes()[:-4096])
    elif damage == "header":  # a consistent sidecar for a file that is not ours
        vi.path.write_bytes(b"x" * vi.path.stat().st_size)
        meta = json.loads(vi.meta_path.read_text())
        vi.meta_path.write_text(json.dumps(dict(meta, **vectors._checksums(vi.path, DIM))))
    else:
        vi.meta_path.write_text("{not json")
    again = _open(catalog, model_id, tmp_path, background=False)
    assert again.rebuilt_reason and again.rebuilt_reason != "no index file"
    assert _answers(again, queries) == before
    _assert_exact(before, vecs, ids, queries)
    again.close()


# ----- the 2-bit first stage of big files (core/store/coarse.py) --------------------------------

@pytest.fixture
def first_stage(monkeypatch):
    """Let the 2,000-vector file behave as a big one: the 2-bit codes pick 10 % of the rows (200; 64 dimensions
    carry less than 512 do, so a larger share than the default)."""
    monkeypatch.setattr(vectors, "EXACT_LIMIT", 0)
    monkeypatch.setattr(vectors, "COARSE_MIN", 1000)
    monkeypatch.setattr(vectors, "COARSE_FLOOR", 100)
    monkeypatch.setattr(vectors, "COARSE_SHARE", 0.1)
    monkeypatch.setattr(vectors, "COARSE_WARM_S", 0.0)


def test_the_2bit_first_stage_keeps_recall_and_follows_additions_and_removals(synthetic, tmp_path, first_stage,
                                                                            monkeypatch):
    catalog, model_id, vecs, ids, _ = synthetic
    queries = text_like_queries(clustered_vectors(2000, DIM, seed=3)[1], 40, seed=11)
    vi = _saved(catalog, model_id, tmp_path)
    monkeypatch.setattr(vectors, "COARSE_WARM_S", 3600.0)
    vi.search(queries[0], 10)
    vi.search(queries[0], 10)
    assert vi._main._coarse_thread is None  # searches within a moment of the first (one command line query)
    monkeypatch.setattr(vectors, "COARSE_WARM_S", 0.0)
    vi.search(queries[0], 10)  # a later one starts the build in the background
    assert vi._main.wait_coarse(60), "the 2-bit first stage was not built"
    picked = []
    real = vi._main.coarse.candidates
    monkeypatch.setattr(vi._main.coarse, "candidates", lambda q, n: picked.append(n) or real(q, n))
    got = [vi.search(q, 10)[0].tolist() for q in queries]
    assert picked == [200] * len(queries)  # each query went through the first stage
    assert _recall(got, vecs, ids, queries) >= 0.98
    wide = vi.search(queries[0], 40)[0]  # 160 candidates, over 1/16 of the file: every row's int8 code is scanned
    assert len(picked) == len(queries) and len(wide) == 40

    more, _ = clustered_vectors(30, DIM, seed=21)  # added after the build: searched exactly as the delta
    new_ids = fill_catalog(catalog, model_id, more, root="/more")
    assert vi.sync() == 30
    assert [int(vi.search(v.astype(np.float32), 1)[0][0]) for v in more] == new_ids
    catalog.remove_root("/synthetic")  # the file's own items: masked, never answered
    vi.sync()
    assert len(vi) == 30 and vi._main.coarse is not None
    assert set(vi.search(queries[1], 30)[0].tolist()) <= set(new_ids)
    vi.close()


def test_a_first_stage_whose_scores_disagree_with_numpy_is_never_used(synthetic, tmp_path, first_stage,
                                                                      monkeypatch, caplog):
    """An ONNX Runtime whose 2-bit kernel reads the codes otherwise (here: the rows shuffled) is caught by the
    build's check; the int8 scan answers, with the same results as without a first stage."""
    from core.store import coarse

    catalog, model_id, _, _, queries = synthetic
    vi = _saved(catalog, model_id, tmp_path)
    monkeypatch.setattr(vectors, "COARSE_MIN", 10**9)
    int8_answers = [vi.search(q, 10)[0].tolist() for q in queries]
    monkeypatch.setattr(vectors, "COARSE_MIN", 1000)
    real_session = coarse._session
    shuffled = np.random.default_rng(0).permutation
    monkeypatch.setattr(coarse, "_session", lambda w, *a: real_session(w[shuffled(len(w))], *a))
    vi.search(queries[0], 10)
    vi.search(queries[0], 10)
    assert not vi._main.wait_coarse(60) and vi._main.coarse is None
    assert "disagree with numpy" in caplog.text
    assert [vi.search(q, 10)[0].tolist() for q in queries] == int8_answers
    vi.close()


def test_a_replaced_file_drops_its_first_stage_and_builds_one_for_the_new_file(synthetic, tmp_path, first_stage):
    catalog, model_id, _, _, queries = synthetic
    vi = _saved(catalog, model_id, tmp_path)
    vi.search(queries[0], 10)
    vi.search(queries[0], 10)
    old = vi._main
    assert old.wait_coarse(60)
    more, _ = clustered_vectors(300, DIM, seed=22)  # 15 %: the next save rewrites the file
    new_ids = fill_catalog(catalog, model_id, more, root="/more")
    vi.sync()
    assert vi.save() and vi._main is not old and vi._main.coarse is None and len(vi._main) == 2300
    vi.search(queries[0], 10)
    vi.search(queries[0], 10)
    assert vi._main.wait_coarse(60) and vi._main.coarse.n == 2300
    assert [int(vi.search(v.astype(np.float32), 1)[0][0]) for v in more[:20]] == new_ids[:20]
    vi.close()


def test_the_catch_up_every_search_makes_reads_a_range_of_row_ids_not_the_models_whole_index(synthetic):
    """`sync` (each search's catch-up) reads the vectors after the last row id it holds: SQLite used to walk
    the model's (model_id, item_id) index entries and sort them all (190 ms a search at 1M)."""
    from sqlalchemy import event

    catalog, model_id, _, _, _ = synthetic
    seen: list[tuple[str, tuple]] = []

    def remember(conn, cursor, statement, params, context, executemany):
        if "FROM vectors" in statement:
            seen.append((statement, params))

    event.listen(catalog.engine, "before_cursor_execute", remember)
    try:
        last = catalog.last_vector_id(model_id)
        assert list(catalog.iter_vectors(model_id, after_id=last)) == []
        assert last == max(r[0] for batch in catalog.iter_vectors(model_id) for r in batch)
    finally:
        event.remove(catalog.engine, "before_cursor_execute", remember)
    with catalog.engine.connect() as conn:
        for statement, params in seen:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params))
            assert "INDEX" not in plan and "TEMP B-TREE" not in plan, plan  # row ids in order, from either end


def test_a_damaged_row_found_by_the_first_stages_build_drops_the_file(synthetic, tmp_path, first_stage,
                                                                     monkeypatch):
    """The build reads every float16 row, so it checks each block's checksum first: damage anywhere (here in a
    row no query re-ranks) is never quantised into the first stage; the next search drops the file and the
    catalog answers while it is rebuilt."""
    catalog, model_id, vecs, ids, queries = synthetic
    monkeypatch.setattr(vectors, "CHECK_ROWS", 16)  # small blocks: the searches below read only some
    _saved(catalog, model_id, tmp_path).close()
    again = _open(catalog, model_id, tmp_path)
    n = len(again._main)
    sims = np.asarray(again._main.vecs, np.float32) @ queries[0]
    block = int(np.argmin([sims[b:b + 16].max() for b in range(16, n, 16)])) + 1  # no row near the query
    far = block * 16
    with open(again.path, "r+b") as fh:
        fh.seek(vectors._HEADER + n * (8 + DIM) + far * 2 * DIM)
        fh.write(bytes(2 * DIM))
    part = again._main
    again.search(queries[0], 10)
    again.search(queries[0], 10)
    assert not part.wait_coarse(60) and part.coarse is None
    got = again.search(queries[0], 10)[0].tolist()
    assert again._main is not part and "fail their checksum" in again.rebuilt_reason
    _assert_exact([got], vecs, ids, queries[:1])
    again.close()
