"""open_clip on torch against its ONNX export on ONNX Runtime, in the same run.

    python tests/bench/runtimes.py [--models MediaLens-World,ViT-B-32] [--repeat 5] [--photos 20] [--index 40]

For each model (MediaLens-World with its committed weights; ViT-B-32 with seeded random
weights: timing needs no training): the export (time, agreement with open_clip), then in
fresh processes per runtime, alternating torch / onnx and taking the median of the repeats:

* images/s at batch 1 and batch 32 (preprocessed input), text ms per query, peak RSS;
* cold `medialens search` (a new process: imports, catalog, index, model, one query) on a
  library of `--photos` COCO pictures indexed once: wall time, CPU time and peak RSS of that
  process (CPU time is the figure to read on a loaded machine: wall time waits for the cores);
* indexing throughput through `Library.index` on `--index` photos (files/s), each runtime
  on a fresh library;
* and first, the install size of the default install and of the `torch` extra (`--sizes`: only that).

The default (MediaLens-World only, 5 repeats) takes about 2-3 minutes on this 2-core machine;
add ViT-B-32 for the big one (about 10 more minutes, most of it the export and the torch import).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, SHARED_DATA, machine, random_weights

WORLD_WEIGHTS = REPO / "tests" / "quality" / "medialens-world.safetensors"
QUERIES = ["a red circle", "two dogs on a beach", "a street at night", "a green star", "people playing football",
           "a cat asleep on a chair", "a plate of food", "a bus", "snow on mountains", "a man with a kite"]


def _worker(runtime: str, model: str, weights: str, models_dir: str) -> dict:
    """One process, one runtime: load, then time images at batch 1 and 32 and one query at a time."""
    import numpy as np

    os.environ["MEDIALENS_MODELS"] = models_dir
    from core.models.runtime.choose import open_encoder

    t0 = time.perf_counter()
    enc = open_encoder(model, weights=weights, device="cpu", cache_dir=Path(models_dir), runtime=runtime)
    enc.load()
    load_s = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    size = enc.image_size
    batch = rng.standard_normal((32, 3, size, size)).astype(np.float32)
    if runtime == "torch":
        import torch

        batch = torch.from_numpy(batch)
    enc.encode_tensors(batch[:1])
    t = time.perf_counter()
    for i in range(16):
        enc.encode_tensors(batch[i:i + 1])
    b1 = 16 / (time.perf_counter() - t)
    enc.encode_tensors(batch)
    t = time.perf_counter()
    for _ in range(2):
        enc.encode_tensors(batch)
    b32 = 64 / (time.perf_counter() - t)
    enc.encode_texts(["warm up"])
    t = time.perf_counter()
    for q in QUERIES:
        enc.encode_texts([q])
    text_ms = 1000 * (time.perf_counter() - t) / len(QUERIES)
    hwm = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmHWM:"))
    return {"load_s": load_s, "batch1": b1, "batch32": b32, "text_ms": text_ms, "rss_mb": int(hwm.split()[1]) / 1024}


def _children_cpu_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


_LAST_CPU: list[float] = [0.0]


def _peak_of(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of one child process (its CPU seconds go to `_LAST_CPU`).

    The peak is the child's own high-water mark (VmHWM, polled): its rusage would not do, since
    Linux carries the maximum RSS across fork and exec, so every child would report at least this
    benchmark's own size.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t, cpu = time.perf_counter(), _children_cpu_s()
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=err, text=True)
        status, peak_kb = Path(f"/proc/{proc.pid}/status"), 0
        while proc.poll() is None:
            try:
                line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
                peak_kb = max(peak_kb, int(line.split()[1]))
            except (OSError, StopIteration, ValueError):
                pass
            time.sleep(0.01)
        wall = time.perf_counter() - t
        _LAST_CPU[0] = _children_cpu_s() - cpu  # CPU time is not inherited: this child's own
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed:\n{err.read()[-2000:]}")
        out.seek(0)
        return wall, peak_kb / 1024, out.read()


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def bench_model(model: str, weights: Path, args, tmp: Path, env: dict) -> dict:
    from core.models.runtime.export import export_model

    models_dir = tmp / f"models-{model}"
    t = time.perf_counter()
    exported = export_model(model, weights=weights, models_dir=models_dir,
                            probe_files=sorted((SHARED_DATA / "images" / "coco").glob("*.jpg"))[:12])
    export_s = time.perf_counter() - t
    env = {**env, "MEDIALENS_MODELS": str(models_dir)}
    out: dict = {"model": model, "export_s": export_s, "agreement": exported.manifest.agreement,
                 "onnx_mb": sum(f.bytes for f in exported.manifest.files.values()) / 1e6}

    runs: dict[str, list[dict]] = {"torch": [], "onnx": []}
    for _ in range(max(1, args.repeat // 2)):
        for runtime in ("torch", "onnx"):
            _, _, stdout = _peak_of([sys.executable, __file__, "--worker", runtime, model, str(weights),
                                     str(models_dir)], env)
            runs[runtime].append(json.loads(stdout.strip().splitlines()[-1]))
    out["encode"] = {rt: {k: _median(rows, k) for k in rows[0]} for rt, rows in runs.items()}

    from index_speed import make_photos

    photos = tmp / f"photos-{model}"
    make_photos(photos, args.photos)
    lib = tmp / f"lib-{model}"
    base = [sys.executable, "-m", "core.cli"]
    _peak_of([*base, "index", str(photos), "--library", str(lib), "--model", model, "--weights", str(weights),
              "--runtime", "torch", "-q"], env)
    cold: dict[str, list[tuple[float, float, float]]] = {"torch": [], "onnx": []}
    for i in range(args.repeat):
        for runtime in ("torch", "onnx") if i % 2 == 0 else ("onnx", "torch"):
            wall, rss, _ = _peak_of([*base, "search", QUERIES[i % len(QUERIES)], "--library", str(lib), "-n", "5",
                                     "--runtime", runtime], env)
            cold[runtime].append((wall, rss, _LAST_CPU[0]))
    out["cold_search"] = {rt: {"wall_s": statistics.median(w for w, _, _ in v),
                               "rss_mb": statistics.median(r for _, r, _ in v),
                               "cpu_s": statistics.median(c for _, _, c in v),
                               "runs": [round(w, 2) for w, _, _ in v]} for rt, v in cold.items()}

    index_photos = tmp / f"index-photos-{model}"
    make_photos(index_photos, args.index)
    rates = {}
    for runtime in ("torch", "onnx"):
        _, _, stdout = _peak_of([*base, "index", str(index_photos), "--library", str(tmp / f"index-{runtime}-{model}"),
                                 "--model", model, "--weights", str(weights), "--runtime", runtime, "-q", "--json"],
                                env)
        report = json.loads(stdout)
        rates[runtime] = report["indexed"] / report["elapsed_s"]
    out["index_files_per_s"] = rates
    return out


def _print(r: dict) -> None:
    a, e, c = r["agreement"], r["encode"], r["cold_search"]
    print(f"\n{r['model']}: export {r['export_s']:.1f} s, {r['onnx_mb']:.1f} MB of ONNX; agreement with open_clip: "
          f"image cosine >= {a['image_min_cosine']:.7f} ({a['images']} pictures), text >= {a['text_min_cosine']:.7f} "
          f"({a['texts']} texts), preprocessing max |diff| {a['preprocess_max_abs_diff']}")
    print(f"  {'':28}{'torch':>12}{'onnx':>12}{'onnx/torch':>12}")
    rows = [("model load s", e["torch"]["load_s"], e["onnx"]["load_s"]),
            ("images/s, batch 1", e["torch"]["batch1"], e["onnx"]["batch1"]),
            ("images/s, batch 32", e["torch"]["batch32"], e["onnx"]["batch32"]),
            ("text ms/query", e["torch"]["text_ms"], e["onnx"]["text_ms"]),
            ("peak RSS MB (encoding)", e["torch"]["rss_mb"], e["onnx"]["rss_mb"]),
            ("cold search wall s", c["torch"]["wall_s"], c["onnx"]["wall_s"]),
            ("cold search CPU s (user+sys)", c["torch"]["cpu_s"], c["onnx"]["cpu_s"]),
            ("cold search peak RSS MB", c["torch"]["rss_mb"], c["onnx"]["rss_mb"]),
            ("indexing files/s", r["index_files_per_s"]["torch"], r["index_files_per_s"]["onnx"])]
    for name, t, o in rows:
        print(f"  {name:28}{t:12.2f}{o:12.2f}{o / t:12.2f}")
    print(f"  cold search runs (s): torch {c['torch']['runs']}, onnx {c['onnx']['runs']}")


def install_sizes() -> None:
    """Bytes on disk of the default install and of the `torch` extra, from this venv's installed files."""
    import importlib.metadata as md

    import tomllib

    from packaging.requirements import Requirement

    def closure(reqs: list[str]) -> set[str]:
        seen: dict[str, set[str]] = {}
        todo = [Requirement(r) for r in reqs]
        while todo:
            req = todo.pop()
            name = req.name.lower().replace("_", "-")
            if name in seen and set(req.extras) <= seen[name]:
                continue
            try:
                dist = md.distribution(name)
            except md.PackageNotFoundError:
                continue
            seen[name] = seen.get(name, set()) | set(req.extras)
            for r in map(Requirement, dist.requires or []):
                if r.marker is None or any(r.marker.evaluate({"extra": e}) for e in (seen[name] or {""})):
                    todo.append(r)
        return set(seen)

    def size(name: str) -> int:
        dist = md.distribution(name)
        return sum(os.path.getsize(dist.locate_file(f)) for f in dist.files or [] if dist.locate_file(f).is_file())

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    base = closure(project["dependencies"])
    full = closure(project["dependencies"] + project["optional-dependencies"]["torch"])
    print(f"install size: default {sum(map(size, base)) / 1e9:.2f} GB ({len(base)} distributions), "
          f"with [torch] {sum(map(size, full)) / 1e9:.2f} GB ({len(full)})")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(_worker(*sys.argv[2:6])))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="MediaLens-World")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--photos", type=int, default=20)
    ap.add_argument("--index", type=int, default=40)
    ap.add_argument("--sizes", action="store_true", help="only the install sizes")
    args = ap.parse_args()
    install_sizes()
    if args.sizes:
        return
    tmp = Path(tempfile.mkdtemp(prefix="medialens-onnx-bench-"))
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "HF_HUB_OFFLINE": "1"}
    print(f"machine: {machine()}; python {sys.version.split()[0]}")
    for model in args.models.split(","):
        weights = WORLD_WEIGHTS if model == "MediaLens-World" else random_weights(model, tmp)
        _print(bench_model(model, weights, args, tmp, env))
    print(f"\nmachine after: {machine()}")


if __name__ == "__main__":
    main()
