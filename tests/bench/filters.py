"""A search with three filters (rating ≥ 3, a country, a camera) against the same search without filters,
at N photos (default 100k) of synthetic CLIP-like 512-d vectors (tests/vector_factory.py).

    nice -n 10 python tests/bench/filters.py [--n 100000] [--queries 30]

The managing metadata is random: ratings 0-5 uniform, places spread over 12 cities in 6 countries,
cameras over 5 models; the three filters together allow about 7 % of the library. Both searches
go through `SearchEngine.by_vector` (20 results, grouped by file) on an opened, saved vector index,
alternating A and B per query; the table gives medians and the median of the per-query ratios. The
items a filter allows are found once and kept until the catalog changes; that first query's cost is
given on its own line.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import machine


def build(home: Path, n: int, seed: int = 0):
    from sqlalchemy import insert, update

    from core.search.context import SearchContext
    from core.search.engine import SearchEngine
    from core.store.catalog import Catalog, MediaFile
    from core.store.catalog_manage import FileMeta
    from core.store.vectors import VectorIndex
    from tests.vector_factory import clustered_vectors, fill_catalog

    vecs, centres = clustered_vectors(n, 512, seed=seed)
    catalog = Catalog(home / "catalog.db")
    model_id = catalog.model_id("bench", "bench", None, 512)
    fill_catalog(catalog, model_id, vecs)
    rng = np.random.default_rng(seed)
    cities = [("Lisbon", "Portugal"), ("Porto", "Portugal"), ("Faro", "Portugal"), ("Paris", "France"),
              ("Lyon", "France"), ("Berlin", "Germany"), ("Munich", "Germany"), ("Shanghai", "China"),
              ("Beijing", "China"), ("Tokyo", "Japan"), ("Osaka", "Japan"), ("Boston", "United States")]
    cameras = [("Google", "Pixel 7"), ("Apple", "iPhone 14 Pro"), ("Canon", "Canon EOS R5"), ("Sony", "ILCE-7M4"),
               ("Google", "Pixel 8")]
    with catalog.session() as s:
        ids = [fid for (fid,) in s.execute(MediaFile.__table__.select().with_only_columns(MediaFile.id))]
    city = rng.integers(0, len(cities), len(ids))
    cam = rng.integers(0, len(cameras), len(ids))
    rating = rng.integers(0, 6, len(ids))
    with catalog.write() as s:
        s.execute(insert(FileMeta), [{"file_id": f, "rating": int(r), "favourite": False, "city": cities[c][0],
                                      "country": cities[c][1]} for f, r, c in zip(ids, rating, city, strict=True)])
        for k, (make, model) in enumerate(cameras):
            chosen = [f for f, c in zip(ids, cam, strict=True) if c == k]
            for start in range(0, len(chosen), 900):
                s.execute(update(MediaFile).where(MediaFile.id.in_(chosen[start:start + 900]))
                          .values(camera_make=make, camera_model=model))
    vindex = VectorIndex(catalog, model_id, 512, home / "index", "bench").open()
    vindex.wait_rebuilt()
    vindex.save()
    engine = SearchEngine(SearchContext(catalog, lambda: None, vindex, model_id, 512, "bench"))
    return engine, centres


def main() -> None:
    from core.search.engine import Filters
    from tests.vector_factory import text_like_queries

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=30)
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="medialens-filters-"))
    try:
        t0 = time.perf_counter()
        engine, centres = build(home, args.n)
        built = time.perf_counter() - t0
        queries = text_like_queries(centres, args.queries)
        three = Filters(min_rating=3, place="Portugal", camera="Pixel")
        t = time.perf_counter()
        allowed = len(engine.catalog.item_ids_where(**vars(three)))
        cold_ms = 1000 * (time.perf_counter() - t)
        engine.by_vector(queries[0], 20)  # warm both paths once
        engine.by_vector(queries[0], 20, filters=three)
        plain, filtered, ratios = [], [], []
        for q in queries:
            t = time.perf_counter()
            engine.by_vector(q, 20)
            a = time.perf_counter() - t
            t = time.perf_counter()
            hits = engine.by_vector(q, 20, filters=three)
            b = time.perf_counter() - t
            assert len(hits) == 20
            plain.append(a)
            filtered.append(b)
            ratios.append(b / a)
        print(f"# filters: {args.n} photos, {args.queries} queries, {allowed} allowed by the three filters "
              f"({100 * allowed / args.n:.1f} %), built in {built:.0f} s ({machine()})")
        print("| search | median ms | p90 ms |")
        print("|---|---|---|")
        for name, xs in (("no filters", plain), ("rating ≥ 3 + place Portugal + camera Pixel", filtered)):
            print(f"| {name} | {1000 * statistics.median(xs):.1f} | {1000 * np.percentile(xs, 90):.1f} |")
        print(f"| ratio (median of per-query ratios) | {statistics.median(ratios):.2f}× | |")
        print(f"| the filter's first query (its allowed items, kept until the catalog changes) | {cold_ms:.1f} | |")
        engine.vindex.close()
        engine.catalog.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
