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
  happened to which file and what to do (`medialens repair` for a damaged one;
  for a full disk or a failing drive, never repair: SQLite's "disk I/O error" is
  the drive's failure, not the file's), without the driver's text about where
  to read more.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from core.errors import CatalogDamaged, LibraryError

SQLITE_HEADER = b"SQLite format 3\x00"
#: What SQLite says when pages of a database are damaged (sqlite3 error texts, lower case).
DAMAGE_SIGNS = ("malformed", "not a database", "file is encrypted", "corrupt")
#: What SQLite says when the drive failed a read or write: a full disk or a failing drive, never damage.
IO_SIGNS = ("disk i/o error",)
#: Free space below this on the catalog's drive makes an I/O error "the disk is full" (SQLite needs a few pages
#: and its 32 KiB shared-memory file to open a catalog at all).
FULL_BELOW_BYTES = 1 << 20
#: The tables every MediaLens catalog has had since its first schema.
CATALOG_TABLES = frozenset({"roots", "files", "items", "vectors", "models"})

#: The Alembic scripts of the catalog's schema.
MIGRATIONS = Path(__file__).with_name("migrations")

REPAIR_HINT = "run `medialens repair` to recover what can be saved (the damaged file is kept beside it)"


def check_catalog_file(path: Path) -> None:
    """Refuse an existing file that cannot be a catalog; a missing file is fine (a new library)."""
    if check_catalog_header(path):
        check_catalog_tables(*catalog_tables(path), path)


def check_catalog_header(path: Path) -> bool:
    """Refuse a file that is empty or not an SQLite database, without reading its schema; False: no file."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
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
    return True


def catalog_tables(path: Path) -> tuple[set[str], bool]:
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
    if has_version:
        return
    if tables >= CATALOG_TABLES:  # every catalog MediaLens made has had its schema version from the first one
        raise LibraryError(
            f"{path}: this database has tables named like a MediaLens catalog's but no schema version, so "
            f"MediaLens did not make it; it is left as it is: move it away, or choose another library folder"
        )
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
    if "full" in lowered or (any(sign in lowered for sign in IO_SIGNS) and disk_full(path)):
        return LibraryError(f"{path}: the disk is full; free some space on it and try again (nothing was lost)")
    if any(sign in lowered for sign in IO_SIGNS):
        return LibraryError(f"{path}: the drive failed to {doing} the catalog (SQLite: {text}); the drive may be "
                            f"failing or disconnected: check it, then try again (nothing was lost)")
    if is_damage(exc):
        return CatalogDamaged(f"{path}: the catalog is damaged (SQLite: {text}); {REPAIR_HINT}")
    if "readonly" in lowered or "read-only" in lowered:
        return LibraryError(f"{path}: the catalog is read-only")
    if "locked" in lowered:
        return LibraryError(f"{path}: the catalog is locked by another program")
    return LibraryError(f"{path}: cannot {doing} the catalog ({text})")


def disk_full(path: Path) -> bool:
    """Whether the drive holding `path` has (almost) no space left for this user."""
    try:
        st = os.statvfs(Path(path).parent)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < FULL_BELOW_BYTES


def side_files(path: Path) -> list[Path]:
    """The catalog with its SQLite companions (write-ahead log and shared memory), those that exist."""
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if os.path.lexists(p)]


def head_revisions(migrations: Path = MIGRATIONS) -> set[str]:
    """The head(s) of the migration scripts, read from their `revision`/`down_revision` lines.

    Lets an up-to-date catalog open without importing Alembic (0.4 s of a cold search);
    anything unexpected (no scripts, a branch, a catalog behind or ahead) goes to Alembic.
    """
    revisions, parents = set(), set()
    for script in (migrations / "versions").glob("*.py"):
        found = dict(re.findall(r"""^(revision|down_revision)\s*(?::[^=]*)?=\s*["']([^"']+)["']""",
                                script.read_text(encoding="utf-8"), flags=re.M))
        if "revision" in found:
            revisions.add(found["revision"])
        if "down_revision" in found:
            parents.add(found["down_revision"])
    return revisions - parents
