"""The page size of a catalog whose header (page 1) is gone, read from the pages themselves."""

from __future__ import annotations

import random
import sqlite3

import pytest

from core.store.catalog_pages import page_images


@pytest.mark.parametrize("page_size", [1024, 4096, 8192])
def test_a_headerless_file_is_read_with_its_own_page_size(tmp_path, page_size):
    db = tmp_path / "catalog.db"
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA page_size = {page_size}")
    con.execute("CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT NOT NULL, size INTEGER)")
    con.execute("CREATE TABLE vectors (item_id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    con.executemany("INSERT INTO files (path, size) VALUES (?, ?)", [(f"/pics/{i:05}.jpg", i) for i in range(3000)])
    rng = random.Random(0)  # embeddings: bytes that look like anything, page headers included
    con.executemany("INSERT INTO vectors (data) VALUES (?)", [(rng.randbytes(128),) for _ in range(3000)])
    con.commit()
    con.close()
    data = bytearray(db.read_bytes())
    data[:page_size] = bytes(range(256)) * (page_size // 256)  # the header and the schema's first page overwritten
    db.write_bytes(bytes(data))

    size, pages = page_images(db)
    assert size == page_size  # counting b-tree-looking blocks (the old guess) favoured the smallest size, 512
    assert len(pages) == len(data) // page_size
