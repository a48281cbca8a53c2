"""Opening a big library: time to the first answer with the vector file present, and with none (exact answers
from the catalog while the file is rebuilt), this tree against another checkout (main), runs alternated.

    python tests/bench/open_first.py --home /tmp/medialens-scale/n1000000 --baseline /work/main [--runs 3]

The library is one `tests/bench/scale.py --keep` made (its index folder holds a saved file: a run without one
first builds it). Each run is a fresh process (the CPU time is all its threads'); a run with no file moves the
saved index aside, answers, closes (the rebuild is cancelled) and puts it back.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def child(home: Path, mode: str) -> dict:
    import numpy as np

    from tests.vector_factory import text_like_queries

    query = text_like_queries(np.load(home / "bench-centres.npy"), 1)[0]
    t0 = time.perf_counter()
    from core.library import Library

    lib = Library(home)
    vi = lib.engine(sync=False).vindex
    opened = time.perf_counter() - t0
    keys, _ = vi.search(query, 10)
    first = time.perf_counter() - t0
    use = resource.getrusage(resource.RUSAGE_SELF)
    assert len(keys) == 10
    res = {"open_s": opened, "first_s": first, "cpu_s": use.ru_utime + use.ru_stime, "reason": vi.rebuilt_reason}
    if mode == "build":
        vi.wait_rebuilt()
        vi.save()
    lib.close()
    return res


def run(tree: Path, home: Path, mode: str) -> dict:
    index, aside = home / "index", home / "index.kept"
    if mode == "none":
        index.rename(aside)
    try:
        out = subprocess.run([sys.executable, __file__, "--child", mode, "--home", str(home)], capture_output=True,
                             text=True, env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tree)
    finally:
        if mode == "none":
            shutil.rmtree(index, ignore_errors=True)
            aside.rename(index)
    if out.returncode:
        sys.exit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--baseline", help="another checkout to compare with (e.g. main's)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--modes", default="file,none")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    home = Path(args.home)
    if args.child:
        print(json.dumps(child(home, args.child)))
        return
    if not list((home / "index").glob("*.vectors")):
        print("building the vector file:", run(REPO, home, "build"), file=sys.stderr)
    trees = {"this": REPO, "baseline": Path(args.baseline)}
    got: dict = {(name, mode): [] for name in trees for mode in args.modes.split(",")}
    for _ in range(args.runs):
        for mode in args.modes.split(","):
            for name, tree in trees.items():
                r = run(tree, home, mode)
                r["load"] = os.getloadavg()[0]
                got[name, mode].append(r)
                print(name, mode, json.dumps(r), file=sys.stderr, flush=True)
    print(f"# open_first: {home} ({os.cpu_count()} cores, median of {args.runs}, load at the end "
          f"{os.getloadavg()[0]:.1f})")
    print("| vector file | tree | open s | first answer s | CPU s to first answer | reason rebuilt |")
    print("|---|---|---|---|---|---|")
    for (name, mode), rs in got.items():
        med = {k: statistics.median(r[k] for r in rs) for k in ("open_s", "first_s", "cpu_s")}
        print(f"| {'present' if mode == 'file' else 'none'} | {name} | {med['open_s']:.2f} | {med['first_s']:.2f} | "
              f"{med['cpu_s']:.2f} | {rs[-1]['reason']} |")


if __name__ == "__main__":
    sys.path.insert(0, os.environ.get("PYTHONPATH", str(REPO)))
    main()
