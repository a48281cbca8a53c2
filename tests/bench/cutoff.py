"""Where result lists end: the per-query cutoff against a flat threshold and top-k, same run.

    python tests/bench/cutoff.py [--gallery 300] [--fit]

On the generated world (every picture's attributes are known, so each query's full
relevant set is known), with the project's trained model: precision, recall and F1 per
query type (``object``: "a green star"; ``caption``: a full caption) and overall of

* the engine's per-query cutoff (``core.search.cutoff.CALIBRATIONS``, short texts focused);
* the cutoff before (one calibration, plain scores: ``cutoff_measures.OLD_CALIBRATION``);
* one flat cosine threshold and one top-k, each tuned on the validation galleries for the
  best F1 averaged over both types (what a product ships: one number);
* the flat threshold that is best on the test gallery itself (an oracle for the baseline);
* the per-query best top-k of the plain and of the focused ranking (oracles: the ceiling of
  any cut of that ranking);
* random weights of the same architecture through the cutoff (the floor).

The validation galleries (test-split pictures: 400 of seed 7_500_001 and 1000 of seed
7_600_001 in three galleries of about 333) are where every parameter is chosen (``--fit``
fits the calibrations again and prints them; ``REFERENCE_WEIGHT`` was chosen on them too);
the test gallery (seed 7_100_001) is the quality test's. Also the cost of focusing a short
query at 100k vectors. Under a minute on two cores at the default sizes (``--fit``: 3 min).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from core.search import cutoff  # noqa: E402
from tests.bench._common import machine  # noqa: E402
from tests.quality import cutoff_measures as cm  # noqa: E402
from tests.quality.model import TorchEncoder, load_world_model  # noqa: E402

TEST_SEED = 7_100_001  # the quality tests' gallery
OVERALL = "overall"


def table(rows: list[tuple[str, dict[str, tuple[float, float, float]]]]) -> str:
    columns = (*cm.TYPES, OVERALL)
    head = f"{'cut':46} " + "  ".join(f"{t + ' F1':>10} {'P':>6} {'R':>6}" for t in columns)
    lines = [head, "-" * len(head)]
    for name, by_type in rows:
        by_type = {**by_type, OVERALL: tuple(float(np.mean([by_type[t][i] for t in cm.TYPES])) for i in range(3))}
        lines.append(f"{name:46} " + "  ".join(f"{by_type[t][0]:10.3f} {by_type[t][1]:6.3f} {by_type[t][2]:6.3f}"
                                               for t in columns))
    return "\n".join(lines)


def focus_cost(n: int = 100_000, dim: int = 512, repeats: int = 200) -> tuple[float, float]:
    """Milliseconds per query (process CPU, wall) that focusing adds: one vector op, whatever the library size;
    for scale, one exact scoring of ``n`` vectors (what a query costs anyway) in the same run."""
    from core.search.cutoff import focused

    rng = np.random.default_rng(0)
    q, ref = rng.normal(size=dim).astype(np.float32), rng.normal(size=dim)
    library = rng.normal(size=(n, dim)).astype(np.float32)
    figures = []
    for work in (lambda: focused(q, "a red car", ref), lambda: library @ q):
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(repeats):
            work()
        figures.append(((time.process_time() - cpu) / repeats * 1e3, (time.perf_counter() - wall) / repeats * 1e3))
    return figures[0][0], figures[1][0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gallery", type=int, default=300, help="test pictures (measured)")
    parser.add_argument("--fit", action="store_true", help="fit the calibrations on the validation galleries too")
    args = parser.parse_args(argv)

    import torch

    print(f"# Per-query cutoff vs flat threshold and top-k ({machine()})")
    started = time.perf_counter()
    trained = TorchEncoder(*load_world_model())
    torch.manual_seed(12345)
    random = TorchEncoder(*load_world_model(weights=None))
    validation = cm.validation_galleries(trained)
    test = cm.gallery_sets(trained, args.gallery, TEST_SEED)[0]
    random_test = cm.gallery_sets(random, args.gallery, TEST_SEED)[0]

    calibrations = cutoff.CALIBRATIONS
    if args.fit:
        calibrations = cm.fit_calibrations(validation)
        print("fitted on validation:")
        for kind, c in calibrations.items():
            print(f"    {kind!r}: Calibration(coefficients={c.coefficients}, threshold={c.threshold}, "
                  f"rule={c.rule!r}, sharpness={c.sharpness}),")
    flat = cm.tune_flat(validation)
    k = cm.tune_top_k(validation)
    best_flat_on_test = cm.tune_flat(test)

    def measure(sets: dict[str, cm.QuerySet], cut) -> dict[str, tuple[float, float, float]]:
        return {t: cm.scores(cut(sets[t]), sets[t].relevant) for t in cm.TYPES}

    rows = [
        ("per-query cutoff (engine)", measure(test, lambda s: cm.cutoff_cut(s, calibrations))),
        ("per-query cutoff before (plain scores)", measure(test, cm.old_cutoff_cut)),
        (f"flat threshold {flat:.3f} (tuned on validation)", measure(test, lambda s: cm.flat_cut(s.scores, flat))),
        (f"flat threshold {best_flat_on_test:.3f} (best on test: oracle)",
         measure(test, lambda s: cm.flat_cut(s.scores, best_flat_on_test))),
        (f"top-{k} (tuned on validation)", measure(test, lambda s: cm.top_k_cut(s.scores, k))),
        ("per-query best top-k, plain (oracle)", {t: cm.oracle_scores(test[t]) for t in cm.TYPES}),
        ("per-query best top-k, focused (oracle)", {t: cm.oracle_scores(test[t], focused=True) for t in cm.TYPES}),
        ("per-query cutoff, random weights", measure(random_test, lambda s: cm.cutoff_cut(s, calibrations))),
    ]
    counts = {t: len(test[t].scores) for t in cm.TYPES}
    relevant = {t: float(test[t].relevant.sum(axis=1).mean()) for t in cm.TYPES}
    print(f"\ntest gallery {args.gallery} pictures; queries {counts}; relevant per query "
          + ", ".join(f"{t} {v:.1f}" for t, v in relevant.items()))
    print(table(rows))
    cut_mean = np.mean([rows[0][1][t][0] for t in cm.TYPES])
    flat_mean = np.mean([rows[2][1][t][0] for t in cm.TYPES])
    print(f"\ncutoff mean F1 - flat (validation-tuned) mean F1 = {cut_mean - flat_mean:+.3f}"
          f"   ({time.perf_counter() - started:.0f} s)")
    added, exact = focus_cost()
    print(f"focusing a short query adds {added:.4f} ms CPU per query (one exact scoring of 100k x 512 vectors: "
          f"{exact:.1f} ms CPU, same run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
