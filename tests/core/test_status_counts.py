"""The counts a library's status shows: the same numbers as the queries before revision 0007, read through
narrow indexes (at 1M files the old ones read every wide `files` row: 3.5 s for a status)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event

from core.store import catalog_speech
from core.store.catalog import Catalog, MediaFile, OcrItem
from core.store.catalog_people import FaceItem, PeopleStore
from core.store.catalog_speech import Transcript
from tests.core.handmade import downgrade_catalog, new_items

# the statements as they were before revision 0007 (what the new ones must agree with)
OLD_COUNTS = "SELECT kind, status, count(*) FROM files GROUP BY kind, status"
OLD_PENDING = ("SELECT count(DISTINCT items.file_id) FROM items JOIN files ON files.id = items.file_id "
               "WHERE files.status = 'ok' AND files.kind IN ('image', 'video') {root} "
               "AND items.id NOT IN (SELECT item_id FROM {done})")
OLD_SPEECH = ("SELECT files.id FROM files WHERE files.status = 'ok' AND files.kind = 'video' {root} "
              "AND files.id NOT IN (SELECT transcripts.file_id FROM transcripts JOIN files AS f "
              "ON transcripts.file_id = f.id AND transcripts.size = f.size AND transcripts.mtime_ns = f.mtime_ns "
              "WHERE transcripts.expert = 'speech' AND transcripts.complete = 1) "
              "AND files.id IN (SELECT file_id FROM items) ORDER BY files.id")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Two folders of photos and videos: indexed, waiting, failed, partly read and looked at, heard (for the
    file's current version or an older one), a removed folder's files gone."""
    home = tmp_path_factory.mktemp("status")
    cat = Catalog(home / "c.db")
    roots = [cat.add_root(str(home / name)) for name in ("a", "b", "gone")]

    def add(s, root: int, name: str, kind: str, status: str, times=()) -> tuple[int, list[int]]:
        f = MediaFile(root_id=root, path=str(home / name), size=10, mtime_ns=5, kind=kind, status=status,
                      seen_scan=1, added_at=0.0, duration_s=9.0 if kind == "video" else None)
        s.add(f)
        s.flush()
        return f.id, new_items(s, f.id, times)

    with cat.write() as s:
        read, looked, heard = [], [], []
        for root, tag in ((roots[0], "a"), (roots[1], "b"), (roots[2], "gone")):
            _, (i,) = add(s, root, f"{tag}/read.jpg", "image", "ok", [None])
            read.append(i)
            looked.append(i)
            add(s, root, f"{tag}/unread.jpg", "image", "ok", [None])
            add(s, root, f"{tag}/waiting.jpg", "image", "pending")
            add(s, root, f"{tag}/broken.jpg", "image", "failed")
            add(s, root, f"{tag}/stale-items.jpg", "image", "failed", [None])  # failed on its second look
            _, frames = add(s, root, f"{tag}/half.mp4", "video", "ok", [0.0, 3.0, 6.0])
            read.append(frames[0])
            looked += frames
            fid, frames = add(s, root, f"{tag}/all.mp4", "video", "ok", [0.0, 4.0])
            read += frames
            heard.append((fid, 10, True))
            fid, _ = add(s, root, f"{tag}/changed.mp4", "video", "ok", [0.0])
            heard.append((fid, 99, True))  # heard before the file changed size: to hear again
            fid, _ = add(s, root, f"{tag}/started.mp4", "video", "ok", [0.0])
            heard.append((fid, 10, False))
            add(s, root, f"{tag}/frameless.mp4", "video", "ok")
        s.add_all([OcrItem(item_id=i, lines=0, at=0.0) for i in read])
        s.add_all([FaceItem(item_id=i, faces=0, at=0.0) for i in looked])
        s.add_all([Transcript(file_id=f, expert="speech", size=size, mtime_ns=5, done_s=9.0, complete=done,
                              lines=0, language_detected=False, at=0.0) for f, size, done in heard])
    cat.remove_root(str(home / "gone"))
    yield cat, roots[:2], sqlite3.connect(home / "c.db")
    cat.close()


def test_the_status_counts_equal_the_queries_before_the_index(mixed):
    cat, roots, con = mixed
    people = PeopleStore(cat)
    old = {f"{k}_{s}": n for k, s, n in con.execute(OLD_COUNTS)}
    assert {k: v for k, v in cat.counts().items() if k != "items"} == old == {
        "image_ok": 4, "image_pending": 2, "image_failed": 4, "video_ok": 10}
    for root_ids in (None, [roots[1]]):
        where = "" if root_ids is None else f"AND files.root_id = {root_ids[0]}"
        ocr_old = con.execute(OLD_PENDING.format(root=where, done="ocr_items")).fetchone()[0]
        faces_old = con.execute(OLD_PENDING.format(root=where, done="face_items")).fetchone()[0]
        speech_old = [r[0] for r in con.execute(OLD_SPEECH.format(root=where))]
        assert cat.ocr_pending_count(root_ids) == ocr_old == (8 if root_ids is None else 4)
        assert people.pending_count(root_ids) == faces_old == (8 if root_ids is None else 4)
        got = catalog_speech.pending(cat, "speech", root_ids)
        assert [t.file_id for t in got] == speech_old and len(speech_old) == (6 if root_ids is None else 3)
        assert sorted(t.done_s for t in got) == ([0.0] * 4 + [9.0] * 2 if root_ids is None else [0.0] * 2 + [9.0])


def _statements(cat: Catalog, call) -> list[tuple[str, tuple]]:
    seen: list[tuple[str, tuple]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, tuple(parameters)))

    event.listen(cat.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(cat.engine, "before_cursor_execute", record)
    return [(st, p) for st, p in seen if "files" in st]


def test_the_status_counts_read_the_narrow_index_not_the_file_rows(mixed):
    cat, roots, con = mixed
    people = PeopleStore(cat)
    calls = [cat.counts, cat.ocr_pending_count, people.pending_count,
             lambda: catalog_speech.pending(cat, "speech"), lambda: catalog_speech.pending(cat, "speech", roots)]
    for call in calls:
        statements = _statements(cat, call)
        assert statements
        for statement, params in statements:
            plan = [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + statement, params)]
            text = "\n".join(plan)
            files = [ln for ln in plan if " files " in f"{ln} " or ln.startswith(("SCAN files", "SEARCH files"))]
            assert files and all("ix_files_kind_status" in ln or "PRIMARY KEY" in ln for ln in files), text
            assert "LIST SUBQUERY" not in text or "SCAN items" not in text, text  # every item listed first
            assert "count(DISTINCT)" not in text, text


def test_the_index_comes_with_the_migration_from_the_previous_head(tmp_path):
    downgrade_catalog(tmp_path / "c.db", "0006_file_identity")

    def indexes() -> set[str]:
        con = sqlite3.connect(tmp_path / "c.db")
        try:
            return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        finally:
            con.close()

    assert "ix_files_kind_status" not in indexes()
    Catalog(tmp_path / "c.db").close()  # opening upgrades it
    assert "ix_files_kind_status" in indexes()
