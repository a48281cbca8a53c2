"""Browsing the library without a query at 100k files: how long a page of the newest-first view takes.

    python tests/bench/browse.py [--n 100000] [--repeat 5]

Builds a catalog of N indexed files through the catalog's own writer API (`record_scan`,
then `commit_batch` marking them indexed; a third have a capture time, the rest only a
file time, as with screenshots and downloads), then times, alternating and repeated
(median reported):

* the first page (200 files, what the window shows first), a page in the middle and the
  last page of `Catalog.browse_files` (newest first: capture time, else file time);
* the count the view's scroll bar needs (`count_files`), and a folder-filtered first page;
* the same-run baseline: `Catalog.files` fetching 200 files by id (the cheapest read of a
  page of records there is).

The GUI figures (first paint, scrolling the grid at 100k) are in tests/bench/gui.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _common import machine

from core.store.catalog import Catalog

PAGE = 200


@dataclass(frozen=True)
class FakeScan:
    path: str
    size: int
    mtime_ns: int
    kind: str


def build(folder: Path, n: int) -> Catalog:
    catalog = Catalog(folder / "catalog.db")
    root = catalog.add_root("/photos")
    base = dt.datetime(2015, 1, 1).timestamp()
    new = [FakeScan(f"/photos/{i % 50:02d}/img_{i:07d}.jpg", 1000 + i, int((base + i * 3000) * 1e9),
                    "video" if i % 20 == 0 else "image") for i in range(n)]
    catalog.record_scan(root, 1, [], [], [], new)
    model_id = catalog.model_id("browse-bench", "browse-bench", None, 8)
    ids = [f.id for f in catalog.pending_files(model_id)]
    done = {}
    for fid in ids:
        taken = dt.datetime.fromtimestamp(base + fid * 2900) if fid % 3 == 0 else None
        done[fid] = ({"taken_at": taken}, None)
    catalog.commit_batch(model_id, [], [], {}, done)
    return catalog


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"# Browse without a query ({machine()})")
    with tempfile.TemporaryDirectory(prefix="medialens-browse-") as tmp:
        t0 = time.perf_counter()
        catalog = build(Path(tmp), args.n)
        print(f"built {args.n} files in {time.perf_counter() - t0:.1f} s")
        ids = [f.id for f in catalog.browse_files(0, PAGE)]
        cases = {
            "first page (200, newest first)": lambda: catalog.browse_files(0, PAGE),
            "middle page": lambda: catalog.browse_files(args.n // 2, PAGE),
            "last page": lambda: catalog.browse_files(args.n - PAGE, PAGE),
            "count (scroll bar)": lambda: catalog.count_files(),
            "first page, one folder of 50": lambda: catalog.browse_files(0, PAGE, folder="/photos/07"),
            "baseline: 200 records by id": lambda: catalog.files(ids),
        }
        results: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.repeat):  # alternate the cases, so load drifts hit them alike
            for name, fn in cases.items():
                results[name].append(timed(fn, 1))
        print("| what | median ms |\n|---|---|")
        for name, values in results.items():
            print(f"| {name} | {statistics.median(values):.1f} |")
        catalog.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
