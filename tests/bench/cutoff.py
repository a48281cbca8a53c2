"""Where result lists end: the per-query cutoff against a flat threshold and top-k, same run.

    python tests/bench/cutoff.py [--validation 400] [--gallery 300] [--fit]

On the generated world (every picture's attributes are known, so each query's full
relevant set is known), with the project's trained model: precision, recall and F1 per
query type (``object``: "a green star"; ``caption``: a full caption) of

* the engine's per-query cutoff (``core.search.cutoff.CALIBRATION``);
* one flat cosine threshold and one top-k, each tuned on the validation gallery for the
  best F1 averaged over both types (what a product ships: one number);
* the flat threshold that is best on the test gallery itself (an oracle for the baseline);
* the per-query best top-k (an oracle for any cut: the ceiling of this ranking);
* random weights of the same architecture through the cutoff (the floor).

The validation gallery (test-split pictures, seed 7_500_001) is what the calibration was
fitted on (``--fit`` fits it again and prints it); the test gallery (seed 7_100_001) is the
quality test's. About a minute on two cores at the default sizes.
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
from tests.quality import world  # noqa: E402
from tests.quality.model import TorchEncoder, load_world_model  # noqa: E402

VALIDATION_SEED = 7_500_001
TEST_SEED = 7_100_001  # the quality tests' gallery


def gallery_sets(encoder: TorchEncoder, n: int, seed: int) -> dict[str, cm.QuerySet]:
    pictures = world.make_pictures(n, seed, "test")
    return cm.query_sets(encoder, pictures, encoder.encode_images([p.image() for p in pictures]))


def table(rows: list[tuple[str, dict[str, tuple[float, float, float]]]]) -> str:
    head = f"{'cut':44} " + "  ".join(f"{t + ' F1':>10} {'P':>6} {'R':>6}" for t in cm.TYPES) + f"  {'mean F1':>8}"
    lines = [head, "-" * len(head)]
    for name, by_type in rows:
        cells = "  ".join(f"{by_type[t][0]:10.3f} {by_type[t][1]:6.3f} {by_type[t][2]:6.3f}" for t in cm.TYPES)
        lines.append(f"{name:44} {cells}  {np.mean([by_type[t][0] for t in cm.TYPES]):8.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--validation", type=int, default=400, help="validation pictures (tuning and fitting)")
    parser.add_argument("--gallery", type=int, default=300, help="test pictures (measured)")
    parser.add_argument("--fit", action="store_true", help="fit the calibration on the validation gallery too")
    args = parser.parse_args(argv)

    import torch

    print(f"# Per-query cutoff vs flat threshold and top-k ({machine()})")
    started = time.perf_counter()
    trained = TorchEncoder(*load_world_model())
    torch.manual_seed(12345)
    random = TorchEncoder(*load_world_model(weights=None))
    validation = gallery_sets(trained, args.validation, VALIDATION_SEED)
    test = gallery_sets(trained, args.gallery, TEST_SEED)
    random_test = gallery_sets(random, args.gallery, TEST_SEED)

    calibration = cutoff.CALIBRATION
    if args.fit:
        calibration = cm.fit_calibration(validation)
        print(f"fitted on validation: coefficients={calibration.coefficients}, threshold={calibration.threshold}")
    flat = cm.tune_flat(validation)
    k = cm.tune_top_k(validation)
    best_flat_on_test = cm.tune_flat(test)

    def measure(sets: dict[str, cm.QuerySet], cut) -> dict[str, tuple[float, float, float]]:
        return {t: cm.scores(cut(sets[t].scores), sets[t].relevant) for t in cm.TYPES}

    rows = [
        ("per-query cutoff (engine)", measure(test, lambda s: cm.cutoff_cut(s, calibration))),
        (f"flat threshold {flat:.3f} (tuned on validation)", measure(test, lambda s: cm.flat_cut(s, flat))),
        (f"flat threshold {best_flat_on_test:.3f} (best on test: oracle)",
         measure(test, lambda s: cm.flat_cut(s, best_flat_on_test))),
        (f"top-{k} (tuned on validation)", measure(test, lambda s: cm.top_k_cut(s, k))),
        ("per-query best top-k (ceiling of any cut)", {t: cm.oracle_scores(test[t]) for t in cm.TYPES}),
        ("per-query cutoff, random weights", measure(random_test, lambda s: cm.cutoff_cut(s, calibration))),
    ]
    counts = {t: len(test[t].scores) for t in cm.TYPES}
    relevant = {t: float(test[t].relevant.sum(axis=1).mean()) for t in cm.TYPES}
    print(f"\ntest gallery {args.gallery} pictures; queries {counts}; relevant per query "
          + ", ".join(f"{t} {v:.1f}" for t, v in relevant.items()))
    print(table(rows))
    cut_mean = np.mean([rows[0][1][t][0] for t in cm.TYPES])
    flat_mean = np.mean([rows[1][1][t][0] for t in cm.TYPES])
    print(f"\ncutoff mean F1 - flat (validation-tuned) mean F1 = {cut_mean - flat_mean:+.3f}"
          f"   ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
