"""The catalog's schema, migrations and bookkeeping."""

from __future__ import annotations

import sqlite3

import pytest

from core.errors import LibraryError
from core.store.catalog import SCHEMA_HEAD, Catalog, MediaFile
from tests.core.handmade import downgrade_catalog, new_items


def test_new_catalog_is_at_head_in_wal_mode(tmp_path):
    cat = Catalog(tmp_path / "c.db")
    cat.close()
    con = sqlite3.connect(tmp_path / "c.db")
    assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert con.execute("select version_num from alembic_version").fetchone()[0] == SCHEMA_HEAD
    con.close()
    Catalog(tmp_path / "c.db").close()  # reopening is a no-op migration


def test_a_catalog_of_the_previous_schema_is_upgraded_with_its_files(tmp_path):
    cat = Catalog(tmp_path / "c.db")
    root = cat.add_root(str(tmp_path))
    with cat.write() as s:
        s.add(MediaFile(root_id=root, path=str(tmp_path / "a.jpg"), size=1, mtime_ns=0, kind="image",
                        status="ok", seen_scan=1, added_at=0.0))
    cat.close()
    downgrade_catalog(tmp_path / "c.db", "0001")
    con = sqlite3.connect(tmp_path / "c.db")
    assert "ocr_lines" not in {r[0] for r in con.execute("select name from sqlite_master")}
    con.close()
    cat = Catalog(tmp_path / "c.db")  # opening upgrades it
    assert cat.file_by_path(str(tmp_path / "a.jpg")) is not None
    assert cat.ocr_counts() == (0, 0) and cat.text_matches(["anything"]) == []
    cat.close()


def test_catalog_from_a_newer_version_is_refused_clearly(tmp_path):
    Catalog(tmp_path / "c.db").close()
    con = sqlite3.connect(tmp_path / "c.db")
    con.execute("update alembic_version set version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(LibraryError, match="newer version of MediaLens"):
        Catalog(tmp_path / "c.db")


def test_garbage_catalog_file_is_a_clear_error(tmp_path):
    (tmp_path / "c.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(LibraryError, match="not a MediaLens catalog"):
        Catalog(tmp_path / "c.db")


def test_deleting_files_leaves_tombstones_for_their_items(tmp_path):
    cat = Catalog(tmp_path / "c.db")
    root = cat.add_root("/photos")
    with cat.write() as s:
        f = MediaFile(root_id=root, path="/photos/a.jpg", size=1, mtime_ns=1, kind="image", status="ok",
                      seen_scan=1, added_at=0)
        s.add(f)
        s.flush()
        ids = new_items(s, f.id, [None, 2.0])
    assert cat.removed_since(0) == ([], 0)
    assert sorted(cat.remove_root("/photos")) == ids
    removed, seq = cat.removed_since(0)
    assert sorted(removed) == ids and seq == 2
    assert cat.removed_since(seq) == ([], seq)
    cat.close()


def test_paths_that_are_not_utf8_round_trip(tmp_path):
    cat = Catalog(tmp_path / "c.db")
    odd = "/photos/caf\udce9.jpg"  # a Latin-1 byte in a name, as os.fsdecode gives it
    root = cat.add_root("/photos")
    with cat.write() as s:
        s.add(MediaFile(root_id=root, path=odd, size=1, mtime_ns=1, kind="image", status="ok", seen_scan=1,
                        added_at=0))
    assert list(cat.file_states(root)) == [odd]
    assert cat.file_by_path(odd).path == odd
    cat.close()


def test_settings_round_trip(tmp_path):
    cat = Catalog(tmp_path / "c.db")
    assert cat.get_setting("x", "d") == "d"
    cat.set_setting("x", "1")
    assert cat.get_setting("x") == "1"
    cat.set_setting("x", None)
    assert cat.get_setting("x") is None
    cat.close()


def test_a_full_disk_is_one_clear_error(tmp_path, monkeypatch):
    from sqlalchemy.exc import OperationalError

    cat = Catalog(tmp_path / "c.db")

    def full(*a, **k):
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    with pytest.raises(LibraryError, match="disk is full"), cat.write() as s:
        monkeypatch.setattr(s, "merge", full)
        s.merge(None)
    cat.close()
