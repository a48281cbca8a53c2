"""Library folders that reach outside themselves through folder links.

A link inside a root that leads to a folder elsewhere is followed (its photos
are part of the library, as documented), but a person should be able to see
where their library really reaches, and to stop it. The walk reports such links
(`core.indexing.scan.walk`); the indexer records them here per root at every scan; `status`
and the Folders dialog show them; one library setting turns following them off.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from core.store.catalog import Catalog

FOLLOW_KEY = "follow_outside_links"
LINKS_KEY = "outside_links"


def follows_outside_links(catalog: Catalog) -> bool:
    """Whether the walk follows folder links that lead outside their root (the default: yes)."""
    return catalog.get_setting(FOLLOW_KEY, "1") == "1"


def set_follow_outside_links(catalog: Catalog, follow: bool) -> None:
    """Follow links outside the roots, or not; takes effect at the next index (what was reached is then swept)."""
    catalog.set_setting(FOLLOW_KEY, "1" if follow else "0")


def outside_links(catalog: Catalog) -> dict[str, list[tuple[str, str]]]:
    """root -> [(link, the folder outside the root it leads to)], as the last scan of each root found."""
    raw = catalog.get_setting(LINKS_KEY)
    if not raw:
        return {}
    known = {path for _, path in catalog.roots()}
    return {root: [tuple(pair) for pair in pairs] for root, pairs in json.loads(raw).items() if root in known}


def record_outside_links(catalog: Catalog, root: str, links: list[tuple[str, str]]) -> None:
    raw = catalog.get_setting(LINKS_KEY)
    current = json.loads(raw) if raw else {}
    if current.get(root, []) == [list(pair) for pair in links]:
        return
    if links:
        current[root] = [list(pair) for pair in links]
    else:
        current.pop(root, None)
    catalog.set_setting(LINKS_KEY, json.dumps(current) if current else None)  # ASCII: names may hold any byte
