"""The library's catalog reads a search's rows with `sqlite3` (`core.store.catalog_read`): the same answers as
the SQLAlchemy `Catalog`, no SQLAlchemy in a cold `medialens search`, and the full path where a catalog needs
work first."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from core.store.catalog import SCHEMA_HEAD, Catalog, MediaFile
from core.store.catalog_manage import FileMeta
from core.store.catalog_read import LibraryCatalog
from core.store.records import TextLine
from tests.conftest import REPO, TINY_MODEL
from tests.core.handmade import HandmadeLibrary, axis, downgrade_catalog, new_items
from tests.media_factory import write_pictures

ODD_PATH = os.fsdecode(b"/media/caf\xe9 \xff.jpg")  # not UTF-8: stored as the OS's bytes
TAKEN = dt.datetime(2023, 7, 1, 12, 30, 5, 123456)


@pytest.fixture(scope="module")
def catalog_path(tmp_path_factory):
    """A catalog with what a search reads: odd paths, capture times, a video's frames, a failed file,
    tombstones, settings, text lines (with a speech line's timed words), places and cameras."""
    hm = HandmadeLibrary(tmp_path_factory.mktemp("read"))
    cat = hm.catalog
    hm.add("photo.jpg", [axis(0)], taken_at=TAKEN)
    hm.add("clip.mp4", [axis(1), axis(2), axis(3)], times=[0.0, 1.5, 3.0])
    gone = hm.add("gone.jpg", [axis(4)])
    with cat.write() as s:
        odd = MediaFile(root_id=hm.root, path=ODD_PATH, size=7, mtime_ns=123, kind="image", status="ok",
                        seen_scan=1, added_at=0.0, camera_make="Google", camera_model="Pixel 7", gps_lat=38.7,
                        gps_lon=-9.1, width=640, height=480, format="JPEG", content_hash="ab" * 32)
        failed = MediaFile(root_id=hm.root, path="/media/bad.jpg", size=1, mtime_ns=1, kind="image",
                           status="failed", error="not a picture", seen_scan=1, added_at=0.0)
        s.add_all([odd, failed])
        s.flush()
        (item,) = new_items(s, odd.id, [None])
        s.add(FileMeta(file_id=odd.id, lens="Summicron 35", city="Lisbon", region="Lisboa", country="Portugal"))
        s.add(FileMeta(file_id=failed.id))
    hm.file_ids.update(odd=odd.id, failed=failed.id)
    cat.save_ocr([(item, [TextLine("INV0ICE 2024", 0.9, (1, 2, 30, 40)),
                          TextLine("said the invoice", 1.0, (0, 0, 0, 0), "speech", 1.0, 2.5,
                                   (("said", 1.0, 1.4), ("the", 1.4, 1.6), ("invoice", 1.6, 2.5)))])])
    with cat.write() as s:
        s.delete(s.get(MediaFile, gone))
    cat.set_setting("model", "handmade")
    hm.close()
    return hm.folder / "catalog.db", hm.model_id, hm.file_ids


def test_a_searchs_reads_are_the_sqlalchemy_catalogs_and_open_no_sqlalchemy_catalog(catalog_path):
    path, model, file_ids = catalog_path
    orm, fast = Catalog(path), LibraryCatalog(path)
    try:
        all_files = [*file_ids.values(), 999]
        assert fast.files(all_files) == orm.files(all_files)
        odd = fast.files([file_ids["odd"]])[file_ids["odd"]]
        assert odd.path == ODD_PATH and odd.camera_model == "Pixel 7"
        assert fast.files([file_ids["photo.jpg"]])[file_ids["photo.jpg"]].taken_at == TAKEN
        items = range(1, 10)
        assert fast.items_info(items) == orm.items_info(items) and len(fast.items_info(items)) == 5
        assert fast.items_with_kinds(items) == orm.items_with_kinds(items) and fast.items_with_kinds([]) == {}
        table, info = fast.item_files(), fast.items_with_kinds(items)
        for field in ("item_ids", "file_ids", "video_files"):
            assert getattr(table, field).tolist() == getattr(orm.item_files(), field).tolist()
        assert table.removed_seq == orm.item_files().removed_seq == 1
        assert dict(zip(table.item_ids.tolist(), table.file_ids.tolist(), strict=True)) == {
            iid: fid for iid, (fid, _, _) in info.items()}
        assert table.video_files.tolist() == [file_ids["clip.mp4"]]
        assert table.are_videos(table.files_of([*info, 99])).tolist() == [
            kind == "video" for _, _, kind in info.values()] + [False]
        for after in (0, 2):
            assert list(fast.iter_vectors(model, after, batch=2)) == list(orm.iter_vectors(model, after, batch=2))
        assert fast.last_vector_id(model) == orm.last_vector_id(model) == 4
        assert fast.vector_count(model) == orm.vector_count(model) == 4
        assert fast.removed_since(0) == orm.removed_since(0) == ([5], 1)
        assert fast.removed_since(1) == orm.removed_since(1) and fast.last_removed_seq() == 1
        assert sorted(fast.sample_vectors(model, 10)) == sorted(orm.sample_vectors(model, 10))
        assert len(fast.sample_vectors(model, 2)) == 2
        assert fast.find_model("handmade") == orm.find_model("handmade") and fast.find_model("nope") is None
        assert fast.get_setting("model") == orm.get_setting("model") == "handmade"
        assert fast.get_setting("nothing", "default") == "default"
        for terms in (["invoice"], ["2024", "xyz"], ["no"], ["nothing here"]):
            assert fast.text_matches(terms) == orm.text_matches(terms)
        (speech,) = fast.text_matches(["said"])
        assert speech.line.words[-1] == ("invoice", 1.6, 2.5) and speech.line.expert == "speech"
        assert fast.place_names() == {"Lisbon", "Lisboa", "Portugal"}
        assert fast.camera_names() == {"Google", "Pixel 7", "Summicron 35"}
        assert fast.known_names() == (fast.place_names(), fast.camera_names())
        assert fast._full is None  # none of these opened the SQLAlchemy catalog
        assert fast.file_by_path(ODD_PATH) == orm.file_by_path(ODD_PATH)  # any other read: through Catalog
        assert fast._full is not None
    finally:
        orm.close()
        fast.close()


def test_writes_go_through_the_catalog_and_the_next_read_sees_them(tmp_path):
    fast = LibraryCatalog(tmp_path / "catalog.db")  # a new catalog: `Catalog` creates it first
    try:
        assert fast._full is not None and fast.get_setting("ocr") is None
        fast.set_setting("ocr", "on")
        assert fast.get_setting("ocr") == "on"
        with pytest.raises(sqlite3.OperationalError):  # the read connection never writes
            fast._conn.execute("INSERT INTO settings VALUES ('x', 'y')")
    finally:
        fast.close()


def test_other_processes_see_what_is_written_after_the_reads_began(tmp_path):
    """The SQLAlchemy catalog opens after the read connection: it must not open and close the file itself
    (`check_catalog_file`), which drops this process's SQLite locks, so that another process's closing
    connection deletes the write-ahead log under it and every later commit is invisible to others."""
    Catalog(tmp_path / "c.db").close()
    fast = LibraryCatalog(tmp_path / "c.db")
    probe = ("import sqlite3, sys\ncon = sqlite3.connect(sys.argv[1])\n"
             "print(con.execute('SELECT value FROM settings WHERE key = ?', (sys.argv[2],)).fetchall())")

    def seen_elsewhere(key: str) -> str:
        return subprocess.run([sys.executable, "-c", probe, str(tmp_path / "c.db"), key], capture_output=True,
                              text=True, timeout=60, check=True).stdout.strip()

    try:
        assert fast.get_setting("a") is None and fast._full is None
        fast.set_setting("a", "1")  # opens the SQLAlchemy catalog beside the read connection
        assert seen_elsewhere("a") == "[('1',)]"  # that process's connection closes: the last one, it thinks?
        fast.set_setting("b", "2")
        assert seen_elsewhere("b") == "[('2',)]" and fast.get_setting("b") == "2"
    finally:
        fast.close()


def test_a_catalog_needing_its_migration_is_migrated_before_it_is_read(tmp_path):
    cat = Catalog(tmp_path / "c.db")
    cat.set_setting("model", "m")
    cat.close()
    downgrade_catalog(tmp_path / "c.db", "0001")
    fast = LibraryCatalog(tmp_path / "c.db")
    try:
        assert fast._full is not None  # opened (and migrated) by `Catalog` first
        assert fast.text_matches(["anything"]) == [] and fast.get_setting("model") == "m"
    finally:
        fast.close()


def test_a_damaged_catalog_is_still_one_clear_line(tmp_path):
    from core.errors import LibraryError

    (tmp_path / "c.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(LibraryError, match="not a MediaLens catalog"):
        LibraryCatalog(tmp_path / "c.db")


_PROBE = """
import json, sys
from core.cli import main
assert main({argv!r}) == 0
print(json.dumps({{m: m in sys.modules for m in ("sqlalchemy", "alembic", "core.indexing.pipeline")}}))
"""


@pytest.mark.slow
def test_a_cold_search_imports_no_sqlalchemy_and_a_catalog_to_migrate_still_answers(tmp_path, make_library,
                                                                                    cli_env, tiny_weights):
    write_pictures(tmp_path / "pics", 4)
    lib = make_library()
    lib.index([tmp_path / "pics"])
    expected = [h.path for h in lib.search("a red square", n=4)]
    lib.close()
    argv = ["search", "a red square", "--library", str(tmp_path / "lib"), "--model", TINY_MODEL,
            "--weights", str(tiny_weights), "--json", "-n", "4"]

    def search() -> tuple[list[str], dict]:
        out = subprocess.run([sys.executable, "-c", _PROBE.format(argv=argv)], cwd=REPO, env=cli_env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        *hits, loaded = out.stdout.strip().splitlines()
        return [h["path"] for h in json.loads("\n".join(hits))], json.loads(loaded)

    assert search() == (expected, {"sqlalchemy": False, "alembic": False, "core.indexing.pipeline": False})
    shutil.rmtree(tmp_path / "lib" / "index")  # no vector file: it is rebuilt from the catalog's vectors
    assert search() == (expected, {"sqlalchemy": False, "alembic": False, "core.indexing.pipeline": False})
    db = sqlite3.connect(tmp_path / "lib" / "catalog.db")  # as written before the last migrations (0006, 0007)
    db.execute("DROP INDEX ix_files_kind_status")
    db.execute("ALTER TABLE files DROP COLUMN inode")
    db.execute("ALTER TABLE files DROP COLUMN ctime_ns")
    db.execute("UPDATE alembic_version SET version_num = '0005_manage'")
    db.commit()
    db.close()
    hits, loaded = search()
    assert hits == expected and loaded["sqlalchemy"] and loaded["alembic"]  # migrated on the full path first
    db = sqlite3.connect(tmp_path / "lib" / "catalog.db")
    assert db.execute("SELECT version_num FROM alembic_version").fetchone()[0] == SCHEMA_HEAD
    db.close()
