"""Duplicates: near-copy groups (re-encodes, resizes, crops, edits) and repeated video moments, each with its baseline.

    python tests/bench/duplicates.py [--dups 20] [--similar 4] [--repeat 3] [--scale 10000,100000]

* **pictures**: `--dups` distinct world pictures, each copied six ways (tests/bench/ocr.py `_copies`:
  re-encode, half size, 90 % and 80 % crop, brighter, captioned), plus `--similar` probe sets per
  attribute (colour, shape, count, position, background: the same scene with one thing changed,
  three variants each): distinct but similar. One library, the trained world model. Baseline: the
  vectors alone at the calibrated copy threshold (the behaviour before); new: pairs down to the
  calibrated edit cosine confirmed by the second test (`_Verifier`). Pair recall per kind of copy,
  pair precision, and the CPU time of `Library.duplicates` (median of `--repeat`, A/B alternating).
* **moments**: the planted repeats of tests/quality/repeat_world.py (clip, re-upload, shared intro,
  twice in one video; a still shot in two videos and near-duplicate shots as look-alikes). Baseline:
  single frames (a match of one frame is a repeat); new: changing sequences. Group and occurrence
  precision/recall, false groups, start error.

Takes about 2 minutes with the defaults on a quiet 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from _common import machine
from ocr import KINDS, pair_scores, write_with_copies

from tests.quality import world
from tests.quality.model import MODEL_NAME, WEIGHTS
from tests.quality.repeat_world import make_repeat_world, score

ATTRIBUTES = ("colour", "shape", "count", "position", "background")


def _pictures(folder: Path, n: int, similar: int) -> dict[str, tuple[int, str]]:
    folder.mkdir(parents=True)
    truth: dict[str, tuple[int, str]] = {}
    for i, p in enumerate(world.make_pictures(n, 9_600_001, "test")):
        truth.update(write_with_copies(folder, p.image(256), i))
    for a, attribute in enumerate(ATTRIBUTES):
        for j, variants in enumerate(world.make_attribute_probes(attribute, similar, 9_700_001 + a)):
            for v, pic in enumerate(variants[:3]):
                name = f"similar-{attribute}{j:02d}-{v}.jpg"
                pic.image(256).save(folder / name, "JPEG", quality=95)
                truth[name] = (-1 - 1000 * a - 10 * j - v, "distinct")
    return truth


@contextmanager
def _hash_test(on: bool):
    """The perceptual-hash test of core.search.duplicates on, or off as before it existed."""
    from core.search import duplicates

    saved = duplicates.HASH_NEIGHBOURS, duplicates._Verifier.same_pixels
    if not on:
        duplicates.HASH_NEIGHBOURS, duplicates._Verifier.same_pixels = 0, lambda *_: False
    try:
        yield
    finally:
        duplicates.HASH_NEIGHBOURS, duplicates._Verifier.same_pixels = saved


def bench_pictures(args, tmp: Path) -> None:
    from core.library import Library
    from core.search.compose import duplicate_thresholds
    from core.search.duplicates import find_duplicates

    truth = _pictures(tmp / "pictures", args.dups, args.similar)
    results: dict[str, list] = {"vectors only (before)": [], "vectors + second test, no hash": [],
                                "vectors + second test + hash": []}
    with Library(tmp / "pictures-lib", model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
        lib.index([tmp / "pictures"])
        ctx = lib.engine().context
        copies, edits = duplicate_thresholds(ctx)  # calibrated once, outside the timing
        for r in range(args.repeat):
            order = list(results) if r % 2 == 0 else list(results)[::-1]
            for mode in order:
                with _hash_test(on=mode.endswith("+ hash")):
                    t0 = time.process_time()
                    floor = None if mode.startswith("vectors only") else edits
                    groups = find_duplicates(lib.catalog, ctx, copies, floor)
                    results[mode].append((time.process_time() - t0, groups))
    print(f"\ncalibrated cosines: copies {copies:.4f}, crops and edits from {edits:.4f}")
    n_similar = sum(k == "distinct" for _, k in truth.values())
    print(f"\n## pictures: {args.dups} originals × 6 copies, {n_similar} distinct-but-similar pictures "
          f"({', '.join(ATTRIBUTES)}), {MODEL_NAME}\n")
    print("| mode | " + " | ".join(KINDS) + " | pair precision | false pairs | CPU s (median) |")
    print("|---|" + "---|" * (len(KINDS) + 3))
    for mode, runs in results.items():
        recall, precision, false = pair_scores(runs[-1][1], truth)
        cpu = statistics.median(t for t, _ in runs)
        print(f"| {mode} | " + " | ".join(f"{recall[k]:.3f}" for k in KINDS)
              + f" | {precision:.3f} | {false} | {cpu:.2f} |")


def bench_moments(args, tmp: Path) -> None:
    from core.library import Library
    from core.search import repeats
    from core.search.compose import duplicate_threshold

    truth = make_repeat_world(tmp / "videos")
    rows = []
    with Library(tmp / "videos-lib", model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
        lib.index([tmp / "videos"])
        ctx = lib.engine().context
        threshold = duplicate_threshold(ctx)
        saved = {k: getattr(repeats, k) for k in ("MIN_FRAMES", "MIN_SPAN_S", "_changes")}
        for mode in ("single frames (baseline)", "changing sequences"):
            if mode.startswith("single"):
                repeats.MIN_FRAMES, repeats.MIN_SPAN_S, repeats._changes = 1, 0.0, lambda *_: True
            else:
                for k, v in saved.items():
                    setattr(repeats, k, v)
            t0 = time.process_time()
            groups = repeats.repeated_moments(ctx, threshold)
            rows.append((mode, score(groups, truth), time.process_time() - t0))
    print(f"\n## repeated video moments: {len(truth)} planted groups ({sum(map(len, truth))} occurrences), "
          f"a still shot in two videos and near-duplicate shots as look-alikes; frame cosine "
          f"{repeats.frame_threshold(threshold):.4f}\n")
    print("| mode | group P | group R | occurrence P | occurrence R | false groups | start error s | CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    for mode, m, cpu in rows:
        print(f"| {mode} | {m['group_precision']:.3f} | {m['group_recall']:.3f} | {m['occurrence_precision']:.3f} "
              f"| {m['occurrence_recall']:.3f} | {m['false_groups']} | {m['start_error_s']:.2f} | {cpu:.3f} |")


def bench_scale(sizes: list[int], tmp: Path) -> None:
    """CPU time of `Library.duplicates` over synthetic libraries (tests/vector_factory.py: clustered vectors,
    15 % near-duplicates at cosine ≈ 0.999) of growing size; the files do not exist, so a pair sent to the
    second test costs its failed decode only (its real cost is reported by the pictures table)."""


    from core.library import Library
    from tests.vector_factory import clustered_vectors, fill_catalog

    print("\n## cost as the library grows (synthetic vectors, exact groups off by construction)\n")
    print("| photos | groups | second tests | CPU s | CPU ms per photo |")
    print("|---|---|---|---|---|")
    for n in sizes:
        home = tmp / f"scale-{n}"
        with Library(home, model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
            ctx = lib.engine(create=True, sync=False).context
            fill_catalog(lib.catalog, ctx.model_id, clustered_vectors(n, ctx.dim, seed=0)[0])
            lib.models.remember()
        with Library(home, model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
            ctx = lib.engine().context
            ctx.vindex.wait_rebuilt()
            from core.search import duplicates

            tests: list = []
            original = duplicates._Verifier.same_picture

            def counted(self, a, b, tests=tests, original=original):
                tests.append((a, b))
                return original(self, a, b)

            duplicates._Verifier.same_picture = counted
            try:
                t0 = time.process_time()
                groups = lib.duplicates(threshold=0.995, moments=True)
                cpu = time.process_time() - t0
            finally:
                duplicates._Verifier.same_picture = original
        print(f"| {n} | {len(groups)} | {len(tests)} | {cpu:.2f} | {1000 * cpu / n:.3f} |")



def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dups", type=int, default=20)
    ap.add_argument("--similar", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scale", default="", help="comma-separated library sizes for the cost table, e.g. 10000,100000")
    ap.add_argument("--no-moments", action="store_true", help="the pictures table only")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="medialens-dups-"))
    print(f"machine: {machine()}")
    bench_pictures(args, tmp)
    if not args.no_moments:
        bench_moments(args, tmp)
    if args.scale:
        bench_scale([int(x) for x in args.scale.split(",")], tmp)


if __name__ == "__main__":
    main()
