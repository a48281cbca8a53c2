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

from core.repair import repair_catalog
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
@pytest.mark.parametrize("damage", ["schema-page", "page-1", "cut-in-half"])
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
                                              ("catalog.db", "read")])
def test_an_io_error_says_the_drive_failed_never_repair(cli, cli_env, tmp_path, shim, suffix, ops):
    write_pictures(tmp_path / "pics", 3)
    assert cli("index", str(tmp_path / "pics"), "-q").returncode == 0
    write_pictures(tmp_path / "more", 2, start=10)
    home = tmp_path / "home"
    env = faulty_env(dict(cli_env, MEDIALENS_HOME=str(home)), shim, suffix, ops, errno.EIO)
    args = ["status"] if ops == "read" else ["roots", "add", str(tmp_path / "more")]
    proc = run(args, env)
    assert_clean_error(proc, str(home / "catalog.db"))
    assert "is damaged" not in proc.stderr and "repair" not in proc.stderr
    assert "drive" in proc.stderr or "cannot be read" in proc.stderr
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
    from core.media import content_hash

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
