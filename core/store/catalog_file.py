"""The catalog as a file: what may be opened, and what a storage failure tells the user.

SQLite opens almost anything: a zero-length file silently becomes a new empty
database, and a damaged page surfaces only when a query reaches it, as a driver
exception. This module decides before and after SQLite:

* `check_catalog_file` refuses, before SQLite touches it, a file that exists but
  cannot be a catalog (zero bytes, or not an SQLite database at all): a new
  library is created only where no file exists.
* `check_catalog_tables` refuses an SQLite database that is not MediaLens's
  (tables of another program, or none at all).
* `catalog_error` turns a driver error into one `LibraryError` line that says what
  happened to which file and what to do (`medialens repair` for a damaged one),
  without the driver's text about where to read more.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import CatalogDamaged, LibraryError

SQLITE_HEADER = b"SQLite format 3\x00"
#: What SQLite says when pages of a database are damaged (sqlite3 error texts, lower case).
DAMAGE_SIGNS = ("malformed", "not a database", "file is encrypted", "corrupt", "disk i/o error")
#: The tables every MediaLens catalog has had since its first schema.
CATALOG_TABLES = frozenset({"roots", "files", "items", "vectors", "models"})

REPAIR_HINT = "run `medialens repair` to recover what can be saved (the damaged file is kept beside it)"


def check_catalog_file(path: Path) -> None:
    """Refuse an existing file that cannot be a catalog; a missing file is fine (a new library)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError as exc:
        raise LibraryError(f"{path}: the catalog cannot be read ({(exc.strerror or str(exc)).lower()})") from None
    if size == 0:
        raise LibraryError(
            f"{path}: the catalog file is empty (0 bytes), so it holds no library; "
            f"move it away to start a new library here, or restore it from a backup"
        )
    try:
        with open(path, "rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise LibraryError(f"{path}: the catalog cannot be read ({(exc.strerror or str(exc)).lower()})") from None
    if header != SQLITE_HEADER:
        raise LibraryError(
            f"{path}: this file is not a MediaLens catalog (not an SQLite database); "
            f"move it away, or choose another library folder"
        )
    check_catalog_tables(*_tables_read_only(path), path)


def _tables_read_only(path: Path) -> tuple[set[str], bool]:
    """The database's table names, read without changing the file (a foreign file must stay as it is)."""
    import sqlite3
    from urllib.request import pathname2url

    try:
        con = sqlite3.connect(f"file:{pathname2url(os.fspath(path))}?mode=ro", uri=True)
        try:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise catalog_error(path, exc, "open") from None
    return {n for n in names if not n.startswith("sqlite_") and n != "alembic_version"}, "alembic_version" in names


def check_catalog_tables(tables: set[str], has_version: bool, path: Path) -> None:
    """Refuse an SQLite database that is empty or belongs to another program."""
    if has_version or tables >= CATALOG_TABLES:
        return
    if not tables:
        raise LibraryError(
            f"{path}: the catalog is an empty database with no library in it; "
            f"move it away to start a new library here, or restore it from a backup"
        )
    shown = ", ".join(sorted(tables)[:5])
    raise LibraryError(
        f"{path}: this database is not a MediaLens catalog (it holds tables {shown}); "
        f"move it away, or choose another library folder"
    )


def driver_text(exc: BaseException) -> str:
    """The database driver's own message, without SQLAlchemy's statement dump and help link."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    return text.split("\n")[0].strip()


def is_damage(exc: BaseException) -> bool:
    return any(sign in driver_text(exc).lower() for sign in DAMAGE_SIGNS)


def catalog_error(path: Path, exc: BaseException, doing: str = "read") -> LibraryError:
    """One line for a storage failure of the catalog at `path` while it was being read or written."""
    text = driver_text(exc)
    lowered = text.lower()
    if is_damage(exc):
        return CatalogDamaged(f"{path}: the catalog is damaged (SQLite: {text}); {REPAIR_HINT}")
    if "full" in lowered:
        return LibraryError(f"{path}: the disk is full; free some space and index again")
    if "readonly" in lowered or "read-only" in lowered:
        return LibraryError(f"{path}: the catalog is read-only")
    if "locked" in lowered:
        return LibraryError(f"{path}: the catalog is locked by another program")
    return LibraryError(f"{path}: cannot {doing} the catalog ({text})")


def side_files(path: Path) -> list[Path]:
    """The catalog with its SQLite companions (write-ahead log and shared memory), those that exist."""
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if os.path.lexists(p)]
