"""Ratings, favourites, tags, albums, smart albums, places and cameras: set, stored in sidecars, read back,
and used as filters by every search kind."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.errors import LibraryError
from core.indexing.manage import sync_metadata
from core.media.xmp import XmpDocument, existing_sidecar, read_sidecar, sidecar_path
from core.search.engine import Filters
from tests.manage_factory import trip


@pytest.fixture
def trip_library(make_library, tmp_path):
    photos = trip(tmp_path / "photos")
    lib = make_library()
    lib.index([tmp_path / "photos"])
    ids = {name: lib.catalog.file_by_path(str(p)).id for name, p in photos.items()}
    return lib, photos, ids


def _names(lib, ids, file_ids) -> set[str]:
    by_id = {v: k for k, v in ids.items()}
    return {by_id[i] for i in file_ids}


def _browse(lib, ids, **filters) -> set[str]:
    return _names(lib, ids, [f.id for f in lib.browse(filters=Filters(**filters))])


def test_places_and_cameras_are_read_at_index_time(trip_library):
    lib, _, ids = trip_library
    places = lib.manager.store.places()
    assert ("Portugal", "Lisbon", 3) in places
    assert ("China", "Shanghai", 1) in places
    assert any(country == "Portugal" and city != "Lisbon" for country, city, _ in places)  # Porto, not Lisbon
    assert _browse(lib, ids, place="lisbon") == {"lisbon_jul", "lisbon_2022a", "lisbon_2022b"}
    assert _browse(lib, ids, place="Portugal") == {"lisbon_jul", "porto_jul", "lisbon_2022a", "lisbon_2022b"}
    assert _browse(lib, ids, place="PT") == _browse(lib, ids, place="Portugal")
    assert _browse(lib, ids, camera="pixel") == {"lisbon_jul", "porto_jul"}
    assert _browse(lib, ids, camera="RF24-105") == {"shanghai_jan"}  # by lens
    meta = lib.manager.store.metas([ids["shanghai_jan"]])[ids["shanghai_jan"]]
    assert meta.lens == "RF24-105mm F4 L IS USM" and meta.place == "Shanghai, China"
    assert "Pixel 7" in lib.catalog.camera_names() and "Lisbon" in lib.catalog.place_names()


def test_rating_favourite_tags_go_to_a_sidecar_and_filter(trip_library):
    lib, photos, ids = trip_library
    m = lib.manager
    report = m.edit([ids["lisbon_jul"], ids["porto_jul"]], rating=4, add_tags=["Places/Portugal", "summer"])
    assert report.changed == 2 and not report.problems
    m.edit([ids["lisbon_jul"]], favourite=True, add_tags=["Places/Portugal/Lisbon"], title="Tram 28")
    m.edit([ids["plain"]], rating=2)
    side = sidecar_path(photos["lisbon_jul"])
    assert side.name == "lisbon_jul.jpg.xmp"
    data = read_sidecar(side)
    assert data.rating == 4 and data.favourite is True and data.title == "Tram 28"
    assert set(data.tags) == {"Places/Portugal", "summer", "Places/Portugal/Lisbon"}
    assert _browse(lib, ids, min_rating=3) == {"lisbon_jul", "porto_jul"}
    assert _browse(lib, ids, min_rating=2) == {"lisbon_jul", "porto_jul", "plain"}
    assert _browse(lib, ids, favourite=True) == {"lisbon_jul"}
    assert _browse(lib, ids, tags=("Places/Portugal",)) == {"lisbon_jul", "porto_jul"}  # and what lies under it
    assert _browse(lib, ids, tags=("lisbon",)) == {"lisbon_jul"}  # a last level by its name
    assert _browse(lib, ids, tags=("Places/Portugal", "summer"), min_rating=4, camera="Pixel") == {
        "lisbon_jul", "porto_jul"}
    assert dict(m.store.tags())["summer"] == 2
    m.edit([ids["porto_jul"]], remove_tags=["summer"], rating=None)
    assert _browse(lib, ids, tags=("summer",)) == {"lisbon_jul"}
    assert read_sidecar(sidecar_path(photos["porto_jul"])).rating is None
    with pytest.raises(LibraryError, match="0 to 5"):
        m.edit([ids["plain"]], rating=6)


def test_stem_naming_and_sidecars_off(trip_library):
    lib, photos, ids = trip_library
    m = lib.manager
    m.naming = "stem"
    m.edit([ids["plain"]], rating=5)
    assert (photos["plain"].parent / "plain.xmp").is_file() and not sidecar_path(photos["plain"]).exists()
    m.writes_sidecars = False
    m.edit([ids["porto_jul"]], rating=1)
    assert existing_sidecar(photos["porto_jul"]) is None
    assert _browse(lib, ids, min_rating=1) == {"plain", "porto_jul"}
    original = photos["plain"].read_bytes()
    m.writes_sidecars = True
    m.edit([ids["plain"]], rating=3, add_tags=["x"])
    assert photos["plain"].read_bytes() == original  # never the original file


def test_a_sidecar_changed_by_another_tool_wins_on_the_next_index(trip_library):
    lib, photos, ids = trip_library
    lib.manager.edit([ids["lisbon_jul"]], rating=2, add_tags=["old"])
    side = sidecar_path(photos["lisbon_jul"])
    doc = XmpDocument.parse(side.read_bytes())
    doc.set_rating(5)
    doc.set_tags(["Trips/Lisbon 2023"])
    side.write_bytes(doc.to_bytes())
    report = sync_metadata(lib.catalog)
    assert report.read == 1  # only the file whose sidecar changed is read again
    meta = lib.manager.store.metas([ids["lisbon_jul"]])[ids["lisbon_jul"]]
    assert meta.rating == 5 and meta.tags == ["Trips/Lisbon 2023"]


def test_a_damaged_sidecar_is_named_and_never_overwritten(trip_library):
    lib, photos, ids = trip_library
    side = sidecar_path(photos["porto_jul"])
    damaged = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF"
    side.write_bytes(damaged)
    report = lib.manager.edit([ids["porto_jul"], ids["lisbon_jul"]], rating=3)
    assert report.changed == 1
    (path, reason), = report.problems
    assert path == str(photos["porto_jul"]) and str(side) in reason and "damaged" in reason
    assert side.read_bytes() == damaged
    assert _browse(lib, ids, min_rating=3) == {"lisbon_jul"}  # catalog and sidecar still agree
    found = sync_metadata(lib.catalog)
    assert any(str(side) in why for _, why in found.problems)
    assert lib.manager.store.sidecar_errors()[0][0] == str(photos["porto_jul"])


def test_a_crash_between_sidecar_and_catalog_is_mended_by_the_sidecar(trip_library, monkeypatch):
    lib, photos, ids = trip_library
    from core.store.catalog_manage import ManageCatalog

    def crash(*_a, **_k):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(ManageCatalog, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        lib.manager.edit([ids["shanghai_jan"]], rating=5, favourite=True, add_tags=["night"])
    monkeypatch.undo()
    assert read_sidecar(sidecar_path(photos["shanghai_jan"])).rating == 5
    assert _browse(lib, ids, min_rating=5) == set()  # the catalog never heard of it...
    sync_metadata(lib.catalog)
    assert _browse(lib, ids, min_rating=5, favourite=True, tags=("night",)) == {"shanghai_jan"}  # ...until now


def test_albums_and_smart_albums(trip_library):
    lib, _, ids = trip_library
    m = lib.manager
    assert m.add_to_album("Portugal trip", [ids["lisbon_jul"], ids["porto_jul"]]) == 2
    assert m.add_to_album("Portugal trip", [ids["lisbon_jul"]]) == 0
    m.add_to_album("Best", [ids["lisbon_jul"], ids["shanghai_jan"]])  # an item in many albums
    m.save_search("Lisbon", None, {"place": "Lisbon"})
    m.save_search("My Pixel", "photos from my Pixel", {})  # understood: a camera filter, no words left
    albums = {a.name: a for a in m.albums()}
    assert albums["Portugal trip"].count == 2 and albums["Lisbon"].smart and albums["Lisbon"].count is None
    assert _names(lib, ids, [f.id for f in lib.browse(filters=lib.album_filters(["Best"]))]) == {
        "lisbon_jul", "shanghai_jan"}
    smart = lib.album_filters(["Lisbon"])
    assert _names(lib, ids, [f.id for f in lib.browse(filters=smart)]) == {"lisbon_jul", "lisbon_2022a",
                                                                           "lisbon_2022b"}
    pixel = lib.album_filters(["My Pixel"])
    assert _names(lib, ids, [f.id for f in lib.browse(filters=pixel)]) == {"lisbon_jul", "porto_jul"}
    both = lib.album_filters(["Lisbon", "Portugal trip"], Filters(date_from=dt.datetime(2023, 1, 1)))
    assert _names(lib, ids, [f.id for f in lib.browse(filters=both)]) == {"lisbon_jul", "porto_jul"}
    with pytest.raises(LibraryError, match="smart album"):
        m.add_to_album("Lisbon", [ids["plain"]])
    with pytest.raises(LibraryError, match="no album named 'Nope'"):
        lib.album_filters(["Nope"])
    m.remove_from_album("Best", [ids["lisbon_jul"]])
    assert {a.name: a.count for a in m.albums()}["Best"] == 1


@pytest.mark.parametrize("kind", ["search", "matches", "similar", "compose", "browse", "duplicates"])
def test_filters_compose_with_every_search_kind(trip_library, kind):
    lib, photos, ids = trip_library
    lib.manager.edit([ids["lisbon_jul"], ids["shanghai_jan"]], rating=4)
    lib.manager.edit([ids["lisbon_jul"]], favourite=True)
    narrow = Filters(min_rating=4, place="Lisbon", favourite=True)
    wide = Filters(min_rating=4)
    if kind == "search":
        def run(f):
            return {h.file.id for h in lib.search("a picture", n=10, filters=f)}
    elif kind == "matches":
        def run(f):
            return {h.file.id for h in lib.matches("a picture", filters=f).hits}
    elif kind == "similar":
        def run(f):
            return {h.file.id for h in lib.similar(str(photos["plain"]), n=10, filters=f)}
    elif kind == "compose":
        def run(f):
            return {h.file.id for h in lib.compose(str(photos["plain"]), "at night", n=10, filters=f)}
    elif kind == "browse":
        def run(f):
            return {r.id for r in lib.browse(filters=f)}
    else:  # every photo a copy of every other (threshold -1): the filters choose which are grouped
        def run(f):
            return {c.file.id for g in lib.duplicates(threshold=-1.0, moments=False, filters=f) for c in g.copies}
        assert run(narrow) == set()  # one file is no group
        assert run(wide) == {ids["lisbon_jul"], ids["shanghai_jan"]}
        return
    assert run(narrow) == {ids["lisbon_jul"]}
    assert run(wide) == {ids["lisbon_jul"], ids["shanghai_jan"]}
    assert run(dataclasses.replace(wide, camera="Canon")) == {ids["shanghai_jan"]}


def test_a_filtered_search_sees_a_change_made_after_it(trip_library):
    lib, photos, ids = trip_library
    rated = Filters(min_rating=5)
    assert lib.similar(str(photos["plain"]), n=10, filters=rated) == []
    lib.manager.edit([ids["porto_jul"]], rating=5)  # the engine's kept list of allowed items is now stale
    assert [h.file.id for h in lib.similar(str(photos["plain"]), n=10, filters=rated)] == [ids["porto_jul"]]


def test_a_search_reads_the_place_and_camera_names_again_only_after_the_catalog_changed(trip_library, monkeypatch):
    from sqlalchemy import update

    from core.store.catalog import MediaFile
    from core.store.catalog_read import LibraryCatalog

    lib, _, ids = trip_library
    reads = []
    camera_names = LibraryCatalog.camera_names
    monkeypatch.setattr(LibraryCatalog, "camera_names", lambda self: reads.append(1) or camera_names(self))
    assert lib.understand("boats from my pixel 7").part("camera").value.lower() == "pixel 7"
    lib.understand("a bicycle in lisbon")
    assert len(reads) == 1  # every search of the window understands its text; the names are read once
    with lib.catalog.write() as s:
        s.execute(update(MediaFile).where(MediaFile.id == ids["plain"]).values(camera_model="Leica Q3"))
    assert lib.understand("boats from my leica q3").part("camera").value.lower() == "leica q3"
    assert len(reads) == 2
