"""Where a photo was taken, offline: GPS coordinates to city, region and country.

`reverse_geocoder` (LGPL-2.1, a plain Python dependency) ships GeoNames' cities of 1000+ people
(CC-BY 4.0) and answers from a k-d tree, with no network; `pycountry` (LGPL-2.1) names the
country from its ISO code. Loading the tree takes about 2 s once per process, so places are
looked up in batches at index time and stored: a place search costs only a catalog query.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

_lock = threading.Lock()


@dataclass(frozen=True)
class Place:
    city: str
    region: str | None
    country: str
    country_code: str


def country_name(code: str) -> str:
    """A country's common English name from its ISO 3166 alpha-2 code (the code itself if unknown)."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def places_for(coordinates: Sequence[tuple[float, float]]) -> list[Place]:
    """The nearest known town to each (latitude, longitude), in order."""
    if not coordinates:
        return []
    import reverse_geocoder

    with _lock:  # its lazily built singleton is not safe to build from two threads
        found = reverse_geocoder.search([(float(a), float(b)) for a, b in coordinates], mode=1, verbose=False)
    return [Place(r["name"], r.get("admin1") or None, country_name(r["cc"]), r["cc"].upper()) for r in found]
