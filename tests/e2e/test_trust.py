"""Trust under damage, round two (issue 31): each fault is made for real, then the user's view is checked.

Numbers follow the issue: 1 repair of a catalog whose schema is unreadable, 2 a full
or failing disk, 3 failures for a passing reason, 7 a foreign vector file, 8 status
that checks what it reports, 9 special files on the command line, 10 crafted export
folders, 11 temp files left by a kill, 12 a same-size rewrite, 13 small CLI ones.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shlex
import shutil
import sqlite3
import subprocess

import pytest

from core.store.repair import repair_catalog
from tests.conftest import TINY_MODEL, medialens_cmd
from tests.e2e.fault_shim import build_shim, faulty_env
from tests.e2e.test_cli import assert_clean_error, run
from tests.e2e.test_faults import _can_mount, catalog_paths
from tests.media_factory import write_pictures

PAGE = 4096


def schema_pages(db) -> list[int]:
    """Page numbers (from 1) past the first that hold table definitions: `sqlite_master`'s leaves."""
    data = db.read_bytes()
    return [i + 1 for i in range(1, len(data) // PAGE) if b"CREATE TABLE" in data[i * PAGE:(i + 1) * PAGE]]


def overwrite_page(db, number: int, seed: int = 29) -> None:
    with open(db, "r+b") as fh:
        fh.seek((number - 1) * PAGE)
        fh.write(random.Random(seed).randbytes(PAGE))


# ----- 1. repair refuses the damage it exists for ----------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("damage", [
    "schema-page",
    "page-1",
    "cut-in-half"])
def test_repair_recovers_a_catalog_whose_schema_is_unreadable(cli, tmp_path, damage):
    pics = tmp_path / "pics"
    write_pictures(pics, 40)
    assert cli("index", str(pics), "-q").returncode == 0
    db = tmp_path / "home" / "catalog.db"
    if damage == "schema-page":
        pages = schema_pages(db)
        assert pages, "the schema spans several pages in a library this size"
        overwrite_page(db, pages[-1])
    elif damage == "page-1":
        overwrite_page(db, 1)
    else:
        data = db.read_bytes()
        db.write_bytes(data[:len(data) // 2])
    if damage != "page-1":  # an overwritten header makes it "not an SQLite database"; repair still tries
        assert_clean_error(cli("status", model=False), "the catalog is damaged", "medialens repair")

    proc = cli("repair", model=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "recovered (" in proc.stdout and "the damaged catalog is kept as" in proc.stdout
    st = json.loads(cli("status", "--json", model=False).stdout)
    assert (st["images"], st["pending"], st["vectors"], st["index"]) == (40, 0, 40, "ok"), st
    assert catalog_paths(db) == sorted(str(p) for p in pics.iterdir())
    again = cli("index", model=False)
    assert "indexed 0, unchanged 40" in again.stdout, again.stdout


def test_page_by_page_salvage_keeps_every_row_and_embedding(make_library, tmp_path, monkeypatch):
    lib = make_library()
    write_pictures(tmp_path / "pics", 126)
    lib.index([tmp_path / "pics"])
    lib.close()
    db = tmp_path / "lib" / "catalog.db"
    before = sqlite3.connect(db)
    vectors = sorted(before.execute("SELECT item_id, data FROM vectors").fetchall())
    before.close()
    overwrite_page(db, schema_pages(db)[-1])
    monkeypatch.setattr(shutil, "which", lambda _name: None)  # no `sqlite3` program: our own reader
    report = repair_catalog(tmp_path / "lib")
    assert report.repaired and report.method.startswith("page by page")
    assert (report.rows["files"], report.rows["items"], report.rows["vectors"]) == (126, 126, 126)
    assert report.to_index == 0, "every file kept its embedding: nothing to index again"
    after = sqlite3.connect(db)
    assert sorted(after.execute("SELECT item_id, data FROM vectors").fetchall()) == vectors
    assert after.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    after.close()


def test_repair_refuses_a_file_with_no_library_rows(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    junk = home / "catalog.db"
    junk.write_bytes(random.Random(3).randbytes(40000))
    with pytest.raises(Exception, match="not a MediaLens catalog"):
        repair_catalog(home)
    assert [p.name for p in home.iterdir() if p.name.startswith("catalog.db")] == ["catalog.db"]


# ----- 2. a full disk or a failing drive is not a damaged catalog -----------------------------

FULL_DISK_SCRIPT = r"""
set -e
mount -t tmpfs -o size=8m none "$FS"
cp -r "$HOME_SRC" "$FS/home"
dd if=/dev/zero of="$FS/filler" bs=64k 2>/dev/null || true
for c in status "search red" repair; do echo "== $c"; "${CMD[@]}" $c --library "$FS/home" 2>&1 || true; done
rm "$FS/filler"
echo "== freed"; "${CMD[@]}" status --json --library "$FS/home"
"""


@pytest.mark.skipif(not _can_mount(), reason="needs `unshare -rm` (a user and mount namespace) to mount a tmpfs")
def test_a_full_disk_is_called_full_never_damaged(cli, cli_env, tmp_path):
    write_pictures(tmp_path / "pics", 3)
    assert cli("index", str(tmp_path / "pics"), "-q").returncode == 0
    fs = tmp_path / "fs"
    fs.mkdir()
    env = dict(cli_env, FS=str(fs), HOME_SRC=str(tmp_path / "home"))
    script = f"CMD=({' '.join(map(shlex.quote, medialens_cmd()))})\n" + FULL_DISK_SCRIPT
    proc = subprocess.run(["unshare", "-rm", "bash", "-c", script], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    stages = dict(part.split("\n", 1) for part in proc.stdout.split("== ")[1:])
    for command in ("status", "search red", "repair"):
        said = stages[command]
        assert "the disk is full" in said and "Traceback" not in said, (command, said)
        assert "damaged" not in said and "medialens repair" not in said, (command, said)
    assert json.loads(stages["freed"])["images"] == 3, "once space is freed all is well"


@pytest.fixture(scope="module")
def shim(tmp_path_factory):
    lib = build_shim(tmp_path_factory.mktemp("shim"))
    if lib is None:
        pytest.skip("needs a C compiler to build the fault-injection library")
    return lib


@pytest.mark.parametrize(("suffix", "ops"), [("catalog.db-wal", "write"), ("catalog.db-wal", "sync"),
                                              ("catalog.db", "pread")])
def test_an_io_error_says_the_drive_failed_never_repair(cli, cli_env, tmp_path, shim, suffix, ops):
    write_pictures(tmp_path / "pics", 3)
    assert cli("index", str(tmp_path / "pics"), "-q").returncode == 0
    write_pictures(tmp_path / "more", 2, start=10)
    home = tmp_path / "home"
    env = faulty_env(dict(cli_env, MEDIALENS_HOME=str(home)), shim, suffix, ops, errno.EIO)
    args = ["status"] if ops == "pread" else ["roots", "add", str(tmp_path / "more")]
    proc = run(args, env)
    assert_clean_error(proc, str(home / "catalog.db"))
    assert "is damaged" not in proc.stderr and "repair" not in proc.stderr
    assert "the drive failed" in proc.stderr, proc.stderr
    st = json.loads(cli("status", "--json", model=False).stdout)
    assert st["images"] == 3 and st["index"] == "ok", "the failed write lost nothing"


# ----- 3. files that failed for a passing reason are tried again -------------------------------

@pytest.mark.parametrize(("ops", "code", "said"), [("read", errno.EIO, "input/output error"),
                                                   ("open", errno.EACCES, "permission denied")])
def test_a_file_that_failed_for_a_passing_reason_is_tried_again(cli, cli_env, tiny_weights, tmp_path, shim, ops,
                                                                code, said):
    pics = tmp_path / "pics"
    write_pictures(pics, 3)
    env = faulty_env(dict(cli_env, MEDIALENS_HOME=str(tmp_path / "home")), shim, "pic_00001.jpg", ops, code)
    proc = run(["index", str(pics), "--model", TINY_MODEL, "--weights", str(tiny_weights)], env)
    assert proc.returncode == 0, proc.stderr
    assert "failed 1" in proc.stdout and said in proc.stdout, proc.stdout
    again = cli("index", model=False)  # the drive is back, the permission fixed
    assert "indexed 1" in again.stdout and "failed 0" in again.stdout, again.stdout
    st = json.loads(cli("status", "--json", model=False).stdout)
    assert (st["images"], st["failed"]) == (3, 0)


# ----- 12. a same-size rewrite with its modification time put back ------------------------------

def same_size_jpegs(a: int, b: int) -> tuple[bytes, bytes]:
    """Two different photos as JPEG bytes of one length (zeros after the end marker, which decoders ignore)."""
    import io

    from tests.media_factory import picture

    out = []
    for seed in (a, b):
        buf = io.BytesIO()
        picture(seed).save(buf, "JPEG", quality=90)
        out.append(buf.getvalue())
    size = max(map(len, out))
    return tuple(x + b"\0" * (size - len(x)) for x in out)


def test_a_same_size_rewrite_with_its_mtime_put_back_is_indexed_again(cli, tmp_path):
    from core.media.image import content_hash

    pics = tmp_path / "pics"
    write_pictures(pics, 3)
    old, new = same_size_jpegs(50, 51)
    photo = pics / "edited.jpg"
    photo.write_bytes(old)
    assert cli("index", str(pics), "-q").returncode == 0
    before = photo.stat()
    photo.write_bytes(new)
    os.utime(photo, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (photo.stat().st_size, photo.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    proc = cli("index", model=False)
    assert "indexed 1" in proc.stdout, proc.stdout
    con = sqlite3.connect(tmp_path / "home" / "catalog.db")
    stored = con.execute("SELECT content_hash FROM files WHERE path = ?", (os.fsencode(photo),)).fetchone()[0]
    con.close()
    assert stored == content_hash(photo)
    os.chmod(photo, 0o600)  # only its change time moves: the same bytes are not indexed again
    assert "indexed 0, unchanged 4" in cli("index", model=False).stdout


# ----- 7. another library's vector file ---------------------------------------------------------

def test_another_librarys_vector_file_is_rebuilt_not_trusted(cli_env, tiny_weights, tmp_path):
    pics = tmp_path / "pics"
    write_pictures(pics, 20)
    write_pictures(tmp_path / "other", 4, start=100)
    for i in range(16):  # library B: the same first 16 photos, then 4 others: same count, same first vectors
        (tmp_path / "b").mkdir(exist_ok=True)
        shutil.copy(pics / f"pic_{i:05d}.jpg", tmp_path / "b" / f"pic_{i:05d}.jpg")
    for p in (tmp_path / "other").iterdir():
        shutil.copy(p, tmp_path / "b" / p.name)
    model = ["--model", TINY_MODEL, "--weights", str(tiny_weights)]
    env_a, env_b = (dict(cli_env, MEDIALENS_HOME=str(tmp_path / name)) for name in ("home-a", "home-b"))
    assert run(["index", str(pics), "-q", *model], env_a).returncode == 0
    assert run(["index", str(tmp_path / "b"), "-q", *model], env_b).returncode == 0
    for f in (tmp_path / "home-b" / "index").iterdir():
        shutil.copy(f, tmp_path / "home-a" / "index" / f.name)

    st = json.loads(run(["status", "--json"], env_a).stdout)
    assert st["index"] != "ok" and "another library" in st["index"], st["index"]
    query = shutil.copy(pics / "pic_00017.jpg", tmp_path / "query.jpg")  # outside the library: searched as is
    proc = run(["similar", str(query), "-n", "3", "--json"], env_a)
    hits = json.loads(proc.stdout)
    assert hits[0]["path"] == str(pics / "pic_00017.jpg") and hits[0]["score"] > 0.99, hits


# ----- 9. special files given on the command line -----------------------------------------------

@pytest.mark.parametrize("args", [["similar", "{p}"], ["compose", "{p}", "red"],
                                  ["similar", "{p}", "--box", "1,1,5,5"]])
def test_a_named_pipe_given_as_a_picture_is_refused_not_waited_on(cli, cli_env, tmp_path, args):
    write_pictures(tmp_path / "pics", 2)
    assert cli("index", str(tmp_path / "pics"), "-q").returncode == 0
    pipe = tmp_path / "p.jpg"
    os.mkfifo(pipe)
    try:
        proc = run([a.format(p=pipe) for a in args], dict(cli_env, MEDIALENS_HOME=str(tmp_path / "home")),
                   timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("the command waited on the named pipe")
    assert_clean_error(proc, str(pipe), "a named pipe")


# ----- 8. status reads what it reports -----------------------------------------------------------

def test_status_with_the_items_page_destroyed_says_damaged_not_ok(cli, tmp_path):
    write_pictures(tmp_path / "pics", 30)
    assert cli("index", str(tmp_path / "pics"), "-q").returncode == 0
    db = tmp_path / "home" / "catalog.db"
    con = sqlite3.connect(db)
    (items_page,) = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'items'").fetchone()
    con.close()
    overwrite_page(db, items_page)
    for args in (["status"], ["status", "--json"]):
        assert_clean_error(cli(*args, model=False), str(db), "the catalog is damaged", "items", "medialens repair")
    assert cli("repair", model=False).returncode == 0
    st = json.loads(cli("status", "--json", model=False).stdout)
    assert (st["images"], st["vectors"], st["index"]) == (30, 30, "ok")


# ----- 10. crafted export folders ----------------------------------------------------------------

def sound_manifest() -> dict:
    digest = "0" * 64
    return {
        "name": TINY_MODEL, "key": f"{TINY_MODEL}:crafted", "embed_dim": 64, "format": 1,
        "image": {"size": [64, 64], "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]},
        "text": {"context_length": 16, "sot_id": 49406, "eot_id": 49407},
        "files": {role: {"path": f"{role}.onnx", "bytes": 1, "sha256": digest} for role in ("visual", "text")}
        | {"tokenizer": {"path": "tokenizer.json", "bytes": 1, "sha256": digest}},
    }


def nested(depth: int) -> str:
    return '{"format": 1, "image": ' + "[" * depth + "]" * depth + "}"


CRAFTED = {
    "parent-path": lambda m: m["files"]["visual"].update(path="../../etc/passwd"),
    "absolute-path": lambda m: m["files"]["visual"].update(path="/etc/passwd"),
    "files-not-object": lambda m: m.update(files="x"),
    "negative-size": lambda m: m["image"].update(size=[-5, 0]),
    "huge-size": lambda m: m["image"].update(size=[20000, 20000]),
    "huge-context": lambda m: m["text"].update(context_length=1e7),
    "zero-std": lambda m: m["image"].update(std=[0, 0, 0]),
    "tokens-past-vocab": lambda m: m["text"].update(eot_id=10 ** 9),
    "deep-nesting": None,
    "not-an-object": None,
}


def write_crafted(folder, kind: str):
    folder.mkdir(parents=True)
    if kind == "deep-nesting":
        text = nested(100_000)
    elif kind == "not-an-object":
        text = "[1, 2, 3]"
    else:
        manifest = sound_manifest()
        CRAFTED[kind](manifest)
        text = json.dumps(manifest)
    (folder / "manifest.json").write_text(text)
    for name in ("visual.onnx", "text.onnx", "tokenizer.json"):
        (folder / name).write_bytes(b"x")
    return folder


@pytest.mark.parametrize("kind", sorted(CRAFTED))
def test_a_crafted_export_folder_is_refused_in_one_line(tmp_path, kind):
    from core.errors import ModelError
    from core.models.runtime.manifest import read_manifest

    folder = write_crafted(tmp_path / "export", kind)
    with pytest.raises(ModelError) as caught:
        read_manifest(folder)
    assert str(folder) in str(caught.value) and "\n" not in str(caught.value)


def test_the_sound_manifest_the_crafted_ones_start_from_is_read(tmp_path):
    from core.models.runtime.manifest import read_manifest

    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(sound_manifest()))
    assert read_manifest(folder).image.size == (64, 64)


def test_models_lists_the_models_with_crafted_folders_in_the_cache(cli_env, tmp_path):
    cache = tmp_path / "models"
    for kind in CRAFTED:
        write_crafted(cache / "onnx" / kind, kind)
    env = dict(cli_env, MEDIALENS_HOME=str(tmp_path / "home"), MEDIALENS_MODELS=str(cache))
    proc = run(["models", "--json"], env)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert any(m["name"] == "ViT-B-32" for m in json.loads(proc.stdout))
    write_pictures(tmp_path / "pics", 1)
    proc = run(["index", str(tmp_path / "pics"), "--weights", str(cache / "onnx" / "parent-path")], env)
    assert_clean_error(proc, str(cache / "onnx" / "parent-path"), "outside the model folder")


# ----- 11. temporary files left by a kill ------------------------------------------------------

def test_temp_files_of_killed_processes_go_at_the_next_run_a_live_ones_stay(cli, tmp_path):
    import sys

    write_pictures(tmp_path / "pics", 3)
    assert cli("index", str(tmp_path / "pics"), "-q").returncode == 0
    home = tmp_path / "home"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        (vectors,) = [p.name for p in (home / "index").glob("*.vectors")]
        shelf = next(p for p in (home / "thumbnails").iterdir() if p.is_dir())
        planted = {}
        for owner, pid in (("dead", dead), ("live", live.pid)):
            planted[owner] = [home / "index" / f".{vectors}.{pid}.k2x9.tmp",
                              shelf / f"{'ab' * 20}.{pid}.140001.tmp"]
            for p in planted[owner]:
                p.write_bytes(b"partial")
        assert cli("index", model=False).returncode == 0
        assert not any(p.exists() for p in planted["dead"]), "a killed process's temporary files are removed"
        assert all(p.exists() for p in planted["live"]), "a running process's are left alone"
    finally:
        live.kill()
        live.wait()


# ----- 6. no network lookups from ONNX Runtime -----------------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace to see every connection attempt")
def test_a_long_watch_on_onnx_runtime_makes_no_network_lookups(cli_env, tiny_weights, tmp_path):
    import signal
    import time

    from core.models.runtime.export import export_model

    models = tmp_path / "models"
    export_model(TINY_MODEL, weights=tiny_weights, models_dir=models, probe_files=[])
    pics = tmp_path / "pics"
    write_pictures(pics, 2)
    env = dict(cli_env, MEDIALENS_HOME=str(tmp_path / "home"), MEDIALENS_MODELS=str(models))
    env.pop("ORT_DISABLE_TELEMETRY", None)  # as a user's shell has it
    model = ["--model", TINY_MODEL, "--weights", str(tiny_weights), "--runtime", "onnx"]
    assert run(["index", str(pics), "-q", *model], env).returncode == 0
    trace = tmp_path / "trace.txt"
    watch = subprocess.Popen(["strace", "-f", "-e", "trace=connect", "-o", str(trace),
                              *medialens_cmd("watch", "--quiet-s", "0.5", *model)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        time.sleep(5)
        write_pictures(pics, 3, start=20)  # the model runs in the watching process
        time.sleep(40)  # ONNX Runtime's events went out within 30 s of its first session
    finally:
        os.killpg(watch.pid, signal.SIGINT)  # Ctrl-C reaches the watch, and strace with it
        out, err = watch.communicate(timeout=60)
    assert "indexed 3" in out or "3 new" in out, out + err
    lookups = [line for line in trace.read_text().splitlines() if "AF_INET" in line]
    assert lookups == [], lookups[:3]


# ----- 4. watch tries a batch again until it lands ------------------------------------------------

def test_watch_tries_a_failed_batch_again_until_it_lands(make_library, tmp_path):
    import time

    from core.errors import LibraryError
    from core.indexing.watch import LibraryWatcher

    root = tmp_path / "camera"
    write_pictures(root, 2)
    lib = make_library()
    lib.index([root])
    refusals, lines = [], []

    def index_on_a_disk_that_fills_then_frees(roots):
        if len(refusals) < 2:
            refusals.append(roots)
            raise LibraryError(f"{lib.catalog.path}: the disk is full; free some space on it and try again")
        return lib.index(roots)

    watcher = LibraryWatcher(lib, report=lines.append, quiet_s=0.3, poll_s=0.2,
                             index=index_on_a_disk_that_fills_then_frees)
    watcher.retry_s = 0.2
    watcher.start()
    try:
        write_pictures(root, 10, start=10)  # copied in while the disk is full
        end = time.monotonic() + 60
        while time.monotonic() < end and lib.status()["images"] < 12:
            time.sleep(0.2)
    finally:
        watcher.stop()
    assert lib.status()["images"] == 12, lines
    assert len(refusals) == 2 and any("trying again in" in line for line in lines), lines


# ----- 5. duplicates --trash re-checks right before it moves ----------------------------------

def test_trash_leaves_a_copy_overwritten_since_and_one_outside_the_library(cli, cli_env, tiny_weights, tmp_path):
    root = tmp_path / "photos"
    write_pictures(root, 3)
    shutil.copy2(root / "pic_00000.jpg", root / "pic_00000 (1).jpg")
    outside = tmp_path / "elsewhere"
    write_pictures(outside, 1, start=1)
    shutil.copy2(outside / "pic_00001.jpg", outside / "pic_00001 - a copy far away.jpg")
    (outside / "pic_00001.jpg").unlink()
    os.symlink(outside, root / "linked")
    assert cli("index", str(root), "-q").returncode == 0
    write_pictures(tmp_path / "other", 1, start=40)
    shutil.copy(tmp_path / "other" / "pic_00040.jpg", root / "pic_00000 (1).jpg")  # overwritten since

    env = dict(cli_env, MEDIALENS_HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "xdg"))
    done = run(["duplicates", "--exact-only", "--trash", "--yes"], env)
    assert "Traceback" not in done.stderr
    assert f"not moved: {root / 'pic_00000 (1).jpg'}: changed since it was indexed" in done.stderr, done.stderr
    far = root / "linked" / "pic_00001 - a copy far away.jpg"
    assert f"not moved: {far}: its real place" in done.stderr and "outside every library folder" in done.stderr
    assert (root / "pic_00000 (1).jpg").exists() and (outside / "pic_00001 - a copy far away.jpg").exists()
    trash = tmp_path / "xdg" / "Trash" / "files"
    assert not trash.exists() or not any(trash.iterdir()), "nothing was moved"


# ----- 13. small ones on the command line ----------------------------------------------------------

@pytest.fixture
def small_library(cli, tmp_path):
    write_pictures(tmp_path / "pics", 6)
    assert cli("index", str(tmp_path / "pics"), "-q").returncode == 0
    return tmp_path


@pytest.mark.parametrize(("args", "said"), [
    (["search", "red", "--offset", "-5"], "--offset must be 0 or more"),
    (["search", "red", "--from", "2024-05-01", "--to", "2024-01-01"], "is not before --to"),
    (["search", "red", "--folder", "{tmp}/no-such-folder"], "no such folder"),
    (["similar", "{tmp}/pics/pic_00001.jpg", "--box", "-50,-50,20,20"], "lies outside the image"),
])
def test_filters_that_match_nothing_say_why(cli, small_library, args, said):
    proc = cli(*[a.format(tmp=small_library) for a in args], model=False)
    assert_clean_error(proc, said)


def test_a_mistyped_library_path_is_not_made_a_library(cli_env, tmp_path):
    typo = tmp_path / "Picturs-library"
    for args in (["status"], ["search", "red"], ["roots"]):
        proc = run([*args, "--library", str(typo)], cli_env)
        assert_clean_error(proc, str(typo), "no library there")
    assert not typo.exists()


def test_a_foreign_database_with_tables_named_like_ours_is_never_written(tmp_path, cli_env):
    from core.store.catalog_file import CATALOG_TABLES

    home = tmp_path / "home"
    home.mkdir()
    db = home / "catalog.db"
    con = sqlite3.connect(db)
    for table in sorted(CATALOG_TABLES):
        con.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, note TEXT)")
    con.commit()
    con.close()
    before = db.read_bytes()
    proc = run(["status"], dict(cli_env, MEDIALENS_HOME=str(home)))
    assert_clean_error(proc, str(db), "MediaLens did not make it")
    assert db.read_bytes() == before
    con = sqlite3.connect(db)
    assert "alembic_version" not in {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    con.close()
