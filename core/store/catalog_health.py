"""What `medialens status` checks before it reports: the tables it counts can actually be read.

Counts come from indexes (`files.status`, `items.file_id`), so a destroyed page of a
table's own rows goes unseen by them while every search that reaches the page fails.
SQLite's `PRAGMA quick_check(TABLE)` walks one table's b-tree and its indexes
(structure and page formats, not index contents): linear in the table's size but with
no sorting, so it is run on the tables status counts except `vectors` (a kilobyte a
row: the vector file's count and spot check against it stand in for it).
"""

from __future__ import annotations

from core.store.catalog import Catalog
from core.store.catalog_file import REPAIR_HINT, CatalogDamaged

#: The tables `Library.status` counts or reads, `vectors` aside (see the module docstring).
COUNTED_TABLES = ("roots", "files", "items", "models", "embedded", "settings", "ocr_items")
#: Below this catalog size the whole file is checked (every table and index: a damaged page in the middle of a
#: 300-photo catalog belongs to a table status does not count), and reading 64 MB costs well under a second.
WHOLE_CHECK_BELOW_BYTES = 64 * 2**20


def check_counted_tables(catalog: Catalog) -> None:
    """Raise `CatalogDamaged` (one line, with the repair hint) when a counted table's pages cannot be read."""
    small = catalog.path.stat().st_size < WHOLE_CHECK_BELOW_BYTES
    for table in (None,) if small else COUNTED_TABLES:
        pragma = "PRAGMA quick_check" if table is None else f'PRAGMA quick_check("{table}")'
        try:
            with catalog.session() as s:
                found = s.connection().exec_driver_sql(pragma).scalars().all()
        except CatalogDamaged:  # the check itself stopped at a page it cannot read
            found = ["database disk image is malformed"]
        if found != ["ok"]:
            where = f"table {table}: " if table else ""
            raise CatalogDamaged(f"{catalog.path}: the catalog is damaged (SQLite: {where}{found[0]}); {REPAIR_HINT}")


def check_small_catalog(catalog: Catalog) -> None:
    """The whole-file check, for a catalog under `WHOLE_CHECK_BELOW_BYTES` only (an index run starts with it).

    A large catalog is not walked before every run: `watch` indexes each burst of changes, and reading every
    counted table of a million-file catalog each time would cost seconds a batch (`status` still checks them).
    """
    if catalog.path.stat().st_size < WHOLE_CHECK_BELOW_BYTES:
        check_counted_tables(catalog)
