"""MediaLens against rclip 3.3 (ONNX Runtime), same model, same photos, runs alternated.

    python tests/bench/peer.py [--repeat 3] [--photos 20] [--index 300] [--no-index]

rclip is a benchmark peer, never a project dependency: it is installed once into its own venv under
`$XDG_CACHE_HOME/medialens-bench/rclip-3.3.0` (`pip install rclip==3.3.0`, from the package registry).
Both programs get the same seeded random-weight ViT-B-32-256 (rclip's model architecture; timing needs no
training): MediaLens through `medialens models export`, rclip in the layout of its model repository
(`<RCLIP_DATADIR>/ViT-B-32-256-datacomp_s34b_b86k/{visual,textual}.onnx` and the BPE vocabulary), exported
the way rclip's `scripts/convert_model.py` does: torch's TorchScript exporter, opset 18, dynamic batch axis,
the multi-head attention fast path off, the text tower being `encode_text`. Before timing, both exports are
run on the same input and must give the same vectors (MediaLens's float32 towers, cosine ≥ 0.9999). Each
program then runs as it ships: MediaLens its int8 towers (its default on the CPU, checked against open_clip
by the export; `MEDIALENS_PRECISION=fp32` in the environment times its float32 towers instead), rclip its
float32 export (its model format has no other).

Measured, each run a fresh process, MediaLens and rclip alternated, median of `--repeat`:

* cold search: `medialens search Q --library L -n 10` against `rclip -n -f -t 10 Q` (no re-indexing) over
  `--photos` photos indexed once by each: wall time, CPU time (user + sys) and peak RSS of the process;
* cold indexing of `--index` photos from nothing (a fresh library / a fresh rclip database each run):
  `medialens index DIR -q` against `rclip -f -t 1 x` (rclip indexes its folder before answering; the one
  query it then runs is a few hundredths of its time). Rate = photos / wall seconds of the whole process
  (start-up and model load included on both sides), and photos per CPU-second.

MediaLens's modules are byte-compiled first (`compileall`), as an installed copy is and as pip compiles
rclip's. Photos are the shared COCO pictures (`../shared/data/images/coco`), copied and made unique as in
`index_speed.py`; nothing is written into the repository. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, SHARED_DATA, machine, random_weights

RCLIP_VERSION = "3.3.0"
MODEL = "ViT-B-32-256"
RCLIP_MODEL_DIR = "ViT-B-32-256-datacomp_s34b_b86k"
RCLIP_VOCAB = "tokenizer/bpe_simple_vocab_16e6.txt.gz"
QUERIES = ["two dogs on a beach", "a street at night", "a plate of food", "a man with a kite",
           "snow on mountains", "a cat asleep on a chair", "people playing football", "a red bus"]


def rclip_venv(root: Path) -> Path:
    """The `rclip` executable of a venv of its own (made and installed on first use)."""
    venv = root / f"rclip-{RCLIP_VERSION}"
    exe = venv / "bin" / "rclip"
    if not exe.exists():
        print(f"installing rclip {RCLIP_VERSION} into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"rclip=={RCLIP_VERSION}"], check=True)
    return exe


def export_for_rclip(weights: Path, datadir: Path) -> Path:
    """The model in rclip's layout, exported with the settings of rclip's scripts/convert_model.py."""
    import open_clip
    import torch
    from safetensors.torch import load_file

    folder = datadir / RCLIP_MODEL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    model = open_clip.create_model(MODEL)
    model.load_state_dict(load_file(str(weights)))
    model.eval()

    class Visual(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.visual = model.visual

        def forward(self, x):
            return self.visual(x)

    class Textual(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.clip_model = model

        def forward(self, x):
            return self.clip_model.encode_text(x)

    size = model.visual.image_size[0] if isinstance(model.visual.image_size, tuple) else model.visual.image_size
    fast_path = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        for wrapper, dummy, name in ((Visual(), torch.randn(1, 3, size, size), "visual.onnx"),
                                     (Textual(), torch.zeros(1, 77, dtype=torch.long), "textual.onnx")):
            torch.onnx.export(wrapper.eval(), (dummy,), str(folder / name), input_names=["input"],
                              output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                              opset_version=18, dynamo=False)
    finally:
        torch.backends.mha.set_fastpath_enabled(fast_path)
    vocab = datadir / RCLIP_VOCAB
    vocab.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(open_clip.__file__).parent / "bpe_simple_vocab_16e6.txt.gz", vocab)
    return folder


def check_same_model(medialens_folder: Path, rclip_folder: Path) -> float:
    """Lowest cosine between the two exports' image and text vectors on the same inputs (must be ~1)."""
    import numpy as np
    import onnxruntime as ort

    from core.models.runtime.encoder import OnnxEncoder

    enc = OnnxEncoder(medialens_folder, device="cpu", precision="fp32")  # the model itself; int8 is timed
    rng = np.random.default_rng(0)
    images = rng.standard_normal((2, 3, enc.image_size, enc.image_size)).astype(np.float32)
    tokens = enc.tokenizer(["a dog on a beach", "a street at night"])
    ours = [enc.encode_tensors(images), enc.encode_texts(["a dog on a beach", "a street at night"])]
    theirs = []
    for name, x in (("visual.onnx", images), ("textual.onnx", tokens)):
        s = ort.InferenceSession(str(rclip_folder / name), providers=["CPUExecutionProvider"])
        v = s.run(None, {"input": x})[0]
        theirs.append(v / np.linalg.norm(v, axis=1, keepdims=True))
    return float(min((a * b).sum(1).min() for a, b in zip(ours, theirs, strict=True)))


def _cpu_of_children() -> float:
    import resource

    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def run_measured(cmd: list[str], env: dict, cwd: Path) -> dict:
    """Wall s, CPU s and peak RSS MB of one child process (VmHWM polled: rusage carries the parent's peak)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        cpu0, t0 = _cpu_of_children(), time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err, text=True)
        status, peak_kb = Path(f"/proc/{proc.pid}/status"), 0
        while proc.poll() is None:
            with contextlib.suppress(OSError, StopIteration, ValueError):
                line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
                peak_kb = max(peak_kb, int(line.split()[1]))
            time.sleep(0.005)
        wall, cpu = time.perf_counter() - t0, _cpu_of_children() - cpu0
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{err.read()[-2000:]}")
        return {"wall_s": wall, "cpu_s": cpu, "rss_mb": peak_kb / 1024, "stdout": out.read()}


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--photos", type=int, default=20, help="photos in the searched library")
    ap.add_argument("--index", type=int, default=300, help="photos indexed from nothing")
    ap.add_argument("--no-index", action="store_true", help="cold search only")
    ap.add_argument("--cache", type=Path, help="where rclip's venv lives (default: the user cache folder)")
    args = ap.parse_args()
    print(f"machine before: {machine()}", flush=True)
    cache = args.cache or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "medialens-bench"
    rclip = rclip_venv(cache)
    # Byte-code compiled, as an installed MediaLens is (and rclip is, by pip): without it every run would
    # compile the project's modules again where PYTHONDONTWRITEBYTECODE is set (0.3-0.6 s of a cold search).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "core")], check=True,
                   stdout=subprocess.DEVNULL)

    from index_speed import make_photos

    from core.models.runtime.export import export_model

    tmp = Path(tempfile.mkdtemp(prefix="medialens-peer-"))
    try:
        weights = random_weights(MODEL, tmp)
        models = tmp / "models"
        ours = export_model(MODEL, weights=weights, models_dir=models,
                            probe_files=sorted((SHARED_DATA / "images" / "coco").glob("*.jpg"))[:4]).folder
        rclip_data = tmp / "rclip-data"
        theirs = export_for_rclip(weights, rclip_data)
        agreement = check_same_model(ours, theirs)
        print(f"same model: lowest cosine between the two exports {agreement:.6f}", flush=True)
        if agreement < 0.9999:
            raise SystemExit("the two exports disagree: the comparison would not be of the same model")
        env = {**os.environ, "PYTHONPATH": str(REPO), "MEDIALENS_MODELS": str(models), "HF_HUB_OFFLINE": "1",
               "RCLIP_DATADIR": str(rclip_data)}
        ml = [sys.executable, "-m", "core.cli"]

        photos = tmp / "photos"
        make_photos(photos, args.photos)
        lib = tmp / "lib"
        run_measured([*ml, "index", str(photos), "--library", str(lib), "--model", MODEL, "-q"], env, REPO)
        run_measured([str(rclip), "-f", "-t", "1", "warm up"], env, photos)  # rclip indexes its folder once
        search: dict[str, list[dict]] = {"medialens": [], "rclip": []}
        for i in range(args.repeat):
            q = QUERIES[i % len(QUERIES)]
            for who in ("medialens", "rclip") if i % 2 == 0 else ("rclip", "medialens"):
                if who == "medialens":
                    search[who].append(run_measured([*ml, "search", q, "--library", str(lib), "-n", "10"], env, REPO))
                else:
                    search[who].append(run_measured([str(rclip), "-n", "-f", "-t", "10", q], env, photos))
        print(f"\n# cold search, {args.photos} photos, median of {args.repeat} ({machine()})")
        print("| | MediaLens | rclip 3.3 | MediaLens / rclip |")
        print("|---|---|---|---|")
        for key, label in (("wall_s", "wall s"), ("cpu_s", "CPU s"), ("rss_mb", "peak RSS MB")):
            a, b = _median(search["medialens"], key), _median(search["rclip"], key)
            print(f"| {label} | {a:.2f} | {b:.2f} | {a / b:.2f}x |")
        for who, rows in search.items():
            print(f"  {who} runs: wall {[round(r['wall_s'], 2) for r in rows]}, "
                  f"cpu {[round(r['cpu_s'], 2) for r in rows]}")

        if not args.no_index:
            many = tmp / "many"
            make_photos(many, args.index)
            index: dict[str, list[dict]] = {"medialens": [], "rclip": []}
            for i in range(args.repeat):
                for who in ("medialens", "rclip") if i % 2 == 0 else ("rclip", "medialens"):
                    if who == "medialens":
                        fresh = tmp / f"index-lib-{i}"
                        r = run_measured([*ml, "index", str(many), "--library", str(fresh), "--model", MODEL,
                                          "-q", "--json"], env, REPO)
                        r["indexed"] = json.loads(r["stdout"])["indexed"]
                        shutil.rmtree(fresh, ignore_errors=True)
                    else:
                        for stale in rclip_data.glob("db.sqlite3*"):
                            stale.unlink()
                        r = run_measured([str(rclip), "-f", "-t", "1", "x"], env, many)
                        r["indexed"] = args.index
                    r["rate"], r["per_cpu"] = r["indexed"] / r["wall_s"], r["indexed"] / r["cpu_s"]
                    index[who].append(r)
                    print(f"  {who}: {r['indexed']} photos in {r['wall_s']:.1f} s ({machine()})", flush=True)
            print(f"\n# indexing {args.index} photos from nothing, median of {args.repeat} ({machine()})")
            print("| | MediaLens | rclip 3.3 | MediaLens / rclip |")
            print("|---|---|---|---|")
            for key, label in (("rate", "photos/s (wall)"), ("per_cpu", "photos per CPU-second"),
                               ("rss_mb", "peak RSS MB")):
                a, b = _median(index["medialens"], key), _median(index["rclip"], key)
                print(f"| {label} | {a:.2f} | {b:.2f} | {a / b:.2f}x |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nmachine after: {machine()}")


if __name__ == "__main__":
    main()
