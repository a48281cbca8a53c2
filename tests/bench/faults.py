"""Fault campaign (issue 31): kills at random points, damaged catalogs and vector files, bad inputs.

Every fault is made for real on a copy of one small library (the tiny model, random weights), then
the user's view is compared with a clean run's: the same files indexed, each with its vector, and the
same top results for fixed queries. It counts

* kills survived: `index`, `repair --force` and a `watch` taking an import, SIGKILLed at a random
  moment; the next `index` must end identical to the clean run;
* damaged files tried: catalogs (a random page or the schema overwritten, cut short) and vector files
  (bytes flipped, cut short, another library's): `repair` (catalogs) then queries must be right again;
* bad inputs: special files, folders, garbage given as pictures, malformed options;
* tracebacks, hangs (a command past its time limit) and silent wrong answers (a command that
  succeeded with results that differ from the clean run's): all must be 0.

    python -m tests.bench.faults [--kills 9] [--catalogs 6] [--vectors 4] [--seed 31]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import REPO, TINY_MODEL, _write_config, save_random_weights
from tests.media_factory import write_pictures

PAGE = 4096
LIMIT_S = 900  # a command past this is a hang (a loaded 2-core machine starts one in about a minute)
QUERIES = (["search", "red circles", "-n", "5", "--json"],)


class Campaign:
    def __init__(self, work: Path, seed: int):
        self.work = work
        self.rng = random.Random(seed)
        cfg = _write_config(work / "configs")
        (work / "weights").mkdir()
        self.weights = save_random_weights(cfg, work / "weights", seed=0)
        self.env = dict(os.environ, MEDIALENS_MODEL_CONFIGS=str(cfg), HF_HUB_OFFLINE="1",
                        MEDIALENS_MODELS=str(work / "models"), XDG_DATA_HOME=str(work / "xdg"),
                        PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.pics = work / "pics"
        write_pictures(self.pics, 60)
        self.totals = {"kills survived": 0, "kills": 0, "damaged files tried": 0, "damaged files recovered": 0,
                       "bad inputs": 0, "tracebacks": 0, "hangs": 0, "silent wrong answers": 0, "other": 0}
        self.notes: list[str] = []

    # ----- running the command ----------------------------------------------------------------

    def cmd(self, home: Path, *args: str, model: bool = True) -> list[str]:
        chosen = ["--model", TINY_MODEL, "--weights", str(self.weights)] if model else []
        return [sys.executable, "-m", "desktop_app", *args, "--library", str(home), *chosen]

    def run(self, home: Path, *args: str, timeout: float = LIMIT_S,
            model: bool = True) -> subprocess.CompletedProcess | None:
        try:
            proc = subprocess.run(self.cmd(home, *args, model=model), env=self.env, capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.totals["hangs"] += 1
            self.notes.append(f"hang: {' '.join(args)}")
            return None
        if "Traceback" in proc.stderr:
            self.totals["tracebacks"] += 1
            self.notes.append(f"traceback: {' '.join(args)}: {proc.stderr.strip().splitlines()[-1]}")
        return proc

    def clean_error(self, proc) -> bool:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        return proc.returncode == 1 and len(lines) == 1 and lines[0].startswith("medialens: error: ")

    # ----- the clean run and what is compared ------------------------------------------------------

    def state(self, home: Path) -> dict | None:
        """What a user sees: indexed paths (each with one vector) and the top results of fixed queries."""
        con = sqlite3.connect(home / "catalog.db")
        try:
            paths = sorted(os.fsdecode(bytes(r[0])) for r in con.execute(
                "SELECT f.path FROM files f JOIN items i ON i.file_id = f.id JOIN vectors v ON v.item_id = i.id "
                "WHERE f.status = 'ok'"))
            pending = con.execute("SELECT count(*) FROM files WHERE status != 'ok'").fetchone()[0]
        finally:
            con.close()
        answers = []
        for q in QUERIES:
            proc = self.run(home, *q)
            if proc is None or proc.returncode != 0:
                return None
            answers.append([h["path"] for h in json.loads(proc.stdout)])
        return {"paths": paths, "pending": pending, "answers": answers}

    def prepare(self) -> None:
        self.base = self.work / "base"
        done = self.run(self.base, "index", str(self.pics), "-q")
        assert done is not None and done.returncode == 0, self.notes
        self.reference = self.state(self.base)
        assert len(self.reference["paths"]) == 60 and self.reference["pending"] == 0

    def copy_base(self, name: str) -> Path:
        home = self.work / name
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(self.base, home)
        return home

    def judge(self, home: Path, what: str) -> bool:
        """Whether the library now answers as the clean run does; a success with other answers is silent."""
        got = self.state(home)
        if got == self.reference:
            return True
        if got is not None:
            self.totals["silent wrong answers"] += 1
            self.notes.append(f"silent wrong answer after {what}")
        else:
            self.totals["other"] += 1
            self.notes.append(f"queries failed after {what}")
        return False

    # ----- kills ----------------------------------------------------------------------------------

    def kills(self, n: int) -> None:
        phases = ["index", "repair", "watch"]
        for i in range(n):
            phase = phases[i % len(phases)]
            home = self.work / f"kill-{i}"
            shutil.rmtree(home, ignore_errors=True)
            if phase == "index":
                args = ["index", str(self.pics), "-q"]
            else:
                home = self.copy_base(f"kill-{i}")
                args = ["repair", "--force"] if phase == "repair" else ["watch", "--quiet-s", "0.3"]
            extra = self.work / f"import-{i}"
            shutil.rmtree(extra, ignore_errors=True)
            if phase == "watch":  # an import into a second library folder, watched
                extra.mkdir()
                assert self.run(home, "roots", "add", str(extra)).returncode == 0
            proc = subprocess.Popen(self.cmd(home, *args), env=self.env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            if phase == "watch":
                time.sleep(4)
                write_pictures(extra, 20, start=500)
            time.sleep(self.rng.uniform(0.5, 8.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.totals["kills"] += 1
            resumed = self.run(home, "index", "-q", *([str(self.pics)] if phase == "index" else []))
            if resumed is None or resumed.returncode != 0:
                self.notes.append(f"index after a kill in {phase} failed: {resumed and resumed.stderr.strip()}")
                self.totals["other"] += 1
                continue
            if phase == "watch":  # the import belongs to this library now: it must be complete too
                got = self.state(home)
                extra_ok = got is not None and sum(p.startswith(str(extra)) for p in got["paths"]) == 20
                assert self.run(home, "roots", "remove", str(extra)).returncode == 0
                if not extra_ok:
                    self.totals["silent wrong answers"] += 1
                    self.notes.append("a watched import killed midway was not complete after the next index")
                    continue
            if self.judge(home, f"a kill in {phase}"):
                self.totals["kills survived"] += 1

    # ----- damaged catalogs and vector files -----------------------------------------------------------

    def damaged_catalogs(self, n: int) -> None:
        kinds = ["random-page", "schema-page", "page-1", "cut-short", "two-pages", "items-page"]
        for i in range(n):
            kind = kinds[i % len(kinds)]
            home = self.copy_base(f"cat-{i}")
            db = home / "catalog.db"
            data = bytearray(db.read_bytes())
            pages = len(data) // PAGE
            noise = self.rng.randbytes(PAGE)
            if kind == "random-page":
                at = self.rng.randrange(1, pages)
                data[at * PAGE:(at + 1) * PAGE] = noise
            elif kind == "two-pages":
                for at in self.rng.sample(range(1, pages), 2):
                    data[at * PAGE:(at + 1) * PAGE] = noise
            elif kind == "schema-page":
                found = [p for p in range(1, pages) if b"CREATE TABLE" in data[p * PAGE:(p + 1) * PAGE]]
                at = found[-1] if found else 1
                data[at * PAGE:(at + 1) * PAGE] = noise
            elif kind == "page-1":
                data[:PAGE] = noise
            elif kind == "items-page":
                con = sqlite3.connect(db)
                (root,) = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'items'").fetchone()
                con.close()
                data[(root - 1) * PAGE:root * PAGE] = noise
            else:
                data = data[:int(len(data) * self.rng.uniform(0.3, 0.8)) // PAGE * PAGE]
            db.write_bytes(bytes(data))
            self.totals["damaged files tried"] += 1
            status = self.run(home, "status")
            if status is not None and status.returncode == 0:
                # said "fine": it must be (a page SQLite no longer uses), queries must agree
                if not self.judge(home, f"a damaged catalog ({kind}) that status called sound"):
                    continue
                self.totals["damaged files recovered"] += 1
                continue
            if status is not None and not self.clean_error(status):
                self.notes.append(f"status on a damaged catalog ({kind}) was not one clean line")
                self.totals["other"] += 1
            repaired = self.run(home, "repair")
            if repaired is None or repaired.returncode != 0:
                self.notes.append(f"repair of {kind} failed: {repaired and repaired.stderr.strip()}")
                self.totals["other"] += 1
                continue
            if self.judge(home, f"repairing a damaged catalog ({kind})"):
                self.totals["damaged files recovered"] += 1

    def damaged_vectors(self, n: int) -> None:
        other = self.work / "other"
        if not other.exists():
            pics = self.work / "other-pics"
            write_pictures(pics, 60, start=300)
            assert self.run(other, "index", str(pics), "-q").returncode == 0
        kinds = ["flipped", "cut-short", "foreign", "sidecar-garbage"]
        for i in range(n):
            kind = kinds[i % len(kinds)]
            home = self.copy_base(f"vec-{i}")
            (vectors,) = (home / "index").glob("*.vectors")
            meta = vectors.with_suffix(".json")
            data = bytearray(vectors.read_bytes())
            if kind == "flipped":
                for _ in range(50):
                    data[self.rng.randrange(len(data))] ^= 0xFF
                vectors.write_bytes(bytes(data))
            elif kind == "cut-short":
                vectors.write_bytes(bytes(data[:len(data) // 2]))
            elif kind == "foreign":
                for f in (other / "index").iterdir():
                    shutil.copy(f, home / "index" / f.name)
            else:
                meta.write_text("{" + "[" * 5000)
            self.totals["damaged files tried"] += 1
            if self.judge(home, f"a damaged vector file ({kind})"):
                self.totals["damaged files recovered"] += 1

    # ----- bad inputs -------------------------------------------------------------------------------

    def bad_inputs(self) -> None:
        home = self.base
        bad = self.work / "bad"
        bad.mkdir(exist_ok=True)
        os.mkfifo(bad / "pipe.jpg")
        (bad / "garbage.jpg").write_bytes(self.rng.randbytes(5000))
        (bad / "empty.jpg").write_bytes(b"")
        (bad / "folder.jpg").mkdir()
        crafted = bad / "export"
        crafted.mkdir()
        (crafted / "manifest.json").write_text(json.dumps({"format": 1, "files": "x", "image": {}, "text": {}}))
        cases = [
            ["similar", str(bad / "pipe.jpg")], ["compose", str(bad / "pipe.jpg"), "red"],
            ["similar", str(bad / "garbage.jpg")], ["similar", str(bad / "empty.jpg")],
            ["similar", str(bad / "folder.jpg")], ["similar", str(bad / "missing.jpg")],
            ["search", ""], ["search", "-cats"], ["search", "red", "--offset", "-5"],
            ["search", "red", "--from", "2024-05-01", "--to", "2024-01-01"],
            ["search", "red", "--from", "not-a-date"], ["search", "red", "--folder", str(bad / "nowhere")],
            ["similar", str(self.pics / "pic_00001.jpg"), "--box", "-50,-50,20,20"],
            ["similar", str(self.pics / "pic_00001.jpg"), "--box", "1,2,3"],
            ["similar", "999999"], ["duplicates", "--threshold", "7"],
            ["search", "red", "--model", TINY_MODEL, "--weights", str(crafted)],
        ]
        for args in cases:
            self.totals["bad inputs"] += 1
            proc = self.run(home, *args, timeout=300, model="--weights" not in args)
            if proc is None:
                continue
            if proc.returncode == 0:
                self.totals["silent wrong answers"] += 1
                self.notes.append(f"bad input accepted: {' '.join(args)}")
            elif proc.returncode == 2 and "usage:" in proc.stderr:
                continue  # argparse's own refusal of a malformed option: usage and one error line
            elif not self.clean_error(proc):
                self.totals["other"] += 1
                self.notes.append(f"bad input not one clean line: {' '.join(args)}: {proc.stderr.strip()[:200]}")
        typo = self.work / "no-such-library"
        self.totals["bad inputs"] += 1
        proc = self.run(typo, "status")
        if proc is not None and (proc.returncode == 0 or typo.exists()):
            self.totals["silent wrong answers"] += 1
            self.notes.append("a mistyped --library was made a library")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=9)
    parser.add_argument("--catalogs", type=int, default=6)
    parser.add_argument("--vectors", type=int, default=4)
    parser.add_argument("--seed", type=int, default=31)
    args = parser.parse_args()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="medialens-faults-") as tmp:
        c = Campaign(Path(tmp), args.seed)
        c.prepare()
        for step in (c.bad_inputs, lambda: c.damaged_vectors(args.vectors),
                     lambda: c.damaged_catalogs(args.catalogs), lambda: c.kills(args.kills)):
            step()
            print(json.dumps(c.totals), f"after {time.monotonic() - t0:.0f} s", flush=True)
    for note in c.notes:
        print(f"  {note}")
    print(json.dumps(c.totals))
    print(f"campaign took {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
