"""A library of N photos' vectors on one machine: open, rebuild, query latency, recall, memory.

    python tests/bench/scale.py [--n 10000,30000] [--queries 100] [--text-queries 20] [--es 128,256,512,1024]
    python tests/bench/scale.py --n 100000,1000000     # the big run: hours on a loaded 2-core machine

Each size runs in its own process (so peak RSS is that size's own). Vectors are synthetic but CLIP-like
(clustered, near-duplicates, outliers, text-like queries across a modality gap: see
tests/vector_factory.py), 512-d, written through the catalog as one embedded photo each. Per size:
catalog and index size on disk; the first open with no index file (time to the first exact answer) and
the background rebuild (vectors/s); the open with the saved index; vector-only query p50/p95 of the ANN
index, of usearch's exact scan and of numpy's exact scan (the baseline); recall@10 of ANN against numpy
exact at each `--es` (expansion_search); `Library.search` end to end (text encoded by ViT-B-32 with
random weights: a real text tower's cost) and the grouping cost over the raw vector search; peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import REPO, machine, random_weights

MODEL = "ViT-B-32"


def _dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def _pcts(samples: list[float]) -> tuple[float, float]:
    a = np.asarray(samples) * 1000
    return float(np.percentile(a, 50)), float(np.percentile(a, 95))


def _timed(fn, items) -> tuple[list, list[float]]:
    out, times = [], []
    for it in items:
        t0 = time.perf_counter()
        out.append(fn(it))
        times.append(time.perf_counter() - t0)
    return out, times


def one_size(n: int, n_queries: int, n_text: int, es_list: list[int], weights: Path) -> dict:
    sys.path.insert(0, str(REPO))
    from core import vectors
    from core.library import Library
    from tests.vector_factory import clustered_vectors, exact_top, fill_catalog, text_like_queries

    home = Path(tempfile.mkdtemp(prefix=f"medialens-scale-{n}-"))
    res: dict = {"n": n}
    vecs, centres = clustered_vectors(n, 512, seed=0)
    queries = text_like_queries(centres, n_queries)
    lib = Library(home, model=MODEL, weights=weights, device="cpu")
    model_id = lib.catalog.model_id(lib.choice.key(), lib.choice.name, lib.choice.weights, 512)
    t0 = time.perf_counter()
    ids = np.asarray(fill_catalog(lib.catalog, model_id, vecs))
    res["fill_s"] = time.perf_counter() - t0
    lib._remember_model()
    lib.close()
    res["catalog_mb"] = (home / "catalog.db").stat().st_size / 2**20

    # first open, no index file: the first (exact) answer, then the background rebuild to its end
    t0 = time.perf_counter()
    lib = Library(home)
    vi = lib.engine(sync=False).vindex
    first = vi.search(queries[0], 10)
    res["first_answer_s"] = time.perf_counter() - t0
    assert len(first[0]) == 10 and vi.rebuilding
    _, during = _timed(lambda q: vi.search(q, 10), queries[:5])
    res["exact_during_rebuild_ms"] = _pcts(during)[0]
    vi.wait_rebuilt()
    res["rebuild_s"] = time.perf_counter() - t0
    res["rebuild_rate"] = n / res["rebuild_s"]
    lib.close()
    res["index_mb"] = _dir_mb(home / "index")

    # open with the saved index
    t0 = time.perf_counter()
    lib = Library(home)
    vi = lib.engine(sync=False).vindex
    vi.search(queries[0], 10)
    res["open_with_index_s"] = time.perf_counter() - t0
    assert vi.rebuilt_reason is None

    truth, t_numpy = _timed(lambda q: exact_top(vecs, ids, q, 10), queries)
    _, t_exact = _timed(lambda q: vi.search(q, 10, exact=True), queries)
    res["numpy_exact_ms"] = _pcts(t_numpy)
    res["usearch_exact_ms"] = _pcts(t_exact)
    sweep = {}
    for es in es_list:
        vi._index.expansion_search = es
        got, t_ann = _timed(lambda q: vi.search(q, 10, exact=False)[0], queries)
        recall = float(np.mean([len(set(g.tolist()) & set(t.tolist())) / 10
                                for g, t in zip(got, truth, strict=True)]))
        sweep[es] = {"recall": recall, "ms": _pcts(t_ann)}
    res["sweep"] = sweep
    vi._index.expansion_search = vectors.ANN["expansion_search"]
    res["es_default"] = vectors.ANN["expansion_search"]

    engine = lib.engine()
    _, t_raw = _timed(lambda q: engine.nearest_items(q, 80), queries)
    _, t_group = _timed(lambda q: engine.by_vector(q, 20), queries)
    res["raw_ms"], res["by_vector_ms"] = _pcts(t_raw)[0], _pcts(t_group)[0]

    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the model loads
    lib.encoder.load()
    words = ["a dog on a beach", "red car at night", "birthday cake", "mountain lake", "city street in rain"]
    texts = [f"{words[i % len(words)]} {i}" for i in range(2 * n_text + 1)]  # all different: no cache hits
    lib.search(texts[-1], n=20)
    _, t_text = _timed(lambda s: lib.engine().context.encode_text(s), texts[:n_text])
    _, t_e2e = _timed(lambda s: lib.search(s, n=20), texts[n_text:2 * n_text])
    res["encode_text_ms"], res["search_e2e_ms"] = _pcts(t_text)[0], _pcts(t_e2e)
    lib.close()
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="10000,30000")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--text-queries", type=int, default=20)
    ap.add_argument("--es", default="128,256,512,1024")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--weights", help=argparse.SUPPRESS)
    args = ap.parse_args()
    es_list = [int(x) for x in args.es.split(",")]
    if args.one:
        print(json.dumps(one_size(args.one, args.queries, args.text_queries, es_list, Path(args.weights))))
        return

    cache = Path(tempfile.gettempdir()) / "medialens-bench-weights"
    cache.mkdir(exist_ok=True)
    weights = random_weights(MODEL, cache)
    rows = []
    for n in [int(x) for x in args.n.split(",")]:
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--queries", str(args.queries),
                              "--text-queries", str(args.text_queries), "--es", args.es, "--weights", str(weights)],
                             capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        if out.returncode:
            sys.exit(out.stderr)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"# scale: synthetic CLIP-like 512-d vectors, {args.queries} queries ({machine()})")
    print("| n | catalog MB | index MB | first answer, no index (s) | rebuild s (vectors/s) | open with index (s) "
          "| peak RSS MB (before the text model) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['catalog_mb']:.0f} | {r['index_mb']:.0f} | {r['first_answer_s']:.2f} | "
              f"{r['rebuild_s']:.1f} ({r['rebuild_rate']:.0f}) | {r['open_with_index_s']:.2f} | "
              f"{r['peak_rss_mb']:.0f} |")
    print("\n| n | numpy exact p50/p95 ms (baseline) | usearch exact p50 | exact during rebuild p50 | ANN p50/p95 "
          "(es default) | recall@10 | raw → by_vector p50 | encode text p50 | Library.search p50/p95 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        d = r["sweep"].get(str(r["es_default"]))
        ann = f"{d['ms'][0]:.2f}/{d['ms'][1]:.2f}" if d else "-"
        rec = f"{d['recall']:.3f}" if d else "-"
        print(f"| {r['n']:,} | {r['numpy_exact_ms'][0]:.1f}/{r['numpy_exact_ms'][1]:.1f} | "
              f"{r['usearch_exact_ms'][0]:.1f} | {r['exact_during_rebuild_ms']:.1f} | {ann} | {rec} | "
              f"{r['raw_ms']:.2f} → {r['by_vector_ms']:.2f} | {r['encode_text_ms']:.1f} | "
              f"{r['search_e2e_ms'][0]:.1f}/{r['search_e2e_ms'][1]:.1f} |")
    print("\nexpansion_search sweep: recall@10 vs numpy exact, ANN p50 ms")
    for r in rows:
        print(f"  n={r['n']:,}: " + ", ".join(f"es {es}: {v['recall']:.3f} @ {v['ms'][0]:.2f} ms"
                                           for es, v in r["sweep"].items()))


if __name__ == "__main__":
    main()
