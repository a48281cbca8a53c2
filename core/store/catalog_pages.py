"""Rows read straight from the pages of a damaged catalog, for when SQLite cannot read its schema.

SQLite finds a table through the schema (`sqlite_master`, page 1 and the pages it
points to). When one of those pages is overwritten, or the file is cut short,
no statement can even be prepared, although nearly every row still sits intact
in its page. `salvage_by_layout` reads the file (and its write-ahead log) page by
page, decodes every cell of every table leaf page (SQLite's file format, §1.6
and §2.1 of https://www.sqlite.org/fileformat2.html) and gives each page to the
one table of the current schema whose layout all its rows fit: the number of
columns, each value's storage class (declared type and NOT NULL), and two
plausibility rules that tell apart tables of the same shape (`items` and
`ocr_items` are both NULL, integer, real): a column named `at` or `*_at` holds a
time since 1970 (at least 1e8 s), a column named `*_s` a duration (below 1e8 s).

A page that fits no table or several is passed over and counted. Pages freed
by SQLite keep their old rows; the caller drops what they could bring back
(`stale_items`, rowids seen with two different rows).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
WAL_MAGICS = (0x377F0682, 0x377F0683)
TABLE_LEAF = 0x0D
#: A value in a column named like a time since 1970 is at least this (1973), one named like a duration below it.
EPOCH_FLOOR = 1e8
PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)


@dataclass(frozen=True)
class Column:
    """One column of a table as its rows are stored: what storage classes a value may have."""

    name: str
    classes: frozenset[str]  # of "null", "int", "real", "text", "blob"
    rowid_alias: bool = False  # an INTEGER PRIMARY KEY: stored as NULL, its value is the rowid

    def fits(self, value) -> bool:
        kind = _storage_class(value)
        if kind not in self.classes:
            return False
        if kind in ("int", "real") and not isinstance(value, bool):
            if self.name == "at" or self.name.endswith("_at"):
                return value >= EPOCH_FLOOR
            if self.name.endswith("_s"):
                return abs(value) < EPOCH_FLOOR
        return True


@dataclass
class Salvage:
    """What a page-by-page read found: rows per table by rowid, and how many pages could not be placed."""

    rows: dict[str, dict[int, tuple]] = field(default_factory=dict)
    unplaced_pages: int = 0  # table pages that fit no table, or several
    conflicts: dict[str, int] = field(default_factory=dict)  # table -> rowids seen with two different rows


def column_layout(name: str, declared: str, notnull: bool, alias: bool) -> Column:
    """A column's storage classes from its declared type (SQLite's affinity rules, §3.1 of datatype3)."""
    t = declared.upper()
    if alias:
        return Column(name, frozenset({"null"}), rowid_alias=True)
    if "INT" in t:
        classes = {"int"}
    elif any(s in t for s in ("CHAR", "CLOB", "TEXT")):
        classes = {"text"}
    elif "BLOB" in t or not t:
        classes = {"blob"}
    elif any(s in t for s in ("REAL", "FLOA", "DOUB")):
        classes = {"int", "real"}  # SQLite stores an integral REAL as an integer on disk
    else:  # NUMERIC affinity (DATETIME: SQLAlchemy stores text)
        classes = {"int", "real", "text"}
    if not notnull:
        classes.add("null")
    return Column(name, frozenset(classes))


def salvage_by_layout(path: Path, layouts: dict[str, list[Column]]) -> Salvage:
    """Every row found in the table leaf pages of the database at `path`, given to the table it fits."""
    out = Salvage(rows={t: {} for t in layouts})
    page_size, pages = page_images(path)
    for number, page in pages.items():
        records = list(_leaf_records(page, number, page_size, pages))
        if not records:
            continue
        owners = [t for t, cols in layouts.items() if all(_fits(cols, values) for _, values in records)]
        if len(owners) != 1:
            out.unplaced_pages += 1
            continue
        table, cols = owners[0], layouts[owners[0]]
        found = out.rows[table]
        for rowid, values in records:
            row = _row(cols, rowid, values)
            if rowid in found and found[rowid] != row:
                found[rowid] = None  # two versions: a freed page kept the older one, which is unknown
                out.conflicts[table] = out.conflicts.get(table, 0) + 1
            elif rowid not in found:
                found[rowid] = row
    for table, found in out.rows.items():
        out.rows[table] = {k: v for k, v in found.items() if v is not None}
    return out


def _fits(cols: list[Column], values: list) -> bool:
    if len(values) > len(cols) or not values:
        return False
    if any(not c.fits(v) for c, v in zip(cols, values, strict=False)):
        return False
    return all("null" in c.classes for c in cols[len(values):])  # columns added later: absent in old rows


def _row(cols: list[Column], rowid: int, values: list) -> tuple:
    padded = list(values) + [None] * (len(cols) - len(values))
    return tuple(rowid if c.rowid_alias else v for c, v in zip(cols, padded, strict=True))


def _storage_class(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "real"
    return "text" if isinstance(value, str) else "blob"


# ----- the file format -------------------------------------------------------------------------

def page_images(path: Path) -> tuple[int, dict[int, bytes]]:
    """(page size, page number -> bytes): the file's pages with the committed pages of its log over them."""
    data = Path(path).read_bytes()
    page_size = _page_size(data)
    pages = {i // page_size + 1: data[i:i + page_size] for i in range(0, len(data) - page_size + 1, page_size)}
    wal = Path(f"{path}-wal")
    if wal.exists():
        pages.update(_wal_pages(wal.read_bytes(), page_size))
    return page_size, pages


def _page_size(data: bytes) -> int:
    if data[:16] == SQLITE_HEADER:
        raw = struct.unpack(">H", data[16:18])[0]
        size = 65536 if raw == 1 else raw
        if size in PAGE_SIZES:
            return size
    # The header is gone: the smallest size under which (nearly) as large a share of the pages look like b-tree
    # pages as under any size. A size larger than the true one lands on true page starts as well (an equal share);
    # a smaller one lands mostly inside pages (at most half the share). Counting rather than sharing picked 512.
    shares = {size: _btree_share(data, size) for size in PAGE_SIZES}
    best = max(shares.values())
    return min(size for size, share in shares.items() if share >= 0.75 * best)


def _btree_share(data: bytes, size: int) -> float:
    """The share of the `size`-byte blocks of `data` (page 1 left out) that hold a plausible b-tree page header."""
    starts = range(size, len(data) - size + 1, size)
    return sum(_looks_like_btree_page(data, i, size) for i in starts) / len(starts) if starts else 0.0


def _looks_like_btree_page(data: bytes, at: int, size: int) -> bool:
    """A b-tree page header at `at` whose cell count, content start and cell pointers fit a page of `size`."""
    kind = data[at]
    if kind not in (2, 5, 10, 13):
        return False
    header = 12 if kind in (2, 5) else 8
    cells, content = struct.unpack(">HH", data[at + 3:at + 7])
    content = content or 65536
    if not header + 2 * cells <= content <= size:
        return False
    pointers = struct.unpack(f">{cells}H", data[at + header:at + header + 2 * cells])
    return all(content <= p < size for p in pointers)


def _wal_pages(wal: bytes, page_size: int) -> dict[int, bytes]:
    """Pages of the committed transactions in a write-ahead log (the last copy of each wins)."""
    if len(wal) < 32 or struct.unpack(">I", wal[:4])[0] not in WAL_MAGICS:
        return {}
    size = struct.unpack(">I", wal[8:12])[0]
    if size != page_size:
        return {}
    salts = wal[16:24]
    committed: dict[int, bytes] = {}
    pending: dict[int, bytes] = {}
    at = 32
    while at + 24 + size <= len(wal):
        number, commit = struct.unpack(">II", wal[at:at + 8])
        if wal[at + 8:at + 16] != salts:
            break
        pending[number] = wal[at + 24:at + 24 + size]
        if commit:
            committed.update(pending)
            pending = {}
        at += 24 + size
    return committed


def _varint(buf: bytes, at: int) -> tuple[int, int]:
    value = 0
    for i in range(8):
        byte = buf[at + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    return (value << 8) | buf[at + 8], at + 9


def _leaf_records(page: bytes, number: int, page_size: int, pages: dict[int, bytes]) -> Iterator[tuple[int, list]]:
    """(rowid, values) of each cell of a table leaf page; cells that do not decode are left out."""
    head = 100 if number == 1 else 0
    if len(page) < head + 8 or page[head] != TABLE_LEAF:
        return
    cells = struct.unpack(">H", page[head + 3:head + 5])[0]
    if cells == 0 or head + 8 + 2 * cells > page_size:
        return
    for k in range(cells):
        at = struct.unpack(">H", page[head + 8 + 2 * k:head + 10 + 2 * k])[0]
        try:
            payload_size, at = _varint(page, at)
            rowid, at = _varint(page, at)
            if rowid >= 2 ** 63:
                rowid -= 2 ** 64
            payload = _payload(page, at, payload_size, page_size, pages)
            yield rowid, _record(payload)
        except (IndexError, ValueError, struct.error, UnicodeDecodeError):
            continue


def _payload(page: bytes, at: int, size: int, usable: int, pages: dict[int, bytes]) -> bytes:
    """A cell's payload, following its overflow pages."""
    most = usable - 35
    if size <= most:
        if at + size > len(page):
            raise ValueError("cell past the page")
        return page[at:at + size]
    least = (usable - 12) * 32 // 255 - 23
    local = least + (size - least) % (usable - 4)
    if local > most:
        local = least
    parts = [page[at:at + local]]
    got = local
    nxt = struct.unpack(">I", page[at + local:at + local + 4])[0]
    seen = set()
    while got < size:
        if nxt in seen or nxt not in pages:
            raise ValueError("overflow chain broken")
        seen.add(nxt)
        over = pages[nxt]
        take = min(usable - 4, size - got)
        parts.append(over[4:4 + take])
        got += take
        nxt = struct.unpack(">I", over[:4])[0]
    return b"".join(parts)


_INT_SIZES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}


def _record(payload: bytes) -> list:
    """The values of an SQLite record (header of serial types, then the values)."""
    header_size, at = _varint(payload, 0)
    if header_size > len(payload) or header_size < 1:
        raise ValueError("bad record header")
    types = []
    while at < header_size:
        t, at = _varint(payload, at)
        types.append(t)
    if at != header_size:
        raise ValueError("bad record header")
    values, at = [], header_size
    for t in types:
        if t == 0:
            values.append(None)
        elif t in _INT_SIZES:
            n = _INT_SIZES[t]
            values.append(int.from_bytes(payload[at:at + n], "big", signed=True))
            at += n
        elif t == 7:
            values.append(struct.unpack(">d", payload[at:at + 8])[0])
            at += 8
        elif t in (8, 9):
            values.append(t - 8)
        elif t >= 12:
            n = (t - 12) // 2
            chunk = payload[at:at + n]
            values.append(chunk.decode("utf-8") if t % 2 else bytes(chunk))
            at += n
        else:
            raise ValueError("reserved serial type")
        if at > len(payload):
            raise ValueError("record past its payload")
    if at != len(payload):
        raise ValueError("record size mismatch")
    return values

