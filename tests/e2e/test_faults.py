"""Fault injection (issue 17): each fault is made for real, and the user gets one clear line and loses nothing.

Defects 1–3 (the vector index cache) are covered beside `core/store/vectors.py`; here:
4 a damaged catalog page, 5 an empty or foreign catalog file, 6 odd file names in
output, 7 a malicious pickle as weights, 8 special files and links in a library folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shlex
import shutil
import sqlite3
import subprocess

import pytest

from core.store.repair import repair_catalog, salvage_rows
from tests.conftest import TINY_MODEL, medialens_cmd
from tests.e2e.test_cli import assert_clean_error, run
from tests.media_factory import picture, write_pictures


def damage(path, offset_fraction: float = 0.5, length: int = 8192, seed: int = 17) -> None:
    """Overwrite `length` bytes in the middle of a file with noise (page aligned), as a bad sector would."""
    size = path.stat().st_size
    at = int(size * offset_fraction) // 4096 * 4096
    with open(path, "r+b") as fh:
        fh.seek(at)
        fh.write(random.Random(seed).randbytes(length))


def catalog_paths(db) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return sorted(os.fsdecode(bytes(r[0])) for r in con.execute("SELECT path FROM files WHERE status = 'ok'"))
    finally:
        con.close()


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----- 4. a damaged catalog page ---------------------------------------------------------------

def test_damaged_catalog_is_one_line_then_repair_recovers_and_reindexes_the_rest(cli, tmp_path):
    pics = tmp_path / "pics"
    write_pictures(pics, 300)
    assert cli("index", str(pics), "-q").returncode == 0
    home = tmp_path / "home"
    db = home / "catalog.db"
    damage(db)
    damaged = sha(db)
    for args in (["status"], ["search", "red"], ["index", "-q"]):
        proc = cli(*args, model=False)
        if args == ["search", "red"] and proc.returncode == 0:
            continue  # the damaged page may lie where a search never reads: it answers from what is whole
        assert_clean_error(proc, str(db), "the catalog is damaged", "medialens repair")
        assert "Background on this error" not in proc.stderr

    proc = cli("repair", model=False)
    assert proc.returncode == 0, proc.stderr
    assert "recovered (" in proc.stdout and "the damaged catalog is kept as" in proc.stdout
    kept = [p for p in home.iterdir() if p.name.startswith("catalog.db.damaged-")]
    assert len(kept) == 1 and sha(kept[0]) == damaged, "the damaged file is kept byte for byte"
    assert "indexed" in proc.stdout  # the lost part was indexed again

    # Nothing lost: every photo on disk is in the catalog exactly once, with its vector, and search works.
    assert catalog_paths(db) == sorted(str(p) for p in pics.iterdir())
    st = json.loads(cli("status", "--json", model=False).stdout)
    assert st["images"] == 300 and st["pending"] == 0 and st["vectors"] == 300 and st["index"] == "ok"
    assert cli("search", "red", "-n", "3", model=False).returncode == 0
    again = cli("index", model=False)
    assert "indexed 0, unchanged 300" in again.stdout


def test_repair_without_sqlite_program_salvages_row_by_row(make_library, tmp_path, monkeypatch):
    lib = make_library()
    write_pictures(tmp_path / "pics", 200)
    lib.index([tmp_path / "pics"])
    lib.close()
    db = tmp_path / "lib" / "catalog.db"
    damage(db, 0.6)
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    report = repair_catalog(tmp_path / "lib")
    assert report.repaired and report.method == "row by row" and report.problems
    assert sum(report.unreadable.values()) >= 1, "the damage was reached and stepped over"
    # Every file kept as indexed has all its vectors; the rest are pending or will be found again.
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    incomplete = con.execute(
        "SELECT count(*) FROM embedded e JOIN items i ON i.file_id = e.file_id "
        "LEFT JOIN vectors v ON v.item_id = i.id AND v.model_id = e.model_id WHERE v.id IS NULL").fetchone()[0]
    assert incomplete == 0
    con.close()
    again = make_library()
    again.index()
    assert again.status().images == 200 and again.status().pending == 0
    assert catalog_paths(db) == sorted(str(p) for p in (tmp_path / "pics").iterdir())


def test_salvage_reads_every_row_outside_the_damaged_pages(tmp_path):
    db = tmp_path / "t.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, blob BLOB)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, bytes([i % 256]) * 500) for i in range(1, 2001)])
    con.commit()
    con.close()
    damage(db, 0.5, length=4096)
    con = sqlite3.connect(db)
    rows = list(salvage_rows(con, "t", ["id", "blob"]))
    got = [r for r in rows if r is not None]
    assert None in rows, "the damaged stretch is marked"
    assert all(blob == bytes([i % 256]) * 500 for i, blob in got), "no garbage row comes back"
    assert 2000 - 20 <= len(got) < 2000, len(got)  # one 4 KB page holds about 7 rows of 500 bytes


def test_repair_of_a_sound_catalog_changes_nothing(make_library, tmp_path):
    lib = make_library()
    lib.add_root(tmp_path)
    lib.close()
    db = tmp_path / "lib" / "catalog.db"
    before = sha(db)
    report = repair_catalog(tmp_path / "lib")
    assert not report.repaired and report.problems == [] and sha(db) == before


# ----- 5. an empty or foreign catalog file -----------------------------------------------------

def test_zero_length_catalog_is_refused_not_made_a_new_library(tmp_path, cli_env):
    home = tmp_path / "home"
    home.mkdir()
    (home / "catalog.db").write_bytes(b"")
    proc = run(["status"], dict(cli_env, MEDIALENS_HOME=str(home)))
    assert_clean_error(proc, "catalog.db", "empty (0 bytes)")
    assert (home / "catalog.db").stat().st_size == 0


@pytest.mark.parametrize("kind", ["foreign", "empty-sqlite", "garbage"])
def test_foreign_catalog_is_refused_and_left_as_it_is(tmp_path, cli_env, kind):
    home = tmp_path / "home"
    home.mkdir()
    db = home / "catalog.db"
    if kind == "garbage":
        db.write_bytes(b"MZ\x90\x00" + b"\x00" * 5000)
    else:
        con = sqlite3.connect(db)
        if kind == "foreign":
            con.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
        con.execute("PRAGMA user_version = 1")
        con.commit()
        con.close()
    before = sha(db)
    proc = run(["status"], dict(cli_env, MEDIALENS_HOME=str(home)))
    assert_clean_error(proc, str(db), "move it away")
    assert sha(db) == before


def test_a_new_library_is_created_where_no_file_exists(make_library, tmp_path):
    lib = make_library("fresh")
    assert lib.roots() == []
    assert [p.name for p in (tmp_path / "fresh").iterdir() if p.name.startswith("catalog.db.new")] == []


# ----- 6. odd file names in output -------------------------------------------------------------

def test_odd_names_give_valid_json_and_one_line_per_result(cli, cli_env, tmp_path):
    pics = tmp_path / "pics"
    pics.mkdir()
    raw = os.fsencode(pics) + b"/caf\xe9_\xff\xfe.jpg"
    with open(raw, "wb") as fh:
        picture(1).save(fh, "JPEG")
    picture(2).save(pics / "two\nlines.jpg")
    picture(3).save(pics / "plain.jpg")
    assert cli("index", str(pics), "-q").returncode == 0

    done = subprocess.run(medialens_cmd("search", "red", "--json"), capture_output=True, timeout=300,
                          env=dict(cli_env, MEDIALENS_HOME=str(tmp_path / "home")))
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("utf-8")  # strict: valid UTF-8
    hits = json.loads(text)
    assert sorted(os.fsencode(h["path"]) for h in hits) == sorted(
        [raw, os.fsencode(pics / "two\nlines.jpg"), os.fsencode(pics / "plain.jpg")])
    assert "\\udcff\\udcfe" in text  # the documented escape of undecodable bytes

    out = cli("search", "red", model=False).stdout.splitlines()
    plain = [line for line in out if not line.startswith("# ")]  # the closing "# N matches" line is not a result
    assert len(plain) == 3 and len(out) == 4, out
    assert any(line.endswith("caf\\xe9_\\xff\\xfe.jpg  [id " + line.split("[id ")[1]) for line in plain)
    assert any("two\\nlines.jpg" in line for line in plain)


# ----- 7. a malicious pickle as weights --------------------------------------------------------

class _Payload:
    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_that_runs_code_is_refused_as_not_weights(cli_env, tmp_path):
    import pickle

    marker = tmp_path / "PWNED"
    evil = tmp_path / "open_clip_pytorch_model.bin"
    evil.write_bytes(pickle.dumps({"state_dict": _Payload(str(marker))}, protocol=2))
    write_pictures(tmp_path / "pics", 1)
    proc = run(["index", str(tmp_path / "pics"), "--model", "ViT-B-32", "--weights", str(evil)],
               dict(cli_env, MEDIALENS_HOME=str(tmp_path / "home")))
    assert_clean_error(proc, str(evil), "not a weights file MediaLens will load", "posix.system",
                       "could run code")
    assert not marker.exists()


# ----- 8. special files and links in a library folder -----------------------------------------

def test_special_files_and_outside_links_are_listed_and_can_be_left_alone(cli, tmp_path):
    root = tmp_path / "root"
    write_pictures(root, 2)
    write_pictures(tmp_path / "elsewhere", 2, start=5)
    os.mkfifo(root / "stream.jpg")
    os.symlink(tmp_path / "gone.jpg", root / "dangling.jpg")
    os.symlink(root, root / "loop")
    os.symlink(tmp_path / "elsewhere", root / "more")
    proc = cli("index", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "indexed 4" in proc.stdout
    for line in (f"skipped: {root / 'stream.jpg'}: not a file that can be indexed: a named pipe",
                 f"skipped: {root / 'dangling.jpg'}: broken link: its target {tmp_path / 'gone.jpg'} does not exist",
                 f"skipped: {root / 'loop'}: link loop: leads back to {root}"):
        assert line in proc.stdout, proc.stdout
    st = cli("status", model=False).stdout
    assert f"outside:  {root} reaches outside itself through {root / 'more'} -> {tmp_path / 'elsewhere'}" in st

    assert cli("roots", "--outside-links", "skip", model=False).returncode == 0
    proc = cli("index", model=False)
    assert "2 removed" in proc.stdout and "not followed (as set)" in proc.stdout
    status = json.loads(cli("status", "--json", model=False).stdout)
    assert status["images"] == 2 and status["follow_outside_links"] is False and status["outside_links"] == {}



# ----- live watching: a kill during a watched import ---------------------------------------------

def test_sigkill_during_a_watched_import_loses_nothing(tmp_path, cli_env, tiny_weights):
    import signal
    import time

    from tests.e2e.test_cli import _catalog_counts

    folder = tmp_path / "camera"
    write_pictures(folder, 2)
    home = tmp_path / "home"
    env = dict(cli_env, MEDIALENS_HOME=str(home))
    assert run(["index", str(folder), "--model", TINY_MODEL, "--weights", str(tiny_weights), "-q"],
               env).returncode == 0
    watch = subprocess.Popen(medialens_cmd("watch", "--quiet-s", "0.5"), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert "watching" in watch.stdout.readline() + watch.stdout.readline()
        write_pictures(folder, 300, start=100)  # the camera import
        db, deadline, done = home / "catalog.db", time.time() + 240, 0
        while time.time() < deadline and watch.poll() is None:
            with contextlib.suppress(sqlite3.OperationalError):
                done = _catalog_counts(db)[1]
            if done >= 40:
                break
            time.sleep(0.05)
        assert watch.poll() is None and 40 <= done < 302, done
    finally:
        watch.send_signal(signal.SIGKILL)
        watch.wait(timeout=30)
    resumed = run(["index", "-q"], env)
    assert resumed.returncode == 0, resumed.stderr
    files, done, per_file, (vectors, distinct), orphans = _catalog_counts(db)
    assert (files, done, vectors, distinct, orphans) == (302, 302, 302, 302, 0)
    assert all(n == 1 for _, n in per_file)


def _can_mount() -> bool:
    try:
        return subprocess.run(["unshare", "-rm", "true"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


MOUNT_SCRIPT = r"""
set -e
index() { echo "== index"; "${CMD[@]}" index "$ROOT" "${MODEL[@]}"; }
mount -t tmpfs none "$STORE"            # the drive: another device than the library folder's
cp "$SRC"/*.jpg "$STORE"/
mkdir "$ROOT/drive"
mount --bind "$STORE" "$ROOT/drive"     # mounted inside the library folder
index
umount "$ROOT/drive"                    # unmounted: the mount point is an empty folder
index
rmdir "$ROOT/drive"                     # an automounter removes the mount point too
index
mkdir "$ROOT/drive"; mount --bind "$STORE" "$ROOT/drive"   # plugged in again
index
umount "$ROOT/drive"; cp "$SRC/pic_00050.jpg" "$ROOT/drive/kept-here.jpg"  # now a plain folder with a file
index
"""


@pytest.mark.skipif(not _can_mount(), reason="needs `unshare -rm` (a user and mount namespace) to mount a drive")
def test_an_unmounted_drive_inside_a_library_folder_is_offline_not_deleted(tmp_path, cli_env, tiny_weights):
    root, store, src = tmp_path / "library-folder", tmp_path / "store", tmp_path / "src"
    write_pictures(root, 2)
    write_pictures(src, 3, start=50)
    store.mkdir()
    env = dict(cli_env, MEDIALENS_HOME=str(tmp_path / "home"), ROOT=str(root), STORE=str(store), SRC=str(src))
    cmd = medialens_cmd()
    script = (f"CMD=({' '.join(map(shlex.quote, cmd))}); "
              f"MODEL=(--model {TINY_MODEL} --weights {shlex.quote(str(tiny_weights))})\n" + MOUNT_SCRIPT)
    proc = subprocess.run(["unshare", "-rm", "bash", "-c", script], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    stages = proc.stdout.split("== index\n")[1:]
    assert len(stages) == 5, proc.stdout
    mounted, unmounted, removed, back, plain = stages
    assert "5 new" in mounted and "0 removed" in mounted
    for offline in (unmounted, removed):
        assert "0 removed" in offline, offline
        assert f"{root / 'drive'}: a drive mounted here is offline" in offline
    assert "unchanged 5" in back and "0 new" in back and "offline" not in back
    # a mount point that became an ordinary folder holding files: the drive's files are gone from there
    assert "1 moved, 2 removed" in plain, plain  # the file put there is a copy of one of them: a move
    paths = catalog_paths(tmp_path / "home" / "catalog.db")
    assert paths == sorted([str(root / "pic_00000.jpg"), str(root / "pic_00001.jpg"),
                            str(root / "drive" / "kept-here.jpg")])
