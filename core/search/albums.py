"""Albums as search filters: a smart album's saved search (text and filters as JSON), and the files of
named albums, manual or smart, as a `Filters` restriction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace


def filters_to_json(filters) -> dict:
    """A `core.search.engine.Filters` as JSON (dates as ISO text, sets as sorted lists), only what is set."""
    out = {}
    for name, value in vars(filters).items():
        if value is None or name == "file_ids":
            continue
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, frozenset | set | tuple):
            value = sorted(value)
        out[name] = value
    return out


def filters_from_json(data: dict):
    """The inverse of `filters_to_json`."""
    import datetime as dt

    from core.search.engine import Filters

    fields = {}
    for name, value in (data or {}).items():
        if name in ("date_from", "date_to"):
            value = dt.datetime.fromisoformat(value)
        elif name == "kinds":
            value = frozenset(value)
        elif name in ("tags", "albums"):
            value = tuple(value)
        fields[name] = value
    return Filters(**fields)


def smart_album_filters(library, names: Sequence[str], base):
    """`base` narrowed to files in any of the named albums; a smart album's members are its search's
    matches (cut where its matches end), its text's dates, places and cameras understood as filters
    ("beach July 2023"), or, when no words are left, every file its filters allow."""
    from core.store.catalog_manage import ManageCatalog

    store = ManageCatalog(library.catalog)
    albums = [store.album(n) for n in names]
    manual = tuple(a.id for a in albums if not a.smart)
    smart = [a for a in albums if a.smart]
    if not smart:
        return replace(base, albums=manual)
    members: set[int] = set()
    if manual:
        members |= library.catalog.file_ids_where(albums=manual)
    for album in smart:
        saved = filters_from_json(album.filters or {})
        understood = library.understand(album.query) if album.query else None
        if understood is not None:
            saved = understood.filters(saved)
        if understood is not None and understood.text:
            members |= {h.file.id for h in library.matches(understood.text, filters=saved).matches}
        else:
            members |= library.catalog.file_ids_where(**vars(saved))
    ids = frozenset(members) if base.file_ids is None else base.file_ids & frozenset(members)
    return replace(base, file_ids=ids)
