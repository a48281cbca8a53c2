"""A library of N photos' vectors on one machine: open, rebuild, query latency, recall, memory.

    python tests/bench/scale.py [--n 10000,100000] [--queries 100] [--text-queries 20]
    python tests/bench/scale.py --n 1000000 --keep /tmp/medialens-scale   # reuses the 1M catalog next time

Vectors are synthetic but CLIP-like (clustered, near-duplicates, outliers, text-like queries across a modality
gap: see tests/vector_factory.py), 512-d, written through the catalog as one embedded photo each. Each size runs
in three processes, so each peak RSS is that phase's own: `make` fills the catalog (skipped when `--keep` holds
one of that size), `rebuild` opens it with no index file (time to the first exact answer, exact latency while
the background rebuild runs, rebuild rate, its peak RSS), `query` opens it with the saved file and measures:
vector-only p50/p95 of the default search (from COARSE_MIN vectors: the 2-bit first stage, built and waited for
after the first search, then int8 re-score + float16 re-rank; alternated query by query with the int8 scan of every row
it replaces, and the same for `Library.search`), of the int8 codes alone, of the exact
float16 scan and of numpy's exact scan (the baseline); recall@10 against numpy exact, by id (the headline) and
by the ann-benchmarks convention (a hit counts if its exact similarity is within 1e-3 of the 10th best);
`Library.search` end to end (text encoded by ViT-B-32 with random weights: a real text tower's cost); grouping
(by_vector) against the raw vector search; resident memory after all that (before numpy's baseline loads the
vectors) and its peak.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import REPO, SHARED_DATA, machine, random_weights

MODEL = "ViT-B-32"


def _dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def _pcts(samples: list[float]) -> tuple[float, float]:
    a = np.asarray(samples) * 1000
    return float(np.percentile(a, 50)), float(np.percentile(a, 95))


def _timed(fn, items) -> tuple[list, list[float], list[float]]:
    """Results, wall times and CPU times (all threads of the process) of fn over items."""
    out, wall, cpu = [], [], []
    for it in items:
        t0, c0 = time.perf_counter(), time.process_time()
        out.append(fn(it))
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return out, wall, cpu


def _rss_mb() -> tuple[float, float, float]:
    """(resident now, peak, of which mapped files now) in MiB, of this process image (ru_maxrss would carry
    the parent's peak over exec)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return tuple(int(fields[f].split()[0]) / 1024 for f in ("VmRSS", "VmHWM", "RssFile"))


def make(n: int, home: Path, weights: Path) -> dict:
    from core.library import Library
    from tests.vector_factory import clustered_vectors, fill_catalog

    if home.exists():
        shutil.rmtree(home)
    vecs, centres = clustered_vectors(n, 512, seed=0)
    lib = Library(home, model=MODEL, weights=weights, device="cpu")
    model_id = lib.catalog.model_id(lib.choice.key(), lib.choice.name, lib.choice.weights, 512)
    t0 = time.perf_counter()
    ids = np.asarray(fill_catalog(lib.catalog, model_id, vecs), np.int64)
    fill_s = time.perf_counter() - t0
    lib.models.remember()
    lib.close()
    np.save(home / "bench-vectors.npy", vecs)
    np.save(home / "bench-ids.npy", ids)
    np.save(home / "bench-centres.npy", centres)
    (home / "bench-made.json").write_text(json.dumps({"n": n, "fill_s": fill_s}))
    return {"fill_s": fill_s}


def rebuild(home: Path, queries: np.ndarray) -> dict:
    from core.library import Library

    shutil.rmtree(home / "index", ignore_errors=True)
    res: dict = {"catalog_mb": (home / "catalog.db").stat().st_size / 2**20}
    t0, c0 = time.perf_counter(), time.process_time()
    lib = Library(home)
    vi = lib.engine(sync=False).vindex
    first = vi.search(queries[0], 10)
    res["first_answer_s"] = time.perf_counter() - t0
    assert len(first[0]) == 10
    if vi.rebuilding:
        _, during, _ = _timed(lambda q: vi.search(q, 10), queries[:5])
        res["exact_during_rebuild_ms"] = _pcts(during)[0]
    vi.wait_rebuilt()
    res["rebuild_s"], res["rebuild_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
    res["rebuild_rate"] = len(vi) / res["rebuild_s"]
    lib.close()  # the rebuilt file was saved by the rebuild (no other writer holds the library)
    res["index_mb"] = _dir_mb(home / "index")
    res["rebuild_peak_rss_mb"] = _rss_mb()[1]
    return res


def query(home: Path, queries: np.ndarray, n_text: int) -> dict:
    from core.library import Library
    from core.store import vectors

    res: dict = {}
    t0 = time.perf_counter()
    lib = Library(home)
    vi = lib.engine(sync=False).vindex
    vi.search(queries[0], 10)
    res["open_with_index_s"] = time.perf_counter() - t0
    assert vi.rebuilt_reason is None, vi.rebuilt_reason
    main = vi._main

    # the 2-bit first stage (big files): built in the background from the first search; measured against the
    # int8 scan of every row (the path before it, and the one while it builds), alternated query by query
    def anon_mb() -> float:  # memory of its own, not the vector file's pages the build reads through the mapping
        return int(Path("/proc/self/status").read_text().split("RssAnon:")[1].split()[0]) / 1024

    rss_before = anon_mb()
    t0 = time.perf_counter()
    main.start_coarse()  # (the app starts it at a process's second search)
    res["first_stage"] = main.wait_coarse()
    res["first_stage_build_s"] = time.perf_counter() - t0
    res["first_stage_rss_mb"] = anon_mb() - rss_before
    stage = main.coarse

    def _on(flag: bool) -> None:
        main.coarse = stage if flag else None

    ann, t_ann, c_ann, ann8, t_ann8, c_ann8 = [], [], [], [], [], []
    for i, q in enumerate(queries):
        for flag in ((True, False) if i % 2 else (False, True)):
            _on(flag)
            got, wall, cpu = _timed(lambda q: vi.search(q, 10, exact=False)[0], [q])
            for acc, x in zip((ann, t_ann, c_ann) if flag else (ann8, t_ann8, c_ann8), (got, wall, cpu), strict=True):
                acc += x
    _on(True)
    codes, t_codes, _ = _timed(lambda q: main.keys[main.candidates(q, 10)].astype(np.int64), queries)
    res["ann_ms"], res["ann_cpu_ms"], res["codes_ms"] = _pcts(t_ann), _pcts(c_ann)[0], _pcts(t_codes)
    res["ann8_ms"], res["ann8_cpu_ms"] = _pcts(t_ann8), _pcts(c_ann8)[0]

    engine = lib.engine()
    _, t_raw, _ = _timed(lambda q: engine.nearest_items(q, 80), queries)
    _, t_group, _ = _timed(lambda q: engine.by_vector(q, 20), queries)
    res["raw_ms"], res["by_vector_ms"] = _pcts(t_raw)[0], _pcts(t_group)[0]

    lib.models.encoder.load()
    words = ["a dog on a beach", "red car at night", "birthday cake", "mountain lake", "city street in rain"]
    texts = [f"{words[i % len(words)]} {i}" for i in range(2 * n_text + 1)]  # all different: no cache hits
    lib.search(texts[-1], n=20)
    _, t_text, _ = _timed(lambda s: lib.engine().context.encode_text(s), texts[:n_text])
    t_e2e, c_e2e, t_e2e8, c_e2e8 = [], [], [], []
    for i, text in enumerate(texts[n_text:2 * n_text]):  # each text once per path, alternated: no cache hits
        flag = bool(i % 2)
        _on(flag)
        _, wall, cpu = _timed(lambda s: lib.search(s, n=20), [text])
        (t_e2e if flag else t_e2e8).extend(wall)
        (c_e2e if flag else c_e2e8).extend(cpu)
    _on(True)
    res["encode_text_ms"], res["search_e2e_ms"], res["search_e2e_cpu_ms"] = _pcts(t_text)[0], _pcts(t_e2e), \
        _pcts(c_e2e)[0]
    res["search_e2e8_ms"], res["search_e2e8_cpu_ms"] = _pcts(t_e2e8), _pcts(c_e2e8)[0]
    res["runtime"] = lib.models.encoder.runtime
    # what the app's default path leaves resident (mapped file pages included), before the float16 exact scan
    # and numpy's baseline touch every vector
    res["rss_mb"], res["peak_rss_mb"], res["rss_file_mb"] = _rss_mb()

    exact, t_exact, c_exact = _timed(lambda q: vi.search(q, 10, exact=True)[0], queries)
    res["exact_ms"], res["exact_cpu_ms"] = _pcts(t_exact), _pcts(c_exact)[0]

    vecs = np.load(home / "bench-vectors.npy", mmap_mode="r")
    ids = np.load(home / "bench-ids.npy")
    _, t_numpy, _ = _timed(  # the baseline, one query at a time as a search runs (10 of them: 4 s each at 1M)
        lambda q: np.argpartition(-np.concatenate([vecs[s:s + 65536].astype(np.float32) @ q
                                                   for s in range(0, len(vecs), 65536)]), 10)[:10],
        queries[:10])
    res["numpy_exact_ms"] = _pcts(t_numpy)
    sims_all = np.concatenate([vecs[s:s + 65536].astype(np.float32) @ queries.T  # the truth, all queries at once
                               for s in range(0, len(vecs), 65536)]).T
    by_id = dict(zip(ids.tolist(), range(len(ids)), strict=True))
    for name, got in (("ann", ann), ("ann8", ann8), ("codes", codes), ("exact", exact)):
        rid, rtol = [], []
        for g, sims in zip(got, sims_all, strict=True):
            truth = set(ids[np.argsort(-sims, kind="stable")[:10]].tolist())
            kth = np.partition(sims, -10)[-10]
            rid.append(len(truth & set(g.tolist())) / 10)
            rtol.append(sum(sims[by_id[int(x)]] >= kth - 1e-3 for x in g) / 10)
        res[f"recall_{name}"], res[f"recall_{name}_tol"] = float(np.mean(rid)), float(np.mean(rtol))
    tenth = [np.partition(s, -10)[-10] for s in sims_all]
    res["within_0.01_of_10th"] = float(np.median([(s >= t - 0.01).sum() for s, t in zip(sims_all, tenth, strict=True)]))
    res["rerank"], res["exact_limit"] = vectors.RERANK, vectors.EXACT_LIMIT
    res["load"] = os.getloadavg()[0]
    lib.close()
    return res


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    if out.returncode:
        sys.exit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="10000,100000")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--text-queries", type=int, default=20)
    ap.add_argument("--keep", help="folder for the generated libraries, reused by later runs (default: a temp dir)")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--home", help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--weights", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        sys.path.insert(0, str(REPO))
        from tests.vector_factory import text_like_queries

        home = Path(args.home)
        if args.phase == "make":
            res = make(args.size, home, Path(args.weights))
        else:
            queries = text_like_queries(np.load(home / "bench-centres.npy"), args.queries)
            res = rebuild(home, queries) if args.phase == "rebuild" else query(home, queries, args.text_queries)
        print(json.dumps(res))
        return

    cache = Path(tempfile.gettempdir()) / "medialens-bench-weights"
    cache.mkdir(exist_ok=True)
    weights = random_weights(MODEL, cache)
    models = cache / "models"  # the text tower runs on ONNX Runtime, as the app's default does
    os.environ["MEDIALENS_MODELS"] = str(models)
    from core.models.runtime.manifest import list_exports

    if not any(m.text.input == "token_vectors" for m in list_exports(models)):  # none, or one made before
        from core.models.runtime.export import export_model  # the text tower ran on its own tokens

        export_model(MODEL, weights=weights, models_dir=models,
                     probe_files=sorted((SHARED_DATA / "images" / "coco").glob("*.jpg"))[:4])
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="medialens-scale-"))
    rows = []
    for n in [int(x) for x in args.n.split(",")]:
        home = base / f"n{n}"
        common = ["--home", str(home), "--queries", str(args.queries), "--text-queries", str(args.text_queries)]
        made = home / "bench-made.json"
        if not (made.exists() and json.loads(made.read_text())["n"] == n):
            _child(["--phase", "make", "--size", str(n), "--weights", str(weights), *common])
        r = {"n": n, **json.loads(made.read_text())}
        r.update(_child(["--phase", "rebuild", *common]))
        r.update(_child(["--phase", "query", *common]))
        rows.append(r)
        print(json.dumps(r), file=sys.stderr, flush=True)
        if not args.keep:
            shutil.rmtree(home)
    print(f"# scale: synthetic CLIP-like 512-d vectors, {args.queries} queries, text on {rows[0]['runtime']} "
          f"({machine()})")
    print("| n | catalog MB | index MB | first answer, no index (s) | exact p50 during rebuild (ms) | rebuild s "
          "(vectors/s, CPU s) | rebuild peak RSS MB | open with index (s) "
          "| RSS (mapped files) / peak MB after queries + text model |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['catalog_mb']:.0f} | {r['index_mb']:.0f} | {r['first_answer_s']:.2f} | "
              f"{r.get('exact_during_rebuild_ms', float('nan')):.1f} | {r['rebuild_s']:.1f} ({r['rebuild_rate']:.0f}, "
              f"{r['rebuild_cpu_s']:.1f}) | {r['rebuild_peak_rss_mb']:.0f} | {r['open_with_index_s']:.2f} | "
              f"{r['rss_mb']:.0f} ({r['rss_file_mb']:.0f}) / {r['peak_rss_mb']:.0f} |")
    print("\n| n | numpy exact p50/p95 ms (baseline) | f16 exact p50/p95 (CPU p50) | int8+re-rank p50/p95 (CPU p50) "
          "| recall@10 int8+re-rank id / tol | int8 codes only id / tol | f16 exact id / tol | photos within 0.01 "
          "of 10th | raw → by_vector p50 | encode text p50 | Library.search p50/p95 (CPU p50) ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['numpy_exact_ms'][0]:.1f}/{r['numpy_exact_ms'][1]:.1f} | "
              f"{r['exact_ms'][0]:.1f}/{r['exact_ms'][1]:.1f} ({r['exact_cpu_ms']:.1f}) | "
              f"{r['ann_ms'][0]:.1f}/{r['ann_ms'][1]:.1f} ({r['ann_cpu_ms']:.1f}) | "
              f"{r['recall_ann']:.3f} / {r['recall_ann_tol']:.3f} | {r['recall_codes']:.3f} / "
              f"{r['recall_codes_tol']:.3f} | {r['recall_exact']:.3f} / {r['recall_exact_tol']:.3f} | "
              f"{r['within_0.01_of_10th']:.0f} | {r['raw_ms']:.2f} → {r['by_vector_ms']:.2f} | "
              f"{r['encode_text_ms']:.1f} | {r['search_e2e_ms'][0]:.1f}/{r['search_e2e_ms'][1]:.1f} "
              f"({r['search_e2e_cpu_ms']:.1f}) |")
    print("\n2-bit first stage (files of COARSE_MIN vectors or more) against the int8 scan of every row, alternated "
          "query by query in the same process:")
    print("| n | first stage in use | built after (s) | its RSS MB | vector search p50/p95 (CPU p50) ms: "
          "2-bit → int8+re-rank / all-int8+re-rank | recall@10 id / tol: 2-bit path / all-int8 "
          "| Library.search p50/p95 (CPU p50) ms: 2-bit / all-int8 | load |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['first_stage']} | {r['first_stage_build_s']:.1f} | {r['first_stage_rss_mb']:.0f} | "
              f"{r['ann_ms'][0]:.1f}/{r['ann_ms'][1]:.1f} ({r['ann_cpu_ms']:.1f}) / "
              f"{r['ann8_ms'][0]:.1f}/{r['ann8_ms'][1]:.1f} ({r['ann8_cpu_ms']:.1f}) | "
              f"{r['recall_ann']:.3f} / {r['recall_ann_tol']:.3f} ; "
              f"{r['recall_ann8']:.3f} / {r['recall_ann8_tol']:.3f} | "
              f"{r['search_e2e_ms'][0]:.1f}/{r['search_e2e_ms'][1]:.1f} ({r['search_e2e_cpu_ms']:.1f}) / "
              f"{r['search_e2e8_ms'][0]:.1f}/{r['search_e2e8_ms'][1]:.1f} ({r['search_e2e8_cpu_ms']:.1f}) | "
              f"{r['load']:.1f} |")


if __name__ == "__main__":
    main()
