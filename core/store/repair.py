"""`medialens repair`: recover what SQLite can from a damaged catalog, keep the damaged file, re-index the rest.

The steps, each chosen so that nothing the user had is destroyed:

1. The damaged catalog (with its write-ahead log) is copied byte for byte to
   `catalog.db.damaged-<time>`; it is never written to.
2. Rows are read from a scratch copy. SQLite's own recovery (the `.recover`
   command of the `sqlite3` program, which reads every page it can parse) is
   used when that program is installed and succeeds (Debian 12's 3.40.1 failed
   even on a sound catalog): Python's `sqlite3` module does not offer it.
   Otherwise rows are read table by table in rowid order, stepping over the
   pages that cannot be read (`salvage_rows`); and when the schema itself is
   unreadable (a schema page overwritten, the file cut short) no table can be
   named to SQLite, so rows are read from the pages by the tables' known layout
   (`core.store.catalog_pages`).
3. The rows go into a new catalog made by the migrations (so its schema is
   exactly the current one); rows whose parent was lost are dropped by SQLite's
   own foreign key check, a root whose row was lost is remade at its files'
   common folder, and every file whose items or vectors may have been lost is
   made pending again (`Catalog.forget_incomplete`).
4. Only a new catalog that passes `PRAGMA integrity_check` replaces the old one;
   the vector index cache is removed (it is rebuilt from the catalog).

Files lost entirely are found again by the next scan as new files; the CLI runs
that index pass right after the repair.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import CatalogDamaged, LibraryError
from core.store.catalog import Catalog
from core.store.catalog_file import (
    catalog_error,
    catalog_tables,
    check_catalog_header,
    check_catalog_tables,
    is_damage,
    side_files,
)
from core.store.catalog_pages import Column, column_layout, salvage_by_layout

#: Files near a lost item id (in id order) are indexed again: items are written a batch at a time.
NEIGHBOUR_WINDOW = 1024
#: Rows copied per insert.
CHUNK = 2000


@dataclass
class RepairReport:
    catalog: Path
    kept_as: Path | None = None
    problems: list[str] = field(default_factory=list)  # what the integrity check found (first lines)
    method: str = ""
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows in the repaired catalog
    unreadable: dict[str, int] = field(default_factory=dict)  # table -> stretches of rows that could not be read
    lost_items: int = 0
    restored_roots: list[str] = field(default_factory=list)
    to_index: int = 0
    repaired: bool = False


def integrity_problems(path: Path, limit: int = 20) -> list[str]:
    """What `PRAGMA integrity_check` reports ([] when the database is sound)."""
    try:
        with contextlib.closing(sqlite3.connect(path)) as con:
            rows = [r[0] for r in con.execute(f"PRAGMA integrity_check({limit})")]
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc) and isinstance(exc, sqlite3.OperationalError):
            raise catalog_error(path, exc) from None  # a full disk or a failing drive: nothing to repair
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def repair_catalog(home: Path, force: bool = False,
                   remember_model: Callable[[Catalog], None] | None = None) -> RepairReport:
    """Recover the catalog of the library in `home` (see the module's docstring)."""
    from filelock import FileLock, Timeout

    path = Path(home) / "catalog.db"
    report = RepairReport(catalog=path)
    if not path.exists():
        raise LibraryError(f"{path}: there is no catalog to repair")
    try:
        header = check_catalog_header(path)
    except LibraryError:
        if path.stat().st_size == 0:
            raise
        header = False  # page 1 overwritten: whether rows of ours are left is known once the pages are read
    if header:
        with contextlib.suppress(CatalogDamaged):  # an unreadable schema is what repair is for
            check_catalog_tables(*catalog_tables(path), path)
    lock = FileLock(str(Path(home) / "index.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise LibraryError(f"another MediaLens is indexing the library in {home}; stop it, then repair") from None
    try:
        report.problems = integrity_problems(path)
        if not report.problems and not force:
            return report
        _repair(path, report, header, remember_model)
    finally:
        lock.release()
    return report


def _repair(path: Path, report: RepairReport, header: bool = True,
            remember_model: Callable[[Catalog], None] | None = None) -> None:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    scratch = path.with_name(f"{path.name}.repair-source")
    recovered = path.with_name(f"{path.name}.repair-recovered")
    fresh = path.with_name(f"{path.name}.repair-new")
    work = [scratch, recovered, fresh]
    try:
        for target in (kept, scratch):
            _copy_with_log(path, target)
        _remove(recovered, fresh)
        source = scratch
        if _sqlite_recover(scratch, recovered):
            source, report.method = recovered, "sqlite3 .recover"
        else:
            report.method = "row by row"
        Catalog(fresh).close()  # the current schema, from the migrations
        _copy_rows(source, fresh, report)
        if not header and not (report.rows.get("roots") or report.rows.get("files")):
            raise LibraryError(f"{path}: this file is not a MediaLens catalog (not an SQLite database, and no "
                               f"library rows were found in it); move it away, or choose another library folder")
        catalog = Catalog(fresh)
        try:
            report.restored_roots = catalog.restore_lost_roots()
            if remember_model is not None:  # the facade's: the store knows no model choice
                remember_model(catalog)
            _drop_orphans(fresh)
            lost = catalog.lost_item_ids()
            report.lost_items = len(lost)
            report.to_index = catalog.forget_incomplete(lost, NEIGHBOUR_WINDOW)
        finally:
            catalog.close()
        report.rows = _row_counts(fresh, report.rows)
        left = integrity_problems(fresh)
        if left:
            raise LibraryError(f"{path}: the recovered catalog still fails SQLite's check ({left[0]}); "
                               f"the damaged catalog is unchanged")
        for old in side_files(path)[1:]:  # its log first: an old log must never meet the new file
            old.unlink()
        os.replace(fresh, path)
        report.kept_as = kept
        report.repaired = True
        shutil.rmtree(path.parent / "index", ignore_errors=True)  # a cache of the old rows: rebuilt from these
    except (OSError, sqlite3.Error) as exc:
        reason = (getattr(exc, "strerror", None) or str(exc)).lower()
        raise LibraryError(f"{path}: cannot repair the catalog ({reason}); the damaged catalog is unchanged") from None
    finally:
        _remove(*work)
        if not report.repaired:
            _remove(kept)


def _copy_with_log(src: Path, dst: Path) -> None:
    """A byte copy of an SQLite database with its write-ahead log (committed rows may live there)."""
    shutil.copyfile(src, dst)
    wal = Path(f"{src}-wal")
    if wal.exists():
        shutil.copyfile(wal, f"{dst}-wal")


def _remove(*paths: Path) -> None:
    for p in paths:
        for f in side_files(p):
            f.unlink()


def _sqlite_recover(src: Path, dst: Path) -> bool:
    """SQLite's own recovery (`sqlite3 SRC .recover | sqlite3 DST`), when the `sqlite3` program is here."""
    program = shutil.which("sqlite3")
    if program is None:
        return False
    with subprocess.Popen([program, str(src), ".recover"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL) as dump:
        load = subprocess.run([program, str(dst)], stdin=dump.stdout, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False)
        dump.stdout.close()
    if dump.returncode != 0 or load.returncode != 0 or integrity_problems(dst):
        _remove(dst)
        return False
    return True


def _tables(con: sqlite3.Connection) -> dict[str, list[str]]:
    """Plain tables of a database (not SQLite's own, not full-text shadow tables) with their columns."""
    rows = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    out = {}
    for name, _sql in rows:
        if name.startswith("sqlite_") or name in virtual or any(name.startswith(v + "_") for v in virtual):
            continue
        out[name] = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')]
    return out


def _copy_rows(source: Path, target: Path, report: RepairReport) -> None:
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        dst.execute("PRAGMA foreign_keys = OFF")
        wanted = _tables(dst)
        try:
            present = _tables(src)
        except sqlite3.DatabaseError:  # the schema itself is unreadable: read the pages by the tables' layout
            _copy_pages(source, dst, wanted, report)
            dst.commit()
            return
        for table, columns in wanted.items():
            if table not in present or table == "alembic_version":
                continue
            cols = [c for c in columns if c in present[table]]
            names = ", ".join(f'"{c}"' for c in cols)
            insert = f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({", ".join("?" * len(cols))})'
            count, holes, batch = 0, 0, []
            for row in salvage_rows(src, table, cols):
                if row is None:
                    holes += 1
                    continue
                batch.append(row)
                if len(batch) >= CHUNK:
                    dst.executemany(insert, batch)
                    count, batch = count + len(batch), []
            dst.executemany(insert, batch)
            report.rows[table] = count + len(batch)
            if holes:
                report.unreadable[table] = holes
        _keep_sequences(src, dst)
        for (name,) in dst.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%fts5%'"):
            with contextlib.suppress(sqlite3.DatabaseError):  # external-content full-text tables refill
                dst.execute(f"INSERT INTO \"{name}\"(\"{name}\") VALUES ('rebuild')")
        dst.commit()


def _layouts(dst: sqlite3.Connection, tables: dict[str, list[str]]) -> dict[str, list[Column]]:
    """How each table's rows are stored (from the new catalog's own schema)."""
    out = {}
    for table in tables:
        info = dst.execute(f'PRAGMA table_info("{table}")').fetchall()  # cid, name, type, notnull, default, pk
        keys = [r for r in info if r[5]]
        alias = keys[0][1] if len(keys) == 1 and keys[0][2].upper() == "INTEGER" else None
        out[table] = [column_layout(r[1], r[2], bool(r[3]) or bool(r[5]), r[1] == alias) for r in info]
    return out


def _copy_pages(source: Path, dst: sqlite3.Connection, wanted: dict[str, list[str]], report: RepairReport) -> None:
    """Rows read page by page when the schema is unreadable; rows a freed page may have kept are left out.

    Freed pages keep the rows they held: an item whose id is tombstoned in `removed_items`
    was deleted, and a rowid found with two different rows is kept in neither version.
    """
    report.method = "page by page (the schema was unreadable)"
    tables = {t: c for t, c in wanted.items() if t != "alembic_version"}
    found = salvage_by_layout(source, _layouts(dst, tables))
    removed = {row[1] for row in found.rows.get("removed_items", {}).values()}
    for item_id in removed:
        found.rows.get("items", {}).pop(item_id, None)
    for table, rows in found.rows.items():
        names = ", ".join(f'"{c}"' for c in tables[table])
        dst.executemany(f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({", ".join("?" * len(tables[table]))})',
                        list(rows.values()))
        report.rows[table] = len(rows)
        if found.conflicts.get(table):
            report.unreadable[table] = found.conflicts[table]
    if found.unplaced_pages:
        report.unreadable["(pages of no known table)"] = found.unplaced_pages
    if removed:  # ids are never reused: the counter stays above every id handed out
        top = max(removed)
        dst.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'items'", (top,))
        dst.execute("INSERT INTO sqlite_sequence(name, seq) SELECT 'items', ? "
                    "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'items')", (top,))


def salvage_rows(con: sqlite3.Connection, table: str, columns: list[str]) -> Iterator[tuple | None]:
    """Every readable row of `table` in rowid order; None marks a stretch that could not be read.

    A scan stops at the first unreadable page; the next readable rowid is then
    found by probing ahead (doubling steps, then bisecting), since seeking to a
    rowid past the damaged page works while seeking into it does not.
    """
    names = ", ".join(f'"{c}"' for c in columns)
    query = f'SELECT rowid, {names} FROM "{table}" NOT INDEXED WHERE rowid > ? ORDER BY rowid'
    after = -(2 ** 63)
    while True:
        try:
            for row in con.execute(query, (after,)):
                after = row[0]
                yield row[1:]
            return
        except sqlite3.DatabaseError:
            yield None
            resume = _next_readable(con, table, after)
            if resume is None:
                return
            after = resume


def _next_readable(con: sqlite3.Connection, table: str, after: int) -> int | None:
    """A rowid bound past `after` from which `rowid > bound` can be read again (None: none left)."""
    probe = f'SELECT rowid FROM "{table}" NOT INDEXED WHERE rowid > ? ORDER BY rowid LIMIT 1'

    def readable(bound: int) -> bool:
        try:
            con.execute(probe, (bound,)).fetchall()
            return True
        except sqlite3.DatabaseError:
            return False

    step, top = 1, 2 ** 63 - 1
    lo = max(after, 0)
    hi = lo + step
    while not readable(hi):
        if hi >= top:
            return None
        lo, step = hi, step * 2
        hi = min(lo + step, top)
    while hi - lo > 1:  # readable(hi), not readable(lo): the smallest readable bound
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if readable(mid) else (mid, hi)
    return hi


def _keep_sequences(src: sqlite3.Connection, dst: sqlite3.Connection) -> None:
    """AUTOINCREMENT counters never go back (ids are never reused): the old counter or the highest id kept."""
    try:
        old = dict(src.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    except sqlite3.DatabaseError:
        old = {}
    for name, seq in dst.execute("SELECT name, seq FROM sqlite_sequence").fetchall():
        dst.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (max(seq, old.get(name, 0)), name))
    have = {r[0] for r in dst.execute("SELECT name FROM sqlite_sequence")}
    for name, seq in old.items():
        if name not in have:
            with contextlib.suppress(sqlite3.DatabaseError):
                top = dst.execute(f'SELECT max(rowid) FROM "{name}"').fetchone()[0] or 0
                dst.execute("INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)", (name, max(seq, top)))


def _row_counts(path: Path, tables) -> dict[str, int]:
    """Rows each copied table holds once orphans are gone."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _drop_orphans(path: Path) -> None:
    """Rows whose parent row was lost go too (SQLite's own foreign key check finds them), until none is left."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        while True:
            orphans = con.execute("PRAGMA foreign_key_check").fetchall()
            if not orphans:
                break
            for table, rowid, _parent, _fk in orphans:
                con.execute(f'DELETE FROM "{table}" WHERE rowid = ?', (rowid,))
            con.commit()
