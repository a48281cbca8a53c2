"""Opening the vector cache quickly without trusting it more: the catalog's bulk vector read, the exact first
answer with no file, and checksums verified as rows are read (a damaged row is still never used)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.indexing.scan import FoundFile
from core.store import vectors
from core.store.catalog import Catalog
from core.store.vectors import VectorIndex
from tests.vector_factory import clustered_vectors, exact_top, fill_catalog, text_like_queries

DIM = 64


@pytest.fixture(scope="module")
def two_models(tmp_path_factory):
    """A catalog where two models' vectors interleave (a model switch mid-way), with failed files and a
    removed folder: what the bulk read must skip. Yields catalog, both model ids, and model A's live vectors."""
    home = tmp_path_factory.mktemp("lib")
    catalog = Catalog(home / "catalog.db")
    a = catalog.model_id("model-a", "model-a", None, DIM)
    b = catalog.model_id("model-b", "model-b", None, DIM)
    vecs, centres = clustered_vectors(900, DIM, seed=5)
    ids_a = []
    for n, root in enumerate(("/one", "/two", "/three")):
        ids_a += fill_catalog(catalog, a, vecs[n * 300:(n + 1) * 300], root=root)
        fill_catalog(catalog, b, vecs[n * 300:(n + 1) * 300][::-1] * -1, root=f"{root}-b")
    catalog.remove_root("/two")
    root = catalog.add_root("/partial")  # 40 videos whose frames were written, then the files failed
    catalog.record_scan(root, 1, [], [], [], [FoundFile(f"/partial/{i}.mp4", 1, i, "video") for i in range(40)])
    failed = [f.id for f in catalog.file_states(root).values()]
    catalog.commit_batch(a, [(fid, 0.0, None) for fid in failed], vecs[:40], {}, {})
    catalog.commit_batch(a, [], [], {fid: "unreadable" for fid in failed}, {})
    live = np.asarray([r[1] for batch in catalog.iter_vectors(a) for r in batch], np.uint64)
    by_id = dict(zip(ids_a, vecs.astype(np.float16), strict=True))
    yield catalog, a, b, live, np.stack([by_id[int(i)] for i in live]), text_like_queries(centres, 6)
    catalog.close()


@pytest.mark.parametrize("batch", [7, 65536])
def test_bulk_read_gives_the_row_readers_vectors_for_each_model(two_models, batch):
    catalog, a, b, live, _, _ = two_models
    for model in (a, b):
        rows = [r for part in catalog.iter_vectors(model) for r in part]
        got = list(catalog.vector_batches(model, DIM, batch=batch))
        assert [len(k) for k, _, _ in got][:-1] == [batch] * (len(got) - 1)
        assert np.concatenate([k for k, _, _ in got]).tolist() == [r[1] for r in rows]
        assert np.concatenate([v for _, v, _ in got]).tobytes() == b"".join(r[2] for r in rows)
        assert got[-1][2] == rows[-1][0] == catalog.last_vector_id(model)
        after = rows[len(rows) // 2][0]  # catching up from a row id
        assert np.concatenate([k for k, _, _ in catalog.vector_batches(model, DIM, after_id=after, batch=batch)]
                              ).tolist() == [r[1] for r in rows if r[0] > after]
    assert len(live) == 600  # a folder removed, 40 files failed


def test_first_answer_without_a_file_is_exact_over_the_live_vectors(two_models, tmp_path):
    catalog, a, _, live, vecs, queries = two_models
    vi = VectorIndex(catalog, a, DIM, tmp_path / "index", "a").open()  # no file: a background rebuild
    assert vi.rebuilt_reason == "no index file"
    for q in queries:
        got = vi.search(q, 10)[0]
        assert got.tolist() == exact_top(vecs, live, q, 10).tolist()
    assert vi.wait_rebuilt(60) and len(vi) == len(live)
    vi.close()


def _row_of_best(vi: VectorIndex, query) -> tuple[int, int]:
    key = int(vi.search(query, 1, exact=True)[0][0])
    return key, int(vi._main.rows_of(np.asarray([key], np.uint64))[0])


def _damage_row(vi: VectorIndex, n: int, row: int) -> None:
    """Zero a row's float16 vector in the saved file: trusted, that photo would drop out of every top."""
    with open(vi.path, "r+b") as fh:
        fh.seek(vectors._HEADER + n * (8 + DIM) + row * 2 * DIM)
        fh.write(bytes(2 * DIM))


@pytest.mark.parametrize("how", ["re-rank", "exact scan"])
def test_a_damaged_float16_row_is_found_when_first_read_and_never_used(two_models, tmp_path, how):
    catalog, a, _, live, _, queries = two_models
    vi = VectorIndex(catalog, a, DIM, tmp_path / "index", "a", background=False).open()
    assert vi.save(force=True)
    # a query whose best photo lies past the first block (the open's spot check reads that one)
    i = next(i for i, q in enumerate(queries) if _row_of_best(vi, q)[1] >= vectors.CHECK_ROWS)
    best, row = _row_of_best(vi, queries[i])
    want = [vi.search(q, 10, exact=True)[0].tolist() for q in queries]
    vi.close()
    _damage_row(vi, len(live), row)

    again = VectorIndex(catalog, a, DIM, tmp_path / "index", "a").open()
    assert again.rebuilt_reason is None and again._main._unchecked[1:].all()  # open verified ids, codes, block 0
    got = again.search(queries[i], 10, exact=how == "exact scan")[0]
    assert "damaged" in again.rebuilt_reason and "fail their checksum" in again.rebuilt_reason
    assert got.tolist() == want[i] and got[0] == best
    assert [again.search(q, 10)[0].tolist() for q in queries] == want
    assert again.wait_rebuilt(60) and again.save(force=True)
    again.close()
    third = VectorIndex(catalog, a, DIM, tmp_path / "index", "a", background=False).open()
    assert third.rebuilt_reason is None and [third.search(q, 10, exact=True)[0].tolist() for q in queries] == want
    third.close()


def test_a_save_never_copies_a_damaged_row_into_the_new_file(tmp_path):
    catalog = Catalog(tmp_path / "catalog.db")
    model = catalog.model_id("m", "m", None, DIM)
    vecs, centres = clustered_vectors(600, DIM, seed=8)
    ids = fill_catalog(catalog, model, vecs[:300], root="/keep") + fill_catalog(catalog, model, vecs[300:], "/go")
    vi = VectorIndex(catalog, model, DIM, tmp_path / "index", "m", background=False).open()
    assert vi.save(force=True)
    vi.close()
    _damage_row(vi, 600, 100)  # past the block the open spot-checks
    again = VectorIndex(catalog, model, DIM, tmp_path / "index", "m", background=False).open()
    assert again.rebuilt_reason is None
    catalog.remove_root("/go")  # half removed: the save rewrites the file from the saved one's rows
    again.sync()
    assert not again.save() and "damaged" in again.rebuilt_reason
    assert again.wait_rebuilt(60) and again.save()
    again.close()
    third = VectorIndex(catalog, model, DIM, tmp_path / "index", "m", background=False).open()
    assert third.rebuilt_reason is None and len(third) == 300
    for q in text_like_queries(centres, 4):
        assert third.search(q, 10, exact=True)[0].tolist() == exact_top(vecs[:300], ids[:300], q, 10).tolist()
    third.close()
    catalog.close()


@pytest.mark.parametrize("where", ["ids", "codes", "block checksums"])
def test_damage_to_ids_codes_or_their_checksums_is_found_at_open(two_models, tmp_path, where):
    catalog, a, _, live, _, _ = two_models
    vi = VectorIndex(catalog, a, DIM, tmp_path / "index", "a", background=False).open()
    assert vi.save(force=True)
    vi.close()
    n = len(live)
    if where == "block checksums":
        meta = json.loads(vi.meta_path.read_text())
        vi.meta_path.write_text(json.dumps(dict(meta, crc32_blocks=meta["crc32_blocks"][:-8])))
    else:
        with open(vi.path, "r+b") as fh:
            fh.seek(vectors._HEADER + (8 * (n // 2) if where == "ids" else 8 * n + DIM * (n // 2)))
            fh.write(b"\x55")
    again = VectorIndex(catalog, a, DIM, tmp_path / "index", "a", background=False).open()
    assert again.rebuilt_reason == "index file damaged (checksum mismatch)"
    again.close()
