"""Trust under damage, round two (issue 31): each fault is made for real, then the user's view is checked.

Numbers follow the issue: 1 repair of a catalog whose schema is unreadable, 2 a full
or failing disk, 3 failures for a passing reason, 7 a foreign vector file, 8 status
that checks what it reports, 9 special files on the command line, 10 crafted export
folders, 11 temp files left by a kill, 12 a same-size rewrite, 13 small CLI ones.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3

import pytest

from core.repair import repair_catalog
from tests.e2e.test_cli import assert_clean_error
from tests.e2e.test_faults import catalog_paths
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
