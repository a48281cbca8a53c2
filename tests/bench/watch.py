"""Live watching: latency from a file written to it being searchable, and a burst of N files.

    python tests/bench/watch.py [--burst 1000] [--singles 5] [--quiet 2.0]

A library of the tiny random model (timing needs no training) over a temp folder.
* latency: one photo written at a time; time until the catalog holds it indexed
  (median of --singles), with `quiet_s` (how long the folders must be quiet) given;
* burst: N photos written as fast as the disk takes them (a camera import); the
  number of index runs the watcher made and the time from the first write to all
  N indexed. The baseline in the same run is `Library.index` over an equal burst
  of other files written with no watcher (the indexer alone).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, machine, random_weights

sys.path.insert(0, str(REPO))

from tests.conftest import TINY_CONFIG, TINY_MODEL
from tests.media_factory import picture


def indexed(lib, path: Path) -> bool:
    rec = lib.catalog.file_by_path(str(path))
    return rec is not None and rec.status == "ok"


def wait_until(condition, timeout: float = 600.0) -> float:
    t0 = time.perf_counter()
    while not condition():
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError
        time.sleep(0.02)
    return time.perf_counter() - t0


def write_burst(folder: Path, n: int, start: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        p = folder / f"IMG_{i:05d}.jpg"
        picture(i, (96, 72)).save(p, "JPEG")
        paths.append(p)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--burst", type=int, default=1000)
    ap.add_argument("--singles", type=int, default=5)
    ap.add_argument("--quiet", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    import open_clip

    from core.indexing.watch import LibraryWatcher
    from core.library import Library

    tmp = Path(tempfile.mkdtemp(prefix="medialens-watch-"))
    (tmp / "cfg").mkdir()
    (tmp / "cfg" / f"{TINY_MODEL}.json").write_text(json.dumps(TINY_CONFIG))
    open_clip.add_model_config(tmp / "cfg")
    os.environ["MEDIALENS_MODEL_CONFIGS"] = str(tmp / "cfg")
    weights = random_weights(TINY_MODEL, tmp)
    root = tmp / "photos"
    write_burst(root, 3, 900000)
    lib = Library(tmp / "lib", model=TINY_MODEL, weights=weights, device="cpu")
    lib.index([root])
    print(f"machine: {machine()}; tiny model; quiet_s={args.quiet}")

    # A/B alternated: the indexer alone over a burst written with no watcher, then the watcher's burst.
    base, watched, written, run_counts, latencies = [], [], [], [], []
    runs: list[str] = []
    for round_ in range(args.rounds):
        write_burst(root / f"baseline{round_}", args.burst, 100000 * (round_ + 1))
        t0 = time.perf_counter()
        lib.index([root])
        base.append(time.perf_counter() - t0)

        watcher = LibraryWatcher(lib, report=runs.append, quiet_s=args.quiet).start()
        try:
            for k in range(args.singles):
                p = root / "singles" / f"one_{round_}_{k}.jpg"
                p.parent.mkdir(exist_ok=True)
                picture(700000 + 100 * round_ + k, (96, 72)).save(p, "JPEG")
                latencies.append(wait_until(lambda p=p: indexed(lib, p)))
            time.sleep(args.quiet + 0.5)  # let the last single's run report before counting
            before = len(runs)
            t0 = time.perf_counter()
            burst = write_burst(root / f"import{round_}", args.burst, 10000 * round_)
            written.append(time.perf_counter() - t0)
            wait_until(lambda b=burst: all(indexed(lib, p) for p in b[:: max(1, len(b) // 50)] + b[-1:]))
            watched.append(time.perf_counter() - t0)
            time.sleep(args.quiet + 0.5)
            run_counts.append(len(runs) - before)
        finally:
            watcher.stop()
    lib.close()
    med = statistics.median
    print(f"latency write -> indexed: median {med(latencies):.2f} s (min {min(latencies):.2f}, "
          f"max {max(latencies):.2f}, n={len(latencies)}; includes quiet_s={args.quiet})")
    print(f"burst of {args.burst} photos (written in {med(written):.1f} s): index runs per burst {run_counts}; "
          f"all indexed {med(watched):.1f} s after the first write (median of {args.rounds}: "
          f"{', '.join(f'{w:.1f}' for w in watched)})")
    print(f"baseline, same run: Library.index over {args.burst} new photos, no watcher: {med(base):.1f} s "
          f"(median of {args.rounds}: {', '.join(f'{b:.1f}' for b in base)})")


if __name__ == "__main__":
    main()
